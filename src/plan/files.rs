//! File facts against the host: the content each file must hold (read from its
//! local source once per plan), the host's files as read by SFTP, and the uploads
//! and removals between them.
use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::live::link::{HostLink, LinkError};
use std::path::Path;

use crate::desired::{CommandFact, FileFact};
use crate::plan::action::{Action, Remove, Upload};

/// SHA-256 (hex) of some bytes.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file as the host holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFile {
    /// Its content.
    pub bytes: Vec<u8>,
    /// Its mode (permission bits), when the server says.
    pub mode: Option<u32>,
}

/// The files of one plan: what each must hold, and what the host holds.
#[derive(Debug, Clone, Default)]
pub struct HostFiles {
    /// Path -> the content it must hold (files that must exist).
    wanted: BTreeMap<String, Vec<u8>>,
    /// Path -> the host's file, None when it does not exist.
    live: BTreeMap<String, Option<HostFile>>,
}

impl HostFiles {
    /// Reads each fact's content (given, or its local source) and the host's file
    /// at its path.
    pub fn read(facts: &[FileFact], link: &mut dyn HostLink) -> Result<HostFiles, String> {
        let mut files = HostFiles::default();
        for f in facts {
            if let Some(content) = &f.content {
                files
                    .wanted
                    .insert(f.path.clone(), content.as_bytes().to_vec());
            } else if let Some(source) = &f.source {
                let bytes = std::fs::read(source).map_err(|e| {
                    format!(
                        "{}: cannot read the content for {} on the host: {e}",
                        source.display(),
                        f.path
                    )
                })?;
                files.wanted.insert(f.path.clone(), bytes);
            }
            let live = link
                .read_file(&f.path)
                .map_err(|e: LinkError| format!("reading {}: {e}", f.path))?;
            files.live.insert(f.path.clone(), live);
        }
        Ok(files)
    }

    /// The content an upload writes (None for a path the plan does not upload).
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.wanted.get(path).map(Vec::as_slice)
    }

    /// The host's file at `path` as read when planning.
    pub fn found(&self, path: &str) -> Option<&HostFile> {
        self.live.get(path).and_then(Option::as_ref)
    }

    /// The uploads (a file missing, different, or of another mode) and removals
    /// that bring the host's files to `facts` (transient files aside).
    pub fn diff(&self, facts: &[FileFact]) -> (Vec<Action>, Vec<Action>) {
        let mut uploads = Vec::new();
        let mut removals = Vec::new();
        for f in facts.iter().filter(|f| !f.transient) {
            let found = self.found(&f.path);
            match (&f.source, self.content(&f.path), found) {
                (Some(source), Some(want), found) => {
                    let same = found
                        .is_some_and(|h| h.bytes == want && h.mode.is_none_or(|m| m == f.mode));
                    if !same {
                        uploads.push(upload(f, source, want, found));
                    }
                }
                (None, _, Some(h)) => removals.push(Action::Remove(Remove {
                    path: f.path.clone(),
                    before: sha256(&h.bytes),
                    private: f.private,
                })),
                _ => {}
            }
        }
        (uploads, removals)
    }

    /// The transient files the commands `running` use: each uploaded before them
    /// and removed after them.
    pub fn transient(
        &self,
        facts: &[FileFact],
        running: &[&CommandFact],
    ) -> (Vec<Action>, Vec<Action>) {
        let mut uploads = Vec::new();
        let mut removals = Vec::new();
        let used = |f: &&FileFact| running.iter().any(|c| c.uses.contains(&f.path));
        for f in facts.iter().filter(|f| f.transient).filter(used) {
            let (Some(source), Some(want)) = (&f.source, self.content(&f.path)) else {
                continue;
            };
            uploads.push(upload(f, source, want, self.found(&f.path)));
            removals.push(Action::Remove(Remove {
                path: f.path.clone(),
                before: sha256(want),
                private: f.private,
            }));
        }
        (uploads, removals)
    }
}

/// The upload of `want` (from `source`) over the host's file `found`.
fn upload(f: &FileFact, source: &Path, want: &[u8], found: Option<&HostFile>) -> Action {
    Action::Upload(Upload {
        path: f.path.clone(),
        source: source.display().to_string(),
        sha256: sha256(want),
        mode: f.mode,
        before: found.map(|h| sha256(&h.bytes)),
        private: f.private,
    })
}
