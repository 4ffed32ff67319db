// Login through an external OpenID Connect provider (oidc-provider.mjs, standing in for
// ID-porten), in a real browser, on SQLite and PostgreSQL: the person is found from the
// `pid` claim, a login below idporten-loa-high is refused, the built-in test provider is
// gone (and with it the test-environment banner), and staff log in the same way. The client
// secret reaches the portal as container platforms hand secrets over: in a file named by
// HELSEPORTAL_OIDC_CLIENT_SECRET_FILE. Every distinct page and state a test visits, the
// provider's login page included, is checked with axe-core.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import {
  accessibilityChecker, bodyText, clickAndWait, forEachDatabase, freePort, launchBrowser,
  mainText, waitForHeading, withPage,
} from './harness.mjs';
import { LOA_HIGH, LOA_SUBSTANTIAL, startOidcProvider } from './oidc-provider.mjs';

const CLIENT_ID = 'helseportal-test';
const CLIENT_SECRET = 'helseportal-test-secret-0123456789abcdef';
const KARI = '12858510048';
const TONE_TANGEN = '13887513095';

let browser;
let op;
let secretDir;
// One fixed portal port per database, so the redirect URIs are known to the provider
// before any portal starts.
const ports = {};

before(async () => {
  ports.sqlite = await freePort();
  do ports.postgres = await freePort(); while (ports.postgres === ports.sqlite);
  const redirectUris = Object.values(ports).flatMap((port) => [
    `http://127.0.0.1:${port}/auth/callback`,
    `http://127.0.0.1:${port}/kontor/auth/callback`,
  ]);
  op = await startOidcProvider({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: redirectUris }],
  });
  secretDir = mkdtempSync(join(tmpdir(), 'helseportal-secret-'));
  writeFileSync(join(secretDir, 'oidc-client-secret'), `${CLIENT_SECRET}\n`, { mode: 0o600 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await op?.stop();
  if (secretDir) rmSync(secretDir, { recursive: true, force: true });
});

const portalOptions = (database) => ({
  port: ports[database],
  env: {
    HELSEPORTAL_OIDC_ISSUER: op.issuer,
    HELSEPORTAL_OIDC_CLIENT_ID: CLIENT_ID,
    HELSEPORTAL_OIDC_CLIENT_SECRET_FILE: join(secretDir, 'oidc-client-secret'),
  },
});

/**
 * On the provider's login page: types the identity number, chooses the level of
 * assurance and submits; returns the response the browser ends on.
 */
async function loginAtProvider(page, pid, acr, a11y) {
  await waitForHeading(page, 'Testleverandør for innlogging');
  assert.equal(new URL(page.url()).origin, op.issuer, 'the login happens at the external provider');
  await a11y('provider-login-page');
  await page.getByRole('textbox', { name: 'Personnummer', exact: true }).fill(pid);
  await page.getByRole('combobox', { name: 'Sikkerhetsnivå', exact: true }).selectOption(acr);
  return clickAndWait(page, page.getByRole('button', { name: 'Logg inn hos testleverandøren', exact: true }));
}

forEachDatabase('oidc: citizen login through an external provider at idporten-loa-high', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `oidc-citizen-${database}`);
    await page.goto(`${portal.url}/`);
    await waitForHeading(page, 'Helseportal');
    await a11y('public-front-page');
    await clickAndWait(page, page.getByRole('main').getByRole('link', { name: 'Logg inn', exact: true }));
    const response = await loginAtProvider(page, KARI, LOA_HIGH, a11y);

    assert.equal(response.status(), 200);
    assert.equal(new URL(page.url()).origin, portal.url, 'back at the portal');
    await waitForHeading(page, 'Samtykke til bruk av Helseportal');
    assert.equal(new URL(page.url()).pathname, '/samtykke');
    assert.match(await page.getByRole('banner').innerText(), /Kari Nordmann/, 'pid mapped to Kari');
    await a11y('consent-first-time');
  });
}, portalOptions);

forEachDatabase('oidc: a login at idporten-loa-substantial is refused with 403', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `oidc-low-level-${database}`);
    await page.goto(`${portal.url}/logg-inn`);
    const response = await loginAtProvider(page, KARI, LOA_SUBSTANTIAL, a11y);

    await waitForHeading(page, 'Innloggingen har for lavt sikkerhetsnivå');
    assert.equal(response.status(), 403);
    assert.equal(new URL(page.url()).origin, portal.url);
    assert.equal(await page.getByRole('banner').getByRole('button', { name: 'Logg ut' }).count(), 0,
      'nobody is logged in');
    assert.ok(!(await bodyText(page)).includes('Kari Nordmann'));
    await a11y('login-low-level');

    // The refused login left no session: /fastlege starts a new login instead (which the
    // provider, remembering its own session at the low level, may answer with the same
    // refusal).
    await page.goto(`${portal.url}/fastlege`);
    await page.getByRole('heading', { level: 1, name: 'Testleverandør for innlogging', exact: true })
      .or(page.getByRole('heading', { level: 1, name: 'Innloggingen har for lavt sikkerhetsnivå', exact: true }))
      .waitFor();
    assert.notEqual(new URL(page.url()).pathname, '/fastlege');
    assert.ok(!(await bodyText(page)).includes('Fastlegetjenester'), 'no GP page without a login');
    await a11y(new URL(page.url()).origin === op.issuer ? 'provider-login-page' : 'login-low-level');
  });
}, portalOptions);

forEachDatabase('oidc: the built-in test provider is switched off', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const response = await page.goto(`${portal.url}/testidp/authorize`);
    assert.equal(response.status(), 404);
    await waitForHeading(page, 'Siden finnes ikke');
    assert.doesNotMatch(await mainText(page), /Testinnlogging/);
    assert.doesNotMatch(await bodyText(page), /Testmiljø/, 'no test-environment banner');
    await accessibilityChecker(page, `oidc-${database}`)('not-found');
  });
}, portalOptions);

forEachDatabase('oidc: staff login through the external provider', async ({ portal, database }) => {
  await withPage(browser, async (page) => {
    const a11y = accessibilityChecker(page, `oidc-staff-${database}`);
    await page.goto(`${portal.url}/kontor`);
    await waitForHeading(page, 'Helseportal for legekontor');
    await a11y('office-login-page');
    await clickAndWait(page, page.getByRole('link', { name: 'Logg inn som ansatt', exact: true }));
    await loginAtProvider(page, TONE_TANGEN, LOA_HIGH, a11y);

    await waitForHeading(page, 'Solen Legekontor');
    assert.equal(new URL(page.url()).origin + new URL(page.url()).pathname, `${portal.url}/kontor`);
    assert.match(await bodyText(page), /Tone Tangen/);
    await a11y('office-dashboard');
  });
}, portalOptions);
