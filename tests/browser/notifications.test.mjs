// "Kontaktinformasjon og varsling" and the notification outbox in a real browser, on SQLite and
// PostgreSQL. `serve --demo` runs the notification worker beside the web server; with no mail
// server or SMS gateway set up, every notification is written to the outbox folder and listed,
// newest first, on the development page /utvikling/varsler, which the tests read in a page of
// their own. Kari changes her mobile number and confirms it with the code the SMS brings (after
// a refused form and a wrong code); Kurt Håkon, whose details are 19 months old, is asked to
// confirm them and does; and an answer from the office reaches Kari as one SMS and one e-mail
// that say only that there is something new: no link, nothing of the message, and no one's name.
// The worker looks at its queue every second here (`--worker-poll-seconds 1`) instead of every
// five. Every distinct page and state a test visits is checked against WCAG 2.1 A/AA with axe-core.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import {
  accessibilityChecker, addMonths, clickAndWait, describedBy, followLink, forEachDatabase, giveConsent,
  launchBrowser, loginAsCitizen, loginAsStaff, mainText, osloToday, pressButton, tableRows,
  waitForHeading, withPage,
} from './harness.mjs';

const PORTAL_OPTIONS = { args: ['--worker-poll-seconds', '1'] };
const POLL_MS = 1_000;

const TITLE = 'Kontaktinformasjon og varsling';
const OUTBOX_TITLE = 'Utgående varsler (utvikling)';
const QUEUE_TITLE = 'Innboks for legekontoret';
const RECONFIRM_HEADING = 'Er kontaktinformasjonen din riktig?';
const PENDING_HEADING = 'Bekreft mobilnummeret';
const MOBILE_ERROR = 'Mobilnummeret må ha 8 siffer og begynne med 4 eller 9. Nummer fra andre land '
  + 'skriver du med + og landskode.';
const EMAIL_ERROR = 'Skriv e-postadressen slik: navn@eksempel.no';

const KARI = { mobile: '+4799990001', shown: '999 90 001', email: 'kari.nordmann@example.com' };
const KARI_NEW = { mobile: '+4791234567', shown: '912 34 567' };
const KURT_EMAIL = 'kurt.hakon.lie@example.com';

const NB_MONTHS = ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august',
  'september', 'oktober', 'november', 'desember'];

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A citizen logs in, consents to Full tilgang and ends on the front page (not yet checked). */
async function citizenLogsIn(page, portal, name, greeting, a11y) {
  await loginAsCitizen(page, portal, name, { a11y });
  await giveConsent(page, 'Full tilgang', { a11y });
  await waitForHeading(page, greeting);
}

/** The form's fields on "Kontaktinformasjon og varsling". */
function contactForm(page) {
  const main = page.getByRole('main');
  const channels = main.getByRole('group', { name: 'Hvordan vil du få varsler?', exact: true });
  const language = main.getByRole('group', { name: 'Språk i varslene', exact: true });
  return {
    mobile: main.getByRole('textbox', { name: 'Mobilnummer', exact: true }),
    email: main.getByRole('textbox', { name: 'E-postadresse', exact: true }),
    sms: channels.getByRole('checkbox', { name: 'På SMS', exact: true }),
    byEmail: channels.getByRole('checkbox', { name: 'På e-post', exact: true }),
    bokmal: language.getByRole('radio', { name: 'Bokmål', exact: true }),
    english: language.getByRole('radio', { name: 'English', exact: true }),
  };
}

/** What the form shows: the two fields' values and which boxes and radios are chosen. */
async function formValues(page) {
  const form = contactForm(page);
  return {
    mobile: await form.mobile.inputValue(),
    email: await form.email.inputValue(),
    sms: await form.sms.isChecked(),
    byEmail: await form.byEmail.isChecked(),
    bokmal: await form.bokmal.isChecked(),
    english: await form.english.isChecked(),
  };
}

