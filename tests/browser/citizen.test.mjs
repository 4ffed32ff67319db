// The citizen's side of Helseportal in a real browser, on SQLite and PostgreSQL: first
// login and consent, "Din fastlege", language, consent changes and withdrawal, logout, the
// test provider's identity-number field, and persons with other GP situations. Every
// distinct page and state a test visits is checked against WCAG 2.1 A/AA with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import {
  accessibilityChecker, assertLoggedInHeader, bodyText, clickAndWait, describedBy,
  forEachDatabase, giveConsent, htmlLang, launchBrowser, loginAsCitizen, logOut, mainText,
  serviceCardTitles, waitForHeading, withPage,
} from './harness.mjs';

const ALL_SERVICES = [
  'Bestille time',
  'Starte e-konsultasjon',
  'Fornye resept',
  'Kontakte legekontoret',
  'Bestille influensavaksine',
];
const ALL_SERVICES_EN = [
  'Book an appointment',
  'Start an e-consultation',
  'Renew a prescription',
  "Contact the GP's surgery",
  'Book a flu vaccine',
];
const EMERGENCY = 'For akutt helsehjelp, ring 113. Hvis det haster, ring legekontoret eller legevakt på 116 117.';
const EMERGENCY_EN = "For emergency medical help, call 113. If it is urgent, call your GP's surgery or the out-of-hours service on 116 117.";
const CONSENT_TITLE = 'Samtykke til bruk av Helseportal';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Kari logs in for the first time and consents to Full tilgang; ends on "Hei, Kari". */
async function kariWithFullConsent(page, portal, a11y) {
  await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });
  await giveConsent(page, 'Full tilgang', { a11y });
  await waitForHeading(page, 'Hei, Kari');
  await a11y('front-page');
}

/** From the logged-in front page, follows the tile "Din fastlege" (or its translation). */
async function openGpTile(page, tile = 'Din fastlege') {
  await clickAndWait(page, page.getByRole('main').getByRole('link', { name: new RegExp(`^${tile}`) }));
}

/** The path of the page's current URL. */
const pathOf = (page) => new URL(page.url()).pathname;

/** Whether someone is logged in: the header's "Logg ut" button is there. */
const loggedIn = async (page) => (await page.getByRole('banner').getByRole('button', { name: 'Logg ut' }).count()) > 0;

forEachDatabase('citizen: Kari\'s first visit, consent and "Din fastlege"', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `citizen-first-visit-${database}`);
    await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });

    // A first login asks for consent before anything else, with nothing chosen beforehand.
    await waitForHeading(page, CONSENT_TITLE);
    assert.equal(pathOf(page), '/samtykke');
    for (const level of ['Basis', 'Basis+', 'Full tilgang']) {
      assert.equal(await page.getByRole('radio', { name: level, exact: true }).isChecked(), false,
        `no consent level is chosen beforehand (${level})`);
    }
    assert.equal(await page.getByRole('heading', { name: 'Trekke samtykket' }).count(), 0);
    await a11y('consent-first-time');

    // Saving without a choice explains what is missing and stays on the page.
    await clickAndWait(page, page.getByRole('button', { name: 'Lagre samtykke', exact: true }));
    await waitForHeading(page, CONSENT_TITLE);
    assert.match(await mainText(page), /Du må velge et samtykkenivå før du kan gå videre\./);
    assert.match(await describedBy(page.getByRole('group', { name: 'Velg samtykkenivå' })),
      /Du må velge et samtykkenivå/, 'the error is tied to the choice');
    await a11y('consent-missing-choice');

    // The first consent lands on the front page.
    await giveConsent(page, 'Full tilgang');
    await waitForHeading(page, 'Hei, Kari');
    assert.equal(pathOf(page), '/');
    assert.equal(await htmlLang(page), 'nb');
    await assertLoggedInHeader(page, 'Kari Nordmann');
    for (const tile of ['Din fastlege', 'Samtykke', 'Språk\\/Language']) {
      await page.getByRole('main').getByRole('link', { name: new RegExp(`^${tile}`) })
        .waitFor({ state: 'visible', timeout: 2_000 });
    }
    await a11y('front-page');

    await openGpTile(page);
    await waitForHeading(page, 'Fastlegetjenester');
    assert.equal(pathOf(page), '/fastlege');
    const text = await mainText(page);
    assert.ok(text.includes('Fastlege Rolf Rolfsen ved Solen Legekontor'), `the GP line is shown: ${text}`);
    assert.ok(text.includes(EMERGENCY), `the emergency text is shown: ${text}`);
    assert.deepEqual(await serviceCardTitles(page), ALL_SERVICES);
    assert.equal(await htmlLang(page), 'nb');
    await assertLoggedInHeader(page, 'Kari Nordmann');
    await a11y('gp-page');
  });
});

