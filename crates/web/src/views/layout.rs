//! What every page's frame needs: language, the logged-in person, the logout form, the
//! inactivity timer and the versioned asset links.

use std::borrow::Cow;
use std::sync::RwLock;

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
    /// Whether the built-in test login is mounted: every page then says so in its header, so a
    /// demonstration or test environment is never taken for the real portal.
    pub test_environment: bool,
}

tokio::task_local! {
    /// Set for the whole of a request's handling by [`mark_test_environment`] when the built-in
    /// test login is mounted. A task-local rather than a parameter: pages build their frame in
    /// many places, error pages included, and none may forget the banner.
    static TEST_ENVIRONMENT: bool;
}

/// Marks every request of a portal with the built-in test login, so that [`Layout::new`]
/// shows the test-environment banner.
pub async fn mark_test_environment(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let test = state.config.oidc.is_built_in();
    TEST_ENVIRONMENT.scope(test, next.run(request)).await
}

impl Layout {
    pub fn new(lang: Lang, title_key: &str) -> Self {
        Self {
            lang,
            title: i18n::text(lang, title_key, &[]),
            user: None,
            home: "/",
            test_environment: TEST_ENVIRONMENT.try_with(|test| *test).unwrap_or(false),
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
    pub fn t(&self, key: &str) -> Cow<'static, str> {
        i18n::plain(self.lang, key)
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

    /// The message for a refused text field: missing (named by its label), too long, or too
    /// much to store.
    pub fn text_error(&self, error: TextError, label: &str) -> String {
        match error {
            TextError::Missing => self.t1("error-field-missing", "field", label),
            TextError::TooLong { .. } | TextError::TooMuchStored { .. } => {
                over_limit(self.lang, error)
            }
        }
    }

    /// The inactivity warning, with the time left when it shows.
    pub fn session_warning_text(&self) -> String {
        /// The texts made so far, by language and duration: a process meets one or two, and
        /// formatting the text through the catalogue on every page showed in the profile of a
        /// light page. Kept short, in case of many durations.
        static MADE: RwLock<Vec<(Lang, i64, String)>> = RwLock::new(Vec::new());
        let seconds = self.user.as_ref().map_or(300, |u| u.warning_seconds);
        let made = MADE.read().ok().and_then(|made| {
            made.iter()
                .find(|(lang, s, _)| *lang == self.lang && *s == seconds)
                .map(|(_, _, text)| text.clone())
        });
        if let Some(text) = made {
            return text;
        }
        let text = self.t1(
            "session-warning-text",
            "duration",
            &duration_text(self.lang, seconds),
        );
        if let Ok(mut made) = MADE.write()
            && made.len() < 16
        {
            made.push((self.lang, seconds, text.clone()));
        }
        text
    }
}

/// "Teksten er for lang: 51 tegn, maksimum er 50.", or for a text of few characters that
/// would store too much, that it holds too many combined characters.
pub fn over_limit(lang: Lang, error: TextError) -> String {
    match error {
        TextError::TooLong { max, actual } => i18n::text(
            lang,
            "error-field-too-long",
            &[("max", &max.to_string()), ("actual", &actual.to_string())],
        ),
        TextError::TooMuchStored { .. } => i18n::text(lang, "error-field-too-much-stored", &[]),
        // Not over a limit: callers name the missing field themselves (`Layout::text_error`).
        TextError::Missing => i18n::text(lang, "error-field-missing", &[("field", "")]),
    }
}

/// A span of time as people say it: "30 minutter", "1 minutt", "45 sekunder" (whole minutes
/// when it is a whole number of minutes, else seconds).
pub fn duration_text(lang: Lang, seconds: i64) -> String {
    if seconds >= 3600 && seconds % 3600 == 0 {
        i18n::text(
            lang,
            "duration-hours",
            &[("count", &(seconds / 3600).to_string())],
        )
    } else if seconds >= 60 && seconds % 60 == 0 {
        i18n::text(
            lang,
            "duration-minutes",
            &[("count", &(seconds / 60).to_string())],
        )
    } else {
        i18n::text(lang, "duration-seconds", &[("count", &seconds.to_string())])
    }
}

/// How long to wait, as a person reads it: seconds under a minute, then whole minutes, then
/// whole hours, each rounded up.
pub fn wait_text(lang: Lang, seconds: u64) -> String {
    let (key, count) = match seconds {
        0..60 => ("duration-seconds", seconds),
        60..3600 => ("duration-minutes", seconds.div_ceil(60)),
        _ => ("duration-hours", seconds.div_ceil(3600)),
    };
    i18n::text(lang, key, &[("count", &count.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_warning_names_its_own_language_and_duration() {
        let page = |lang, warning_seconds| {
            Layout::new(lang, "gp-title").with_user(HeaderUser {
                name: "Kari Nordmann".into(),
                csrf_token: String::new(),
                logout_action: "/logg-ut",
                extend_action: "/fortsett",
                idle_seconds: 1800,
                warning_seconds,
                expired_url: "/",
            })
        };
        // The second round reads the texts the first one made.
        for _ in 0..2 {
            let nb = page(Lang::Nb, 300).session_warning_text();
            assert!(nb.ends_with("automatisk om 5 minutter."), "{nb}");
            let shorter = page(Lang::Nb, 120).session_warning_text();
            assert!(shorter.ends_with("automatisk om 2 minutter."), "{shorter}");
            let en = page(Lang::En, 300).session_warning_text();
            assert!(en.ends_with("automatically in 5 minutes."), "{en}");
        }
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(Lang::Nb, 1800), "30 minutter");
        assert_eq!(duration_text(Lang::Nb, 60), "1 minutt");
        assert_eq!(duration_text(Lang::Nb, 12 * 3600), "12 timer");
        assert_eq!(duration_text(Lang::En, 3600), "1 hour");
        assert_eq!(duration_text(Lang::Nb, 90), "90 sekunder");
        assert_eq!(duration_text(Lang::Nb, 1), "1 sekund");
        assert_eq!(duration_text(Lang::En, 300), "5 minutes");
        assert_eq!(duration_text(Lang::En, 60), "1 minute");
    }
}
