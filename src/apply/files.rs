//! Uploads and removals of host files, their backups and their rollback
//! (docs/decisions.md, "actions"). A file's backup is its previous content, kept
//! in the local backup; a private key's previous file is never copied off the
//! host: it is renamed aside on the host before the write, renamed back by a
//! rollback, and removed once the apply is confirmed.
use crate::live::link::{HostLink, LinkError};
use crate::plan::Action;
use crate::plan::files::{HostFiles, sha256};
use crate::store::{FileBackup, FileBefore};

/// The backups of the files `actions` upload or remove, one per path (a
/// transient file is uploaded and removed: one backup, of how it was before).
pub fn backups(actions: &[Action], files: &HostFiles, run_id: &str) -> Vec<FileBackup> {
    let mut out: Vec<FileBackup> = Vec::new();
    for b in actions.iter().filter_map(|a| backup_of(a, files, run_id)) {
        if !out.iter().any(|o| o.path == b.path) {
            out.push(b);
        }
    }
    out
}

/// The backup of the file an upload or removal acts on, as planned.
fn backup_of(action: &Action, files: &HostFiles, run_id: &str) -> Option<FileBackup> {
    let (path, private) = match action {
        Action::Cli(_) => return None,
        Action::Upload(u) => (&u.path, u.private),
        Action::Remove(r) => (&r.path, r.private),
    };
    let before = match files.found(path) {
        None => FileBefore::Absent,
        Some(f) if private => FileBefore::KeptOnHost {
            aside: format!("{path}.xspctl-backup-{run_id}"),
            sha256: sha256(&f.bytes),
        },
        Some(f) => FileBefore::Content {
            hex: hex::encode(&f.bytes),
            mode: f.mode,
            sha256: sha256(&f.bytes),
        },
    };
    Some(FileBackup {
        path: path.clone(),
        before,
    })
}

/// Runs an upload or removal, keeping a private key's previous file aside first
/// (once: a transient file's removal then removes what its upload wrote).
pub fn perform(
    link: &mut dyn HostLink,
    action: &Action,
    files: &HostFiles,
    backup: &FileBackup,
) -> Result<(), LinkError> {
    let mut kept_now = false;
    if let FileBefore::KeptOnHost { aside, .. } = &backup.before
        && link.read_file(aside)?.is_none()
    {
        link.rename_file(&backup.path, aside)?;
        kept_now = true;
    }
    match action {
        Action::Upload(u) => {
            // The content read when planning, whose hash the plan shows.
            let content = files.content(&u.path).ok_or_else(|| {
                LinkError::Transport(format!("no content was read for {}", u.path))
            })?;
            link.replace_file(&u.path, content, u.mode)
        }
        // Kept aside just now: that was the removal.
        Action::Remove(_) if kept_now => Ok(()),
        Action::Remove(r) => link.remove_file(&r.path),
        Action::Cli(_) => Ok(()),
    }
}

/// Re-reads the files `actions` wrote and removed (as the last action on each
/// path left them); the differences, one line each.
pub fn unconfirmed(link: &mut dyn HostLink, actions: &[Action]) -> Result<Vec<String>, LinkError> {
    let mut left = Vec::new();
    let last = |i: usize, a: &Action| !actions[i + 1..].iter().any(|b| b.place() == a.place());
    let finals = actions
        .iter()
        .enumerate()
        .filter(|(i, a)| last(*i, a))
        .map(|(_, a)| a);
    for action in finals {
        match action {
            Action::Upload(u) => match link.read_file(&u.path)? {
                Some(f) if sha256(&f.bytes) == u.sha256 => {}
                Some(f) => left.push(format!(
                    "{} holds sha256 {}, not the uploaded {}",
                    u.path,
                    sha256(&f.bytes),
                    u.sha256
                )),
                None => left.push(format!("{} is missing after its upload", u.path)),
            },
            Action::Remove(r) => {
                if link.read_file(&r.path)?.is_some() {
                    left.push(format!("{} is still there after its removal", r.path));
                }
            }
            Action::Cli(_) => {}
        }
    }
    Ok(left)
}

/// Puts every file of `backups` back as it was (latest first), then re-reads
/// each to prove it: how many it changed, and the failures, one line each.
pub fn restore(link: &mut dyn HostLink, backups: &[FileBackup]) -> (usize, Vec<String>) {
    let mut changed = 0;
    let mut failures = Vec::new();
    for b in backups.iter().rev() {
        match restore_one(link, b) {
            Ok(c) => changed += usize::from(c),
            Err(e) => failures.push(format!("restoring {}: {e}", b.path)),
        }
    }
    (changed, failures)
}

/// The SHA-256 the backup says the file had (None: absent).
fn sha_before(b: &FileBackup) -> Option<String> {
    match &b.before {
        FileBefore::Absent => None,
        FileBefore::Content { sha256, .. } | FileBefore::KeptOnHost { sha256, .. } => {
            Some(sha256.clone())
        }
    }
}

/// Restores one file unless it is already as it was; whether it changed it.
fn restore_one(link: &mut dyn HostLink, b: &FileBackup) -> Result<bool, LinkError> {
    let aside_left = match &b.before {
        FileBefore::KeptOnHost { aside, .. } => link.read_file(aside)?.is_some(),
        _ => false,
    };
    let now = link.read_file(&b.path)?.map(|f| sha256(&f.bytes));
    if now == sha_before(b) && !aside_left {
        return Ok(false);
    }
    match &b.before {
        FileBefore::Absent => link.remove_file(&b.path)?,
        FileBefore::Content { hex, mode, .. } => {
            let bytes = hex::decode(hex).map_err(|e| {
                LinkError::Transport(format!("the backup's content is damaged: {e}"))
            })?;
            link.replace_file(&b.path, &bytes, mode.unwrap_or(0o644))?;
        }
        FileBefore::KeptOnHost { aside, .. } => {
            if aside_left {
                link.remove_file(&b.path)?;
                link.rename_file(aside, &b.path)?;
            }
        }
    }
    let now = link.read_file(&b.path)?.map(|f| sha256(&f.bytes));
    let want = sha_before(b);
    if now != want {
        return Err(LinkError::Transport(format!(
            "it holds {} where the backup says {}",
            now.as_deref().unwrap_or("nothing"),
            want.as_deref().unwrap_or("nothing")
        )));
    }
    Ok(true)
}

/// Removes the private keys kept aside once an apply is confirmed; a failure is
/// a note naming the file to remove by hand.
pub fn discard_asides(link: &mut dyn HostLink, backups: &[FileBackup]) -> Vec<String> {
    backups
        .iter()
        .filter_map(|b| match &b.before {
            FileBefore::KeptOnHost { aside, .. } => link.remove_file(aside).err().map(|e| {
                format!(
                    "the previous {} is still kept as {aside} ({e}): remove it by hand",
                    b.path
                )
            }),
            _ => None,
        })
        .collect()
}
