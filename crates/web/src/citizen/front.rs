//! The front page: the public one with the login button, and the citizen's with a tile per
//! service their consent opens.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ConsentLevel;

use crate::AppState;
use crate::auth::session::MaybeCitizenWithFrontPageFacts;
use crate::error::{AppError, html};
use crate::security::RequestLang;
use crate::views::layout::Layout;

#[derive(Template)]
#[template(path = "citizen/front_public.html")]
struct PublicFrontPage {
    l: Layout,
}

#[derive(Template)]
#[template(path = "citizen/front.html")]
struct FrontPage {
    l: Layout,
    greeting: String,
    /// The Innboks tile (with consent to Basis+), with the unread count when there is one.
    inbox: Option<String>,
    /// The Timeavtaler tile (with consent to Full tilgang).
    appointments: bool,
    /// Ask the citizen to look at contact details confirmed more than 18 months ago.
    contact_reconfirm: bool,
}

pub async fn front_page(
    State(state): State<AppState>,
    MaybeCitizenWithFrontPageFacts(found): MaybeCitizenWithFrontPageFacts,
    RequestLang(lang): RequestLang,
) -> Result<Response, AppError> {
    let Some((citizen, facts)) = found else {
        return Ok(html(&PublicFrontPage {
            l: Layout::new(lang, "front-title"),
        })?
        .into_response());
    };
    if citizen.consent.is_none() {
        return Ok(Redirect::to("/samtykke").into_response());
    }
    let l = Layout::new(lang, "front-title").with_user(citizen.header_user(&state));
    let greeting = l.t1("front-greeting", "name", citizen.person.name.greeting());
    let inbox = citizen
        .consent
        .is_some_and(|c| c.allows(ConsentLevel::BasisPluss))
        .then(|| {
            if facts.unread > 0 {
                l.t1("front-unread", "count", &facts.unread.to_string())
            } else {
                String::new()
            }
        });
    let appointments = citizen
        .consent
        .is_some_and(|c| c.allows(ConsentLevel::FullTilgang));
    let contact_reconfirm = facts
        .contact_confirmed_at
        .is_some_and(|at| crate::citizen::contact::is_old(at, state.now()));
    Ok(html(&FrontPage {
        l,
        greeting,
        inbox,
        appointments,
        contact_reconfirm,
    })?
    .into_response())
}
