// Resepter and Forny resept in a real browser, on SQLite and PostgreSQL, on the prescriptions
// `serve --demo` writes for Kari Nordmann (dated from today): the overview of the last 12
// months, the three-year history, a prescription's details, the printable page and its PDF;
// a renewal request that Rolf Rolfsen (a doctor) approves or declines from the office's queue,
// which reception may not open; and the answer back in Kari's Innboks and on her prescriptions.
// Citizen and staff use separate browser contexts. Every distinct page and state a test visits
// is checked against WCAG 2.1 A/AA with axe-core.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';

import {
  accessibilityChecker, addMonths, describedBy, downloadFrom, followLink, forEachDatabase,
  giveConsent, inboxSubjects, launchBrowser, loginAsCitizen, loginAsStaff, mainText,
  messageBodies, norwegianDate, osloToday, pressButton, tableRows, waitForHeading, withPage,
} from './harness.mjs';

const DESLORATADIN = 'Desloratadin 5 mg tablett';
const PARALGIN = 'Paralgin forte 400 mg/30 mg tablett';
const SALBUTAMOL = 'Salbutamol 0,1 mg/dose inhalasjonsaerosol';
const AMOKSICILLIN = 'Amoksicillin 500 mg kapsel';
const ETINYLOSTRADIOL = 'Etinyløstradiol/levonorgestrel 0,03 mg/0,15 mg tablett';
const FENOKSYMETYLPENICILLIN = 'Fenoksymetylpenicillin';

const RENEW_TITLE = 'Forny resept';

/** The text of a PDF as a reader gets it out (poppler's pdftotext; the test command installs it). */
async function textOfPdf(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'helseportal-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, bytes);
    const { stdout } = await promisify(execFile)('pdftotext', ['-enc', 'UTF-8', file, '-']);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const RENEW_SEND = 'Send forespørsel om fornyelse';
const RENEW_MESSAGE_LABEL = 'Melding til legen (valgfritt, maks 200 tegn)';
const NOT_RENEWABLE_CONTROLLED = 'Kan ikke fornyes på nett: Legemidler i reseptgruppe A og B kan ikke '
  + 'fornyes på nett. Du må ha en konsultasjon med legen.';
const NOT_RENEWABLE_PENDING = 'Kan ikke fornyes på nett: Du har allerede bedt om fornyelse av denne resepten.';
const NONE_CHOSEN = 'Du må velge minst én resept.';
const PENDING = 'Fornyelse er bedt om';
const QUEUE_TITLE = 'Innboks for legekontoret';
const REASON_LABEL = 'Begrunnelse til pasienten';
const DATE = '\\d{2}\\.\\d{2}\\.\\d{4}';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Kari's Desloratadin as the demo writes it: prescribed 8 months ago, valid 4 months more. */
function desloratadinCard(today) {
  return {
    title: DESLORATADIN,
    status: 'Aktiv',
    lines: [
      'Dosering: 1 tablett daglig i pollensesongen',
      'Rekvirert av: Rolf Rolfsen',
      `Rekvirert: ${norwegianDate(addMonths(today, -8))}`,
      'Utlevert 3 av 4 ganger, 1 igjen',
      `Gyldig til: ${norwegianDate(addMonths(today, 4))}`,
    ],
  };
}

/** Kari logs in, consents to Full tilgang and ends on her front page. */
async function kariLogsIn(page, portal, a11y) {
  await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });
  await giveConsent(page, 'Full tilgang', { a11y });
  await waitForHeading(page, 'Hei, Kari');
  await a11y('front-page');
}

/** The tabs of "Resepter": each link's text and aria-current. */
async function tabs(page) {
  return page.getByRole('main').getByRole('navigation', { name: 'Resepter', exact: true }).getByRole('link')
    .evaluateAll((links) => links.map((link) => [link.textContent.trim(), link.getAttribute('aria-current')]));
}

/** The prescriptions a tab lists, in page order: { title, status, lines } each. */
async function prescriptionCards(page) {
  return page.locator('main .inbox-item').evaluateAll((items) => items.map((item) => {
    const clean = (text) => text.replace(/\s+/g, ' ').trim();
    const paragraphs = [...item.querySelectorAll('p')];
    return {
      title: clean(item.querySelector('h2').textContent),
      status: clean(item.querySelector('p > strong').textContent),
      lines: paragraphs.filter((p) => !p.querySelector('strong')).map((p) => clean(p.textContent)),
    };
  }));
}

/** The cards with this title (after a renewal there are two of the same medicine). */
const cardsOf = (cards, title) => cards.filter((card) => card.title === title);

