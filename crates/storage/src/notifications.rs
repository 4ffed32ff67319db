//! Contact details, confirmation codes and the durable queue of notifications.
//!
//! A notification job is written in the same transaction as what causes it (a message from the
//! office, a code to send), so one is never saved without the other. Workers claim due jobs for a
//! while (a lease): with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that many processes share the
//! queue without waiting on each other, and under SQLite's one write lock on SQLite. Each delivery
//! to a channel is recorded as it succeeds, so a job run again (after a crash or a failed
//! channel) sends only what is still missing.

use domain::contact::{
    CODE_MAX_ATTEMPTS, CODE_VALID_SECONDS, Channel, CodeRefused, UNREAD_REMINDER_AFTER_SECONDS,
    may_send_code,
};
use domain::notification::Language;
use domain::{ConsentLevel, RepresentationFacts, may_represent_child};
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Database, StorageError, random_token};

/// The contact details in use for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    /// Confirmed mobile number in international form.
    pub mobile: Option<String>,
    /// Confirmed e-mail address.
    pub email: Option<String>,
    pub notify_sms: bool,
    pub notify_email: bool,
    pub language: Language,
    /// When the citizen last saved or confirmed the details.
    pub confirmed_at: i64,
}

/// A new number or address waiting for its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConfirmation {
    pub id: i64,
    pub channel: Channel,
    pub address: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub failed_attempts: i64,
}

/// What the citizen saves on "Kontaktinformasjon og varsling". Addresses are already checked
/// (`domain::contact`); `None` removes one.
#[derive(Debug, Clone, Copy)]
pub struct ContactUpdate<'a> {
    pub person_id: i64,
    pub mobile: Option<&'a str>,
    pub email: Option<&'a str>,
    pub notify_sms: bool,
    pub notify_email: bool,
    pub language: Language,
    pub now: i64,
}

/// What saving the contact details came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactSaved {
    Saved,
    /// A new number or address needs a code that may not be sent yet (`domain::contact`'s
    /// limits); nothing was saved.
    CodeRefused(Vec<(Channel, CodeRefused)>),
}

/// What asking for a new code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeResent {
    Sent,
    Refused(CodeRefused),
    /// No such confirmation waiting for this person.
    NotFound,
}

/// How a code the citizen typed was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Confirmed(Channel),
    Wrong {
        attempts_left: i64,
    },
    Expired,
    TooManyAttempts,
    /// A newer code was sent (or the number changed again) since this one.
    Replaced,
    /// No such confirmation for this person (another's id, or none at all).
    NotFound,
}

/// The kinds of jobs in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A message from the office arrived in Innboks.
    NewMessage,
    /// The same message, still unread after four days.
    UnreadReminder,
    /// A code that confirms a new number or address.
    ContactCode,
}

impl JobKind {
    const ALL: [JobKind; 3] = [Self::NewMessage, Self::UnreadReminder, Self::ContactCode];

    pub fn code(self) -> &'static str {
        match self {
            Self::NewMessage => "new_message",
            Self::UnreadReminder => "unread_reminder",
            Self::ContactCode => "contact_code",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A job a worker holds until `claimed_until`.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: JobKind,
    /// Proves the claim when the worker reports back; a claim that ran out and was taken by
    /// another worker cannot finish the job.
    pub claim_token: String,
    /// How many times the job has been claimed, this time included.
    pub attempts: i64,
    thread_id: Option<i64>,
    message_id: Option<i64>,
    confirmation_id: Option<i64>,
}

/// Whom a notification goes to, how, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub person_id: i64,
    pub channel: Channel,
    pub address: String,
    pub language: Language,
    /// The person is notified for someone they act for (a child), not for themselves.
    pub for_represented: bool,
}

/// What a job should send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPlan {
    /// A message notice (new or reminder) to these recipients.
    Message { recipients: Vec<Recipient> },
    /// A confirmation code to one address.
    Code { recipient: Recipient, code: String },
    /// Nothing to send any more (the message was read, the code replaced).
    Nothing,
}

/// The outcome of a job that did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRetry {
    /// Try again at this time.
    At(i64),
    /// Give up: the job is marked failed and kept for inspection.
    GiveUp,
}

