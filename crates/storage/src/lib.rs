//! Helseportal's storage: one codebase over SQLite (the embedded default) and PostgreSQL (for
//! many app processes on one database), chosen at run time from the URL scheme.
//!
//! The queries are written once in the SQL both engines share (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`); only the DDL differs, so each engine has its own migrations folder.
//! Times are stored as Unix seconds and enums as their stable domain codes, so the columns
//! are integers and text on both engines.

mod appointments;
mod backup;
mod demo;
mod error;
/// The synthetic population of the benchmark: only for `helseportal-bench` and the tests, never
/// in the portal's own binary.
#[cfg(feature = "generate")]
mod generate;
mod messages;
mod migrate;
mod notifications;
mod objects;
mod offices;
mod persons;
mod prescriptions;
mod reads;
mod sessions;
mod settings;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use appointments::{
    Booking, BookingAnswer, BookingOutcome, BookingRefused, NewBooking, NewSlot, OfficeBooked,
    OfficeBooking, Period, Slot, day_bounds, days_left_in_month,
};
pub use backup::{BackupError, backup_sqlite};
pub use demo::{
    DemoPersons, seed_demo, seed_demo_contacts, seed_demo_prescriptions, seed_demo_slots,
};
pub use error::StorageError;
#[cfg(feature = "generate")]
pub use generate::{
    GenerateReport, HELD_BACK_DAYS, PopulationPlan, SLOTS_PER_GP_DAY, slot_days, synthetic_fnr,
};
pub use messages::{
    AccessLogEntry, Answered, Attachment, CopaymentCharge, FrontPageFacts, InboxCursor,
    InboxListing, Message, MessageDraft, NewAnswer, NewAttachment, NewThread, Sent, ThreadStatus,
    ThreadSummary,
};
pub use notifications::{
    ClaimedJob, CodeCheck, CodeResent, ContactDetails, ContactSaved, ContactUpdate, DueJobs,
    JobKind, JobPlan, JobRetry, PendingConfirmation, QueueCounts, Recipient,
};
pub use objects::{ObjectStore, S3Settings};
pub use offices::{GpOverview, Office, Practitioner, StaffMember};
pub use persons::{ConsentRecord, Person, PersonSummary};
pub use prescriptions::{Dispensation, NewPrescription, Prescription};
pub use sessions::{
    CitizenLookup, CitizenSession, IdpCode, LoginAttempt, NewSession, PageData, PageRead, Session,
    SessionEnd, SessionKind, SessionLookup, SessionTimeouts,
};

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Chooses the engine from the URL scheme; anything else is refused with a clear message.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(StorageError::UnknownScheme(scheme.to_owned())),
        }
    }
}

/// The connection pool and the engine behind it.
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
    /// The connections the frequent reads go through (see `reads`).
    readers: reads::Readers,
    /// On SQLite, whose writer's lock admits one at a time, this process's writers take turns
    /// here first (see [`Database::begin_write`] and [`Database::write_connection`]).
    write_turn: Arc<tokio::sync::Mutex<()>>,
}

/// The write pool's connections at one moment ([`Database::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

/// What every PostgreSQL connection sets first. Every query of the portal is short: a
/// parallel worker costs more to start than the query takes, and a mis-estimated plan would
/// compile itself on every request with JIT. A random read costs the planner about what a
/// sequential one does, as for a database held in memory or on SSD (PostgreSQL's default of 4
/// is for spinning disks): with the default, a thread's office was found by reading every
/// office rather than by its key, once for each line of an Innboks page.
pub(crate) const POSTGRES_SESSION_SETTINGS: &str =
    "SET max_parallel_workers_per_gather = 0; SET jit = off; SET random_page_cost = 1.1";

