// Smoke test: the portal's front page loads in Chromium on both databases,
// offers "Logg inn", says in sight that a `--demo` portal is a test environment, and passes
// axe-core's WCAG 2.1 A/AA rules.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import {
  checkAccessibility, forEachDatabase, launchBrowser, newPage,
} from './harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

forEachDatabase('front page loads, offers "Logg inn" and is accessible', async ({ portal, database }) => {
  const page = await newPage(browser, { locale: 'nb-NO' });
  try {
    const response = await page.goto(`${portal.url}/`);
    assert.ok(response, 'navigation produced a response');
    assert.equal(response.status(), 200);

    const login = page.getByRole('link', { name: 'Logg inn', exact: true })
      .or(page.getByRole('button', { name: 'Logg inn', exact: true }));
    await login.first().waitFor({ state: 'visible', timeout: 5_000 });
    await page.getByRole('banner').getByText('Testmiljø — ikke ekte innlogging')
      .waitFor({ state: 'visible', timeout: 5_000 });

    await checkAccessibility(page, `front-page-${database}`);
  } finally {
    await page.context().close();
  }
});
