//! File sizes as the pages show them.

/// "512 kB", "1,5 MB": a decimal comma, as Norwegian writes it.
pub(crate) fn file_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}
