// Helpers shared by Helseportal's browser tests: free ports, starting the portal
// against a fresh SQLite or PostgreSQL database, Chromium through playwright-core,
// and axe-core accessibility checks.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export const CHROMIUM_PATH = process.env.HELSEPORTAL_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(here, 'artifacts');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function psql(url, sql) {
  try {
    await execFileAsync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { timeout: 30_000 });
  } catch (error) {
    throw new Error(`psql failed (${sql}): ${error.stderr || error.message}`);
  }
}

function postgresServerUrl() {
  const url = process.env.HELSEPORTAL_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error('HELSEPORTAL_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server '
      + '(scripts/test.sh starts one; or run scripts/postgres.sh start DIR PORT and export '
      + 'HELSEPORTAL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres)');
  }
  return url;
}

/**
 * Prepares a fresh, empty database.
 * @param {'sqlite'|'postgres'} database
 * @returns {Promise<{ url: string, cleanup(): Promise<void> }>}
 */
export async function freshDatabase(database) {
  if (database === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'helseportal-browser-'));
    return {
      url: `sqlite://${dir}/portal.db`,
      dir,
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (database === 'postgres') {
    const server = postgresServerUrl();
    const name = `browser_${randomBytes(8).toString('hex')}`;
    await psql(server, `CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    url.search = '';
    const dir = mkdtempSync(join(tmpdir(), 'helseportal-browser-'));
    return {
      url: url.href,
      dir,
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
        await psql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      },
    };
  }
  throw new Error(`unknown database kind ${JSON.stringify(database)} (use 'sqlite' or 'postgres')`);
}

/**
 * Starts `$HELSEPORTAL_BIN serve --demo --listen 127.0.0.1:PORT --database URL`
 * on a fresh database and waits until GET /healthz answers 200.
 *
 * @param {object} [options]
 * @param {'sqlite'|'postgres'} [options.database='sqlite']
 * @param {Record<string,string>} [options.env] merged over process.env
 * @param {number} [options.port] a port chosen beforehand (e.g. for OIDC redirect URIs)
 * @param {string[]} [options.args] extra command-line arguments
 * @param {number} [options.timeoutMs=30000]
 * @returns {Promise<{ url: string, port: number, database: string, databaseUrl: string,
 *   dataDir: string, output(): { stdout: string, stderr: string },
 *   exitStatus(): { code: number|null, signal: string|null } | null, stop(): Promise<void> }>}
 */
export async function startPortal({
  database = 'sqlite', env = {}, port, args = [], timeoutMs = 30_000,
} = {}) {
  const bin = process.env.HELSEPORTAL_BIN;
  if (!bin) {
    throw new Error('HELSEPORTAL_BIN is not set: point it at the built binary, e.g. '
      + 'HELSEPORTAL_BIN=$PWD/target/debug/helseportal (scripts/test.sh does this)');
  }
  if (!existsSync(bin)) {
    throw new Error(`HELSEPORTAL_BIN=${bin} does not exist: build it first (cargo build --workspace)`);
  }

  const db = await freshDatabase(database);
  const listenPort = port ?? await freePort();
  const url = `http://127.0.0.1:${listenPort}`;
  const child = spawn(bin, [
    'serve', '--demo', '--listen', `127.0.0.1:${listenPort}`, '--database', db.url, ...args,
  ], {
    env: { ...process.env, ...env },
    cwd: db.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
  });
  child.once('error', (error) => { stderr += `\n[spawn error] ${error.message}`; });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    await db.cleanup();
  };
  const tail = (text) => (text.length > 8000 ? `…${text.slice(-8000)}` : text);
  const describe = () => `command: ${bin} serve --demo --listen 127.0.0.1:${listenPort} --database ${db.url}\n`
    + `--- stderr ---\n${tail(stderr)}\n--- stdout ---\n${tail(stdout)}`;

  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`the portal exited (code ${exited.code}, signal ${exited.signal}) before /healthz answered\n${describe()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the portal did not answer 200 on ${url}/healthz within ${timeoutMs} ms (last: ${lastError})\n${describe()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = error.cause?.code ?? error.message;
    }
    await sleep(100);
  }

  return {
    url,
    port: listenPort,
    database,
    databaseUrl: db.url,
    dataDir: db.dir,
    output: () => ({ stdout, stderr }),
    /** `{ code, signal }` once the process has exited (before stop(): it died), else null. */
    exitStatus: () => exited,
    stop,
  };
}

/** Launches headless Chromium (Debian's /usr/bin/chromium) through playwright-core. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens a page in a new browser context. The context bypasses the page's
 * Content-Security-Policy only so that axe-core can be injected; the portal's
 * own CSP stays as strict as in production.
 *
 * @param {import('playwright-core').Browser} browser
 * @param {object} [options] `locale` (default 'nb-NO') and other context options
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function newPage(browser, { locale = 'nb-NO', ...contextOptions } = {}) {
  const context = await browser.newContext({ locale, bypassCSP: true, ...contextOptions });
  return context.newPage();
}

let axeSource;

/** WCAG 1.4.10 Reflow: content fits a 320 CSS pixel wide viewport without scrolling sideways. */
export const REFLOW_WIDTH = 320;

/**
 * Narrows the viewport to REFLOW_WIDTH for a moment and returns a description of what
 * makes the page scroll sideways there ('' when nothing does).
 * @param {import('playwright-core').Page} page
 */
export async function reflowProblems(page) {
  const original = page.viewportSize();
  await page.setViewportSize({ width: REFLOW_WIDTH, height: original?.height ?? 720 });
  try {
    return await page.evaluate((width) => {
      const root = document.documentElement;
      if (root.scrollWidth <= root.clientWidth) return '';
      const describe = (element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}`
        + `${typeof element.className === 'string' && element.className ? `.${element.className.trim().split(/\s+/).join('.')}` : ''}`
        + ` "${(element.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
      const culprits = [...document.body.querySelectorAll('*')].filter((element) => {
        const style = getComputedStyle(element);
        if (style.display === 'none' || style.visibility === 'hidden') return false;
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.right <= 0) return false;
        return box.right > width + 0.5 || element.scrollWidth > element.clientWidth + 1;
      }).map(describe);
      return `the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px viewport`
        + `${culprits.length ? `; too wide: ${culprits.slice(0, 8).join(', ')}` : ''}`;
    }, REFLOW_WIDTH);
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

/**
 * Runs axe-core on the page with the WCAG 2.0/2.1 A and AA rules, and checks reflow
 * (WCAG 1.4.10, which axe cannot judge) at 320 CSS pixels; throws an error listing every
 * violation.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} [label] names the page in the error message
 * @returns {Promise<object>} axe's results when there are no violations
 */
export async function checkAccessibility(page, label = page.url()) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!await page.evaluate(() => typeof window.axe === 'object')) {
    await page.addScriptTag({ content: axeSource });
  }
  const results = await page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: 'tag', values: tags },
  }), WCAG_TAGS);
  const lines = results.violations.map((violation) => {
    const nodes = violation.nodes
      .map((node) => `    ${node.target.join(' ')}${node.failureSummary ? `\n      ${node.failureSummary.replace(/\n/g, '\n      ')}` : ''}`)
      .join('\n');
    return `  ${violation.id} [${violation.impact}]: ${violation.help} (${violation.helpUrl})\n${nodes}`;
  });
  const reflow = await reflowProblems(page);
  if (reflow) {
    lines.push(`  reflow [serious]: content must fit ${REFLOW_WIDTH} CSS px without horizontal scrolling `
      + `(WCAG 1.4.10, https://www.w3.org/WAI/WCAG21/Understanding/reflow.html)\n    ${reflow}`);
  }
  if (lines.length > 0) {
    await saveScreenshot(page, `axe-${label}`).catch(() => {});
    throw new Error(`${lines.length} accessibility violation(s) on ${label} (${page.url()}):\n${lines.join('\n')}`);
  }
  return results;
}

/** Saves a full-page screenshot under tests/browser/artifacts/ and returns its path. */
export async function saveScreenshot(page, label) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, `${label.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const DATABASES = [
  { database: 'sqlite', title: 'SQLite' },
  { database: 'postgres', title: 'PostgreSQL' },
];

/**
 * Registers two node:test tests, "NAME (SQLite)" and "NAME (PostgreSQL)", each
 * starting its own portal on a fresh database, calling fn({ portal, database, t }),
 * and stopping the portal afterwards (also on failure).
 *
 * `options` holds startPortal's `env`, `port` and `args`, plus `timeout` for
 * node:test (default 120 s). It may also be a function of the database kind
 * returning (a promise of) those options, evaluated when the test runs, e.g. to
 * pass an OpenID Connect issuer that is only known after a `before` hook.
 *
 * @param {string} name
 * @param {(ctx: { portal: Awaited<ReturnType<typeof startPortal>>,
 *   database: 'sqlite'|'postgres', t: import('node:test').TestContext }) => Promise<void>} fn
 * @param {{ env?: Record<string,string>, port?: number, args?: string[], timeout?: number }
 *   | ((database: 'sqlite'|'postgres') => object | Promise<object>)} [options]
 */
export function forEachDatabase(name, fn, options = {}) {
  const timeout = (typeof options === 'object' && options.timeout) || 120_000;
  for (const { database, title } of DATABASES) {
    test(`${name} (${title})`, { timeout }, async (t) => {
      const resolved = typeof options === 'function' ? await options(database) : options;
      const { timeout: _timeout, ...portalOptions } = resolved ?? {};
      const portal = await startPortal({ ...portalOptions, database });
      try {
        await fn({ portal, database, t });
      } catch (error) {
        const { stderr } = portal.output();
        const died = portal.exitStatus();
        if (died && error instanceof Error) {
          error.message += `\n--- the portal exited during the test (code ${died.code}, signal ${died.signal}) ---`;
        }
        if (stderr && error instanceof Error) {
          error.message += `\n--- portal stderr (last 4000 characters) ---\n${stderr.slice(-4000)}`;
        }
        throw error;
      } finally {
        await portal.stop();
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Page helpers shared by the flow tests. Texts are the portal's bokmål texts
// (crates/web/locales/nb.ftl) unless a test switches language.

/**
 * Waits until the page shows a heading with exactly this accessible name and returns it.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {{ level?: number, timeout?: number }} [options] level 1 unless told
 */
export async function waitForHeading(page, name, { level = 1, timeout = 10_000 } = {}) {
  const heading = page.getByRole('heading', { level, name, exact: true });
  await heading.waitFor({ state: 'visible', timeout });
  return heading;
}

/** The visible text of the page's <main>, with runs of whitespace collapsed. */
export async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
}

/** The visible text of the whole <body>, with runs of whitespace collapsed. */
export async function bodyText(page) {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ').trim();
}

/** The value of `<html lang>`. */
export async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

/**
 * Clicks `locator` and waits until the navigation it starts has loaded (following any
 * redirects). Returns the navigation's final response.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} locator
 */
export async function clickAndWait(page, locator) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }),
    locator.click(),
  ]);
  return response;
}

/**
 * Returns `a11y(state, page?)`, which runs checkAccessibility on `page` the first time a
 * test reaches the named state and does nothing when the same state comes round again,
 * so that a test can check every distinct page and state it visits without repeating
 * itself. Labels (for messages and screenshots) are `${prefix}-${state}`.
 *
 * @param {import('playwright-core').Page} page the default page to check
 * @param {string} prefix e.g. the test's short name and the database kind
 */
export function accessibilityChecker(page, prefix) {
  const seen = new Set();
  return async (state, target = page) => {
    if (seen.has(state)) return;
    seen.add(state);
    await checkAccessibility(target, `${prefix}-${state}`);
  };
}

/**
 * The portal's citizen login through the built-in test identity provider: front page →
 * "Logg inn" → "Testinnlogging" → the person's button. Ends where the portal sends the
 * person (the consent page on a first login, otherwise the front page). With `a11y` (from
 * accessibilityChecker), the front page and the provider's page are checked on the way.
 *
 * @param {import('playwright-core').Page} page
 * @param {{ url: string }} portal
 * @param {string} name the person's full name, as on the provider's button
 * @param {{ a11y?: (state: string) => Promise<void> }} [options]
 */
export async function loginAsCitizen(page, portal, name, { a11y } = {}) {
  await page.goto(`${portal.url}/`);
  await waitForHeading(page, 'Helseportal');
  await a11y?.('public-front-page');
  await clickAndWait(page, page.getByRole('main').getByRole('link', { name: 'Logg inn', exact: true }));
  await waitForHeading(page, 'Testinnlogging');
  await a11y?.('test-idp');
  return clickAndWait(page, page.getByRole('button', { name, exact: true }));
}

/**
 * The GP-office side's login: /kontor → "Logg inn som ansatt" → the test provider → the
 * person's button. Ends on the office's dashboard.
 */
export async function loginAsStaff(page, portal, name, { a11y } = {}) {
  await page.goto(`${portal.url}/kontor`);
  await waitForHeading(page, 'Helseportal for legekontor');
  await a11y?.('office-login-page');
  await clickAndWait(page, page.getByRole('link', { name: 'Logg inn som ansatt', exact: true }));
  await waitForHeading(page, 'Testinnlogging');
  await a11y?.('office-test-idp');
  return clickAndWait(page, page.getByRole('button', { name, exact: true }));
}

/**
 * On the consent page: chooses `level` ("Basis", "Basis+" or "Full tilgang") and saves.
 * Returns the response of the page the portal answers with. With `a11y`, the consent page
 * is checked first (as "consent-first-time" or "consent-later").
 */
export async function giveConsent(page, level, { a11y } = {}) {
  await waitForHeading(page, 'Samtykke til bruk av Helseportal');
  if (a11y) {
    const later = await page.getByRole('heading', { name: 'Trekke samtykket', exact: true }).count();
    await a11y(later ? 'consent-later' : 'consent-first-time');
  }
  await page.getByRole('radio', { name: level, exact: true }).check();
  return clickAndWait(page, page.getByRole('button', { name: 'Lagre samtykke', exact: true }));
}

/** Clicks the header's "Logg ut" (or another language's label) and waits for the answer. */
export async function logOut(page, label = 'Logg ut') {
  return clickAndWait(page, page.getByRole('banner').getByRole('button', { name: label, exact: true }));
}

/**
 * The titles of the service cards on "Din fastlege" (the h3 of every item in <main>'s
 * lists), in page order.
 */
export async function serviceCardTitles(page) {
  return page.getByRole('main').getByRole('listitem')
    .getByRole('heading', { level: 3 }).allInnerTexts();
}

/**
 * The text an element's `aria-describedby` points at (what a screen reader announces as its
 * description), whitespace collapsed.
 * @param {import('playwright-core').Locator} locator
 */
export async function describedBy(locator) {
  return locator.evaluate((element) => (element.getAttribute('aria-describedby') ?? '')
    .split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ').replace(/\s+/g, ' ').trim());
}

/**
 * Asserts the logged-in header: the site name link, "Språk/Language", the user's full name
 * and the log-out button.
 */
export async function assertLoggedInHeader(page, fullName, logOutLabel = 'Logg ut') {
  const banner = page.getByRole('banner');
  await banner.getByRole('link', { name: 'Helseportal', exact: true }).waitFor({ timeout: 2_000 });
  await banner.getByRole('link', { name: 'Språk/Language', exact: true }).waitFor({ timeout: 2_000 });
  await banner.getByText(fullName, { exact: true }).waitFor({ timeout: 2_000 });
  await banner.getByRole('button', { name: logOutLabel, exact: true }).waitFor({ timeout: 2_000 });
}

/** Opens a page in a fresh context, runs fn(page) and always closes the context. */
export async function withPage(browser, fn, options) {
  const page = await newPage(browser, options);
  try {
    return await fn(page);
  } finally {
    await page.context().close();
  }
}

/**
 * Clicks the link in <main> with this accessible name (a string matches exactly, a RegExp as
 * written, e.g. /^Din fastlege/ for a tile whose name goes on with its text) and waits for
 * the page it opens.
 * @param {import('playwright-core').Page} page
 * @param {string|RegExp} name
 */
export async function followLink(page, name) {
  const options = typeof name === 'string' ? { name, exact: true } : { name };
  return clickAndWait(page, page.getByRole('main').getByRole('link', options));
}

/** Clicks the button in <main> with exactly this accessible name and waits for the answer. */
export async function pressButton(page, name) {
  return clickAndWait(page, page.getByRole('main').getByRole('button', { name, exact: true }));
}

/**
 * A data table's body rows, each as an object keyed by its column headers' text (whitespace
 * collapsed), e.g. `[{ Type: 'E-konsultasjon', Pasient: 'Kari Nordmann', … }]`.
 * @param {import('playwright-core').Locator} table
 * @returns {Promise<Record<string, string>[]>}
 */
export async function tableRows(table) {
  return table.evaluate((element) => {
    const clean = (text) => (text ?? '').replace(/\s+/g, ' ').trim();
    const headers = [...element.querySelectorAll('thead th')].map((th) => clean(th.textContent));
    return [...element.querySelectorAll('tbody tr')].map((row) => Object.fromEntries(
      [...row.cells].map((cell, i) => [headers[i] ?? String(i), clean(cell.textContent)]),
    ));
  });
}

/**
 * Focuses `locator` and asserts that the focus can be seen (WCAG 2.4.7, which axe cannot judge):
 * the element matches :focus-visible, and its outline or box-shadow differs from its look
 * without focus. Leaves the focus there.
 * @param {import('playwright-core').Locator} locator
 */
export async function assertVisibleFocus(locator) {
  const look = () => locator.evaluate((element) => {
    const style = getComputedStyle(element);
    return `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow: ${style.boxShadow}`;
  });
  await locator.evaluate((element) => element.blur());
  const unfocused = await look();
  await locator.focus();
  const focused = await look();
  const name = await locator.evaluate((element) => element.getAttribute('aria-label') ?? element.textContent.trim());
  if (!await locator.evaluate((element) => element.matches(':focus-visible'))) {
    throw new Error(`"${name}" got focus, but not :focus-visible`);
  }
  if (focused === unfocused) {
    throw new Error(`focus on "${name}" cannot be seen (WCAG 2.4.7): it looks the same with and without focus (${focused})`);
  }
}

/**
 * Follows a link with the keyboard, as a person without a mouse does: focuses it (checking that
 * the focus can be seen), presses Enter and waits for the page it opens. Returns the
 * navigation's final response.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} locator
 */
export async function followWithKeyboard(page, locator) {
  await assertVisibleFocus(locator);
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }),
    page.keyboard.press('Enter'),
  ]);
  return response;
}

/**
 * Clicks `locator` (a link to a file) and returns the file the browser saves:
 * `{ name, bytes }` with the suggested file name and the content.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} locator
 */
export async function downloadFrom(page, locator) {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 15_000 }),
    locator.click(),
  ]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** The citizen's Innboks: the heading text of every thread (e.g. "Ulest Forny resept"), whitespace collapsed. */
export async function inboxSubjects(page) {
  return (await page.locator('main .inbox-item h2').allInnerTexts())
    .map((subject) => subject.replace(/\s+/g, ' ').trim());
}

/** The text of a thread's messages (".message-body"), whitespace collapsed, in page order. */
export async function messageBodies(page) {
  return (await page.locator('main .message-body').allInnerTexts())
    .map((text) => text.replace(/\s+/g, ' ').trim());
}

// ---------------------------------------------------------------------------------------------
// Civil dates as the portal sees them (Europe/Oslo), as YYYY-MM-DD strings.

/** Today in Oslo, YYYY-MM-DD. */
export function osloToday() {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date());
}

/**
 * The civil date `months` months after `date` (YYYY-MM-DD; `months` may be negative), with the
 * day clamped to the end of a shorter month (31 March + 1 month is 30 April).
 */
export function addMonths(date, months) {
  const [year, month, day] = date.split('-').map(Number);
  const first = new Date(Date.UTC(year, month - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(day, last));
  return first.toISOString().slice(0, 10);
}

/** "dd.mm.yyyy", the portal's short date, for a YYYY-MM-DD date. */
export function norwegianDate(date) {
  const [year, month, day] = date.split('-');
  return `${day}.${month}.${year}`;
}
