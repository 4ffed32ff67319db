// Bestill time and Bestill influensavaksine in a real browser, on SQLite and PostgreSQL, on
// the slots `serve --demo` writes for the next three weeks (Oslo time): the citizen chooses a
// practitioner, a day in the month calendar (with the keyboard) and a free slot, reviews and
// sends the request; the office confirms or rejects it; the citizen sees the appointment in
// Timeavtaler, takes it home as an iCalendar file and cancels it. The office also publishes
// and removes slots. Citizen and staff use separate browser contexts. Every distinct page and
// state a test visits is checked against WCAG 2.1 A/AA with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import {
  accessibilityChecker, assertVisibleFocus, clickAndWait, describedBy, downloadFrom, followLink,
  followWithKeyboard, forEachDatabase, giveConsent, launchBrowser, loginAsCitizen, loginAsStaff,
  mainText, pressButton, tableRows, waitForHeading, withPage,
} from './harness.mjs';

// ---------------------------------------------------------------------------------------------
// Dates as the portal writes them: civil dates in Oslo, "Fredag 27. november 2026, 13:00 - 13:30".

const MONTHS = ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august',
  'september', 'oktober', 'november', 'desember'];
/** Indexed by Date#getUTCDay(): 0 is Sunday. */
const WEEKDAYS = ['søndag', 'mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag'];

/** Today in Oslo, YYYY-MM-DD. */
const osloToday = () => new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit',
}).format(new Date());

const civil = (date) => new Date(`${date}T00:00:00Z`);

