//! A small PDF writer for printable overviews: lines of text in Helvetica on A4 pages. Text is
//! written in WinAnsi (Latin-1 for the Norwegian letters); characters outside it become "?".

/// Lines that make a document; a line may be a heading.
pub struct Line {
    pub text: String,
    pub heading: bool,
}

const PAGE_HEIGHT: i32 = 842;
const TOP: i32 = 800;
const BOTTOM: i32 = 50;
const LEFT: i32 = 50;
const LINE_HEIGHT: i32 = 16;
/// Characters per line before wrapping (11 pt Helvetica on A4 with margins).
const WRAP: usize = 90;

fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in text.chars() {
        let code = u32::from(c);
        let byte = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                code as u8
            }
            '–' | '—' => b'-',
            _ if (0x20..0x7f).contains(&code) || (0xa0..=0xff).contains(&code) => code as u8,
            _ => b'?',
        };
        out.push(byte);
    }
    out
}

fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > WRAP {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

/// The PDF bytes of the lines.
pub fn document(lines: &[Line]) -> Vec<u8> {
    // Lay the lines out on pages: (font, y, text) per page.
    let mut pages: Vec<Vec<(bool, i32, Vec<u8>)>> = vec![Vec::new()];
    let mut y = TOP;
    for line in lines {
        for part in wrap(&line.text) {
            if y < BOTTOM {
                pages.push(Vec::new());
                y = TOP;
            }
            if let Some(page) = pages.last_mut() {
                page.push((line.heading, y, encode(&part)));
            }
            y -= if line.heading {
                LINE_HEIGHT + 6
            } else {
                LINE_HEIGHT
            };
        }
    }
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1: catalog, 2: pages, 3: regular font, 4: bold font, then a content and a page per page.
    let page_count = pages.len();
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", 6 + i * 2))
        .collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, page) in pages.iter().enumerate() {
        let mut content = Vec::new();
        for (heading, y, text) in page {
            let font = if *heading { "/F2 13" } else { "/F1 11" };
            content.extend_from_slice(format!("BT {font} Tf {LEFT} {y} Td (").as_bytes());
            content.extend_from_slice(text);
            content.extend_from_slice(b") Tj ET\n");
        }
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(&content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
        let content_id = 5 + i * 2;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content_id} 0 R >>"
            )
            .into_bytes(),
        );
    }
    let mut out = b"%PDF-1.4\n%\xe6\xf8\xe5\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_whole_pdf_with_norwegian_letters() {
        let lines = vec![
            Line {
                text: "Resepter for Kari Nordmann".into(),
                heading: true,
            },
            Line {
                text: "Desloratadin 5 mg tablett (æøå ÆØÅ)".into(),
                heading: false,
            },
        ];
        let pdf = document(&lines);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        assert_eq!(
            domain::attachment::sniff(&pdf),
            Ok(domain::attachment::FileKind::Pdf)
        );
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("(Resepter for Kari Nordmann) Tj"));
        assert!(
            pdf.windows(3).any(|w| w == [0xe6, 0xf8, 0xe5]),
            "æøå in Latin-1"
        );
        assert!(text.contains("/Count 1"));
    }

    #[test]
    fn long_documents_get_more_pages_and_parentheses_are_escaped() {
        let lines: Vec<Line> = (0..120)
            .map(|n| Line {
                text: format!("Linje {n} (med parentes)"),
                heading: false,
            })
            .collect();
        let pdf = document(&lines);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3"), "120 lines need three pages");
        assert!(text.contains("\\(med parentes\\)"));
        // Every xref offset points at its object (offsets count bytes, not characters).
        let ascii: Vec<u8> = pdf
            .iter()
            .map(|b| if b.is_ascii() { *b } else { b'?' })
            .collect();
        let ascii = String::from_utf8(ascii).unwrap();
        let xref_at = ascii.rfind("startxref\n").unwrap();
        let xref: usize = ascii[xref_at + 10..]
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        for (n, line) in ascii[xref..].lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                ascii[offset..].starts_with(&format!("{} 0 obj", n + 1)),
                "object {}",
                n + 1
            );
        }
    }
}
