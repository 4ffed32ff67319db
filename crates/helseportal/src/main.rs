//! `helseportal`: the portal's one binary.
//!
//! - `helseportal serve [--listen ADDR] [--database URL] [--demo]` runs the portal.
//! - `helseportal worker [--database URL]` sends notifications alone, and merges SQLite's
//!   search index at night (`serve` runs the same work beside the web server unless given
//!   `--no-worker`).
//! - `helseportal migrate [--database URL]` brings the database schema up to date.
//! - `helseportal generate --citizens N [--heavy-inbox-citizens K] [--database URL]` fills a
//!   database with a synthetic national population, for benchmarks.
//! - `helseportal bench` measures the portal under load against the machine's limits (see
//!   `bench.rs` and `scripts/bench.sh`).
//!
//! Every option can also be set in the environment (`HELSEPORTAL_...`); a flag wins over the
//! environment, the environment over the default.

mod bench;
mod nightly;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use storage::Database;
use web::{OidcSettings, SystemClock, WebConfig};

#[derive(Parser)]
#[command(
    name = "helseportal",
    version,
    about = "Helseportal: the citizen health portal and its GP-office side"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (and, unless --no-worker, the notification worker).
    Serve(Box<ServeArgs>),
    /// Run only the background work: send e-mail and SMS from the job queue, and merge SQLite's
    /// search index at night.
    Worker(Box<WorkerArgs>),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Fill a database without persons or offices with a synthetic population.
    Generate(GenerateArgs),
    /// Measure the portal under load on generated populations (needs wrk and nginx).
    Bench(BenchArgs),
}

#[derive(Args)]
struct BenchArgs {
    /// Population sizes, comma-separated; each is generated afresh.
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    citizens: Vec<u64>,
    /// A PostgreSQL server (postgres://USER@HOST:PORT/DB) on which the run may create and drop
    /// databases named bench_N; without it only SQLite is measured.
    #[arg(long)]
    postgres: Option<String>,
    /// Leave SQLite out.
    #[arg(long)]
    no_sqlite: bool,
    /// Seconds per load (a page's load is two halves around nginx's, rounded up to whole seconds).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent connections per load.
    #[arg(long, default_value_t = 64)]
    connections: u64,
    /// Citizens logged in.
    #[arg(long, default_value_t = 1000)]
    sessions: u64,
    /// Citizens with 10,000 threads in Innboks.
    #[arg(long, default_value_t = 10)]
    heavy_inbox_citizens: u64,
    /// Measure only the loads whose name holds this text (e.g. "Ledige timer" or
    /// "Morgenrush"), to look at one of them.
    #[arg(long)]
    only: Option<String>,
    /// Folder for databases, scripts and logs.
    #[arg(long, default_value = "target/bench")]
    work_dir: std::path::PathBuf,
    /// Where the Markdown table of the figures goes.
    #[arg(long, default_value = "target/bench/report.md")]
    report: std::path::PathBuf,
}

#[derive(Args)]
struct GenerateArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// How many citizens (about 1,100 per GP, five GPs per office).
    #[arg(long)]
    citizens: u64,
    /// How many of them have 10,000 threads in Innboks (the first ones).
    #[arg(long, default_value_t = 10)]
    heavy_inbox_citizens: u64,
}

#[derive(Args)]
struct DatabaseArgs {
    /// Database URL: sqlite://FILE (the embedded default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "HELSEPORTAL_DATABASE_URL",
        default_value = "sqlite://data/helseportal.db"
    )]
    database: String,
}

/// Where notifications go and how often the worker looks for due ones.
#[derive(Args)]
struct NotifyArgs {
    /// SMTP server for e-mail; without it e-mail goes to the outbox folder.
    #[arg(long, env = "HELSEPORTAL_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "HELSEPORTAL_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// starttls, tls (from the first byte) or none (only for a local relay).
    #[arg(long, env = "HELSEPORTAL_SMTP_TLS", default_value = "starttls")]
    smtp_tls: String,
    #[arg(long, env = "HELSEPORTAL_SMTP_USERNAME", default_value = "")]
    smtp_username: String,
    #[arg(
        long,
        env = "HELSEPORTAL_SMTP_PASSWORD",
        hide_env_values = true,
        default_value = ""
    )]
    smtp_password: String,
    /// A certificate authority (PEM file) to trust for the SMTP server, beside the public ones.
    #[arg(long, env = "HELSEPORTAL_SMTP_CA_FILE")]
    smtp_ca_file: Option<String>,
    /// The sender of e-mail, e.g. "Helseportal <ikke-svar@helseportal.example>".
    #[arg(long, env = "HELSEPORTAL_MAIL_FROM", default_value = "")]
    mail_from: String,
    /// HTTP gateway for SMS; without it SMS goes to the outbox folder.
    #[arg(long, env = "HELSEPORTAL_SMS_GATEWAY_URL")]
    sms_gateway_url: Option<String>,
    #[arg(
        long,
        env = "HELSEPORTAL_SMS_GATEWAY_TOKEN",
        hide_env_values = true,
        default_value = ""
    )]
    sms_gateway_token: String,
    /// The sender name shown on SMS.
    #[arg(long, env = "HELSEPORTAL_SMS_SENDER", default_value = "Helseportal")]
    sms_sender: String,
    /// Folder for notifications that have no server to go to.
    #[arg(long, env = "HELSEPORTAL_OUTBOX_DIR", default_value = "data/outbox")]
    outbox_dir: String,
    /// Seconds between the worker's looks at the queue.
    #[arg(long, env = "HELSEPORTAL_WORKER_POLL_SECONDS", default_value_t = 5)]
    worker_poll_seconds: u64,
}

