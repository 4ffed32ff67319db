//! Bad input and small holes: what a hostile or careless request gets. Each test sends the
//! attack, checks the portal's refusal, and checks that nothing changed.

use reqwest::{Method, StatusCode};
use storage::DemoPersons;

use crate::messages::{kari_draft, thread_id_of};
use crate::support::{Backend, TestApp, csrf_in, csrf_of_form, hidden_fields, location, pdf, png};

on_both_databases!(
    every_path_parameter_refuses_what_is_not_an_id,
    every_route_answers_other_methods_with_the_portal_405,
    huge_forms_get_the_portal_page,
    return_paths_stay_on_the_site,
    login_form_wants_a_full_strength_csrf_pair,
    logout_needs_the_form_and_its_token,
    texts_are_limited_in_what_they_store,
    attachment_names_lose_direction_controls_and_active_pdfs_are_refused,
    uploads_over_the_limits_are_refused_whole,
);

/// Rows in every table of the portal's database: a request that changes nothing leaves them.
pub(crate) async fn row_counts(app: &TestApp) -> Vec<(String, i64)> {
    use sqlx::{Connection as _, Row as _};
    let mut db = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    let tables = if app.database_url.starts_with("sqlite:") {
        "SELECT name AS t FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
    } else {
        "SELECT CAST(table_name AS TEXT) AS t FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
    };
    let names: Vec<String> = sqlx::query(tables)
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("t"))
        .collect();
    assert!(names.len() > 10, "the portal's tables: {names:?}");
    let mut counts = Vec::new();
    for name in names {
        let sql = format!("SELECT COUNT(*) AS n FROM {name}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut db)
            .await
            .unwrap();
        counts.push((name, row.get::<i64, _>("n")));
    }
    counts
}

