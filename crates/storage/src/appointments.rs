//! Appointment slots and bookings. One booking per slot is a database constraint (a partial
//! unique index over the bookings that hold their slot), so a slot is never given twice,
//! whatever the load and however many app processes race for it.

use std::sync::LazyLock;

use domain::GpService;
use domain::appointment::{AppointmentType, BookingStatus, SlotPurpose};
use jiff::civil::{Date, Time};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::messages::NewThread;
use crate::reads::ReadRow;
use crate::{Database, StorageError};

/// A slot the office publishes.
#[derive(Debug, Clone)]
pub struct NewSlot<'a> {
    pub office_id: i64,
    pub practitioner_id: i64,
    pub starts_at: i64,
    pub duration_minutes: i64,
    pub appointment_type: AppointmentType,
    pub place: &'a str,
    /// Bookable online now; otherwise shown under "Timer som kan bli tilgjengelig senere".
    pub released: bool,
    pub purpose: SlotPurpose,
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub id: i64,
    pub office_id: i64,
    pub practitioner_id: i64,
    pub starts_at: i64,
    pub duration_minutes: i64,
    pub appointment_type: AppointmentType,
    pub place: String,
    pub released: bool,
    pub purpose: SlotPurpose,
    /// Someone's request or confirmed booking holds it.
    pub taken: bool,
}

/// A citizen's booking with its slot and where it is.
#[derive(Debug, Clone)]
pub struct Booking {
    pub id: i64,
    pub slot: Slot,
    pub citizen_id: i64,
    pub citizen_name: String,
    pub practitioner_name: String,
    pub practitioner_kind: String,
    pub office_name: String,
    pub reason: String,
    pub status: BookingStatus,
    pub requested_at: i64,
    pub answer_text: Option<String>,
    pub thread_id: Option<i64>,
}

/// A booking request as the citizen sends it.
#[derive(Debug, Clone)]
pub struct NewBooking<'a> {
    pub slot_id: i64,
    pub citizen_id: i64,
    pub booked_by_person_id: i64,
    pub sender_name: &'a str,
    pub reason: &'a str,
    /// The text of the request in Innboks ("Ønsket timeavtale: ...").
    pub message: &'a str,
    pub idempotency_key: &'a str,
    pub now: i64,
    pub due_date: jiff::civil::Date,
}

/// Why a booking request was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingRefused {
    /// Someone else holds the slot: "Timen er dessverre ikke lenger ledig".
    SlotTaken,
    /// The slot is gone, not released for online booking, or in the past.
    NotBookable,
}

/// What a booking request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingOutcome {
    Requested {
        booking_id: i64,
        thread_id: i64,
    },
    /// The same form was sent before; this is its booking.
    AlreadySent {
        booking_id: i64,
        thread_id: i64,
    },
    Refused(BookingRefused),
}

const SLOT_COLUMNS: &str = "s.id, s.office_id, s.practitioner_id, s.starts_at, s.duration_minutes, \
     s.appointment_type, s.place, s.released, s.purpose, \
     EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.status IN ('forespurt', 'tildelt')) AS taken";

fn slot_from_row(row: &impl ReadRow) -> Result<Slot, StorageError> {
    let kind: String = row.value("appointment_type")?;
    let purpose: String = row.value("purpose")?;
    Ok(Slot {
        id: row.value("id")?,
        office_id: row.value("office_id")?,
        practitioner_id: row.value("practitioner_id")?,
        starts_at: row.value("starts_at")?,
        duration_minutes: row.value("duration_minutes")?,
        appointment_type: AppointmentType::from_code(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("appointment type {kind}")))?,
        place: row.value("place")?,
        released: row.value::<i64>("released")? != 0,
        purpose: SlotPurpose::from_code(&purpose)
            .ok_or_else(|| StorageError::Corrupt(format!("purpose {purpose}")))?,
        taken: taken_flag(row)?,
    })
}

