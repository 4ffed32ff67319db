//! The office's work queue: everything citizens sent, with the five-working-day due date,
//! overdue ones marked, oldest due first; opening a thread (logged in the access log) and
//! answering it, which charges the copayment of an e-consultation unless the citizen is exempt.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::econsultation::{ANSWER_MAX, copayment_exempt};
use domain::text::CharLimited;
use domain::{GpService, working_days};
use serde::Deserialize;

use crate::AppState;
use crate::auth::session::Staff;
use crate::citizen::inbox::{kind_name, message_views};
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{Path, Query};
use crate::i18n;
use crate::security::CsrfForm;
use crate::throttle::{Action, ClientAddr};
use crate::views::dates::{norwegian_date, oslo_date, oslo_time, when_text};
use crate::views::layout::Layout;

struct QueueLine {
    id: i64,
    kind: String,
    patient: String,
    subject: String,
    practitioner: String,
    received: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "office/queue.html")]
struct QueuePage {
    l: Layout,
    lines: Vec<QueueLine>,
    kinds: Vec<(&'static str, String, bool)>,
    practitioners: Vec<(i64, String, bool)>,
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    behandler: Option<String>,
}

/// The kinds of thread this staff member may open.
pub(crate) fn kinds_for(staff: &Staff) -> Vec<GpService> {
    GpService::ALL
        .into_iter()
        .filter(|kind| staff.member.role.may_open(*kind))
        .collect()
}

pub async fn queue(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let allowed = kinds_for(&staff);
    let chosen_kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(code) => Some(
            GpService::from_code(code)
                .filter(|k| allowed.contains(k))
                .ok_or_else(AppError::bad_request)?,
        ),
        None => None,
    };
    let practitioners = state.db.practitioners_of(staff.office.id).await?;
    let chosen_practitioner = match query.behandler.as_deref().filter(|p| !p.is_empty()) {
        Some(id) => {
            let id: i64 = id.parse().map_err(|_| AppError::bad_request())?;
            Some(
                practitioners
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.id)
                    .ok_or_else(AppError::bad_request)?,
            )
        }
        None => None,
    };
    let kinds: Vec<GpService> = chosen_kind.map_or(allowed.clone(), |k| vec![k]);
    let threads = state
        .db
        .office_queue(staff.office.id, &kinds, chosen_practitioner)
        .await?;
    let l = Layout::new(staff.lang, "queue-title")
        .with_home("/kontor")
        .with_user(staff.header_user(&state));
    let today = oslo_date(state.now());
    let lines = threads
        .into_iter()
        .map(|t| QueueLine {
            id: t.id,
            kind: kind_name(&l, t.kind),
            patient: t.citizen_name,
            subject: t.subject,
            practitioner: t.practitioner_name.unwrap_or_default(),
            received: oslo_time(t.received_at),
            due: norwegian_date(t.due_date),
            overdue: working_days::is_overdue(t.due_date, today),
        })
        .collect();
    let kinds = allowed
        .iter()
        .map(|k| (k.code(), kind_name(&l, *k), Some(*k) == chosen_kind))
        .collect();
    let practitioners = practitioners
        .iter()
        .map(|p| (p.id, p.name.full(), Some(p.id) == chosen_practitioner))
        .collect();
    Ok(html(&QueuePage {
        l,
        lines,
        kinds,
        practitioners,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "office/thread.html")]
pub(crate) struct OfficeThreadPage {
    l: Layout,
    id: i64,
    subject: String,
    kind: String,
    patient: String,
    received: String,
    due: String,
    overdue: bool,
    open: bool,
    messages: Vec<crate::citizen::inbox::MessageView>,
    csrf: String,
    answer: String,
    error: Option<String>,
    /// A notice after an action (answer sent, appointment cancelled).
    notice: Option<String>,
    copayment_note: Option<String>,
    /// For a booking request: when, what and where, and whether it still waits for an answer.
    booking: Option<BookingView>,
    /// For an open enquiry without a booking: the free slots the office can book by hand.
    enquiry_slots: Option<Vec<(i64, String)>>,
    /// For a renewal request: the prescriptions asked for.
    renewal: Option<Vec<String>>,
}

struct BookingView {
    when: String,
    kind: String,
    place: String,
    reason: String,
    status: String,
    waiting: bool,
    /// Confirmed and still ahead: the office may cancel it with a message.
    active: bool,
}

/// A thread of this office that this staff member may open, or the error to answer with.
pub(crate) async fn thread_for(
    state: &AppState,
    staff: &Staff,
    thread_id: i64,
) -> Result<storage::ThreadSummary, AppError> {
    let thread = state
        .db
        .thread_of_office(thread_id, staff.office.id)
        .await?
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))?;
    if !staff.member.role.may_open(thread.kind) {
        return Err(AppError::forbidden());
    }
    Ok(thread)
}

