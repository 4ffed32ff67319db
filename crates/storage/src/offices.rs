//! GP offices, their services and practitioners, the GP list and office staff.

use std::sync::LazyLock;

use domain::{GpService, PersonName, PractitionerKind, StaffRole};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::reads::{ColumnValue, ReadRow};
use crate::{Database, StorageError};

#[derive(Debug, Clone)]
pub struct Office {
    pub id: i64,
    pub name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub phone: String,
    pub her_id: i64,
    /// A contract specialist ("avtalespesialist") rather than a GP office.
    pub is_specialist: bool,
    /// Citizens may cancel online until this many hours before the start.
    pub cancel_notice_hours: i64,
    /// The office takes enquiries ("Forespørsel") and books by hand, instead of publishing
    /// slots for citizens to choose.
    pub enquiry_only: bool,
}

#[derive(Debug, Clone)]
pub struct Practitioner {
    pub id: i64,
    pub office_id: i64,
    pub name: PersonName,
    pub kind: PractitionerKind,
    pub locum_for_id: Option<i64>,
}

/// A citizen's GP, the office and the services it offers.
#[derive(Debug, Clone)]
pub struct GpOverview {
    pub practitioner: Practitioner,
    pub office: Office,
    pub services: Vec<GpService>,
}

#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: i64,
    pub office_id: i64,
    pub role: StaffRole,
    pub name: PersonName,
    pub practitioner_id: Option<i64>,
}

fn office_from_row(row: &impl ReadRow) -> Result<Office, StorageError> {
    Ok(Office {
        id: row.value("office_id")?,
        name: row.value("office_name")?,
        street: row.value("street")?,
        postal_code: row.value("postal_code")?,
        city: row.value("city")?,
        phone: row.value("phone")?,
        her_id: row.value("her_id")?,
        is_specialist: row.value::<String>("office_kind")? == "avtalespesialist",
        cancel_notice_hours: row.value("cancel_notice_hours")?,
        enquiry_only: row.value::<String>("booking_mode")? == "foresporsel",
    })
}

fn practitioner_from_row(row: &impl ReadRow) -> Result<Practitioner, StorageError> {
    let kind: String = row.value("kind")?;
    Ok(Practitioner {
        id: row.value("practitioner_id")?,
        office_id: row.value("office_id")?,
        name: PersonName {
            given: row.value("given_name")?,
            family: row.value("family_name")?,
        },
        kind: PractitionerKind::from_code(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("practitioner kind {kind}")))?,
        locum_for_id: row.value("locum_for_id")?,
    })
}

fn staff_from_row(row: &AnyRow) -> Result<StaffMember, StorageError> {
    let role: String = row.try_get("role")?;
    Ok(StaffMember {
        id: row.try_get("id")?,
        office_id: row.try_get("office_id")?,
        role: StaffRole::from_code(&role)
            .ok_or_else(|| StorageError::Corrupt(format!("staff role {role}")))?,
        name: PersonName {
            given: row.try_get("given_name")?,
            family: row.try_get("family_name")?,
        },
        practitioner_id: row.try_get("practitioner_id")?,
    })
}

const OFFICE_COLUMNS: &str = "o.id AS office_id, o.name AS office_name, o.street, o.postal_code, o.city, \
     o.phone, o.her_id, o.kind AS office_kind, o.cancel_notice_hours, \
     o.booking_mode";
/// The columns `practitioner_from_row` reads, from the `practitioner` table itself.
const PRACTITIONER_COLUMNS: &str =
    "id AS practitioner_id, office_id, given_name, family_name, kind, locum_for_id";
const STAFF_COLUMNS: &str = "id, office_id, role, given_name, family_name, practitioner_id";

/// The columns of a GP overview, each named with `gp_` before the name its mapping function
/// reads, so that they can stand beside a person's and a session's in one statement (see
/// [`gp_overview_joins`]): the practitioner as `gp`, the office as `o`, and its services read
/// in a subquery of their own.
pub(crate) static GP_OVERVIEW_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    // The practitioner's office is the office's `office_id`.
    let columns = format!(
        "gp.id AS practitioner_id, gp.given_name, gp.family_name, gp.kind, gp.locum_for_id, \
         {OFFICE_COLUMNS}"
    );
    let mut columns = columns
        .split(", ")
        .map(|column| match column.split_once(" AS ") {
            Some((expression, name)) => format!("{expression} AS gp_{name}"),
            None => {
                let name = column.rsplit('.').next().unwrap_or(column);
                format!("{column} AS gp_{name}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    // The services in one column: with a row per service, every other column of the
    // statement, the session's and the person's too, came again on each row.
    columns.push_str(
        ", (SELECT string_agg(svc.service, ',') FROM office_service svc \
         WHERE svc.office_id = o.id) AS gp_services",
    );
    columns
});

/// The joins that bring [`GP_OVERVIEW_COLUMNS`] for the person whose id is `person_id` (SQL),
/// and a row of NULLs for a person without a GP.
pub(crate) fn gp_overview_joins(person_id: &str) -> String {
    format!(
        "LEFT JOIN gp_list_entry l ON l.person_id = {person_id} \
         LEFT JOIN practitioner gp ON gp.id = l.practitioner_id \
         LEFT JOIN gp_office o ON o.id = gp.office_id"
    )
}

/// The GP overview in a row of [`GP_OVERVIEW_COLUMNS`], the office's services in one column
/// separated by commas (none when it offers none); `None` for a person without a GP, whose
/// row the joins left empty.
pub(crate) fn gp_overview_from_row(row: &impl ReadRow) -> Result<Option<GpOverview>, StorageError> {
    let row = Prefixed { prefix: "gp_", row };
    if row.value::<Option<i64>>("practitioner_id")?.is_none() {
        return Ok(None);
    }
    let practitioner = practitioner_from_row(&row)?;
    let office = office_from_row(&row)?;
    let services = row.value::<Option<String>>("services")?.unwrap_or_default();
    Ok(Some(GpOverview {
        practitioner,
        office,
        services: GpService::ALL
            .into_iter()
            .filter(|s| services.split(',').any(|c| c == s.code()))
            .collect(),
    }))
}

/// A row whose columns are read with a prefix before their names.
struct Prefixed<'r, R> {
    prefix: &'static str,
    row: &'r R,
}

impl<R: ReadRow> ReadRow for Prefixed<'_, R> {
    fn value<T: ColumnValue>(&self, name: &str) -> Result<T, StorageError> {
        self.row.value(&format!("{}{name}", self.prefix))
    }
}

