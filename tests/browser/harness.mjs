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
 *   dataDir: string, output(): { stdout: string, stderr: string }, stop(): Promise<void> }>}
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

/**
 * Runs axe-core on the page with the WCAG 2.0/2.1 A and AA rules and throws an
 * error listing every violation.
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
  if (results.violations.length > 0) {
    const lines = results.violations.map((violation) => {
      const nodes = violation.nodes
        .map((node) => `    ${node.target.join(' ')}${node.failureSummary ? `\n      ${node.failureSummary.replace(/\n/g, '\n      ')}` : ''}`)
        .join('\n');
      return `  ${violation.id} [${violation.impact}]: ${violation.help} (${violation.helpUrl})\n${nodes}`;
    });
    await saveScreenshot(page, `axe-${label}`).catch(() => {});
    throw new Error(`${results.violations.length} accessibility violation(s) on ${label} (${page.url()}):\n${lines.join('\n')}`);
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
