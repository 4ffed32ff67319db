//! E-konsultasjon, Kontakt legekontoret, Innboks and the office's work queue, over HTTP.

use std::time::Duration;

use reqwest::StatusCode;
use storage::DemoPersons;

use crate::support::{Backend, TestApp, csrf_of_form, location, pdf, png};

on_both_databases!(
    e_consultation_goes_through_every_step_and_sends_once,
    step_one_needs_the_copayment_box,
    going_back_and_forth_keeps_what_was_typed,
    description_limits_and_required_fields,
    refused_files_keep_the_text,
    attachments_at_most_three_and_twenty_megabytes,
    drafts_threads_and_attachments_of_others_are_not_found,
    office_answers_and_citizen_reads_with_copayment,
    free_card_holder_pays_no_copayment,
    reception_cannot_open_e_consultations_but_answers_contact,
    contact_office_is_validated_and_sent_once,
    work_queue_filters_and_marks_overdue,
    inbox_pages_and_searches,
    search_never_shows_threads_of_others,
    a_word_finds_every_term_it_begins,
    a_search_follows_the_latest_activity,
    threads_written_before_the_search_index_are_found,
    search_rows_written_before_0010_are_found_once,
    search_counts_follow_the_threads,
    the_search_index_merges_into_one_segment_and_finds_the_same,
    the_merge_of_the_search_index_ends_while_threads_are_written,
    alternative_entry_through_inbox_to_a_specialist,
    services_need_the_right_consent,
    children_cannot_use_gp_services_alone,
    attachments_live_in_an_s3_compatible_store,
);

