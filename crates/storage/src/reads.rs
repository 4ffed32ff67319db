//! The reads every citizen page makes (the session, the front page's facts, the GP, Innboks,
//! free slots), written once for both engines, each with connections of its own.
//!
//! On SQLite they run on the calling thread through a small pool of `rusqlite` connections
//! that may only read: a read of a few rows takes microseconds there, and sqlx's SQLite driver
//! hands every statement to a thread of its own and every row back, which cost more than the
//! reads themselves.
//! In WAL mode a reader does not wait for the writer, so a read does not hold its thread for
//! long.
//!
//! On PostgreSQL they go through `tokio-postgres` on a few connections that every read shares
//! (see [`PostgresReaders`]). sqlx's pool gave each read a connection of its own and tested
//! every connection given back with a round trip of its own, and its run-time driver copies
//! every row into values of its own before they are read.
//!
//! Writes, and reads inside a transaction, stay with the sqlx pool.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Row as _;
use sqlx::any::AnyRow;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type};

use crate::{Database, StorageError};

/// A column type every driver can read.
pub(crate) trait ColumnValue:
    for<'r> sqlx::Decode<'r, sqlx::Any>
    + sqlx::Type<sqlx::Any>
    + rusqlite::types::FromSql
    + PostgresValue
{
}

impl<T> ColumnValue for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any>
        + sqlx::Type<sqlx::Any>
        + rusqlite::types::FromSql
        + PostgresValue
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

/// A column's value as PostgreSQL sent it (binary format), whatever its type.
struct RawValue<'r> {
    ty: Type,
    bytes: Option<&'r [u8]>,
}

impl<'r> FromSql<'r> for RawValue<'r> {
    fn from_sql(
        ty: &Type,
        raw: &'r [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self {
            ty: ty.clone(),
            bytes: Some(raw),
        })
    }

    fn from_sql_null(ty: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self {
            ty: ty.clone(),
            bytes: None,
        })
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A Rust value read from a PostgreSQL column as leniently as sqlx's run-time driver reads it,
/// so that the same SQL maps the same way through both: an integer of any width is an `i64`
/// (`COUNT(*)` is `BIGINT`, a literal `1` is `INTEGER`).
pub(crate) trait PostgresValue: Sized {
    fn from_postgres(ty: &Type, raw: Option<&[u8]>) -> Result<Self, String>;
}

fn not_null(raw: Option<&[u8]>) -> Result<&[u8], String> {
    raw.ok_or_else(|| "unexpected NULL".to_owned())
}

fn decode<'r, T: FromSql<'r>>(ty: &Type, raw: &'r [u8]) -> Result<T, String> {
    T::from_sql(ty, raw).map_err(|e| e.to_string())
}

impl PostgresValue for i64 {
    fn from_postgres(ty: &Type, raw: Option<&[u8]>) -> Result<Self, String> {
        let raw = not_null(raw)?;
        match *ty {
            Type::INT8 => decode::<i64>(ty, raw),
            Type::INT4 => decode::<i32>(ty, raw).map(i64::from),
            Type::INT2 => decode::<i16>(ty, raw).map(i64::from),
            _ => Err(format!("{ty} is not an integer")),
        }
    }
}

impl PostgresValue for String {
    fn from_postgres(ty: &Type, raw: Option<&[u8]>) -> Result<Self, String> {
        decode::<String>(ty, not_null(raw)?)
    }
}

impl PostgresValue for bool {
    fn from_postgres(ty: &Type, raw: Option<&[u8]>) -> Result<Self, String> {
        decode::<bool>(ty, not_null(raw)?)
    }
}

impl<T: PostgresValue> PostgresValue for Option<T> {
    fn from_postgres(ty: &Type, raw: Option<&[u8]>) -> Result<Self, String> {
        raw.map(|raw| T::from_postgres(ty, Some(raw))).transpose()
    }
}

/// A `rusqlite` row with its statement's column names, read once per query: rusqlite finds a
/// column by name by asking SQLite for every column's name again (with `strlen` and a UTF-8
/// check each time), which showed in the profile of every page with many rows.
pub(crate) struct SqliteRow<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    columns: &'r [String],
    /// Where the search for the next column starts: the one after the last found. Mapping
    /// functions mostly read the columns in the order they are selected, so a read finds its
    /// column at the first comparison instead of after all the columns before it.
    next: Cell<usize>,
}

