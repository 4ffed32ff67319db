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
    /// A PDF whose compressed dictionaries cannot be read through to check them (encrypted,
    /// packed with another filter, or too large once unpacked).
    Unreadable,
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
            Self::Unreadable => "file-unreadable-pdf",
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
        } else if pdf_active_content(bytes)?.is_some() {
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

/// The most a PDF's object streams may hold together once inflated; they hold dictionaries,
/// and a few megabytes of them is already a very large document.
const OBJECT_STREAMS_MAX_BYTES: usize = 16 * 1024 * 1024;

/// Filters that leave a stream's bytes unreadable until decoded, besides `FlateDecode`, which
/// is inflated here.
const OTHER_TEXT_FILTERS: [&[u8]; 5] = [
    b"ASCIIHexDecode",
    b"ASCII85Decode",
    b"LZWDecode",
    b"RunLengthDecode",
    b"Crypt",
];

/// The first active name a PDF holds, if any. Every name token (`/` and what follows up to
/// white space or a delimiter) is read with its `#xx` escapes decoded, so `/J#61vaScript` is
/// `/JavaScript`; a name is matched whole, so `/JSON` or `/Launcher` is not one. Dictionaries
/// may also be kept compressed in object streams (`/Type /ObjStm`); each is inflated and read
/// too. A PDF whose object streams cannot be read so (encrypted, packed with another filter or
/// a predictor, broken, or more than [`OBJECT_STREAMS_MAX_BYTES`] inflated) is
/// `Err(FileError::Unreadable)`: what it holds cannot be known.
pub fn pdf_active_content(bytes: &[u8]) -> Result<Option<&'static str>, FileError> {
    active_content_within(bytes, OBJECT_STREAMS_MAX_BYTES)
}

fn active_content_within(bytes: &[u8], budget: usize) -> Result<Option<&'static str>, FileError> {
    let names = pdf_names(bytes);
    if let Some(found) = first_active(&names) {
        return Ok(Some(found));
    }
    let encrypted = names.iter().any(|name| name == b"Encrypt");
    let mut budget = budget;
    for data in object_streams(bytes, encrypted)? {
        let inflated = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, budget)
            .map_err(|_| FileError::Unreadable)?;
        budget = budget.saturating_sub(inflated.len());
        if let Some(found) = first_active(&pdf_names(&inflated)) {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn first_active(names: &[Vec<u8>]) -> Option<&'static str> {
    names.iter().find_map(|name| {
        ACTIVE_PDF_NAMES
            .iter()
            .find(|active| **active == name.as_slice())
            .and_then(|found| std::str::from_utf8(found).ok())
    })
}

/// The compressed data of every object stream. Read without trusting the file's structure:
/// the file is cut at every `stream` keyword, and the names between one keyword and the next
/// count as the next stream's dictionary, so a dictionary cannot hide its type from this
/// reading (a `stream` written inside it only makes the data after it unreadable).
fn object_streams(bytes: &[u8], encrypted: bool) -> Result<Vec<&[u8]>, FileError> {
    const KEYWORD: &[u8] = b"stream";
    let mut found = Vec::new();
    let mut region_start = 0;
    let keywords = bytes
        .windows(KEYWORD.len())
        .enumerate()
        .filter(|(at, window)| *window == KEYWORD && !bytes[..*at].ends_with(b"end"))
        .map(|(at, _)| at);
    for keyword in keywords {
        let names = pdf_names(&bytes[region_start..keyword]);
        region_start = keyword + KEYWORD.len();
        let has = |wanted: &[u8]| names.iter().any(|name| name == wanted);
        if !has(b"ObjStm") {
            continue;
        }
        if encrypted || has(b"Predictor") || OTHER_TEXT_FILTERS.iter().any(|f| has(f)) {
            return Err(FileError::Unreadable);
        }
        if !has(b"FlateDecode") {
            // Not compressed: its names were read with the rest of the file.
            continue;
        }
        let data_start = match &bytes[region_start..] {
            [b'\r', b'\n', ..] => region_start + 2,
            [b'\n' | b'\r', ..] => region_start + 1,
            _ => region_start,
        };
        let data_end = bytes[data_start..]
            .windows(b"endstream".len())
            .position(|window| window == b"endstream")
            .map_or(bytes.len(), |length| data_start + length);
        found.push(&bytes[data_start..data_end]);
    }
    Ok(found)
}

