//! Attachments to messages: JPG, PNG or PDF, judged by the file's content, not its name; at
//! most 3 files and 20 MB together (seed 000).

/// The file types the portal accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }
}

pub const MAX_FILES: usize = 3;
pub const MAX_TOTAL_BYTES: usize = 20 * 1024 * 1024;

/// Why a file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileError {
    Empty,
    /// Not JPG, PNG or PDF by its content, whatever its name says.
    WrongType,
    /// It starts like an accepted type but is cut off or broken.
    Broken,
    TooMany,
    TooLarge,
}

impl FileError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "file-empty",
            Self::WrongType => "file-wrong-type",
            Self::Broken => "file-broken",
            Self::TooMany => "file-too-many",
            Self::TooLarge => "file-too-large",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Recognises a file by its bytes and checks that it is whole: a PNG starts with its
/// signature and IHDR and ends with IEND; a JPEG starts with SOI and ends with EOI; a PDF
/// starts with `%PDF-` and has `%%EOF` near its end.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        let whole = bytes.len() >= 8 + 25 + 12
            && &bytes[12..16] == b"IHDR"
            && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND";
        return if whole {
            Ok(FileKind::Png)
        } else {
            Err(FileError::Broken)
        };
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let trimmed = trim_trailing_padding(bytes);
        return if trimmed.len() >= 4 && trimmed.ends_with(&[0xFF, 0xD9]) {
            Ok(FileKind::Jpeg)
        } else {
            Err(FileError::Broken)
        };
    }
    if bytes.starts_with(b"%PDF-") {
        let tail_start = bytes.len().saturating_sub(1024);
        let tail = &bytes[tail_start..];
        return if tail.windows(5).any(|w| w == b"%%EOF") {
            Ok(FileKind::Pdf)
        } else {
            Err(FileError::Broken)
        };
    }
    Err(FileError::WrongType)
}

/// Some writers pad files with zeros or line breaks after the end marker.
fn trim_trailing_padding(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, 0 | b'\n' | b'\r'))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Whether one more file of `size` bytes may join `count` files of `total` bytes.
pub fn check_room(count: usize, total: usize, size: usize) -> Result<(), FileError> {
    if count >= MAX_FILES {
        Err(FileError::TooMany)
    } else if total + size > MAX_TOTAL_BYTES {
        Err(FileError::TooLarge)
    } else {
        Ok(())
    }
}

/// The name a person gave a file, safe to show: the last path part, without control
/// characters or quotes, at most 100 characters.
pub fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>'))
        .take(100)
        .collect();
    cleaned.trim().trim_start_matches('.').to_owned()
}

/// A file name safe to show and to offer for download: the last path part, without control
/// characters or quotes, at most 100 characters, with an extension that matches the content.
pub fn safe_file_name(name: &str, kind: FileKind) -> String {
    let cleaned = display_name(name);
    let stem = cleaned
        .rsplit_once('.')
        .map_or(cleaned.as_str(), |(stem, _)| stem);
    let stem = if stem.trim().is_empty() {
        "vedlegg"
    } else {
        stem.trim()
    };
    format!("{stem}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 13]);
        bytes.extend_from_slice(b"IHDR");
        bytes.extend_from_slice(&[0; 17]);
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes.extend_from_slice(b"IEND");
        bytes.extend_from_slice(&[0xAE, 0x42, 0x60, 0x82]);
        bytes
    }

    #[test]
    fn recognises_by_content_not_name() {
        assert_eq!(sniff(&png()), Ok(FileKind::Png));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 0xFF, 0xD9]),
            Ok(FileKind::Jpeg)
        );
        assert_eq!(sniff(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), Ok(FileKind::Pdf));
        assert_eq!(sniff(b"GIF89a...."), Err(FileError::WrongType));
        assert_eq!(
            sniff(b"MZ\x90\x00 an executable"),
            Err(FileError::WrongType)
        );
        assert_eq!(sniff(b""), Err(FileError::Empty));
    }

    #[test]
    fn refuses_cut_off_files() {
        let whole = png();
        assert_eq!(sniff(&whole[..whole.len() - 10]), Err(FileError::Broken));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]),
            Err(FileError::Broken)
        );
        assert_eq!(sniff(b"%PDF-1.4\n1 0 obj\n"), Err(FileError::Broken));
    }

    #[test]
    fn three_files_and_twenty_megabytes() {
        assert_eq!(check_room(2, 0, 10), Ok(()));
        assert_eq!(check_room(3, 0, 10), Err(FileError::TooMany));
        assert_eq!(check_room(1, MAX_TOTAL_BYTES - 10, 10), Ok(()));
        assert_eq!(
            check_room(1, MAX_TOTAL_BYTES - 10, 11),
            Err(FileError::TooLarge)
        );
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(
            safe_file_name("C:\\Users\\kari\\utslett.PNG", FileKind::Png),
            "utslett.png"
        );
        assert_eq!(
            safe_file_name("../../etc/passwd", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(safe_file_name("bilde.exe", FileKind::Jpeg), "bilde.jpg");
        assert_eq!(safe_file_name("\"a<b>\".pdf", FileKind::Pdf), "ab.pdf");
        assert_eq!(safe_file_name("", FileKind::Pdf), "vedlegg.pdf");
        assert_eq!(safe_file_name(".hidden", FileKind::Png), "hidden.png");
    }
}
