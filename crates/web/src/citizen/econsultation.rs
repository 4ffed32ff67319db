//! "Starte e-konsultasjon" (seed 000): the wizard, step by step. What the citizen types is kept in a draft on the server, so going
//! back and forth, errors and refused files never lose it, and every step works without
//! JavaScript. Sending is idempotent: a double click or a reloaded POST gives one thread.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::attachment::{self, FileError};
use domain::econsultation::{Draft, Field, FieldError};
use domain::text::{TextError, visible_len};
use domain::{GpService, working_days};
use serde::Deserialize;
use storage::{MessageDraft, NewThread, Office};

use crate::AppState;
use crate::auth::session::{Citizen, ConsentedCitizen, ConsentedCitizenWithGp};
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{Path, Query};
use crate::i18n;
use crate::security::{CsrfForm, CsrfMultipart, FilePart};
use crate::throttle::{Action, ClientAddr};
use crate::views::dates::oslo_date;
use crate::views::layout::Layout;
use crate::views::sizes::file_size;
use crate::views::text_field::TextField;

/// Whole-request limit of the upload step: the files (20 MB together) and the form around them.
pub const UPLOAD_BODY_LIMIT: usize = attachment::MAX_TOTAL_BYTES + 512 * 1024;

/// Children under 16 cannot use the GP services on their own (seed 001); their parents do it
/// for them.
const GP_SERVICES_MIN_AGE: i16 = 16;

/// The office the citizen writes to: one of their health contacts, offering the service.
pub(crate) async fn contact_office(
    state: &AppState,
    citizen: &Citizen,
    office_id: Option<i64>,
    service: GpService,
) -> Result<Office, AppError> {
    if citizen.person.fnr.age_on(oslo_date(state.now())) < GP_SERVICES_MIN_AGE {
        return Err(AppError::forbidden());
    }
    let contacts = state.db.health_contacts(citizen.person.id).await?;
    let chosen = match office_id {
        Some(id) => contacts.into_iter().find(|(office, _)| office.id == id),
        None => contacts
            .into_iter()
            .find(|(office, _)| !office.is_specialist),
    };
    match chosen {
        Some((office, services)) if services.contains(&service) => Ok(office),
        _ => Err(AppError::new(ErrorKind::NotFound)),
    }
}

pub(crate) fn wizard_layout(state: &AppState, citizen: &Citizen, title_key: &str) -> Layout {
    Layout::new(citizen.lang, title_key).with_user(citizen.header_user(state))
}

// ---------------------------------------------------------------------------------------------
// Step 1: "Viktig informasjon før du bestiller e-konsultasjon"

#[derive(Template)]
#[template(path = "citizen/ekons/info.html")]
struct InfoPage {
    l: Layout,
    action: String,
    office_id: i64,
    accepted: bool,
    csrf: String,
    error: Option<String>,
}

