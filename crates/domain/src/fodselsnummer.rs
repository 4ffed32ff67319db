//! The Norwegian national identity number ("fødselsnummer"), D-numbers and synthetic test numbers.
//!
//! Eleven digits `DDMMYY IIIKK`: birth date, an individual number whose range tells the century,
//! and two mod-11 check digits. A D-number adds 4 to the first digit of the day; a synthetic test
//! number (as issued by the national test register) adds 80 to the month.

use std::fmt;

use jiff::civil::Date;

/// Why a text is not a valid identity number. Each maps to one clear message for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FodselsnummerError {
    #[error("the number must have exactly 11 digits")]
    WrongLength,
    #[error("the number may hold digits only")]
    NotDigits,
    #[error("the check digits do not match")]
    CheckDigits,
    #[error("the number does not hold a valid birth date")]
    BirthDate,
}

impl FodselsnummerError {
    /// Stable code, used as the key of the message shown to the user.
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongLength => "fnr-wrong-length",
            Self::NotDigits => "fnr-not-digits",
            Self::CheckDigits => "fnr-check-digits",
            Self::BirthDate => "fnr-birth-date",
        }
    }
}

/// What kind of identity number this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Fodselsnummer,
    DNummer,
    /// Synthetic number from the test register (month + 80); never a real person.
    Synthetic,
}

/// A validated identity number. The only way to get one is [`Fodselsnummer::parse`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fodselsnummer {
    number: String,
    /// Read from the number when it is parsed, so that a `Fodselsnummer` always has one.
    birth_date: Date,
}

const WEIGHTS_K1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const WEIGHTS_K2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The mod-11 check digit for the given digits and weights, or `None` when the remainder makes
/// the number impossible (a check digit of 10).
fn check_digit(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

impl Fodselsnummer {
    /// Parses and validates: length, digits, both check digits and the birth date. Spaces are
    /// allowed between groups ("010203 12345"), as people often type them.
    pub fn parse(input: &str) -> Result<Self, FodselsnummerError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.chars().count() != 11 {
            return Err(FodselsnummerError::WrongLength);
        }
        let digits: Vec<u32> = compact
            .chars()
            .map(|c| c.to_digit(10))
            .collect::<Option<_>>()
            .ok_or(FodselsnummerError::NotDigits)?;
        let k1 = check_digit(&digits[..9], &WEIGHTS_K1).ok_or(FodselsnummerError::CheckDigits)?;
        if k1 != digits[9] {
            return Err(FodselsnummerError::CheckDigits);
        }
        let k2 = check_digit(&digits[..10], &WEIGHTS_K2).ok_or(FodselsnummerError::CheckDigits)?;
        if k2 != digits[10] {
            return Err(FodselsnummerError::CheckDigits);
        }
        let birth_date = birth_date_of(&compact)?;
        Ok(Self {
            number: compact,
            birth_date,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }

    fn digit_pair(&self, at: usize) -> u32 {
        digit_pair(&self.number, at)
    }

    pub fn kind(&self) -> NumberKind {
        if self.digit_pair(0) > 40 {
            NumberKind::DNummer
        } else if self.digit_pair(2) > 80 {
            NumberKind::Synthetic
        } else {
            NumberKind::Fodselsnummer
        }
    }

    /// The birth date the number encodes.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Whole years of age on the given day.
    pub fn age_on(&self, today: Date) -> i16 {
        age_on(self.birth_date(), today)
    }
}

/// Two digits of an 11-digit number as one value.
fn digit_pair(number: &str, at: usize) -> u32 {
    let bytes = number.as_bytes();
    u32::from(bytes[at] - b'0') * 10 + u32::from(bytes[at + 1] - b'0')
}

/// The birth date an 11-digit number encodes, if it encodes one.
fn birth_date_of(number: &str) -> Result<Date, FodselsnummerError> {
    let digit_pair = |at| digit_pair(number, at);
    let mut day = digit_pair(0);
    let mut month = digit_pair(2);
    if day > 40 {
        day -= 40;
    }
    if month > 80 {
        month -= 80;
    }
    let year = digit_pair(4);
    let individual = digit_pair(6) * 10 + u32::from(number.as_bytes()[8] - b'0');
    let century = match (individual, year) {
        (0..=499, _) => 1900,
        (500..=749, 54..=99) => 1800,
        (500..=999, 0..=39) => 2000,
        (900..=999, 40..=99) => 1900,
        _ => return Err(FodselsnummerError::BirthDate),
    };
    let full_year = i16::try_from(century + year).map_err(|_| FodselsnummerError::BirthDate)?;
    let month = i8::try_from(month).map_err(|_| FodselsnummerError::BirthDate)?;
    let day = i8::try_from(day).map_err(|_| FodselsnummerError::BirthDate)?;
    Date::new(full_year, month, day).map_err(|_| FodselsnummerError::BirthDate)
}

/// Whole years between a birth date and a day.
pub fn age_on(birth: Date, today: Date) -> i16 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Never print the whole number by accident (logs, debug output): only the birth date part.
impl fmt::Debug for Fodselsnummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fodselsnummer({}*****)", &self.number[..6])
    }
}

