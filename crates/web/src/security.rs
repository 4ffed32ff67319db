//! Security headers, cookies, CSRF tokens and the language choice.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

use crate::AppState;
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

/// Compares a submitted CSRF token with the expected one in constant time.
pub fn tokens_match(submitted: &str, expected: &str) -> bool {
    !expected.is_empty() && submitted.as_bytes().ct_eq(expected.as_bytes()).into()
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
    pub fn verify(headers: &HeaderMap, submitted: &str) -> bool {
        cookie(headers, CSRF_COOKIE).is_some_and(|expected| {
            storage::is_random_token(expected) && tokens_match(submitted, expected)
        })
    }
}

#[cfg(test)]
mod tests {
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
    fn csrf_tokens_must_match_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
        assert!(!tokens_match("", ""));
    }
}
