//! Resepter (seed 004) and Forny resept (seed 001): the overview of the last 12 months, the
//! three-year history, details, a printable version and a PDF, and renewal requests that the
//! GP approves or declines from the work queue.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::prescription::{NotRenewable, in_history, in_overview, renewable_online};
use domain::text::{CharLimited, TextError};
use domain::{GpService, working_days};
use jiff::civil::Date;
use serde::Deserialize;
use storage::{GpOverview, Prescription};

use crate::AppState;
use crate::auth::session::{Citizen, ConsentedCitizen, ConsentedCitizenWithGp};
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{IdempotencyKey, Path, Query};
use crate::i18n::{self, Lang};
use crate::security::CsrfRawForm;
use crate::throttle::{Action, ClientAddr};
use crate::views::dates::{norwegian_date, oslo_date};
use crate::views::layout::Layout;

/// A prescription as the pages show it.
struct Card {
    id: i64,
    title: String,
    lines: Vec<String>,
    status: String,
}

fn card(lang: Lang, p: &Prescription, today: Date) -> Card {
    let t = |key: &str, args: &[(&str, &str)]| i18n::text(lang, key, args);
    let made = p.dispensations.len().to_string();
    let status = if p.renewal_pending {
        t("rx-pending", &[])
    } else if p.status == domain::prescription::PrescriptionStatus::Active && p.expires_on < today {
        t("rx-expired", &[])
    } else {
        t(&format!("rx-status-{}", p.status.code()), &[])
    };
    Card {
        id: p.id,
        title: format!("{} {} {}", p.drug_name, p.strength, p.form),
        lines: vec![
            t("rx-dosage", &[("dosage", &p.dosage)]),
            t("rx-prescriber", &[("name", &p.prescriber_name)]),
            t(
                "rx-prescribed",
                &[("date", &norwegian_date(p.prescribed_on))],
            ),
            t(
                "rx-dispensed",
                &[
                    ("made", &made),
                    ("allowed", &p.dispensations_allowed.to_string()),
                    ("left", &p.dispensations_left().to_string()),
                ],
            ),
            t("rx-expires", &[("date", &norwegian_date(p.expires_on))]),
        ],
        status,
    }
}

#[derive(Template)]
#[template(path = "citizen/prescriptions/list.html")]
struct ListPage {
    l: Layout,
    history: bool,
    cards: Vec<Card>,
    renew: bool,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    fane: Option<String>,
}

/// The prescriptions of a tab: the overview (12 months) or the history (three years).
async fn shown(
    state: &AppState,
    citizen: &Citizen,
    history: bool,
) -> Result<(Vec<Prescription>, Date), AppError> {
    let today = oslo_date(state.now());
    let list = state.db.prescriptions_of(citizen.person.id).await?;
    let list = list
        .into_iter()
        .filter(|p| {
            if history {
                in_history(&p.facts(), today)
            } else {
                in_overview(&p.facts(), today)
            }
        })
        .collect();
    Ok((list, today))
}

pub async fn list(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let history = match query.fane.as_deref() {
        None | Some("") | Some("resepter") => false,
        Some("historikk") => true,
        Some(_) => return Err(AppError::bad_request()),
    };
    let citizen = citizen.citizen;
    let (list, today) = shown(&state, &citizen, history).await?;
    let renew = gp.is_some_and(|gp| gp.services.contains(&GpService::FornyResept));
    let l = Layout::new(citizen.lang, "rx-title").with_user(citizen.header_user(&state));
    let cards = list.iter().map(|p| card(l.lang, p, today)).collect();
    Ok(html(&ListPage {
        l,
        history,
        cards,
        renew,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "citizen/prescriptions/detail.html")]
struct DetailPage {
    l: Layout,
    card: Card,
    group: String,
    dispensations: Vec<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let p = state
        .db
        .prescription_of(id, citizen.person.id)
        .await?
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))?;
    let l = Layout::new(citizen.lang, "rx-title").with_user(citizen.header_user(&state));
    let today = oslo_date(state.now());
    let page = DetailPage {
        card: card(l.lang, &p, today),
        group: l.t1("rx-group", "group", p.group.code()),
        dispensations: p
            .dispensations
            .iter()
            .map(|d| {
                i18n::text(
                    l.lang,
                    "rx-dispensed-at",
                    &[
                        ("date", &norwegian_date(d.dispensed_on)),
                        ("pharmacy", &d.pharmacy),
                    ],
                )
            })
            .collect(),
        l,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "citizen/prescriptions/print.html")]
