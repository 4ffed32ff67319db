//! "Bestill time" and "Bestill influensavaksine" (seeds 002 and 003): choose a practitioner,
//! a day in the month calendar and a free slot, review, send. The request holds the slot until
//! the office confirms ("Tildelt") or rejects it. Every step is a plain link or form.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::appointment::{AppointmentType, SlotPurpose, month_grid};
use domain::text::{CharLimited, TextError};
use domain::{GpService, working_days};
use jiff::civil::Date;
use serde::Deserialize;
use storage::{BookingOutcome, GpOverview, NewBooking, Office, Practitioner, Slot};

use crate::AppState;
use crate::auth::login::MessagePage;
use crate::auth::session::{Citizen, ConsentedCitizen, ConsentedCitizenWithGp};
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{IdempotencyKey, Path, Query};
use crate::i18n::{self, Lang};
use crate::security::CsrfForm;
use crate::throttle::{Action, ClientAddr};
use crate::views::dates::{date_in_month, local, long_date, month_name, oslo_date, when_text};
use crate::views::layout::Layout;
use crate::views::text_field::TextField;

/// The two services that book slots, and where their pages are.
#[derive(Debug, Clone, Copy)]
struct Service {
    purpose: SlotPurpose,
    service: GpService,
    base: &'static str,
    title_key: &'static str,
}

const ORDINARY: Service = Service {
    purpose: SlotPurpose::Ordinary,
    service: GpService::BestillTime,
    base: "/bestill-time",
    title_key: "booking-title",
};
const FLU: Service = Service {
    purpose: SlotPurpose::FluVaccine,
    service: GpService::Influensavaksine,
    base: "/influensavaksine",
    title_key: "booking-flu-title",
};

fn type_name(lang: Lang, kind: AppointmentType) -> String {
    i18n::text(lang, &format!("booking-type-{}", kind.code()), &[])
}

/// A child under 16 cannot book for themselves (seed 001); the consent the booking routes
/// need is checked before their handlers run (`routes.rs`).
fn refuse_children(state: &AppState, citizen: &ConsentedCitizen) -> Result<(), AppError> {
    if citizen.citizen.person.fnr.age_on(oslo_date(state.now())) < 16 {
        return Err(AppError::forbidden());
    }
    Ok(())
}

/// The office of the citizen's GP, when it offers the service.
fn office_offering(gp: Option<GpOverview>, service: Service) -> Result<Office, AppError> {
    match gp {
        Some(gp) if gp.services.contains(&service.service) => Ok(gp.office),
        _ => Err(AppError::new(ErrorKind::NotFound)),
    }
}

/// The citizen's GP office (read with the session), when it offers the service and the
/// citizen may book.
fn office_for(
    state: &AppState,
    citizen: &ConsentedCitizen,
    gp: Option<GpOverview>,
    service: Service,
) -> Result<Office, AppError> {
    refuse_children(state, citizen)?;
    office_offering(gp, service)
}

/// An office that takes enquiries books by hand: its slots are not for citizens to choose.
fn offers_slots(office: &Office, service: Service) -> bool {
    !(office.enquiry_only && service.purpose == SlotPurpose::Ordinary)
}

fn layout(state: &AppState, citizen: &Citizen, service: Service) -> Layout {
    Layout::new(citizen.lang, service.title_key).with_user(citizen.header_user(state))
}

// ---------------------------------------------------------------------------------------------
// Choose the practitioner

#[derive(Template)]
#[template(path = "citizen/booking/practitioners.html")]
struct PractitionersPage {
    l: Layout,
    heading: String,
    lead: String,
    practitioners: Vec<(String, String)>,
}

fn practitioner_label(l: &Layout, p: &Practitioner) -> String {
    format!(
        "{} ({})",
        p.name.full(),
        l.t(&format!("practitioner-{}", p.kind.code()))
    )
}

async fn practitioners(
    state: AppState,
    citizen: ConsentedCitizenWithGp,
    service: Service,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let office = office_for(&state, &citizen, gp, service)?;
    if !offers_slots(&office, service) {
        let page = enquiry_page(&state, &citizen.citizen, &office, EnquiryInput::default())?;
        return Ok(html(&page)?.into_response());
    }
    let l = layout(&state, &citizen.citizen, service);
    let list = state
        .db
        .practitioners_of(office.id)
        .await?
        .iter()
        .map(|p| {
            (
                format!("{}/behandler/{}", service.base, p.id),
                practitioner_label(&l, p),
            )
        })
        .collect();
    let page = PractitionersPage {
        heading: l.title.clone(),
        lead: l.t1("booking-choose-practitioner", "office", &office.name),
        practitioners: list,
        l,
    };
    Ok(html(&page)?.into_response())
}