impl NotifyArgs {
    fn settings(&self) -> Result<notify::NotifierSettings, String> {
        let smtp = match self.smtp_host.as_deref().filter(|h| !h.is_empty()) {
            None => None,
            Some(host) => {
                if self.mail_from.is_empty() {
                    return Err("HELSEPORTAL_MAIL_FROM is required with an SMTP server".into());
                }
                Some(notify::SmtpSettings {
                    host: host.to_owned(),
                    port: self.smtp_port,
                    tls: notify::SmtpTls::from_code(&self.smtp_tls).ok_or_else(|| {
                        format!(
                            "HELSEPORTAL_SMTP_TLS must be starttls, tls or none, not {:?}",
                            self.smtp_tls
                        )
                    })?,
                    credentials: (!self.smtp_username.is_empty())
                        .then(|| (self.smtp_username.clone(), self.smtp_password.clone())),
                    from: self.mail_from.clone(),
                    extra_root_pem: match self.smtp_ca_file.as_deref().filter(|f| !f.is_empty()) {
                        None => None,
                        Some(file) => Some(
                            std::fs::read(file)
                                .map_err(|e| format!("HELSEPORTAL_SMTP_CA_FILE {file}: {e}"))?,
                        ),
                    },
                })
            }
        };
        let sms_gateway = self
            .sms_gateway_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .map(|url| notify::SmsGatewaySettings {
                url: url.to_owned(),
                token: self.sms_gateway_token.clone(),
                sender: self.sms_sender.clone(),
                timeout: std::time::Duration::from_secs(10),
            });
        if self.worker_poll_seconds == 0 {
            return Err("HELSEPORTAL_WORKER_POLL_SECONDS must be at least 1".into());
        }
        Ok(notify::NotifierSettings {
            smtp,
            sms_gateway,
            outbox_dir: self.outbox_dir.clone().into(),
        })
    }

    fn poll(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.worker_poll_seconds)
    }
}

#[derive(Args)]
struct WorkerArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    notify: NotifyArgs,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HELSEPORTAL_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Fill an empty database with the demo persons, offices and staff.
    #[arg(long)]
    demo: bool,
    /// Do not run the notification worker, nor the night's merge of the search index, in this
    /// process (run `helseportal worker` instead).
    #[arg(long)]
    no_worker: bool,
    #[command(flatten)]
    notify: NotifyArgs,
    /// The address people reach the portal at (default: http:// and the listen address).
    #[arg(long, env = "HELSEPORTAL_PUBLIC_URL")]
    public_url: Option<String>,
    /// OpenID Connect issuer for login; without it the built-in test identity provider is used.
    #[arg(long, env = "HELSEPORTAL_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    #[arg(
        long,
        env = "HELSEPORTAL_OIDC_CLIENT_ID",
        default_value = "helseportal"
    )]
    oidc_client_id: String,
    #[arg(
        long,
        env = "HELSEPORTAL_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    oidc_client_secret: String,
    /// Seconds without activity before a session ends.
    #[arg(long, env = "HELSEPORTAL_SESSION_IDLE_SECONDS", default_value_t = 1800)]
    session_idle_seconds: i64,
    /// Seconds before that end when the warning shows.
    #[arg(
        long,
        env = "HELSEPORTAL_SESSION_WARNING_SECONDS",
        default_value_t = 300
    )]
    session_warning_seconds: i64,
    /// S3-compatible object store for attachments (shared by many app processes); without it
    /// attachments go to the local folder.
    #[arg(long, env = "HELSEPORTAL_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[arg(
        long,
        env = "HELSEPORTAL_S3_BUCKET",
        default_value = "helseportal-attachments"
    )]
    s3_bucket: String,
    #[arg(long, env = "HELSEPORTAL_S3_REGION", default_value = "us-east-1")]
    s3_region: String,
    #[arg(long, env = "HELSEPORTAL_S3_ACCESS_KEY_ID", default_value = "")]
    s3_access_key_id: String,
    #[arg(
        long,
        env = "HELSEPORTAL_S3_SECRET_ACCESS_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    s3_secret_access_key: String,
    /// Folder for attachments (the embedded object store).
    #[arg(
        long,
        env = "HELSEPORTAL_ATTACHMENTS_DIR",
        default_value = "data/attachments"
    )]
    attachments_dir: String,
    /// The copayment for an answered e-consultation, in whole kroner.
    #[arg(long, env = "HELSEPORTAL_ECONSULTATION_COPAYMENT_NOK", default_value_t = web::DEFAULT_ECONSULTATION_COPAYMENT_NOK)]
    econsultation_copayment_nok: i64,
    /// Seconds after the login when a session ends however active it is.
    #[arg(long, env = "HELSEPORTAL_SESSION_MAX_SECONDS", default_value_t = web::DEFAULT_SESSION_MAX_SECONDS)]
    session_max_seconds: i64,
    /// A header a trusted proxy in front sets to the client's address (e.g. X-Forwarded-For);
    /// its right-most value is the address the limits count. Without it the connection's
    /// address is used and no header is believed.
    #[arg(long, env = "HELSEPORTAL_TRUSTED_PROXY_HEADER")]
    trusted_proxy_header: Option<String>,
    /// Multiplies every request-rate limit (logins, code checks, messages, uploads), for load
    /// tests whose many simulated people come from one machine.
    #[arg(long, env = "HELSEPORTAL_RATE_LIMIT_SCALE", default_value_t = 1)]
    rate_limit_scale: u32,
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(runtime_threads())
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