/** Opens a tab of "Resepter" ("Resepter" or "Resepthistorikk") and returns its cards. */
async function openTab(page, name) {
  await page.getByRole('main').getByRole('navigation', { name: 'Resepter', exact: true })
    .getByRole('link', { name, exact: true }).click();
  await page.waitForURL(name === 'Resepthistorikk' ? /\/resepter\?fane=historikk$/ : /\/resepter$/);
  await waitForHeading(page, 'Resepter');
  assert.deepEqual(await tabs(page), [['Resepter', name === 'Resepter' ? 'page' : null],
    ['Resepthistorikk', name === 'Resepthistorikk' ? 'page' : null]]);
  return prescriptionCards(page);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The name of a prescription's "Se detaljer" link: it goes on with the title, read out but not
 * shown.
 */
const details = (title) => new RegExp(`^Se detaljer\\W+${escapeRegExp(title)}$`);

/** On "Forny resept": the checkbox of a prescription. */
const renewBox = (page, title) => page.getByRole('main').getByRole('checkbox', { name: title, exact: true });

/** Kari asks for renewal of Desloratadin through the card "Fornye resept" on "Din fastlege". */
async function kariAsksForRenewal(page, portal, a11y) {
  await page.goto(`${portal.url}/fastlege`);
  await waitForHeading(page, 'Fastlegetjenester');
  await a11y('gp-page');
  await followLink(page, /^Fornye resept/);
  await waitForHeading(page, RENEW_TITLE);
  await a11y('renew');
  await renewBox(page, DESLORATADIN).check();
  await pressButton(page, RENEW_SEND);
  await waitForHeading(page, 'Meldingen er sendt');
  await a11y('sent');
}

/**
 * Rolf Rolfsen logs in at /kontor and opens the renewal request from his queue, where it is the
 * only one. Returns its address.
 */
async function rolfOpensRenewal(page, portal, a11y) {
  await loginAsStaff(page, portal, 'Rolf Rolfsen', { a11y });
  await waitForHeading(page, 'Solen Legekontor');
  await a11y('dashboard');
  await followLink(page, new RegExp(`^${QUEUE_TITLE}`));
  await waitForHeading(page, QUEUE_TITLE);
  const rows = await tableRows(page.getByRole('main').getByRole('table'));
  assert.deepEqual(rows.map((row) => [row.Type, row.Pasient, row.Gjelder]), [['Forny resept', 'Kari Nordmann', RENEW_TITLE]]);
  await a11y('queue');
  await followLink(page, RENEW_TITLE);
  await waitForHeading(page, RENEW_TITLE);
  const items = await page.getByRole('region', { name: 'Resepter som skal fornyes', exact: true })
    .getByRole('listitem').allInnerTexts();
  assert.deepEqual(items, [`${DESLORATADIN} – 1 tablett daglig i pollensesongen`]);
  return page.url();
}

/** Kari's front page Innboks tile, whitespace collapsed. */
async function inboxTile(page, portal) {
  await page.goto(`${portal.url}/`);
  await waitForHeading(page, 'Hei, Kari');
  return (await page.getByRole('main').getByRole('link', { name: /^Innboks/ }).innerText()).replace(/\s+/g, ' ').trim();
}

/** Kari opens the (only) renewal thread from Innboks, unread, and returns its messages. */
async function kariReadsAnswer(page, portal, a11y) {
  assert.match(await inboxTile(page, portal), /1 ulest/);
  await a11y('front-page-unread');
  await followLink(page, /^Innboks/);
  await waitForHeading(page, 'Innboks');
  assert.deepEqual(await inboxSubjects(page), [`Ulest ${RENEW_TITLE}`]);
  await a11y('inbox-unread');
  await followLink(page, details(RENEW_TITLE));
  await waitForHeading(page, RENEW_TITLE);
  return messageBodies(page);
}

// ---------------------------------------------------------------------------------------------

forEachDatabase('prescriptions: Kari asks for renewal of her allergy medicine, Rolf Rolfsen approves it, Kari sees the renewed prescription and the answer in Innboks', async ({ portal, database }) => {
  const today = osloToday();
  const renewedUntil = norwegianDate(addMonths(today, 12));
  const message = 'Pollensesongen starter snart, og jeg har bare ett uttak igjen.';
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `rx-kari-${database}`);
    const main = kari.getByRole('main');
    await kariLogsIn(kari, portal, a11y);
    await followLink(kari, /^Resepter/);

    // The overview: what is valid or was dispensed in the last 12 months, newest first.
    await waitForHeading(kari, 'Resepter');
    assert.deepEqual(await tabs(kari), [['Resepter', 'page'], ['Resepthistorikk', null]]);
    const overview = await prescriptionCards(kari);
    assert.deepEqual(overview.map((card) => card.title), [PARALGIN, SALBUTAMOL, DESLORATADIN]);
    for (const card of overview) {
      assert.equal(card.status, 'Aktiv', JSON.stringify(card));
      const [dosage, prescriber, prescribed, dispensed, expires] = card.lines;
      assert.match(dosage, /^Dosering: \S/, JSON.stringify(card));
      assert.equal(prescriber, 'Rekvirert av: Rolf Rolfsen');
      assert.match(prescribed, new RegExp(`^Rekvirert: ${DATE}$`));
      assert.match(dispensed, /^Utlevert \d+ av \d+ ganger, \d+ igjen$/);
      assert.match(expires, new RegExp(`^Gyldig til: ${DATE}$`));
    }
    assert.deepEqual(cardsOf(overview, DESLORATADIN), [desloratadinCard(today)]);
    await a11y('overview');

    // Details: the group and the dispensations.
    await followLink(kari, details(DESLORATADIN));
    await waitForHeading(kari, DESLORATADIN);
    assert.ok((await mainText(kari)).includes('Reseptgruppe C'));
    const dispensations = await main.getByRole('listitem').allInnerTexts();
    assert.equal(dispensations.length, 3, dispensations.join(' | '));
    for (const line of dispensations) assert.match(line, new RegExp(`^${DATE}, Apotek 1 Solen$`));
    await a11y('details');
    await followLink(kari, 'Resepter');
    await waitForHeading(kari, 'Resepter');

    // The history: three years back, expired prescriptions too, nothing older.
    const history = await openTab(kari, 'Resepthistorikk');
    assert.deepEqual(history.map((card) => card.title),
      [PARALGIN, SALBUTAMOL, DESLORATADIN, AMOKSICILLIN, ETINYLOSTRADIOL]);
    assert.equal(cardsOf(history, AMOKSICILLIN)[0].status, 'Utløpt');
    assert.ok(!(await mainText(kari)).includes(FENOKSYMETYLPENICILLIN), 'four years ago is beyond the history');
    await a11y('history');
    await openTab(kari, 'Resepter');

    // The printable page and its PDF.
    await followLink(kari, 'Utskriftsvennlig versjon');
    await waitForHeading(kari, `Reseptoversikt for Kari Nordmann, laget ${norwegianDate(today)}`);
    assert.deepEqual(await main.getByRole('heading', { level: 2 }).allInnerTexts(),
      [`${PARALGIN} – Aktiv`, `${SALBUTAMOL} – Aktiv`, `${DESLORATADIN} – Aktiv`]);
    await a11y('print');
    const pdf = await downloadFrom(kari, main.getByRole('link', { name: 'Last ned som PDF', exact: true }));
    assert.equal(pdf.name, 'resepter.pdf');
    assert.equal(pdf.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    const pdfText = await textOfPdf(pdf.bytes);
    for (const text of [`Reseptoversikt for Kari Nordmann, laget ${norwegianDate(today)}`, DESLORATADIN, PARALGIN]) {
      assert.ok(pdfText.includes(text), `the PDF has "${text}"`);
    }

    // Forny resept: a group B medicine cannot be chosen; choosing nothing is an error.
    await followLink(kari, 'Resepter');
    await waitForHeading(kari, 'Resepter');
    await followLink(kari, RENEW_TITLE);
    await waitForHeading(kari, RENEW_TITLE);
    const choices = main.getByRole('group', { name: 'Resepter som kan fornyes', exact: true });
    assert.equal(await renewBox(kari, DESLORATADIN).isEnabled(), true);
    assert.equal(await renewBox(kari, DESLORATADIN).isChecked(), false);
    assert.equal(await renewBox(kari, PARALGIN).isDisabled(), true);
    assert.equal(await describedBy(renewBox(kari, PARALGIN)), NOT_RENEWABLE_CONTROLLED);
    assert.ok((await choices.innerText()).includes(NOT_RENEWABLE_CONTROLLED), 'the reason is shown');
    await a11y('renew');
    await pressButton(kari, RENEW_SEND);
    await waitForHeading(kari, RENEW_TITLE);
    assert.equal((await main.getByRole('alert').innerText()).trim(), NONE_CHOSEN);
    assert.equal(await describedBy(choices), NONE_CHOSEN, 'the error is tied to the choices');
    await a11y('renew-none-chosen');
    await renewBox(kari, DESLORATADIN).check();
    await main.getByRole('textbox', { name: RENEW_MESSAGE_LABEL, exact: true }).fill(message);
    await pressButton(kari, RENEW_SEND);
    await waitForHeading(kari, 'Meldingen er sendt');
    await a11y('sent');

    // The request is pending, and cannot be sent twice (also not from "Din fastlege").
    await kari.goto(`${portal.url}/resepter`);
    await waitForHeading(kari, 'Resepter');
    const pending = cardsOf(await prescriptionCards(kari), DESLORATADIN);
    assert.deepEqual(pending, [{ ...desloratadinCard(today), status: PENDING }]);
    await a11y('overview-pending');
    await kari.goto(`${portal.url}/fastlege`);
    await waitForHeading(kari, 'Fastlegetjenester');
    await a11y('gp-page');
    await followLink(kari, /^Fornye resept/);
    await waitForHeading(kari, RENEW_TITLE);
    assert.equal(await renewBox(kari, DESLORATADIN).isDisabled(), true);
    assert.equal(await describedBy(renewBox(kari, DESLORATADIN)), NOT_RENEWABLE_PENDING);
    await a11y('renew-pending');

    // Rolf Rolfsen opens it; Sara Solbakken at reception neither sees nor opens it; Rolf approves.
    await withPage(browser, async (rolf) => {
      const rolfA11y = accessibilityChecker(rolf, `rx-rolf-${database}`);
      const address = await rolfOpensRenewal(rolf, portal, rolfA11y);
      assert.deepEqual(await messageBodies(rolf), [`Ber om fornyelse av: - ${DESLORATADIN} Melding: ${message}`]);
      await rolfA11y('renewal-request');

      await withPage(browser, async (sara) => {
        const saraA11y = accessibilityChecker(sara, `rx-sara-${database}`);
        await loginAsStaff(sara, portal, 'Sara Solbakken', { a11y: saraA11y });
        await waitForHeading(sara, 'Solen Legekontor');
        await saraA11y('dashboard');
        await followLink(sara, new RegExp(`^${QUEUE_TITLE}`));
        await waitForHeading(sara, QUEUE_TITLE);
        assert.match(await mainText(sara), /Ingen henvendelser venter på svar\./);
        assert.equal(await sara.getByRole('main').getByRole('table').count(), 0);
        await saraA11y('queue-empty');
        const response = await sara.goto(address);
        assert.equal(response.status(), 403);
        await waitForHeading(sara, 'Du har ikke tilgang');
        assert.ok(!(await mainText(sara)).includes(DESLORATADIN), 'nothing of the request is shown');
        await saraA11y('forbidden');
      });

      await pressButton(rolf, 'Godkjenn fornyelsen');
      await waitForHeading(rolf, RENEW_TITLE);
      assert.equal((await rolf.getByRole('main').getByRole('status').innerText()).trim(), 'Svaret er sendt til pasienten.');
      assert.equal((await messageBodies(rolf)).at(-1), `Resepten er fornyet og gyldig til ${renewedUntil}.`);
      assert.equal(await rolf.getByRole('button', { name: 'Godkjenn fornyelsen' }).count(), 0, 'answered once');
      assert.equal(await rolf.getByRole('button', { name: 'Avslå fornyelsen' }).count(), 0, 'answered once');
      await rolfA11y('renewal-approved');
    });

    // Kari reads the answer and finds the renewed prescription.
    const bodies = await kariReadsAnswer(kari, portal, a11y);
    assert.equal(bodies.at(-1), `Resepten er fornyet og gyldig til ${renewedUntil}.`);
    assert.match(await kari.locator('main .message-from').last().innerText(), /Rolf Rolfsen/);
    await a11y('thread-approved');

    await kari.goto(`${portal.url}/resepter`);
    await waitForHeading(kari, 'Resepter');
    const renewed = await prescriptionCards(kari);
    assert.deepEqual(renewed[0], {
      title: DESLORATADIN,
      status: 'Aktiv',
      lines: [
        'Dosering: 1 tablett daglig i pollensesongen',
        'Rekvirert av: Rolf Rolfsen',
        `Rekvirert: ${norwegianDate(today)}`,
        'Utlevert 0 av 4 ganger, 4 igjen',
        `Gyldig til: ${renewedUntil}`,
      ],
    }, 'the renewed prescription comes first');
    assert.ok(renewed.every((card) => card.status !== PENDING), JSON.stringify(renewed));
    await a11y('overview-renewed');
    const later = await openTab(kari, 'Resepthistorikk');
    assert.deepEqual(cardsOf(later, DESLORATADIN).map((card) => card.status), ['Aktiv', 'Fornyet']);
    assert.deepEqual(cardsOf(later, DESLORATADIN)[1], { ...desloratadinCard(today), status: 'Fornyet' });
    await a11y('history-renewed');
  });
});

