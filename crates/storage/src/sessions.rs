//! Web sessions, pending logins and the built-in identity provider's one-time codes.
//!
//! Everything lives in the database so that any app process can serve any request. Secrets
//! (session tokens, login ids, codes) are stored only as hashes and are single-use where the
//! protocol says so: taking a login attempt or a code deletes it in the same statement.

use std::sync::LazyLock;

use sqlx::Row;

use crate::persons::{PERSON_COLUMNS, consent_from_row, person_from_row};
use crate::reads::ReadRow;
use crate::{
    ConsentRecord, Database, FrontPageFacts, GpOverview, Person, StorageError, hash_token,
    random_token,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Citizen,
    Staff,
}

impl SessionKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Staff => "staff",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "citizen" => Some(Self::Citizen),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

/// A live session, found by the token in the browser's cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub kind: SessionKind,
    /// The person (citizen sessions) or staff member (staff sessions) logged in.
    pub subject_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// A session just created: the token goes into the cookie and is never stored in clear.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// A live citizen session with the person and their consent.
#[derive(Debug, Clone)]
pub struct CitizenSession {
    pub session: Session,
    pub person: Person,
    pub consent: Option<ConsentRecord>,
}

/// What a citizen's session lookup found.
#[derive(Debug, Clone)]
pub enum CitizenLookup {
    Active(Box<CitizenSession>),
    /// The session existed but was idle too long, or reached its maximum age; it is now
    /// deleted.
    Expired(SessionEnd),
    Missing,
}

/// A page's own read that can be done in the statement that finds the session
/// ([`Database::citizen_by_session_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRead {
    /// The front page's facts ([`Database::front_page_facts`]).
    FrontPageFacts,
    /// The citizen's GP ([`Database::gp_overview`]): "Din fastlege" and the calendars.
    GpOverview,
}

/// What a [`PageRead`] found.
#[derive(Debug, Clone)]
pub enum PageData {
    FrontPageFacts(FrontPageFacts),
    /// Boxed: an office's row is ten times the size of the front page's facts.
    GpOverview(Box<Option<GpOverview>>),
}

/// How long a session lives: it ends after `idle_seconds` without activity, and
/// `max_seconds` after the login however active it is (so a stolen session cookie, or a
/// session kept alive by a script, does not last for ever). A lookup moves the activity time
/// on at most once every `touch_every` seconds, to spare the database a write per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    pub idle_seconds: i64,
    pub max_seconds: i64,
    pub touch_every: i64,
}

impl SessionTimeouts {
    /// Whether a session has ended at `now`, and why: by age when both limits have passed,
    /// since that one no activity could have prevented.
    pub fn ended(&self, session: &Session, now: i64) -> Option<SessionEnd> {
        if now - session.created_at >= self.max_seconds {
            Some(SessionEnd::MaxAge)
        } else if now - session.last_seen_at >= self.idle_seconds {
            Some(SessionEnd::Idle)
        } else {
            None
        }
    }
}

/// What a session lookup found.
#[derive(Debug, Clone)]
pub enum SessionLookup {
    Active(Session),
    /// The session existed but was idle too long, or reached its maximum age; it is now
    /// deleted.
    Expired(SessionEnd),
    Missing,
}

/// Why a session ended by itself: the person is told which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// No activity for the idle limit.
    Idle,
    /// The maximum age after the login, however active.
    MaxAge,
}

/// A login in progress: what the callback must match.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    pub kind: SessionKind,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub created_at: i64,
}

/// A code the built-in identity provider issued.
#[derive(Debug, Clone)]
pub struct IdpCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub fnr: String,
    pub nonce: String,
    pub code_challenge: String,
    pub created_at: i64,
}

