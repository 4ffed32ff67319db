//! Threads of messages between a citizen and an office (e-consultations, "Kontakt
//! legekontoret"), the e-consultation drafts, attachments, the inbox and its search, the
//! office's work queue, answers with their copayment, and the staff access log.

use domain::GpService;
use domain::econsultation::Draft;
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Database, StorageError, random_token};

/// Whether a thread waits for the office or has its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadStatus {
    Open,
    Answered,
}

impl ThreadStatus {
    fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
        }
    }

    fn from_code(code: &str) -> Result<Self, StorageError> {
        match code {
            "open" => Ok(Self::Open),
            "answered" => Ok(Self::Answered),
            other => Err(StorageError::Corrupt(format!("thread status {other}"))),
        }
    }
}

fn service_from(code: &str) -> Result<GpService, StorageError> {
    GpService::from_code(code).ok_or_else(|| StorageError::Corrupt(format!("thread kind {code}")))
}

/// An e-consultation being written, step by step.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub id: String,
    pub actor_person_id: i64,
    pub citizen_id: i64,
    pub office_id: i64,
    pub practitioner_id: Option<i64>,
    pub accepted_copayment: bool,
    pub fields: Draft,
    pub created_at: i64,
    pub sent_thread_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
}

/// A new thread: the first message and where it goes.
#[derive(Debug, Clone)]
pub struct NewThread<'a> {
    pub citizen_id: i64,
    pub sent_by_person_id: i64,
    pub sender_name: &'a str,
    pub office_id: i64,
    pub practitioner_id: Option<i64>,
    pub kind: GpService,
    pub subject: &'a str,
    pub body: &'a str,
    /// Sending the same form twice gives the same thread: the draft id, or the form's key.
    pub idempotency_key: &'a str,
    /// The draft whose attachments go with the message.
    pub draft_id: Option<&'a str>,
    pub received_at: i64,
    pub due_date: Date,
}

/// What sending did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub thread_id: i64,
    /// The same form had been sent before; nothing new was written.
    pub already_sent: bool,
}

/// One line of the inbox or the work queue.
#[derive(Debug, Clone)]
pub struct ThreadSummary {
    pub id: i64,
    pub citizen_id: i64,
    pub citizen_name: String,
    pub kind: GpService,
    pub subject: String,
    pub status: ThreadStatus,
    pub office_name: String,
    pub practitioner_name: Option<String>,
    pub received_at: i64,
    pub due_date: Date,
    pub last_activity_at: i64,
    pub unread: bool,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub from_office: bool,
    pub sender_name: String,
    pub body: String,
    pub sent_at: i64,
    pub attachments: Vec<Attachment>,
}

/// Where the inbox continues: the last line shown (keyset pagination).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxCursor {
    pub last_activity_at: i64,
    pub id: i64,
}

/// An answer from an office to a thread.
#[derive(Debug, Clone, Copy)]
pub struct NewAnswer<'a> {
    pub thread_id: i64,
    pub office_id: i64,
    pub staff_id: i64,
    pub staff_name: &'a str,
    pub body: &'a str,
    /// The copayment to charge, in whole kroner; `None` when nothing is charged.
    pub copayment_nok: Option<i64>,
    pub now: i64,
}

/// The front page's own facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontPageFacts {
    pub unread: i64,
    pub contact_confirmed_at: Option<i64>,
}

/// What answering did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Done,
    /// Someone answered first; nothing was written.
    AlreadyAnswered,
}

