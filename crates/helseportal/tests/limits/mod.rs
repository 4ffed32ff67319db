//! Request-rate limits: a script repeating logins, code checks, messages, answers or uploads
//! gets "Vent litt" (429 with `Retry-After`) per person and per client address, and what it
//! tried is not done. The limits are set low here (`WebConfig::limits`); the client address
//! is the connection's, or a trusted proxy's header only when one is configured.

use reqwest::StatusCode;
use storage::DemoPersons;
use web::{Rate, WebConfig};

use crate::messages::{kari_draft, send_draft};
use crate::support::{Backend, Browser, TestApp, csrf_of_form, hidden_fields, location, png};

on_both_databases!(
    logins_past_the_limit_of_an_address_wait,
    the_test_provider_limits_each_number_typed,
    code_checks_past_the_limit_are_not_judged,
    messages_past_the_limit_are_not_sent_from_any_form,
    office_answers_past_the_limit_are_not_sent,
    uploads_past_the_limit_are_not_stored,
    the_address_is_taken_from_a_proxy_header_only_when_it_is_trusted,
);

/// Asserts the "Vent litt" page, and returns its `Retry-After`.
async fn assert_waits(response: reqwest::Response) -> u64 {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(body.contains("<h1>Vent litt</h1>"), "{body}");
    assert!(
        body.contains("Du har gjort dette mange ganger på kort tid."),
        "{body}"
    );
    assert!(body.contains("Du kan prøve igjen om "), "{body}");
    retry_after
}

fn login_limits(config: &mut WebConfig) {
    config.limits.login.per_address = Rate::new(3, 60);
}