#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    #[serde(default)]
    besvart: Option<String>,
    #[serde(default)]
    avbestilt: Option<String>,
}

pub(crate) async fn render_thread(
    state: &AppState,
    staff: &Staff,
    thread: storage::ThreadSummary,
    answer: String,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<OfficeThreadPage, AppError> {
    let l = Layout::new(staff.lang, "office-thread-title")
        .with_home("/kontor")
        .with_user(staff.header_user(state));
    let copayment_note = (thread.kind == GpService::EKonsultasjon
        && thread.status == storage::ThreadStatus::Open)
        .then(|| {
            i18n::text(
                l.lang,
                "office-copayment-note",
                &[(
                    "amount",
                    &state.config.econsultation_copayment_nok.to_string(),
                )],
            )
        });
    let today = oslo_date(state.now());
    let booking = match thread.kind {
        GpService::BestillTime | GpService::Influensavaksine => state
            .db
            .booking_by_thread(thread.id)
            .await?
            .map(|b| BookingView {
                when: when_text(l.lang, b.slot.starts_at, b.slot.duration_minutes),
                kind: l
                    .t(&format!("booking-type-{}", b.slot.appointment_type.code()))
                    .into_owned(),
                place: l.t1("booking-place", "place", &b.slot.place),
                reason: b.reason,
                status: l.t1(
                    "booking-office-status",
                    "status",
                    &l.t(&format!("booking-status-{}", b.status.code())),
                ),
                waiting: b.status == domain::appointment::BookingStatus::Requested,
                active: b.status == domain::appointment::BookingStatus::Confirmed
                    && b.slot.starts_at > state.now(),
            }),
        _ => None,
    };
    let enquiry_slots = if booking.is_none()
        && thread.status == storage::ThreadStatus::Open
        && matches!(
            thread.kind,
            GpService::BestillTime | GpService::Influensavaksine
        ) {
        let now = state.now();
        let practitioners = state.db.practitioners_of(staff.office.id).await?;
        let slots = state
            .db
            .free_slots_of_office(staff.office.id, now, now + 14 * 24 * 3600)
            .await?;
        Some(
            slots
                .iter()
                .map(|slot| {
                    let who = practitioners
                        .iter()
                        .find(|p| p.id == slot.practitioner_id)
                        .map(|p| p.name.full())
                        .unwrap_or_default();
                    let kind = l.t(&format!("booking-type-{}", slot.appointment_type.code()));
                    (
                        slot.id,
                        format!(
                            "{} – {kind} – {who}",
                            when_text(l.lang, slot.starts_at, slot.duration_minutes)
                        ),
                    )
                })
                .collect(),
        )
    } else {
        None
    };
    let renewal = if thread.kind == GpService::FornyResept {
        Some(
            state
                .db
                .renewal_items(thread.id)
                .await?
                .iter()
                .map(|p| format!("{} {} {} – {}", p.drug_name, p.strength, p.form, p.dosage))
                .collect(),
        )
    } else {
        None
    };
    Ok(OfficeThreadPage {
        renewal,
        enquiry_slots,
        booking,
        id: thread.id,
        kind: kind_name(&l, thread.kind),
        patient: thread.citizen_name.clone(),
        received: oslo_time(thread.received_at),
        due: norwegian_date(thread.due_date),
        overdue: thread.status == storage::ThreadStatus::Open
            && working_days::is_overdue(thread.due_date, today),
        open: thread.status == storage::ThreadStatus::Open,
        messages: message_views(state, thread.id).await?,
        subject: thread.subject,
        csrf: staff.session.csrf_token.clone(),
        answer,
        error,
        notice: notice.map(|key| l.t(key).into_owned()),
        copayment_note,
        l,
    })
}

pub async fn open_thread(
    State(state): State<AppState>,
    staff: Staff,
    Path(thread_id): Path<i64>,
    Query(query): Query<ThreadQuery>,
) -> Result<Response, AppError> {
    let thread = thread_for(&state, &staff, thread_id).await?;
    state
        .db
        .log_access(
            staff.member.id,
            thread.citizen_id,
            Some(thread.id),
            "read-thread",
            state.now(),
        )
        .await?;
    let notice = if query.avbestilt.is_some() {
        Some("office-cancelled")
    } else {
        query.besvart.is_some().then_some("office-answer-sent")
    };
    let page = render_thread(&state, &staff, thread, String::new(), None, notice).await?;
    Ok(html(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    svar: String,
}

pub async fn answer(
    State(state): State<AppState>,
    client: ClientAddr,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, AppError> {
    state.limit(Action::OfficeAnswer, client, Some(staff.subject()))?;
    let thread = thread_for(&state, &staff, thread_id).await?;
    let text = match CharLimited::<ANSWER_MAX>::parse(&form.svar) {
        Ok(text) => text,
        Err(error) => {
            let l = Layout::new(staff.lang, "office-thread-title");
            let message = l.text_error(error, &l.t("office-answer-label"));
            let kept: String = form.svar.chars().take(ANSWER_MAX * 2).collect();
            let page = render_thread(&state, &staff, thread, kept, Some(message), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let now = state.now();
    let copayment = if thread.kind == GpService::EKonsultasjon {
        let today = oslo_date(now);
        let citizen = state
            .db
            .person_by_id(thread.citizen_id)
            .await?
            .ok_or_else(|| AppError::new(ErrorKind::Internal))?;
        let free_card = state.db.has_free_card(citizen.id, today).await?;
        (!copayment_exempt(citizen.fnr.age_on(today), free_card))
            .then_some(state.config.econsultation_copayment_nok)
    } else {
        None
    };
    let outcome = state
        .db
        .answer_thread(&storage::NewAnswer {
            thread_id: thread.id,
            office_id: staff.office.id,
            staff_id: staff.member.id,
            staff_name: &staff.member.name.full(),
            body: text.as_str(),
            copayment_nok: copayment,
            now,
        })
        .await?;
    if outcome == storage::Answered::AlreadyAnswered {
        let l = Layout::new(staff.lang, "office-thread-title");
        let page = render_thread(
            &state,
            &staff,
            thread,
            String::new(),
            Some(l.t("office-already-answered").into_owned()),
            None,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, html(&page)?).into_response());
    }
    Ok(Redirect::to(&format!("/kontor/henvendelser/{}?besvart=1", thread.id)).into_response())
}

pub async fn attachment(
    State(state): State<AppState>,
    staff: Staff,
    Path(attachment_id): Path<i64>,
) -> Result<Response, AppError> {
    let not_found = || AppError::new(ErrorKind::NotFound);
    let (attachment, thread_id) = state
        .db
        .attachment_with_thread(attachment_id)
        .await?
        .ok_or_else(not_found)?;
    let thread = thread_for(&state, &staff, thread_id).await?;
    state
        .db
        .log_access(
            staff.member.id,
            thread.citizen_id,
            Some(thread.id),
            "read-attachment",
            state.now(),
        )
        .await?;
    crate::citizen::inbox::download(&state, &attachment).await
}

/// A form whose only field is the reason given to the patient (rejections, declines).
#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    begrunnelse: String,
}

/// Longest reason for a rejection.
const REJECT_REASON_MAX: usize = 500;

async fn answer_booking(
    state: &AppState,
    client: ClientAddr,
    staff: &Staff,
    thread_id: i64,
    form: ReasonForm,
    confirm: bool,
) -> Result<Response, AppError> {
    state.limit(Action::OfficeAnswer, client, Some(staff.subject()))?;
    let thread = thread_for(state, staff, thread_id).await?;
    let booking = state
        .db
        .booking_by_thread(thread.id)
        .await?
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))?;
    let text = if confirm {
        let when = when_text(
            crate::Lang::Nb,
            booking.slot.starts_at,
            booking.slot.duration_minutes,
        );
        i18n::text(
            crate::Lang::Nb,
            "booking-confirmed-message",
            &[("when", &when)],
        )
    } else {
        match CharLimited::<REJECT_REASON_MAX>::parse(&form.begrunnelse) {
            Ok(reason) => reason.into_inner(),
            Err(error) => {
                let l = Layout::new(staff.lang, "office-thread-title");
                let message = l.text_error(error, &l.t("booking-reject-reason"));
                let kept: String = form
                    .begrunnelse
                    .chars()
                    .take(REJECT_REASON_MAX * 2)
                    .collect();
                let page = render_thread(state, staff, thread, kept, Some(message), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
            }
        }
    };
    let done = state
        .db
        .answer_booking(&storage::BookingAnswer {
            thread_id: thread.id,
            office_id: staff.office.id,
            staff_id: staff.member.id,
            staff_name: &staff.member.name.full(),
            confirm,
            text: &text,
            now: state.now(),
        })
        .await?;
    if !done {
        let l = Layout::new(staff.lang, "office-thread-title");
        let page = render_thread(
            state,
            staff,
            thread,
            String::new(),
            Some(l.t("booking-office-already").into_owned()),
            None,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, html(&page)?).into_response());
    }
    Ok(Redirect::to(&format!("/kontor/henvendelser/{}?besvart=1", thread.id)).into_response())
}

/// "Bekreft timen": the booking becomes "Tildelt" and the citizen is told.
pub async fn confirm_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    answer_booking(&state, client, &staff, thread_id, form, true).await
}

/// "Avvis forespørselen": the slot becomes free again and the citizen gets the reason.
pub async fn reject_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    answer_booking(&state, client, &staff, thread_id, form, false).await
}

#[derive(Debug, Deserialize)]
pub struct SetUpForm {
    #[serde(default)]
    time: i64,
    #[serde(default)]
    beskjed: String,
}

/// "Sett opp time": the office books a slot for the citizen of an enquiry and tells them.
pub async fn set_up_appointment(
    State(state): State<AppState>,
    client: ClientAddr,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<SetUpForm>,
) -> Result<Response, AppError> {
    state.limit(Action::OfficeAnswer, client, Some(staff.subject()))?;
    let thread = thread_for(&state, &staff, thread_id).await?;
    let slot = state
        .db
        .slot_of_office(form.time, staff.office.id)
        .await?
        .ok_or_else(AppError::bad_request)?;
    let when = when_text(crate::Lang::Nb, slot.starts_at, slot.duration_minutes);
    let mut text = i18n::text(
        crate::Lang::Nb,
        "booking-confirmed-message",
        &[("when", &when)],
    );
    if let Ok(note) = CharLimited::<500>::parse(&form.beskjed) {
        text.push('\n');
        text.push_str(note.as_str());
    }
    let outcome = state
        .db
        .book_for_enquiry(&storage::OfficeBooking {
            thread_id: thread.id,
            office_id: staff.office.id,
            slot_id: slot.id,
            staff_id: staff.member.id,
            staff_name: &staff.member.name.full(),
            text: &text,
            now: state.now(),
        })
        .await?;
    match outcome {
        storage::OfficeBooked::Done => Ok(Redirect::to(&format!(
            "/kontor/henvendelser/{}?besvart=1",
            thread.id
        ))
        .into_response()),
        storage::OfficeBooked::SlotTaken => {
            let l = Layout::new(staff.lang, "office-thread-title");
            let page = render_thread(
                &state,
                &staff,
                thread,
                String::new(),
                Some(l.t("office-book-taken").into_owned()),
                None,
            )
            .await?;
            Ok((StatusCode::CONFLICT, html(&page)?).into_response())
        }
        storage::OfficeBooked::NotPossible => Err(AppError::new(ErrorKind::Conflict)),
    }
}

async fn answer_renewal(
    state: &AppState,
    client: ClientAddr,
    staff: &Staff,
    thread_id: i64,
    form: ReasonForm,
    approve: bool,
) -> Result<Response, AppError> {
    state.limit(Action::OfficeAnswer, client, Some(staff.subject()))?;
    // Only health personnel open renewal requests, so only they approve or decline.
    let thread = thread_for(state, staff, thread_id).await?;
    if thread.kind != GpService::FornyResept {
        return Err(AppError::bad_request());
    }
    let today = oslo_date(state.now());
    let text = if approve {
        let until = today
            .checked_add(jiff::Span::new().months(domain::prescription::RENEWAL_VALID_MONTHS))
            .unwrap_or(today);
        i18n::text(
            crate::Lang::Nb,
            "office-renew-approved",
            &[("date", &norwegian_date(until))],
        )
    } else {
        match CharLimited::<500>::parse(&form.begrunnelse) {
            Ok(reason) => reason.into_inner(),
            Err(error) => {
                let l = Layout::new(staff.lang, "office-thread-title");
                let message = l.text_error(error, &l.t("office-renew-reason"));
                let kept: String = form.begrunnelse.chars().take(1000).collect();
                let page = render_thread(state, staff, thread, kept, Some(message), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
            }
        }
    };
    let answer = storage::NewAnswer {
        thread_id: thread.id,
        office_id: staff.office.id,
        staff_id: staff.member.id,
        staff_name: &staff.member.name.full(),
        body: &text,
        copayment_nok: None,
        now: state.now(),
    };
    let done = if approve {
        state
            .db
            .approve_renewal(&answer, &staff.member.name.full(), today)
            .await?
    } else {
        state.db.decline_renewal(&answer).await?
    };
    if !done {
        return Err(AppError::new(ErrorKind::Conflict));
    }
    Ok(Redirect::to(&format!("/kontor/henvendelser/{}?besvart=1", thread.id)).into_response())
}

/// "Godkjenn fornyelsen": new prescriptions replace the old ones.
pub async fn approve_renewal(
    State(state): State<AppState>,
    client: ClientAddr,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    answer_renewal(&state, client, &staff, thread_id, form, true).await
}

/// "Avslå fornyelsen", with the reason for the patient.
pub async fn decline_renewal(
    State(state): State<AppState>,
    client: ClientAddr,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    answer_renewal(&state, client, &staff, thread_id, form, false).await
}