impl ReadRow for SqliteRow<'_, '_> {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        let start = self.next.get().min(self.columns.len());
        let (before, after) = self.columns.split_at(start);
        let index = after
            .iter()
            .position(|column| column == name)
            .map(|i| start + i)
            .or_else(|| before.iter().position(|column| column == name))
            .ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_owned()))?;
        self.next.set(index + 1);
        Ok(self.row.get(index)?)
    }
}

/// A `tokio-postgres` row whose columns are found by name from the one after the last found,
/// as in [`SqliteRow`]: `Row::try_get` by name compares the name with every column before it.
pub(crate) struct PostgresRow<'r> {
    row: &'r tokio_postgres::Row,
    next: Cell<usize>,
}

impl ReadRow for PostgresRow<'_> {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        let columns = self.row.columns();
        let start = self.next.get().min(columns.len());
        let (before, after) = columns.split_at(start);
        let index = after
            .iter()
            .position(|column| column.name() == name)
            .map(|i| start + i)
            .or_else(|| before.iter().position(|column| column.name() == name))
            .ok_or_else(|| StorageError::Corrupt(format!("column {name}: no such column")))?;
        self.next.set(index + 1);
        let column = |message: String| StorageError::Corrupt(format!("column {name}: {message}"));
        let raw: RawValue<'_> = self.row.try_get(index).map_err(|e| column(e.to_string()))?;
        T::from_postgres(&raw.ty, raw.bytes).map_err(column)
    }
}

