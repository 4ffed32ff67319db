//! The office publishes appointment slots: one at a time or from a weekly pattern over a
//! period, with closing days; it removes slots nobody holds. A slot that is requested or
//! booked cannot be removed: it must be cancelled with a message to the citizen first.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::appointment::{AppointmentType, SlotPurpose, WeeklyTemplate};
use jiff::civil::{Date, Time, Weekday};
use serde::Deserialize;
use storage::{NewSlot, Office, Practitioner};

use crate::AppState;
use crate::auth::session::Staff;
use crate::error::{AppError, html};
use crate::forms::{CsrfOnly, Path, Query};
use crate::i18n;
use crate::security::{CsrfForm, CsrfRawForm};
use crate::views::layout::Layout;

/// Where a remote appointment happens is its kind; the others are at the office.
fn place_of(kind: AppointmentType, office: &Office) -> String {
    match kind {
        AppointmentType::Telefontime => "Telefontime".into(),
        AppointmentType::Videotime => "Videotime".into(),
        _ => format!("{}, {} {}", office.street, office.postal_code, office.city),
    }
}

struct SlotRow {
    id: i64,
    when: String,
    kind: String,
    state: String,
    removable: bool,
}

#[derive(Template)]
#[template(path = "office/slots.html")]
struct SlotsPage {
    l: Layout,
    csrf: String,
    practitioners: Vec<(i64, String, bool)>,
    practitioner_id: i64,
    rows: Vec<SlotRow>,
    kinds: Vec<(&'static str, String)>,
    weekdays: Vec<(i8, String)>,
    closing_days: Vec<String>,
    notice: Option<String>,
    error: Option<String>,
    /// The form that was refused, its field at fault, and what was typed (kept, not lost).
    refused: Option<Refused>,
}

/// A refused form: which one, the field at fault, and the values as typed.
pub(crate) struct Refused {
    form: &'static str,
    field: &'static str,
    values: Vec<(String, String)>,
}

impl SlotsPage {
    /// The value to show in a field of a form: as typed when that form was refused, else the
    /// default.
    fn value(&self, form: &str, name: &str, default: &str) -> String {
        match &self.refused {
            Some(r) if r.form == form => r
                .values
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            _ => default.to_owned(),
        }
    }

    /// Whether a checkbox or option was chosen in a refused form (else its default).
    fn chosen(&self, form: &str, name: &str, value: &str, default: bool) -> bool {
        match &self.refused {
            Some(r) if r.form == form => r.values.iter().any(|(k, v)| k == name && v == value),
            _ => default,
        }
    }