/** The text of the page's success notice (role="status"), or '' when there is none. */
async function statusNotice(page) {
  const notice = page.getByRole('main').getByRole('status');
  if (await notice.count() === 0) return '';
  return (await notice.innerText()).replace(/\s+/g, ' ').trim();
}

/** The links of the error summary ("Skjemaet har feil"). */
const errorSummary = (page) => page.getByRole('alert')
  .filter({ has: page.getByRole('heading', { name: 'Skjemaet har feil', exact: true }) })
  .getByRole('link').allInnerTexts();

/**
 * The cards of /utvikling/varsler in page order (newest first): channel ("SMS" or "e-post"),
 * recipient, time, subject ('' for SMS) and text, whitespace collapsed.
 */
async function outboxCards(page) {
  return page.locator('main ol.outbox > li').evaluateAll((items) => items.map((item) => {
    const clean = (text) => (text ?? '').replace(/\s+/g, ' ').trim();
    const heading = clean(item.querySelector('h2')?.textContent);
    const split = heading.indexOf(': ');
    return {
      channel: heading.slice(0, split),
      to: heading.slice(split + 2),
      when: clean(item.querySelector('.hint')?.textContent),
      subject: clean(item.querySelector('strong')?.textContent),
      text: clean(item.querySelector('.outbox-text')?.textContent),
    };
  }));
}

/**
 * Opens /utvikling/varsler on `page` again and again until `ready(cards)` holds (the worker
 * writes on its own time) and returns the cards; fails after `timeoutMs` with what was there.
 */
async function waitForOutbox(page, portal, ready, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(`${portal.url}/utvikling/varsler`);
    await waitForHeading(page, OUTBOX_TITLE);
    const cards = await outboxCards(page);
    if (ready(cards)) return cards;
    if (Date.now() > deadline) {
      throw new Error(`the outbox did not get ${what} within ${timeoutMs} ms: ${JSON.stringify(cards, null, 2)}`);
    }
    await page.waitForTimeout(POLL_MS / 2);
  }
}

/** Opens Kari's "Kontaktinformasjon og varsling" from her front page's tile. */
async function openContactPage(page) {
  await followLink(page, new RegExp(`^${TITLE}`));
  await waitForHeading(page, TITLE);
}

