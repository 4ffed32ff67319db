//! Appointment slots and bookings: a slot is never given twice.

use domain::appointment::{AppointmentType, BookingStatus, SlotPurpose};
use storage::{BookingOutcome, BookingRefused, NewBooking, NewSlot};

use crate::support::{Backend, TestApp};

on_both_databases!(
    many_concurrent_requests_from_several_processes_give_a_slot_once,
    many_bookings_at_once_in_one_process_all_go_through,
    a_refused_or_cancelled_booking_frees_the_slot,
    slots_that_are_held_cannot_be_removed,
    unreleased_past_or_removed_slots_cannot_be_booked,
    the_same_request_twice_is_one_booking,
    a_period_is_free_while_a_released_slot_in_it_is_untaken,
    free_day_counts_follow_every_write_of_slots_and_bookings,
    slots_written_before_the_day_counts_are_counted,
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
    request_at(app.clock_now(), slot_id, citizen_id, key)
}

/// A request as of `now`, for tasks that do not hold the app.
fn request_at(now: i64, slot_id: i64, citizen_id: i64, key: &str) -> NewBooking<'_> {
    NewBooking {
        slot_id,
        citizen_id,
        booked_by_person_id: citizen_id,
        sender_name: "Kari Nordmann",
        reason: "Hodepine",
        message: "Ønsket timeavtale",
        idempotency_key: key,
        now,
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
            db.request_booking(&request_at(now, slot, kari, &key)).await
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
        app.db.inbox(kari, None, None, 1).await.unwrap().total,
        1,
        "nothing else was written"
    );
}

/// Forty citizens' requests for forty different slots at the same moment, in one process:
/// on SQLite the write transactions wait for their turn one after another, and every one of
/// them is written, none refused as busy.
async fn many_bookings_at_once_in_one_process_all_go_through(backend: Backend) {
    const REQUESTS: i64 = 40;
    let app = TestApp::spawn(backend).await;
    let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
    let first = app.clock_now() + 24 * 3600;
    let slots: Vec<NewSlot> = (0..REQUESTS)
        .map(|n| NewSlot {
            office_id: 1,
            practitioner_id: rolf,
            starts_at: first + n * 1800,
            duration_minutes: 30,
            appointment_type: AppointmentType::Telefontime,
            place: "Telefontime",
            released: true,
            purpose: SlotPurpose::Ordinary,
        })
        .collect();
    app.db.add_slots(&slots, app.clock_now()).await.unwrap();
    let slot_ids: Vec<i64> = app
        .db
        .slots_between(rolf, SlotPurpose::Ordinary, first, first + REQUESTS * 1800)
        .await
        .unwrap()
        .iter()
        .map(|slot| slot.id)
        .collect();
    assert_eq!(slot_ids.len(), REQUESTS as usize);
    let kari = crate::support::person_id(&app.db, storage::DemoPersons::KARI_NORDMANN).await;
    let now = app.clock_now();
    let tasks: Vec<_> = slot_ids
        .iter()
        .map(|&slot_id| {
            let db = app.db.clone();
            tokio::spawn(async move {
                let key = format!("at-once-{slot_id}");
                db.request_booking(&request_at(now, slot_id, kari, &key))
                    .await
            })
        })
        .collect();
    for task in tasks {
        let outcome = task.await.unwrap().unwrap();
        assert!(
            matches!(outcome, BookingOutcome::Requested { .. }),
            "every request is written: {outcome:?}"
        );
    }
    for slot_id in slot_ids {
        assert_eq!(app.db.holders_of_slot(slot_id).await.unwrap(), 1);
    }
    assert_eq!(
        app.db.inbox(kari, None, None, 1).await.unwrap().total,
        REQUESTS,
        "one message thread per request"
    );
}

/// The citizen requests the slot, which must be free; returns the booking's id.
async fn requested(app: &TestApp, slot_id: i64, citizen_id: i64, key: &str) -> i64 {
    match app
        .db
        .request_booking(&request(app, slot_id, citizen_id, key))
        .await
        .unwrap()
    {
        BookingOutcome::Requested { booking_id, .. } => booking_id,
        other => panic!("slot {slot_id} is not free: {other:?}"),
    }
}

/// The office rejects a request; whether it was still a request to reject.
async fn reject(app: &TestApp, booking_id: i64) -> bool {
    app.db
        .change_booking(
            booking_id,
            BookingStatus::Requested,
            BookingStatus::Rejected,
            Some("Full dag"),
            app.clock_now(),
        )
        .await
        .unwrap()
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
    let booking_id = requested(&app, slot, kari, "a").await;
    assert_eq!(
        app.db
            .request_booking(&request(&app, slot, kari, "b"))
            .await
            .unwrap(),
        BookingOutcome::Refused(BookingRefused::SlotTaken)
    );
    let now = app.clock_now();
    assert!(reject(&app, booking_id).await);
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
    let second = requested(&app, slot, kari, "c").await;
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

/// The month calendar marks a day by `periods_with_free_slots`: a period counts while it holds
/// a released slot nobody holds.
async fn a_period_is_free_while_a_released_slot_in_it_is_untaken(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
    let kari = app
        .db
        .person_by_fnr(&crate::support::kari())
        .await
        .unwrap()
        .unwrap()
        .id;
    // Four hours far beyond the demo slots: free, held back, to be booked, and empty.
    let base = app.clock_now() + 300 * 24 * 3600;
    let hour = |n: i64| (base + n * 3600, base + (n + 1) * 3600);
    let slot = |n: i64, released: bool| NewSlot {
        office_id: 1,
        practitioner_id: rolf,
        starts_at: base + n * 3600 + 600,
        duration_minutes: 20,
        appointment_type: AppointmentType::Konsultasjon,
        place: "Legekontoret",
        released,
        purpose: SlotPurpose::Ordinary,
    };
    app.db
        .add_slots(
            &[slot(0, true), slot(1, false), slot(2, true)],
            app.clock_now(),
        )
        .await
        .unwrap();
    let periods = [hour(0), hour(1), hour(2), hour(3)];
    let free = async || {
        app.db
            .periods_with_free_slots(rolf, SlotPurpose::Ordinary, &periods)
            .await
            .unwrap()
    };
    assert_eq!(free().await, [hour(0).0, hour(2).0]);
    assert!(
        app.db
            .periods_with_free_slots(rolf, SlotPurpose::FluVaccine, &periods)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.db
            .periods_with_free_slots(rolf, SlotPurpose::Ordinary, &[])
            .await
            .unwrap()
            .is_empty()
    );

    let booked = app
        .db
        .slots_between(rolf, SlotPurpose::Ordinary, hour(2).0, hour(2).1)
        .await
        .unwrap()[0]
        .id;
    let booking_id = requested(&app, booked, kari, "period").await;
    assert_eq!(free().await, [hour(0).0]);
    assert!(reject(&app, booking_id).await);
    assert_eq!(free().await, [hour(0).0, hour(2).0]);
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

/// The three days in Oslo around the next spring change to summer time (the middle one is 23
/// hours long), each as its period.
fn days_around_summer_time(now: i64) -> [(i64, i64); 3] {
    let today = jiff::Timestamp::from_second(now)
        .unwrap()
        .to_zoned_datetime(domain::norway_time_zone().clone())
        .date();
    // The last Sunday of March, in this year or the next.
    let change = [today.year(), today.year() + 1]
        .into_iter()
        .map(|year| {
            let mut day = jiff::civil::date(year, 3, 31);
            while day.weekday() != jiff::civil::Weekday::Sunday {
                day = day.yesterday().unwrap();
            }
            day
        })
        .find(|day| *day > today.tomorrow().unwrap())
        .unwrap();
    let bounds = |day: jiff::civil::Date| storage::day_bounds(day).unwrap();
    let days = [
        bounds(change.yesterday().unwrap()),
        bounds(change),
        bounds(change.tomorrow().unwrap()),
    ];
    assert_eq!(days[1].1 - days[1].0, 23 * 3600);
    days
}

/// The days of `days` with a free slot of the practitioner, as the month's calendar reads them
/// from the kept counts, after checking the counts against the slots themselves: every count
/// is the number of the day's free slots, and probing each day's slots (a period a second short
/// of the day, which is no whole day) finds the same days.
async fn free_days(app: &TestApp, practitioner: i64, days: &[(i64, i64)]) -> Vec<i64> {
    use sqlx::{Connection, Row};

    let counted = app
        .db
        .periods_with_free_slots(practitioner, SlotPurpose::Ordinary, days)
        .await
        .unwrap();
    let short: Vec<(i64, i64)> = days.iter().map(|&(start, end)| (start, end - 1)).collect();
    let probed = app
        .db
        .periods_with_free_slots(practitioner, SlotPurpose::Ordinary, &short)
        .await
        .unwrap();
    assert_eq!(counted, probed, "counted and probed free days");

    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    let recount = "SELECT s.practitioner_id, s.purpose, s.day_start, COUNT(*) AS free FROM slot s \
                   WHERE s.removed = 0 AND s.released = 1 AND NOT EXISTS (SELECT 1 FROM booking b \
                   WHERE b.slot_id = s.id AND b.status IN ('forespurt', 'tildelt')) \
                   GROUP BY s.practitioner_id, s.purpose, s.day_start";
    let kept =
        "SELECT practitioner_id, purpose, day_start, free FROM free_slot_day WHERE free <> 0";
    for (left, right) in [(recount, kept), (kept, recount)] {
        let differing: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM ({left} EXCEPT {right}) d"
        )))
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
        assert_eq!(differing, 0, "{left} EXCEPT {right}");
    }
    conn.close().await.unwrap();
    counted
}