/// Twice as many runtime threads as cores. The SQLite reads run on them and now and then wait
/// for one of SQLite's locks, and the kernel delivers a loopback answer on the sending
/// thread; with one thread per core such a wait left its core idle. Measured on two cores:
/// the front page at 35,000 requests a second with two threads and 47,000 with four on
/// SQLite, 12,000 and 25,000 on PostgreSQL; more than four gained nothing.
fn runtime_threads() -> usize {
    std::thread::available_parallelism().map_or(4, |cores| cores.get() * 2)
}

async fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HELSEPORTAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Worker(args) => worker(*args).await,
        Command::Migrate(args) => migrate(args).await,
        Command::Generate(args) => generate(args).await,
        Command::Bench(args) => {
            bench::run(bench::BenchOptions {
                populations: args.citizens,
                postgres_server: args.postgres,
                sqlite: !args.no_sqlite,
                seconds: args.seconds,
                connections: args.connections,
                sessions: args.sessions,
                heavy_inbox_citizens: args.heavy_inbox_citizens,
                only: args.only,
                work_dir: args.work_dir,
                report: args.report,
            })
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("helseportal: {message}");
            ExitCode::from(2)
        }
    }
}

async fn open_database(url: &str) -> Result<Database, String> {
    let db = Database::connect(url).await.map_err(|e| e.to_string())?;
    db.migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

async fn migrate(args: DatabaseArgs) -> Result<(), String> {
    open_database(&args.database).await?;
    println!("The database is up to date.");
    Ok(())
}

async fn worker(args: WorkerArgs) -> Result<(), String> {
    let db = open_database(&args.database.database).await?;
    let notifier = notify::Notifier::new(db.clone(), &args.notify.settings()?)?;
    println!("Helseportal sender varsler");
    tokio::join!(
        notifier.run_until(args.notify.poll(), shutdown_signal()),
        nightly::run_until(db, shutdown_signal()),
    );
    Ok(())
}

async fn generate(args: GenerateArgs) -> Result<(), String> {
    if args.citizens == 0 {
        return Err("--citizens must be at least 1".into());
    }
    let db = open_database(&args.database.database).await?;
    let plan = storage::PopulationPlan::new(args.citizens, args.heavy_inbox_citizens);
    let started = std::time::Instant::now();
    let report = db
        .generate_population(&plan, jiff::Timestamp::now().as_second())
        .await
        .map_err(|e| format!("generate: {e}"))?;
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    for (table, rows) in &report.rows {
        println!("{table:>16}: {rows:>10} rows");
    }
    let total = report.total_rows();
    println!(
        "{total} rows in {seconds:.1} s: {:.0} rows per second ({} citizens, {} GPs, {} offices)",
        total as f64 / seconds,
        plan.citizens,
        plan.gps(),
        plan.offices()
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let db = open_database(&args.database.database).await?;
    let notify_settings = args.notify.settings()?;
    if args.demo {
        let seeded = storage::seed_demo(&db)
            .await
            .map_err(|e| format!("demo data: {e}"))?;
        if seeded {
            let now = jiff::Timestamp::now().as_second();
            let slots = storage::seed_demo_slots(&db, now)
                .await
                .map_err(|e| format!("demo slots: {e}"))?;
            let today = jiff::Timestamp::now()
                .in_tz("Europe/Oslo")
                .map_err(|e| e.to_string())?
                .date();
            storage::seed_demo_prescriptions(&db, today, now)
                .await
                .map_err(|e| format!("demo prescriptions: {e}"))?;
            storage::seed_demo_contacts(&db, now)
                .await
                .map_err(|e| format!("demo contact details: {e}"))?;
            tracing::info!(slots, "demo data written");
        }
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let public = args.public_url.unwrap_or_else(|| format!("http://{local}"));
    let public_url =
        url::Url::parse(&public).map_err(|e| format!("bad public URL {public}: {e}"))?;
    let oidc = match args.oidc_issuer {
        Some(issuer) if !issuer.is_empty() => {
            if args.oidc_client_secret.is_empty() {
                return Err(
                    "HELSEPORTAL_OIDC_CLIENT_SECRET is required with an OpenID Connect issuer"
                        .into(),
                );
            }
            OidcSettings::External {
                issuer,
                client_id: args.oidc_client_id,
                client_secret: args.oidc_client_secret,
            }
        }
        _ => {
            tracing::warn!(
                "login goes through the built-in test identity provider, which lets anyone log in \
                 as any registered person: for demo and test only; set HELSEPORTAL_OIDC_ISSUER in production"
            );
            OidcSettings::BuiltIn
        }
    };
    if args.session_idle_seconds < 10 {
        return Err("HELSEPORTAL_SESSION_IDLE_SECONDS must be at least 10".into());
    }
    let mut config = WebConfig::new(public_url, oidc);
    config.session_idle_seconds = args.session_idle_seconds;
    config.session_warning_seconds = args
        .session_warning_seconds
        .clamp(1, args.session_idle_seconds);
    config.econsultation_copayment_nok = args.econsultation_copayment_nok;
    if args.session_max_seconds < args.session_idle_seconds {
        return Err("HELSEPORTAL_SESSION_MAX_SECONDS must be at least the idle limit".into());
    }
    config.session_max_seconds = args.session_max_seconds;
    config.trusted_proxy_header = match args.trusted_proxy_header.filter(|h| !h.is_empty()) {
        Some(name) => Some(
            axum::http::HeaderName::try_from(name.as_str())
                .map_err(|e| format!("HELSEPORTAL_TRUSTED_PROXY_HEADER {name}: {e}"))?,
        ),
        None => None,
    };
    if args.rate_limit_scale == 0 {
        return Err("HELSEPORTAL_RATE_LIMIT_SCALE must be at least 1".into());
    }
    config.limits = config.limits.scaled(args.rate_limit_scale);
    if notify_settings.uses_outbox() {
        tracing::warn!(
            outbox = %notify_settings.outbox_dir.display(),
            "notifications without a mail server or SMS gateway go to the outbox folder and are \
             shown to anyone at /utvikling/varsler: for demo and test only; set HELSEPORTAL_SMTP_HOST \
             and HELSEPORTAL_SMS_GATEWAY_URL in production"
        );
        config.outbox_dir = Some(notify_settings.outbox_dir.clone());
    }
    let objects = match args.s3_endpoint.filter(|e| !e.is_empty()) {
        Some(endpoint) => {
            let store = storage::ObjectStore::s3(storage::S3Settings {
                endpoint,
                bucket: args.s3_bucket,
                region: args.s3_region,
                access_key_id: args.s3_access_key_id,
                secret_access_key: args.s3_secret_access_key,
            })
            .map_err(|e| e.to_string())?;
            store
                .ensure_bucket()
                .await
                .map_err(|e| format!("S3 bucket: {e}"))?;
            store
        }
        None => storage::ObjectStore::local(&args.attachments_dir).map_err(|e| e.to_string())?,
    };
    let worker = if args.no_worker {
        None
    } else {
        let notifier = notify::Notifier::new(db.clone(), &notify_settings)?;
        let poll = args.notify.poll();
        let nightly_db = db.clone();
        Some(tokio::spawn(async move {
            tokio::join!(
                notifier.run_until(poll, shutdown_signal()),
                nightly::run_until(nightly_db, shutdown_signal()),
            );
        }))
    };
    let state = web::AppState::new(db, objects, config, Arc::new(SystemClock));
    println!("Helseportal kjører på http://{local}");
    // One service for all connections: serving the `Router` itself would rebuild its route
    // table for every connection (about 150 kB each). It adds each connection's address to its
    // requests, for the limits per client address.
    let app = web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server stopped: {e}"));
    if let Some(worker) = worker {
        // The worker stops on the same signal; a job it was on is finished or left for a retry.
        let _ = worker.await;
    }
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
