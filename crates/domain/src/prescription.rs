//! Prescriptions ("Resepter", seed 004) and their renewal ("Forny resept", seed 001): which
//! appear in the overview and the history, and which may be renewed online.

use jiff::civil::Date;

/// The prescription group of a medicine. Groups A (narcotics) and B (addictive medicines) are
/// controlled: they cannot be renewed online and need a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrugGroup {
    A,
    B,
    C,
}

impl DrugGroup {
    pub fn code(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::A, Self::B, Self::C]
            .into_iter()
            .find(|g| g.code() == code)
    }

    pub fn is_controlled(self) -> bool {
        matches!(self, Self::A | Self::B)
    }
}

/// Where a prescription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrescriptionStatus {
    Active,
    /// Replaced by a renewal.
    Renewed,
    Cancelled,
}

impl PrescriptionStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "aktiv",
            Self::Renewed => "fornyet",
            Self::Cancelled => "avsluttet",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Active, Self::Renewed, Self::Cancelled]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Why a prescription cannot be renewed online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRenewable {
    /// Group A or B: controlled drugs need a consultation.
    Controlled,
    /// Already renewed or stopped.
    NotActive,
    /// A renewal has been asked for and awaits the GP.
    Pending,
    /// Expired more than a year ago: the GP needs to see the patient.
    ExpiredLongAgo,
}

impl NotRenewable {
    pub fn code(self) -> &'static str {
        match self {
            Self::Controlled => "controlled",
            Self::NotActive => "not-active",
            Self::Pending => "pending",
            Self::ExpiredLongAgo => "expired-long-ago",
        }
    }
}

/// The facts the rules need about one prescription.
#[derive(Debug, Clone, Copy)]
pub struct PrescriptionFacts {
    pub group: DrugGroup,
    pub status: PrescriptionStatus,
    pub prescribed_on: Date,
    pub expires_on: Date,
    /// The last time it was dispensed at a pharmacy, if ever.
    pub last_dispensed_on: Option<Date>,
    pub renewal_pending: bool,
}

fn years_before(day: Date, years: i16) -> Date {
    day.checked_sub(jiff::Span::new().years(years))
        .unwrap_or(Date::MIN)
}

/// The "Resepter" tab: prescriptions still valid, and those dispensed in the last 12 months.
pub fn in_overview(p: &PrescriptionFacts, today: Date) -> bool {
    let year_ago = years_before(today, 1);
    (p.status == PrescriptionStatus::Active && p.expires_on >= today)
        || p.last_dispensed_on.is_some_and(|d| d >= year_ago)
}

/// The "Resepthistorikk" tab: everything prescribed or dispensed in the last three years.
pub fn in_history(p: &PrescriptionFacts, today: Date) -> bool {
    let three_years_ago = years_before(today, 3);
    p.prescribed_on >= three_years_ago || p.last_dispensed_on.is_some_and(|d| d >= three_years_ago)
}

/// Whether the citizen may ask for renewal online, and why not.
pub fn renewable_online(p: &PrescriptionFacts, today: Date) -> Result<(), NotRenewable> {
    if p.group.is_controlled() {
        Err(NotRenewable::Controlled)
    } else if p.status != PrescriptionStatus::Active {
        Err(NotRenewable::NotActive)
    } else if p.renewal_pending {
        Err(NotRenewable::Pending)
    } else if p.expires_on < years_before(today, 1) {
        Err(NotRenewable::ExpiredLongAgo)
    } else {
        Ok(())
    }
}

/// How long a renewed prescription is valid (a year, as for most prescriptions).
pub const RENEWAL_VALID_MONTHS: i16 = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn facts(
        group: DrugGroup,
        prescribed: Date,
        expires: Date,
        dispensed: Option<Date>,
    ) -> PrescriptionFacts {
        PrescriptionFacts {
            group,
            status: PrescriptionStatus::Active,
            prescribed_on: prescribed,
            expires_on: expires,
            last_dispensed_on: dispensed,
            renewal_pending: false,
        }
    }

    const TODAY: Date = date(2026, 11, 25);

    #[test]
    fn overview_holds_valid_ones_and_those_dispensed_within_twelve_months() {
        let valid = facts(DrugGroup::C, date(2026, 3, 1), date(2027, 3, 1), None);
        assert!(in_overview(&valid, TODAY));
        let expired_but_dispensed = facts(
            DrugGroup::C,
            date(2025, 1, 1),
            date(2026, 1, 1),
            Some(date(2025, 11, 25)),
        );
        assert!(
            in_overview(&expired_but_dispensed, TODAY),
            "dispensed exactly twelve months ago"
        );
        let older = facts(
            DrugGroup::C,
            date(2025, 1, 1),
            date(2026, 1, 1),
            Some(date(2025, 11, 24)),
        );
        assert!(!in_overview(&older, TODAY));
        let mut renewed = valid;
        renewed.status = PrescriptionStatus::Renewed;
        assert!(
            !in_overview(&renewed, TODAY),
            "a renewed one is replaced by its renewal"
        );
    }

    #[test]
    fn history_reaches_three_years_back() {
        let old = facts(DrugGroup::C, date(2023, 11, 25), date(2024, 11, 25), None);
        assert!(in_history(&old, TODAY));
        let older = facts(DrugGroup::C, date(2023, 11, 24), date(2024, 11, 24), None);
        assert!(!in_history(&older, TODAY));
        let dispensed_late = facts(
            DrugGroup::C,
            date(2022, 1, 1),
            date(2024, 1, 1),
            Some(date(2024, 1, 1)),
        );
        assert!(in_history(&dispensed_late, TODAY));
    }

    #[test]
    fn controlled_drugs_are_never_renewable_online() {
        for group in [DrugGroup::A, DrugGroup::B] {
            let p = facts(group, date(2026, 6, 1), date(2027, 6, 1), None);
            assert_eq!(renewable_online(&p, TODAY), Err(NotRenewable::Controlled));
        }
        let c = facts(DrugGroup::C, date(2026, 6, 1), date(2027, 6, 1), None);
        assert_eq!(renewable_online(&c, TODAY), Ok(()));
    }

    #[test]
    fn pending_renewed_and_long_expired_are_not_renewable() {
        let mut p = facts(DrugGroup::C, date(2026, 6, 1), date(2027, 6, 1), None);
        p.renewal_pending = true;
        assert_eq!(renewable_online(&p, TODAY), Err(NotRenewable::Pending));
        p.renewal_pending = false;
        p.status = PrescriptionStatus::Renewed;
        assert_eq!(renewable_online(&p, TODAY), Err(NotRenewable::NotActive));
        let expired = facts(DrugGroup::C, date(2024, 6, 1), date(2025, 6, 1), None);
        assert_eq!(
            renewable_online(&expired, TODAY),
            Err(NotRenewable::ExpiredLongAgo)
        );
        let recently_expired = facts(DrugGroup::C, date(2025, 6, 1), date(2026, 6, 1), None);
        assert_eq!(
            renewable_online(&recently_expired, TODAY),
            Ok(()),
            "an expired one may be renewed within a year"
        );
    }

    #[test]
    fn codes_round_trip() {
        for g in [DrugGroup::A, DrugGroup::B, DrugGroup::C] {
            assert_eq!(DrugGroup::from_code(g.code()), Some(g));
        }
        for s in [
            PrescriptionStatus::Active,
            PrescriptionStatus::Renewed,
            PrescriptionStatus::Cancelled,
        ] {
            assert_eq!(PrescriptionStatus::from_code(s.code()), Some(s));
        }
    }
}
