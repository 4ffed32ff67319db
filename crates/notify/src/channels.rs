//! Where notifications go: e-mail through an SMTP server, SMS through an HTTP gateway, or both
//! into the outbox folder (the embedded default, which needs no outside service).

use std::time::Duration;

use domain::notification::NotificationText;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::outbox::{Outbox, OutboxEntry};

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP that must be upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same host or a test server.
    None,
}

impl SmtpTls {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// An SMTP server to send e-mail through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the server asks for them.
    pub credentials: Option<(String, SecretString)>,
    /// The sender, e.g. `Helseportal <ikke-svar@helseportal.example>`.
    pub from: String,
    /// A certificate authority (PEM) to trust beside the public ones, for a relay with a
    /// certificate from the organisation's own authority.
    pub extra_root_pem: Option<Vec<u8>>,
}

/// An HTTP gateway that sends SMS: the adapter posts JSON
/// `{"to", "from", "text", "reference"}` with a bearer token. The reference is the same every
/// time the same notification is tried, so a gateway that keeps references drops a repeat.
#[derive(Debug, Clone)]
pub struct SmsGatewaySettings {
    pub url: String,
    pub token: SecretString,
    pub sender: String,
    /// How long the gateway may take to answer before the SMS counts as not sent (and is tried
    /// again later, with the same reference).
    pub timeout: Duration,
}

/// Why a channel did not take a notification. The job is tried again later.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("e-mail: {0}")]
    Email(String),
    #[error("SMS gateway: {0}")]
    Sms(String),
    #[error("outbox: {0}")]
    Outbox(String),
}

pub(crate) enum EmailChannel {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    Outbox(Outbox),
}

/// How long one e-mail may take before it counts as not sent and is tried again later.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

impl EmailChannel {
    pub(crate) fn smtp(settings: &SmtpSettings) -> Result<Self, String> {
        let from: Mailbox = settings.from.parse().map_err(|e| {
            format!(
                "the e-mail sender {:?} is not an address: {e}",
                settings.from
            )
        })?;
        let tls_parameters = || -> Result<TlsParameters, String> {
            let mut parameters = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = &settings.extra_root_pem {
                let certificate = Certificate::from_pem(pem)
                    .map_err(|e| format!("the SMTP certificate authority: {e}"))?;
                parameters = parameters.add_root_certificate(certificate);
            }
            parameters
                .build()
                .map_err(|e| format!("SMTP TLS for {}: {e}", settings.host))
        };
        let tls = match settings.tls {
            // STARTTLS is required, never merely attempted: a server that does not offer it
            // gets no mail rather than mail in the clear.
            SmtpTls::StartTls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpTls::None => Tls::None,
        };
        let builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host).tls(tls);
        let mut builder = builder.port(settings.port).timeout(Some(SEND_TIMEOUT));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self::Smtp {
            transport: Box::new(builder.build()),
            from,
        })
    }

    pub(crate) async fn send(
        &self,
        to: &str,
        text: &NotificationText,
        reference: &str,
        now: i64,
    ) -> Result<(), SendError> {
        match self {
            Self::Smtp { transport, from } => {
                let to: Mailbox = to
                    .parse()
                    .map_err(|e| SendError::Email(format!("address: {e}")))?;
                let domain = from.email.domain().to_owned();
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&text.email_subject)
                    // The same id every time the notification is tried, so that a repeat can
                    // be recognised.
                    .message_id(Some(format!("<{reference}@{domain}>")))
                    .multipart(MultiPart::alternative_plain_html(
                        text.email_text.clone(),
                        text.email_html.clone(),
                    ))
                    .map_err(|e| SendError::Email(e.to_string()))?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError::Email(e.to_string()))
            }
            Self::Outbox(outbox) => outbox
                .write(&OutboxEntry {
                    reference: reference.to_owned(),
                    channel: "e-post".into(),
                    to: to.to_owned(),
                    subject: Some(text.email_subject.clone()),
                    text: text.email_text.clone(),
                    created_at: now,
                })
                .map_err(|e| SendError::Outbox(e.to_string())),
        }
    }
}

pub(crate) enum SmsChannel {
    Gateway {
        client: reqwest::Client,
        settings: SmsGatewaySettings,
    },
    Outbox(Outbox),
}

impl SmsChannel {
    pub(crate) fn gateway(settings: SmsGatewaySettings) -> Result<Self, String> {
        reqwest::Url::parse(&settings.url)
            .map_err(|e| format!("SMS gateway URL {:?}: {e}", settings.url))?;
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self::Gateway { client, settings })
    }

    pub(crate) async fn send(
        &self,
        to: &str,
        text: &NotificationText,
        reference: &str,
        now: i64,
    ) -> Result<(), SendError> {
        match self {
            Self::Gateway { client, settings } => {
                let response = client
                    .post(&settings.url)
                    .bearer_auth(settings.token.expose_secret())
                    .json(&serde_json::json!({
                        "to": to,
                        "from": settings.sender,
                        "text": text.sms,
                        "reference": reference,
                    }))
                    .send()
                    .await
                    .map_err(|e| SendError::Sms(e.to_string()))?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(SendError::Sms(format!("answered {}", response.status())))
                }
            }
            Self::Outbox(outbox) => outbox
                .write(&OutboxEntry {
                    reference: reference.to_owned(),
                    channel: "SMS".into(),
                    to: to.to_owned(),
                    subject: None,
                    text: text.sms.clone(),
                    created_at: now,
                })
                .map_err(|e| SendError::Outbox(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_never_print_their_secrets() {
        let smtp = SmtpSettings {
            host: "smtp.example".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            credentials: Some(("helseportal".into(), SecretString::from("smtp-password"))),
            from: "ikke-svar@helseportal.example".into(),
            extra_root_pem: None,
        };
        let sms = SmsGatewaySettings {
            url: "https://sms.example".into(),
            token: SecretString::from("gateway-token"),
            sender: "Helseportal".into(),
            timeout: Duration::from_secs(10),
        };
        let printed = format!("{smtp:?} {sms:?}");
        assert!(printed.contains("smtp.example") && printed.contains("sms.example"));
        assert!(!printed.contains("smtp-password"), "{printed}");
        assert!(!printed.contains("gateway-token"), "{printed}");
    }
}
