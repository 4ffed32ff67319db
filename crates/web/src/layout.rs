//! What every page's frame needs: language, the logged-in person, the logout form, the
//! inactivity timer and the versioned asset links.

use domain::text::TextError;

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

    /// The message for a refused text field: missing (named by its label) or too long.
    pub fn text_error(&self, error: TextError, label: &str) -> String {
        match error {
            TextError::Missing => self.t1("error-field-missing", "field", label),
            TextError::TooLong { max, actual } => too_long(self.lang, max, actual),
        }
    }

    /// The inactivity warning, with the time left when it shows.
    pub fn session_warning_text(&self) -> String {
        let seconds = self.user.as_ref().map_or(300, |u| u.warning_seconds);
        self.t1(
            "session-warning-text",
            "duration",
            &duration_text(self.lang, seconds),
        )
    }
}

/// "Teksten er for lang: 51 tegn, maksimum er 50."
pub fn too_long(lang: Lang, max: usize, actual: usize) -> String {
    i18n::text(
        lang,
        "error-field-too-long",
        &[("max", &max.to_string()), ("actual", &actual.to_string())],
    )
}

/// A span of time as people say it: "30 minutter", "1 minutt", "45 sekunder" (whole minutes
/// when it is a whole number of minutes, else seconds).
pub fn duration_text(lang: Lang, seconds: i64) -> String {
    if seconds >= 60 && seconds % 60 == 0 {
        i18n::text(
            lang,
            "duration-minutes",
            &[("count", &(seconds / 60).to_string())],
        )
    } else {
        i18n::text(lang, "duration-seconds", &[("count", &seconds.to_string())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(Lang::Nb, 1800), "30 minutter");
        assert_eq!(duration_text(Lang::Nb, 60), "1 minutt");
        assert_eq!(duration_text(Lang::Nb, 90), "90 sekunder");
        assert_eq!(duration_text(Lang::Nb, 1), "1 sekund");
        assert_eq!(duration_text(Lang::En, 300), "5 minutes");
        assert_eq!(duration_text(Lang::En, 60), "1 minute");
    }
}
