//! The local state directory (`.xspctl/` beside the playbook by default, see
//! [`state_root`]): backups, journals, transcripts and pending restarts. Nothing
//! here ever holds a secret: backups and journals hold what the CLI shows
//! (`********` for passwords), transcripts are masked where they are written.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::desired::{CommandFact, Fact};
use crate::fsutil::{now_rfc3339, write_atomic};
use crate::live::LiveTree;

/// A backup of every context an apply touched, taken before the first write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// Backup id (also the file name): `<UTC time>-<run id>`.
    pub id: String,
    /// Host name.
    pub host: String,
    /// When it was taken.
    pub created: String,
    /// The touched contexts as they were, as facts: restoring them is an apply.
    pub facts: Vec<Fact>,
    /// The raw contexts as read.
    pub live: LiveTree,
    /// The secrets (`context name`) the apply set: never held here, since their
    /// values cannot be read, so never restored (docs/decisions.md, "secrets").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// The files the apply uploads or removes, as they were before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileBackup>,
    /// The commands the apply runs, with what their read showed before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandBackup>,
}

/// A command an apply runs, and the rows its read showed before it: rollback
/// brings that read back (re-running the command once its files are restored,
/// or running its undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandBackup {
    /// The command.
    pub command: CommandFact,
    /// Its context's rows, projected on the observed columns, before it ran.
    pub before: Vec<Vec<String>>,
}

/// A file of the host as it was before an apply uploaded or removed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileBackup {
    /// Absolute path on the host.
    pub path: String,
    /// What it was.
    pub before: FileBefore,
}

/// A file's state before an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileBefore {
    /// There was no file: rollback removes it.
    Absent,
    /// Its content (hex) and mode: rollback writes them back.
    Content {
        /// The bytes, hex-encoded.
        hex: String,
        /// The mode, when the server said.
        mode: Option<u32>,
        /// SHA-256 of the bytes.
        sha256: String,
    },
    /// A private key: never copied off the host. The apply renames the file to
    /// `aside` (same directory, same mode) before writing, rollback renames it
    /// back, and a confirmed apply removes it.
    KeptOnHost {
        /// Where the previous file is kept on the host.
        aside: String,
        /// SHA-256 of its content (not the content).
        sha256: String,
    },
}

impl Backup {
    /// What the backup holds, one line per context: `Context args: N rows` or
    /// `Context: Name = value`.
    pub fn contents(&self) -> Vec<String> {
        self.facts
            .iter()
            .map(|f| {
                let place = f.context_ref();
                match f {
                    Fact::Table(t) => format!("{place}: {} rows", t.rows.len()),
                    Fact::Attribute(a) => format!("{place}: {} = {}", a.name, a.want.setting()),
                }
            })
            .chain(self.commands.iter().map(|c| {
                format!(
                    "{}: {} rows before `{}`",
                    c.command.context,
                    c.before.len(),
                    c.command.line.join(" ")
                )
            }))
            .chain(self.files.iter().map(|f| {
                let what = match &f.before {
                    FileBefore::Absent => "absent".to_string(),
                    FileBefore::Content { sha256, .. } => format!("sha256 {sha256}"),
                    FileBefore::KeptOnHost { aside, sha256 } => {
                        format!("sha256 {sha256}, kept on the host as {aside}")
                    }
                };
                format!("file {}: {what}", f.path)
            }))
            .collect()
    }
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// Where a run keeps its state: `--state-dir` (or `XSPCTL_STATE`) when given,
/// otherwise `.xspctl/` in the playbook's directory, so the same playbook finds its
/// backups and pending restarts whatever the current directory.
pub fn state_root(explicit: Option<&Path>, playbook: &Path) -> PathBuf {
    match explicit {
        Some(dir) => dir.to_path_buf(),
        None => playbook
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(".xspctl"),
    }
}

/// One host's pending restart, as recorded in its own file
/// (`pending-restarts/<host>.json`, written atomically): hosts applied in parallel
/// never overwrite each other's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PendingRestart {
    host: String,
    since: String,
}

