//! A calendar file (iCalendar, RFC 5545) for one confirmed appointment, in Europe/Oslo time.
//! It holds when, where and with whom, and nothing about health beyond what the citizen typed.

use jiff::civil::DateTime;

/// One appointment as a calendar event.
#[derive(Debug, Clone)]
pub struct CalendarEvent<'a> {
    /// Stable across downloads, so a calendar updates rather than duplicates the event.
    pub uid: &'a str,
    /// When the file was made, in UTC.
    pub stamp_utc: DateTime,
    /// Local Oslo times.
    pub start: DateTime,
    pub end: DateTime,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
}

/// The Oslo time zone with its daylight-saving rules, as calendars expect alongside TZID.
const OSLO_TIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// Escapes a text value (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1).
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

fn local(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

impl CalendarEvent<'_> {
    pub fn to_ics(&self) -> String {
        let mut ics = String::from(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Helseportal//Timeavtaler//NO\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
        );
        ics.push_str(OSLO_TIMEZONE);
        ics.push_str("BEGIN:VEVENT\r\n");
        ics.push_str(&fold(&format!("UID:{}", escape(self.uid))));
        ics.push_str(&fold(&format!("DTSTAMP:{}Z", local(self.stamp_utc))));
        ics.push_str(&fold(&format!(
            "DTSTART;TZID=Europe/Oslo:{}",
            local(self.start)
        )));
        ics.push_str(&fold(&format!(
            "DTEND;TZID=Europe/Oslo:{}",
            local(self.end)
        )));
        ics.push_str(&fold(&format!("SUMMARY:{}", escape(self.summary))));
        ics.push_str(&fold(&format!("LOCATION:{}", escape(self.location))));
        if !self.description.is_empty() {
            ics.push_str(&fold(&format!("DESCRIPTION:{}", escape(self.description))));
        }
        ics.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
        ics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn event<'a>(description: &'a str, location: &'a str) -> CalendarEvent<'a> {
        CalendarEvent {
            uid: "booking-7@helseportal",
            stamp_utc: date(2026, 11, 25).at(7, 0, 0, 0),
            start: date(2026, 12, 2).at(13, 45, 0, 0),
            end: date(2026, 12, 2).at(14, 15, 0, 0),
            summary: "Telefontime hos Benedikte Berg",
            location,
            description,
        }
    }

    #[test]
    fn has_the_required_parts_in_oslo_time() {
        let ics = event("", "Telefontime").to_ics();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert!(ics.contains("TZID:Europe/Oslo\r\n"));
        assert!(ics.contains("DTSTART;TZID=Europe/Oslo:20261202T134500\r\n"));
        assert!(ics.contains("DTEND;TZID=Europe/Oslo:20261202T141500\r\n"));
        assert!(ics.contains("DTSTAMP:20261125T070000Z\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(
            !ics.contains("DESCRIPTION"),
            "nothing typed, nothing described"
        );
        assert!(
            ics.split("\r\n").all(|line| !line.contains('\n')),
            "every line ends in CRLF"
        );
    }

    #[test]
    fn escapes_and_folds_long_lines() {
        let ics = event(
            "Vondt i ryggen; stivhet, og\nhodepine æøå æøå æøå æøå æøå æøå æøå æøå æøå",
            "Solveien 1, 0150 Oslo",
        )
        .to_ics();
        assert!(ics.contains("LOCATION:Solveien 1\\, 0150 Oslo\r\n"));
        assert!(ics.contains("DESCRIPTION:Vondt i ryggen\\; stivhet\\, og\\nhodepine"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("hodepine æøå æøå æøå æøå æøå æøå æøå æøå æøå\r\n"));
    }
}