    /// Whether this field is the one at fault.
    fn at_fault(&self, form: &str, field: &str) -> bool {
        self.refused
            .as_ref()
            .is_some_and(|r| r.form == form && r.field == field)
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SlotsQuery {
    #[serde(default)]
    behandler: Option<i64>,
    #[serde(default)]
    lagt_til: Option<i64>,
    #[serde(default)]
    fjernet: Option<String>,
}

fn chosen_practitioner(practitioners: &[Practitioner], id: Option<i64>) -> Result<i64, AppError> {
    match id {
        Some(id) => practitioners
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.id)
            .ok_or_else(AppError::bad_request),
        None => practitioners
            .first()
            .map(|p| p.id)
            .ok_or_else(AppError::bad_request),
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    practitioner: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
    refused: Option<Refused>,
) -> Result<SlotsPage, AppError> {
    let l = Layout::new(staff.lang, "office-slots-title")
        .with_home("/kontor")
        .with_user(staff.header_user(state));
    let practitioners = state.db.practitioners_of(staff.office.id).await?;
    let practitioner_id = chosen_practitioner(&practitioners, practitioner)?;
    let now = state.now();
    let mut rows = Vec::new();
    for purpose in [SlotPurpose::Ordinary, SlotPurpose::FluVaccine] {
        for slot in state
            .db
            .slots_between(practitioner_id, purpose, now, now + 14 * 24 * 3600)
            .await?
        {
            let state_key = if slot.taken {
                "office-slots-held"
            } else if slot.released {
                "office-slots-free"
            } else {
                "office-slots-later"
            };
            let mut kind = l
                .t(&format!("booking-type-{}", slot.appointment_type.code()))
                .into_owned();
            if purpose == SlotPurpose::FluVaccine {
                kind = format!("{kind} ({})", l.t("office-slots-purpose-influensavaksine"));
            }
            rows.push((
                slot.starts_at,
                SlotRow {
                    id: slot.id,
                    when: crate::views::dates::when_text(
                        l.lang,
                        slot.starts_at,
                        slot.duration_minutes,
                    ),
                    kind,
                    state: l.t(state_key).into_owned(),
                    removable: !slot.taken,
                },
            ));
        }
    }
    rows.sort_by_key(|(start, _)| *start);
    Ok(SlotsPage {
        csrf: staff.session.csrf_token.clone(),
        practitioners: practitioners
            .iter()
            .map(|p| {
                (
                    p.id,
                    format!(
                        "{} ({})",
                        p.name.full(),
                        l.t(&format!("practitioner-{}", p.kind.code()))
                    ),
                    p.id == practitioner_id,
                )
            })
            .collect(),
        practitioner_id,
        rows: rows.into_iter().map(|(_, row)| row).collect(),
        kinds: AppointmentType::ALL
            .into_iter()
            .map(|k| {
                (
                    k.code(),
                    l.t(&format!("booking-type-{}", k.code())).into_owned(),
                )
            })
            .collect(),
        weekdays: (1..=7)
            .map(|d| (d, l.t(&format!("weekday-{d}")).into_owned()))
            .collect(),
        closing_days: state
            .db
            .closing_days(staff.office.id)
            .await?
            .iter()
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .collect(),
        notice,
        error,
        refused,
        l,
    })
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<SlotsQuery>,
) -> Result<Response, AppError> {
    let l = Layout::new(staff.lang, "office-slots-title");
    let notice = match (query.lagt_til, query.fjernet) {
        (Some(count), _) => Some(l.t1("office-slots-added", "count", &count.to_string())),
        (None, Some(_)) => Some(l.t("office-slots-removed").into_owned()),
        _ => None,
    };
    Ok(html(&render(&state, &staff, query.behandler, notice, None, None).await?)?.into_response())
}

async fn refuse(
    state: &AppState,
    staff: &Staff,
    practitioner: Option<i64>,
    key: &str,
    refused: Refused,
) -> Result<Response, AppError> {
    let message = Layout::new(staff.lang, "office-slots-title")
        .t(key)
        .into_owned();
    let page = render(
        state,
        staff,
        practitioner,
        None,
        Some(message),
        Some(refused),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
}

fn parse_date(text: &str) -> Option<Date> {
    text.trim().parse().ok()
}

fn parse_time(text: &str) -> Option<Time> {
    let (hour, minute) = text.trim().split_once(':')?;
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

fn kind_and_purpose(kind: &str, purpose: &str) -> Result<(AppointmentType, SlotPurpose), AppError> {
    Ok((
        AppointmentType::from_code(kind).ok_or_else(AppError::bad_request)?,
        SlotPurpose::from_code(purpose).ok_or_else(AppError::bad_request)?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct SingleForm {
    behandler: i64,
    #[serde(default)]
    dato: String,
    #[serde(default)]
    tid: String,
    #[serde(default)]
    varighet: i64,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    gjelder: String,
    #[serde(default)]
    paa_nett: Option<String>,
}

/// The single-slot form as typed, to show again when it is refused.
fn single_values(form: &SingleForm) -> Vec<(String, String)> {
    let mut values = vec![
        ("dato".to_owned(), form.dato.clone()),
        ("tid".to_owned(), form.tid.clone()),
        ("varighet".to_owned(), form.varighet.to_string()),
        ("type".to_owned(), form.kind.clone()),
        ("gjelder".to_owned(), form.gjelder.clone()),
    ];
    if form.paa_nett.is_some() {
        values.push(("paa_nett".to_owned(), "ja".to_owned()));
    }
    values
}

pub async fn add_single(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<SingleForm>,
) -> Result<Response, AppError> {
    let practitioners = state.db.practitioners_of(staff.office.id).await?;
    let practitioner = chosen_practitioner(&practitioners, Some(form.behandler))?;
    let (kind, purpose) = kind_and_purpose(&form.kind, &form.gjelder)?;
    let Some(day) = parse_date(&form.dato) else {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-date",
            Refused {
                form: "single",
                field: "dato",
                values: single_values(&form),
            },
        )
        .await;
    };
    let Some(time) = parse_time(&form.tid) else {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-time",
            Refused {
                form: "single",
                field: "tid",
                values: single_values(&form),
            },
        )
        .await;
    };
    if !(5..=240).contains(&form.varighet) {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-length",
            Refused {
                form: "single",
                field: "varighet",
                values: single_values(&form),
            },
        )
        .await;
    }
    let starts_at = day
        .to_datetime(time)
        .to_zoned_datetime(domain::norway_time_zone().clone())
        .map(|z| z.timestamp().as_second())
        .map_err(|_| AppError::bad_request())?;
    if starts_at <= state.now() {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-past",
            Refused {
                form: "single",
                field: "dato",
                values: single_values(&form),
            },
        )
        .await;
    }
    let place = place_of(kind, &staff.office);
    let added = state
        .db
        .add_slots(
            &[NewSlot {
                office_id: staff.office.id,
                practitioner_id: practitioner,
                starts_at,
                duration_minutes: form.varighet,
                appointment_type: kind,
                place: &place,
                released: form.paa_nett.is_some(),
                purpose,
            }],
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/kontor/timer?behandler={practitioner}&lagt_til={added}"
    ))
    .into_response())
}

/// The weekly pattern arrives with repeated "ukedag" fields, so it is read by hand.
pub async fn add_template(
    State(state): State<AppState>,
    staff: Staff,
    CsrfRawForm(fields): CsrfRawForm,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let practitioners = state.db.practitioners_of(staff.office.id).await?;
    let practitioner = chosen_practitioner(&practitioners, field("behandler").parse().ok())?;
    let (kind, purpose) = kind_and_purpose(field("type"), field("gjelder"))?;
    let weekdays: Vec<Weekday> = fields
        .iter()
        .filter(|(k, _)| k == "ukedag")
        .map(|(_, v)| {
            v.parse::<i8>()
                .ok()
                .and_then(|d| Weekday::from_monday_one_offset(d).ok())
                .ok_or_else(AppError::bad_request)
        })
        .collect::<Result<_, _>>()?;
    let (Some(from), Some(to)) = (parse_date(field("fra")), parse_date(field("til"))) else {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-date",
            Refused {
                form: "template",
                field: "fra",
                values: fields.clone(),
            },
        )
        .await;
    };
    let (Some(day_start), Some(day_end)) = (parse_time(field("start")), parse_time(field("slutt")))
    else {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-time",
            Refused {
                form: "template",
                field: "start",
                values: fields.clone(),
            },
        )
        .await;
    };
    let length: i64 = field("varighet").parse().unwrap_or(0);
    let template = WeeklyTemplate {
        weekdays,
        day_start,
        day_end,
        length_minutes: length,
    };
    let closed = state.db.closing_days(staff.office.id).await?;
    let Ok(starts) = template.slots(from, to, &closed, domain::norway_time_zone()) else {
        return refuse(
            &state,
            &staff,
            Some(practitioner),
            "office-slots-error-template",
            Refused {
                form: "template",
                field: "ukedager",
                values: fields.clone(),
            },
        )
        .await;
    };
    let now = state.now();
    let place = place_of(kind, &staff.office);
    let released = !field("paa_nett").is_empty();
    let slots: Vec<NewSlot<'_>> = starts
        .into_iter()
        .filter(|start| *start > now)
        .map(|starts_at| NewSlot {
            office_id: staff.office.id,
            practitioner_id: practitioner,
            starts_at,
            duration_minutes: length,
            appointment_type: kind,
            place: &place,
            released,
            purpose,
        })
        .collect();
    let added = state.db.add_slots(&slots, now).await?;
    Ok(Redirect::to(&format!(
        "/kontor/timer?behandler={practitioner}&lagt_til={added}"
    ))
    .into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    staff: Staff,
    Path(slot_id): Path<i64>,
    _: CsrfForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let slot = state
        .db
        .slot_of_office(slot_id, staff.office.id)
        .await?
        .ok_or_else(|| AppError::new(crate::error::ErrorKind::NotFound))?;
    if !state.db.remove_slot(slot.id, staff.office.id).await? {
        let message = Layout::new(staff.lang, "office-slots-title")
            .t("office-slots-held-error")
            .into_owned();
        let page = render(
            &state,
            &staff,
            Some(slot.practitioner_id),
            None,
            Some(message),
            None,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, html(&page)?).into_response());
    }
    Ok(Redirect::to(&format!(
        "/kontor/timer?behandler={}&fjernet=1",
        slot.practitioner_id
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ClosingForm {
    #[serde(default)]
    dato: String,
}

pub async fn add_closing_day(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<ClosingForm>,
) -> Result<Response, AppError> {
    let Some(day) = parse_date(&form.dato) else {
        let values = vec![("dato".to_owned(), form.dato.clone())];
        let refused = Refused {
            form: "closing",
            field: "stengt-dato",
            values,
        };
        return refuse(&state, &staff, None, "office-slots-error-date", refused).await;
    };
    state.db.add_closing_day(staff.office.id, day).await?;
    Ok(Redirect::to("/kontor/timer").into_response())
}

/// The office cancels a booking with a message to the citizen.
#[derive(Debug, Deserialize)]
pub struct OfficeCancelForm {
    #[serde(default)]
    beskjed: String,
}

pub async fn cancel_booking(
    State(state): State<AppState>,
    staff: Staff,
    Path(thread_id): Path<i64>,
    CsrfForm(form): CsrfForm<OfficeCancelForm>,
) -> Result<Response, AppError> {
    let thread = state
        .db
        .thread_of_office(thread_id, staff.office.id)
        .await?
        .ok_or_else(|| AppError::new(crate::error::ErrorKind::NotFound))?;
    let message = match domain::text::CharLimited::<500>::parse(&form.beskjed) {
        Ok(text) => text.into_inner(),
        // Without a message of its own the citizen still learns what happened.
        Err(domain::text::TextError::Missing) => {
            i18n::text(crate::Lang::Nb, "booking-cancelled-by-office", &[])
        }
        Err(
            error @ (domain::text::TextError::TooLong { .. }
            | domain::text::TextError::TooMuchStored { .. }),
        ) => {
            let text = crate::views::layout::over_limit(staff.lang, error);
            let kept: String = form.beskjed.chars().take(1000).collect();
            let page =
                crate::office::queue::render_thread(&state, &staff, thread, kept, Some(text), None)
                    .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let done = state
        .db
        .office_cancel_booking(
            thread.id,
            staff.office.id,
            staff.member.id,
            &staff.member.name.full(),
            &message,
            state.now(),
        )
        .await?;
    if !done {
        return Err(AppError::new(crate::error::ErrorKind::Conflict));
    }
    Ok(Redirect::to(&format!("/kontor/henvendelser/{}?avbestilt=1", thread.id)).into_response())
}