impl InfoPage {
    /// Step 1, for a new e-consultation (`action` "/e-konsultasjon") or a draft; with the
    /// copayment error when "Neste" was pressed without the box.
    fn new(
        state: &AppState,
        citizen: &Citizen,
        action: String,
        office_id: i64,
        accepted: bool,
        refused: bool,
    ) -> Self {
        let l = wizard_layout(state, citizen, "ekons-title");
        Self {
            error: refused.then(|| l.t("ekons-error-copayment").into_owned()),
            l,
            action,
            office_id,
            accepted,
            csrf: citizen.session.csrf_token.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct OfficeQuery {
    #[serde(default)]
    pub(crate) kontor: Option<i64>,
}

pub async fn start_page(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Query(query): Query<OfficeQuery>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let office = contact_office(&state, &citizen, query.kontor, GpService::EKonsultasjon).await?;
    let page = InfoPage::new(
        &state,
        &citizen,
        "/e-konsultasjon".into(),
        office.id,
        false,
        false,
    );
    Ok(html(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct InfoForm {
    #[serde(default)]
    kontor: Option<i64>,
    #[serde(default)]
    egenandel: Option<String>,
}

/// "Neste" on step 1: refused until the copayment box is ticked; then the draft begins.
pub async fn start(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
    CsrfForm(form): CsrfForm<InfoForm>,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp {
        citizen: ConsentedCitizen { citizen, .. },
        gp,
    } = citizen;
    let office = contact_office(&state, &citizen, form.kontor, GpService::EKonsultasjon).await?;
    if form.egenandel.is_none() {
        let page = InfoPage::new(
            &state,
            &citizen,
            "/e-konsultasjon".into(),
            office.id,
            false,
            true,
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    }
    let default_practitioner = gp
        .map(|gp| gp.practitioner)
        .filter(|p| p.office_id == office.id)
        .map(|p| p.id);
    let id = state
        .db
        .create_draft(
            citizen.person.id,
            citizen.person.id,
            office.id,
            default_practitioner,
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/e-konsultasjon/{id}/behandler")).into_response())
}

/// The citizen's own unsent draft, or the page to go to instead.
async fn open_draft(
    state: &AppState,
    citizen: &Citizen,
    id: &str,
) -> Result<Result<MessageDraft, Response>, AppError> {
    let Some(draft) = state.db.draft_of(id, citizen.person.id).await? else {
        return Err(AppError::new(ErrorKind::NotFound));
    };
    if let Some(thread) = draft.sent_thread_id {
        return Ok(Err(
            Redirect::to(&format!("/innboks/sendt/{thread}")).into_response()
        ));
    }
    Ok(Ok(draft))
}

pub async fn info_page(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    let page = InfoPage::new(
        &state,
        &citizen,
        format!("/e-konsultasjon/{id}"),
        draft.office_id,
        draft.accepted_copayment,
        false,
    );
    Ok(html(&page)?.into_response())
}

pub async fn info_next(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<InfoForm>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    if form.egenandel.is_none() {
        let page = InfoPage::new(
            &state,
            &citizen,
            format!("/e-konsultasjon/{id}"),
            draft.office_id,
            false,
            true,
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    }
    Ok(Redirect::to(&format!("/e-konsultasjon/{id}/behandler")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Step 2: "Tilgjengelige behandlere"

struct PractitionerChoice {
    id: i64,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "citizen/ekons/practitioner.html")]
struct PractitionerPage {
    l: Layout,
    id: String,
    choices: Vec<PractitionerChoice>,
    csrf: String,
}

async fn practitioner_choices(
    state: &AppState,
    l: &Layout,
    draft: &MessageDraft,
) -> Result<Vec<PractitionerChoice>, AppError> {
    let practitioners = state.db.practitioners_of(draft.office_id).await?;
    let takers: Vec<_> = practitioners
        .into_iter()
        .filter(|p| p.kind.takes_econsultations())
        .collect();
    let chosen = draft
        .practitioner_id
        .filter(|id| takers.iter().any(|p| p.id == *id))
        .or(takers.first().map(|p| p.id));
    Ok(takers
        .into_iter()
        .map(|p| PractitionerChoice {
            id: p.id,
            label: format!(
                "{} ({})",
                p.name.full(),
                l.t(&format!("practitioner-{}", p.kind.code()))
            ),
            checked: Some(p.id) == chosen,
        })
        .collect())
}

pub async fn practitioner_page(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    let l = wizard_layout(&state, &citizen, "ekons-title");
    let choices = practitioner_choices(&state, &l, &draft).await?;
    Ok(html(&PractitionerPage {
        l,
        id,
        choices,
        csrf: citizen.session.csrf_token.clone(),
    })?
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct PractitionerForm {
    #[serde(default)]
    behandler: Option<i64>,
    #[serde(default)]
    action: String,
}

pub async fn choose_practitioner(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PractitionerForm>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    if let Some(practitioner) = form.behandler {
        let valid = state
            .db
            .practitioners_of(draft.office_id)
            .await?
            .iter()
            .any(|p| p.id == practitioner && p.kind.takes_econsultations());
        if !valid {
            return Err(AppError::bad_request());
        }
        state.db.save_draft_practitioner(&id, practitioner).await?;
    }
    let next = if form.action == "tilbake" {
        format!("/e-konsultasjon/{id}")
    } else {
        format!("/e-konsultasjon/{id}/beskrivelse")
    };
    Ok(Redirect::to(&next).into_response())
}

// ---------------------------------------------------------------------------------------------
// Step 3: "Beskriv situasjonen din"

#[derive(Template)]
#[template(path = "citizen/ekons/describe.html")]
struct DescribePage {
    l: Layout,
    id: String,
    subject: TextField,
    symptoms: TextField,
    daily_life: TextField,
    treatment: TextField,
    tried: Option<bool>,
    tried_error: Option<String>,
    errors: Vec<(String, String)>,
    csrf: String,
}

fn field_error_text(l: &Layout, error: &FieldError) -> String {
    match error.error {
        TextError::Missing if error.field == Field::Tried => l.t("ekons-error-tried").into_owned(),
        TextError::Missing => l.t1(
            "error-field-missing",
            "field",
            &l.t(&format!("ekons-{}-label", error.field.code())),
        ),
        TextError::TooLong { .. } | TextError::TooMuchStored { .. } => {
            crate::views::layout::over_limit(l.lang, error.error)
        }
    }
}

fn describe_page(
    l: Layout,
    id: String,
    fields: &Draft,
    errors: &[FieldError],
    csrf: String,
) -> DescribePage {
    let error_for = |field: Field| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| field_error_text(&l, e))
    };
    let text = |field: Field, value: &str, multiline: bool| TextField {
        name: field.code(),
        label: l.t(&format!("ekons-{}-label", field.code())).into_owned(),
        hint: l.t(&format!("ekons-{}-hint", field.code())).into_owned(),
        value: value.to_owned(),
        max: field.max(),
        count: i18n::text(
            l.lang,
            "char-count",
            &[
                (
                    "count",
                    &visible_len(&domain::text::normalise(value)).to_string(),
                ),
                ("max", &field.max().to_string()),
            ],
        ),
        error: error_for(field),
        multiline,
    };
    DescribePage {
        subject: text(Field::Subject, &fields.subject, false),
        symptoms: text(Field::Symptoms, &fields.symptoms, true),
        daily_life: text(Field::DailyLife, &fields.daily_life, true),
        treatment: text(Field::Treatment, &fields.treatment, true),
        tried: fields.tried,
        tried_error: error_for(Field::Tried),
        errors: errors
            .iter()
            .map(|e| (e.field.code().to_owned(), field_error_text(&l, e)))
            .collect(),
        l,
        id,
        csrf,
    }
}

pub async fn describe(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    let l = wizard_layout(&state, &citizen, "ekons-describe-title");
    Ok(html(&describe_page(
        l,
        id,
        &draft.fields,
        &[],
        citizen.session.csrf_token.clone(),
    ))?
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct DescribeForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    symptoms: String,
    #[serde(default)]
    daily_life: String,
    #[serde(default)]
    tried: Option<String>,
    #[serde(default)]
    treatment: String,
    #[serde(default)]
    action: String,
}

/// Longest text kept from any field, so that a forged request cannot fill the database.
const KEEP_MAX_CHARS: usize = 5000;

pub(crate) fn keep(text: &str) -> String {
    text.chars().take(KEEP_MAX_CHARS).collect()
}

pub async fn save_description(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DescribeForm>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    if let Err(response) = open_draft(&state, &citizen, &id).await? {
        return Ok(response);
    }
    let fields = Draft {
        subject: keep(&form.subject),
        symptoms: keep(&form.symptoms),
        daily_life: keep(&form.daily_life),
        tried: match form.tried.as_deref() {
            Some("ja") => Some(true),
            Some("nei") => Some(false),
            _ => None,
        },
        treatment: keep(&form.treatment),
    };
    state.db.save_draft_fields(&id, &fields).await?;
    if form.action == "tilbake" {
        return Ok(Redirect::to(&format!("/e-konsultasjon/{id}/behandler")).into_response());
    }
    match fields.validate() {
        Ok(_) => Ok(Redirect::to(&format!("/e-konsultasjon/{id}/se-gjennom")).into_response()),
        Err(errors) => {
            let l = wizard_layout(&state, &citizen, "ekons-describe-title");
            let page = describe_page(l, id, &fields, &errors, citizen.session.csrf_token.clone());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Step 4: "Se gjennom før du sender", attachments, "Send"

struct AttachmentLine {
    id: i64,
    name: String,
    size: String,
}

#[derive(Template)]
#[template(path = "citizen/ekons/review.html")]
struct ReviewPage {
    l: Layout,
    id: String,
    addressee: String,
    subject: String,
    body: String,
    attachments: Vec<AttachmentLine>,
    can_add: bool,
    errors: Vec<String>,
    csrf: String,
}

async fn review_page(
    state: &AppState,
    citizen: &Citizen,
    draft: &MessageDraft,
    errors: Vec<String>,
) -> Result<Result<ReviewPage, Response>, AppError> {
    let Ok(description) = draft.fields.validate() else {
        return Ok(Err(Redirect::to(&format!(
            "/e-konsultasjon/{}/beskrivelse",
            draft.id
        ))
        .into_response()));
    };
    let l = wizard_layout(state, citizen, "ekons-review-title");
    let practitioners = state.db.practitioners_of(draft.office_id).await?;
    let addressee = draft
        .practitioner_id
        .and_then(|id| practitioners.iter().find(|p| p.id == id))
        .map(|p| {
            format!(
                "{} ({})",
                p.name.full(),
                l.t(&format!("practitioner-{}", p.kind.code()))
            )
        })
        .unwrap_or_default();
    let attachments = state.db.draft_attachments(&draft.id).await?;
    Ok(Ok(ReviewPage {
        addressee: l.t1("ekons-review-addressee", "name", &addressee),
        subject: description.subject.as_str().to_owned(),
        body: description.message_text(),
        can_add: attachments.len() < attachment::MAX_FILES,
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentLine {
                id: a.id,
                name: a.file_name,
                size: file_size(a.size_bytes),
            })
            .collect(),
        errors,
        csrf: citizen.session.csrf_token.clone(),
        id: draft.id.clone(),
        l,
    }))
}

pub async fn review(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    Ok(
        match review_page(&state, &citizen, &draft, Vec::new()).await? {
            Ok(page) => html(&page)?.into_response(),
            Err(response) => response,
        },
    )
}

/// An uploaded file as it arrived.
struct Upload {
    name: String,
    bytes: Vec<u8>,
}

/// The files of the upload form's file input. A file input left empty still sends an empty
/// part without a name.
fn uploads_of(files: Vec<FilePart>) -> Vec<Upload> {
    files
        .into_iter()
        .filter(|file| file.field == "vedlegg")
        .filter(|file| !(file.file_name.is_empty() && file.bytes.is_empty()))
        .map(|file| Upload {
            name: file.file_name,
            bytes: file.bytes.to_vec(),
        })
        .collect()
}

fn file_error_text(l: &Layout, name: &str, error: FileError) -> String {
    l.t1(&format!("ekons-{}", error.code()), "name", name)
}

/// The request's files that may join the draft's, each with its kind; the refused ones are
/// told in `errors`. Counted together with what the draft already holds, so a fourth file
/// or one past 20 MB is refused.
fn check_uploads<'a>(
    l: &Layout,
    existing: &[storage::Attachment],
    uploads: &'a [Upload],
    errors: &mut Vec<String>,
) -> Vec<(&'a Upload, attachment::FileKind)> {
    let mut count = existing.len();
    let mut total: usize = existing
        .iter()
        .map(|a| usize::try_from(a.size_bytes).unwrap_or(usize::MAX))
        .sum();
    let mut accepted = Vec::new();
    for upload in uploads {
        let checked = attachment::sniff(&upload.bytes).and_then(|kind| {
            attachment::check_room(count, total, upload.bytes.len()).map(|()| kind)
        });
        match checked {
            Ok(kind) => {
                accepted.push((upload, kind));
                count += 1;
                total = total.saturating_add(upload.bytes.len());
            }
            Err(error) => {
                let shown_name = attachment::display_name(&upload.name);
                errors.push(file_error_text(l, &shown_name, error));
            }
        }
    }
    accepted
}

/// Stores the files and links them to the draft in one transaction. The bytes go first; if
/// the rows cannot be written, the bytes are deleted again, so nothing of the request stays.
async fn store_uploads(
    state: &AppState,
    draft_id: &str,
    uploads: Vec<(&Upload, attachment::FileKind)>,
) -> Result<(), AppError> {
    let mut stored = Vec::new();
    for (upload, kind) in uploads {
        match state.objects.put(&upload.bytes).await {
            Ok(key) => stored.push(storage::NewAttachment {
                file_name: attachment::safe_file_name(&upload.name, kind),
                content_type: kind.content_type(),
                size_bytes: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
                storage_key: key,
            }),
            Err(error) => {
                delete_objects(state, &stored).await;
                return Err(error.into());
            }
        }
    }
    if let Err(error) = state
        .db
        .add_draft_attachments(draft_id, &stored, state.now())
        .await
    {
        delete_objects(state, &stored).await;
        return Err(error.into());
    }
    Ok(())
}

async fn delete_objects(state: &AppState, stored: &[storage::NewAttachment]) {
    for attachment in stored {
        if let Err(error) = state.objects.delete(&attachment.storage_key).await {
            tracing::warn!(%error, "bytes of an upload not kept could not be deleted");
        }
    }
}

/// The upload step's one form: "Last opp", "Fjern", "Tilbake" and "Send" are its buttons, so a
/// file chosen and sent at once is taken along.
pub async fn review_action(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: ConsentedCitizen,
    Path(id): Path<String>,
    form: CsrfMultipart,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let draft = match open_draft(&state, &citizen, &id).await? {
        Ok(draft) => draft,
        Err(response) => return Ok(response),
    };
    let l = wizard_layout(&state, &citizen, "ekons-review-title");
    let CsrfMultipart::Read { fields, files } = form else {
        // The body was cut off at the size limit: nothing is stored, the page says why.
        let errors = vec![l.t("ekons-upload-too-large").into_owned()];
        return Ok(match review_page(&state, &citizen, &draft, errors).await? {
            Ok(page) => (StatusCode::PAYLOAD_TOO_LARGE, html(&page)?).into_response(),
            Err(response) => response,
        });
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let uploads = uploads_of(files);
    if !uploads.is_empty() {
        state.limit(Action::Upload, client, Some(citizen.subject()))?;
    }
    if field("action") == "send" {
        state.limit(Action::Message, client, Some(citizen.subject()))?;
    }
    let existing = state.db.draft_attachments(&id).await?;
    let mut errors = Vec::new();
    let accepted = check_uploads(&l, &existing, &uploads, &mut errors);
    if errors.is_empty() {
        store_uploads(&state, &id, accepted).await?;
    } else if !accepted.is_empty() {
        // One request is one choice of files: when any of them is refused, none is kept.
        errors.push(l.t("ekons-upload-none-added").into_owned());
    }
    let action = field("action").to_owned();
    let removed = action
        .strip_prefix("fjern-")
        .and_then(|n| n.parse::<i64>().ok());
    if let Some(attachment_id) = removed
        && let Some(key) = state.db.remove_draft_attachment(&id, attachment_id).await?
    {
        state.objects.delete(&key).await?;
    }
    if action == "tilbake" && errors.is_empty() {
        return Ok(Redirect::to(&format!("/e-konsultasjon/{id}/beskrivelse")).into_response());
    }
    if action == "send" && errors.is_empty() {
        return send(&state, &citizen, &draft).await;
    }
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/e-konsultasjon/{id}/se-gjennom")).into_response());
    }
    Ok(match review_page(&state, &citizen, &draft, errors).await? {
        Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response(),
        Err(response) => response,
    })
}

async fn send(
    state: &AppState,
    citizen: &Citizen,
    draft: &MessageDraft,
) -> Result<Response, AppError> {
    let Ok(description) = draft.fields.validate() else {
        return Ok(
            Redirect::to(&format!("/e-konsultasjon/{}/beskrivelse", draft.id)).into_response(),
        );
    };
    let now = state.now();
    let body = description.message_text();
    let sent = state
        .db
        .send_thread(&NewThread {
            citizen_id: draft.citizen_id,
            sent_by_person_id: citizen.person.id,
            sender_name: &citizen.person.name.full(),
            office_id: draft.office_id,
            practitioner_id: draft.practitioner_id,
            kind: GpService::EKonsultasjon,
            subject: description.subject.as_str(),
            body: &body,
            idempotency_key: &format!("draft:{}", draft.id),
            draft_id: Some(&draft.id),
            received_at: now,
            due_date: working_days::add_working_days(
                oslo_date(now),
                working_days::ANSWER_WORKING_DAYS,
            ),
        })
        .await?;
    Ok(Redirect::to(&format!("/innboks/sendt/{}", sent.thread_id)).into_response())
}