impl Database {
    /// Connects to the database the URL names. A SQLite file (and its folder) is created when
    /// missing; SQLite runs in WAL mode with a busy timeout so that readers never block writers.
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let (url, sqlite_path) = match backend {
            Backend::Sqlite => {
                let (url, path) = prepare_sqlite_url(url)?;
                (url, Some(path))
            }
            Backend::Postgres => (url.to_owned(), None),
        };
        let options =
            AnyConnectOptions::from_str(&url).map_err(|e| StorageError::BadUrl(e.to_string()))?;
        // The pool carries the writes and the transactions; the frequent reads have
        // connections of their own (`reads`). Eight PostgreSQL connections keep two cores
        // busy; more only wait inside the server for the same cores.
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .max_connections(8);
        let pool_options = match backend {
            Backend::Sqlite => pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(POSTGRES_SESSION_SETTINGS).await?;
                    Ok(())
                })
            }),
        };
        let readers = match sqlite_path {
            Some(path) => reads::Readers::Sqlite(reads::SqliteReaders::new(path)),
            None => reads::Readers::Postgres(reads::PostgresReaders::new(&url)?),
        };
        let pool = pool_options.connect_with(options).await?;
        Ok(Self {
            pool,
            backend,
            readers,
            write_turn: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the migrations that are not yet applied.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        migrate::run(self, None).await
    }

    /// Applies the migrations that are not yet applied up to `version` only, so that a test
    /// can write rows as an older schema held them and then migrate the rest.
    pub async fn migrate_up_to(&self, version: i64) -> Result<(), StorageError> {
        migrate::run(self, Some(version)).await
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The operating system's id of the PostgreSQL process that serves one of the pool's
    /// connections (`None` on SQLite, which runs in this process): the benchmark reads the
    /// database server's CPU time through its parent.
    pub async fn server_process_id(&self) -> Result<Option<u32>, StorageError> {
        match self.backend {
            Backend::Sqlite => Ok(None),
            Backend::Postgres => {
                let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(u32::try_from(pid).ok())
            }
        }
    }

    /// Closes the pool; further calls fail as if the database were unreachable.
    pub async fn close(&self) {
        self.pool.close().await;
        self.readers.close();
    }

    /// The connections of the pool that carries writes and transactions, as the pool counts
    /// them (no query): for monitoring.
    pub fn pool_stats(&self) -> PoolStats {
        let open = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(open);
        PoolStats {
            in_use: open.saturating_sub(idle),
            idle,
            max: self.pool.options().get_max_connections(),
        }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that two writers queue instead of failing when one's read
    /// snapshot went stale under the other's commit; and before that it waits for its turn
    /// among this process's writers, first come first served. Without the turn, writers
    /// waiting for SQLite's lock slept in its busy handler, longer the longer they had waited:
    /// the lock stood free while they slept, and the one that had waited longest slept
    /// longest, which made the slowest bookings of a rush many times the typical one. Writers
    /// of other processes still wait in the busy handler.
    pub(crate) async fn begin_write(&self) -> Result<WriteTransaction, StorageError> {
        self.begin_write_within(WRITE_TURN_TIMEOUT).await
    }

    async fn begin_write_within(
        &self,
        turn_timeout: Duration,
    ) -> Result<WriteTransaction, StorageError> {
        let turn = self.write_turn_within(turn_timeout).await?;
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(InWriteTurn {
            inner: transaction,
            _turn: turn,
        })
    }

    /// A connection for one statement that writes outside a transaction. On SQLite it waits
    /// for the process's turn to write first and holds it while in use, as a write
    /// transaction does ([`Database::begin_write`]): the statement then queues with them
    /// instead of sleeping in SQLite's busy handler while one of them writes.
    pub(crate) async fn write_connection(&self) -> Result<WriteConnection, StorageError> {
        self.write_connection_within(WRITE_TURN_TIMEOUT).await
    }

    async fn write_connection_within(
        &self,
        turn_timeout: Duration,
    ) -> Result<WriteConnection, StorageError> {
        let turn = self.write_turn_within(turn_timeout).await?;
        Ok(InWriteTurn {
            inner: self.pool.acquire().await?,
            _turn: turn,
        })
    }

    /// On SQLite, this process's turn to write, waited for at most `turn_timeout`; none is
    /// needed on PostgreSQL, whose writers lock only the rows they write.
    async fn write_turn_within(
        &self,
        turn_timeout: Duration,
    ) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>, StorageError> {
        match self.backend {
            Backend::Sqlite => {
                tokio::time::timeout(turn_timeout, Arc::clone(&self.write_turn).lock_owned())
                    .await
                    .map(Some)
                    .map_err(|_| {
                        StorageError::Unavailable(
                            "the database was busy writing for too long".into(),
                        )
                    })
            }
            Backend::Postgres => Ok(None),
        }
    }
}

/// How long a writer waits for its turn on SQLite: as long as SQLite's own busy timeout lets
/// a writer wait for the lock.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection used in the process's turn to write on SQLite, which it holds until dropped
/// (or, for a transaction, committed or rolled back). Statements run on it as on the
/// connection (`&mut *tx`).
pub(crate) struct InWriteTurn<C> {
    // Declared before the turn, so dropped first: an abandoned transaction's rollback is
    // queued, and a connection is back in the pool, before the next writer's turn begins.
    inner: C,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// A transaction begun by [`Database::begin_write`].
pub(crate) type WriteTransaction = InWriteTurn<sqlx::Transaction<'static, sqlx::Any>>;

/// A pooled connection from [`Database::write_connection`], for one statement.
pub(crate) type WriteConnection = InWriteTurn<sqlx::pool::PoolConnection<sqlx::Any>>;

impl WriteTransaction {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl<C: std::ops::Deref<Target = sqlx::AnyConnection>> std::ops::Deref for InWriteTurn<C> {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl<C: std::ops::DerefMut<Target = sqlx::AnyConnection>> std::ops::DerefMut for InWriteTurn<C> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

/// Bind parameters per statement of the multi-row `INSERT`s that write many rows (the
/// population generator, migrations). The engines allow thousands, but the driver's cost per
/// parameter grows with their number, so a few hundred write far more rows a second than
/// thousands do.
pub(crate) const PARAMS_PER_STATEMENT: usize = 250;

/// A multi-row `INSERT` of `rows` rows into `columns` of `table`. `values` gives each column's
/// SQL, with `$` standing for its parameter (plain `$` for most; an expression around it where
/// an engine stores the value in its own type).
pub(crate) fn insert_sql(table: &str, columns: &[&str], values: &[&str], rows: usize) -> String {
    let width = columns.len();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            let parameter = format!("${}", row * width + column + 1);
            let value = values.get(column).copied().unwrap_or("$");
            sql.push_str(&value.replacen('$', &parameter, 1));
        }
        sql.push(')');
    }
    sql
}

/// Accepts `sqlite://path` and `sqlite:path`; makes sure the file may be created and its
/// folder exists, and returns the URL for sqlx with the file's path. An in-memory database is
/// refused: each connection of the pool would have its own, empty one.
fn prepare_sqlite_url(url: &str) -> Result<(String, PathBuf), StorageError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(StorageError::BadUrl("the SQLite URL names no file".into()));
    }
    if path == ":memory:" {
        return Err(StorageError::BadUrl(
            "an in-memory SQLite database is one per connection; name a file".into(),
        ));
    }
    let parent = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent).map_err(|e| {
            StorageError::BadUrl(format!(
                "cannot create the folder {}: {e}",
                parent.display()
            ))
        })?;
    }
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    Ok((
        format!("sqlite://{path}?{}", params.join("&")),
        PathBuf::from(path),
    ))
}