/// `EXISTS` is a boolean on PostgreSQL and an integer on SQLite.
fn taken_flag(row: &impl ReadRow) -> Result<bool, StorageError> {
    match row.value::<bool>("taken") {
        Ok(flag) => Ok(flag),
        Err(_) => Ok(row.value::<i64>("taken")? != 0),
    }
}

/// Unix seconds of a time of day in Oslo.
pub(crate) fn at_oslo(day: Date, hour: i8, minute: i8) -> Result<i64, StorageError> {
    if hour == 0 && minute == 0 {
        return domain::oslo::midnight(day)
            .ok_or_else(|| StorageError::Corrupt(format!("no midnight in Oslo on {day}")));
    }
    let time = Time::new(hour, minute, 0, 0).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    Ok(domain::norway_time_zone()
        .to_timestamp(day.to_datetime(time))
        .map_err(|e| StorageError::Corrupt(e.to_string()))?
        .as_second())
}

/// The start (Unix seconds) and end of a day in Oslo.
pub fn day_bounds(day: Date) -> Result<(i64, i64), StorageError> {
    let next = day
        .tomorrow()
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    Ok((at_oslo(day, 0, 0)?, at_oslo(next, 0, 0)?))
}

/// The start (Unix seconds) of the day in Oslo that `at` falls in: what a slot's row keeps as
/// its day (`slot.day_start`), by which the free slots of each day are counted.
pub(crate) fn oslo_day_start(at: i64) -> Result<i64, StorageError> {
    domain::oslo::day_start(at)
        .ok_or_else(|| StorageError::Corrupt(format!("no day in Oslo at {at}")))
}