/// The row a read hands to its mapping function.
pub(crate) enum DbRow<'r, 's> {
    Postgres(PostgresRow<'r>),
    Sqlite(SqliteRow<'r, 's>),
}

impl ReadRow for DbRow<'_, '_> {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        match self {
            Self::Postgres(row) => row.value(name),
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
}

impl Database {
    /// Starts a read of the pool (not of a transaction).
    pub(crate) fn read<'a>(&self, sql: &'a str) -> Read<'_, 'a> {
        Read {
            db: self,
            sql,
            args: Vec::new(),
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
            Readers::Sqlite(readers) => readers.each(self.sql, &self.args, visit),
            Readers::Postgres(readers) => {
                let rows = readers.fetch_all(self.sql, &self.args).await?;
                for row in &rows {
                    let row = DbRow::Postgres(PostgresRow {
                        row,
                        next: Cell::new(0),
                    });
                    if !visit(&row)? {
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

/// The PostgreSQL connections that serve [`Read`]s: a few, each shared by every read that
/// needs one at the same time. `tokio-postgres` pipelines them: the queries of many requests
/// go out in one write and their answers come back in one read, so the server's process for
/// the connection works through them without sleeping between round trips. A server process
/// woken for every statement costs more than the statement, so the pages are served far
/// faster this way than on sqlx connections of their own (docs/performance.md).
pub(crate) struct PostgresReaders {
    config: tokio_postgres::Config,
    slots: Vec<ReaderSlot>,
    /// Set by [`Database::close`]: reads fail from then on, as with the sqlx pool.
    closed: AtomicBool,
    /// What the slots' times count from.
    started: std::time::Instant,
}

/// One shared connection, opened on first use and again after the server ended it.
#[derive(Default)]
struct ReaderSlot {
    current: Mutex<Option<Arc<PostgresReader>>>,
    /// Reads sent on it and not yet answered (see [`PostgresReaders::choose`]).
    in_flight: AtomicUsize,
    /// When it last answered a read, or began to work after it had none, in microseconds
    /// from [`PostgresReaders::started`].
    progress: AtomicU64,
    /// Held while the slot's connection is being opened, so that the reads waiting for it
    /// open one connection rather than one each.
    opening: tokio::sync::Mutex<()>,
}

/// A connection and its prepared statements, by SQL text.
struct PostgresReader {
    client: tokio_postgres::Client,
    statements: Mutex<HashMap<String, tokio_postgres::Statement>>,
}

impl PostgresReaders {
    /// One connection per core. Reads go to the others only when the first is full or held
    /// up (`choose`); more than that would only queue inside the server for the same cores.
    fn connections() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8))
    }

    pub(crate) fn new(url: &str) -> Result<Arc<Self>, StorageError> {
        Self::with_connections(url, Self::connections())
    }

    fn with_connections(url: &str, connections: usize) -> Result<Arc<Self>, StorageError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| StorageError::BadUrl(e.to_string()))?;
        Ok(Arc::new(Self {
            config,
            slots: (0..connections.max(1))
                .map(|_| ReaderSlot::default())
                .collect(),
            closed: AtomicBool::new(false),
            started: std::time::Instant::now(),
        }))
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for slot in &self.slots {
            if let Ok(mut current) = slot.current.lock() {
                *current = None;
            }
        }
    }

    fn ensure_open(&self) -> Result<(), StorageError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StorageError::Unavailable("the database is closed".into()));
        }
        Ok(())
    }

    /// The slot's connection, opened if there is none or the server ended it. `stale` is a
    /// connection a read found gone: it is replaced, but a newer one another read opened
    /// meanwhile is used as it is.
    async fn reader(
        &self,
        slot: &ReaderSlot,
        stale: Option<&Arc<PostgresReader>>,
    ) -> Result<(Arc<PostgresReader>, bool), StorageError> {
        self.ensure_open()?;
        let usable = |current: &Option<Arc<PostgresReader>>| {
            current
                .as_ref()
                .filter(|reader| !reader.client.is_closed())
                .filter(|reader| stale.is_none_or(|stale| !Arc::ptr_eq(reader, stale)))
                .cloned()
        };
        if let Some(reader) = slot.current.lock().ok().and_then(|c| usable(&c)) {
            return Ok((reader, true));
        }
        let _opening = tokio::time::timeout(ACQUIRE_TIMEOUT, slot.opening.lock())
            .await
            .map_err(|_| StorageError::Unavailable("no database connection could be had".into()))?;
        if let Some(reader) = slot.current.lock().ok().and_then(|c| usable(&c)) {
            return Ok((reader, true));
        }
        let reader = Arc::new(self.open().await?);
        self.ensure_open()?;
        if let Ok(mut current) = slot.current.lock() {
            *current = Some(reader.clone());
        }
        Ok((reader, false))
    }

    async fn open(&self) -> Result<PostgresReader, StorageError> {
        let (client, connection) =
            tokio::time::timeout(ACQUIRE_TIMEOUT, self.config.connect(tokio_postgres::NoTls))
                .await
                .map_err(|_| {
                    StorageError::Unavailable("the database did not answer in time".into())
                })??;
        // The connection's own task reads and writes the socket; it ends with the client.
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a reader connection ended");
            }
        });
        client
            .batch_execute(crate::POSTGRES_SESSION_SETTINGS)
            .await?;
        // A kept statement is planned once, for any values. PostgreSQL otherwise plans it for
        // each run's values as long as those plans look cheaper than the generic one, which
        // for a citizen with a large inbox they always did: the Innboks page then spent many
        // times longer planning its joins than running them. The frequent reads are written
        // so that one plan serves every citizen.
        client
            .batch_execute("SET plan_cache_mode = force_generic_plan")
            .await?;
        Ok(PostgresReader {
            client,
            statements: Mutex::new(HashMap::new()),
        })
    }

    /// Reads in flight on one connection before the next goes to another.
    const FILL: usize = 256;

    /// How long a connection may answer nothing while reads wait on it before it counts as
    /// held up, in microseconds.
    const HELD_UP: u64 = 10_000;

    /// The connection a read goes on: the first that has fewer than [`Self::FILL`] reads in
    /// flight and is not held up (it answered something in the last [`Self::HELD_UP`]), else
    /// the one with fewest. So reads gather on one connection while it keeps up: the more
    /// queries one write and one wake-up of the server carry, the less each costs, and on two
    /// cores also shared with the portal a second busy server process cost more than it added
    /// (the pages served less when their reads spread over two). A connection held up by a
    /// slow query takes no new reads until it answers again.
    fn choose(&self) -> &ReaderSlot {
        let now = self.now();
        let mut least = &self.slots[0];
        for slot in &self.slots {
            let in_flight = slot.in_flight.load(Ordering::Relaxed);
            let held_up = in_flight > 0
                && now.saturating_sub(slot.progress.load(Ordering::Relaxed)) > Self::HELD_UP;
            if in_flight < Self::FILL && !held_up {
                return slot;
            }
            if in_flight < least.in_flight.load(Ordering::Relaxed) {
                least = slot;
            }
        }
        least
    }

    async fn fetch_all(
        &self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Vec<tokio_postgres::Row>, StorageError> {
        let slot = self.choose();
        let _in_flight = InFlight::count(slot, self);
        let (reader, reused) = self.reader(slot, None).await?;
        match reader.query(sql, args).await {
            Ok(rows) => Ok(rows),
            // A kept connection the server has ended meanwhile (it restarted, or ended idle
            // sessions) fails on its first use; a read may run again on a new one.
            Err(error) if reused && ended_postgres_connection(&error) => {
                tracing::info!(%error, "a kept database connection was gone; reading on a new one");
                let (reader, _) = self.reader(slot, Some(&reader)).await?;
                Ok(reader.query(sql, args).await?)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Counts a read as in flight on its connection until it is answered or abandoned, and
/// notes the connection's progress.
struct InFlight<'a> {
    slot: &'a ReaderSlot,
    readers: &'a PostgresReaders,
}

impl<'a> InFlight<'a> {
    fn count(slot: &'a ReaderSlot, readers: &'a PostgresReaders) -> Self {
        if slot.in_flight.fetch_add(1, Ordering::Relaxed) == 0 {
            slot.progress.store(readers.now(), Ordering::Relaxed);
        }
        Self { slot, readers }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.slot
            .progress
            .store(self.readers.now(), Ordering::Relaxed);
        self.slot.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PostgresReader {
    /// Runs `sql` with a statement prepared on this connection once and kept.
    async fn query(
        &self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
        let kept = self
            .statements
            .lock()
            .ok()
            .and_then(|statements| statements.get(sql).cloned());
        let statement = match kept {
            Some(statement) => statement,
            None => {
                let types: Vec<Type> = args.iter().map(Arg::postgres_type).collect();
                let statement = self.client.prepare_typed(sql, &types).await?;
                if let Ok(mut statements) = self.statements.lock() {
                    statements.insert(sql.to_owned(), statement.clone());
                }
                statement
            }
        };
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|arg| arg as _).collect();
        self.client.query(&statement, &params).await
    }
}

/// Whether PostgreSQL ended the connection or the connection could not be made (see
/// [`crate::error::ends_connection`]).
pub(crate) fn ended_postgres_connection(error: &tokio_postgres::Error) -> bool {
    error.is_closed()
        || error
            .code()
            .is_some_and(|code| crate::error::ends_connection(code.code()))
        || std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>())
}

impl Arg<'_> {
    /// The parameter's type, given when the statement is prepared, so that the server does
    /// not infer another (an `INT4` for a compared column, say) from the SQL.
    fn postgres_type(&self) -> Type {
        match self {
            Self::Int(_) => Type::INT8,
            Self::Text(_) => Type::TEXT,
        }
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Self::Int(value) => value.to_sql(ty, out),
            Self::Text(value) => value.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as ToSql>::accepts(ty) || <&str as ToSql>::accepts(ty)
    }

    tokio_postgres::types::to_sql_checked!();
}

/// How long a read waits for a connection to open.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

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
        visit: impl FnMut(&DbRow<'_, '_>) -> Result<bool, StorageError>,
    ) -> Result<(), StorageError> {
        let connection = self.take()?;
        let result = run(&connection, sql, args, visit, &self.replans);
        self.give_back(connection);
        result
    }
}

