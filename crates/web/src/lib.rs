//! Helseportal's HTTP side: routes, templates, translations, login and static assets.
//!
//! Handlers are thin: they extract the request, check who may act, call storage and render a
//! template. Every visible text comes from the message catalogue in `locales/`.

mod assets;
mod auth;
mod citizen;
mod clock;
mod config;
mod error;
mod forms;
mod i18n;
mod metrics;
mod office;
mod routes;
mod security;
mod throttle;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ConsentLevel;

use auth::{oidc, test_idp};
use citizen::{
    appointments, booking, consent, contact, contact_office, econsultation, front, gp, inbox,
    language, prescriptions,
};
use routes::{Routes, get, post};
use views::layout;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    DEFAULT_ECONSULTATION_COPAYMENT_NOK, DEFAULT_SESSION_MAX_SECONDS, OidcSettings, WebConfig,
};
pub use i18n::{Lang, catalog_keys};
pub use metrics::{metrics_router, record_metrics};
pub use routes::{RouteInfo, RouteList};
pub use throttle::{ActionLimits, Rate, RateLimits};

/// Everything a handler may need, shared by all requests of one app process, behind one
/// `Arc`: axum clones the state for every request (each extractor and handler takes its own),
/// and a clone of the parts themselves copied the object store's folder path each time.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