forEachDatabase('citizen: switching to English and back', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `citizen-language-${database}`);
    await kariWithFullConsent(page, portal, a11y);
    const languageLink = page.getByRole('banner').getByRole('link', { name: 'Språk/Language', exact: true });

    await clickAndWait(page, languageLink);
    await waitForHeading(page, 'Språk/Language');
    assert.equal(await page.getByRole('radio', { name: 'Norsk (bokmål)', exact: true }).isChecked(), true);
    await a11y('language-page-nb');
    await page.getByRole('radio', { name: 'English', exact: true }).check();
    await clickAndWait(page, page.getByRole('button', { name: 'Bruk valgt språk', exact: true }));

    await waitForHeading(page, 'Hi, Kari');
    assert.equal(await htmlLang(page), 'en');
    await assertLoggedInHeader(page, 'Kari Nordmann', 'Log out');
    await a11y('front-page-en');

    await openGpTile(page, 'Your GP');
    await waitForHeading(page, 'GP services');
    assert.equal(await htmlLang(page), 'en');
    const text = await mainText(page);
    assert.ok(text.includes('GP Rolf Rolfsen at Solen Legekontor'), `the GP line is in English: ${text}`);
    assert.ok(text.includes(EMERGENCY_EN), `the emergency text is in English: ${text}`);
    assert.deepEqual(await serviceCardTitles(page), ALL_SERVICES_EN);
    await a11y('gp-page-en');

    // The choice holds on the next page, and the language page itself is in English.
    await clickAndWait(page, languageLink);
    await waitForHeading(page, 'Språk/Language');
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await page.getByRole('radio', { name: 'English', exact: true }).isChecked(), true);
    await a11y('language-page-en');
    await page.getByRole('radio', { name: 'Norsk (bokmål)', exact: true }).check();
    await clickAndWait(page, page.getByRole('button', { name: 'Use the chosen language', exact: true }));

    await waitForHeading(page, 'Hei, Kari');
    assert.equal(await htmlLang(page), 'nb');
    await page.goto(`${portal.url}/fastlege`);
    await waitForHeading(page, 'Fastlegetjenester');
    assert.equal(await htmlLang(page), 'nb');
    assert.ok((await mainText(page)).includes('Fastlege Rolf Rolfsen ved Solen Legekontor'));
    assert.deepEqual(await serviceCardTitles(page), ALL_SERVICES);
    await a11y('gp-page');
  });
});

