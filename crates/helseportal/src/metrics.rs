//! `serve`'s metrics listener (`--metrics-listen`, `HELSEPORTAL_METRICS_LISTEN`): `/metrics`
//! on an address of its own, for the monitoring system only, never on the public listener.
//! The metrics themselves are in `web::metrics`.

use std::net::SocketAddr;

use tokio::net::TcpListener;

/// Listens on `address` when one is given; the public listener's address is refused.
pub async fn bind(
    address: Option<&str>,
    public: SocketAddr,
) -> Result<Option<TcpListener>, String> {
    let Some(address) = address.filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen for metrics on {address}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    if local == public {
        return Err(format!(
            "HELSEPORTAL_METRICS_LISTEN must differ from HELSEPORTAL_LISTEN ({public})"
        ));
    }
    tracing::info!(%local, "metrics at /metrics");
    Ok(Some(listener))
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub fn spawn(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    tokio::spawn(async move {
        let served = axum::serve(listener, router.into_make_service())
            .with_graceful_shutdown(shutdown)
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
}