/// A staff member's look at a citizen's data.
#[derive(Debug, Clone)]
pub struct AccessLogEntry {
    pub staff_id: i64,
    pub staff_name: String,
    pub office_name: String,
    /// The subject of the thread looked at.
    pub subject: Option<String>,
    pub citizen_id: i64,
    pub thread_id: Option<i64>,
    pub action: String,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopaymentCharge {
    pub thread_id: i64,
    pub amount_nok: i64,
    pub charged_at: i64,
}

const DRAFT_COLUMNS: &str = "id, actor_person_id, citizen_id, office_id, practitioner_id, accepted_copayment, \
     subject, symptoms, daily_life, tried, treatment, created_at, sent_thread_id";

fn draft_from_row(row: &AnyRow) -> Result<MessageDraft, StorageError> {
    let tried: Option<i64> = row.try_get("tried")?;
    Ok(MessageDraft {
        id: row.try_get("id")?,
        actor_person_id: row.try_get("actor_person_id")?,
        citizen_id: row.try_get("citizen_id")?,
        office_id: row.try_get("office_id")?,
        practitioner_id: row.try_get("practitioner_id")?,
        accepted_copayment: row.try_get::<i64, _>("accepted_copayment")? != 0,
        fields: Draft {
            subject: row.try_get("subject")?,
            symptoms: row.try_get("symptoms")?,
            daily_life: row.try_get("daily_life")?,
            tried: tried.map(|t| t != 0),
            treatment: row.try_get("treatment")?,
        },
        created_at: row.try_get("created_at")?,
        sent_thread_id: row.try_get("sent_thread_id")?,
    })
}

fn attachment_from_row(row: &AnyRow) -> Result<Attachment, StorageError> {
    Ok(Attachment {
        id: row.try_get("id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        storage_key: row.try_get("storage_key")?,
    })
}

const SUMMARY_COLUMNS: &str = "t.id, t.citizen_id, p.given_name || ' ' || p.family_name AS citizen_name, t.kind, \
     t.subject, t.status, o.name AS office_name, \
     pr.given_name || ' ' || pr.family_name AS practitioner_name, t.received_at, t.due_date, \
     t.last_activity_at, t.citizen_unread";

const SUMMARY_JOINS: &str = "FROM message_thread t JOIN person p ON p.id = t.citizen_id \
     JOIN gp_office o ON o.id = t.office_id LEFT JOIN practitioner pr ON pr.id = t.practitioner_id";

fn summary_from_row(row: &AnyRow) -> Result<ThreadSummary, StorageError> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let due: String = row.try_get("due_date")?;
    Ok(ThreadSummary {
        id: row.try_get("id")?,
        citizen_id: row.try_get("citizen_id")?,
        citizen_name: row.try_get("citizen_name")?,
        kind: service_from(&kind)?,
        subject: row.try_get("subject")?,
        status: ThreadStatus::from_code(&status)?,
        office_name: row.try_get("office_name")?,
        practitioner_name: row.try_get("practitioner_name")?,
        received_at: row.try_get("received_at")?,
        due_date: due
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("due date: {e}")))?,
        last_activity_at: row.try_get("last_activity_at")?,
        unread: row.try_get::<i64, _>("citizen_unread")? != 0,
    })
}

