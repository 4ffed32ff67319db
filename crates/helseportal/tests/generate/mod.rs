//! `helseportal generate`: a synthetic population that citizens can log in to and use.

use reqwest::StatusCode;
use storage::PopulationPlan;

use crate::support::{Backend, TestApp};

on_both_databases!(
    generated_citizen_sees_gp_innboks_and_free_slots,
    generating_twice_is_refused,
);

/// Three GPs at one office; the first citizen has 10,000 threads in Innboks.
fn small_plan() -> PopulationPlan {
    PopulationPlan::new(2_500, 1)
}

async fn generated_citizen_sees_gp_innboks_and_free_slots(backend: Backend) {
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
    }

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

/// A generation that fails half way on PostgreSQL (here at the slots, written after every
/// thread's search row) leaves the search index writing its entries at once again, as it was:
/// searches would otherwise read the whole pending list of the failed run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_generation_leaves_the_search_index_as_it_was() {
    use sqlx::{Connection, Executor, Row};

    let app = TestApp::spawn_empty(Backend::Postgres).await;
    let mut admin = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    admin
        .execute(
            "CREATE FUNCTION refuse_slots() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'no slots today'; END $$; \
             CREATE TRIGGER refuse_slots BEFORE INSERT ON slot \
             FOR EACH STATEMENT EXECUTE FUNCTION refuse_slots()",
        )
        .await
        .unwrap();
    let failed = app
        .db
        .generate_population(&PopulationPlan::new(50, 0), app.clock_now())
        .await
        .unwrap_err();
    assert!(failed.to_string().contains("no slots today"), "{failed}");
    let options: String = sqlx::query(
        "SELECT COALESCE(array_to_string(reloptions, ','), '') AS options FROM pg_class \
         WHERE relname = 'inbox_search_terms'",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap()
    .get("options");
    assert_eq!(options, "fastupdate=off");
}
