//! What a notification by SMS or e-mail says (seed 004, "Varsler fra Helsenorge" and "Unngå
//! svindel"): only that there is something new on the portal and how to log in by typing the
//! address oneself. A notification never carries a link, never health information and never who
//! sent the message: the texts are composed from the kind of notice and the language alone, so
//! nothing about the message can reach them.

/// The languages notifications are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Nb,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Self::Nb, Self::En];

    /// Stable code, stored in the database; the same codes as the portal's languages.
    pub fn code(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// Why a person is notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something new arrived in the person's own Innboks.
    NewMessage,
    /// Something new arrived for someone the person acts for (a child under 16).
    NewMessageForRepresented,
    /// A message has lain unread for four days.
    UnreadReminder,
    UnreadReminderForRepresented,
    /// The code that confirms a new mobile number.
    ConfirmMobile {
        code: String,
    },
    /// The code that confirms a new e-mail address.
    ConfirmEmail {
        code: String,
    },
}

impl Notice {
    /// Every kind of notice, with a sample code where one is needed (for tests and previews).
    pub fn samples() -> Vec<Notice> {
        vec![
            Self::NewMessage,
            Self::NewMessageForRepresented,
            Self::UnreadReminder,
            Self::UnreadReminderForRepresented,
            Self::ConfirmMobile {
                code: "123456".into(),
            },
            Self::ConfirmEmail {
                code: "123456".into(),
            },
        ]
    }
}

/// A notification in the forms it is sent in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationText {
    pub sms: String,
    pub email_subject: String,
    pub email_text: String,
    pub email_html: String,
}

/// The portal's name as notifications write it; never its address, which a phone or mail
/// program would turn into a link.
const PORTAL: &str = "Helseportal";

/// Composes a notice in a language.
pub fn compose(notice: &Notice, language: Language) -> NotificationText {
    let (subject, lines) = match language {
        Language::Nb => norwegian(notice),
        Language::En => english(notice),
    };
    let sms = format!("{} {}", lines.main, lines.sms_advice);
    let (greeting, closing) = match language {
        Language::Nb => ("Hei,", format!("Hilsen {PORTAL}")),
        Language::En => ("Hello,", format!("Regards, {PORTAL}")),
    };
    let paragraphs = [
        greeting.to_owned(),
        lines.main.clone(),
        lines.email_advice.clone(),
        lines.no_reply.to_owned(),
        closing,
    ];
    let email_text = paragraphs.join("\n\n") + "\n";
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape_html(p)))
        .collect();
    let email_html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{body}</body></html>",
        language.code(),
        escape_html(&subject)
    );
    NotificationText {
        sms,
        email_subject: subject,
        email_text,
        email_html,
    }
}

struct Lines {
    main: String,
    sms_advice: String,
    email_advice: String,
    no_reply: &'static str,
}

fn norwegian(notice: &Notice) -> (String, Lines) {
    let login = format!(
        "Logg inn på {PORTAL} for å lese den: skriv adressen selv i nettleseren, eller bruk appen."
    );
    let safety = "Vi sender aldri lenker, og vi ber deg aldri om koder, kortnummer eller kontonummer på SMS eller e-post.";
    let (subject, main, advice) = match notice {
        Notice::NewMessage => (
            format!("Ny melding på {PORTAL}"),
            format!("Du har fått en ny melding på {PORTAL}."),
            format!("{login} {safety}"),
        ),
        Notice::NewMessageForRepresented => (
            format!("Ny melding på {PORTAL}"),
            format!(
                "Det har kommet en ny melding på {PORTAL} til en du kan bruke tjenester på vegne av."
            ),
            format!("{login} {safety}"),
        ),
        Notice::UnreadReminder => (
            format!("Påminnelse: ulest melding på {PORTAL}"),
            format!("Du har en melding på {PORTAL} som ikke er lest."),
            format!("{login} {safety}"),
        ),
        Notice::UnreadReminderForRepresented => (
            format!("Påminnelse: ulest melding på {PORTAL}"),
            format!(
                "Det ligger en melding som ikke er lest på {PORTAL}, til en du kan bruke tjenester på vegne av."
            ),
            format!("{login} {safety}"),
        ),
        Notice::ConfirmMobile { code } => (
            format!("Bekreft mobilnummeret ditt på {PORTAL}"),
            format!("Koden for å bekrefte mobilnummeret ditt på {PORTAL} er {code}."),
            code_advice_nb(),
        ),
        Notice::ConfirmEmail { code } => (
            format!("Bekreft e-postadressen din på {PORTAL}"),
            format!("Koden for å bekrefte e-postadressen din på {PORTAL} er {code}."),
            code_advice_nb(),
        ),
    };
    (
        subject,
        Lines {
            main,
            sms_advice: advice.clone(),
            email_advice: advice,
            no_reply: "Du kan ikke svare på denne meldingen.",
        },
    )
}

fn code_advice_nb() -> String {
    "Skriv den inn på siden der du endret kontaktinformasjonen. Koden gjelder i 30 minutter. \
     Ikke gi koden til noen, heller ikke til noen som sier de ringer fra oss."
        .to_owned()
}

