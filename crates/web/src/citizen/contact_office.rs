//! "Kontakt legekontoret" (seed 001): one message to the citizen's GP office, with the
//! e-konsultasjon's choice of office, age limit and page frame. Sending is idempotent: the
//! form's key makes a double click or a reloaded POST one thread.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::econsultation;
use domain::text::{CharLimited, TextError, visible_len};
use domain::{GpService, working_days};
use serde::Deserialize;
use storage::{NewThread, Office};

use crate::AppState;
use crate::auth::session::ConsentedCitizen;
use crate::citizen::econsultation::{OfficeQuery, contact_office, keep, wizard_layout};
use crate::error::{AppError, html};
use crate::forms::{IdempotencyKey, Query};
use crate::i18n;
use crate::security::CsrfForm;
use crate::throttle::{Action, ClientAddr};
use crate::views::dates::oslo_date;
use crate::views::layout::Layout;
use crate::views::text_field::TextField;

#[derive(Template)]
#[template(path = "citizen/contact_office.html")]
struct ContactPage {
    l: Layout,
    office_id: i64,
    office_name: String,
    key: String,
    subject: TextField,
    text: TextField,
    errors: Vec<(String, String)>,
    csrf: String,
}

fn contact_page(
    l: Layout,
    office: &Office,
    key: String,
    subject: &str,
    text: &str,
    errors: &[(&'static str, TextError)],
    csrf: String,
) -> ContactPage {
    let message =
        |name: &str, error: TextError| l.text_error(error, &l.t(&format!("contact-{name}-label")));
    let field = |name: &'static str, value: &str, max: usize, multiline: bool| TextField {
        name,
        label: l.t(&format!("contact-{name}-label")).into_owned(),
        hint: l.t(&format!("contact-{name}-hint")).into_owned(),
        value: value.to_owned(),
        max,
        count: i18n::text(
            l.lang,
            "char-count",
            &[
                (
                    "count",
                    &visible_len(&domain::text::normalise(value)).to_string(),
                ),
                ("max", &max.to_string()),
            ],
        ),
        error: errors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, e)| message(n, *e)),
        multiline,
    };
    ContactPage {
        office_id: office.id,
        office_name: office.name.clone(),
        key,
        subject: field(
            "subject",
            subject,
            econsultation::CONTACT_SUBJECT_MAX,
            false,
        ),
        text: field("text", text, econsultation::CONTACT_TEXT_MAX, true),
        errors: errors
            .iter()
            .map(|(n, e)| ((*n).to_owned(), message(n, *e)))
            .collect(),
        csrf,
        l,
    }
}

pub async fn contact_form(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Query(query): Query<OfficeQuery>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let office = contact_office(
        &state,
        &citizen,
        query.kontor,
        GpService::KontaktLegekontoret,
    )
    .await?;
    let l = wizard_layout(&state, &citizen, "contact-title");
    let page = contact_page(
        l,
        &office,
        storage::random_token(),
        "",
        "",
        &[],
        citizen.session.csrf_token.clone(),
    );
    Ok(html(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    kontor: Option<i64>,
    key: IdempotencyKey,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
}

pub async fn send_contact(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: ConsentedCitizen,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    state.limit(Action::Message, client, Some(citizen.subject()))?;
    let office = contact_office(
        &state,
        &citizen,
        form.kontor,
        GpService::KontaktLegekontoret,
    )
    .await?;
    let subject = CharLimited::<{ econsultation::CONTACT_SUBJECT_MAX }>::parse(&form.subject);
    let text = CharLimited::<{ econsultation::CONTACT_TEXT_MAX }>::parse(&form.text);
    let (subject, text) = match (subject, text) {
        (Ok(subject), Ok(text)) => (subject, text),
        (subject, text) => {
            let mut errors = Vec::new();
            if let Err(e) = subject {
                errors.push(("subject", e));
            }
            if let Err(e) = text {
                errors.push(("text", e));
            }
            let l = wizard_layout(&state, &citizen, "contact-title");
            let page = contact_page(
                l,
                &office,
                form.key.as_str().to_owned(),
                &keep(&form.subject),
                &keep(&form.text),
                &errors,
                citizen.session.csrf_token.clone(),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let now = state.now();
    let sent = state
        .db
        .send_thread(&NewThread {
            citizen_id: citizen.person.id,
            sent_by_person_id: citizen.person.id,
            sender_name: &citizen.person.name.full(),
            office_id: office.id,
            practitioner_id: None,
            kind: GpService::KontaktLegekontoret,
            subject: subject.as_str(),
            body: text.as_str(),
            idempotency_key: &form.key.scoped("contact", citizen.person.id),
            draft_id: None,
            received_at: now,
            due_date: working_days::add_working_days(
                oslo_date(now),
                working_days::ANSWER_WORKING_DAYS,
            ),
        })
        .await?;
    Ok(Redirect::to(&format!("/innboks/sendt/{}", sent.thread_id)).into_response())
}
