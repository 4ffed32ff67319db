//! The log: events to standard error, filtered by `HELSEPORTAL_LOG` (default `info`), as text
//! for people or as one JSON object a line for a log collector (`HELSEPORTAL_LOG_FORMAT`).

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Plain text, one event a line.
    Text,
    /// One JSON object a line: `timestamp`, `level`, `target`, `fields` (with `message`) and
    /// the spans the event happened in.
    Json,
}

/// Starts the log for the whole process.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_env("HELSEPORTAL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => log.init(),
        LogFormat::Json => log.json().init(),
    }
}
