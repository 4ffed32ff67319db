//! Working days in Norway: weekends and the public holidays are not working days. The
//! holidays are computed, not tabled: New Year's Day, Maundy Thursday, Good Friday, Easter
//! Monday, 1 May, 17 May, Ascension Day, Whit Monday, Christmas Day and Boxing Day. (Easter
//! Sunday and Whit Sunday fall on Sundays anyway.)

use jiff::civil::{Date, Weekday};

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, also known as
/// Meeus/Jones/Butcher).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Month 3 or 4 and a day that exists in it, by construction of the algorithm: a date
    // outside that is a broken rule, and `date` stops loudly rather than move Easter.
    jiff::civil::date(year, month as i8, day as i8)
}

/// The public holidays of a year that can fall on a weekday, in date order.
pub fn public_holidays(year: i16) -> Vec<Date> {
    let easter = easter_sunday(year);
    let from_easter = |days: i64| {
        easter
            .checked_add(jiff::Span::new().days(days))
            .unwrap_or(easter)
    };
    let fixed = |month: i8, day: i8| jiff::civil::date(year, month, day);
    let mut days = vec![
        fixed(1, 1),
        from_easter(-3),
        from_easter(-2),
        from_easter(1),
        fixed(5, 1),
        fixed(5, 17),
        from_easter(39),
        from_easter(50),
        fixed(12, 25),
        fixed(12, 26),
    ];
    days.sort();
    days
}

pub fn is_public_holiday(date: Date) -> bool {
    public_holidays(date.year()).contains(&date)
}

pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(date)
}

fn next_day(date: Date) -> Date {
    date.tomorrow().unwrap_or(date)
}

/// The day by which something received on `received` must be answered: `days` working days
/// later. Something received on a day off counts from the next working day, as if it came
/// then (received Saturday, due the fifth working day after Monday... counted from Monday).
pub fn add_working_days(received: Date, days: u32) -> Date {
    let mut date = received;
    while !is_working_day(date) {
        date = next_day(date);
    }
    let mut left = days;
    while left > 0 {
        date = next_day(date);
        if is_working_day(date) {
            left -= 1;
        }
    }
    date
}

/// The answer deadline of the GP services (seed 001): five working days.
pub const ANSWER_WORKING_DAYS: u32 = 5;

/// Whether something due on `due` is overdue on `today`.
pub fn is_overdue(due: Date, today: Date) -> bool {
    today > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn easter_matches_the_real_calendar_2024_to_2030() {
        let known = [
            (2024, date(2024, 3, 31)),
            (2025, date(2025, 4, 20)),
            (2026, date(2026, 4, 5)),
            (2027, date(2027, 3, 28)),
            (2028, date(2028, 4, 16)),
            (2029, date(2029, 4, 1)),
            (2030, date(2030, 4, 21)),
        ];
        for (year, easter) in known {
            assert_eq!(easter_sunday(year), easter, "{year}");
        }
        // Far from the range above, the edge cases of the algorithm.
        assert_eq!(easter_sunday(1818), date(1818, 3, 22));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
    }

    #[test]
    fn holidays_2026_are_the_official_ones() {
        assert_eq!(
            public_holidays(2026),
            vec![
                date(2026, 1, 1),
                date(2026, 4, 2),
                date(2026, 4, 3),
                date(2026, 4, 6),
                date(2026, 5, 1),
                date(2026, 5, 14),
                date(2026, 5, 17),
                date(2026, 5, 25),
                date(2026, 12, 25),
                date(2026, 12, 26),
            ]
        );
    }

    #[test]
    fn movable_holidays_2024_to_2030() {
        // Maundy Thursday, Good Friday, Easter Monday, Ascension Day, Whit Monday.
        let known = [
            (2024, [(3, 28), (3, 29), (4, 1), (5, 9), (5, 20)]),
            (2025, [(4, 17), (4, 18), (4, 21), (5, 29), (6, 9)]),
            (2026, [(4, 2), (4, 3), (4, 6), (5, 14), (5, 25)]),
            (2027, [(3, 25), (3, 26), (3, 29), (5, 6), (5, 17)]),
            (2028, [(4, 13), (4, 14), (4, 17), (5, 25), (6, 5)]),
            (2029, [(3, 29), (3, 30), (4, 2), (5, 10), (5, 21)]),
            (2030, [(4, 18), (4, 19), (4, 22), (5, 30), (6, 10)]),
        ];
        for (year, days) in known {
            for (month, day) in days {
                assert!(
                    is_public_holiday(date(year, month, day)),
                    "{year}-{month}-{day}"
                );
            }
            assert_eq!(public_holidays(year).len(), 10);
        }
    }

    #[test]
    fn five_working_days_skip_weekends() {
        // Wednesday 25 November 2026 -> Wednesday 2 December.
        assert_eq!(add_working_days(date(2026, 11, 25), 5), date(2026, 12, 2));
        // Friday -> next Friday.
        assert_eq!(add_working_days(date(2026, 11, 27), 5), date(2026, 12, 4));
        // Saturday counts from Monday: due the Monday after.
        assert_eq!(add_working_days(date(2026, 11, 28), 5), date(2026, 12, 7));
    }

    #[test]
    fn five_working_days_skip_easter_and_christmas() {
        // Wednesday before Easter 2026 (1 April): Thu, Fri, Mon are holidays.
        assert_eq!(add_working_days(date(2026, 4, 1), 5), date(2026, 4, 13));
        // 23 December 2026 (Wednesday): 24th, 28th-31st count, 25th-26th do not.
        assert_eq!(add_working_days(date(2026, 12, 23), 5), date(2026, 12, 31));
        // 30 December 2027 (Thursday): 31 Dec, then 1 Jan is a holiday (Saturday anyway).
        assert_eq!(add_working_days(date(2027, 12, 30), 5), date(2028, 1, 6));
        // Around 17 May 2027 (Monday, also Whit Monday) and Ascension 6 May.
        assert_eq!(add_working_days(date(2027, 5, 14), 5), date(2027, 5, 24));
    }

    #[test]
    fn overdue_only_after_the_due_day() {
        assert!(!is_overdue(date(2026, 12, 2), date(2026, 12, 2)));
        assert!(is_overdue(date(2026, 12, 2), date(2026, 12, 3)));
    }

    proptest! {
        #[test]
        fn due_day_is_a_working_day_within_reach(days in 0i64..4000) {
            let start = date(2024, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
            let due = add_working_days(start, 5);
            prop_assert!(is_working_day(due));
            prop_assert!(due > start);
            // Never more than 5 working days plus the longest run of days off (Easter: 5).
            let span = start.until(due).unwrap().get_days();
            prop_assert!(span <= 12, "{start} -> {due}");
            // Exactly five working days lie in (first working day, due].
            let mut first = start;
            while !is_working_day(first) { first = first.tomorrow().unwrap(); }
            let mut count = 0;
            let mut d = first;
            while d < due { d = d.tomorrow().unwrap(); if is_working_day(d) { count += 1; } }
            prop_assert_eq!(count, 5);
        }
    }
}