struct PrintPage {
    l: Layout,
    heading: String,
    cards: Vec<Card>,
}

/// The printable overview: the page made for printing.
pub async fn print(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let (list, today) = shown(&state, &citizen, false).await?;
    let l = Layout::new(citizen.lang, "rx-print-title").with_user(citizen.header_user(&state));
    let heading = i18n::text(
        l.lang,
        "rx-print-for",
        &[
            ("name", &citizen.person.name.full()),
            ("date", &norwegian_date(today)),
        ],
    );
    let cards = list.iter().map(|p| card(l.lang, p, today)).collect();
    Ok(html(&PrintPage { l, heading, cards })?.into_response())
}

/// The same overview as a PDF download.
pub async fn pdf(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let lang = citizen.lang;
    let (list, today) = shown(&state, &citizen, false).await?;
    let mut lines = vec![crate::views::pdf::Line {
        text: i18n::text(
            lang,
            "rx-print-for",
            &[
                ("name", &citizen.person.name.full()),
                ("date", &norwegian_date(today)),
            ],
        ),
        heading: true,
    }];
    for p in &list {
        let c = card(lang, p, today);
        lines.push(crate::views::pdf::Line {
            text: String::new(),
            heading: false,
        });
        lines.push(crate::views::pdf::Line {
            text: format!("{} ({})", c.title, c.status),
            heading: true,
        });
        lines.extend(c.lines.into_iter().map(|text| crate::views::pdf::Line {
            text,
            heading: false,
        }));
    }
    let title = i18n::plain(lang, "rx-title");
    let pdf = crate::views::pdf::document(&title, lang.code(), &lines)
        .map_err(|e| AppError::logged(ErrorKind::Internal, &e))?;
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"resepter.pdf\""),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Forny resept

struct Choice {
    id: i64,
    title: String,
    reason: Option<String>,
}

#[derive(Template)]
#[template(path = "citizen/prescriptions/renew.html")]
struct RenewPage {
    l: Layout,
    choices: Vec<Choice>,
    not_offered: Option<String>,
    key: String,
    message: String,
    error: Option<String>,
    csrf: String,
}

fn why(lang: Lang, reason: NotRenewable) -> String {
    i18n::text(lang, &format!("renew-why-{}", reason.code()), &[])
}

async fn renew_page(
    state: &AppState,
    citizen: &Citizen,
    gp: Option<&GpOverview>,
    key: String,
    message: String,
    error: Option<String>,
) -> Result<RenewPage, AppError> {
    let l = Layout::new(citizen.lang, "renew-title").with_user(citizen.header_user(state));
    let not_offered = match gp {
        Some(gp) if gp.services.contains(&GpService::FornyResept) => None,
        Some(gp) => Some(l.t1("renew-not-offered", "phone", &gp.office.phone)),
        None => return Err(AppError::new(ErrorKind::NotFound)),
    };
    let (list, today) = shown(state, citizen, false).await?;
    let choices = list
        .iter()
        .map(|p| Choice {
            id: p.id,
            title: format!("{} {} {}", p.drug_name, p.strength, p.form),
            reason: renewable_online(&p.facts(), today)
                .err()
                .map(|r| why(l.lang, r)),
        })
        .collect();
    Ok(RenewPage {
        choices,
        not_offered,
        key,
        message,
        error,
        csrf: citizen.session.csrf_token.clone(),
        l,
    })
}

pub async fn renew_form(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let page = renew_page(
        &state,
        &citizen.citizen,
        gp.as_ref(),
        storage::random_token(),
        String::new(),
        None,
    )
    .await?;
    Ok(html(&page)?.into_response())
}

