//! Path, form and query extractors whose rejections are the portal's own clear error page,
//! never a framework message.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorKind};

/// The parameters of a path (`/innboks/{thread}`). A value that is not of the parameter's kind
/// (`/innboks/abc`, a number too large for an id) names no page: the portal's 404.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(rejection)) => {
                tracing::info!(%rejection, "path parameter refused");
                Err(AppError::new(ErrorKind::NotFound))
            }
            // The route and its handler disagree about the parameters: our mistake.
            Err(rejection) => Err(AppError::logged(ErrorKind::Internal, &rejection)),
        }
    }
}

/// A URL-encoded form body as it came, for forms whose fields repeat.
pub struct RawForm(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawForm {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::RawForm::from_request(request, state).await {
            Ok(axum::extract::RawForm(bytes)) => Ok(Self(bytes)),
            Err(rejection) => Err(AppError::logged(ErrorKind::BadRequest, &rejection)),
        }
    }
}

/// A URL-encoded form body.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::logged(ErrorKind::BadRequest, &rejection)),
        }
    }
}

/// A query string.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::logged(ErrorKind::BadRequest, &rejection)),
        }
    }
}

/// A form that carries only its CSRF token, which the checked extractor
/// (`security::CsrfForm`) takes: nothing is left to read.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {}

/// The key a form carries so that a double click or a POST sent again makes one request, not
/// two: the random token the form's page put in it. Validated once, when the form is read: a
/// form without one, or with one of another shape, is the portal's 400 page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A new key, for a form page.
    pub fn new() -> Self {
        Self(storage::random_token())
    }

    /// The key of a form whose fields are read one by one.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        Self::try_from(text.to_owned()).map_err(|_| AppError::bad_request())
    }

    /// The key as storage keeps it: with the kind of request and the person, so that the keys
    /// of different services and people never meet.
    pub fn scoped(&self, kind: &str, person_id: i64) -> String {
        format!("{kind}:{person_id}:{}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for IdempotencyKey {
    fn default() -> Self {
        Self::new()
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = &'static str;

    /// 20 to 100 characters of the token alphabet (letters, digits, `-` and `_`).
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let shaped = (20..=100).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if shaped {
            Ok(Self(text))
        } else {
            Err("not an idempotency key")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_have_the_shape_of_our_tokens() {
        assert!(IdempotencyKey::parse(IdempotencyKey::new().as_str()).is_ok());
        assert!(IdempotencyKey::parse("abcdefghijklmnopqrstuvwxyz").is_ok());
        for bad in [
            "",
            "short",
            &"a".repeat(101),
            "abcdefghijklmnopqrstu vwxyz",
            "abcdefghijklmnopqrstuvwxyz'",
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
        let key = IdempotencyKey::parse("abcdefghijklmnopqrstuvwxyz").unwrap_or_default();
        assert_eq!(
            key.scoped("booking", 7),
            "booking:7:abcdefghijklmnopqrstuvwxyz"
        );
    }
}
