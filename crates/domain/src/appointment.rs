//! Appointments (seeds 002 and 003): the kinds of slot, what a booking goes through, when it
//! may be cancelled, slots made from a weekly template, and the month calendar.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// The kinds of appointment a slot offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentType {
    /// At the office ("Time med fysisk oppmøte", shown as "Konsultasjon").
    Konsultasjon,
    Videotime,
    Telefontime,
    /// Kept for urgent matters; the office often releases them on the day.
    Hastetime,
}

impl AppointmentType {
    pub const ALL: [AppointmentType; 4] = [
        Self::Konsultasjon,
        Self::Videotime,
        Self::Telefontime,
        Self::Hastetime,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Konsultasjon => "konsultasjon",
            Self::Videotime => "videotime",
            Self::Telefontime => "telefontime",
            Self::Hastetime => "hastetime",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Whether the appointment happens away from the office (its place is the type itself,
    /// seed 002: "Oppmøtested: Telefontime").
    pub fn is_remote(self) -> bool {
        matches!(self, Self::Videotime | Self::Telefontime)
    }
}

/// What a slot is for: an ordinary appointment, or the flu vaccine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotPurpose {
    Ordinary,
    FluVaccine,
}

impl SlotPurpose {
    pub fn code(self) -> &'static str {
        match self {
            Self::Ordinary => "time",
            Self::FluVaccine => "influensavaksine",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Ordinary, Self::FluVaccine]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// Where a booking stands. A request holds its slot until the office answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Sent by the citizen; "Bestillingen er kun en forespørsel."
    Requested,
    /// Confirmed by the office ("Tildelt").
    Confirmed,
    Rejected,
    Cancelled,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 4] = [
        Self::Requested,
        Self::Confirmed,
        Self::Rejected,
        Self::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "forespurt",
            Self::Confirmed => "tildelt",
            Self::Rejected => "avvist",
            Self::Cancelled => "avbestilt",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether a booking in this state keeps others from the slot.
    pub fn holds_slot(self) -> bool {
        matches!(self, Self::Requested | Self::Confirmed)
    }
}

/// The citizen may cancel until `notice_hours` before the start (the office's rule; 24 hours
/// by default); later they must call the office.
pub fn may_cancel(starts_at: i64, now: i64, notice_hours: i64) -> bool {
    now <= starts_at - notice_hours * 3600
}

pub const DEFAULT_CANCEL_NOTICE_HOURS: i64 = 24;

/// A weekly pattern of slots the office publishes over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyTemplate {
    pub weekdays: Vec<Weekday>,
    /// Start of the first slot of each day.
    pub day_start: Time,
    /// No slot ends after this.
    pub day_end: Time,
    pub length_minutes: i64,
}

/// Why a template cannot make slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateError {
    NoWeekdays,
    BadLength,
    EndBeforeStart,
    PeriodTooLong,
}

/// Longest period a template may fill at once.
pub const MAX_TEMPLATE_DAYS: i64 = 366;

impl WeeklyTemplate {
    /// The slot start times (Unix seconds) from `from` to `to` inclusive, in the office's
    /// time zone, skipping public holidays and the office's closing days. Daylight-saving
    /// changes keep the local wall-clock times.
    pub fn slots(
        &self,
        from: Date,
        to: Date,
        closed: &[Date],
        tz: &TimeZone,
    ) -> Result<Vec<i64>, TemplateError> {
        if self.weekdays.is_empty() {
            return Err(TemplateError::NoWeekdays);
        }
        if !(5..=240).contains(&self.length_minutes) {
            return Err(TemplateError::BadLength);
        }
        if self.day_end <= self.day_start {
            return Err(TemplateError::EndBeforeStart);
        }
        let days = from
            .until(to)
            .map(|span| span.get_days())
            .unwrap_or(i32::MAX);
        if i64::from(days) > MAX_TEMPLATE_DAYS || days < 0 {
            return Err(TemplateError::PeriodTooLong);
        }
        let mut starts = Vec::new();
        let mut day = from;
        while day <= to {
            if self.weekdays.contains(&day.weekday())
                && !crate::working_days::is_public_holiday(day)
                && !closed.contains(&day)
            {
                let mut start = self.day_start;
                loop {
                    let Ok(end) = start.checked_add(jiff::Span::new().minutes(self.length_minutes))
                    else {
                        break;
                    };
                    if end > self.day_end || end <= start {
                        break;
                    }
                    if let Ok(zoned) = day.to_datetime(start).to_zoned_datetime(tz.clone()) {
                        starts.push(zoned.timestamp().as_second());
                    }
                    start = end;
                }
            }
            let Some(next) = day.tomorrow().ok() else {
                break;
            };
            day = next;
        }
        Ok(starts)
    }
}

