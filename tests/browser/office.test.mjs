// The GP office's side in a real browser, on SQLite and PostgreSQL: the office manager
// chooses which services the office offers on Helseportal and the citizen's "Din fastlege"
// follows at once; a doctor or receptionist may only look; staff can log out. Every page
// and state a test visits is checked against WCAG 2.1 A/AA with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import {
  accessibilityChecker, bodyText, clickAndWait, forEachDatabase, giveConsent, launchBrowser,
  loginAsCitizen, loginAsStaff, logOut, mainText, newPage, serviceCardTitles, waitForHeading,
  withPage,
} from './harness.mjs';

const ALL_SERVICES = [
  'Bestille time',
  'Starte e-konsultasjon',
  'Fornye resept',
  'Kontakte legekontoret',
  'Bestille influensavaksine',
];
const READ_ONLY = 'Bare kontorleder kan endre hvilke tjenester legekontoret tilbyr.';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** From the office dashboard, opens "Tjenester på Helseportal". */
async function openServices(page) {
  await clickAndWait(page, page.getByRole('main').getByRole('link', { name: 'Tjenester på Helseportal', exact: true }));
  await waitForHeading(page, 'Tjenester legekontoret tilbyr');
}

/** On /kontor/tjenester: sets one service's checkbox, saves and waits for the notice. */
async function setServiceOffered(page, service, offered) {
  await page.getByRole('checkbox', { name: service, exact: true }).setChecked(offered);
  await clickAndWait(page, page.getByRole('button', { name: 'Lagre tjenestene', exact: true }));
  await waitForHeading(page, 'Tjenester legekontoret tilbyr');
  assert.match(await mainText(page), /Tjenestene er lagret\./);
  assert.equal(await page.getByRole('checkbox', { name: service, exact: true }).isChecked(), offered,
    `"${service}" is ${offered ? '' : 'not '}ticked after saving`);
}

forEachDatabase('office: the office manager\'s choice of services reaches the citizen at once', async ({ portal, database }) => {
  const tone = await newPage(browser);
  const kari = await newPage(browser);
  const a11y = accessibilityChecker(tone, `office-services-${database}`);
  try {
    await loginAsStaff(tone, portal, 'Tone Tangen', { a11y });
    await waitForHeading(tone, 'Solen Legekontor');
    assert.equal(new URL(tone.url()).pathname, '/kontor');
    assert.match(await tone.getByRole('banner').innerText(), /Tone Tangen/);
    await a11y('dashboard');

    await openServices(tone);
    for (const service of ALL_SERVICES) {
      assert.equal(await tone.getByRole('checkbox', { name: service, exact: true }).isChecked(), true,
        `"${service}" is offered at the start`);
    }
    await a11y('services-form');
    await setServiceOffered(tone, 'Fornye resept', false);
    await a11y('services-saved');

    // Kari, in her own browser context, sees the change at once.
    const kariA11y = (state) => a11y(`citizen-${state}`, kari);
    await loginAsCitizen(kari, portal, 'Kari Nordmann', { a11y: kariA11y });
    await giveConsent(kari, 'Full tilgang', { a11y: kariA11y });
    await waitForHeading(kari, 'Hei, Kari');
    await kariA11y('front-page');
    await kari.goto(`${portal.url}/fastlege`);
    await waitForHeading(kari, 'Fastlegetjenester');
    assert.deepEqual(await serviceCardTitles(kari), ALL_SERVICES.filter((s) => s !== 'Fornye resept'));
    await kariA11y('gp-page-without-renewal');

    // Ticked again, the service is back on Kari's next page load.
    await setServiceOffered(tone, 'Fornye resept', true);
    await kari.reload();
    await waitForHeading(kari, 'Fastlegetjenester');
    assert.deepEqual(await serviceCardTitles(kari), ALL_SERVICES);
    await kariA11y('gp-page');
  } finally {
    await tone.context().close();
    await kari.context().close();
  }
});

forEachDatabase('office: a doctor and a receptionist see the services but cannot change them', async ({ portal, database }) => {
  for (const name of ['Rolf Rolfsen', 'Sara Solbakken']) {
    await withPage(browser, async (page) => {
      const a11y = accessibilityChecker(page, `office-read-only-${name.split(' ')[0]}-${database}`);
      await loginAsStaff(page, portal, name, { a11y });
      await waitForHeading(page, 'Solen Legekontor');
      await a11y('dashboard');
      await openServices(page);
      const text = await mainText(page);
      assert.ok(text.includes(READ_ONLY), `${name} is told only the office manager may change: ${text}`);
      assert.equal(await page.getByRole('checkbox').count(), 0, `${name} gets no checkboxes`);
      assert.equal(await page.getByRole('button', { name: 'Lagre tjenestene' }).count(), 0);
      for (const service of ALL_SERVICES) assert.ok(text.includes(service), `${name} sees "${service}"`);
      await a11y('services-read-only');
    });
  }
});

forEachDatabase('office: staff "Logg ut" ends the session', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `office-logout-${database}`);
    await loginAsStaff(page, portal, 'Tone Tangen', { a11y });
    await waitForHeading(page, 'Solen Legekontor');
    await a11y('dashboard');
    await logOut(page);
    await waitForHeading(page, 'Du er logget ut');
    assert.equal(await page.getByRole('banner').getByRole('button', { name: 'Logg ut' }).count(), 0);
    assert.ok(!(await bodyText(page)).includes('Tone Tangen'));
    await a11y('logged-out');

    await page.goto(`${portal.url}/kontor/tjenester`);
    await waitForHeading(page, 'Helseportal for legekontor');
    assert.ok(!(await bodyText(page)).includes('Tone Tangen'), 'no longer logged in');
    assert.equal(await page.getByRole('checkbox').count(), 0);
    await a11y('office-login-page');
  });
});
