//! `helseportal-bench`: the tools around the portal that are not the product, kept out of the
//! portal's own binary.
//!
//! - `helseportal-bench generate --citizens N [--heavy-inbox-citizens K] [--database URL]` fills
//!   a freshly migrated database with a synthetic national population.
//! - `helseportal-bench run` measures the portal under load on generated populations against
//!   the machine's limits (needs wrk and nginx; see `run.rs` and `scripts/bench.sh`).

mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use storage::Database;

#[derive(Parser)]
#[command(
    name = "helseportal-bench",
    version,
    about = "Helseportal's synthetic population and benchmark"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill a database without persons or offices with a synthetic population.
    Generate(GenerateArgs),
    /// Measure the portal under load on generated populations (needs wrk and nginx).
    Run(Box<RunArgs>),
}

#[derive(Args)]
struct RunArgs {
    /// The portal's binary; by default `helseportal` beside this one.
    #[arg(long)]
    helseportal: Option<PathBuf>,
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
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "HELSEPORTAL_DATABASE_URL",
        default_value = "sqlite://data/helseportal.db"
    )]
    database: String,
    /// How many citizens (about 1,100 per GP, five GPs per office).
    #[arg(long)]
    citizens: u64,
    /// How many of them have 10,000 threads in Innboks (the first ones).
    #[arg(long, default_value_t = 10)]
    heavy_inbox_citizens: u64,
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match Cli::parse().command {
            Command::Generate(args) => generate(args).await,
            Command::Run(args) => run_bench(*args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("helseportal-bench: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run_bench(args: RunArgs) -> Result<(), String> {
    let portal = match args.helseportal {
        Some(portal) => portal,
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("helseportal"),
    };
    if !portal.is_file() {
        return Err(format!(
            "the portal's binary {} is missing: build it (cargo build --release -p helseportal) \
             or name it with --helseportal",
            portal.display()
        ));
    }
    run::run(run::BenchOptions {
        portal,
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

async fn open_database(url: &str) -> Result<Database, String> {
    let db = Database::connect(url).await.map_err(|e| e.to_string())?;
    db.migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

async fn generate(args: GenerateArgs) -> Result<(), String> {
    if args.citizens == 0 {
        return Err("--citizens must be at least 1".into());
    }
    let db = open_database(&args.database).await?;
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
