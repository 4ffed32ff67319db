//! Text fields with a limit counted as a person counts: one character per grapheme cluster, so
//! "æ", "ø", "å", an accented letter typed as two code points, and an emoji with a skin tone
//! each count one (the same rule as the page's live counter, which uses `Intl.Segmenter`).
//!
//! What is stored is bounded too: a "character" may hold any number of combining marks, so a
//! text of a few visible characters could otherwise fill the database. A text may hold at most
//! [`STORED_PER_VISIBLE`] code points for each character its limit allows.

use unicode_segmentation::UnicodeSegmentation;

/// Characters as a person sees them.
pub fn visible_len(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Line breaks as one character each, whatever the browser sent; no surrounding white space.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// Code points a text may store for each visible character its limit allows: room for
/// letters typed with combining accents, flags, emoji with skin tones and joined emoji in
/// ordinary measure, never for a "character" built of thousands of marks.
pub const STORED_PER_VISIBLE: usize = 4;

/// The most code points a text limited to `max_visible` characters may store.
pub const fn stored_max(max_visible: usize) -> usize {
    max_visible * STORED_PER_VISIBLE
}

/// Code points as stored (each one to four bytes in UTF-8).
pub fn stored_len(text: &str) -> usize {
    text.chars().count()
}

/// Why a text field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Missing,
    TooLong {
        max: usize,
        actual: usize,
    },
    /// Few enough characters as seen, but too many code points to store (combining marks
    /// piled on a letter, or a great many joined emoji).
    TooMuchStored {
        max: usize,
        actual: usize,
    },
}

/// A required text of at most `MAX` visible characters and [`stored_max`]`(MAX)` code points,
/// normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharLimited<const MAX: usize>(String);

impl<const MAX: usize> CharLimited<MAX> {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let text = normalise(input);
        let actual = visible_len(&text);
        let stored = stored_len(&text);
        if actual == 0 {
            Err(TextError::Missing)
        } else if actual > MAX {
            Err(TextError::TooLong { max: MAX, actual })
        } else if stored > stored_max(MAX) {
            Err(TextError::TooMuchStored {
                max: stored_max(MAX),
                actual: stored,
            })
        } else {
            Ok(Self(text))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_letters_and_emoji_count_one() {
        assert_eq!(visible_len("æøå"), 3);
        assert_eq!(visible_len("e\u{301}"), 1, "e with a combining accent");
        assert_eq!(visible_len("👍🏽"), 1, "emoji with skin tone");
        assert_eq!(
            visible_len("👨‍👩‍👧"),
            1,
            "family emoji joined by zero-width joiners"
        );
        assert_eq!(visible_len("🇳🇴"), 1, "flag");
    }

    #[test]
    fn limit_is_inclusive_and_counts_graphemes() {
        let fifty_ae = "æ".repeat(50);
        assert!(CharLimited::<50>::parse(&fifty_ae).is_ok());
        assert_eq!(
            CharLimited::<50>::parse(&format!("{fifty_ae}ø")),
            Err(TextError::TooLong {
                max: 50,
                actual: 51
            })
        );
        assert!(CharLimited::<3>::parse("👍🏽👍🏽👍🏽").is_ok());
    }

    #[test]
    fn blank_is_missing_and_text_is_trimmed() {
        assert_eq!(CharLimited::<10>::parse("   \n "), Err(TextError::Missing));
        assert_eq!(CharLimited::<10>::parse("  hei  ").unwrap().as_str(), "hei");
    }

    #[test]
    fn a_character_of_piled_up_marks_is_refused_for_what_it_stores() {
        // "One character" as seen: a letter with 150,000 combining accents (300 KB).
        let piled = format!("e{}", "\u{301}".repeat(150_000));
        assert_eq!(visible_len(&piled), 1);
        assert_eq!(
            CharLimited::<50>::parse(&piled),
            Err(TextError::TooMuchStored {
                max: 200,
                actual: 150_001
            })
        );
        // Ordinary composed text stays well inside: accents typed as two code points, flags,
        // emoji with skin tones.
        let ordinary = "e\u{301}🇳🇴👍🏽æ".repeat(10);
        assert_eq!(visible_len(&ordinary), 40);
        assert!(CharLimited::<50>::parse(&ordinary).is_ok());
        // At the bound and one past it.
        let at_bound = format!("a{}", "\u{301}".repeat(199));
        assert!(CharLimited::<50>::parse(&at_bound).is_ok());
        assert_eq!(
            CharLimited::<50>::parse(&format!("{at_bound}\u{301}")),
            Err(TextError::TooMuchStored {
                max: 200,
                actual: 201
            })
        );
    }

    #[test]
    fn line_breaks_count_one_whatever_the_browser_sends() {
        assert_eq!(CharLimited::<3>::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(visible_len(&normalise("a\r\nb")), 3);
    }
}
