//! What every page's frame needs: language, the logged-in person, the logout form, the
//! inactivity timer and the versioned asset links.

use crate::i18n::{self, Lang};

/// The logged-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct HeaderUser {
    pub name: String,
    pub csrf_token: String,
    /// Where the "Logg ut" form posts (citizen or office side).
    pub logout_action: &'static str,
    /// Where the inactivity warning's "Fortsett" posts.
    pub extend_action: &'static str,
    pub idle_seconds: i64,
    pub warning_seconds: i64,
    /// Where the browser goes when the time is up.
    pub expired_url: &'static str,
}

/// The frame of a page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    pub user: Option<HeaderUser>,
    /// Where the header's site name links to.
    pub home: &'static str,
}

impl Layout {
    pub fn new(lang: Lang, title_key: &str) -> Self {
        Self {
            lang,
            title: i18n::text(lang, title_key, &[]),
            user: None,
            home: "/",
        }
    }

    pub fn with_user(mut self, user: HeaderUser) -> Self {
        self.user = Some(user);
        self
    }

    pub fn with_home(mut self, home: &'static str) -> Self {
        self.home = home;
        self
    }

    /// A message of the catalogue in the page's language.
    pub fn t(&self, key: &str) -> String {
        i18n::text(self.lang, key, &[])
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::text(self.lang, key, &[(name, value)])
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn stylesheet(&self) -> &'static str {
        crate::assets::url("style.css")
    }

    pub fn script(&self) -> &'static str {
        crate::assets::url("session.js")
    }

    pub fn counter_script(&self) -> &'static str {
        crate::assets::url("counter.js")
    }

    /// The inactivity warning, with the minutes left when it shows.
    pub fn session_warning_text(&self) -> String {
        let minutes = self
            .user
            .as_ref()
            .map(|u| (u.warning_seconds / 60).max(1))
            .unwrap_or(5);
        self.t1("session-warning-text", "minutes", &minutes.to_string())
    }
}
