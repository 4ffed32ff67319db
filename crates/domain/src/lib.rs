//! Helseportal's rules and types.
//!
//! Nothing here talks to a database, the web or the clock: time is always a parameter,
//! so every rule can be tested with any date.

pub mod appointment;
pub mod attachment;
pub mod consent;
pub mod contact;
pub mod econsultation;
pub mod fodselsnummer;
pub mod ical;
pub mod notification;
pub mod office;
pub mod oslo;
pub mod person;
pub mod prescription;
pub mod text;
pub mod working_days;

pub use consent::ConsentLevel;
pub use fodselsnummer::{Fodselsnummer, FodselsnummerError, NumberKind};
pub use office::{GpService, PractitionerKind, StaffRole};
pub use person::{PersonName, RepresentationFacts, may_represent_child};

/// Norway's time zone, in which every date and time the portal shows or decides on is read.
/// Looked up once: pages convert many times each (a month's calendar, a list of threads).
/// Lent rather than cloned: a clone counts a reference shared by every thread, which showed in
/// the profile of the calendar's many conversions.
pub fn norway_time_zone() -> &'static jiff::tz::TimeZone {
    static ZONE: std::sync::LazyLock<jiff::tz::TimeZone> =
        std::sync::LazyLock::new(|| match jiff::tz::TimeZone::get("Europe/Oslo") {
            Ok(zone) => zone,
            // The zone database is bundled into the binary (jiff's `tzdb-bundle-always`), so
            // this is a broken build: stopping beats showing every time an hour or two wrong.
            // The binaries look the zone up at start, so it stops there.
            Err(error) => panic!("the Europe/Oslo time zone is missing: {error}"),
        });
    &ZONE
}

#[cfg(test)]
mod tests {
    #[test]
    fn norway_is_an_hour_ahead_of_utc_in_winter_and_two_in_summer() {
        let offset = |date: jiff::civil::Date| {
            date.at(12, 0, 0, 0)
                .to_zoned_datetime(super::norway_time_zone().clone())
                .map(|zoned| zoned.offset().seconds())
                .ok()
        };
        assert_eq!(offset(jiff::civil::date(2026, 1, 15)), Some(3600));
        assert_eq!(offset(jiff::civil::date(2026, 7, 15)), Some(7200));
    }
}
