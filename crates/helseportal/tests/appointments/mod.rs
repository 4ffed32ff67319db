//! Appointment slots and bookings: a slot is never given twice.

use domain::appointment::{AppointmentType, BookingStatus, SlotPurpose};
use storage::{BookingOutcome, BookingRefused, NewBooking, NewSlot};

use crate::support::{Backend, TestApp};

on_both_databases!(
    many_concurrent_requests_from_several_processes_give_a_slot_once,
    a_refused_or_cancelled_booking_frees_the_slot,
    slots_that_are_held_cannot_be_removed,
    unreleased_past_or_removed_slots_cannot_be_booked,
    the_same_request_twice_is_one_booking,
);

/// A bookable slot for Rolf Rolfsen tomorrow at the office; returns its id.
async fn slot_tomorrow(app: &TestApp, released: bool) -> i64 {
    let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
    let starts_at = app.clock_now() + 24 * 3600 + 3600;
    app.db
        .add_slots(
            &[NewSlot {
                office_id: 1,
                practitioner_id: rolf,
                starts_at,
                duration_minutes: 30,
                appointment_type: AppointmentType::Telefontime,
                place: "Telefontime",
                released,
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

fn request<'a>(app: &TestApp, slot_id: i64, citizen_id: i64, key: &'a str) -> NewBooking<'a> {
    NewBooking {
        slot_id,
        citizen_id,
        booked_by_person_id: citizen_id,
        sender_name: "Kari Nordmann",
        reason: "Hodepine",
        message: "Ønsket timeavtale",
        idempotency_key: key,
        now: app.clock_now(),
        due_date: jiff::civil::date(2030, 1, 1),
    }
}

async fn many_concurrent_requests_from_several_processes_give_a_slot_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let slot = slot_tomorrow(&app, true).await;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    // Three app processes, each with its own connection pool, on the one database.
    let mut pools = vec![app.db.clone()];
    for _ in 0..2 {
        pools.push(storage::Database::connect(&app.database_url).await.unwrap());
    }
    let now = app.clock_now();
    let mut tasks = Vec::new();
    for n in 0..48 {
        let db = pools[n % pools.len()].clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("race-{n}");
            db.request_booking(&NewBooking {
                slot_id: slot,
                citizen_id: kari,
                booked_by_person_id: kari,
                sender_name: "Kari Nordmann",
                reason: "Hodepine",
                message: "Ønsket timeavtale",
                idempotency_key: &key,
                now,
                due_date: jiff::civil::date(2030, 1, 1),
            })
            .await
        }));
    }
    let mut won = 0;
    let mut taken = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            BookingOutcome::Requested { .. } => won += 1,
            BookingOutcome::Refused(BookingRefused::SlotTaken) => taken += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((won, taken), (1, 47));
    assert_eq!(app.db.holders_of_slot(slot).await.unwrap(), 1);
    assert_eq!(
        app.db.inbox_count(kari, None).await.unwrap(),
        1,
        "nothing else was written"
    );
}

async fn a_refused_or_cancelled_booking_frees_the_slot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let slot = slot_tomorrow(&app, true).await;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    let BookingOutcome::Requested { booking_id, .. } = app
        .db
        .request_booking(&request(&app, slot, kari, "a"))
        .await
        .unwrap()
    else {
        panic!("the first request wins")
    };
    assert_eq!(
        app.db
            .request_booking(&request(&app, slot, kari, "b"))
            .await
            .unwrap(),
        BookingOutcome::Refused(BookingRefused::SlotTaken)
    );
    let now = app.clock_now();
    assert!(
        app.db
            .change_booking(
                booking_id,
                BookingStatus::Requested,
                BookingStatus::Rejected,
                Some("Full dag"),
                now
            )
            .await
            .unwrap()
    );
    assert!(
        !app.db
            .change_booking(
                booking_id,
                BookingStatus::Requested,
                BookingStatus::Confirmed,
                None,
                now
            )
            .await
            .unwrap(),
        "a rejected request cannot be confirmed afterwards"
    );
    let BookingOutcome::Requested {
        booking_id: second, ..
    } = app
        .db
        .request_booking(&request(&app, slot, kari, "c"))
        .await
        .unwrap()
    else {
        panic!("the slot is free again")
    };
    assert!(
        app.db
            .change_booking(
                second,
                BookingStatus::Requested,
                BookingStatus::Confirmed,
                None,
                now
            )
            .await
            .unwrap()
    );
    assert_eq!(
        app.db
            .request_booking(&request(&app, slot, kari, "d"))
            .await
            .unwrap(),
        BookingOutcome::Refused(BookingRefused::SlotTaken)
    );
    assert!(
        app.db
            .change_booking(
                second,
                BookingStatus::Confirmed,
                BookingStatus::Cancelled,
                None,
                now
            )
            .await
            .unwrap()
    );
    assert!(matches!(
        app.db
            .request_booking(&request(&app, slot, kari, "e"))
            .await
            .unwrap(),
        BookingOutcome::Requested { .. }
    ));
}