/** The civil date `days` days after `date` (both YYYY-MM-DD). */
function addDays(date, days) {
  const day = civil(date);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** 0 (Sunday) … 6 (Saturday). */
const weekday = (date) => civil(date).getUTCDay();
const isWeekend = (date) => weekday(date) === 0 || weekday(date) === 6;

/** "27. november 2026" */
function longDate(date) {
  const [year, month, day] = date.split('-').map(Number);
  return `${day}. ${MONTHS[month - 1]} ${year}`;
}

/** "Fredag 27. november 2026, 13:00 - 13:30" */
function whenText(date, from, to) {
  const name = WEEKDAYS[weekday(date)];
  return `${name[0].toUpperCase()}${name.slice(1)} ${longDate(date)}, ${from} - ${to}`;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------

const QUEUE_TITLE = 'Innboks for legekontoret';
const SLOTS_TITLE = 'Timer på Helseportal';
const REVIEW_TITLE = 'Se gjennom før du sender';
const REASON_LABEL = 'Hva gjelder timen? (maks 50 tegn)';
const NO_FREE_SLOTS = 'Ingen ledige timer denne dagen. Velg en annen dag eller måned.';
const TELEFONTIME_HINT = 'Telefontime egner seg hvis du ikke trenger å ta prøver eller undersøkelser. '
  + 'Oppmøtested: Telefontime';
const BENEDIKTE_DAY = [
  '08:00 - 08:30 Konsultasjon', '08:30 - 09:00 Konsultasjon', '09:00 - 09:30 Konsultasjon',
  '09:30 - 10:00 Konsultasjon', '10:00 - 10:30 Konsultasjon', '10:30 - 11:00 Konsultasjon',
  '13:00 - 13:30 Telefontime', '13:30 - 14:00 Telefontime', '14:00 - 14:30 Telefontime',
];
const SLOT_STATES = ['Ledig', 'Bestilt', 'Ikke på nett ennå'];

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A citizen logs in, consents to Full tilgang and ends on the front page. */
async function citizenLogsIn(page, portal, name, greeting, a11y) {
  await loginAsCitizen(page, portal, name, { a11y });
  await giveConsent(page, 'Full tilgang', { a11y });
  await waitForHeading(page, greeting);
  await a11y('front-page');
}

/** The tiles of "Bestill time"/"Bestill influensavaksine": the practitioners' names. */
const practitionerTiles = (page) => page.getByRole('main').getByRole('list').getByRole('link').allInnerTexts();

/**
 * The days of the month calendar, in order: the date of each (from its link), its accessible
 * name, whether it is marked as having free slots, and its aria-current.
 */
async function calendarDays(page) {
  return page.getByRole('main').getByRole('table').locator('a').evaluateAll((links) => links.map((link) => ({
    date: new URL(link.href).searchParams.get('dag'),
    label: link.getAttribute('aria-label'),
    hasFree: link.classList.contains('has-free'),
    current: link.getAttribute('aria-current'),
  })));
}

/** The links of the calendar's month navigation, e.g. ['I dag', 'Neste måned ›']. */
const monthNavigation = async (page) => (await page.getByRole('main').getByRole('navigation')
  .getByRole('link').allInnerTexts()).map((name) => name.trim());

/**
 * Checks what the calendar marks: the days with free slots, and only they, are named
 * "…, ledige timer"; they are working days after today; at most one day is aria-current.
 */
async function assertCalendarMarks(page, today) {
  const days = await calendarDays(page);
  assert.ok(days.length >= 28, `a month of days: ${days.length}`);
  for (const day of days) {
    assert.equal(day.label.startsWith(longDate(day.date)), true, `${day.date} is named by its date: ${day.label}`);
    assert.equal(day.label.endsWith(', ledige timer'), day.hasFree,
      `${day.date}: class has-free (${day.hasFree}) and its name "${day.label}" agree`);
    if (day.hasFree) {
      assert.ok(day.date > today && !isWeekend(day.date), `${day.date} with free slots is a working day after today`);
    }
  }
  assert.ok(days.filter((day) => day.current !== null).length <= 1, 'at most one chosen day');
  return days;
}

/**
 * Goes forward month by month with "Neste måned ›" until the calendar has a day with free slots
 * that `accept(date)` takes, and returns it (see calendarDays). With `a11y`, a month reached
 * that way is checked as "calendar-later-month".
 */
async function findFreeDay(page, accept, { months = 2, a11y } = {}) {
  for (let month = 0; ; month += 1) {
    const day = (await calendarDays(page)).find((d) => d.hasFree && accept(d.date));
    if (day) return day;
    assert.ok(month < months, `no suitable day with free slots within ${months + 1} months`);
    await followLink(page, 'Neste måned ›');
    await waitForHeading(page, 'Velg tidspunkt', { level: 2 });
    await a11y?.('calendar-later-month');
  }
}

/** The calendar's link for a day (its accessible name is the day's label). */
const dayLink = (page, day) => page.getByRole('main').getByRole('table')
  .getByRole('link', { name: day.label, exact: true });

/** The free slots' radio buttons of the chosen day, by label. */
const slotLabels = (page) => page.getByRole('main').getByRole('radio')
  .evaluateAll((radios) => radios.map((radio) => radio.labels[0].textContent.replace(/\s+/g, ' ').trim()));

/** "Timer som kan bli tilgjengelig senere": the items of its list. */
const laterSlots = (page) => page.getByRole('main')
  .getByRole('heading', { name: 'Timer som kan bli tilgjengelig senere', exact: true })
  .locator('xpath=following-sibling::ul[1]/li').allInnerTexts();

/** The citizen's Innboks: the heading text of every thread, whitespace collapsed. */
const inboxSubjects = async (page) => (await page.locator('main .inbox-item h2').allInnerTexts())
  .map((subject) => subject.replace(/\s+/g, ' ').trim());

/** The text of the page's messages (".message-body"), whitespace collapsed, in page order. */
const messageBodies = async (page) => (await page.locator('main .message-body').allInnerTexts())
  .map((text) => text.replace(/\s+/g, ' ').trim());

/**
 * "Timer på Helseportal": the rows of "Timer de neste 14 dagene" as { when, kind, state } and
 * `remove`, the accessible name of the row's "Fjern" button (null without one).
 */
async function officeSlotRows(page) {
  return page.getByRole('region', { name: 'Timer de neste 14 dagene', exact: true }).getByRole('listitem')
    .evaluateAll((items) => items.map((item) => {
      const text = [...item.childNodes].filter((node) => node.nodeName !== 'FORM')
        .map((node) => node.textContent).join(' ').replace(/\s+/g, ' ').trim();
      const [when, kind, state] = text.split(' – ');
      const button = item.querySelector('button');
      return { when, kind, state, remove: button ? button.textContent.replace(/\s+/g, ' ').trim() : null };
    }));
}

/** A staff member opens the office's queue from the dashboard. */
async function openQueue(page, a11y) {
  await followLink(page, new RegExp(`^${QUEUE_TITLE}`));
  await waitForHeading(page, QUEUE_TITLE);
  const rows = await tableRows(page.getByRole('main').getByRole('table'));
  await a11y('queue');
  return rows;
}

// ---------------------------------------------------------------------------------------------

forEachDatabase('booking: Kurt Håkon books a telefontime with Benedikte, the office confirms, he sees it as Tildelt, downloads the .ics and cancels', async ({ portal, database }) => {
  const today = osloToday();
  await withPage(browser, async (kurt) => {
    const a11y = accessibilityChecker(kurt, `booking-kurt-${database}`);
    const main = kurt.getByRole('main');
    await citizenLogsIn(kurt, portal, 'Kurt Håkon Lie', 'Hei, Kurt Håkon', a11y);
    await kurt.goto(`${portal.url}/fastlege`);
    await waitForHeading(kurt, 'Fastlegetjenester');
    await a11y('gp-page');
    await followLink(kurt, /^Bestille time/);

    await waitForHeading(kurt, 'Bestill time');
    assert.ok((await mainText(kurt)).includes('Velg behandler ved Fjordbyen Legesenter'));
    assert.deepEqual(await practitionerTiles(kurt),
      ['Benedikte Berg (fastlege)', 'Ingar Iversen (vikar for fastlege)', 'Arna Aas (jordmor)']);
    await a11y('practitioners');
    await followLink(kurt, 'Benedikte Berg (fastlege)');

    // The month calendar: this month has no way back; the next month has one.
    await waitForHeading(kurt, 'Bestill time');
    await waitForHeading(kurt, 'Velg tidspunkt', { level: 2 });
    assert.ok((await mainText(kurt)).includes('Benedikte Berg (fastlege)'));
    assert.deepEqual(await monthNavigation(kurt), ['I dag', 'Neste måned ›']);
    assert.ok((await mainText(kurt)).includes('Velg en dag med ledige timer i kalenderen.'));
    await assertCalendarMarks(kurt, today);
    await a11y('calendar');
    await followLink(kurt, 'Neste måned ›');
    await waitForHeading(kurt, 'Velg tidspunkt', { level: 2 });
    assert.deepEqual(await monthNavigation(kurt), ['I dag', '‹ Forrige måned', 'Neste måned ›']);
    await assertCalendarMarks(kurt, today);
    await a11y('calendar-later-month');
    await followLink(kurt, '‹ Forrige måned');
    await waitForHeading(kurt, 'Velg tidspunkt', { level: 2 });
    assert.deepEqual(await monthNavigation(kurt), ['I dag', 'Neste måned ›']);

    // "I dag": today has nothing left to book (slots start tomorrow), and the focus on the
    // chosen day can be seen.
    await followLink(kurt, 'I dag');
    await waitForHeading(kurt, `Ledige timer ${longDate(today)}`, { level: 2 });
    assert.ok((await mainText(kurt)).includes(NO_FREE_SLOTS));
    const todayLink = dayLink(kurt, (await calendarDays(kurt)).find((d) => d.date === today));
    assert.equal(await todayLink.getAttribute('aria-current'), 'date');
    await assertVisibleFocus(todayLink);
    await a11y('calendar-today');

    // A Saturday or Sunday has nothing to book.
    const days = await calendarDays(kurt);
    const weekend = days.find((day) => isWeekend(day.date) && day.date > today)
      ?? days.find((day) => isWeekend(day.date));
    assert.equal(weekend.hasFree, false, `${weekend.date} is a weekend day`);
    await clickAndWait(kurt, dayLink(kurt, weekend));
    await waitForHeading(kurt, `Ledige timer ${longDate(weekend.date)}`, { level: 2 });
    assert.ok((await mainText(kurt)).includes(NO_FREE_SLOTS));
    assert.equal(await main.getByRole('radio').count(), 0);
    assert.equal(await dayLink(kurt, weekend).getAttribute('aria-current'), 'date');
    await a11y('calendar-day-without-slots');

    // A working day at least two days ahead (beyond the office's 24 hours' notice, so Kurt can
    // cancel it online), chosen with the keyboard.
    const day = await findFreeDay(kurt, (date) => date >= addDays(today, 2), { a11y });
    await followWithKeyboard(kurt, dayLink(kurt, day));
    await waitForHeading(kurt, `Ledige timer ${longDate(day.date)}`, { level: 2 });
    assert.equal(await dayLink(kurt, day).getAttribute('aria-current'), 'date', 'the chosen day is marked');
    assert.equal((await calendarDays(kurt)).filter((d) => d.current !== null).length, 1);
    const dayUrl = kurt.url();
    assert.deepEqual(await slotLabels(kurt), BENEDIKTE_DAY);
    for (const label of BENEDIKTE_DAY.filter((name) => name.endsWith('Telefontime'))) {
      assert.equal(await describedBy(main.getByRole('radio', { name: label, exact: true })), TELEFONTIME_HINT,
        `the hint of ${label}`);
    }
    assert.deepEqual(await laterSlots(kurt), ['14:30 - 15:00 Hastetime']);
    const notFound = (await main.getByRole('region', { name: 'Finner du ikke ledig time?', exact: true })
      .innerText()).replace(/\s+/g, ' ');
    for (const text of ['Fjordbyen Legesenter', 'Universitetsgaten 7, 0164 Oslo', 'Tlf. 11 22 33 44']) {
      assert.ok(notFound.includes(text), `"Finner du ikke ledig time?" shows ${text}: ${notFound}`);
    }
    assert.equal(await main.getByRole('link', { name: 'Tlf. 11 22 33 44', exact: true }).getAttribute('href'), 'tel:11223344');
    await a11y('calendar-day-with-slots');

    // Review: the reason may be at most 50 characters, and a longer one is kept to shorten.
    await main.getByRole('radio', { name: '13:00 - 13:30 Telefontime', exact: true }).check();
    await pressButton(kurt, 'Neste');
    await waitForHeading(kurt, REVIEW_TITLE);
    const when = whenText(day.date, '13:00', '13:30');
    const review = await mainText(kurt);
    for (const text of [when, 'Time hos Benedikte Berg (fastlege), Fjordbyen Legesenter',
      'Oppmøtested: Telefontime', 'Type: Telefontime', 'Antatt varighet: 30 min']) {
      assert.ok(review.includes(text), `the review shows "${text}": ${review}`);
    }
    const reason = main.getByRole('textbox', { name: REASON_LABEL, exact: true });
    assert.equal(await reason.inputValue(), '');
    await a11y('review');
    const tooLong = 'Vondt i ryggen og nakken etter at jeg falt på isen.';
    assert.equal([...tooLong].length, 51);
    await reason.fill(tooLong);
    await pressButton(kurt, 'Send bestilling');
    await waitForHeading(kurt, REVIEW_TITLE);
    const error = 'Teksten er for lang: 51 tegn, maksimum er 50.';
    assert.equal((await main.getByRole('alert').innerText()).trim(), error);
    assert.equal(await reason.inputValue(), tooLong, 'the text is kept');
    assert.equal(await reason.getAttribute('aria-invalid'), 'true');
    assert.ok((await describedBy(reason)).includes(error), 'the error is tied to the field');
    assert.ok((await mainText(kurt)).includes(when), 'the review still shows the slot');
    await a11y('review-reason-too-long');
    await reason.fill('Vondt i ryggen');
    await pressButton(kurt, 'Send bestilling');

    await waitForHeading(kurt, 'Timebestillingen er sendt');
    assert.ok((await mainText(kurt)).includes('Bestillingen er kun en forespørsel. '
      + 'Timen er ikke tildelt før du mottar en bekreftelse.'));
    await a11y('sent');
    await followLink(kurt, 'Gå til innboksen');
    await waitForHeading(kurt, 'Innboks');
    assert.deepEqual(await inboxSubjects(kurt), ['Bestill time']);
    await a11y('inbox');

    // The requested slot is held: nobody else is offered it.
    await kurt.goto(dayUrl);
    await waitForHeading(kurt, `Ledige timer ${longDate(day.date)}`, { level: 2 });
    assert.deepEqual(await slotLabels(kurt), BENEDIKTE_DAY.filter((label) => label !== '13:00 - 13:30 Telefontime'));

    // Frida Fjell, reception at Fjordbyen, confirms it in her own browser context.
    await withPage(browser, async (frida) => {
      const fridaA11y = accessibilityChecker(frida, `booking-frida-${database}`);
      await loginAsStaff(frida, portal, 'Frida Fjell', { a11y: fridaA11y });
      await waitForHeading(frida, 'Fjordbyen Legesenter');
      await fridaA11y('dashboard');
      const rows = await openQueue(frida, fridaA11y);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.equal(rows[0].Type, 'Bestill time');
      assert.equal(rows[0].Pasient, 'Kurt Håkon Lie');
      await followLink(frida, rows[0].Gjelder);
      await waitForHeading(frida, 'Bestill time');
      const request = await mainText(frida);
      for (const text of ['Status: Forespurt', when, 'Telefontime. Oppmøtested: Telefontime', 'Vondt i ryggen']) {
        assert.ok(request.includes(text), `the office sees "${text}": ${request}`);
      }
      await frida.getByRole('main').getByRole('button', { name: 'Avvis forespørselen', exact: true }).waitFor();
      await fridaA11y('booking-request');
      await pressButton(frida, 'Bekreft timen');
      await waitForHeading(frida, 'Bestill time');
      const confirmed = await mainText(frida);
      assert.ok(confirmed.includes('Svaret er sendt til pasienten.'), confirmed);
      assert.ok(confirmed.includes('Status: Tildelt'), confirmed);
      assert.equal(await frida.getByRole('button', { name: 'Bekreft timen' }).count(), 0, 'confirmed once');
      await fridaA11y('booking-confirmed');
    });

    // Kurt sees the appointment as Tildelt.
    await kurt.goto(`${portal.url}/`);
    await waitForHeading(kurt, 'Hei, Kurt Håkon');
    await followLink(kurt, /^Timeavtaler/);
    await waitForHeading(kurt, 'Timeavtaler');
    await waitForHeading(kurt, 'Kommende timer', { level: 2 });
    const heading = `${when}: Telefontime hos Fjordbyen Legesenter`;
    const upcoming = await main.getByRole('heading', { name: 'Kommende timer', exact: true })
      .locator('xpath=following-sibling::ul[1]/li').evaluateAll((items) => items.map((item) => [
        item.querySelector('h3').textContent.trim(), item.querySelector('p').textContent.trim()]));
    assert.deepEqual(upcoming, [[heading, 'Status: Tildelt']]);
    await a11y('appointments');
    await followLink(kurt, new RegExp(`^Se detaljer\\W+${escapeRegExp(heading)}$`));
    await waitForHeading(kurt, heading);
    const facts = ['Antatt varighet: 30 min', 'Oppmøtested: Telefontime', 'Timen gjelder: Vondt i ryggen',
      'Behandler: Benedikte Berg'];
    assert.deepEqual(await main.getByRole('listitem').allInnerTexts(), [...facts, 'Status: Tildelt']);
    await a11y('appointment-confirmed');

    // "Legg i egen kalender": an iCalendar file in Oslo time.
    const ics = await downloadFrom(kurt, main.getByRole('link', { name: 'Legg i egen kalender', exact: true }));
    assert.match(ics.name, /\.ics$/);
    // Long lines are folded (RFC 5545, 3.1): a line break followed by a space continues the line.
    const lines = ics.bytes.toString('utf8').replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
    assert.equal(lines[0], 'BEGIN:VCALENDAR', lines.join('\n'));
    assert.equal(lines.filter(Boolean).at(-1), 'END:VCALENDAR', lines.join('\n'));
    const compact = day.date.replace(/-/g, '');
    for (const line of ['TZID:Europe/Oslo', `DTSTART;TZID=Europe/Oslo:${compact}T130000`,
      `DTEND;TZID=Europe/Oslo:${compact}T133000`, 'SUMMARY:Telefontime hos Benedikte Berg\\, Fjordbyen Legesenter',
      'LOCATION:Telefontime', 'DESCRIPTION:Vondt i ryggen']) {
      assert.ok(lines.includes(line), `the file has ${line}:\n${lines.join('\n')}`);
    }

    await pressButton(kurt, 'Avbestill time');
    await waitForHeading(kurt, heading);
    assert.equal((await main.getByRole('status').innerText()).trim(), 'Timen er avbestilt.');
    assert.deepEqual(await main.getByRole('listitem').allInnerTexts(), [...facts, 'Status: Avbestilt']);
    assert.equal(await main.getByRole('button', { name: 'Avbestill time' }).count(), 0);
    assert.equal(await main.getByRole('link', { name: 'Legg i egen kalender' }).count(), 0);
    await a11y('appointment-cancelled');

    // The slot is offered again.
    await kurt.goto(dayUrl);
    await waitForHeading(kurt, `Ledige timer ${longDate(day.date)}`, { level: 2 });
    assert.deepEqual(await slotLabels(kurt), BENEDIKTE_DAY);
  });
});

forEachDatabase('booking: Kari books a flu vaccine', async ({ portal, database }) => {
  const today = osloToday();
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `booking-flu-${database}`);
    const main = kari.getByRole('main');
    await citizenLogsIn(kari, portal, 'Kari Nordmann', 'Hei, Kari', a11y);
    await kari.goto(`${portal.url}/fastlege`);
    await waitForHeading(kari, 'Fastlegetjenester');
    await a11y('gp-page');
    await followLink(kari, /^Bestille influensavaksine/);

    await waitForHeading(kari, 'Bestill influensavaksine');
    assert.ok((await mainText(kari)).includes('Velg behandler ved Solen Legekontor'));
    assert.deepEqual(await practitionerTiles(kari), ['Rolf Rolfsen (fastlege)']);
    await a11y('practitioners');
    await followLink(kari, 'Rolf Rolfsen (fastlege)');
    await waitForHeading(kari, 'Bestill influensavaksine');
    await waitForHeading(kari, 'Velg tidspunkt', { level: 2 });
    await a11y('calendar');

    // Flu vaccines are given on Wednesdays only.
    const day = await findFreeDay(kari, () => true, { a11y });
    const marked = (await assertCalendarMarks(kari, today)).filter((d) => d.hasFree);
    assert.ok(marked.every((d) => weekday(d.date) === 3), `only Wednesdays: ${marked.map((d) => d.date).join(', ')}`);
    await followWithKeyboard(kari, dayLink(kari, day));
    await waitForHeading(kari, `Ledige timer ${longDate(day.date)}`, { level: 2 });
    const labels = await slotLabels(kari);
    assert.deepEqual(labels, ['15:00', '15:10', '15:20', '15:30', '15:40', '15:50'].map((start, i, all) => {
      const end = all[i + 1] ?? '16:00';
      return `${start} - ${end} Konsultasjon`;
    }));
    assert.equal(await describedBy(main.getByRole('radio', { name: labels[0], exact: true })),
      'Konsultasjon er en time med fysisk oppmøte på legekontoret. Oppmøtested: Solveien 1, 0150 Oslo');
    await a11y('calendar-day-with-slots');

    await main.getByRole('radio', { name: '15:00 - 15:10 Konsultasjon', exact: true }).check();
    await pressButton(kari, 'Neste');
    await waitForHeading(kari, REVIEW_TITLE);
    const review = await mainText(kari);
    for (const text of [whenText(day.date, '15:00', '15:10'), 'Time hos Rolf Rolfsen (fastlege), Solen Legekontor',
      'Oppmøtested: Solveien 1, 0150 Oslo', 'Type: Konsultasjon', 'Antatt varighet: 10 min']) {
      assert.ok(review.includes(text), `the review shows "${text}": ${review}`);
    }
    await a11y('review');
    await pressButton(kari, 'Send bestilling');
    await waitForHeading(kari, 'Timebestillingen er sendt');
    await a11y('sent');
    await followLink(kari, 'Gå til innboksen');
    await waitForHeading(kari, 'Innboks');
    assert.deepEqual(await inboxSubjects(kari), ['Bestill influensavaksine']);
    await a11y('inbox');
  });
});

