//! Notifications by e-mail and SMS through the job queue, the unread reminder, and the contact
//! details page with its confirmation codes: through a real SMTP server and a local SMS gateway.

use std::time::Duration;

use domain::GpService;
use domain::contact::UNREAD_REMINDER_AFTER_SECONDS;
use domain::notification::{Language, contains_link};
use reqwest::StatusCode;
use storage::{ContactDetails, DemoPersons, NewAnswer, NewThread};

use crate::support::delivery::{
    ReceivedMail, ReceivedSms, SmsGateway, delivery_args, mails_to, notifier, starttls_settings,
};
use crate::support::{Backend, TestApp, csrf_of_form, location};

on_both_databases!(
    answered_e_consultation_sends_one_email_and_one_sms_without_links_or_health_details,
    unread_message_is_reminded_once_after_four_days,
    failing_or_silent_gateway_leaves_the_job_for_a_retry_and_loses_nothing,
    a_worker_that_dies_mid_job_leaves_it_to_another_after_its_lease,
    killing_the_process_between_saving_and_sending_loses_nothing_and_sends_nothing_twice,
    two_workers_share_the_queue_and_send_each_notification_once,
    e_mail_goes_over_starttls_only_to_a_trusted_server,
    parents_are_notified_for_their_children_and_consent_is_respected,
    new_contact_details_are_used_only_after_their_code,
    contact_details_form_refuses_bad_input_and_keeps_it,
    details_older_than_eighteen_months_are_asked_to_be_confirmed_again,
    a_new_code_with_fresh_tries_comes_at_most_once_a_minute_however_asked_for,
    codes_are_limited_per_day_and_fewer_by_sms_across_processes,
    codes_asked_for_at_once_send_one,
);

/// A mobile number and an e-mail address no other test uses.
fn fresh_contacts() -> (String, String) {
    let n: u32 = rand::random_range(0..10_000_000);
    let token = storage::random_token().to_lowercase().replace('_', "-");
    (
        format!("+479{n:07}"),
        format!("kari-{}@example.com", &token[..16]),
    )
}