/// Migration 0013: each slot's day in Oslo (`oslo_day_start`). Oslo's midnights fall on whole
/// hours, so every slot of an hour has the same day: the day is worked out once per hour that
/// holds slots and written to the slots of each hour by a join.
pub(crate) async fn backfill_slot_days(conn: &mut sqlx::AnyConnection) -> Result<(), StorageError> {
    let hours: Vec<i64> =
        sqlx::query("SELECT DISTINCT starts_at / 3600 AS hour FROM slot ORDER BY hour")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| row.try_get("hour"))
            .collect::<Result<_, _>>()?;
    for chunk in hours.chunks(crate::PARAMS_PER_STATEMENT / 2) {
        let values = (0..chunk.len())
            .map(|i| {
                format!(
                    "(CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                    2 * i + 1,
                    2 * i + 2
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH slot_hour(hour, day_start) AS (VALUES {values}) \
             UPDATE slot SET day_start = slot_hour.day_start FROM slot_hour WHERE slot_hour.hour = slot.starts_at / 3600"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &hour in chunk {
            query = query.bind(hour).bind(oslo_day_start(hour * 3600)?);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A span of time, `[start, end)` in Unix seconds.
pub type Period = (i64, i64);

/// The days of the month that begins on `month_start` that are not over at `now`, each with
/// the period of it still to come: from `now` or its midnight to the next midnight in Oslo.
/// What a month's calendar asks `periods_with_free_slots` about.
pub fn days_left_in_month(
    month_start: Date,
    now: i64,
) -> Result<Vec<(Date, Period)>, StorageError> {
    let next_month = month_start
        .checked_add(jiff::Span::new().months(1))
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let mut days = Vec::new();
    // A day ends where the next begins, so each midnight is looked up once.
    let mut start = at_oslo(month_start, 0, 0)?;
    for day in month_start
        .series(jiff::Span::new().days(1))
        .take_while(|day| *day < next_month)
    {
        let next = day
            .tomorrow()
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let end = at_oslo(next, 0, 0)?;
        if start.max(now) < end {
            days.push((day, (start.max(now), end)));
        }
        start = end;
    }
    Ok(days)
}

impl Database {
    /// Publishes slots; a slot the practitioner already has at that time is left as it is.
    /// Returns how many were added.
    #[tracing::instrument(skip_all)]
    pub async fn add_slots(&self, slots: &[NewSlot<'_>], now: i64) -> Result<u64, StorageError> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for slot in slots {
            let result = sqlx::query(
                "INSERT INTO slot (office_id, practitioner_id, starts_at, day_start, duration_minutes, appointment_type, \
                 place, released, purpose, removed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(slot.office_id)
            .bind(slot.practitioner_id)
            .bind(slot.starts_at)
            .bind(oslo_day_start(slot.starts_at)?)
            .bind(slot.duration_minutes)
            .bind(slot.appointment_type.code())
            .bind(slot.place)
            .bind(i64::from(slot.released))
            .bind(slot.purpose.code())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            added += result.rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The slots of a practitioner from `from` to `to` (Unix seconds), in time order.
    #[tracing::instrument(skip_all)]
    pub async fn slots_between(
        &self,
        practitioner_id: i64,
        purpose: SlotPurpose,
        from: i64,
        to: i64,
    ) -> Result<Vec<Slot>, StorageError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {SLOT_COLUMNS} FROM slot s WHERE s.practitioner_id = $1 AND s.purpose = $2 AND s.removed = 0 \
                 AND s.starts_at >= $3 AND s.starts_at < $4 ORDER BY s.starts_at, s.id"
            )
        });
        self.read(&SQL)
            .bind(practitioner_id)
            .bind(purpose.code())
            .bind(from)
            .bind(to)
            .all(|row| slot_from_row(row))
            .await
    }

    /// Which of the given periods (`[start, end)` in Unix seconds, usually the days of a
    /// month) hold a released, untaken slot of the practitioner: what a month's calendar needs
    /// to mark its free days. A period that is a whole day in Oslo is read from the count of
    /// free slots kept for each practitioner and day (`free_slot_day`, migration 0014): one
    /// range of a small B-tree for the whole month. Any other period (today's, which starts
    /// now) is probed among the slots, and the probe stops at the first free slot. Both go in
    /// one statement. Returns the start of each period that has one, in time order.
    #[tracing::instrument(skip_all)]
    pub async fn periods_with_free_slots(
        &self,
        practitioner_id: i64,
        purpose: SlotPurpose,
        periods: &[crate::Period],
    ) -> Result<Vec<i64>, StorageError> {
        if periods.is_empty() {
            return Ok(Vec::new());
        }
        let mut whole_days = std::collections::BTreeSet::new();
        let mut probed = Vec::new();
        // Two of Oslo's midnights 23 to 25 hours apart are a day's start and end.
        for &(start, end) in periods {
            if (23 * 3_600..=25 * 3_600).contains(&(end - start))
                && oslo_day_start(start)? == start
                && oslo_day_start(end)? == end
            {
                whole_days.insert(start);
            } else {
                probed.push((start, end));
            }
        }
        // `$1` and `$2` are the practitioner and purpose, `$3` and `$4` the first and last
        // whole day; each probed period adds two parameters. Each row says whether it is a
        // whole day's count or a probe's.
        let counted = "SELECT day_start AS period_start, CAST(1 AS BIGINT) AS whole FROM free_slot_day \
             WHERE practitioner_id = $1 AND purpose = $2 AND day_start >= $3 AND day_start <= $4 AND free > 0";
        let sql = if probed.is_empty() {
            counted.to_owned()
        } else {
            // The probe's `OFFSET 0` keeps PostgreSQL from turning it into a join, which read
            // all of the practitioner's slots and compared each with every period.
            let values = (0..probed.len())
                .map(|i| {
                    format!(
                        "(CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                        5 + 2 * i,
                        6 + 2 * i
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "WITH period(period_start, period_end) AS (VALUES {values}) {counted} \
                 UNION ALL SELECT period_start, CAST(0 AS BIGINT) AS whole FROM period WHERE EXISTS (SELECT 1 FROM slot s \
                 WHERE s.practitioner_id = $1 AND s.purpose = $2 AND s.removed = 0 AND s.released = 1 \
                 AND s.starts_at >= period_start AND s.starts_at < period_end \
                 AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.status IN ('forespurt', 'tildelt')) \
                 LIMIT 1 OFFSET 0)"
            )
        };
        // Without whole days the range is empty.
        let (first, last) = match (whole_days.first(), whole_days.last()) {
            (Some(&first), Some(&last)) => (first, last),
            _ => (1, 0),
        };
        let mut read = self
            .read(&sql)
            .bind(practitioner_id)
            .bind(purpose.code())
            .bind(first)
            .bind(last);
        for &(start, end) in &probed {
            read = read.bind(start).bind(end);
        }
        let found: Vec<(i64, i64)> = read
            .all(|row| Ok((row.value("period_start")?, row.value("whole")?)))
            .await?;
        // A day between the first and the last whole day that was not asked about is left
        // out.
        let mut free: Vec<i64> = found
            .into_iter()
            .filter(|(start, whole)| *whole == 0 || whole_days.contains(start))
            .map(|(start, _)| start)
            .collect();
        free.sort_unstable();
        free.dedup();
        Ok(free)
    }

    /// A slot of an office (slots of other offices are not found).
    pub async fn slot_of_office(
        &self,
        slot_id: i64,
        office_id: i64,
    ) -> Result<Option<Slot>, StorageError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {SLOT_COLUMNS} FROM slot s WHERE s.id = $1 AND s.office_id = $2 AND s.removed = 0"
            )
        });
        self.read(&SQL)
            .bind(slot_id)
            .bind(office_id)
            .optional(|row| slot_from_row(row))
            .await
    }

    /// Removes a slot nobody holds; `false` when a request or booking holds it (it must be
    /// cancelled with notice to the citizen first).
    #[tracing::instrument(skip_all)]
    pub async fn remove_slot(&self, slot_id: i64, office_id: i64) -> Result<bool, StorageError> {
        let result = sqlx::query(
            "UPDATE slot SET removed = 1 WHERE id = $1 AND office_id = $2 AND removed = 0 AND NOT EXISTS \
             (SELECT 1 FROM booking b WHERE b.slot_id = slot.id AND b.status IN ('forespurt', 'tildelt'))",
        )
        .bind(slot_id)
        .bind(office_id)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Sends a booking request: the booking holds the slot, and the request appears in the
    /// citizen's Innboks, all at once. The database refuses a second holder of the slot.
    #[tracing::instrument(skip_all)]
    pub async fn request_booking(
        &self,
        new: &NewBooking<'_>,
    ) -> Result<BookingOutcome, StorageError> {
        if let Some(existing) = self.booking_by_key(new.idempotency_key).await? {
            return Ok(BookingOutcome::AlreadySent {
                booking_id: existing.0,
                thread_id: existing.1,
            });
        }
        let mut tx = self.begin_write().await?;
        let slot = sqlx::query(
            "SELECT office_id, practitioner_id, purpose FROM slot \
             WHERE id = $1 AND removed = 0 AND released = 1 AND starts_at > $2",
        )
        .bind(new.slot_id)
        .bind(new.now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(slot) = slot else {
            tx.rollback().await?;
            return Ok(BookingOutcome::Refused(BookingRefused::NotBookable));
        };
        let purpose: String = slot.try_get("purpose")?;
        let kind = if purpose == SlotPurpose::FluVaccine.code() {
            GpService::Influensavaksine
        } else {
            GpService::BestillTime
        };
        let inserted = sqlx::query(
            "INSERT INTO booking (slot_id, citizen_id, booked_by_person_id, reason, status, requested_at, \
             idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.slot_id)
        .bind(new.citizen_id)
        .bind(new.booked_by_person_id)
        .bind(new.reason)
        .bind(BookingStatus::Requested.code())
        .bind(new.now)
        .bind(new.idempotency_key)
        .fetch_one(&mut *tx)
        .await;
        let booking_id: i64 = match inserted {
            Ok(row) => row.try_get("id")?,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                tx.rollback().await?;
                // The same form may have won a moment ago in another process.
                if let Some(existing) = self.booking_by_key(new.idempotency_key).await? {
                    return Ok(BookingOutcome::AlreadySent {
                        booking_id: existing.0,
                        thread_id: existing.1,
                    });
                }
                return Ok(BookingOutcome::Refused(BookingRefused::SlotTaken));
            }
            Err(e) => return Err(e.into()),
        };
        let subject = match kind {
            GpService::Influensavaksine => "Bestill influensavaksine",
            _ => "Bestill time",
        };
        let thread = NewThread {
            citizen_id: new.citizen_id,
            sent_by_person_id: new.booked_by_person_id,
            sender_name: new.sender_name,
            office_id: slot.try_get("office_id")?,
            practitioner_id: Some(slot.try_get("practitioner_id")?),
            kind,
            subject,
            body: new.message,
            idempotency_key: &format!("booking:{}", new.idempotency_key),
            draft_id: None,
            received_at: new.now,
            due_date: new.due_date,
        };
        let Some((thread_id, _)) =
            crate::messages::insert_thread(&mut tx, self.backend(), &thread).await?
        else {
            return Err(StorageError::Corrupt(
                "a booking's thread exists without its booking".into(),
            ));
        };
        sqlx::query("UPDATE booking SET thread_id = $1 WHERE id = $2")
            .bind(thread_id)
            .bind(booking_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(BookingOutcome::Requested {
            booking_id,
            thread_id,
        })
    }

    async fn booking_by_key(&self, key: &str) -> Result<Option<(i64, i64)>, StorageError> {
        let row = sqlx::query("SELECT id, thread_id FROM booking WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok((
                row.try_get("id")?,
                row.try_get::<Option<i64>, _>("thread_id")?.unwrap_or(0),
            ))
        })
        .transpose()
    }

    /// How many bookings hold a slot (0 or 1, by the constraint).
    pub async fn holders_of_slot(&self, slot_id: i64) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM booking WHERE slot_id = $1 AND status IN ('forespurt', 'tildelt')",
        )
        .bind(slot_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Moves a booking from one state to another when it is in the expected one; `false` when
    /// it was not (someone changed it first). A booking that stops holding its slot frees it.
    #[tracing::instrument(skip_all)]
    pub async fn change_booking(
        &self,
        booking_id: i64,
        from: BookingStatus,
        to: BookingStatus,
        answer_text: Option<&str>,
        now: i64,
    ) -> Result<bool, StorageError> {
        let result = sqlx::query(
            "UPDATE booking SET status = $1, answered_at = $2, answer_text = COALESCE($3, answer_text) \
             WHERE id = $4 AND status = $5",
        )
        .bind(to.code())
        .bind(now)
        .bind(answer_text)
        .bind(booking_id)
        .bind(from.code())
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The number of slots of a practitioner; for tests and the office's overview.
    pub async fn slot_count(&self, practitioner_id: i64) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM slot WHERE practitioner_id = $1 AND removed = 0",
        )
        .bind(practitioner_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }
}

const BOOKING_COLUMNS: &str = "b.id AS booking_id, b.citizen_id, p.given_name || ' ' || p.family_name AS citizen_name, \
     pr.given_name || ' ' || pr.family_name AS practitioner_name, pr.kind AS practitioner_kind, o.name AS office_name, \
     b.reason, b.status, b.requested_at, b.answer_text, b.thread_id";

const BOOKING_JOINS: &str = "FROM booking b JOIN slot s ON s.id = b.slot_id JOIN person p ON p.id = b.citizen_id \
     JOIN practitioner pr ON pr.id = s.practitioner_id JOIN gp_office o ON o.id = s.office_id";

fn booking_from_row(row: &AnyRow) -> Result<Booking, StorageError> {
    let status: String = row.try_get("status")?;
    Ok(Booking {
        id: row.try_get("booking_id")?,
        slot: slot_from_row(row)?,
        citizen_id: row.try_get("citizen_id")?,
        citizen_name: row.try_get("citizen_name")?,
        practitioner_name: row.try_get("practitioner_name")?,
        practitioner_kind: row.try_get("practitioner_kind")?,
        office_name: row.try_get("office_name")?,
        reason: row.try_get("reason")?,
        status: BookingStatus::from_code(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("booking {status}")))?,
        requested_at: row.try_get("requested_at")?,
        answer_text: row.try_get("answer_text")?,
        thread_id: row.try_get("thread_id")?,
    })
}

