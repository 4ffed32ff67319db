//! `helseportal`: the portal's one binary.
//!
//! - `helseportal serve [--listen ADDR] [--database URL] [--demo]` runs the portal. Without
//!   `--demo` (or `--insecure-test-login` for an automated test environment) it refuses to start
//!   until a real identity provider and real notification servers (or an explicitly chosen
//!   outbox folder) are configured: a forgotten setting must never let anyone log in as someone
//!   else, nor show anyone's confirmation codes.
//! - `helseportal worker [--database URL]` sends notifications alone, and merges SQLite's
//!   search index at night (`serve` runs the same work beside the web server unless given
//!   `--no-worker`).
//! - `helseportal migrate [--database URL]` brings the database schema up to date.
//!
//! The synthetic population and the benchmark are tools, not the product: they are
//! `helseportal-bench` (crates/bench), not part of this binary.
//! - `helseportal backup --to FILE [--database URL]` copies the SQLite database while it is in
//!   use (see `backup.rs`).
//!
//! Every option can also be set in the environment (`HELSEPORTAL_...`); a flag wins over the
//! environment, the environment over the default.

mod backup;
mod logging;
mod metrics;
mod nightly;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
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
    /// How log lines are written: text, or json (one JSON object a line).
    #[arg(
        long,
        global = true,
        env = "HELSEPORTAL_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: logging::LogFormat,
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
    /// Copy the SQLite database, while the portal runs, into a new file (PostgreSQL: pg_dump).
    Backup(backup::BackupArgs),
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
    /// Also read from the file named by HELSEPORTAL_SMTP_PASSWORD_FILE.
    #[arg(long, env = "HELSEPORTAL_SMTP_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    smtp_password: Option<SecretString>,
    /// A certificate authority (PEM file) to trust for the SMTP server, beside the public ones.
    #[arg(long, env = "HELSEPORTAL_SMTP_CA_FILE")]
    smtp_ca_file: Option<String>,
    /// The sender of e-mail, e.g. "Helseportal <ikke-svar@helseportal.example>".
    #[arg(long, env = "HELSEPORTAL_MAIL_FROM", default_value = "")]
    mail_from: String,
    /// HTTP gateway for SMS; without it SMS goes to the outbox folder.
    #[arg(long, env = "HELSEPORTAL_SMS_GATEWAY_URL")]
    sms_gateway_url: Option<String>,
    /// Also read from the file named by HELSEPORTAL_SMS_GATEWAY_TOKEN_FILE.
    #[arg(long, env = "HELSEPORTAL_SMS_GATEWAY_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    sms_gateway_token: Option<SecretString>,
    /// The sender name shown on SMS.
    #[arg(long, env = "HELSEPORTAL_SMS_SENDER", default_value = "Helseportal")]
    sms_sender: String,
    /// Folder for the notifications that have no server to go to. Outside --demo and
    /// --insecure-test-login it must be chosen explicitly for a channel without a server.
    #[arg(long, env = "HELSEPORTAL_OUTBOX_DIR")]
    outbox_dir: Option<String>,
    /// Seconds between the worker's looks at the queue.
    #[arg(long, env = "HELSEPORTAL_WORKER_POLL_SECONDS", default_value_t = 5)]
    worker_poll_seconds: u64,
}

/// The outbox folder of a demonstration or test environment when none is given.
const DEFAULT_OUTBOX_DIR: &str = "data/outbox";

impl NotifyArgs {
    fn smtp_host(&self) -> Option<&str> {
        self.smtp_host.as_deref().filter(|h| !h.is_empty())
    }

    fn sms_gateway_url(&self) -> Option<&str> {
        self.sms_gateway_url.as_deref().filter(|u| !u.is_empty())
    }

    fn outbox_dir(&self) -> Option<&str> {
        self.outbox_dir.as_deref().filter(|d| !d.is_empty())
    }