/// Every name token of a PDF's bytes, `#xx` escapes decoded.
fn pdf_names(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'/') {
        let start = at + offset + 1;
        let end = bytes[start..]
            .iter()
            .position(|&b| is_pdf_white_space(b) || is_pdf_delimiter(b))
            .map_or(bytes.len(), |length| start + length);
        names.push(decode_pdf_name(&bytes[start..end]));
        at = end;
    }
    names
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
            assert_eq!(pdf_active_content(&bytes), Ok(Some(name)), "{body}");
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
            assert_eq!(pdf_active_content(&bytes), Ok(None), "{body}");
            assert_eq!(sniff(&bytes), Ok(FileKind::Pdf), "{body}");
        }
    }

    /// A PDF whose dictionaries `objects` are kept in a compressed object stream, its
    /// dictionary being `dict` (with the `/Length` filled in), after an xref stream with a
    /// predictor of its own.
    fn pdf_with_object_stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = b"%PDF-1.7\n1 0 obj\n<< /Type /XRef /Filter /FlateDecode /DecodeParms << /Columns 5 /Predictor 12 >> /Length 3 >>\nstream\nabc\nendstream\nendobj\n".to_vec();
        bytes.extend_from_slice(
            format!("2 0 obj\n<< {dict} /Length {} >>\nstream\r\n", data.len()).as_bytes(),
        );
        bytes.extend_from_slice(data);
        bytes.extend_from_slice(b"\r\nendstream\nendobj\ntrailer << /Root 3 0 R >>\n%%EOF\n");
        bytes
    }

    /// `text` compressed, with enough after it that deflate codes it rather than storing it
    /// as it is, so that none of its names can be read in the file's bytes.
    fn zlib(text: &str) -> Vec<u8> {
        let padded = format!("{text}\n{}", "4 0 << /Type /Page >>\n".repeat(50));
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(padded.as_bytes(), 6);
        assert_eq!(first_active(&pdf_names(&compressed)), None);
        compressed
    }

    const OBJSTM: &str = "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode";

    #[test]
    fn names_in_compressed_object_streams_are_read() {
        let script = zlib("3 0 << /S /JavaScript /JS (app.alert(1)) >>");
        let bytes = pdf_with_object_stream(OBJSTM, &script);
        assert_eq!(pdf_active_content(&bytes), Ok(Some("JavaScript")));
        assert_eq!(sniff(&bytes), Err(FileError::ActiveContent));
        let escaped = zlib("3 0 << /OpenAction << /S/J#61vaScript /J#53 5 0 R >> >>");
        let bytes = pdf_with_object_stream("/Type /Obj#53tm /Filter /Fl#61teDecode", &escaped);
        assert_eq!(pdf_active_content(&bytes), Ok(Some("JavaScript")));
        let plain = zlib("3 0 << /Type /Catalog /Pages 4 0 R >>");
        let bytes = pdf_with_object_stream(OBJSTM, &plain);
        assert_eq!(pdf_active_content(&bytes), Ok(None));
        assert_eq!(sniff(&bytes), Ok(FileKind::Pdf));
    }

    #[test]
    fn object_streams_that_cannot_be_read_through_are_refused() {
        let script = "3 0 << /S /JavaScript /JS (app.alert(1)) >>";
        let hex: String = script.bytes().map(|b| format!("{b:02X}")).collect();
        let cases = [
            // Another filter, a predictor, or not zlib at all.
            pdf_with_object_stream("/Type /ObjStm /Filter /ASCIIHexDecode", hex.as_bytes()),
            pdf_with_object_stream(
                "/Type /ObjStm /Filter [/ASCII85Decode /FlateDecode]",
                b"<~garbage~>",
            ),
            pdf_with_object_stream(
                &format!("{OBJSTM} /DecodeParms << /Predictor 12 /Columns 4 >>"),
                &zlib(script),
            ),
            pdf_with_object_stream(OBJSTM, b"not compressed at all"),
            // A `stream` keyword written inside the dictionary, to cut it off its type.
            pdf_with_object_stream(&format!("{OBJSTM} /Note (stream)"), &zlib(script)),
        ];
        for bytes in cases {
            assert_eq!(
                pdf_active_content(&bytes),
                Err(FileError::Unreadable),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            assert_eq!(sniff(&bytes), Err(FileError::Unreadable));
        }
        // Encrypted: the object streams are encrypted too.
        let mut encrypted = pdf_with_object_stream(OBJSTM, &zlib("3 0 << >>"));
        encrypted.extend_from_slice(b"trailer << /Encrypt 9 0 R >>\n%%EOF\n");
        assert_eq!(pdf_active_content(&encrypted), Err(FileError::Unreadable));
        // More than the bound once inflated.
        let large = pdf_with_object_stream(OBJSTM, &zlib(&" ".repeat(2000)));
        assert_eq!(
            active_content_within(&large, 2000),
            Err(FileError::Unreadable)
        );
        assert_eq!(active_content_within(&large, 4000), Ok(None));
    }
}
