//! Attachments to messages: JPG, PNG or PDF, judged by the file's content, not its name; at
//! most 3 files and 20 MB together (seed 000). Staff open them, so a PDF that carries
//! something that runs (scripts, launched programs, embedded files) is refused, and names lose
//! the characters that could make them read as something else.

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
    /// A PDF with scripts, launch actions or embedded files ([`pdf_active_content`]).
    ActiveContent,
}

impl FileError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "file-empty",
            Self::WrongType => "file-wrong-type",
            Self::Broken => "file-broken",
            Self::TooMany => "file-too-many",
            Self::TooLarge => "file-too-large",
            Self::ActiveContent => "file-active-content",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Recognises a file by its bytes and checks that it is whole: a PNG starts with its
/// signature and IHDR and ends with IEND; a JPEG starts with SOI and ends with EOI; a PDF
/// starts with `%PDF-`, has `%%EOF` near its end and no active content.
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
        return if !tail.windows(5).any(|w| w == b"%%EOF") {
            Err(FileError::Broken)
        } else if pdf_active_content(bytes).is_some() {
            Err(FileError::ActiveContent)
        } else {
            Ok(FileKind::Pdf)
        };
    }
    Err(FileError::WrongType)
}

/// The PDF names that make a document do something when it is opened or clicked rather than
/// only show: scripts (`/JavaScript`, `/JS`, and so an `/OpenAction` or `/AA` that runs one),
/// starting programs (`/Launch`), files carried inside (`/EmbeddedFile`, `/EmbeddedFiles`)
/// and embedded media players (`/RichMedia`).
const ACTIVE_PDF_NAMES: [&[u8]; 6] = [
    b"JavaScript",
    b"JS",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
];

/// The first active name a PDF's bytes hold, if any. Every name token (`/` and what follows up
/// to white space or a delimiter) is read with its `#xx` escapes decoded, so `/J#61vaScript`
/// is `/JavaScript`; a name is matched whole, so `/JSON` or `/Launcher` is not one. Names
/// inside compressed streams are not seen.
pub fn pdf_active_content(bytes: &[u8]) -> Option<&'static str> {
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'/') {
        let start = at + offset + 1;
        let end = bytes[start..]
            .iter()
            .position(|&b| is_pdf_white_space(b) || is_pdf_delimiter(b))
            .map_or(bytes.len(), |length| start + length);
        let name = decode_pdf_name(&bytes[start..end]);
        if let Some(found) = ACTIVE_PDF_NAMES.iter().find(|active| **active == name) {
            return std::str::from_utf8(found).ok();
        }
        at = end;
    }
    None
}

fn is_pdf_white_space(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_pdf_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A name's bytes with `#xx` written out; a `#` without two hex digits stays as it is.
fn decode_pdf_name(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut name = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let escaped = match (raw[i], raw.get(i + 1), raw.get(i + 2)) {
            (b'#', Some(&high), Some(&low)) => hex(high).zip(hex(low)),
            _ => None,
        };
        match escaped {
            Some((high, low)) => {
                name.push(u8::try_from(high * 16 + low).unwrap_or(b'#'));
                i += 3;
            }
            None => {
                name.push(raw[i]);
                i += 1;
            }
        }
    }
    name
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
/// characters, bidirectional controls or quotes, at most 100 characters.
pub fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !is_bidi_control(*c) && !matches!(c, '"' | '\'' | ';' | '<' | '>')
        })
        .take(100)
        .collect();
    cleaned.trim().trim_start_matches('.').to_owned()
}

/// Characters that change the direction text is shown in (embeddings, overrides, isolates and
/// the invisible direction marks): `resultat\u{202e}fdp.png` shows as "resultatgnp.pdf".
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
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

    #[test]
    fn names_lose_bidirectional_controls() {
        // Shown as "resultatgnp.pdf" with the override; it is a PNG named "resultatfdp.png".
        assert_eq!(display_name("resultat\u{202e}fdp.png"), "resultatfdp.png");
        assert_eq!(
            safe_file_name("resultat\u{202e}fdp.png", FileKind::Png),
            "resultatfdp.png"
        );
        let every_control: String = [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ]
        .iter()
        .flat_map(|c| [*c, 'x'])
        .collect();
        assert_eq!(display_name(&every_control), "x".repeat(12));
        assert_eq!(display_name("blodprøve ٢٠٢٦.pdf"), "blodprøve ٢٠٢٦.pdf");
    }

    fn pdf_with(body: &str) -> Vec<u8> {
        format!("%PDF-1.7\n1 0 obj\n{body}\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
            .into_bytes()
    }

    #[test]
    fn pdfs_with_active_content_are_refused() {
        let active = [
            (
                "<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
                "JavaScript",
            ),
            (
                "<< /AA << /O << /S /JavaScript /JS 5 0 R >> >> >>",
                "JavaScript",
            ),
            (
                "<< /OpenAction 2 0 R >> 2 0 obj << /JS(app.alert(1)) >>",
                "JS",
            ),
            ("<< /S /Launch /F (cmd.exe) >>", "Launch"),
            ("<< /Names << /EmbeddedFiles 3 0 R >> >>", "EmbeddedFiles"),
            ("<< /Type /EmbeddedFile /Length 4 >>", "EmbeddedFile"),
            ("<< /Type /Annot /Subtype /RichMedia >>", "RichMedia"),
            // Names written with hex escapes are the same names.
            ("<< /S /J#61vaScript /J#53 (app.alert(1)) >>", "JavaScript"),
            ("<< /S/#4C#61#75#6E#63#68/F(x)>>", "Launch"),
            ("<</S/JavaScript>>", "JavaScript"),
        ];
        for (body, name) in active {
            let bytes = pdf_with(body);
            assert_eq!(pdf_active_content(&bytes), Some(name), "{body}");
            assert_eq!(sniff(&bytes), Err(FileError::ActiveContent), "{body}");
        }
    }

    #[test]
    fn ordinary_pdfs_pass() {
        let ordinary = [
            "<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /FitH null] >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            // Text about scripts is text, and names that only begin like an active one are others.
            "<< /Length 30 >> stream\n(JavaScript /JSX Launch) Tj\nendstream",
            "<< /JSON 1 /Launcher 2 /JavaScripts 3 /J#6 4 /# 5 >>",
        ];
        for body in ordinary {
            let bytes = pdf_with(body);
            assert_eq!(pdf_active_content(&bytes), None, "{body}");
            assert_eq!(sniff(&bytes), Ok(FileKind::Pdf), "{body}");
        }
    }
}
