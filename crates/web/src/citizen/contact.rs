//! "Kontaktinformasjon og varsling": the citizen's mobile number and e-mail address, the
//! channels notifications use, and the codes that confirm a new number or address before it is
//! used. The page asks for the details to be confirmed again when they are 18 months old.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ConsentLevel;
use domain::contact::{
    CODE_VALID_SECONDS, Channel, CodeLimit, CodeRefused, EmailAddress, EmailAddressError,
    MobileNumber, needs_reconfirmation,
};
use domain::notification::Language;
use serde::Deserialize;
use storage::{
    CodeCheck, CodeResent, ContactDetails, ContactSaved, ContactUpdate, PendingConfirmation,
};

use crate::AppState;
use crate::auth::session::Citizen;
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{CsrfOnly, Query};
use crate::i18n::Lang;
use crate::security::CsrfForm;
use crate::throttle::{Action, ClientAddr};
use crate::views::layout::{Layout, duration_text, wait_text};

/// A field of the form as typed, with its message when refused.
#[derive(Debug, Clone, Default)]
struct Field {
    value: String,
    error: Option<String>,
}

/// A number or address waiting for its code, as the page shows it.
#[derive(Debug, Clone)]
struct PendingView {
    id: i64,
    heading: String,
    sent_to: String,
    expired: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "citizen/contact.html")]
struct ContactPage {
    l: Layout,
    csrf: String,
    notifications_allowed: bool,
    reconfirm: Option<String>,
    notice: Option<String>,
    errors: Vec<(&'static str, String)>,
    mobile: Field,
    email: Field,
    mobile_in_use: Option<String>,
    email_in_use: Option<String>,
    notify_sms: bool,
    notify_email: bool,
    language_en: bool,
    pending: Vec<PendingView>,
}

/// What the form holds, typed or stored.
struct FormState {
    mobile: Field,
    email: Field,
    notify_sms: bool,
    notify_email: bool,
    language: Language,
}

impl FormState {
    /// The stored details, with a number or address waiting for its code shown as typed.
    fn stored(
        details: Option<&ContactDetails>,
        pending: &[PendingConfirmation],
        page_language: Lang,
    ) -> Self {
        let waiting = |channel: Channel| {
            pending
                .iter()
                .find(|p| p.channel == channel)
                .map(|p| p.address.clone())
        };
        let mobile = waiting(Channel::Sms)
            .or_else(|| details.and_then(|d| d.mobile.clone()))
            .map(|m| MobileNumber::parse(&m).map_or(m, |n| n.display()))
            .unwrap_or_default();
        let email = waiting(Channel::Email)
            .or_else(|| details.and_then(|d| d.email.clone()))
            .unwrap_or_default();
        Self {
            mobile: Field {
                value: mobile,
                error: None,
            },
            email: Field {
                value: email,
                error: None,
            },
            notify_sms: details.is_some_and(|d| d.notify_sms),
            notify_email: details.is_some_and(|d| d.notify_email),
            // Until chosen, notifications follow the language the page is read in.
            language: details.map_or_else(|| notification_language(page_language), |d| d.language),
        }
    }
}

/// The page's one-off messages, from the query after a redirect.
#[derive(Debug, Default, Deserialize)]
pub struct ContactQuery {
    #[serde(default)]
    lagret: Option<String>,
    #[serde(default)]
    bekreftet: Option<String>,
    #[serde(default, rename = "ny-kode")]
    ny_kode: Option<String>,
    #[serde(default)]
    riktig: Option<String>,
}

/// Everything the page shows beside the form.
struct PageFacts {
    details: Option<ContactDetails>,
    pending: Vec<PendingConfirmation>,
}

async fn facts(state: &AppState, citizen: &Citizen) -> Result<PageFacts, AppError> {
    let details = state.db.contact_details(citizen.person.id).await?;
    let pending = state.db.pending_confirmations(citizen.person.id).await?;
    Ok(PageFacts { details, pending })
}

fn channel_address(channel: Channel, address: &str) -> String {
    match channel {
        Channel::Sms => {
            MobileNumber::parse(address).map_or_else(|_| address.to_owned(), |n| n.display())
        }
        Channel::Email => address.to_owned(),
    }
}

fn render(
    state: &AppState,
    citizen: &Citizen,
    facts: &PageFacts,
    form: FormState,
    errors: Vec<(&'static str, String)>,
    notice: Option<String>,
    code_error: Option<(i64, String)>,
) -> Result<String, AppError> {
    let lang = citizen.lang;
    let l = Layout::new(lang, "contact-info-title").with_user(citizen.header_user(state));
    let now = state.now();
    let reconfirm = facts
        .details
        .as_ref()
        .filter(|d| is_old(d.confirmed_at, now))
        .and_then(|d| {
            let day = jiff::Timestamp::from_second(d.confirmed_at)
                .ok()?
                .in_tz("Europe/Oslo")
                .ok()?
                .date();
            Some(l.t1(
                "contact-info-reconfirm-text",
                "date",
                &crate::views::dates::long_date(lang, day),
            ))
        });
    let pending = facts
        .pending
        .iter()
        .map(|p| {
            let (heading, sent) = match p.channel {
                Channel::Sms => ("contact-info-confirm-mobile", "contact-info-code-sent-sms"),
                Channel::Email => ("contact-info-confirm-email", "contact-info-code-sent-email"),
            };
            PendingView {
                id: p.id,
                heading: l.t(heading).into_owned(),
                sent_to: crate::i18n::text(
                    lang,
                    sent,
                    &[
                        ("address", &channel_address(p.channel, &p.address)),
                        ("duration", &duration_text(lang, CODE_VALID_SECONDS)),
                    ],
                ),
                expired: p.expires_at <= now,
                error: code_error
                    .as_ref()
                    .filter(|(id, _)| *id == p.id)
                    .map(|(_, message)| message.clone()),
            }
        })
        .collect();
    let in_use = |channel: Channel| {
        let stored = facts.details.as_ref().and_then(|d| match channel {
            Channel::Sms => d.mobile.clone(),
            Channel::Email => d.email.clone(),
        })?;
        facts.pending.iter().any(|p| p.channel == channel).then(|| {
            l.t1(
                "contact-info-in-use",
                "address",
                &channel_address(channel, &stored),
            )
        })
    };
    let page = ContactPage {
        csrf: citizen.session.csrf_token.clone(),
        notifications_allowed: citizen
            .consent
            .is_some_and(|c| c.allows(ConsentLevel::BasisPluss)),
        reconfirm,
        notice,
        errors,
        mobile_in_use: in_use(Channel::Sms),
        email_in_use: in_use(Channel::Email),
        mobile: form.mobile,
        email: form.email,
        notify_sms: form.notify_sms,
        notify_email: form.notify_email,
        language_en: form.language == Language::En,
        pending,
        l,
    };
    Ok(page.render()?)
}

/// Why a code may not be sent yet, and when it may.
fn code_refusal_text(l: &Layout, refused: CodeRefused) -> String {
    let key = match refused.limit {
        CodeLimit::TooSoon => "contact-info-error-code-wait",
        CodeLimit::Day => "contact-info-error-code-day",
        CodeLimit::SmsDay => "contact-info-error-code-sms-day",
    };
    let wait = wait_text(l.lang, u64::try_from(refused.retry_after).unwrap_or(1));
    l.t1(key, "duration", &wait)
}

/// A page refused by the limits on codes: 429, and when to try again.
fn code_refusal_response(body: String, retry_after: i64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(
            axum::http::header::RETRY_AFTER,
            retry_after.max(1).to_string(),
        )],
        axum::response::Html(body),
    )
        .into_response()
}