/// What an [`AppState`] holds.
pub struct AppParts {
    pub db: storage::Database,
    /// Where attachment bytes are kept.
    pub objects: storage::ObjectStore,
    pub config: Arc<WebConfig>,
    pub clock: Arc<dyn Clock>,
    oidc: Arc<oidc::OidcClient>,
    /// Counted always (a few atomic additions); served only with a metrics listener.
    metrics: Arc<metrics::Metrics>,
    /// The request-rate limits' counts of this process.
    pub(crate) throttle: throttle::Throttle,
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl AppState {
    pub fn new(
        db: storage::Database,
        objects: storage::ObjectStore,
        config: WebConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let config = Arc::new(config);
        let oidc = Arc::new(oidc::OidcClient::new(config.clone()));
        Self(Arc::new(AppParts {
            db,
            objects,
            config,
            clock,
            oidc,
            metrics: Arc::default(),
            throttle: throttle::Throttle::default(),
        }))
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }
}

/// The whole portal: citizen pages, the GP-office side, the built-in test identity provider
/// (only when no external OpenID Connect issuer is configured) and static assets. A path it
/// does not know gets the portal's 404 page; a method a path does not take, its 405 page.
pub fn router(state: AppState) -> Router {
    let (app, _) = routes(&state).into_parts();
    app.fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn(error::render_error_pages))
        // Outside the error pages, so that they show the test-environment banner too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            layout::mark_test_environment,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}

/// Every route [`router`] serves for this state, with its methods: what the tests walk to
/// reach every page and form.
pub fn route_list(state: &AppState) -> RouteList {
    routes(state).into_parts().1
}

fn routes(state: &AppState) -> Routes {
    let mut app = Routes::new()
        .route("/", get(front::front_page))
        .route("/healthz", get(healthz))
        .route("/logg-inn", get(citizen::start_login))
        .route("/auth/callback", get(citizen::login_callback))
        .route(
            "/samtykke",
            get(consent::consent_page).post(consent::save_consent),
        )
        .route("/samtykke/trekk", post(consent::withdraw_consent))
        .route("/fastlege", get(gp::gp_page))
        .route(
            "/sprak",
            get(language::language_page).post(language::save_language),
        )
        .route("/logg-ut", post(citizen::logout))
        .route("/logget-ut", get(citizen::logged_out_page))
        .route("/sesjon/forleng", post(citizen::extend_session))
        .route("/kontor", get(office::dashboard))
        .route("/kontor/logg-inn", get(office::start_login))
        .route("/kontor/auth/callback", get(office::login_callback))
        .route("/kontor/logg-ut", post(office::logout))
        .route("/kontor/logget-ut", get(office::logged_out_page))
        .route("/kontor/sesjon/forleng", post(office::extend_session))
        .route(
            "/kontor/tjenester",
            get(office::services_page).post(office::save_services),
        )
        .route(
            "/resepter",
            get(prescriptions::list).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/resepter/utskrift",
            get(prescriptions::print).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/resepter/resepter.pdf",
            get(prescriptions::pdf).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/resepter/{id}",
            get(prescriptions::detail).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/forny-resept",
            get(prescriptions::renew_form)
                .post(prescriptions::renew)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/timeavtaler",
            get(appointments::list).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/timeavtaler/{id}",
            get(appointments::detail).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/timeavtaler/{id}/kalender.ics",
            get(appointments::calendar_file).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/timeavtaler/{id}/avbestill",
            post(appointments::cancel).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/bestill-time",
            get(booking::ordinary_practitioners).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/bestill-time/behandler/{practitioner}",
            get(booking::ordinary_calendar).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/bestill-time/se-gjennom",
            get(booking::ordinary_review)
                .post(booking::ordinary_send)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/bestill-time/sendt/{thread}",
            get(booking::sent).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/bestill-time/foresporsel",
            post(booking::send_enquiry).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/influensavaksine",
            get(booking::flu_practitioners).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/influensavaksine/behandler/{practitioner}",
            get(booking::flu_calendar).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/influensavaksine/se-gjennom",
            get(booking::flu_review)
                .post(booking::flu_send)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/influensavaksine/sendt/{thread}",
            get(booking::sent).needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/e-konsultasjon",
            get(econsultation::start_page)
                .post(econsultation::start)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/e-konsultasjon/{id}",
            get(econsultation::info_page)
                .post(econsultation::info_next)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/e-konsultasjon/{id}/behandler",
            get(econsultation::practitioner_page)
                .post(econsultation::choose_practitioner)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/e-konsultasjon/{id}/beskrivelse",
            get(econsultation::describe)
                .post(econsultation::save_description)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/e-konsultasjon/{id}/se-gjennom",
            get(econsultation::review)
                .post(econsultation::review_action)
                .body_limit(econsultation::UPLOAD_BODY_LIMIT)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/kontakt-legekontoret",
            get(contact_office::contact_form)
                .post(contact_office::send_contact)
                .needs(ConsentLevel::FullTilgang),
        )
        .route(
            "/kontaktinformasjon",
            get(contact::page).post(contact::save),
        )
        .route("/kontaktinformasjon/bekreft", post(contact::confirm_code))
        .route("/kontaktinformasjon/ny-kode", post(contact::resend_code))
        .route("/kontaktinformasjon/riktig", post(contact::reconfirm))
        .route(
            "/innboks",
            get(inbox::inbox).needs(ConsentLevel::BasisPluss),
        )
        .route(
            "/innsyn",
            get(inbox::access_log).needs(ConsentLevel::BasisPluss),
        )
        .route(
            "/innboks/ny",
            get(inbox::new_message).needs(ConsentLevel::BasisPluss),
        )
        .route(
            "/innboks/ny/{office}",
            get(inbox::contact_services).needs(ConsentLevel::BasisPluss),
        )
        .route(
            "/innboks/sendt/{thread}",
            get(inbox::sent).needs(ConsentLevel::BasisPluss),
        )
        .route(
            "/innboks/vedlegg/{attachment}",
            get(inbox::attachment).needs(ConsentLevel::BasisPluss),
        )
        .route(
            "/innboks/{thread}",
            get(inbox::thread).needs(ConsentLevel::BasisPluss),
        )
        .route("/kontor/innboks", get(office::queue::queue))
        .route(
            "/kontor/henvendelser/{thread}",
            get(office::queue::open_thread),
        )
        .route(
            "/kontor/henvendelser/{thread}/svar",
            post(office::queue::answer),
        )
        .route("/kontor/timer", get(office::slots::page))
        .route("/kontor/timer/ny", post(office::slots::add_single))
        .route("/kontor/timer/ukemal", post(office::slots::add_template))
        .route("/kontor/timer/stengt", post(office::slots::add_closing_day))
        .route("/kontor/timer/{slot}/fjern", post(office::slots::remove))
        .route(
            "/kontor/henvendelser/{thread}/godkjenn-fornyelse",
            post(office::queue::approve_renewal),
        )
        .route(
            "/kontor/henvendelser/{thread}/avsla-fornyelse",
            post(office::queue::decline_renewal),
        )
        .route(
            "/kontor/henvendelser/{thread}/sett-opp",
            post(office::queue::set_up_appointment),
        )
        .route(
            "/kontor/henvendelser/{thread}/avbestill",
            post(office::slots::cancel_booking),
        )
        .route(
            "/kontor/henvendelser/{thread}/bekreft",
            post(office::queue::confirm_booking),
        )
        .route(
            "/kontor/henvendelser/{thread}/avvis",
            post(office::queue::reject_booking),
        )
        .route(
            "/kontor/vedlegg/{attachment}",
            get(office::queue::attachment),
        )
        .route("/static/{file}", get(assets::serve));
    if state.config.oidc.is_built_in() {
        app = app.merge(test_idp::routes());
    }
    if state.config.outbox_dir.is_some() {
        app = app.route("/utvikling/varsler", get(contact::outbox_page));
    }
    app
}

/// For load balancers and monitoring: whether this process reaches its database.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
