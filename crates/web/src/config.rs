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
    /// Logout after this many seconds without activity (30 minutes by default).
    pub session_idle_seconds: i64,
    /// Warn this many seconds before the inactivity logout.
    pub session_warning_seconds: i64,
    /// The normal copayment ("egenandel") for an answered e-consultation, in whole kroner.
    /// The authorities set it each year, so it is configuration, not code.
    pub econsultation_copayment_nok: i64,
    /// The folder notifications are written to when there is no mail server or SMS gateway;
    /// when set, the development page `/utvikling/varsler` shows them.
    pub outbox_dir: Option<std::path::PathBuf>,
}

/// The copayment of an e-consultation at the GP when nothing else is configured.
pub const DEFAULT_ECONSULTATION_COPAYMENT_NOK: i64 = 183;

/// Client id of the portal at the built-in identity provider.
pub const BUILT_IN_CLIENT_ID: &str = "helseportal";

impl WebConfig {
    pub fn new(public_url: Url, oidc: OidcSettings) -> Self {
        Self {
            public_url,
            oidc,
            session_idle_seconds: 30 * 60,
            session_warning_seconds: 5 * 60,
            econsultation_copayment_nok: DEFAULT_ECONSULTATION_COPAYMENT_NOK,
            outbox_dir: None,
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
