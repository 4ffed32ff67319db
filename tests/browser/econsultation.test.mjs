// E-konsultasjon and "Kontakt legekontoret" in a real browser, on SQLite and PostgreSQL: the
// citizen's wizard with its errors, live counters and attachments, the GP office's queue and
// answer, and the answer back in the citizen's Innboks; the same round trip through reception;
// and the way in through "Skriv ny melding". Citizen and staff use separate browser contexts.
// Every distinct page and state a test visits is checked against WCAG 2.1 A/AA with axe-core.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import {
  accessibilityChecker, clickAndWait, describedBy, followLink, forEachDatabase, giveConsent,
  launchBrowser, loginAsCitizen, loginAsStaff, mainText, pressButton, tableRows,
  waitForHeading, withPage,
} from './harness.mjs';

// The example of the e-consultation seed.
const EXAMPLE = {
  subject: 'Pollenallergi',
  symptoms: 'Startet å ta allergimedisinen tidlig i år, men er sterkt plaget med rennende øyne '
    + 'nå når pollensesongen har startet.',
  dailyLife: 'Føler meg sløv, og orker ikke være utendørs.',
  treatment: 'Har tatt allergimedisinen jeg har fått på resept, men opplever ingen merkbar effekt '
    + 'av denne.',
};
const LABELS = {
  subject: 'Hva ønsker du hjelp til av fastlegen?',
  symptoms: 'Beskriv hvilke symptomer eller plager du har',
  dailyLife: 'Hvordan påvirker helseutfordringene hverdagen din?',
  tried: 'Har du forsøkt å behandle dette?',
  treatment: 'Hvilken behandling har du prøvd og hva slags effekt har den hatt?',
};
/** The message as sent: every question followed by its answer. */
const EXAMPLE_MESSAGE = [
  LABELS.symptoms, EXAMPLE.symptoms, LABELS.dailyLife, EXAMPLE.dailyLife,
  LABELS.tried, 'Ja', LABELS.treatment, EXAMPLE.treatment,
].join(' ');

const STEP1_TITLE = 'E-konsultasjon: Viktig informasjon før du bestiller e-konsultasjon';
const STEP2_TITLE = 'E-konsultasjon: Tilgjengelige behandlere';
const STEP3_TITLE = 'E-konsultasjon: Beskriv situasjonen din';
const STEP4_TITLE = 'E-konsultasjon: Se gjennom før du sender';
const COPAYMENT_BOX = 'Jeg forstår at jeg må betale egenandel som ved en vanlig legetime. '
  + '(Har du frikort eller er fritatt fra å betale egenandel, trenger du ikke å betale.)';
const COPAYMENT_ERROR = 'Du må krysse av for at du forstår at du må betale egenandel, før du kan gå videre.';
const QUEUE_TITLE = 'Innboks for legekontoret';
const DATE = /^\d{2}\.\d{2}\.\d{4}$/;

