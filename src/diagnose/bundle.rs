//! The bundle: named files with how each was obtained, a manifest with the
//! SHA-256 of every file, written as one `.tar.gz` only after the redaction scan
//! passed on every file, and read back (hashes checked) for `--offline`.
use std::io::Read;
use std::path::Path;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::redact::{Leak, Redactor};

/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.json";
/// The largest archive `--offline` reads, and the largest file in it.
const READ_LIMIT: u64 = 512 * 1024 * 1024;

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Path inside the archive.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// How it was obtained.
    pub how: String,
    /// Set when only the end of a larger file is bundled.
    pub truncated: Option<Truncated>,
}

/// A file of which only the tail is bundled (a log over its cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncated {
    /// Its size where it was read.
    pub original_bytes: u64,
    /// How many of its last bytes were read (before redaction).
    pub kept_bytes: u64,
}

/// A bundle being built or read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    /// The files, in the order added (the manifest last when written).
    pub files: Vec<BundleFile>,
}

/// The manifest: every other file's size, hash and origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The xspctl version that wrote the bundle.
    pub xspctl_version: String,
    /// When (RFC 3339 UTC).
    pub created: String,
    /// The files.
    pub files: Vec<ManifestEntry>,
}

/// One manifest line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path inside the archive.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 (hex).
    pub sha256: String,
    /// How it was obtained.
    pub how: String,
    /// Set when only the end of a larger file is bundled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncated>,
}

