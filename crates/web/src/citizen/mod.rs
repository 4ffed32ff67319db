//! The citizen's side, one module per service; here login and logout, which the front page
//! and every service lead to.

pub mod appointments;
pub mod booking;
pub mod consent;
pub mod contact;
pub mod contact_office;
pub mod econsultation;
pub mod front;
pub mod gp;
pub mod inbox;
pub mod language;
pub mod prescriptions;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use storage::SessionKind;

use crate::AppState;
use crate::auth::login;
use crate::auth::oidc::CallbackQuery;
use crate::auth::session::{Citizen, MaybeCitizen};
use crate::error::AppError;
use crate::forms::{CsrfOnly, Query};
use crate::security::{CsrfForm, RequestLang};
use crate::throttle::{Action, ClientAddr};

/// Sends the browser to the identity provider.
pub async fn start_login(
    State(state): State<AppState>,
    client: ClientAddr,
    RequestLang(lang): RequestLang,
) -> Response {
    if let Err(error) = state.limit(Action::Login, client, None) {
        return error.into_response();
    }
    login::begin(&state, SessionKind::Citizen, lang).await
}

/// The identity provider's answer.
pub async fn login_callback(
    State(state): State<AppState>,
    client: ClientAddr,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(callback): Query<CallbackQuery>,
) -> Response {
    if let Err(error) = state.limit(Action::Login, client, None) {
        return error.into_response();
    }
    login::finish(&state, lang, &headers, &callback, SessionKind::Citizen).await
}
// ---------------------------------------------------------------------------------------------
// Logout and inactivity

pub async fn logout(
    State(state): State<AppState>,
    MaybeCitizen(citizen): MaybeCitizen,
    form: Option<CsrfForm<CsrfOnly>>,
) -> Result<Response, AppError> {
    // A form is there (its token checked) exactly when a session is.
    let session = citizen.as_ref().zip(form).map(|(c, _)| c.token.as_str());
    login::logout(&state, SessionKind::Citizen, session).await
}

pub async fn logged_out_page(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(query): Query<login::LoggedOutQuery>,
) -> Result<Response, AppError> {
    login::logged_out_page(&state, lang, &headers, query.ended(), SessionKind::Citizen).await
}

pub async fn extend_session(
    State(state): State<AppState>,
    citizen: Citizen,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    login::extend(&state, &citizen.token).await
}