fn notification_language(lang: Lang) -> Language {
    Language::from_code(lang.code()).unwrap_or(Language::Nb)
}

/// Whether details last confirmed at `confirmed_at` are so old that the citizen is asked again.
pub(crate) fn is_old(confirmed_at: i64, now: i64) -> bool {
    match (
        jiff::Timestamp::from_second(confirmed_at),
        jiff::Timestamp::from_second(now),
    ) {
        (Ok(confirmed), Ok(now)) => needs_reconfirmation(confirmed, now),
        _ => false,
    }
}

pub async fn page(
    State(state): State<AppState>,
    citizen: Citizen,
    Query(query): Query<ContactQuery>,
) -> Result<Response, AppError> {
    let facts = facts(&state, &citizen).await?;
    let l = Layout::new(citizen.lang, "contact-info-title");
    let notice = if query.lagret.is_some() {
        Some(
            if facts.pending.is_empty() {
                l.t("contact-info-saved")
            } else {
                l.t("contact-info-saved-codes")
            }
            .into_owned(),
        )
    } else if let Some(channel) = query.bekreftet.as_deref().and_then(Channel::from_code) {
        Some(
            l.t(match channel {
                Channel::Sms => "contact-info-mobile-confirmed",
                Channel::Email => "contact-info-email-confirmed",
            })
            .into_owned(),
        )
    } else if query.ny_kode.is_some() {
        Some(l.t("contact-info-new-code-sent").into_owned())
    } else {
        query
            .riktig
            .as_ref()
            .map(|_| l.t("contact-info-reconfirmed").into_owned())
    };
    let form = FormState::stored(facts.details.as_ref(), &facts.pending, citizen.lang);
    let body = render(&state, &citizen, &facts, form, Vec::new(), notice, None)?;
    Ok(axum::response::Html(body).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    notify_sms: Option<String>,
    #[serde(default)]
    notify_email: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

/// The longest input kept for a field; anything longer is refused before it is parsed.
const FIELD_INPUT_MAX: usize = 1000;

pub async fn save(
    State(state): State<AppState>,
    citizen: Citizen,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<Response, AppError> {
    let l = Layout::new(citizen.lang, "contact-info-title");
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let notify_sms = form.notify_sms.is_some();
    let notify_email = form.notify_email.is_some();
    let mobile = if form.mobile.trim().is_empty() {
        None
    } else {
        match MobileNumber::parse(&form.mobile)
            .ok()
            .filter(|_| form.mobile.len() <= FIELD_INPUT_MAX)
        {
            Some(number) => Some(number),
            None => {
                errors.push(("mobile", l.t("contact-info-error-mobile").into_owned()));
                None
            }
        }
    };
    let email = if form.email.trim().is_empty() {
        None
    } else {
        match EmailAddress::parse(&form.email) {
            Ok(address) => Some(address),
            Err(EmailAddressError::TooLong) => {
                errors.push((
                    "email",
                    l.t("contact-info-error-email-too-long").into_owned(),
                ));
                None
            }
            Err(_) => {
                errors.push(("email", l.t("contact-info-error-email").into_owned()));
                None
            }
        }
    };
    if notify_sms && form.mobile.trim().is_empty() {
        errors.push((
            "mobile",
            l.t("contact-info-error-sms-needs-mobile").into_owned(),
        ));
    }
    if notify_email && form.email.trim().is_empty() {
        errors.push((
            "email",
            l.t("contact-info-error-email-needs-address").into_owned(),
        ));
    }
    let language = match form.language.as_deref() {
        None => Some(Language::Nb),
        Some(code) => Language::from_code(code),
    };
    if language.is_none() {
        errors.push((
            "language-nb",
            l.t("contact-info-error-language").into_owned(),
        ));
    }
    let (Some(language), true) = (language, errors.is_empty()) else {
        let facts = facts(&state, &citizen).await?;
        let message = |field: &str| {
            errors
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, m)| m.clone())
        };
        let keep = |value: &str| value.chars().take(FIELD_INPUT_MAX).collect::<String>();
        let typed = FormState {
            mobile: Field {
                value: keep(&form.mobile),
                error: message("mobile"),
            },
            email: Field {
                value: keep(&form.email),
                error: message("email"),
            },
            notify_sms,
            notify_email,
            language: language.unwrap_or(Language::Nb),
        };
        let body = render(&state, &citizen, &facts, typed, errors, None, None)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(body)).into_response());
    };
    let saved = state
        .db
        .save_contact_details(&ContactUpdate {
            person_id: citizen.person.id,
            mobile: mobile.as_ref().map(MobileNumber::as_str),
            email: email.as_ref().map(EmailAddress::as_str),
            notify_sms,
            notify_email,
            language,
            now: state.now(),
        })
        .await?;
    let ContactSaved::CodeRefused(refusals) = saved else {
        return Ok(Redirect::to("/kontaktinformasjon?lagret=1").into_response());
    };
    // Nothing was saved: the form comes back as typed, the reason at each field.
    let facts = facts(&state, &citizen).await?;
    let refusal = |channel: Channel| {
        refusals
            .iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, refused)| code_refusal_text(&l, *refused))
    };
    let typed = FormState {
        mobile: Field {
            value: form.mobile.clone(),
            error: refusal(Channel::Sms),
        },
        email: Field {
            value: form.email.clone(),
            error: refusal(Channel::Email),
        },
        notify_sms,
        notify_email,
        language,
    };
    let errors = [("mobile", Channel::Sms), ("email", Channel::Email)]
        .into_iter()
        .filter_map(|(field, channel)| Some((field, refusal(channel)?)))
        .collect();
    let body = render(&state, &citizen, &facts, typed, errors, None, None)?;
    let retry_after = refusals.iter().map(|(_, r)| r.retry_after).max();
    Ok(code_refusal_response(body, retry_after.unwrap_or(1)))
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    confirmation: i64,
    #[serde(default)]
    code: String,
}

