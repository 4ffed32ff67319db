//! `helseportal-bench run`: the portal under load at national scale, measured against the
//! physical limits of the same machine in the same run.
//!
//! For each engine it generates every population, starts `helseportal serve
//! --insecure-test-login` on each, logs
//! citizens in through the built-in identity provider, and drives each load with `wrk` on the
//! populations in turn, so that the sizes are compared on the same stretch of time.
//! Each page is compared with nginx serving the same bytes as a static file (the HTTP ceiling)
//! and with the same storage calls run in process without HTTP (the storage ceiling). It
//! asserts while it measures: no 5xx answer, and no slot held twice after the morning rush.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use storage::{Database, NewBooking, PopulationPlan};

/// Options of `helseportal-bench run`.
pub struct BenchOptions {
    /// The portal's binary (`helseportal`), started for each population.
    pub portal: PathBuf,
    pub populations: Vec<u64>,
    pub postgres_server: Option<String>,
    pub sqlite: bool,
    pub seconds: u64,
    pub connections: u64,
    pub sessions: u64,
    pub heavy_inbox_citizens: u64,
    /// Only the page loads whose name holds this text, and none of the others.
    pub only: Option<String>,
    pub work_dir: PathBuf,
    pub report: PathBuf,
}

/// Removes the child process (by its id) when dropped, so no server outlives the run.
struct Running {
    child: Child,
    what: String,
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM, so that nginx's master stops its workers too (SIGKILL would orphan them).
        let terminated = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|status| status.success());
        if !terminated && let Err(e) = self.child.kill() {
            eprintln!("stopping {}: {e}", self.what);
        }
        let _ = self.child.wait();
    }
}

/// What `wrk` measured, as the Lua script's `done` prints it.
#[derive(Debug, Clone, Default)]
struct LoadResult {
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    seconds: f64,
    /// The latency in microseconds at each thousandth of the answers (0.1 %, 0.2 %, …,
    /// 100 %), so that two loads of the same page can be told as one.
    quantiles_us: Vec<u64>,
    status_2xx: u64,
    status_3xx: u64,
    status_4xx: u64,
    status_5xx: u64,
    socket_errors: u64,
}

/// What the in-process storage loop measured.
#[derive(Debug, Clone, Default)]
struct CeilingResult {
    /// Calls that failed (a connection not had within the pool's timeout).
    failed: u64,
    rps: f64,
    p99_ms: f64,
}

/// One line of the report.
struct Row {
    engine: &'static str,
    citizens: u64,
    scenario: &'static str,
    connections: u64,
    portal: LoadResult,
    nginx: Option<LoadResult>,
    storage: Option<CeilingResult>,
    peak_memory_mb: f64,
    /// The CPU time the portal and the database spent per answer, where measured.
    cpu: Option<CpuPerRequest>,
}

/// CPU time (user and system) per answer, in microseconds: the portal's process and the
/// database server's processes. It shows where a page's work is done. It counts no time in
/// which a shared machine ran other work, but grows too when that work is heavy.
#[derive(Debug, Clone, Copy)]
struct CpuPerRequest {
    portal_us: f64,
    /// `None` on SQLite, whose work is the portal's.
    database_us: Option<f64>,
}

/// A logged-in citizen.
#[derive(Clone)]
struct Session {
    token: String,
    csrf: String,
    person_id: i64,
    office_id: i64,
    practitioner_id: i64,
}

/// The session lifetime of the storage ceiling's lookups, as the portal's (touched at most
/// once a minute).
const BENCH_SESSIONS: storage::SessionTimeouts = storage::SessionTimeouts {
    idle_seconds: 3_600,
    max_seconds: 12 * 3_600,
    touch_every: 60,
};

/// The page loads, each with its own page and storage ceiling.
const FRONT_PAGE: &str = "Forside (innlogget)";
const GP_PAGE: &str = "Din fastlege";
const INBOX_PAGE: &str = "Innboks, første side (10 000 tråder)";
const INBOX_SEARCH: &str = "Innboks, søk (10 000 tråder)";
const FREE_SLOTS: &str = "Ledige timer en dag";
/// The loads after the pages: the front page with one connection per session, the morning
/// rush, and the two processes on PostgreSQL.
const WIDE_FRONT_PAGE: &str = "Forside, én forbindelse per økt";
const RUSH: &str = "Morgenrush: bestill time kl. 08:00";
const TWO_PROCESSES_FRONT_PAGE: &str = "To prosesser: forside";
const TWO_PROCESSES_RUSH: &str = "To prosesser: morgenrush";
/// Every load, in the order they run; `--only` picks those whose name holds its text.
const LOADS: [&str; 9] = [
    FRONT_PAGE,
    GP_PAGE,
    INBOX_PAGE,
    INBOX_SEARCH,
    FREE_SLOTS,
    WIDE_FRONT_PAGE,
    RUSH,
    TWO_PROCESSES_FRONT_PAGE,
    TWO_PROCESSES_RUSH,
];

pub async fn run(mut options: BenchOptions) -> Result<(), String> {
    std::fs::create_dir_all(&options.work_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.work_dir.display()))?;
    // nginx reads paths from its own prefix, so every path it gets is absolute.
    options.work_dir = std::fs::canonicalize(&options.work_dir)
        .map_err(|e| format!("{}: {e}", options.work_dir.display()))?;
    // A text that names no load would measure nothing after minutes of generating.
    if !LOADS.iter().any(|load| options.wanted(load)) {
        return Err(format!(
            "--only names none of the loads: {}",
            LOADS.join("; ")
        ));
    }
    for tool in ["wrk", "nginx"] {
        if which(tool).is_none() {
            return Err(format!(
                "{tool} is missing: apt-get install wrk nginx (scripts/bench.sh installs them)"
            ));
        }
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut engines: Vec<&'static str> = Vec::new();
    if options.sqlite {
        engines.push("SQLite");
    }
    if options.postgres_server.is_some() {
        engines.push("PostgreSQL");
    }
    for engine in engines {
        // Every population of the engine is served at once, and each load runs on them one
        // after the other: the sizes are compared minutes apart at most, not a whole run.
        let mut populations = Vec::new();
        for &citizens in &options.populations {
            let url = match engine {
                "SQLite" => {
                    let file = options.work_dir.join(format!("bench-{citizens}.db"));
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                    }
                    format!("sqlite://{}", file.display())
                }
                _ => {
                    let server = options.postgres_server.as_deref().unwrap_or_default();
                    fresh_postgres_database(server, &format!("bench_{citizens}"))
                        .await
                        .map_err(|e| format!("PostgreSQL: {e}"))?
                }
            };
            println!("\n==> {engine}, {citizens} citizens");
            populations.push(Population::prepare(&options, engine, citizens, url).await?);
        }
        println!("\n==> {engine}: the loads, each on every population in turn");
        let first_row = rows.len();
        measure_pages(&options, &populations, &mut rows, &mut failures).await?;
        measure_rest(&options, &populations, &mut rows, &mut failures).await?;
        // The report lists each population's loads together (the sort keeps the loads' order).
        rows[first_row..].sort_by_key(|row| row.citizens);
        for population in populations {
            population.close().await;
        }
    }
    let report = render_report(&options, &rows, &failures);
    println!("\n{report}");
    std::fs::write(&options.report, &report)
        .map_err(|e| format!("cannot write {}: {e}", options.report.display()))?;
    println!("The report is in {}", options.report.display());
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} correctness check(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

impl BenchOptions {
    /// Whether a load is measured in this run.
    fn wanted(&self, load: &str) -> bool {
        self.only.as_deref().is_none_or(|only| load.contains(only))
    }

    /// Half of a load's time, for the loads measured in two halves.
    fn half_seconds(&self) -> u64 {
        self.seconds.div_ceil(2).max(1)
    }
}

/// A population generated, served and logged in: ready for the loads.
struct Population<'a> {
    options: &'a BenchOptions,
    engine: &'static str,
    citizens: u64,
    url: String,
    db: Database,
    server: Running,
    base: String,
    /// The files of this population's servers (logs, attachments, outbox).
    dir: PathBuf,
    sessions: Vec<Session>,
    /// The citizens with 10,000 threads.
    heavy_sessions: Vec<Session>,
    /// The days with slots; the first three are held back for the rushes.
    days: Vec<jiff::civil::Date>,
    /// PostgreSQL's process, whose children serve the connections.
    database_pid: Option<u32>,
}

