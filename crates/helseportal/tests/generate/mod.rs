//! `helseportal-bench generate`: a synthetic population that citizens can log in to and use.

use reqwest::StatusCode;
use storage::PopulationPlan;

use crate::support::{Backend, TestApp};

/// An hour's lifetime, touched at most once an hour: the lookups here only read.
const TIMEOUTS: storage::SessionTimeouts = storage::SessionTimeouts {
    idle_seconds: 3_600,
    max_seconds: 3_600,
    touch_every: 3_600,
};

on_both_databases!(
    generated_citizen_sees_gp_innboks_and_free_slots,
    generating_twice_is_refused,
    reads_at_once_each_get_their_own_answer_also_after_abandoned_ones,
);

/// Three GPs at one office; the first citizen has 10,000 threads in Innboks.
fn small_plan() -> PopulationPlan {
    PopulationPlan::new(2_500, 1)
}

async fn generated_citizen_sees_gp_innboks_and_free_slots(backend: Backend) {
    let long_transactions = crate::support::LONG_TRANSACTIONS.lock().await;
    let app = TestApp::spawn_empty(backend).await;
    let plan = small_plan();
    let report = app
        .db
        .generate_population(&plan, app.clock_now())
        .await
        .unwrap();
    assert_eq!(plan.gps(), 3);
    let rows = |table: &str| {
        report
            .rows
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    assert_eq!(rows("person"), 2_500);
    assert_eq!(rows("gp_list_entry"), 2_500);
    assert_eq!(rows("practitioner"), 3);
    assert!(rows("message_thread") >= 10_000);
    if matches!(backend, Backend::Sqlite) {
        // The planner has the index averages but no sampled values, which would make SQLite
        // plan each page's reads again for every citizen.
        use sqlx::{Connection, Row};
        let mut conn = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        let count = |table: &'static str| format!("SELECT COUNT(*) AS n FROM {table}");
        let averages: i64 = sqlx::query(sqlx::AssertSqlSafe(count("sqlite_stat1")))
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get("n");
        let samples: i64 = sqlx::query(sqlx::AssertSqlSafe(count("sqlite_stat4")))
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get("n");
        assert!(averages > 0);
        assert_eq!(samples, 0);
        // The search index is one merged segment, so a search looks each word up once.
        let segments: i64 = sqlx::query("SELECT COUNT(DISTINCT segid) AS n FROM inbox_search_idx")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get("n");
        assert_eq!(segments, 1);
    }
    if matches!(backend, Backend::Postgres) {
        // Vacuumed: every page of the new rows is marked visible to all, so index-only scans
        // need not read the table, and autovacuum has nothing left to start on.
        use sqlx::{Connection, Row};
        let mut conn = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        for table in ["message_thread", "inbox_search", "slot", "person"] {
            let row = sqlx::query(
                "SELECT CAST(relpages AS BIGINT) AS pages, CAST(relallvisible AS BIGINT) AS visible \
                 FROM pg_class WHERE relname = $1",
            )
            .bind(table)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            let (pages, visible): (i64, i64) = (row.get("pages"), row.get("visible"));
            assert!(
                pages > 0 && visible == pages,
                "{table}: {visible} of {pages} pages"
            );
        }
    }
    drop(long_transactions);

    // The heavy-inbox citizen logs in with the generated number; consent is given already.
    let heavy = plan.fnr(0).unwrap();
    assert_eq!(heavy.kind(), domain::NumberKind::Synthetic);
    app.login(heavy.as_str()).await;
    let gp = app.get("/fastlege").await.text().await.unwrap();
    assert!(gp.contains("Fastlege "), "{gp}");
    assert!(gp.contains("legesenter 1"), "{gp}");
    assert!(gp.contains("Bestille time"), "{gp}");

    let inbox = app.get("/innboks").await.text().await.unwrap();
    assert!(inbox.contains("10000 meldinger"), "{inbox}");
    assert!(inbox.matches("/innboks/").count() >= 20);
    // One subject in eight is about a blood test.
    let search = app
        .get("/innboks?q=blodpr%C3%B8ve")
        .await
        .text()
        .await
        .unwrap();
    assert!(search.contains("1250 meldinger"), "{search}");
    assert!(search.contains("Spørsmål om blodprøve"));

    // Free slots: the first two working days are held back until 08:00; the third is open.
    let practitioners = app.get("/bestill-time").await.text().await.unwrap();
    let calendar = practitioners
        .split("href=\"/bestill-time/behandler/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/bestill-time/behandler/{id}"))
        .expect("a practitioner link");
    let days = storage::slot_days(app.clock_now()).unwrap();
    let open_day = days[storage::HELD_BACK_DAYS];
    let page = app
        .get(&format!(
            "{calendar}?maaned={}&dag={open_day}",
            open_day.strftime("%Y-%m")
        ))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert_eq!(
        page.matches(r#"name="time""#).count(),
        usize::try_from(storage::SLOTS_PER_GP_DAY).unwrap(),
        "{page}"
    );
    let held_day = days[0];
    let held = app
        .get(&format!(
            "{calendar}?maaned={}&dag={held_day}",
            held_day.strftime("%Y-%m")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(held.matches(r#"name="time""#).count(), 0);
    assert!(held.contains("Timer som kan bli tilgjengelig senere"));

    // At 08:00 the office releases them, and they can be chosen.
    let (from, to) = storage::day_bounds(held_day).unwrap();
    let office = app
        .db
        .gp_overview(crate::support::person_id(&app.db, heavy.as_str()).await)
        .await
        .unwrap()
        .unwrap()
        .office;
    let released = app
        .db
        .release_held_slots(&[office.id], from, to)
        .await
        .unwrap();
    assert_eq!(
        released.len(),
        usize::try_from(storage::SLOTS_PER_GP_DAY * 3).unwrap()
    );
    let held = app
        .get(&format!(
            "{calendar}?maaned={}&dag={held_day}",
            held_day.strftime("%Y-%m")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        held.matches(r#"name="time""#).count(),
        usize::try_from(storage::SLOTS_PER_GP_DAY).unwrap()
    );
    assert_eq!(app.db.slots_held_twice().await.unwrap(), 0);

    // Another citizen's pages run the same reads with other values. On SQLite none of them may
    // be planned again: that would cost a parse and a plan on every request.
    let other = plan.fnr(1).unwrap();
    app.login(other.as_str()).await;
    let practitioners = app.get("/bestill-time").await.text().await.unwrap();
    let calendar = practitioners
        .split("href=\"/bestill-time/behandler/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| {
            format!(
                "/bestill-time/behandler/{id}?maaned={}&dag={open_day}",
                open_day.strftime("%Y-%m")
            )
        })
        .expect("a practitioner link");
    for path in [
        "/",
        "/fastlege",
        "/innboks",
        "/innboks?q=blodpr%C3%B8ve",
        calendar.as_str(),
    ] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
    if matches!(backend, Backend::Sqlite) {
        assert_eq!(app.db.sqlite_read_replans(), 0);
    }
}

/// Many citizens' pages read at once, as under load: on PostgreSQL the reads share a few
/// connections and their queries and answers travel pipelined on them, so an answer handed to
/// the wrong read, or a read abandoned half way that leaves its answer to the next, would show
/// one citizen another's data.
async fn reads_at_once_each_get_their_own_answer_also_after_abandoned_ones(backend: Backend) {
    let app = TestApp::spawn_empty(backend).await;
    let plan = small_plan();
    let long_transactions = crate::support::LONG_TRANSACTIONS.lock().await;
    app.db
        .generate_population(&plan, app.clock_now())
        .await
        .unwrap();
    drop(long_transactions);
    let now = app.clock_now();
    let mut citizens = Vec::new();
    for index in 0..12 {
        let fnr = plan.fnr(index * 97).unwrap();
        let id = crate::support::person_id(&app.db, fnr.as_str()).await;
        let session = app
            .db
            .create_session(storage::SessionKind::Citizen, id, now)
            .await
            .unwrap();
        citizens.push((id, session.token));
    }
    // What each citizen's reads give one at a time: the session with the person, the GP with
    // the office, the front page's facts, and the first page of Innboks and of a search in it
    // (the heavy citizen's are 10,000 threads and 1,250 matches).
    let db = app.db.clone();
    let answers = move |(citizen, token): (i64, String)| {
        let db = db.clone();
        async move {
            let storage::CitizenLookup::Active(session) =
                db.citizen_by_session(&token, now, TIMEOUTS).await.unwrap()
            else {
                panic!("the session is active");
            };
            assert_eq!(session.person.id, citizen);
            let person = session.person;
            let gp = db.gp_overview(citizen).await.unwrap();
            let office = gp
                .as_ref()
                .expect("every generated citizen has a GP")
                .office
                .id;
            assert_eq!(
                gp.as_ref().unwrap().services,
                db.office_services(office).await.unwrap(),
                "the overview's services are the office's"
            );
            let facts = db.front_page_facts(citizen).await.unwrap();
            // The same, read in the session's statement, as the pages read them.
            for read in [
                storage::PageRead::GpOverview,
                storage::PageRead::FrontPageFacts,
            ] {
                let (lookup, page_data) = db
                    .citizen_by_session_with(&token, now, TIMEOUTS, read)
                    .await
                    .unwrap();
                let storage::CitizenLookup::Active(with_page) = lookup else {
                    panic!("the session is active");
                };
                assert_eq!(with_page.person.id, citizen);
                let apart = match read {
                    storage::PageRead::GpOverview => {
                        format!("{:?}", storage::PageData::GpOverview(Box::new(gp.clone())))
                    }
                    storage::PageRead::FrontPageFacts => {
                        format!("{:?}", storage::PageData::FrontPageFacts(facts))
                    }
                };
                assert_eq!(format!("{:?}", page_data.unwrap()), apart);
            }
            let inbox = db.inbox(citizen, None, None, 20).await.unwrap();
            let search = db
                .inbox(citizen, Some("blodprøve"), None, 20)
                .await
                .unwrap();
            format!("{person:?} {gp:?} {facts:?} {inbox:?} {search:?}")
        }
    };
    let mut expected = Vec::new();
    for citizen in &citizens {
        expected.push(answers(citizen.clone()).await);
    }
    assert!(expected[0].contains("total: 1250"), "{}", expected[0]);
    assert_eq!(
        expected
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        citizens.len(),
        "every citizen has answers of their own"
    );

    let at_once = |rounds: usize| {
        let mut reads = tokio::task::JoinSet::new();
        for round in 0..rounds {
            for (index, citizen) in citizens.iter().enumerate() {
                let (answers, citizen) = (answers.clone(), citizen.clone());
                reads.spawn(async move { (round, index, answers(citizen).await) });
            }
        }
        reads
    };
    let mut reads = at_once(8);
    while let Some(read) = reads.join_next().await {
        let (round, index, answer) = read.unwrap();
        assert_eq!(answer, expected[index], "round {round}, citizen {index}");
    }

    // Reads given up half way (the browser went away): their answers must not reach the
    // reads after them.
    let mut abandoned = at_once(8);
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    abandoned.abort_all();
    let mut reads = at_once(4);
    while let Some(read) = reads.join_next().await {
        let (round, index, answer) = read.unwrap();
        assert_eq!(
            answer, expected[index],
            "after abandoned reads: round {round}, citizen {index}"
        );
    }
    if matches!(backend, Backend::Postgres) {
        // The reads shared their connections: the process holds at most the pool's eight and
        // one reader connection per core (at most eight).
        use sqlx::{Connection, Row};
        let mut admin = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut admin)
        .await
        .unwrap()
        .get("n");
        assert!((1..=16).contains(&open), "{open} connections");
    }
}

async fn generating_twice_is_refused(backend: Backend) {
    let app = TestApp::spawn_empty(backend).await;
    let plan = PopulationPlan::new(50, 0);
    app.db
        .generate_population(&plan, app.clock_now())
        .await
        .unwrap();
    let again = app.db.generate_population(&plan, app.clock_now()).await;
    assert!(matches!(again, Err(storage::StorageError::NotEmpty)));
    // A demo database is refused the same way.
    let demo = TestApp::spawn(backend).await;
    let refused = demo.db.generate_population(&plan, demo.clock_now()).await;
    assert!(matches!(refused, Err(storage::StorageError::NotEmpty)));
}
