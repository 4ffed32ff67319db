//! Helseportal's notifications: the worker that empties the job queue.
//!
//! Jobs are written by storage in the same transaction as what causes them (see
//! `storage::notifications`). A worker claims due jobs, decides at sending time whom to notify and
//! how (contact details and consent as they are then; a reminder only for a message still
//! unread), composes the text from the kind of notice alone (`domain::notification`: no link, no
//! health information), hands it to each channel and records each delivery at once. A channel
//! that fails leaves the job for a later try with back-off; what was delivered is not sent again.
//! `helseportal serve` runs a worker beside the web server; `helseportal worker` runs one alone,
//! and any number may run against one PostgreSQL database.

mod channels;
mod outbox;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use domain::contact::Channel;
use domain::notification::{Notice, compose};
use storage::{ClaimedJob, Database, JobKind, JobPlan, JobRetry, Recipient};

pub use channels::{SendError, SmsGatewaySettings, SmtpSettings, SmtpTls};
pub use outbox::{Outbox, OutboxEntry};

use channels::{EmailChannel, SmsChannel};

/// Where e-mail and SMS go.
#[derive(Debug, Clone)]
pub struct NotifierSettings {
    /// `None`: e-mail goes to the outbox.
    pub smtp: Option<SmtpSettings>,
    /// `None`: SMS goes to the outbox.
    pub sms_gateway: Option<SmsGatewaySettings>,
    /// The outbox folder, used by the channels that have no server.
    pub outbox_dir: std::path::PathBuf,
}

impl NotifierSettings {
    /// Whether anything goes to the outbox (then the development page shows it).
    pub fn uses_outbox(&self) -> bool {
        self.smtp.is_none() || self.sms_gateway.is_none()
    }
}

/// How long a worker holds a job it claimed. Longer than the slowest send (two channels with
/// their timeouts), so a job is not taken over while its worker is still on it; a worker that
/// died leaves its jobs to others after this.
pub const LEASE_SECONDS: i64 = 120;

/// Tries before a job is given up and marked failed (about a day and a half of back-off).
pub const MAX_ATTEMPTS: i64 = 12;

/// Jobs claimed at a time.
const BATCH: i64 = 20;

/// The wait before try number `attempts + 1`: 30 seconds, doubling, at most six hours.
pub fn retry_delay_seconds(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (30_i64 << doublings).min(6 * 60 * 60)
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    pub jobs: usize,
    pub delivered: usize,
    pub failed_deliveries: usize,
}

/// What this process's worker has done since it started, for the metrics.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Jobs completed.
    pub done: AtomicU64,
    /// Tries that failed and left the job for another.
    pub retried: AtomicU64,
    /// Jobs given up after their last try.
    pub given_up: AtomicU64,
}

/// The worker.
pub struct Notifier {
    db: Database,
    email: EmailChannel,
    sms: SmsChannel,
    stats: Arc<WorkerStats>,
}

impl Notifier {
    pub fn new(db: Database, settings: &NotifierSettings) -> Result<Self, String> {
        let outbox = || {
            Outbox::open(&settings.outbox_dir)
                .map_err(|e| format!("the outbox folder {}: {e}", settings.outbox_dir.display()))
        };
        let email = match &settings.smtp {
            Some(smtp) => EmailChannel::smtp(smtp)?,
            None => EmailChannel::Outbox(outbox()?),
        };
        let sms = match &settings.sms_gateway {
            Some(gateway) => SmsChannel::gateway(gateway.clone())?,
            None => SmsChannel::Outbox(outbox()?),
        };
        Ok(Self {
            db,
            email,
            sms,
            stats: Arc::default(),
        })
    }

    /// The counts of what this worker did.
    pub fn stats(&self) -> Arc<WorkerStats> {
        Arc::clone(&self.stats)
    }

    /// Runs every job due at `now` (the clock is a parameter, so tests can move it).
    pub async fn run_due(&self, now: i64) -> Result<RunReport, storage::StorageError> {
        let never = std::future::pending::<()>();
        tokio::pin!(never);
        self.run_due_until(now, never)
            .await
            .map(|(report, _)| report)
    }

