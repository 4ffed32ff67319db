//! "Språk": the language of the pages, kept in a cookie, for visitors and citizens alike.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::session::MaybeCitizen;
use crate::error::{AppError, html};
use crate::forms::Query;
use crate::i18n::{self, Lang};
use crate::security::{
    AnonymousCsrf, AnonymousCsrfForm, CSRF_COOKIE, LANG_COOKIE, RequestLang, set_cookie,
};
use crate::views::layout::Layout;

#[derive(Template)]
#[template(path = "citizen/language.html")]
struct LanguagePage {
    l: Layout,
    csrf: String,
    back: String,
    options: Vec<(&'static str, String, bool)>,
}

#[derive(Debug, Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    tilbake: Option<String>,
}

/// Longest return path followed; the portal's own links are far shorter.
const RETURN_PATH_MAX: usize = 2000;

/// Only paths on this site are followed back to, never another host: a path that starts with
/// one `/` and holds only visible ASCII. Browsers drop tabs and line breaks from a URL before
/// reading it, so `/\t/evil.example` is `//evil.example` to them, and a line break cannot be
/// sent in a `Location` header at all; a backslash counts as `/` to them. Anything else goes
/// to the front page.
fn safe_return_path(path: Option<&str>) -> String {
    match path {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.len() <= RETURN_PATH_MAX
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub async fn language_page(
    State(state): State<AppState>,
    MaybeCitizen(citizen): MaybeCitizen,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    Query(query): Query<LanguageQuery>,
) -> Result<Response, AppError> {
    let csrf = AnonymousCsrf::from_headers(&headers);
    let mut l = Layout::new(lang, "language-title");
    if let Some(citizen) = &citizen {
        l = l.with_user(citizen.header_user(&state));
    }
    let options = Lang::ALL
        .into_iter()
        .map(|option| {
            (
                option.code(),
                i18n::text(lang, &format!("language-{}", option.code()), &[]),
                option == lang,
            )
        })
        .collect();
    let page = LanguagePage {
        l,
        csrf: csrf.token.clone(),
        back: safe_return_path(query.tilbake.as_deref()),
        options,
    };
    let mut response = html(&page)?.into_response();
    if csrf.new_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, CSRF_COOKIE, &csrf.token, "/", None),
        );
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    tilbake: Option<String>,
}

pub async fn save_language(
    State(state): State<AppState>,
    AnonymousCsrfForm(form): AnonymousCsrfForm<LanguageForm>,
) -> Result<Response, AppError> {
    let lang = Lang::from_code(&form.lang).ok_or_else(AppError::bad_request)?;
    let cookie = set_cookie(&state, LANG_COOKIE, lang.code(), "/", Some(365 * 24 * 3600));
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_return_path(form.tilbake.as_deref())),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_the_site() {
        assert_eq!(safe_return_path(Some("/fastlege")), "/fastlege");
        assert_eq!(safe_return_path(Some("//evil.example")), "/");
        assert_eq!(safe_return_path(Some("https://evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_path(None), "/");
        assert_eq!(
            safe_return_path(Some("/innboks?q=bl%C3%A5&etter=1.2")),
            "/innboks?q=bl%C3%A5&etter=1.2"
        );
        // What a browser reads as another host once it has dropped tabs and line breaks, and
        // what cannot be put in a header.
        for path in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/fastlege\nSet-Cookie: x=1",
            "/\u{0}",
            "/blå",
            "/\u{a0}/evil.example",
            "\t//evil.example",
            "/\x7f",
        ] {
            assert_eq!(safe_return_path(Some(path)), "/", "{path:?}");
        }
        assert_eq!(
            safe_return_path(Some(&format!("/{}", "a".repeat(2000)))),
            "/"
        );
    }
}