/// Counts of the queue, for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueCounts {
    pub pending: i64,
    pub done: i64,
    pub failed: i64,
}

/// The jobs due now and not yet done, for monitoring: read through the index of pending jobs,
/// so the cost follows the queue, not the table, which keeps every job ever done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueJobs {
    /// Due jobs, claimed or not.
    pub due: i64,
    /// Of them, those that failed before and are due for another try.
    pub retrying: i64,
    /// Seconds since the longest-waiting due job became due (0 when none is).
    pub oldest_age_seconds: i64,
}

fn contact_from_row(row: &AnyRow) -> Result<ContactDetails, StorageError> {
    let language: String = row.try_get("language")?;
    Ok(ContactDetails {
        mobile: row.try_get("mobile")?,
        email: row.try_get("email")?,
        notify_sms: row.try_get::<i64, _>("notify_sms")? != 0,
        notify_email: row.try_get::<i64, _>("notify_email")? != 0,
        language: Language::from_code(&language)
            .ok_or_else(|| StorageError::Corrupt(format!("language {language}")))?,
        confirmed_at: row.try_get("confirmed_at")?,
    })
}

fn confirmation_from_row(row: &AnyRow) -> Result<PendingConfirmation, StorageError> {
    let channel: String = row.try_get("channel")?;
    Ok(PendingConfirmation {
        id: row.try_get("id")?,
        channel: Channel::from_code(&channel)
            .ok_or_else(|| StorageError::Corrupt(format!("channel {channel}")))?,
        address: row.try_get("address")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        failed_attempts: row.try_get("failed_attempts")?,
    })
}

const SELECT_CONTACT_DETAILS: &str = "SELECT mobile, email, notify_sms, notify_email, language, confirmed_at \
     FROM contact_details WHERE person_id = $1";

/// Writes all of a person's contact details; the binds are in the column order.
const UPSERT_CONTACT_DETAILS: &str = "INSERT INTO contact_details \
     (person_id, mobile, email, notify_sms, notify_email, language, confirmed_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id) DO UPDATE SET \
     mobile = excluded.mobile, email = excluded.email, notify_sms = excluded.notify_sms, \
     notify_email = excluded.notify_email, language = excluded.language, \
     confirmed_at = excluded.confirmed_at";

const CONFIRMATION_COLUMNS: &str = "id, channel, address, created_at, expires_at, failed_attempts";

/// A six-digit code.
fn new_code() -> String {
    format!("{:06}", rand::random_range(0..1_000_000_u32))
}

