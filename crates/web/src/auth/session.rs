//! Who is logged in: extractors that find the session from its cookie and load the person or
//! staff member behind it. A handler that takes one of these has passed the check.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ConsentLevel;
use storage::{
    CitizenLookup, CitizenSession, FrontPageFacts, GpOverview, Office, PageData, PageRead, Person,
    Session, SessionKind, SessionLookup, SessionTimeouts, StaffMember,
};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::routes::RequiredConsent;
use crate::security::{SESSION_COOKIE, STAFF_SESSION_COOKIE, clear_cookie, cookie, lang_of};
use crate::throttle::Subject;
use crate::views::layout::HeaderUser;

/// The configured session lifetime. Sessions are touched at most every 1/30 of the idle
/// limit (and at least once a minute), to spare the database a write per request.
pub(crate) fn timeouts(state: &AppState) -> SessionTimeouts {
    SessionTimeouts {
        idle_seconds: state.config.session_idle_seconds,
        max_seconds: state.config.session_max_seconds,
        touch_every: (state.config.session_idle_seconds / 30).clamp(1, 60),
    }
}

/// A logged-in citizen, with or without consent.
pub struct Citizen {
    pub person: Person,
    pub consent: Option<ConsentLevel>,
    pub session: Session,
    pub token: String,
    pub lang: Lang,
}

impl Citizen {
    /// The citizen, for the limits per person.
    pub fn subject(&self) -> Subject {
        Subject::Citizen(self.person.id)
    }

    pub fn header_user(&self, state: &AppState) -> HeaderUser {
        HeaderUser {
            name: self.person.name.full(),
            csrf_token: self.session.csrf_token.clone(),
            logout_action: "/logg-ut",
            extend_action: "/sesjon/forleng",
            idle_seconds: state.config.session_idle_seconds,
            warning_seconds: state.config.session_warning_seconds,
            expired_url: "/logget-ut?inaktiv=1",
        }
    }
}

/// What a session extractor found on one side, left in the request's extensions: the checked
/// form extractors (`security::CsrfForm`), which run after it, compare the form's token with
/// this session's without looking the session up again.
#[derive(Clone)]
struct FoundSession {
    kind: SessionKind,
    /// The live session's CSRF token; `None` when there is no live session.
    csrf_token: Option<String>,
}

fn remember(parts: &mut Parts, kind: SessionKind, session: Option<&Session>) {
    parts.extensions.insert(FoundSession {
        kind,
        csrf_token: session.map(|session| session.csrf_token.clone()),
    });
}

/// The CSRF token of the request's live session of `kind` (`None`: there is none): the one a
/// session extractor found for this request, or else looked up now. `Err` as for
/// [`find_citizen`].
pub(crate) async fn csrf_token_of(
    parts: &mut Parts,
    state: &AppState,
    kind: SessionKind,
) -> Result<Option<String>, Response> {
    if let Some(found) = parts.extensions.get::<FoundSession>()
        && found.kind == kind
    {
        return Ok(found.csrf_token.clone());
    }
    Ok(match kind {
        SessionKind::Citizen => find_citizen(parts, state)
            .await?
            .map(|citizen| citizen.session.csrf_token),
        SessionKind::Staff => find_staff(parts, state)
            .await?
            .map(|staff| staff.session.csrf_token),
    })
}

/// Loads the citizen session of a request, if there is a live one. `Err` is the response to
/// send instead (an expired session goes to the inactivity page; a database error to 503).
pub async fn find_citizen(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<Citizen>, Response> {
    Ok(lookup_citizen(parts, state, None)
        .await?
        .map(|(citizen, _)| citizen))
}

/// [`lookup_citizen_once`], remembered for the checked forms.
async fn lookup_citizen(
    parts: &mut Parts,
    state: &AppState,
    page_read: Option<PageRead>,
) -> Result<Option<(Citizen, Option<PageData>)>, Response> {
    let found = lookup_citizen_once(parts, state, page_read).await?;
    let session = found.as_ref().map(|(citizen, _)| &citizen.session);
    remember(parts, SessionKind::Citizen, session);
    Ok(found)
}

async fn lookup_citizen_once(
    parts: &Parts,
    state: &AppState,
    page_read: Option<PageRead>,
) -> Result<Option<(Citizen, Option<PageData>)>, Response> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let (now, timeouts) = (state.now(), timeouts(state));
    let found = match page_read {
        Some(read) => {
            state
                .db
                .citizen_by_session_with(token, now, timeouts, read)
                .await
        }
        None => state
            .db
            .citizen_by_session(token, now, timeouts)
            .await
            .map(|lookup| (lookup, None)),
    };
    let (lookup, page_data) = found.map_err(|e| AppError::from(e).into_response())?;
    let (session, person, consent) = match lookup {
        CitizenLookup::Active(found) => {
            let CitizenSession {
                session,
                person,
                consent,
            } = *found;
            (session, person, consent)
        }
        CitizenLookup::Expired(end) => {
            let clear = clear_cookie(state, SESSION_COOKIE, "/");
            return Err((
                [(header::SET_COOKIE, clear)],
                Redirect::to(&crate::auth::login::ended_url("/logget-ut", end)),
            )
                .into_response());
        }
        CitizenLookup::Missing => return Ok(None),
    };
    let citizen = Citizen {
        person,
        consent: consent.map(|c| c.level),
        session,
        token: token.to_owned(),
        lang: lang_of(&parts.headers),
    };
    // The consent the route needs (`routes.rs`), checked before any handler of it runs.
    if let Some(RequiredConsent(needed)) = parts.extensions.get::<RequiredConsent>().copied() {
        match citizen.consent {
            None => return Err(Redirect::to("/samtykke").into_response()),
            Some(level) if !level.allows(needed) => {
                return Err(crate::citizen::consent::consent_needed(
                    state, &citizen, needed,
                ));
            }
            Some(_) => {}
        }
    }
    Ok(Some((citizen, page_data)))
}

