//! The masked record of one bwcli session: what was sent and received, and when.
use std::fmt::Write as _;
use std::path::Path;

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// RFC 3339 UTC with milliseconds, fixed width: `2026-11-25T05:19:29.123Z`.
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Which way a piece of text went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Written to the CLI.
    Sent,
    /// Read from the CLI.
    Received,
}

/// One piece of the conversation. Its text is already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptEntry {
    /// When it was sent, or when the CLI finished answering.
    pub at: OffsetDateTime,
    /// Which way it went.
    pub direction: Direction,
    /// The text, secrets replaced by `********`.
    pub text: String,
}

/// Everything sent and received on one session, masked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    entries: Vec<TranscriptEntry>,
}

impl Transcript {
    /// Appends text that the caller has already masked.
    pub(crate) fn record(&mut self, direction: Direction, masked_text: String) {
        self.entries.push(TranscriptEntry {
            at: OffsetDateTime::now_utc(),
            direction,
            text: masked_text,
        });
    }

    /// Appends the entries of a later session (after a reconnect).
    pub fn append(&mut self, later: Transcript) {
        self.entries.extend(later.entries);
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[TranscriptEntry] {
        &self.entries
    }

    /// A readable rendering: one line per line of text, each with its timestamp
    /// and `>` (sent) or `<` (received).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let at =
                e.at.format(TIMESTAMP)
                    .unwrap_or_else(|_| e.at.unix_timestamp().to_string());
            let arrow = match e.direction {
                Direction::Sent => '>',
                Direction::Received => '<',
            };
            for line in e.text.split('\n') {
                let _ = writeln!(out, "{at} {arrow} {line}");
            }
        }
        out
    }

    /// Writes [`Transcript::render`] to `path` (its directory created if missing).
    /// Written in place and not synced: a transcript is read after the run, each
    /// session has a file of its own, and no rollback or restart relies on it
    /// (the backup and the pending-restart record are synced, D62).
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_marks_direction_on_every_line() {
        let mut t = Transcript::default();
        t.record(Direction::Sent, "get".into());
        t.record(Direction::Received, "  a = 1\n  b = 2".into());
        let r = t.render();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].ends_with(" > get"), "{r}");
        assert!(lines[1].ends_with(" <   a = 1"), "{r}");
        assert!(lines[2].ends_with(" <   b = 2"), "{r}");
        // `2026-11-25T05:19:29.123Z > get`
        assert_eq!(lines[0].find(" > "), Some(24), "{r}");
        assert_eq!(&lines[0][19..20], ".");
    }

    #[test]
    fn write_to_creates_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/host.transcript");
        let mut t = Transcript::default();
        t.record(Direction::Sent, "exit".into());
        t.write_to(&path).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .ends_with("> exit\n")
        );
    }
}
