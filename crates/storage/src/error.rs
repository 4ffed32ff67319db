use thiserror::Error;

/// What can go wrong in storage. Callers show `Unavailable` as "try again later" (503);
/// the database's own error text is logged, never shown.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("unknown database URL scheme \"{0}\": use sqlite:// or postgres://")]
    UnknownScheme(String),
    #[error("bad database URL: {0}")]
    BadUrl(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error(
        "the database already holds persons or GP offices; generate into a freshly migrated database"
    )]
    NotEmpty,
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("SQLite error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("PostgreSQL error: {0}")]
    Postgres(#[source] tokio_postgres::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error.to_string()),
            ref other if ended_connection(other) => Self::Unavailable(error.to_string()),
            other => Self::Other(other),
        }
    }
}

/// Whether the server ended the connection, or cannot take it now. The connection is gone;
/// the query may run again on a new one.
pub(crate) fn ended_connection(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|c| ends_connection(&c)),
        _ => false,
    }
}

/// Whether a SQLSTATE says the connection ended or cannot be had now: PostgreSQL's connection
/// exceptions (class 08) and its shutdowns (57P01 to 57P05: an administrator, a crash, a
/// restart not finished, the database dropped, idle too long).
pub(crate) fn ends_connection(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || sqlstate.starts_with("57P")
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(error: tokio_postgres::Error) -> Self {
        if crate::reads::ended_postgres_connection(&error) {
            Self::Unavailable(error.to_string())
        } else {
            Self::Postgres(error)
        }
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{CannotOpen, DatabaseBusy, DatabaseLocked};
        match error.sqlite_error_code() {
            Some(CannotOpen | DatabaseBusy | DatabaseLocked) => {
                Self::Unavailable(error.to_string())
            }
            _ => Self::Sqlite(error),
        }
    }
}

impl StorageError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}