pub async fn ordinary_practitioners(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
) -> Result<Response, AppError> {
    practitioners(state, citizen, ORDINARY).await
}

pub async fn flu_practitioners(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
) -> Result<Response, AppError> {
    practitioners(state, citizen, FLU).await
}

// ---------------------------------------------------------------------------------------------
// The month calendar and the free slots of a day

struct DayCell {
    day: i8,
    href: String,
    has_free: bool,
    selected: bool,
    today: bool,
    label: String,
}

struct SlotLine {
    id: i64,
    time: String,
    kind: String,
    explanation: String,
    place: String,
}

#[derive(Template)]
#[template(path = "citizen/booking/calendar.html")]
struct CalendarPage {
    l: Layout,
    heading: String,
    practitioner: String,
    month_label: String,
    caption: String,
    weekdays: Vec<String>,
    weeks: Vec<Vec<Option<DayCell>>>,
    today_href: String,
    previous_href: Option<String>,
    next_href: String,
    chosen_day: Option<String>,
    free: Vec<SlotLine>,
    later: Vec<SlotLine>,
    review_action: String,
    office_name: String,
    office_address: String,
    office_phone: String,
    phone_href: String,
}

#[derive(Debug, Deserialize)]
pub struct CalendarQuery {
    #[serde(default)]
    maaned: Option<String>,
    #[serde(default)]
    dag: Option<String>,
}

/// The texts of a day's slot lines, each looked up once a page: a day lists a dozen slots of
/// one or two kinds at one place, and the place's line is formatted with an argument.
struct SlotTexts {
    lang: Lang,
    /// By appointment type: its name and its explanation.
    kinds: Vec<(AppointmentType, String, String)>,
    /// By place: the "Oppmøtested" line.
    places: Vec<(String, String)>,
}

impl SlotTexts {
    fn new(lang: Lang) -> Self {
        Self {
            lang,
            kinds: Vec::new(),
            places: Vec::new(),
        }
    }

    fn line(&mut self, slot: &Slot) -> SlotLine {
        let lang = self.lang;
        let start = local(slot.starts_at);
        let end = local(slot.starts_at + slot.duration_minutes * 60);
        let kind_at = match self
            .kinds
            .iter()
            .position(|(k, ..)| *k == slot.appointment_type)
        {
            Some(index) => index,
            None => {
                let kind = slot.appointment_type;
                let explanation =
                    i18n::text(lang, &format!("booking-explain-{}", kind.code()), &[]);
                self.kinds.push((kind, type_name(lang, kind), explanation));
                self.kinds.len() - 1
            }
        };
        let place_at = match self.places.iter().position(|(p, _)| *p == slot.place) {
            Some(index) => index,
            None => {
                let line = i18n::text(lang, "booking-place", &[("place", &slot.place)]);
                self.places.push((slot.place.clone(), line));
                self.places.len() - 1
            }
        };
        let (_, kind, explanation) = &self.kinds[kind_at];
        SlotLine {
            id: slot.id,
            time: format!(
                "{:02}:{:02} - {:02}:{:02}",
                start.hour(),
                start.minute(),
                end.hour(),
                end.minute()
            ),
            kind: kind.clone(),
            explanation: explanation.clone(),
            place: self.places[place_at].1.clone(),
        }
    }
}

