//! The reads every citizen page makes (the session, the front page's facts, the GP, Innboks,
//! free slots), written once for both engines, each with connections of its own.
//!
//! On SQLite they run on the calling thread through a small pool of `rusqlite` connections
//! that may only read: a read of a few rows takes microseconds there, and sqlx's SQLite driver
//! hands every statement to a thread of its own and every row back, which cost more than the
//! reads themselves (the benchmark's front page ran at less than half its rate because of it).
//! In WAL mode a reader does not wait for the writer, so a read does not hold its thread for
//! long.
//!
//! On PostgreSQL they go through a few sqlx connections kept here rather than in sqlx's pool:
//! the pool tests every connection given back with a round trip of its own (`ping`), which
//! doubled the round trips of a page and most of the server's work for a short read. A reader
//! connection is given back only after its query finished; one whose query failed or was
//! abandoned half way (the request went away) is closed instead.
//!
//! Writes, and reads inside a transaction, stay with the sqlx pool.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::AnyConnection;
use sqlx::any::{AnyConnectOptions, AnyRow};
use sqlx::{Connection as _, Executor as _, Row as _};
use tokio::sync::Semaphore;

use crate::{Database, StorageError};

/// A column type both drivers can read.
pub(crate) trait ColumnValue:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl<T> ColumnValue for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

/// A result row of either driver, read by column name, so that one mapping function serves
/// both.
pub(crate) trait ReadRow {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError>;
}

impl ReadRow for AnyRow {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        Ok(self.try_get(name)?)
    }
}

/// A `rusqlite` row with its statement's column names, read once per query: rusqlite finds a
/// column by name by asking SQLite for every column's name again (with `strlen` and a UTF-8
/// check each time), which was a twentieth of the slots page.
pub(crate) struct SqliteRow<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    columns: &'r [String],
}

impl ReadRow for SqliteRow<'_, '_> {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        let index = self
            .columns
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_owned()))?;
        Ok(self.row.get(index)?)
    }
}

/// The row a read hands to its mapping function.
pub(crate) enum DbRow<'r, 's> {
    Any(&'r AnyRow),
    Sqlite(SqliteRow<'r, 's>),
}

impl ReadRow for DbRow<'_, '_> {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        match self {
            Self::Any(row) => row.value(name),
            Self::Sqlite(row) => row.value(name),
        }
    }
}

/// A parameter of a read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    Text(&'a str),
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(value)
    }
}

/// A read being put together: the SQL (with `$1`, `$2`, … as everywhere in the crate) and its
/// parameters in order.
pub(crate) struct Read<'d, 'a> {
    db: &'d Database,
    sql: &'a str,
    args: Vec<Arg<'a>>,
    keep_statement: bool,
}

impl Database {
    /// Starts a read of the pool (not of a transaction).
    pub(crate) fn read<'a>(&self, sql: &'a str) -> Read<'_, 'a> {
        Read {
            db: self,
            sql,
            args: Vec::new(),
            keep_statement: true,
        }
    }

    /// How often, on SQLite, a frequent read's kept statement was planned again before it ran
    /// (0 on PostgreSQL). It should stay at 0: SQLite plans again when a bound value could
    /// change the plan (a bound `LIMIT`, or an indexed column with sampled statistics), and
    /// then each read costs a parse and a plan.
    pub fn sqlite_read_replans(&self) -> u64 {
        match &self.readers {
            Readers::Sqlite(readers) => readers.replans.load(Ordering::Relaxed),
            Readers::Postgres(_) => 0,
        }
    }
}