/// The words of a search, made safe for the engine's full-text syntax: letters and digits
/// only, each word matched as a prefix, all words required. `None` when nothing is left.
pub fn full_text_query(backend: Backend, input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(match backend {
        Backend::Sqlite => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Backend::Postgres => words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

/// The condition that keeps the threads matching the search in `$2` (the engines differ
/// only here: FTS5 on SQLite, GIN-indexed `tsvector` on PostgreSQL).
fn search_condition(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "t.id IN (SELECT thread_id FROM message_search WHERE message_search MATCH $2 AND citizen_id = $1)"
        }
        Backend::Postgres => {
            "(to_tsvector('simple', t.subject) @@ to_tsquery('simple', $2) OR EXISTS (SELECT 1 FROM message m \
             WHERE m.thread_id = t.id AND to_tsvector('simple', m.body) @@ to_tsquery('simple', $2)))"
        }
    }
}

/// Writes a thread with its first message (and its search entry) inside a transaction;
/// `None` when a thread with the same idempotency key exists.
pub(crate) async fn insert_thread(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    new: &NewThread<'_>,
) -> Result<Option<(i64, i64)>, StorageError> {
    let inserted = sqlx::query(
        "INSERT INTO message_thread (citizen_id, sent_by_person_id, office_id, practitioner_id, kind, subject, \
         status, received_at, due_date, last_activity_at, citizen_unread, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $7, 0, $9) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(new.citizen_id)
    .bind(new.sent_by_person_id)
    .bind(new.office_id)
    .bind(new.practitioner_id)
    .bind(new.kind.code())
    .bind(new.subject)
    .bind(new.received_at)
    .bind(new.due_date.to_string())
    .bind(new.idempotency_key)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(inserted) = inserted else {
        return Ok(None);
    };
    let thread_id: i64 = inserted.try_get("id")?;
    sqlx::query(
        "INSERT INTO inbox_count (citizen_id, threads) VALUES ($1, 1) \
         ON CONFLICT (citizen_id) DO UPDATE SET threads = inbox_count.threads + 1",
    )
    .bind(new.citizen_id)
    .execute(&mut **tx)
    .await?;
    let message_id: i64 = sqlx::query(
        "INSERT INTO message (thread_id, sender, sender_staff_id, sender_name, body, sent_at) \
         VALUES ($1, 'citizen', NULL, $2, $3, $4) RETURNING id",
    )
    .bind(thread_id)
    .bind(new.sender_name)
    .bind(new.body)
    .bind(new.received_at)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    if backend == Backend::Sqlite {
        sqlx::query("INSERT INTO message_search (text, thread_id, citizen_id) VALUES ($1, $2, $3)")
            .bind(format!("{}\n{}", new.subject, new.body))
            .bind(thread_id)
            .bind(new.citizen_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Some((thread_id, message_id)))
}

/// Who writes a message in a thread.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sender<'a> {
    Citizen { name: &'a str },
    Office { staff_id: i64, name: &'a str },
}

/// Adds a message to a thread inside a transaction, with its search entry, and moves the
/// thread's activity time on. A message from the office is unread for the citizen, and its
/// notification and reminder are queued in the same transaction.
pub(crate) async fn add_message(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    thread_id: i64,
    sender: Sender<'_>,
    body: &str,
    now: i64,
) -> Result<(), StorageError> {
    let (kind, staff_id, name, unread) = match sender {
        Sender::Citizen { name } => ("citizen", None, name, 0_i64),
        Sender::Office { staff_id, name } => ("office", Some(staff_id), name, 1),
    };
    let thread = sqlx::query(
        "UPDATE message_thread SET last_activity_at = $1, citizen_unread = CASE WHEN $2 = 1 THEN 1 ELSE citizen_unread END \
         WHERE id = $3 RETURNING citizen_id",
    )
    .bind(now)
    .bind(unread)
    .bind(thread_id)
    .fetch_one(&mut **tx)
    .await?;
    let message_id: i64 = sqlx::query(
        "INSERT INTO message (thread_id, sender, sender_staff_id, sender_name, body, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(thread_id)
    .bind(kind)
    .bind(staff_id)
    .bind(name)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    if unread == 1 {
        crate::notifications::enqueue_message_notifications(tx, thread_id, message_id, now).await?;
    }
    if backend == Backend::Sqlite {
        sqlx::query("INSERT INTO message_search (text, thread_id, citizen_id) VALUES ($1, $2, $3)")
            .bind(body)
            .bind(thread_id)
            .bind(thread.try_get::<i64, _>("citizen_id")?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Answers an open thread inside a transaction: closes it, adds the answer (unread for the
/// citizen) and charges the copayment when one is given. `false` when the thread was not open
/// (answered already), and then nothing is written.
pub(crate) async fn insert_answer(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    answer: &NewAnswer<'_>,
) -> Result<bool, StorageError> {
    let NewAnswer {
        thread_id,
        office_id,
        staff_id,
        staff_name,
        body,
        copayment_nok,
        now,
    } = *answer;
    let updated = sqlx::query(
        "UPDATE message_thread SET status = $1 WHERE id = $2 AND office_id = $3 AND status = $4 \
         RETURNING citizen_id, kind",
    )
    .bind(ThreadStatus::Answered.code())
    .bind(thread_id)
    .bind(office_id)
    .bind(ThreadStatus::Open.code())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(updated) = updated else {
        return Ok(false);
    };
    add_message(
        tx,
        backend,
        thread_id,
        Sender::Office {
            staff_id,
            name: staff_name,
        },
        body,
        now,
    )
    .await?;
    if let Some(amount) = copayment_nok {
        sqlx::query(
            "INSERT INTO copayment_charge (person_id, thread_id, service, amount_nok, charged_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(updated.try_get::<i64, _>("citizen_id")?)
        .bind(thread_id)
        .bind(updated.try_get::<String, _>("kind")?)
        .bind(amount)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

impl Database {
    // -----------------------------------------------------------------------------------------
    // Drafts of the e-consultation wizard

    /// Starts an e-consultation to an office once the citizen has accepted the copayment.
    #[tracing::instrument(skip_all)]
    pub async fn create_draft(
        &self,
        actor_person_id: i64,
        citizen_id: i64,
        office_id: i64,
        practitioner_id: Option<i64>,
        now: i64,
    ) -> Result<String, StorageError> {
        let id = random_token();
        sqlx::query(
            "INSERT INTO message_draft (id, actor_person_id, citizen_id, office_id, practitioner_id, \
             accepted_copayment, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(&id)
        .bind(actor_person_id)
        .bind(citizen_id)
        .bind(office_id)
        .bind(practitioner_id)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// A draft of this person (drafts of others are not found).
    #[tracing::instrument(skip_all)]
    pub async fn draft_of(
        &self,
        id: &str,
        actor_person_id: i64,
    ) -> Result<Option<MessageDraft>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DRAFT_COLUMNS} FROM message_draft WHERE id = $1 AND actor_person_id = $2"
        )))
        .bind(id)
        .bind(actor_person_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    pub async fn save_draft_practitioner(
        &self,
        id: &str,
        practitioner_id: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE message_draft SET practitioner_id = $1 WHERE id = $2 AND sent_thread_id IS NULL")
            .bind(practitioner_id)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Keeps what was typed, valid or not, so that nothing is lost between steps.
    pub async fn save_draft_fields(&self, id: &str, fields: &Draft) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE message_draft SET subject = $1, symptoms = $2, daily_life = $3, tried = $4, treatment = $5 \
             WHERE id = $6 AND sent_thread_id IS NULL",
        )
        .bind(&fields.subject)
        .bind(&fields.symptoms)
        .bind(&fields.daily_life)
        .bind(fields.tried.map(i64::from))
        .bind(&fields.treatment)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn draft_attachments(&self, draft_id: &str) -> Result<Vec<Attachment>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, file_name, content_type, size_bytes, storage_key FROM attachment \
             WHERE draft_id = $1 ORDER BY id",
        )
        .bind(draft_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    pub async fn add_draft_attachment(
        &self,
        draft_id: &str,
        file_name: &str,
        content_type: &str,
        size_bytes: i64,
        storage_key: &str,
        now: i64,
    ) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "INSERT INTO attachment (draft_id, file_name, content_type, size_bytes, storage_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(draft_id)
        .bind(file_name)
        .bind(content_type)
        .bind(size_bytes)
        .bind(storage_key)
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Removes an attachment from an unsent draft; returns its storage key to delete.
    pub async fn remove_draft_attachment(
        &self,
        draft_id: &str,
        attachment_id: i64,
    ) -> Result<Option<String>, StorageError> {
        let row = sqlx::query(
            "DELETE FROM attachment WHERE id = $1 AND draft_id = $2 AND message_id IS NULL RETURNING storage_key",
        )
        .bind(attachment_id)
        .bind(draft_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("storage_key")).transpose()?)
    }

    // -----------------------------------------------------------------------------------------
    // Sending

    /// Writes a thread with its first message (and the draft's attachments) all at once. The
    /// same idempotency key twice gives the first thread back and writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn send_thread(&self, new: &NewThread<'_>) -> Result<Sent, StorageError> {
        let mut tx = self.begin_write().await?;
        let Some((thread_id, message_id)) = insert_thread(&mut tx, self.backend(), new).await?
        else {
            tx.rollback().await?;
            let row = sqlx::query("SELECT id FROM message_thread WHERE idempotency_key = $1")
                .bind(new.idempotency_key)
                .fetch_one(self.pool())
                .await?;
            return Ok(Sent {
                thread_id: row.try_get("id")?,
                already_sent: true,
            });
        };
        if let Some(draft_id) = new.draft_id {
            sqlx::query("UPDATE attachment SET message_id = $1 WHERE draft_id = $2")
                .bind(message_id)
                .bind(draft_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE message_draft SET sent_thread_id = $1 WHERE id = $2")
                .bind(thread_id)
                .bind(draft_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Sent {
            thread_id,
            already_sent: false,
        })
    }

    // -----------------------------------------------------------------------------------------
    // The citizen's inbox

    /// A page of the inbox, newest first, after `cursor`; with `search`, only matching threads.
    #[tracing::instrument(skip_all)]
    pub async fn inbox_page(
        &self,
        citizen_id: i64,
        search: Option<&str>,
        cursor: Option<InboxCursor>,
        limit: i64,
    ) -> Result<Vec<ThreadSummary>, StorageError> {
        let query = search.and_then(|s| full_text_query(self.backend(), s));
        let search_sql = if query.is_some() {
            format!("AND {}", search_condition(self.backend()))
        } else {
            String::new()
        };
        let cursor_sql = if cursor.is_some() {
            "AND (t.last_activity_at < $3 OR (t.last_activity_at = $3 AND t.id < $4))"
        } else {
            "AND $3 = $3 AND $4 = $4"
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE t.citizen_id = $1 {search_sql} {cursor_sql} \
             AND $2 = $2 ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $5"
        );
        let cursor = cursor.unwrap_or(InboxCursor {
            last_activity_at: 0,
            id: 0,
        });
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(citizen_id)
            .bind(query.unwrap_or_default())
            .bind(cursor.last_activity_at)
            .bind(cursor.id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// How many threads the inbox (or the search) holds.
    #[tracing::instrument(skip_all)]
    pub async fn inbox_count(
        &self,
        citizen_id: i64,
        search: Option<&str>,
    ) -> Result<i64, StorageError> {
        let query = search.and_then(|s| full_text_query(self.backend(), s));
        if query.is_none() {
            // The whole inbox: its count is kept as threads are written.
            let row = sqlx::query("SELECT threads FROM inbox_count WHERE citizen_id = $1")
                .bind(citizen_id)
                .fetch_optional(self.pool())
                .await?;
            return Ok(row.map(|r| r.try_get("threads")).transpose()?.unwrap_or(0));
        }
        let search_sql = if query.is_some() {
            format!("AND {}", search_condition(self.backend()))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT COUNT(*) AS n FROM message_thread t WHERE t.citizen_id = $1 {search_sql} AND $2 = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(citizen_id)
            .bind(query.unwrap_or_default())
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The thread a form with this idempotency key sent, if it was sent (a resubmission).
    pub async fn thread_by_key(
        &self,
        key: &str,
        citizen_id: i64,
    ) -> Result<Option<i64>, StorageError> {
        let row = sqlx::query(
            "SELECT id FROM message_thread WHERE idempotency_key = $1 AND citizen_id = $2",
        )
        .bind(key)
        .bind(citizen_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// What the front page shows beside the tiles, in one round trip: the unread threads, and
    /// when the contact details were last confirmed (none saved: `None`).
    #[tracing::instrument(skip_all)]
    pub async fn front_page_facts(&self, citizen_id: i64) -> Result<FrontPageFacts, StorageError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM message_thread WHERE citizen_id = $1 AND citizen_unread = 1) AS unread, \
             (SELECT confirmed_at FROM contact_details WHERE person_id = $1) AS contact_confirmed_at",
        )
        .bind(citizen_id)
        .fetch_one(self.pool())
        .await?;
        Ok(FrontPageFacts {
            unread: row.try_get("unread")?,
            contact_confirmed_at: row.try_get("contact_confirmed_at")?,
        })
    }

    /// Threads with an answer the citizen has not read.
    pub async fn unread_count(&self, citizen_id: i64) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM message_thread WHERE citizen_id = $1 AND citizen_unread = 1",
        )
        .bind(citizen_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// A thread of this citizen (threads of others are not found).
    #[tracing::instrument(skip_all)]
    pub async fn thread_of_citizen(
        &self,
        thread_id: i64,
        citizen_id: i64,
    ) -> Result<Option<ThreadSummary>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE t.id = $1 AND t.citizen_id = $2"
        )))
        .bind(thread_id)
        .bind(citizen_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// A thread sent to this office (threads to other offices are not found).
    #[tracing::instrument(skip_all)]
    pub async fn thread_of_office(
        &self,
        thread_id: i64,
        office_id: i64,
    ) -> Result<Option<ThreadSummary>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE t.id = $1 AND t.office_id = $2"
        )))
        .bind(thread_id)
        .bind(office_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// The messages of a thread, oldest first, with their attachments. Call only after the
    /// thread was found for the citizen or office asking.
    #[tracing::instrument(skip_all)]
    pub async fn thread_messages(&self, thread_id: i64) -> Result<Vec<Message>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, sender, sender_name, body, sent_at FROM message WHERE thread_id = $1 ORDER BY sent_at, id",
        )
        .bind(thread_id)
        .fetch_all(self.pool())
        .await?;
        let attachments = sqlx::query(
            "SELECT a.id, a.message_id, a.file_name, a.content_type, a.size_bytes, a.storage_key \
             FROM attachment a JOIN message m ON m.id = a.message_id WHERE m.thread_id = $1 ORDER BY a.id",
        )
        .bind(thread_id)
        .fetch_all(self.pool())
        .await?;
        let mut messages = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let sender: String = row.try_get("sender")?;
            let mut own = Vec::new();
            for a in &attachments {
                if a.try_get::<i64, _>("message_id")? == id {
                    own.push(attachment_from_row(a)?);
                }
            }
            messages.push(Message {
                id,
                from_office: sender == "office",
                sender_name: row.try_get("sender_name")?,
                body: row.try_get("body")?,
                sent_at: row.try_get("sent_at")?,
                attachments: own,
            });
        }
        Ok(messages)
    }

    /// Marks a thread read by the citizen, and when, so that no reminder follows for what was
    /// read.
    pub async fn mark_read(
        &self,
        thread_id: i64,
        citizen_id: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE message_thread SET citizen_unread = 0, citizen_read_at = $1 WHERE id = $2 AND citizen_id = $3 AND citizen_unread = 1")
            .bind(now)
            .bind(thread_id)
            .bind(citizen_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// An attachment with the thread it belongs to, for the access checks of a download.
    pub async fn attachment_with_thread(
        &self,
        attachment_id: i64,
    ) -> Result<Option<(Attachment, i64)>, StorageError> {
        let row = sqlx::query(
            "SELECT a.id, a.file_name, a.content_type, a.size_bytes, a.storage_key, m.thread_id \
             FROM attachment a JOIN message m ON m.id = a.message_id WHERE a.id = $1",
        )
        .bind(attachment_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((attachment_from_row(&row)?, row.try_get("thread_id")?)))
            .transpose()
    }

    // -----------------------------------------------------------------------------------------
    // The office's work queue and answers

    /// Open threads sent to an office, oldest due first; only the kinds given, and with
    /// `practitioner`, only those addressed to that practitioner.
    #[tracing::instrument(skip_all)]
    pub async fn office_queue(
        &self,
        office_id: i64,
        kinds: &[GpService],
        practitioner: Option<i64>,
    ) -> Result<Vec<ThreadSummary>, StorageError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        // The kinds are the domain's own constant codes, never user input.
        let kinds_sql = kinds
            .iter()
            .map(|k| format!("'{}'", k.code()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE t.office_id = $1 AND t.status = 'open' \
             AND t.kind IN ({kinds_sql}) AND ($2 = 0 OR t.practitioner_id = $3) \
             ORDER BY t.due_date, t.received_at, t.id LIMIT 500"
        )))
        .bind(office_id)
        .bind(i64::from(practitioner.is_some()))
        .bind(practitioner.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Records that a staff member looked at a citizen's data.
    #[tracing::instrument(skip_all)]
    pub async fn log_access(
        &self,
        staff_id: i64,
        citizen_id: i64,
        thread_id: Option<i64>,
        action: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO access_log (staff_id, citizen_id, thread_id, action, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(staff_id)
            .bind(citizen_id)
            .bind(thread_id)
            .bind(action)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Who has looked at a citizen's data, newest first.
    pub async fn access_log_of(
        &self,
        citizen_id: i64,
    ) -> Result<Vec<AccessLogEntry>, StorageError> {
        let rows = sqlx::query(
            "SELECT l.staff_id, s.given_name || ' ' || s.family_name AS staff_name, o.name AS office_name, \
             t.subject, l.citizen_id, l.thread_id, l.action, l.at FROM access_log l \
             JOIN staff_member s ON s.id = l.staff_id JOIN gp_office o ON o.id = s.office_id \
             LEFT JOIN message_thread t ON t.id = l.thread_id \
             WHERE l.citizen_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT 500",
        )
        .bind(citizen_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccessLogEntry {
                    staff_id: row.try_get("staff_id")?,
                    staff_name: row.try_get("staff_name")?,
                    office_name: row.try_get("office_name")?,
                    subject: row.try_get("subject")?,
                    citizen_id: row.try_get("citizen_id")?,
                    thread_id: row.try_get("thread_id")?,
                    action: row.try_get("action")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

    /// Answers an open thread: the answer, the thread closed and marked unread for the
    /// citizen, and the copayment charged (when `copayment_nok` is given), all at once. A
    /// thread already answered is left as it is.
    #[tracing::instrument(skip_all)]
    pub async fn answer_thread(&self, answer: &NewAnswer<'_>) -> Result<Answered, StorageError> {
        let mut tx = self.begin_write().await?;
        if !insert_answer(&mut tx, self.backend(), answer).await? {
            tx.rollback().await?;
            return Ok(Answered::AlreadyAnswered);
        }
        tx.commit().await?;
        Ok(Answered::Done)
    }

    /// Whether the person holds a free card valid on the day.
    pub async fn has_free_card(&self, person_id: i64, day: Date) -> Result<bool, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM free_card WHERE person_id = $1 AND valid_from <= $2 AND valid_to >= $2",
        )
        .bind(person_id)
        .bind(day.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub async fn add_free_card(
        &self,
        person_id: i64,
        from: Date,
        to: Date,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO free_card (person_id, valid_from, valid_to) VALUES ($1, $2, $3)")
            .bind(person_id)
            .bind(from.to_string())
            .bind(to.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The copayments charged to a person, newest first.
    pub async fn copayments_of(
        &self,
        person_id: i64,
    ) -> Result<Vec<CopaymentCharge>, StorageError> {
        let rows = sqlx::query(
            "SELECT thread_id, amount_nok, charged_at FROM copayment_charge WHERE person_id = $1 \
             ORDER BY charged_at DESC, id DESC",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CopaymentCharge {
                    thread_id: row.try_get("thread_id")?,
                    amount_nok: row.try_get("amount_nok")?,
                    charged_at: row.try_get("charged_at")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_made_safe() {
        assert_eq!(
            full_text_query(Backend::Sqlite, "Pollen allergi"),
            Some("\"pollen\"* \"allergi\"*".into())
        );
        assert_eq!(
            full_text_query(Backend::Postgres, "Pollen allergi"),
            Some("pollen:* & allergi:*".into())
        );
        assert_eq!(
            full_text_query(Backend::Sqlite, "\" OR 1=1 --"),
            Some("\"or\"* \"1\"* \"1\"*".into())
        );
        assert_eq!(full_text_query(Backend::Postgres, "'&|!():*"), None);
        assert_eq!(
            full_text_query(Backend::Sqlite, "søvn ØRE"),
            Some("\"søvn\"* \"øre\"*".into())
        );
    }
}
