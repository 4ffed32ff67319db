//! Login for both sides (citizens and office staff): the redirect to the identity provider,
//! the callback, and the pages for a login that cannot go on.

use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Fodselsnummer;
use storage::{SessionEnd, SessionKind, SessionLookup};

use crate::AppState;
use crate::auth::oidc::{CallbackQuery, LOGIN_MAX_SECONDS, LoginError};
use crate::error::{AppError, html};
use crate::i18n::Lang;
use crate::metrics::LoginOutcome;
use crate::security::{
    LOGIN_COOKIE, SESSION_COOKIE, STAFF_LOGIN_COOKIE, STAFF_SESSION_COOKIE, clear_cookie, cookie,
    set_cookie,
};
use crate::views::layout::Layout;

/// Where each side keeps its cookies and where its pages are.
struct Side {
    session_cookie: &'static str,
    session_path: &'static str,
    login_cookie: &'static str,
    login_path: &'static str,
    home: &'static str,
    login_link: &'static str,
    logged_out: &'static str,
}

fn side(kind: SessionKind) -> Side {
    match kind {
        SessionKind::Citizen => Side {
            session_cookie: SESSION_COOKIE,
            session_path: "/",
            login_cookie: LOGIN_COOKIE,
            login_path: "/auth",
            home: "/",
            login_link: "/logg-inn",
            logged_out: "/logget-ut",
        },
        SessionKind::Staff => Side {
            session_cookie: STAFF_SESSION_COOKIE,
            session_path: "/kontor",
            login_cookie: STAFF_LOGIN_COOKIE,
            login_path: "/kontor/auth",
            home: "/kontor",
            login_link: "/kontor/logg-inn",
            logged_out: "/kontor/logget-ut",
        },
    }
}

/// A page with a heading, a text and at most one link onwards.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub l: Layout,
    pub text: String,
    pub link: Option<(&'static str, String)>,
}

impl MessagePage {
    /// The page for the title and text messages given.
    pub fn new(l: Layout, text_key: &str, link: Option<(&'static str, &str)>) -> Self {
        let text = l.t(text_key).into_owned();
        let link = link.map(|(href, label_key)| (href, l.t(label_key).into_owned()));
        Self { l, text, link }
    }

    pub fn respond(self, status: StatusCode) -> Response {
        match html(&self) {
            Ok(body) => (status, body).into_response(),
            Err(error) => error.into_response(),
        }
    }
}

/// Sends the browser to the identity provider, remembering the login in a short-lived cookie.
pub(crate) async fn begin(state: &AppState, kind: SessionKind, lang: Lang) -> Response {
    let side = side(kind);
    match state.oidc.start(state, kind, lang.code()).await {
        Ok((url, id)) => {
            let cookie = set_cookie(
                state,
                side.login_cookie,
                &id,
                side.login_path,
                Some(LOGIN_MAX_SECONDS),
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to(&url)).into_response()
        }
        Err(error) => error_page(state, lang, kind, error),
    }
}

/// A login that cannot go on: why, in the user's language, and a way to start again.
fn error_page(state: &AppState, lang: Lang, kind: SessionKind, error: LoginError) -> Response {
    let outcome = match &error {
        LoginError::Failed(_) | LoginError::LowLevel(_) => LoginOutcome::Refused,
        LoginError::ProviderUnavailable(_) | LoginError::Storage(_) => LoginOutcome::Failed,
    };
    state.metrics.login(kind, outcome);
    let (status, title, text) = match &error {
        LoginError::Failed(why) => {
            tracing::warn!(why, "login refused");
            (
                StatusCode::BAD_REQUEST,
                "login-failed-title",
                "login-failed-text",
            )
        }
        LoginError::LowLevel(acr) => {
            tracing::warn!(?acr, "login at too low a level refused");
            (
                StatusCode::FORBIDDEN,
                "login-low-level-title",
                "login-low-level-text",
            )
        }
        LoginError::ProviderUnavailable(why) => {
            tracing::error!(why, "identity provider unavailable");
            (
                StatusCode::BAD_GATEWAY,
                "login-idp-unavailable-title",
                "login-idp-unavailable-text",
            )
        }
        LoginError::Storage(e) => {
            tracing::error!(error = %e, "login failed in storage");
            let status = if e.is_unavailable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (status, "error-unavailable-title", "error-unavailable-text")
        }
    };
    let side = side(kind);
    let l = Layout::new(lang, title).with_home(side.home);
    let mut response =
        MessagePage::new(l, text, Some((side.login_link, "login-again"))).respond(status);
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(state, side.login_cookie, side.login_path),
    );
    response
}

