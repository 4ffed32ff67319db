//! Running the portal: metrics on an address of their own, JSON logs, a graceful stop on
//! SIGTERM, and the online backup of SQLite with its restore. Most of these start the
//! `helseportal` binary itself, as an operator does, always with `--demo`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use domain::appointment::{AppointmentType, SlotPurpose};
use reqwest::StatusCode;
use storage::{BookingOutcome, Database, DemoPersons, NewBooking, NewSlot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{self, Backend, Browser, TestApp, fresh_database, hidden_fields};

on_both_databases!(
    metrics_are_served_apart_by_route_template_and_pass_promtool,
    logs_are_one_json_object_a_line_when_asked,
    sigterm_lets_the_request_in_flight_finish_and_exits_cleanly,
    a_stopping_worker_gives_back_the_jobs_it_did_not_start,
);

const BINARY: &str = env!("CARGO_BIN_EXE_helseportal");

/// `helseportal serve --demo` on a database, its output in files of its own folder.
struct Portal {
    child: Child,
    url: String,
    port: u16,
    dir: PathBuf,
}

impl Portal {
    async fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Portal {
        let dir = support::temp_dir();
        let port = support::free_port();
        let mut command = Command::new(BINARY);
        command
            .args(["serve", "--demo", "--database", database_url])
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .args(args)
            .env_remove("HELSEPORTAL_LOG_FORMAT")
            .env("HELSEPORTAL_OUTBOX_DIR", dir.join("outbox"))
            .env("HELSEPORTAL_ATTACHMENTS_DIR", dir.join("attachments"))
            .stdout(File::create(dir.join("stdout")).unwrap())
            .stderr(File::create(dir.join("stderr")).unwrap());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut portal = Portal {
            child: command.spawn().unwrap(),
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
        };
        let started = Instant::now();
        loop {
            if let Ok(response) = reqwest::get(format!("{}/healthz", portal.url)).await
                && response.status() == StatusCode::OK
            {
                return portal;
            }
            if let Some(status) = portal.child.try_wait().unwrap() {
                panic!("the portal stopped ({status}): {}", portal.stderr());
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the portal did not start: {}",
                portal.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap()
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout")).unwrap()
    }

    /// Sends SIGTERM, as a process manager stopping the portal does.
    fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to end (at most 30 seconds).
    async fn exited(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                self.child.kill().unwrap();
                panic!("the portal did not stop: {}", self.stderr());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, and how the process ended.
    async fn stop(&mut self) -> ExitStatus {
        self.terminate();
        self.exited().await
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        // A test that failed half-way leaves no server behind.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn person_id(db: &Database, fnr: &str) -> i64 {
    support::person_id(db, fnr).await
}

/// A message from Kari to her office, answered; its id.
async fn answered_thread(db: &Database, citizen_id: i64, subject: &str) -> i64 {
    let now = jiff::Timestamp::now().as_second();
    let sent = db
        .send_thread(&storage::NewThread {
            citizen_id,
            sent_by_person_id: citizen_id,
            sender_name: "Kari Nordmann",
            office_id: 1,
            practitioner_id: None,
            kind: domain::GpService::KontaktLegekontoret,
            subject,
            body: "Har dere åpent i romjula?",
            idempotency_key: &storage::random_token(),
            draft_id: None,
            received_at: now,
            due_date: jiff::civil::date(2030, 1, 2),
        })
        .await
        .unwrap();
    let sara = support::staff(db, DemoPersons::SARA_SOLBAKKEN).await;
    let answered = db
        .answer_thread(&storage::NewAnswer {
            thread_id: sent.thread_id,
            office_id: 1,
            staff_id: sara.id,
            staff_name: "Sara Solbakken",
            body: "Ja, mellom jul og nyttår er vi her som vanlig.",
            copayment_nok: None,
            now,
        })
        .await
        .unwrap();
    assert_eq!(answered, storage::Answered::Done);
    sent.thread_id
}

/// Checks a scrape with Prometheus' own linter; promtool comes with Debian's `prometheus`
/// package, which scripts/test.sh installs.
fn promtool_check(body: &str) {
    use std::io::Write;
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("promtool is needed (Debian's prometheus package; see scripts/test.sh): {e}")
        });
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let output = promtool.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.is_empty(),
        "promtool: {said}"
    );
}

async fn metrics_are_served_apart_by_route_template_and_pass_promtool(backend: Backend) {
    let database_url = fresh_database(backend).await;
    let metrics_port = support::free_port();
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    // The worker looks at the queue when it starts and then not for an hour, so the notice
    // written below stays due.
    let mut portal = Portal::start(
        &database_url,
        &["--metrics-listen", &metrics_address],
        &[("HELSEPORTAL_WORKER_POLL_SECONDS", "3600")],
    )
    .await;
    let url = portal.url.clone();
    let kari = Browser::new(&url);
    kari.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let raw_id = "987654321";
    assert_eq!(
        kari.get(&format!("/innboks/{raw_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        kari.get("/finnes/ikke").await.status(),
        StatusCode::NOT_FOUND
    );
    let forged = Browser::new(&url)
        .get("/auth/callback?state=forged&code=forged")
        .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    Browser::new(&url)
        .login_staff(DemoPersons::SARA_SOLBAKKEN)
        .await;
    let not_staff = Browser::new(&url);
    let idp_page = not_staff.start_login("/kontor/logg-inn").await;
    let callback = not_staff
        .authorize(&idp_page, DemoPersons::KARI_NORDMANN)
        .await;
    assert_eq!(
        not_staff.get(&callback).await.status(),
        StatusCode::FORBIDDEN
    );
    // A message from the office: its notice is due at once, its reminder in four days.
    let db = Database::connect(&database_url).await.unwrap();
    let kari_id = person_id(&db, DemoPersons::KARI_NORDMANN).await;
    answered_thread(&db, kari_id, "Romjula").await;
    db.close().await;

    // Not on the public address; and the metrics address serves nothing else.
    assert_eq!(
        reqwest::get(format!("{url}/metrics"))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    for path in ["/", "/healthz", "/innboks"] {
        let response = reqwest::get(format!("http://{metrics_address}{path}"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = reqwest::get(format!("http://{metrics_address}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    let has = |line: &str| body.lines().any(|l| l == line);
    for line in [
        r#"helseportal_http_requests_total{method="GET",route="/innboks/{thread}",status="404"} 1"#,
        // `/finnes/ikke` and the public `/metrics`.
        r#"helseportal_http_requests_total{method="GET",route="unmatched",status="404"} 2"#,
        r#"helseportal_http_requests_total{method="GET",route="/auth/callback",status="400"} 1"#,
        r#"helseportal_http_requests_total{method="POST",route="/samtykke",status="303"} 1"#,
        r#"helseportal_http_request_duration_seconds_count{method="GET",route="/innboks/{thread}"} 1"#,
        r#"helseportal_http_request_duration_seconds_bucket{method="GET",route="/innboks/{thread}",le="+Inf"} 1"#,
        r#"helseportal_logins_total{side="citizen",outcome="succeeded"} 1"#,
        r#"helseportal_logins_total{side="citizen",outcome="refused"} 1"#,
        r#"helseportal_logins_total{side="staff",outcome="succeeded"} 1"#,
        r#"helseportal_logins_total{side="staff",outcome="refused"} 1"#,
        r#"helseportal_logins_total{side="staff",outcome="failed"} 0"#,
        "helseportal_db_pool_max_connections 8",
        "helseportal_db_up 1",
        "helseportal_notification_jobs_due 1",
        "helseportal_notification_jobs_retrying 0",
    ] {
        assert!(has(line), "{line} is missing from\n{body}");
    }
    for prefix in [
        r#"helseportal_db_pool_connections{state="in_use"} "#,
        r#"helseportal_db_pool_connections{state="idle"} "#,
        "helseportal_notification_oldest_due_job_age_seconds ",
        r#"helseportal_notification_jobs_total{outcome="done"} "#,
        r#"helseportal_notification_jobs_total{outcome="given_up"} "#,
    ] {
        assert!(
            body.lines().any(|l| l.starts_with(prefix)),
            "{prefix} is missing from\n{body}"
        );
    }
    // Routes by their templates only: no id, no identity number, in any label.
    assert!(!body.contains(raw_id), "{body}");
    assert!(!body.contains(DemoPersons::KARI_NORDMANN), "{body}");
    for route in body.split("route=\"").skip(1) {
        let route = route.split('"').next().unwrap();
        assert!(
            route == "unmatched" || route.starts_with('/'),
            "route label {route}"
        );
        assert!(
            !route.contains(|c: char| c.is_ascii_digit()),
            "route label {route}"
        );
    }
    promtool_check(&body);
    assert!(portal.stop().await.success(), "{}", portal.stderr());
}

async fn logs_are_one_json_object_a_line_when_asked(backend: Backend) {
    let database_url = fresh_database(backend).await;
    let mut portal = Portal::start(&database_url, &[], &[("HELSEPORTAL_LOG_FORMAT", "json")]).await;
    let forged = Browser::new(&portal.url)
        .get("/auth/callback?state=forged&code=forged")
        .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(portal.stop().await.success());
    let stderr = portal.stderr();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.len() >= 2, "{stderr}");
    let refused = lines
        .iter()
        .find(|line| line["fields"]["message"] == "login refused")
        .unwrap_or_else(|| panic!("no refused login in {stderr}"));
    assert_eq!(refused["level"], "WARN");
    assert_eq!(refused["fields"]["why"], "no login cookie");
    assert_eq!(refused["target"], "web::auth::login");
    assert!(
        refused["timestamp"].as_str().unwrap().starts_with("20"),
        "{refused}"
    );
    // The output meant for people stays on standard output.
    assert!(portal.stdout().contains("Helseportal kjører på"));

    // Text is the default, and an unknown format is refused before anything runs.
    let dir = support::temp_dir();
    let text = Command::new(BINARY)
        .args(["migrate", "--database"])
        .arg(format!("sqlite://{}/text.db", dir.display()))
        .env_remove("HELSEPORTAL_LOG_FORMAT")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stderr).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.contains("applied migration"), "{text}");
    assert!(serde_json::from_str::<serde_json::Value>(first).is_err());
    let unknown = Command::new(BINARY)
        .args(["migrate", "--database"])
        .arg(format!("sqlite://{}/xml.db", dir.display()))
        .env("HELSEPORTAL_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8(unknown.stderr).unwrap();
    assert!(said.contains("'xml'") && said.contains("json"), "{said}");
    assert!(!dir.join("xml.db").exists());
}

async fn sigterm_lets_the_request_in_flight_finish_and_exits_cleanly(backend: Backend) {
    let database_url = fresh_database(backend).await;
    let mut portal = Portal::start(&database_url, &[], &[]).await;
    let kari = Browser::new(&portal.url);
    kari.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let form = kari
        .get("/kontakt-legekontoret")
        .await
        .text()
        .await
        .unwrap();
    let fields = hidden_fields(
        form.split(r#"action="/kontakt-legekontoret""#)
            .nth(1)
            .unwrap(),
    );
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", &get("_csrf"))
        .append_pair("kontor", "1")
        .append_pair("key", &get("key"))
        .append_pair("subject", "Ferie")
        .append_pair("text", "Har dere åpent i romjula?")
        .finish();
    let session = kari.session_token().await;
    let address = format!("127.0.0.1:{}", portal.port);

    // The request's head and half its body; then the signal, while the server waits for the
    // rest.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /kontakt-legekontoret HTTP/1.1\r\nHost: {address}\r\nCookie: hp_session={session}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    portal.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        portal.child.try_wait().unwrap().is_none(),
        "the portal waits for the request under way"
    );
    assert!(
        tokio::net::TcpStream::connect(&address).await.is_err(),
        "no new connections after the signal"
    );
    stream.write_all(rest).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 303"), "{response}");
    assert!(
        response
            .to_lowercase()
            .contains("location: /innboks/sendt/"),
        "{response}"
    );
    let status = portal.exited().await;
    assert_eq!(status.code(), Some(0), "{}", portal.stderr());
    // What the request wrote is there.
    let db = Database::connect(&database_url).await.unwrap();
    let kari_id = person_id(&db, DemoPersons::KARI_NORDMANN).await;
    let inbox = db.inbox(kari_id, None, None, 10).await.unwrap();
    assert_eq!(inbox.total, 1);
    assert_eq!(inbox.threads[0].subject, "Ferie");
    db.close().await;
}

async fn a_stopping_worker_gives_back_the_jobs_it_did_not_start(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kari = person_id(&app.db, DemoPersons::KARI_NORDMANN).await;
    for subject in ["Én", "To", "Tre"] {
        answered_thread(&app.db, kari, subject).await;
    }
    let now = jiff::Timestamp::now().as_second();
    assert_eq!(app.db.due_notification_jobs(now).await.unwrap().due, 3);
    let outbox = support::temp_dir();
    let worker = notify::Notifier::new(
        app.db.clone(),
        &notify::NotifierSettings {
            smtp: None,
            sms_gateway: None,
            outbox_dir: outbox.clone(),
        },
    )
    .unwrap();
    // Stopping as it claims its first batch: it starts none and gives all back.
    worker
        .run_until(Duration::from_secs(3600), std::future::ready(()))
        .await;
    let (claimed, attempts, delivered) = job_state(&app.database_url).await;
    assert_eq!(claimed, 0, "no job is left claimed");
    assert_eq!(attempts, 0, "a job given back was not tried");
    assert_eq!(delivered, 0);
    let due = app
        .db
        .due_notification_jobs(jiff::Timestamp::now().as_second())
        .await
        .unwrap();
    assert_eq!(due.due, 3);
    assert_eq!(due.retrying, 0);
    // Another worker (or this one, started again) takes them at once.
    let report = worker
        .run_due(jiff::Timestamp::now().as_second())
        .await
        .unwrap();
    assert_eq!(report.jobs, 3);
    let stats = worker.stats();
    assert_eq!(stats.done.load(Ordering::Relaxed), 3);
    assert_eq!(stats.retried.load(Ordering::Relaxed), 0);
    assert_eq!(
        app.db
            .due_notification_jobs(jiff::Timestamp::now().as_second())
            .await
            .unwrap()
            .due,
        0
    );
}

/// Jobs claimed now, the tries counted, and deliveries made, straight from the tables.
async fn job_state(database_url: &str) -> (i64, i64, i64) {
    sqlx::any::install_default_drivers();
    let url = database_url.replace("sqlite://", "sqlite:");
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let claimed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notification_job WHERE claimed_until IS NOT NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let attempts: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) FROM notification_job",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let delivered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notification_delivery")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    (claimed, attempts, delivered)
}

/// A bookable telephone slot with Kari's GP two days on, at 22:00 UTC, when the demo data
/// has no slot of its own (those are in office hours); its id.
async fn slot_in_two_days(db: &Database) -> i64 {
    let rolf = db.practitioners_of(1).await.unwrap()[0].id;
    let now = jiff::Timestamp::now().as_second();
    let starts_at = now - now % 86_400 + 2 * 86_400 + 22 * 3600;
    db.add_slots(
        &[NewSlot {
            office_id: 1,
            practitioner_id: rolf,
            starts_at,
            duration_minutes: 30,
            appointment_type: AppointmentType::Telefontime,
            place: "Telefontime",
            released: true,
            purpose: SlotPurpose::Ordinary,
        }],
        now,
    )
    .await
    .unwrap();
    db.slots_between(rolf, SlotPurpose::Ordinary, starts_at, starts_at + 1)
        .await
        .unwrap()[0]
        .id
}

/// GETs `path` with a session cookie, as the browser holding it does.
async fn page_with_session(url: &str, session: &str, path: &str) -> String {
    let response = reqwest::Client::new()
        .get(format!("{url}{path}"))
        .header("cookie", format!("hp_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

fn run_backup(database_url: &str, to: &Path) -> std::process::Output {
    Command::new(BINARY)
        .args(["backup", "--database", database_url, "--to"])
        .arg(to)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_taken_while_serving_restores_the_same_pages() {
    let dir = support::temp_dir();
    let database_url = format!("sqlite://{}/portal.db", dir.display());
    let mut portal = Portal::start(&database_url, &[], &[]).await;
    let kari = Browser::new(&portal.url);
    kari.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let session = kari.session_token().await;
    // Kari's message answered by the office, and her appointment, written by another process.
    let db = Database::connect(&database_url).await.unwrap();
    let kari_id = person_id(&db, DemoPersons::KARI_NORDMANN).await;
    let ola_id = person_id(&db, DemoPersons::OLA_NORDMANN).await;
    answered_thread(&db, kari_id, "Romjula").await;
    let slot = slot_in_two_days(&db).await;
    let booked = db
        .request_booking(&NewBooking {
            slot_id: slot,
            citizen_id: kari_id,
            booked_by_person_id: kari_id,
            sender_name: "Kari Nordmann",
            reason: "Vondt i kneet",
            message: "Ønsket timeavtale",
            idempotency_key: &storage::random_token(),
            now: jiff::Timestamp::now().as_second(),
            due_date: jiff::civil::date(2030, 1, 2),
        })
        .await
        .unwrap();
    assert!(
        matches!(booked, BookingOutcome::Requested { .. }),
        "{booked:?}"
    );
    let inbox_before = page_with_session(&portal.url, &session, "/innboks").await;
    let appointments_before = page_with_session(&portal.url, &session, "/timeavtaler").await;
    assert!(inbox_before.contains("Romjula"), "{inbox_before}");
    assert!(
        appointments_before.contains("Telefontime hos Solen Legekontor")
            && appointments_before.contains("Status: Forespurt"),
        "{appointments_before}"
    );

    // During the backup, pages are read, people log in, and another process writes.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let readers = {
        let (stop, url, session) = (stop.clone(), portal.url.clone(), session.clone());
        tokio::spawn(async move {
            let mut requests = 0;
            while !stop.load(Ordering::Relaxed) {
                page_with_session(&url, &session, "/innboks").await;
                page_with_session(&url, &session, "/timeavtaler").await;
                Browser::new(&url).login(DemoPersons::PER_PERSEN).await;
                requests += 4;
            }
            requests
        })
    };
    let writer = {
        let (stop, written, db) = (stop.clone(), written.clone(), db.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                answered_thread(&db, ola_id, "Under sikkerhetskopien").await;
                written.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while written.load(Ordering::Relaxed) < 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let backup_dir = support::temp_dir();
    let backup = backup_dir.join("helseportal-backup.db");
    let written_before = written.load(Ordering::Relaxed);
    let output = {
        let (url, to) = (database_url.clone(), backup.clone());
        tokio::task::spawn_blocking(move || run_backup(&url, &to))
            .await
            .unwrap()
    };
    let written_after = written.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let requests = readers.await.unwrap();
    writer.await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(
        said.starts_with(&format!("Backup written to {}", backup.display())),
        "{said}"
    );
    assert!(requests > 0);
    let written_total = written.load(Ordering::Relaxed);
    assert!(
        written_total > written_after,
        "writes went on after the backup"
    );
    let ola_threads = db.inbox(ola_id, None, None, 1).await.unwrap().total;
    assert_eq!(ola_threads, i64::try_from(written_total).unwrap());
    db.close().await;
    assert!(portal.stop().await.success());
    assert_eq!(
        std::fs::read_dir(&backup_dir).unwrap().count(),
        1,
        "the backup alone, no partial file"
    );

    // Restore: the backup becomes the database of a new portal.
    let restored_dir = support::temp_dir();
    std::fs::copy(&backup, restored_dir.join("portal.db")).unwrap();
    let restored_url = format!("sqlite://{}/portal.db", restored_dir.display());
    let mut restored = Portal::start(&restored_url, &[], &[]).await;
    assert_eq!(
        page_with_session(&restored.url, &session, "/innboks").await,
        inbox_before
    );
    assert_eq!(
        page_with_session(&restored.url, &session, "/timeavtaler").await,
        appointments_before
    );
    // The copy is the database at one moment: every write before the backup began, and of
    // those during it all or none, none torn.
    let db = Database::connect(&restored_url).await.unwrap();
    let restored_threads = db.inbox(ola_id, None, None, 1).await.unwrap().total;
    assert!(
        (i64::try_from(written_before).unwrap()..=i64::try_from(written_after).unwrap())
            .contains(&restored_threads),
        "{written_before} <= {restored_threads} <= {written_after}"
    );
    db.close().await;
    assert!(restored.stop().await.success());
}

#[tokio::test]
async fn backup_refuses_postgres_and_never_overwrites_a_file() {
    let dir = support::temp_dir();
    let to = dir.join("backup.db");
    // PostgreSQL: pointed to its own tools, nothing written.
    let output = run_backup("postgres://postgres@127.0.0.1:55432/helseportal", &to);
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(said.contains("pg_dump") && said.contains("PITR"), "{said}");
    assert!(!to.exists());

    // A database that does not exist is not made.
    let missing = dir.join("missing.db");
    let output = run_backup(&format!("sqlite://{}", missing.display()), &to);
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(said.contains("there is no database at"), "{said}");
    assert!(!missing.exists());
    assert!(!to.exists());

    // An existing file is left as it was.
    let database_url = format!("sqlite://{}/portal.db", dir.display());
    let migrated = Command::new(BINARY)
        .args(["migrate", "--database", &database_url])
        .output()
        .unwrap();
    assert!(migrated.status.success());
    std::fs::write(&to, "an earlier backup").unwrap();
    let output = run_backup(&database_url, &to);
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(said.contains("already exists"), "{said}");
    assert_eq!(std::fs::read_to_string(&to).unwrap(), "an earlier backup");

    // And to a new file it is written.
    let fresh = dir.join("fresh.db");
    let output = run_backup(&database_url, &fresh);
    assert!(output.status.success());
    assert!(fresh.is_file());
    assert!(!dir.join("fresh.db.partial").exists());
}