/// Checks that a refusal is the portal's own page in the language asked for, with a reference
/// to the logged cause, and none of a framework's text.
pub(crate) fn assert_portal_page(body: &str, lang: &str, what: &str) {
    assert!(
        body.contains(&format!(r#"<html lang="{lang}">"#)),
        "{what}: not the portal's page in {lang}: {body}"
    );
    assert!(
        body.contains(r#"<header class="site-header">"#),
        "{what}: {body}"
    );
    let reference = if lang == "en" {
        "Reference: "
    } else {
        "Referanse: "
    };
    assert!(body.contains(reference), "{what}: no reference: {body}");
    for framework in [
        "Invalid URL",
        "Cannot parse",
        "Failed to deserialize",
        "Failed to parse",
        "Failed to buffer",
        "Wrong number of path arguments",
        "length limit exceeded",
    ] {
        assert!(!body.contains(framework), "{what}: {framework}: {body}");
    }
}

/// Kari (full consent) and Rolf (her GP, at the office) logged in in one browser, as a person
/// with both roles could be; with the CSRF token of each side.
async fn citizen_and_staff(app: &TestApp) -> (String, String) {
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    app.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let citizen = csrf_in(&app.get("/fastlege").await.text().await.unwrap());
    let staff = csrf_in(&app.get("/kontor").await.text().await.unwrap());
    (citizen, staff)
}

// ---------------------------------------------------------------------------------------------
// Path parameters and methods, for every route the router has

/// Values that are no id of anything: not a number, too large for one, and below every id.
const NOT_IDS: [&str; 3] = ["abc", "99999999999999999999", "-1"];

async fn every_path_parameter_refuses_what_is_not_an_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (citizen_csrf, staff_csrf) = citizen_and_staff(&app).await;
    let with_parameters: Vec<_> = app
        .routes
        .iter()
        .filter(|route| !route.parameters().is_empty())
        .collect();
    // The list is the router's own: the routes the finding named are in it.
    for path in ["/innboks/{thread}", "/kontor/henvendelser/{thread}/svar"] {
        assert!(
            with_parameters.iter().any(|route| route.path == path),
            "{path} in {with_parameters:?}"
        );
    }
    assert!(with_parameters.len() >= 25, "{with_parameters:?}");
    let before = row_counts(&app).await;
    for (lang, cookie) in [("nb", "hp_lang=nb"), ("en", "hp_lang=en")] {
        app.add_cookie(cookie);
        for route in &with_parameters {
            for value in NOT_IDS {
                let path = route.with_parameters(|_| value.to_owned());
                for method in [Method::GET, Method::POST] {
                    if !route.allows(&method) {
                        continue;
                    }
                    // With the right token, so that the id and not the form is what is judged.
                    let csrf = if path.starts_with("/kontor") {
                        &staff_csrf
                    } else {
                        &citizen_csrf
                    };
                    let response = app
                        .request(method.clone(), &path, &[("_csrf", csrf.as_str())])
                        .await;
                    let status = response.status();
                    let what = format!("{method} {path} ({lang})");
                    assert!(
                        status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                        "{what}: {status}"
                    );
                    assert_portal_page(&response.text().await.unwrap(), lang, &what);
                }
            }
        }
    }
    // Query values that name ids are refused the same way.
    for (lang, cookie) in [("nb", "hp_lang=nb"), ("en", "hp_lang=en")] {
        app.add_cookie(cookie);
        for (path, name) in [
            ("/e-konsultasjon", "kontor"),
            ("/kontakt-legekontoret", "kontor"),
            ("/kontor/timer", "behandler"),
        ] {
            assert!(app.routes.find(path).is_some(), "{path}");
            for value in NOT_IDS {
                let url = format!("{path}?{name}={value}");
                let response = app.get(&url).await;
                let status = response.status();
                assert!(
                    status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                    "{url}: {status}"
                );
                assert_portal_page(&response.text().await.unwrap(), lang, &url);
            }
        }
    }
    assert_eq!(row_counts(&app).await, before, "nothing was written");
    // Both sessions are still there and work.
    assert_eq!(app.get("/fastlege").await.status(), StatusCode::OK);
    assert_eq!(app.get("/kontor/innboks").await.status(), StatusCode::OK);
}

async fn every_route_answers_other_methods_with_the_portal_405(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    citizen_and_staff(&app).await;
    let innboks = app.routes.find("/innboks").expect("Innboks is a route");
    assert!(!innboks.allows(&Method::DELETE));
    let resepter = app.routes.find("/resepter").expect("a route");
    assert!(!resepter.allows(&Method::POST));
    assert!(app.routes.with_method(Method::POST).count() >= 30);
    let before = row_counts(&app).await;
    for (lang, cookie) in [("nb", "hp_lang=nb"), ("en", "hp_lang=en")] {
        app.add_cookie(cookie);
        for route in app.routes.iter() {
            let path = route.with_parameters(|_| "1".to_owned());
            let others = [
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ];
            for method in others.into_iter().filter(|m| !route.allows(m)) {
                let what = format!("{method} {path} ({lang})");
                let response = app.request(method.clone(), &path, &[]).await;
                assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{what}");
                let allow: Vec<String> = response.headers()["allow"]
                    .to_str()
                    .unwrap()
                    .split(',')
                    .map(|m| m.trim().to_owned())
                    .collect();
                for allowed in &route.methods {
                    assert!(allow.contains(&allowed.to_string()), "{what}: {allow:?}");
                }
                assert!(!allow.contains(&method.to_string()), "{what}: {allow:?}");
                let body = response.text().await.unwrap();
                assert_portal_page(&body, lang, &what);
                let title = if lang == "en" {
                    "<h1>The page cannot be used this way</h1>"
                } else {
                    "<h1>Siden kan ikke brukes på denne måten</h1>"
                };
                assert!(body.contains(title), "{what}: {body}");
            }
        }
    }
    assert_eq!(row_counts(&app).await, before, "nothing was written");
}

// ---------------------------------------------------------------------------------------------
// Bodies larger than any form

async fn huge_forms_get_the_portal_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (citizen_csrf, staff_csrf) = citizen_and_staff(&app).await;
    // Past axum's default limit of 2 MB, which holds for every form but the upload step.
    let filler = "x".repeat(3 * 1024 * 1024);
    let before = row_counts(&app).await;
    let consent = app
        .post_raw_and_close(
            "/samtykke",
            &format!("_csrf={citizen_csrf}&level=basis&filler={filler}"),
        )
        .await;
    assert_eq!(consent.status(), StatusCode::BAD_REQUEST);
    assert_portal_page(&consent.text().await.unwrap(), "nb", "POST /samtykke");
    // A form read field by field (the office's services) is refused the same way.
    let services = app
        .post_raw_and_close(
            "/kontor/tjenester",
            &format!("_csrf={staff_csrf}&service=e-konsultasjon&filler={filler}"),
        )
        .await;
    assert_eq!(services.status(), StatusCode::BAD_REQUEST);
    assert_portal_page(
        &services.text().await.unwrap(),
        "nb",
        "POST /kontor/tjenester",
    );
    assert_eq!(row_counts(&app).await, before);
    let page = app.get("/samtykke").await.text().await.unwrap();
    assert!(
        page.contains("Ditt samtykke nå: Full tilgang"),
        "the consent is as it was"
    );
    let gp = app.get("/fastlege").await.text().await.unwrap();
    assert!(
        gp.contains("Bestill time"),
        "the office still offers its services"
    );
}

// ---------------------------------------------------------------------------------------------
// Return paths

async fn return_paths_stay_on_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The return path as the language page takes it in its query and puts in its form.
    for query in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D%0A/evil.example",
        "%09//evil.example",
        "/%5Cevil.example",
        "/%20/evil.example",
        "/fastlege%0D%0ASet-Cookie:%20hp_lang=en",
    ] {
        let page = app.get(&format!("/sprak?tilbake={query}")).await;
        assert_eq!(page.status(), StatusCode::OK, "{query}");
        let page = page.text().await.unwrap();
        assert!(
            page.contains(r#"<input type="hidden" name="tilbake" value="/">"#),
            "{query}: {page}"
        );
    }
    let fine = app
        .get("/sprak?tilbake=/fastlege")
        .await
        .text()
        .await
        .unwrap();
    assert!(fine.contains(r#"name="tilbake" value="/fastlege""#));
    // The form itself, posted with such a path: the front page, never another site or a 500,
    // and nothing set but the language chosen.
    let csrf = support_csrf_of_language_form(&app).await;
    for target in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "\t//evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "/fastlege\r\nSet-Cookie: hp_session=x",
        "/\u{a0}/evil.example",
    ] {
        let response = app
            .post(
                "/sprak",
                &[("_csrf", &csrf), ("lang", "nb"), ("tilbake", target)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{target:?}");
        assert_eq!(location(&response), "/", "{target:?}");
        let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies.len(), 1, "{target:?}: {cookies:?}");
        assert!(cookies[0].to_str().unwrap().starts_with("hp_lang=nb;"));
    }
    let back = app
        .post(
            "/sprak",
            &[("_csrf", &csrf), ("lang", "nb"), ("tilbake", "/fastlege")],
        )
        .await;
    assert_eq!(location(&back), "/fastlege");
}

async fn support_csrf_of_language_form(app: &TestApp) -> String {
    let page = app.get("/sprak").await.text().await.unwrap();
    crate::support::csrf_of_form(&page, "/sprak")
}

// ---------------------------------------------------------------------------------------------
// The login form's CSRF token

async fn login_form_wants_a_full_strength_csrf_pair(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idp_page = app.start_login("/logg-inn").await;
    let params: Vec<(String, String)> = hidden_fields(&idp_page)
        .into_iter()
        .filter(|(name, _)| name != "_csrf")
        .collect();
    let before = row_counts(&app).await;
    // A cookie and a form field another page chose, matching each other.
    for forged in ["x".to_owned(), "a".repeat(32), "a".repeat(42)] {
        let other = app.new_browser_with_cookie(&format!("hp_csrf={forged}"));
        let mut form: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("_csrf", &forged));
        form.push(("fnr", DemoPersons::KARI_NORDMANN));
        let response = other.post("/testidp/authorize", &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{forged}");
        assert!(response.headers().get("location").is_none());
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Skjemaet kunne ikke sendes")
        );
        let language = other
            .post("/sprak", &[("_csrf", &forged), ("lang", "en")])
            .await;
        assert_eq!(language.status(), StatusCode::FORBIDDEN, "{forged}");
        assert!(language.headers().get("set-cookie").is_none());
    }
    assert_eq!(row_counts(&app).await, before, "no code was issued");
    // The provider's own pair goes through.
    let callback = app.authorize(&idp_page, DemoPersons::KARI_NORDMANN).await;
    assert!(callback.contains("/auth/callback?"), "{callback}");
}
// ---------------------------------------------------------------------------------------------
// Logout

/// A browser's requests for one side: where its pages are and how it logs out.
struct Side {
    home: &'static str,
    page: &'static str,
    logged_out: &'static str,
    logout: &'static str,
    cookie: &'static str,
}

const CITIZEN: Side = Side {
    home: "/",
    page: "/fastlege",
    logged_out: "/logget-ut",
    logout: "/logg-ut",
    cookie: "hp_session=",
};

const STAFF: Side = Side {
    home: "/kontor",
    page: "/kontor/innboks",
    logged_out: "/kontor/logget-ut",
    logout: "/kontor/logg-ut",
    cookie: "hp_staff_session=",
};

fn clears_cookie(response: &reqwest::Response, cookie: &str) -> bool {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with(cookie))
}