/// The calendar's free days are read from counts kept by the database with every write of a
/// slot or a booking: publishing, releasing and removing slots, and requesting, rejecting,
/// confirming and cancelling bookings, by the citizen and by the office. The days include
/// one of 23 hours.
async fn free_day_counts_follow_every_write_of_slots_and_bookings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
    let kari = crate::support::person_id(&app.db, storage::DemoPersons::KARI_NORDMANN).await;
    let days = days_around_summer_time(app.clock_now());
    let [first, change, last] = days;
    let slot = |day: (i64, i64), hour: i64, released: bool| NewSlot {
        office_id: 1,
        practitioner_id: rolf,
        // The last slot of the short day is at 22:00, an hour before its end.
        starts_at: day.0 + hour * 3600,
        duration_minutes: 20,
        appointment_type: AppointmentType::Konsultasjon,
        place: "Legekontoret",
        released,
        purpose: SlotPurpose::Ordinary,
    };
    app.db
        .add_slots(
            &[
                slot(first, 9, true),
                slot(first, 10, true),
                slot(change, 21, true),
                slot(change, 9, false),
                slot(last, 9, false),
            ],
            app.clock_now(),
        )
        .await
        .unwrap();
    let slot_at = async |day: (i64, i64), hour: i64| {
        app.db
            .slots_between(rolf, SlotPurpose::Ordinary, day.0 + hour * 3600, day.1)
            .await
            .unwrap()[0]
            .id
    };
    assert_eq!(free_days(&app, rolf, &days).await, [first.0, change.0]);
    // Only the days asked about.
    assert_eq!(free_days(&app, rolf, &[first, last]).await, [first.0]);

    app.db
        .release_held_slots(&[1], last.0, last.1)
        .await
        .unwrap();
    assert_eq!(
        free_days(&app, rolf, &days).await,
        [first.0, change.0, last.0]
    );

    // Requested, rejected, requested again, confirmed and cancelled by the citizen.
    let late = slot_at(change, 21).await;
    let booking = requested(&app, late, kari, "late-1").await;
    assert_eq!(free_days(&app, rolf, &days).await, [first.0, last.0]);
    assert!(reject(&app, booking).await);
    assert_eq!(
        free_days(&app, rolf, &days).await,
        [first.0, change.0, last.0]
    );
    let booking = requested(&app, late, kari, "late-2").await;
    assert!(
        app.db
            .change_booking(
                booking,
                BookingStatus::Requested,
                BookingStatus::Confirmed,
                None,
                app.clock_now()
            )
            .await
            .unwrap()
    );
    assert_eq!(free_days(&app, rolf, &days).await, [first.0, last.0]);
    assert!(
        app.db
            .cancel_booking(
                booking,
                kari,
                "Kari Nordmann",
                "Kan ikke komme",
                app.clock_now()
            )
            .await
            .unwrap()
    );
    assert_eq!(
        free_days(&app, rolf, &days).await,
        [first.0, change.0, last.0]
    );

    // The first day: one slot removed, the other requested and cancelled by the office.
    assert!(
        app.db
            .remove_slot(slot_at(first, 9).await, 1)
            .await
            .unwrap()
    );
    assert_eq!(
        free_days(&app, rolf, &days).await,
        [first.0, change.0, last.0]
    );
    let BookingOutcome::Requested { thread_id, .. } = app
        .db
        .request_booking(&request(&app, slot_at(first, 10).await, kari, "first"))
        .await
        .unwrap()
    else {
        panic!("the slot was free");
    };
    assert_eq!(free_days(&app, rolf, &days).await, [change.0, last.0]);
    let sara = crate::support::staff(&app.db, storage::DemoPersons::SARA_SOLBAKKEN).await;
    assert!(
        app.db
            .office_cancel_booking(
                thread_id,
                1,
                sara.id,
                "Sara Solbakken",
                "Legen er syk",
                app.clock_now()
            )
            .await
            .unwrap()
    );
    assert_eq!(
        free_days(&app, rolf, &days).await,
        [first.0, change.0, last.0]
    );
}