/// Adds a job inside the transaction of what causes it; a job with the same key is not added
/// twice.
async fn enqueue(
    tx: &mut crate::WriteTransaction,
    kind: JobKind,
    dedupe_key: &str,
    refs: (Option<i64>, Option<i64>, Option<i64>),
    run_at: i64,
    now: i64,
) -> Result<(), StorageError> {
    let (thread_id, message_id, confirmation_id) = refs;
    sqlx::query(
        "INSERT INTO notification_job (kind, dedupe_key, thread_id, message_id, confirmation_id, \
         status, run_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(kind.code())
    .bind(dedupe_key)
    .bind(thread_id)
    .bind(message_id)
    .bind(confirmation_id)
    .bind(run_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The notification of a message from the office, and its reminder four days later.
pub(crate) async fn enqueue_message_notifications(
    tx: &mut crate::WriteTransaction,
    thread_id: i64,
    message_id: i64,
    now: i64,
) -> Result<(), StorageError> {
    let refs = (Some(thread_id), Some(message_id), None);
    enqueue(
        tx,
        JobKind::NewMessage,
        &format!("new_message:{message_id}"),
        refs,
        now,
        now,
    )
    .await?;
    enqueue(
        tx,
        JobKind::UnreadReminder,
        &format!("unread_reminder:{message_id}"),
        refs,
        now + UNREAD_REMINDER_AFTER_SECONDS,
        now,
    )
    .await
}

/// Makes the transactions that change a person's contact details and codes wait for each
/// other on PostgreSQL, so that two requests at once cannot both find room for one more code,
/// and they take their rows in one order. SQLite's write transactions run one at a time.
async fn lock_contact_details(
    tx: &mut crate::WriteTransaction,
    backend: Backend,
    person_id: i64,
) -> Result<(), StorageError> {
    if backend == Backend::Postgres {
        // NO KEY: rows that refer to the person may still be written meanwhile.
        sqlx::query("SELECT id FROM person WHERE id = $1 FOR NO KEY UPDATE")
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes a new confirmation with its code and the job that sends it, replacing any earlier
/// one waiting on the same channel, if the limits on codes allow one now
/// (`domain::contact::may_send_code`). The limits count the person's confirmations, which are
/// kept, so they hold for every app process. The caller holds [`lock_contact_details`].
async fn start_confirmation(
    tx: &mut crate::WriteTransaction,
    person_id: i64,
    channel: Channel,
    address: &str,
    now: i64,
) -> Result<Result<(), CodeRefused>, StorageError> {
    let sent = sqlx::query(
        "SELECT channel, created_at FROM contact_confirmation \
         WHERE person_id = $1 AND created_at > $2",
    )
    .bind(person_id)
    .bind(now - 24 * 60 * 60)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| {
        let code: String = row.try_get("channel")?;
        let channel = Channel::from_code(&code)
            .ok_or_else(|| StorageError::Corrupt(format!("channel {code}")))?;
        Ok((channel, row.try_get::<i64, _>("created_at")?))
    })
    .collect::<Result<Vec<_>, StorageError>>()?;
    if let Err(refused) = may_send_code(&sent, channel, now) {
        return Ok(Err(refused));
    }
    replace_pending(tx, person_id, channel).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO contact_confirmation (person_id, channel, address, code, state, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING id",
    )
    .bind(person_id)
    .bind(channel.code())
    .bind(address)
    .bind(new_code())
    .bind(now)
    .bind(now + CODE_VALID_SECONDS)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    enqueue(
        tx,
        JobKind::ContactCode,
        &format!("contact_code:{id}"),
        (None, None, Some(id)),
        now,
        now,
    )
    .await?;
    Ok(Ok(()))
}

async fn replace_pending(
    tx: &mut crate::WriteTransaction,
    person_id: i64,
    channel: Channel,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE contact_confirmation SET state = 'replaced' \
         WHERE person_id = $1 AND channel = $2 AND state = 'pending'",
    )
    .bind(person_id)
    .bind(channel.code())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Database {
    // -----------------------------------------------------------------------------------------
    // Contact details

    pub async fn contact_details(
        &self,
        person_id: i64,
    ) -> Result<Option<ContactDetails>, StorageError> {
        let row = sqlx::query(SELECT_CONTACT_DETAILS)
            .bind(person_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(contact_from_row).transpose()
    }

    /// The numbers and addresses waiting for their code, expired ones included (the page
    /// offers a new code for them).
    pub async fn pending_confirmations(
        &self,
        person_id: i64,
    ) -> Result<Vec<PendingConfirmation>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONFIRMATION_COLUMNS} FROM contact_confirmation \
             WHERE person_id = $1 AND state = 'pending' ORDER BY channel DESC"
        )))
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(confirmation_from_row).collect()
    }

    /// Saves the citizen's choices. The channels and the language apply at once, and so does
    /// removing a number or address; a new number or address gets a code and is used once the
    /// code is confirmed. Saving the same new address again while its code is still valid sends
    /// no second code, so a double click sends one. When a code the change needs may not be
    /// sent yet, nothing is saved.
    #[tracing::instrument(skip_all)]
    pub async fn save_contact_details(
        &self,
        update: &ContactUpdate<'_>,
    ) -> Result<ContactSaved, StorageError> {
        let mut tx = self.begin_write().await?;
        lock_contact_details(&mut tx, self.backend(), update.person_id).await?;
        let current = sqlx::query(SELECT_CONTACT_DETAILS)
            .bind(update.person_id)
            .fetch_optional(&mut *tx)
            .await?;
        let current = current.as_ref().map(contact_from_row).transpose()?;
        let (current_mobile, current_email) =
            current.map(|c| (c.mobile, c.email)).unwrap_or_default();
        let mobile_unchanged =
            update.mobile.is_some() && update.mobile == current_mobile.as_deref();
        let email_unchanged = update.email.is_some() && update.email == current_email.as_deref();
        // A changed number keeps the old one in use until the new one is confirmed; a removed
        // one is gone at once.
        let mobile_in_use = update.mobile.and(current_mobile.clone());
        let email_in_use = update.email.and(current_email.clone());
        sqlx::query(UPSERT_CONTACT_DETAILS)
            .bind(update.person_id)
            .bind(mobile_in_use)
            .bind(email_in_use)
            .bind(i64::from(update.notify_sms))
            .bind(i64::from(update.notify_email))
            .bind(update.language.code())
            .bind(update.now)
            .execute(&mut *tx)
            .await?;
        let mut refused = Vec::new();
        for (channel, wanted, unchanged) in [
            (Channel::Sms, update.mobile, mobile_unchanged),
            (Channel::Email, update.email, email_unchanged),
        ] {
            match wanted {
                Some(address) if !unchanged => {
                    let waiting = sqlx::query(
                        "SELECT id FROM contact_confirmation WHERE person_id = $1 AND channel = $2 \
                         AND state = 'pending' AND address = $3 AND expires_at > $4 AND failed_attempts < $5",
                    )
                    .bind(update.person_id)
                    .bind(channel.code())
                    .bind(address)
                    .bind(update.now)
                    .bind(CODE_MAX_ATTEMPTS)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if waiting.is_none()
                        && let Err(refusal) = start_confirmation(
                            &mut tx,
                            update.person_id,
                            channel,
                            address,
                            update.now,
                        )
                        .await?
                    {
                        refused.push((channel, refusal));
                    }
                }
                _ => replace_pending(&mut tx, update.person_id, channel).await?,
            }
        }
        if !refused.is_empty() {
            // Dropped unfinished, the transaction is rolled back: nothing is saved.
            return Ok(ContactSaved::CodeRefused(refused));
        }
        tx.commit().await?;
        Ok(ContactSaved::Saved)
    }

    /// Checks a code the citizen typed. The right code puts the number or address in use.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_contact_code(
        &self,
        person_id: i64,
        confirmation_id: i64,
        code: &str,
        now: i64,
    ) -> Result<CodeCheck, StorageError> {
        let mut tx = self.begin_write().await?;
        lock_contact_details(&mut tx, self.backend(), person_id).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONFIRMATION_COLUMNS}, code, state FROM contact_confirmation \
             WHERE id = $1 AND person_id = $2"
        )))
        .bind(confirmation_id)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(CodeCheck::NotFound);
        };
        let pending = confirmation_from_row(&row)?;
        let expected: String = row.try_get("code")?;
        let state: String = row.try_get("state")?;
        match state.as_str() {
            "pending" => {}
            // A second click on "Bekreft" finds the work done.
            "confirmed" => return Ok(CodeCheck::Confirmed(pending.channel)),
            _ => return Ok(CodeCheck::Replaced),
        }
        if pending.expires_at <= now {
            return Ok(CodeCheck::Expired);
        }
        if pending.failed_attempts >= CODE_MAX_ATTEMPTS {
            return Ok(CodeCheck::TooManyAttempts);
        }
        if !codes_match(code, &expected) {
            sqlx::query(
                "UPDATE contact_confirmation SET failed_attempts = failed_attempts + 1 WHERE id = $1",
            )
            .bind(confirmation_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let left = CODE_MAX_ATTEMPTS - pending.failed_attempts - 1;
            return Ok(if left > 0 {
                CodeCheck::Wrong {
                    attempts_left: left,
                }
            } else {
                CodeCheck::TooManyAttempts
            });
        }
        sqlx::query("UPDATE contact_confirmation SET state = 'confirmed' WHERE id = $1")
            .bind(confirmation_id)
            .execute(&mut *tx)
            .await?;
        let column = match pending.channel {
            Channel::Sms => "mobile",
            Channel::Email => "email",
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE contact_details SET {column} = $1, confirmed_at = $2 WHERE person_id = $3"
        )))
        .bind(&pending.address)
        .bind(now)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CodeCheck::Confirmed(pending.channel))
    }

    /// Sends a new code for a number or address waiting for one, if the limits on codes allow
    /// one now.
    #[tracing::instrument(skip_all)]
    pub async fn resend_contact_code(
        &self,
        person_id: i64,
        confirmation_id: i64,
        now: i64,
    ) -> Result<CodeResent, StorageError> {
        let mut tx = self.begin_write().await?;
        lock_contact_details(&mut tx, self.backend(), person_id).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONFIRMATION_COLUMNS} FROM contact_confirmation \
             WHERE id = $1 AND person_id = $2 AND state = 'pending'"
        )))
        .bind(confirmation_id)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(CodeResent::NotFound);
        };
        let pending = confirmation_from_row(&row)?;
        let started =
            start_confirmation(&mut tx, person_id, pending.channel, &pending.address, now).await?;
        Ok(match started {
            Ok(()) => {
                tx.commit().await?;
                CodeResent::Sent
            }
            Err(refused) => CodeResent::Refused(refused),
        })
    }

    /// The citizen says the details are still right.
    pub async fn reconfirm_contact_details(
        &self,
        person_id: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE contact_details SET confirmed_at = $1 WHERE person_id = $2")
            .bind(now)
            .bind(person_id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Sets confirmed contact details directly, for demo data and tests that do not walk
    /// through the codes.
    pub async fn set_confirmed_contact_details(
        &self,
        person_id: i64,
        details: &ContactDetails,
    ) -> Result<(), StorageError> {
        sqlx::query(UPSERT_CONTACT_DETAILS)
            .bind(person_id)
            .bind(details.mobile.as_deref())
            .bind(details.email.as_deref())
            .bind(i64::from(details.notify_sms))
            .bind(i64::from(details.notify_email))
            .bind(details.language.code())
            .bind(details.confirmed_at)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // The job queue

    /// Claims up to `limit` due jobs for `lease_seconds`. Jobs another worker holds are skipped,
    /// not waited for; a job whose claim ran out (its worker died) is due again.
    #[tracing::instrument(skip_all)]
    pub async fn claim_notification_jobs(
        &self,
        now: i64,
        lease_seconds: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>, StorageError> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let token = random_token();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE notification_job SET claim_token = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM notification_job WHERE status = 'pending' AND run_at <= $3 \
             AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY run_at, id LIMIT $4{lock}) \
             RETURNING id, kind, attempts, thread_id, message_id, confirmation_id"
        )))
        .bind(&token)
        .bind(now + lease_seconds)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut jobs = rows
            .iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(ClaimedJob {
                    id: row.try_get("id")?,
                    kind: JobKind::from_code(&kind)
                        .ok_or_else(|| StorageError::Corrupt(format!("job kind {kind}")))?,
                    claim_token: token.clone(),
                    attempts: row.try_get("attempts")?,
                    thread_id: row.try_get("thread_id")?,
                    message_id: row.try_get("message_id")?,
                    confirmation_id: row.try_get("confirmation_id")?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    /// What a job should send, decided now: contact details and consent as they are at the
    /// time of sending, and a reminder only for a message still unread.
    #[tracing::instrument(skip_all)]
    pub async fn notification_plan(
        &self,
        job: &ClaimedJob,
        today: Date,
    ) -> Result<JobPlan, StorageError> {
        match job.kind {
            JobKind::ContactCode => {
                let id = job.confirmation_id.ok_or_else(|| {
                    StorageError::Corrupt(format!("code job {} without confirmation", job.id))
                })?;
                self.code_plan(id).await
            }
            JobKind::NewMessage | JobKind::UnreadReminder => {
                let (Some(thread_id), Some(message_id)) = (job.thread_id, job.message_id) else {
                    return Err(StorageError::Corrupt(format!(
                        "message job {} without its message",
                        job.id
                    )));
                };
                let row = sqlx::query(
                    "SELECT t.citizen_id, t.citizen_unread, t.citizen_read_at, m.sent_at \
                     FROM message_thread t JOIN message m ON m.thread_id = t.id \
                     WHERE t.id = $1 AND m.id = $2",
                )
                .bind(thread_id)
                .bind(message_id)
                .fetch_one(self.pool())
                .await?;
                if job.kind == JobKind::UnreadReminder {
                    let unread = row.try_get::<i64, _>("citizen_unread")? != 0;
                    let read_at: Option<i64> = row.try_get("citizen_read_at")?;
                    let sent_at: i64 = row.try_get("sent_at")?;
                    if !unread || read_at.is_some_and(|read| read >= sent_at) {
                        return Ok(JobPlan::Nothing);
                    }
                }
                let citizen_id: i64 = row.try_get("citizen_id")?;
                let recipients = self.message_recipients(citizen_id, today).await?;
                Ok(JobPlan::Message { recipients })
            }
        }
    }

    async fn code_plan(&self, confirmation_id: i64) -> Result<JobPlan, StorageError> {
        let row = sqlx::query(
            "SELECT c.person_id, c.channel, c.address, c.code, c.state, d.language \
             FROM contact_confirmation c LEFT JOIN contact_details d ON d.person_id = c.person_id \
             WHERE c.id = $1",
        )
        .bind(confirmation_id)
        .fetch_one(self.pool())
        .await?;
        let state: String = row.try_get("state")?;
        if state != "pending" {
            return Ok(JobPlan::Nothing);
        }
        let channel: String = row.try_get("channel")?;
        let language: Option<String> = row.try_get("language")?;
        Ok(JobPlan::Code {
            recipient: Recipient {
                person_id: row.try_get("person_id")?,
                channel: Channel::from_code(&channel)
                    .ok_or_else(|| StorageError::Corrupt(format!("channel {channel}")))?,
                address: row.try_get("address")?,
                language: language
                    .as_deref()
                    .and_then(Language::from_code)
                    .unwrap_or(Language::Nb),
                for_represented: false,
            },
            code: row.try_get("code")?,
        })
    }

    /// The citizen (with consent to Innboks and notifications, Basis+ or more) and every parent
    /// who may act for them (seed 001: parents are notified for their children under 16), each
    /// on the channels they chose.
    async fn message_recipients(
        &self,
        citizen_id: i64,
        today: Date,
    ) -> Result<Vec<Recipient>, StorageError> {
        let mut recipients = self.own_channels(citizen_id, false).await?;
        let citizen = self.person_by_id(citizen_id).await?.ok_or_else(|| {
            StorageError::Corrupt(format!("thread of unknown person {citizen_id}"))
        })?;
        let parents = sqlx::query(
            "SELECT parent_id FROM parental_responsibility WHERE child_id = $1 ORDER BY parent_id",
        )
        .bind(citizen_id)
        .fetch_all(self.pool())
        .await?;
        for row in parents {
            let parent_id: i64 = row.try_get("parent_id")?;
            let Some(parent) = self.person_by_id(parent_id).await? else {
                continue;
            };
            let facts = RepresentationFacts {
                child_birth_date: citizen.birth_date,
                parental_responsibility: true,
                parent_address: &parent.address_line(),
                child_address: &citizen.address_line(),
            };
            if may_represent_child(&facts, today) {
                recipients.extend(self.own_channels(parent_id, true).await?);
            }
        }
        Ok(recipients)
    }

    async fn own_channels(
        &self,
        person_id: i64,
        for_represented: bool,
    ) -> Result<Vec<Recipient>, StorageError> {
        let consents = self
            .consent_of(person_id)
            .await?
            .is_some_and(|c| c.level.allows(ConsentLevel::BasisPluss));
        let Some(details) = self.contact_details(person_id).await?.filter(|_| consents) else {
            return Ok(Vec::new());
        };
        let mut recipients = Vec::new();
        for (channel, wanted, address) in [
            (Channel::Sms, details.notify_sms, details.mobile),
            (Channel::Email, details.notify_email, details.email),
        ] {
            if let Some(address) = address.filter(|_| wanted) {
                recipients.push(Recipient {
                    person_id,
                    channel,
                    address,
                    language: details.language,
                    for_represented,
                });
            }
        }
        Ok(recipients)
    }

    /// The (person, channel) pairs a job has delivered to already.
    pub async fn deliveries_of_job(
        &self,
        job_id: i64,
    ) -> Result<Vec<(i64, Channel)>, StorageError> {
        let rows =
            sqlx::query("SELECT person_id, channel FROM notification_delivery WHERE job_id = $1")
                .bind(job_id)
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                let channel: String = row.try_get("channel")?;
                Ok((
                    row.try_get("person_id")?,
                    Channel::from_code(&channel)
                        .ok_or_else(|| StorageError::Corrupt(format!("channel {channel}")))?,
                ))
            })
            .collect()
    }

    /// Records that a channel took a notification, right after it did.
    pub async fn record_delivery(
        &self,
        job_id: i64,
        recipient: &Recipient,
        reference: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO notification_delivery (job_id, person_id, channel, address, reference, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id, person_id, channel) DO NOTHING",
        )
        .bind(job_id)
        .bind(recipient.person_id)
        .bind(recipient.channel.code())
        .bind(&recipient.address)
        .bind(reference)
        .bind(now)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(())
    }

    /// Marks a claimed job done; `false` when the claim was no longer this worker's.
    pub async fn finish_notification_job(
        &self,
        job: &ClaimedJob,
        now: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE notification_job SET status = 'done', finished_at = $1, claimed_until = NULL, last_error = NULL \
             WHERE id = $2 AND claim_token = $3 AND status = 'pending'",
        )
        .bind(now)
        .bind(job.id)
        .bind(&job.claim_token)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts a claimed job back for a later try, or gives it up.
    pub async fn retry_notification_job(
        &self,
        job: &ClaimedJob,
        retry: JobRetry,
        error: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        let (status, run_at, finished_at) = match retry {
            JobRetry::At(at) => ("pending", Some(at), None),
            JobRetry::GiveUp => ("failed", None, Some(now)),
        };
        sqlx::query(
            "UPDATE notification_job SET status = $1, run_at = COALESCE($2, run_at), finished_at = $3, \
             claimed_until = NULL, last_error = $4 WHERE id = $5 AND claim_token = $6 AND status = 'pending'",
        )
        .bind(status)
        .bind(run_at)
        .bind(finished_at)
        .bind(error)
        .bind(job.id)
        .bind(&job.claim_token)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(())
    }

    /// Gives back a claimed job the worker did not start (it is stopping): due again at once
    /// for any worker, and the claim not counted as a try.
    pub async fn release_notification_job(&self, job: &ClaimedJob) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE notification_job SET claimed_until = NULL, claim_token = NULL, \
             attempts = attempts - 1 WHERE id = $1 AND claim_token = $2 AND status = 'pending'",
        )
        .bind(job.id)
        .bind(&job.claim_token)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(())
    }

    /// The jobs due at `now` (see [`DueJobs`]).
    pub async fn due_notification_jobs(&self, now: i64) -> Result<DueJobs, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS due, \
             COALESCE(SUM(CASE WHEN last_error IS NULL THEN 0 ELSE 1 END), 0) AS retrying, \
             COALESCE(MIN(run_at), $1) AS oldest FROM notification_job \
             WHERE status = 'pending' AND run_at <= $1",
        )
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        let oldest: i64 = row.try_get("oldest")?;
        Ok(DueJobs {
            due: row.try_get("due")?,
            retrying: row.try_get("retrying")?,
            oldest_age_seconds: (now - oldest).max(0),
        })
    }

    /// How many jobs wait, are done and failed.
    pub async fn notification_queue_counts(&self) -> Result<QueueCounts, StorageError> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM notification_job GROUP BY status")
                .fetch_all(self.pool())
                .await?;
        let mut counts = QueueCounts::default();
        for row in rows {
            let status: String = row.try_get("status")?;
            let n: i64 = row.try_get("n")?;
            match status.as_str() {
                "pending" => counts.pending = n,
                "done" => counts.done = n,
                "failed" => counts.failed = n,
                other => return Err(StorageError::Corrupt(format!("job status {other}"))),
            }
        }
        Ok(counts)
    }
}

/// Compares a typed code with the stored one, ignoring spaces a person may type.
fn codes_match(typed: &str, expected: &str) -> bool {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    typed.len() == expected.len()
        && typed
            .bytes()
            .zip(expected.bytes())
            .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn typed_codes_may_hold_spaces() {
        assert!(codes_match("123 456", "123456"));
        assert!(!codes_match("123457", "123456"));
        assert!(!codes_match("12345", "123456"));
        assert!(!codes_match("1234567", "123456"));
    }

    #[test]
    fn job_kinds_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::from_code(kind.code()), Some(kind));
        }
    }
}
