//! Timeavtaler: the citizen's appointments, their details, "Legg i egen kalender" (an
//! iCalendar file, only for confirmed ones) and "Avbestill time" (until the office's notice
//! limit before the start; later the page says to call the office).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::appointment::{AppointmentType, BookingStatus, may_cancel};
use domain::ical::CalendarEvent;
use serde::Deserialize;
use storage::Booking;

use crate::AppState;
use crate::auth::session::ConsentedCitizen;
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{CsrfOnly, Path, Query};
use crate::i18n::{self, Lang};
use crate::security::CsrfForm;
use crate::views::dates::when_text;
use crate::views::layout::Layout;

fn heading(lang: Lang, booking: &Booking) -> String {
    i18n::text(
        lang,
        "appointment-heading",
        &[
            (
                "when",
                &when_text(lang, booking.slot.starts_at, booking.slot.duration_minutes),
            ),
            (
                "type",
                &i18n::text(
                    lang,
                    &format!("booking-type-{}", booking.slot.appointment_type.code()),
                    &[],
                ),
            ),
            ("office", &booking.office_name),
        ],
    )
}

fn status_text(lang: Lang, status: BookingStatus) -> String {
    let name = i18n::text(lang, &format!("booking-status-{}", status.code()), &[]);
    i18n::text(lang, "appointment-status", &[("status", &name)])
}

struct Line {
    id: i64,
    heading: String,
    status: String,
}

#[derive(Template)]
#[template(path = "citizen/appointments/list.html")]
struct ListPage {
    l: Layout,
    upcoming: Vec<Line>,
    earlier: Vec<Line>,
}

pub async fn list(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let lang = citizen.lang;
    let now = state.now();
    let bookings = state.db.bookings_of_citizen(citizen.person.id).await?;
    let (mut upcoming, earlier): (Vec<Booking>, Vec<Booking>) = bookings
        .into_iter()
        .partition(|b| b.status.holds_slot() && b.slot.starts_at >= now);
    upcoming.reverse();
    let line = |b: Booking| Line {
        id: b.id,
        heading: heading(lang, &b),
        status: status_text(lang, b.status),
    };
    let l = Layout::new(lang, "appointments-title").with_user(citizen.header_user(&state));
    let page = ListPage {
        l,
        upcoming: upcoming.into_iter().map(line).collect(),
        earlier: earlier.into_iter().map(line).collect(),
    };
    Ok(html(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "citizen/appointments/detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    heading: String,
    duration: String,
    place: String,
    reason: Option<String>,
    practitioner: String,
    status: String,
    confirmed: bool,
    video: bool,
    active: bool,
    too_late: Option<String>,
    cancelled_now: bool,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    avbestilt: Option<String>,
}

async fn own_booking(
    state: &AppState,
    citizen: &ConsentedCitizen,
    id: i64,
) -> Result<Booking, AppError> {
    state
        .db
        .booking_of_citizen(id, citizen.citizen.person.id)
        .await?
        .ok_or_else(|| AppError::new(ErrorKind::NotFound))
}

async fn notice_hours(state: &AppState, office_id: i64) -> Result<(i64, String), AppError> {
    let office = state
        .db
        .office_by_id(office_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorKind::Internal))?;
    Ok((office.cancel_notice_hours, office.phone))
}

pub async fn detail(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<i64>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let booking = own_booking(&state, &citizen, id).await?;
    let citizen = citizen.citizen;
    let l = Layout::new(citizen.lang, "appointments-title").with_user(citizen.header_user(&state));
    let (hours, phone) = notice_hours(&state, booking.slot.office_id).await?;
    let active = booking.status.holds_slot() && booking.slot.starts_at > state.now();
    let too_late = (!may_cancel(booking.slot.starts_at, state.now(), hours)).then(|| {
        i18n::text(
            l.lang,
            "appointment-cancel-too-late",
            &[("hours", &hours.to_string()), ("phone", &phone)],
        )
    });
    let page = DetailPage {
        id: booking.id,
        heading: heading(l.lang, &booking),
        duration: l.t1(
            "appointment-duration",
            "minutes",
            &booking.slot.duration_minutes.to_string(),
        ),
        place: l.t1("booking-place", "place", &booking.slot.place),
        reason: (!booking.reason.is_empty())
            .then(|| l.t1("appointment-reason", "reason", &booking.reason)),
        practitioner: l.t1(
            "appointment-practitioner",
            "name",
            &booking.practitioner_name,
        ),
        status: status_text(l.lang, booking.status),
        confirmed: booking.status == BookingStatus::Confirmed,
        video: booking.slot.appointment_type == AppointmentType::Videotime,
        active,
        too_late,
        cancelled_now: query.avbestilt.is_some(),
        csrf: citizen.session.csrf_token.clone(),
        l,
    };
    Ok(html(&page)?.into_response())
}

/// "Legg i egen kalender": confirmed appointments only.
pub async fn calendar_file(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let booking = own_booking(&state, &citizen, id).await?;
    if booking.status != BookingStatus::Confirmed {
        return Err(AppError::new(ErrorKind::NotFound));
    }
    let tz = domain::norway_time_zone();
    let local = |unix: i64| {
        jiff::Timestamp::from_second(unix)
            .map(|t| t.to_zoned_datetime(tz.clone()).datetime())
            .unwrap_or(jiff::civil::DateTime::MIN)
    };
    let utc = jiff::Timestamp::from_second(state.now())
        .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).datetime())
        .unwrap_or(jiff::civil::DateTime::MIN);
    let kind = i18n::text(
        Lang::Nb,
        &format!("booking-type-{}", booking.slot.appointment_type.code()),
        &[],
    );
    let summary = format!(
        "{kind} hos {}, {}",
        booking.practitioner_name, booking.office_name
    );
    let uid = format!("timeavtale-{}@helseportal", booking.id);
    let ics = CalendarEvent {
        uid: &uid,
        stamp_utc: utc,
        start: local(booking.slot.starts_at),
        end: local(booking.slot.starts_at + booking.slot.duration_minutes * 60),
        summary: &summary,
        location: &booking.slot.place,
        description: &booking.reason,
    }
    .to_ics();
    let mut response = ics.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"timeavtale.ics\""),
    );
    Ok(response)
}

/// "Avbestill time".
pub async fn cancel(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(id): Path<i64>,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let booking = own_booking(&state, &citizen, id).await?;
    let (hours, _) = notice_hours(&state, booking.slot.office_id).await?;
    let now = state.now();
    if !booking.status.holds_slot() || !may_cancel(booking.slot.starts_at, now, hours) {
        return Err(AppError::new(ErrorKind::Conflict));
    }
    let message = i18n::text(Lang::Nb, "appointment-cancel-message", &[]);
    let person = &citizen.citizen.person;
    if !state
        .db
        .cancel_booking(booking.id, person.id, &person.name.full(), &message, now)
        .await?
    {
        return Err(AppError::new(ErrorKind::Conflict));
    }
    Ok(Redirect::to(&format!("/timeavtaler/{}?avbestilt=1", booking.id)).into_response())
}