forEachDatabase('booking: the office publishes slots and rejects a request', async ({ portal, database }) => {
  const today = osloToday();
  await withPage(browser, async (frida) => {
    const a11y = accessibilityChecker(frida, `booking-office-${database}`);
    const main = frida.getByRole('main');
    await loginAsStaff(frida, portal, 'Frida Fjell', { a11y });
    await waitForHeading(frida, 'Fjordbyen Legesenter');
    await a11y('dashboard');
    await followLink(frida, SLOTS_TITLE);

    // Benedikte's slots of the next 14 days; every one nobody holds can be removed.
    await waitForHeading(frida, SLOTS_TITLE);
    const practitioner = main.getByRole('combobox', { name: 'Behandler', exact: true });
    assert.equal(await practitioner.locator('option:checked').innerText(), 'Benedikte Berg (fastlege)');
    const rows = await officeSlotRows(frida);
    assert.ok(rows.length >= 20, `Benedikte has slots: ${rows.length}`);
    for (const row of rows) {
      assert.match(row.when, /^[A-ZÆØÅ][a-zæøå]+ \d{1,2}\. [a-z]+ \d{4}, \d\d:\d\d - \d\d:\d\d$/, JSON.stringify(row));
      assert.ok(SLOT_STATES.includes(row.state), JSON.stringify(row));
      assert.equal(row.remove, row.state === 'Bestilt' ? null : `Fjern ${row.when}`, JSON.stringify(row));
    }
    assert.ok(rows.some((row) => row.kind === 'Konsultasjon' && row.state === 'Ledig'));
    assert.ok(rows.some((row) => row.kind === 'Telefontime' && row.state === 'Ledig'));
    assert.ok(rows.filter((row) => row.kind === 'Hastetime').every((row) => row.state === 'Ikke på nett ennå'));
    assert.ok(rows.some((row) => row.state === 'Ikke på nett ennå'));

    const single = main.getByRole('region', { name: 'Legg til én time', exact: true });
    const singleField = (name) => single.getByLabel(name, { exact: true });
    for (const name of ['Dato', 'Klokkeslett', 'Varighet (minutter)', 'Type', 'Gjelder']) {
      await singleField(name).waitFor();
    }
    assert.equal(await single.getByRole('checkbox', { name: 'Kan bestilles på nett nå', exact: true }).isChecked(), true);
    const template = main.getByRole('region', { name: 'Lag timer fra ukemal', exact: true });
    const weekdays = template.getByRole('group', { name: 'Ukedager', exact: true }).getByRole('checkbox');
    assert.equal(await weekdays.count(), 7);
    for (const name of ['Fra og med dato', 'Til og med dato', 'Første time starter', 'Siste time slutter',
      'Varighet (minutter)', 'Type']) {
      await template.getByLabel(name, { exact: true }).waitFor();
    }
    await main.getByRole('region', { name: 'Stengte dager', exact: true }).getByRole('button', { name: 'Legg til stengt dag' }).waitFor();
    await a11y('slots');

    // A slot in the past is refused.
    await singleField('Dato').fill(addDays(today, -1));
    await singleField('Klokkeslett').fill('07:00');
    await pressButton(frida, 'Legg til timen');
    await waitForHeading(frida, SLOTS_TITLE);
    assert.equal((await main.getByRole('alert').innerText()).trim(), 'Timen må ligge fram i tid.');
    await a11y('slots-past-date');

    // One slot three days ahead at 07:00, before the day's other slots.
    const day = addDays(today, 3);
    const when = whenText(day, '07:00', '07:30');
    await singleField('Dato').fill(day);
    await singleField('Klokkeslett').fill('07:00');
    await singleField('Varighet (minutter)').fill('30');
    await singleField('Type').selectOption({ label: 'Konsultasjon' });
    await singleField('Gjelder').selectOption({ label: 'Time hos behandler' });
    await pressButton(frida, 'Legg til timen');
    await waitForHeading(frida, SLOTS_TITLE);
    assert.equal((await main.getByRole('status').innerText()).trim(), '1 time er lagt til.');
    assert.deepEqual((await officeSlotRows(frida)).filter((row) => row.when === when),
      [{ when, kind: 'Konsultasjon', state: 'Ledig', remove: `Fjern ${when}` }]);
    await a11y('slots-added');

    await pressButton(frida, `Fjern ${when}`);
    await waitForHeading(frida, SLOTS_TITLE);
    assert.equal((await main.getByRole('status').innerText()).trim(), 'Timen er fjernet.');
    assert.deepEqual((await officeSlotRows(frida)).filter((row) => row.when === when), []);
    await a11y('slots-removed');

    // Kurt Håkon requests the first telefontime of the first day with free slots.
    const requested = await withPage(browser, async (kurt) => {
      const kurtA11y = accessibilityChecker(kurt, `booking-office-kurt-${database}`);
      await citizenLogsIn(kurt, portal, 'Kurt Håkon Lie', 'Hei, Kurt Håkon', kurtA11y);
      await kurt.goto(`${portal.url}/bestill-time`);
      await waitForHeading(kurt, 'Bestill time');
      await kurtA11y('practitioners');
      await followLink(kurt, 'Benedikte Berg (fastlege)');
      await waitForHeading(kurt, 'Velg tidspunkt', { level: 2 });
      await kurtA11y('calendar');
      const free = await findFreeDay(kurt, () => true, { a11y: kurtA11y });
      await clickAndWait(kurt, dayLink(kurt, free));
      await waitForHeading(kurt, `Ledige timer ${longDate(free.date)}`, { level: 2 });
      await kurtA11y('calendar-day-with-slots');
      await kurt.getByRole('main').getByRole('radio', { name: '13:00 - 13:30 Telefontime', exact: true }).check();
      await pressButton(kurt, 'Neste');
      await waitForHeading(kurt, REVIEW_TITLE);
      await kurtA11y('review');
      await pressButton(kurt, 'Send bestilling');
      await waitForHeading(kurt, 'Timebestillingen er sendt');
      await kurtA11y('sent');
      return { when: whenText(free.date, '13:00', '13:30') };
    });
    const requestedRow = async () => (await officeSlotRows(frida)).filter((row) => row.when === requested.when);
    await frida.reload();
    await waitForHeading(frida, SLOTS_TITLE);
    assert.deepEqual(await requestedRow(), [{ when: requested.when, kind: 'Telefontime', state: 'Bestilt', remove: null }],
      'a requested slot cannot be removed');
    await a11y('slots-with-request');

    // Frida rejects it: the reason to the patient is required.
    await followLink(frida, 'Forside');
    await waitForHeading(frida, 'Fjordbyen Legesenter');
    const queue = await openQueue(frida, a11y);
    assert.deepEqual(queue.map((row) => [row.Type, row.Pasient]), [['Bestill time', 'Kurt Håkon Lie']]);
    await followLink(frida, queue[0].Gjelder);
    await waitForHeading(frida, 'Bestill time');
    assert.ok((await mainText(frida)).includes('Status: Forespurt'));
    await a11y('booking-request');
    await pressButton(frida, 'Avvis forespørselen');
    await waitForHeading(frida, 'Bestill time');
    const missing = 'Du må fylle ut «Begrunnelse til pasienten».';
    const reason = main.getByRole('textbox', { name: 'Begrunnelse til pasienten', exact: true });
    assert.equal((await main.getByRole('alert').innerText()).trim(), missing);
    assert.equal(await reason.getAttribute('aria-invalid'), 'true');
    assert.ok((await describedBy(reason)).includes(missing), 'the error is tied to the field');
    assert.ok((await mainText(frida)).includes('Status: Forespurt'), 'still waiting for an answer');
    await a11y('booking-reject-reason-missing');
    await reason.fill('Legen er på kurs.');
    await pressButton(frida, 'Avvis forespørselen');
    await waitForHeading(frida, 'Bestill time');
    const rejected = await mainText(frida);
    assert.ok(rejected.includes('Svaret er sendt til pasienten.'), rejected);
    assert.ok(rejected.includes('Status: Avvist'), rejected);
    assert.ok((await messageBodies(frida)).includes('Legen er på kurs.'));
    await a11y('booking-rejected');

    // The slot is free again.
    await frida.goto(`${portal.url}/kontor/timer`);
    await waitForHeading(frida, SLOTS_TITLE);
    assert.deepEqual(await requestedRow(),
      [{ when: requested.when, kind: 'Telefontime', state: 'Ledig', remove: `Fjern ${requested.when}` }]);

    // Kurt reads the reason in Innboks.
    await withPage(browser, async (kurt) => {
      const kurtA11y = accessibilityChecker(kurt, `booking-office-kurt-later-${database}`);
      await loginAsCitizen(kurt, portal, 'Kurt Håkon Lie', { a11y: kurtA11y });
      await waitForHeading(kurt, 'Hei, Kurt Håkon');
      await kurtA11y('front-page');
      await followLink(kurt, /^Innboks/);
      await waitForHeading(kurt, 'Innboks');
      assert.deepEqual(await inboxSubjects(kurt), ['Ulest Bestill time']);
      await kurtA11y('inbox-unread');
      await followLink(kurt, /^Se detaljer\W+Bestill time$/);
      await waitForHeading(kurt, 'Bestill time');
      const bodies = await messageBodies(kurt);
      assert.equal(bodies.at(-1), 'Legen er på kurs.', bodies.join(' | '));
      await kurtA11y('thread-rejected');
    });
  });
});
