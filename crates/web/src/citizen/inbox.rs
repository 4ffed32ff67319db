//! Innboks: the citizen's threads, newest first, with search, "Se detaljer", attachments,
//! the confirmation after sending, and "Skriv ny melding" to the citizen's health contacts.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::GpService;
use serde::Deserialize;
use storage::{InboxCursor, InboxListing, ThreadStatus, ThreadSummary};

use crate::AppState;
use crate::auth::session::{Citizen, ConsentedCitizen};
use crate::error::{AppError, ErrorKind, html};
use crate::forms::{Path, Query};
use crate::views::dates::oslo_time;
use crate::views::layout::Layout;
use crate::views::sizes::file_size;

/// Lines on one page of the inbox.
const PAGE_SIZE: i64 = 20;

pub(crate) fn kind_name(l: &Layout, kind: GpService) -> String {
    l.t(&format!("thread-kind-{}", kind.code())).into_owned()
}

struct InboxLine {
    id: i64,
    subject: String,
    from: String,
    kind: String,
    date: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "citizen/inbox/inbox.html")]
struct InboxPage {
    l: Layout,
    count_text: String,
    search: String,
    lines: Vec<InboxLine>,
    more: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    etter: Option<String>,
}

fn parse_cursor(text: &str) -> Option<InboxCursor> {
    let (at, id) = text.split_once('.')?;
    Some(InboxCursor {
        last_activity_at: at.parse().ok()?,
        id: id.parse().ok()?,
    })
}

fn line(l: &Layout, thread: ThreadSummary) -> InboxLine {
    let from = match &thread.practitioner_name {
        Some(practitioner) => format!("{practitioner}, {}", thread.office_name),
        None => thread.office_name.clone(),
    };
    InboxLine {
        id: thread.id,
        kind: kind_name(l, thread.kind),
        subject: thread.subject,
        from,
        date: oslo_time(thread.last_activity_at),
        unread: thread.unread,
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Query(query): Query<InboxQuery>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let l = Layout::new(citizen.lang, "inbox-title").with_user(citizen.header_user(&state));
    let search: String = query.q.unwrap_or_default().chars().take(100).collect();
    let search_opt = Some(search.trim()).filter(|s| !s.is_empty());
    let cursor = query.etter.as_deref().and_then(parse_cursor);
    let InboxListing {
        threads,
        total: count,
    } = state
        .db
        .inbox(citizen.person.id, search_opt, cursor, PAGE_SIZE + 1)
        .await?;
    let has_more = threads.len() > usize::try_from(PAGE_SIZE).unwrap_or(20);
    let shown: Vec<ThreadSummary> = threads
        .into_iter()
        .take(usize::try_from(PAGE_SIZE).unwrap_or(20))
        .collect();
    let more = if has_more {
        shown.last().map(|t| {
            let mut url = format!("/innboks?etter={}.{}", t.last_activity_at, t.id);
            if let Some(q) = search_opt {
                url.push_str("&q=");
                url.push_str(
                    &url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>(),
                );
            }
            url
        })
    } else {
        None
    };
    let count_text = l.t1("inbox-count", "count", &count.to_string());
    let lines = shown.into_iter().map(|t| line(&l, t)).collect();
    Ok(html(&InboxPage {
        l,
        count_text,
        search,
        lines,
        more,
    })?
    .into_response())
}

/// A message as a thread page shows it.
pub(crate) struct MessageView {
    pub from: String,
    pub date: String,
    pub body: String,
    /// Id, file name and size of each attachment.
    pub attachments: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "citizen/inbox/thread.html")]
struct ThreadPage {
    l: Layout,
    subject: String,
    kind: String,
    status: String,
    to: String,
    messages: Vec<MessageView>,
}

pub(crate) async fn message_views(
    state: &AppState,
    thread_id: i64,
) -> Result<Vec<MessageView>, AppError> {
    Ok(state
        .db
        .thread_messages(thread_id)
        .await?
        .into_iter()
        .map(|m| MessageView {
            from: m.sender_name,
            date: oslo_time(m.sent_at),
            body: m.body,
            attachments: m
                .attachments
                .into_iter()
                // Cleaned again as shown: names stored before a rule was added obey it too.
                .map(|a| {
                    let name = domain::attachment::display_name(&a.file_name);
                    (a.id, name, file_size(a.size_bytes))
                })
                .collect(),
        })
        .collect())
}

