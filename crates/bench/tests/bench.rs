//! `helseportal-bench run` itself, small: two populations on both engines, one second a load.
//! It needs wrk and nginx (the test command installs them), the PostgreSQL server of the other
//! tests, and the portal's binary beside its own (`cargo test --workspace` builds both). The
//! figures are not judged here; that every load ran, on every engine and size, with its
//! ceilings beside it and the correctness checks passed, is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "helseportal-bench-test-{}",
        storage::random_token()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `helseportal-bench`, after checking that the portal it starts has been built beside it.
fn bench() -> Command {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_helseportal-bench"));
    let portal = exe.with_file_name("helseportal");
    assert!(
        portal.is_file(),
        "{} is missing: build it first (cargo build -p helseportal)",
        portal.display()
    );
    Command::new(exe)
}

const PAGES: [&str; 5] = [
    "Forside (innlogget)",
    "Din fastlege",
    "Innboks, første side (10 000 tråder)",
    "Innboks, søk (10 000 tråder)",
    "Ledige timer en dag",
];
const WIDE_FRONT_PAGE: &str = "Forside, én forbindelse per økt";
const RUSH: &str = "Morgenrush: bestill time kl. 08:00";
const TWO_PROCESSES: [&str; 2] = ["To prosesser: forside", "To prosesser: morgenrush"];

/// The cells of the report's first table's row for an engine, a size and a load.
fn row<'r>(report: &'r str, engine: &str, citizens: u64, load: &str) -> Vec<&'r str> {
    let start = format!("| {engine} | {citizens} | {load} |");
    let rows: Vec<&str> = report.lines().filter(|l| l.starts_with(&start)).collect();
    assert_eq!(rows.len(), 1, "one row for {start} in:\n{report}");
    rows[0].split('|').map(str::trim).skip(1).collect()
}

fn number(cell: &str) -> f64 {
    cell.trim_end_matches(" %")
        .parse()
        .unwrap_or_else(|e| panic!("{cell:?} is not a number: {e}"))
}

#[test]
fn bench_measures_every_load_on_both_engines_and_sizes() {
    let postgres = std::env::var("HELSEPORTAL_TEST_POSTGRES_URL").expect(
        "HELSEPORTAL_TEST_POSTGRES_URL must name a PostgreSQL server for the tests \
         (scripts/test.sh starts one)",
    );
    let dir = temp_dir();
    let report_file = dir.join("report.md");
    let output = bench()
        .args([
            "run",
            "--citizens",
            "1200,2400",
            "--seconds",
            "1",
            "--sessions",
            "40",
            "--connections",
            "8",
            "--heavy-inbox-citizens",
            "2",
            "--postgres",
            &postgres,
        ])
        .arg("--work-dir")
        .arg(dir.join("work"))
        .arg("--report")
        .arg(&report_file)
        .env("HELSEPORTAL_LOG", "warn,sqlx=error")
        .output()
        .expect("helseportal-bench starts");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "bench failed:\n{printed}");
    let report = std::fs::read_to_string(&report_file).expect("the report is written");

    for engine in ["SQLite", "PostgreSQL"] {
        for citizens in [1200, 2400] {
            for page in PAGES {
                let cells = row(&report, engine, citizens, page);
                assert_eq!(cells[3], "8", "{engine} {citizens} {page}: connections");
                assert!(number(cells[4]) > 0.0, "{engine} {citizens} {page}: req/s");
                assert!(number(cells[6]) > 0.0, "{engine} {citizens} {page}: p99");
                assert!(
                    number(cells[7]) > 0.0,
                    "{engine} {citizens} {page}: peak MB"
                );
                // nginx with the same bytes, and the same storage calls without HTTP.
                assert!(number(cells[8]) > 0.0, "{engine} {citizens} {page}: nginx");
                // The share is in whole per cent, which a slow debug build may round to 0.
                assert!(
                    cells[9].ends_with(" %") && number(cells[9]) >= 0.0,
                    "{engine} {citizens} {page}: of nginx"
                );
                assert!(
                    number(cells[10]) > 0.0,
                    "{engine} {citizens} {page}: storage"
                );
                assert!(number(cells[13]) > 0.0, "{engine} {citizens} {page}: CPU");
                assert_eq!(
                    cells[14].is_empty(),
                    engine == "SQLite",
                    "{engine} {citizens} {page}: the database's CPU apart on PostgreSQL"
                );
            }
            let wide = row(&report, engine, citizens, WIDE_FRONT_PAGE);
            assert_eq!(wide[3], "40", "one connection per session");
            assert!(number(wide[4]) > 0.0);
            let rush = row(&report, engine, citizens, RUSH);
            assert!(number(rush[4]) > 0.0);
            assert!(
                number(rush[12]) > 0.0,
                "the rush against the database's rate"
            );
            for load in TWO_PROCESSES {
                let start = format!("| {engine} | {citizens} | {load} |");
                assert_eq!(
                    report.contains(&start),
                    engine == "PostgreSQL",
                    "two processes on PostgreSQL only: {start}"
                );
            }
        }
    }
    // Every rush won each released slot once: the check prints what it counted.
    let rushes: Vec<&str> = printed
        .lines()
        .filter(|l| l.contains("rush:") && l.contains("slots released"))
        .collect();
    assert_eq!(
        rushes.len(),
        6,
        "2 + 2 rushes and 2 two-process rushes:\n{printed}"
    );
    for rush in rushes {
        assert!(rush.ends_with(", 0 held twice"), "{rush}");
    }
    assert!(
        report.contains("p99 from 1200 to 2400 citizens:"),
        "the sizes compared:\n{report}"
    );
    let compared = report
        .lines()
        .skip_while(|l| !l.starts_with("p99 from"))
        .filter(|l| l.starts_with("| SQLite |") || l.starts_with("| PostgreSQL |"))
        .count();
    assert_eq!(compared, 7 + 9, "every load of both engines compared");
    assert!(report.contains(
        "Correctness: no 5xx answers, no socket errors, every slot won once and held once."
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `run --only` with a text that names no load is refused before anything is generated,
/// with the loads it could name.
#[test]
fn bench_only_naming_no_load_is_refused() {
    let dir = temp_dir();
    let output = bench()
        .args(["run", "--citizens", "10000", "--only", "Ledige timar"])
        .arg("--work-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--only names none of the loads")
            && stderr.contains("Ledige timer en dag")
            && stderr.contains("Morgenrush: bestill time kl. 08:00"),
        "{stderr}"
    );
    let made: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(made.is_empty(), "the refused run wrote {made:?}");
}