forEachDatabase('prescriptions: Rolf declines a renewal with a reason', async ({ portal, database }) => {
  const today = osloToday();
  const reason = 'Du må komme til kontroll';
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `rx-decline-kari-${database}`);
    await kariLogsIn(kari, portal, a11y);
    await kariAsksForRenewal(kari, portal, a11y);

    await withPage(browser, async (rolf) => {
      const rolfA11y = accessibilityChecker(rolf, `rx-decline-rolf-${database}`);
      const main = rolf.getByRole('main');
      await rolfOpensRenewal(rolf, portal, rolfA11y);
      assert.deepEqual(await messageBodies(rolf), [`Ber om fornyelse av: - ${DESLORATADIN}`]);
      await rolfA11y('renewal-request');

      // The reason to the patient is required.
      await pressButton(rolf, 'Avslå fornyelsen');
      await waitForHeading(rolf, RENEW_TITLE);
      const missing = `Du må fylle ut «${REASON_LABEL}».`;
      const field = main.getByRole('textbox', { name: REASON_LABEL, exact: true });
      assert.equal((await main.getByRole('alert').innerText()).trim(), missing);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.ok((await describedBy(field)).includes(missing), 'the error is tied to the field');
      assert.equal((await messageBodies(rolf)).length, 1, 'nothing is answered yet');
      await rolfA11y('decline-reason-missing');

      await field.fill(reason);
      await pressButton(rolf, 'Avslå fornyelsen');
      await waitForHeading(rolf, RENEW_TITLE);
      assert.equal((await main.getByRole('status').innerText()).trim(), 'Svaret er sendt til pasienten.');
      assert.equal((await messageBodies(rolf)).at(-1), reason);
      assert.equal(await main.getByRole('button', { name: 'Avslå fornyelsen' }).count(), 0, 'answered once');
      await rolfA11y('renewal-declined');
    });

    // Kari reads the reason; her Desloratadin is as before and may be asked for again.
    const bodies = await kariReadsAnswer(kari, portal, a11y);
    assert.equal(bodies.at(-1), reason);
    await a11y('thread-declined');
    await kari.goto(`${portal.url}/resepter`);
    await waitForHeading(kari, 'Resepter');
    const cards = await prescriptionCards(kari);
    assert.deepEqual(cardsOf(cards, DESLORATADIN), [desloratadinCard(today)]);
    assert.ok(cards.every((card) => card.status !== PENDING), JSON.stringify(cards));
    await a11y('overview');
    await followLink(kari, RENEW_TITLE);
    await waitForHeading(kari, RENEW_TITLE);
    assert.equal(await renewBox(kari, DESLORATADIN).isEnabled(), true, 'Desloratadin can be asked for again');
  });
});

