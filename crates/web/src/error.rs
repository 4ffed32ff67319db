//! Errors as the user sees them: a page in the portal's style, in the user's language, with a
//! reference that finds the logged cause. Internal causes are logged, never shown.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use askama::Template;
use storage::StorageError;

use crate::views::layout::Layout;

/// What went wrong, in the terms of the page shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    BadRequest,
    /// The path is there, but not for this method (a DELETE, or a GET of a form's target).
    MethodNotAllowed,
    Csrf,
    Forbidden,
    /// The thing changed meanwhile (e.g. a booking already answered or cancelled).
    Conflict,
    /// The same action too often in a short time (a rate limit); "Vent litt".
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Csrf | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Conflict => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Self::NotFound => ("error-not-found-title", "error-not-found-text"),
            Self::BadRequest => ("error-bad-request-title", "error-bad-request-text"),
            Self::MethodNotAllowed => (
                "error-method-not-allowed-title",
                "error-method-not-allowed-text",
            ),
            Self::Csrf => ("error-csrf-title", "error-csrf-text"),
            Self::Forbidden => ("error-forbidden-title", "error-forbidden-text"),
            Self::Conflict => ("error-conflict-title", "error-conflict-text"),
            Self::TooManyRequests => ("error-too-many-title", "error-too-many-text"),
            Self::Unavailable => ("error-unavailable-title", "error-unavailable-text"),
            Self::Internal => ("error-internal-title", "error-internal-text"),
        }
    }
}

/// An error a handler returns. Rendered into a page by [`render_error_pages`], which knows
/// the request's language.
#[derive(Debug)]
pub struct AppError {
    pub kind: ErrorKind,
    pub reference: String,
    /// Seconds until the action may be tried again (sent as `Retry-After`).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            reference: reference(),
            retry_after: None,
        }
    }

    /// A rate limit was reached: "Vent litt", and when to try again.
    pub fn too_many_requests(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorKind::TooManyRequests)
        }
    }

    /// An error with a cause worth logging.
    pub fn logged(kind: ErrorKind, cause: &dyn std::fmt::Display) -> Self {
        let error = Self::new(kind);
        tracing::error!(reference = %error.reference, %cause, "request failed");
        error
    }

    pub fn bad_request() -> Self {
        Self::new(ErrorKind::BadRequest)
    }

    pub fn csrf() -> Self {
        Self::new(ErrorKind::Csrf)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden)
    }
}

fn reference() -> String {
    let bytes: [u8; 5] = rand::random();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        let kind = if error.is_unavailable() {
            ErrorKind::Unavailable
        } else {
            ErrorKind::Internal
        };
        Self::logged(kind, &error)
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        Self::logged(ErrorKind::Internal, &error)
    }
}

/// Marks a response whose body is to be an error page.
#[derive(Debug, Clone)]
struct ErrorMarker {
    kind: ErrorKind,
    reference: String,
    retry_after: Option<u64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.kind.status().into_response();
        response.extensions_mut().insert(ErrorMarker {
            kind: self.kind,
            reference: self.reference,
            retry_after: self.retry_after,
        });
        response
    }
}

pub async fn not_found() -> AppError {
    AppError::new(ErrorKind::NotFound)
}

/// A path the portal has, asked with a method it does not take. The router adds the `Allow`
/// header with the methods the path does take.
pub async fn method_not_allowed() -> AppError {
    AppError::new(ErrorKind::MethodNotAllowed)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    text: String,
    reference: String,
}

/// Turns every [`AppError`] into a page in the language of the request.
pub async fn render_error_pages(request: Request, next: Next) -> Response {
    let lang = crate::security::lang_of(request.headers());
    let response = next.run(request).await;
    let Some(marker) = response.extensions().get::<ErrorMarker>().cloned() else {
        return response;
    };
    let (title_key, text_key) = marker.kind.keys();
    let l = Layout::new(lang, title_key);
    let mut text = l.t(text_key).into_owned();
    if let Some(seconds) = marker.retry_after {
        let wait = crate::views::layout::wait_text(lang, seconds);
        text = format!("{text} {}", l.t1("error-try-again-in", "duration", &wait));
    }
    let page = ErrorPage {
        text,
        reference: l.t1("error-reference", "id", &marker.reference),
        l,
    };
    let mut response = match page.render() {
        Ok(body) => (marker.kind.status(), Html(body)).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            (marker.kind.status(), "Helseportal").into_response()
        }
    };
    if let Some(seconds) = marker.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Renders a template, turning a rendering failure into an internal error.
pub fn html<T: Template>(template: &T) -> Result<Html<String>, AppError> {
    Ok(Html(template.render()?))
}
