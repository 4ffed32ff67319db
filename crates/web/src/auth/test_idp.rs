//! The built-in test identity provider, for the embedded default: the role the national ID
//! gateway's test environment plays. It speaks real OpenID Connect (discovery, authorization
//! code with PKCE, token endpoint), so the portal's client is the same one production uses.
//!
//! ID tokens are signed with HS256 and the client secret (allowed by OpenID Connect Core for
//! confidential clients), which spares a key pair; the secret is created once and shared by
//! every app process through the database. It logs in any registered person at the highest
//! assurance level. It is mounted only when no external issuer is configured.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use domain::Fodselsnummer;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storage::{IdpCode, PersonSummary};

use crate::AppState;
use crate::auth::oidc::LOA_HIGH;
use crate::config::BUILT_IN_CLIENT_ID;
use crate::error::{AppError, html};
use crate::forms::{Form, Query};
use crate::routes::{Routes, get, post};
use crate::security::{AnonymousCsrf, AnonymousCsrfForm, CSRF_COOKIE, RequestLang, set_cookie};
use crate::throttle::{Action, ClientAddr};
use crate::views::layout::Layout;

pub const ISSUER_PATH: &str = "/testidp";
const SECRET_SETTING: &str = "test_idp_client_secret";
/// A code must be redeemed within a minute.
const CODE_MAX_SECONDS: i64 = 60;
const ID_TOKEN_SECONDS: i64 = 300;

pub fn routes() -> Routes {
    Routes::new()
        .route("/testidp/.well-known/openid-configuration", get(discovery))
        .route("/testidp/jwks", get(jwks))
        .route("/testidp/authorize", get(authorize_page).post(authorize))
        .route("/testidp/token", post(token))
}

/// The client secret shared by the built-in provider and the portal's client.
pub async fn client_secret(db: &storage::Database) -> Result<String, storage::StorageError> {
    db.setting_or_create(SECRET_SETTING, storage::random_token)
        .await
}

async fn discovery(State(state): State<AppState>) -> Response {
    let issuer = state.config.url(ISSUER_PATH);
    axum::Json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid"],
        "acr_values_supported": [LOA_HIGH],
        "claims_supported": ["sub", "pid", "acr", "nonce"],
    }))
    .into_response()
}

async fn jwks() -> Response {
    axum::Json(serde_json::json!({ "keys": [] })).into_response()
}

/// The parameters of an authorization request, carried through the login form.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct AuthorizeParams {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
}

impl AuthorizeParams {
    /// Only the portal's own client and callbacks, code flow, S256 PKCE, with state and nonce.
    fn is_valid(&self, state: &AppState) -> bool {
        self.response_type == "code"
            && self.client_id == BUILT_IN_CLIENT_ID
            && (self.redirect_uri == state.config.citizen_redirect_uri()
                || self.redirect_uri == state.config.staff_redirect_uri())
            && self.code_challenge_method == "S256"
            && self.code_challenge.len() >= 43
            && !self.state.is_empty()
            && !self.nonce.is_empty()
    }
}

#[derive(Template)]
#[template(path = "auth/test_idp.html")]
struct LoginPage {
    l: Layout,
    params: AuthorizeParams,
    csrf: String,
    citizens: Vec<PersonSummary>,
    staff: Vec<PersonSummary>,
    typed: String,
    error: Option<String>,
}

async fn render_login(
    state: &AppState,
    lang: crate::Lang,
    headers: &HeaderMap,
    params: AuthorizeParams,
    typed: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let csrf = AnonymousCsrf::from_headers(headers);
    let (staff, citizens) = state
        .db
        .persons_for_test_login()
        .await?
        .into_iter()
        .partition(|p| p.is_staff);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = LoginPage {
        l: Layout::new(lang, "test-idp-title"),
        params,
        csrf: csrf.token.clone(),
        citizens,
        staff,
        typed,
        error,
    };
    let mut response = (status, html(&page)?).into_response();
    if csrf.new_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(state, CSRF_COOKIE, &csrf.token, "/", None),
        );
    }
    Ok(response)
}

