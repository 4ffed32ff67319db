//! The three consent levels a citizen chooses at first login (seed 004).

use serde::{Deserialize, Serialize};

/// Ordered: each level allows everything the one below allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ConsentLevel {
    /// Services without health information about the citizen.
    Basis,
    /// Basis, and messages in Innboks with notifications.
    BasisPluss,
    /// Everything, among it the GP services and one's health information.
    FullTilgang,
}

impl ConsentLevel {
    pub const ALL: [ConsentLevel; 3] = [Self::Basis, Self::BasisPluss, Self::FullTilgang];

    /// Stable code, stored in the database and used in forms.
    pub fn code(self) -> &'static str {
        match self {
            Self::Basis => "basis",
            Self::BasisPluss => "basis-pluss",
            Self::FullTilgang => "full-tilgang",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.code() == code)
    }

    /// Whether this level allows what `needed` requires.
    pub fn allows(self, needed: ConsentLevel) -> bool {
        self >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for level in ConsentLevel::ALL {
            assert_eq!(ConsentLevel::from_code(level.code()), Some(level));
        }
        assert_eq!(ConsentLevel::from_code("full"), None);
    }

    #[test]
    fn only_full_access_allows_gp_services() {
        assert!(!ConsentLevel::Basis.allows(ConsentLevel::FullTilgang));
        assert!(!ConsentLevel::BasisPluss.allows(ConsentLevel::FullTilgang));
        assert!(ConsentLevel::FullTilgang.allows(ConsentLevel::FullTilgang));
        assert!(ConsentLevel::FullTilgang.allows(ConsentLevel::Basis));
    }
}