/// Runs `sql` with a statement kept in the connection's cache, counting how often SQLite
/// planned it again (see [`Database::sqlite_read_replans`]).
fn run(
    connection: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    visit: impl FnMut(&DbRow<'_, '_>) -> Result<bool, StorageError>,
    replans: &AtomicU64,
) -> Result<(), StorageError> {
    let mut statement = connection.prepare_cached(sql)?;
    let result = query_rows(&mut statement, args, visit);
    let planned_again = statement.get_status(rusqlite::StatementStatus::RePrepare);
    if planned_again > 0 {
        replans.fetch_add(planned_again as u64, Ordering::Relaxed);
        statement.reset_status(rusqlite::StatementStatus::RePrepare);
    }
    result
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
            next: Cell::new(0),
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
            .each(sql, args, |row| {
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
        let missing = readers.each(sql, &[Arg::Int(2)], |_| Ok(true)).unwrap_err();
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
                |row| {
                    // Out of the selected order, and one column twice in a row.
                    read.push((
                        row.value::<i64>("id")?,
                        row.value::<String>("shout")?,
                        row.value::<String>("name")?,
                        row.value::<String>("name")?,
                    ));
                    Ok(true)
                },
            )
            .unwrap();
        assert_eq!(
            read,
            vec![(3, "tre!".to_owned(), "tre".to_owned(), "tre".to_owned())]
        );
        let unknown = readers
            .each("SELECT name FROM t", &[], |row| {
                row.value::<String>("navn").map(|_| true)
            })
            .unwrap_err();
        assert!(unknown.to_string().contains("navn"), "{unknown}");
    }

    #[test]
    fn reads_fill_one_connection_then_go_to_the_least_busy() {
        let readers =
            PostgresReaders::with_connections("postgres://portal@127.0.0.1/portal", 3).unwrap();
        let chosen = || {
            let slot = readers.choose();
            readers
                .slots
                .iter()
                .position(|s| std::ptr::eq(s, slot))
                .unwrap()
        };
        let set = |counts: [usize; 3]| {
            for (slot, count) in readers.slots.iter().zip(counts) {
                slot.in_flight.store(count, Ordering::Relaxed);
                slot.progress.store(readers.now(), Ordering::Relaxed);
            }
        };
        set([0, 0, 0]);
        assert_eq!(chosen(), 0);
        set([PostgresReaders::FILL - 1, 0, 5]);
        assert_eq!(chosen(), 0);
        // The first is full: the next with room.
        set([PostgresReaders::FILL, 7, 0]);
        assert_eq!(chosen(), 1);
        // All full: the least busy.
        let full = PostgresReaders::FILL;
        set([full + 9, full + 2, full + 4]);
        assert_eq!(chosen(), 1);
    }

    #[test]
    fn a_connection_that_answers_nothing_for_a_while_takes_no_new_reads() {
        let readers =
            PostgresReaders::with_connections("postgres://portal@127.0.0.1/portal", 2).unwrap();
        let first = &readers.slots[0];
        // A read has waited on the first connection longer than it may without an answer.
        std::thread::sleep(Duration::from_micros(PostgresReaders::HELD_UP + 1_000));
        first.in_flight.store(1, Ordering::Relaxed);
        assert!(std::ptr::eq(readers.choose(), &readers.slots[1]));
        // An answer, and it takes reads again.
        first.progress.store(readers.now(), Ordering::Relaxed);
        assert!(std::ptr::eq(readers.choose(), first));
        // Idle for long is not held up: nothing waits on it.
        std::thread::sleep(Duration::from_micros(PostgresReaders::HELD_UP + 1_000));
        first.in_flight.store(0, Ordering::Relaxed);
        assert!(std::ptr::eq(readers.choose(), first));
    }

    #[test]
    fn a_read_counts_as_in_flight_until_it_is_answered_or_dropped() {
        let readers =
            PostgresReaders::with_connections("postgres://portal@127.0.0.1/portal", 1).unwrap();
        let slot = &readers.slots[0];
        std::thread::sleep(Duration::from_millis(2));
        {
            let _first = InFlight::count(slot, &readers);
            // A connection that had nothing to do begins to work now, not when it last
            // answered.
            let began = slot.progress.load(Ordering::Relaxed);
            assert!(began >= 2_000, "{began}");
            let second = InFlight::count(slot, &readers);
            assert_eq!(slot.in_flight.load(Ordering::Relaxed), 2);
            drop(second);
            assert_eq!(slot.in_flight.load(Ordering::Relaxed), 1);
        }
        assert_eq!(slot.in_flight.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn postgres_integers_of_any_width_read_as_i64_and_null_as_none() {
        let int4 = 7_i32.to_be_bytes();
        let int8 = (-3_i64).to_be_bytes();
        assert_eq!(i64::from_postgres(&Type::INT4, Some(&int4)), Ok(7));
        assert_eq!(i64::from_postgres(&Type::INT8, Some(&int8)), Ok(-3));
        assert_eq!(Option::<i64>::from_postgres(&Type::INT8, None), Ok(None));
        assert!(i64::from_postgres(&Type::INT8, None).is_err());
        assert!(i64::from_postgres(&Type::TEXT, Some(b"7")).is_err());
        assert_eq!(
            String::from_postgres(&Type::TEXT, Some("blodprøve".as_bytes())),
            Ok("blodprøve".to_owned())
        );
        assert_eq!(bool::from_postgres(&Type::BOOL, Some(&[1])), Ok(true));
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
                |_| Ok(true),
            )
            .unwrap_err();
        assert!(write.to_string().contains("readonly"), "{write}");
        readers.close();
        let closed = readers
            .each("SELECT name FROM t", &[], |_| Ok(true))
            .unwrap_err();
        assert!(closed.is_unavailable(), "{closed}");
    }
}