forEachDatabase('citizen: lowering consent to Basis, then withdrawing it', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `citizen-consent-${database}`);
    await kariWithFullConsent(page, portal, a11y);

    await clickAndWait(page, page.getByRole('main').getByRole('link', { name: /^Samtykke/ }));
    await waitForHeading(page, CONSENT_TITLE);
    assert.equal(await page.getByRole('radio', { name: 'Full tilgang', exact: true }).isChecked(), true,
      'the current consent is preselected');
    await waitForHeading(page, 'Trekke samtykket', { level: 2 });
    await assertLoggedInHeader(page, 'Kari Nordmann');
    await giveConsent(page, 'Basis', { a11y });

    await waitForHeading(page, CONSENT_TITLE);
    assert.match(await mainText(page), /Samtykket ditt er lagret\./);
    assert.equal(await page.getByRole('radio', { name: 'Basis', exact: true }).isChecked(), true);
    await a11y('consent-saved');

    // With Basis, "Din fastlege" explains why the services are missing.
    await page.goto(`${portal.url}/fastlege`);
    await waitForHeading(page, 'Fastlegetjenester');
    const text = await mainText(page);
    assert.ok(text.includes('Denne tjenesten krever samtykke til Full tilgang.'), text);
    assert.ok(text.includes('Fastlege Rolf Rolfsen ved Solen Legekontor'), 'Basis still shows who the GP is');
    assert.deepEqual(await serviceCardTitles(page), [], 'no service cards below Full tilgang');
    await a11y('gp-page-basis');
    await clickAndWait(page, page.getByRole('main').getByRole('link', { name: 'Endre samtykke', exact: true }));
    await waitForHeading(page, CONSENT_TITLE);
    assert.equal(pathOf(page), '/samtykke');
    assert.equal(await page.getByRole('radio', { name: 'Basis', exact: true }).isChecked(), true);
    await a11y('consent-later');

    // Withdrawing logs out; the next login asks for consent again.
    await clickAndWait(page, page.getByRole('button', { name: 'Trekk samtykket', exact: true }));
    await waitForHeading(page, 'Samtykket er trukket');
    assert.equal(await loggedIn(page), false, 'no longer logged in');
    await a11y('consent-withdrawn');

    await page.goto(`${portal.url}/`);
    await waitForHeading(page, 'Helseportal');
    await page.getByRole('main').getByRole('link', { name: 'Logg inn', exact: true }).waitFor();
    assert.ok(!(await bodyText(page)).includes('Kari'), 'the public front page shows nobody');
    await a11y('public-front-page');

    await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });
    await waitForHeading(page, CONSENT_TITLE);
    assert.equal(pathOf(page), '/samtykke');
    for (const level of ['Basis', 'Basis+', 'Full tilgang']) {
      assert.equal(await page.getByRole('radio', { name: level, exact: true }).isChecked(), false,
        `the withdrawn consent is not preselected (${level})`);
    }
    assert.equal(await page.getByRole('heading', { name: 'Trekke samtykket' }).count(), 0,
      'there is nothing to withdraw yet');
    await a11y('consent-first-time');
    await page.goto(`${portal.url}/fastlege`);
    await waitForHeading(page, CONSENT_TITLE);
    assert.equal(pathOf(page), '/samtykke', '/fastlege needs consent first');
  });
});

forEachDatabase('citizen: "Logg ut" ends the session', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `citizen-logout-${database}`);
    await kariWithFullConsent(page, portal, a11y);
    await page.goto(`${portal.url}/fastlege`);
    await waitForHeading(page, 'Fastlegetjenester');
    await a11y('gp-page');

    await logOut(page);
    await waitForHeading(page, 'Du er logget ut');
    assert.equal(pathOf(page), '/logget-ut');
    assert.equal(await loggedIn(page), false);
    assert.ok(!(await bodyText(page)).includes('Kari Nordmann'));
    await a11y('logged-out');

    // Going back in history does not bring Kari's GP page back.
    await page.goBack({ waitUntil: 'load' });
    let text = await bodyText(page);
    assert.ok(!text.includes('Rolf Rolfsen ved Solen'), `no GP data after Back (${page.url()}): ${text}`);
    assert.equal(await loggedIn(page), false, `not logged in after Back (${page.url()})`);
    await a11y('test-idp');

    // Opening "Din fastlege" again asks for a login.
    await page.goto(`${portal.url}/fastlege`);
    await waitForHeading(page, 'Testinnlogging');
    text = await bodyText(page);
    assert.ok(!text.includes('Rolf Rolfsen ved Solen'), 'no GP data after logout');
    assert.ok(!text.includes('Fastlegetjenester'), 'no GP page after logout');
    assert.notEqual(pathOf(page), '/fastlege');

    await page.goto(`${portal.url}/`);
    await page.getByRole('main').getByRole('link', { name: 'Logg inn', exact: true }).waitFor();
    assert.ok(!(await bodyText(page)).includes('Kari Nordmann'));
  });
});