async fn logins_past_the_limit_of_an_address_wait(backend: Backend) {
    let app = TestApp::spawn_configured(backend, login_limits).await;
    for _ in 0..3 {
        assert_eq!(app.get("/logg-inn").await.status(), StatusCode::SEE_OTHER);
    }
    let refused = app.get("/logg-inn").await;
    assert!(
        refused.headers().get("set-cookie").is_none(),
        "no login was started"
    );
    assert_eq!(assert_waits(refused).await, 20);
    // Another browser at the same address, and the office's login and the callbacks, wait too.
    let other = app.new_browser();
    for path in [
        "/logg-inn",
        "/kontor/logg-inn",
        "/auth/callback?code=x&state=y",
        "/kontor/auth/callback?code=x&state=y",
    ] {
        assert_eq!(
            other.get(path).await.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{path}"
        );
    }
    // In English too.
    let english = app.new_browser_with_cookie("hp_lang=en");
    let body = english.get("/logg-inn").await.text().await.unwrap();
    assert!(body.contains("<h1>Please wait</h1>"), "{body}");
    assert!(body.contains("You can try again in 20 seconds."), "{body}");
    // Once the wait is over, one more login may start.
    app.clock.advance(20);
    assert_eq!(app.get("/logg-inn").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/logg-inn").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

fn typed_number_limits(config: &mut WebConfig) {
    config.limits.login.per_person = Rate::new(2, 600);
}

async fn the_test_provider_limits_each_number_typed(backend: Backend) {
    let app = TestApp::spawn_configured(backend, typed_number_limits).await;
    let page = app.start_login("/logg-inn").await;
    for _ in 0..2 {
        assert_eq!(
            app.submit_idp_form(&page, DemoPersons::KARI_NORDMANN)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
    }
    // The same number with spaces is the same number.
    let spaced = "128585 100 48";
    let refused = app.submit_idp_form(&page, spaced).await;
    assert!(
        refused.headers().get("location").is_none(),
        "no code was issued"
    );
    assert_eq!(assert_waits(refused).await, 300);
    // Another person's number is not held up.
    assert_eq!(
        app.submit_idp_form(&page, DemoPersons::KURT_HAKON)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

fn code_check_limits(config: &mut WebConfig) {
    config.limits.code_check.per_person = Rate::new(3, 600);
}

async fn code_checks_past_the_limit_are_not_judged(backend: Backend) {
    let app = TestApp::spawn_configured(backend, code_check_limits).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let (_, csrf) = app
        .page_and_csrf("/kontaktinformasjon", "/kontaktinformasjon")
        .await;
    let saved = app
        .post(
            "/kontaktinformasjon",
            &[("_csrf", csrf.as_str()), ("mobile", "912 34 567")],
        )
        .await;
    assert_eq!(location(&saved), "/kontaktinformasjon?lagret=1");
    let pending = app.db.pending_confirmations(kari).await.unwrap();
    let confirmation = pending[0].id.to_string();
    let check = |code: &'static str| {
        let (app, csrf, confirmation) = (&app, csrf.clone(), confirmation.clone());
        async move {
            app.post(
                "/kontaktinformasjon/bekreft",
                &[
                    ("_csrf", csrf.as_str()),
                    ("confirmation", confirmation.as_str()),
                    ("code", code),
                ],
            )
            .await
        }
    };
    for code in ["12", "1234567", "abcdef"] {
        assert_eq!(check(code).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_waits(check("000000").await).await;
    assert_eq!(
        app.db.pending_confirmations(kari).await.unwrap()[0].failed_attempts,
        0,
        "the refused check was not judged"
    );
}

fn message_limits(config: &mut WebConfig) {
    config.limits.message.per_person = Rate::new(2, 600);
}

/// Sends "Kontakt legekontoret" with a fresh form; the response.
async fn contact_office(browser: &Browser, subject: &str) -> reqwest::Response {
    let form = browser
        .get("/kontakt-legekontoret")
        .await
        .text()
        .await
        .unwrap();
    let fields = hidden_fields(
        form.split(r#"action="/kontakt-legekontoret""#)
            .nth(1)
            .unwrap(),
    );
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let (csrf, key, office) = (get("_csrf"), get("key"), get("kontor"));
    browser
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", csrf.as_str()),
                ("kontor", office.as_str()),
                ("key", key.as_str()),
                ("subject", subject),
                ("text", "Er det åpent i jula?"),
            ],
        )
        .await
}

async fn messages_past_the_limit_are_not_sent_from_any_form(backend: Backend) {
    let app = TestApp::spawn_configured(backend, message_limits).await;
    let draft = kari_draft(&app).await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let threads = || async { app.db.inbox(kari, None, None, 100).await.unwrap().total };
    for n in 0..2 {
        let sent = contact_office(&app, &format!("Ferie {n}")).await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    }
    let before = threads().await;
    assert_waits(contact_office(&app, "Ferie 3").await).await;
    assert_waits(send_draft(&app, &draft, &[]).await).await;
    assert!(
        app.db.draft_of(&draft, kari).await.unwrap().is_some(),
        "the e-consultation is still a draft"
    );
    // Every other form that sends to the office is held up before it is read.
    let csrf = csrf_of_form(
        &app.get("/kontaktinformasjon").await.text().await.unwrap(),
        "/kontaktinformasjon",
    );
    for path in [
        "/forny-resept",
        "/bestill-time/se-gjennom",
        "/influensavaksine/se-gjennom",
        "/bestill-time/foresporsel",
    ] {
        let form = [
            ("_csrf", csrf.as_str()),
            ("time", "1"),
            ("key", "a-key-of-twenty-characters-or-more"),
            ("when", "Mandag"),
            ("resept", "1"),
        ];
        let response = app.post(path, &form).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    assert_eq!(threads().await, before, "nothing more was sent");
    // Another citizen sends as before.
    let kurt = app.new_browser();
    kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
        .await;
    assert_eq!(
        contact_office(&kurt, "Ferie").await.status(),
        StatusCode::SEE_OTHER
    );
    // Five minutes on (ten minutes for two), Kari may send one more.
    app.clock.advance(300);
    assert_eq!(
        contact_office(&app, "Ferie 3").await.status(),
        StatusCode::SEE_OTHER
    );
}

fn answer_limits(config: &mut WebConfig) {
    config.limits.office_answer.per_person = Rate::new(1, 600);
}

async fn office_answers_past_the_limit_are_not_sent(backend: Backend) {
    let app = TestApp::spawn_configured(backend, answer_limits).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    for n in 0..2 {
        let sent = contact_office(&app, &format!("Spørsmål {n}")).await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    }
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let threads: Vec<i64> = app
        .db
        .inbox(kari, None, None, 10)
        .await
        .unwrap()
        .threads
        .iter()
        .map(|t| t.id)
        .collect();
    let sara = app.new_browser();
    sara.login_staff(DemoPersons::SARA_SOLBAKKEN).await;
    let answer = |thread: i64| {
        let sara = &sara;
        async move {
            let path = format!("/kontor/henvendelser/{thread}");
            let csrf = csrf_of_form(
                &sara.get(&path).await.text().await.unwrap(),
                &format!("{path}/svar"),
            );
            sara.post(
                &format!("{path}/svar"),
                &[("_csrf", csrf.as_str()), ("svar", "Ja, vi har åpent.")],
            )
            .await
        }
    };
    assert_eq!(answer(threads[0]).await.status(), StatusCode::SEE_OTHER);
    assert_waits(answer(threads[1]).await).await;
    assert_eq!(
        app.db.thread_messages(threads[1]).await.unwrap().len(),
        1,
        "only the question"
    );
}

fn upload_limits(config: &mut WebConfig) {
    config.limits.upload.per_person = Rate::new(1, 600);
}

async fn uploads_past_the_limit_are_not_stored(backend: Backend) {
    let app = TestApp::spawn_configured(backend, upload_limits).await;
    let draft = kari_draft(&app).await;
    let review = format!("/e-konsultasjon/{draft}/se-gjennom");
    let upload = |name: &'static str| {
        let (app, review) = (&app, review.clone());
        async move {
            let (_, csrf) = app.page_and_csrf(&review, &review).await;
            app.post_multipart(
                &review,
                &[("_csrf", csrf.as_str()), ("action", "last-opp")],
                &[(name, png())],
            )
            .await
        }
    };
    assert_eq!(upload("en.png").await.status(), StatusCode::SEE_OTHER);
    assert_waits(upload("to.png").await).await;
    let stored = app.db.draft_attachments(&draft).await.unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    // Sending without files is not an upload.
    assert_eq!(
        send_draft(&app, &draft, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
}

fn behind_a_proxy(config: &mut WebConfig) {
    config.limits.login.per_address = Rate::new(2, 60);
    config.trusted_proxy_header = Some(axum::http::HeaderName::from_static("x-forwarded-for"));
}

async fn the_address_is_taken_from_a_proxy_header_only_when_it_is_trusted(backend: Backend) {
    // Not configured: the header is anyone's to write, so it changes nothing.
    let app = TestApp::spawn_configured(backend, |config| {
        config.limits.login.per_address = Rate::new(2, 60);
    })
    .await;
    for n in 0..2 {
        let browser = app.new_browser_with_header("x-forwarded-for", &format!("203.0.113.{n}"));
        assert_eq!(
            browser.get("/logg-inn").await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let forged = app.new_browser_with_header("x-forwarded-for", "203.0.113.99");
    assert_waits(forged.get("/logg-inn").await).await;

    // Behind a trusted proxy: the right-most value, the one the proxy added, is the client.
    let app = TestApp::spawn_configured(backend, behind_a_proxy).await;
    let first = app.new_browser_with_header("x-forwarded-for", "203.0.113.1");
    for _ in 0..2 {
        assert_eq!(first.get("/logg-inn").await.status(), StatusCode::SEE_OTHER);
    }
    assert_waits(first.get("/logg-inn").await).await;
    let second = app.new_browser_with_header("x-forwarded-for", "203.0.113.2");
    assert_eq!(
        second.get("/logg-inn").await.status(),
        StatusCode::SEE_OTHER
    );
    // A value the client wrote to the left of the proxy's does not make it someone else.
    let spoofing = app.new_browser_with_header("x-forwarded-for", "198.51.100.7, 203.0.113.1");
    assert_waits(spoofing.get("/logg-inn").await).await;
}