    /// The settings a process that sends notifications lacks: a server for each channel, or an
    /// outbox folder chosen explicitly for the channels without one.
    fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.outbox_dir().is_none() {
            if self.smtp_host().is_none() {
                missing.push(
                    "HELSEPORTAL_SMTP_HOST (--smtp-host) and HELSEPORTAL_MAIL_FROM: the mail server \
                     that sends e-mail notifications (or HELSEPORTAL_OUTBOX_DIR to write them to a \
                     folder instead)",
                );
            }
            if self.sms_gateway_url().is_none() {
                missing.push(
                    "HELSEPORTAL_SMS_GATEWAY_URL (--sms-gateway-url) and \
                     HELSEPORTAL_SMS_GATEWAY_TOKEN: the gateway that sends SMS notifications (or \
                     HELSEPORTAL_OUTBOX_DIR to write them to a folder instead)",
                );
            }
        }
        missing
    }

    fn settings(&self) -> Result<notify::NotifierSettings, String> {
        let smtp = match self.smtp_host() {
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
                    credentials: match secret("HELSEPORTAL_SMTP_PASSWORD", &self.smtp_password)? {
                        Some(password) if !self.smtp_username.is_empty() => {
                            Some((self.smtp_username.clone(), password))
                        }
                        Some(_) => {
                            return Err("HELSEPORTAL_SMTP_PASSWORD is given without \
                                        HELSEPORTAL_SMTP_USERNAME"
                                .into());
                        }
                        None => None,
                    },
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
        let sms_gateway = match self.sms_gateway_url() {
            None => None,
            Some(url) => Some(notify::SmsGatewaySettings {
                url: url.to_owned(),
                token: secret("HELSEPORTAL_SMS_GATEWAY_TOKEN", &self.sms_gateway_token)?
                    .unwrap_or_default(),
                sender: self.sms_sender.clone(),
                timeout: std::time::Duration::from_secs(10),
            }),
        };
        if self.worker_poll_seconds == 0 {
            return Err("HELSEPORTAL_WORKER_POLL_SECONDS must be at least 1".into());
        }
        Ok(notify::NotifierSettings {
            smtp,
            sms_gateway,
            // Used only by a channel without a server: in a demonstration or test environment,
            // or where the operator chose the folder (`missing` is checked before).
            outbox_dir: self.outbox_dir().unwrap_or(DEFAULT_OUTBOX_DIR).into(),
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
    /// A demonstration: fill an empty database with the made-up demo persons, offices and
    /// staff, and (without HELSEPORTAL_OIDC_ISSUER) let anyone log in as any of them through the
    /// built-in test identity provider. Every page says it is a test environment.
    #[arg(long)]
    demo: bool,
    /// For automated test environments only: let anyone log in as any registered person through
    /// the built-in test identity provider, and show the notification outbox on a page. Every
    /// page says it is a test environment.
    #[arg(long, conflicts_with = "oidc_issuer")]
    insecure_test_login: bool,
    /// Do not run the notification worker, nor the night's merge of the search index, in this
    /// process (run `helseportal worker` instead).
    #[arg(long)]
    no_worker: bool,
    #[command(flatten)]
    notify: NotifyArgs,
    /// The address people reach the portal at (default: http:// and the listen address).
    #[arg(long, env = "HELSEPORTAL_PUBLIC_URL")]
    public_url: Option<String>,
    /// OpenID Connect issuer for login (required unless --demo or --insecure-test-login).
    #[arg(long, env = "HELSEPORTAL_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    #[arg(
        long,
        env = "HELSEPORTAL_OIDC_CLIENT_ID",
        default_value = "helseportal"
    )]
    oidc_client_id: String,
    /// Also read from the file named by HELSEPORTAL_OIDC_CLIENT_SECRET_FILE.
    #[arg(long, env = "HELSEPORTAL_OIDC_CLIENT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    oidc_client_secret: Option<SecretString>,
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
    /// Also read from the file named by HELSEPORTAL_S3_ACCESS_KEY_ID_FILE.
    #[arg(long, env = "HELSEPORTAL_S3_ACCESS_KEY_ID", hide_env_values = true, value_parser = parse_secret)]
    s3_access_key_id: Option<SecretString>,
    /// Also read from the file named by HELSEPORTAL_S3_SECRET_ACCESS_KEY_FILE.
    #[arg(long, env = "HELSEPORTAL_S3_SECRET_ACCESS_KEY", hide_env_values = true, value_parser = parse_secret)]
    s3_secret_access_key: Option<SecretString>,
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
    /// Address for the Prometheus metrics at /metrics (e.g. 127.0.0.1:9090); none without it.
    /// Never the public address: the metrics are for the monitoring system only.
    #[arg(long, env = "HELSEPORTAL_METRICS_LISTEN")]
    metrics_listen: Option<String>,
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
/// thread; with one thread per core such a wait leaves its core idle. More threads than
/// that gained nothing (docs/performance.md).
fn runtime_threads() -> usize {
    std::thread::available_parallelism().map_or(4, |cores| cores.get() * 2)
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    // Every date the portal shows or decides on is read in Norway's zone: a build without it
    // stops here, not at the first page.
    domain::norway_time_zone();
    let result = match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Worker(args) => worker(*args).await,
        Command::Migrate(args) => migrate(args).await,
        Command::Backup(args) => backup::run(args).await,
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
    refuse_missing("worker", &args.notify.missing(), "")?;
    let settings = args.notify.settings()?;
    let db = open_database(&args.database.database).await?;
    let notifier = notify::Notifier::new(db.clone(), &settings)?;
    println!("Helseportal sender varsler");
    tokio::join!(
        notifier.run_until(args.notify.poll(), shutdown_signal()),
        nightly::run_until(db, shutdown_signal()),
    );
    Ok(())
}

/// A secret as clap reads it: never held as a plain string that could be printed.
fn parse_secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

/// A secret from its variable (or flag), or else from the file named by the variable of the
/// same name with `_FILE` after it, as container platforms hand secrets over. `None` when
/// neither is given; both at once is refused, since one of them would be silently ignored.
fn secret(name: &str, given: &Option<SecretString>) -> Result<Option<SecretString>, String> {
    use secrecy::ExposeSecret;
    let given = given.clone().filter(|s| !s.expose_secret().is_empty());
    let file_variable = format!("{name}_FILE");
    let Some(path) = std::env::var_os(&file_variable).filter(|p| !p.is_empty()) else {
        return Ok(given);
    };
    if given.is_some() {
        return Err(format!(
            "{name} and {file_variable} are both set: give only one of them"
        ));
    }
    let path = std::path::PathBuf::from(path);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{file_variable}: cannot read {}: {e}", path.display()))?;
    // A file written by an editor or `echo` ends with a line break that is not the secret's.
    let text = SecretString::from(text.trim_end_matches(['\n', '\r']));
    if text.expose_secret().is_empty() {
        return Err(format!("{file_variable}: {} is empty", path.display()));
    }
    Ok(Some(text))
}

/// Stops the start when settings are missing, naming every one of them at once.
fn refuse_missing(command: &str, missing: &[&str], hint: &str) -> Result<(), String> {
    if missing.is_empty() {
        return Ok(());
    }
    let list: String = missing.iter().map(|m| format!("\n  - {m}")).collect();
    Err(format!(
        "{command} will not start without these settings:{list}{hint}"
    ))
}

impl ServeArgs {
    fn oidc_issuer(&self) -> Option<&str> {
        self.oidc_issuer.as_deref().filter(|i| !i.is_empty())
    }

    /// What a start outside a demonstration or test environment lacks.
    fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.demo && !self.insecure_test_login {
            if self.oidc_issuer().is_none() {
                missing.push(
                    "HELSEPORTAL_OIDC_ISSUER (--oidc-issuer): the OpenID Connect provider people \
                     log in through, with HELSEPORTAL_OIDC_CLIENT_ID and \
                     HELSEPORTAL_OIDC_CLIENT_SECRET",
                );
            }
            // A web process without the worker sends no notifications.
            if !self.no_worker {
                missing.extend(self.notify.missing());
            }
        }
        missing
    }

    /// How people log in: through the configured issuer, or, where `missing` allowed a start
    /// without one (a demonstration or test environment), the built-in test identity provider.
    fn login(&self) -> Result<OidcSettings, String> {
        let Some(issuer) = self.oidc_issuer() else {
            return Ok(OidcSettings::BuiltIn);
        };
        let client_secret = secret("HELSEPORTAL_OIDC_CLIENT_SECRET", &self.oidc_client_secret)?
            .ok_or(
                "HELSEPORTAL_OIDC_CLIENT_SECRET (or HELSEPORTAL_OIDC_CLIENT_SECRET_FILE) is \
                 required with an OpenID Connect issuer",
            )?;
        Ok(OidcSettings::External {
            issuer: issuer.to_owned(),
            client_id: self.oidc_client_id.clone(),
            client_secret,
        })
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    refuse_missing(
        "serve",
        &args.missing(),
        "\nFor a demonstration with made-up persons, start with --demo.",
    )?;
    let oidc = args.login()?;
    let notify_settings = args.notify.settings()?;
    let db = open_database(&args.database.database).await?;
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
    let metrics_listener = metrics::bind(args.metrics_listen.as_deref(), local).await?;
    let public = args.public_url.unwrap_or_else(|| format!("http://{local}"));
    let public_url =
        url::Url::parse(&public).map_err(|e| format!("bad public URL {public}: {e}"))?;
    let test_environment = args.demo || args.insecure_test_login;
    if oidc.is_built_in() {
        tracing::warn!(
            "login goes through the built-in test identity provider, which lets anyone log in as \
             any registered person: a test environment, as --demo or --insecure-test-login asked"
        );
    }
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
            "notifications without a mail server or SMS gateway go to the outbox folder"
        );
        // The page shows everyone's codes and addresses: only in a test environment.
        if test_environment {
            config.outbox_dir = Some(notify_settings.outbox_dir.clone());
        }
    }
    let objects = match args.s3_endpoint.filter(|e| !e.is_empty()) {
        Some(endpoint) => {
            let store = storage::ObjectStore::s3(storage::S3Settings {
                endpoint,
                bucket: args.s3_bucket,
                region: args.s3_region,
                access_key_id: secret("HELSEPORTAL_S3_ACCESS_KEY_ID", &args.s3_access_key_id)?
                    .unwrap_or_default(),
                secret_access_key: secret(
                    "HELSEPORTAL_S3_SECRET_ACCESS_KEY",
                    &args.s3_secret_access_key,
                )?
                .unwrap_or_default(),
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
    let mut worker_stats = None;
    let worker = if args.no_worker {
        None
    } else {
        let notifier = notify::Notifier::new(db.clone(), &notify_settings)?;
        worker_stats = Some(notifier.stats());
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
    let mut app = web::router(state.clone());
    if let Some(metrics_listener) = metrics_listener {
        app = web::record_metrics(app, &state);
        let exporter = web::metrics_router(state, worker_stats);
        metrics::spawn(metrics_listener, exporter, shutdown_signal());
    }
    println!("Helseportal kjører på http://{local}");
    // One service for all connections: serving the `Router` itself would rebuild its route
    // table for every connection, which is most of the memory at many open connections. It
    // adds each connection's address to its requests, for the limits per client address.
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server stopped: {e}"));
    if let Some(worker) = worker {
        // The worker stops on the same signal: the job it was on is finished, and the others
        // it had claimed are given back to the queue.
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