forEachDatabase('notifications: Kari changes her mobile number and confirms it with the code from the SMS', async ({ portal, database }) => {
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `contact-change-${database}`);
    await citizenLogsIn(kari, portal, 'Kari Nordmann', 'Hei, Kari', a11y);
    assert.equal(await kari.getByRole('main').getByRole('link', { name: /^Er kontaktinformasjonen din riktig\?/ }).count(), 0,
      'Kari confirmed her details today: no notice');
    await a11y('front-page');
    await openContactPage(kari);
    const form = contactForm(kari);
    assert.deepEqual(await formValues(kari), {
      mobile: KARI.shown, email: KARI.email, sms: true, byEmail: true, bokmal: true, english: false,
    });
    assert.equal(await kari.getByRole('heading', { name: RECONFIRM_HEADING }).count(), 0);
    assert.equal(await kari.getByRole('heading', { name: PENDING_HEADING }).count(), 0);
    assert.ok((await mainText(kari)).includes('De inneholder aldri lenker eller helseopplysninger.'));
    await a11y('contact-page');

    // A number and an address that cannot be used: the summary, the messages at the fields, and
    // what Kari typed kept.
    await form.mobile.fill('2233 4455');
    await form.email.fill('kari.example.no');
    await pressButton(kari, 'Lagre');
    await waitForHeading(kari, TITLE);
    assert.deepEqual(await errorSummary(kari), [MOBILE_ERROR, EMAIL_ERROR]);
    for (const [field, error] of [[form.mobile, MOBILE_ERROR], [form.email, EMAIL_ERROR]]) {
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.ok((await describedBy(field)).includes(error), `"${error}" is tied to its field`);
    }
    assert.deepEqual(await formValues(kari), {
      mobile: '2233 4455', email: 'kari.example.no', sms: true, byEmail: true, bokmal: true, english: false,
    });
    assert.equal(await statusNotice(kari), '', 'nothing is saved');
    await a11y('contact-page-errors');

    // A new number: it waits for its code while the old one stays in use.
    await form.mobile.fill(KARI_NEW.shown);
    await form.email.fill(KARI.email);
    await pressButton(kari, 'Lagre');
    await waitForHeading(kari, TITLE);
    assert.match(await statusNotice(kari), /^Endringene er lagret\. Vi har sendt en kode /);
    const pending = kari.getByRole('region', { name: PENDING_HEADING, exact: true });
    assert.match((await pending.innerText()).replace(/\s+/g, ' '),
      new RegExp(`Vi har sendt en kode på SMS til ${KARI_NEW.shown}\\. `));
    assert.equal(await kari.getByRole('heading', { name: 'Bekreft e-postadressen' }).count(), 0,
      'the e-mail address is unchanged and needs no code');
    assert.deepEqual(await formValues(kari), {
      mobile: KARI_NEW.shown, email: KARI.email, sms: true, byEmail: true, bokmal: true, english: false,
    });
    assert.ok((await mainText(kari)).includes(`I bruk til du har bekreftet det nye: ${KARI.shown}`));
    assert.equal(await errorSummary(kari).then((links) => links.length), 0);
    await a11y('contact-page-pending');

    // The code arrives by SMS at the new number, and only there.
    const outbox = await kari.context().newPage();
    const codeSms = (card) => card.channel === 'SMS' && card.to === KARI_NEW.mobile
      && /Koden for å bekrefte mobilnummeret ditt på Helseportal er \d{6}\./.test(card.text);
    const cards = await waitForOutbox(outbox, portal, (all) => all.some(codeSms), `the code SMS to ${KARI_NEW.mobile}`);
    const codes = cards.filter(codeSms);
    assert.equal(codes.length, 1, JSON.stringify(codes));
    const [{ text, when }] = codes;
    assert.match(when, /\d{2}\.\d{2}\.\d{4}/, `the card shows when: ${when}`);
    assert.ok(!/http|www\.|:\/\//i.test(text), `no link: ${text}`);
    assert.equal(cards.filter((card) => /Koden/.test(card.text) && card.to !== KARI_NEW.mobile).length, 0,
      'no code goes anywhere else');
    const code = text.match(/er (\d{6})\./)[1];
    await outbox.getByRole('main').getByRole('heading', { level: 2, name: `SMS: ${KARI_NEW.mobile}`, exact: true }).waitFor();
    await a11y('outbox', outbox);
    await outbox.close();

    // A wrong code, then the right one.
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const codeField = pending.getByRole('textbox', { name: 'Kode', exact: true });
    await codeField.fill(wrong);
    await pressButton(kari, 'Bekreft');
    await waitForHeading(kari, TITLE);
    const refused = 'Koden er feil. Du har 4 forsøk igjen.';
    assert.equal((await pending.getByRole('alert').innerText()).trim(), refused);
    assert.equal(await codeField.getAttribute('aria-invalid'), 'true');
    assert.equal(await describedBy(codeField), refused, 'the message is tied to the code field');
    assert.deepEqual(await formValues(kari), {
      mobile: KARI_NEW.shown, email: KARI.email, sms: true, byEmail: true, bokmal: true, english: false,
    });
    await a11y('contact-page-wrong-code');

    await codeField.fill(code);
    await pressButton(kari, 'Bekreft');
    await waitForHeading(kari, TITLE);
    assert.equal(await statusNotice(kari), 'Mobilnummeret er bekreftet og tatt i bruk.');
    assert.equal(await kari.getByRole('heading', { name: PENDING_HEADING }).count(), 0, 'nothing waits for a code');
    assert.ok(!(await mainText(kari)).includes('I bruk til du har bekreftet'), 'the old number is gone');
    assert.deepEqual(await formValues(kari), {
      mobile: KARI_NEW.shown, email: KARI.email, sms: true, byEmail: true, bokmal: true, english: false,
    });
    await a11y('contact-page-confirmed');

    // And so it stays.
    await kari.goto(`${portal.url}/kontaktinformasjon`);
    await waitForHeading(kari, TITLE);
    assert.equal(await statusNotice(kari), '');
    assert.equal(await form.mobile.inputValue(), KARI_NEW.shown);
    assert.equal(await kari.getByRole('heading', { name: PENDING_HEADING }).count(), 0);
  });
}, PORTAL_OPTIONS);

