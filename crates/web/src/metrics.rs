//! The portal's metrics, in Prometheus' text format, for a listen address of their own
//! (`HELSEPORTAL_METRICS_LISTEN`; never the public one).
//!
//! Counted as requests come: requests by route, method and status, and their latency, by the
//! route's template (`/innboks/{thread}`), never the path, which holds ids; and logins by side
//! and outcome. No label holds anything about a person. Read when scraped: the database
//! pool's connections, the notification queue, and what this process's worker did.
//!
//! A request costs a look-up in a table that takes no lock once its route has been seen, and
//! three atomic additions; and only when metrics are on ([`record_metrics`] is not layered
//! otherwise).

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use storage::SessionKind;

use crate::AppState;

/// Upper bounds of the latency buckets, in microseconds (from half a millisecond, as most
/// pages take less than one, to ten seconds).
const BUCKETS_MICROS: [u64; 14] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// Room for route and method pairs; the routes are the router's templates, a fixed set well
/// below this. Pairs beyond it are counted under [`OVERFLOW_ROUTE`].
const ROUTE_SLOTS: usize = 256;

/// Distinct statuses counted per route; more are counted as `other`.
const STATUS_SLOTS: usize = 16;

/// The route label of a request no route matched (the 404 page).
const UNMATCHED_ROUTE: &str = "unmatched";

/// The route label of pairs beyond [`ROUTE_SLOTS`].
const OVERFLOW_ROUTE: &str = "other";

/// How a login ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// A session was started.
    Succeeded,
    /// The login was turned away: not valid, too low a level, an unknown person, not staff.
    Refused,
    /// It could not be completed on our side: the identity provider or the database away.
    Failed,
}

impl LoginOutcome {
    const ALL: [Self; 3] = [Self::Succeeded, Self::Refused, Self::Failed];

    fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

fn side_label(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Citizen => "citizen",
        SessionKind::Staff => "staff",
    }
}

/// The counters of one app process.
pub struct Metrics {
    routes: Box<[OnceLock<Box<RouteStats>>]>,
    overflow: RouteStats,
    /// By side (citizen, staff), then outcome.
    logins: [[AtomicU64; 3]; 2],
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            routes: (0..ROUTE_SLOTS).map(|_| OnceLock::new()).collect(),
            overflow: RouteStats::new("OTHER", OVERFLOW_ROUTE),
            logins: Default::default(),
        }
    }
}

/// One route and method: its statuses and its latency.
struct RouteStats {
    method: &'static str,
    route: Box<str>,
    /// Each slot a status (0 while free) and its count; a slot once given a status keeps it.
    statuses: [(AtomicU16, AtomicU64); STATUS_SLOTS],
    other_statuses: AtomicU64,
    /// Per bucket of [`BUCKETS_MICROS`], and one for longer; not cumulative.
    buckets: [AtomicU64; BUCKETS_MICROS.len() + 1],
    sum_micros: AtomicU64,
}

