//! The citizen's side, one module per service; here the front page, login, consent, "Din
//! fastlege", language and logout.

pub mod appointments;
pub mod booking;
pub mod contact;
pub mod econsultation;
pub mod inbox;
pub mod prescriptions;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{ConsentLevel, GpService};
use serde::Deserialize;
use storage::SessionKind;

use crate::AppState;
use crate::auth::login::{self, MessagePage};
use crate::auth::oidc::CallbackQuery;
use crate::auth::session::{
    Citizen, ConsentedCitizen, ConsentedCitizenWithGp, MaybeCitizen, MaybeCitizenWithFrontPageFacts,
};
use crate::error::{AppError, html};
use crate::forms::{CsrfOnly, Query};
use crate::i18n::{self, Lang};
use crate::security::{
    AnonymousCsrf, AnonymousCsrfForm, CSRF_COOKIE, CsrfForm, LANG_COOKIE, RequestLang,
    SESSION_COOKIE, clear_cookie, set_cookie,
};
use crate::throttle::{Action, ClientAddr};
use crate::views::layout::Layout;

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "citizen/front_public.html")]
struct PublicFrontPage {
    l: Layout,
}

#[derive(Template)]
#[template(path = "citizen/front.html")]
struct FrontPage {
    l: Layout,
    greeting: String,
    /// The Innboks tile (with consent to Basis+), with the unread count when there is one.
    inbox: Option<String>,
    /// The Timeavtaler tile (with consent to Full tilgang).
    appointments: bool,
    /// Ask the citizen to look at contact details confirmed more than 18 months ago.
    contact_reconfirm: bool,
}