/// A short message to the GP, at most this many characters.
pub const RENEW_MESSAGE_MAX: usize = 200;

/// Sends a renewal request for the chosen prescriptions (the form repeats "resept").
pub async fn renew(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: ConsentedCitizenWithGp,
    CsrfRawForm(fields): CsrfRawForm,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let citizen = citizen.citizen;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    state.limit(Action::Message, client, Some(citizen.subject()))?;
    let key = IdempotencyKey::parse(field("key"))?;
    let idempotency_key = key.scoped("renewal", citizen.person.id);
    if let Some(thread_id) = state
        .db
        .thread_by_key(&idempotency_key, citizen.person.id)
        .await?
    {
        // Sent already (a double click, a reloaded POST): the same request, nothing new.
        return Ok(Redirect::to(&format!("/innboks/sendt/{thread_id}")).into_response());
    }
    let gp = gp.ok_or_else(|| AppError::new(ErrorKind::NotFound))?;
    if !gp.services.contains(&GpService::FornyResept)
        || citizen.person.fnr.age_on(oslo_date(state.now())) < 16
    {
        return Err(AppError::forbidden());
    }
    let today = oslo_date(state.now());
    let mut chosen = Vec::new();
    for (name, value) in &fields {
        if name != "resept" {
            continue;
        }
        let id: i64 = value.parse().map_err(|_| AppError::bad_request())?;
        let p = state
            .db
            .prescription_of(id, citizen.person.id)
            .await?
            .ok_or_else(AppError::bad_request)?;
        if renewable_online(&p.facts(), today).is_err() || !in_overview(&p.facts(), today) {
            return Err(AppError::bad_request());
        }
        if !chosen.iter().any(|c: &Prescription| c.id == p.id) {
            chosen.push(p);
        }
    }
    let message = match CharLimited::<RENEW_MESSAGE_MAX>::parse(field("melding")) {
        Ok(m) => Some(m.into_inner()),
        Err(TextError::Missing) => None,
        Err(error @ (TextError::TooLong { .. } | TextError::TooMuchStored { .. })) => {
            let text = crate::views::layout::over_limit(citizen.lang, error);
            let kept: String = field("melding")
                .chars()
                .take(RENEW_MESSAGE_MAX * 4)
                .collect();
            let page = renew_page(
                &state,
                &citizen,
                Some(&gp),
                key.as_str().to_owned(),
                kept,
                Some(text),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    if chosen.is_empty() {
        let text = i18n::text(citizen.lang, "renew-none-chosen", &[]);
        let page = renew_page(
            &state,
            &citizen,
            Some(&gp),
            key.as_str().to_owned(),
            message.unwrap_or_default(),
            Some(text),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    }
    // The request is written in Norwegian, the language of the GP's record.
    let mut text = i18n::text(Lang::Nb, "renew-body", &[]);
    for p in &chosen {
        text.push_str(&format!("\n- {} {} {}", p.drug_name, p.strength, p.form));
    }
    if let Some(message) = &message {
        text.push_str("\n\n");
        text.push_str(&i18n::text(
            Lang::Nb,
            "renew-body-message",
            &[("message", message)],
        ));
    }
    let now = state.now();
    let subject = i18n::text(Lang::Nb, "renew-title", &[]);
    let ids: Vec<i64> = chosen.iter().map(|p| p.id).collect();
    let sent = state
        .db
        .request_renewal(
            &storage::NewThread {
                citizen_id: citizen.person.id,
                sent_by_person_id: citizen.person.id,
                sender_name: &citizen.person.name.full(),
                office_id: gp.office.id,
                practitioner_id: Some(gp.practitioner.id),
                kind: GpService::FornyResept,
                subject: &subject,
                body: &text,
                idempotency_key: &idempotency_key,
                draft_id: None,
                received_at: now,
                due_date: working_days::add_working_days(today, working_days::ANSWER_WORKING_DAYS),
            },
            &ids,
        )
        .await?;
    Ok(Redirect::to(&format!("/innboks/sendt/{}", sent.thread_id)).into_response())
}
