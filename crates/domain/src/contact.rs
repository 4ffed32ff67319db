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
/// The shortest time between two codes to one person on one channel, however they are asked
/// for (saving the form again, "Send ny kode"): each code brings fresh tries, so without a
/// pause a script could ask for code after code and guess at each.
pub const CODE_RESEND_AFTER_SECONDS: i64 = 60;
/// At most this many codes to one person in 24 hours, both channels together. Five codes give
/// 25 guesses a day at one in a million each; a person who changes both number and address
/// needs two, and three to spare for a mistyped one or a code that did not arrive.
pub const CODES_PER_DAY: usize = 5;
/// At most this many of them by SMS: each costs money, and a new number may be a stranger's
/// phone, which must not be flooded from the portal.
pub const SMS_CODES_PER_DAY: usize = 3;
const DAY_SECONDS: i64 = 24 * 60 * 60;

/// Why a new code may not be sent yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeLimit {
    /// A code went to this channel less than [`CODE_RESEND_AFTER_SECONDS`] ago.
    TooSoon,
    /// [`CODES_PER_DAY`] codes in the last 24 hours.
    Day,
    /// [`SMS_CODES_PER_DAY`] codes by SMS in the last 24 hours.
    SmsDay,
}

/// A new code refused, and in how many seconds one may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRefused {
    pub limit: CodeLimit,
    pub retry_after: i64,
}

/// Whether a new code may go to `channel` at `now`, given the codes sent to the person before
/// (their channel and Unix time; older than a day or not does not matter).
pub fn may_send_code(
    sent: &[(Channel, i64)],
    channel: Channel,
    now: i64,
) -> Result<(), CodeRefused> {
    let last_here = sent
        .iter()
        .filter(|(c, _)| *c == channel)
        .map(|(_, at)| *at)
        .max();
    if let Some(last) = last_here
        && now - last < CODE_RESEND_AFTER_SECONDS
    {
        return Err(CodeRefused {
            limit: CodeLimit::TooSoon,
            retry_after: last + CODE_RESEND_AFTER_SECONDS - now,
        });
    }
    // When `limit` codes lie in the last day, a new one may go once the oldest of the newest
    // `limit` is a day old.
    let day_limit = |only: Option<Channel>, limit: usize| {
        let mut times: Vec<i64> = sent
            .iter()
            .filter(|(c, at)| only.is_none_or(|o| o == *c) && now - at < DAY_SECONDS)
            .map(|(_, at)| *at)
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        times.get(limit - 1).map(|at| at + DAY_SECONDS - now)
    };
    if channel == Channel::Sms
        && let Some(retry_after) = day_limit(Some(Channel::Sms), SMS_CODES_PER_DAY)
    {
        return Err(CodeRefused {
            limit: CodeLimit::SmsDay,
            retry_after,
        });
    }
    if let Some(retry_after) = day_limit(None, CODES_PER_DAY) {
        return Err(CodeRefused {
            limit: CodeLimit::Day,
            retry_after,
        });
    }
    Ok(())
}

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
    fn a_code_a_minute_per_channel() {
        let sent = [(Channel::Sms, 1_000)];
        assert_eq!(
            may_send_code(&sent, Channel::Sms, 1_015),
            Err(CodeRefused {
                limit: CodeLimit::TooSoon,
                retry_after: 45
            })
        );
        assert_eq!(may_send_code(&sent, Channel::Email, 1_015), Ok(()));
        assert_eq!(may_send_code(&sent, Channel::Sms, 1_060), Ok(()));
        assert_eq!(may_send_code(&[], Channel::Sms, 1_060), Ok(()));
    }

    #[test]
    fn a_few_codes_a_day_and_fewer_by_sms() {
        let day = 24 * 60 * 60;
        let sms: Vec<_> = (0..3).map(|n| (Channel::Sms, n * 100)).collect();
        assert_eq!(
            may_send_code(&sms, Channel::Sms, 1_000),
            Err(CodeRefused {
                limit: CodeLimit::SmsDay,
                retry_after: day - 1_000
            })
        );
        assert_eq!(may_send_code(&sms, Channel::Email, 1_000), Ok(()));
        assert_eq!(
            may_send_code(&sms, Channel::Sms, day),
            Ok(()),
            "the first is a day old"
        );
        let mut both = sms.clone();
        both.extend((3..5).map(|n| (Channel::Email, n * 100)));
        assert_eq!(
            may_send_code(&both, Channel::Email, 1_000),
            Err(CodeRefused {
                limit: CodeLimit::Day,
                retry_after: day - 1_000
            })
        );
        assert_eq!(may_send_code(&both, Channel::Email, day + 100), Ok(()));
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
