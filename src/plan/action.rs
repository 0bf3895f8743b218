//! What a plan does to a host, one action at a time: a CLI command (`add`, `set`,
//! `delete`, or a command such as `updateTrust`), a file uploaded by SFTP, a file
//! removed. Each kind says how it is backed up and rolled back (docs/decisions.md,
//! "actions"): a CLI write by the facts of its context as found; an uploaded or
//! removed file by its previous content, kept in the backup, or, for a private
//! key, kept aside on the host and never copied off it.
use serde::{Deserialize, Serialize};

use super::Op;

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A CLI command in a context (its secrets, if any, typed at the prompts).
    Cli(Op),
    /// A file written by SFTP (temporary file, then renamed over the old one).
    Upload(Upload),
    /// A file removed.
    Remove(Remove),
}

/// A file written to the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// Absolute path on the host.
    pub path: String,
    /// Where the content comes from (a local path), for review.
    pub source: String,
    /// SHA-256 (hex) of the content written: the apply refuses other content.
    pub sha256: String,
    /// The mode set.
    pub mode: u32,
    /// SHA-256 of the file it replaces; None when there is none.
    pub before: Option<String>,
    /// A private key: the file it replaces is kept aside on the host, not copied
    /// into the backup.
    pub private: bool,
}

/// A file removed from the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remove {
    /// Absolute path on the host.
    pub path: String,
    /// SHA-256 of the file removed.
    pub before: String,
    /// A private key: kept aside on the host until the apply is confirmed.
    pub private: bool,
}

/// The first characters of a hash, for display.
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

impl Action {
    /// Where it acts: the CLI context, or the file's path.
    pub fn place(&self) -> &str {
        match self {
            Action::Cli(op) => &op.context,
            Action::Upload(u) => &u.path,
            Action::Remove(r) => &r.path,
        }
    }

    /// The action as a line: the command as typed, or `upload …` / `remove`.
    pub fn command_line(&self) -> String {
        match self {
            Action::Cli(op) => op.command_line(),
            Action::Upload(u) => format!("upload {} (mode {:o})", u.source, u.mode),
            Action::Remove(_) => "remove".to_string(),
        }
    }

    /// What a plan shows beside it.
    pub fn note(&self) -> Option<String> {
        match self {
            Action::Cli(op) => op.note(),
            Action::Upload(u) => Some(match &u.before {
                Some(b) => format!("replaces sha256 {}; new {}", short(b), short(&u.sha256)),
                None => format!("new file, sha256 {}", short(&u.sha256)),
            }),
            Action::Remove(r) => Some(format!("was sha256 {}", short(&r.before))),
        }
    }

    /// `+` (adds), `-` (removes) or `~` (changes), for plans.
    pub fn sign(&self) -> char {
        match self {
            Action::Cli(op) => op.verb.sign(),
            Action::Upload(u) if u.before.is_none() => '+',
            Action::Upload(_) => '~',
            Action::Remove(_) => '-',
        }
    }

    /// Whether BroadWorks must restart for it to take effect.
    pub fn restart(&self) -> bool {
        matches!(self, Action::Cli(op) if op.restart)
    }

    /// The CLI command, if it is one.
    pub fn cli(&self) -> Option<&Op> {
        match self {
            Action::Cli(op) => Some(op),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_tagged_in_a_plan_file_and_shown_on_one_line() {
        let up = Action::Upload(Upload {
            path: "/var/broadworks/tmp/anchor.pem".into(),
            source: "/etc/xspctl/ca.pem".into(),
            sha256: "a".repeat(64),
            mode: 0o644,
            before: None,
            private: false,
        });
        let json = serde_json::to_string(&up).unwrap();
        assert!(json.starts_with("{\"action\":\"upload\""), "{json}");
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), up);
        assert_eq!(up.command_line(), "upload /etc/xspctl/ca.pem (mode 644)");
        assert_eq!(up.sign(), '+');
        assert_eq!(up.note().unwrap(), "new file, sha256 aaaaaaaaaaaa");
        let rm = Action::Remove(Remove {
            path: "/var/broadworks/tmp/key.pem".into(),
            before: "b".repeat(64),
            private: true,
        });
        assert_eq!(
            (rm.place(), rm.sign()),
            ("/var/broadworks/tmp/key.pem", '-')
        );
    }
}
