//! The person register and consent.

use domain::{ConsentLevel, Fodselsnummer, PersonName};
use jiff::civil::Date;
use sqlx::Row;

use crate::reads::ReadRow;
use crate::{Database, StorageError};

/// A registered person.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub fnr: Fodselsnummer,
    pub name: PersonName,
    pub birth_date: Date,
    pub street: String,
    pub postal_code: String,
    pub city: String,
}

impl Person {
    /// The registered address in one line, as the representation rule compares it.
    pub fn address_line(&self) -> String {
        format!("{}, {} {}", self.street, self.postal_code, self.city)
    }
}

/// What the built-in test identity provider lists: a name to click and the number behind it.
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub fnr: String,
    pub name: String,
    pub is_staff: bool,
}

/// The consent a citizen has given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentRecord {
    pub level: ConsentLevel,
    pub given_at: i64,
}

pub(crate) const PERSON_COLUMNS: &str =
    "id, fnr, given_name, family_name, birth_date, street, postal_code, city";

pub(crate) fn person_from_row(row: &impl ReadRow) -> Result<Person, StorageError> {
    let fnr: String = row.value("fnr")?;
    let birth: String = row.value("birth_date")?;
    Ok(Person {
        id: row.value("id")?,
        fnr: Fodselsnummer::parse(&fnr)
            .map_err(|e| StorageError::Corrupt(format!("person fnr: {e}")))?,
        name: PersonName {
            given: row.value("given_name")?,
            family: row.value("family_name")?,
        },
        birth_date: birth
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("birth date: {e}")))?,
        street: row.value("street")?,
        postal_code: row.value("postal_code")?,
        city: row.value("city")?,
    })
}

/// The consent in a row, from the columns named.
pub(crate) fn consent_from_row(
    row: &impl ReadRow,
    level: &str,
    given_at: &str,
) -> Result<ConsentRecord, StorageError> {
    let code: String = row.value(level)?;
    Ok(ConsentRecord {
        level: ConsentLevel::from_code(&code)
            .ok_or_else(|| StorageError::Corrupt(format!("consent level {code}")))?,
        given_at: row.value(given_at)?,
    })
}

impl Database {
    #[tracing::instrument(skip_all)]
    pub async fn person_by_fnr(&self, fnr: &Fodselsnummer) -> Result<Option<Person>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM person WHERE fnr = $1"
        )))
        .bind(fnr.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    pub async fn person_by_id(&self, id: i64) -> Result<Option<Person>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM person WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    /// Adds a person to the register and returns the new id.
    #[tracing::instrument(skip_all)]
    pub async fn insert_person(
        &self,
        fnr: &Fodselsnummer,
        name: &PersonName,
        street: &str,
        postal_code: &str,
        city: &str,
    ) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "INSERT INTO person (fnr, given_name, family_name, birth_date, street, postal_code, city) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(fnr.as_str())
        .bind(&name.given)
        .bind(&name.family)
        .bind(fnr.birth_date().to_string())
        .bind(street)
        .bind(postal_code)
        .bind(city)
        .fetch_one(&mut *self.write_connection().await?)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Registers that `parent_id` has parental responsibility for `child_id`.
    pub async fn add_parental_responsibility(
        &self,
        parent_id: i64,
        child_id: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO parental_responsibility (parent_id, child_id) VALUES ($1, $2)")
            .bind(parent_id)
            .bind(child_id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// The children a person has parental responsibility for.
    #[tracing::instrument(skip_all)]
    pub async fn children_of(&self, parent_id: i64) -> Result<Vec<Person>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM person p JOIN parental_responsibility r ON r.child_id = p.id \
             WHERE r.parent_id = $1 ORDER BY p.birth_date",
            PERSON_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
        .bind(parent_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(person_from_row).collect()
    }

    /// Everyone the built-in test identity provider offers, staff marked, by name.
    #[tracing::instrument(skip_all)]
    pub async fn persons_for_test_login(&self) -> Result<Vec<PersonSummary>, StorageError> {
        let rows = sqlx::query(
            "SELECT p.fnr, p.given_name, p.family_name, \
                    (SELECT COUNT(*) FROM staff_member s WHERE s.fnr = p.fnr) AS staff_count \
             FROM person p ORDER BY p.family_name, p.given_name LIMIT 200",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let given: String = row.try_get("given_name")?;
                let family: String = row.try_get("family_name")?;
                Ok(PersonSummary {
                    fnr: row.try_get("fnr")?,
                    name: format!("{given} {family}"),
                    is_staff: row.try_get::<i64, _>("staff_count")? > 0,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    pub async fn consent_of(&self, person_id: i64) -> Result<Option<ConsentRecord>, StorageError> {
        let row = sqlx::query("SELECT level, given_at FROM consent WHERE person_id = $1")
            .bind(person_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| consent_from_row(&row, "level", "given_at"))
            .transpose()
    }

    /// Gives or changes consent.
    #[tracing::instrument(skip_all)]
    pub async fn set_consent(
        &self,
        person_id: i64,
        level: ConsentLevel,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO consent (person_id, level, given_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET level = excluded.level, given_at = excluded.given_at",
        )
        .bind(person_id)
        .bind(level.code())
        .bind(now)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(())
    }

    /// Withdraws consent: the citizen is asked again at the next login.
    #[tracing::instrument(skip_all)]
    pub async fn withdraw_consent(&self, person_id: i64) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM consent WHERE person_id = $1")
            .bind(person_id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }
}