impl Database {
    /// The citizen's GP with office and offered services, or `None` without a GP.
    #[tracing::instrument(skip_all)]
    pub async fn gp_overview(&self, person_id: i64) -> Result<Option<GpOverview>, StorageError> {
        // The services come in the same row, so that the page needs one round trip.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {} FROM gp_list_entry l \
                 JOIN practitioner gp ON gp.id = l.practitioner_id \
                 JOIN gp_office o ON o.id = gp.office_id \
                 WHERE l.person_id = $1",
                *GP_OVERVIEW_COLUMNS
            )
        });
        Ok(self
            .read(&SQL)
            .bind(person_id)
            .optional(|row| gp_overview_from_row(row))
            .await?
            .flatten())
    }

    #[tracing::instrument(skip_all)]
    pub async fn office_by_id(&self, office_id: i64) -> Result<Option<Office>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFICE_COLUMNS} FROM gp_office o WHERE o.id = $1"
        )))
        .bind(office_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(office_from_row).transpose()
    }

    /// The services an office offers, in the order the citizen sees them.
    #[tracing::instrument(skip_all)]
    pub async fn office_services(&self, office_id: i64) -> Result<Vec<GpService>, StorageError> {
        let rows = sqlx::query("SELECT service FROM office_service WHERE office_id = $1")
            .bind(office_id)
            .fetch_all(self.pool())
            .await?;
        let codes: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("service"))
            .collect::<Result<_, _>>()?;
        Ok(GpService::ALL
            .into_iter()
            .filter(|s| codes.iter().any(|c| c == s.code()))
            .collect())
    }

    /// Replaces the set of services an office offers, all at once.
    #[tracing::instrument(skip_all)]
    pub async fn set_office_services(
        &self,
        office_id: i64,
        services: &[GpService],
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM office_service WHERE office_id = $1")
            .bind(office_id)
            .execute(&mut *tx)
            .await?;
        for service in services {
            sqlx::query("INSERT INTO office_service (office_id, service) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(office_id)
                .bind(service.code())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The citizen's health contacts that take messages: the GP's office first, then
    /// specialists the citizen is in contact with; each with the services it offers.
    #[tracing::instrument(skip_all)]
    pub async fn health_contacts(
        &self,
        person_id: i64,
    ) -> Result<Vec<(Office, Vec<GpService>)>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFICE_COLUMNS}, 0 AS rank FROM gp_list_entry l JOIN practitioner p ON p.id = l.practitioner_id \
             JOIN gp_office o ON o.id = p.office_id WHERE l.person_id = $1 \
             UNION ALL SELECT {OFFICE_COLUMNS}, 1 AS rank FROM patient_contact c JOIN gp_office o ON o.id = c.office_id \
             WHERE c.person_id = $1 ORDER BY rank, office_name"
        )))
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        let mut contacts = Vec::with_capacity(rows.len());
        for row in &rows {
            let office = office_from_row(row)?;
            let services = self.office_services(office.id).await?;
            contacts.push((office, services));
        }
        Ok(contacts)
    }

    /// Chooses how citizens book: published slots, or enquiries the office books by hand.
    pub async fn set_enquiry_only(
        &self,
        office_id: i64,
        enquiry_only: bool,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE gp_office SET booking_mode = $1 WHERE id = $2")
            .bind(if enquiry_only {
                "foresporsel"
            } else {
                "timebestilling"
            })
            .bind(office_id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Practitioners at an office, in the order they were registered.
    #[tracing::instrument(skip_all)]
    pub async fn practitioners_of(
        &self,
        office_id: i64,
    ) -> Result<Vec<Practitioner>, StorageError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {PRACTITIONER_COLUMNS} FROM practitioner WHERE office_id = $1 ORDER BY id"
            )
        });
        self.read(&SQL)
            .bind(office_id)
            .all(|row| practitioner_from_row(row))
            .await
    }

    /// The practitioner with this id, of whichever office.
    #[tracing::instrument(skip_all)]
    pub async fn practitioner(
        &self,
        practitioner_id: i64,
    ) -> Result<Option<Practitioner>, StorageError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!("SELECT {PRACTITIONER_COLUMNS} FROM practitioner WHERE id = $1")
        });
        self.read(&SQL)
            .bind(practitioner_id)
            .optional(|row| practitioner_from_row(row))
            .await
    }

    /// The staff membership of the person with this number. A person employed at several
    /// offices gets the first; choosing among offices comes with a later change.
    #[tracing::instrument(skip_all)]
    pub async fn staff_by_fnr(&self, fnr: &str) -> Result<Option<StaffMember>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAFF_COLUMNS} FROM staff_member WHERE fnr = $1 ORDER BY id LIMIT 1"
        )))
        .bind(fnr)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    pub async fn staff_by_id(&self, id: i64) -> Result<Option<StaffMember>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAFF_COLUMNS} FROM staff_member WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(staff_from_row).transpose()
    }
}