async fn person_id(app: &TestApp, fnr: &str) -> i64 {
    app.db
        .person_by_fnr(&domain::Fodselsnummer::parse(fnr).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Gives a person confirmed contact details and consent to Basis+ or more.
async fn with_contacts(
    app: &TestApp,
    fnr: &str,
    language: Language,
    consent: domain::ConsentLevel,
) -> (i64, String, String) {
    let id = person_id(app, fnr).await;
    let (mobile, email) = fresh_contacts();
    app.db
        .set_confirmed_contact_details(
            id,
            &ContactDetails {
                mobile: Some(mobile.clone()),
                email: Some(email.clone()),
                notify_sms: true,
                notify_email: true,
                language,
                confirmed_at: app.clock_now(),
            },
        )
        .await
        .unwrap();
    app.db
        .set_consent(id, consent, app.clock_now())
        .await
        .unwrap();
    (id, mobile, email)
}

/// The demo portal and a gateway, with Kari notified by SMS and e-mail in Norwegian; her id,
/// number and address.
async fn kari_with_contacts(backend: Backend) -> (TestApp, SmsGateway, i64, String, String) {
    let app = TestApp::spawn(backend).await;
    let gateway = SmsGateway::start().await;
    let (kari, mobile, email) = with_contacts(
        &app,
        DemoPersons::KARI_NORDMANN,
        Language::Nb,
        domain::ConsentLevel::FullTilgang,
    )
    .await;
    (app, gateway, kari, mobile, email)
}

/// A "Kontakt legekontoret" thread for `citizen_id` answered by the reception; its id.
async fn answered_thread(app: &TestApp, citizen_id: i64, subject: &str, answer: &str) -> i64 {
    let now = app.clock_now();
    let sent = app
        .db
        .send_thread(&NewThread {
            citizen_id,
            sent_by_person_id: citizen_id,
            sender_name: "Innbygger",
            office_id: 1,
            practitioner_id: None,
            kind: GpService::KontaktLegekontoret,
            subject,
            body: "Spørsmålet mitt.",
            idempotency_key: &storage::random_token(),
            draft_id: None,
            received_at: now,
            due_date: jiff::civil::date(2030, 1, 2),
        })
        .await
        .unwrap();
    let sara = crate::support::staff(&app.db, DemoPersons::SARA_SOLBAKKEN).await;
    app.db
        .answer_thread(&NewAnswer {
            thread_id: sent.thread_id,
            office_id: 1,
            staff_id: sara.id,
            staff_name: "Sara Solbakken",
            body: answer,
            copayment_nok: None,
            now,
        })
        .await
        .unwrap();
    sent.thread_id
}

/// Nothing a notification says may be a link or tell about the message.
fn assert_says_nothing_of(sms: &[ReceivedSms], mails: &[ReceivedMail], secrets: &[&str]) {
    let mut texts: Vec<&str> = sms.iter().map(|s| s.text.as_str()).collect();
    for mail in mails {
        texts.extend([
            mail.subject.as_str(),
            mail.text.as_str(),
            mail.html.as_str(),
        ]);
        assert!(
            !mail.html.is_empty() && !mail.text.is_empty(),
            "plain text and HTML"
        );
    }
    for text in texts {
        assert!(!contains_link(text), "no link: {text}");
        assert!(text.contains("Helseportal"), "{text}");
        for secret in secrets {
            assert!(
                !text.to_lowercase().contains(&secret.to_lowercase()),
                "{secret:?} in {text}"
            );
        }
    }
}

async fn answered_e_consultation_sends_one_email_and_one_sms_without_links_or_health_details(
    backend: Backend,
) {
    let (app, gateway, _, mobile, email) = kari_with_contacts(backend).await;
    let draft = crate::messages::kari_draft(&app).await;
    let sent = location(&crate::messages::send_draft(&app, &draft, &[]).await);
    let thread_id = crate::messages::thread_id_of(&sent);
    let worker = notifier(&app.db, &gateway);
    let report = worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(
        report.delivered, 0,
        "the citizen's own message notifies nobody"
    );

    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let page = rolf
        .get(&format!("/kontor/henvendelser/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    let action = format!("/kontor/henvendelser/{thread_id}/svar");
    let csrf = csrf_of_form(&page, &action);
    let answer = "Prøv en annen allergimedisin; jeg har sendt resept.";
    for _ in 0..2 {
        rolf.post(&action, &[("_csrf", &csrf), ("svar", answer)])
            .await;
    }
    assert!(
        gateway.received().is_empty(),
        "nothing is sent before the worker runs"
    );
    assert!(mails_to(&email).is_empty());

    let report = worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(report.delivered, 2);
    let sms = gateway.to(&mobile);
    let mails = mails_to(&email);
    assert_eq!(sms.len(), 1, "one SMS");
    assert_eq!(mails.len(), 1, "one e-mail");
    assert_eq!(sms[0].from, "Helseportal");
    assert!(
        sms[0]
            .text
            .starts_with("Du har fått en ny melding på Helseportal.")
    );
    assert_eq!(mails[0].subject, "Ny melding på Helseportal");
    assert!(
        mails[0]
            .text
            .contains("Du har fått en ny melding på Helseportal.")
    );
    assert!(
        mails[0]
            .html
            .starts_with("<!DOCTYPE html><html lang=\"nb\">")
    );
    assert!(
        mails[0].raw.contains("multipart/alternative"),
        "plain text and HTML"
    );
    assert!(
        mails[0]
            .message_id
            .contains(&sms[0].reference.replace("-sms", "-email"))
    );
    assert_says_nothing_of(
        &sms,
        &mails,
        &[
            "Pollenallergi",
            "øyne",
            "allergimedisin",
            "resept",
            "e-konsultasjon",
            "Rolf",
            "Rolfsen",
            "Solen",
            "Legekontor",
            "Kari",
        ],
    );

    // Run again, now and later the same day: nothing more.
    worker.run_due(app.clock_now()).await.unwrap();
    worker.run_due(app.clock_now() + 3600).await.unwrap();
    assert_eq!(gateway.to(&mobile).len(), 1);
    assert_eq!(mails_to(&email).len(), 1);
    let counts = app.db.notification_queue_counts().await.unwrap();
    assert_eq!((counts.done, counts.pending), (1, 1), "the reminder waits");
}

async fn unread_message_is_reminded_once_after_four_days(backend: Backend) {
    let (app, gateway, kari, mobile, email) = kari_with_contacts(backend).await;
    let start = app.clock_now();
    answered_thread(&app, kari, "Ferie", "Vi har åpent hele romjulen.").await;
    let read = answered_thread(&app, kari, "Attest", "Attesten ligger klar.").await;
    let worker = notifier(&app.db, &gateway);
    worker.run_due(start).await.unwrap();
    assert_eq!(gateway.to(&mobile).len(), 2, "one notice per message");

    // Kari reads the second one on day two.
    app.clock.advance(2 * 24 * 3600);
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    assert_eq!(
        app.get(&format!("/innboks/{read}")).await.status(),
        StatusCode::OK
    );

    worker
        .run_due(start + UNREAD_REMINDER_AFTER_SECONDS - 60)
        .await
        .unwrap();
    assert_eq!(gateway.to(&mobile).len(), 2, "no reminder before four days");
    worker
        .run_due(start + UNREAD_REMINDER_AFTER_SECONDS)
        .await
        .unwrap();
    let sms = gateway.to(&mobile);
    assert_eq!(sms.len(), 3, "one reminder, for the unread message only");
    assert!(
        sms[2]
            .text
            .starts_with("Du har en melding på Helseportal som ikke er lest.")
    );
    let mails = mails_to(&email);
    assert_eq!(mails.len(), 3);
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Påminnelse: ulest melding på Helseportal")
    );
    assert_says_nothing_of(&sms, &mails, &["Ferie", "romjulen", "Attest", "Sara"]);

    worker
        .run_due(start + UNREAD_REMINDER_AFTER_SECONDS * 3)
        .await
        .unwrap();
    assert_eq!(gateway.to(&mobile).len(), 3, "once per message");
    assert_eq!(mails_to(&email).len(), 3);
}

async fn failing_or_silent_gateway_leaves_the_job_for_a_retry_and_loses_nothing(backend: Backend) {
    let (app, gateway, kari, mobile, email) = kari_with_contacts(backend).await;
    let now = app.clock_now();
    answered_thread(&app, kari, "Ferie", "Vi har åpent.").await;
    let worker = notifier(&app.db, &gateway);

    gateway.fail_next(1);
    let report = worker.run_due(now).await.unwrap();
    assert_eq!((report.delivered, report.failed_deliveries), (1, 1));
    assert_eq!(mails_to(&email).len(), 1, "the e-mail went");
    assert!(gateway.to(&mobile).is_empty());
    assert_eq!(app.db.notification_queue_counts().await.unwrap().pending, 2);

    worker.run_due(now + 10).await.unwrap();
    assert!(
        gateway.to(&mobile).is_empty(),
        "the retry waits its back-off"
    );

    gateway.stall_next(1);
    let report = worker.run_due(now + 30).await.unwrap();
    assert_eq!(
        report.failed_deliveries, 1,
        "a gateway that does not answer in time"
    );
    assert!(gateway.to(&mobile).is_empty());

    let report = worker.run_due(now + 30 + 60).await.unwrap();
    assert_eq!((report.delivered, report.failed_deliveries), (1, 0));
    assert_eq!(gateway.to(&mobile).len(), 1, "the SMS went at last");
    assert_eq!(
        mails_to(&email).len(),
        1,
        "and the e-mail was not sent again"
    );
    let counts = app.db.notification_queue_counts().await.unwrap();
    assert_eq!((counts.done, counts.pending, counts.failed), (1, 1, 0));
}

async fn a_worker_that_dies_mid_job_leaves_it_to_another_after_its_lease(backend: Backend) {
    let (app, gateway, kari, mobile, email) = kari_with_contacts(backend).await;
    let now = app.clock_now();
    answered_thread(&app, kari, "Ferie", "Vi har åpent.").await;
    // The first worker claims the job and is stopped dead while the gateway holds its SMS.
    gateway.stall_next(1);
    let first = notifier(&app.db, &gateway);
    let stopped = tokio::time::timeout(Duration::from_millis(300), first.run_due(now)).await;
    assert!(
        stopped.is_err(),
        "the worker was stopped in the middle of the job"
    );
    drop(first);

    let second = notifier(&app.db, &gateway);
    let report = second.run_due(now + 10).await.unwrap();
    assert_eq!(
        report.jobs, 0,
        "the job is still held by the dead worker's claim"
    );
    let report = second.run_due(now + notify::LEASE_SECONDS).await.unwrap();
    assert_eq!(report.jobs, 1, "and taken over when the claim runs out");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(gateway.to(&mobile).len(), 1, "one SMS");
    assert_eq!(mails_to(&email).len(), 1, "one e-mail");
    let counts = app.db.notification_queue_counts().await.unwrap();
    assert_eq!((counts.done, counts.pending), (1, 1));
}

/// A process of the binary on the test's database, killed (SIGKILL) when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(args: &[String]) -> Process {
    Process(
        std::process::Command::new(env!("CARGO_BIN_EXE_helseportal"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    )
}

async fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn killing_the_process_between_saving_and_sending_loses_nothing_and_sends_nothing_twice(
    backend: Backend,
) {
    let (app, gateway, kari, mobile, email) = kari_with_contacts(backend).await;
    let now = app.clock_now();
    let thread = app
        .db
        .send_thread(&NewThread {
            citizen_id: kari,
            sent_by_person_id: kari,
            sender_name: "Kari Nordmann",
            office_id: 1,
            practitioner_id: None,
            kind: GpService::KontaktLegekontoret,
            subject: "Ferie",
            body: "Er dere åpne i romjulen?",
            idempotency_key: &storage::random_token(),
            draft_id: None,
            received_at: now,
            due_date: jiff::civil::date(2030, 1, 2),
        })
        .await
        .unwrap()
        .thread_id;

    // The answer is saved by a serve process that is killed before it sends anything.
    let port = crate::support::free_port();
    let server_url = format!("http://127.0.0.1:{port}");
    let mut serve_args: Vec<String> = [
        "serve",
        "--insecure-test-login",
        "--no-worker",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--database",
        &app.database_url,
        "--public-url",
        &app.url,
        "--attachments-dir",
        &crate::support::temp_dir().display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    serve_args.extend(delivery_args(&gateway));
    let server = spawn_binary(&serve_args);
    let health = format!("{server_url}/healthz");
    for _ in 0..200 {
        if reqwest::get(&health)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sara = app.new_browser();
    sara.login_staff(DemoPersons::SARA_SOLBAKKEN).await;
    let page = sara
        .get(&format!("{server_url}/kontor/henvendelser/{thread}"))
        .await
        .text()
        .await
        .unwrap();
    let action = format!("/kontor/henvendelser/{thread}/svar");
    let csrf = csrf_of_form(&page, &action);
    let answered = sara
        .post(
            &format!("{server_url}{action}"),
            &[("_csrf", &csrf), ("svar", "Ja, hele romjulen.")],
        )
        .await;
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    drop(server);
    assert!(gateway.to(&mobile).is_empty() && mails_to(&email).is_empty());
    assert_eq!(app.db.notification_queue_counts().await.unwrap().pending, 2);

    // A worker process sends the notification once.
    let mut worker_args: Vec<String> = [
        "worker",
        "--database",
        &app.database_url,
        "--worker-poll-seconds",
        "1",
    ]
    .map(str::to_owned)
    .to_vec();
    worker_args.extend(delivery_args(&gateway));
    let worker = spawn_binary(&worker_args);
    wait_for(
        || gateway.to(&mobile).len() == 1 && mails_to(&email).len() == 1,
        "the notification",
    )
    .await;
    let done = || async { app.db.notification_queue_counts().await.unwrap().done };
    for _ in 0..50 {
        if done().await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(worker);

    // Another worker, after the first was killed, finds nothing left to send.
    let second = spawn_binary(&worker_args);
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(second);
    assert_eq!(gateway.to(&mobile).len(), 1, "no SMS twice");
    assert_eq!(mails_to(&email).len(), 1, "no e-mail twice");
    let counts = app.db.notification_queue_counts().await.unwrap();
    assert_eq!(
        (counts.done, counts.pending),
        (1, 1),
        "the reminder still waits"
    );
}

async fn two_workers_share_the_queue_and_send_each_notification_once(backend: Backend) {
    let (app, gateway, kari, mobile, email) = kari_with_contacts(backend).await;
    for n in 0..12 {
        answered_thread(&app, kari, &format!("Sak {n}"), "Svar.").await;
    }
    // Two app processes: each its own pool.
    let other_db = storage::Database::connect(&app.database_url).await.unwrap();
    let (first, second) = (notifier(&app.db, &gateway), notifier(&other_db, &gateway));
    let now = app.clock_now();
    let (a, b) = tokio::join!(first.run_due(now), second.run_due(now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.jobs + b.jobs, 12, "each job run by one worker");
    let sms = gateway.to(&mobile);
    assert_eq!(sms.len(), 12);
    let mut references: Vec<&str> = sms.iter().map(|s| s.reference.as_str()).collect();
    references.sort_unstable();
    references.dedup();
    assert_eq!(references.len(), 12, "no SMS twice");
    assert_eq!(mails_to(&email).len(), 12);
}

async fn e_mail_goes_over_starttls_only_to_a_trusted_server(backend: Backend) {
    let (app, gateway, kari, _, email) = kari_with_contacts(backend).await;
    let now = app.clock_now();
    answered_thread(&app, kari, "Ferie", "Vi har åpent.").await;
    let with_smtp = |smtp: notify::SmtpSettings| {
        notify::Notifier::new(
            app.db.clone(),
            &notify::NotifierSettings {
                smtp: Some(smtp),
                sms_gateway: Some(gateway.settings()),
                outbox_dir: crate::support::temp_dir(),
            },
        )
        .unwrap()
    };
    let secure = starttls_settings();
    // The server refuses mail in the clear, and the worker refuses a certificate it cannot
    // trust: both leave the e-mail for a later try.
    let plain = notify::SmtpSettings {
        tls: notify::SmtpTls::None,
        ..secure.clone()
    };
    let untrusted = notify::SmtpSettings {
        extra_root_pem: None,
        ..secure.clone()
    };
    let report = with_smtp(plain).run_due(now).await.unwrap();
    assert_eq!(
        (report.delivered, report.failed_deliveries),
        (1, 1),
        "the SMS went"
    );
    let report = with_smtp(untrusted).run_due(now + 30).await.unwrap();
    assert_eq!((report.delivered, report.failed_deliveries), (0, 1));
    assert!(mails_to(&email).is_empty());
    let report = with_smtp(secure).run_due(now + 30 + 60).await.unwrap();
    assert_eq!((report.delivered, report.failed_deliveries), (1, 0));
    let mails = mails_to(&email);
    assert_eq!(mails.len(), 1, "one e-mail, over TLS");
    assert_eq!(mails[0].subject, "Ny melding på Helseportal");
}

async fn parents_are_notified_for_their_children_and_consent_is_respected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let gateway = SmsGateway::start().await;
    let (kari, mobile, email) = with_contacts(
        &app,
        DemoPersons::KARI_NORDMANN,
        Language::En,
        domain::ConsentLevel::BasisPluss,
    )
    .await;
    let ola = person_id(&app, DemoPersons::OLA_NORDMANN).await;
    answered_thread(&app, ola, "Vaksine for Ola", "Ola kan komme på onsdag.").await;
    let worker = notifier(&app.db, &gateway);
    worker.run_due(app.clock_now()).await.unwrap();
    let sms = gateway.to(&mobile);
    let mails = mails_to(&email);
    assert_eq!((sms.len(), mails.len()), (1, 1), "the parent is told");
    assert!(sms[0].text.starts_with(
        "There is a new message on Helseportal for someone you can use services on behalf of."
    ));
    assert_eq!(mails[0].subject, "New message on Helseportal");
    assert!(
        mails[0]
            .html
            .starts_with("<!DOCTYPE html><html lang=\"en\">")
    );
    assert_says_nothing_of(&sms, &mails, &["Ola", "Vaksine", "onsdag", "Nordmann"]);

    // With consent only to Basis, nothing is sent; a message for Kari herself neither.
    app.db
        .set_consent(kari, domain::ConsentLevel::Basis, app.clock_now())
        .await
        .unwrap();
    answered_thread(&app, ola, "Time", "Svar.").await;
    answered_thread(&app, kari, "Time", "Svar.").await;
    worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(gateway.to(&mobile).len(), 1);
    assert_eq!(mails_to(&email).len(), 1);
    assert_eq!(app.db.notification_queue_counts().await.unwrap().done, 3);
}

/// The code in the last SMS to `number`.
fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|word| word.len() == 6)
        .unwrap()
        .to_owned()
}

async fn new_contact_details_are_used_only_after_their_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let gateway = SmsGateway::start().await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = person_id(&app, DemoPersons::KARI_NORDMANN).await;
    let (mobile, email) = fresh_contacts();
    let (page, csrf) = app
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    assert!(page.contains("<h1>Kontaktinformasjon og varsling</h1>"));
    let national = &mobile[3..];
    let form = [
        ("_csrf", csrf.as_str()),
        ("mobile", national),
        ("email", email.as_str()),
        ("notify_sms", "ja"),
        ("notify_email", "ja"),
        ("language", "nb"),
    ];
    // A double click sends one code to each.
    for _ in 0..2 {
        let saved = app.post("/kontaktinformasjon", &form).await;
        assert_eq!(location(&saved), "/kontaktinformasjon?lagret=1");
    }
    let details = app.db.contact_details(kari).await.unwrap().unwrap();
    assert_eq!(
        (details.mobile, details.email),
        (None, None),
        "not in use before the codes"
    );
    let page = app
        .get("/kontaktinformasjon?lagret=1")
        .await
        .text()
        .await
        .unwrap();
    let shown = domain::contact::MobileNumber::parse(&mobile)
        .unwrap()
        .display();
    assert!(page.contains(&format!("Vi har sendt en kode på SMS til {shown}.")));
    assert!(page.contains(&format!("Vi har sendt en kode på e-post til {email}.")));

    let worker = notifier(&app.db, &gateway);
    worker.run_due(app.clock_now()).await.unwrap();
    let sms = gateway.to(&mobile);
    let mails = mails_to(&email);
    assert_eq!((sms.len(), mails.len()), (1, 1), "one code each");
    assert_says_nothing_of(&sms, &mails, &["Kari"]);
    let sms_code = code_in(&sms[0].text);
    let mail_code = code_in(&mails[0].text);
    let pending = app.db.pending_confirmations(kari).await.unwrap();
    let id_of = |channel| {
        pending
            .iter()
            .find(|p| p.channel == channel)
            .unwrap()
            .id
            .to_string()
    };
    let (sms_id, mail_id) = (
        id_of(domain::contact::Channel::Sms),
        id_of(domain::contact::Channel::Email),
    );

    let wrong_code = if sms_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    let wrong = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &csrf),
                ("confirmation", &sms_id),
                ("code", wrong_code),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Koden er feil. Du har 4 forsøk igjen.")
    );
    let short = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[("_csrf", &csrf), ("confirmation", &sms_id), ("code", "12")],
        )
        .await;
    assert!(short.text().await.unwrap().contains("Koden har 6 siffer."));

    // Someone else cannot use Kari's confirmation.
    let kurt = app.new_browser();
    kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
        .await;
    let (_, kurt_csrf) = kurt
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    let forged = kurt
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &kurt_csrf),
                ("confirmation", &sms_id),
                ("code", &sms_code),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);

    let confirmed = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &csrf),
                ("confirmation", &sms_id),
                ("code", &sms_code),
            ],
        )
        .await;
    assert_eq!(location(&confirmed), "/kontaktinformasjon?bekreftet=sms");
    let spaced = format!("{} {}", &mail_code[..3], &mail_code[3..]);
    let confirmed = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &csrf),
                ("confirmation", &mail_id),
                ("code", &spaced),
            ],
        )
        .await;
    assert_eq!(location(&confirmed), "/kontaktinformasjon?bekreftet=email");
    let details = app.db.contact_details(kari).await.unwrap().unwrap();
    assert_eq!(details.mobile.as_deref(), Some(mobile.as_str()));
    assert_eq!(details.email.as_deref(), Some(email.as_str()));
    assert!(details.notify_sms && details.notify_email);

    // Now a message reaches both.
    answered_thread(&app, kari, "Ferie", "Svar.").await;
    worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(gateway.to(&mobile).len(), 2);
    assert_eq!(mails_to(&email).len(), 2);

    // A new number waits for its code while the old one stays in use (a minute after the
    // first code: a new code on one channel comes at most once a minute).
    app.clock
        .advance(domain::contact::CODE_RESEND_AFTER_SECONDS);
    let (newer, _) = fresh_contacts();
    app.post(
        "/kontaktinformasjon",
        &[
            ("_csrf", csrf.as_str()),
            ("mobile", newer.as_str()),
            ("email", email.as_str()),
            ("notify_sms", "ja"),
            ("language", "nb"),
        ],
    )
    .await;
    let details = app.db.contact_details(kari).await.unwrap().unwrap();
    assert_eq!(details.mobile.as_deref(), Some(mobile.as_str()));
    assert!(
        !details.notify_email,
        "e-mail notifications turned off at once"
    );
    let page = app.get("/kontaktinformasjon").await.text().await.unwrap();
    assert!(page.contains(&format!("I bruk til du har bekreftet det nye: {shown}")));
    worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(gateway.to(&newer).len(), 1, "the code to the new number");
    assert!(
        gateway.to(&newer)[0]
            .text
            .starts_with("Koden for å bekrefte mobilnummeret ditt på Helseportal er ")
    );
    // Asking again at once sends no second code; a minute later it does.
    let newer_id = app.db.pending_confirmations(kari).await.unwrap()[0]
        .id
        .to_string();
    let resend = [
        ("_csrf", csrf.as_str()),
        ("confirmation", newer_id.as_str()),
    ];
    let again = app.post("/kontaktinformasjon/ny-kode", &resend).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Du kan be om en ny kode om 1 minutt.")
    );
    worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(gateway.to(&newer).len(), 1);
    app.clock.advance(61);
    let again = app.post("/kontaktinformasjon/ny-kode", &resend).await;
    assert_eq!(location(&again), "/kontaktinformasjon?ny-kode=1");
    worker.run_due(app.clock_now()).await.unwrap();
    assert_eq!(gateway.to(&newer).len(), 2);
    let old_code = code_in(&gateway.to(&newer)[0].text);
    let new_code = code_in(&gateway.to(&newer)[1].text);
    let stale = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &csrf),
                ("confirmation", &newer_id),
                ("code", &old_code),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        stale
            .text()
            .await
            .unwrap()
            .contains("Vi har sendt en nyere kode. Bruk den siste koden du fikk.")
    );
    let current = app.db.pending_confirmations(kari).await.unwrap()[0]
        .id
        .to_string();
    // Half an hour later (the session kept alive meanwhile) the code has expired.
    app.clock.advance(domain::contact::CODE_VALID_SECONDS / 2);
    assert_eq!(
        app.get("/kontaktinformasjon").await.status(),
        StatusCode::OK
    );
    app.clock.advance(domain::contact::CODE_VALID_SECONDS / 2);
    let expired = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &csrf),
                ("confirmation", &current),
                ("code", &new_code),
            ],
        )
        .await;
    assert!(
        expired
            .text()
            .await
            .unwrap()
            .contains("Koden er utløpt. Be om en ny kode.")
    );
    let details = app.db.contact_details(kari).await.unwrap().unwrap();
    assert_eq!(details.mobile.as_deref(), Some(mobile.as_str()));
}

