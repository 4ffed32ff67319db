//! The consent a route needs is part of the route (`routes.rs`), and the citizen extractors
//! refuse a citizen below it before any handler runs. The routes are taken from the router, so
//! a route added later is covered without naming it.

use reqwest::{Method, StatusCode};
use storage::DemoPersons;

use crate::support::{Backend, TestApp, csrf_in, location};

on_both_databases!(every_citizen_route_refuses_a_citizen_below_its_consent);

/// The consent levels a citizen can have, lowest first, by their form codes.
const LEVELS: [(domain::ConsentLevel, &str); 3] = [
    (domain::ConsentLevel::Basis, "basis"),
    (domain::ConsentLevel::BasisPluss, "basis-pluss"),
    (domain::ConsentLevel::FullTilgang, "full-tilgang"),
];

async fn every_citizen_route_refuses_a_citizen_below_its_consent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let routes: Vec<_> = app.routes.iter().filter(|r| r.consent.is_some()).collect();
    // The GP services need Full tilgang, Innboks Basis+.
    for (path, needed) in [
        ("/e-konsultasjon", domain::ConsentLevel::FullTilgang),
        ("/resepter", domain::ConsentLevel::FullTilgang),
        ("/bestill-time", domain::ConsentLevel::FullTilgang),
        ("/timeavtaler", domain::ConsentLevel::FullTilgang),
        ("/innboks", domain::ConsentLevel::BasisPluss),
    ] {
        assert_eq!(
            app.routes.find(path).and_then(|r| r.consent),
            Some(needed),
            "{path}"
        );
    }

    // Without any consent yet: the consent page first.
    let fresh = app.new_browser();
    fresh.login(DemoPersons::KARI_NORDMANN).await;
    for route in &routes {
        let path = route.with_parameters(|_| "1".to_owned());
        for method in &route.methods {
            let response = if *method == Method::POST {
                fresh.post(&path, &[]).await
            } else {
                fresh.get(&path).await
            };
            assert_eq!(location(&response), "/samtykke", "{method} {path}");
        }
    }

    for (level, code) in LEVELS {
        let kari = app.new_browser();
        kari.login_with_consent(DemoPersons::KARI_NORDMANN, code)
            .await;
        let csrf = csrf_in(&kari.get("/").await.text().await.unwrap());
        for route in &routes {
            let needed = route.consent.unwrap_or(domain::ConsentLevel::FullTilgang);
            if level.allows(needed) {
                continue;
            }
            // Real-looking ids: the refusal must come before any look-up.
            let path = route.with_parameters(|_| "1".to_owned());
            for method in &route.methods {
                let before = crate::bad_input::row_counts(&app).await;
                let response = if *method == Method::POST {
                    kari.post(&path, &[("_csrf", &csrf), ("action", "send")])
                        .await
                } else {
                    kari.get(&path).await
                };
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "{method} {path} with {code}"
                );
                let page = response.text().await.unwrap();
                assert!(
                    page.contains("Tjenesten krever et annet samtykke"),
                    "{method} {path} with {code}: {page}"
                );
                assert_eq!(
                    crate::bad_input::row_counts(&app).await,
                    before,
                    "{method} {path} with {code} changed nothing"
                );
            }
        }
    }
}