// The demo's dates must make sense: each prescription's details list as many dispensations as
// its card counts, none before the day it was written and none after today.
forEachDatabase('prescriptions: no prescription is dispensed before it was written, or more often than the card says', async ({ portal, database }) => {
  const today = osloToday();
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `rx-dates-${database}`);
    await kariLogsIn(kari, portal, a11y);
    await kari.goto(`${portal.url}/resepter?fane=historikk`);
    await waitForHeading(kari, 'Resepter');
    const cards = await prescriptionCards(kari);
    assert.equal(cards.length, 5, JSON.stringify(cards));
    await a11y('history');
    const iso = (text) => text.split('.').reverse().join('-');
    const problems = [];
    for (const card of cards) {
      await followLink(kari, details(card.title));
      await waitForHeading(kari, card.title);
      await a11y('details');
      const prescribed = iso(card.lines[2].replace('Rekvirert: ', ''));
      const made = Number(card.lines[3].match(/^Utlevert (\d+) av/)[1]);
      const dates = (await kari.getByRole('main').getByRole('listitem').allInnerTexts())
        .map((line) => iso(line.split(',')[0]));
      if (dates.length !== made) problems.push(`${card.title}: "${card.lines[3]}", but ${dates.length} dispensations`);
      for (const date of dates) {
        if (date < prescribed || date > today) {
          problems.push(`${card.title}: dispensed ${norwegianDate(date)}, prescribed ${norwegianDate(prescribed)}`);
        }
      }
      await kari.goBack({ waitUntil: 'load' });
      await waitForHeading(kari, 'Resepter');
    }
    assert.deepEqual(problems, []);
  });
});
