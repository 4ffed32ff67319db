//! Security headers, cookies, CSRF tokens and the extractors that check them, and the language
//! choice.

use axum::body::Bytes;
use axum::extract::{
    FromRequest, FromRequestParts, Multipart, OptionalFromRequest, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;
use storage::SessionKind;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::auth::session::csrf_token_of;
use crate::error::{AppError, ErrorKind};
use crate::forms::RawForm;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "hp_session";
pub const STAFF_SESSION_COOKIE: &str = "hp_staff_session";
pub const LOGIN_COOKIE: &str = "hp_login";
pub const STAFF_LOGIN_COOKIE: &str = "hp_staff_login";
pub const LANG_COOKIE: &str = "hp_lang";
pub const CSRF_COOKIE: &str = "hp_csrf";

/// Headers on every response: a CSP that allows no inline script, no framing, no sniffing,
/// no referrer to other sites, and no caching of pages that may hold personal data.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if state.config.secure_cookies() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The value of one cookie of the request (the first of that name; none when empty).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (the login callback is a top-level navigation
/// from the identity provider), Secure over TLS.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut cookie = Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies());
    if let Some(seconds) = max_age {
        cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
    }
    // Names and values are the portal's own tokens and codes; one that a header cannot carry
    // sets nothing rather than something else.
    HeaderValue::from_str(&cookie.build().to_string())
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie(state: &AppState, name: &str, path: &str) -> HeaderValue {
    set_cookie(state, name, "", path, Some(0))
}

/// Compares a presented secret (an OpenID Connect state, a client secret, a PKCE challenge)
/// with the expected one in constant time; an empty expected value matches nothing.
pub fn secrets_match(presented: &str, expected: &str) -> bool {
    !expected.is_empty() && presented.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Compares a submitted CSRF token with the expected one. Private to this module: only the
/// checked form extractors below compare tokens, so no handler can forget to.
fn tokens_match(submitted: &str, expected: &str) -> bool {
    secrets_match(submitted, expected)
}

/// The language of a request: the cookie the citizen chose, else bokmål.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_default()
}

/// Extracts the request's language.
pub struct RequestLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(lang_of(&parts.headers)))
    }
}

/// The CSRF token of a visitor who is not logged in (double-submit cookie): the cookie that
/// is there, or a new one to set.
pub struct AnonymousCsrf {
    pub token: String,
    /// Set when the token is new and the response must set the cookie.
    pub new_cookie: bool,
}

impl AnonymousCsrf {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        match cookie(headers, CSRF_COOKIE) {
            Some(token) if storage::is_random_token(token) => Self {
                token: token.to_owned(),
                new_cookie: false,
            },
            _ => Self {
                token: storage::random_token(),
                new_cookie: true,
            },
        }
    }

    /// Whether a submitted form token matches this visitor's cookie, and the cookie is one of
    /// ours at full strength: a page on another site that can set a cookie for the domain (a
    /// sibling subdomain) could otherwise pair a cookie and a form field it chose itself, such
    /// as `x` and `x`.
    fn verify(headers: &HeaderMap, submitted: &str) -> bool {
        cookie(headers, CSRF_COOKIE).is_some_and(|expected| {
            storage::is_random_token(expected) && tokens_match(submitted, expected)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Checked forms: the CSRF token is compared before the handler runs, so no handler compares
// it itself, and none can forget to.

/// The form field that carries the CSRF token.
const CSRF_FIELD: &str = "_csrf";

/// The side a path belongs to: the office's pages under `/kontor`, the citizens' elsewhere.
fn side_of(path: &str) -> SessionKind {
    if path == "/kontor" || path.starts_with("/kontor/") {
        SessionKind::Staff
    } else {
        SessionKind::Citizen
    }
}

/// The form's one CSRF token. A form with two is none of ours, whichever of them matches.
fn submitted_token(fields: &[(String, String)]) -> Option<&str> {
    let mut tokens = fields.iter().filter(|(name, _)| name == CSRF_FIELD);
    match (tokens.next(), tokens.next()) {
        (Some((_, token)), None) => Some(token),
        _ => None,
    }
}

/// Whether the fields carry `expected` (the session's token; `None`: there is no session) as
/// their one CSRF token.
fn carries_token(fields: &[(String, String)], expected: Option<&str>) -> bool {
    match (submitted_token(fields), expected) {
        (Some(submitted), Some(expected)) => tokens_match(submitted, expected),
        _ => false,
    }
}

/// The fields without the token: what the handler is given.
fn without_token(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    fields
        .into_iter()
        .filter(|(name, _)| name != CSRF_FIELD)
        .collect()
}

/// A URL-encoded body's fields, decoded, in order.
fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Reads the body into `T`, which has no field for the token: the token is the extractor's.
fn deserialize<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|error| AppError::logged(ErrorKind::BadRequest, &error))
}

/// The CSRF token of the request's live session on the path's side (`None`: no session), and
/// the URL-encoded body, read once (the portal's 400 page when it cannot be).
async fn session_form(
    request: Request,
    state: &AppState,
) -> Result<(Option<String>, Vec<(String, String)>, Bytes), Response> {
    let (mut parts, body) = request.into_parts();
    let side = side_of(parts.uri.path());
    let expected = csrf_token_of(&mut parts, state, side).await?;
    let request = Request::from_parts(parts, body);
    let RawForm(body) = RawForm::from_request(request, state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((expected, form_fields(&body), body))
}

fn csrf_refused() -> Response {
    AppError::csrf().into_response()
}

/// A URL-encoded form whose CSRF token (the `_csrf` field) matched the token of the request's
/// session before the handler runs: the staff session's on the office's paths (`/kontor`), the
/// citizen's elsewhere. A form without that token, or a request without a live session of that
/// side, is refused with the portal's CSRF page (403) and the handler never runs. Then the
/// fields are read into `T` (the portal's 400 page when they cannot be).
///
/// The session is the one the handler's session extractor found (extractors of the request's
/// parts run before the body's, and it leaves the token in the request's extensions), or else
/// looked up here.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (expected, fields, body) = session_form(request, state).await?;
        if !carries_token(&fields, expected.as_deref()) {
            return Err(csrf_refused());
        }
        Ok(Self(
            deserialize(&body).map_err(IntoResponse::into_response)?,
        ))
    }
}

