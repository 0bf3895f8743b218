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
    /// The rows the apply deletes from tables without `add`, with the certificate
    /// that loads each again ([`Store::loaded`]): what the rollback needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reloads: Vec<RowReload>,
}

/// A row of a table without `add` (the CTI Trusts table), and the certificate
/// that loads it again (`TableFact::loaded_by`; docs/decisions.md D66). A public
/// certificate: never a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReload {
    /// The table's context.
    pub context: String,
    /// The row's key (the alias).
    pub key: String,
    /// The certificate, PEM.
    pub pem: String,
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

/// The fields a backup line is found by.
#[derive(Deserialize)]
struct BackupHead {
    id: String,
    host: String,
}

/// One host's pending restart, as recorded in its own file
/// (`pending-restarts/<host>.json`, created exclusively): hosts applied in
/// parallel never overwrite each other's entry.
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

    /// Saves a backup: appended as one line to its run's file
    /// (`backups/<run id>.jsonl`, one line per host) and synced before the first
    /// write; returns the file's path. One file per run, not per host: creating two
    /// files and a directory per host was a sixth of an apply's CPU at 100 hosts
    /// on ext4 (docs/decisions.md, D65).
    pub fn save_backup(&self, backup: &Backup) -> std::io::Result<PathBuf> {
        let path = self.run_backups_path(run_of(&backup.host, &backup.id));
        let mut line = serde_json::to_vec(backup)?;
        line.push(b'\n');
        append_synced(&path, &line)?;
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
        let run_file = self.run_backups_path(run_of(host, &id));
        // Each line's head first: a run's file holds every host's backup, and only
        // the one asked for is parsed whole.
        for (number, line) in backup_lines(&run_file)? {
            let head: BackupHead = backup_line(&run_file, number, &line)?;
            if head.host == host && head.id == id {
                return backup_line(&run_file, number, &line);
            }
        }
        // A backup an earlier xspctl wrote, one file per host and backup.
        let bytes = std::fs::read(self.legacy_backup_path(host, &id))?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }

    /// The backup ids of a host, oldest first.
    pub fn backup_ids(&self, host: &str) -> std::io::Result<Vec<String>> {
        let mut ids = Vec::new();
        for entry in read_dir_or_empty(&self.root.join("backups"))? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "jsonl") {
                continue;
            }
            for (number, line) in backup_lines(&path)? {
                let head: BackupHead = backup_line(&path, number, &line)?;
                if head.host == host {
                    ids.push(head.id);
                }
            }
        }
        for entry in read_dir_or_empty(&self.root.join("backups").join(host))? {
            if let Some(id) = entry?
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
            {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    fn run_backups_path(&self, run_id: &str) -> PathBuf {
        self.root.join("backups").join(format!("{run_id}.jsonl"))
    }

    fn legacy_backup_path(&self, host: &str, id: &str) -> PathBuf {
        self.root
            .join("backups")
            .join(host)
            .join(format!("{id}.json"))
    }

    /// Keeps the certificate a command loaded as row `key` of `context` (written
    /// only when missing or different), so that a rollback can load it again once
    /// a later apply deleted the row: `loaded/<context>/<key>.pem`.
    pub fn keep_loaded(&self, context: &str, key: &str, pem: &str) -> std::io::Result<()> {
        let path = self.loaded_path(context, key);
        if std::fs::read_to_string(&path).is_ok_and(|kept| kept == pem) {
            return Ok(());
        }
        write_atomic(&path, pem.as_bytes())
    }

    /// The certificate kept for row `key` of `context`, if any.
    pub fn loaded(&self, context: &str, key: &str) -> Option<String> {
        std::fs::read_to_string(self.loaded_path(context, key)).ok()
    }

    fn loaded_path(&self, context: &str, key: &str) -> PathBuf {
        let name = |s: &str| -> String {
            s.trim_matches('/')
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        self.root
            .join("loaded")
            .join(name(context))
            .join(format!("{}.pem", name(key)))
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
    ///
    /// The file is created once, exclusively, and not synced: it says since when,
    /// while the host's own mark is the record that a restart is due (D11). A file
    /// a crash left empty or cut short reads as no entry, and the next mark
    /// replaces it.
    pub fn mark_pending_restart(&self, host: &str) -> std::io::Result<String> {
        if let Some(since) = self.pending_restart(host) {
            return Ok(since);
        }
        let entry = PendingRestart {
            host: host.to_string(),
            since: now_rfc3339(),
        };
        let path = self.pending_path(host);
        let bytes = serde_json::to_vec_pretty(&entry)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        match created {
            Ok(mut file) => file.write_all(&bytes)?,
            // There, but not an entry (see above): replaced whole.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                write_atomic(&path, &bytes)?;
            }
            Err(e) => return Err(e),
        }
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

/// The run id in a backup id (`<host>-<run id>`, see `apply`).
fn run_of<'a>(host: &str, id: &'a str) -> &'a str {
    id.strip_prefix(host)
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or(id)
}

/// Appends `bytes` to `path` (created with its directory when missing) in one
/// write, and syncs it. Hosts applied in parallel append to the same run file:
/// the lock keeps each line whole; the sync runs outside it, so that hosts do
/// not wait for each other's syncs.
fn append_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static APPEND: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = {
        let _one_at_a_time = APPEND.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(bytes)?;
        file
    };
    file.sync_data()
}

/// The lines of a run's backup file, numbered from 1; none when it is missing.
fn backup_lines(path: &Path) -> std::io::Result<Vec<(usize, String)>> {
    use std::io::BufRead;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(i, line)| line.map(|l| (i + 1, l)))
        .collect()
}

