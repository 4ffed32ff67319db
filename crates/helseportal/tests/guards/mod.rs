//! Guards a handler cannot forget: every state-changing route refuses a form without the
//! right CSRF token before its handler runs. The routes come from the router's own list, so a
//! route added later is covered without anyone naming it here.

use domain::appointment::{AppointmentType, SlotPurpose};
use reqwest::{Method, StatusCode};
use storage::{BookingOutcome, DemoPersons, NewBooking, NewSlot};

use crate::bad_input::{assert_portal_page, row_counts};
use crate::messages::kari_draft;
use crate::support::{Backend, TestApp, csrf_in, person_id};

on_both_databases!(every_post_route_refuses_a_form_without_its_csrf_token);

/// The one POST route that takes no browser's form: the test identity provider's token
/// endpoint, called by the portal itself and guarded by the client secret and the PKCE
/// verifier instead (see `token_endpoint_refuses_wrong_verifier_secret_and_reuse`).
const NOT_A_FORM: &str = "/testidp/token";

/// A free, released slot of Rolf Rolfsen's at Legesenteret Solen, `days` days ahead.
async fn slot(app: &TestApp, days: i64) -> i64 {
    let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
    let starts_at = app.clock_now() + days * 24 * 3600 + 3600;
    app.db
        .add_slots(
            &[NewSlot {
                office_id: 1,
                practitioner_id: rolf,
                starts_at,
                duration_minutes: 30,
                appointment_type: AppointmentType::Telefontime,
                place: "Telefontime",
                released: true,
                purpose: SlotPurpose::Ordinary,
            }],
            app.clock_now(),
        )
        .await
        .unwrap();
    app.db
        .slots_between(rolf, SlotPurpose::Ordinary, starts_at, starts_at + 1)
        .await
        .unwrap()[0]
        .id
}

/// Real ids of the demo data for the path parameters, so that a handler that did not check the
/// token would find what it acts on: Kari's e-consultation draft, her booking request (an
/// appointment and a thread at Tone's office) and a free slot of the office.
struct Ids {
    draft: String,
    booking: i64,
    thread: i64,
    free_slot: i64,
}

impl Ids {
    /// The value of parameter `name` of `path`; a parameter these tests do not know gets any
    /// id, which is enough when the refusal comes before every look-up, as it must.
    fn value(&self, path: &str, name: &str) -> String {
        match name {
            "id" if path.starts_with("/e-konsultasjon/") => self.draft.clone(),
            "id" if path.starts_with("/timeavtaler/") => self.booking.to_string(),
            "thread" => self.thread.to_string(),
            "slot" => self.free_slot.to_string(),
            _ => "1".to_owned(),
        }
    }
}

async fn every_post_route_refuses_a_form_without_its_csrf_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Kari (full consent) and Tone Tangen (kontorleder at Kari's GP office) in one browser.
    let draft = kari_draft(&app).await;
    app.login_staff(DemoPersons::TONE_TANGEN).await;
    let kari = person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    let requested = slot(&app, 2).await;
    let BookingOutcome::Requested {
        booking_id,
        thread_id,
    } = app
        .db
        .request_booking(&NewBooking {
            slot_id: requested,
            citizen_id: kari,
            booked_by_person_id: kari,
            sender_name: "Kari Nordmann",
            reason: "Hodepine",
            message: "Ønsket timeavtale",
            idempotency_key: "guards-booking",
            now: app.clock_now(),
            due_date: jiff::civil::date(2030, 1, 1),
        })
        .await
        .unwrap()
    else {
        panic!("the slot is free");
    };
    let ids = Ids {
        draft,
        booking: booking_id,
        thread: thread_id,
        free_slot: slot(&app, 3).await,
    };
    // The ids are the real ones: each side opens what they name.
    for page in [
        format!("/e-konsultasjon/{}/se-gjennom", ids.draft),
        format!("/timeavtaler/{}", ids.booking),
        format!("/kontor/henvendelser/{}", ids.thread),
    ] {
        assert_eq!(app.get(&page).await.status(), StatusCode::OK, "{page}");
    }
    // The token of each side, each the wrong one on the other side's paths.
    let citizen_csrf = csrf_in(&app.get("/fastlege").await.text().await.unwrap());
    let staff_csrf = csrf_in(&app.get("/kontor").await.text().await.unwrap());
    assert_ne!(citizen_csrf, staff_csrf);

    let routes: Vec<_> = app
        .routes
        .with_method(Method::POST)
        .filter(|route| route.path != NOT_A_FORM)
        .collect();
    assert!(routes.len() >= 30, "{routes:?}");
    // Forms of visitors, of citizens and of the office are all among them.
    for path in [
        "/sprak",
        "/samtykke",
        "/kontor/tjenester",
        "/e-konsultasjon/{id}/se-gjennom",
    ] {
        assert!(routes.iter().any(|route| route.path == path), "{path}");
    }
    let before = row_counts(&app).await;
    let random = storage::random_token();
    for route in &routes {
        let path = route.with_parameters(|name| ids.value(route.path, name));
        let other_side = if path.starts_with("/kontor") {
            &citizen_csrf
        } else {
            &staff_csrf
        };
        // Beside the token, what would make a handler act: "Send" on the upload step.
        let attempts: [(&str, &[(&str, &str)]); 3] = [
            ("no token", &[("action", "send")]),
            (
                "a token of our shape",
                &[("_csrf", &random), ("action", "send")],
            ),
            (
                "the other side's token",
                &[("_csrf", other_side), ("action", "send")],
            ),
        ];
        for (what, fields) in attempts {
            let what = format!("POST {path} with {what}");
            // Both encodings, as a page on another site can send either: the route's own is
            // refused as a forged form, the other may be refused as unreadable instead.
            let form = app.post(&path, fields).await;
            let multipart = app.post_multipart(&path, fields, &[]).await;
            let statuses = [form.status(), multipart.status()];
            assert!(
                statuses.contains(&StatusCode::FORBIDDEN)
                    && statuses
                        .iter()
                        .all(|s| *s == StatusCode::FORBIDDEN || *s == StatusCode::BAD_REQUEST),
                "{what}: {statuses:?}"
            );
            for response in [form, multipart] {
                let status = response.status();
                let body = response.text().await.unwrap();
                assert_portal_page(&body, "nb", &what);
                if status == StatusCode::FORBIDDEN {
                    assert!(
                        body.contains("Skjemaet kunne ikke sendes"),
                        "{what}: {body}"
                    );
                }
            }
        }
    }
    // The token endpoint, the one POST route that is no form, refuses a client without its
    // secret.
    assert!(app.routes.find(NOT_A_FORM).is_some());
    let token = app
        .post(
            NOT_A_FORM,
            &[("grant_type", "authorization_code"), ("code", "x")],
        )
        .await;
    assert_eq!(token.status(), StatusCode::BAD_REQUEST);
    assert!(token.text().await.unwrap().contains("invalid_client"));

    assert_eq!(row_counts(&app).await, before, "nothing was written");
    // Both sessions are still there: neither logout went through.
    assert_eq!(app.get("/fastlege").await.status(), StatusCode::OK);
    assert_eq!(app.get("/kontor/innboks").await.status(), StatusCode::OK);
}