    /// Runs every job due at `now`, or until `stop` resolves: then the job under way is
    /// finished and the others claimed with it are given back at once, rather than left
    /// waiting out their lease. Tells whether it stopped.
    async fn run_due_until(
        &self,
        now: i64,
        mut stop: Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> Result<(RunReport, bool), storage::StorageError> {
        let mut report = RunReport::default();
        loop {
            let jobs = self
                .db
                .claim_notification_jobs(now, LEASE_SECONDS, BATCH)
                .await?;
            if jobs.is_empty() {
                return Ok((report, false));
            }
            for (n, job) in jobs.iter().enumerate() {
                if has_resolved(stop.as_mut()).await {
                    for unstarted in &jobs[n..] {
                        self.db.release_notification_job(unstarted).await?;
                    }
                    return Ok((report, true));
                }
                report.jobs += 1;
                let (delivered, failed) = self.run_job(job, now).await?;
                report.delivered += delivered;
                report.failed_deliveries += failed;
            }
        }
    }

    async fn run_job(
        &self,
        job: &ClaimedJob,
        now: i64,
    ) -> Result<(usize, usize), storage::StorageError> {
        let today = jiff::Timestamp::from_second(now)
            .ok()
            .and_then(|t| t.in_tz("Europe/Oslo").ok())
            .map(|t| t.date())
            .ok_or_else(|| storage::StorageError::Corrupt(format!("time {now}")))?;
        let plan = self.db.notification_plan(job, today).await?;
        let deliveries = deliveries_of(job.kind, plan);
        let done = self.db.deliveries_of_job(job.id).await?;
        let mut delivered = 0;
        let mut errors = Vec::new();
        for (recipient, notice) in deliveries {
            if done.contains(&(recipient.person_id, recipient.channel)) {
                continue;
            }
            let text = compose(&notice, recipient.language);
            let reference = format!(
                "hp-{}-{}-{}",
                job.id,
                recipient.person_id,
                recipient.channel.code()
            );
            let sent = match recipient.channel {
                Channel::Email => {
                    self.email
                        .send(&recipient.address, &text, &reference, now)
                        .await
                }
                Channel::Sms => {
                    self.sms
                        .send(&recipient.address, &text, &reference, now)
                        .await
                }
            };
            match sent {
                Ok(()) => {
                    self.db
                        .record_delivery(job.id, &recipient, &reference, now)
                        .await?;
                    delivered += 1;
                }
                Err(error) => errors.push(error.to_string()),
            }
        }
        if errors.is_empty() {
            self.db.finish_notification_job(job, now).await?;
            self.stats.done.fetch_add(1, Ordering::Relaxed);
        } else {
            let retry = if job.attempts >= MAX_ATTEMPTS {
                tracing::error!(job = job.id, errors = ?errors, "notification given up");
                self.stats.given_up.fetch_add(1, Ordering::Relaxed);
                JobRetry::GiveUp
            } else {
                tracing::warn!(job = job.id, errors = ?errors, "notification will be tried again");
                self.stats.retried.fetch_add(1, Ordering::Relaxed);
                JobRetry::At(now + retry_delay_seconds(job.attempts))
            };
            self.db
                .retry_notification_job(job, retry, &errors.join("; "), now)
                .await?;
        }
        Ok((delivered, errors.len()))
    }

    /// Runs due jobs every `poll` until `shutdown` resolves. Errors (the database away, say) are
    /// logged and the loop goes on: the jobs wait in the database. On shutdown the job under
    /// way is finished and the rest of its batch given back (see `run_due_until`).
    pub async fn run_until(&self, poll: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let now = jiff::Timestamp::now().as_second();
            match self.run_due_until(now, shutdown.as_mut()).await {
                Ok((_, true)) => return,
                Ok((_, false)) => {}
                Err(error) => tracing::warn!(%error, "notification worker"),
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {},
                () = &mut shutdown => return,
            }
        }
    }
}

/// Whether `future` has resolved, looked at once without waiting. Not to be asked again once
/// it said yes: a future that has resolved must not be polled again.
async fn has_resolved(future: Pin<&mut impl std::future::Future<Output = ()>>) -> bool {
    tokio::select! {
        biased;
        () = future => true,
        () = std::future::ready(()) => false,
    }
}

/// Pairs each recipient of a plan with the notice they get.
fn deliveries_of(kind: JobKind, plan: JobPlan) -> Vec<(Recipient, Notice)> {
    match plan {
        JobPlan::Nothing => Vec::new(),
        JobPlan::Code { recipient, code } => {
            let notice = match recipient.channel {
                Channel::Sms => Notice::ConfirmMobile { code },
                Channel::Email => Notice::ConfirmEmail { code },
            };
            vec![(recipient, notice)]
        }
        JobPlan::Message { recipients } => recipients
            .into_iter()
            .map(|recipient| {
                let notice = match (kind, recipient.for_represented) {
                    (JobKind::UnreadReminder, false) => Notice::UnreadReminder,
                    (JobKind::UnreadReminder, true) => Notice::UnreadReminderForRepresented,
                    (_, false) => Notice::NewMessage,
                    (_, true) => Notice::NewMessageForRepresented,
                };
                (recipient, notice)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::notification::Language;

    #[test]
    fn back_off_doubles_up_to_six_hours() {
        assert_eq!(retry_delay_seconds(1), 30);
        assert_eq!(retry_delay_seconds(2), 60);
        assert_eq!(retry_delay_seconds(5), 480);
        assert_eq!(retry_delay_seconds(11), 6 * 60 * 60);
        assert_eq!(retry_delay_seconds(100), 6 * 60 * 60);
        assert_eq!(retry_delay_seconds(0), 30);
    }

    fn recipient(channel: Channel, for_represented: bool) -> Recipient {
        Recipient {
            person_id: 1,
            channel,
            address: "x".into(),
            language: Language::Nb,
            for_represented,
        }
    }

    #[test]
    fn each_recipient_gets_the_notice_that_fits() {
        let plan = JobPlan::Message {
            recipients: vec![
                recipient(Channel::Sms, false),
                recipient(Channel::Email, true),
            ],
        };
        let notices: Vec<Notice> = deliveries_of(JobKind::UnreadReminder, plan)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(
            notices,
            vec![Notice::UnreadReminder, Notice::UnreadReminderForRepresented]
        );
        let code = deliveries_of(
            JobKind::ContactCode,
            JobPlan::Code {
                recipient: recipient(Channel::Email, false),
                code: "123456".into(),
            },
        );
        assert_eq!(
            code[0].1,
            Notice::ConfirmEmail {
                code: "123456".into()
            }
        );
        assert!(deliveries_of(JobKind::NewMessage, JobPlan::Nothing).is_empty());
    }
}