/// The identity provider's answer: the login is checked, the person looked up (in the
/// person register, or among office staff), and a new session started with a new token
/// (no session fixation).
pub(crate) async fn finish(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    callback: &CallbackQuery,
    kind: SessionKind,
) -> Response {
    let side = side(kind);
    let login_id = cookie(headers, side.login_cookie);
    let pid = match state.oidc.finish(state, kind, login_id, callback).await {
        Ok(pid) => pid,
        Err(error) => return error_page(state, lang, kind, error),
    };
    let Ok(fnr) = Fodselsnummer::parse(&pid) else {
        let error = LoginError::Failed("pid is no identity number".into());
        return error_page(state, lang, kind, error);
    };
    let subject = match kind {
        SessionKind::Citizen => state.db.person_by_fnr(&fnr).await.map(|p| p.map(|p| p.id)),
        SessionKind::Staff => state
            .db
            .staff_by_fnr(fnr.as_str())
            .await
            .map(|s| s.map(|s| s.id)),
    };
    let subject = match subject {
        Ok(Some(id)) => id,
        Ok(None) => {
            let (title, text) = match kind {
                SessionKind::Citizen => ("login-unknown-person-title", "login-unknown-person-text"),
                SessionKind::Staff => ("office-not-staff-title", "office-not-staff-text"),
            };
            state.metrics.login(kind, LoginOutcome::Refused);
            let l = Layout::new(lang, title).with_home(side.home);
            return MessagePage::new(l, text, None).respond(StatusCode::FORBIDDEN);
        }
        Err(error) => return error_page(state, lang, kind, error.into()),
    };
    if let Some(old) = cookie(headers, side.session_cookie)
        && let Err(error) = state.db.delete_session(old).await
    {
        return error_page(state, lang, kind, error.into());
    }
    let session = match state.db.create_session(kind, subject, state.now()).await {
        Ok(session) => session,
        Err(error) => return error_page(state, lang, kind, error.into()),
    };
    state.metrics.login(kind, LoginOutcome::Succeeded);
    let mut response = Redirect::to(side.home).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            state,
            side.session_cookie,
            &session.token,
            side.session_path,
            None,
        ),
    );
    headers.append(
        header::SET_COOKIE,
        clear_cookie(state, side.login_cookie, side.login_path),
    );
    response
}

/// "Logg ut": ends the session of the cookie's token (`session`, given once the form's CSRF
/// token was checked) and goes to the logged-out page. Without a session there is nothing to
/// end, and the browser goes there all the same.
pub(crate) async fn logout(
    state: &AppState,
    kind: SessionKind,
    session: Option<&str>,
) -> Result<Response, AppError> {
    let side = side(kind);
    if let Some(token) = session {
        state.db.delete_session(token).await?;
    }
    let clear = clear_cookie(state, side.session_cookie, side.session_path);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to(side.logged_out)).into_response())
}

/// `?inaktiv=1` when the session ended for inactivity (the inactivity timer leads there too),
/// `?utlopt=1` when it reached its maximum age after the login.
#[derive(Debug, serde::Deserialize)]
pub struct LoggedOutQuery {
    #[serde(default)]
    pub inaktiv: Option<String>,
    #[serde(default)]
    pub utlopt: Option<String>,
}

impl LoggedOutQuery {
    /// How the session ended, as the address says.
    pub fn ended(&self) -> Option<SessionEnd> {
        if self.utlopt.is_some() {
            Some(SessionEnd::MaxAge)
        } else if self.inaktiv.is_some() {
            Some(SessionEnd::Idle)
        } else {
            None
        }
    }
}

/// The logged-out page of a side (`/logget-ut` or `/kontor/logget-ut`) saying why the session
/// ended by itself.
pub(crate) fn ended_url(logged_out: &str, end: SessionEnd) -> String {
    match end {
        SessionEnd::Idle => format!("{logged_out}?inaktiv=1"),
        SessionEnd::MaxAge => format!("{logged_out}?utlopt=1"),
    }
}

/// The page after logout, where the inactivity timer leads too. Any site can link here, so a
/// visit ends nothing that is alive: only "Logg ut" (a POST with the session's token) ends a
/// session. A live session is left as it is, its activity time too, and its cookie kept; a
/// session idle too long is ended by the look-up, as on any page, and a cookie without a live
/// session is cleared.
pub(crate) async fn logged_out_page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    ended: Option<SessionEnd>,
    kind: SessionKind,
) -> Result<Response, AppError> {
    let side = side(kind);
    let live = match cookie(headers, side.session_cookie) {
        Some(token) => {
            let timeouts = storage::SessionTimeouts {
                // Looking at the page is no activity: the session's time is left as it is.
                touch_every: i64::MAX,
                ..crate::auth::session::timeouts(state)
            };
            let lookup = state
                .db
                .session_by_token(token, state.now(), timeouts)
                .await?;
            matches!(lookup, SessionLookup::Active(session) if session.kind == kind)
        }
        None => false,
    };
    let (title, text) = match ended {
        Some(SessionEnd::Idle) => ("logged-out-inactive-title", "logged-out-inactive-text"),
        Some(SessionEnd::MaxAge) => ("logged-out-inactive-title", "logged-out-max-age-text"),
        None => ("logged-out-title", "logged-out-text"),
    };
    if live && ended.is_none() {
        // Still logged in (a link from elsewhere): saying "logged out" would be untrue.
        return Ok(Redirect::to(side.home).into_response());
    }
    let l = Layout::new(lang, title).with_home(side.home);
    let mut page = MessagePage::new(l, text, Some((side.login_link, "log-in")));
    let limit = match ended {
        Some(SessionEnd::Idle) => Some(state.config.session_idle_seconds),
        Some(SessionEnd::MaxAge) => Some(state.config.session_max_seconds),
        None => None,
    };
    if let Some(seconds) = limit {
        let duration = crate::views::layout::duration_text(lang, seconds);
        page.text = page.l.t1(text, "duration", &duration);
    }
    let mut response = page.respond(StatusCode::OK);
    if !live {
        let clear = clear_cookie(state, side.session_cookie, side.session_path);
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    Ok(response)
}

/// "Fortsett å være logget inn" in the inactivity warning: moves the time of the session of
/// the cookie's token on (its form's CSRF token checked).
pub(crate) async fn extend(state: &AppState, token: &str) -> Result<Response, AppError> {
    state.db.touch_session(token, state.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