forEachDatabase('notifications: Kurt Håkon is asked to confirm contact details 19 months old, and does', async ({ portal, database }) => {
  await withPage(browser, async (kurt) => {
    const a11y = accessibilityChecker(kurt, `contact-reconfirm-${database}`);
    await citizenLogsIn(kurt, portal, 'Kurt Håkon Lie', 'Hei, Kurt Håkon', a11y);
    const noticeLink = kurt.getByRole('main')
      .getByRole('link', { name: 'Er kontaktinformasjonen din riktig? Se over og bekreft den.', exact: true });
    await noticeLink.waitFor({ timeout: 2_000 });
    assert.equal(await noticeLink.getAttribute('href'), '/kontaktinformasjon');
    await a11y('front-page-with-notice');

    await followLink(kurt, 'Er kontaktinformasjonen din riktig? Se over og bekreft den.');
    await waitForHeading(kurt, TITLE);
    const section = kurt.getByRole('region', { name: RECONFIRM_HEADING, exact: true });
    const [year, month, day] = addMonths(osloToday(), -19).split('-').map(Number);
    const confirmed = `${day}. ${NB_MONTHS[month - 1]} ${year}`;
    assert.equal((await section.locator('p').innerText()).trim(),
      `Du bekreftet kontaktinformasjonen din sist ${confirmed}. Se over at den stemmer, og bekreft den eller endre den.`);
    assert.deepEqual(await formValues(kurt), {
      mobile: '', email: KURT_EMAIL, sms: false, byEmail: true, bokmal: true, english: false,
    });
    await a11y('contact-page-reconfirm');

    await clickAndWait(kurt, section.getByRole('button', { name: 'Opplysningene er riktige', exact: true }));
    await waitForHeading(kurt, TITLE);
    assert.equal(await statusNotice(kurt), 'Takk! Kontaktinformasjonen din er bekreftet.');
    assert.equal(await kurt.getByRole('heading', { name: RECONFIRM_HEADING }).count(), 0, 'the question is gone');
    assert.deepEqual(await formValues(kurt), {
      mobile: '', email: KURT_EMAIL, sms: false, byEmail: true, bokmal: true, english: false,
    }, 'nothing changed');
    await a11y('contact-page-reconfirmed');

    await followLink(kurt, 'Forside');
    await waitForHeading(kurt, 'Hei, Kurt Håkon');
    assert.equal(await noticeLink.count(), 0, 'the front page no longer asks');
    await kurt.getByRole('main').getByRole('link', { name: new RegExp(`^${TITLE}`) }).waitFor({ timeout: 2_000 });
    await a11y('front-page');
  });
}, PORTAL_OPTIONS);