async fn logout_needs_the_form_and_its_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (citizen_csrf, staff_csrf) = citizen_and_staff(&app).await;
    for (side, csrf) in [(CITIZEN, &citizen_csrf), (STAFF, &staff_csrf)] {
        // A link or an image on any site ends nothing: the plain page sends a person who is
        // still logged in home, the inactivity page says what it says, the session lives on.
        for path in [side.logged_out, &format!("{}?inaktiv=1", side.logged_out)] {
            let response = app.get(path).await;
            assert!(!clears_cookie(&response, side.cookie), "{path}");
            if path.ends_with("inaktiv=1") {
                assert_eq!(response.status(), StatusCode::OK, "{path}");
                assert!(response.text().await.unwrap().contains("Du er logget ut"));
            } else {
                assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
                assert_eq!(location(&response), side.home, "{path}");
            }
            assert_eq!(
                app.get(side.page).await.status(),
                StatusCode::OK,
                "{path} left the session alive"
            );
        }
        // A form from another site cannot carry the token.
        for form in [&[][..], &[("_csrf", "x")][..]] {
            let response = app.post(side.logout, form).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{}", side.logout);
            assert!(
                response
                    .text()
                    .await
                    .unwrap()
                    .contains("Skjemaet kunne ikke sendes")
            );
            assert_eq!(app.get(side.page).await.status(), StatusCode::OK);
        }
        // "Logg ut" with its token ends the session.
        let response = app.post(side.logout, &[("_csrf", csrf)]).await;
        assert_eq!(location(&response), side.logged_out);
        assert!(clears_cookie(&response, side.cookie));
        assert_eq!(app.get(side.page).await.status(), StatusCode::SEE_OTHER);
    }

    // The inactivity timer's page still ends a session that is idle too long, and clears its
    // cookie, as the warning script expects.
    let idle = app.new_browser();
    idle.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let token = idle.session_token().await;
    app.clock.advance(30 * 60);
    let response = idle.get("/logget-ut?inaktiv=1").await;
    assert!(clears_cookie(&response, CITIZEN.cookie));
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Du ble logget ut automatisk fordi du ikke har vært aktiv på 30 minutter.")
    );
    let old = app.new_browser_with_cookie(&format!("hp_session={token}"));
    assert_eq!(location(&old.get("/fastlege").await), "/logg-inn");
}

