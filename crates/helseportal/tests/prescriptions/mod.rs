//! Resepter and Forny resept, over HTTP.

use reqwest::StatusCode;
use storage::DemoPersons;

use crate::support::{Backend, TestApp, csrf_of_form, location};

on_both_databases!(
    overview_shows_twelve_months_and_history_three_years,
    renewal_is_requested_and_approved_by_the_gp,
    a_declined_renewal_needs_a_reason,
    printable_page_and_pdf,
    renewal_where_the_gp_does_not_offer_it,
);

fn today(app: &TestApp) -> jiff::civil::Date {
    jiff::Timestamp::from_second(app.clock_now())
        .unwrap()
        .in_tz("Europe/Oslo")
        .unwrap()
        .date()
}

async fn kari_with_prescriptions(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    storage::seed_demo_prescriptions(&app.db, today(&app), app.clock_now())
        .await
        .unwrap();
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    app
}

async fn prescription_id(app: &TestApp, name: &str) -> i64 {
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    app.db
        .prescriptions_of(kari)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.drug_name == name)
        .unwrap()
        .id
}

async fn overview_shows_twelve_months_and_history_three_years(backend: Backend) {
    let app = kari_with_prescriptions(backend).await;
    assert!(
        app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"href="/resepter""#)
    );
    let overview = app.get("/resepter").await.text().await.unwrap();
    for name in ["Desloratadin 5 mg tablett", "Paralgin forte", "Salbutamol"] {
        assert!(overview.contains(name), "{name}");
    }
    assert!(
        !overview.contains("Amoksicillin"),
        "expired and last dispensed 20 months ago"
    );
    assert!(overview.contains("Utlevert 3 av 4 ganger, 1 igjen"));
    assert!(overview.contains("Rekvirert av: Rolf Rolfsen"));
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    for p in app.db.prescriptions_of(kari).await.unwrap() {
        for d in &p.dispensations {
            assert!(
                d.dispensed_on >= p.prescribed_on,
                "{} dispensed before it was written",
                p.drug_name
            );
        }
        assert!(
            p.dispensations.len() as i64 <= p.dispensations_allowed,
            "{}",
            p.drug_name
        );
    }
    let history = app
        .get("/resepter?fane=historikk")
        .await
        .text()
        .await
        .unwrap();
    for name in [
        "Amoksicillin",
        "Etinyløstradiol/levonorgestrel",
        "Desloratadin",
    ] {
        assert!(history.contains(name), "{name}");
    }
    assert!(
        !history.contains("Fenoksymetylpenicillin"),
        "four years ago"
    );
    assert!(history.contains("Utløpt"));
    assert_eq!(
        app.get("/resepter?fane=alt").await.status(),
        StatusCode::BAD_REQUEST
    );
    let id = prescription_id(&app, "Desloratadin").await;
    let detail = app
        .get(&format!("/resepter/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("Reseptgruppe C"));
    assert!(detail.contains("Apotek 1 Solen"));
    assert!(detail.contains("Dosering: 1 tablett daglig i pollensesongen"));
    let kurt = app.new_browser();
    kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
        .await;
    assert_eq!(
        kurt.get(&format!("/resepter/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        kurt.get("/resepter")
            .await
            .text()
            .await
            .unwrap()
            .contains("Ingen resepter å vise.")
    );
}

async fn renewal_is_requested_and_approved_by_the_gp(backend: Backend) {
    let app = kari_with_prescriptions(backend).await;
    let gp = app.get("/fastlege").await.text().await.unwrap();
    assert!(gp.contains(
        r#"<a class="card-link" href="/forny-resept"><h3 class="card-title">Fornye resept</h3>"#
    ));
    let form = app.get("/forny-resept").await.text().await.unwrap();
    let allergy = prescription_id(&app, "Desloratadin").await;
    let controlled = prescription_id(&app, "Paralgin forte").await;
    assert!(form.contains(&format!(r#"name="resept" id="resept-{allergy}""#)));
    assert!(
        form.contains(&format!(r#"id="resept-{controlled}" disabled"#)),
        "shown, not selectable"
    );
    assert!(form.contains("Legemidler i reseptgruppe A og B kan ikke fornyes på nett."));
    let fields =
        crate::support::hidden_fields(form.split(r#"action="/forny-resept""#).nth(1).unwrap());
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let (csrf, key) = (get("_csrf"), get("key"));
    let forged = app
        .post(
            "/forny-resept",
            &[
                ("_csrf", &csrf),
                ("key", &key),
                ("resept", &controlled.to_string()),
            ],
        )
        .await;
    assert_eq!(
        forged.status(),
        StatusCode::BAD_REQUEST,
        "a controlled drug cannot be sent either"
    );
    let none = app
        .post("/forny-resept", &[("_csrf", &csrf), ("key", &key)])
        .await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        none.text()
            .await
            .unwrap()
            .contains("Du må velge minst én resept.")
    );
    let form = [
        ("_csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("resept", &allergy.to_string()),
        ("melding", "Virker godt"),
    ];
    let sent = app.post("/forny-resept", &form).await;
    let thread_id: i64 = location(&sent).rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        location(&app.post("/forny-resept", &form).await),
        location(&sent),
        "a double click sends once"
    );
    assert!(
        app.get("/resepter")
            .await
            .text()
            .await
            .unwrap()
            .contains("Fornyelse er bedt om")
    );
    assert!(
        app.get("/forny-resept")
            .await
            .text()
            .await
            .unwrap()
            .contains("Du har allerede bedt om fornyelse av denne resepten.")
    );

    let sara = app.new_browser();
    sara.login_staff(DemoPersons::SARA_SOLBAKKEN).await;
    assert_eq!(
        sara.get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    assert!(
        rolf.get("/kontor/innboks")
            .await
            .text()
            .await
            .unwrap()
            .contains("Forny resept")
    );
    let page = rolf
        .get(&format!("/kontor/henvendelser/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Desloratadin 5 mg tablett"));
    assert!(page.contains("Melding: Virker godt"));
    let csrf = csrf_of_form(
        &page,
        &format!("/kontor/henvendelser/{thread_id}/godkjenn-fornyelse"),
    );
    let sara_csrf = crate::support::csrf_in(&sara.get("/kontor").await.text().await.unwrap());
    let by_reception = sara
        .post(
            &format!("/kontor/henvendelser/{thread_id}/godkjenn-fornyelse"),
            &[("_csrf", &sara_csrf)],
        )
        .await;
    assert_eq!(
        by_reception.status(),
        StatusCode::FORBIDDEN,
        "only a doctor approves"
    );
    let approved = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/godkjenn-fornyelse"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let twice = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/godkjenn-fornyelse"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);

    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    let all = app.db.prescriptions_of(kari).await.unwrap();
    let allergies: Vec<_> = all
        .iter()
        .filter(|p| p.drug_name == "Desloratadin")
        .collect();
    assert_eq!(allergies.len(), 2);
    let new = allergies.iter().find(|p| p.id != allergy).unwrap();
    assert_eq!(new.status, domain::prescription::PrescriptionStatus::Active);
    assert_eq!(new.prescribed_on, today(&app));
    assert_eq!(new.dispensations_allowed, 4);
    assert_eq!(
        all.iter().find(|p| p.id == allergy).unwrap().status,
        domain::prescription::PrescriptionStatus::Renewed
    );
    let overview = app.get("/resepter").await.text().await.unwrap();
    assert!(!overview.contains("Fornyelse er bedt om"));
    assert!(overview.contains("Utlevert 0 av 4 ganger, 4 igjen"));
    let history = app
        .get("/resepter?fane=historikk")
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains("Fornyet"));
    let thread = app
        .get(&format!("/innboks/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(thread.contains("Resepten er fornyet og gyldig til"));
}

async fn a_declined_renewal_needs_a_reason(backend: Backend) {
    let app = kari_with_prescriptions(backend).await;
    let allergy = prescription_id(&app, "Desloratadin").await;
    let form = app.get("/forny-resept").await.text().await.unwrap();
    let fields =
        crate::support::hidden_fields(form.split(r#"action="/forny-resept""#).nth(1).unwrap());
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let sent = app
        .post(
            "/forny-resept",
            &[
                ("_csrf", &get("_csrf")),
                ("key", &get("key")),
                ("resept", &allergy.to_string()),
            ],
        )
        .await;
    let thread_id: i64 = location(&sent).rsplit('/').next().unwrap().parse().unwrap();
    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let page = rolf
        .get(&format!("/kontor/henvendelser/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_of_form(
        &page,
        &format!("/kontor/henvendelser/{thread_id}/avsla-fornyelse"),
    );
    let empty = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/avsla-fornyelse"),
            &[("_csrf", &csrf), ("begrunnelse", "")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("Du må fylle ut «Begrunnelse til pasienten».")
    );
    let long = "x".repeat(501);
    let too_long = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/avsla-fornyelse"),
            &[("_csrf", &csrf), ("begrunnelse", &long)],
        )
        .await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = too_long.text().await.unwrap();
    assert!(body.contains("Teksten er for lang: 501 tegn, maksimum er 500."));
    assert!(body.contains(&long), "what was typed is kept");
    let declined = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/avsla-fornyelse"),
            &[
                ("_csrf", &csrf),
                ("begrunnelse", "Du må komme til kontroll"),
            ],
        )
        .await;
    assert_eq!(declined.status(), StatusCode::SEE_OTHER);
    assert!(
        app.get(&format!("/innboks/{thread_id}"))
            .await
            .text()
            .await
            .unwrap()
            .contains("Du må komme til kontroll")
    );
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        app.db
            .prescriptions_of(kari)
            .await
            .unwrap()
            .iter()
            .filter(|p| p.drug_name == "Desloratadin")
            .count(),
        1
    );
}

async fn printable_page_and_pdf(backend: Backend) {
    let app = kari_with_prescriptions(backend).await;
    let page = app.get("/resepter/utskrift").await.text().await.unwrap();
    assert!(page.contains("Reseptoversikt for Kari Nordmann"));
    assert!(page.contains("Desloratadin 5 mg tablett"));
    let pdf = app.get("/resepter/resepter.pdf").await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap().to_vec();
    assert_eq!(
        domain::attachment::sniff(&bytes),
        Ok(domain::attachment::FileKind::Pdf)
    );
    let text = pdf_text(&bytes);
    assert!(
        text.contains("Desloratadin 5 mg tablett (Aktiv)"),
        "the overview is in the file: {text}"
    );
    assert!(
        !text.contains("Amoksicillin"),
        "only the overview, not the history"
    );

    // Every name prints as written: Northern Sami letters, among others.
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE person SET given_name = $1, family_name = $2 WHERE fnr = $3")
        .bind("Áilu Ŋuvttoš")
        .bind("Čeavččageađgi")
        .bind(DemoPersons::KARI_NORDMANN)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let bytes = app
        .get("/resepter/resepter.pdf")
        .await
        .bytes()
        .await
        .unwrap();
    let text = pdf_text(&bytes);
    assert!(
        text.contains("Áilu Ŋuvttoš Čeavččageađgi"),
        "the name as written: {text}"
    );
}

/// The text of a PDF as a reader gets it out (poppler's `pdftotext`; the test command
/// installs it).
fn pdf_text(pdf: &[u8]) -> String {
    let file = crate::support::temp_dir().join("document.pdf");
    std::fs::write(&file, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

async fn renewal_where_the_gp_does_not_offer_it(backend: Backend) {
    let app = kari_with_prescriptions(backend).await;
    app.db
        .set_office_services(1, &[domain::GpService::EKonsultasjon])
        .await
        .unwrap();
    let page = app.get("/forny-resept").await.text().await.unwrap();
    assert!(page.contains("Fastlegen din tilbyr ikke fornyelse av resept på Helseportal. Kontakt legekontoret på en annen måte, for eksempel på telefon 22 33 44 55."));
    assert!(
        !app.get("/resepter")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"href="/forny-resept""#)
    );
    let allergy = prescription_id(&app, "Desloratadin").await;
    let csrf = crate::support::csrf_in(&app.get("/resepter").await.text().await.unwrap());
    let refused = app
        .post(
            "/forny-resept",
            &[
                ("_csrf", &csrf),
                ("key", "abcdefghijklmnopqrstuvwxyz"),
                ("resept", &allergy.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