/// A page load: the requests, and the storage calls the handler makes for each.
struct PageLoad {
    name: &'static str,
    targets: Vec<Target>,
    call: ReadCall,
}

impl<'a> Population<'a> {
    /// Generates the population, starts its server and logs its citizens in.
    async fn prepare(
        options: &'a BenchOptions,
        engine: &'static str,
        citizens: u64,
        url: String,
    ) -> Result<Self, String> {
        let db = Database::connect(&url).await.map_err(|e| e.to_string())?;
        db.migrate().await.map_err(|e| e.to_string())?;
        let plan = PopulationPlan::new(citizens, options.heavy_inbox_citizens);
        let started = Instant::now();
        let now = jiff::Timestamp::now().as_second();
        let report = db
            .generate_population(&plan, now)
            .await
            .map_err(|e| format!("generate: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "generated {} rows in {seconds:.1} s ({:.0} rows/s)",
            report.total_rows(),
            report.total_rows() as f64 / seconds.max(0.001)
        );

        let dir = options
            .work_dir
            .join(format!("{}-{citizens}", engine.to_lowercase()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let port = free_port()?;
        let server = start_server(&options.portal, &url, port, &dir, "serve-1")?;
        let base = format!("http://127.0.0.1:{port}");
        wait_until_healthy(&base).await?;

        // Citizens of the first two offices with services (the same structure at any size),
        // and the heavy-inbox citizens.
        let offices: Vec<u64> = plan.offices_with_services().take(2).collect();
        let mut logged_in: Vec<u64> = Vec::new();
        let mut n = 0;
        while logged_in.len() < usize::try_from(options.sessions).unwrap_or(1000) {
            let office = offices[usize::try_from(n % 2).unwrap_or(0) % offices.len()];
            match plan.citizen_of_office(office, n / 2) {
                Some(citizen) if !plan.is_heavy(citizen) => logged_in.push(citizen),
                Some(_) => {}
                None if n > 10 * options.sessions => break,
                None => {}
            }
            n += 1;
        }
        let heavy: Vec<u64> = (0..plan.heavy_inbox_citizens).collect();
        let login_started = Instant::now();
        let sessions = login_all(&base, &db, &plan, &logged_in).await?;
        let heavy_sessions = login_all(&base, &db, &plan, &heavy).await?;
        db.refresh_session_statistics()
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "{} sessions logged in ({} with 10,000 threads) in {:.1} s",
            sessions.len() + heavy_sessions.len(),
            heavy_sessions.len(),
            login_started.elapsed().as_secs_f64()
        );
        let days = storage::slot_days(now).map_err(|e| e.to_string())?;
        if days.len() <= storage::HELD_BACK_DAYS {
            return Err("no open day".into());
        }
        let database_pid = db
            .server_process_id()
            .await
            .map_err(|e| e.to_string())?
            .and_then(parent_pid);
        Ok(Self {
            options,
            engine,
            citizens,
            url,
            db,
            server,
            base,
            dir,
            sessions,
            heavy_sessions,
            days,
            database_pid,
        })
    }

    /// The page loads, in the order of [`LOADS`].
    fn page_loads(&self) -> Vec<PageLoad> {
        let open_day = self.days[storage::HELD_BACK_DAYS];
        let slots_path = |s: &Session| {
            format!(
                "/bestill-time/behandler/{}?maaned={}&dag={open_day}",
                s.practitioner_id,
                open_day.strftime("%Y-%m")
            )
        };
        let search = "blodpr%C3%B8ve";
        vec![
            PageLoad {
                name: FRONT_PAGE,
                targets: targets(&self.sessions, |_| "/".into()),
                call: ReadCall::FrontPage,
            },
            PageLoad {
                name: GP_PAGE,
                targets: targets(&self.sessions, |_| "/fastlege".into()),
                call: ReadCall::GpPage,
            },
            PageLoad {
                name: INBOX_PAGE,
                targets: targets(&self.heavy_sessions, |_| "/innboks".into()),
                call: ReadCall::Inbox(None),
            },
            PageLoad {
                name: INBOX_SEARCH,
                targets: targets(&self.heavy_sessions, |_| format!("/innboks?q={search}")),
                call: ReadCall::Inbox(Some("blodprøve")),
            },
            PageLoad {
                name: FREE_SLOTS,
                targets: targets(&self.sessions, slots_path),
                call: ReadCall::FreeSlots(open_day),
            },
        ]
    }

    fn cpu_times(&self) -> CpuTimes {
        CpuTimes::now(self.server.pid(), self.database_pid)
    }

    /// The offices of the logged-in citizens, whose slots the rushes release.
    fn office_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.sessions.iter().map(|s| s.office_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The booking form's page, for every session.
    fn rush_targets(&self) -> Vec<Target> {
        targets(&self.sessions, |_| "/bestill-time/se-gjennom".into())
    }

    /// The morning rush: at 08:00 the offices release the day's slots, and the citizens race.
    async fn rush(&self, rows: &mut Vec<Row>, failures: &mut Vec<String>) -> Result<(), String> {
        let options = self.options;
        let office_ids = self.office_ids();
        let rush_web = release(&self.db, &office_ids, self.days[0]).await?;
        let rush = self.load(
            &self.base,
            &self.rush_targets(),
            Some(&rush_web),
            options.connections,
            "POST",
        )?;
        let peak = peak_memory_mb(self.server.pid());
        self.check_rush(&rush_web, &[&rush], "rush", failures)
            .await?;
        let rush_storage = release(&self.db, &office_ids, self.days[1]).await?;
        let ceiling = storage_ceiling(
            &self.db,
            &self.sessions,
            ReadCall::Booking(Arc::new(rush_storage)),
            options.connections,
            options.seconds,
        )
        .await?;
        self.record(rows, RUSH, options.connections, rush, Some(ceiling), peak);
        Ok(())
    }

    async fn close(self) {
        drop(self.server);
        self.db.close().await;
    }

    /// Prints a load measured without nginx beside it and adds its row to the report.
    fn record(
        &self,
        rows: &mut Vec<Row>,
        scenario: &'static str,
        connections: u64,
        portal: LoadResult,
        storage: Option<CeilingResult>,
        peak_memory_mb: f64,
    ) {
        print_line(
            scenario,
            self.citizens,
            &portal,
            None,
            storage.as_ref(),
            peak_memory_mb,
        );
        rows.push(Row {
            engine: self.engine,
            citizens: self.citizens,
            scenario,
            connections,
            portal,
            nginx: None,
            storage,
            peak_memory_mb,
            cpu: None,
        });
    }

    /// Wins (redirects to the confirmation) must equal the slots now held, and no slot may be
    /// held twice.
    async fn check_rush(
        &self,
        slots: &Released,
        runs: &[&LoadResult],
        what: &str,
        failures: &mut Vec<String>,
    ) -> Result<(), String> {
        let db = &self.db;
        let slot_ids: Vec<i64> = slots.values().flatten().copied().collect();
        let wins: u64 = runs.iter().map(|r| r.status_3xx).sum();
        let held = db
            .held_slots_among(&slot_ids)
            .await
            .map_err(|e| e.to_string())?;
        let bookings = db
            .bookings_among(&slot_ids)
            .await
            .map_err(|e| e.to_string())?;
        let twice = db.slots_held_twice().await.map_err(|e| e.to_string())?;
        println!(
            "{} citizens, {what}: {} slots released, {wins} won, {held} held, {bookings} bookings, {twice} held twice",
            self.citizens,
            slot_ids.len()
        );
        let prefix = format!("{} {} citizens, {what}", self.engine, self.citizens);
        if twice != 0 || held != bookings || u64::try_from(held).unwrap_or(0) != wins {
            failures.push(format!(
                "{prefix}: {wins} won, {held} slots held, {bookings} bookings, {twice} held twice"
            ));
        }
        for run in runs {
            check_no_5xx(run, what, self, failures);
        }
        Ok(())
    }

    fn load(
        &self,
        base: &str,
        targets: &[Target],
        slots: Option<&Released>,
        connections: u64,
        method: &str,
    ) -> Result<LoadResult, String> {
        self.load_for(
            base,
            targets,
            slots,
            connections,
            method,
            self.options.seconds,
        )
    }

    /// [`Self::load`] for `seconds` instead of the run's.
    fn load_for(
        &self,
        base: &str,
        targets: &[Target],
        slots: Option<&Released>,
        connections: u64,
        method: &str,
        seconds: u64,
    ) -> Result<LoadResult, String> {
        let script = write_script(&self.options.work_dir, "load", targets, slots, method)?;
        run_wrk(base, &script, connections, seconds)
    }

    /// The same load against this population's server and a second one at once, for
    /// `seconds`.
    fn load_pair(
        &self,
        base2: &str,
        targets: &[Target],
        slots: Option<&Released>,
        connections: u64,
        method: &str,
        seconds: u64,
    ) -> Result<(LoadResult, LoadResult), String> {
        let script_a = write_script(&self.options.work_dir, "pair-a", targets, slots, method)?;
        let script_b = write_script(&self.options.work_dir, "pair-b", targets, slots, method)?;
        let (base, base2) = (self.base.clone(), base2.to_owned());
        let other = std::thread::spawn(move || run_wrk(&base2, &script_b, connections, seconds));
        let a = run_wrk(&base, &script_a, connections, seconds)?;
        let b = other
            .join()
            .map_err(|_| "the second load generator failed".to_owned())??;
        Ok((a, b))
    }
}

/// The page loads, each on every population in turn. The portal's load of a page is measured
/// in two halves around nginx serving each population's bytes as a static file
/// ([`in_halves`]), so that every population's load and nginx's are centred on the same moment,
/// on a machine whose speed drifts by minutes.
async fn measure_pages(
    options: &BenchOptions,
    populations: &[Population<'_>],
    rows: &mut Vec<Row>,
    failures: &mut Vec<String>,
) -> Result<(), String> {
    let static_dir = options.work_dir.join("static");
    std::fs::create_dir_all(&static_dir).map_err(|e| e.to_string())?;
    let nginx_port = free_port()?;
    let nginx_base = format!("http://127.0.0.1:{nginx_port}");
    let half = options.half_seconds();
    let page_loads: Vec<Vec<PageLoad>> = populations.iter().map(Population::page_loads).collect();
    let count = page_loads.first().map_or(0, Vec::len);
    for index in 0..count {
        // The same page of every population.
        let pages: Vec<&PageLoad> = page_loads.iter().map(|loads| &loads[index]).collect();
        let name = pages[0].name;
        if !options.wanted(name) {
            continue;
        }
        // nginx serves the bytes the portal answers for the first target.
        let mut nginx_targets = Vec::new();
        for (population, page) in populations.iter().zip(&pages) {
            let file_name = format!("page{index}-{}.html", population.citizens);
            let bytes = fetch(&population.base, &page.targets[0]).await?;
            std::fs::write(static_dir.join(&file_name), &bytes).map_err(|e| e.to_string())?;
            nginx_targets.push(
                page.targets
                    .iter()
                    .map(|t| Target {
                        path: format!("/{file_name}"),
                        ..t.clone()
                    })
                    .collect::<Vec<Target>>(),
            );
        }
        let nginx_server = start_nginx(&options.work_dir, &static_dir, nginx_port)?;
        wait_for_port(nginx_port).await?;
        let mut cpu_spent: Vec<Option<CpuTimes>> = populations.iter().map(|_| None).collect();
        let (portal_loads, nginx_loads) = in_halves(
            populations,
            |index, population| {
                let before = population.cpu_times();
                let load = population.load_for(
                    &population.base,
                    &pages[index].targets,
                    None,
                    options.connections,
                    "GET",
                    half,
                )?;
                let spent = population.cpu_times().since(&before);
                match &mut cpu_spent[index] {
                    Some(total) => total.add(&spent),
                    none => *none = Some(spent),
                }
                Ok(load)
            },
            || {
                populations
                    .iter()
                    .zip(&nginx_targets)
                    .map(|(population, targets)| {
                        population.load_for(
                            &nginx_base,
                            targets,
                            None,
                            options.connections,
                            "GET",
                            2 * half,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()
            },
        )?;
        drop(nginx_server);

        let measured = portal_loads.into_iter().zip(nginx_loads).zip(cpu_spent);
        for ((population, page), ((portal, nginx), cpu)) in
            populations.iter().zip(pages).zip(measured)
        {
            let cpu = cpu.and_then(|cpu| cpu.per_request(portal.requests));
            let peak = peak_memory_mb(population.server.pid());
            let storage = storage_ceiling(
                &population.db,
                &sessions_for(&page.targets),
                page.call.clone(),
                options.connections,
                options.seconds,
            )
            .await?;
            check_no_5xx(&portal, name, population, failures);
            print_line(
                name,
                population.citizens,
                &portal,
                Some(&nginx),
                Some(&storage),
                peak,
            );
            if let Some(cpu) = cpu {
                println!(
                    "{:<52} CPU per answer: portal {:.0} µs, database {}",
                    "",
                    cpu.portal_us,
                    cpu.database_us
                        .map_or("in the portal".to_owned(), |us| format!("{us:.0} µs"))
                );
            }
            rows.push(Row {
                engine: population.engine,
                citizens: population.citizens,
                scenario: name,
                connections: options.connections,
                portal,
                nginx: Some(nginx),
                storage: Some(storage),
                peak_memory_mb: peak,
                cpu,
            });
        }
    }
    Ok(())
}

/// The loads after the pages, each on every population in turn: the front page with one
/// connection per session, the morning rush, and on PostgreSQL the two processes.
async fn measure_rest(
    options: &BenchOptions,
    populations: &[Population<'_>],
    rows: &mut Vec<Row>,
    failures: &mut Vec<String>,
) -> Result<(), String> {
    let half = options.half_seconds();
    // 1,000 connections at once, one per session: the memory at 1,000 concurrent sessions.
    if options.wanted(WIDE_FRONT_PAGE) {
        let (wide, ()) = in_halves(
            populations,
            |_, population| {
                let all = targets(&population.sessions, |_| "/".into());
                population.load_for(&population.base, &all, None, all.len() as u64, "GET", half)
            },
            || Ok(()),
        )?;
        for (population, wide) in populations.iter().zip(wide) {
            let peak = peak_memory_mb(population.server.pid());
            check_no_5xx(&wide, "1000 connections", population, failures);
            let connections = population.sessions.len() as u64;
            population.record(rows, WIDE_FRONT_PAGE, connections, wide, None, peak);
        }
    }
    if options.wanted(RUSH) {
        for population in populations {
            population.rush(rows, failures).await?;
        }
    }

    // Scale-out: a second app process on the same PostgreSQL database serves the same
    // sessions, and both race for the same released slots.
    let two_processes = [TWO_PROCESSES_FRONT_PAGE, TWO_PROCESSES_RUSH];
    if populations
        .first()
        .is_some_and(|p| p.engine == "PostgreSQL")
        && two_processes.iter().any(|load| options.wanted(load))
    {
        let mut second_servers = Vec::new();
        for population in populations {
            let port = free_port()?;
            let server = start_server(
                &options.portal,
                &population.url,
                port,
                &population.dir,
                "serve-2",
            )?;
            let base = format!("http://127.0.0.1:{port}");
            wait_until_healthy(&base).await?;
            second_servers.push((server, base));
        }
        let connections = options.connections / 2;
        if options.wanted(TWO_PROCESSES_FRONT_PAGE) {
            let servers = populations.iter().zip(&second_servers).collect::<Vec<_>>();
            let (fronts, ()) = in_halves(
                &servers,
                |_, (population, (_, base2))| {
                    let (a, b) = population.load_pair(
                        base2,
                        &targets(&population.sessions, |_| "/".into()),
                        None,
                        connections,
                        "GET",
                        half,
                    )?;
                    Ok(combine(&a, &b))
                },
                || Ok(()),
            )?;
            for ((population, (second, _)), both) in servers.into_iter().zip(fronts) {
                check_no_5xx(&both, "scale-out front page", population, failures);
                let peak =
                    peak_memory_mb(population.server.pid()).max(peak_memory_mb(second.pid()));
                population.record(
                    rows,
                    TWO_PROCESSES_FRONT_PAGE,
                    options.connections,
                    both,
                    None,
                    peak,
                );
            }
        }
        if options.wanted(TWO_PROCESSES_RUSH) {
            for (population, (second, base2)) in populations.iter().zip(&second_servers) {
                let office_ids = population.office_ids();
                let rush_both = release(&population.db, &office_ids, population.days[2]).await?;
                let (a, b) = population.load_pair(
                    base2,
                    &population.rush_targets(),
                    Some(&rush_both),
                    connections,
                    "POST",
                    options.seconds,
                )?;
                population
                    .check_rush(&rush_both, &[&a, &b], "two-process rush", failures)
                    .await?;
                let both = combine(&a, &b);
                let peak =
                    peak_memory_mb(population.server.pid()).max(peak_memory_mb(second.pid()));
                population.record(
                    rows,
                    TWO_PROCESSES_RUSH,
                    options.connections,
                    both,
                    None,
                    peak,
                );
            }
        }
    }
    Ok(())
}

/// A load measured on every population in two halves: the first halves in the populations'
/// order, then `between` (nginx's loads, for a page), then the second halves in the reverse
/// order, so that each population's load is centred on the same moment as `between`. The
/// halves of each are told as one.
fn in_halves<P, T>(
    populations: &[P],
    mut half_load: impl FnMut(usize, &P) -> Result<LoadResult, String>,
    between: impl FnOnce() -> Result<T, String>,
) -> Result<(Vec<LoadResult>, T), String> {
    let mut first_halves = Vec::new();
    for (index, population) in populations.iter().enumerate() {
        first_halves.push(half_load(index, population)?);
    }
    let middle = between()?;
    let mut loads = Vec::new();
    for (index, (population, first)) in populations.iter().zip(first_halves).enumerate().rev() {
        loads.push(first.followed_by(&half_load(index, population)?));
    }
    loads.reverse();
    Ok((loads, middle))
}

fn check_no_5xx(
    result: &LoadResult,
    what: &str,
    population: &Population<'_>,
    failures: &mut Vec<String>,
) {
    if result.status_5xx > 0 || result.socket_errors > 0 {
        failures.push(format!(
            "{} {} citizens, {what}: {} answers 5xx, {} socket errors",
            population.engine, population.citizens, result.status_5xx, result.socket_errors
        ));
    }
}

/// Two loads at the same time (on two processes) told as one: their rates add up.
fn combine(a: &LoadResult, b: &LoadResult) -> LoadResult {
    LoadResult {
        rps: a.rps + b.rps,
        seconds: a.seconds.max(b.seconds),
        ..joined(a, b)
    }
}

impl LoadResult {
    /// This load and a later one of the same page told as one: the rate over both.
    fn followed_by(&self, later: &Self) -> Self {
        let seconds = self.seconds + later.seconds;
        let requests = self.requests + later.requests;
        Self {
            rps: if seconds > 0.0 {
                requests as f64 / seconds
            } else {
                0.0
            },
            seconds,
            ..joined(self, later)
        }
    }
}

/// The counts of two loads added up, and their latencies as one distribution; the rate and
/// the duration are left to the caller.
fn joined(a: &LoadResult, b: &LoadResult) -> LoadResult {
    let quantiles_us = merged_quantiles(&[a, b]);
    // The 500th and the 990th thousandth; the larger of the two loads' own without them.
    let latency = |index: usize, own: fn(&LoadResult) -> f64| {
        quantiles_us
            .get(index)
            .map_or_else(|| own(a).max(own(b)), |&us| us as f64 / 1000.0)
    };
    LoadResult {
        requests: a.requests + b.requests,
        rps: 0.0,
        p50_ms: latency(499, |l| l.p50_ms),
        p99_ms: latency(989, |l| l.p99_ms),
        seconds: 0.0,
        status_2xx: a.status_2xx + b.status_2xx,
        status_3xx: a.status_3xx + b.status_3xx,
        status_4xx: a.status_4xx + b.status_4xx,
        status_5xx: a.status_5xx + b.status_5xx,
        socket_errors: a.socket_errors + b.socket_errors,
        quantiles_us,
    }
}

/// The latencies of several loads as one distribution: each load's thousandths stand for its
/// answers in equal shares.
struct MergedLatencies<'l> {
    loads: Vec<&'l LoadResult>,
    /// Every thousandth of every load, in order: where a percentile of all can fall.
    candidates: Vec<u64>,
    answers: f64,
}

impl<'l> MergedLatencies<'l> {
    /// `None` when no load has answers, or one with answers has no thousandths.
    fn of(loads: &[&'l LoadResult]) -> Option<Self> {
        let loads: Vec<&LoadResult> = loads.iter().copied().filter(|l| l.requests > 0).collect();
        if loads.is_empty() || loads.iter().any(|l| l.quantiles_us.is_empty()) {
            return None;
        }
        let mut candidates: Vec<u64> = loads
            .iter()
            .flat_map(|l| l.quantiles_us.iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let answers = loads.iter().map(|l| l.requests as f64).sum();
        Some(Self {
            loads,
            candidates,
            answers,
        })
    }

    /// The latency in microseconds under which `percent` of all the answers came.
    fn percentile_us(&self, percent: f64) -> u64 {
        let wanted = percent / 100.0 * self.answers;
        // The share of a load's answers at or under `x` is the share of its thousandths there.
        let at_or_under = |x: u64| -> f64 {
            self.loads
                .iter()
                .map(|l| {
                    let under = l.quantiles_us.partition_point(|&q| q <= x);
                    l.requests as f64 * under as f64 / l.quantiles_us.len() as f64
                })
                .sum()
        };
        // A tolerance for the rounding of the shares, so that 99 % of 1,000 thousandths is met
        // at the 990th.
        let index = self
            .candidates
            .partition_point(|&x| at_or_under(x) < wanted - 1e-6);
        self.candidates[index.min(self.candidates.len() - 1)]
    }
}

/// The latency in microseconds under which `percent` of the answers of all `loads` came
/// (see [`MergedLatencies`]).
#[cfg(test)]
fn merged_percentile_us(loads: &[&LoadResult], percent: f64) -> Option<u64> {
    MergedLatencies::of(loads).map(|merged| merged.percentile_us(percent))
}

/// The thousandths of all `loads` as one distribution (empty when one of them has none).
fn merged_quantiles(loads: &[&LoadResult]) -> Vec<u64> {
    MergedLatencies::of(loads).map_or_else(Vec::new, |merged| {
        (1..=1000)
            .map(|i| merged.percentile_us(f64::from(i) / 10.0))
            .collect()
    })
}

/// The slots released for a rush, by office.
type Released = BTreeMap<i64, Vec<i64>>;

async fn release(
    db: &Database,
    offices: &[i64],
    day: jiff::civil::Date,
) -> Result<Released, String> {
    let (from, to) = storage::day_bounds(day).map_err(|e| e.to_string())?;
    let mut by_office = Released::new();
    for (slot, office) in db
        .release_held_slots(offices, from, to)
        .await
        .map_err(|e| e.to_string())?
    {
        by_office.entry(office).or_default().push(slot);
    }
    Ok(by_office)
}

/// One request target: a session and the path it asks for.
#[derive(Clone)]
struct Target {
    session: Session,
    path: String,
}

fn targets(sessions: &[Session], path: impl Fn(&Session) -> String) -> Vec<Target> {
    sessions
        .iter()
        .map(|s| Target {
            session: s.clone(),
            path: path(s),
        })
        .collect()
}

fn sessions_for(targets: &[Target]) -> Vec<Session> {
    targets.iter().map(|t| t.session.clone()).collect()
}

/// A Lua script for wrk that rotates over the sessions, counts answers by status class and
/// prints one machine-readable line at the end.
fn write_script(
    dir: &Path,
    name: &str,
    targets: &[Target],
    slots: Option<&Released>,
    method: &str,
) -> Result<PathBuf, String> {
    let mut lua = String::new();
    lua.push_str("local targets = {\n");
    for t in targets {
        let _ = writeln!(
            lua,
            "  {{ path = \"{}\", cookie = \"hp_session={}\", csrf = \"{}\", office = {} }},",
            t.path, t.session.token, t.session.csrf, t.session.office_id
        );
    }
    lua.push_str("}\nlocal slots = {\n");
    if let Some(slots) = slots {
        for (office, ids) in slots {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            let _ = writeln!(lua, "  [{office}] = {{ {} }},", list.join(", "));
        }
    }
    let _ = writeln!(lua, "}}\nlocal method = \"{method}\"");
    // Every run and every load generator sends keys of its own: a key seen before would be
    // answered as the same form sent twice.
    let _ = writeln!(
        lua,
        "local key_prefix = \"{name}-{}\"",
        storage::random_token().replace(['-', '_'], "")
    );
    lua.push_str(LUA_BODY);
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, lua).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

const LUA_BODY: &str = r#"
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  counter = id * 7919
  sent = 0
  s2, s3, s4, s5 = 0, 0, 0, 0
  math.randomseed(id + 1)
end
function request()
  counter = counter + 1
  sent = sent + 1
  local t = targets[(counter % #targets) + 1]
  if method == "POST" then
    local list = slots[t.office]
    local slot = list[math.random(#list)]
    local body = "_csrf=" .. t.csrf .. "&time=" .. slot .. "&key=" .. key_prefix .. "-" .. id .. "-" .. sent .. "&reason="
    return wrk.format("POST", t.path, { ["Cookie"] = t.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end
  return wrk.format("GET", t.path, { ["Cookie"] = t.cookie })
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local c2, c3, c4, c5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c2 = c2 + t:get("s2"); c3 = c3 + t:get("s3"); c4 = c4 + t:get("s4"); c5 = c5 + t:get("s5")
  end
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d s2=%d s3=%d s4=%d s5=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), c2, c3, c4, c5,
    e.connect + e.read + e.write + e.timeout))
  -- wrk's percentile(100) asks for one answer more than it has and gives 0: the last is the maximum.
  local q = {}
  for i = 1, 999 do q[i] = latency:percentile(i / 10) end
  q[1000] = latency.max
  io.write("BENCH_QUANTILES " .. table.concat(q, ",") .. "\n")
end
"#;

fn run_wrk(
    base: &str,
    script: &Path,
    connections: u64,
    seconds: u64,
) -> Result<LoadResult, String> {
    let output = Command::new("wrk")
        .arg("-t2")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(script)
        .arg(format!("{base}/"))
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("BENCH "))
        .ok_or_else(|| {
            format!(
                "wrk gave no result: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let duration = field("duration_us").max(1) as f64 / 1e6;
    let quantiles_us = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH_QUANTILES "))
        .map(|list| {
            list.split(',')
                .map(|v| v.trim().parse::<u64>())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|e| format!("wrk gave broken quantiles: {e}"))?
        // Thousandths out of order are not a distribution: the run's own p50 and p99 stand.
        .filter(|quantiles| quantiles.is_sorted())
        .unwrap_or_default();
    Ok(LoadResult {
        requests: field("requests"),
        rps: field("requests") as f64 / duration,
        p50_ms: field("p50_us") as f64 / 1000.0,
        p99_ms: field("p99_us") as f64 / 1000.0,
        seconds: duration,
        quantiles_us,
        status_2xx: field("s2"),
        status_3xx: field("s3"),
        status_4xx: field("s4"),
        status_5xx: field("s5"),
        socket_errors: field("errors"),
    })
}

/// The storage calls a page makes, run without HTTP.
#[derive(Clone)]
enum ReadCall {
    FrontPage,
    GpPage,
    Inbox(Option<&'static str>),
    FreeSlots(jiff::civil::Date),
    Booking(Arc<Released>),
}

/// Runs the storage calls of a page for `seconds` from `workers` tasks at once, as the portal
/// would for each request (the session with its person and consent, then the page's own
/// queries).
async fn storage_ceiling(
    db: &Database,
    sessions: &[Session],
    call: ReadCall,
    workers: u64,
    seconds: u64,
) -> Result<CeilingResult, String> {
    let sessions = Arc::new(sessions.to_vec());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let db = db.clone();
        let sessions = sessions.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let mut failed = 0_u64;
            let mut n = usize::try_from(worker).unwrap_or(0) * 7919;
            while Instant::now() < deadline {
                n += 1;
                let session = &sessions[n % sessions.len()];
                let begun = Instant::now();
                // A call that times out waiting for a connection is a failure to report,
                // as a 503 would be over HTTP, not a reason to stop measuring.
                if page_calls(&db, session, &call, worker, n).await.is_err() {
                    failed += 1;
                    continue;
                }
                latencies.push(u32::try_from(begun.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            Ok::<_, String>((latencies, failed))
        }));
    }
    let mut all = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (latencies, task_failed) = task.await.map_err(|e| e.to_string())??;
        all.extend(latencies);
        failed += task_failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let percentile = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let index = ((all.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all[index.min(all.len() - 1)]) / 1000.0
    };
    Ok(CeilingResult {
        failed,
        rps: all.len() as f64 / elapsed,
        p99_ms: percentile(0.99),
    })
}

async fn page_calls(
    db: &Database,
    session: &Session,
    call: &ReadCall,
    worker: u64,
    n: usize,
) -> Result<(), storage::StorageError> {
    let now = jiff::Timestamp::now().as_second();
    // The pages that read their own data with the session, as the portal does.
    let page_read = match call {
        ReadCall::FrontPage => Some(storage::PageRead::FrontPageFacts),
        ReadCall::GpPage | ReadCall::FreeSlots(_) | ReadCall::Booking(_) => {
            Some(storage::PageRead::GpOverview)
        }
        ReadCall::Inbox(_) => None,
    };
    match page_read {
        Some(read) => {
            db.citizen_by_session_with(&session.token, now, BENCH_SESSIONS, read)
                .await?;
        }
        None => {
            db.citizen_by_session(&session.token, now, BENCH_SESSIONS)
                .await?;
        }
    }
    match call {
        // Their data came with the session, above.
        ReadCall::FrontPage | ReadCall::GpPage => {}
        ReadCall::Inbox(search) => {
            db.inbox(session.person_id, *search, None, 21).await?;
        }
        ReadCall::FreeSlots(day) => {
            let periods: Vec<storage::Period> =
                storage::days_left_in_month(day.first_of_month(), now)?
                    .into_iter()
                    .map(|(_, period)| period)
                    .collect();
            let purpose = domain::appointment::SlotPurpose::Ordinary;
            let (day_start, day_end) = storage::day_bounds(*day)?;
            // At once, as the calendar page asks for them; the GP and the office came with
            // the session, and the practitioner is the GP.
            tokio::try_join!(
                db.periods_with_free_slots(session.practitioner_id, purpose, &periods),
                db.slots_between(
                    session.practitioner_id,
                    purpose,
                    day_start.max(now),
                    day_end,
                ),
            )?;
        }
        // The GP's office came with the session, above.
        ReadCall::Booking(slots) => {
            let Some(list) = slots.get(&session.office_id) else {
                return Ok(());
            };
            let slot_id = list[(n.wrapping_mul(2_654_435_761)) % list.len()];
            db.slot_of_office(slot_id, session.office_id).await?;
            let today = jiff::Timestamp::now()
                .to_zoned_datetime(domain::norway_time_zone().clone())
                .date();
            db.request_booking(&NewBooking {
                slot_id,
                citizen_id: session.person_id,
                booked_by_person_id: session.person_id,
                sender_name: "Benk Mark",
                reason: "",
                message: "Ønsket timeavtale",
                idempotency_key: &format!("booking:{}:ceiling-{worker}-{n}", session.person_id),
                now,
                due_date: domain::working_days::add_working_days(
                    today,
                    domain::working_days::ANSWER_WORKING_DAYS,
                ),
            })
            .await?;
        }
    }
    Ok(())
}

fn print_line(
    name: &str,
    citizens: u64,
    portal: &LoadResult,
    nginx: Option<&LoadResult>,
    storage: Option<&CeilingResult>,
    peak_mb: f64,
) {
    let mut line = format!(
        "{:<52} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  peak {:>5.1} MB  2xx {} 3xx {} 4xx {} 5xx {}",
        format!("{name} ({citizens})"),
        portal.rps,
        portal.p50_ms,
        portal.p99_ms,
        peak_mb,
        portal.status_2xx,
        portal.status_3xx,
        portal.status_4xx,
        portal.status_5xx
    );
    if let Some(nginx) = nginx {
        let _ = write!(
            line,
            " | nginx {:.0} req/s ({:.0} %)",
            nginx.rps,
            100.0 * portal.rps / nginx.rps.max(1.0)
        );
    }
    if let Some(storage) = storage {
        let _ = write!(
            line,
            " | storage {:.0}/s p99 {:.2} ms ({:.0} %), {} failed",
            storage.rps,
            storage.p99_ms,
            100.0 * portal.rps / storage.rps.max(1.0),
            storage.failed
        );
    }
    println!("{line}");
    let _ = std::io::stdout().flush();
}

fn render_report(options: &BenchOptions, rows: &[Row], failures: &[String]) -> String {
    let mut out = String::new();
    let date = jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Run {date}; {cpus} cores ({model}); wrk with 2 threads, {} connections, {} s per load; {} sessions.",
        options.connections, options.seconds, options.sessions
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| engine | citizens | load | conns | req/s | p50 ms | p99 ms | peak MB | nginx req/s | of nginx | storage ops/s | storage p99 ms | of storage | CPU µs portal | CPU µs database |"
    );
    let _ = writeln!(
        out,
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for row in rows {
        let nginx = row
            .nginx
            .as_ref()
            .map(|n| {
                (
                    format!("{:.0}", n.rps),
                    format!("{:.0} %", 100.0 * row.portal.rps / n.rps.max(1.0)),
                )
            })
            .unwrap_or_default();
        let storage = row
            .storage
            .as_ref()
            .map(|s| {
                (
                    format!("{:.0}", s.rps),
                    format!("{:.2}", s.p99_ms),
                    format!("{:.0} %", 100.0 * row.portal.rps / s.rps.max(1.0)),
                )
            })
            .unwrap_or_default();
        let cpu = row
            .cpu
            .map(|cpu| {
                (
                    format!("{:.0}", cpu.portal_us),
                    cpu.database_us
                        .map(|us| format!("{us:.0}"))
                        .unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {} | {} | {} | {} | {} | {} | {} |",
            row.engine,
            row.citizens,
            row.scenario,
            row.connections,
            row.portal.rps,
            row.portal.p50_ms,
            row.portal.p99_ms,
            row.peak_memory_mb,
            nginx.0,
            nginx.1,
            storage.0,
            storage.1,
            storage.2,
            cpu.0,
            cpu.1
        );
    }
    if options.populations.len() > 1 {
        let (small, large) = (
            options.populations[0],
            options.populations[options.populations.len() - 1],
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "p99 from {small} to {large} citizens:");
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| engine | load | p99 ms at {small} | p99 ms at {large} | req/s at {small} | req/s at {large} |"
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: |");
        for row in rows.iter().filter(|r| r.citizens == small) {
            if let Some(other) = rows.iter().find(|r| {
                r.citizens == large && r.engine == row.engine && r.scenario == row.scenario
            }) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.2} | {:.2} | {:.0} | {:.0} |",
                    row.engine,
                    row.scenario,
                    row.portal.p99_ms,
                    other.portal.p99_ms,
                    row.portal.rps,
                    other.portal.rps
                );
            }
        }
    }
    let _ = writeln!(out);
    if failures.is_empty() {
        let _ = writeln!(
            out,
            "Correctness: no 5xx answers, no socket errors, every slot won once and held once."
        );
    } else {
        let _ = writeln!(out, "Correctness checks that FAILED:");
        for failure in failures {
            let _ = writeln!(out, "- {failure}");
        }
    }
    out
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn start_server(
    portal: &Path,
    url: &str,
    port: u16,
    dir: &Path,
    name: &str,
) -> Result<Running, String> {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).map_err(|e| e.to_string())?;
    let child = Command::new(portal)
        .arg("serve")
        // The citizens of the run log in through the built-in test identity provider.
        .arg("--insecure-test-login")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database")
        .arg(url)
        .arg("--attachments-dir")
        .arg(dir.join("attachments"))
        // The notification worker runs as in production, writing to an outbox of the run.
        .arg("--outbox-dir")
        .arg(dir.join("outbox"))
        // Sessions stay alive through the whole run.
        .env("HELSEPORTAL_SESSION_IDLE_SECONDS", "7200")
        // Thousands of citizens log in and book from this one machine: the rate limits stay
        // on (their cost is measured) but far from reach.
        .env("HELSEPORTAL_RATE_LIMIT_SCALE", "1000000")
        .env("HELSEPORTAL_LOG", "warn")
        .env_remove("HELSEPORTAL_OIDC_ISSUER")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the portal: {e}"))?;
    Ok(Running {
        child,
        what: format!("portal {name}"),
    })
}

fn start_nginx(dir: &Path, root: &Path, port: u16) -> Result<Running, String> {
    let nginx_dir = dir.join("nginx");
    std::fs::create_dir_all(&nginx_dir).map_err(|e| e.to_string())?;
    let config = format!(
        "worker_processes auto;\nuser root;\nerror_log {dir}/error.log;\npid {dir}/nginx.pid;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n  \
         fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n  \
         keepalive_requests 1000000;\n  \
         server {{\n    listen 127.0.0.1:{port};\n    root {root};\n    default_type text/html;\n  }}\n}}\n",
        dir = nginx_dir.display(),
        root = root.display()
    );
    let conf = nginx_dir.join("nginx.conf");
    std::fs::write(&conf, config).map_err(|e| e.to_string())?;
    let nginx = which("nginx").ok_or("nginx is missing")?;
    let child = Command::new(nginx)
        .arg("-c")
        .arg(&conf)
        .arg("-g")
        .arg("daemon off;")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start nginx: {e}"))?;
    Ok(Running {
        child,
        what: "nginx".into(),
    })
}

async fn wait_for_port(port: u16) -> Result<(), String> {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("nothing answers on port {port}"))
}

async fn wait_until_healthy(base: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("the portal at {base} did not become healthy"))
}

/// The CPU time used so far by the portal's process and by the database server's processes.
struct CpuTimes {
    portal_ticks: u64,
    database_ticks: Option<u64>,
}

impl CpuTimes {
    fn now(portal_pid: u32, database_pid: Option<u32>) -> Self {
        Self {
            portal_ticks: process_ticks(portal_pid).unwrap_or(0),
            database_ticks: database_pid.map(process_tree_ticks),
        }
    }

    /// The CPU time spent from `before` to this.
    fn since(&self, before: &Self) -> Self {
        Self {
            portal_ticks: self.portal_ticks.saturating_sub(before.portal_ticks),
            database_ticks: match (self.database_ticks, before.database_ticks) {
                (Some(after), Some(before)) => Some(after.saturating_sub(before)),
                _ => None,
            },
        }
    }

    /// Adds a span of CPU time measured with [`Self::since`].
    fn add(&mut self, spent: &Self) {
        self.portal_ticks += spent.portal_ticks;
        self.database_ticks = match (self.database_ticks, spent.database_ticks) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }

    /// A span of CPU time shared out over the answers given in it.
    fn per_request(&self, requests: u64) -> Option<CpuPerRequest> {
        if requests == 0 {
            return None;
        }
        let per_request =
            |ticks: u64| ticks as f64 * 1_000_000.0 / clock_ticks_per_second() / requests as f64;
        Some(CpuPerRequest {
            portal_us: per_request(self.portal_ticks),
            database_us: self.database_ticks.map(per_request),
        })
    }
}

/// The fields of `/proc/PID/stat` after the command's name (which may hold spaces): the
/// state is the first, the parent the second, user and system time the twelfth and
/// thirteenth.
fn process_stat(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn parent_pid(pid: u32) -> Option<u32> {
    process_stat(pid)?.get(1)?.parse().ok()
}

fn ticks_of(fields: &[String]) -> Option<u64> {
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

fn process_ticks(pid: u32) -> Option<u64> {
    ticks_of(&process_stat(pid)?)
}

/// A process's CPU ticks with those of its children alive now (PostgreSQL's connections).
fn process_tree_ticks(root: u32) -> u64 {
    let children: u64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(process_stat)
        .filter(|fields| fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(root))
        .filter_map(|fields| ticks_of(&fields))
        .sum();
    children + process_ticks(root).unwrap_or(0)
}

/// The unit of `/proc`'s CPU times.
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::LazyLock<f64> = std::sync::LazyLock::new(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    });
    *TICKS
}

/// The server's peak resident memory (VmHWM), in MB.
fn peak_memory_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn fetch(base: &str, target: &Target) -> Result<Vec<u8>, String> {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?
        .get(format!("{base}{}", target.path))
        .header("cookie", format!("hp_session={}", target.session.token))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{} answered {}", target.path, response.status()));
    }
    Ok(response.bytes().await.map_err(|e| e.to_string())?.to_vec())
}

/// Logs the citizens in, 16 at a time, as a browser does.
async fn login_all(
    base: &str,
    db: &Database,
    plan: &PopulationPlan,
    citizens: &[u64],
) -> Result<Vec<Session>, String> {
    let mut sessions = Vec::new();
    for chunk in citizens.chunks(16) {
        let mut tasks = Vec::new();
        for &citizen in chunk {
            let fnr = plan.fnr(citizen).map_err(|e| e.to_string())?;
            let base = base.to_owned();
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                login(&base, &db, fnr.as_str()).await
            }));
        }
        for task in tasks {
            sessions.push(task.await.map_err(|e| e.to_string())??);
        }
    }
    Ok(sessions)
}

async fn login(base: &str, db: &Database, fnr: &str) -> Result<Session, String> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let location = |response: &reqwest::Response| -> Result<String, String> {
        response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| format!("no redirect from {}", response.url()))
    };
    let absolute = |path: String| {
        if path.starts_with("http") {
            path
        } else {
            format!("{base}{path}")
        }
    };
    let start = client
        .get(format!("{base}/logg-inn"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let provider = absolute(location(&start)?);
    let page = client
        .get(&provider)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let mut form = hidden_fields(&page);
    form.push(("fnr".into(), fnr.into()));
    let authorized = client
        .post(format!("{base}/testidp/authorize"))
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let callback = absolute(location(&authorized)?);
    let done = client
        .get(&callback)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if location(&done)? != "/" {
        return Err(format!(
            "login of a generated citizen ended at {}",
            location(&done)?
        ));
    }
    let base_url = url::Url::parse(base).map_err(|e| e.to_string())?;
    let token = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &base_url)
        .and_then(|h| h.to_str().ok().map(str::to_owned))
        .and_then(|header| {
            header
                .split("; ")
                .find_map(|pair| pair.strip_prefix("hp_session=").map(str::to_owned))
        })
        .ok_or("no session cookie after login")?;
    let front = client
        .get(format!("{base}/"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let csrf = hidden_fields(&front)
        .into_iter()
        .find(|(name, _)| name == "_csrf")
        .map(|(_, value)| value)
        .ok_or("no CSRF token on the front page")?;
    let person_id = db
        .person_id_by_fnr(fnr)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("a generated citizen is missing")?;
    let gp = db
        .gp_overview(person_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("a generated citizen has no GP")?;
    Ok(Session {
        token,
        csrf,
        person_id,
        office_id: gp.office.id,
        practitioner_id: gp.practitioner.id,
    })
}

/// The hidden inputs of the first form on a page (values unescaped).
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let form = page.split("</form>").next().unwrap_or_default();
    form.split(r#"<input type="hidden" name=""#)
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split_once(r#"value=""#)?.1.split('"').next()?;
            Some((name.to_owned(), unescape(value)))
        })
        .collect()
}

fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// Creates a database named `name` on the PostgreSQL server `server_url` (dropping one of
/// that name first), for a benchmark run; returns its URL. `name` must be a plain identifier.
async fn fresh_postgres_database(server_url: &str, name: &str) -> Result<String, String> {
    use sqlx::Connection;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!("not a plain database name: {name}"));
    }
    let failed = |e: sqlx::Error| e.to_string();
    let mut conn = sqlx::postgres::PgConnection::connect(server_url)
        .await
        .map_err(failed)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .map_err(failed)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .map_err(failed)?;
    conn.close().await.map_err(failed)?;
    let mut url = url::Url::parse(server_url).map_err(|e| e.to_string())?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A load whose answers all took `us` microseconds, or spread evenly from `us` to `to`.
    fn load(requests: u64, seconds: f64, us: u64, to: u64) -> LoadResult {
        LoadResult {
            requests,
            rps: requests as f64 / seconds,
            p50_ms: 0.0,
            p99_ms: 0.0,
            seconds,
            quantiles_us: (1..=1000).map(|i| us + (to - us) * i / 1000).collect(),
            status_2xx: requests,
            ..LoadResult::default()
        }
    }

    #[test]
    fn loads_one_after_the_other_are_one_rate_and_one_distribution() {
        let fast = load(3_000, 2.0, 1_000, 1_000);
        let slow = load(1_000, 2.0, 5_000, 5_000);
        let both = fast.followed_by(&slow);
        assert_eq!(both.requests, 4_000);
        assert_eq!(both.status_2xx, 4_000);
        assert_eq!(both.seconds, 4.0);
        assert_eq!(both.rps, 1_000.0);
        // Three answers in four took 1 ms, so the median is 1 ms and the 99th percentile 5 ms.
        assert_eq!(both.p50_ms, 1.0);
        assert_eq!(both.p99_ms, 5.0);
        assert_eq!(merged_percentile_us(&[&fast, &slow], 75.0), Some(1_000));
        assert_eq!(merged_percentile_us(&[&fast, &slow], 75.1), Some(5_000));
        assert_eq!(both.quantiles_us.len(), 1_000);
        assert_eq!(both.quantiles_us[749], 1_000);
        assert_eq!(both.quantiles_us[750], 5_000);
    }

    #[test]
    fn the_same_load_twice_keeps_its_percentiles() {
        let spread = load(10_000, 5.0, 100, 20_100);
        let both = spread.followed_by(&spread);
        for percent in [10.0, 50.0, 99.0, 100.0] {
            assert_eq!(
                merged_percentile_us(&[&spread, &spread], percent),
                merged_percentile_us(&[&spread], percent)
            );
        }
        assert_eq!(both.p50_ms, 10.1);
        assert_eq!(both.p99_ms, 19.9);
        assert_eq!(both.rps, 2_000.0);
    }

    #[test]
    fn halves_run_in_order_then_between_then_in_reverse_and_each_population_keeps_its_own() {
        let order = std::cell::RefCell::new(Vec::new());
        let (loads, between) = in_halves(
            &["small", "large"],
            |index, population| {
                order.borrow_mut().push(*population);
                // The first half of each answers in 1 ms, the second in 3 ms; the large
                // population's answers take ten times as long.
                let halves_done = order.borrow().iter().filter(|p| *p == population).count();
                let us = if halves_done == 1 { 1_000 } else { 3_000 } * (1 + 9 * index as u64);
                Ok(load(1_000, 1.0, us, us))
            },
            || {
                order.borrow_mut().push("between");
                Ok(42)
            },
        )
        .unwrap();
        assert_eq!(
            *order.borrow(),
            ["small", "large", "between", "large", "small"]
        );
        assert_eq!(between, 42);
        assert_eq!(loads.len(), 2);
        assert_eq!((loads[0].requests, loads[0].seconds), (2_000, 2.0));
        assert_eq!((loads[0].p50_ms, loads[0].p99_ms), (1.0, 3.0));
        assert_eq!((loads[1].p50_ms, loads[1].p99_ms), (10.0, 30.0));
    }

    #[test]
    fn a_failed_half_stops_the_load() {
        let mut calls = 0;
        let result = in_halves(
            &[1, 2],
            |_, population| {
                calls += 1;
                if *population == 2 {
                    Err("wrk gave no result".to_owned())
                } else {
                    Ok(load(10, 1.0, 1_000, 1_000))
                }
            },
            || -> Result<(), String> { panic!("nothing runs after a failed half") },
        );
        assert_eq!(result.unwrap_err(), "wrk gave no result");
        assert_eq!(calls, 2);
    }

    #[test]
    fn loads_at_once_add_their_rates() {
        let a = load(2_000, 2.0, 1_000, 1_000);
        let b = load(2_000, 2.0, 3_000, 3_000);
        let both = combine(&a, &b);
        assert_eq!(both.rps, 2_000.0);
        assert_eq!(both.seconds, 2.0);
        assert_eq!(both.p50_ms, 1.0);
        assert_eq!(both.p99_ms, 3.0);
    }

    #[test]
    fn without_thousandths_the_larger_percentiles_are_kept() {
        let mut a = load(1_000, 1.0, 1_000, 1_000);
        let mut b = load(1_000, 1.0, 3_000, 3_000);
        a.quantiles_us.clear();
        (a.p50_ms, a.p99_ms) = (1.0, 2.0);
        (b.p50_ms, b.p99_ms) = (3.0, 4.0);
        let both = a.followed_by(&b);
        assert_eq!((both.p50_ms, both.p99_ms), (3.0, 4.0));
        assert!(both.quantiles_us.is_empty());
        // A load without answers does not count.
        let idle = LoadResult::default();
        assert_eq!(merged_percentile_us(&[&b, &idle], 99.0), Some(3_000));
    }
}