/// The office's answer to a booking request.
#[derive(Debug, Clone, Copy)]
pub struct BookingAnswer<'a> {
    pub thread_id: i64,
    pub office_id: i64,
    pub staff_id: i64,
    pub staff_name: &'a str,
    /// Confirm ("Tildelt") or reject (the slot becomes free again).
    pub confirm: bool,
    /// The message to the citizen in the thread.
    pub text: &'a str,
    pub now: i64,
}

impl Database {
    /// The booking a thread in Innboks is about.
    pub async fn booking_by_thread(&self, thread_id: i64) -> Result<Option<Booking>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BOOKING_COLUMNS}, {SLOT_COLUMNS} {BOOKING_JOINS} WHERE b.thread_id = $1"
        )))
        .bind(thread_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(booking_from_row).transpose()
    }

    /// Confirms or rejects a requested booking and answers its thread, all at once; `false`
    /// when the request was already answered (or cancelled) and nothing changed.
    #[tracing::instrument(skip_all)]
    pub async fn answer_booking(&self, answer: &BookingAnswer<'_>) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        let to = if answer.confirm {
            BookingStatus::Confirmed
        } else {
            BookingStatus::Rejected
        };
        let changed = sqlx::query(
            "UPDATE booking SET status = $1, answered_at = $2, answer_text = $3 \
             WHERE thread_id = $4 AND status = $5 \
             AND slot_id IN (SELECT id FROM slot WHERE office_id = $6)",
        )
        .bind(to.code())
        .bind(answer.now)
        .bind(answer.text)
        .bind(answer.thread_id)
        .bind(BookingStatus::Requested.code())
        .bind(answer.office_id)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let answered = crate::messages::insert_answer(
            &mut tx,
            self.backend(),
            &crate::NewAnswer {
                thread_id: answer.thread_id,
                office_id: answer.office_id,
                staff_id: answer.staff_id,
                staff_name: answer.staff_name,
                body: answer.text,
                copayment_nok: None,
                now: answer.now,
            },
        )
        .await?;
        if !answered {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }
}