/// Builds a valid number from a date part and an individual number, computing the check digits.
/// Used by demo data and data generators; `None` when the individual number gives a check
/// digit of 10 (then try the next one).
pub fn with_check_digits(date_part: &str, individual: u32) -> Option<Fodselsnummer> {
    let first9 = format!("{date_part}{individual:03}");
    let mut digits: Vec<u32> = first9
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 9 {
        return None;
    }
    let k1 = check_digit(&digits, &WEIGHTS_K1)?;
    digits.push(k1);
    let k2 = check_digit(&digits, &WEIGHTS_K2)?;
    Fodselsnummer::parse(&format!("{first9}{k1}{k2}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn accepts_known_valid_numbers() {
        // Published example numbers from the national test register.
        for number in ["01010750160", "15076500565", "21016400952"] {
            assert!(
                Fodselsnummer::parse(number).is_ok(),
                "{number} should be valid"
            );
        }
    }

    #[test]
    fn refuses_wrong_length_and_letters() {
        assert_eq!(
            Fodselsnummer::parse("0101075016"),
            Err(FodselsnummerError::WrongLength)
        );
        assert_eq!(
            Fodselsnummer::parse("010107501600"),
            Err(FodselsnummerError::WrongLength)
        );
        assert_eq!(
            Fodselsnummer::parse("0101075016a"),
            Err(FodselsnummerError::NotDigits)
        );
        assert_eq!(
            Fodselsnummer::parse(""),
            Err(FodselsnummerError::WrongLength)
        );
    }

    #[test]
    fn refuses_each_wrong_check_digit() {
        assert_eq!(
            Fodselsnummer::parse("01010750170"),
            Err(FodselsnummerError::CheckDigits)
        );
        assert_eq!(
            Fodselsnummer::parse("01010750161"),
            Err(FodselsnummerError::CheckDigits)
        );
    }

    #[test]
    fn allows_spaces_between_groups() {
        let number = Fodselsnummer::parse("010107 50160").unwrap();
        assert_eq!(number.as_str(), "01010750160");
    }

    #[test]
    fn reads_century_from_individual_number() {
        let n = with_check_digits("010180", 123).unwrap();
        assert_eq!(n.birth_date(), date(1980, 1, 1));
        let n = with_check_digits("010115", 512).unwrap();
        assert_eq!(n.birth_date(), date(2015, 1, 1));
        let n = with_check_digits("010160", 950).unwrap();
        assert_eq!(n.birth_date(), date(1960, 1, 1));
        let n = (600..750)
            .find_map(|ind| with_check_digits("010160", ind))
            .unwrap();
        assert_eq!(n.birth_date(), date(1860, 1, 1));
        // 500-749 means 1854-1899 only from year 54; with year 45 the number is impossible.
        assert_eq!(
            birth_date_of("01014560000"),
            Err(FodselsnummerError::BirthDate)
        );
        // 750-899 is never used with years 40-99.
        assert_eq!(
            birth_date_of("01016080000"),
            Err(FodselsnummerError::BirthDate)
        );
    }

    #[test]
    fn d_number_adds_four_to_the_day() {
        let n = with_check_digits("410180", 123).unwrap();
        assert_eq!(n.kind(), NumberKind::DNummer);
        assert_eq!(n.birth_date(), date(1980, 1, 1));
    }

    #[test]
    fn synthetic_number_adds_eighty_to_the_month() {
        let n = with_check_digits("018180", 123).unwrap();
        assert_eq!(n.kind(), NumberKind::Synthetic);
        assert_eq!(n.birth_date(), date(1980, 1, 1));
    }

    #[test]
    fn refuses_impossible_dates() {
        // 30 February, with check digits that are otherwise right.
        assert!(with_check_digits("300280", 123).is_none());
        assert!(with_check_digits("321280", 123).is_none());
        assert!(with_check_digits("011380", 123).is_none());
    }

    #[test]
    fn age_counts_whole_years() {
        let n = with_check_digits("150615", 512).unwrap();
        assert_eq!(n.age_on(date(2031, 6, 14)), 15);
        assert_eq!(n.age_on(date(2031, 6, 15)), 16);
    }

    #[test]
    fn debug_output_hides_the_personal_part() {
        let n = Fodselsnummer::parse("01010750160").unwrap();
        assert_eq!(format!("{n:?}"), "Fodselsnummer(010107*****)");
    }

    proptest! {
        #[test]
        fn changing_any_one_digit_is_caught(pos in 0usize..11, delta in 1u32..10) {
            let valid = "15076500565";
            let mut digits: Vec<u32> = valid.chars().map(|c| c.to_digit(10).unwrap()).collect();
            digits[pos] = (digits[pos] + delta) % 10;
            let changed: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(Fodselsnummer::parse(&changed).is_err());
        }

        #[test]
        fn generated_numbers_round_trip(day in 1i8..=28, month in 1i8..=12, year in 0u32..100, ind in 0u32..500) {
            let part = format!("{day:02}{month:02}{year:02}");
            if let Some(n) = with_check_digits(&part, ind) {
                let again = Fodselsnummer::parse(n.as_str()).unwrap();
                prop_assert_eq!(again.birth_date(), date(1900 + year as i16, month, day));
            }
        }
    }
}
