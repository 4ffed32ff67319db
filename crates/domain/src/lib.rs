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
pub mod person;
pub mod prescription;
pub mod text;
pub mod working_days;

pub use consent::ConsentLevel;
pub use fodselsnummer::{Fodselsnummer, FodselsnummerError, NumberKind};
pub use office::{GpService, PractitionerKind, StaffRole};
pub use person::{PersonName, RepresentationFacts, may_represent_child};