impl Database {
    /// A citizen's bookings, the latest start first.
    #[tracing::instrument(skip_all)]
    pub async fn bookings_of_citizen(&self, citizen_id: i64) -> Result<Vec<Booking>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BOOKING_COLUMNS}, {SLOT_COLUMNS} {BOOKING_JOINS} WHERE b.citizen_id = $1 \
             ORDER BY s.starts_at DESC, b.id DESC LIMIT 500"
        )))
        .bind(citizen_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(booking_from_row).collect()
    }

    /// One booking of this citizen (bookings of others are not found).
    pub async fn booking_of_citizen(
        &self,
        booking_id: i64,
        citizen_id: i64,
    ) -> Result<Option<Booking>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BOOKING_COLUMNS}, {SLOT_COLUMNS} {BOOKING_JOINS} WHERE b.id = $1 AND b.citizen_id = $2"
        )))
        .bind(booking_id)
        .bind(citizen_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(booking_from_row).transpose()
    }

    /// Cancels a requested or confirmed booking (freeing the slot) and tells the office in the
    /// booking's thread, all at once; `false` when it was not in a state that can be cancelled.
    #[tracing::instrument(skip_all)]
    pub async fn cancel_booking(
        &self,
        booking_id: i64,
        citizen_id: i64,
        sender_name: &str,
        message: &str,
        now: i64,
    ) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE booking SET status = $1, answered_at = $2 WHERE id = $3 AND citizen_id = $4 \
             AND status IN ('forespurt', 'tildelt') RETURNING thread_id",
        )
        .bind(BookingStatus::Cancelled.code())
        .bind(now)
        .bind(booking_id)
        .bind(citizen_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        if let Some(thread_id) = row.try_get::<Option<i64>, _>("thread_id")? {
            let sender = crate::messages::Sender::Citizen { name: sender_name };
            crate::messages::add_message(&mut tx, self.backend(), thread_id, sender, message, now)
                .await?;
            // A request not yet answered needs no answer any more: it leaves the work queue.
            sqlx::query("UPDATE message_thread SET status = 'answered' WHERE id = $1")
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

impl Database {
    /// The office's closing days (no template slots are made on them).
    pub async fn closing_days(
        &self,
        office_id: i64,
    ) -> Result<Vec<jiff::civil::Date>, StorageError> {
        let rows = sqlx::query("SELECT day FROM closing_day WHERE office_id = $1 ORDER BY day")
            .bind(office_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let day: String = row.try_get("day")?;
                day.parse()
                    .map_err(|e| StorageError::Corrupt(format!("closing day: {e}")))
            })
            .collect()
    }

    pub async fn add_closing_day(
        &self,
        office_id: i64,
        day: jiff::civil::Date,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO closing_day (office_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(office_id)
        .bind(day.to_string())
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(())
    }

    /// The office cancels a requested or confirmed booking: the slot is freed and the citizen
    /// gets the message in the booking's thread, all at once. `false` when there was nothing
    /// to cancel.
    #[tracing::instrument(skip_all)]
    pub async fn office_cancel_booking(
        &self,
        thread_id: i64,
        office_id: i64,
        staff_id: i64,
        staff_name: &str,
        message: &str,
        now: i64,
    ) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE booking SET status = $1, answered_at = $2, answer_text = $3 WHERE thread_id = $4 \
             AND status IN ('forespurt', 'tildelt') AND slot_id IN (SELECT id FROM slot WHERE office_id = $5)",
        )
        .bind(BookingStatus::Cancelled.code())
        .bind(now)
        .bind(message)
        .bind(thread_id)
        .bind(office_id)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let sender = crate::messages::Sender::Office {
            staff_id,
            name: staff_name,
        };
        crate::messages::add_message(&mut tx, self.backend(), thread_id, sender, message, now)
            .await?;
        sqlx::query("UPDATE message_thread SET status = 'answered' WHERE id = $1")
            .bind(thread_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The office books a slot by hand for the citizen of an enquiry ("Forespørsel").
#[derive(Debug, Clone, Copy)]
pub struct OfficeBooking<'a> {
    pub thread_id: i64,
    pub office_id: i64,
    pub slot_id: i64,
    pub staff_id: i64,
    pub staff_name: &'a str,
    pub text: &'a str,
    pub now: i64,
}

/// What booking by hand did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeBooked {
    Done,
    /// Someone holds the slot now.
    SlotTaken,
    /// The enquiry was answered already, or the slot is not the office's.
    NotPossible,
}

impl Database {
    /// Free slots of all practitioners of an office between two moments (released online or
    /// not), for the office to book by hand.
    pub async fn free_slots_of_office(
        &self,
        office_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<Slot>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SLOT_COLUMNS} FROM slot s WHERE s.office_id = $1 AND s.removed = 0 AND s.starts_at >= $2 \
             AND s.starts_at < $3 AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id \
             AND b.status IN ('forespurt', 'tildelt')) ORDER BY s.starts_at, s.practitioner_id LIMIT 300"
        )))
        .bind(office_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(slot_from_row).collect()
    }

    /// Books a slot for the citizen of an open enquiry, as confirmed ("Tildelt"), and answers
    /// the enquiry, all at once; the one-booking-per-slot constraint holds here too.
    #[tracing::instrument(skip_all)]
    pub async fn book_for_enquiry(
        &self,
        booking: &OfficeBooking<'_>,
    ) -> Result<OfficeBooked, StorageError> {
        let mut tx = self.begin_write().await?;
        let thread = sqlx::query(
            "SELECT citizen_id, sent_by_person_id FROM message_thread WHERE id = $1 AND office_id = $2 \
             AND status = 'open' AND kind IN ('bestill-time', 'influensavaksine')",
        )
        .bind(booking.thread_id)
        .bind(booking.office_id)
        .fetch_optional(&mut *tx)
        .await?;
        let slot = sqlx::query("SELECT id FROM slot WHERE id = $1 AND office_id = $2 AND removed = 0 AND starts_at > $3")
            .bind(booking.slot_id)
            .bind(booking.office_id)
            .bind(booking.now)
            .fetch_optional(&mut *tx)
            .await?;
        let (Some(thread), Some(_)) = (thread, slot) else {
            tx.rollback().await?;
            return Ok(OfficeBooked::NotPossible);
        };
        let inserted = sqlx::query(
            "INSERT INTO booking (slot_id, citizen_id, booked_by_person_id, reason, status, requested_at, answered_at, \
             answer_text, thread_id, idempotency_key) VALUES ($1, $2, $3, '', $4, $5, $5, $6, $7, $8)",
        )
        .bind(booking.slot_id)
        .bind(thread.try_get::<i64, _>("citizen_id")?)
        .bind(thread.try_get::<i64, _>("sent_by_person_id")?)
        .bind(BookingStatus::Confirmed.code())
        .bind(booking.now)
        .bind(booking.text)
        .bind(booking.thread_id)
        .bind(format!("enquiry:{}:{}", booking.thread_id, booking.slot_id))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                tx.rollback().await?;
                return Ok(OfficeBooked::SlotTaken);
            }
            Err(e) => return Err(e.into()),
        }
        let answer = crate::NewAnswer {
            thread_id: booking.thread_id,
            office_id: booking.office_id,
            staff_id: booking.staff_id,
            staff_name: booking.staff_name,
            body: booking.text,
            copayment_nok: None,
            now: booking.now,
        };
        if !crate::messages::insert_answer(&mut tx, self.backend(), &answer).await? {
            tx.rollback().await?;
            return Ok(OfficeBooked::NotPossible);
        }
        tx.commit().await?;
        Ok(OfficeBooked::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_in_month_are_the_days_in_oslo_from_now() {
        let march = jiff::civil::date(2026, 3, 1);
        let before = at_oslo(march, 0, 0).unwrap() - 1;
        let days = days_left_in_month(march, before).unwrap();
        assert_eq!(days.len(), 31);
        for (day, period) in &days {
            assert_eq!(*period, day_bounds(*day).unwrap(), "{day}");
        }
        // Summer time begins on 29 March: that day has 23 hours.
        let (_, (start, end)) = days[28];
        assert_eq!(end - start, 23 * 3600);

        let now = at_oslo(jiff::civil::date(2026, 3, 10), 13, 30).unwrap();
        let days = days_left_in_month(march, now).unwrap();
        assert_eq!(days.len(), 22);
        assert_eq!(days[0].0, jiff::civil::date(2026, 3, 10));
        assert_eq!(
            days[0].1,
            (now, at_oslo(jiff::civil::date(2026, 3, 11), 0, 0).unwrap())
        );
        let after = at_oslo(jiff::civil::date(2026, 4, 1), 0, 0).unwrap();
        assert!(days_left_in_month(march, after).unwrap().is_empty());
    }
}
