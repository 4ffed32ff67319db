//! The message catalogue: Fluent files for bokmål and English, compiled into the binary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::{LanguageIdentifier, langid};

/// The languages the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Nb,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    /// The code for `<html lang>` and the language cookie.
    pub fn code(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|lang| lang.code() == code)
    }

    fn source(self) -> &'static str {
        match self {
            Self::Nb => include_str!("../locales/nb.ftl"),
            Self::En => include_str!("../locales/en.ftl"),
        }
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Self::Nb => langid!("nb"),
            Self::En => langid!("en"),
        }
    }
}

/// FNV-1a over a message's key. The keys are the catalogue's own and short, and a page looks
/// up dozens of them: the standard map's keyed hash (against keys chosen to collide) costs
/// more than the look-up's other work and guards against nothing here.
struct KeyHasher(u64);

impl Default for KeyHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Formatted messages by key.
type Messages = HashMap<String, String, BuildHasherDefault<KeyHasher>>;

struct Catalog {
    nb: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
    /// The messages that take no arguments, formatted once: most of every page's words.
    nb_plain: Messages,
    en_plain: Messages,
}

/// Formats every message of the bundle that needs no argument.
fn plain_messages(lang: Lang, bundle: &FluentBundle<FluentResource>) -> Messages {
    let mut plain = Messages::default();
    for key in catalog_keys(lang) {
        let Some(pattern) = bundle.get_message(&key).and_then(|m| m.value()) else {
            continue;
        };
        let mut errors = Vec::new();
        let value = bundle.format_pattern(pattern, None, &mut errors);
        // A message with a variable reports it missing here; it is formatted at each use.
        if errors.is_empty() {
            plain.insert(key, value.into_owned());
        }
    }
    plain
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let resource = match FluentResource::try_new(lang.source().to_owned()) {
        Ok(resource) => resource,
        // The catalogues are compiled in and checked by tests; a broken one is a build defect.
        Err((_, errors)) => panic!("broken message catalogue {}: {errors:?}", lang.code()),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![lang.langid()]);
    // Unicode isolation marks would end up in the HTML and in every text comparison.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        panic!(
            "duplicate messages in catalogue {}: {errors:?}",
            lang.code()
        );
    }
    bundle
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let nb = bundle(Lang::Nb);
    let en = bundle(Lang::En);
    Catalog {
        nb_plain: plain_messages(Lang::Nb, &nb),
        en_plain: plain_messages(Lang::En, &en),
        nb,
        en,
    }
});

fn catalog(lang: Lang) -> (&'static FluentBundle<FluentResource>, &'static Messages) {
    let catalog: &'static Catalog = &CATALOG;
    match lang {
        Lang::Nb => (&catalog.nb, &catalog.nb_plain),
        Lang::En => (&catalog.en, &catalog.en_plain),
    }
}

/// The text of a message without arguments, lent from the catalogue where it was formatted
/// once: a page shows dozens of them.
pub fn plain(lang: Lang, key: &str) -> Cow<'static, str> {
    match catalog(lang).1.get(key) {
        Some(value) => Cow::Borrowed(value),
        None => Cow::Owned(text(lang, key, &[])),
    }
}

/// The text of a message in a language, with arguments.
pub fn text(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let (bundle, plain) = catalog(lang);
    if args.is_empty()
        && let Some(value) = plain.get(key)
    {
        return value.clone();
    }
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::error!(key, lang = lang.code(), "missing message");
        return key.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        // Whole numbers go in as numbers, so that the catalogue can choose plural forms.
        match value.parse::<i64>() {
            Ok(number) if !value.starts_with('0') || *value == "0" => {
                fluent_args.set(*name, number)
            }
            _ => fluent_args.set(*name, *value),
        }
    }
    let mut errors = Vec::new();
    let value = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::error!(key, ?errors, "message formatting failed");
    }
    value.into_owned()
}

