//! The view of one text field as `text_field.html` shows it: label, hint, value, the character
//! counter and the field's error.

pub(crate) struct TextField {
    pub(crate) name: &'static str,
    pub(crate) label: String,
    pub(crate) hint: String,
    pub(crate) value: String,
    pub(crate) max: usize,
    pub(crate) count: String,
    pub(crate) error: Option<String>,
    pub(crate) multiline: bool,
}
