//! GP offices: the five services they may offer, the kinds of practitioners, the staff roles.

use serde::{Deserialize, Serialize};

use crate::ConsentLevel;

/// The five GP services (seeds 001 and 003). Each office chooses which it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GpService {
    BestillTime,
    EKonsultasjon,
    FornyResept,
    KontaktLegekontoret,
    Influensavaksine,
}

impl GpService {
    /// In the order the citizen sees them on "Din fastlege".
    pub const ALL: [GpService; 5] = [
        Self::BestillTime,
        Self::EKonsultasjon,
        Self::FornyResept,
        Self::KontaktLegekontoret,
        Self::Influensavaksine,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::BestillTime => "bestill-time",
            Self::EKonsultasjon => "e-konsultasjon",
            Self::FornyResept => "forny-resept",
            Self::KontaktLegekontoret => "kontakt-legekontoret",
            Self::Influensavaksine => "influensavaksine",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|service| service.code() == code)
    }

    /// All GP services need consent to "Full tilgang" (seed 001: "Disse tjenestene krever
    /// samtykke til Full tilgang").
    pub fn required_consent(self) -> ConsentLevel {
        ConsentLevel::FullTilgang
    }
}

/// What a practitioner at an office is (seed 002: "Benedikte fastlege", "Ingar (vikar for
/// fastlege)", "Arna (jordmor)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PractitionerKind {
    Fastlege,
    Vikar,
    Turnuslege,
    Jordmor,
    Sykepleier,
    /// A contract specialist ("avtalespesialist"), e.g. a dermatologist.
    Spesialist,
}

impl PractitionerKind {
    pub const ALL: [PractitionerKind; 6] = [
        Self::Fastlege,
        Self::Vikar,
        Self::Turnuslege,
        Self::Jordmor,
        Self::Sykepleier,
        Self::Spesialist,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Fastlege => "fastlege",
            Self::Vikar => "vikar",
            Self::Turnuslege => "turnuslege",
            Self::Jordmor => "jordmor",
            Self::Sykepleier => "sykepleier",
            Self::Spesialist => "spesialist",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Whether citizens can address e-consultations to this practitioner (doctors and
    /// specialists; others at the office may still read and answer them).
    pub fn takes_econsultations(self) -> bool {
        matches!(
            self,
            Self::Fastlege | Self::Vikar | Self::Turnuslege | Self::Spesialist
        )
    }

    /// Whether this practitioner can hold a GP list of their own.
    pub fn can_hold_gp_list(self) -> bool {
        self == Self::Fastlege
    }
}

/// Roles of staff on the GP-office side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffRole {
    Lege,
    Resepsjon,
    Kontorleder,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [Self::Lege, Self::Resepsjon, Self::Kontorleder];

    pub fn code(self) -> &'static str {
        match self {
            Self::Lege => "lege",
            Self::Resepsjon => "resepsjon",
            Self::Kontorleder => "kontorleder",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.code() == code)
    }

    /// Whether this role may open (and answer) what citizens send of this kind: reception and
    /// the office manager handle "Kontakt legekontoret" and booking requests; only health
    /// personnel ("lege") open e-consultations and renewals, which hold health information.
    pub fn may_open(self, kind: GpService) -> bool {
        match kind {
            GpService::KontaktLegekontoret
            | GpService::BestillTime
            | GpService::Influensavaksine => true,
            GpService::EKonsultasjon | GpService::FornyResept => self == Self::Lege,
        }
    }

    /// Only the office manager decides which services the office offers.
    pub fn may_choose_services(self) -> bool {
        self == Self::Kontorleder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in GpService::ALL {
            assert_eq!(GpService::from_code(s.code()), Some(s));
        }
        for k in PractitionerKind::ALL {
            assert_eq!(PractitionerKind::from_code(k.code()), Some(k));
        }
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::from_code(r.code()), Some(r));
        }
        assert_eq!(GpService::from_code("bestill"), None);
    }

    #[test]
    fn every_gp_service_needs_full_access() {
        for s in GpService::ALL {
            assert_eq!(s.required_consent(), ConsentLevel::FullTilgang);
        }
    }

    #[test]
    fn only_the_office_manager_chooses_services() {
        assert!(StaffRole::Kontorleder.may_choose_services());
        assert!(!StaffRole::Lege.may_choose_services());
        assert!(!StaffRole::Resepsjon.may_choose_services());
    }

    #[test]
    fn reception_may_not_open_e_consultations() {
        assert!(StaffRole::Lege.may_open(GpService::EKonsultasjon));
        assert!(!StaffRole::Resepsjon.may_open(GpService::EKonsultasjon));
        assert!(!StaffRole::Kontorleder.may_open(GpService::EKonsultasjon));
        for role in StaffRole::ALL {
            assert!(role.may_open(GpService::KontaktLegekontoret));
            assert!(role.may_open(GpService::BestillTime));
            assert!(role.may_open(GpService::Influensavaksine));
        }
        assert!(!StaffRole::Resepsjon.may_open(GpService::FornyResept));
    }

    #[test]
    fn only_a_fastlege_holds_a_list() {
        assert!(PractitionerKind::Fastlege.can_hold_gp_list());
        assert!(!PractitionerKind::Vikar.can_hold_gp_list());
        assert!(!PractitionerKind::Jordmor.can_hold_gp_list());
    }
}