/// Any logged-in citizen; a visitor who is not logged in is sent to login.
impl FromRequestParts<AppState> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        find_citizen(parts, state)
            .await?
            .ok_or_else(|| Redirect::to("/logg-inn").into_response())
    }
}

/// A logged-in citizen who has given consent; one without is sent to the consent page first.
pub struct ConsentedCitizen {
    pub citizen: Citizen,
    pub consent: ConsentLevel,
}

impl FromRequestParts<AppState> for ConsentedCitizen {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let citizen = Citizen::from_request_parts(parts, state).await?;
        Self::of(citizen).ok_or_else(|| Redirect::to("/samtykke").into_response())
    }
}

impl ConsentedCitizen {
    /// The citizen, if they have given consent.
    fn of(citizen: Citizen) -> Option<Self> {
        let consent = citizen.consent?;
        Some(Self { citizen, consent })
    }
}

/// [`ConsentedCitizen`] with the citizen's GP, read in the session's statement, for the pages
/// that offer or show the GP office's services: "Din fastlege", booking, prescriptions.
pub struct ConsentedCitizenWithGp {
    pub citizen: ConsentedCitizen,
    pub gp: Option<GpOverview>,
}

impl FromRequestParts<AppState> for ConsentedCitizenWithGp {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (citizen, page_data) = lookup_citizen(parts, state, Some(PageRead::GpOverview))
            .await?
            .ok_or_else(|| Redirect::to("/logg-inn").into_response())?;
        let citizen = ConsentedCitizen::of(citizen)
            .ok_or_else(|| Redirect::to("/samtykke").into_response())?;
        let Some(PageData::GpOverview(gp)) = page_data else {
            return Err(page_data_missing());
        };
        Ok(Self { citizen, gp: *gp })
    }
}

/// A logged-in member of a GP office's staff, with the office.
pub struct Staff {
    pub member: StaffMember,
    pub office: Office,
    pub session: Session,
    pub token: String,
    pub lang: Lang,
}

impl Staff {
    /// The staff member, for the limits per person.
    pub fn subject(&self) -> Subject {
        Subject::Staff(self.member.id)
    }

    pub fn header_user(&self, state: &AppState) -> HeaderUser {
        HeaderUser {
            name: self.member.name.full(),
            csrf_token: self.session.csrf_token.clone(),
            logout_action: "/kontor/logg-ut",
            extend_action: "/kontor/sesjon/forleng",
            idle_seconds: state.config.session_idle_seconds,
            warning_seconds: state.config.session_warning_seconds,
            expired_url: "/kontor/logget-ut?inaktiv=1",
        }
    }
}

/// Loads the staff session of a request, if there is a live one; `Err` as for
/// [`find_citizen`].
pub async fn find_staff(parts: &mut Parts, state: &AppState) -> Result<Option<Staff>, Response> {
    let found = lookup_staff(parts, state).await?;
    remember(
        parts,
        SessionKind::Staff,
        found.as_ref().map(|s| &s.session),
    );
    Ok(found)
}

async fn lookup_staff(parts: &Parts, state: &AppState) -> Result<Option<Staff>, Response> {
    let Some(token) = cookie(&parts.headers, STAFF_SESSION_COOKIE) else {
        return Ok(None);
    };
    let lookup = state
        .db
        .session_by_token(token, state.now(), timeouts(state))
        .await
        .map_err(|e| AppError::from(e).into_response())?;
    let session = match lookup {
        SessionLookup::Active(session) if session.kind == SessionKind::Staff => session,
        SessionLookup::Expired(end) => {
            let clear = clear_cookie(state, STAFF_SESSION_COOKIE, "/kontor");
            return Err((
                [(header::SET_COOKIE, clear)],
                Redirect::to(&crate::auth::login::ended_url("/kontor/logget-ut", end)),
            )
                .into_response());
        }
        _ => return Ok(None),
    };
    let internal = |e: storage::StorageError| AppError::from(e).into_response();
    let Some(member) = state
        .db
        .staff_by_id(session.subject_id)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let Some(office) = state
        .db
        .office_by_id(member.office_id)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    Ok(Some(Staff {
        member,
        office,
        session,
        token: token.to_owned(),
        lang: lang_of(&parts.headers),
    }))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        find_staff(parts, state)
            .await?
            .ok_or_else(|| Redirect::to("/kontor").into_response())
    }
}

/// A citizen if logged in (the front page shows either).
pub struct MaybeCitizen(pub Option<Citizen>);

impl FromRequestParts<AppState> for MaybeCitizen {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(find_citizen(parts, state).await?))
    }
}

/// The citizen if logged in, with the front page's facts (the front page shows either a public
/// page or the citizen's).
pub struct MaybeCitizenWithFrontPageFacts(pub Option<(Citizen, FrontPageFacts)>);

impl FromRequestParts<AppState> for MaybeCitizenWithFrontPageFacts {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match lookup_citizen(parts, state, Some(PageRead::FrontPageFacts)).await? {
            None => Ok(Self(None)),
            Some((citizen, Some(PageData::FrontPageFacts(facts)))) => {
                Ok(Self(Some((citizen, facts))))
            }
            Some(_) => Err(page_data_missing()),
        }
    }
}

/// A live session's statement always brings what the page asked for
/// (`citizen_by_session_with`); without it the page cannot be shown.
fn page_data_missing() -> Response {
    AppError::from(storage::StorageError::Corrupt(
        "a live session came without the page's own read".into(),
    ))
    .into_response()
}

/// Staff if logged in (the office start page shows either).
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(find_staff(parts, state).await?))
    }
}
