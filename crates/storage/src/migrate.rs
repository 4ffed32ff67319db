//! A small migrator: each engine's SQL files are compiled in, applied in order, once. A
//! migration may add a step in Rust after its SQL (rows computed by storage's own code), run in
//! the same transaction.

use sqlx::Row;

use crate::{Backend, Database, StorageError};

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
    then: Option<Step>,
}

/// Work in Rust that follows a migration's SQL.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The search rows of the threads written before 0006.
    BackfillInboxSearch,
    /// On SQLite, the search rows again, under keys in activity order (0010).
    RekeyInboxSearch,
    /// On PostgreSQL, the search entries and term counts of the rows written before 0011.
    DeriveSearchEntries,
    /// Each slot's day in Oslo (0013).
    SlotDays,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
        then: None,
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_messages.sql"),
        postgres: include_str!("../migrations/postgres/0002_messages.sql"),
        then: None,
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_appointments.sql"),
        postgres: include_str!("../migrations/postgres/0003_appointments.sql"),
        then: None,
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_prescriptions.sql"),
        postgres: include_str!("../migrations/postgres/0004_prescriptions.sql"),
        then: None,
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0005_notifications.sql"),
        then: None,
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_inbox_search.sql"),
        postgres: include_str!("../migrations/postgres/0006_inbox_search.sql"),
        then: Some(Step::BackfillInboxSearch),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_inbox_counts.sql"),
        postgres: include_str!("../migrations/postgres/0007_inbox_counts.sql"),
        then: None,
    },
    Migration {
        version: 8,
        sqlite: include_str!("../migrations/sqlite/0008_person_by_name.sql"),
        postgres: include_str!("../migrations/postgres/0008_person_by_name.sql"),
        then: None,
    },
    Migration {
        version: 9,
        sqlite: include_str!("../migrations/sqlite/0009_inbox_search_terms.sql"),
        postgres: include_str!("../migrations/postgres/0009_inbox_search_terms.sql"),
        then: None,
    },
    Migration {
        version: 10,
        sqlite: include_str!("../migrations/sqlite/0010_inbox_search_in_activity_order.sql"),
        postgres: include_str!("../migrations/postgres/0010_inbox_search_in_activity_order.sql"),
        then: Some(Step::RekeyInboxSearch),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../migrations/sqlite/0011_inbox_search_in_activity_order.sql"),
        postgres: include_str!("../migrations/postgres/0011_inbox_search_in_activity_order.sql"),
        then: Some(Step::DeriveSearchEntries),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../migrations/sqlite/0012_inbox_search_term_counts.sql"),
        postgres: include_str!("../migrations/postgres/0012_inbox_search_term_counts.sql"),
        then: None,
    },
    Migration {
        version: 13,
        sqlite: include_str!("../migrations/sqlite/0013_slot_days.sql"),
        postgres: include_str!("../migrations/postgres/0013_slot_days.sql"),
        then: Some(Step::SlotDays),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../migrations/sqlite/0014_free_slot_days.sql"),
        postgres: include_str!("../migrations/postgres/0014_free_slot_days.sql"),
        then: None,
    },
];

/// Key of the PostgreSQL advisory lock that keeps two processes from migrating at once.
const MIGRATION_LOCK: i64 = 0x4865_6c73_6570;

/// Applies the migrations not yet applied, up to `until` (all with `None`).
pub(crate) async fn run(db: &Database, until: Option<i64>) -> Result<(), StorageError> {
    let mut conn = db.pool().acquire().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT pg_advisory_lock({MIGRATION_LOCK})"
        )))
        .execute(&mut *conn)
        .await?;
    }
    let result = apply_pending(db.backend(), &mut conn, until).await;
    if db.backend() == Backend::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT pg_advisory_unlock({MIGRATION_LOCK})"
        )))
        .execute(&mut *conn)
        .await?;
    }
    result
}

async fn apply_pending(
    backend: Backend,
    conn: &mut sqlx::AnyConnection,
    until: Option<i64>,
) -> Result<(), StorageError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migration")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>("version"))
        .collect::<Result<_, _>>()?;
    let pending = MIGRATIONS
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .filter(|m| until.is_none_or(|until| m.version <= until));
    for migration in pending {
        let sql = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        match migration.then {
            Some(Step::BackfillInboxSearch) => {
                crate::messages::backfill_search(&mut tx, backend).await?;
            }
            Some(Step::RekeyInboxSearch) if backend == Backend::Sqlite => {
                crate::messages::backfill_search(&mut tx, backend).await?;
            }
            Some(Step::RekeyInboxSearch) => {}
            Some(Step::DeriveSearchEntries) if backend == Backend::Postgres => {
                crate::messages::derive_search_entries(&mut *tx, backend).await?;
            }
            Some(Step::DeriveSearchEntries) => {}
            Some(Step::SlotDays) => crate::appointments::backfill_slot_days(&mut tx).await?,
            None => {}
        }
        sqlx::query("INSERT INTO schema_migration (version, applied_at) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(unix_now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = migration.version, "applied migration");
    }
    Ok(())
}

/// Migration bookkeeping is the one place storage reads the clock itself.
fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}
