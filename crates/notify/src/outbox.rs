//! The outbox: notifications written to a folder instead of sent, one JSON file each, so that the
//! portal runs with no mail server or SMS gateway and a development page can show what would have
//! gone out.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One notification as it would have been sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub reference: String,
    /// "SMS" or "e-post".
    pub channel: String,
    pub to: String,
    pub subject: Option<String>,
    pub text: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    /// The folder is created when missing.
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes an entry under its reference. The file is written whole under a temporary name and
    /// then renamed, and an entry already there is left as it is, so a notification tried twice
    /// is in the outbox once.
    pub fn write(&self, entry: &OutboxEntry) -> std::io::Result<()> {
        let name = safe_file_name(&entry.reference);
        let path = self.dir.join(format!("{name}.json"));
        if path.exists() {
            return Ok(());
        }
        let temporary = self.dir.join(format!(".{name}.tmp"));
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&serde_json::to_vec_pretty(entry)?)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
    }

    /// The newest entries first, at most `limit`. Files that are not entries are skipped.
    pub fn newest(&self, limit: usize) -> std::io::Result<Vec<OutboxEntry>> {
        let mut entries = Vec::new();
        for file in std::fs::read_dir(&self.dir)? {
            let path = file?.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(entry) = serde_json::from_slice::<OutboxEntry>(&std::fs::read(&path)?)
            {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.reference.cmp(&a.reference))
        });
        entries.truncate(limit);
        Ok(entries)
    }
}

/// References are ours (`hp-12-3-sms`), but the file name is made safe whatever they hold.
fn safe_file_name(reference: &str) -> String {
    reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(reference: &str, at: i64) -> OutboxEntry {
        OutboxEntry {
            reference: reference.into(),
            channel: "SMS".into(),
            to: "+4791234567".into(),
            subject: None,
            text: "Du har fått en ny melding på Helseportal.".into(),
            created_at: at,
        }
    }

    #[test]
    fn entries_are_kept_once_and_listed_newest_first() {
        let dir = std::env::temp_dir().join(format!("hp-outbox-{}", storage::random_token()));
        let outbox = Outbox::open(&dir).unwrap();
        outbox.write(&entry("hp-1-1-sms", 10)).unwrap();
        outbox.write(&entry("hp-2-1-sms", 20)).unwrap();
        let mut again = entry("hp-1-1-sms", 30);
        again.text = "changed".into();
        outbox.write(&again).unwrap();
        std::fs::write(dir.join("notes.txt"), "not an entry").unwrap();
        let listed = outbox.newest(10).unwrap();
        assert_eq!(
            listed,
            vec![entry("hp-2-1-sms", 20), entry("hp-1-1-sms", 10)]
        );
        assert_eq!(outbox.newest(1).unwrap().len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "______etc_passwd");
        assert_eq!(safe_file_name("hp-1-2-email"), "hp-1-2-email");
    }
}
