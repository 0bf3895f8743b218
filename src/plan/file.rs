//! The plan file (`plan --out plan.json`): exactly what `apply --plan` will do.
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::plan::HostPlan;

/// The plan-file format version this build writes and reads. 2: list tables are
/// ordered (a reorder is planned) and an operation may carry its want. 3: a plan is
/// a list of actions (CLI commands, uploads, removals, each tagged `action`), and
/// lists the host's secrets. An older plan was computed by other rules, so it is
/// refused rather than half-understood.
pub const FORMAT_VERSION: u32 = 3;

/// A saved plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFile {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The xspctl version that wrote it.
    pub xspctl_version: String,
    /// SHA-256 of the playbook file the plan was made from.
    pub playbook_sha256: String,
    /// When it was made (RFC 3339, UTC).
    pub created: String,
    /// One plan per host.
    pub hosts: Vec<HostPlan>,
}

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a plan file, or a damaged one.
    #[error(
        "{path}: not a valid xspctl plan file: {reason}\n  help: make a new one with `xspctl plan -f PLAYBOOK --out {path}`"
    )]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl PlanFile {
    /// Writes the plan atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), PlanFileError> {
        let io = |source| PlanFileError::Io {
            path: path.display().to_string(),
            source,
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| io(e.into()))?;
        crate::fsutil::write_atomic(path, &json).map_err(io)
    }

    /// Reads a plan and checks its format version.
    pub fn load(path: &Path) -> Result<PlanFile, PlanFileError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io {
            path: shown.clone(),
            source,
        })?;
        let invalid = |e: serde_json::Error| PlanFileError::Invalid {
            path: shown.clone(),
            reason: e.to_string(),
        };
        // The version first: an older plan's operations do not parse as actions.
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let version: Version = serde_json::from_slice(&bytes).map_err(invalid)?;
        if version.format_version != FORMAT_VERSION {
            let older = if version.format_version < FORMAT_VERSION {
                ", made by an older xspctl whose plans held CLI writes only (no uploads, removals or secrets)"
            } else {
                ", made by a newer xspctl"
            };
            return Err(PlanFileError::Invalid {
                path: shown,
                reason: format!(
                    "format version {} (this xspctl reads {FORMAT_VERSION}){older}",
                    version.format_version
                ),
            });
        }
        serde_json::from_slice(&bytes).map_err(invalid)
    }

    /// The plan of one host, if the file has one.
    pub fn host(&self, name: &str) -> Option<&HostPlan> {
        self.hosts.iter().find(|h| h.host == name)
    }
}

/// SHA-256 (hex) of a file's bytes.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    Ok(hex::encode(Sha256::digest(std::fs::read(path)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_2_plan_file_is_refused_as_older_not_as_unparsable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        // A plan as xspctl wrote it before actions: an operation is untagged.
        let v2 = r#"{"format_version":2,"xspctl_version":"0.1.0","playbook_sha256":"00",
            "created":"2026-01-01T00:00:00Z","hosts":[{"host":"xsp1","farm":"f","snapshot":"ab",
            "ops":[{"context":"/Interface/CTI","verb":"set","args":["securePort","8012"],
            "before":"8011","after":"8012","restart":true}],"views":[]}]}"#;
        std::fs::write(&path, v2).unwrap();
        let e = PlanFile::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("format version 2 (this xspctl reads 3), made by an older xspctl whose plans held CLI writes only"),
            "{e}"
        );
        assert!(e.contains("help: make a new one with `xspctl plan"), "{e}");
    }

    #[test]
    fn a_plan_file_of_another_format_version_is_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let old = PlanFile {
            format_version: 1,
            xspctl_version: "0.1.0".into(),
            playbook_sha256: "00".into(),
            created: "2026-01-01T00:00:00Z".into(),
            hosts: Vec::new(),
        };
        old.save(&path).unwrap();
        let e = PlanFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("format version 1 (this xspctl reads 3)"), "{e}");
        assert!(e.contains("help: make a new one with `xspctl plan"), "{e}");
        PlanFile {
            format_version: FORMAT_VERSION,
            ..old
        }
        .save(&path)
        .unwrap();
        assert!(PlanFile::load(&path).is_ok());
    }
}