/// Slots and bookings written before the counts (migrations 0013 and 0014) get their day in
/// Oslo and are counted: held-back, removed and held slots are not free.
async fn slots_written_before_the_day_counts_are_counted(backend: Backend) {
    use sqlx::{Connection, Row};

    let url = crate::support::fresh_database(backend).await;
    let db = storage::Database::connect(&url).await.unwrap();
    db.migrate_up_to(12).await.unwrap();
    assert!(storage::seed_demo(&db).await.unwrap());
    let kari = crate::support::person_id(&db, storage::DemoPersons::KARI_NORDMANN).await;
    let rolf = db.practitioners_of(1).await.unwrap()[0].id;
    let days = days_around_summer_time(jiff::Timestamp::now().as_second());
    let [first, change, last] = days;
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    // (day, hours after its midnight, released, removed).
    let written = [
        (first, 0, 1, 0),
        (first, 23, 0, 0),
        (change, 9, 1, 0),
        (change, 10, 1, 1),
        (change, 22, 1, 0),
        (last, 9, 1, 0),
    ];
    let mut ids = Vec::new();
    for (day, hour, released, removed) in written {
        let id: i64 = sqlx::query(
            "INSERT INTO slot (office_id, practitioner_id, starts_at, duration_minutes, appointment_type, place, \
             released, purpose, removed, created_at) VALUES (1, $1, $2, 20, 'konsultasjon', 'Legekontoret', $3, 'time', $4, 0) \
             RETURNING id",
        )
        .bind(rolf)
        .bind(day.0 + hour * 3600)
        .bind(released)
        .bind(removed)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("id");
        ids.push(id);
    }
    // The slot of the last day is requested; the one at 09:00 on the short day was rejected.
    for (slot, status, key) in [(ids[5], "forespurt", "held"), (ids[2], "avvist", "gone")] {
        sqlx::query(
            "INSERT INTO booking (slot_id, citizen_id, booked_by_person_id, reason, status, requested_at, \
             idempotency_key) VALUES ($1, $2, $2, '', $3, 0, $4)",
        )
        .bind(slot)
        .bind(kari)
        .bind(status)
        .bind(key)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();

    db.migrate().await.unwrap();
    let app = TestApp::spawn_on(db, url).await;
    for (slot, (day, hour, _, _)) in ids.iter().zip(written) {
        let day_start: i64 = {
            let mut conn = sqlx::AnyConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query("SELECT day_start FROM slot WHERE id = $1")
                .bind(*slot)
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get("day_start")
        };
        assert_eq!(day_start, day.0, "slot at {hour}:00");
    }
    assert_eq!(free_days(&app, rolf, &days).await, [first.0, change.0]);
}

mod booking_pages {
    use reqwest::StatusCode;
    use storage::DemoPersons;

    use crate::support::{Backend, Browser, TestApp, csrf_of_form, location};

    on_both_databases!(
        kurt_books_a_phone_appointment_and_the_office_confirms,
        a_rejected_request_frees_the_slot_again,
        a_slot_taken_meanwhile_is_refused_clearly,
        racing_requests_over_two_processes_give_the_slot_once,
        calendar_refuses_bad_input,
        kari_books_a_flu_vaccine,
        timeavtaler_calendar_file_and_cancelling,
        office_publishes_and_removes_slots,
        office_cancels_a_confirmed_appointment,
        racing_requests_over_several_server_processes_give_the_slot_once,
        enquiry_mode_the_office_books_by_hand,
    );

    async fn with_slots(backend: Backend) -> TestApp {
        with_slots_on(TestApp::spawn(backend).await).await
    }

    /// The racers below are one person sending dozens of requests at once, far past the
    /// limit on how fast a person may send; what they test is that the slot is given once.
    fn racing_past_the_limits(config: &mut web::WebConfig) {
        config.limits = config.limits.scaled(100);
    }

    async fn with_slots_on(app: TestApp) -> TestApp {
        // The demo slots begin tomorrow. From 07:00 (Norwegian time) every one of them is more
        // than the 24 hours of cancellation notice away, at whatever hour the tests run.
        let now = jiff::Timestamp::from_second(app.clock_now())
            .unwrap()
            .to_zoned_datetime(domain::norway_time_zone().clone());
        let mut seven = now
            .with()
            .time(jiff::civil::time(7, 0, 0, 0))
            .build()
            .unwrap();
        if seven < now {
            seven = seven.tomorrow().unwrap();
        }
        app.clock
            .advance(seven.timestamp().as_second() - app.clock_now());
        assert!(
            storage::seed_demo_slots(&app.db, app.clock_now())
                .await
                .unwrap()
                > 100
        );
        app
    }

    fn attr_after<'a>(page: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
        let at = page.find(marker)?;
        let before = &page[..at];
        let tag_start = before.rfind('<')?;
        let tag = &page[tag_start..];
        let tag = &tag[..tag.find('>')?];
        let value = tag.split(&format!("{attr}=\"")).nth(1)?;
        value.split('"').next()
    }

    /// The first day with free slots, from the calendar of `path`, looking a month ahead too.
    async fn first_free_day(browser: &Browser, path: &str) -> String {
        let mut page = browser.get(path).await.text().await.unwrap();
        for _ in 0..2 {
            if let Some(href) = attr_after(&page, "has-free", "href") {
                return crate::support::unescape(href);
            }
            let next = page
                .split("›</a>")
                .next()
                .unwrap()
                .rsplit("href=\"")
                .next()
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&");
            page = browser.get(&next).await.text().await.unwrap();
        }
        panic!("no free day in two months");
    }

    /// The slot id of the first free slot of a day page whose label holds `kind`.
    fn slot_of_kind(day_page: &str, kind: &str) -> String {
        let label_end = day_page
            .find(&format!(" {kind}</label>"))
            .expect("a slot of that kind");
        let before = &day_page[..label_end];
        let id_start = before.rfind("for=\"time-").unwrap() + "for=\"time-".len();
        before[id_start..].split('"').next().unwrap().to_owned()
    }

    async fn request_slot(
        browser: &Browser,
        base: &str,
        slot: &str,
        reason: &str,
    ) -> reqwest::Response {
        let review_path = format!("{base}/se-gjennom?time={slot}");
        let review = browser.get(&review_path).await.text().await.unwrap();
        let csrf = csrf_of_form(&review, &format!("{base}/se-gjennom"));
        let key = crate::support::hidden_fields(
            review
                .split(&format!("action=\"{base}/se-gjennom\""))
                .nth(1)
                .unwrap(),
        )
        .into_iter()
        .find(|(k, _)| k == "key")
        .unwrap()
        .1;
        browser
            .post(
                &format!("{base}/se-gjennom"),
                &[
                    ("_csrf", &csrf),
                    ("time", slot),
                    ("key", &key),
                    ("reason", reason),
                ],
            )
            .await
    }

    async fn benedikte(app: &TestApp) -> i64 {
        app.db.practitioners_of(2).await.unwrap()[0].id
    }

    async fn kurt_books_a_phone_appointment_and_the_office_confirms(backend: Backend) {
        let app = with_slots(backend).await;
        app.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        let gp = app.get("/fastlege").await.text().await.unwrap();
        assert!(gp.contains(
            r#"<a class="card-link" href="/bestill-time"><h3 class="card-title">Bestille time</h3>"#
        ));
        let choose = app.get("/bestill-time").await.text().await.unwrap();
        assert!(choose.contains("Velg behandler ved Fjordbyen Legesenter"));
        for name in [
            "Benedikte Berg (fastlege)",
            "Ingar Iversen (vikar for fastlege)",
            "Arna Aas (jordmor)",
        ] {
            assert!(choose.contains(name), "{name}");
        }
        let calendar_path = format!("/bestill-time/behandler/{}", benedikte(&app).await);
        let calendar = app.get(&calendar_path).await.text().await.unwrap();
        assert!(calendar.contains(">I dag</a>"));
        assert!(calendar.contains("Finner du ikke ledig time?"));
        assert!(calendar.contains("Universitetsgaten 7, 0164 Oslo"));
        let day_path = first_free_day(&app, &calendar_path).await;
        let day = app.get(&day_path).await.text().await.unwrap();
        assert!(
            day.contains("aria-current=\"date\""),
            "the chosen day is marked"
        );
        assert!(day.contains(
            "Telefontime egner seg hvis du ikke trenger å ta prøver eller undersøkelser."
        ));
        assert!(day.contains("Timer som kan bli tilgjengelig senere"));
        let slot = slot_of_kind(&day, "Telefontime");
        let review = app
            .get(&format!("/bestill-time/se-gjennom?time={slot}"))
            .await
            .text()
            .await
            .unwrap();
        for text in [
            "Se gjennom før du sender",
            "Time hos Benedikte Berg (fastlege), Fjordbyen Legesenter",
            "Oppmøtested: Telefontime",
            "Type: Telefontime",
            "Antatt varighet: 30 min",
            "Henvendelsen vil bli journalført.",
            "Hva gjelder timen? (maks 50 tegn)",
        ] {
            assert!(review.contains(text), "{text}");
        }
        let too_long = "x".repeat(51);
        let refused = request_slot(&app, "/bestill-time", &slot, &too_long).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("Teksten er for lang: 51 tegn, maksimum er 50.")
        );
        let sent = request_slot(&app, "/bestill-time", &slot, "Vondt i ryggen").await;
        let sent_path = location(&sent);
        let page = app.get(&sent_path).await.text().await.unwrap();
        assert!(page.contains("Timebestillingen er sendt"));
        assert!(page.contains("Bestillingen er kun en forespørsel. Timen er ikke tildelt før du mottar en bekreftelse."));
        let thread_id: i64 = sent_path.rsplit('/').next().unwrap().parse().unwrap();
        let thread = app
            .get(&format!("/innboks/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(thread.contains("Ønsket timeavtale: "));
        assert!(thread.contains("Timen gjelder: Vondt i ryggen"));

        let frida = app.new_browser();
        frida.login_staff(DemoPersons::FRIDA_FJELL).await;
        let queue = frida.get("/kontor/innboks").await.text().await.unwrap();
        assert!(queue.contains("Bestill time") && queue.contains("Kurt Håkon Lie"));
        let office_page = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(office_page.contains("Status: Forespurt"));
        let csrf = csrf_of_form(
            &office_page,
            &format!("/kontor/henvendelser/{thread_id}/bekreft"),
        );
        let confirmed = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/bekreft"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
        let again = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/bekreft"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let booking = app.db.booking_by_thread(thread_id).await.unwrap().unwrap();
        assert_eq!(
            booking.status,
            domain::appointment::BookingStatus::Confirmed
        );
        let thread = app
            .get(&format!("/innboks/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(thread.contains("Timen er tildelt: "), "{thread}");
        assert!(
            app.db
                .copayments_of(booking.citizen_id)
                .await
                .unwrap()
                .is_empty(),
            "a booking charges nothing by itself"
        );
    }

    async fn a_rejected_request_frees_the_slot_again(backend: Backend) {
        let app = with_slots(backend).await;
        app.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        let calendar_path = format!("/bestill-time/behandler/{}", benedikte(&app).await);
        let day_path = first_free_day(&app, &calendar_path).await;
        let day = app.get(&day_path).await.text().await.unwrap();
        let slot = slot_of_kind(&day, "Konsultasjon");
        let thread_id: i64 = location(&request_slot(&app, "/bestill-time", &slot, "").await)
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let day = app.get(&day_path).await.text().await.unwrap();
        assert!(
            !day.contains(&format!("id=\"time-{slot}\"")),
            "a requested slot is not offered"
        );
        let frida = app.new_browser();
        frida.login_staff(DemoPersons::FRIDA_FJELL).await;
        let page = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = csrf_of_form(&page, &format!("/kontor/henvendelser/{thread_id}/avvis"));
        let empty = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/avvis"),
                &[("_csrf", &csrf), ("begrunnelse", " ")],
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
        let rejected = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/avvis"),
                &[("_csrf", &csrf), ("begrunnelse", "Legen er på kurs.")],
            )
            .await;
        assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
        let day = app.get(&day_path).await.text().await.unwrap();
        assert!(
            day.contains(&format!("id=\"time-{slot}\"")),
            "the slot is free again"
        );
        assert!(
            app.get(&format!("/innboks/{thread_id}"))
                .await
                .text()
                .await
                .unwrap()
                .contains("Legen er på kurs.")
        );
    }

    async fn a_slot_taken_meanwhile_is_refused_clearly(backend: Backend) {
        let app = with_slots(backend).await;
        app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
            .await;
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
        let day_path = first_free_day(&app, &format!("/bestill-time/behandler/{rolf}")).await;
        let slot = slot_of_kind(
            &app.get(&day_path).await.text().await.unwrap(),
            "Konsultasjon",
        );
        let other_tab = app.new_browser();
        other_tab
            .login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
            .await;
        // The other tab has the review open when the first one sends.
        let review = other_tab
            .get(&format!("/bestill-time/se-gjennom?time={slot}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = csrf_of_form(&review, "/bestill-time/se-gjennom");
        let form = review
            .split("action=\"/bestill-time/se-gjennom\"")
            .nth(1)
            .unwrap();
        let key = crate::support::hidden_fields(form)
            .into_iter()
            .find(|(k, _)| k == "key")
            .unwrap()
            .1;
        assert_eq!(
            request_slot(&app, "/bestill-time", &slot, "")
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        let late = other_tab
            .post(
                "/bestill-time/se-gjennom",
                &[
                    ("_csrf", &csrf),
                    ("time", &slot),
                    ("key", &key),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(late.status(), StatusCode::CONFLICT);
        let body = late.text().await.unwrap();
        assert!(
            body.contains("Timen er dessverre ikke lenger ledig"),
            "{body}"
        );
        assert!(body.contains(r#"href="/bestill-time""#));
        let review = app
            .get(&format!("/bestill-time/se-gjennom?time={slot}"))
            .await;
        assert_eq!(
            review.status(),
            StatusCode::CONFLICT,
            "the review of a taken slot says so too"
        );
    }

    /// Sends `requests` booking requests for one slot at once, spread over the given app
    /// addresses, each with its own idempotency key; every loser must be told the slot is
    /// taken. Returns how many won.
    async fn race_for_slot(
        bases: &[String],
        token: &str,
        csrf: &str,
        slot: &str,
        requests: usize,
    ) -> usize {
        let mut tasks = Vec::new();
        for n in 0..requests {
            let base = bases[n % bases.len()].clone();
            let (csrf, token, slot) = (csrf.to_owned(), token.to_owned(), slot.to_owned());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let key = format!("race-key-number-{n:04}-abcdefghij");
                let response = client
                    .post(format!("{base}/bestill-time/se-gjennom"))
                    .header("cookie", format!("hp_session={token}"))
                    .form(&[
                        ("_csrf", csrf.as_str()),
                        ("time", slot.as_str()),
                        ("key", key.as_str()),
                        ("reason", ""),
                    ])
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (status, response.text().await.unwrap())
            }));
        }
        let mut won = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                StatusCode::SEE_OTHER => won += 1,
                StatusCode::CONFLICT => {
                    assert!(body.contains("Timen er dessverre ikke lenger ledig"))
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
        won
    }

    async fn racing_requests_over_two_processes_give_the_slot_once(backend: Backend) {
        let app =
            with_slots_on(TestApp::spawn_configured(backend, racing_past_the_limits).await).await;
        app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
            .await;
        let second = app.second_process().await;
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
        let day_path = first_free_day(&app, &format!("/bestill-time/behandler/{rolf}")).await;
        let slot = slot_of_kind(
            &app.get(&day_path).await.text().await.unwrap(),
            "Konsultasjon",
        );
        let review = app
            .get(&format!("/bestill-time/se-gjennom?time={slot}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = csrf_of_form(&review, "/bestill-time/se-gjennom");
        let token = app.session_token().await;
        let bases = [app.url.clone(), second.url.clone()];
        let won = race_for_slot(&bases, &token, &csrf, &slot, 24).await;
        assert_eq!(won, 1);
        assert_eq!(
            app.db.holders_of_slot(slot.parse().unwrap()).await.unwrap(),
            1
        );
    }

    async fn calendar_refuses_bad_input(backend: Backend) {
        let app = with_slots(backend).await;
        app.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        let path = format!("/bestill-time/behandler/{}", benedikte(&app).await);
        for query in [
            "?maaned=2020-01",
            "?maaned=abc",
            "?dag=2026-02-30",
            "?maaned=2999-01",
        ] {
            assert_eq!(
                app.get(&format!("{path}{query}")).await.status(),
                StatusCode::BAD_REQUEST,
                "{query}"
            );
        }
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
        let found = app.db.practitioner(rolf).await.unwrap().unwrap();
        assert_eq!((found.id, found.office_id), (rolf, 1));
        assert!(app.db.practitioner(i64::MAX).await.unwrap().is_none());
        assert_eq!(
            app.get(&format!("/bestill-time/behandler/{rolf}"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "another office"
        );
        assert_eq!(
            app.get(&format!("/bestill-time/behandler/{}", i64::MAX))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "no such practitioner"
        );
        let rolf_slot = app
            .db
            .slots_between(
                rolf,
                domain::appointment::SlotPurpose::Ordinary,
                0,
                i64::MAX,
            )
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.released)
            .unwrap();
        // Also with a day of his free slots: the page's reads run before the practitioner is
        // checked against the office, and none of what they found is shown.
        let day = jiff::Timestamp::from_second(rolf_slot.starts_at)
            .unwrap()
            .to_zoned_datetime(domain::norway_time_zone().clone())
            .date();
        let with_day = app
            .get(&format!(
                "/bestill-time/behandler/{rolf}?maaned={}&dag={day}",
                day.strftime("%Y-%m")
            ))
            .await;
        assert_eq!(
            with_day.status(),
            StatusCode::NOT_FOUND,
            "another office's day"
        );
        let body = with_day.text().await.unwrap();
        assert!(!body.contains(r#"name="time""#), "{body}");
        let rolf_slot = rolf_slot.id;
        let forged = app
            .get(&format!("/bestill-time/se-gjennom?time={rolf_slot}"))
            .await;
        assert_eq!(
            forged.status(),
            StatusCode::CONFLICT,
            "a slot of another office is not offered"
        );
        let per = app.new_browser();
        per.login_with_consent(DemoPersons::PER_PERSEN, "full-tilgang")
            .await;
        assert_eq!(
            per.get("/bestill-time").await.status(),
            StatusCode::NOT_FOUND,
            "his GP offers no booking"
        );
    }

    async fn kari_books_a_flu_vaccine(backend: Backend) {
        let app = with_slots(backend).await;
        app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
            .await;
        let gp = app.get("/fastlege").await.text().await.unwrap();
        assert!(gp.contains(r#"href="/influensavaksine""#));
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
        let day_path = first_free_day(&app, &format!("/influensavaksine/behandler/{rolf}")).await;
        let day = app.get(&day_path).await.text().await.unwrap();
        let slot = slot_of_kind(&day, "Konsultasjon");
        let sent = request_slot(&app, "/influensavaksine", &slot, "Influensavaksine").await;
        let thread_id: i64 = location(&sent).rsplit('/').next().unwrap().parse().unwrap();
        let kari = app
            .db
            .person_by_fnr(&crate::support::kari())
            .await
            .unwrap()
            .unwrap()
            .id;
        let thread = app
            .db
            .thread_of_citizen(thread_id, kari)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(thread.kind, domain::GpService::Influensavaksine);
        assert_eq!(thread.subject, "Bestill influensavaksine");
        let kurt = app.new_browser();
        kurt.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        assert_eq!(
            kurt.get("/influensavaksine").await.status(),
            StatusCode::NOT_FOUND,
            "not offered at his office"
        );
    }

    /// Kurt's confirmed telefontime with Benedikte; returns the booking id and the slot start.
    async fn kurt_confirmed(app: &TestApp) -> (i64, i64, i64) {
        app.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        let calendar_path = format!("/bestill-time/behandler/{}", benedikte(app).await);
        let day_path = first_free_day(app, &calendar_path).await;
        let slot = slot_of_kind(
            &app.get(&day_path).await.text().await.unwrap(),
            "Telefontime",
        );
        let sent = request_slot(app, "/bestill-time", &slot, "Vondt i ryggen").await;
        let thread_id: i64 = location(&sent).rsplit('/').next().unwrap().parse().unwrap();
        let booking = app.db.booking_by_thread(thread_id).await.unwrap().unwrap();
        (booking.id, thread_id, booking.slot.starts_at)
    }

    async fn timeavtaler_calendar_file_and_cancelling(backend: Backend) {
        let app = with_slots(backend).await;
        let (booking, thread_id, starts_at) = kurt_confirmed(&app).await;
        assert_eq!(
            app.get(&format!("/timeavtaler/{booking}/kalender.ics"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "no calendar file before the office confirms"
        );
        let frida = app.new_browser();
        frida.login_staff(DemoPersons::FRIDA_FJELL).await;
        let page = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = csrf_of_form(&page, &format!("/kontor/henvendelser/{thread_id}/bekreft"));
        frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/bekreft"),
                &[("_csrf", &csrf)],
            )
            .await;

        let front = app.get("/").await.text().await.unwrap();
        assert!(front.contains(r#"href="/timeavtaler""#));
        let list = app.get("/timeavtaler").await.text().await.unwrap();
        assert!(list.contains("Kommende timer"));
        assert!(list.contains("Telefontime hos Fjordbyen Legesenter"));
        assert!(list.contains("Status: Tildelt"));
        let detail = app
            .get(&format!("/timeavtaler/{booking}"))
            .await
            .text()
            .await
            .unwrap();
        for text in [
            "Antatt varighet: 30 min",
            "Oppmøtested: Telefontime",
            "Timen gjelder: Vondt i ryggen",
            "Behandler: Benedikte Berg",
            "Status: Tildelt",
            "Legg i egen kalender",
            "Avbestill time",
        ] {
            assert!(detail.contains(text), "{text}");
        }
        let file = app
            .get(&format!("/timeavtaler/{booking}/kalender.ics"))
            .await;
        assert_eq!(
            file.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        let ics = file.text().await.unwrap();
        let parsed: icalendar::Calendar = ics.parse().expect("a calendar parser reads the file");
        let event = parsed
            .components
            .iter()
            .find_map(|c| c.as_event())
            .expect("one event");
        use icalendar::Component;
        assert_eq!(
            event.get_summary(),
            Some("Telefontime hos Benedikte Berg, Fjordbyen Legesenter")
        );
        assert_eq!(event.property_value("LOCATION"), Some("Telefontime"));
        let local = jiff::Timestamp::from_second(starts_at)
            .unwrap()
            .in_tz("Europe/Oslo")
            .unwrap();
        assert!(
            ics.contains(&format!(
                "DTSTART;TZID=Europe/Oslo:{}",
                local.strftime("%Y%m%dT%H%M%S")
            )),
            "{ics}"
        );
        assert!(
            ics.contains("DESCRIPTION:Vondt i ryggen"),
            "only what Kurt typed"
        );
        assert!(!ics.contains("Ønsket"), "nothing else from the message");

        let other = app.new_browser();
        other
            .login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
            .await;
        assert_eq!(
            other.get(&format!("/timeavtaler/{booking}")).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other
                .get(&format!("/timeavtaler/{booking}/kalender.ics"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );

        // "Avbestill time" frees the slot and tells the office in the thread.
        let csrf = csrf_of_form(&detail, &format!("/timeavtaler/{booking}/avbestill"));
        let cancelled = app
            .post(
                &format!("/timeavtaler/{booking}/avbestill"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(
            location(&cancelled),
            format!("/timeavtaler/{booking}?avbestilt=1")
        );
        let after = app.get(&location(&cancelled)).await.text().await.unwrap();
        assert!(after.contains("Timen er avbestilt.") && after.contains("Status: Avbestilt"));
        assert!(!after.contains("Legg i egen kalender"));
        let slot_id = app
            .db
            .booking_by_thread(thread_id)
            .await
            .unwrap()
            .unwrap()
            .slot
            .id;
        assert_eq!(app.db.holders_of_slot(slot_id).await.unwrap(), 0);
        let office_view = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(office_view.contains("Pasienten har avbestilt timen."));
        let twice = app
            .post(
                &format!("/timeavtaler/{booking}/avbestill"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(twice.status(), StatusCode::CONFLICT);

        // Inside the 24 hours before the start, cancelling online is refused.
        let (late_booking, late_thread, late_start) = kurt_confirmed(&app).await;
        let page = frida
            .get(&format!("/kontor/henvendelser/{late_thread}"))
            .await
            .text()
            .await
            .unwrap();
        let office_csrf = csrf_of_form(
            &page,
            &format!("/kontor/henvendelser/{late_thread}/bekreft"),
        );
        frida
            .post(
                &format!("/kontor/henvendelser/{late_thread}/bekreft"),
                &[("_csrf", &office_csrf)],
            )
            .await;
        app.clock.advance(late_start - 23 * 3600 - app.clock_now());
        app.login(DemoPersons::KURT_HAKON).await;
        let late = app
            .get(&format!("/timeavtaler/{late_booking}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            late.contains("Timen kan ikke avbestilles på nett senere enn 24 timer før den starter. Ring legekontoret på 11 22 33 44."),
            "{late}"
        );
        assert!(!late.contains("/avbestill"), "no cancel button");
        let csrf_late = crate::support::csrf_in(&late);
        let refused = app
            .post(
                &format!("/timeavtaler/{late_booking}/avbestill"),
                &[("_csrf", &csrf_late)],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert_eq!(
            app.db
                .booking_by_thread(late_thread)
                .await
                .unwrap()
                .unwrap()
                .status,
            domain::appointment::BookingStatus::Confirmed
        );
    }

    async fn add_single(
        frida: &Browser,
        csrf: &str,
        practitioner: &str,
        date: &str,
        time: &str,
        length: &str,
    ) -> reqwest::Response {
        frida
            .post(
                "/kontor/timer/ny",
                &[
                    ("_csrf", csrf),
                    ("behandler", practitioner),
                    ("dato", date),
                    ("tid", time),
                    ("varighet", length),
                    ("type", "telefontime"),
                    ("gjelder", "time"),
                    ("paa_nett", "ja"),
                ],
            )
            .await
    }

    fn oslo_today(app: &TestApp) -> jiff::civil::Date {
        jiff::Timestamp::from_second(app.clock_now())
            .unwrap()
            .in_tz("Europe/Oslo")
            .unwrap()
            .date()
    }

    async fn office_publishes_and_removes_slots(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let frida = app.new_browser();
        frida.login_staff(DemoPersons::FRIDA_FJELL).await;
        let dashboard = frida.get("/kontor").await.text().await.unwrap();
        assert!(dashboard.contains(r#"href="/kontor/timer""#));
        let page = frida.get("/kontor/timer").await.text().await.unwrap();
        assert!(page.contains("Ingen timer de neste 14 dagene."));
        let csrf = csrf_of_form(&page, "/kontor/timer/ny");
        let benedikte = benedikte(&app).await.to_string();
        let day = oslo_today(&app)
            .checked_add(jiff::Span::new().days(3))
            .unwrap()
            .to_string();
        let added = add_single(&frida, &csrf, &benedikte, &day, "07:00", "30").await;
        assert_eq!(
            location(&added),
            format!("/kontor/timer?behandler={benedikte}&lagt_til=1")
        );
        assert!(
            frida
                .get(&location(&added))
                .await
                .text()
                .await
                .unwrap()
                .contains("1 time er lagt til.")
        );
        let again = add_single(&frida, &csrf, &benedikte, &day, "07:00", "30").await;
        assert!(
            location(&again).ends_with("lagt_til=0"),
            "the same time twice is one slot"
        );
        let bad_date = add_single(&frida, &csrf, &benedikte, "2026-13-01", "07:00", "30").await;
        assert_eq!(bad_date.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad_date
                .text()
                .await
                .unwrap()
                .contains("Skriv en gyldig dato (ÅÅÅÅ-MM-DD).")
        );
        assert!(
            add_single(&frida, &csrf, &benedikte, &day, "25:00", "30")
                .await
                .text()
                .await
                .unwrap()
                .contains("Skriv et gyldig klokkeslett (TT:MM).")
        );
        assert!(
            add_single(&frida, &csrf, &benedikte, &day, "07:30", "0")
                .await
                .text()
                .await
                .unwrap()
                .contains("Varigheten må være mellom 5 og 240 minutter.")
        );
        assert!(
            add_single(&frida, &csrf, &benedikte, "2020-01-01", "07:30", "30")
                .await
                .text()
                .await
                .unwrap()
                .contains("Timen må ligge fram i tid.")
        );
        let kept = add_single(&frida, &csrf, &benedikte, "2020-01-01", "07:30", "45")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            kept.contains(r#"value="2020-01-01""#) && kept.contains(r#"value="07:30""#),
            "nothing typed is lost"
        );
        assert!(kept.contains(r#"value="45""#));
        assert!(
            kept.contains(r##"<a href="#dato">Timen må ligge fram i tid.</a>"##),
            "the error leads to the field"
        );
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id.to_string();
        let foreign = frida
            .post(
                "/kontor/timer/ny",
                &[
                    ("_csrf", &csrf),
                    ("behandler", &rolf),
                    ("dato", &day),
                    ("tid", "07:00"),
                    ("varighet", "30"),
                    ("type", "telefontime"),
                    ("gjelder", "time"),
                ],
            )
            .await;
        assert_eq!(
            foreign.status(),
            StatusCode::BAD_REQUEST,
            "a practitioner of another office"
        );

        // A weekly pattern: Mondays and Wednesdays for two weeks, 16:00-17:00, 30 minutes.
        let from = oslo_today(&app)
            .checked_add(jiff::Span::new().days(1))
            .unwrap();
        let to = from.checked_add(jiff::Span::new().days(13)).unwrap();
        let mut expected = 0;
        let mut d = from;
        while d <= to {
            if matches!(
                d.weekday(),
                jiff::civil::Weekday::Monday | jiff::civil::Weekday::Wednesday
            ) && !domain::working_days::is_public_holiday(d)
            {
                expected += 2;
            }
            d = d.tomorrow().unwrap();
        }
        let template = frida
            .post(
                "/kontor/timer/ukemal",
                &[
                    ("_csrf", csrf.as_str()),
                    ("behandler", benedikte.as_str()),
                    ("ukedag", "1"),
                    ("ukedag", "3"),
                    ("fra", &from.to_string()),
                    ("til", &to.to_string()),
                    ("start", "16:00"),
                    ("slutt", "17:00"),
                    ("varighet", "30"),
                    ("type", "konsultasjon"),
                    ("gjelder", "time"),
                    ("paa_nett", "ja"),
                ],
            )
            .await;
        assert_eq!(
            location(&template),
            format!("/kontor/timer?behandler={benedikte}&lagt_til={expected}")
        );
        let no_days = frida
            .post(
                "/kontor/timer/ukemal",
                &[
                    ("_csrf", csrf.as_str()),
                    ("behandler", benedikte.as_str()),
                    ("fra", &from.to_string()),
                    ("til", &to.to_string()),
                    ("start", "16:00"),
                    ("slutt", "17:00"),
                    ("varighet", "30"),
                    ("type", "konsultasjon"),
                    ("gjelder", "time"),
                ],
            )
            .await;
        assert_eq!(no_days.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            no_days
                .text()
                .await
                .unwrap()
                .contains("Ukemalen er ugyldig")
        );

        // Kurt requests the 07:00 slot; then it cannot be removed, but a free one can.
        let id: i64 = benedikte.parse().unwrap();
        let slots = app
            .db
            .slots_between(id, domain::appointment::SlotPurpose::Ordinary, 0, i64::MAX)
            .await
            .unwrap();
        let (held, free) = (slots[0].id, slots[1].id);
        app.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        assert_eq!(
            request_slot(&app, "/bestill-time", &held.to_string(), "")
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        let refused = frida
            .post(&format!("/kontor/timer/{held}/fjern"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("Timen er forespurt eller bestilt og kan ikke fjernes.")
        );
        let removed = frida
            .post(&format!("/kontor/timer/{free}/fjern"), &[("_csrf", &csrf)])
            .await;
        assert!(
            frida
                .get(&location(&removed))
                .await
                .text()
                .await
                .unwrap()
                .contains("Timen er fjernet.")
        );
        assert!(app.db.slot_of_office(free, 2).await.unwrap().is_none());
        let rolf_slot = {
            storage::seed_demo_slots(&app.db, app.clock_now())
                .await
                .unwrap();
            let rolf: i64 = rolf.parse().unwrap();
            app.db
                .slots_between(
                    rolf,
                    domain::appointment::SlotPurpose::Ordinary,
                    0,
                    i64::MAX,
                )
                .await
                .unwrap()[0]
                .id
        };
        assert_eq!(
            frida
                .post(
                    &format!("/kontor/timer/{rolf_slot}/fjern"),
                    &[("_csrf", &csrf)]
                )
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }

    async fn office_cancels_a_confirmed_appointment(backend: Backend) {
        let app = with_slots(backend).await;
        let (booking, thread_id, _) = kurt_confirmed(&app).await;
        let frida = app.new_browser();
        frida.login_staff(DemoPersons::FRIDA_FJELL).await;
        let page = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = csrf_of_form(&page, &format!("/kontor/henvendelser/{thread_id}/bekreft"));
        frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/bekreft"),
                &[("_csrf", &csrf)],
            )
            .await;
        let page = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Avbestill timen"));
        let cancelled = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/avbestill"),
                &[
                    ("_csrf", &csrf),
                    ("beskjed", "Legen er syk. Ring oss for ny time."),
                ],
            )
            .await;
        let after = frida.get(&location(&cancelled)).await.text().await.unwrap();
        assert!(after.contains("Timen er avbestilt, og pasienten har fått beskjed."));
        let twice = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/avbestill"),
                &[("_csrf", &csrf), ("beskjed", "x")],
            )
            .await;
        assert_eq!(twice.status(), StatusCode::CONFLICT);
        let front = app.get("/").await.text().await.unwrap();
        assert!(front.contains("1 ulest"), "the cancellation is news");
        let detail = app
            .get(&format!("/timeavtaler/{booking}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(detail.contains("Status: Avbestilt"));
        assert!(
            app.get(&format!("/innboks/{thread_id}"))
                .await
                .text()
                .await
                .unwrap()
                .contains("Legen er syk. Ring oss for ny time.")
        );
    }

    /// A `helseportal serve` process of its own on the test's database, serving the same
    /// public address as the test app; killed when dropped.
    struct ServerProcess {
        child: std::process::Child,
        url: String,
    }

    impl Drop for ServerProcess {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    async fn server_process(app: &TestApp) -> ServerProcess {
        let port = crate::support::free_port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_helseportal"))
            .args([
                "serve",
                "--insecure-test-login",
                "--no-worker",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--database", &app.database_url, "--public-url", &app.url])
            .args([
                "--attachments-dir",
                &crate::support::temp_dir().display().to_string(),
            ])
            // As `racing_past_the_limits`.
            .env("HELSEPORTAL_RATE_LIMIT_SCALE", "100")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Owned at once, so that the process is killed and waited for whatever happens next.
        let process = ServerProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", process.url))
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
            {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server process did not start");
    }

    async fn racing_requests_over_several_server_processes_give_the_slot_once(backend: Backend) {
        let app =
            with_slots_on(TestApp::spawn_configured(backend, racing_past_the_limits).await).await;
        let processes = [server_process(&app).await, server_process(&app).await];
        app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
            .await;
        let rolf = app.db.practitioners_of(1).await.unwrap()[0].id;
        let day_path = first_free_day(&app, &format!("/bestill-time/behandler/{rolf}")).await;
        let slot = slot_of_kind(
            &app.get(&day_path).await.text().await.unwrap(),
            "Konsultasjon",
        );
        let review = app
            .get(&format!("/bestill-time/se-gjennom?time={slot}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = csrf_of_form(&review, "/bestill-time/se-gjennom");
        let token = app.session_token().await;
        let bases: Vec<String> = processes
            .iter()
            .map(|p| p.url.clone())
            .chain([app.url.clone()])
            .collect();
        let won = race_for_slot(&bases, &token, &csrf, &slot, 36).await;
        assert_eq!(won, 1, "exactly one request wins the slot");
        assert_eq!(
            app.db.holders_of_slot(slot.parse().unwrap()).await.unwrap(),
            1
        );
        let kari = app
            .db
            .person_by_fnr(&crate::support::kari())
            .await
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(
            app.db.inbox(kari, None, None, 1).await.unwrap().total,
            1,
            "and nothing else changed"
        );
    }

    async fn send_enquiry(kurt: &Browser, when: &str) -> reqwest::Response {
        let page = kurt.get("/bestill-time").await.text().await.unwrap();
        let form = page
            .split("action=\"/bestill-time/foresporsel\"")
            .nth(1)
            .expect("the enquiry form");
        let fields = crate::support::hidden_fields(form);
        let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
        kurt.post(
            "/bestill-time/foresporsel",
            &[
                ("_csrf", &get("_csrf")),
                ("key", &get("key")),
                ("when", when),
                ("reason", "Kontroll"),
            ],
        )
        .await
    }

    async fn enquiry_mode_the_office_books_by_hand(backend: Backend) {
        let app = with_slots(backend).await;
        let olav = app.new_browser();
        olav.login_staff(DemoPersons::OLAV_OFTE).await;
        let page = olav.get("/kontor/tjenester").await.text().await.unwrap();
        assert!(page.contains("Slik bestiller innbyggerne time"));
        let csrf = csrf_of_form(&page, "/kontor/tjenester");
        let saved = olav
            .post(
                "/kontor/tjenester",
                &[
                    ("_csrf", csrf.as_str()),
                    ("service", "bestill-time"),
                    ("service", "e-konsultasjon"),
                    ("service", "forny-resept"),
                    ("service", "kontakt-legekontoret"),
                    ("bestillingsmodus", "foresporsel"),
                ],
            )
            .await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let forged = olav
            .post(
                "/kontor/tjenester",
                &[("_csrf", csrf.as_str()), ("bestillingsmodus", "alt")],
            )
            .await;
        assert_eq!(forged.status(), StatusCode::BAD_REQUEST);

        app.login_with_consent(DemoPersons::KURT_HAKON, "full-tilgang")
            .await;
        let page = app.get("/bestill-time").await.text().await.unwrap();
        assert!(page.contains("Forespørsel om time"));
        assert!(!page.contains("Velg behandler"), "no slots to choose from");
        let calendar = app
            .get(&format!(
                "/bestill-time/behandler/{}",
                benedikte(&app).await
            ))
            .await;
        assert_eq!(calendar.status(), StatusCode::NOT_FOUND, "nor by address");
        let empty = send_enquiry(&app, "").await;
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty
                .text()
                .await
                .unwrap()
                .contains("Du må fylle ut «Når passer det for deg? (maks 200 tegn)».")
        );
        let sent = send_enquiry(&app, "Tirsdager etter klokka 14").await;
        let thread_id: i64 = location(&sent).rsplit('/').next().unwrap().parse().unwrap();
        let second: i64 = location(&send_enquiry(&app, "Neste uke").await)
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();

        let frida = app.new_browser();
        frida.login_staff(DemoPersons::FRIDA_FJELL).await;
        let office_page = frida
            .get(&format!("/kontor/henvendelser/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(office_page.contains("Når det passer: Tirsdager etter klokka 14"));
        assert!(office_page.contains("Sett opp time"));
        let csrf = csrf_of_form(
            &office_page,
            &format!("/kontor/henvendelser/{thread_id}/sett-opp"),
        );
        let slot = office_page
            .split("<option value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let booked = frida
            .post(
                &format!("/kontor/henvendelser/{thread_id}/sett-opp"),
                &[
                    ("_csrf", csrf.as_str()),
                    ("time", slot.as_str()),
                    ("beskjed", "Velkommen!"),
                ],
            )
            .await;
        assert_eq!(booked.status(), StatusCode::SEE_OTHER);
        let taken = frida
            .post(
                &format!("/kontor/henvendelser/{second}/sett-opp"),
                &[
                    ("_csrf", csrf.as_str()),
                    ("time", slot.as_str()),
                    ("beskjed", ""),
                ],
            )
            .await;
        assert_eq!(taken.status(), StatusCode::CONFLICT);
        assert!(
            taken
                .text()
                .await
                .unwrap()
                .contains("Timen er ikke lenger ledig. Velg en annen.")
        );

        let thread = app
            .get(&format!("/innboks/{thread_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(thread.contains("Timen er tildelt: ") && thread.contains("Velkommen!"));
        let list = app.get("/timeavtaler").await.text().await.unwrap();
        assert!(list.contains("Status: Tildelt"));
        assert_eq!(
            app.db.holders_of_slot(slot.parse().unwrap()).await.unwrap(),
            1
        );
    }
}