impl Store {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Saves a backup; returns its path.
    pub fn save_backup(&self, backup: &Backup) -> std::io::Result<PathBuf> {
        let path = self.backup_path(&backup.host, &backup.id);
        let json = serde_json::to_vec_pretty(backup)?;
        write_atomic(&path, &json)?;
        Ok(path)
    }

    /// Loads a backup by id, or the newest one of the host when `id` is None.
    pub fn load_backup(&self, host: &str, id: Option<&str>) -> std::io::Result<Backup> {
        let id = match id {
            Some(id) => id.to_string(),
            None => self.backup_ids(host)?.pop().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "no backup of host {host} in {}",
                        self.root.join("backups").display()
                    ),
                )
            })?,
        };
        let bytes = std::fs::read(self.backup_path(host, &id))?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }

    /// The backup ids of a host, oldest first.
    pub fn backup_ids(&self, host: &str) -> std::io::Result<Vec<String>> {
        let dir = self.root.join("backups").join(host);
        let mut ids: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".json"))
                        .map(str::to_string)
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        ids.sort();
        Ok(ids)
    }

    fn backup_path(&self, host: &str, id: &str) -> PathBuf {
        self.root
            .join("backups")
            .join(host)
            .join(format!("{id}.json"))
    }

    /// Opens (appending) the journal of a run.
    pub fn journal(&self, run_id: &str) -> std::io::Result<Journal> {
        let dir = self.root.join("journal");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{run_id}.jsonl"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        Ok(Journal {
            path,
            file: std::sync::Mutex::new(file),
        })
    }

    /// Where a host's masked transcript of a run goes.
    pub fn transcript_path(&self, run_id: &str, host: &str) -> PathBuf {
        self.root
            .join("transcripts")
            .join(run_id)
            .join(format!("{host}.log"))
    }

    /// Since when a host waits for a restart, if it does.
    pub fn pending_restart(&self, host: &str) -> Option<String> {
        let bytes = std::fs::read(self.pending_path(host)).ok()?;
        serde_json::from_slice::<PendingRestart>(&bytes)
            .ok()
            .map(|p| p.since)
    }

    /// Records that a host waits for a restart (keeping the first time it was
    /// recorded); returns since when. Only a restart clears it
    /// ([`Store::clear_pending_restart`]).
    pub fn mark_pending_restart(&self, host: &str) -> std::io::Result<String> {
        if let Some(since) = self.pending_restart(host) {
            return Ok(since);
        }
        let entry = PendingRestart {
            host: host.to_string(),
            since: now_rfc3339(),
        };
        write_atomic(
            &self.pending_path(host),
            &serde_json::to_vec_pretty(&entry)?,
        )?;
        Ok(entry.since)
    }

    /// Clears a host's pending restart, after the host was restarted.
    pub fn clear_pending_restart(&self, host: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.pending_path(host)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn pending_path(&self, host: &str) -> PathBuf {
        self.root
            .join("pending-restarts")
            .join(format!("{host}.json"))
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When.
    pub time: String,
    /// Which host.
    pub host: String,
    /// What happened: `lock`, `read`, `backup`, `write`, `write-failed`, `confirm`,
    /// `rollback`, `restart`, `unlock`, ...
    pub event: String,
    /// Details (a command line, a backup id, an error); never a secret.
    pub detail: String,
}

/// A run's journal: one JSON object per line, appended as steps happen.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: std::sync::Mutex<std::fs::File>,
}

impl Journal {
    /// Appends one entry and flushes it.
    pub fn record(&self, host: &str, event: &str, detail: impl Into<String>) {
        let entry = JournalEntry {
            time: now_rfc3339(),
            host: host.to_string(),
            event: event.to_string(),
            detail: detail.into(),
        };
        if let Ok(mut line) = serde_json::to_vec(&entry) {
            line.push(b'\n');
            let written = match self.file.lock() {
                Ok(mut f) => f.write_all(&line).and_then(|_| f.flush()),
                Err(_) => Err(std::io::Error::other("journal lock poisoned")),
            };
            if let Err(e) = written {
                tracing::warn!("journal {}: {e}", self.path.display());
            }
        }
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
