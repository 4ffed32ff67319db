//! The portal over HTTP, in process, on both databases: every test runs once on a fresh
//! SQLite file and once on a fresh PostgreSQL database (on the server the test command
//! starts; its URL is in `HELSEPORTAL_TEST_POSTGRES_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Backend, TestApp, csrf_in, kari, no_consent_yet};

use reqwest::StatusCode;
use storage::DemoPersons;

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

mod appointments;
mod bad_input;
mod consent;
mod generate;
mod guards;
mod limits;
mod messages;
mod notifications;
mod operations;
mod prescriptions;
mod start;

on_both_databases!(
    health_check_answers,
    unknown_pages_get_the_portal_404,
    every_response_carries_security_headers,
    public_front_page_offers_login,
    login_through_built_in_provider_asks_for_consent_first,
    session_cookie_is_http_only_and_same_site,
    replayed_login_callback_is_refused,
    forged_state_is_refused,
    callback_without_login_cookie_is_refused,
    token_endpoint_refuses_wrong_verifier_secret_and_reuse,
    test_provider_validates_the_fodselsnummer,
    forged_or_staff_session_cookie_is_not_a_citizen,
    consent_is_required_and_validated,
    consent_change_and_withdrawal,
    form_without_csrf_token_changes_nothing,
    din_fastlege_shows_gp_office_and_services,
    din_fastlege_without_digital_services_or_gp,
    din_fastlege_with_basis_consent_explains,
    office_manager_chooses_services_and_citizens_follow,
    only_the_office_manager_may_change_services,
    forged_service_codes_change_nothing,
    citizen_without_staff_role_cannot_enter_office_side,
    inactive_session_is_logged_out,
    active_session_stays_alive,
    session_ends_twelve_hours_after_login_however_active,
    session_lifetime_is_configurable,
    logout_ends_the_session,
    language_choice_changes_text_and_html_lang,
    language_form_refuses_foreign_return_paths,
    unreachable_database_answers_503,
    sessions_work_across_app_processes,
    demo_data_is_written_only_once,
    behind_tls_cookies_are_secure_and_hsts_is_sent,
);

async fn health_check_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

async fn unknown_pages_get_the_portal_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/finnes/ikke").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.unwrap();
    assert!(body.contains("<h1>Siden finnes ikke</h1>"), "{body}");
    assert!(body.contains("Referanse: "));
    assert!(body.contains(r#"<html lang="nb">"#));
}

async fn every_response_carries_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/", "/healthz", "/finnes/ikke", "/logg-inn", "/sprak"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY", "{path}");
        assert_eq!(headers.get("cache-control").unwrap(), "no-store", "{path}");
    }
    let css = app
        .get(&support::asset_url(
            &app.get("/").await.text().await.unwrap(),
            "style.css",
        ))
        .await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

async fn public_front_page_offers_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app.get("/").await.text().await.unwrap();
    assert!(
        body.contains(r#"<a class="button" href="/logg-inn">Logg inn</a>"#),
        "{body}"
    );
    assert!(!body.contains("Logg ut"));
}

async fn login_through_built_in_provider_asks_for_consent_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    assert!(idp_page.contains("Testinnlogging"));
    assert!(
        idp_page.contains(">Kari Nordmann</button>"),
        "the provider lists the demo persons"
    );
    assert!(idp_page.contains(r#"<label for="fnr">Fødselsnummer</label>"#));
    let landing = app
        .finish_login(&idp_page, DemoPersons::KARI_NORDMANN)
        .await;
    assert_eq!(landing, "/");
    let front = app.get("/").await;
    assert_eq!(front.status(), StatusCode::SEE_OTHER);
    assert_eq!(front.headers()["location"], "/samtykke");
    let consent = app.get("/samtykke").await.text().await.unwrap();
    assert!(no_consent_yet(&consent));
    assert!(
        consent.contains("Kari Nordmann"),
        "the header names the person"
    );
}

async fn session_cookie_is_http_only_and_same_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    let response = app.get(&callback).await;
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("hp_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain HTTP in tests: {session}"
    );
}

async fn replayed_login_callback_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    assert_eq!(app.get(&callback).await.status(), StatusCode::SEE_OTHER);
    app.forget_session().await;
    let replay = app.get(&callback).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let body = replay.text().await.unwrap();
    assert!(body.contains("Innloggingen kunne ikke fullføres"), "{body}");
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/logg-inn",
        "no session was made"
    );
}