impl<'a> Read<'_, 'a> {
    pub(crate) fn bind(mut self, arg: impl Into<Arg<'a>>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Whether the prepared statement is kept for the next read of the same SQL (the default).
    pub(crate) fn keep_statement(mut self, keep: bool) -> Self {
        self.keep_statement = keep;
        self
    }

    /// Every row, mapped.
    pub(crate) async fn all<T>(
        self,
        mut map: impl FnMut(&DbRow<'_, '_>) -> Result<T, StorageError>,
    ) -> Result<Vec<T>, StorageError> {
        let mut out = Vec::new();
        self.each(|row| {
            out.push(map(row)?);
            Ok(true)
        })
        .await?;
        Ok(out)
    }

    /// The first row, mapped, if there is one.
    pub(crate) async fn optional<T>(
        self,
        mut map: impl FnMut(&DbRow<'_, '_>) -> Result<T, StorageError>,
    ) -> Result<Option<T>, StorageError> {
        let mut out = None;
        self.each(|row| {
            out = Some(map(row)?);
            Ok(false)
        })
        .await?;
        Ok(out)
    }

    /// The one row the SQL always returns (an aggregate), mapped.
    pub(crate) async fn one<T>(
        self,
        map: impl FnMut(&DbRow<'_, '_>) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        self.optional(map).await?.ok_or_else(|| {
            StorageError::Corrupt("a query that always returns a row did not".into())
        })
    }

    /// Hands each row to `visit` until it says stop.
    async fn each(
        self,
        mut visit: impl FnMut(&DbRow<'_, '_>) -> Result<bool, StorageError>,
    ) -> Result<(), StorageError> {
        match &self.db.readers {
            Readers::Sqlite(readers) => {
                readers.each(self.sql, &self.args, self.keep_statement, visit)
            }
            Readers::Postgres(readers) => {
                let rows = readers
                    .fetch_all(self.sql, &self.args, self.keep_statement)
                    .await?;
                for row in &rows {
                    if !visit(&DbRow::Any(row))? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
}

/// The connections reads go through, by engine.
#[derive(Clone)]
pub(crate) enum Readers {
    Sqlite(Arc<SqliteReaders>),
    Postgres(Arc<PostgresReaders>),
}

impl Readers {
    pub(crate) fn close(&self) {
        match self {
            Self::Sqlite(readers) => readers.close(),
            Self::Postgres(readers) => readers.close(),
        }
    }
}

/// The PostgreSQL connections that serve [`Read`]s: at most `PostgresReaders::MAX_OPEN`
/// at once, opened on first use.
pub(crate) struct PostgresReaders {
    options: AnyConnectOptions,
    idle: Mutex<Vec<AnyConnection>>,
    /// One per connection that may be open; closed by [`Database::close`].
    permits: Semaphore,
}

impl PostgresReaders {
    /// As many as the pool for writes: enough to keep two cores busy.
    const MAX_OPEN: usize = 8;

    pub(crate) fn new(options: AnyConnectOptions) -> Arc<Self> {
        Arc::new(Self {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(Self::MAX_OPEN),
        })
    }

    fn close(&self) {
        self.permits.close();
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    async fn open(&self) -> Result<AnyConnection, StorageError> {
        let mut connection = AnyConnection::connect_with(&self.options).await?;
        connection.execute(crate::POSTGRES_SESSION_SETTINGS).await?;
        Ok(connection)
    }

    async fn fetch_all(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        keep_statement: bool,
    ) -> Result<Vec<AnyRow>, StorageError> {
        let _permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.acquire())
            .await
            .map_err(|_| StorageError::Unavailable("no database connection became free".into()))?
            .map_err(|_| StorageError::Unavailable("the database is closed".into()))?;
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let reused = idle.is_some();
        let mut connection = match idle {
            Some(connection) => connection,
            None => self.open().await?,
        };
        let rows = match query(sql, args, keep_statement)
            .fetch_all(&mut connection)
            .await
        {
            Ok(rows) => rows,
            // An idle connection the server has closed meanwhile (it restarted, or ended idle
            // sessions) fails on its first use; a read may run again on a new one.
            Err(error) if reused && crate::error::ended_connection(&error) => {
                tracing::info!(%error, "a kept database connection was gone; reading on a new one");
                connection = self.open().await?;
                query(sql, args, keep_statement)
                    .fetch_all(&mut connection)
                    .await?
            }
            Err(error) => return Err(error.into()),
        };
        // Not kept once the database is closed (`close` emptied the idle list meanwhile).
        if let Ok(mut idle) = self.idle.lock()
            && !self.permits.is_closed()
        {
            idle.push(connection);
        }
        Ok(rows)
    }
}

/// How long a read waits for a free connection, as the pool does.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

fn query<'q>(
    sql: &'q str,
    args: &[Arg<'_>],
    keep_statement: bool,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(keep_statement);
    for arg in args {
        query = match *arg {
            Arg::Int(value) => query.bind(value),
            Arg::Text(value) => query.bind(value.to_owned()),
        };
    }
    query
}

/// Idle reader connections kept open; more may be open at once (one per thread reading).
const IDLE_READERS: usize = 8;

/// The `rusqlite` connections of a SQLite database that serve [`Read`]s. They are opened on
/// first use and may only read (`PRAGMA query_only`).
pub(crate) struct SqliteReaders {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    /// Set by [`Database::close`]: reads fail from then on, as with the sqlx pool.
    closed: AtomicBool,
    /// How often SQLite planned a kept statement again before running it (see
    /// [`Database::sqlite_read_replans`]).
    replans: AtomicU64,
}

impl SqliteReaders {
    pub(crate) fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            path,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            replans: AtomicU64::new(0),
        })
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    fn open(&self) -> Result<rusqlite::Connection, StorageError> {
        let connection = rusqlite::Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.execute_batch("PRAGMA query_only = ON;")?;
        connection.set_prepared_statement_cache_capacity(64);
        Ok(connection)
    }

    fn take(&self) -> Result<rusqlite::Connection, StorageError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StorageError::Unavailable("the database is closed".into()));
        }
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        match idle {
            Some(connection) => Ok(connection),
            None => self.open(),
        }
    }

    fn give_back(&self, connection: rusqlite::Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_READERS
            && !self.closed.load(Ordering::SeqCst)
        {
            idle.push(connection);
        }
    }

    fn each(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        keep_statement: bool,
        visit: impl FnMut(&DbRow<'_, '_>) -> Result<bool, StorageError>,
    ) -> Result<(), StorageError> {
        let connection = self.take()?;
        let result = run(&connection, sql, args, keep_statement, visit, &self.replans);
        self.give_back(connection);
        result
    }
}

