//! The far ends of notifications in tests: the real SMTP server the test command starts
//! (aiosmtpd, writing a maildir), and a local HTTP server playing the SMS gateway.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;

/// One SMS as the gateway received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    pub to: String,
    pub from: String,
    pub text: String,
    pub reference: String,
}

#[derive(Default)]
struct GatewayState {
    received: Vec<ReceivedSms>,
    /// Answer 500 to this many requests before taking any.
    fail_next: usize,
    /// Hold this many requests past the client's timeout before taking any.
    stall_next: usize,
}

/// The SMS gateway: takes `POST /sms` with a bearer token and JSON, as the adapter sends it.
#[derive(Clone)]
pub struct SmsGateway {
    pub url: String,
    state: Arc<Mutex<GatewayState>>,
}

pub const GATEWAY_TOKEN: &str = "test-gateway-token";

/// What the gateway stalls for: longer than the timeout the tests give the adapter.
const STALL: Duration = Duration::from_secs(3);
pub const GATEWAY_TIMEOUT: Duration = Duration::from_secs(1);

impl SmsGateway {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(GatewayState::default()));
        let app = axum::Router::new()
            .route("/sms", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    pub fn received(&self) -> Vec<ReceivedSms> {
        self.state.lock().unwrap().received.clone()
    }

    pub fn to(&self, number: &str) -> Vec<ReceivedSms> {
        self.received()
            .into_iter()
            .filter(|sms| sms.to == number)
            .collect()
    }

    pub fn fail_next(&self, count: usize) {
        self.state.lock().unwrap().fail_next = count;
    }

    pub fn stall_next(&self, count: usize) {
        self.state.lock().unwrap().stall_next = count;
    }

    pub fn settings(&self) -> notify::SmsGatewaySettings {
        notify::SmsGatewaySettings {
            url: self.url.clone(),
            token: GATEWAY_TOKEN.into(),
            sender: "Helseportal".into(),
            timeout: GATEWAY_TIMEOUT,
        }
    }
}

