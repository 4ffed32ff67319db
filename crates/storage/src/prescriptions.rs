//! The prescription register and renewal requests. A request is a thread (kind "forny-resept")
//! listing the prescriptions asked for; approving creates new prescriptions and marks the old
//! ones renewed, in the same transaction as the answer.

use domain::prescription::{
    DrugGroup, PrescriptionFacts, PrescriptionStatus, RENEWAL_VALID_MONTHS,
};
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::messages::NewThread;
use crate::{Database, NewAnswer, StorageError};

#[derive(Debug, Clone)]
pub struct Dispensation {
    pub dispensed_on: Date,
    pub pharmacy: String,
}

#[derive(Debug, Clone)]
pub struct Prescription {
    pub id: i64,
    pub person_id: i64,
    pub drug_name: String,
    pub strength: String,
    pub form: String,
    pub dosage: String,
    pub group: DrugGroup,
    pub prescriber_name: String,
    pub prescribed_on: Date,
    pub expires_on: Date,
    pub dispensations_allowed: i64,
    pub status: PrescriptionStatus,
    /// Newest first.
    pub dispensations: Vec<Dispensation>,
    /// A renewal request for it awaits the GP.
    pub renewal_pending: bool,
}

impl Prescription {
    pub fn facts(&self) -> PrescriptionFacts {
        PrescriptionFacts {
            group: self.group,
            status: self.status,
            prescribed_on: self.prescribed_on,
            expires_on: self.expires_on,
            last_dispensed_on: self.dispensations.first().map(|d| d.dispensed_on),
            renewal_pending: self.renewal_pending,
        }
    }

    /// Dispensations still left.
    pub fn dispensations_left(&self) -> i64 {
        (self.dispensations_allowed - i64::try_from(self.dispensations.len()).unwrap_or(i64::MAX))
            .max(0)
    }
}

/// A prescription to write into the register (demo data, renewals).
#[derive(Debug, Clone)]
pub struct NewPrescription<'a> {
    pub person_id: i64,
    pub drug_name: &'a str,
    pub strength: &'a str,
    pub form: &'a str,
    pub dosage: &'a str,
    pub group: DrugGroup,
    pub prescriber_name: &'a str,
    pub office_id: Option<i64>,
    pub prescribed_on: Date,
    pub expires_on: Date,
    pub dispensations_allowed: i64,
}

const COLUMNS: &str = "p.id, p.person_id, p.drug_name, p.strength, p.form, p.dosage, p.drug_group, p.prescriber_name, \
     p.prescribed_on, p.expires_on, p.dispensations_allowed, p.status, \
     (SELECT COUNT(*) FROM renewal_item r JOIN message_thread t ON t.id = r.thread_id \
      WHERE r.prescription_id = p.id AND t.status = 'open') AS pending";

fn date(row: &AnyRow, column: &str) -> Result<Date, StorageError> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}

fn from_row(row: &AnyRow) -> Result<Prescription, StorageError> {
    let group: String = row.try_get("drug_group")?;
    let status: String = row.try_get("status")?;
    Ok(Prescription {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        drug_name: row.try_get("drug_name")?,
        strength: row.try_get("strength")?,
        form: row.try_get("form")?,
        dosage: row.try_get("dosage")?,
        group: DrugGroup::from_code(&group)
            .ok_or_else(|| StorageError::Corrupt(format!("drug group {group}")))?,
        prescriber_name: row.try_get("prescriber_name")?,
        prescribed_on: date(row, "prescribed_on")?,
        expires_on: date(row, "expires_on")?,
        dispensations_allowed: row.try_get("dispensations_allowed")?,
        status: PrescriptionStatus::from_code(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("status {status}")))?,
        dispensations: Vec::new(),
        renewal_pending: row.try_get::<i64, _>("pending")? > 0,
    })
}