fn session_from_row(row: &impl ReadRow) -> Result<Session, StorageError> {
    let kind: String = row.value("kind")?;
    Ok(Session {
        kind: SessionKind::from_code(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("session kind {kind}")))?,
        subject_id: row.value("subject_id")?,
        csrf_token: row.value("csrf_token")?,
        created_at: row.value("created_at")?,
        last_seen_at: row.value("last_seen_at")?,
    })
}

impl Database {
    /// Starts a session after a successful login.
    #[tracing::instrument(skip_all)]
    pub async fn create_session(
        &self,
        kind: SessionKind,
        subject_id: i64,
        now: i64,
    ) -> Result<NewSession, StorageError> {
        let token = random_token();
        let csrf_token = random_token();
        sqlx::query(
            "INSERT INTO web_session (token_hash, kind, subject_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(hash_token(&token))
        .bind(kind.code())
        .bind(subject_id)
        .bind(&csrf_token)
        .bind(now)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(NewSession { token, csrf_token })
    }

    /// Finds the session for a cookie token. A session that has ended (idle too long, or
    /// older than the maximum age) is deleted and reported as expired; an active one has its
    /// activity time moved on (at most once every `touch_every` seconds, to spare the
    /// database a write per request).
    #[tracing::instrument(skip_all)]
    pub async fn session_by_token(
        &self,
        token: &str,
        now: i64,
        timeouts: SessionTimeouts,
    ) -> Result<SessionLookup, StorageError> {
        let token_hash = hash_token(token);
        let row = sqlx::query(
            "SELECT kind, subject_id, csrf_token, created_at, last_seen_at FROM web_session WHERE token_hash = $1",
        )
        .bind(&token_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(SessionLookup::Missing);
        };
        let session = session_from_row(&row)?;
        self.keep_alive(session, &token_hash, now, timeouts).await
    }

    /// A citizen's session with the person and their consent, in one query: every citizen
    /// page needs all three. A staff session's token finds nothing here.
    #[tracing::instrument(skip_all)]
    pub async fn citizen_by_session(
        &self,
        token: &str,
        now: i64,
        timeouts: SessionTimeouts,
    ) -> Result<CitizenLookup, StorageError> {
        let (lookup, _) = self.citizen_lookup(token, now, timeouts, None).await?;
        Ok(lookup)
    }

    /// [`Database::citizen_by_session`] with a page's own read done in the same statement: the
    /// page then waits for one round trip instead of two. What it found comes with a live
    /// session only.
    #[tracing::instrument(skip_all)]
    pub async fn citizen_by_session_with(
        &self,
        token: &str,
        now: i64,
        timeouts: SessionTimeouts,
        read: PageRead,
    ) -> Result<(CitizenLookup, Option<PageData>), StorageError> {
        self.citizen_lookup(token, now, timeouts, Some(read)).await
    }

    async fn citizen_lookup(
        &self,
        token: &str,
        now: i64,
        timeouts: SessionTimeouts,
        page_read: Option<PageRead>,
    ) -> Result<(CitizenLookup, Option<PageData>), StorageError> {
        fn sql(extra_columns: &str, extra_joins: &str) -> String {
            let person_columns = PERSON_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT s.kind, s.subject_id, s.csrf_token, s.created_at, s.last_seen_at, {person_columns}, \
                 c.level AS consent_level, c.given_at AS consent_given_at{extra_columns} \
                 FROM web_session s JOIN person p ON p.id = s.subject_id \
                 LEFT JOIN consent c ON c.person_id = p.id{extra_joins} \
                 WHERE s.token_hash = $1 AND s.kind = $2"
            )
        }
        static SQL: LazyLock<String> = LazyLock::new(|| sql("", ""));
        static SQL_WITH_FRONT_PAGE_FACTS: LazyLock<String> = LazyLock::new(|| {
            sql(
                &format!(
                    ", {}",
                    crate::messages::front_page_facts_columns("s.subject_id")
                ),
                "",
            )
        });
        static SQL_WITH_GP_OVERVIEW: LazyLock<String> = LazyLock::new(|| {
            sql(
                &format!(", {}", *crate::offices::GP_OVERVIEW_COLUMNS),
                &format!(" {}", crate::offices::gp_overview_joins("p.id")),
            )
        });
        let token_hash = hash_token(token);
        let statement = match page_read {
            None => &SQL,
            Some(PageRead::FrontPageFacts) => &SQL_WITH_FRONT_PAGE_FACTS,
            Some(PageRead::GpOverview) => &SQL_WITH_GP_OVERVIEW,
        };
        let found = self
            .read(statement)
            .bind(token_hash.as_str())
            .bind(SessionKind::Citizen.code())
            // Read in the order of the columns, which the rows find fastest.
            .optional(|row| {
                let session = session_from_row(row)?;
                let person = person_from_row(row)?;
                let consent = match row.value::<Option<String>>("consent_level")? {
                    Some(_) => Some(consent_from_row(row, "consent_level", "consent_given_at")?),
                    None => None,
                };
                let page_data = match page_read {
                    None => None,
                    Some(PageRead::FrontPageFacts) => Some(PageData::FrontPageFacts(
                        crate::messages::front_page_facts_from_row(row)?,
                    )),
                    Some(PageRead::GpOverview) => Some(PageData::GpOverview(Box::new(
                        crate::offices::gp_overview_from_row(row)?,
                    ))),
                };
                Ok((session, person, consent, page_data))
            })
            .await?;
        let Some((session, person, consent, page_data)) = found else {
            return Ok((CitizenLookup::Missing, None));
        };
        Ok(
            match self.keep_alive(session, &token_hash, now, timeouts).await? {
                SessionLookup::Active(session) => (
                    CitizenLookup::Active(Box::new(CitizenSession {
                        session,
                        person,
                        consent,
                    })),
                    page_data,
                ),
                SessionLookup::Expired(end) => (CitizenLookup::Expired(end), None),
                SessionLookup::Missing => (CitizenLookup::Missing, None),
            },
        )
    }