async fn forged_state_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    let forged = support::replace_query_param(&callback, "state", "forged-state");
    let response = app.get(&forged).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Innloggingen kunne ikke fullføres")
    );
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/logg-inn"
    );
    // The attempt is spent: the real state does not work afterwards either.
    assert_eq!(app.get(&callback).await.status(), StatusCode::BAD_REQUEST);
}

async fn callback_without_login_cookie_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    let other_browser = app.new_browser();
    let response = other_browser.get(&callback).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

async fn token_endpoint_refuses_wrong_verifier_secret_and_reuse(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let secret = support::client_secret(&app).await;
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    let code = support::query_param(&callback, "code");
    let redirect_uri = format!("{}/auth/callback", app.url);
    let token = |code: String, verifier: &'static str, secret: String| {
        let client = reqwest::Client::new();
        let url = format!("{}/testidp/token", app.url);
        let redirect_uri = redirect_uri.clone();
        async move {
            client
                .post(url)
                .basic_auth("helseportal", Some(secret))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", &redirect_uri),
                    ("code_verifier", verifier),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let wrong_secret = token(code.clone(), "x", "not-the-secret".into()).await;
    assert_eq!(wrong_secret.status(), StatusCode::BAD_REQUEST);
    assert!(
        wrong_secret
            .text()
            .await
            .unwrap()
            .contains("invalid_client")
    );
    let wrong_verifier = token(
        code.clone(),
        "a-verifier-that-does-not-match-the-challenge-at-all",
        secret.clone(),
    )
    .await;
    assert!(
        wrong_verifier
            .text()
            .await
            .unwrap()
            .contains("invalid_grant")
    );
    // The code was spent by the failed attempt: the real login cannot use it now either.
    let response = app.get(&callback).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

async fn test_provider_validates_the_fodselsnummer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let bad = app.submit_idp_form(&idp_page, "12345678901").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("Fødselsnummeret er ikke gyldig. Kontroller at du har skrevet det riktig."),
        "{body}"
    );
    assert!(
        body.contains(r#"value="12345678901""#),
        "the typed number is kept"
    );
    assert!(body.contains(r#"aria-invalid="true""#));
    let short = app
        .submit_idp_form(&idp_page, "1234")
        .await
        .text()
        .await
        .unwrap();
    assert!(short.contains("Fødselsnummeret må ha 11 siffer."));
    let letters = app
        .submit_idp_form(&idp_page, "1285851004x")
        .await
        .text()
        .await
        .unwrap();
    assert!(letters.contains("Fødselsnummeret kan bare inneholde tall."));
    let unknown = app
        .submit_idp_form(&idp_page, "01010750160")
        .await
        .text()
        .await
        .unwrap();
    assert!(unknown.contains("Ingen person med dette fødselsnummeret er registrert."));
    let good = app.submit_idp_form(&idp_page, "128585 10048").await;
    assert_eq!(
        good.status(),
        StatusCode::SEE_OTHER,
        "spaces between groups are accepted"
    );
}

async fn forged_or_staff_session_cookie_is_not_a_citizen(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let forged = app.new_browser_with_cookie("hp_session=forged-token-that-does-not-exist");
    assert_eq!(
        forged.get("/fastlege").await.headers()["location"],
        "/logg-inn"
    );
    let staff_token = app
        .db
        .create_session(storage::SessionKind::Staff, 1, app.clock_now())
        .await
        .unwrap()
        .token;
    let mixed = app.new_browser_with_cookie(&format!("hp_session={staff_token}"));
    assert_eq!(
        mixed.get("/fastlege").await.headers()["location"],
        "/logg-inn"
    );
}

async fn consent_is_required_and_validated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login(DemoPersons::KARI_NORDMANN).await;
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/samtykke"
    );
    let page = app.get("/samtykke").await.text().await.unwrap();
    let csrf = csrf_in(&page);
    let missing = app.post("/samtykke", &[("_csrf", csrf.as_str())]).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("Du må velge et samtykkenivå før du kan gå videre.")
    );
    let forged = app
        .post(
            "/samtykke",
            &[("_csrf", csrf.as_str()), ("level", "superbruker")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let person = app.db.person_by_fnr(&kari()).await.unwrap().unwrap();
    assert_eq!(
        app.db.consent_of(person.id).await.unwrap(),
        None,
        "nothing stored"
    );
    let saved = app
        .post(
            "/samtykke",
            &[("_csrf", csrf.as_str()), ("level", "full-tilgang")],
        )
        .await;
    assert_eq!(saved.headers()["location"], "/");
    let front = app.get("/").await.text().await.unwrap();
    assert!(front.contains("<h1>Hei, Kari</h1>"), "{front}");
    assert!(front.contains(r#"href="/fastlege""#));
    assert_eq!(
        app.db.consent_of(person.id).await.unwrap().unwrap().level,
        domain::ConsentLevel::FullTilgang
    );
}

async fn consent_change_and_withdrawal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let page = app.get("/samtykke").await.text().await.unwrap();
    assert!(page.contains("Ditt samtykke nå: Full tilgang"));
    let csrf = csrf_in(&page);
    let changed = app
        .post(
            "/samtykke",
            &[("_csrf", csrf.as_str()), ("level", "basis-pluss")],
        )
        .await;
    assert_eq!(changed.headers()["location"], "/samtykke?lagret=1");
    let page = app.get("/samtykke?lagret=1").await.text().await.unwrap();
    assert!(page.contains("Samtykket ditt er lagret."));
    assert!(page.contains("Ditt samtykke nå: Basis+"));
    let withdrawn = app
        .post("/samtykke/trekk", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert!(
        withdrawn
            .text()
            .await
            .unwrap()
            .contains("Samtykket er trukket")
    );
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/logg-inn",
        "logged out"
    );
    let person = app.db.person_by_fnr(&kari()).await.unwrap().unwrap();
    assert_eq!(app.db.consent_of(person.id).await.unwrap(), None);
    app.login(DemoPersons::KARI_NORDMANN).await;
    assert_eq!(
        app.get("/").await.headers()["location"],
        "/samtykke",
        "asked again"
    );
}

async fn form_without_csrf_token_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login(DemoPersons::KARI_NORDMANN).await;
    let response = app.post("/samtykke", &[("level", "full-tilgang")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Skjemaet kunne ikke sendes")
    );
    let wrong = app
        .post(
            "/samtykke",
            &[("_csrf", "wrong"), ("level", "full-tilgang")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let person = app.db.person_by_fnr(&kari()).await.unwrap().unwrap();
    assert_eq!(app.db.consent_of(person.id).await.unwrap(), None);
    let logout = app.post("/logg-ut", &[("_csrf", "wrong")]).await;
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/").await.headers()["location"],
        "/samtykke",
        "still logged in"
    );
    let language = app.post("/sprak", &[("_csrf", "x"), ("lang", "en")]).await;
    assert_eq!(language.status(), StatusCode::FORBIDDEN);
    let malformed = app.post_raw("/samtykke", "%%%=%%%&&").await;
    assert!(malformed.status().is_client_error());
}

async fn din_fastlege_shows_gp_office_and_services(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert!(
        page.contains("Fastlege Rolf Rolfsen ved Solen Legekontor"),
        "{page}"
    );
    assert!(page.contains("For akutt helsehjelp, ring 113. Hvis det haster, ring legekontoret eller legevakt på 116 117."));
    assert_eq!(
        support::card_titles(&page),
        [
            "Bestille time",
            "Starte e-konsultasjon",
            "Fornye resept",
            "Kontakte legekontoret",
            "Bestille influensavaksine"
        ]
    );
    assert!(page.contains(
        "Send melding til fastlegen for situasjoner som ikke haster. Du betaler vanlig egenandel."
    ));
    assert!(page.contains("Solveien 1, 0150 Oslo"));
    assert!(page.contains("Tlf. 22 33 44 55"));

    let kurt = app.new_browser();
    kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
        .await;
    assert!(
        kurt.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("<h1>Hei, Kurt Håkon</h1>")
    );
    let page = kurt.get("/fastlege").await.text().await.unwrap();
    assert!(page.contains("Fastlege Benedikte Berg ved Fjordbyen Legesenter"));
    assert_eq!(
        support::card_titles(&page),
        [
            "Bestille time",
            "Starte e-konsultasjon",
            "Fornye resept",
            "Kontakte legekontoret"
        ]
    );
}

async fn din_fastlege_without_digital_services_or_gp(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::PER_PERSEN, "full-tilgang")
        .await;
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert!(page.contains("Fastlegen din tilbyr ikke digitale tjenester på Helseportal"));
    assert!(page.contains("Fastlege Mona Måne ved Månen Legekontor"));
    assert!(page.contains("Måneveien 3, 5003 Bergen"));
    assert!(page.contains(r#"<a href="tel:55667788">Tlf. 55 66 77 88</a>"#));
    assert!(support::card_titles(&page).is_empty());

    let nina = app.new_browser();
    nina.login_with_consent(DemoPersons::NINA_UTEN_FASTLEGE, "full-tilgang")
        .await;
    let page = nina.get("/fastlege").await.text().await.unwrap();
    assert!(page.contains("Du har ingen fastlege registrert"));
    assert!(support::card_titles(&page).is_empty());
}

async fn din_fastlege_with_basis_consent_explains(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "basis")
        .await;
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert!(
        page.contains("Fastlege Rolf Rolfsen ved Solen Legekontor"),
        "GP facts need no full access"
    );
    assert!(page.contains("Denne tjenesten krever samtykke til Full tilgang."));
    assert!(page.contains("Du har samtykket til Basis."));
    assert!(page.contains(r#"<a href="/samtykke">Endre samtykke</a>"#));
    assert!(support::card_titles(&page).is_empty());
}

async fn office_manager_chooses_services_and_citizens_follow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tone = app.new_browser();
    tone.login_staff(DemoPersons::TONE_TANGEN).await;
    let dashboard = tone.get("/kontor").await.text().await.unwrap();
    assert!(
        dashboard.contains("<h1>Solen Legekontor</h1>"),
        "{dashboard}"
    );
    assert!(dashboard.contains("Tone Tangen (kontorleder)"));
    let page = tone.get("/kontor/tjenester").await.text().await.unwrap();
    let csrf = csrf_in(&page);
    let saved = tone
        .post(
            "/kontor/tjenester",
            &[
                ("_csrf", csrf.as_str()),
                ("service", "bestill-time"),
                ("service", "e-konsultasjon"),
            ],
        )
        .await;
    assert_eq!(saved.headers()["location"], "/kontor/tjenester?lagret=1");
    assert!(
        tone.get("/kontor/tjenester?lagret=1")
            .await
            .text()
            .await
            .unwrap()
            .contains("Tjenestene er lagret.")
    );

    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert_eq!(
        support::card_titles(&page),
        ["Bestille time", "Starte e-konsultasjon"]
    );

    let none = tone
        .post("/kontor/tjenester", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(none.status(), StatusCode::SEE_OTHER);
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert!(page.contains("Fastlegen din tilbyr ikke digitale tjenester på Helseportal"));
    assert!(page.contains("Tlf. 22 33 44 55"));
}

async fn only_the_office_manager_may_change_services(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (fnr, role) in [
        (DemoPersons::ROLF_ROLFSEN, "lege"),
        (DemoPersons::SARA_SOLBAKKEN, "resepsjon"),
    ] {
        let staff = app.new_browser();
        staff.login_staff(fnr).await;
        let page = staff.get("/kontor/tjenester").await.text().await.unwrap();
        assert!(
            page.contains("Bare kontorleder kan endre hvilke tjenester legekontoret tilbyr."),
            "{role}"
        );
        assert!(!page.contains(r#"type="checkbox""#), "{role}");
        let csrf = csrf_in(&page);
        let attempt = staff
            .post(
                "/kontor/tjenester",
                &[("_csrf", csrf.as_str()), ("service", "bestill-time")],
            )
            .await;
        assert_eq!(attempt.status(), StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(
        app.db.office_services(1).await.unwrap().len(),
        5,
        "unchanged"
    );
}

async fn forged_service_codes_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tone = app.new_browser();
    tone.login_staff(DemoPersons::TONE_TANGEN).await;
    let csrf = csrf_in(&tone.get("/kontor/tjenester").await.text().await.unwrap());
    let forged = tone
        .post(
            "/kontor/tjenester",
            &[("_csrf", csrf.as_str()), ("service", "drop-table")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    let extra = tone
        .post(
            "/kontor/tjenester",
            &[("_csrf", csrf.as_str()), ("office_id", "2")],
        )
        .await;
    assert_eq!(extra.status(), StatusCode::BAD_REQUEST);
    let no_csrf = tone
        .post("/kontor/tjenester", &[("service", "bestill-time")])
        .await;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.db.office_services(1).await.unwrap().len(), 5);
    assert_eq!(
        app.db.office_services(2).await.unwrap().len(),
        4,
        "another office is untouched"
    );
}

async fn citizen_without_staff_role_cannot_enter_office_side(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/kontor/logg-inn").await;
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    let response = app.get(&callback).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Du er ikke registrert som ansatt")
    );
    let office = app.get("/kontor/tjenester").await;
    assert_eq!(office.headers()["location"], "/kontor");
    // A citizen session is no staff session, and the other way round.
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    assert_eq!(
        app.get("/kontor/tjenester").await.headers()["location"],
        "/kontor"
    );
}

async fn inactive_session_is_logged_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert!(
        page.contains(r#"data-idle-seconds="1800""#),
        "the page tells the warning script the limit"
    );
    assert!(page.contains(r#"data-warning-seconds="300""#));
    assert!(page.contains("Du blir snart logget ut"));
    app.clock.advance(30 * 60);
    let response = app.get("/fastlege").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/logget-ut?inaktiv=1");
    let page = app.get("/logget-ut?inaktiv=1").await.text().await.unwrap();
    assert!(
        page.contains("Du ble logget ut automatisk fordi du ikke har vært aktiv på 30 minutter.")
    );
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/logg-inn",
        "the session is gone"
    );
}

async fn active_session_stays_alive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    for _ in 0..4 {
        app.clock.advance(20 * 60);
        assert_eq!(app.get("/fastlege").await.status(), StatusCode::OK);
    }
    // "Fortsett å være logget inn" moves the time on without a page load.
    let csrf = csrf_in(&app.get("/fastlege").await.text().await.unwrap());
    app.clock.advance(29 * 60);
    assert_eq!(
        app.post("/sesjon/forleng", &[("_csrf", csrf.as_str())])
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    app.clock.advance(29 * 60);
    assert_eq!(app.get("/fastlege").await.status(), StatusCode::OK);
}

/// A session kept busy (a script, or a stolen cookie used every few minutes) still ends 12
/// hours after the login, as an idle one does, on every app process; "Fortsett å være logget
/// inn" does not move that end.
async fn session_ends_twelve_hours_after_login_however_active(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let staff = app.new_browser();
    staff.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let second = app.second_process().await;
    let token = app.session_token().await;
    let elsewhere = second.new_browser_with_cookie(&format!("hp_session={token}"));
    let csrf = csrf_in(&app.get("/fastlege").await.text().await.unwrap());
    // Active every 20 minutes up to 11 hours and 40 minutes, on either process.
    for step in 0..35 {
        app.clock.advance(20 * 60);
        let browser = if step % 2 == 0 { &*app } else { &elsewhere };
        assert_eq!(browser.get("/fastlege").await.status(), StatusCode::OK);
        assert_eq!(staff.get("/kontor").await.status(), StatusCode::OK);
    }
    app.clock.advance(19 * 60);
    assert_eq!(
        app.post("/sesjon/forleng", &[("_csrf", csrf.as_str())])
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // Twelve hours after the login.
    app.clock.advance(60);
    let response = elsewhere.get("/fastlege").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The page says why: not inactivity, the twelve hours.
    assert_eq!(response.headers()["location"], "/logget-ut?utlopt=1");
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("hp_session=;"),
        "the cookie is cleared"
    );
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/logg-inn",
        "the session is gone on the other process too"
    );
    let lookup = app
        .db
        .session_by_token(
            &token,
            app.clock_now(),
            storage::SessionTimeouts {
                idle_seconds: 3_600,
                max_seconds: i64::MAX,
                touch_every: 60,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(lookup, storage::SessionLookup::Missing),
        "deleted from the database"
    );
    let page = elsewhere
        .get("/logget-ut?utlopt=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Du ble logget ut automatisk fordi det er 12 timer siden du logget inn."),
        "{page}"
    );
    let office = staff.get("/kontor/innboks").await;
    assert_eq!(office.headers()["location"], "/kontor/logget-ut?utlopt=1");
    // A new login starts a new twelve hours.
    app.login(DemoPersons::KARI_NORDMANN).await;
    assert_eq!(app.get("/fastlege").await.status(), StatusCode::OK);
}

/// `HELSEPORTAL_SESSION_MAX_SECONDS` sets the absolute lifetime.
async fn session_lifetime_is_configurable(backend: Backend) {
    let app = TestApp::spawn_configured(backend, |config| {
        config.session_max_seconds = 2 * 60 * 60;
    })
    .await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    for _ in 0..5 {
        app.clock.advance(20 * 60);
        assert_eq!(app.get("/fastlege").await.status(), StatusCode::OK);
    }
    app.clock.advance(20 * 60);
    assert_eq!(
        app.get("/fastlege").await.headers()["location"],
        "/logget-ut?utlopt=1"
    );
    let page = app.get("/logget-ut?utlopt=1").await.text().await.unwrap();
    assert!(
        page.contains("fordi det er 2 timer siden du logget inn."),
        "{page}"
    );
}

async fn logout_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let page = app.get("/fastlege").await.text().await.unwrap();
    let token = app.session_token().await;
    let csrf = csrf_in(&page);
    let response = app.post("/logg-ut", &[("_csrf", csrf.as_str())]).await;
    assert_eq!(response.headers()["location"], "/logget-ut");
    assert!(
        app.get("/logget-ut")
            .await
            .text()
            .await
            .unwrap()
            .contains("Du er logget ut")
    );
    let old = app.new_browser_with_cookie(&format!("hp_session={token}"));
    assert_eq!(
        old.get("/fastlege").await.headers()["location"],
        "/logg-inn",
        "the old token is dead"
    );
}

async fn language_choice_changes_text_and_html_lang(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let page = app
        .get("/sprak?tilbake=/fastlege")
        .await
        .text()
        .await
        .unwrap();
    let csrf = support::csrf_of_form(&page, "/sprak");
    let saved = app
        .post(
            "/sprak",
            &[
                ("_csrf", csrf.as_str()),
                ("lang", "en"),
                ("tilbake", "/fastlege"),
            ],
        )
        .await;
    assert_eq!(saved.headers()["location"], "/fastlege");
    let page = app.get("/fastlege").await.text().await.unwrap();
    assert!(page.contains(r#"<html lang="en">"#));
    assert!(page.contains("GP Rolf Rolfsen at Solen Legekontor"));
    assert!(page.contains("For emergency medical help, call 113."));
    assert!(page.contains(">Log out</button>"));
    assert!(
        app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("<h1>Hi, Kari</h1>")
    );
    let unknown = app
        .post("/sprak", &[("_csrf", csrf.as_str()), ("lang", "xx")])
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let back = app
        .post("/sprak", &[("_csrf", csrf.as_str()), ("lang", "nb")])
        .await;
    assert_eq!(back.headers()["location"], "/");
    assert!(
        app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"<html lang="nb">"#)
    );
}

async fn language_form_refuses_foreign_return_paths(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let csrf = csrf_in(&app.get("/sprak").await.text().await.unwrap());
    for target in ["https://evil.example/", "//evil.example/x"] {
        let response = app
            .post(
                "/sprak",
                &[
                    ("_csrf", csrf.as_str()),
                    ("lang", "en"),
                    ("tilbake", target),
                ],
            )
            .await;
        assert_eq!(response.headers()["location"], "/", "{target}");
    }
}

async fn unreachable_database_answers_503(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    app.db.close().await;
    let page = app.get("/fastlege").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Tjenesten er midlertidig utilgjengelig"),
        "{body}"
    );
    assert!(body.contains("Ingenting av det du sendte er lagret."));
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let login = app.get("/logg-inn").await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// PostgreSQL ends every connection of the portal, as at a restart or a failover: the next
/// pages are served on new connections instead of failing, reads and writes alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_served_after_postgresql_ended_the_connections() {
    use sqlx::{Connection as _, Executor as _};

    let app = TestApp::spawn(Backend::Postgres).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    for path in ["/", "/fastlege", "/innboks"] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let mut admin = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    let ended = admin
        .fetch_all(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    assert!(!ended.is_empty(), "the portal had connections to end");
    // Past the keep-alive interval, so that the session is also written.
    app.clock.advance(5 * 60);
    for path in ["/", "/fastlege", "/innboks"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert!(
            page.text().await.unwrap().contains("Kari"),
            "{path} shows the citizen"
        );
    }
}

async fn sessions_work_across_app_processes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let second = app.second_process().await;
    let token = app.session_token().await;
    let browser = second.new_browser_with_cookie(&format!("hp_session={token}"));
    let page = browser.get("/fastlege").await.text().await.unwrap();
    assert!(page.contains("Fastlege Rolf Rolfsen ved Solen Legekontor"));
    // A login started on one process finishes on the other: both serve one public address,
    // as behind a load balancer, so the callback may reach either.
    let other = second.new_browser();
    let idp_page = other.start_login("/logg-inn").await;
    let callback = other.authorize(&idp_page, DemoPersons::KURT_HAKON).await;
    assert!(callback.starts_with(&app.url), "{callback}");
    let on_second = support::replace_origin(&callback, &second.url);
    let cookie = other.login_cookie().await;
    let elsewhere = app.new_browser_with_cookie(&cookie);
    assert_eq!(
        elsewhere.get(&callback).await.headers()["location"],
        "/",
        "finished on the first process"
    );
    assert_eq!(
        elsewhere.get(&on_second).await.status(),
        StatusCode::BAD_REQUEST,
        "and only once"
    );
}

async fn behind_tls_cookies_are_secure_and_hsts_is_sent(backend: Backend) {
    let app = TestApp::spawn_behind(backend, "https://helseportal.example").await;
    let response = app.get("/sprak").await;
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("hp_csrf="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

async fn demo_data_is_written_only_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert!(
        !storage::seed_demo(&app.db).await.unwrap(),
        "the database already holds persons"
    );
    app.db.migrate().await.unwrap();
    let kari = app.db.person_by_fnr(&kari()).await.unwrap().unwrap();
    assert_eq!(kari.name.full(), "Kari Nordmann");
    let children = app.db.children_of(kari.id).await.unwrap();
    assert_eq!(children.len(), 1);
    let child = &children[0];
    assert_eq!(
        child.address_line(),
        kari.address_line(),
        "the child lives with Kari"
    );
    let today = jiff::civil::date(2026, 11, 25);
    assert!(child.fnr.age_on(today) < 12);
    assert!(domain::may_represent_child(
        &domain::RepresentationFacts {
            child_birth_date: child.birth_date,
            parental_responsibility: true,
            parent_address: &kari.address_line(),
            child_address: &child.address_line(),
        },
        today
    ));
    let fjordbyen = app.db.practitioners_of(2).await.unwrap();
    let kinds: Vec<_> = fjordbyen
        .iter()
        .map(|p| (p.name.given.as_str(), p.kind.code()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Benedikte", "fastlege"),
            ("Ingar", "vikar"),
            ("Arna", "jordmor")
        ]
    );
}

#[tokio::test]
async fn unknown_database_scheme_is_refused_clearly() {
    let error = storage::Database::connect("mysql://localhost/helseportal")
        .await
        .err()
        .unwrap();
    assert_eq!(
        error.to_string(),
        "unknown database URL scheme \"mysql\": use sqlite:// or postgres://"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_helseportal"))
        .args(["migrate", "--database", "mysql://localhost/helseportal"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown database URL scheme \"mysql\""),
        "{stderr}"
    );
}

#[tokio::test]
async fn binary_serves_with_demo_data_and_environment_overrides() {
    let dir = support::temp_dir();
    let port = support::free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_helseportal"))
        .args(["serve", "--demo"])
        .env("HELSEPORTAL_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "HELSEPORTAL_DATABASE_URL",
            format!("sqlite://{}/portal.db", dir.display()),
        )
        .env("HELSEPORTAL_OUTBOX_DIR", dir.join("outbox"))
        .env("HELSEPORTAL_ATTACHMENTS_DIR", dir.join("attachments"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("{url}/healthz")).await {
            healthy = response.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let front = reqwest::get(&url).await.unwrap().text().await.unwrap();
    // Without a mail server or SMS gateway, notifications go to the outbox and its page.
    let outbox = reqwest::get(format!("{url}/utvikling/varsler"))
        .await
        .unwrap();
    let outbox_status = outbox.status();
    let outbox_page = outbox.text().await.unwrap();
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(healthy);
    assert!(front.contains("Logg inn"));
    assert_eq!(outbox_status, StatusCode::OK);
    assert!(outbox_page.contains("Utgående varsler (utvikling)"));
    assert!(dir.join("outbox").is_dir());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("Helseportal kjører på {url}")),
        "{stdout}"
    );
    assert!(dir.join("portal.db").exists());
}
