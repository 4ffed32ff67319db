// Logout after inactivity, in a real browser, on SQLite and PostgreSQL. The portal runs
// with a 14-second idle limit and a 10-second warning, so the warning dialog opens about
// 4 seconds after a page has loaded and the session ends at 14 seconds; a browser without
// JavaScript shows that the server ends the idle session on its own. Every distinct page
// and state a test visits, the open dialog included, is checked with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import {
  accessibilityChecker, bodyText, forEachDatabase, giveConsent, launchBrowser, loginAsCitizen,
  mainText, newPage, waitForHeading, withPage,
} from './harness.mjs';

const IDLE_SECONDS = 14;
const WARNING_SECONDS = 10;

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

forEachDatabase('session: the inactivity warning, staying logged in, and logout when idle', async ({ portal, database }) => {
  const noScript = await newPage(browser, { javaScriptEnabled: false });
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `session-timeout-${database}`);
    await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });
    await giveConsent(page, 'Full tilgang', { a11y });
    await waitForHeading(page, 'Hei, Kari');

    // Meanwhile Kari is logged in in a second browser without JavaScript too, which is
    // left alone until the end: the server itself must end that idle session.
    await loginAsCitizen(noScript, portal, 'Kari Nordmann');
    await waitForHeading(noScript, 'Hei, Kari');
    const noScriptIdleSince = Date.now();

    await page.reload();
    await waitForHeading(page, 'Hei, Kari');
    const loadedAt = Date.now();

    const dialog = page.getByRole('dialog', { name: 'Du blir snart logget ut' });
    assert.equal(await dialog.isVisible(), false, 'no warning right after the page loads');
    assert.equal(await page.locator('dialog#session-warning').evaluate((d) => d.open), false);
    await a11y('front-page');

    // The dialog opens IDLE - WARNING seconds after the page loaded.
    await dialog.waitFor({ state: 'visible', timeout: 6_000 + 1_000 });
    const openedAfter = (Date.now() - loadedAt) / 1000;
    assert.ok(openedAfter >= IDLE_SECONDS - WARNING_SECONDS - 1,
      `the warning waited about ${IDLE_SECONDS - WARNING_SECONDS} s (opened after ${openedAfter} s)`);
    await waitForHeading(page, 'Du blir snart logget ut', { level: 2 });
    await dialog.getByRole('button', { name: 'Logg ut', exact: true }).waitFor();
    await a11y('dialog-open');

    // Staying logged in closes the dialog and keeps the session: a reload after the
    // original idle limit (counted from the page load) still finds Kari logged in.
    await dialog.getByRole('button', { name: 'Fortsett å være logget inn', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    await page.waitForTimeout(Math.max(0, loadedAt + (IDLE_SECONDS + 1) * 1000 - Date.now()));
    assert.equal(new URL(page.url()).pathname, '/', 'still on the front page after the original idle limit');
    await page.reload();
    await waitForHeading(page, 'Hei, Kari');
    const reloadedAt = Date.now();

    // Left alone, the page ends on the logged-out page with the inactivity explanation.
    await page.waitForURL((url) => url.pathname === '/logget-ut', { timeout: (IDLE_SECONDS + 8) * 1000 });
    const endedAfter = (Date.now() - reloadedAt) / 1000;
    assert.ok(endedAfter >= IDLE_SECONDS - 1, `logged out after about ${IDLE_SECONDS} s (${endedAfter} s)`);
    assert.equal(new URL(page.url()).searchParams.get('inaktiv'), '1');
    await waitForHeading(page, 'Du er logget ut');
    assert.match(await mainText(page), /Du ble logget ut automatisk/);
    assert.equal(await page.getByRole('banner').getByRole('button', { name: 'Logg ut' }).count(), 0);
    await a11y('logged-out-inactive');

    await page.goto(`${portal.url}/`);
    await waitForHeading(page, 'Helseportal');
    await page.getByRole('main').getByRole('link', { name: 'Logg inn', exact: true }).waitFor();
    assert.ok(!(await bodyText(page)).includes('Kari'), 'the public front page shows nobody');
    await a11y('public-front-page');

    // The browser without JavaScript: its next request finds the session ended.
    assert.ok(Date.now() - noScriptIdleSince > (IDLE_SECONDS + 1) * 1000);
    await noScript.reload();
    await waitForHeading(noScript, 'Du er logget ut');
    assert.equal(new URL(noScript.url()).pathname, '/logget-ut');
    assert.equal(new URL(noScript.url()).searchParams.get('inaktiv'), '1');
    assert.match(await mainText(noScript), /Du ble logget ut automatisk/);
    await noScript.goto(`${portal.url}/fastlege`);
    await waitForHeading(noScript, 'Testinnlogging');
  }).finally(() => noScript.context().close());
}, {
  env: {
    HELSEPORTAL_SESSION_IDLE_SECONDS: String(IDLE_SECONDS),
    HELSEPORTAL_SESSION_WARNING_SECONDS: String(WARNING_SECONDS),
  },
});

forEachDatabase('session: the warning and the logged-out page state the configured times', async ({ portal, database }) => {
  // Idle limit 15 minutes, warning 1 minute before: no waiting needed, the dialog's text is
  // in the page from the start, and the inactivity page can be opened directly.
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `session-times-${database}`);
    await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });
    await giveConsent(page, 'Full tilgang', { a11y });
    await waitForHeading(page, 'Hei, Kari');
    await a11y('front-page');
    const dialogText = (await page.locator('dialog#session-warning').textContent()).replace(/\s+/g, ' ');

    await page.goto(`${portal.url}/logget-ut?inaktiv=1`);
    await waitForHeading(page, 'Du er logget ut');
    const loggedOutText = await mainText(page);
    await a11y('logged-out-inactive');

    const problems = [];
    if (!dialogText.includes('logget ut automatisk om 1 minutt.')) {
      problems.push(`the warning should say "om 1 minutt" (60 s): ${dialogText.trim()}`);
    }
    if (!loggedOutText.includes('ikke har vært aktiv på 15 minutter')) {
      problems.push(`the logged-out page should say "15 minutter" (900 s): ${loggedOutText}`);
    }
    assert.deepEqual(problems, []);
  });
}, {
  env: {
    HELSEPORTAL_SESSION_IDLE_SECONDS: '900',
    HELSEPORTAL_SESSION_WARNING_SECONDS: '60',
  },
});