    /// Ends a session idle too long or too old; moves the activity time of a live one on, at
    /// most once every `touch_every` seconds to spare a write per request.
    async fn keep_alive(
        &self,
        mut session: Session,
        token_hash: &str,
        now: i64,
        timeouts: SessionTimeouts,
    ) -> Result<SessionLookup, StorageError> {
        if let Some(end) = timeouts.ended(&session, now) {
            sqlx::query("DELETE FROM web_session WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *self.write_connection().await?)
                .await?;
            return Ok(SessionLookup::Expired(end));
        }
        if now - session.last_seen_at >= timeouts.touch_every {
            sqlx::query("UPDATE web_session SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&mut *self.write_connection().await?)
                .await?;
            session.last_seen_at = now;
        }
        Ok(SessionLookup::Active(session))
    }

    /// On PostgreSQL, fresh planner statistics of the sessions, as a database in service has
    /// them. A population is generated with no sessions, so its statistics say the table is
    /// empty, and with them the planner looked sessions up with a sequential scan: the
    /// benchmark, which logs its citizens in afterwards, calls this, where autovacuum would
    /// renew them only a minute later, in the middle of its loads. SQLite finds a session by
    /// its key whatever its statistics say.
    pub async fn refresh_session_statistics(&self) -> Result<(), StorageError> {
        if self.backend() == crate::Backend::Postgres {
            sqlx::raw_sql("ANALYZE web_session")
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// Moves a session's activity time on (the "Fortsett" of the inactivity warning).
    pub async fn touch_session(&self, token: &str, now: i64) -> Result<(), StorageError> {
        sqlx::query("UPDATE web_session SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(hash_token(token))
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Ends one session (logout).
    pub async fn delete_session(&self, token: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM web_session WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Ends every session of a subject (e.g. when a citizen withdraws consent).
    pub async fn delete_sessions_of(
        &self,
        kind: SessionKind,
        subject_id: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM web_session WHERE kind = $1 AND subject_id = $2")
            .bind(kind.code())
            .bind(subject_id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Removes ended sessions (last seen before `sessions_seen_before`, or created before
    /// `sessions_created_before`) and login state created before `logins_before`.
    #[tracing::instrument(skip_all)]
    pub async fn purge_stale(
        &self,
        sessions_seen_before: i64,
        sessions_created_before: i64,
        logins_before: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM web_session WHERE last_seen_at < $1 OR created_at < $2")
            .bind(sessions_seen_before)
            .bind(sessions_created_before)
            .execute(&mut *self.write_connection().await?)
            .await?;
        sqlx::query("DELETE FROM login_attempt WHERE created_at < $1")
            .bind(logins_before)
            .execute(&mut *self.write_connection().await?)
            .await?;
        sqlx::query("DELETE FROM idp_code WHERE created_at < $1")
            .bind(logins_before)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Records a login that has been sent to the identity provider; returns the id that the
    /// browser keeps in a cookie until the callback.
    #[tracing::instrument(skip_all)]
    pub async fn create_login_attempt(
        &self,
        attempt: &LoginAttempt,
    ) -> Result<String, StorageError> {
        let id = random_token();
        sqlx::query(
            "INSERT INTO login_attempt (id_hash, kind, state, nonce, pkce_verifier, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash_token(&id))
        .bind(attempt.kind.code())
        .bind(&attempt.state)
        .bind(&attempt.nonce)
        .bind(&attempt.pkce_verifier)
        .bind(attempt.created_at)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(id)
    }

    /// Takes (and so deletes) a login attempt: a callback can be used only once.
    #[tracing::instrument(skip_all)]
    pub async fn take_login_attempt(&self, id: &str) -> Result<Option<LoginAttempt>, StorageError> {
        let row = sqlx::query(
            "DELETE FROM login_attempt WHERE id_hash = $1 RETURNING kind, state, nonce, pkce_verifier, created_at",
        )
        .bind(hash_token(id))
        .fetch_optional(&mut *self.write_connection().await?)
        .await?;
        row.map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(LoginAttempt {
                kind: SessionKind::from_code(&kind)
                    .ok_or_else(|| StorageError::Corrupt(format!("login kind {kind}")))?,
                state: row.try_get("state")?,
                nonce: row.try_get("nonce")?,
                pkce_verifier: row.try_get("pkce_verifier")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Stores a code of the built-in identity provider; returns the code to send.
    #[tracing::instrument(skip_all)]
    pub async fn create_idp_code(&self, code: &IdpCode) -> Result<String, StorageError> {
        let secret = random_token();
        sqlx::query(
            "INSERT INTO idp_code (code_hash, client_id, redirect_uri, fnr, nonce, code_challenge, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(hash_token(&secret))
        .bind(&code.client_id)
        .bind(&code.redirect_uri)
        .bind(&code.fnr)
        .bind(&code.nonce)
        .bind(&code.code_challenge)
        .bind(code.created_at)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(secret)
    }

    /// Takes (and deletes) a code: a code is good for one token request only.
    #[tracing::instrument(skip_all)]
    pub async fn take_idp_code(&self, code: &str) -> Result<Option<IdpCode>, StorageError> {
        let row = sqlx::query(
            "DELETE FROM idp_code WHERE code_hash = $1 \
             RETURNING client_id, redirect_uri, fnr, nonce, code_challenge, created_at",
        )
        .bind(hash_token(code))
        .fetch_optional(&mut *self.write_connection().await?)
        .await?;
        row.map(|row| {
            Ok(IdpCode {
                client_id: row.try_get("client_id")?,
                redirect_uri: row.try_get("redirect_uri")?,
                fnr: row.try_get("fnr")?,
                nonce: row.try_get("nonce")?,
                code_challenge: row.try_get("code_challenge")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
    }
}