async fn calendar(
    state: AppState,
    citizen: ConsentedCitizenWithGp,
    service: Service,
    practitioner_id: i64,
    query: CalendarQuery,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    refuse_children(&state, &citizen)?;
    let lang = citizen.citizen.lang;
    let today = oslo_date(state.now());
    let chosen_day: Option<Date> = match query.dag.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => Some(text.parse().map_err(|_| AppError::bad_request())?),
        None => None,
    };
    let month_start: Date = match query.maaned.as_deref().filter(|m| !m.is_empty()) {
        Some(text) => format!("{text}-01")
            .parse()
            .map_err(|_| AppError::bad_request())?,
        None => chosen_day.unwrap_or(today).first_of_month(),
    };
    let this_month = today.first_of_month();
    // Bookings reach a year ahead; earlier months than this one have nothing to book.
    let last_month = this_month
        .checked_add(jiff::Span::new().months(12))
        .unwrap_or(this_month);
    if month_start < this_month || month_start > last_month {
        return Err(AppError::bad_request());
    }
    let next_month = month_start
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or(month_start);
    let days = storage::days_left_in_month(month_start, state.now())?;
    let periods: Vec<storage::Period> = days.iter().map(|(_, period)| *period).collect();
    let chosen_bounds = chosen_day
        .map(|day| storage::day_bounds(day).map_err(|_| AppError::bad_request()))
        .transpose()?;
    // The GP's office came with the session. The month's free days and the chosen day's slots
    // do not depend on each other, so they are asked for at once: on PostgreSQL the two go out
    // in one write, and the page waits for one round trip after the session's. The
    // practitioner is usually the GP, whom the office's row brings along; another of the
    // office's practitioners is read after it. The office and the practitioner are checked
    // before anything found is shown.
    let (free_starts, day_slots) = tokio::try_join!(
        state
            .db
            .periods_with_free_slots(practitioner_id, service.purpose, &periods),
        async {
            match chosen_bounds {
                Some((day_start, day_end)) => state
                    .db
                    .slots_between(
                        practitioner_id,
                        service.purpose,
                        day_start.max(state.now()),
                        day_end,
                    )
                    .await
                    .map(Some),
                None => Ok(None),
            }
        },
    )?;
    let gp_practitioner = gp.as_ref().map(|gp| gp.practitioner.clone());
    let office = office_offering(gp, service)?;
    if !offers_slots(&office, service) {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let practitioner = match gp_practitioner {
        Some(gp) if gp.id == practitioner_id => Some(gp),
        _ => state.db.practitioner(practitioner_id).await?,
    };
    let practitioner = practitioner
        .filter(|p| p.office_id == office.id)
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))?;
    let free_days: Vec<Date> = days
        .iter()
        .filter(|(_, (start, _))| free_starts.contains(start))
        .map(|(day, _)| *day)
        .collect();
    let base = format!("{}/behandler/{}", service.base, practitioner.id);
    let month_param = month_start.strftime("%Y-%m").to_string();
    // Every day of the grid is in this month: its name and the "free" note are looked up once.
    let month = month_name(lang, month_start.month());
    let has_free_note = i18n::text(lang, "booking-day-has-free", &[]);
    let weeks = month_grid(month_start.year(), month_start.month())
        .into_iter()
        .map(|week| {
            week.into_iter()
                .map(|cell| {
                    cell.map(|day| {
                        let has_free = free_days.contains(&day);
                        let mut label = date_in_month(day, &month);
                        if has_free {
                            label.push_str(", ");
                            label.push_str(&has_free_note);
                        }
                        DayCell {
                            day: day.day(),
                            // The day in ISO form, as `Date` shows it, from the month's.
                            href: format!(
                                "{base}?maaned={month_param}&dag={month_param}-{:02}",
                                day.day()
                            ),
                            has_free,
                            selected: Some(day) == chosen_day,
                            today: day == today,
                            label,
                        }
                    })
                })
                .collect()
        })
        .collect();
    let mut texts = SlotTexts::new(lang);
    let (mut free, mut later) = (Vec::new(), Vec::new());
    for slot in day_slots.iter().flatten().filter(|s| !s.taken) {
        let line = texts.line(slot);
        if slot.released {
            free.push(line);
        } else {
            later.push(line);
        }
    }
    let l = layout(&state, &citizen.citizen, service);
    let month_label = format!("{month} {}", month_start.year());
    let page = CalendarPage {
        heading: l.title.clone(),
        practitioner: practitioner_label(&l, &practitioner),
        caption: l.t1("booking-calendar-caption", "month", &month_label),
        month_label,
        weekdays: (1..=7)
            .map(|d| l.t(&format!("weekday-short-{d}")).into_owned())
            .collect(),
        weeks,
        today_href: format!("{base}?maaned={}&dag={today}", today.strftime("%Y-%m")),
        previous_href: month_start
            .checked_sub(jiff::Span::new().months(1))
            .ok()
            .filter(|m| *m >= this_month)
            .map(|m| format!("{base}?maaned={}", m.strftime("%Y-%m"))),
        next_href: format!("{base}?maaned={}", next_month.strftime("%Y-%m")),
        chosen_day: chosen_day.map(|d| l.t1("booking-free-on", "date", &long_date(lang, d))),
        free,
        later,
        review_action: format!("{}/se-gjennom", service.base),
        office_address: format!("{}, {} {}", office.street, office.postal_code, office.city),
        office_phone: l.t1("gp-phone", "phone", &office.phone),
        phone_href: format!("tel:{}", office.phone.replace(' ', "")),
        office_name: office.name,
        l,
    };
    Ok(html(&page)?.into_response())
}

