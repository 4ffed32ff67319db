//! The GP-office side: staff login, the office's start page and the choice of services.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Fodselsnummer, GpService};
use serde::Deserialize;
use storage::SessionKind;

use crate::AppState;
use crate::citizen::{MessagePage, begin_login, login_cookie_name, login_error_page, message_page};
use crate::error::{AppError, html};
use crate::forms::{CsrfOnly, Form, Query};
use crate::layout::Layout;
use crate::oidc::{CallbackQuery, LoginError};
use crate::security::{
    RequestLang, STAFF_SESSION_COOKIE, clear_cookie, cookie, set_cookie, tokens_match,
};
use crate::session::{MaybeStaff, Staff};

#[derive(Template)]
#[template(path = "kontor/login.html")]
struct OfficeLoginPage {
    l: Layout,
}

#[derive(Template)]
#[template(path = "kontor/dashboard.html")]
struct DashboardPage {
    l: Layout,
    you_are: String,
    practitioners: Vec<String>,
}

fn role_name(l: &Layout, staff: &Staff) -> String {
    l.t(&format!("office-role-{}", staff.member.role.code()))
}

pub async fn dashboard(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    RequestLang(lang): RequestLang,
) -> Result<Response, AppError> {
    let Some(staff) = staff else {
        return Ok(html(&OfficeLoginPage {
            l: Layout::new(lang, "office-title").with_home("/kontor"),
        })?
        .into_response());
    };
    let mut l = Layout::new(lang, "office-title")
        .with_home("/kontor")
        .with_user(staff.header_user(&state));
    l.title = staff.office.name.clone();
    let you_are = crate::i18n::text(
        lang,
        "office-you-are",
        &[
            ("name", &staff.member.name.full()),
            ("role", &role_name(&l, &staff)),
        ],
    );
    let practitioners = state
        .db
        .practitioners_of(staff.office.id)
        .await?
        .into_iter()
        .map(|p| {
            format!(
                "{} ({})",
                p.name.full(),
                l.t(&format!("practitioner-{}", p.kind.code()))
            )
        })
        .collect();
    Ok(html(&DashboardPage {
        l,
        you_are,
        practitioners,
    })?
    .into_response())
}

pub async fn start_login(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
) -> Response {
    begin_login(&state, SessionKind::Staff, lang).await
}

pub async fn login_callback(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(callback): Query<CallbackQuery>,
) -> Response {
    let kind = SessionKind::Staff;
    let pid = match state
        .oidc
        .finish(
            &state,
            kind,
            cookie(&headers, login_cookie_name(kind)),
            &callback,
        )
        .await
    {
        Ok(pid) => pid,
        Err(error) => return login_error_page(&state, lang, kind, error),
    };
    let Ok(fnr) = Fodselsnummer::parse(&pid) else {
        return login_error_page(
            &state,
            lang,
            kind,
            LoginError::Failed("pid is no identity number".into()),
        );
    };
    let member = match state.db.staff_by_fnr(fnr.as_str()).await {
        Ok(member) => member,
        Err(error) => return login_error_page(&state, lang, kind, error.into()),
    };
    let Some(member) = member else {
        let l = Layout::new(lang, "office-not-staff-title").with_home("/kontor");
        return message_page(
            StatusCode::FORBIDDEN,
            MessagePage {
                text: l.t("office-not-staff-text"),
                link: None,
                l,
            },
        );
    };
    if let Some(old) = cookie(&headers, STAFF_SESSION_COOKIE)
        && let Err(error) = state.db.delete_session(old).await
    {
        return login_error_page(&state, lang, kind, error.into());
    }
    let session = match state.db.create_session(kind, member.id, state.now()).await {
        Ok(session) => session,
        Err(error) => return login_error_page(&state, lang, kind, error.into()),
    };
    let mut response = Redirect::to("/kontor").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            &state,
            STAFF_SESSION_COOKIE,
            &session.token,
            "/kontor",
            None,
        ),
    );
    headers.append(
        header::SET_COOKIE,
        clear_cookie(&state, login_cookie_name(kind), "/kontor/auth"),
    );
    response
}

pub async fn logout(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    if let Some(staff) = staff {
        if !tokens_match(&form.csrf, &staff.session.csrf_token) {
            return Err(AppError::csrf());
        }
        state.db.delete_session(&staff.token).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            clear_cookie(&state, STAFF_SESSION_COOKIE, "/kontor"),
        )],
        Redirect::to("/kontor/logget-ut"),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoggedOutQuery {
    #[serde(default)]
    inaktiv: Option<String>,
}

pub async fn logged_out_page(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(query): Query<LoggedOutQuery>,
) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, STAFF_SESSION_COOKIE) {
        state.db.delete_session(token).await?;
    }
    let (title, text) = if query.inaktiv.is_some() {
        ("logged-out-inactive-title", "logged-out-inactive-text")
    } else {
        ("logged-out-title", "logged-out-text")
    };
    let l = Layout::new(lang, title).with_home("/kontor");
    let page = MessagePage {
        text: l.t(text),
        link: Some(("/kontor/logg-inn", l.t("log-in"))),
        l,
    };
    let mut response = message_page(StatusCode::OK, page);
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(&state, STAFF_SESSION_COOKIE, "/kontor"),
    );
    Ok(response)
}

pub async fn extend_session(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    if !tokens_match(&form.csrf, &staff.session.csrf_token) {
        return Err(AppError::csrf());
    }
    state.db.touch_session(&staff.token, state.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

struct ServiceChoice {
    code: &'static str,
    title: String,
    text: String,
    offered: bool,
    status: String,
}

#[derive(Template)]
#[template(path = "kontor/services.html")]
struct ServicesPage {
    l: Layout,
    may_change: bool,
    csrf: String,
    services: Vec<ServiceChoice>,
    saved: bool,
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    lagret: Option<String>,
}

pub async fn services_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let offered = state.db.office_services(staff.office.id).await?;
    let l = Layout::new(staff.lang, "office-services-title")
        .with_home("/kontor")
        .with_user(staff.header_user(&state));
    let services = GpService::ALL
        .into_iter()
        .map(|service| {
            let is_offered = offered.contains(&service);
            ServiceChoice {
                code: service.code(),
                title: l.t(&format!("gp-service-{}", service.code())),
                text: l.t(&format!("gp-service-{}-text", service.code())),
                offered: is_offered,
                status: l.t(if is_offered {
                    "office-services-offered"
                } else {
                    "office-services-not-offered"
                }),
            }
        })
        .collect();
    let page = ServicesPage {
        may_change: staff.member.role.may_choose_services(),
        csrf: staff.session.csrf_token.clone(),
        services,
        saved: query.lagret.is_some(),
        l,
    };
    Ok(html(&page)?.into_response())
}

/// Only the kontorleder may change the services; the citizens' "Din fastlege" reads them on
/// every request, so the change shows at once.
pub async fn save_services(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, AppError> {
    let mut csrf = String::new();
    let mut chosen = Vec::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "_csrf" => csrf = value.into_owned(),
            "service" => {
                let service = GpService::from_code(&value).ok_or_else(AppError::bad_request)?;
                if !chosen.contains(&service) {
                    chosen.push(service);
                }
            }
            _ => return Err(AppError::bad_request()),
        }
    }
    if !tokens_match(&csrf, &staff.session.csrf_token) {
        return Err(AppError::csrf());
    }
    if !staff.member.role.may_choose_services() {
        return Err(AppError::forbidden());
    }
    state
        .db
        .set_office_services(staff.office.id, &chosen)
        .await?;
    Ok(Redirect::to("/kontor/tjenester?lagret=1").into_response())
}
