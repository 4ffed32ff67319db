//! An online backup of the SQLite database: a consistent copy taken while the portal serves
//! and writes.
//!
//! `VACUUM INTO` reads the database in one read transaction and writes a new, compact file
//! from it. In WAL mode a reader neither waits for writers nor holds them up, in this process
//! or any other, so the copy is the database as it stood when the read began, however much is
//! written meanwhile. (SQLite's page-by-page backup API starts over whenever another process
//! writes, and under steady writes may never finish.) PostgreSQL has its own tools for this,
//! `pg_dump` and continuous archiving, and is refused here.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use thiserror::Error;

use crate::Backend;

/// Why a backup was not made.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error(
        "backup copies a SQLite database; for PostgreSQL use pg_dump (e.g. `pg_dump --format=custom \
         --file=helseportal.dump DATABASE`) or continuous archiving with point-in-time recovery \
         (PITR), as described in the README"
    )]
    Postgres,
    #[error(transparent)]
    Url(#[from] crate::StorageError),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} already exists; a backup never overwrites a file")]
    TargetExists(PathBuf),
    #[error("the backup could not be written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the backup's integrity check failed: {0}")]
    Check(String),
    #[error("the backup could not be written: {0}")]
    Io(#[from] std::io::Error),
}

/// Copies the SQLite database at `url` into the new file `to`, while others read and write it.
/// The copy is written beside `to` under a temporary name, checked, and only then given its
/// name, so a file at `to` is always a whole backup. Blocking: run it off the async runtime.
pub fn backup_sqlite(url: &str, to: &Path) -> Result<(), BackupError> {
    if Backend::from_url(url)? == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    let source = sqlite_file(url)?;
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    // Left by a backup that was stopped: never a backup, and VACUUM INTO needs a new file.
    if partial.exists() {
        std::fs::remove_file(&partial)?;
    }
    let written = copy_and_check(&source, &partial);
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
        return written;
    }
    // Refuses, rather than replaces, a file that appeared at `to` meanwhile.
    std::fs::hard_link(&partial, to).map_err(|error| {
        let _ = std::fs::remove_file(&partial);
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            BackupError::TargetExists(to.to_owned())
        } else {
            BackupError::Io(error)
        }
    })?;
    std::fs::remove_file(&partial)?;
    Ok(())
}

fn copy_and_check(source: &Path, partial: &Path) -> Result<(), BackupError> {
    // Opened for writing without creating: a missing file is an error, not a new database, and
    // a database in WAL mode needs to write its shared-memory index even to read.
    let db = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // As long as the portal's own connections wait for a writer (see `Database::connect`).
    db.busy_timeout(std::time::Duration::from_secs(10))?;
    let target = partial
        .to_str()
        .ok_or_else(|| BackupError::Check(format!("{} is no UTF-8 path", partial.display())))?;
    db.execute("VACUUM INTO ?1", [target])?;
    drop(db);
    let copy = Connection::open_with_flags(partial, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = copy.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if verdict != "ok" {
        return Err(BackupError::Check(verdict));
    }
    drop(copy);
    // On disk before it gets its name.
    std::fs::File::open(partial)?.sync_all()?;
    Ok(())
}

/// The file a `sqlite:` URL names (without creating anything, unlike `Database::connect`).
fn sqlite_file(url: &str) -> Result<PathBuf, BackupError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    if path.is_empty() || path == ":memory:" {
        return Err(crate::StorageError::BadUrl("the SQLite URL names no file".into()).into());
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_and_missing_files_are_refused() {
        let to = std::env::temp_dir().join(format!("hp-backup-{}.db", crate::random_token()));
        let refused = backup_sqlite("postgres://u@h/db", &to).unwrap_err();
        assert!(matches!(refused, BackupError::Postgres), "{refused}");
        assert!(refused.to_string().contains("pg_dump"), "{refused}");
        let missing = backup_sqlite("sqlite:///nowhere/at/all.db", &to).unwrap_err();
        assert!(matches!(missing, BackupError::NoDatabase(_)), "{missing}");
        assert!(!to.exists());
        assert_eq!(
            sqlite_file("sqlite://data/x.db?mode=rwc").unwrap(),
            PathBuf::from("data/x.db")
        );
    }
}
