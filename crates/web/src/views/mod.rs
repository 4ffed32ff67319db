//! What pages and documents are made of: the page frame every template fills, the shared
//! formatting of dates, times and sizes, the text field of the forms and the PDF writer.

pub mod dates;
pub mod layout;
pub mod pdf;
pub mod sizes;
pub mod text_field;