/// `Option<CsrfForm<T>>`, for "Logg ut": `None` when the request has no live session of its
/// side, so there is no token to compare with and no session to end; with a session, checked
/// and refused as [`CsrfForm`].
impl<T: DeserializeOwned> OptionalFromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(
        request: Request,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let (expected, fields, body) = session_form(request, state).await?;
        if expected.is_none() {
            return Ok(None);
        }
        if !carries_token(&fields, expected.as_deref()) {
            return Err(csrf_refused());
        }
        Ok(Some(Self(
            deserialize(&body).map_err(IntoResponse::into_response)?,
        )))
    }
}

/// A URL-encoded form checked as [`CsrfForm`], for forms whose fields repeat: its fields in
/// order, decoded, without the token.
#[derive(Debug)]
pub struct CsrfRawForm(pub Vec<(String, String)>);

impl FromRequest<AppState> for CsrfRawForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (expected, fields, _) = session_form(request, state).await?;
        if !carries_token(&fields, expected.as_deref()) {
            return Err(csrf_refused());
        }
        Ok(Self(without_token(fields)))
    }
}

/// A URL-encoded form of a visitor who need not be logged in (the language choice, the test
/// identity provider's login), whose `_csrf` field matched the visitor's CSRF cookie
/// ([`AnonymousCsrf`], double submit) before the handler runs; refused and read as
/// [`CsrfForm`].
#[derive(Debug)]
pub struct AnonymousCsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AnonymousCsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let RawForm(body) = RawForm::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = form_fields(&body);
        let checked = submitted_token(&fields)
            .is_some_and(|submitted| AnonymousCsrf::verify(&headers, submitted));
        if !checked {
            return Err(csrf_refused());
        }
        Ok(Self(
            deserialize(&body).map_err(IntoResponse::into_response)?,
        ))
    }
}

/// A file of a multipart form.
pub struct FilePart {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave it (empty when a file input was left empty).
    pub file_name: String,
    pub bytes: Bytes,
}

