//! `helseportal backup --to FILE`: a consistent copy of the SQLite database, taken while the
//! portal serves (see `storage::backup_sqlite`). PostgreSQL is refused with a pointer to its
//! own tools; the README describes both, and how to restore.

use std::path::PathBuf;

use clap::Args;

use super::DatabaseArgs;

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The new file the copy is written to; an existing file is never overwritten.
    #[arg(long)]
    to: PathBuf,
}

pub async fn run(args: BackupArgs) -> Result<(), String> {
    let url = args.database.database;
    let to = args.to;
    let started = std::time::Instant::now();
    let target = to.clone();
    tokio::task::spawn_blocking(move || storage::backup_sqlite(&url, &target))
        .await
        .map_err(|e| format!("backup: {e}"))?
        .map_err(|e| format!("backup: {e}"))?;
    let bytes = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backup written to {} ({bytes} bytes in {:.1} s).",
        to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