pub async fn thread(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(thread_id): Path<i64>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let Some(thread) = state
        .db
        .thread_of_citizen(thread_id, citizen.person.id)
        .await?
    else {
        return Err(AppError::new(ErrorKind::NotFound));
    };
    state
        .db
        .mark_read(thread.id, citizen.person.id, state.now())
        .await?;
    let l = Layout::new(citizen.lang, "thread-title").with_user(citizen.header_user(&state));
    let to = match &thread.practitioner_name {
        Some(practitioner) => format!("{practitioner}, {}", thread.office_name),
        None => thread.office_name.clone(),
    };
    let status = l
        .t(match thread.status {
            ThreadStatus::Open => "thread-status-open",
            ThreadStatus::Answered => "thread-status-answered",
        })
        .into_owned();
    let page = ThreadPage {
        subject: thread.subject.clone(),
        kind: kind_name(&l, thread.kind),
        status,
        to: l.t1("thread-to", "name", &to),
        messages: message_views(&state, thread.id).await?,
        l,
    };
    Ok(html(&page)?.into_response())
}

/// Sends an attachment's bytes as a download, never to be shown inline or sniffed.
pub(crate) async fn download(
    state: &AppState,
    attachment: &storage::Attachment,
) -> Result<Response, AppError> {
    let bytes = state.objects.get(&attachment.storage_key).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&attachment.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    let file_name = domain::attachment::display_name(&attachment.file_name);
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub async fn attachment(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(attachment_id): Path<i64>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let not_found = || AppError::new(ErrorKind::NotFound);
    let (attachment, thread_id) = state
        .db
        .attachment_with_thread(attachment_id)
        .await?
        .ok_or_else(not_found)?;
    state
        .db
        .thread_of_citizen(thread_id, citizen.person.id)
        .await?
        .ok_or_else(not_found)?;
    download(&state, &attachment).await
}

#[derive(Template)]
#[template(path = "citizen/inbox/message_sent.html")]
struct SentPage {
    l: Layout,
}

/// "Meldingen er sendt".
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
    let l = Layout::new(citizen.lang, "sent-title").with_user(citizen.header_user(&state));
    Ok(html(&SentPage { l })?.into_response())
}

struct ContactLine {
    id: i64,
    name: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "citizen/inbox/new_message.html")]
struct NewMessagePage {
    l: Layout,
    contacts: Vec<ContactLine>,
}

/// "Skriv ny melding": the health contacts the citizen can write to.
pub async fn new_message(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let l = Layout::new(citizen.lang, "new-message-title").with_user(citizen.header_user(&state));
    let contacts = state
        .db
        .health_contacts(citizen.person.id)
        .await?
        .into_iter()
        .filter(|(_, services)| {
            services.contains(&GpService::EKonsultasjon)
                || services.contains(&GpService::KontaktLegekontoret)
        })
        .map(|(office, _)| ContactLine {
            id: office.id,
            kind: l
                .t(if office.is_specialist {
                    "contact-kind-specialist"
                } else {
                    "contact-kind-gp"
                })
                .into_owned(),
            name: office.name,
        })
        .collect();
    Ok(html(&NewMessagePage { l, contacts })?.into_response())
}

#[derive(Template)]
#[template(path = "citizen/inbox/contact_services.html")]
struct ContactServicesPage {
    l: Layout,
    office_id: i64,
    office_name: String,
    econsultation: bool,
    contact: bool,
}

/// The services of one health contact: "E-konsultasjon" and, at the GP's office, "Kontakt
/// legekontoret".
pub async fn contact_services(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
    Path(office_id): Path<i64>,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let contacts = state.db.health_contacts(citizen.person.id).await?;
    let Some((office, services)) = contacts
        .into_iter()
        .find(|(office, _)| office.id == office_id)
    else {
        return Err(AppError::new(ErrorKind::NotFound));
    };
    let l = Layout::new(citizen.lang, "new-message-title").with_user(citizen.header_user(&state));
    let page = ContactServicesPage {
        l,
        office_id: office.id,
        office_name: office.name,
        econsultation: services.contains(&GpService::EKonsultasjon),
        contact: services.contains(&GpService::KontaktLegekontoret),
    };
    Ok((StatusCode::OK, html(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "citizen/inbox/access_log.html")]
struct AccessLogPage {
    l: Layout,
    lines: Vec<String>,
}

/// "Hvem har sett opplysningene dine": every time office staff opened the citizen's threads or
/// attachments.
pub async fn access_log(
    State(state): State<AppState>,
    citizen: ConsentedCitizen,
) -> Result<Response, AppError> {
    let citizen = citizen.citizen;
    let l = Layout::new(citizen.lang, "access-title").with_user(citizen.header_user(&state));
    let lines = state
        .db
        .access_log_of(citizen.person.id)
        .await?
        .into_iter()
        .map(|entry| {
            let what = l.t(if entry.action == "read-attachment" {
                "access-read-attachment"
            } else {
                "access-read-thread"
            });
            crate::i18n::text(
                l.lang,
                "access-line",
                &[
                    ("when", &oslo_time(entry.at)),
                    ("name", &entry.staff_name),
                    ("office", &entry.office_name),
                    ("what", &what),
                    ("subject", entry.subject.as_deref().unwrap_or("")),
                ],
            )
        })
        .collect();
    Ok(html(&AccessLogPage { l, lines })?.into_response())
}