/// Every message key of a language's catalogue (for completeness tests).
pub fn catalog_keys(lang: Lang) -> Vec<String> {
    lang.source()
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key))
        .filter(|key| !key.starts_with(' ') && !key.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_messages() {
        let nb = catalog_keys(Lang::Nb);
        let en = catalog_keys(Lang::En);
        assert!(nb.len() > 50);
        assert_eq!(nb, en);
    }

    #[test]
    fn every_message_formats_in_every_language() {
        for lang in Lang::ALL {
            for key in catalog_keys(lang) {
                let value = text(
                    lang,
                    &key,
                    &[
                        ("name", "X"),
                        ("level", "X"),
                        ("id", "X"),
                        ("doctor", "X"),
                        ("office", "X"),
                        ("phone", "X"),
                        ("minutes", "5"),
                        ("role", "X"),
                        ("field", "X"),
                        ("max", "1"),
                        ("actual", "2"),
                        ("count", "3"),
                        ("amount", "4"),
                        ("duration", "5 minutter"),
                        ("when", "X"),
                        ("what", "X"),
                        ("subject", "X"),
                    ],
                );
                assert_ne!(value, key, "{key} in {}", lang.code());
                assert!(!value.contains('\u{2068}'), "isolation marks in {key}");
            }
        }
    }

    /// Every file below a folder.
    fn files_below(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_below(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let nb = catalog_keys(Lang::Nb);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        files_below(&root.join("templates"), &mut files);
        files_below(&root.join("src"), &mut files);
        let mut used = 0;
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            // Calls that take a message key as a literal: `l.t("…")`, `l.t1("…", …)`,
            // `text(lang, "…")` in its spellings.
            for marker in [
                ".t(\"",
                ".t1(\"",
                "text(lang, \"",
                "text(l.lang, \"",
                "text(Lang::Nb, \"",
            ] {
                for part in source.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    let is_key = !key.is_empty()
                        && key.chars().all(|c| {
                            c.is_ascii_lowercase() || c == '-' || c == '_' || c.is_ascii_digit()
                        });
                    if is_key {
                        used += 1;
                        assert!(
                            nb.iter().any(|k| k == key),
                            "{} uses missing message {key}",
                            file.display()
                        );
                    }
                }
            }
        }
        assert!(used > 200, "found only {used} uses");
    }

    #[test]
    fn only_messages_without_arguments_are_formatted_ahead() {
        for lang in Lang::ALL {
            let formatted = plain_messages(lang, &bundle(lang));
            assert!(formatted.contains_key("gp-title"));
            assert!(!formatted.contains_key("inbox-count"), "it counts");
            assert!(
                !formatted.contains_key("front-greeting"),
                "it names the citizen"
            );
            assert_eq!(text(lang, "gp-title", &[]), formatted["gp-title"]);
            // Lent from the catalogue, not copied.
            assert!(
                matches!(plain(lang, "gp-title"), Cow::Borrowed(t) if t == formatted["gp-title"])
            );
        }
        assert_eq!(
            text(Lang::Nb, "front-greeting", &[("name", "Kari")]),
            "Hei, Kari"
        );
        // A message that needs an argument is formatted as `text` does without one.
        assert_eq!(
            plain(Lang::Nb, "inbox-count"),
            text(Lang::Nb, "inbox-count", &[])
        );
    }

    #[test]
    fn every_plain_message_is_found_by_its_key() {
        for lang in Lang::ALL {
            let (_, messages) = catalog(lang);
            assert!(messages.len() > 100);
            for (key, value) in messages {
                assert_eq!(plain(lang, key), value.as_str());
            }
        }
    }

    #[test]
    fn counts_choose_the_plural_form() {
        assert_eq!(
            text(Lang::Nb, "inbox-count", &[("count", "1")]),
            "1 melding"
        );
        assert_eq!(
            text(Lang::Nb, "inbox-count", &[("count", "6298")]),
            "6298 meldinger"
        );
        assert_eq!(
            text(Lang::En, "inbox-count", &[("count", "1")]),
            "1 message"
        );
        assert_eq!(
            text(Lang::Nb, "inbox-count", &[("count", "0")]),
            "0 meldinger"
        );
    }

    #[test]
    fn arguments_are_filled_in() {
        assert_eq!(
            text(Lang::Nb, "front-greeting", &[("name", "Kari")]),
            "Hei, Kari"
        );
        assert_eq!(
            text(Lang::En, "front-greeting", &[("name", "Kari")]),
            "Hi, Kari"
        );
    }
}