pub async fn confirm_code(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: Citizen,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    state.limit(Action::CodeCheck, client, Some(citizen.subject()))?;
    let l = Layout::new(citizen.lang, "contact-info-title");
    let typed: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let refused = if typed.is_empty() {
        Some(l.t("contact-info-error-code-missing").into_owned())
    } else if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        Some(l.t("contact-info-error-code-format").into_owned())
    } else {
        match state
            .db
            .confirm_contact_code(citizen.person.id, form.confirmation, &typed, state.now())
            .await?
        {
            CodeCheck::Confirmed(channel) => {
                return Ok(Redirect::to(&format!(
                    "/kontaktinformasjon?bekreftet={}",
                    channel.code()
                ))
                .into_response());
            }
            CodeCheck::NotFound => return Err(AppError::new(ErrorKind::NotFound)),
            CodeCheck::Replaced => {
                let facts = facts(&state, &citizen).await?;
                let form_state =
                    FormState::stored(facts.details.as_ref(), &facts.pending, citizen.lang);
                let notice = Some(l.t("contact-info-error-code-replaced").into_owned());
                let body = render(
                    &state,
                    &citizen,
                    &facts,
                    form_state,
                    Vec::new(),
                    notice,
                    None,
                )?;
                return Ok(
                    (StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(body)).into_response(),
                );
            }
            CodeCheck::Wrong { attempts_left } => Some(l.t1(
                "contact-info-error-code-wrong",
                "count",
                &attempts_left.to_string(),
            )),
            CodeCheck::Expired => Some(l.t("contact-info-error-code-expired").into_owned()),
            CodeCheck::TooManyAttempts => {
                Some(l.t("contact-info-error-code-attempts").into_owned())
            }
        }
    };
    let facts = facts(&state, &citizen).await?;
    if !facts.pending.iter().any(|p| p.id == form.confirmation) {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let form_state = FormState::stored(facts.details.as_ref(), &facts.pending, citizen.lang);
    let message = refused.unwrap_or_default();
    // The message stands at the code field of its own confirmation.
    let body = render(
        &state,
        &citizen,
        &facts,
        form_state,
        Vec::new(),
        None,
        Some((form.confirmation, message)),
    )?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(body)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    confirmation: i64,
}