/// Why a bundle could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A known secret is in a file: nothing was written.
    #[error(transparent)]
    Leak(#[from] Leak),
    /// Writing or reading the archive failed.
    #[error("{path}: {message}")]
    Io {
        /// The archive.
        path: String,
        /// What failed.
        message: String,
    },
    /// The archive is not a bundle, or does not match its manifest.
    #[error("{path}: not a diagnose bundle: {message}")]
    Invalid {
        /// The archive.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Bundle {
    /// Adds a file.
    pub fn add(&mut self, path: impl Into<String>, bytes: Vec<u8>, how: impl Into<String>) {
        self.files.push(BundleFile {
            path: path.into(),
            bytes,
            how: how.into(),
            truncated: None,
        });
    }

    /// Adds the tail of a larger file, noted as such in the manifest.
    pub fn add_tail(
        &mut self,
        path: impl Into<String>,
        bytes: Vec<u8>,
        how: impl Into<String>,
        truncated: Truncated,
    ) {
        self.add(path, bytes, how);
        if let Some(f) = self.files.last_mut() {
            f.truncated = Some(truncated);
        }
    }

    /// Adds a value as pretty JSON.
    pub fn add_json<T: Serialize>(&mut self, path: impl Into<String>, value: &T, how: &str) {
        let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
        bytes.push(b'\n');
        self.add(path, bytes, how);
    }

    /// The file at `path`.
    pub fn file(&self, path: &str) -> Option<&BundleFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The manifest of the files added so far.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            xspctl_version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::fsutil::now_rfc3339(),
            files: self
                .files
                .iter()
                .filter(|f| f.path != MANIFEST)
                .map(|f| ManifestEntry {
                    path: f.path.clone(),
                    bytes: f.bytes.len() as u64,
                    sha256: hex::encode(Sha256::digest(&f.bytes)),
                    how: f.how.clone(),
                    truncated: f.truncated,
                })
                .collect(),
        }
    }

    /// Scans every file and the manifest with `redactor`, then writes the
    /// archive to `out` (beside it first, then renamed: never half written).
    /// Nothing is written when the scan finds a secret.
    pub fn write(&self, out: &Path, redactor: &Redactor) -> Result<Manifest, BundleError> {
        let manifest = self.manifest();
        let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        for f in &self.files {
            redactor.scan(&f.path, &f.bytes)?;
        }
        redactor.scan(MANIFEST, &manifest_bytes)?;
        let io = |e: std::io::Error| BundleError::Io {
            path: out.display().to_string(),
            message: e.to_string(),
        };
        let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
        let tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new("."))).map_err(io)?;
        {
            let gz = GzEncoder::new(tmp.as_file(), Compression::default());
            let mut tar = tar::Builder::new(gz);
            let entries = self
                .files
                .iter()
                .map(|f| (f.path.as_str(), f.bytes.as_slice()))
                .chain(std::iter::once((MANIFEST, manifest_bytes.as_slice())));
            for (path, bytes) in entries {
                let mut h = tar::Header::new_gnu();
                h.set_size(bytes.len() as u64);
                h.set_mode(0o644);
                h.set_mtime(time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64);
                h.set_cksum();
                tar.append_data(&mut h, path, bytes).map_err(io)?;
            }
            tar.into_inner().map_err(io)?.finish().map_err(io)?;
        }
        tmp.persist(out).map_err(|e| io(e.error))?;
        Ok(manifest)
    }

    /// Reads an archive written by [`Bundle::write`], checking every file
    /// against the manifest.
    pub fn read(path: &Path) -> Result<Bundle, BundleError> {
        let shown = path.display().to_string();
        let invalid = |message: String| BundleError::Invalid {
            path: shown.clone(),
            message,
        };
        let file = std::fs::File::open(path).map_err(|e| BundleError::Io {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let mut tar = tar::Archive::new(GzDecoder::new(file).take(READ_LIMIT));
        let mut bundle = Bundle::default();
        let entries = tar.entries().map_err(|e| invalid(e.to_string()))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| invalid(e.to_string()))?;
            let name = entry
                .path()
                .map_err(|e| invalid(e.to_string()))?
                .to_string_lossy()
                .into_owned();
            let mut bytes = Vec::new();
            entry
                .by_ref()
                .take(READ_LIMIT)
                .read_to_end(&mut bytes)
                .map_err(|e| invalid(format!("{name}: {e}")))?;
            bundle.add(name, bytes, "");
        }
        let manifest: Manifest = bundle
            .file(MANIFEST)
            .ok_or_else(|| invalid(format!("it has no {MANIFEST}")))
            .and_then(|f| {
                serde_json::from_slice(&f.bytes).map_err(|e| invalid(format!("{MANIFEST}: {e}")))
            })?;
        for entry in &manifest.files {
            let f = bundle
                .files
                .iter_mut()
                .find(|f| f.path == entry.path)
                .ok_or_else(|| {
                    invalid(format!(
                        "{} is in the manifest but not in the archive",
                        entry.path
                    ))
                })?;
            if hex::encode(Sha256::digest(&f.bytes)) != entry.sha256 {
                return Err(invalid(format!(
                    "{}: its SHA-256 differs from the manifest's (changed after it was written)",
                    entry.path
                )));
            }
            f.how = entry.how.clone();
            f.truncated = entry.truncated;
        }
        if let Some(extra) = bundle
            .files
            .iter()
            .find(|f| f.path != MANIFEST && !manifest.files.iter().any(|e| e.path == f.path))
        {
            return Err(invalid(format!("{} is not in the manifest", extra.path)));
        }
        Ok(bundle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn a_bundle_round_trips_with_its_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("case.tar.gz");
        let mut b = Bundle::default();
        b.add("a.txt", b"alpha\n".to_vec(), "test");
        b.add_json("hosts/h/x.json", &serde_json::json!({"k": 1}), "test json");
        let cut = Truncated {
            original_bytes: 10,
            kept_bytes: 4,
        };
        b.add_tail("hosts/h/logs/x.txt", b"tail".to_vec(), "log", cut);
        let m = b.write(&out, &Redactor::default()).unwrap();
        assert_eq!(m.files.len(), 3);
        assert_eq!(m.files[2].truncated, Some(cut));
        assert_eq!(m.files[0].truncated, None);
        let back = Bundle::read(&out).unwrap();
        assert_eq!(back.file("a.txt").unwrap().bytes, b"alpha\n");
        assert_eq!(back.file("hosts/h/x.json").unwrap().how, "test json");
        assert!(back.file(MANIFEST).is_some());
        assert_eq!(
            back.file("hosts/h/logs/x.txt").unwrap().truncated,
            Some(cut)
        );
    }

    #[test]
    fn a_secret_in_any_file_stops_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("case.tar.gz");
        let mut b = Bundle::default();
        b.add("ok.txt", b"fine".to_vec(), "test");
        b.add("hosts/h/bwcli.json", b"pw=S3cret-Value-9".to_vec(), "test");
        let r = Redactor::new([Secret::new("S3cret-Value-9")]);
        let e = b.write(&out, &r).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("hosts/h/bwcli.json: holds a secret (plain)"),
            "{e}"
        );
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