pub async fn ordinary_calendar(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
    Path(practitioner): Path<i64>,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, AppError> {
    calendar(state, citizen, ORDINARY, practitioner, query).await
}

pub async fn flu_calendar(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
    Path(practitioner): Path<i64>,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, AppError> {
    calendar(state, citizen, FLU, practitioner, query).await
}

// ---------------------------------------------------------------------------------------------
// Review and send

#[derive(Template)]
#[template(path = "citizen/booking/review.html")]
struct ReviewPage {
    l: Layout,
    when: String,
    with: String,
    place: String,
    kind: String,
    duration: String,
    action: String,
    slot_id: i64,
    key: String,
    reason: String,
    error: Option<String>,
    back: String,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    time: Option<i64>,
}

/// A free slot of the citizen's GP office for this service.
async fn bookable_slot(
    state: &AppState,
    office: &Office,
    service: Service,
    slot_id: i64,
) -> Result<Option<Slot>, AppError> {
    let slot = state.db.slot_of_office(slot_id, office.id).await?;
    Ok(slot.filter(|s| s.purpose == service.purpose && s.released && s.starts_at > state.now()))
}

/// What the review form holds: its idempotency key, the typed reason and its error.
struct ReviewInput {
    key: String,
    reason: String,
    error: Option<String>,
}

async fn review_page(
    state: &AppState,
    citizen: &Citizen,
    office: &Office,
    service: Service,
    slot: &Slot,
    input: ReviewInput,
) -> Result<ReviewPage, AppError> {
    let ReviewInput { key, reason, error } = input;
    let l = layout(state, citizen, service);
    let lang = l.lang;
    // The slot was found among the office's own, so its practitioner is the office's.
    let practitioner = state
        .db
        .practitioner(slot.practitioner_id)
        .await?
        .filter(|p| p.office_id == office.id)
        .ok_or_else(|| AppError::new(ErrorKind::Internal))?;
    let day = local(slot.starts_at).date();
    Ok(ReviewPage {
        when: when_text(lang, slot.starts_at, slot.duration_minutes),
        with: i18n::text(
            lang,
            "booking-review-with",
            &[
                ("practitioner", &practitioner_label(&l, &practitioner)),
                ("office", &office.name),
            ],
        ),
        place: l.t1("booking-place", "place", &slot.place),
        kind: l.t1(
            "booking-review-type",
            "type",
            &type_name(lang, slot.appointment_type),
        ),
        duration: l.t1(
            "booking-review-duration",
            "minutes",
            &slot.duration_minutes.to_string(),
        ),
        action: format!("{}/se-gjennom", service.base),
        slot_id: slot.id,
        key,
        reason,
        error,
        back: format!(
            "{}/behandler/{}?maaned={}&dag={day}",
            service.base,
            practitioner.id,
            day.strftime("%Y-%m")
        ),
        csrf: citizen.session.csrf_token.clone(),
        l,
    })
}

async fn review(
    state: AppState,
    citizen: ConsentedCitizenWithGp,
    service: Service,
    query: ReviewQuery,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let office = office_for(&state, &citizen, gp, service)?;
    if !offers_slots(&office, service) {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let slot_id = query.time.ok_or_else(AppError::bad_request)?;
    let Some(slot) = bookable_slot(&state, &office, service, slot_id).await? else {
        return Ok(taken_page(&state, &citizen.citizen, service));
    };
    if slot.taken {
        return Ok(taken_page(&state, &citizen.citizen, service));
    }
    let input = ReviewInput {
        key: storage::random_token(),
        reason: String::new(),
        error: None,
    };
    let page = review_page(&state, &citizen.citizen, &office, service, &slot, input).await?;
    Ok(html(&page)?.into_response())
}

pub async fn ordinary_review(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, AppError> {
    review(state, citizen, ORDINARY, query).await
}

pub async fn flu_review(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, AppError> {
    review(state, citizen, FLU, query).await
}

fn taken_page(state: &AppState, citizen: &Citizen, service: Service) -> Response {
    let l = Layout::new(citizen.lang, "booking-taken-title").with_user(citizen.header_user(state));
    MessagePage::new(
        l,
        "booking-taken-text",
        Some((service.base, "booking-back-to-calendar")),
    )
    .respond(StatusCode::CONFLICT)
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    time: i64,
    key: IdempotencyKey,
    #[serde(default)]
    reason: String,
}

/// "Hva gjelder timen?" is optional, at most 50 characters.
pub const REASON_MAX: usize = 50;

async fn send(
    state: AppState,
    client: ClientAddr,
    citizen: ConsentedCitizenWithGp,
    service: Service,
    form: SendForm,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let subject = citizen.citizen.subject();
    state.limit(Action::Message, client, Some(subject))?;
    let office = office_for(&state, &citizen, gp, service)?;
    if !offers_slots(&office, service) {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let citizen = citizen.citizen;
    let Some(slot) = state
        .db
        .slot_of_office(form.time, office.id)
        .await?
        .filter(|s| s.purpose == service.purpose)
    else {
        return Ok(taken_page(&state, &citizen, service));
    };
    let reason = match CharLimited::<REASON_MAX>::parse(&form.reason) {
        Ok(reason) => reason.into_inner(),
        Err(TextError::Missing) => String::new(),
        Err(error @ (TextError::TooLong { .. } | TextError::TooMuchStored { .. })) => {
            let message = crate::views::layout::over_limit(citizen.lang, error);
            let kept: String = form.reason.chars().take(REASON_MAX * 4).collect();
            let input = ReviewInput {
                key: form.key.as_str().to_owned(),
                reason: kept,
                error: Some(message),
            };
            let page = review_page(&state, &citizen, &office, service, &slot, input).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let now = state.now();
    // The message in Innboks is in Norwegian, the language of the office's record.
    let mut message = i18n::text(
        Lang::Nb,
        "booking-message",
        &[(
            "when",
            &when_text(Lang::Nb, slot.starts_at, slot.duration_minutes),
        )],
    );
    if !reason.is_empty() {
        message.push('\n');
        message.push_str(&i18n::text(
            Lang::Nb,
            "booking-message-reason",
            &[("reason", &reason)],
        ));
    }
    let outcome = state
        .db
        .request_booking(&NewBooking {
            slot_id: slot.id,
            citizen_id: citizen.person.id,
            booked_by_person_id: citizen.person.id,
            sender_name: &citizen.person.name.full(),
            reason: &reason,
            message: &message,
            idempotency_key: &form.key.scoped("booking", citizen.person.id),
            now,
            due_date: working_days::add_working_days(
                oslo_date(now),
                working_days::ANSWER_WORKING_DAYS,
            ),
        })
        .await?;
    match outcome {
        BookingOutcome::Requested { thread_id, .. }
        | BookingOutcome::AlreadySent { thread_id, .. } => {
            Ok(Redirect::to(&format!("{}/sendt/{thread_id}", service.base)).into_response())
        }
        BookingOutcome::Refused(_) => Ok(taken_page(&state, &citizen, service)),
    }
}

pub async fn ordinary_send(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: ConsentedCitizenWithGp,
    CsrfForm(form): CsrfForm<SendForm>,
) -> Result<Response, AppError> {
    send(state, client, citizen, ORDINARY, form).await
}

pub async fn flu_send(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: ConsentedCitizenWithGp,
    CsrfForm(form): CsrfForm<SendForm>,
) -> Result<Response, AppError> {
    send(state, client, citizen, FLU, form).await
}

#[derive(Template)]
#[template(path = "citizen/booking/sent.html")]
struct SentPage {
    l: Layout,
}

/// "Timebestillingen er sendt".
pub async fn sent(
    State(state): State<AppState>,
    citizen: Citizen,
    Path(thread_id): Path<i64>,
) -> Result<Response, AppError> {
    if state
        .db
        .thread_of_citizen(thread_id, citizen.person.id)
        .await?
        .is_none()
    {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let l = Layout::new(citizen.lang, "booking-sent-title").with_user(citizen.header_user(&state));
    Ok(html(&SentPage { l })?.into_response())
}

// ---------------------------------------------------------------------------------------------
// "Forespørsel" (seed 003): the office books by hand

#[derive(Template)]
#[template(path = "citizen/booking/enquiry.html")]
struct EnquiryPage {
    l: Layout,
    office_name: String,
    key: String,
    when: TextField,
    reason: TextField,
    errors: Vec<(String, String)>,
    csrf: String,
}

/// When it suits the citizen, at most this many characters.
pub const WHEN_MAX: usize = 200;

#[derive(Default)]
struct EnquiryInput {
    key: Option<String>,
    when: String,
    reason: String,
    errors: Vec<(&'static str, TextError)>,
}

fn enquiry_page(
    state: &AppState,
    citizen: &Citizen,
    office: &Office,
    input: EnquiryInput,
) -> Result<EnquiryPage, AppError> {
    let l = Layout::new(citizen.lang, "enquiry-title").with_user(citizen.header_user(state));
    let message = |error: TextError, label: &str| l.text_error(error, label);
    let field = |name: &'static str,
                 label_key: &str,
                 hint_key: &str,
                 value: &str,
                 max: usize,
                 multiline: bool| {
        let label = l.t(label_key).into_owned();
        TextField {
            name,
            hint: l.t(hint_key).into_owned(),
            value: value.to_owned(),
            max,
            count: i18n::text(
                l.lang,
                "char-count",
                &[
                    (
                        "count",
                        &domain::text::visible_len(&domain::text::normalise(value)).to_string(),
                    ),
                    ("max", &max.to_string()),
                ],
            ),
            error: input
                .errors
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, e)| message(*e, &label)),
            label,
            multiline,
        }
    };
    let when = field(
        "when",
        "enquiry-when-label",
        "enquiry-when-hint",
        &input.when,
        WHEN_MAX,
        true,
    );
    let reason = field(
        "reason",
        "booking-reason-label",
        "booking-reason-hint",
        &input.reason,
        REASON_MAX,
        false,
    );
    let errors = [&when, &reason]
        .iter()
        .filter_map(|f| f.error.clone().map(|e| (f.name.to_owned(), e)))
        .collect();
    Ok(EnquiryPage {
        office_name: office.name.clone(),
        key: input.key.unwrap_or_else(storage::random_token),
        when,
        reason,
        errors,
        csrf: citizen.session.csrf_token.clone(),
        l,
    })
}

#[derive(Debug, Deserialize)]
pub struct EnquiryForm {
    key: IdempotencyKey,
    #[serde(default)]
    when: String,
    #[serde(default)]
    reason: String,
}

/// Sends an enquiry; the office answers with a time it sets up.
pub async fn send_enquiry(
    State(state): State<AppState>,
    client: ClientAddr,
    citizen: ConsentedCitizenWithGp,
    CsrfForm(form): CsrfForm<EnquiryForm>,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp { citizen, gp } = citizen;
    let subject = citizen.citizen.subject();
    state.limit(Action::Message, client, Some(subject))?;
    let office = office_for(&state, &citizen, gp, ORDINARY)?;
    if !office.enquiry_only {
        return Err(AppError::bad_request());
    }
    let citizen = citizen.citizen;
    let when = CharLimited::<WHEN_MAX>::parse(&form.when);
    let reason = match CharLimited::<REASON_MAX>::parse(&form.reason) {
        Ok(reason) => Ok(reason.into_inner()),
        Err(TextError::Missing) => Ok(String::new()),
        Err(error) => Err(error),
    };
    let (when, reason) = match (when, reason) {
        (Ok(when), Ok(reason)) => (when, reason),
        (when, reason) => {
            let mut errors = Vec::new();
            if let Err(e) = when {
                errors.push(("when", e));
            }
            if let Err(e) = reason {
                errors.push(("reason", e));
            }
            let keep = |text: &str| text.chars().take(WHEN_MAX * 4).collect::<String>();
            let input = EnquiryInput {
                key: Some(form.key.as_str().to_owned()),
                when: keep(&form.when),
                reason: keep(&form.reason),
                errors,
            };
            let page = enquiry_page(&state, &citizen, &office, input)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let mut body = i18n::text(Lang::Nb, "enquiry-message-when", &[("when", when.as_str())]);
    if !reason.is_empty() {
        body.push('\n');
        body.push_str(&i18n::text(
            Lang::Nb,
            "booking-message-reason",
            &[("reason", &reason)],
        ));
    }
    let now = state.now();
    let subject = i18n::text(Lang::Nb, "enquiry-title", &[]);
    let sent = state
        .db
        .send_thread(&storage::NewThread {
            citizen_id: citizen.person.id,
            sent_by_person_id: citizen.person.id,
            sender_name: &citizen.person.name.full(),
            office_id: office.id,
            practitioner_id: None,
            kind: GpService::BestillTime,
            subject: &subject,
            body: &body,
            idempotency_key: &form.key.scoped("enquiry", citizen.person.id),
            draft_id: None,
            received_at: now,
            due_date: working_days::add_working_days(
                oslo_date(now),
                working_days::ANSWER_WORKING_DAYS,
            ),
        })
        .await?;
    Ok(Redirect::to(&format!("/bestill-time/sendt/{}", sent.thread_id)).into_response())
}
