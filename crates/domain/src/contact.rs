//! The citizen's contact details for notifications ("Kontaktinformasjon og varsling"): a mobile
//! number and an e-mail address, each confirmed with a code before it is used, and asked to be
//! confirmed again when they grow old.

use jiff::{Timestamp, ToSpan};

/// How a notification reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Self::Sms, Self::Email];

    /// Stable code, stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// A mobile number in international form (`+4791234567`). Norwegian numbers are 8 digits that
/// begin with 4 or 9, written with or without +47 / 0047 and spaces; a foreign number is
/// written with + and its country code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MobileNumberError {
    #[error("no number")]
    Missing,
    #[error("not a mobile number")]
    Invalid,
}

impl MobileNumber {
    pub fn parse(input: &str) -> Result<Self, MobileNumberError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
            .collect();
        if compact.is_empty() {
            return Err(MobileNumberError::Missing);
        }
        let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
            (true, rest)
        } else if let Some(rest) = compact.strip_prefix("00") {
            (true, rest)
        } else {
            (false, compact.as_str())
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MobileNumberError::Invalid);
        }
        let national = match (international, digits.strip_prefix("47")) {
            (false, _) => digits,
            (true, Some(rest)) if rest.len() == 8 => rest,
            (true, _) => {
                // A foreign number: E.164 allows at most 15 digits with the country code.
                return if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
                    Ok(Self(format!("+{digits}")))
                } else {
                    Err(MobileNumberError::Invalid)
                };
            }
        };
        if national.len() == 8 && (national.starts_with('4') || national.starts_with('9')) {
            Ok(Self(format!("+47{national}")))
        } else {
            Err(MobileNumberError::Invalid)
        }
    }

    /// The stored form, e.g. `+4791234567`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people write it: Norwegian numbers as "912 34 567", foreign ones as stored.
    pub fn display(&self) -> String {
        match self.0.strip_prefix("+47") {
            Some(n) if n.len() == 8 => format!("{} {} {}", &n[..3], &n[3..5], &n[5..]),
            _ => self.0.clone(),
        }
    }
}

/// An e-mail address, lower-cased in its domain. The check is deliberately plain: one `@`, a
/// local part of printable characters without spaces, and a domain of letters, digits and
/// hyphens with a top-level domain of letters. The confirmation code proves the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

/// The longest address SMTP carries (RFC 5321: 254 characters in a path).
pub const EMAIL_MAX_LEN: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailAddressError {
    #[error("no address")]
    Missing,
    #[error("too long")]
    TooLong,
    #[error("not an e-mail address")]
    Invalid,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailAddressError> {
        let address = input.trim();
        if address.is_empty() {
            return Err(EmailAddressError::Missing);
        }
        if address.chars().count() > EMAIL_MAX_LEN {
            return Err(EmailAddressError::TooLong);
        }
        let (local, domain) = address.rsplit_once('@').ok_or(EmailAddressError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        if local_ok && domain_ok {
            Ok(Self(format!("{local}@{domain}")))
        } else {
            Err(EmailAddressError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The page asks the citizen to confirm the details again when they were last confirmed this
/// many months ago.
pub const RECONFIRM_AFTER_MONTHS: i64 = 18;

/// Whether details last confirmed at `confirmed_at` should be confirmed again at `now`
/// (calendar months in Norwegian time, so the 18 months end on the same day of the month).
pub fn needs_reconfirmation(confirmed_at: Timestamp, now: Timestamp) -> bool {
    let Ok(confirmed) = confirmed_at.in_tz("Europe/Oslo") else {
        return false;
    };
    match confirmed.checked_add(RECONFIRM_AFTER_MONTHS.months()) {
        Ok(due) => now >= due.timestamp(),
        Err(_) => false,
    }
}

/// How long a confirmation code may be used.
pub const CODE_VALID_SECONDS: i64 = 30 * 60;
/// Wrong codes allowed before the code is spent and a new one must be sent.
pub const CODE_MAX_ATTEMPTS: i64 = 5;
/// The shortest time between two codes to the same address, so that a double click or an
/// impatient hand does not send a stream of messages.
pub const CODE_RESEND_AFTER_SECONDS: i64 = 60;

/// Unread messages are reminded of once, this long after they came (seed 004: after 4 days).
pub const UNREAD_REMINDER_AFTER_SECONDS: i64 = 4 * 24 * 60 * 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_mobile_numbers_in_any_common_form() {
        for input in [
            "91234567",
            "912 34 567",
            "+47 912 34 567",
            "0047 91234567",
            "912-34-567",
        ] {
            let number = MobileNumber::parse(input).unwrap();
            assert_eq!(number.as_str(), "+4791234567", "{input}");
            assert_eq!(number.display(), "912 34 567");
        }
        assert_eq!(
            MobileNumber::parse("41234567").unwrap().as_str(),
            "+4741234567"
        );
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_refused() {
        for input in [
            "22334455",
            "9123456",
            "912345678",
            "9123456a",
            "+47 2233 4455",
            "+1",
        ] {
            assert_eq!(
                MobileNumber::parse(input),
                Err(MobileNumberError::Invalid),
                "{input}"
            );
        }
        assert_eq!(MobileNumber::parse("  "), Err(MobileNumberError::Missing));
    }

    #[test]
    fn foreign_numbers_keep_their_country_code() {
        let number = MobileNumber::parse("+46 70 123 45 67").unwrap();
        assert_eq!(number.as_str(), "+46701234567");
        assert_eq!(number.display(), "+46701234567");
    }

    #[test]
    fn email_addresses_are_checked_plainly() {
        assert_eq!(
            EmailAddress::parse(" Kari.Nordmann+helse@Example.NO ")
                .unwrap()
                .as_str(),
            "Kari.Nordmann+helse@example.no"
        );
        for input in [
            "kari",
            "kari@",
            "@example.no",
            "kari@example",
            "kari@exa mple.no",
            "ka ri@example.no",
            "kari@@example.no",
            "kari@example.n0",
            "kari..n@example.no",
            "<script>@example.no",
        ] {
            assert_eq!(
                EmailAddress::parse(input),
                Err(EmailAddressError::Invalid),
                "{input}"
            );
        }
        let long = format!("{}@example.no", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailAddressError::TooLong));
        assert_eq!(EmailAddress::parse(""), Err(EmailAddressError::Missing));
    }

    #[test]
    fn details_are_confirmed_again_after_eighteen_months() {
        let confirmed: Timestamp = "2025-05-25T10:00:00+02:00".parse().unwrap();
        let day_before: Timestamp = "2026-11-24T10:00:00+01:00".parse().unwrap();
        let due: Timestamp = "2026-11-25T10:00:00+01:00".parse().unwrap();
        assert!(!needs_reconfirmation(confirmed, day_before));
        assert!(needs_reconfirmation(confirmed, due));
    }
}