/// Random URL-safe token of 32 bytes (256 bits).
pub fn random_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a text has the shape [`random_token`] gives: 43 characters of URL-safe base64,
/// 256 bits. A token a browser hands back is checked with this before it is trusted.
pub fn is_random_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Tokens are stored hashed, so a leaked database does not hand out live sessions.
pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(token.as_bytes());
    hex(&digest)
}

/// Lowercase hexadecimal of `bytes`. Every citizen page hashes its session token, and writing
/// each byte through `format!` cost an allocation per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://u@h/db").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown database URL scheme \"mysql\": use sqlite:// or postgres://"
        );
    }

    #[test]
    fn random_tokens_have_the_shape_checked() {
        for _ in 0..100 {
            assert!(is_random_token(&random_token()));
        }
        assert!(!is_random_token("a"));
        assert!(!is_random_token(&"a".repeat(42)));
        assert!(!is_random_token(&"a".repeat(44)));
        assert!(!is_random_token(&format!("{}=", "a".repeat(42))));
        assert!(!is_random_token(&format!("{}+", "a".repeat(42))));
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = std::env::temp_dir().join(format!("hp-url-{}", random_token()));
        let url = format!("sqlite://{}/portal.db", dir.display());
        let (prepared, path) = prepare_sqlite_url(&url).unwrap();
        assert!(prepared.ends_with("portal.db?mode=rwc"), "{prepared}");
        assert_eq!(path, dir.join("portal.db"));
        assert!(dir.exists());
        let memory = prepare_sqlite_url("sqlite::memory:").unwrap_err();
        assert!(memory.to_string().contains("in-memory"), "{memory}");
    }

    #[tokio::test]
    async fn sqlite_writes_take_turns_in_the_order_they_came() {
        let dir = std::env::temp_dir().join(format!("hp-turn-{}", random_token()));
        let db = Database::connect(&format!("sqlite://{}/portal.db", dir.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE turn (n INTEGER NOT NULL)")
            .execute(db.pool())
            .await
            .unwrap();
        let mut first = db.begin_write().await.unwrap();
        // While the first holds the turn, the next writers line up behind it, each writing
        // its place in the line: transactions, and between them single statements outside a
        // transaction.
        let mut waiting = Vec::new();
        for n in 1..=5_i64 {
            let writer = db.clone();
            waiting.push(tokio::spawn(async move {
                let insert = sqlx::query("INSERT INTO turn (n) VALUES ($1)").bind(n);
                if n % 2 == 0 {
                    insert
                        .execute(&mut *writer.write_connection().await.unwrap())
                        .await
                        .unwrap();
                } else {
                    let mut tx = writer.begin_write().await.unwrap();
                    insert.execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }));
            // Each is in line before the next comes: the turn is shared by this handle, the
            // first's guard, and per writer its handle and its wait for the lock.
            while Arc::strong_count(&db.write_turn) < 2 + 2 * n as usize {
                tokio::task::yield_now().await;
            }
        }
        let timed_out = db
            .begin_write_within(Duration::from_millis(50))
            .await
            .err()
            .expect("the turn is held");
        assert!(
            matches!(timed_out, StorageError::Unavailable(_)),
            "{timed_out:?}"
        );
        let timed_out = db
            .write_connection_within(Duration::from_millis(50))
            .await
            .err()
            .expect("the turn is held");
        assert!(
            matches!(timed_out, StorageError::Unavailable(_)),
            "{timed_out:?}"
        );
        sqlx::query("INSERT INTO turn (n) VALUES (0)")
            .execute(&mut *first)
            .await
            .unwrap();
        // Dropped, not committed: its write is undone and the turn passes on.
        drop(first);
        for task in waiting {
            task.await.unwrap();
        }
        let written: Vec<i64> = sqlx::query_scalar("SELECT n FROM turn ORDER BY rowid")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(written, vec![1, 2, 3, 4, 5]);
        db.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn insert_sql_numbers_every_parameter() {
        assert_eq!(
            insert_sql("t", &["a", "b"], &[], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql("t", &["a", "b"], &["$", "f($, ' ')"], 2),
            "INSERT INTO t (a, b) VALUES ($1, f($2, ' ')), ($3, f($4, ' '))"
        );
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(random_token(), random_token());
        assert_eq!(hash_token("a"), hash_token("a"));
        assert_eq!(hash_token("a").len(), 64);
    }
}