pub async fn resend_code(
    State(state): State<AppState>,
    citizen: Citizen,
    CsrfForm(form): CsrfForm<ResendForm>,
) -> Result<Response, AppError> {
    let refused = match state
        .db
        .resend_contact_code(citizen.person.id, form.confirmation, state.now())
        .await?
    {
        CodeResent::Sent => {
            return Ok(Redirect::to("/kontaktinformasjon?ny-kode=1").into_response());
        }
        CodeResent::NotFound => return Err(AppError::new(ErrorKind::NotFound)),
        CodeResent::Refused(refused) => refused,
    };
    // The reason stands at the confirmation the new code was asked for.
    let l = Layout::new(citizen.lang, "contact-info-title");
    let facts = facts(&state, &citizen).await?;
    let form_state = FormState::stored(facts.details.as_ref(), &facts.pending, citizen.lang);
    let message = code_refusal_text(&l, refused);
    let body = render(
        &state,
        &citizen,
        &facts,
        form_state,
        Vec::new(),
        None,
        Some((form.confirmation, message)),
    )?;
    Ok(code_refusal_response(body, refused.retry_after))
}

/// "Opplysningene er riktige": the details are confirmed as they are.
pub async fn reconfirm(
    State(state): State<AppState>,
    citizen: Citizen,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    state
        .db
        .reconfirm_contact_details(citizen.person.id, state.now())
        .await?;
    Ok(Redirect::to("/kontaktinformasjon?riktig=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// The development page of the outbox

#[derive(Template)]
#[template(path = "citizen/outbox.html")]
struct OutboxPage {
    l: Layout,
    entries: Vec<OutboxRow>,
}

struct OutboxRow {
    when: String,
    channel: String,
    to: String,
    subject: String,
    text: String,
}

/// The notifications written to the outbox, newest first. Mounted only when a channel writes to
/// the outbox (no mail server or SMS gateway configured), as in the demo.
pub async fn outbox_page(
    State(state): State<AppState>,
    crate::security::RequestLang(lang): crate::security::RequestLang,
) -> Result<Response, AppError> {
    let Some(dir) = state.config.outbox_dir.clone() else {
        return Err(AppError::new(ErrorKind::NotFound));
    };
    let outbox =
        notify::Outbox::open(dir).map_err(|e| AppError::logged(ErrorKind::Internal, &e))?;
    let entries = outbox
        .newest(200)
        .map_err(|e| AppError::logged(ErrorKind::Internal, &e))?
        .into_iter()
        .map(|entry| OutboxRow {
            when: crate::views::dates::oslo_time(entry.created_at),
            channel: entry.channel,
            to: entry.to,
            subject: entry.subject.unwrap_or_default(),
            text: entry.text,
        })
        .collect();
    Ok(html(&OutboxPage {
        l: Layout::new(lang, "outbox-title"),
        entries,
    })?
    .into_response())
}