forEachDatabase('citizen: the test provider\'s "Fødselsnummer" field', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `citizen-fnr-${database}`);
    await page.goto(`${portal.url}/logg-inn`);
    await waitForHeading(page, 'Testinnlogging');
    await a11y('test-idp');
    const field = page.getByRole('textbox', { name: 'Fødselsnummer', exact: true });
    const submit = page.getByRole('button', { name: 'Logg inn', exact: true });

    // Kari's number with a wrong last check digit.
    await field.fill('12858510049');
    await clickAndWait(page, submit);
    await waitForHeading(page, 'Testinnlogging');
    assert.match(await mainText(page), /Fødselsnummeret er ikke gyldig\. Kontroller at du har skrevet det riktig\./);
    assert.equal(await field.inputValue(), '12858510049', 'the typed value is kept');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.match(await describedBy(field), /Fødselsnummeret er ikke gyldig/, 'the error is tied to the field');
    await a11y('test-idp-invalid-number');

    // A valid number nobody in the register has.
    await field.fill('01010750160');
    await clickAndWait(page, submit);
    await waitForHeading(page, 'Testinnlogging');
    assert.match(await mainText(page), /Ingen person med dette fødselsnummeret er registrert\./);
    assert.doesNotMatch(await mainText(page), /ikke gyldig/);
    await a11y('test-idp-unknown-person');

    await field.fill('12858510048');
    await clickAndWait(page, submit);
    await waitForHeading(page, CONSENT_TITLE);
    assert.match(await page.getByRole('banner').innerText(), /Kari Nordmann/);
    await a11y('consent-first-time');
  });
});

forEachDatabase('citizen: Kurt Håkon, Per Persen and Nina see their own GP situation', async ({ portal, database }) => {
  /** Logs `name` in, consents to Full tilgang, checks the greeting and opens "Din fastlege". */
  const visitGpPage = (name, greeting, check) => withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `citizen-${name.split(' ')[0]}-${database}`);
    await loginAsCitizen(page, portal, name, { a11y });
    await giveConsent(page, 'Full tilgang', { a11y });
    await waitForHeading(page, greeting);
    await a11y('front-page');
    await openGpTile(page);
    await waitForHeading(page, 'Fastlegetjenester');
    await assertLoggedInHeader(page, name);
    await check(page, await mainText(page));
    await a11y('gp-page');
  });

  // Kurt Håkon: another office, four services.
  await visitGpPage('Kurt Håkon Lie', 'Hei, Kurt Håkon', async (page, text) => {
    assert.ok(text.includes('Fastlege Benedikte Berg ved Fjordbyen Legesenter'), text);
    assert.deepEqual(await serviceCardTitles(page), ALL_SERVICES.filter((s) => s !== 'Bestille influensavaksine'));
  });

  // Per Persen: the GP offers no digital services, but the contact details are there.
  await visitGpPage('Per Persen', 'Hei, Per', async (page, text) => {
    assert.ok(text.includes('Fastlege Mona Måne ved Månen Legekontor'), text);
    assert.ok(text.includes('Fastlegen din tilbyr ikke digitale tjenester på Helseportal'), text);
    assert.ok(text.includes('Måneveien 3'), `the office address is shown: ${text}`);
    assert.ok(text.includes('Tlf. 55 66 77 88'), `the office phone is shown: ${text}`);
    assert.ok(text.includes(EMERGENCY), text);
    assert.deepEqual(await serviceCardTitles(page), []);
  });

  // Nina: no GP at all.
  await visitGpPage('Nina Nilsen', 'Hei, Nina', async (page, text) => {
    assert.ok(text.includes('Du har ingen fastlege registrert'), text);
    assert.ok(text.includes(EMERGENCY), text);
    assert.doesNotMatch(text, /Fastlege \p{Lu}/u, `no GP line: ${text}`);
    assert.deepEqual(await serviceCardTitles(page), []);
  });
});