async fn insert_prescription(
    tx: &mut crate::WriteTransaction,
    new: &NewPrescription<'_>,
    renewed_from: Option<i64>,
    now: i64,
) -> Result<i64, StorageError> {
    Ok(sqlx::query(
        "INSERT INTO prescription (person_id, drug_name, strength, form, dosage, drug_group, prescriber_name, office_id, \
         prescribed_on, expires_on, dispensations_allowed, status, renewed_from_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'aktiv', $12, $13) RETURNING id",
    )
    .bind(new.person_id)
    .bind(new.drug_name)
    .bind(new.strength)
    .bind(new.form)
    .bind(new.dosage)
    .bind(new.group.code())
    .bind(new.prescriber_name)
    .bind(new.office_id)
    .bind(new.prescribed_on.to_string())
    .bind(new.expires_on.to_string())
    .bind(new.dispensations_allowed)
    .bind(renewed_from)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

impl Database {
    /// Writes prescriptions with their dispensations (demo data).
    pub async fn add_prescription(
        &self,
        new: &NewPrescription<'_>,
        dispensed: &[(Date, &str)],
        now: i64,
    ) -> Result<i64, StorageError> {
        let mut tx = self.begin_write().await?;
        let id = insert_prescription(&mut tx, new, None, now).await?;
        for (day, pharmacy) in dispensed {
            sqlx::query("INSERT INTO dispensation (prescription_id, dispensed_on, pharmacy) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(day.to_string())
                .bind(*pharmacy)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn with_dispensations(
        &self,
        mut list: Vec<Prescription>,
    ) -> Result<Vec<Prescription>, StorageError> {
        if list.is_empty() {
            return Ok(list);
        }
        // The ids are integers from our own rows.
        let ids = list
            .iter()
            .map(|p| p.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT prescription_id, dispensed_on, pharmacy FROM dispensation WHERE prescription_id IN ({ids}) \
             ORDER BY dispensed_on DESC, id DESC"
        )))
        .fetch_all(self.pool())
        .await?;
        for row in &rows {
            let id: i64 = row.try_get("prescription_id")?;
            if let Some(p) = list.iter_mut().find(|p| p.id == id) {
                p.dispensations.push(Dispensation {
                    dispensed_on: date(row, "dispensed_on")?,
                    pharmacy: row.try_get("pharmacy")?,
                });
            }
        }
        Ok(list)
    }

    /// A person's prescriptions, newest first, with their dispensations.
    #[tracing::instrument(skip_all)]
    pub async fn prescriptions_of(
        &self,
        person_id: i64,
    ) -> Result<Vec<Prescription>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM prescription p WHERE p.person_id = $1 ORDER BY p.prescribed_on DESC, p.id DESC LIMIT 500"
        )))
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        let list = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        self.with_dispensations(list).await
    }

    /// One prescription of this person (prescriptions of others are not found).
    pub async fn prescription_of(
        &self,
        id: i64,
        person_id: i64,
    ) -> Result<Option<Prescription>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM prescription p WHERE p.id = $1 AND p.person_id = $2"
        )))
        .bind(id)
        .bind(person_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(p) = row.as_ref().map(from_row).transpose()? else {
            return Ok(None);
        };
        Ok(self.with_dispensations(vec![p]).await?.pop())
    }

    /// Sends a renewal request for the given prescriptions (checked by the caller) as a thread.
    #[tracing::instrument(skip_all)]
    pub async fn request_renewal(
        &self,
        thread: &NewThread<'_>,
        prescription_ids: &[i64],
    ) -> Result<crate::Sent, StorageError> {
        let mut tx = self.begin_write().await?;
        let Some((thread_id, _)) =
            crate::messages::insert_thread(&mut tx, self.backend(), thread).await?
        else {
            tx.rollback().await?;
            let row = sqlx::query("SELECT id FROM message_thread WHERE idempotency_key = $1")
                .bind(thread.idempotency_key)
                .fetch_one(self.pool())
                .await?;
            return Ok(crate::Sent {
                thread_id: row.try_get("id")?,
                already_sent: true,
            });
        };
        for id in prescription_ids {
            sqlx::query("INSERT INTO renewal_item (thread_id, prescription_id) VALUES ($1, $2)")
                .bind(thread_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(crate::Sent {
            thread_id,
            already_sent: false,
        })
    }

    /// The prescriptions a renewal request asks for.
    pub async fn renewal_items(&self, thread_id: i64) -> Result<Vec<Prescription>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM prescription p JOIN renewal_item r ON r.prescription_id = p.id \
             WHERE r.thread_id = $1 ORDER BY p.drug_name"
        )))
        .bind(thread_id)
        .fetch_all(self.pool())
        .await?;
        let list = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        self.with_dispensations(list).await
    }

    /// Approves a renewal request: each prescription asked for is renewed (a new one, valid
    /// from `today`, the old one marked renewed) and the request answered, all at once.
    /// `false` when it was answered already.
    #[tracing::instrument(skip_all)]
    pub async fn approve_renewal(
        &self,
        answer: &NewAnswer<'_>,
        prescriber_name: &str,
        today: Date,
    ) -> Result<bool, StorageError> {
        let items = self.renewal_items(answer.thread_id).await?;
        let mut tx = self.begin_write().await?;
        if !crate::messages::insert_answer(&mut tx, self.backend(), answer).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let expires = today
            .checked_add(jiff::Span::new().months(RENEWAL_VALID_MONTHS))
            .unwrap_or(today);
        for old in items
            .iter()
            .filter(|p| p.status == PrescriptionStatus::Active && !p.group.is_controlled())
        {
            let new = NewPrescription {
                person_id: old.person_id,
                drug_name: &old.drug_name,
                strength: &old.strength,
                form: &old.form,
                dosage: &old.dosage,
                group: old.group,
                prescriber_name,
                office_id: Some(answer.office_id),
                prescribed_on: today,
                expires_on: expires,
                dispensations_allowed: old.dispensations_allowed,
            };
            insert_prescription(&mut tx, &new, Some(old.id), answer.now).await?;
            sqlx::query("UPDATE prescription SET status = 'fornyet' WHERE id = $1")
                .bind(old.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE renewal_item SET outcome = 'approved' WHERE thread_id = $1 AND prescription_id = $2")
                .bind(answer.thread_id)
                .bind(old.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Declines a renewal request with the reason as the answer; `false` when answered already.
    #[tracing::instrument(skip_all)]
    pub async fn decline_renewal(&self, answer: &NewAnswer<'_>) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        if !crate::messages::insert_answer(&mut tx, self.backend(), answer).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE renewal_item SET outcome = 'declined' WHERE thread_id = $1")
            .bind(answer.thread_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}