async fn contact_details_form_refuses_bad_input_and_keeps_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "basis")
        .await;
    let kari = person_id(&app, DemoPersons::KARI_NORDMANN).await;
    let (page, csrf) = app
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    assert!(
        page.contains("Du får bare varsler når du har samtykket til Basis+ eller Full tilgang.")
    );
    let long_email = format!("{}@example.com", "a".repeat(260));
    for (fields, messages) in [
        (
            vec![("mobile", "2233 4455"), ("email", "kari.example.no")],
            vec![
                "Mobilnummeret må ha 8 siffer og begynne med 4 eller 9.",
                "Skriv e-postadressen slik: navn@eksempel.no",
                r#"value="2233 4455""#,
                r#"value="kari.example.no""#,
            ],
        ),
        (
            vec![("notify_sms", "ja"), ("notify_email", "ja")],
            vec![
                "Skriv inn mobilnummeret ditt for å få varsler på SMS.",
                "Skriv inn e-postadressen din for å få varsler på e-post.",
            ],
        ),
        (
            vec![("email", long_email.as_str())],
            vec!["E-postadressen kan ha maks 254 tegn."],
        ),
        (
            vec![("mobile", "91234567"), ("language", "de")],
            vec!["Velg bokmål eller engelsk.", r#"value="91234567""#],
        ),
    ] {
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend(fields);
        let refused = app.post("/kontaktinformasjon", &form).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = refused.text().await.unwrap();
        for message in messages {
            assert!(body.contains(message), "{message}");
        }
    }
    let forged = app
        .post(
            "/kontaktinformasjon",
            &[("_csrf", "forged"), ("mobile", "91234567")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong_type = app
        .post(
            "/kontaktinformasjon/bekreft",
            &[
                ("_csrf", &csrf),
                ("confirmation", "abc"),
                ("code", "123456"),
            ],
        )
        .await;
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    assert!(
        app.db.contact_details(kari).await.unwrap().is_none(),
        "nothing saved"
    );
    assert!(app.db.pending_confirmations(kari).await.unwrap().is_empty());
    assert_eq!(
        app.db.notification_queue_counts().await.unwrap(),
        storage::QueueCounts::default()
    );
    // Without a session the page is not shown.
    let visitor = app.new_browser();
    assert_eq!(
        visitor.get("/kontaktinformasjon").await.status(),
        StatusCode::SEE_OTHER
    );
    // The development outbox is not mounted when notifications have servers.
    assert_eq!(
        app.get("/utvikling/varsler").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn details_older_than_eighteen_months_are_asked_to_be_confirmed_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = person_id(&app, DemoPersons::KARI_NORDMANN).await;
    let (mobile, email) = fresh_contacts();
    let nineteen_months_ago = jiff::Timestamp::from_second(app.clock_now())
        .unwrap()
        .in_tz("Europe/Oslo")
        .unwrap()
        .checked_sub(jiff::Span::new().months(19))
        .unwrap();
    app.db
        .set_confirmed_contact_details(
            kari,
            &ContactDetails {
                mobile: Some(mobile),
                email: Some(email),
                notify_sms: true,
                notify_email: false,
                language: Language::Nb,
                confirmed_at: nineteen_months_ago.timestamp().as_second(),
            },
        )
        .await
        .unwrap();
    let front = app.get("/").await.text().await.unwrap();
    assert!(front.contains("Er kontaktinformasjonen din riktig? Se over og bekreft den."));
    let page = app.get("/kontaktinformasjon").await.text().await.unwrap();
    assert!(page.contains("Du bekreftet kontaktinformasjonen din sist"));
    let csrf = csrf_of_form(&page, "/kontaktinformasjon/riktig");
    let done = app
        .post("/kontaktinformasjon/riktig", &[("_csrf", &csrf)])
        .await;
    assert_eq!(location(&done), "/kontaktinformasjon?riktig=1");
    let front = app.get("/").await.text().await.unwrap();
    assert!(!front.contains("Er kontaktinformasjonen din riktig?"));
    let page = app
        .get("/kontaktinformasjon?riktig=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Takk! Kontaktinformasjonen din er bekreftet."));
    assert!(!page.contains("Du bekreftet kontaktinformasjonen din sist"));
}

/// The codes sent so far (each code is one job in the queue) and Kari's confirmations waiting.
async fn codes_and_pending(app: &TestApp, person: i64) -> (i64, Vec<i64>) {
    let jobs = app.db.notification_queue_counts().await.unwrap();
    let pending = app.db.pending_confirmations(person).await.unwrap();
    (
        jobs.pending + jobs.done + jobs.failed,
        pending.iter().map(|p| p.id).collect(),
    )
}

/// The attack of the probe: five wrong guesses, then the form saved again for a fresh code
/// with five fresh tries, over and over. Now a new code comes at most once a minute per
/// channel, whether asked for by saving the form (the same number or another) or by
/// "Send ny kode"; the refusal stands on the form with what was typed, and nothing changes.
async fn a_new_code_with_fresh_tries_comes_at_most_once_a_minute_however_asked_for(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = person_id(&app, DemoPersons::KARI_NORDMANN).await;
    let (mobile, _) = fresh_contacts();
    let (other, _) = fresh_contacts();
    let (_, csrf) = app
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    let save = |number: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("mobile", number.to_owned()),
            ("notify_sms", "ja".to_owned()),
            ("language", "nb".to_owned()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post("/kontaktinformasjon", &form).await
        }
    };
    assert_eq!(
        location(&post(save(&mobile)).await),
        "/kontaktinformasjon?lagret=1"
    );
    let (codes, pending) = codes_and_pending(&app, kari).await;
    assert_eq!((codes, pending.len()), (1, 1));
    let confirmation = pending[0].to_string();
    for _ in 0..5 {
        // Wrong by construction: the code has six digits, and no code is "000000" and
        // "111111" both; one of the two is tried five times.
        let response = app
            .post(
                "/kontaktinformasjon/bekreft",
                &[
                    ("_csrf", &csrf),
                    ("confirmation", &confirmation),
                    ("code", "000000"),
                ],
            )
            .await;
        if response.status() == StatusCode::SEE_OTHER {
            // One in a million: the code was 000000. The attack then has nothing to do.
            return;
        }
    }
    let spent = app.get("/kontaktinformasjon").await.text().await.unwrap();
    assert!(spent.contains("Vi har sendt en kode på SMS"), "{spent}");
    app.clock.advance(15);
    let details_before = app.db.contact_details(kari).await.unwrap();
    for number in [mobile.as_str(), other.as_str()] {
        let refused = post(save(number)).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{number}");
        assert_eq!(refused.headers()["retry-after"], "45");
        let body = refused.text().await.unwrap();
        assert!(
            body.contains("Du kan be om en ny kode om 45 sekunder."),
            "{body}"
        );
        assert!(
            body.contains(&format!(r#"value="{number}""#)),
            "the input is kept"
        );
    }
    let resend = app
        .post(
            "/kontaktinformasjon/ny-kode",
            &[("_csrf", csrf.as_str()), ("confirmation", &confirmation)],
        )
        .await;
    assert_eq!(resend.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        resend
            .text()
            .await
            .unwrap()
            .contains("Du kan be om en ny kode om 45 sekunder.")
    );
    // Another app process counts the same codes.
    let second = app.second_process().await;
    let token = app.session_token().await;
    let elsewhere = second.new_browser_with_cookie(&format!("hp_session={token}"));
    let form = save(&other);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        elsewhere.post("/kontaktinformasjon", &form).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        codes_and_pending(&app, kari).await,
        (1, pending.clone()),
        "no new code, the spent one still waiting"
    );
    assert_eq!(
        app.db.contact_details(kari).await.unwrap(),
        details_before,
        "nothing saved"
    );
    // A minute after the first code, a new one may come.
    app.clock.advance(45);
    assert_eq!(
        location(&post(save(&mobile)).await),
        "/kontaktinformasjon?lagret=1"
    );
    let (codes, now_pending) = codes_and_pending(&app, kari).await;
    assert_eq!(codes, 2);
    assert_ne!(
        now_pending, pending,
        "a new confirmation replaced the spent one"
    );
}

/// However spread out, a person gets at most five codes a day, at most three of them by SMS;
/// the limits are kept in the database, so another app process keeps them too.
async fn codes_are_limited_per_day_and_fewer_by_sms_across_processes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = person_id(&app, DemoPersons::KARI_NORDMANN).await;
    let second = app.second_process().await;
    let token = app.session_token().await;
    let elsewhere = second.new_browser_with_cookie(&format!("hp_session={token}"));
    let (_, csrf) = app
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    // Each code to a new number, asked for every second minute, on either process.
    for n in 0..3 {
        let (mobile, _) = fresh_contacts();
        let browser = if n % 2 == 0 { &*app } else { &elsewhere };
        let saved = browser
            .post(
                "/kontaktinformasjon",
                &[("_csrf", csrf.as_str()), ("mobile", mobile.as_str())],
            )
            .await;
        assert_eq!(location(&saved), "/kontaktinformasjon?lagret=1", "code {n}");
        app.clock.advance(120);
    }
    let (mobile, email) = fresh_contacts();
    let refused = elsewhere
        .post(
            "/kontaktinformasjon",
            &[
                ("_csrf", csrf.as_str()),
                ("mobile", mobile.as_str()),
                ("email", email.as_str()),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains(
            "Du har fått mange koder på SMS det siste døgnet. Du kan be om en ny kode om 24 timer."
        ),
        "{body}"
    );
    assert!(body.contains(&format!(r#"value="{email}""#)));
    assert_eq!(
        codes_and_pending(&app, kari).await.0,
        3,
        "neither code sent: the form was refused whole"
    );
    // E-mail codes may still come, up to five codes in all.
    for n in 0..2 {
        let (_, email) = fresh_contacts();
        let saved = app
            .post(
                "/kontaktinformasjon",
                &[("_csrf", csrf.as_str()), ("email", email.as_str())],
            )
            .await;
        assert_eq!(
            location(&saved),
            "/kontaktinformasjon?lagret=1",
            "e-mail {n}"
        );
        app.clock.advance(120);
    }
    let (_, email) = fresh_contacts();
    let refused = app
        .post(
            "/kontaktinformasjon",
            &[("_csrf", csrf.as_str()), ("email", email.as_str())],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        retry,
        24 * 60 * 60 - 5 * 120,
        "when the first code is a day old"
    );
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Du har fått mange koder det siste døgnet.")
    );
    let pending = app.db.pending_confirmations(kari).await.unwrap();
    let resend = elsewhere
        .post(
            "/kontaktinformasjon/ny-kode",
            &[
                ("_csrf", csrf.as_str()),
                ("confirmation", &pending[0].id.to_string()),
            ],
        )
        .await;
    assert_eq!(resend.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(codes_and_pending(&app, kari).await.0, 5);
    // A day after the first code (logged in anew), one more may come.
    app.clock.advance(retry);
    app.login(DemoPersons::KARI_NORDMANN).await;
    let (_, csrf) = app
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    let saved = app
        .post(
            "/kontaktinformasjon",
            &[("_csrf", csrf.as_str()), ("email", email.as_str())],
        )
        .await;
    assert_eq!(location(&saved), "/kontaktinformasjon?lagret=1");
    assert_eq!(codes_and_pending(&app, kari).await.0, 6);
}

/// Many requests for a code at the same moment (from many tabs, or a script): one code, not
/// one each, whether the form is saved with other numbers or "Send ny kode" is pressed. On
/// PostgreSQL they run at once and wait for each other on the person; on SQLite they write one
/// at a time.
async fn codes_asked_for_at_once_send_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = person_id(&app, DemoPersons::KARI_NORDMANN).await;
    let save = |now: i64| {
        let db = app.db.clone();
        async move {
            let (mobile, _) = fresh_contacts();
            let saved = db
                .save_contact_details(&storage::ContactUpdate {
                    person_id: kari,
                    mobile: Some(&mobile),
                    email: None,
                    notify_sms: true,
                    notify_email: false,
                    language: Language::Nb,
                    now,
                })
                .await
                .unwrap();
            saved == storage::ContactSaved::Saved
        }
    };
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..12 {
        requests.spawn(save(app.clock_now()));
    }
    let sent = requests.join_all().await;
    assert_eq!(sent.iter().filter(|s| **s).count(), 1, "{sent:?}");
    let (codes, pending) = codes_and_pending(&app, kari).await;
    assert_eq!((codes, pending.len()), (1, 1));

    // A minute on: new numbers and new codes for the waiting one, all at once.
    app.clock
        .advance(domain::contact::CODE_RESEND_AFTER_SECONDS);
    let now = app.clock_now();
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..12 {
        if n % 3 == 0 {
            requests.spawn(save(now));
        } else {
            let (db, waiting) = (app.db.clone(), pending[0]);
            requests.spawn(async move {
                db.resend_contact_code(kari, waiting, now).await.unwrap()
                    == storage::CodeResent::Sent
            });
        }
    }
    let sent = requests.join_all().await;
    assert_eq!(sent.iter().filter(|s| **s).count(), 1, "{sent:?}");
    let (codes, pending) = codes_and_pending(&app, kari).await;
    assert_eq!((codes, pending.len()), (2, 1));
}
