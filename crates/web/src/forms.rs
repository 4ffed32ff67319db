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
