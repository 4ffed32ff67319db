//! How `helseportal serve` starts: it fails closed. Without `--demo` (or
//! `--insecure-test-login`) it refuses to start until a real identity provider and real
//! notification servers, or an explicitly chosen outbox folder, are configured; the built-in
//! test login and the outbox page exist only in a test environment, and every page there says
//! so.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use storage::DemoPersons;

use crate::support::{Backend, Browser, TestApp, free_port, temp_dir};

on_both_databases!(every_page_of_a_test_environment_says_so);

/// The banner of a test environment, as every page of one shows it.
const BANNER: &str = "Testmiljø — ikke ekte innlogging";

/// The binary with none of the portal's settings from the test run's environment.
fn helseportal() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_helseportal"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HELSEPORTAL_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `serve` with `args` and settings that must make it refuse; returns its exit code and
/// what it wrote to standard error, after checking that it neither created the database nor
/// listened.
fn refused_start(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = temp_dir();
    let port = free_port();
    let database = dir.join("portal.db");
    let mut command = helseportal();
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database", &format!("sqlite://{}", database.display())])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    // A start that is not refused would serve until killed.
    let mut waited = Duration::ZERO;
    while child.try_wait().unwrap().is_none() && waited < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    if child.try_wait().unwrap().is_none() {
        child.kill().unwrap();
        let output = child.wait_with_output().unwrap();
        panic!(
            "serve {args:?} started instead of refusing: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = child.wait_with_output().unwrap();
    assert!(!database.exists(), "a refused start touches no database");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "a refused start listens on nothing"
    );
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_without_demo_or_settings_refuses_and_names_what_is_missing() {
    let (code, stderr) = refused_start(&[], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    for setting in [
        "HELSEPORTAL_OIDC_ISSUER",
        "HELSEPORTAL_SMTP_HOST",
        "HELSEPORTAL_MAIL_FROM",
        "HELSEPORTAL_SMS_GATEWAY_URL",
        "HELSEPORTAL_OUTBOX_DIR",
        "--demo",
    ] {
        assert!(stderr.contains(setting), "names {setting}: {stderr}");
    }

    // With an identity provider, only the notification servers are missing.
    let (code, stderr) = refused_start(
        &[],
        &[
            ("HELSEPORTAL_OIDC_ISSUER", "https://idporten.example"),
            ("HELSEPORTAL_OIDC_CLIENT_SECRET", "s3cret-value"),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("HELSEPORTAL_OIDC_ISSUER"), "{stderr}");
    assert!(stderr.contains("HELSEPORTAL_SMTP_HOST"), "{stderr}");
    assert!(stderr.contains("HELSEPORTAL_SMS_GATEWAY_URL"), "{stderr}");
    assert!(!stderr.contains("s3cret-value"), "never prints a secret");

    // A mail server alone leaves SMS missing.
    let (code, stderr) = refused_start(
        &[
            "--smtp-host",
            "127.0.0.1",
            "--mail-from",
            "ikke-svar@helseportal.example",
        ],
        &[
            ("HELSEPORTAL_OIDC_ISSUER", "https://idporten.example"),
            ("HELSEPORTAL_OIDC_CLIENT_SECRET", "s3cret-value"),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("HELSEPORTAL_SMTP_HOST"), "{stderr}");
    assert!(stderr.contains("HELSEPORTAL_SMS_GATEWAY_URL"), "{stderr}");
}

#[test]
fn the_test_login_and_a_real_issuer_exclude_each_other() {
    let (code, stderr) = refused_start(
        &[
            "--insecure-test-login",
            "--oidc-issuer",
            "https://idporten.example",
        ],
        &[("HELSEPORTAL_OIDC_CLIENT_SECRET", "s3cret-value")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--insecure-test-login"), "{stderr}");
}

#[test]
fn secrets_come_from_the_environment_or_a_file_never_both() {
    let dir = temp_dir();
    let file = dir.join("client-secret");
    std::fs::write(&file, "from-the-file\n").unwrap();
    let file = file.display().to_string();
    let issuer = [("HELSEPORTAL_OIDC_ISSUER", "https://idporten.example")];

    let (code, stderr) = refused_start(
        &["--outbox-dir", &dir.join("outbox").display().to_string()],
        &[
            issuer[0],
            ("HELSEPORTAL_OIDC_CLIENT_SECRET", "from-the-environment"),
            ("HELSEPORTAL_OIDC_CLIENT_SECRET_FILE", &file),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("HELSEPORTAL_OIDC_CLIENT_SECRET and HELSEPORTAL_OIDC_CLIENT_SECRET_FILE"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("from-the-"),
        "never prints a secret: {stderr}"
    );

    let missing = dir.join("no-such-file").display().to_string();
    let (code, stderr) = refused_start(
        &[
            "--outbox-dir",
            &dir.join("outbox").display().to_string(),
            "--sms-gateway-url",
            "http://127.0.0.1:9/sms",
        ],
        &[
            issuer[0],
            ("HELSEPORTAL_OIDC_CLIENT_SECRET_FILE", &file),
            ("HELSEPORTAL_SMS_GATEWAY_TOKEN_FILE", &missing),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("HELSEPORTAL_SMS_GATEWAY_TOKEN_FILE"),
        "{stderr}"
    );

    // An issuer without a client secret in either place.
    let (code, stderr) = refused_start(
        &["--outbox-dir", &dir.join("outbox").display().to_string()],
        &issuer,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("HELSEPORTAL_OIDC_CLIENT_SECRET"),
        "{stderr}"
    );
}

/// A process of the binary that is killed when dropped.
struct Portal {
    child: std::process::Child,
    url: String,
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(args: &[&str], env: &[(&str, &str)]) -> Portal {
    let dir = temp_dir();
    let port = free_port();
    let child = helseportal()
        .args([
            "serve",
            "--no-worker",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--database",
            &format!("sqlite://{}", dir.join("portal.db").display()),
        ])
        .args([
            "--attachments-dir",
            &dir.join("attachments").display().to_string(),
        ])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let portal = Portal {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..200 {
        if reqwest::get(format!("{}/healthz", portal.url))
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            return portal;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve {args:?} did not start");
}

#[tokio::test]
async fn a_configured_start_mounts_neither_the_test_login_nor_the_outbox() {
    let dir = temp_dir();
    let secret = dir.join("client-secret");
    std::fs::write(&secret, "from-the-file\n").unwrap();
    // An issuer nobody answers at: discovery happens at the first login, not at the start.
    let portal = start(
        &["--outbox-dir", &dir.join("outbox").display().to_string()],
        &[
            ("HELSEPORTAL_OIDC_ISSUER", "http://127.0.0.1:9/"),
            (
                "HELSEPORTAL_OIDC_CLIENT_SECRET_FILE",
                &secret.display().to_string(),
            ),
        ],
    )
    .await;
    let browser = Browser::at(&portal.url);
    let front = browser.get("/").await.text().await.unwrap();
    assert!(front.contains("Logg inn"), "{front}");
    assert!(!front.contains(BANNER));
    for path in [
        "/testidp/authorize",
        "/testidp/.well-known/openid-configuration",
        "/utvikling/varsler",
    ] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!response.text().await.unwrap().contains(BANNER));
    }
    // Login goes to the configured provider, which does not answer here.
    let login = browser.get("/logg-inn").await;
    assert_eq!(login.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn a_demo_marks_every_page_and_shows_the_outbox() {
    let dir = temp_dir();
    let portal = start(
        &[
            "--demo",
            "--outbox-dir",
            &dir.join("outbox").display().to_string(),
        ],
        &[],
    )
    .await;
    let browser = Browser::at(&portal.url);
    let idp_page = browser.start_login("/logg-inn").await;
    assert!(idp_page.contains(BANNER), "the test login page: {idp_page}");
    for path in [
        "/",
        "/kontor",
        "/utvikling/varsler",
        "/finnes-ikke",
        "/logget-ut",
    ] {
        let page = browser.get(path).await.text().await.unwrap();
        assert!(page.contains(BANNER), "{path}: {page}");
    }
    browser
        .finish_login(&idp_page, DemoPersons::KARI_NORDMANN)
        .await;
    let consent = browser.get("/samtykke").await.text().await.unwrap();
    assert!(consent.contains(BANNER));
}

/// The in-process portal of the tests has the built-in test login: every HTML page of its
/// router (the route list, so a new page is covered), for a citizen and for office staff, error
/// pages included, carries the banner.
async fn every_page_of_a_test_environment_says_so(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.login_with_consent(DemoPersons::KARI_NORDMANN, "full-tilgang")
        .await;
    let staff = app.new_browser();
    staff.login_staff(DemoPersons::TONE_TANGEN).await;
    let mut pages = 0;
    for route in app.routes.with_method(reqwest::Method::GET) {
        // Ids that name nothing: the portal's own 404 page, which must say it too.
        let path = route.with_parameters(|_| "987654321".to_owned());
        let browser = if path.starts_with("/kontor") {
            &staff
        } else {
            &app
        };
        let response = browser.get(&path).await;
        let html = response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        if response.status().is_redirection() || !html {
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(page.contains(BANNER), "{path}: {page}");
        pages += 1;
    }
    assert!(pages >= 30, "only {pages} pages were HTML");
}

/// The portal's binary holds the portal: the benchmark and the population generator are
/// `helseportal-bench`.
#[test]
fn the_portal_binary_offers_no_benchmark_or_generator() {
    let output = helseportal().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout).to_lowercase();
    for command in ["serve", "worker", "migrate"] {
        assert!(help.contains(command), "{help}");
    }
    for tool in ["bench", "generate", "population"] {
        assert!(!help.contains(tool), "{tool} in: {help}");
    }
    let refused = helseportal()
        .args(["generate", "--citizens", "10"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