pub async fn front_page(
    State(state): State<AppState>,
    MaybeCitizenWithFrontPageFacts(found): MaybeCitizenWithFrontPageFacts,
    RequestLang(lang): RequestLang,
) -> Result<Response, AppError> {
    let Some((citizen, facts)) = found else {
        return Ok(html(&PublicFrontPage {
            l: Layout::new(lang, "front-title"),
        })?
        .into_response());
    };
    if citizen.consent.is_none() {
        return Ok(Redirect::to("/samtykke").into_response());
    }
    let l = Layout::new(lang, "front-title").with_user(citizen.header_user(&state));
    let greeting = l.t1("front-greeting", "name", citizen.person.name.greeting());
    let inbox = citizen
        .consent
        .is_some_and(|c| c.allows(ConsentLevel::BasisPluss))
        .then(|| {
            if facts.unread > 0 {
                l.t1("front-unread", "count", &facts.unread.to_string())
            } else {
                String::new()
            }
        });
    let appointments = citizen
        .consent
        .is_some_and(|c| c.allows(ConsentLevel::FullTilgang));
    let contact_reconfirm = facts
        .contact_confirmed_at
        .is_some_and(|at| crate::citizen::contact::is_old(at, state.now()));
    Ok(html(&FrontPage {
        l,
        greeting,
        inbox,
        appointments,
        contact_reconfirm,
    })?
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Login

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
// Consent

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

// ---------------------------------------------------------------------------------------------
// Din fastlege

struct ServiceCard {
    title: String,
    text: String,
    /// The service's page, for the services that are built.
    href: Option<&'static str>,
}

/// Where each GP service starts; a service without a page yet shows as a card without a link.
fn service_href(service: GpService) -> Option<&'static str> {
    match service {
        GpService::BestillTime => Some("/bestill-time"),
        GpService::EKonsultasjon => Some("/e-konsultasjon"),
        GpService::KontaktLegekontoret => Some("/kontakt-legekontoret"),
        GpService::Influensavaksine => Some("/influensavaksine"),
        GpService::FornyResept => Some("/forny-resept"),
    }
}

struct GpView {
    heading: String,
    office_name: String,
    office_address: String,
    office_phone: String,
    phone_href: String,
    services: Vec<ServiceCard>,
}

#[derive(Template)]
#[template(path = "citizen/gp.html")]
struct GpPage {
    l: Layout,
    gp: Option<GpView>,
    /// When the citizen's consent is below what the services need: the explanation.
    consent_note: Option<String>,
}

pub async fn gp_page(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp {
        citizen: ConsentedCitizen { citizen, consent },
        gp: overview,
    } = citizen;
    let lang = citizen.lang;
    let l = Layout::new(lang, "gp-title").with_user(citizen.header_user(&state));
    let needed = GpService::BestillTime.required_consent();
    let consent_note = (!consent.allows(needed)).then(|| {
        l.t1(
            "consent-needs-full-now",
            "level",
            &consent_name(lang, consent),
        )
    });
    let gp = overview.map(|gp| GpView {
        heading: i18n::text(
            lang,
            "gp-doctor-at-office",
            &[
                ("doctor", &gp.practitioner.name.full()),
                ("office", &gp.office.name),
            ],
        ),
        office_address: format!(
            "{}, {} {}",
            gp.office.street, gp.office.postal_code, gp.office.city
        ),
        phone_href: format!("tel:{}", gp.office.phone.replace(' ', "")),
        office_phone: l.t1("gp-phone", "phone", &gp.office.phone),
        office_name: gp.office.name,
        services: gp
            .services
            .iter()
            .map(|service| ServiceCard {
                title: l.t(&format!("gp-service-{}", service.code())).into_owned(),
                text: l
                    .t(&format!("gp-service-{}-text", service.code()))
                    .into_owned(),
                href: service_href(*service),
            })
            .collect(),
    });
    Ok(html(&GpPage {
        l,
        gp,
        consent_note,
    })?
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Language

#[derive(Template)]
#[template(path = "citizen/language.html")]
struct LanguagePage {
    l: Layout,
    csrf: String,
    back: String,
    options: Vec<(&'static str, String, bool)>,
}

#[derive(Debug, Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    tilbake: Option<String>,
}

/// Longest return path followed; the portal's own links are far shorter.
const RETURN_PATH_MAX: usize = 2000;

/// Only paths on this site are followed back to, never another host: a path that starts with
/// one `/` and holds only visible ASCII. Browsers drop tabs and line breaks from a URL before
/// reading it, so `/\t/evil.example` is `//evil.example` to them, and a line break cannot be
/// sent in a `Location` header at all; a backslash counts as `/` to them. Anything else goes
/// to the front page.
fn safe_return_path(path: Option<&str>) -> String {
    match path {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.len() <= RETURN_PATH_MAX
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub async fn language_page(
    State(state): State<AppState>,
    MaybeCitizen(citizen): MaybeCitizen,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(query): Query<LanguageQuery>,
) -> Result<Response, AppError> {
    let csrf = AnonymousCsrf::from_headers(&headers);
    let mut l = Layout::new(lang, "language-title");
    if let Some(citizen) = &citizen {
        l = l.with_user(citizen.header_user(&state));
    }
    let options = Lang::ALL
        .into_iter()
        .map(|option| {
            (
                option.code(),
                i18n::text(lang, &format!("language-{}", option.code()), &[]),
                option == lang,
            )
        })
        .collect();
    let page = LanguagePage {
        l,
        csrf: csrf.token.clone(),
        back: safe_return_path(query.tilbake.as_deref()),
        options,
    };
    let mut response = html(&page)?.into_response();
    if csrf.new_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, CSRF_COOKIE, &csrf.token, "/", None),
        );
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    tilbake: Option<String>,
}

pub async fn save_language(
    State(state): State<AppState>,
    AnonymousCsrfForm(form): AnonymousCsrfForm<LanguageForm>,
) -> Result<Response, AppError> {
    let lang = Lang::from_code(&form.lang).ok_or_else(AppError::bad_request)?;
    let cookie = set_cookie(&state, LANG_COOKIE, lang.code(), "/", Some(365 * 24 * 3600));
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_return_path(form.tilbake.as_deref())),
    )
        .into_response())
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
    let inactive = query.inaktiv.is_some();
    login::logged_out_page(&state, lang, &headers, inactive, SessionKind::Citizen).await
}

pub async fn extend_session(
    State(state): State<AppState>,
    citizen: Citizen,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    login::extend(&state, &citizen.token).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_the_site() {
        assert_eq!(safe_return_path(Some("/fastlege")), "/fastlege");
        assert_eq!(safe_return_path(Some("//evil.example")), "/");
        assert_eq!(safe_return_path(Some("https://evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_path(None), "/");
        assert_eq!(
            safe_return_path(Some("/innboks?q=bl%C3%A5&etter=1.2")),
            "/innboks?q=bl%C3%A5&etter=1.2"
        );
        // What a browser reads as another host once it has dropped tabs and line breaks, and
        // what cannot be put in a header.
        for path in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/fastlege\nSet-Cookie: x=1",
            "/\u{0}",
            "/blå",
            "/\u{a0}/evil.example",
            "\t//evil.example",
            "/\x7f",
        ] {
            assert_eq!(safe_return_path(Some(path)), "/", "{path:?}");
        }
        assert_eq!(
            safe_return_path(Some(&format!("/{}", "a".repeat(2000)))),
            "/"
        );
    }
}
