//! The GP-office side: staff login, the office's start page and the choice of services;
//! the queue of threads and the slots have modules of their own.

pub mod queue;
pub mod slots;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use domain::GpService;
use serde::Deserialize;
use storage::SessionKind;

use crate::AppState;
use crate::auth::login;
use crate::auth::oidc::CallbackQuery;
use crate::auth::session::{MaybeStaff, Staff};
use crate::error::{AppError, html};
use crate::forms::{CsrfOnly, Query};
use crate::security::{CsrfForm, CsrfRawForm, RequestLang};
use crate::throttle::{Action, ClientAddr};
use crate::views::layout::Layout;

#[derive(Template)]
#[template(path = "office/login.html")]
struct OfficeLoginPage {
    l: Layout,
}

#[derive(Template)]
#[template(path = "office/dashboard.html")]
struct DashboardPage {
    l: Layout,
    you_are: String,
    practitioners: Vec<String>,
    waiting: String,
}

fn role_name(l: &Layout, staff: &Staff) -> String {
    l.t(&format!("office-role-{}", staff.member.role.code()))
        .into_owned()
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
    let kinds = crate::office::queue::kinds_for(&staff);
    let waiting = state
        .db
        .office_queue(staff.office.id, &kinds, None)
        .await?
        .len();
    let waiting = l.t1("office-queue-waiting", "count", &waiting.to_string());
    Ok(html(&DashboardPage {
        waiting,
        l,
        you_are,
        practitioners,
    })?
    .into_response())
}

pub async fn start_login(
    State(state): State<AppState>,
    client: ClientAddr,
    RequestLang(lang): RequestLang,
) -> Response {
    if let Err(error) = state.limit(Action::Login, client, None) {
        return error.into_response();
    }
    login::begin(&state, SessionKind::Staff, lang).await
}

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
    login::finish(&state, lang, &headers, &callback, SessionKind::Staff).await
}

pub async fn logout(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    form: Option<CsrfForm<CsrfOnly>>,
) -> Result<Response, AppError> {
    // A form is there (its token checked) exactly when a session is.
    let session = staff.as_ref().zip(form).map(|(s, _)| s.token.as_str());
    login::logout(&state, SessionKind::Staff, session).await
}

pub async fn logged_out_page(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(query): Query<login::LoggedOutQuery>,
) -> Result<Response, AppError> {
    login::logged_out_page(&state, lang, &headers, query.ended(), SessionKind::Staff).await
}

pub async fn extend_session(
    State(state): State<AppState>,
    staff: Staff,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    login::extend(&state, &staff.token).await
}

struct ServiceChoice {
    code: &'static str,
    title: String,
    text: String,
    offered: bool,
    status: String,
}

#[derive(Template)]
#[template(path = "office/services.html")]
struct ServicesPage {
    l: Layout,
    may_change: bool,
    csrf: String,
    services: Vec<ServiceChoice>,
    saved: bool,
    enquiry_only: bool,
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
                title: l.t(&format!("gp-service-{}", service.code())).into_owned(),
                text: l
                    .t(&format!("gp-service-{}-text", service.code()))
                    .into_owned(),
                offered: is_offered,
                status: l
                    .t(if is_offered {
                        "office-services-offered"
                    } else {
                        "office-services-not-offered"
                    })
                    .into_owned(),
            }
        })
        .collect();
    let page = ServicesPage {
        enquiry_only: staff.office.enquiry_only,
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
    CsrfRawForm(fields): CsrfRawForm,
) -> Result<Response, AppError> {
    let mut chosen = Vec::new();
    let mut enquiry_only = None;
    for (key, value) in fields {
        match key.as_ref() {
            "bestillingsmodus" => {
                enquiry_only = Some(match value.as_ref() {
                    "foresporsel" => true,
                    "timebestilling" => false,
                    _ => return Err(AppError::bad_request()),
                })
            }
            "service" => {
                let service = GpService::from_code(&value).ok_or_else(AppError::bad_request)?;
                if !chosen.contains(&service) {
                    chosen.push(service);
                }
            }
            _ => return Err(AppError::bad_request()),
        }
    }
    if !staff.member.role.may_choose_services() {
        return Err(AppError::forbidden());
    }
    state
        .db
        .set_office_services(staff.office.id, &chosen)
        .await?;
    if let Some(enquiry_only) = enquiry_only {
        state
            .db
            .set_enquiry_only(staff.office.id, enquiry_only)
            .await?;
    }
    Ok(Redirect::to("/kontor/tjenester?lagret=1").into_response())
}