/// Line `number` of the backup file `path`, parsed; a line that is not a whole
/// backup is an error that names it.
fn backup_line<T: serde::de::DeserializeOwned>(
    path: &Path,
    number: usize,
    line: &str,
) -> std::io::Result<T> {
    serde_json::from_str(line).map_err(|e| {
        std::io::Error::other(format!(
            "{}:{number}: not a whole backup ({e}); did an xspctl stop while writing \
             it? Move the file aside to use the other backups",
            path.display()
        ))
    })
}

/// The entries of `dir`; none when it is missing.
fn read_dir_or_empty(dir: &Path) -> std::io::Result<Vec<std::io::Result<std::fs::DirEntry>>> {
    match std::fs::read_dir(dir) {
        Ok(rd) => Ok(rd.collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(host: &str, run: &str) -> Backup {
        Backup {
            id: format!("{host}-{run}"),
            host: host.to_string(),
            created: "2026-12-03T06:00:00Z".to_string(),
            facts: Vec::new(),
            live: LiveTree::default(),
            secrets: Vec::new(),
            files: Vec::new(),
            commands: Vec::new(),
            reloads: Vec::new(),
        }
    }

    #[test]
    fn the_backups_of_a_run_share_one_file_and_are_found_by_host() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let first = "20261203T060000Z-1";
        let second = "20261203T070000Z-2";
        let path = store.save_backup(&backup("xsp1", first)).unwrap();
        assert_eq!(path, dir.path().join(format!("backups/{first}.jsonl")));
        store.save_backup(&backup("xsp2", first)).unwrap();
        store.save_backup(&backup("xsp1", second)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");

        assert_eq!(
            store.backup_ids("xsp1").unwrap(),
            [format!("xsp1-{first}"), format!("xsp1-{second}")]
        );
        assert_eq!(store.backup_ids("xsp2").unwrap(), [format!("xsp2-{first}")]);
        assert!(store.backup_ids("xsp3").unwrap().is_empty());
        assert_eq!(
            store.load_backup("xsp1", None).unwrap().id,
            format!("xsp1-{second}")
        );
        let named = store
            .load_backup("xsp2", Some(&format!("xsp2-{first}")))
            .unwrap();
        assert_eq!(named, backup("xsp2", first));
        assert!(store.load_backup("xsp3", None).is_err());
    }

    #[test]
    fn a_backup_an_earlier_version_wrote_per_host_is_still_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let old = backup("xsp1", "20261101T000000Z-9");
        let legacy = dir.path().join("backups/xsp1");
        std::fs::create_dir_all(&legacy).unwrap();
        std::fs::write(
            legacy.join(format!("{}.json", old.id)),
            serde_json::to_vec_pretty(&old).unwrap(),
        )
        .unwrap();
        store
            .save_backup(&backup("xsp1", "20261203T060000Z-1"))
            .unwrap();
        let ids = store.backup_ids("xsp1").unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], old.id);
        assert_eq!(store.load_backup("xsp1", Some(&old.id)).unwrap(), old);
    }

    #[test]
    fn a_torn_backup_line_is_named_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let run = "20261203T060000Z-1";
        let path = store.save_backup(&backup("xsp1", run)).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"{\"id\":\"xsp2-2026").unwrap();
        let e = store.backup_ids("xsp1").unwrap_err().to_string();
        assert!(e.contains(&format!("{}:2:", path.display())), "{e}");
        assert!(e.contains("Move the file aside"), "{e}");
    }

    #[test]
    fn a_pending_restart_keeps_its_first_time_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert_eq!(store.pending_restart("xsp1"), None);
        let since = store.mark_pending_restart("xsp1").unwrap();
        let path = dir.path().join("pending-restarts/xsp1.json");
        let first = std::fs::read(&path).unwrap();
        assert_eq!(store.mark_pending_restart("xsp1").unwrap(), since);
        assert_eq!(std::fs::read(&path).unwrap(), first, "not rewritten");
        assert_eq!(store.pending_restart("xsp1"), Some(since));
        assert_eq!(store.pending_restart("xsp2"), None);
        store.clear_pending_restart("xsp1").unwrap();
        assert_eq!(store.pending_restart("xsp1"), None);
        assert!(!path.exists());
    }

    #[test]
    fn a_pending_restart_file_a_crash_left_empty_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let path = dir.path().join("pending-restarts/xsp1.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"").unwrap();
        assert_eq!(store.pending_restart("xsp1"), None);
        let since = store.mark_pending_restart("xsp1").unwrap();
        assert_eq!(store.pending_restart("xsp1"), Some(since));
    }
}