fn run(
    connection: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    keep_statement: bool,
    visit: impl FnMut(&DbRow<'_, '_>) -> Result<bool, StorageError>,
    replans: &AtomicU64,
) -> Result<(), StorageError> {
    if keep_statement {
        let mut statement = connection.prepare_cached(sql)?;
        let result = query_rows(&mut statement, args, visit);
        let planned_again = statement.get_status(rusqlite::StatementStatus::RePrepare);
        if planned_again > 0 {
            replans.fetch_add(planned_again as u64, Ordering::Relaxed);
            statement.reset_status(rusqlite::StatementStatus::RePrepare);
        }
        result
    } else {
        query_rows(&mut connection.prepare(sql)?, args, visit)
    }
}

fn query_rows(
    statement: &mut rusqlite::Statement<'_>,
    args: &[Arg<'_>],
    mut visit: impl FnMut(&DbRow<'_, '_>) -> Result<bool, StorageError>,
) -> Result<(), StorageError> {
    bind_numbered(statement, args)?;
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next()? {
        let row = SqliteRow {
            row,
            columns: &columns,
        };
        if !visit(&DbRow::Sqlite(row))? {
            break;
        }
    }
    Ok(())
}

/// Binds `$n` to the n-th argument. SQLite counts `$1`, `$2`, … as names, numbered in the
/// order they first appear, so a SQL text that uses `$2` before `$1` or twice would be
/// bound wrongly by position.
fn bind_numbered(
    statement: &mut rusqlite::Statement<'_>,
    args: &[Arg<'_>],
) -> Result<(), StorageError> {
    for index in 1..=statement.parameter_count() {
        let name = statement.parameter_name(index).unwrap_or_default();
        let number: usize = name
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StorageError::Corrupt(format!("parameter {name} is not $n")))?;
        let arg = number
            .checked_sub(1)
            .and_then(|i| args.get(i))
            .ok_or_else(|| StorageError::Corrupt(format!("no value for parameter {name}")))?;
        match *arg {
            Arg::Int(value) => statement.raw_bind_parameter(index, value)?,
            Arg::Text(value) => statement.raw_bind_parameter(index, value)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file with a small table, removed when dropped.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn scratch_database() -> Scratch {
        let path = std::env::temp_dir().join(format!("hp-reads-{}.db", crate::random_token()));
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                 INSERT INTO t VALUES (1, 'en'), (2, 'to'), (3, 'tre');",
            )
            .unwrap();
        Scratch(path)
    }

    fn names(readers: &SqliteReaders, sql: &str, args: &[Arg<'_>]) -> Vec<String> {
        let mut out = Vec::new();
        readers
            .each(sql, args, true, |row| {
                out.push(row.value::<String>("name")?);
                Ok(true)
            })
            .unwrap();
        out
    }

    #[test]
    fn parameters_are_bound_by_their_number_not_their_place() {
        let database = scratch_database();
        let readers = SqliteReaders::new(database.0.clone());
        // `$2` comes first and `$1` twice: SQLite numbers them 1 and 2 in the other order.
        let sql = "SELECT name FROM t WHERE id >= $2 AND id <= $1 AND $1 = $1 ORDER BY id";
        assert_eq!(
            names(&readers, sql, &[Arg::Int(2), Arg::Int(1)]),
            vec!["en", "to"]
        );
        let missing = readers
            .each(sql, &[Arg::Int(2)], true, |_| Ok(true))
            .unwrap_err();
        assert!(missing.to_string().contains("$2"), "{missing}");
    }

    #[test]
    fn columns_are_found_by_their_name_wherever_they_stand() {
        let database = scratch_database();
        let readers = SqliteReaders::new(database.0.clone());
        let mut read = Vec::new();
        readers
            .each(
                "SELECT name, id, name || '!' AS shout FROM t WHERE id = $1",
                &[Arg::Int(3)],
                true,
                |row| {
                    read.push((
                        row.value::<i64>("id")?,
                        row.value::<String>("shout")?,
                        row.value::<String>("name")?,
                    ));
                    Ok(true)
                },
            )
            .unwrap();
        assert_eq!(read, vec![(3, "tre!".to_owned(), "tre".to_owned())]);
        let unknown = readers
            .each("SELECT name FROM t", &[], true, |row| {
                row.value::<String>("navn").map(|_| true)
            })
            .unwrap_err();
        assert!(unknown.to_string().contains("navn"), "{unknown}");
    }

    #[test]
    fn readers_cannot_write_and_stop_when_closed() {
        let database = scratch_database();
        let readers = SqliteReaders::new(database.0.clone());
        assert_eq!(
            names(
                &readers,
                "SELECT name FROM t WHERE name = $1",
                &[Arg::Text("tre")]
            ),
            vec!["tre"]
        );
        let write = readers
            .each(
                "UPDATE t SET name = $1 RETURNING name",
                &[Arg::Text("x")],
                true,
                |_| Ok(true),
            )
            .unwrap_err();
        assert!(write.to_string().contains("readonly"), "{write}");
        readers.close();
        let closed = readers
            .each("SELECT name FROM t", &[], true, |_| Ok(true))
            .unwrap_err();
        assert!(closed.is_unavailable(), "{closed}");
    }
}