fn english(notice: &Notice) -> (String, Lines) {
    let login = format!(
        "Log in to {PORTAL} to read it: type the address in your browser yourself, or use the app."
    );
    let safety = "We never send links, and we never ask for codes, card numbers or account numbers by text message or e-mail.";
    let (subject, main, advice) = match notice {
        Notice::NewMessage => (
            format!("New message on {PORTAL}"),
            format!("You have a new message on {PORTAL}."),
            format!("{login} {safety}"),
        ),
        Notice::NewMessageForRepresented => (
            format!("New message on {PORTAL}"),
            format!(
                "There is a new message on {PORTAL} for someone you can use services on behalf of."
            ),
            format!("{login} {safety}"),
        ),
        Notice::UnreadReminder => (
            format!("Reminder: unread message on {PORTAL}"),
            format!("You have a message on {PORTAL} that has not been read."),
            format!("{login} {safety}"),
        ),
        Notice::UnreadReminderForRepresented => (
            format!("Reminder: unread message on {PORTAL}"),
            format!(
                "There is an unread message on {PORTAL} for someone you can use services on behalf of."
            ),
            format!("{login} {safety}"),
        ),
        Notice::ConfirmMobile { code } => (
            format!("Confirm your mobile number on {PORTAL}"),
            format!("Your code to confirm your mobile number on {PORTAL} is {code}."),
            code_advice_en(),
        ),
        Notice::ConfirmEmail { code } => (
            format!("Confirm your e-mail address on {PORTAL}"),
            format!("Your code to confirm your e-mail address on {PORTAL} is {code}."),
            code_advice_en(),
        ),
    };
    (
        subject,
        Lines {
            main,
            sms_advice: advice.clone(),
            email_advice: advice,
            no_reply: "You cannot reply to this message.",
        },
    )
}

fn code_advice_en() -> String {
    "Enter it on the page where you changed your contact details. The code is valid for 30 \
     minutes. Do not give the code to anyone, not even someone who says they are calling from us."
        .to_owned()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether a text holds anything a phone or mail program could turn into a link: a URL scheme,
/// `www.`, an HTML anchor, or a word shaped like a domain name (`example.no`). Notifications
/// must never hold one; the tests check every text that is sent with it.
pub fn contains_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    if ["://", "www.", "<a ", "<a>", "href", "mailto:", "tel:"]
        .iter()
        .any(|p| lower.contains(p))
    {
        return true;
    }
    lower
        .split(|c: char| c.is_whitespace() || "<>\"'()«»[]".contains(c))
        .map(|word| word.trim_end_matches(|c: char| ".,;:!?".contains(c)))
        .any(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() >= 2
                && parts.iter().all(|p| !p.is_empty())
                && parts
                    .last()
                    .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_notification_in_any_language_holds_a_link() {
        for language in Language::ALL {
            for notice in Notice::samples() {
                let text = compose(&notice, language);
                for part in [
                    &text.sms,
                    &text.email_subject,
                    &text.email_text,
                    &text.email_html,
                ] {
                    assert!(!contains_link(part), "{language:?} {notice:?}: {part}");
                    assert!(part.contains(PORTAL), "names the portal: {part}");
                }
            }
        }
    }

    #[test]
    fn message_notices_tell_how_to_log_in_without_an_address() {
        let nb = compose(&Notice::NewMessage, Language::Nb);
        assert_eq!(
            nb.sms,
            "Du har fått en ny melding på Helseportal. Logg inn på Helseportal for å lese den: \
             skriv adressen selv i nettleseren, eller bruk appen. Vi sender aldri lenker, og vi ber \
             deg aldri om koder, kortnummer eller kontonummer på SMS eller e-post."
        );
        assert_eq!(nb.email_subject, "Ny melding på Helseportal");
        let en = compose(&Notice::UnreadReminder, Language::En);
        assert!(
            en.sms
                .starts_with("You have a message on Helseportal that has not been read.")
        );
        assert!(
            en.email_html
                .starts_with("<!DOCTYPE html><html lang=\"en\">")
        );
    }

    #[test]
    fn codes_reach_the_text() {
        let text = compose(
            &Notice::ConfirmMobile {
                code: "481516".into(),
            },
            Language::Nb,
        );
        assert!(text.sms.contains("er 481516."));
        assert!(text.sms.contains("Ikke gi koden til noen"));
    }

    #[test]
    fn the_link_detector_finds_what_phones_make_links_of() {
        for text in [
            "Les mer på https://example.no",
            "Gå til www.helse.no",
            "Logg inn på helseportal.no.",
            "Se <a href=\"x\">her</a>",
            "(portal.example.com)",
        ] {
            assert!(contains_link(text), "{text}");
        }
        for text in [
            "Logg inn på Helseportal.",
            "Koden er 123.456.",
            "kl. 08.00",
            "e-post",
        ] {
            assert!(!contains_link(text), "{text}");
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape_html("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }
}