// A 1x1 PNG and a minimal, well-formed one-page PDF.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
function minimalPdf() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
    + offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')
    + `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

const PDF = minimalPdf();

let browser;
let fileDir;
let files;

before(async () => {
  browser = await launchBrowser();
  fileDir = mkdtempSync(join(tmpdir(), 'helseportal-uploads-'));
  files = { png: join(fileDir, 'utslett.png'), pdf: join(fileDir, 'resept.pdf'), fake: join(fileDir, 'bilde.png') };
  writeFileSync(files.png, PNG);
  writeFileSync(files.pdf, PDF);
  writeFileSync(files.fake, 'Dette er tekst, ikke et bilde.\n');
});

after(async () => {
  await browser?.close();
  if (fileDir) rmSync(fileDir, { recursive: true, force: true });
});

/** Kari logs in, consents to Full tilgang and ends on her front page. */
async function kariLogsIn(page, portal, a11y) {
  await loginAsCitizen(page, portal, 'Kari Nordmann', { a11y });
  await giveConsent(page, 'Full tilgang', { a11y });
  await waitForHeading(page, 'Hei, Kari');
  await a11y('front-page');
}

/** A staff member logs in at /kontor and opens "Innboks for legekontoret". */
async function staffOpensQueue(page, portal, name, a11y) {
  await loginAsStaff(page, portal, name, { a11y });
  await waitForHeading(page, 'Solen Legekontor');
  await a11y('dashboard');
  await followLink(page, new RegExp(`^${QUEUE_TITLE}`));
  await waitForHeading(page, QUEUE_TITLE);
}

/** The queue's rows (Type, Pasient, Gjelder, Behandler, Mottatt, Frist). */
const queueRows = (page) => tableRows(page.getByRole('main').getByRole('table'));

/** The citizen's Innboks: its count line and, per thread, the heading text of its item. */
async function inboxItems(page) {
  return {
    count: (await page.getByRole('main').getByRole('status').innerText()).trim(),
    subjects: (await page.locator('main .inbox-item h2').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim()),
  };
}

/**
 * In Innboks, follows the thread's "Se detaljer" link (its name goes on with the subject,
 * read out but not shown).
 */
const openThread = (page, subject) => followLink(page, new RegExp(`^Se detaljer\\W+${subject}$`));

/** Clicks the attachment link with this name in <main> and returns the file the browser saves. */
async function download(page, name) {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('main').getByRole('link', { name, exact: true }).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** The live character counter that belongs to a text field. */
const counterOf = (field) => field.evaluate((element) => document
  .querySelector(`[data-counter-for="${element.id}"]`)?.textContent.trim());

/** The text of the page's messages (".message-body"), whitespace collapsed, in page order. */
const messageBodies = async (page) => (await page.locator('main .message-body').allInnerTexts())
  .map((text) => text.replace(/\s+/g, ' ').trim());

/** The front page's Innboks tile text, whitespace collapsed. */
async function inboxTile(page, portal) {
  await page.goto(`${portal.url}/`);
  await waitForHeading(page, 'Hei, Kari');
  return (await page.getByRole('main').getByRole('link', { name: /^Innboks/ }).innerText()).replace(/\s+/g, ' ').trim();
}

/** A staff member answers the open thread: the answer is kept and the queue empties. */
async function answerThread(page, answer, a11y) {
  await page.getByRole('textbox', { name: 'Svar til pasienten', exact: true }).fill(answer);
  await pressButton(page, 'Send svar');
  assert.match(await mainText(page), /Svaret er sendt til pasienten\./);
  assert.ok((await messageBodies(page)).includes(answer), 'the answer is shown in the thread');
  assert.equal(await page.getByRole('button', { name: 'Send svar' }).count(), 0, 'an answered thread takes no second answer');
  await a11y('thread-answered');
  await followLink(page, QUEUE_TITLE);
  await waitForHeading(page, QUEUE_TITLE);
  assert.match(await mainText(page), /Ingen henvendelser venter på svar\./);
  assert.equal(await page.getByRole('main').getByRole('table').count(), 0);
  await a11y('queue-empty');
}

forEachDatabase('e-consultation: Kari sends an e-consultation with a PNG and a PDF, Rolf Rolfsen answers, Kari reads the answer', async ({ portal, database }) => {
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `econsultation-kari-${database}`);
    await kariLogsIn(kari, portal, a11y);
    await followLink(kari, /^Din fastlege/);
    await waitForHeading(kari, 'Fastlegetjenester');
    await a11y('gp-page');
    await followLink(kari, /^Starte e-konsultasjon/);

    // Step 1: the copayment box must be ticked.
    await waitForHeading(kari, STEP1_TITLE);
    assert.match(await mainText(kari), /Steg 1 av 4/);
    await a11y('step-1');
    const copayment = kari.getByRole('checkbox', { name: COPAYMENT_BOX, exact: true });
    assert.equal(await copayment.isChecked(), false);
    await pressButton(kari, 'Neste');
    await waitForHeading(kari, STEP1_TITLE);
    assert.ok((await mainText(kari)).includes(COPAYMENT_ERROR), 'the copayment error is shown');
    assert.equal(await copayment.getAttribute('aria-invalid'), 'true');
    assert.equal(await describedBy(copayment), COPAYMENT_ERROR, 'the error is tied to the box');
    await a11y('step-1-copayment-missing');
    await copayment.check();
    await pressButton(kari, 'Neste');

    // Step 2: Kari's GP is chosen beforehand.
    await waitForHeading(kari, STEP2_TITLE);
    assert.match(await mainText(kari), /Steg 2 av 4/);
    assert.equal(await kari.getByRole('radio', { name: 'Rolf Rolfsen (fastlege)', exact: true }).isChecked(), true);
    assert.ok((await mainText(kari)).includes('Hvis behandler er utilgjengelig, kan e-konsultasjon bli lest og '
      + 'besvart av annet helsepersonell på legekontoret.'));
    await a11y('step-2');
    await pressButton(kari, 'Neste');

    // Step 3: everything empty gives an error summary and an error at each field.
    await waitForHeading(kari, STEP3_TITLE);
    assert.match(await mainText(kari), /Steg 3 av 4/);
    const field = {
      subject: kari.getByRole('textbox', { name: LABELS.subject, exact: true }),
      symptoms: kari.getByRole('textbox', { name: LABELS.symptoms, exact: true }),
      dailyLife: kari.getByRole('textbox', { name: LABELS.dailyLife, exact: true }),
      treatment: kari.getByRole('textbox', { name: LABELS.treatment, exact: true }),
    };
    const tried = kari.getByRole('group', { name: LABELS.tried, exact: true });
    await tried.getByRole('radio', { name: 'Nei', exact: true }).waitFor();
    await a11y('step-3');
    await pressButton(kari, 'Neste');
    await waitForHeading(kari, STEP3_TITLE);
    const summary = kari.getByRole('alert').filter({ has: kari.getByRole('heading', { name: 'Skjemaet har feil', exact: true }) });
    const summaryErrors = await summary.getByRole('link').allInnerTexts();
    for (const name of ['subject', 'symptoms', 'dailyLife']) {
      const error = `Du må fylle ut «${LABELS[name]}».`;
      assert.ok(summaryErrors.includes(error), `the summary lists "${error}": ${summaryErrors.join(' | ')}`);
      assert.ok((await describedBy(field[name])).includes(error), `"${error}" is tied to its field`);
      assert.equal(await field[name].getAttribute('aria-invalid'), 'true');
    }
    assert.ok((await describedBy(tried)).includes('Du må svare Ja eller Nei på «Har du forsøkt å behandle dette?».'),
      'the yes/no question has its own error');
    await a11y('step-3-all-missing');

    // The live counters count characters as a person sees them.
    await field.subject.fill(EXAMPLE.subject);
    await field.symptoms.fill(EXAMPLE.symptoms);
    await field.dailyLife.fill(EXAMPLE.dailyLife);
    await tried.getByRole('radio', { name: 'Ja', exact: true }).check();
    await field.treatment.fill(EXAMPLE.treatment);
    assert.equal(await counterOf(field.symptoms), '116/450 tegn');
    assert.equal(await counterOf(field.dailyLife), '44/200 tegn');
    await field.symptoms.press('End');
    await kari.keyboard.insertText('👍🏽');
    assert.equal(await counterOf(field.symptoms), '117/450 tegn', 'a thumbs-up with a skin tone counts as one character');
    await field.symptoms.fill(EXAMPLE.symptoms);
    assert.equal(await counterOf(field.symptoms), '116/450 tegn');

    // Going back and forth keeps every answer.
    await pressButton(kari, 'Tilbake');
    await waitForHeading(kari, STEP2_TITLE);
    await pressButton(kari, 'Neste');
    await waitForHeading(kari, STEP3_TITLE);
    assert.equal(await field.subject.inputValue(), EXAMPLE.subject);
    assert.equal(await field.symptoms.inputValue(), EXAMPLE.symptoms);
    assert.equal(await field.dailyLife.inputValue(), EXAMPLE.dailyLife);
    assert.equal(await tried.getByRole('radio', { name: 'Ja', exact: true }).isChecked(), true);
    assert.equal(await field.treatment.inputValue(), EXAMPLE.treatment);
    assert.equal(await counterOf(field.symptoms), '116/450 tegn');
    await a11y('step-3-filled');
    await pressButton(kari, 'Neste');

    // Step 4: the whole message, then the attachments.
    await waitForHeading(kari, STEP4_TITLE);
    const review = await mainText(kari);
    assert.match(review, /Steg 4 av 4/);
    assert.ok(review.includes('Denne meldingen vil bli sendt til Rolf Rolfsen (fastlege)'), review);
    assert.ok(review.includes(`Henvendelse gjelder: ${EXAMPLE.subject}`), review);
    assert.deepEqual(await messageBodies(kari), [EXAMPLE_MESSAGE]);
    await a11y('step-4');
    const reviewUrl = kari.url();
    const chooseFiles = kari.getByLabel('Velg filer', { exact: true });
    const attachments = kari.getByRole('region', { name: 'Legg til vedlegg (valgfritt)' }).getByRole('listitem');
    const attachmentNames = async () => (await attachments.allInnerTexts()).map((item) => item.split(' (')[0].trim());

    // The PNG first; a text file named like a picture is refused by its content, and nothing
    // typed or attached before is lost; then the PDF.
    await chooseFiles.setInputFiles(files.png);
    await pressButton(kari, 'Last opp');
    await waitForHeading(kari, STEP4_TITLE);
    assert.deepEqual(await attachmentNames(), ['utslett.png']);
    await chooseFiles.setInputFiles(files.fake);
    await pressButton(kari, 'Last opp');
    await waitForHeading(kari, STEP4_TITLE);
    const refused = (await kari.getByRole('alert').innerText()).replace(/\s+/g, ' ').trim();
    assert.ok(refused.startsWith('Filen «bilde.png» er ikke JPG, PNG eller PDF.'), refused);
    assert.deepEqual(await messageBodies(kari), [EXAMPLE_MESSAGE], 'the message is still there');
    assert.ok((await mainText(kari)).includes('Denne meldingen vil bli sendt til Rolf Rolfsen (fastlege)'));
    assert.deepEqual(await attachmentNames(), ['utslett.png'], 'the refused file is not attached');
    await a11y('step-4-wrong-file-type');
    await chooseFiles.setInputFiles(files.pdf);
    await pressButton(kari, 'Last opp');
    await waitForHeading(kari, STEP4_TITLE);
    assert.deepEqual(await attachmentNames(), ['utslett.png', 'resept.pdf']);
    for (const name of ['utslett.png', 'resept.pdf']) {
      await attachments.filter({ hasText: name }).getByRole('button', { name: `Fjern ${name}`, exact: true }).waitFor();
    }
    assert.equal(await kari.getByRole('alert').count(), 0, 'the earlier error is gone');
    await a11y('step-4-with-attachments');
    const resend = await kari.locator('main form[enctype="multipart/form-data"]').evaluate((form) => ({
      action: form.getAttribute('action'), csrf: form.elements._csrf.value,
    }));

    await pressButton(kari, 'Send');
    await waitForHeading(kari, 'Meldingen er sendt');
    assert.match(await mainText(kari), /Du får vanligvis svar innen 5 arbeidsdager\./);
    const sentUrl = kari.url();
    await a11y('sent');
    await followLink(kari, 'Gå til innboksen');
    await waitForHeading(kari, 'Innboks');
    assert.deepEqual(await inboxItems(kari), { count: '1 melding', subjects: [EXAMPLE.subject] });
    await a11y('inbox');
    await openThread(kari, EXAMPLE.subject);
    await waitForHeading(kari, EXAMPLE.subject);
    assert.match(await mainText(kari), /E-konsultasjon – Venter på svar/);
    assert.deepEqual(await messageBodies(kari), [EXAMPLE_MESSAGE]);
    for (const name of ['utslett.png', 'resept.pdf']) {
      const href = await kari.getByRole('main').getByRole('link', { name, exact: true }).getAttribute('href');
      assert.match(href, /^\/innboks\/vedlegg\/\d+$/, `${name} is a download link`);
    }
    assert.deepEqual(await download(kari, 'resept.pdf'), { name: 'resept.pdf', bytes: PDF });
    await a11y('thread-waiting');

    // Back to the review step (pages are not cached, so Back asks the portal again), and the
    // review form sent once more, as a second click or a resubmitted form would: still one
    // e-consultation.
    for (const expected of ['Innboks', 'Meldingen er sendt', 'Meldingen er sendt']) {
      await kari.goBack({ waitUntil: 'load' });
      await waitForHeading(kari, expected);
    }
    assert.equal(kari.url(), sentUrl, 'Back to the review step of a sent e-consultation shows it as sent');
    const again = await kari.evaluate(async ({ action, csrf }) => {
      const body = new FormData();
      body.append('_csrf', csrf);
      body.append('action', 'send');
      const response = await fetch(action, { method: 'POST', body });
      return { status: response.status, url: response.url };
    }, resend);
    assert.deepEqual(again, { status: 200, url: sentUrl }, 'sending again leads to the same message');
    await kari.goto(`${portal.url}/innboks`);
    await waitForHeading(kari, 'Innboks');
    assert.deepEqual(await inboxItems(kari), { count: '1 melding', subjects: [EXAMPLE.subject] },
      'a double send makes one e-consultation');

    // Rolf Rolfsen, in his own browser context, answers it.
    await withPage(browser, async (rolf) => {
      const rolfA11y = accessibilityChecker(rolf, `econsultation-rolf-${database}`);
      await staffOpensQueue(rolf, portal, 'Rolf Rolfsen', rolfA11y);
      const rows = await queueRows(rolf);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      const [row] = rows;
      assert.equal(row.Type, 'E-konsultasjon');
      assert.equal(row.Pasient, 'Kari Nordmann');
      assert.equal(row.Gjelder, EXAMPLE.subject);
      assert.match(row.Frist, DATE, `the due date is dd.mm.yyyy: ${row.Frist}`);
      await rolfA11y('queue');

      await followLink(rolf, EXAMPLE.subject);
      await waitForHeading(rolf, EXAMPLE.subject);
      const office = await mainText(rolf);
      assert.ok(office.includes('Kari Nordmann'), office);
      assert.ok(office.includes(row.Frist), 'the due date is shown');
      assert.deepEqual(await messageBodies(rolf), [EXAMPLE_MESSAGE]);
      await rolf.getByRole('main').getByRole('link', { name: 'resept.pdf', exact: true }).waitFor();
      assert.deepEqual(await download(rolf, 'utslett.png'), { name: 'utslett.png', bytes: PNG },
        'the PNG arrives byte for byte');
      await rolfA11y('thread');

      await pressButton(rolf, 'Send svar');
      await waitForHeading(rolf, EXAMPLE.subject);
      const answer = rolf.getByRole('textbox', { name: 'Svar til pasienten', exact: true });
      assert.ok((await mainText(rolf)).includes('Du må fylle ut «Svar til pasienten».'));
      assert.equal(await answer.getAttribute('aria-invalid'), 'true');
      assert.ok((await describedBy(answer)).includes('Du må fylle ut «Svar til pasienten».'), 'the error is tied to the field');
      await rolfA11y('thread-answer-missing');
      await answerThread(rolf, 'Prøv å bytte til et annet allergimiddel. Ta kontakt igjen om en uke.', rolfA11y);
    });

    // Kari sees the answer as unread until she has opened it.
    assert.match(await inboxTile(kari, portal), /1 ulest/);
    await a11y('front-page-unread');
    await followLink(kari, /^Innboks/);
    await waitForHeading(kari, 'Innboks');
    assert.deepEqual(await inboxItems(kari), { count: '1 melding', subjects: [`Ulest ${EXAMPLE.subject}`] });
    await a11y('inbox-unread');
    await openThread(kari, EXAMPLE.subject);
    await waitForHeading(kari, EXAMPLE.subject);
    assert.match(await mainText(kari), /E-konsultasjon – Besvart/);
    assert.deepEqual(await messageBodies(kari), [EXAMPLE_MESSAGE,
      'Prøv å bytte til et annet allergimiddel. Ta kontakt igjen om en uke.']);
    assert.match(await kari.locator('main .message-from').nth(1).innerText(), /Rolf Rolfsen/);
    await a11y('thread-answered');
    assert.doesNotMatch(await inboxTile(kari, portal), /ulest/);
  });
});

forEachDatabase('e-consultation: "Kontakt legekontoret" goes to reception', async ({ portal, database }) => {
  const subject = 'Ferie i juli';
  const text = 'Har legekontoret åpent i fellesferien?';
  const answerText = 'Ja, vi har åpent hele sommeren, med kortere åpningstid i juli.';
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `contact-kari-${database}`);
    await kariLogsIn(kari, portal, a11y);
    await kari.goto(`${portal.url}/fastlege`);
    await waitForHeading(kari, 'Fastlegetjenester');
    await a11y('gp-page');
    await followLink(kari, /^Kontakte legekontoret/);
    await waitForHeading(kari, 'Kontakt legekontoret');
    assert.ok((await mainText(kari)).includes('Du kan ikke få helsehjelp via denne tjenesten.'));
    await a11y('contact-form');

    await pressButton(kari, 'Send');
    await waitForHeading(kari, 'Kontakt legekontoret');
    const fields = {
      Emne: kari.getByRole('textbox', { name: 'Emne', exact: true }),
      Melding: kari.getByRole('textbox', { name: 'Melding', exact: true }),
    };
    const summary = await kari.getByRole('alert').filter({ hasText: 'Skjemaet har feil' }).getByRole('link').allInnerTexts();
    for (const [label, field] of Object.entries(fields)) {
      const error = `Du må fylle ut «${label}».`;
      assert.ok(summary.includes(error), `the summary lists "${error}": ${summary.join(' | ')}`);
      assert.ok((await describedBy(field)).includes(error), `"${error}" is tied to its field`);
    }
    await a11y('contact-form-missing');
    await fields.Emne.fill(subject);
    await fields.Melding.fill(text);
    await pressButton(kari, 'Send');
    await waitForHeading(kari, 'Meldingen er sendt');
    await a11y('sent');

    await withPage(browser, async (sara) => {
      const saraA11y = accessibilityChecker(sara, `contact-sara-${database}`);
      await staffOpensQueue(sara, portal, 'Sara Solbakken', saraA11y);
      const rows = await queueRows(sara);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.equal(rows[0].Type, 'Kontakt legekontoret');
      assert.equal(rows[0].Pasient, 'Kari Nordmann');
      assert.equal(rows[0].Gjelder, subject);
      assert.match(rows[0].Frist, DATE);
      await saraA11y('queue');
      await followLink(sara, subject);
      await waitForHeading(sara, subject);
      assert.deepEqual(await messageBodies(sara), [text]);
      await saraA11y('thread');
      await answerThread(sara, answerText, saraA11y);
    });

    await kari.goto(`${portal.url}/innboks`);
    await waitForHeading(kari, 'Innboks');
    assert.deepEqual(await inboxItems(kari), { count: '1 melding', subjects: [`Ulest ${subject}`] });
    await a11y('inbox-unread');
    await openThread(kari, subject);
    await waitForHeading(kari, subject);
    assert.match(await mainText(kari), /Kontakt legekontoret – Besvart/);
    assert.deepEqual(await messageBodies(kari), [text, answerText]);
    await a11y('thread-answered');
  });
});

forEachDatabase('e-consultation: the way in through Innboks and "Skriv ny melding"', async ({ portal, database }) => {
  await withPage(browser, async (kari) => {
    const a11y = accessibilityChecker(kari, `new-message-${database}`);
    await kariLogsIn(kari, portal, a11y);
    await followLink(kari, /^Innboks/);
    await waitForHeading(kari, 'Innboks');
    assert.deepEqual(await inboxItems(kari), { count: '0 meldinger', subjects: [] });
    await a11y('inbox-empty');
    await followLink(kari, 'Skriv ny melding');
    await waitForHeading(kari, 'Skriv ny melding');
    const contacts = (await kari.getByRole('main').getByRole('listitem').allInnerTexts())
      .map((item) => item.replace(/\s+/g, ' ').trim());
    assert.deepEqual(contacts, ['Solen Legekontor Fastlegekontor', 'Hudklinikken Sentrum Avtalespesialist']);
    await a11y('new-message');

    await followLink(kari, /^Hudklinikken Sentrum/);
    await waitForHeading(kari, 'Hudklinikken Sentrum');
    await a11y('contact-services-specialist');
    await followLink(kari, /^E-konsultasjon/);
    await waitForHeading(kari, STEP1_TITLE);
    await a11y('step-1');
    await kari.getByRole('checkbox', { name: COPAYMENT_BOX, exact: true }).check();
    await pressButton(kari, 'Neste');
    await waitForHeading(kari, STEP2_TITLE);
    const radios = kari.getByRole('main').getByRole('radio');
    assert.deepEqual(await radios.evaluateAll((inputs) => inputs.map((input) => input.labels[0].textContent.trim())),
      ['Hanne Hud (avtalespesialist)']);
    assert.equal(await kari.getByRole('radio', { name: 'Hanne Hud (avtalespesialist)', exact: true }).isChecked(), true);
    await a11y('step-2-specialist');
  });
});
