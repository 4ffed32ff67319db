//! The work done at night, when few use the portal: merging SQLite's search index
//! ([`storage::Database::merge_search_index`]), so that a search costs in a live database what
//! it costs in a new one. It runs beside the notification worker (in `serve`, or in
//! `helseportal worker`); on PostgreSQL it finds nothing to do.

use std::future::Future;
use std::time::Duration;

use storage::Database;

/// The hour of the night, Norwegian time, at which the work begins.
const NIGHT_HOUR: i8 = 3;

/// The pause between two steps of the merge, in which the writes waiting for their turn go
/// first.
const STEP_PAUSE: Duration = Duration::from_millis(20);

/// The first 03:00 in Norway after `now`.
pub fn next_night(now: jiff::Timestamp) -> jiff::Timestamp {
    let zone = domain::norway_time_zone();
    let today = now.to_zoned_datetime(zone.clone()).date();
    [Ok(today), today.tomorrow()]
        .into_iter()
        .flatten()
        .filter_map(|date| zone.to_zoned_datetime(date.at(NIGHT_HOUR, 0, 0, 0)).ok())
        .map(|night| night.timestamp())
        .find(|&night| night > now)
        .unwrap_or_else(|| now + jiff::SignedDuration::from_hours(24))
}

/// Does the night's work every night until `shutdown` resolves.
pub async fn run_until(db: Database, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let now = jiff::Timestamp::now();
        let wait = Duration::try_from(now.duration_until(next_night(now)))
            .unwrap_or(Duration::from_secs(60 * 60));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut shutdown => return,
        }
        // Each step is one statement, done whole or not at all, so a shutdown leaves the index
        // whole; the merge goes on from the steps done the next night.
        tokio::select! {
            merged = db.merge_search_index(STEP_PAUSE) => match merged {
                Ok(steps) => tracing::info!(steps, "search index merged"),
                Err(error) => tracing::warn!(%error, "merging the search index"),
            },
            () = &mut shutdown => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_night_is_the_next_three_oclock_in_norway() {
        // 23:00 in winter (UTC+1): 03:00 the next morning.
        assert_eq!(
            next_night(at("2026-12-04T22:00:00Z")),
            at("2026-12-05T02:00:00Z")
        );
        // 01:30 the same morning: 03:00 the same day.
        assert_eq!(
            next_night(at("2026-12-05T00:30:00Z")),
            at("2026-12-05T02:00:00Z")
        );
        // At 03:00 itself, the night after.
        assert_eq!(
            next_night(at("2026-12-05T02:00:00Z")),
            at("2026-12-06T02:00:00Z")
        );
        // In summer (UTC+2).
        assert_eq!(
            next_night(at("2026-06-30T12:00:00Z")),
            at("2026-07-01T01:00:00Z")
        );
    }

    #[test]
    fn the_night_is_found_when_the_clocks_change() {
        // The clocks go from 02:00 to 03:00 on 29 March 2026: 03:00 is the first summer hour.
        assert_eq!(
            next_night(at("2026-03-28T23:30:00Z")),
            at("2026-03-29T01:00:00Z")
        );
        // And back from 03:00 to 02:00 on 25 October: 03:00 comes once, in winter time.
        assert_eq!(
            next_night(at("2026-10-24T23:30:00Z")),
            at("2026-10-25T02:00:00Z")
        );
    }
}