impl RouteStats {
    fn new(method: &'static str, route: &str) -> Self {
        Self {
            method,
            route: route.into(),
            statuses: Default::default(),
            other_statuses: AtomicU64::new(0),
            buckets: Default::default(),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn record(&self, status: u16, micros: u64) {
        self.status_counter(status).fetch_add(1, Ordering::Relaxed);
        let bucket = BUCKETS_MICROS.partition_point(|&bound| bound < micros);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn status_counter(&self, status: u16) -> &AtomicU64 {
        for (code, count) in &self.statuses {
            match code.load(Ordering::Relaxed) {
                c if c == status => return count,
                0 => match code.compare_exchange(0, status, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => return count,
                    Err(taken) if taken == status => return count,
                    Err(_) => {}
                },
                _ => {}
            }
        }
        &self.other_statuses
    }
}

impl Metrics {
    /// The counters of `method` on `route`: found without a lock once the pair has been seen.
    fn route(&self, method: &'static str, route: &str) -> &RouteStats {
        let start = slot_of(method, route);
        for probe in 0..ROUTE_SLOTS {
            let slot = &self.routes[(start + probe) % ROUTE_SLOTS];
            let stats = slot.get_or_init(|| Box::new(RouteStats::new(method, route)));
            if stats.method == method && *stats.route == *route {
                return stats;
            }
        }
        &self.overflow
    }

    /// Counts a login's outcome.
    pub fn login(&self, kind: SessionKind, outcome: LoginOutcome) {
        let side = match kind {
            SessionKind::Citizen => 0,
            SessionKind::Staff => 1,
        };
        let outcome = LoginOutcome::ALL
            .iter()
            .position(|&o| o == outcome)
            .unwrap_or(0);
        self.logins[side][outcome].fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in Prometheus' text format.
    fn render(&self, out: &mut String) {
        let routes: Vec<&RouteStats> = self
            .routes
            .iter()
            .filter_map(OnceLock::get)
            .map(|stats| &**stats)
            .chain(std::iter::once(&self.overflow))
            .collect();
        family(
            out,
            "helseportal_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for stats in &routes {
            let statuses = stats
                .statuses
                .iter()
                .map(|(code, count)| (code.load(Ordering::Relaxed), count))
                .filter(|&(code, _)| code != 0)
                .map(|(code, count)| (code.to_string(), count))
                .chain(std::iter::once(("other".to_owned(), &stats.other_statuses)));
            for (status, count) in statuses {
                let count = count.load(Ordering::Relaxed);
                if count > 0 {
                    let _ = writeln!(
                        out,
                        "helseportal_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                        stats.method,
                        escape(&stats.route),
                    );
                }
            }
        }
        family(
            out,
            "helseportal_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response's head, by route template and method.",
        );
        for stats in &routes {
            let counts: Vec<u64> = stats
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let labels = format!(
                "method=\"{}\",route=\"{}\"",
                stats.method,
                escape(&stats.route)
            );
            let mut cumulative = 0;
            for (bound, count) in BUCKETS_MICROS.iter().zip(&counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "helseportal_http_request_duration_seconds_bucket{{{labels},le=\"{}\"}} {cumulative}",
                    seconds(*bound)
                );
            }
            let _ = writeln!(
                out,
                "helseportal_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {total}"
            );
            let _ = writeln!(
                out,
                "helseportal_http_request_duration_seconds_sum{{{labels}}} {}",
                seconds(stats.sum_micros.load(Ordering::Relaxed))
            );
            let _ = writeln!(
                out,
                "helseportal_http_request_duration_seconds_count{{{labels}}} {total}"
            );
        }
        family(
            out,
            "helseportal_logins_total",
            "counter",
            "Logins through the identity provider, by side (citizen, staff) and outcome.",
        );
        for kind in [SessionKind::Citizen, SessionKind::Staff] {
            for outcome in LoginOutcome::ALL {
                let side = usize::from(kind == SessionKind::Staff);
                let n = LoginOutcome::ALL
                    .iter()
                    .position(|&o| o == outcome)
                    .unwrap_or(0);
                let _ = writeln!(
                    out,
                    "helseportal_logins_total{{side=\"{}\",outcome=\"{}\"}} {}",
                    side_label(kind),
                    outcome.label(),
                    self.logins[side][n].load(Ordering::Relaxed)
                );
            }
        }
    }
}

/// A start in the route table for a pair (FNV-1a).
fn slot_of(method: &str, route: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in method.bytes().chain([0]).chain(route.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(hash % ROUTE_SLOTS as u64).unwrap_or(0)
}

/// The methods the portal answers, and one label for the rest (a label per method would let
/// anyone add labels).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        _ => "OTHER",
    }
}

fn seconds(micros: u64) -> String {
    format!("{}", micros as f64 / 1_000_000.0)
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

/// Counts every request of `app`: its route, method, status and latency. Layered last, so it
/// sees the status the client gets (error pages included) and the route the router matched.
pub fn record_metrics(app: Router, state: &AppState) -> Router {
    app.layer(axum::middleware::from_fn_with_state(
        Arc::clone(&state.metrics),
        record,
    ))
}

async fn record(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
    let stats = metrics.route(method, route);
    let response = next.run(request).await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    stats.record(response.status().as_u16(), micros);
    response
}

/// The metrics endpoint, for a listener of its own: `GET /metrics`. `worker` is this
/// process's notification worker, when it runs one.
pub fn metrics_router(state: AppState, worker: Option<Arc<notify::WorkerStats>>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Exporter { state, worker })
}

#[derive(Clone)]
struct Exporter {
    state: AppState,
    worker: Option<Arc<notify::WorkerStats>>,
}

async fn scrape(State(exporter): State<Exporter>) -> Response {
    let state = &exporter.state;
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render(&mut out);
    let pool = state.db.pool_stats();
    family(
        &mut out,
        "helseportal_db_pool_connections",
        "gauge",
        "Connections of the database pool that carries writes and transactions, by state.",
    );
    let _ = writeln!(
        out,
        "helseportal_db_pool_connections{{state=\"in_use\"}} {}",
        pool.in_use
    );
    let _ = writeln!(
        out,
        "helseportal_db_pool_connections{{state=\"idle\"}} {}",
        pool.idle
    );
    gauge(
        &mut out,
        "helseportal_db_pool_max_connections",
        "The most connections the database pool opens.",
        pool.max,
    );
    let due = state.db.due_notification_jobs(state.now()).await;
    gauge(
        &mut out,
        "helseportal_db_up",
        "Whether the database answered the scrape's query (1) or not (0).",
        u8::from(due.is_ok()),
    );
    match due {
        Ok(due) => {
            gauge(
                &mut out,
                "helseportal_notification_jobs_due",
                "Notification jobs due to be sent and not yet done (the queue's depth).",
                due.due,
            );
            gauge(
                &mut out,
                "helseportal_notification_jobs_retrying",
                "Of the due notification jobs, those that failed before.",
                due.retrying,
            );
            gauge(
                &mut out,
                "helseportal_notification_oldest_due_job_age_seconds",
                "Seconds the longest-waiting due notification job has waited.",
                due.oldest_age_seconds,
            );
        }
        Err(error) => tracing::warn!(%error, "metrics: the notification queue"),
    }
    if let Some(worker) = &exporter.worker {
        family(
            &mut out,
            "helseportal_notification_jobs_total",
            "counter",
            "Notification jobs run by this process's worker, by outcome: done, retry (a try \
             failed; tried again later), given_up (failed for the last time).",
        );
        for (outcome, count) in [
            ("done", &worker.done),
            ("retry", &worker.retried),
            ("given_up", &worker.given_up),
        ] {
            let _ = writeln!(
                out,
                "helseportal_notification_jobs_total{{outcome=\"{outcome}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_status_and_latency() {
        let metrics = Metrics::default();
        metrics.route("GET", "/innboks/{thread}").record(200, 400);
        metrics.route("GET", "/innboks/{thread}").record(200, 3_000);
        metrics
            .route("GET", "/innboks/{thread}")
            .record(404, 20_000_000);
        metrics.route("POST", "/innboks/{thread}").record(303, 10);
        metrics.login(SessionKind::Staff, LoginOutcome::Refused);
        let mut out = String::new();
        metrics.render(&mut out);
        for line in [
            r#"helseportal_http_requests_total{method="GET",route="/innboks/{thread}",status="200"} 2"#,
            r#"helseportal_http_requests_total{method="GET",route="/innboks/{thread}",status="404"} 1"#,
            r#"helseportal_http_requests_total{method="POST",route="/innboks/{thread}",status="303"} 1"#,
            r#"helseportal_http_request_duration_seconds_bucket{method="GET",route="/innboks/{thread}",le="0.0005"} 1"#,
            r#"helseportal_http_request_duration_seconds_bucket{method="GET",route="/innboks/{thread}",le="0.005"} 2"#,
            r#"helseportal_http_request_duration_seconds_bucket{method="GET",route="/innboks/{thread}",le="10"} 2"#,
            r#"helseportal_http_request_duration_seconds_bucket{method="GET",route="/innboks/{thread}",le="+Inf"} 3"#,
            r#"helseportal_http_request_duration_seconds_sum{method="GET",route="/innboks/{thread}"} 20.0034"#,
            r#"helseportal_http_request_duration_seconds_count{method="GET",route="/innboks/{thread}"} 3"#,
            r#"helseportal_logins_total{side="staff",outcome="refused"} 1"#,
            r#"helseportal_logins_total{side="citizen",outcome="succeeded"} 0"#,
        ] {
            assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
        }
    }

    #[test]
    fn a_route_keeps_its_counters_and_the_table_overflows_into_other() {
        let metrics = Metrics::default();
        let first: *const RouteStats = metrics.route("GET", "/a");
        assert!(std::ptr::eq(first, metrics.route("GET", "/a")));
        assert!(!std::ptr::eq(first, metrics.route("POST", "/a")));
        for n in 0..ROUTE_SLOTS {
            metrics.route("GET", &format!("/r{n}")).record(200, 1);
        }
        assert!(std::ptr::eq(
            metrics.route("GET", "/one-too-many"),
            &metrics.overflow
        ));
        let stats = RouteStats::new("GET", "/");
        for status in 100..(100 + STATUS_SLOTS as u16 + 2) {
            stats.record(status, 1);
        }
        assert_eq!(stats.other_statuses.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), r#"a\"b\\c\nd"#);
    }
}