/// Kari with full consent, past step 3 of an e-consultation to Rolf; returns the draft id.
pub(crate) async fn kari_draft(app: &TestApp) -> String {
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let (_, csrf) = app
        .page_and_csrf("/e-konsultasjon", "/e-konsultasjon")
        .await;
    let response = app
        .post("/e-konsultasjon", &[("_csrf", &csrf), ("egenandel", "ja")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let step2 = location(&response);
    let id = step2
        .trim_start_matches("/e-konsultasjon/")
        .trim_end_matches("/behandler")
        .to_owned();
    let response = app
        .post(
            &format!("/e-konsultasjon/{id}/beskrivelse"),
            &[
                ("_csrf", &csrf),
                ("subject", "Pollenallergi"),
                (
                    "symptoms",
                    "Rennende øyne nå når pollensesongen har startet.",
                ),
                ("daily_life", "Føler meg sløv, og orker ikke være utendørs."),
                ("tried", "ja"),
                (
                    "treatment",
                    "Allergimedisin på resept, uten merkbar effekt.",
                ),
                ("action", "neste"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("/e-konsultasjon/{id}/se-gjennom")
    );
    id
}

pub(crate) async fn send_draft(
    app: &TestApp,
    id: &str,
    files: &[(&str, Vec<u8>)],
) -> reqwest::Response {
    let review = format!("/e-konsultasjon/{id}/se-gjennom");
    let (_, csrf) = app.page_and_csrf(&review, &review).await;
    app.post_multipart(&review, &[("_csrf", &csrf), ("action", "send")], files)
        .await
}

pub(crate) fn thread_id_of(sent_location: &str) -> i64 {
    sent_location
        .trim_start_matches("/innboks/sendt/")
        .parse()
        .unwrap()
}

async fn e_consultation_goes_through_every_step_and_sends_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let gp = app.get("/fastlege").await.text().await.unwrap();
    assert!(gp.contains(r#"<a class="card-link" href="/e-konsultasjon"><h3 class="card-title">Starte e-konsultasjon</h3>"#));

    let (step1, csrf) = app
        .page_and_csrf("/e-konsultasjon", "/e-konsultasjon")
        .await;
    for text in [
        "Viktig informasjon før du bestiller e-konsultasjon",
        "Du får vanligvis svar innen 5 arbeidsdager.",
        "Kun for situasjoner som ikke haster og ikke krever fysisk oppmøte.",
        "Du betaler vanlig egenandel.",
        "Kan ikke brukes til sykmelding, med mindre det er avtalt med fastlegen på forhånd.",
        "Jeg forstår at jeg må betale egenandel som ved en vanlig legetime.",
    ] {
        assert!(step1.contains(text), "{text}");
    }
    let step2 = location(
        &app.post("/e-konsultasjon", &[("_csrf", &csrf), ("egenandel", "ja")])
            .await,
    );
    let id = step2
        .trim_start_matches("/e-konsultasjon/")
        .trim_end_matches("/behandler")
        .to_owned();
    let page = app.get(&step2).await.text().await.unwrap();
    assert!(page.contains("Tilgjengelige behandlere"));
    assert!(page.contains("Rolf Rolfsen (fastlege)"));
    assert!(page.contains(" checked>"), "the citizen's GP is chosen");
    assert!(page.contains("Hvis behandler er utilgjengelig, kan e-konsultasjon bli lest og besvart av annet helsepersonell på legekontoret."));
    let next = app
        .post(&step2, &[("_csrf", &csrf), ("action", "neste")])
        .await;
    assert_eq!(location(&next), format!("/e-konsultasjon/{id}/beskrivelse"));
    let step3 = app.get(&location(&next)).await.text().await.unwrap();
    for label in [
        "Beskriv situasjonen din",
        "Hva ønsker du hjelp til av fastlegen?",
        "Beskriv hvilke symptomer eller plager du har",
        "Hvordan påvirker helseutfordringene hverdagen din?",
        "Har du forsøkt å behandle dette?",
        "Hvilken behandling har du prøvd og hva slags effekt har den hatt?",
        "0/450 tegn",
    ] {
        assert!(step3.contains(label), "{label}");
    }
    let symptoms = "Startet å ta allergimedisinen tidlig i år, men er sterkt plaget med rennende øyne nå når pollensesongen har startet.";
    let described = app
        .post(
            &format!("/e-konsultasjon/{id}/beskrivelse"),
            &[
                ("_csrf", &csrf),
                ("subject", "Pollenallergi"),
                ("symptoms", symptoms),
                ("daily_life", "Føler meg sløv, og orker ikke være utendørs."),
                ("tried", "ja"),
                ("treatment", "Har tatt allergimedisinen jeg har fått på resept, men opplever ingen merkbar effekt av denne."),
                ("action", "neste"),
            ],
        )
        .await;
    let review_path = location(&described);
    let review = app.get(&review_path).await.text().await.unwrap();
    assert!(review.contains("Denne meldingen vil bli sendt til Rolf Rolfsen (fastlege)"));
    assert!(review.contains("Pollenallergi"));
    assert!(review.contains(symptoms));
    assert!(review.contains("Har du forsøkt å behandle dette?\nJa"));
    assert!(review.contains(
        "Du kan legge ved inntil 3 filer på til sammen 20MB i formatene JPG, PNG eller PDF."
    ));
    assert!(review.contains("E-konsultasjon lagres i legens journalsystem."));

    let upload = app
        .post_multipart(
            &review_path,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("utslett.png", png()), ("resept.pdf", pdf(2000))],
        )
        .await;
    assert_eq!(location(&upload), review_path);
    let review = app.get(&review_path).await.text().await.unwrap();
    assert!(review.contains("utslett.png (1 kB)"), "{review}");
    assert!(review.contains("resept.pdf (2 kB)"));

    let sent = send_draft(&app, &id, &[]).await;
    let sent_path = location(&sent);
    let thread_id = thread_id_of(&sent_path);
    let confirmation = app.get(&sent_path).await.text().await.unwrap();
    assert!(confirmation.contains("Meldingen er sendt"));
    assert!(confirmation.contains("Du får vanligvis svar innen 5 arbeidsdager."));
    assert!(confirmation.contains(r#"href="/innboks">Gå til innboksen"#));

    // A double click, and a reload of the POST: the same thread, nothing new.
    let again = app
        .post_multipart(
            &review_path,
            &[("_csrf", &csrf), ("action", "send")],
            &[("igjen.png", png())],
        )
        .await;
    assert_eq!(location(&again), sent_path);
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.db.inbox(kari.id, None, None, 1).await.unwrap().total, 1);
    let messages = app.db.thread_messages(thread_id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].attachments.len(), 2);

    let inbox = app.get("/innboks").await.text().await.unwrap();
    assert!(inbox.contains("1 melding<"));
    assert!(inbox.contains("Pollenallergi"));
    let thread = app
        .get(&format!("/innboks/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(thread.contains("Til: Rolf Rolfsen, Solen Legekontor"));
    assert!(thread.contains("Venter på svar"));
    let png_id = messages[0]
        .attachments
        .iter()
        .find(|a| a.file_name == "utslett.png")
        .unwrap()
        .id;
    let download = app.get(&format!("/innboks/vedlegg/{png_id}")).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "image/png");
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(download.bytes().await.unwrap().to_vec(), png());
}

async fn step_one_needs_the_copayment_box(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let (_, csrf) = app
        .page_and_csrf("/e-konsultasjon", "/e-konsultasjon")
        .await;
    let refused = app.post("/e-konsultasjon", &[("_csrf", &csrf)]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains(
        "Du må krysse av for at du forstår at du må betale egenandel, før du kan gå videre."
    ));
    assert!(body.contains(r#"aria-invalid="true""#));
    let no_csrf = app.post("/e-konsultasjon", &[("egenandel", "ja")]).await;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
}

async fn going_back_and_forth_keeps_what_was_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let (_, csrf) = app
        .page_and_csrf(
            &format!("/e-konsultasjon/{id}/beskrivelse"),
            &format!("/e-konsultasjon/{id}/beskrivelse"),
        )
        .await;
    // "Tilbake" from step 3 with half-typed text keeps it.
    let back = app
        .post(
            &format!("/e-konsultasjon/{id}/beskrivelse"),
            &[
                ("_csrf", &csrf),
                ("subject", "Hoste"),
                ("symptoms", "Tørr hoste i tre uker 🤧"),
                ("action", "tilbake"),
            ],
        )
        .await;
    assert_eq!(location(&back), format!("/e-konsultasjon/{id}/behandler"));
    let step1 = app
        .post(
            &format!("/e-konsultasjon/{id}/behandler"),
            &[("_csrf", &csrf), ("action", "tilbake")],
        )
        .await;
    assert_eq!(location(&step1), format!("/e-konsultasjon/{id}"));
    let page = app
        .get(&format!("/e-konsultasjon/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"value="ja" checked"#),
        "the copayment box stays ticked"
    );
    let step3 = app
        .get(&format!("/e-konsultasjon/{id}/beskrivelse"))
        .await
        .text()
        .await
        .unwrap();
    assert!(step3.contains(r#"value="Hoste""#));
    assert!(step3.contains("Tørr hoste i tre uker 🤧</textarea>"));
    assert!(step3.contains("23/450 tegn"), "the emoji counts one");
    // The review refuses to show an incomplete description and sends back to step 3.
    let review = app.get(&format!("/e-konsultasjon/{id}/se-gjennom")).await;
    assert_eq!(
        location(&review),
        format!("/e-konsultasjon/{id}/beskrivelse")
    );
}

async fn description_limits_and_required_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let path = format!("/e-konsultasjon/{id}/beskrivelse");
    let (_, csrf) = app.page_and_csrf(&path, &path).await;
    let empty = app
        .post(&path, &[("_csrf", &csrf), ("action", "neste")])
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = empty.text().await.unwrap();
    assert!(body.contains("Du må fylle ut «Hva ønsker du hjelp til av fastlegen?»."));
    assert!(body.contains("Du må fylle ut «Beskriv hvilke symptomer eller plager du har»."));
    assert!(body.contains("Du må fylle ut «Hvordan påvirker helseutfordringene hverdagen din?»."));
    assert!(body.contains("Du må svare Ja eller Nei på «Har du forsøkt å behandle dette?»."));
    let long_subject = "æ".repeat(51);
    let too_long = app
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("subject", &long_subject),
                ("symptoms", "Vondt i hodet."),
                ("daily_life", "Sover dårlig."),
                ("tried", "ja"),
                ("treatment", ""),
                ("action", "neste"),
            ],
        )
        .await;
    let body = too_long.text().await.unwrap();
    assert!(body.contains("Teksten er for lang: 51 tegn, maksimum er 50."));
    assert!(body.contains(
        "Du må fylle ut «Hvilken behandling har du prøvd og hva slags effekt har den hatt?»."
    ));
    assert!(
        body.contains(&format!(r#"value="{long_subject}""#)),
        "nothing typed is lost"
    );
    assert!(body.contains("Vondt i hodet.</textarea>"));
    let fifty = "æ".repeat(50);
    let ok = app
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("subject", &fifty),
                ("symptoms", "Vondt i hodet."),
                ("daily_life", "Sover dårlig."),
                ("tried", "nei"),
                ("action", "neste"),
            ],
        )
        .await;
    assert_eq!(
        ok.status(),
        StatusCode::SEE_OTHER,
        "50 characters and Nei without treatment are fine"
    );
}

async fn refused_files_keep_the_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let review = format!("/e-konsultasjon/{id}/se-gjennom");
    let (_, csrf) = app.page_and_csrf(&review, &review).await;
    let gif_named_png = b"GIF89a\x01\x00\x01\x00".to_vec();
    let mut broken = png();
    broken.truncate(20);
    let response = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "send")],
            &[
                ("bilde.png", gif_named_png),
                ("skadet.png", broken),
                ("tom.pdf", Vec::new()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Filen «bilde.png» er ikke JPG, PNG eller PDF."),
        "{body}"
    );
    assert!(
        body.contains("Filen «skadet.png» er skadet eller ufullstendig og kan ikke legges ved.")
    );
    assert!(body.contains("Filen «tom.pdf» er tom."));
    assert!(body.contains("Pollenallergi"), "the text is still there");
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.db.inbox(kari.id, None, None, 1).await.unwrap().total,
        0,
        "nothing was sent"
    );
    assert!(app.db.draft_attachments(&id).await.unwrap().is_empty());
}

async fn attachments_at_most_three_and_twenty_megabytes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let review = format!("/e-konsultasjon/{id}/se-gjennom");
    let (_, csrf) = app.page_and_csrf(&review, &review).await;
    let ten_and_a_half = 10 * 1024 * 1024 + 512 * 1024;
    // Two such files in one request are more than the request may carry: nothing is stored.
    let response = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[
                ("a.pdf", pdf(ten_and_a_half)),
                ("b.pdf", pdf(ten_and_a_half)),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = response.text().await.unwrap();
    assert!(body.contains(
        "Filene er for store: du kan legge ved til sammen 20MB. Ingen filer ble lagt ved."
    ));
    assert!(body.contains("Pollenallergi"), "the text is still there");
    assert!(app.db.draft_attachments(&id).await.unwrap().is_empty());
    // One at a time: the first fits, the second would pass 20 MB together.
    let first = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("a.pdf", pdf(ten_and_a_half))],
        )
        .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let second = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("b.pdf", pdf(ten_and_a_half))],
        )
        .await;
    assert_eq!(second.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        second
            .text()
            .await
            .unwrap()
            .contains("Filen «b.pdf» ble ikke lagt ved: du kan legge ved til sammen 20MB.")
    );
    assert_eq!(app.db.draft_attachments(&id).await.unwrap().len(), 1);
    let response = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("c.png", png()), ("d.png", png()), ("e.png", png())],
        )
        .await;
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Filen «e.png» ble ikke lagt ved: du kan legge ved inntil 3 filer."),
        "{body}"
    );
    // A request over the limits is refused whole: c and d are not kept either.
    assert!(body.contains("Ingen av filene du valgte denne gangen ble lagt ved."));
    assert_eq!(app.db.draft_attachments(&id).await.unwrap().len(), 1);
    let response = app
        .post_multipart(
            &review,
            &[("_csrf", &csrf), ("action", "last-opp")],
            &[("c.png", png()), ("d.png", png())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let kept = app.db.draft_attachments(&id).await.unwrap();
    assert_eq!(kept.len(), 3);
    // "Fjern" removes one.
    let remove = app
        .post_multipart(
            &review,
            &[
                ("_csrf", &csrf),
                ("action", &format!("fjern-{}", kept[2].id)),
            ],
            &[],
        )
        .await;
    assert_eq!(remove.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.db.draft_attachments(&id).await.unwrap().len(), 2);
}

async fn drafts_threads_and_attachments_of_others_are_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let sent = location(&send_draft(&app, &id, &[("x.png", png())]).await);
    let thread_id = thread_id_of(&sent);
    let attachment_id = app.db.thread_messages(thread_id).await.unwrap()[0].attachments[0].id;
    let kurt = app.new_browser();
    kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
        .await;
    for path in [
        format!("/e-konsultasjon/{id}/beskrivelse"),
        format!("/e-konsultasjon/{id}/se-gjennom"),
        format!("/innboks/{thread_id}"),
        format!("/innboks/sendt/{thread_id}"),
        format!("/innboks/vedlegg/{attachment_id}"),
        "/innboks/999999".into(),
        "/e-konsultasjon/forged-draft-id/behandler".into(),
    ] {
        let response = kurt.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            !response.text().await.unwrap().contains("Pollenallergi"),
            "{path}"
        );
    }
    let kurt_csrf = crate::support::csrf_in(&kurt.get("/fastlege").await.text().await.unwrap());
    let forged = kurt
        .post(
            &format!("/e-konsultasjon/{id}/beskrivelse"),
            &[("_csrf", &kurt_csrf), ("subject", "x"), ("action", "neste")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    // Staff of another office do not find the thread or its attachment either.
    let olav = app.new_browser();
    olav.login_staff(DemoPersons::BENEDIKTE_BERG).await;
    assert_eq!(
        olav.get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        olav.get(&format!("/kontor/vedlegg/{attachment_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        app.db.access_log_of(1).await.unwrap().is_empty(),
        "nothing was read"
    );
}

async fn office_answers_and_citizen_reads_with_copayment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let sent = location(
        &send_draft(
            &app,
            &id,
            &[("utslett.png", png()), ("notat.pdf", pdf(3000))],
        )
        .await,
    );
    let thread_id = thread_id_of(&sent);
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();

    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let dashboard = rolf.get("/kontor").await.text().await.unwrap();
    assert!(dashboard.contains("1 henvendelse venter på svar"));
    let queue = rolf.get("/kontor/innboks").await.text().await.unwrap();
    assert!(queue.contains("E-konsultasjon"));
    assert!(queue.contains("Kari Nordmann"));
    assert!(queue.contains("Pollenallergi"));
    let today = jiff::Timestamp::from_second(app.clock_now())
        .unwrap()
        .in_tz("Europe/Oslo")
        .unwrap()
        .date();
    let due = domain::working_days::add_working_days(today, 5);
    assert!(
        queue.contains(&due.strftime("%d.%m.%Y").to_string()),
        "due in five working days"
    );
    assert!(!queue.contains("Over fristen"));

    let page = rolf
        .get(&format!("/kontor/henvendelser/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Rennende øyne"));
    assert!(page.contains("vanlig egenandel (183 kr)"));
    let log = app.db.access_log_of(kari.id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].staff_name.as_str(),
            log[0].action.as_str(),
            log[0].thread_id
        ),
        ("Rolf Rolfsen", "read-thread", Some(thread_id))
    );
    let attachment = app.db.thread_messages(thread_id).await.unwrap()[0].attachments[0].clone();
    let download = rolf
        .get(&format!("/kontor/vedlegg/{}", attachment.id))
        .await;
    assert_eq!(download.bytes().await.unwrap().to_vec(), png());
    assert_eq!(
        app.db.access_log_of(kari.id).await.unwrap()[0].action,
        "read-attachment"
    );

    let csrf = csrf_of_form(&page, &format!("/kontor/henvendelser/{thread_id}/svar"));
    let empty = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/svar"),
            &[("_csrf", &csrf), ("svar", "  ")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("Du må fylle ut «Svar til pasienten».")
    );
    let answer = "Prøv en annen allergimedisin; jeg har sendt resept.";
    let answered = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/svar"),
            &[("_csrf", &csrf), ("svar", answer)],
        )
        .await;
    assert_eq!(
        location(&answered),
        format!("/kontor/henvendelser/{thread_id}?besvart=1")
    );
    let twice = rolf
        .post(
            &format!("/kontor/henvendelser/{thread_id}/svar"),
            &[("_csrf", &csrf), ("svar", "igjen")],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(
        twice
            .text()
            .await
            .unwrap()
            .contains("Henvendelsen er allerede besvart.")
    );
    assert!(
        rolf.get("/kontor/innboks")
            .await
            .text()
            .await
            .unwrap()
            .contains("Ingen henvendelser venter på svar.")
    );

    let charges = app.db.copayments_of(kari.id).await.unwrap();
    assert_eq!(charges.len(), 1, "one charge, even when answered twice");
    assert_eq!(
        (charges[0].thread_id, charges[0].amount_nok),
        (thread_id, 183)
    );

    let front = app.get("/").await.text().await.unwrap();
    assert!(front.contains("1 ulest<"), "{front}");
    let inbox = app.get("/innboks").await.text().await.unwrap();
    assert!(inbox.contains("Ulest"));
    let thread = app
        .get(&format!("/innboks/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(thread.contains(answer));
    assert!(thread.contains("Besvart"));
    assert!(
        !app.get("/").await.text().await.unwrap().contains("uleste"),
        "read now"
    );
    assert_eq!(app.db.thread_messages(thread_id).await.unwrap().len(), 2);

    // "Hvem har sett opplysningene dine": Kari sees who opened what.
    let access = app.get("/innsyn").await.text().await.unwrap();
    assert!(
        access.contains("Rolf Rolfsen, Solen Legekontor, åpnet henvendelsen «Pollenallergi»"),
        "{access}"
    );
    assert!(access.contains(
        "Rolf Rolfsen, Solen Legekontor, åpnet et vedlegg i henvendelsen «Pollenallergi»"
    ));
    let kurt = app.new_browser();
    kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
        .await;
    let none = kurt.get("/innsyn").await.text().await.unwrap();
    assert!(
        none.contains("Ingen har åpnet opplysningene dine via Helseportal."),
        "only Kari's own log"
    );
}

async fn free_card_holder_pays_no_copayment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();
    let today = jiff::Timestamp::from_second(app.clock_now())
        .unwrap()
        .in_tz("Europe/Oslo")
        .unwrap()
        .date();
    let year_end = jiff::civil::date(today.year(), 12, 31);
    app.db
        .add_free_card(kari.id, jiff::civil::date(today.year(), 1, 1), year_end)
        .await
        .unwrap();
    let id = kari_draft(&app).await;
    let thread_id = thread_id_of(&location(&send_draft(&app, &id, &[]).await));
    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let page = rolf
        .get(&format!("/kontor/henvendelser/{thread_id}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_of_form(&page, &format!("/kontor/henvendelser/{thread_id}/svar"));
    rolf.post(
        &format!("/kontor/henvendelser/{thread_id}/svar"),
        &[("_csrf", &csrf), ("svar", "Svar.")],
    )
    .await;
    assert!(app.db.copayments_of(kari.id).await.unwrap().is_empty());
}

async fn reception_cannot_open_e_consultations_but_answers_contact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    let econsultation = thread_id_of(&location(&send_draft(&app, &id, &[("x.png", png())]).await));
    let attachment_id = app.db.thread_messages(econsultation).await.unwrap()[0].attachments[0].id;
    let (_, csrf) = app
        .page_and_csrf("/kontakt-legekontoret", "/kontakt-legekontoret")
        .await;
    let form = app.get("/kontakt-legekontoret").await.text().await.unwrap();
    let key = crate::support::hidden_fields(
        form.split(r#"action="/kontakt-legekontoret""#)
            .nth(1)
            .unwrap(),
    )
    .into_iter()
    .find(|(k, _)| k == "key")
    .unwrap()
    .1;
    let contact = app
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", &csrf),
                ("kontor", "1"),
                ("key", &key),
                ("subject", "Ferie"),
                ("text", "Er dere åpne i romjulen?"),
            ],
        )
        .await;
    let contact_thread = thread_id_of(&location(&contact));

    let sara = app.new_browser();
    sara.login_staff(DemoPersons::SARA_SOLBAKKEN).await;
    let queue = sara.get("/kontor/innboks").await.text().await.unwrap();
    assert!(queue.contains("Ferie"));
    assert!(
        !queue.contains("Pollenallergi"),
        "reception does not see e-consultations"
    );
    assert_eq!(
        sara.get(&format!("/kontor/henvendelser/{econsultation}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        sara.get(&format!("/kontor/vedlegg/{attachment_id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let forged_filter = sara.get("/kontor/innboks?type=e-konsultasjon").await;
    assert_eq!(forged_filter.status(), StatusCode::BAD_REQUEST);
    let page = sara
        .get(&format!("/kontor/henvendelser/{contact_thread}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("egenandel"),
        "no copayment for administrative questions"
    );
    let csrf = csrf_of_form(
        &page,
        &format!("/kontor/henvendelser/{contact_thread}/svar"),
    );
    let answered = sara
        .post(
            &format!("/kontor/henvendelser/{contact_thread}/svar"),
            &[("_csrf", &csrf), ("svar", "Vi holder åpent 27. desember.")],
        )
        .await;
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();
    assert!(app.db.copayments_of(kari.id).await.unwrap().is_empty());
    let log = app.db.access_log_of(kari.id).await.unwrap();
    assert_eq!(log.len(), 1, "only what was opened is logged");
    assert_eq!(log[0].thread_id, Some(contact_thread));
}

async fn contact_office_is_validated_and_sent_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let form = app.get("/kontakt-legekontoret").await.text().await.unwrap();
    assert!(form.contains("Du kan ikke få helsehjelp via denne tjenesten."));
    let fields = crate::support::hidden_fields(
        form.split(r#"action="/kontakt-legekontoret""#)
            .nth(1)
            .unwrap(),
    );
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let (csrf, key) = (get("_csrf"), get("key"));
    let missing = app
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", &csrf),
                ("kontor", "1"),
                ("key", &key),
                ("subject", "Ferie"),
            ],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = missing.text().await.unwrap();
    assert!(body.contains("Du må fylle ut «Melding»."));
    assert!(body.contains(r#"value="Ferie""#));
    let long = "x".repeat(1001);
    let too_long = app
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", &csrf),
                ("kontor", "1"),
                ("key", &key),
                ("subject", "Ferie"),
                ("text", &long),
            ],
        )
        .await;
    assert!(
        too_long
            .text()
            .await
            .unwrap()
            .contains("Teksten er for lang: 1001 tegn, maksimum er 1000.")
    );
    let form = [
        ("_csrf", csrf.as_str()),
        ("kontor", "1"),
        ("key", key.as_str()),
        ("subject", "Ferie"),
        ("text", "Åpent i jula?"),
    ];
    let first = location(&app.post("/kontakt-legekontoret", &form).await);
    let second = location(&app.post("/kontakt-legekontoret", &form).await);
    assert_eq!(first, second, "a double click sends once");
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.db.inbox(kari.id, None, None, 1).await.unwrap().total, 1);
    let other_office = app
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", &csrf),
                ("kontor", "3"),
                ("key", &key),
                ("subject", "x"),
                ("text", "y"),
            ],
        )
        .await;
    assert_eq!(
        other_office.status(),
        StatusCode::NOT_FOUND,
        "not Kari's office"
    );
    let specialist = app
        .post(
            "/kontakt-legekontoret",
            &[
                ("_csrf", &csrf),
                ("kontor", "4"),
                ("key", &key),
                ("subject", "x"),
                ("text", "y"),
            ],
        )
        .await;
    assert_eq!(
        specialist.status(),
        StatusCode::NOT_FOUND,
        "the specialist does not offer it"
    );
}

async fn work_queue_filters_and_marks_overdue(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = kari_draft(&app).await;
    send_draft(&app, &id, &[]).await;
    let (_, csrf) = app
        .page_and_csrf("/kontakt-legekontoret", "/kontakt-legekontoret")
        .await;
    let form = app.get("/kontakt-legekontoret").await.text().await.unwrap();
    let key = crate::support::hidden_fields(
        form.split(r#"action="/kontakt-legekontoret""#)
            .nth(1)
            .unwrap(),
    )
    .into_iter()
    .find(|(k, _)| k == "key")
    .unwrap()
    .1;
    app.post(
        "/kontakt-legekontoret",
        &[
            ("_csrf", &csrf),
            ("kontor", "1"),
            ("key", &key),
            ("subject", "Adkomst"),
            ("text", "Heis?"),
        ],
    )
    .await;
    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let all = rolf.get("/kontor/innboks").await.text().await.unwrap();
    assert!(all.contains("Pollenallergi") && all.contains("Adkomst"));
    let only_contact = rolf
        .get("/kontor/innboks?type=kontakt-legekontoret")
        .await
        .text()
        .await
        .unwrap();
    assert!(only_contact.contains("Adkomst") && !only_contact.contains("Pollenallergi"));
    let rolf_id = app.db.practitioners_of(1).await.unwrap()[0].id;
    let by_practitioner = rolf
        .get(&format!("/kontor/innboks?behandler={rolf_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_practitioner.contains("Pollenallergi") && !by_practitioner.contains("Adkomst"));
    assert_eq!(
        rolf.get("/kontor/innboks?behandler=999").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        rolf.get("/kontor/innboks?behandler=abc").await.status(),
        StatusCode::BAD_REQUEST
    );
    app.clock.advance(15 * 24 * 3600);
    let rolf = app.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let later = rolf.get("/kontor/innboks").await.text().await.unwrap();
    assert!(later.contains("Over fristen"), "{later}");
}

async fn inbox_pages_and_searches(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap();
    let empty = app.get("/innboks").await.text().await.unwrap();
    assert!(
        empty.contains("0 meldinger") && empty.contains("Ingen meldinger."),
        "{empty}"
    );
    let start = app.clock_now();
    for n in 0..25 {
        let subject = if n % 5 == 0 {
            format!("Pollenallergi {n}")
        } else {
            format!("Spørsmål {n}")
        };
        let body = if n == 7 {
            "Utslett på armen etter soling".to_owned()
        } else {
            format!("Melding nummer {n}")
        };
        app.db
            .send_thread(&storage::NewThread {
                citizen_id: kari.id,
                sent_by_person_id: kari.id,
                sender_name: "Kari Nordmann",
                office_id: 1,
                practitioner_id: None,
                kind: domain::GpService::KontaktLegekontoret,
                subject: &subject,
                body: &body,
                idempotency_key: &format!("test-{n}"),
                draft_id: None,
                received_at: start + n,
                due_date: jiff::civil::date(2030, 1, 1),
            })
            .await
            .unwrap();
    }
    let first = app.get("/innboks").await.text().await.unwrap();
    assert!(first.contains("25 meldinger"));
    assert_eq!(first.matches("Se detaljer").count(), 20);
    assert!(first.contains("Spørsmål 24"), "newest first");
    let more = more_link(&first);
    assert!(more.starts_with("/innboks?etter="), "{more}");
    let second = app.get(&more).await.text().await.unwrap();
    assert_eq!(second.matches("Se detaljer").count(), 5);
    assert!(second.contains("Pollenallergi 0"));
    assert!(!second.contains("Spørsmål 24"));
    // An empty search is no search: the first page.
    let empty_search = app.get("/innboks?q=").await.text().await.unwrap();
    assert!(empty_search.contains("25 meldinger"), "{empty_search}");
    assert_eq!(empty_search.matches("Se detaljer").count(), 20);
    assert_eq!(more_link(&empty_search), more);

    let search = app.get("/innboks?q=pollen").await.text().await.unwrap();
    assert!(search.contains("5 meldinger"), "{search}");
    assert_eq!(search.matches("Se detaljer").count(), 5);
    let in_body = app
        .get("/innboks?q=utslett+arm")
        .await
        .text()
        .await
        .unwrap();
    assert!(in_body.contains("1 melding<"));
    assert!(in_body.contains("Spørsmål 7"));
    for weird in ["%22+OR+1%3D1", "%27%3B--", "%2A", "%E2%80%AE"] {
        let response = app.get(&format!("/innboks?q={weird}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{weird}");
    }
    // A search's pages: "Melding nummer …" is the question of all but thread 7.
    let search_first = app.get("/innboks?q=melding").await.text().await.unwrap();
    assert!(search_first.contains("24 meldinger"), "{search_first}");
    assert_eq!(search_first.matches("Se detaljer").count(), 20);
    assert!(search_first.contains("Spørsmål 24") && !search_first.contains("Spørsmål 7<"));
    let search_more = more_link(&search_first);
    assert!(search_more.ends_with("&q=melding"), "{search_more}");
    let search_second = app.get(&search_more).await.text().await.unwrap();
    assert!(search_second.contains("24 meldinger"), "{search_second}");
    assert_eq!(search_second.matches("Se detaljer").count(), 4);
    for n in [3, 2, 1] {
        assert!(search_second.contains(&format!("Spørsmål {n}<")), "{n}");
    }
    assert!(search_second.contains("Pollenallergi 0<"));
    // Forged cursors give a page, with or without a search.
    for forged in [
        "9223372036854775807.9223372036854775807",
        "-9223372036854775808.-9223372036854775808",
        "0.0",
    ] {
        let page = app.get(&format!("/innboks?etter={forged}&q=melding")).await;
        assert_eq!(page.status(), StatusCode::OK, "{forged}");
        let page = page.text().await.unwrap();
        assert!(page.contains("24 meldinger"), "{forged}: {page}");
    }
    let everything = app
        .get("/innboks?etter=9223372036854775807.9223372036854775807&q=melding")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(everything.matches("Se detaljer").count(), 20);
    let nothing = app
        .get("/innboks?etter=-9223372036854775808.0&q=melding")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(nothing.matches("Se detaljer").count(), 0);
    let none = app.get("/innboks?q=finnesikke").await.text().await.unwrap();
    assert!(none.contains("0 meldinger") && none.contains("Ingen meldinger."));
    assert_eq!(
        app.get("/innboks?etter=noe-tull").await.status(),
        StatusCode::OK
    );
}

/// Where an Innboks page's "more" link leads (the page's last link).
fn more_link(page: &str) -> String {
    let href = page
        .split(r#"<p><a href=""#)
        .last()
        .and_then(|rest| rest.split('"').next())
        .expect("the page links on");
    crate::support::unescape(href)
}

/// A thread from `citizen_id` to office 1; with `answer`, answered by the reception.
async fn thread_with_answer(
    app: &TestApp,
    citizen_id: i64,
    subject: &str,
    body: &str,
    answer: Option<&str>,
) -> i64 {
    let now = app.clock_now();
    let sent = app
        .db
        .send_thread(&storage::NewThread {
            citizen_id,
            sent_by_person_id: citizen_id,
            sender_name: "Innbygger",
            office_id: 1,
            practitioner_id: None,
            kind: domain::GpService::KontaktLegekontoret,
            subject,
            body,
            idempotency_key: &storage::random_token(),
            draft_id: None,
            received_at: now,
            due_date: jiff::civil::date(2030, 1, 2),
        })
        .await
        .unwrap();
    if let Some(answer) = answer {
        let sara = crate::support::staff(&app.db, DemoPersons::SARA_SOLBAKKEN).await;
        let answered = app
            .db
            .answer_thread(&storage::NewAnswer {
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
        assert_eq!(answered, storage::Answered::Done);
    }
    sent.thread_id
}

/// The number in the count line ("1 melding", "3 meldinger") of an inbox search.
async fn search_count(app: &TestApp, words: &str) -> String {
    let page = app
        .get(&format!("/innboks?q={words}"))
        .await
        .text()
        .await
        .unwrap();
    let line = page
        .split(r#"<p class="count" role="status">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no count line: {page}"));
    line.chars().take_while(char::is_ascii_digit).collect()
}

/// A search word matches every word that begins with it, whether the engine looks the terms up
/// exactly (up to 16 of them on SQLite) or as a prefix (more than that).
async fn a_word_finds_every_term_it_begins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let many: Vec<String> = (1..=20).map(|n| format!("ab{n}")).collect();
    thread_with_answer(&app, kari, "Blodprøve", "Svar etter prøven", None).await;
    thread_with_answer(&app, kari, "Blodtrykk", "Målt hjemme", None).await;
    thread_with_answer(&app, kari, "Blodsukker", &many.join(" "), None).await;
    let found = |words: &'static str| {
        let db = app.db.clone();
        async move {
            let listing = db.inbox(kari, Some(words), None, 50).await.unwrap();
            assert_eq!(
                usize::try_from(listing.total).unwrap(),
                listing.threads.len(),
                "{words}"
            );
            let mut subjects: Vec<String> =
                listing.threads.into_iter().map(|t| t.subject).collect();
            subjects.sort();
            subjects
        }
    };
    assert_eq!(
        found("blod").await,
        ["Blodprøve", "Blodsukker", "Blodtrykk"]
    );
    assert_eq!(found("BLODT").await, ["Blodtrykk"]);
    assert_eq!(found("blodprøven").await, Vec::<String>::new());
    assert_eq!(
        found("prøve").await,
        ["Blodprøve"],
        "prøven, in the question"
    );
    // "ab" begins 20 words and "ab1" eleven (ab1, ab10 … ab19).
    assert_eq!(found("ab").await, ["Blodsukker"]);
    assert_eq!(found("ab1").await, ["Blodsukker"]);
    assert_eq!(found("ab21").await, Vec::<String>::new());
    assert_eq!(found("blod ab").await, ["Blodsukker"]);
    assert_eq!(found("blodt ab").await, Vec::<String>::new());
}

/// A thread with a new message comes first in a search too, once, and a search's pages follow
/// one another without gaps or repeats.
async fn a_search_follows_the_latest_activity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let older = thread_with_answer(&app, kari, "Blodprøve tirsdag", "Når?", None).await;
    app.clock.advance(60);
    let newer = thread_with_answer(&app, kari, "Blodprøve onsdag", "Når?", None).await;
    app.clock.advance(60);
    let third = thread_with_answer(&app, kari, "Blodprøve torsdag", "Når?", None).await;
    let search = |words: &'static str, cursor: Option<storage::InboxCursor>, limit: i64| {
        let db = app.db.clone();
        async move {
            let listing = db.inbox(kari, Some(words), cursor, limit).await.unwrap();
            let ids: Vec<i64> = listing.threads.iter().map(|t| t.id).collect();
            let last = listing.threads.last().map(|t| storage::InboxCursor {
                last_activity_at: t.last_activity_at,
                id: t.id,
            });
            (ids, listing.total, last)
        }
    };
    assert_eq!(search("blodprøve", None, 10).await.0, [third, newer, older]);

    app.clock.advance(60);
    let sara = crate::support::staff(&app.db, DemoPersons::SARA_SOLBAKKEN).await;
    let answered = app
        .db
        .answer_thread(&storage::NewAnswer {
            thread_id: older,
            office_id: 1,
            staff_id: sara.id,
            staff_name: "Sara Solbakken",
            body: "Kom klokka åtte, fastende.",
            copayment_nok: None,
            now: app.clock_now(),
        })
        .await
        .unwrap();
    assert_eq!(answered, storage::Answered::Done);
    let (ids, total, _) = search("blodprøve", None, 10).await;
    assert_eq!(ids, [older, third, newer], "the answered thread first");
    assert_eq!(total, 3, "the answered thread counted once");
    assert_eq!(
        search("fastende", None, 10).await.0,
        [older],
        "the answer's words"
    );
    let unsearched: Vec<i64> = app
        .db
        .inbox(kari, None, None, 10)
        .await
        .unwrap()
        .threads
        .iter()
        .map(|t| t.id)
        .filter(|id| [older, newer, third].contains(id))
        .collect();
    assert_eq!(unsearched, ids, "the same order as without a search");

    // One thread a page.
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let (ids, total, last) = search("blodprøve", cursor, 1).await;
        assert_eq!(total, 3);
        if ids.is_empty() {
            break;
        }
        pages.extend(ids);
        cursor = last;
    }
    assert_eq!(pages, [older, third, newer]);
}

/// A search reads each term's count of threads, kept as threads are written (migrations 0011
/// and 0012), and on PostgreSQL entries kept beside each thread's search row (one per term, at
/// the thread's last activity). Whatever is written, and also when one citizen's threads are
/// answered at the same moment, they stay exactly what the rows hold: on SQLite the counts are
/// compared with FTS5's own.
async fn search_counts_follow_the_threads(backend: Backend) {
    use sqlx::{Connection, Row};

    let app = TestApp::spawn(backend).await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let kurt = crate::support::person_id(&app.db, DemoPersons::KURT_HAKON).await;
    let mut threads = Vec::new();
    for n in 0..6 {
        let citizen = if n % 3 == 2 { kurt } else { kari };
        let subject = format!("Blodprøve {n}");
        threads.push(thread_with_answer(&app, citizen, &subject, "Når kan jeg komme?", None).await);
    }
    app.clock.advance(60);
    // Kari's threads answered at once, each answer with words of its own and some in common.
    let sara = crate::support::staff(&app.db, DemoPersons::SARA_SOLBAKKEN).await;
    let mut answers = tokio::task::JoinSet::new();
    for (n, &thread) in threads.iter().enumerate() {
        let (db, staff, now) = (app.db.clone(), sara.id, app.clock_now());
        answers.spawn(async move {
            let body = format!("Kom fastende klokka {n}, ta med prøveglass nummer {n}.");
            db.answer_thread(&storage::NewAnswer {
                thread_id: thread,
                office_id: 1,
                staff_id: staff,
                staff_name: "Sara Solbakken",
                body: &body,
                copayment_nok: None,
                now,
            })
            .await
        });
    }
    while let Some(answered) = answers.join_next().await {
        assert_eq!(answered.unwrap().unwrap(), storage::Answered::Done);
    }

    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    let count = async |conn: &mut sqlx::AnyConnection, sql: &str| -> i64 {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM ({sql}) x"
        )))
        .fetch_one(conn)
        .await
        .unwrap()
        .get("n")
    };
    let threads_per_term = match backend {
        Backend::Postgres => {
            let derived = "SELECT entry.term, s.last_activity_at, s.thread_id FROM inbox_search s \
                           CROSS JOIN LATERAL unnest(tsvector_to_array(s.terms)) AS entry(term)";
            let kept = "SELECT term, last_activity_at, thread_id FROM inbox_search_entry";
            assert!(count(&mut conn, kept).await > 0);
            assert_eq!(
                count(&mut conn, &format!("{derived} EXCEPT {kept}")).await,
                0
            );
            assert_eq!(
                count(&mut conn, &format!("{kept} EXCEPT {derived}")).await,
                0
            );
            // At each thread's last activity, which the answers moved on.
            assert_eq!(
                count(
                    &mut conn,
                    "SELECT 1 FROM inbox_search_entry e JOIN message_thread t ON t.id = e.thread_id \
                     WHERE e.last_activity_at <> t.last_activity_at"
                )
                .await,
                0
            );
            "SELECT term, COUNT(*) AS threads FROM inbox_search_entry GROUP BY term"
        }
        Backend::Sqlite => {
            sqlx::raw_sql(
                "CREATE VIRTUAL TABLE temp.fts_counts USING fts5vocab (main, inbox_search, 'row')",
            )
            .execute(&mut conn)
            .await
            .unwrap();
            // Each thread's row once, at its new key.
            assert_eq!(
                count(&mut conn, "SELECT rowid FROM inbox_search").await,
                count(&mut conn, "SELECT id FROM message_thread").await
            );
            "SELECT term, doc AS threads FROM temp.fts_counts"
        }
    };
    // Every term's count is its threads; a term no thread holds any more counts none. (SQLite
    // has no FULL JOIN before 3.39, so both ways are a LEFT JOIN.)
    let kept = "SELECT term, doc AS threads FROM inbox_search_terms";
    assert!(count(&mut conn, kept).await > 0);
    for (left, right) in [(kept, threads_per_term), (threads_per_term, kept)] {
        assert_eq!(
            count(
                &mut conn,
                &format!(
                    "SELECT a.term FROM ({left}) a LEFT JOIN ({right}) b ON b.term = a.term \
                     WHERE a.threads <> COALESCE(b.threads, 0)"
                )
            )
            .await,
            0,
            "{left} against {right}"
        );
    }
    let blodprove: i64 = sqlx::query("SELECT doc FROM inbox_search_terms WHERE term = $1")
        .bind(format!("{kari}xblodprøve"))
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("doc");
    assert_eq!(blodprove, 4);
    let listing = app
        .db
        .inbox(kari, Some("fastende 3"), None, 10)
        .await
        .unwrap();
    assert_eq!(listing.total, 1);
    assert_eq!(listing.threads[0].id, threads[3]);
}

/// The segments of SQLite's search index (FTS5 keeps a row per leaf page boundary of each).
async fn search_index_segments(app: &TestApp) -> i64 {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("SELECT COUNT(DISTINCT segid) AS n FROM inbox_search_idx")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n")
}

/// What Kari's searches find: the threads and the count of each.
async fn kari_searches(app: &TestApp, kari: i64) -> Vec<(Vec<i64>, i64)> {
    let mut found = Vec::new();
    for words in ["blodprøve", "zetakode", "blodprøve 3", "kvitteringsnummer"] {
        let listing = app.db.inbox(kari, Some(words), None, 50).await.unwrap();
        found.push((
            listing.threads.iter().map(|t| t.id).collect(),
            listing.total,
        ));
    }
    found
}

async fn the_search_index_merges_into_one_segment_and_finds_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    // Each thread written in transactions of its own, as in service: on SQLite each leaves
    // FTS5 a segment, some of which it merges as it goes.
    for n in 0..12 {
        let answer = (n % 2 == 0).then_some("Svar med kvitteringsnummer.");
        thread_with_answer(
            &app,
            kari,
            &format!("Blodprøve {n}"),
            "Når kan jeg komme? Zetakode.",
            answer,
        )
        .await;
    }
    let before = kari_searches(&app, kari).await;
    assert_eq!(before[0].0.len(), 12);
    assert_eq!(before[1].1, 12);
    assert_eq!(before[2].1, 1);
    assert_eq!(before[3].1, 6);
    if matches!(backend, Backend::Sqlite) {
        let segments = search_index_segments(&app).await;
        assert!(segments > 1, "{segments} segment(s) before the merge");
    }

    let steps = app.db.merge_search_index(Duration::ZERO).await.unwrap();
    match backend {
        Backend::Sqlite => {
            assert!(steps >= 1, "{steps} steps");
            assert_eq!(search_index_segments(&app).await, 1);
        }
        // B-trees, with nothing to merge.
        Backend::Postgres => assert_eq!(steps, 0),
    }
    assert_eq!(kari_searches(&app, kari).await, before);
    // Merged once, the index has nothing more to merge.
    assert_eq!(app.db.merge_search_index(Duration::ZERO).await.unwrap(), 0);

    // Threads written after the merge are found beside the merged ones.
    let later = thread_with_answer(&app, kari, "Blodprøve etterpå", "Zetakode.", None).await;
    let after = kari_searches(&app, kari).await;
    assert_eq!(after[0].0.len(), 13);
    assert_eq!(after[0].0[0], later);
    assert_eq!(after[1].1, 13);
}

/// Each thread written during the merge adds a segment, and merging it in would begin the
/// merge again: the merge makes one pass over the index and ends, whatever comes meanwhile.
async fn the_merge_of_the_search_index_ends_while_threads_are_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    for n in 0..8 {
        thread_with_answer(&app, kari, &format!("Blodprøve {n}"), "Når?", None).await;
    }
    let merged = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, merged) = (app.db.clone(), merged.clone());
        tokio::spawn(async move {
            let mut written = 0;
            while !merged.load(std::sync::atomic::Ordering::SeqCst) {
                db.send_thread(&storage::NewThread {
                    citizen_id: kari,
                    sent_by_person_id: kari,
                    sender_name: "Innbygger",
                    office_id: 1,
                    practitioner_id: None,
                    kind: domain::GpService::KontaktLegekontoret,
                    subject: "Blodprøve igjen",
                    body: "Når kan jeg komme?",
                    idempotency_key: &storage::random_token(),
                    draft_id: None,
                    received_at: 1_800_000_000 + written,
                    due_date: jiff::civil::date(2030, 1, 2),
                })
                .await
                .unwrap();
                written += 1;
                tokio::task::yield_now().await;
            }
            written
        })
    };
    let steps = tokio::time::timeout(
        Duration::from_secs(60),
        app.db.merge_search_index(Duration::from_millis(5)),
    )
    .await
    .expect("the merge ends")
    .unwrap();
    merged.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.await.unwrap();
    // A small index is one pass of a step or two (the bound is a quarter more than its pages
    // in steps, and two).
    match backend {
        Backend::Sqlite => assert!((1..=3).contains(&steps), "{steps} steps"),
        Backend::Postgres => assert_eq!(steps, 0),
    }
    let listing = app
        .db
        .inbox(kari, Some("blodprøve"), None, 10)
        .await
        .unwrap();
    assert_eq!(listing.total, 8 + written);
}

