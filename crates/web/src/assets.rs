//! Static assets, compiled into the binary and served under a content-hashed name, so they
//! can be cached for a year and still change with every release.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::forms::Path;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    url: String,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        (
            "style.css",
            "text/css; charset=utf-8",
            include_bytes!("../static/style.css").as_slice(),
        ),
        (
            "session.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/session.js").as_slice(),
        ),
        (
            "counter.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/counter.js").as_slice(),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, body)| {
        let digest = Sha256::digest(body);
        let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        Asset {
            name,
            content_type,
            body,
            url: format!("/static/{name}?v={short}"),
        }
    })
    .collect()
});

/// The versioned URL of an asset.
pub fn url(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|asset| asset.name == name)
        .map(|asset| asset.url.as_str())
        .unwrap_or("/static/missing")
}

pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS
        .iter()
        .find(|asset| asset.name == file)
        .ok_or_else(|| AppError::new(crate::error::ErrorKind::NotFound))?;
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
