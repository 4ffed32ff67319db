use secrecy::SecretString;
use url::Url;

/// Which OpenID Connect provider logs people in.
#[derive(Debug, Clone)]
pub enum OidcSettings {
    /// The built-in test identity provider under `/testidp` (the embedded default: the role the
    /// national ID gateway's test environment plays). Its client secret is shared by all app
    /// processes through the database.
    BuiltIn,
    /// A real provider found by discovery at `issuer`.
    External {
        issuer: String,
        client_id: String,
        client_secret: SecretString,
    },
}

impl OidcSettings {
    pub fn is_built_in(&self) -> bool {
        matches!(self, Self::BuiltIn)
    }
}

/// Settings of the web side.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people reach the portal at; redirect URIs are built from it.
    pub public_url: Url,
    pub oidc: OidcSettings,
    /// Logout after this many seconds without activity. The default, 30 minutes, is what
    /// OWASP ASVS 4.0 (3.3.2) asks at Level 2; Level 3 asks 15 minutes (900).
    pub session_idle_seconds: i64,
    /// Logout this many seconds after the login however active the session is (12 hours by
    /// default, ASVS 3.3.2's absolute lifetime at Levels 2 and 3), so that a session cookie that
    /// leaks, or a session a script keeps busy, does not last for ever.
    pub session_max_seconds: i64,
    /// Warn this many seconds before the inactivity logout.
    pub session_warning_seconds: i64,
    /// The normal copayment ("egenandel") for an answered e-consultation, in whole kroner.
    /// The authorities set it each year, so it is configuration, not code.
    pub econsultation_copayment_nok: i64,
    /// The folder notifications are written to when there is no mail server or SMS gateway;
    /// when set, the development page `/utvikling/varsler` shows them.
    pub outbox_dir: Option<std::path::PathBuf>,
    /// A header a trusted proxy in front of the portal sets to the client's address (such as
    /// `X-Forwarded-For`); its right-most value is used. `None`: the connection's address,
    /// and no header is believed.
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// How fast one person and one client address may log in, check codes, send messages
    /// and upload files (`throttle.rs`).
    pub limits: crate::RateLimits,
}

/// The copayment of an e-consultation at the GP when nothing else is configured.
pub const DEFAULT_ECONSULTATION_COPAYMENT_NOK: i64 = 183;

/// The absolute session lifetime when nothing else is configured: 12 hours.
pub const DEFAULT_SESSION_MAX_SECONDS: i64 = 12 * 60 * 60;

/// Client id of the portal at the built-in identity provider.
pub const BUILT_IN_CLIENT_ID: &str = "helseportal";

impl WebConfig {
    pub fn new(public_url: Url, oidc: OidcSettings) -> Self {
        Self {
            public_url,
            oidc,
            session_idle_seconds: 30 * 60,
            session_max_seconds: DEFAULT_SESSION_MAX_SECONDS,
            session_warning_seconds: 5 * 60,
            econsultation_copayment_nok: DEFAULT_ECONSULTATION_COPAYMENT_NOK,
            outbox_dir: None,
            trusted_proxy_header: None,
            limits: crate::RateLimits::default(),
        }
    }

    /// Cookies carry `Secure` when the portal is served over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    pub fn url(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    pub fn citizen_redirect_uri(&self) -> String {
        self.url("/auth/callback")
    }

    pub fn staff_redirect_uri(&self) -> String {
        self.url("/kontor/auth/callback")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_secret_never_prints() {
        let config = WebConfig::new(
            Url::parse("https://helseportal.example").unwrap_or_else(|e| panic!("{e}")),
            OidcSettings::External {
                issuer: "https://idporten.example".into(),
                client_id: "helseportal".into(),
                client_secret: SecretString::from("client-secret-value"),
            },
        );
        let printed = format!("{config:?}");
        assert!(printed.contains("idporten.example"));
        assert!(!printed.contains("client-secret-value"), "{printed}");
    }
}