async fn search_never_shows_threads_of_others(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let kari = crate::support::person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let ola = crate::support::person_id(&app.db, DemoPersons::OLA_NORDMANN).await;
    // Ola's inbox holds Kari's words and more, in subjects, questions and answers.
    for _ in 0..3 {
        thread_with_answer(
            &app,
            ola,
            "Blodprøve og jernmangel",
            "Hodepine om morgenen",
            Some("Jerntabletter anbefales"),
        )
        .await;
    }
    thread_with_answer(&app, ola, "Svimmelhet", "Blodprøve igjen", None).await;
    let own = thread_with_answer(
        &app,
        kari,
        "Blodprøve",
        "Hodepine om kvelden",
        Some("Hvile anbefales"),
    )
    .await;

    assert_eq!(search_count(&app, "blodpr%C3%B8ve").await, "1");
    assert_eq!(search_count(&app, "hodepine").await, "1");
    assert_eq!(search_count(&app, "anbefales").await, "1", "the answer");
    let page = app.get("/innboks?q=anbef").await.text().await.unwrap();
    assert!(page.contains(&format!("/innboks/{own}")), "{page}");
    for others in [
        "jern",
        "jerntabletter",
        "svimmel",
        "morgenen",
        "blod+morgen",
    ] {
        assert_eq!(search_count(&app, others).await, "0", "{others}");
    }

    // The same through storage, for both of them.
    let count = |citizen: i64, words: &'static str| {
        let db = app.db.clone();
        async move { db.inbox(citizen, Some(words), None, 1).await.unwrap().total }
    };
    assert_eq!(count(ola, "blodprøve").await, 4);
    assert_eq!(
        count(ola, "hodepine anbefales").await,
        3,
        "words of the question and of the answer"
    );
    assert_eq!(count(ola, "jerntabletter anbefales").await, 3);
    assert_eq!(count(kari, "blodprøve hodepine").await, 1);
    assert_eq!(count(kari, "jerntabletter").await, 0);
    let first = app.db.inbox(ola, Some("blodprøve"), None, 2).await.unwrap();
    let olas = first.threads;
    assert_eq!(olas.len(), 2);
    assert_eq!(
        first.total, 4,
        "the count is of every thread found, not of the page"
    );
    // Ola's search for "blodprøve", after a thread of it.
    let after = |thread: &storage::ThreadSummary| {
        let db = app.db.clone();
        let cursor = storage::InboxCursor {
            last_activity_at: thread.last_activity_at,
            id: thread.id,
        };
        async move {
            db.inbox(ola, Some("blodprøve"), Some(cursor), 10)
                .await
                .unwrap()
        }
    };
    let rest = after(&olas[1]).await;
    assert_eq!(rest.total, 4, "the count does not depend on the page");
    let rest = rest.threads;
    assert_eq!(rest.len(), 2, "the search pages on");
    let past = after(&rest[1]).await;
    assert!(past.threads.is_empty(), "nothing after the last");
    assert_eq!(past.total, 4, "a page past the last still counts them all");
    assert!(olas.iter().chain(&rest).all(|t| t.citizen_id == ola));
    let karis = app
        .db
        .inbox(kari, Some("blodprøve"), None, 20)
        .await
        .unwrap()
        .threads;
    assert_eq!(karis.iter().map(|t| t.id).collect::<Vec<_>>(), [own]);
}

