//! What pages and documents are made of: the page frame every template fills, the shared
//! formatting of dates, times and sizes, and the PDF writer.

pub mod dates;
pub mod layout;
pub mod pdf;
pub mod sizes;