// ---------------------------------------------------------------------------------------------
// Text limits: what is stored as well as what is seen

/// "One character" as seen: a letter under 150,000 combining accents, 300 KB.
fn piled_up_character() -> String {
    format!("e{}", "\u{301}".repeat(150_000))
}

const TOO_MUCH_STORED: &str =
    "Teksten har for mange sammensatte tegn, som aksenter eller emoji, til at den kan lagres.";

async fn texts_are_limited_in_what_they_store(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let piled = piled_up_character();
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;

    // Kontakt legekontoret: subject and text.
    let id = kari_draft(&app).await;
    let form = app.get("/kontakt-legekontoret").await.text().await.unwrap();
    let fields = hidden_fields(
        form.split(r#"action="/kontakt-legekontoret""#)
            .nth(1)
            .unwrap(),
    );
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let (csrf, key) = (get("_csrf"), get("key"));
    let before = row_counts(&app).await;
    for (subject, text) in [(piled.as_str(), "Hei"), ("Ferie", piled.as_str())] {
        let response = app
            .post(
                "/kontakt-legekontoret",
                &[
                    ("_csrf", &csrf),
                    ("kontor", "1"),
                    ("key", &key),
                    ("subject", subject),
                    ("text", text),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains(TOO_MUCH_STORED));
    }
    assert_eq!(row_counts(&app).await, before, "nothing was written");

    // The e-consultation's description: refused, and the draft cannot be sent with it.
    let describe = format!("/e-konsultasjon/{id}/beskrivelse");
    let response = app
        .post(
            &describe,
            &[
                ("_csrf", &csrf),
                ("subject", &piled),
                ("symptoms", "Rennende øyne."),
                ("daily_life", "Sløv."),
                ("tried", "nei"),
                ("action", "neste"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains(TOO_MUCH_STORED));
    let review = format!("/e-konsultasjon/{id}/se-gjennom");
    assert_eq!(location(&app.get(&review).await), describe);
    let sent = app
        .post_multipart(&review, &[("_csrf", &csrf), ("action", "send")], &[])
        .await;
    assert_eq!(location(&sent), describe, "not sent");
    // What the draft keeps of a field to show it again is bounded as well.
    let draft = app.db.draft_of(&id, kari).await.unwrap().unwrap();
    assert!(draft.fields.subject.chars().count() <= 5000);
    assert_eq!(app.db.inbox(kari, None, None, 1).await.unwrap().total, 0);

    // The office's answer.
    let fine = app
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", &csrf),
                ("kontor", "1"),
                ("key", &key),
                ("subject", "Ferie"),
                ("text", "Åpent i jula?"),
            ],
        )
        .await;
    let thread = thread_id_of(&location(&fine));
    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let page = format!("/kontor/henvendelser/{thread}");
    let thread_page = rolf.get(&page).await.text().await.unwrap();
    let staff_csrf = csrf_of_form(&thread_page, &format!("{page}/svar"));
    let before = row_counts(&app).await;
    let answer = rolf
        .post(
            &format!("{page}/svar"),
            &[("_csrf", &staff_csrf), ("svar", &piled)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().await.unwrap().contains(TOO_MUCH_STORED));
    assert_eq!(row_counts(&app).await, before, "nothing was written");
    assert_eq!(app.db.thread_messages(thread).await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Attachments

/// Files in the local object store's folder, however it nests them.
fn stored_objects(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|entry| entry.unwrap().path())
        .map(|path| {
            if path.is_dir() {
                stored_objects(&path)
            } else {
                1
            }
        })
        .sum()
}

async fn app_with_object_folder(backend: Backend) -> (TestApp, std::path::PathBuf) {
    let dir = crate::support::temp_dir().join("objects");
    let objects = storage::ObjectStore::local(&dir).unwrap();
    (TestApp::spawn_with_objects(backend, objects).await, dir)
}

/// A PDF that runs a script when opened, its names written with hex escapes.
fn pdf_with_script() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn attachment_names_lose_direction_controls_and_active_pdfs_are_refused(backend: Backend) {
    let (app, dir) = app_with_object_folder(backend).await;
    let id = kari_draft(&app).await;
    let review = format!("/e-konsultasjon/{id}/se-gjennom");
    let (_, csrf) = app.page_and_csrf(&review, &review).await;
    // A PNG named to show as "resultatgnp.pdf".
    let response = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("resultat\u{202e}fdp.png", png())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let kept = app.db.draft_attachments(&id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].file_name, "resultatfdp.png");
    let page = app.get(&review).await.text().await.unwrap();
    assert!(page.contains("resultatfdp.png"), "{page}");
    assert!(!page.contains('\u{202e}'));

    let before = row_counts(&app).await;
    for (name, bytes) in [
        ("svar.pdf", pdf_with_script()),
        (
            "vedlegg.pdf",
            b"%PDF-1.4\n<< /S /Launch /F (cmd.exe) >>\n%%EOF\n".to_vec(),
        ),
        (
            "pakke.pdf",
            b"%PDF-1.4\n<< /Names << /EmbeddedFiles 2 0 R >> >>\n%%EOF\n".to_vec(),
        ),
    ] {
        let response = app
            .post_multipart(
                &review,
                &[("_csrf", &csrf), ("action", "send")],
                &[(name, bytes)],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let body = response.text().await.unwrap();
        assert!(
            body.contains(&format!(
                "Filen «{name}» er en PDF med innhold som kan kjøre av seg selv"
            )),
            "{body}"
        );
    }
    assert_eq!(row_counts(&app).await, before, "nothing was written");
    assert_eq!(app.db.draft_attachments(&id).await.unwrap().len(), 1);
    assert_eq!(stored_objects(&dir), 1);
    // An ordinary PDF is still welcome.
    let response = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("brev.pdf", pdf(2000))],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored_objects(&dir), 2);
}

async fn uploads_over_the_limits_are_refused_whole(backend: Backend) {
    let (app, dir) = app_with_object_folder(backend).await;
    let id = kari_draft(&app).await;
    let review = format!("/e-konsultasjon/{id}/se-gjennom");
    let (_, csrf) = app.page_and_csrf(&review, &review).await;
    let upload = |files: Vec<(&'static str, Vec<u8>)>| {
        let (review, csrf) = (review.clone(), csrf.clone());
        let app = &app;
        async move {
            app.post_multipart(&review, &[("_csrf", &csrf), ("action", "last-opp")], &files)
                .await
        }
    };
    let ten_and_a_half = 10 * 1024 * 1024 + 512 * 1024;
    assert_eq!(
        upload(vec![("a.pdf", pdf(ten_and_a_half))]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(stored_objects(&dir), 1);
    let before = row_counts(&app).await;
    // A fourth file: with one on the draft, three more in one request.
    let response = upload(vec![("c.png", png()), ("d.png", png()), ("e.png", png())]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("Filen «e.png» ble ikke lagt ved: du kan legge ved inntil 3 filer."));
    assert!(body.contains("Ingen av filene du valgte denne gangen ble lagt ved."));
    // Past 20 MB together: a small file that would fit, and one that would not.
    let response = upload(vec![("f.png", png()), ("g.pdf", pdf(10 * 1024 * 1024))]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("Filen «g.pdf» ble ikke lagt ved: du kan legge ved til sammen 20MB."));
    assert!(body.contains("Ingen av filene du valgte denne gangen ble lagt ved."));
    assert_eq!(row_counts(&app).await, before, "no attachment row");
    let kept = app.db.draft_attachments(&id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].file_name, "a.pdf");
    assert_eq!(stored_objects(&dir), 1, "no object in the object store");
    // Within the limits, the same request's files are all kept.
    let response = upload(vec![("c.png", png()), ("d.png", png())]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.db.draft_attachments(&id).await.unwrap().len(), 3);
    assert_eq!(stored_objects(&dir), 3);
}