/// Threads written as the schema before migration 0006 held them (on SQLite with the search
/// rows of that time) are found once the migration has run.
async fn threads_written_before_the_search_index_are_found(backend: Backend) {
    use sqlx::Connection;

    let url = crate::support::fresh_database(backend).await;
    let db = storage::Database::connect(&url).await.unwrap();
    db.migrate_up_to(5).await.unwrap();
    assert!(storage::seed_demo(&db).await.unwrap());
    let kari = crate::support::person_id(&db, DemoPersons::KARI_NORDMANN).await;
    let ola = crate::support::person_id(&db, DemoPersons::OLA_NORDMANN).await;
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let mut old_thread = async |citizen: i64, subject: &str, bodies: &[&str]| -> i64 {
        let thread =
            thread_without_search_row(&mut conn, citizen, subject, 1_700_000_000, bodies).await;
        for (n, body) in bodies.iter().enumerate() {
            if let Backend::Sqlite = backend {
                let text = if n == 0 {
                    format!("{subject}\n{body}")
                } else {
                    (*body).to_owned()
                };
                sqlx::query(
                    "INSERT INTO message_search (text, thread_id, citizen_id) VALUES ($1, $2, $3)",
                )
                .bind(text)
                .bind(thread)
                .bind(citizen)
                .execute(&mut conn)
                .await
                .unwrap();
            }
        }
        thread
    };
    let old = old_thread(
        kari,
        "Eksem på hendene",
        &[
            "Det klør om natten.",
            "Bruk fuktighetskrem to ganger daglig.",
        ],
    )
    .await;
    old_thread(
        ola,
        "Eksem i ansiktet",
        &["Det svir.", "Prøv kortisonkrem."],
    )
    .await;
    conn.close().await.unwrap();

    db.migrate().await.unwrap();
    let app = TestApp::spawn_on(db, url).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    for words in [
        "eksem",
        "hendene",
        "klør+natt",
        "fuktighetskrem",
        "DAGLIG",
        "hend+fukt",
    ] {
        let page = app
            .get(&format!("/innboks?q={words}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("1 melding<"), "{words}: {page}");
        assert!(page.contains(&format!("/innboks/{old}")), "{words}");
    }
    for others in ["ansiktet", "kortisonkrem", "svir"] {
        assert_eq!(search_count(&app, others).await, "0", "{others}");
    }
    // New threads are indexed beside the old ones.
    thread_with_answer(
        &app,
        kari,
        "Eksem igjen",
        "Nå på armen.",
        Some("Kom innom."),
    )
    .await;
    assert_eq!(search_count(&app, "eksem").await, "2");
    assert_eq!(
        app.db
            .inbox(ola, Some("eksem"), None, 1)
            .await
            .unwrap()
            .total,
        1
    );
}

async fn alternative_entry_through_inbox_to_a_specialist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let inbox = app.get("/innboks").await.text().await.unwrap();
    assert!(inbox.contains(r#"href="/innboks/ny">Skriv ny melding"#));
    let contacts = app.get("/innboks/ny").await.text().await.unwrap();
    assert!(contacts.contains("Solen Legekontor"));
    assert!(contacts.contains("Hudklinikken Sentrum"));
    assert!(contacts.contains("Avtalespesialist"));
    let services = app.get("/innboks/ny/4").await.text().await.unwrap();
    assert!(services.contains(r#"href="/e-konsultasjon?kontor=4""#));
    assert!(!services.contains("/kontakt-legekontoret"));
    assert_eq!(
        app.get("/innboks/ny/3").await.status(),
        StatusCode::NOT_FOUND,
        "not Kari's contact"
    );
    let (_, csrf) = app
        .page_and_csrf("/e-konsultasjon?kontor=4", "/e-konsultasjon")
        .await;
    let step2 = location(
        &app.post(
            "/e-konsultasjon",
            &[("_csrf", &csrf), ("kontor", "4"), ("egenandel", "ja")],
        )
        .await,
    );
    let page = app.get(&step2).await.text().await.unwrap();
    assert!(page.contains("Hanne Hud (avtalespesialist)"));
    assert!(!page.contains("Rolf Rolfsen"));
    let rolf_id = app.db.practitioners_of(1).await.unwrap()[0].id.to_string();
    let forged = app
        .post(
            &step2,
            &[
                ("_csrf", &csrf),
                ("behandler", &rolf_id),
                ("action", "neste"),
            ],
        )
        .await;
    assert_eq!(
        forged.status(),
        StatusCode::BAD_REQUEST,
        "a practitioner of another office"
    );
    assert_eq!(
        app.get("/e-konsultasjon?kontor=3").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn services_need_the_right_consent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "basis")
        .await;
    let inbox = app.get("/innboks").await;
    assert_eq!(inbox.status(), StatusCode::FORBIDDEN);
    let body = inbox.text().await.unwrap();
    assert!(body.contains("Innboksen krever samtykke til Basis+ eller Full tilgang."));
    assert!(body.contains(r#"href="/samtykke""#));
    assert!(
        !app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"href="/innboks""#),
        "no tile without consent"
    );
    let page = app.get("/e-konsultasjon").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Denne tjenesten krever samtykke til Full tilgang.")
    );

    let plus = app.new_browser();
    plus.login_with_consent(DemoPersons::KURT_HAKON, "basis-pluss")
        .await;
    assert_eq!(plus.get("/innboks").await.status(), StatusCode::OK);
    assert_eq!(
        plus.get("/kontakt-legekontoret").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn children_cannot_use_gp_services_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::OLA_NORDMANN, "full-tilgang")
        .await;
    assert_eq!(
        app.get("/e-konsultasjon").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/kontakt-legekontoret").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn attachments_live_in_an_s3_compatible_store(backend: Backend) {
    let store = crate::support::s3_store().await;
    let key = store.put(b"%PDF-1.4 direct").await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), b"%PDF-1.4 direct");
    store.delete(&key).await.unwrap();
    assert!(store.get(&key).await.is_err(), "deleted");

    let app = TestApp::spawn_with_objects(backend, store.clone()).await;
    let id = kari_draft(&app).await;
    let thread_id = thread_id_of(&location(
        &send_draft(&app, &id, &[("utslett.png", png())]).await,
    ));
    let attachment = app.db.thread_messages(thread_id).await.unwrap()[0].attachments[0].clone();
    assert_eq!(
        store.get(&attachment.storage_key).await.unwrap(),
        png(),
        "the bytes are in the bucket"
    );
    let download = app
        .get(&format!("/innboks/vedlegg/{}", attachment.id))
        .await;
    assert_eq!(download.bytes().await.unwrap().to_vec(), png());
    // A second app process with the same store serves the same file.
    let second = app.second_process().await;
    let rolf = second.new_browser();
    rolf.login_staff(DemoPersons::ROLF_ROLFSEN).await;
    let served = rolf
        .get(&format!("/kontor/vedlegg/{}", attachment.id))
        .await;
    assert_eq!(served.bytes().await.unwrap().to_vec(), png());
}

/// Writes a thread of office 1 and its messages straight into the tables, at `at`, as an older
/// schema held them, without a search row (each caller writes those of its schema). The first
/// message is the citizen's question, the others the office's; a thread with an answer is
/// answered.
async fn thread_without_search_row(
    conn: &mut sqlx::AnyConnection,
    citizen: i64,
    subject: &str,
    at: i64,
    bodies: &[&str],
) -> i64 {
    use sqlx::Row;

    let thread: i64 = sqlx::query(
        "INSERT INTO message_thread (citizen_id, sent_by_person_id, office_id, kind, subject, status, \
         received_at, due_date, last_activity_at, citizen_unread, idempotency_key) \
         VALUES ($1, $1, 1, 'kontakt-legekontoret', $2, $3, $4, '2023-11-21', $4, 0, $5) \
         RETURNING id",
    )
    .bind(citizen)
    .bind(subject)
    .bind(if bodies.len() > 1 { "answered" } else { "open" })
    .bind(at)
    .bind(storage::random_token())
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    for (n, body) in bodies.iter().enumerate() {
        sqlx::query(
            "INSERT INTO message (thread_id, sender, sender_name, body, sent_at) \
             VALUES ($1, $2, 'Avsender', $3, $4)",
        )
        .bind(thread)
        .bind(if n == 0 { "citizen" } else { "office" })
        .bind(*body)
        .bind(at)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    thread
}

/// Search rows keyed by the thread's id, as migration 0009 left them, are written anew in
/// activity order by 0010 (on PostgreSQL they stay as they were): each thread is found once and
/// in the inbox's order.
async fn search_rows_written_before_0010_are_found_once(backend: Backend) {
    use sqlx::Connection;

    let url = crate::support::fresh_database(backend).await;
    let db = storage::Database::connect(&url).await.unwrap();
    db.migrate_up_to(9).await.unwrap();
    assert!(storage::seed_demo(&db).await.unwrap());
    let kari = crate::support::person_id(&db, DemoPersons::KARI_NORDMANN).await;
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let mut threads = Vec::new();
    // The first written has the latest activity, so the id order is not the inbox's order.
    for (subject, at) in [
        ("Eksem på hendene", 1_700_000_300),
        ("Eksem igjen", 1_700_000_100),
    ] {
        let thread = thread_without_search_row(&mut conn, kari, subject, at, &["Det klør."]).await;
        // The entries as storage writes them: each word of the subject and the message.
        let terms = format!("{} det klør", subject.to_lowercase())
            .split(' ')
            .map(|word| format!("{kari}x{word}"))
            .collect::<Vec<_>>()
            .join(" ");
        let row = match backend {
            Backend::Sqlite => "INSERT INTO inbox_search (rowid, terms) VALUES ($1, $2)",
            Backend::Postgres => {
                "INSERT INTO inbox_search (thread_id, terms) \
                 VALUES ($1, array_to_tsvector(string_to_array($2, ' ')))"
            }
        };
        sqlx::query(row)
            .bind(thread)
            .bind(terms)
            .execute(&mut conn)
            .await
            .unwrap();
        threads.push(thread);
    }
    conn.close().await.unwrap();

    db.migrate().await.unwrap();
    for words in ["eksem", "klør", "hendene"] {
        let listing = db.inbox(kari, Some(words), None, 10).await.unwrap();
        let ids: Vec<i64> = listing.threads.iter().map(|t| t.id).collect();
        let expected = if words == "hendene" {
            vec![threads[0]]
        } else {
            threads.clone()
        };
        assert_eq!(ids, expected, "{words}");
        assert_eq!(
            listing.total,
            i64::try_from(expected.len()).unwrap(),
            "{words}"
        );
    }
}