/// The weeks of a month for a calendar that starts on Monday: `None` pads the first and last
/// week.
pub fn month_grid(year: i16, month: i8) -> Vec<[Option<Date>; 7]> {
    let Ok(first) = Date::new(year, month, 1) else {
        return Vec::new();
    };
    let lead = usize::try_from(first.weekday().to_monday_zero_offset()).unwrap_or(0);
    let days_in_month = usize::try_from(first.days_in_month()).unwrap_or(0);
    let mut cells: Vec<Option<Date>> = vec![None; lead];
    cells.extend(
        (1..=days_in_month)
            .filter_map(|d| Date::new(year, month, i8::try_from(d).ok()?).ok())
            .map(Some),
    );
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    cells
        .chunks(7)
        .map(|week| std::array::from_fn(|i| week[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn oslo() -> TimeZone {
        TimeZone::get("Europe/Oslo").unwrap()
    }

    #[test]
    fn codes_round_trip() {
        for t in AppointmentType::ALL {
            assert_eq!(AppointmentType::from_code(t.code()), Some(t));
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(
            SlotPurpose::from_code("influensavaksine"),
            Some(SlotPurpose::FluVaccine)
        );
        assert!(AppointmentType::Telefontime.is_remote());
        assert!(!AppointmentType::Konsultasjon.is_remote());
    }

    #[test]
    fn only_open_requests_and_confirmed_bookings_hold_the_slot() {
        assert!(BookingStatus::Requested.holds_slot());
        assert!(BookingStatus::Confirmed.holds_slot());
        assert!(!BookingStatus::Rejected.holds_slot());
        assert!(!BookingStatus::Cancelled.holds_slot());
    }

    #[test]
    fn cancelling_is_allowed_until_24_hours_before() {
        let start = 1_000_000;
        assert!(may_cancel(start, start - 24 * 3600, 24));
        assert!(!may_cancel(start, start - 24 * 3600 + 1, 24));
        assert!(may_cancel(start, start - 3 * 3600, 2));
    }

    #[test]
    fn weekly_template_fills_working_days_only() {
        let template = WeeklyTemplate {
            weekdays: vec![Weekday::Monday, Weekday::Wednesday],
            day_start: time(8, 0, 0, 0),
            day_end: time(9, 30, 0, 0),
            length_minutes: 30,
        };
        // Week of 30 March 2026: Monday 30 March; Wednesday 1 April; then Easter Monday 6
        // April is a holiday, Wednesday 8 April is not; 1 April is closed by the office.
        let slots = template
            .slots(
                date(2026, 3, 30),
                date(2026, 4, 8),
                &[date(2026, 4, 1)],
                &oslo(),
            )
            .unwrap();
        let shown: Vec<String> = slots
            .iter()
            .map(|s| {
                jiff::Timestamp::from_second(*s)
                    .unwrap()
                    .to_zoned_datetime(oslo())
                    .strftime("%m-%d %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(
            shown,
            [
                "03-30 08:00",
                "03-30 08:30",
                "03-30 09:00",
                "04-08 08:00",
                "04-08 08:30",
                "04-08 09:00"
            ]
        );
    }

    #[test]
    fn daylight_saving_keeps_the_wall_clock() {
        let template = WeeklyTemplate {
            weekdays: vec![Weekday::Friday, Weekday::Monday],
            day_start: time(8, 0, 0, 0),
            day_end: time(8, 30, 0, 0),
            length_minutes: 30,
        };
        // Summer time starts Sunday 29 March 2026: 08:00 is 07:00 UTC before, 06:00 after.
        let slots = template
            .slots(date(2026, 3, 27), date(2026, 3, 30), &[], &oslo())
            .unwrap();
        assert_eq!(slots.len(), 2);
        assert_eq!(slots[1] - slots[0], 3 * 24 * 3600 - 3600);
    }

    #[test]
    fn bad_templates_are_refused() {
        let base = WeeklyTemplate {
            weekdays: vec![Weekday::Monday],
            day_start: time(8, 0, 0, 0),
            day_end: time(16, 0, 0, 0),
            length_minutes: 30,
        };
        let tz = oslo();
        let mut t = base.clone();
        t.weekdays.clear();
        assert_eq!(
            t.slots(date(2026, 1, 1), date(2026, 1, 31), &[], &tz),
            Err(TemplateError::NoWeekdays)
        );
        let mut t = base.clone();
        t.length_minutes = 0;
        assert_eq!(
            t.slots(date(2026, 1, 1), date(2026, 1, 31), &[], &tz),
            Err(TemplateError::BadLength)
        );
        let mut t = base.clone();
        t.day_end = time(7, 0, 0, 0);
        assert_eq!(
            t.slots(date(2026, 1, 1), date(2026, 1, 31), &[], &tz),
            Err(TemplateError::EndBeforeStart)
        );
        assert_eq!(
            base.slots(date(2026, 1, 1), date(2028, 1, 31), &[], &tz),
            Err(TemplateError::PeriodTooLong)
        );
        assert_eq!(
            base.slots(date(2026, 2, 1), date(2026, 1, 31), &[], &tz),
            Err(TemplateError::PeriodTooLong)
        );
    }

    #[test]
    fn november_2023_starts_on_wednesday_as_in_the_seed() {
        let weeks = month_grid(2023, 11);
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0], None);
        assert_eq!(weeks[0][1], None);
        assert_eq!(weeks[0][2], Some(date(2023, 11, 1)));
        assert_eq!(weeks[4][3], Some(date(2023, 11, 30)));
        assert_eq!(weeks[4][4], None);
    }
}
