//! Moments read in Oslo's time, fast.
//!
//! For a date past the time zone's listed changes, jiff works each conversion out from the rule
//! for summer time, and the pages convert many moments each: the month's calendar about sixty
//! midnights and a time per slot, Innboks a time per thread. So Oslo's midnights from 2000 to
//! 2100 are worked out once from the time zone's rules and kept in order; a day with 24 hours
//! has no change of offset, so a moment in it is its midnight's date and the seconds since.
//! Outside those years, and on the days summer time begins or ends, the rules are asked.

use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time};

use crate::norway_time_zone;

/// Unix seconds of the midnight that begins `day` in Oslo.
pub fn midnight(day: Date) -> Option<i64> {
    let table = Midnights::get();
    let index = day_number(day).and_then(|number| usize::try_from(number - table.first_day).ok());
    match index.and_then(|index| table.days.get(index)) {
        Some(&(midnight, _)) => Some(midnight),
        None => midnight_by_rules(day),
    }
}

/// Unix seconds of the midnight that begins the day in Oslo that `at` falls in.
pub fn day_start(at: i64) -> Option<i64> {
    match Midnights::get().day_of(at) {
        Some((index, _)) => Some(Midnights::get().days[index].0),
        None => midnight_by_rules(datetime_by_rules(at)?.date()),
    }
}

/// The date and time on a clock in Oslo at `at` (Unix seconds).
pub fn datetime(at: i64) -> Option<DateTime> {
    if let Some((index, next)) = Midnights::get().day_of(at) {
        let (midnight, date) = Midnights::get().days[index];
        if next - midnight == 86_400 {
            let since = at - midnight;
            let time = Time::new(
                i8::try_from(since / 3_600).ok()?,
                i8::try_from(since % 3_600 / 60).ok()?,
                i8::try_from(since % 60).ok()?,
                0,
            )
            .ok()?;
            return Some(date.to_datetime(time));
        }
    }
    datetime_by_rules(at)
}

fn midnight_by_rules(day: Date) -> Option<i64> {
    norway_time_zone()
        .to_timestamp(day.to_datetime(Time::midnight()))
        .ok()
        .map(|t| t.as_second())
}

fn datetime_by_rules(at: i64) -> Option<DateTime> {
    let at = jiff::Timestamp::from_second(at).ok()?;
    Some(norway_time_zone().to_datetime(at))
}

/// Days since 1970-01-01 (the same in every time zone's calendar).
fn day_number(day: Date) -> Option<i64> {
    let midnight = day.to_datetime(Time::midnight());
    let seconds = jiff::tz::Offset::UTC
        .to_timestamp(midnight)
        .ok()?
        .as_second();
    Some(seconds.div_euclid(86_400))
}

struct Midnights {
    /// The day number of the first day.
    first_day: i64,
    /// Each day's midnight (Unix seconds) and date, in order.
    days: Vec<(i64, Date)>,
}

impl Midnights {
    fn get() -> &'static Self {
        static TABLE: LazyLock<Midnights> = LazyLock::new(|| {
            let first = jiff::civil::date(2000, 1, 1);
            let days: Option<Vec<(i64, Date)>> = first
                .series(jiff::Span::new().days(1))
                .take_while(|day| day.year() < 2100)
                .map(|day| Some((midnight_by_rules(day)?, day)))
                .collect();
            // Without every midnight in order, the rules are asked every time.
            let days = days
                .filter(|days| days.is_sorted_by_key(|&(midnight, _)| midnight))
                .unwrap_or_default();
            Midnights {
                first_day: day_number(first).unwrap_or(0),
                days,
            }
        });
        &TABLE
    }

    /// The day `at` falls in, as its index, with the next day's midnight; `None` outside the
    /// table's last day and before its first.
    fn day_of(&self, at: i64) -> Option<(usize, i64)> {
        let after = self.days.partition_point(|&(midnight, _)| midnight <= at);
        let next = self.days.get(after)?.0;
        Some((after.checked_sub(1)?, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_midnights_and_clock_times_are_the_time_zone_rules() {
        // Every half hour and each second around each midnight for three years (six changes to
        // and from summer time), then each midnight to 2100.
        let start = midnight_by_rules(jiff::civil::date(2025, 1, 1)).unwrap();
        for step in 0..3 * 366 * 48 {
            let at = start + step * 1_800 + 7;
            let by_rules = datetime_by_rules(at).unwrap();
            assert_eq!(datetime(at), Some(by_rules), "{at}");
            assert_eq!(day_start(at), midnight_by_rules(by_rules.date()), "{at}");
        }
        let mut days = 0;
        for day in jiff::civil::date(2000, 1, 1)
            .series(jiff::Span::new().days(1))
            .take_while(|day| day.year() < 2100)
        {
            let at = midnight(day).unwrap();
            assert_eq!(Some(at), midnight_by_rules(day), "{day}");
            assert_eq!(day_start(at), Some(at), "{day}");
            assert_eq!(datetime(at), datetime_by_rules(at), "{day}");
            assert_eq!(datetime(at - 1), datetime_by_rules(at - 1), "{day}");
            days += 1;
        }
        assert_eq!(Midnights::get().days.len(), days);
        // Outside the kept years the rules answer.
        for day in [jiff::civil::date(1999, 6, 1), jiff::civil::date(2100, 7, 1)] {
            let noon = midnight_by_rules(day).unwrap() + 12 * 3_600;
            assert_eq!(day_start(noon), midnight_by_rules(day));
            assert_eq!(midnight(day), midnight_by_rules(day));
            assert_eq!(datetime(noon), datetime_by_rules(noon));
        }
    }

    #[test]
    fn days_of_summer_time_changes_have_23_and_25_hours() {
        let spring = jiff::civil::date(2026, 3, 29);
        let autumn = jiff::civil::date(2026, 10, 25);
        let length =
            |day: Date| midnight(day.tomorrow().unwrap()).unwrap() - midnight(day).unwrap();
        assert_eq!(length(spring), 23 * 3_600);
        assert_eq!(length(autumn), 25 * 3_600);
        // 03:30 on the spring day is 02:30 after midnight.
        let at = midnight(spring).unwrap() + 2 * 3_600 + 1_800;
        assert_eq!(datetime(at).unwrap().time(), jiff::civil::time(3, 30, 0, 0));
    }
}
