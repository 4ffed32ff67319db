//! People in the person register, and who may act for a child.

use jiff::civil::Date;

use crate::fodselsnummer::age_on;

/// A person's name as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub given: String,
    pub family: String,
}

impl PersonName {
    pub fn full(&self) -> String {
        format!("{} {}", self.given, self.family)
    }

    /// The name used in greetings: all given names, as seed 002 greets "Hei, Kurt Håkon".
    pub fn greeting(&self) -> &str {
        &self.given
    }
}

/// The facts the representation rule needs about a parent and a child.
#[derive(Debug, Clone)]
pub struct RepresentationFacts<'a> {
    pub child_birth_date: Date,
    /// Whether the parent holds parental responsibility for the child.
    pub parental_responsibility: bool,
    pub parent_address: &'a str,
    pub child_address: &'a str,
}

/// A parent may use GP services for a child under 16 when the parent has parental
/// responsibility and is registered at the child's address (seed 001). If no parent lives at
/// the child's address, nobody may.
pub fn may_represent_child(facts: &RepresentationFacts<'_>, today: Date) -> bool {
    facts.parental_responsibility
        && age_on(facts.child_birth_date, today) < 16
        && normalise_address(facts.parent_address) == normalise_address(facts.child_address)
}

fn normalise_address(address: &str) -> String {
    address
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn facts<'a>(
        born: Date,
        responsibility: bool,
        parent: &'a str,
        child: &'a str,
    ) -> RepresentationFacts<'a> {
        RepresentationFacts {
            child_birth_date: born,
            parental_responsibility: responsibility,
            parent_address: parent,
            child_address: child,
        }
    }

    #[test]
    fn parent_at_same_address_represents_child_under_16() {
        let f = facts(
            date(2018, 3, 1),
            true,
            "Solveien 1, 0150 Oslo",
            "Solveien 1,  0150 OSLO",
        );
        assert!(may_represent_child(&f, date(2026, 11, 25)));
    }

    #[test]
    fn nobody_represents_a_child_of_16() {
        let f = facts(date(2010, 11, 25), true, "Solveien 1", "Solveien 1");
        assert!(may_represent_child(&f, date(2026, 11, 24)));
        assert!(!may_represent_child(&f, date(2026, 11, 25)));
    }

    #[test]
    fn parent_elsewhere_or_without_responsibility_may_not() {
        let elsewhere = facts(date(2018, 3, 1), true, "Månegata 2", "Solveien 1");
        assert!(!may_represent_child(&elsewhere, date(2026, 11, 25)));
        let no_responsibility = facts(date(2018, 3, 1), false, "Solveien 1", "Solveien 1");
        assert!(!may_represent_child(&no_responsibility, date(2026, 11, 25)));
    }

    #[test]
    fn greeting_uses_all_given_names() {
        let name = PersonName {
            given: "Kurt Håkon".into(),
            family: "Berg".into(),
        };
        assert_eq!(name.greeting(), "Kurt Håkon");
        assert_eq!(name.full(), "Kurt Håkon Berg");
    }
}