forEachDatabase('notifications: an answer from the office reaches Kari as one SMS and one e-mail with no link and nothing of the message', async ({ portal, database }) => {
  const subject = 'Ferie i juli';
  const text = 'Har legekontoret åpent i fellesferien?';
  const answer = 'Ja, vi har åpent hele sommeren, med kortere åpningstid i juli.';
  const office = 'Solen Legekontor';
  const staff = 'Sara Solbakken';
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `notify-answer-kari-${database}`);
    await citizenLogsIn(kari, portal, 'Kari Nordmann', 'Hei, Kari', a11y);
    await a11y('front-page');
    await kari.goto(`${portal.url}/fastlege`);
    await waitForHeading(kari, 'Fastlegetjenester');
    await followLink(kari, /^Kontakte legekontoret/);
    await waitForHeading(kari, 'Kontakt legekontoret');
    await a11y('contact-office-form');
    await kari.getByRole('textbox', { name: 'Emne', exact: true }).fill(subject);
    await kari.getByRole('textbox', { name: 'Melding', exact: true }).fill(text);
    await pressButton(kari, 'Send');
    await waitForHeading(kari, 'Meldingen er sendt');
    await a11y('sent');

    // Sara Solbakken at reception answers in the office's queue, in her own browser context.
    await withPage(browser, async (sara) => {
      const saraA11y = accessibilityChecker(sara, `notify-answer-sara-${database}`);
      await loginAsStaff(sara, portal, staff, { a11y: saraA11y });
      await waitForHeading(sara, office);
      await followLink(sara, new RegExp(`^${QUEUE_TITLE}`));
      await waitForHeading(sara, QUEUE_TITLE);
      const rows = await tableRows(sara.getByRole('main').getByRole('table'));
      assert.deepEqual(rows.map((row) => [row.Pasient, row.Gjelder]), [['Kari Nordmann', subject]]);
      await saraA11y('queue');
      await followLink(sara, subject);
      await waitForHeading(sara, subject);
      await saraA11y('thread');
      await sara.getByRole('textbox', { name: 'Svar til pasienten', exact: true }).fill(answer);
      await pressButton(sara, 'Send svar');
      assert.match(await mainText(sara), /Svaret er sendt til pasienten\./);
      await saraA11y('thread-answered');
    });

    // The worker writes one SMS to Kari's number and one e-mail to her address.
    const outbox = await kari.context().newPage();
    const toKari = (cards) => cards.filter((card) => (card.channel === 'SMS' && card.to === KARI.mobile)
      || (card.channel === 'e-post' && card.to === KARI.email));
    const first = toKari(await waitForOutbox(outbox, portal, (cards) => toKari(cards).length >= 2,
      'an SMS and an e-mail to Kari'));
    await a11y('outbox', outbox);
    assert.deepEqual(first.map((card) => card.channel).sort(), ['SMS', 'e-post'], JSON.stringify(first, null, 2));
    const sms = first.find((card) => card.channel === 'SMS');
    const email = first.find((card) => card.channel === 'e-post');
    assert.match(sms.text, /^Du har fått en ny melding på Helseportal\. /);
    assert.equal(sms.subject, '', 'an SMS has no subject');
    assert.equal(email.subject, 'Ny melding på Helseportal');
    assert.match(email.text, /Du har fått en ny melding på Helseportal\. /);

    // No link, and nothing of what was written or by whom: no word of four letters or more
    // from the subject, the message, the answer, the office's or Sara's name (shorter words,
    // like "har" and "i", are the notification's own as well).
    const words = (value) => (value.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
    const secret = new Set([subject, text, answer, office, staff, 'Kontakt legekontoret']
      .flatMap(words).filter((word) => word.length >= 4));
    for (const card of [sms, email]) {
      const sent = `${card.subject} ${card.text}`;
      assert.ok(!/http|www\.|:\/\//i.test(sent), `no link in the ${card.channel}: ${sent}`);
      const leaked = words(sent).filter((word) => secret.has(word));
      assert.deepEqual(leaked, [], `the ${card.channel} tells nothing of the message: ${sent}`);
      for (const name of [office, staff, subject]) {
        assert.ok(!sent.toLowerCase().includes(name.toLowerCase()), `"${name}" is not in the ${card.channel}`);
      }
    }

    // A few of the worker's rounds later, still one of each.
    await outbox.waitForTimeout(4 * POLL_MS);
    await outbox.reload();
    await waitForHeading(outbox, OUTBOX_TITLE);
    const later = toKari(await outboxCards(outbox));
    assert.deepEqual(later, first, 'the answer is notified once');
    await outbox.close();
  });
}, PORTAL_OPTIONS);
