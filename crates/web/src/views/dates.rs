//! Dates and times as the pages show them, always by Oslo's clock.

use jiff::civil::{Date, DateTime};

use crate::i18n::{self, Lang};

/// Oslo's calendar day of a moment (deadlines follow Norwegian working days).
pub(crate) fn oslo_date(unix_seconds: i64) -> Date {
    domain::oslo::datetime(unix_seconds).map_or(Date::MIN, |at| at.date())
}

/// "25.11.2026 14:05" in Oslo time (Innboks shows one per thread).
pub(crate) fn oslo_time(unix_seconds: i64) -> String {
    domain::oslo::datetime(unix_seconds)
        .map(|at| {
            format!(
                "{:02}.{:02}.{:04} {:02}:{:02}",
                at.day(),
                at.month(),
                at.year(),
                at.hour(),
                at.minute()
            )
        })
        .unwrap_or_default()
}

/// "25.11.2026"
pub(crate) fn norwegian_date(date: Date) -> String {
    date.strftime("%d.%m.%Y").to_string()
}

/// A moment as Oslo's clock shows it.
pub(crate) fn local(unix: i64) -> DateTime {
    domain::oslo::datetime(unix).unwrap_or(DateTime::MIN)
}

pub(crate) fn month_name(lang: Lang, month: i8) -> String {
    i18n::text(lang, &format!("month-{month}"), &[])
}

/// "8. november 2026"
pub(crate) fn long_date(lang: Lang, day: Date) -> String {
    date_in_month(day, &month_name(lang, day.month()))
}

/// `long_date` with the month's name already looked up (a calendar names one month 31 times).
pub(crate) fn date_in_month(day: Date, month_name: &str) -> String {
    format!("{}. {month_name} {}", day.day(), day.year())
}

/// "Onsdag 8. november 2023, 13:45 - 14:15"
pub(crate) fn when_text(lang: Lang, starts_at: i64, minutes: i64) -> String {
    let start = local(starts_at);
    let end = local(starts_at + minutes * 60);
    let weekday = i18n::text(
        lang,
        &format!("weekday-{}", start.date().weekday().to_monday_one_offset()),
        &[],
    );
    let mut weekday_title = weekday.clone();
    if let Some(first) = weekday.chars().next() {
        weekday_title = first.to_uppercase().collect::<String>() + &weekday[first.len_utf8()..];
    }
    format!(
        "{weekday_title} {}, {} - {}",
        long_date(lang, start.date()),
        start.time().strftime("%H:%M"),
        end.time().strftime("%H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oslo_time_is_the_clock_in_oslo() {
        // 13:05 UTC is 14:05 in winter and 15:05 in summer.
        let winter = jiff::Timestamp::from_second(1_795_611_900).unwrap();
        assert_eq!(winter.to_string(), "2026-11-25T13:05:00Z");
        assert_eq!(oslo_time(winter.as_second()), "25.11.2026 14:05");
        assert_eq!(
            oslo_time(winter.as_second() - 140 * 86_400),
            "08.07.2026 15:05"
        );
        assert_eq!(
            oslo_date(winter.as_second() + 11 * 3_600),
            jiff::civil::date(2026, 11, 26)
        );
        // Every 25 minutes of a year, as the time zone's own formatting gives it.
        let tz = domain::norway_time_zone();
        for step in 0..365 * 24 * 60 / 25 {
            let at = winter.as_second() + step * 25 * 60;
            let by_rules = jiff::Timestamp::from_second(at)
                .unwrap()
                .to_zoned_datetime(tz.clone())
                .strftime("%d.%m.%Y %H:%M")
                .to_string();
            assert_eq!(oslo_time(at), by_rules, "{at}");
        }
    }
}