async fn receive(
    State(state): State<Arc<Mutex<GatewayState>>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> StatusCode {
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {GATEWAY_TOKEN}"));
    if !authorised {
        return StatusCode::UNAUTHORIZED;
    }
    let stall = {
        let mut state = state.lock().unwrap();
        if state.fail_next > 0 {
            state.fail_next -= 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        if state.stall_next > 0 {
            state.stall_next -= 1;
            true
        } else {
            false
        }
    };
    if stall {
        // The client gives up first; a real gateway that answers this late has not sent.
        tokio::time::sleep(STALL).await;
        return StatusCode::GATEWAY_TIMEOUT;
    }
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
    state.lock().unwrap().received.push(ReceivedSms {
        to: field("to"),
        from: field("from"),
        text: field("text"),
        reference: field("reference"),
    });
    StatusCode::ACCEPTED
}

/// The test SMTP server's address (`host:port`), from the environment the test command sets.
fn smtp_address() -> (String, u16) {
    let address = std::env::var("HELSEPORTAL_TEST_SMTP").expect(
        "HELSEPORTAL_TEST_SMTP must name the test SMTP server as host:port (scripts/test.sh starts one)",
    );
    let (host, port) = address.rsplit_once(':').unwrap();
    (host.to_owned(), port.parse().unwrap())
}

pub fn smtp_settings() -> notify::SmtpSettings {
    let (host, port) = smtp_address();
    notify::SmtpSettings {
        host,
        port,
        tls: notify::SmtpTls::None,
        credentials: None,
        from: "Helseportal <ikke-svar@helseportal.example>".into(),
        extra_root_pem: None,
    }
}

/// The test SMTP server that requires STARTTLS, with a certificate for `localhost` from the
/// test's own certificate authority: its settings, trusting that authority.
pub fn starttls_settings() -> notify::SmtpSettings {
    let address = std::env::var("HELSEPORTAL_TEST_SMTP_STARTTLS").expect(
        "HELSEPORTAL_TEST_SMTP_STARTTLS must name the STARTTLS test SMTP server as localhost:port \
         (scripts/test.sh starts one)",
    );
    let authority = std::env::var("HELSEPORTAL_TEST_SMTP_CA").expect(
        "HELSEPORTAL_TEST_SMTP_CA must name the PEM file of the test certificate authority",
    );
    let (host, port) = address.rsplit_once(':').unwrap();
    notify::SmtpSettings {
        host: host.to_owned(),
        port: port.parse().unwrap(),
        tls: notify::SmtpTls::StartTls,
        credentials: None,
        from: "Helseportal <ikke-svar@helseportal.example>".into(),
        extra_root_pem: Some(std::fs::read(authority).unwrap()),
    }
}

/// The command-line options that send through the test SMTP server and the gateway.
pub fn delivery_args(gateway: &SmsGateway) -> Vec<String> {
    let (host, port) = smtp_address();
    [
        "--smtp-host",
        &host,
        "--smtp-port",
        &port.to_string(),
        "--smtp-tls",
        "none",
        "--mail-from",
        "Helseportal <ikke-svar@helseportal.example>",
        "--sms-gateway-url",
        &gateway.url,
        "--sms-gateway-token",
        GATEWAY_TOKEN,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A worker that sends through the test SMTP server and this gateway.
pub fn notifier(db: &storage::Database, gateway: &SmsGateway) -> notify::Notifier {
    notify::Notifier::new(
        db.clone(),
        &notify::NotifierSettings {
            smtp: Some(smtp_settings()),
            sms_gateway: Some(gateway.settings()),
            outbox_dir: super::temp_dir().join("outbox"),
        },
    )
    .unwrap()
}

/// An e-mail as the SMTP server stored it, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

/// The mails the SMTP server took for `address`.
pub fn mails_to(address: &str) -> Vec<ReceivedMail> {
    let maildir = std::env::var("HELSEPORTAL_TEST_MAILDIR").expect(
        "HELSEPORTAL_TEST_MAILDIR must name the test SMTP server's maildir (scripts/test.sh sets it)",
    );
    let mut mails = Vec::new();
    for folder in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(std::path::Path::new(&maildir).join(folder)) else {
            continue;
        };
        for entry in entries {
            let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            let to_line = format!("To: {address}");
            if raw.lines().any(|line| line.trim_end() == to_line) {
                mails.push(decode_mail(&raw));
            }
        }
    }
    mails
}

fn header<'a>(raw: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}: ");
    raw.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_default()
}

/// Decodes the subject (RFC 2047) and the text and HTML parts (quoted-printable or base64).
fn decode_mail(raw: &str) -> ReceivedMail {
    let raw = raw.replace("\r\n", "\n");
    // Header lines may be folded.
    let unfolded = raw.replace("\n ", " ");
    let subject = decode_words(header(&unfolded, "Subject"));
    let message_id = header(&unfolded, "Message-ID").to_owned();
    let mut text = String::new();
    let mut html = String::new();
    for part in raw.split("\n--").skip(1) {
        let Some((head, body)) = part.split_once("\n\n") else {
            continue;
        };
        let head = head.replace("\n ", " ");
        let encoding = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
            .unwrap_or("7bit")
            .trim()
            .to_lowercase();
        let decoded = match encoding.as_str() {
            "base64" => String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(body.split_whitespace().collect::<String>())
                    .unwrap(),
            )
            .unwrap(),
            "quoted-printable" => quoted_printable(body),
            _ => body.to_owned(),
        };
        if head.contains("Content-Type: text/plain") {
            text = decoded;
        } else if head.contains("Content-Type: text/html") {
            html = decoded;
        }
    }
    ReceivedMail {
        subject,
        message_id,
        text,
        html,
        raw,
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| joined.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// `=?utf-8?b?...?=` and `=?utf-8?q?...?=` words, as lettre writes a non-ASCII subject; the
/// space between two encoded words is not part of the text (RFC 2047).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = false;
    for word in value.split_whitespace() {
        let lower = word.to_lowercase();
        let inner = || word[10..word.len() - 2].to_owned();
        let (decoded, encoded) = if lower.starts_with("=?utf-8?b?") && lower.ends_with("?=") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(inner())
                .unwrap();
            (String::from_utf8(bytes).unwrap(), true)
        } else if lower.starts_with("=?utf-8?q?") && lower.ends_with("?=") {
            (quoted_printable(&inner().replace('_', " ")), true)
        } else {
            (word.to_owned(), false)
        };
        if !(out.is_empty() || previous_encoded && encoded) {
            out.push(' ');
        }
        out.push_str(&decoded);
        previous_encoded = encoded;
    }
    out
}