async fn authorize_page(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Result<Response, AppError> {
    if !params.is_valid(&state) {
        return Err(AppError::bad_request());
    }
    render_login(&state, lang, &headers, params, String::new(), None).await
}

#[derive(Debug, Deserialize)]
struct AuthorizeForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    fnr: String,
}

async fn authorize(
    State(state): State<AppState>,
    client: ClientAddr,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    AnonymousCsrfForm(form): AnonymousCsrfForm<AuthorizeForm>,
) -> Result<Response, AppError> {
    if !form.params.is_valid(&state) {
        return Err(AppError::bad_request());
    }
    // Per number typed, whatever spaces or dashes it is typed with.
    let typed: String = form.fnr.chars().filter(char::is_ascii_digit).collect();
    state.limit(Action::Login, client, Some(state.throttle.typed(&typed)))?;
    let fnr = match Fodselsnummer::parse(&form.fnr) {
        Ok(fnr) => fnr,
        Err(error) => {
            let message = crate::i18n::text(lang, error.code(), &[]);
            return render_login(&state, lang, &headers, form.params, form.fnr, Some(message))
                .await;
        }
    };
    if state.db.person_by_fnr(&fnr).await?.is_none() {
        let message = crate::i18n::text(lang, "test-idp-unknown", &[]);
        return render_login(&state, lang, &headers, form.params, form.fnr, Some(message)).await;
    }
    let code = state
        .db
        .create_idp_code(&IdpCode {
            client_id: form.params.client_id.clone(),
            redirect_uri: form.params.redirect_uri.clone(),
            fnr: fnr.as_str().to_owned(),
            nonce: form.params.nonce.clone(),
            code_challenge: form.params.code_challenge.clone(),
            created_at: state.now(),
        })
        .await?;
    let mut target =
        url::Url::parse(&form.params.redirect_uri).map_err(|_| AppError::bad_request())?;
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &form.params.state);
    Ok(Redirect::to(target.as_str()).into_response())
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

fn token_error(error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": error })),
    )
        .into_response()
}

/// Client credentials from HTTP Basic (RFC 6749 2.3.1, form-encoded parts) or the form.
fn client_credentials(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some((unescape(id)?, unescape(secret)?));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}

async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    if form.grant_type != "authorization_code" {
        return Ok(token_error("unsupported_grant_type"));
    }
    let secret = client_secret(&state.db).await?;
    let Some((client_id, presented)) = client_credentials(&headers, &form) else {
        return Ok(token_error("invalid_client"));
    };
    if client_id != BUILT_IN_CLIENT_ID || !crate::security::secrets_match(&presented, &secret) {
        return Ok(token_error("invalid_client"));
    }
    let Some(code) = state.db.take_idp_code(&form.code).await? else {
        return Ok(token_error("invalid_grant"));
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(form.code_verifier.as_bytes()));
    let now = state.now();
    if code.client_id != client_id
        || code.redirect_uri != form.redirect_uri
        || now - code.created_at > CODE_MAX_SECONDS
        || !crate::security::secrets_match(&challenge, &code.code_challenge)
    {
        return Ok(token_error("invalid_grant"));
    }
    let issuer = state.config.url(ISSUER_PATH);
    let claims = serde_json::json!({
        "iss": issuer,
        "sub": storage::hash_token(&format!("{client_id}:{}", code.fnr)),
        "aud": client_id,
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "auth_time": now,
        "nonce": code.nonce,
        "acr": LOA_HIGH,
        "amr": ["TestID"],
        "pid": code.fnr,
    });
    let id_token = sign_hs256(&claims, secret.as_bytes())
        .map_err(|e| AppError::logged(crate::error::ErrorKind::Internal, &e))?;
    Ok(axum::Json(serde_json::json!({
        "access_token": storage::random_token(),
        "token_type": "Bearer",
        "expires_in": ID_TOKEN_SECONDS,
        "id_token": id_token,
    }))
    .into_response())
}

/// A compact JWS with HS256.
fn sign_hs256(
    claims: &serde_json::Value,
    key: &[u8],
) -> Result<String, hmac::digest::InvalidLength> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key)?;
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signing_input}.{signature}"))
}