/// A multipart form (the e-consultation's upload step), checked as [`CsrfForm`] before the
/// handler runs: its token is one of its text fields.
pub enum CsrfMultipart {
    /// The text fields (without the token) and the files, in order.
    Read {
        fields: Vec<(String, String)>,
        files: Vec<FilePart>,
    },
    /// The body could not be read whole: larger than the route's limit, or broken off. Its
    /// token could not be read either, so nothing of it is handed on; the page can say why.
    Unreadable,
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let side = side_of(parts.uri.path());
        let expected = csrf_token_of(&mut parts, state, side).await?;
        if expected.is_none() {
            return Err(csrf_refused());
        }
        let request = Request::from_parts(parts, body);
        let mut multipart = <Multipart as FromRequest<AppState>>::from_request(request, state)
            .await
            .map_err(|rejection| AppError::logged(ErrorKind::BadRequest, &rejection))
            .map_err(IntoResponse::into_response)?;
        let mut fields = Vec::new();
        let mut files = Vec::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => return Ok(Self::Unreadable),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let Ok(bytes) = field.bytes().await else {
                return Ok(Self::Unreadable);
            };
            match file_name {
                Some(file_name) => files.push(FilePart {
                    field: name,
                    file_name,
                    bytes,
                }),
                None => fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
            }
        }
        if !carries_token(&fields, expected.as_deref()) {
            return Err(csrf_refused());
        }
        Ok(Self::Read {
            fields: without_token(fields),
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    #[test]
    fn reads_cookies_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; hp_lang=en; b="),
        );
        assert_eq!(cookie(&headers, "hp_lang"), Some("en"));
        assert_eq!(cookie(&headers, "b"), None);
        assert_eq!(lang_of(&headers), Lang::En);
    }

    #[test]
    fn reads_cookies_across_headers_and_odd_spacing() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1;hp_session=abc"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("hp_lang=nb"));
        assert_eq!(cookie(&headers, "hp_session"), Some("abc"));
        assert_eq!(cookie(&headers, "hp_lang"), Some("nb"));
        assert_eq!(cookie(&headers, "hp_"), None, "whole names only");
    }

    #[test]
    fn anonymous_csrf_wants_a_full_strength_cookie() {
        let with_cookie = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::COOKIE,
                HeaderValue::from_str(&format!("{CSRF_COOKIE}={value}")).unwrap(),
            );
            headers
        };
        let token = storage::random_token();
        assert!(AnonymousCsrf::verify(&with_cookie(&token), &token));
        assert!(!AnonymousCsrf::verify(&with_cookie("x"), "x"));
        let weak = "a".repeat(32);
        assert!(!AnonymousCsrf::verify(&with_cookie(&weak), &weak));
        let kept = AnonymousCsrf::from_headers(&with_cookie(&token));
        assert!(!kept.new_cookie && kept.token == token);
        let renewed = AnonymousCsrf::from_headers(&with_cookie(&weak));
        assert!(renewed.new_cookie && storage::is_random_token(&renewed.token));
    }

    #[test]
    fn the_office_paths_are_the_staff_side() {
        assert_eq!(side_of("/kontor"), SessionKind::Staff);
        assert_eq!(side_of("/kontor/timer/ny"), SessionKind::Staff);
        assert_eq!(side_of("/kontorer"), SessionKind::Citizen);
        assert_eq!(side_of("/samtykke"), SessionKind::Citizen);
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn a_form_carries_one_token_and_the_right_one() {
        let token = storage::random_token();
        let expected = Some(token.as_str());
        assert!(carries_token(
            &fields(&[("level", "basis"), ("_csrf", &token)]),
            expected
        ));
        assert!(!carries_token(&fields(&[("level", "basis")]), expected));
        assert!(!carries_token(&fields(&[("_csrf", "x")]), expected));
        assert!(!carries_token(&fields(&[("_csrf", "")]), Some("")));
        assert!(
            !carries_token(&fields(&[("_csrf", &token)]), None),
            "without a session, no token is right"
        );
        let token = token.as_str();
        for two in [[token, token], ["x", token], [token, "x"]] {
            let form = fields(&[("_csrf", two[0]), ("_csrf", two[1])]);
            assert!(!carries_token(&form, expected), "{two:?}");
        }
        assert_eq!(
            without_token(fields(&[
                ("ukedag", "1"),
                ("_csrf", token),
                ("ukedag", "2")
            ])),
            fields(&[("ukedag", "1"), ("ukedag", "2")])
        );
    }

    #[tokio::test]
    async fn a_visitors_form_is_read_only_with_its_cookies_token() {
        #[derive(Debug, serde::Deserialize)]
        struct LanguageForm {
            lang: String,
        }
        let post = |cookie: &str, content_type: &str, body: String| {
            Request::builder()
                .method("POST")
                .uri("/sprak")
                .header(header::COOKIE, format!("{CSRF_COOKIE}={cookie}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(axum::body::Body::from(body))
                .unwrap()
        };
        let form = "application/x-www-form-urlencoded";
        let token = storage::random_token();
        let read = AnonymousCsrfForm::<LanguageForm>::from_request(
            post(&token, form, format!("_csrf={token}&lang=en")),
            &(),
        )
        .await
        .unwrap();
        assert_eq!(read.0.lang, "en");
        let weak = "a".repeat(32);
        for (cookie, body) in [
            (token.as_str(), "lang=en".to_owned()),
            (&token, format!("_csrf={}&lang=en", storage::random_token())),
            (&token, format!("_csrf={token}&_csrf={token}&lang=en")),
            ("x", "_csrf=x&lang=en".to_owned()),
            (&weak, format!("_csrf={weak}&lang=en")),
        ] {
            let refused = AnonymousCsrfForm::<LanguageForm>::from_request(
                post(cookie, form, body.clone()),
                &(),
            )
            .await
            .unwrap_err();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{body}");
        }
        // With the token, a form that cannot be read is the 400 page.
        for (content_type, body) in [
            (form, format!("_csrf={token}")),
            ("multipart/form-data", format!("_csrf={token}&lang=en")),
        ] {
            let refused = AnonymousCsrfForm::<LanguageForm>::from_request(
                post(&token, content_type, body.clone()),
                &(),
            )
            .await
            .unwrap_err();
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
        }
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
        assert!(!tokens_match("", ""));
    }
}