async fn slots_that_are_held_cannot_be_removed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let slot = slot_tomorrow(&app, true).await;
    let free = {
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
        let at = app.clock_now() + 3 * 24 * 3600;
        app.db
            .add_slots(
                &[NewSlot {
                    office_id: 1,
                    practitioner_id: rolf,
                    starts_at: at,
                    duration_minutes: 20,
                    appointment_type: AppointmentType::Konsultasjon,
                    place: "Solveien 1, 0150 Oslo",
                    released: true,
                    purpose: SlotPurpose::Ordinary,
                }],
                app.clock_now(),
            )
            .await
            .unwrap();
        app.db
            .slots_between(rolf, SlotPurpose::Ordinary, at, at + 1)
            .await
            .unwrap()[0]
            .id
    };
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    app.db
        .request_booking(&request(&app, slot, kari, "x"))
        .await
        .unwrap();
    assert!(
        !app.db.remove_slot(slot, 1).await.unwrap(),
        "requested: refused"
    );
    assert!(
        !app.db.remove_slot(free, 2).await.unwrap(),
        "another office's slot"
    );
    assert!(app.db.remove_slot(free, 1).await.unwrap());
    assert!(app.db.slot_of_office(free, 1).await.unwrap().is_none());
    assert!(app.db.slot_of_office(slot, 1).await.unwrap().unwrap().taken);
}

async fn unreleased_past_or_removed_slots_cannot_be_booked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let later = slot_tomorrow(&app, false).await;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        app.db
            .request_booking(&request(&app, later, kari, "1"))
            .await
            .unwrap(),
        BookingOutcome::Refused(BookingRefused::NotBookable),
        "not released for online booking"
    );
    assert_eq!(
        app.db
            .request_booking(&request(&app, 999_999, kari, "2"))
            .await
            .unwrap(),
        BookingOutcome::Refused(BookingRefused::NotBookable)
    );
    app.clock.advance(3 * 24 * 3600);
    let slot = slot_tomorrow(&app, true).await;
    app.clock.advance(2 * 24 * 3600);
    assert_eq!(
        app.db
            .request_booking(&request(&app, slot, kari, "3"))
            .await
            .unwrap(),
        BookingOutcome::Refused(BookingRefused::NotBookable),
        "in the past"
    );
}

async fn the_same_request_twice_is_one_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let slot = slot_tomorrow(&app, true).await;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    let first = app
        .db
        .request_booking(&request(&app, slot, kari, "same"))
        .await
        .unwrap();
    let BookingOutcome::Requested {
        booking_id,
        thread_id,
    } = first
    else {
        panic!("{first:?}")
    };
    assert_eq!(
        app.db
            .request_booking(&request(&app, slot, kari, "same"))
            .await
            .unwrap(),
        BookingOutcome::AlreadySent {
            booking_id,
            thread_id
        }
    );
    let thread = app
        .db
        .thread_of_citizen(thread_id, kari)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread.subject, "Bestill time");
    assert_eq!(thread.kind, domain::GpService::BestillTime);
}
