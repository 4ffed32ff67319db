//! "Din fastlege": the citizen's GP and office, and a card per service the office offers.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::GpService;

use crate::AppState;
use crate::auth::session::{ConsentedCitizen, ConsentedCitizenWithGp};
use crate::citizen::consent::consent_name;
use crate::error::{AppError, html};
use crate::i18n;
use crate::views::layout::Layout;

struct ServiceCard {
    title: String,
    text: String,
    /// The service's page, for the services that are built.
    href: Option<&'static str>,
}

/// Where each GP service starts; a service without a page yet shows as a card without a link.
fn service_href(service: GpService) -> Option<&'static str> {
    match service {
        GpService::BestillTime => Some("/bestill-time"),
        GpService::EKonsultasjon => Some("/e-konsultasjon"),
        GpService::KontaktLegekontoret => Some("/kontakt-legekontoret"),
        GpService::Influensavaksine => Some("/influensavaksine"),
        GpService::FornyResept => Some("/forny-resept"),
    }
}

struct GpView {
    heading: String,
    office_name: String,
    office_address: String,
    office_phone: String,
    phone_href: String,
    services: Vec<ServiceCard>,
}

#[derive(Template)]
#[template(path = "citizen/gp.html")]
struct GpPage {
    l: Layout,
    gp: Option<GpView>,
    /// When the citizen's consent is below what the services need: the explanation.
    consent_note: Option<String>,
}

pub async fn gp_page(
    State(state): State<AppState>,
    citizen: ConsentedCitizenWithGp,
) -> Result<Response, AppError> {
    let ConsentedCitizenWithGp {
        citizen: ConsentedCitizen { citizen, consent },
        gp: overview,
    } = citizen;
    let lang = citizen.lang;
    let l = Layout::new(lang, "gp-title").with_user(citizen.header_user(&state));
    let needed = GpService::BestillTime.required_consent();
    let consent_note = (!consent.allows(needed)).then(|| {
        l.t1(
            "consent-needs-full-now",
            "level",
            &consent_name(lang, consent),
        )
    });
    let gp = overview.map(|gp| GpView {
        heading: i18n::text(
            lang,
            "gp-doctor-at-office",
            &[
                ("doctor", &gp.practitioner.name.full()),
                ("office", &gp.office.name),
            ],
        ),
        office_address: format!(
            "{}, {} {}",
            gp.office.street, gp.office.postal_code, gp.office.city
        ),
        phone_href: format!("tel:{}", gp.office.phone.replace(' ', "")),
        office_phone: l.t1("gp-phone", "phone", &gp.office.phone),
        office_name: gp.office.name,
        services: gp
            .services
            .iter()
            .map(|service| ServiceCard {
                title: l.t(&format!("gp-service-{}", service.code())).into_owned(),
                text: l
                    .t(&format!("gp-service-{}-text", service.code()))
                    .into_owned(),
                href: service_href(*service),
            })
            .collect(),
    });
    Ok(html(&GpPage {
        l,
        gp,
        consent_note,
    })?
    .into_response())
}
