//! "Samtykke": the level of access the citizen gives the portal, chosen at first login and
//! changed or withdrawn later, and the page a service shows when the level is too low.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ConsentLevel;
use serde::Deserialize;
use storage::SessionKind;

use crate::AppState;
use crate::auth::login::MessagePage;
use crate::auth::session::Citizen;
use crate::error::{AppError, html};
use crate::forms::{CsrfOnly, Query};
use crate::i18n::{self, Lang};
use crate::security::{CsrfForm, SESSION_COOKIE, clear_cookie};
use crate::views::layout::Layout;

struct ConsentOption {
    code: &'static str,
    title: String,
    text: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "citizen/consent.html")]
struct ConsentPage {
    l: Layout,
    first_time: bool,
    current: Option<String>,
    options: Vec<ConsentOption>,
    csrf: String,
    error: Option<String>,
    saved: bool,
}

pub(crate) fn consent_name(lang: Lang, level: ConsentLevel) -> String {
    i18n::text(lang, &format!("consent-{}", level.code()), &[])
}

fn consent_page_for(
    state: &AppState,
    citizen: &Citizen,
    chosen: Option<ConsentLevel>,
    error: Option<&str>,
    saved: bool,
) -> ConsentPage {
    let lang = citizen.lang;
    let l = Layout::new(lang, "consent-title").with_user(citizen.header_user(state));
    let options = ConsentLevel::ALL
        .into_iter()
        .map(|level| ConsentOption {
            code: level.code(),
            title: consent_name(lang, level),
            text: i18n::text(lang, &format!("consent-{}-text", level.code()), &[]),
            checked: chosen == Some(level),
        })
        .collect();
    ConsentPage {
        first_time: citizen.consent.is_none(),
        current: citizen
            .consent
            .map(|level| l.t1("consent-current", "level", &consent_name(lang, level))),
        options,
        csrf: citizen.session.csrf_token.clone(),
        error: error.map(|key| l.t(key).into_owned()),
        saved,
        l,
    }
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    lagret: Option<String>,
}

pub async fn consent_page(
    State(state): State<AppState>,
    citizen: Citizen,
    Query(query): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let page = consent_page_for(
        &state,
        &citizen,
        citizen.consent,
        None,
        query.lagret.is_some(),
    );
    Ok(html(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    level: Option<String>,
}

pub async fn save_consent(
    State(state): State<AppState>,
    citizen: Citizen,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    let Some(level) = form.level.as_deref().and_then(ConsentLevel::from_code) else {
        let page = consent_page_for(
            &state,
            &citizen,
            None,
            Some("consent-missing-choice"),
            false,
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    };
    state
        .db
        .set_consent(citizen.person.id, level, state.now())
        .await?;
    let next = if citizen.consent.is_none() {
        "/"
    } else {
        "/samtykke?lagret=1"
    };
    Ok(Redirect::to(next).into_response())
}

/// Withdrawing consent ends every session of the citizen; the next login asks again.
pub async fn withdraw_consent(
    State(state): State<AppState>,
    citizen: Citizen,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    state.db.withdraw_consent(citizen.person.id).await?;
    state
        .db
        .delete_sessions_of(SessionKind::Citizen, citizen.person.id)
        .await?;
    let l = Layout::new(citizen.lang, "consent-withdrawn-title");
    let page = MessagePage::new(l, "consent-withdrawn-text", Some(("/", "error-go-front")));
    let mut response = page.respond(StatusCode::OK);
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(&state, SESSION_COOKIE, "/"),
    );
    Ok(response)
}

/// The page for a citizen whose consent is below what a service needs.
pub(crate) fn consent_needed(
    state: &AppState,
    citizen: &Citizen,
    needed: ConsentLevel,
) -> Response {
    let l = Layout::new(citizen.lang, "consent-needs-title").with_user(citizen.header_user(state));
    let text = match needed {
        ConsentLevel::FullTilgang => "consent-needs-full",
        _ => "consent-needs-basis-pluss",
    };
    MessagePage::new(l, text, Some(("/samtykke", "consent-change-link")))
        .respond(StatusCode::FORBIDDEN)
}
