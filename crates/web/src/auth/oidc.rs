//! The OpenID Connect client: authorization-code flow with PKCE, as the national ID gateway
//! uses. The person is the `pid` claim (the national identity number), and only logins at
//! the highest assurance level (`acr` = `idporten-loa-high`) are let in.

use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use storage::{LoginAttempt, SessionKind};
use tokio::sync::RwLock;

use crate::config::{BUILT_IN_CLIENT_ID, OidcSettings, WebConfig};
use crate::{AppState, test_idp};

/// The only assurance level the portal accepts.
pub const LOA_HIGH: &str = "idporten-loa-high";

/// How long discovered provider metadata is trusted before it is fetched again.
const METADATA_TTL_SECONDS: i64 = 3600;

/// How long a login may take from the redirect to the callback.
pub const LOGIN_MAX_SECONDS: i64 = 600;

/// The national identity number claim of the ID gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PidClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
}

impl AdditionalClaims for PidClaims {}

type PidIdTokenFields = IdTokenFields<
    PidClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type PidTokenResponse = StandardTokenResponse<PidIdTokenFields, CoreTokenType>;
type PidClient<
    HasAuthUrl = EndpointSet,
    HasTokenUrl = EndpointMaybeSet,
    HasUserInfoUrl = EndpointMaybeSet,
> = Client<
    PidClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    PidTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    HasAuthUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
    HasUserInfoUrl,
>;

/// Why a login did not end with a person.
#[derive(Debug)]
pub enum LoginError {
    /// Forged, replayed, expired or cancelled: start again.
    Failed(String),
    /// The login's assurance level is below `idporten-loa-high`.
    LowLevel(Option<String>),
    /// The provider could not be reached or answered nonsense.
    ProviderUnavailable(String),
    /// Our own database failed.
    Storage(storage::StorageError),
}

impl From<storage::StorageError> for LoginError {
    fn from(error: storage::StorageError) -> Self {
        Self::Storage(error)
    }
}

/// The client, with the provider's metadata cached per process.
pub struct OidcClient {
    config: Arc<WebConfig>,
    http: reqwest::Client,
    metadata: RwLock<Option<(CoreProviderMetadata, i64)>>,
}

struct ClientSettings {
    issuer: String,
    client_id: String,
    client_secret: SecretString,
}

impl OidcClient {
    pub fn new(config: Arc<WebConfig>) -> Self {
        let http = reqwest::Client::builder()
            // Following redirects from a token endpoint invites SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            metadata: RwLock::new(None),
        }
    }

    async fn settings(&self, state: &AppState) -> Result<ClientSettings, LoginError> {
        Ok(match &self.config.oidc {
            OidcSettings::BuiltIn => ClientSettings {
                issuer: self.config.url(test_idp::ISSUER_PATH),
                client_id: BUILT_IN_CLIENT_ID.to_owned(),
                client_secret: test_idp::client_secret(&state.db).await?.into(),
            },
            OidcSettings::External {
                issuer,
                client_id,
                client_secret,
            } => ClientSettings {
                issuer: issuer.clone(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
        })
    }

    async fn metadata(&self, issuer: &str, now: i64) -> Result<CoreProviderMetadata, LoginError> {
        if let Some((metadata, fetched_at)) = self.metadata.read().await.as_ref()
            && now - fetched_at < METADATA_TTL_SECONDS
        {
            return Ok(metadata.clone());
        }
        let issuer_url = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &self.http)
            .await
            .map_err(|e| LoginError::ProviderUnavailable(format!("discovery: {e}")))?;
        *self.metadata.write().await = Some((metadata.clone(), now));
        Ok(metadata)
    }

    async fn client(&self, state: &AppState, kind: SessionKind) -> Result<PidClient, LoginError> {
        let settings = self.settings(state).await?;
        let metadata = self.metadata(&settings.issuer, state.now()).await?;
        let redirect = match kind {
            SessionKind::Citizen => self.config.citizen_redirect_uri(),
            SessionKind::Staff => self.config.staff_redirect_uri(),
        };
        let redirect = RedirectUrl::new(redirect)
            .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?;
        Ok(PidClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id),
            Some(ClientSecret::new(
                settings.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a login: records what the callback must match and returns the provider's
    /// authorization URL and the id for the browser's login cookie.
    pub async fn start(
        &self,
        state: &AppState,
        kind: SessionKind,
        ui_locale: &str,
    ) -> Result<(String, String), LoginError> {
        let client = self.client(state, kind).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, csrf, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .add_extra_param("acr_values", LOA_HIGH)
            .add_extra_param("ui_locales", ui_locale)
            .url();
        let now = state.now();
        state
            .db
            .purge_stale(
                now - state.config.session_idle_seconds,
                now - state.config.session_max_seconds,
                now - LOGIN_MAX_SECONDS,
            )
            .await?;
        let attempt = LoginAttempt {
            kind,
            state: csrf.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            created_at: now,
        };
        let id = state.db.create_login_attempt(&attempt).await?;
        Ok((url.to_string(), id))
    }

    /// Finishes a login at the callback and returns the person's identity number. The login
    /// attempt is taken (deleted) first, so a callback can never be used twice.
    pub async fn finish(
        &self,
        state: &AppState,
        kind: SessionKind,
        login_id: Option<&str>,
        callback: &CallbackQuery,
    ) -> Result<String, LoginError> {
        let login_id = login_id.ok_or_else(|| LoginError::Failed("no login cookie".into()))?;
        let attempt = state
            .db
            .take_login_attempt(login_id)
            .await?
            .ok_or_else(|| LoginError::Failed("unknown or used login".into()))?;
        if attempt.kind != kind {
            return Err(LoginError::Failed("login started on the other side".into()));
        }
        if state.now() - attempt.created_at > LOGIN_MAX_SECONDS {
            return Err(LoginError::Failed("login took too long".into()));
        }
        let returned_state = callback.state.as_deref().unwrap_or_default();
        if !crate::security::secrets_match(returned_state, &attempt.state) {
            return Err(LoginError::Failed("state does not match".into()));
        }
        if let Some(error) = &callback.error {
            return Err(LoginError::Failed(format!("provider answered {error}")));
        }
        let code = callback
            .code
            .clone()
            .ok_or_else(|| LoginError::Failed("no code".into()))?;

        let client = self.client(state, kind).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| LoginError::ProviderUnavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| LoginError::Failed(format!("token request: {e}")))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| LoginError::Failed("no id_token".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(attempt.nonce))
            .map_err(|e| LoginError::Failed(format!("id_token: {e}")))?;
        let acr = claims.auth_context_ref().map(|acr| acr.as_str().to_owned());
        if acr.as_deref() != Some(LOA_HIGH) {
            return Err(LoginError::LowLevel(acr));
        }
        claims
            .additional_claims()
            .pid
            .clone()
            .ok_or_else(|| LoginError::Failed("no pid claim".into()))
    }
}

/// What the provider sends back to the callback.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}
