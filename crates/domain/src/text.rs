//! Text fields with a limit counted as a person counts: one character per grapheme cluster, so
//! "æ", "ø", "å", an accented letter typed as two code points, and an emoji with a skin tone
//! each count one (the same rule as the page's live counter, which uses `Intl.Segmenter`).

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

/// Why a text field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Missing,
    TooLong { max: usize, actual: usize },
}

/// A required text of at most `MAX` visible characters, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharLimited<const MAX: usize>(String);

impl<const MAX: usize> CharLimited<MAX> {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let text = normalise(input);
        let actual = visible_len(&text);
        if actual == 0 {
            Err(TextError::Missing)
        } else if actual > MAX {
            Err(TextError::TooLong { max: MAX, actual })
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
    fn line_breaks_count_one_whatever_the_browser_sends() {
        assert_eq!(CharLimited::<3>::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(visible_len(&normalise("a\r\nb")), 3);
    }
}
