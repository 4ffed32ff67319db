//! Printable overviews as PDF: lines of text on A4 pages, written with krilla in an embedded
//! DejaVu Sans (subset to the letters used), so that every name prints as written — Sámi
//! letters (č đ ŋ š ŧ ž), "Łukasz", "Nguyễn" — and tagged (headings and paragraphs in reading
//! order, the document's language and title) for screen readers.

use std::num::NonZeroU16;
use std::sync::LazyLock;

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{ContentTag, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

/// Lines that make a document; a line may be a heading.
pub struct Line {
    pub text: String,
    pub heading: bool,
}

const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const TEXT_SIZE: f32 = 10.5;
const HEADING_SIZE: f32 = 13.0;
const LINE_HEIGHT: f32 = 16.0;
const HEADING_LINE_HEIGHT: f32 = 22.0;

/// One of the two embedded faces: krilla's font for drawing and the bytes for measuring.
struct Face {
    font: Font,
    bytes: &'static [u8],
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Self> {
        Some(Self {
            font: Font::new(bytes.into(), 0)?,
            bytes,
        })
    }

    /// The width of `text` at `size` points (the sum of the glyphs' advances; a character the
    /// font lacks counts as a wide one, so a line never runs past the margin).
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = skrifa::FontRef::new(self.bytes) else {
            return text.chars().count() as f32 * size;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|glyph| metrics.advance_width(glyph))
                    .unwrap_or(size)
            })
            .sum()
    }
}

/// The embedded faces, loaded once; they are part of the binary, so failing to read them is a
/// broken build, reported as an error rather than a silent fallback.
static FACES: LazyLock<Option<(Face, Face)>> =
    LazyLock::new(|| Some((Face::load(REGULAR)?, Face::load(BOLD)?)));

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded fonts cannot be read")]
    Fonts,
    #[error("PDF: {0:?}")]
    Write(krilla::error::KrillaError),
}

/// Breaks `text` into lines no wider than the page's text width.
fn wrap(face: &Face, size: f32, text: &str) -> Vec<String> {
    let max = PAGE_WIDTH - 2.0 * MARGIN;
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && face.width(&candidate, size) > max {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        } else {
            current = candidate;
        }
    }
    lines.push(current);
    lines
}

/// One line of text drawn and tagged: a heading (H1 for the first, H2 after) or a paragraph.
fn draw_line(
    surface: &mut Surface<'_>,
    face: &Face,
    size: f32,
    y: f32,
    text: &str,
) -> krilla::tagging::Identifier {
    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
    surface.draw_text(
        Point::from_xy(MARGIN, y),
        face.font.clone(),
        size,
        text,
        false,
        TextDirection::Auto,
    );
    surface.end_tagged();
    id
}

/// The PDF bytes of the lines, titled `title`, in the language `lang` (a BCP 47 code).
pub fn document(title: &str, lang: &str, lines: &[Line]) -> Result<Vec<u8>, PdfError> {
    let Some((regular, bold)) = FACES.as_ref() else {
        return Err(PdfError::Fonts);
    };
    let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(PdfError::Fonts)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(lang.to_owned()),
    );
    let mut tree = TagTree::new();
    let mut headings = 0_u16;
    let mut lines = lines.iter().peekable();
    while lines.peek().is_some() {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        // The baseline of the first line.
        let mut y = MARGIN + HEADING_SIZE;
        while let Some(&line) = lines.peek() {
            let (face, size, step) = if line.heading {
                (bold, HEADING_SIZE, HEADING_LINE_HEIGHT)
            } else {
                (regular, TEXT_SIZE, LINE_HEIGHT)
            };
            let parts = wrap(face, size, &line.text);
            let height = step * parts.len() as f32;
            // A line moves to the next page whole, unless it alone is taller than a page.
            if y + height > PAGE_HEIGHT - MARGIN && y > MARGIN + HEADING_SIZE {
                break;
            }
            lines.next();
            if line.text.trim().is_empty() {
                y += step;
                continue;
            }
            let mut group = if line.heading {
                headings = headings.saturating_add(1);
                let level = if headings == 1 { 1 } else { 2 };
                TagGroup::new(Tag::Hn(NonZeroU16::MIN.saturating_add(level - 1), None))
            } else {
                TagGroup::new(Tag::P)
            };
            for part in parts {
                group.push(draw_line(&mut surface, face, size, y, &part));
                y += step;
            }
            tree.push(group);
        }
        surface.finish();
        page.finish();
    }
    document.set_tag_tree(tree);
    document.finish().map_err(PdfError::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, heading: bool) -> Line {
        Line {
            text: text.into(),
            heading,
        }
    }

    #[test]
    fn writes_a_whole_tagged_pdf() {
        let pdf = document(
            "Resepter",
            "nb-NO",
            &[
                line("Resepter for Áilu Ŋuvttoš Čeavččageađgi", true),
                line("Desloratadin 5 mg tablett (æøå ÆØÅ)", false),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            domain::attachment::sniff(&pdf),
            Ok(domain::attachment::FileKind::Pdf)
        );
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/StructTreeRoot"), "tagged");
        assert!(text.contains("/Lang"), "with its language");
        assert!(
            text.contains("/ToUnicode"),
            "text that can be copied and read aloud"
        );
        assert!(text.contains("DejaVuSans"), "the embedded font");
    }

    #[test]
    fn long_lines_wrap_inside_the_margins_and_long_documents_get_more_pages() {
        let (regular, _) = FACES.as_ref().unwrap_or_else(|| panic!("fonts"));
        let long = "Ta 1 tablett daglig ved behov for allergiske plager. ".repeat(8);
        let parts = wrap(regular, TEXT_SIZE, &long);
        assert!(parts.len() > 2, "{parts:?}");
        for part in &parts {
            assert!(regular.width(part, TEXT_SIZE) <= PAGE_WIDTH - 2.0 * MARGIN);
        }
        let lines: Vec<Line> = (0..120)
            .map(|n| line(&format!("Linje {n} (med parentes)"), false))
            .collect();
        let pdf = document("Resepter", "nb-NO", &lines).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3"), "120 lines need three pages");
    }
}
