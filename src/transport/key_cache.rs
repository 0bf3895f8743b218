//! Private key files read once per run: every host of a run authenticates with
//! the same key, and reading and decoding the file for each host was a quarter of
//! a plan's CPU (libssh2's `userauth_pubkey_file` reads it twice per host).
//!
//! The key text is held as a [`Secret`] (never printed) and handed to libssh2's
//! in-memory authentication. A key libssh2 cannot use from memory (a format its
//! in-memory parser does not know) is remembered as such, and authenticates from
//! the file, as before.
//!
//! The public key of an OpenSSH-format key is taken from the file's header, which
//! holds it in clear (even when the private part is encrypted), and handed to
//! libssh2 beside the private key: without it libssh2 decodes the private key
//! twice per host (once for the public key, once to sign), and each decode starts
//! with an OpenSSL 3 decoder set-up that was 11 % of an apply's CPU at 100 hosts.
//!
//! An OpenSSH Ed25519 key goes further: it is decoded (and decrypted) once, into a
//! [`KeySigner`] that signs for every host (`signer.rs`).
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::signer::KeySigner;
use crate::secret::Secret;

/// How a key file authenticates in this run.
#[derive(Debug, Clone)]
pub enum CachedKey {
    /// Its text, read once, for in-memory authentication.
    Memory {
        /// The private key file's text.
        text: Arc<Secret>,
        /// Its public key line (`ssh-ed25519 AAAA...`), when the file says it.
        public: Option<Arc<str>>,
    },
    /// From the file each time: its text is not usable from memory.
    File,
}

/// The keys read in this run, by path.
#[derive(Debug, Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<PathBuf, CachedKey>>,
    /// Each key file's signer, once decoded; None: not one this process signs with.
    signers: Mutex<HashMap<PathBuf, Option<Arc<KeySigner>>>>,
}

impl KeyCache {
    /// The process-wide cache (one process is one run).
    pub fn global() -> &'static KeyCache {
        static CACHE: OnceLock<KeyCache> = OnceLock::new();
        CACHE.get_or_init(KeyCache::default)
    }

    /// The key at `path`: read on first use, then from the cache. A file that
    /// is not text (not a PEM or OpenSSH key) authenticates from the file.
    /// The file is read under the cache's lock, so hosts connecting at the same
    /// time read it once between them (a key file is small).
    pub fn get(&self, path: &Path) -> std::io::Result<CachedKey> {
        let mut keys = self.lock();
        if let Some(key) = keys.get(path) {
            return Ok(key.clone());
        }
        let key = match String::from_utf8(std::fs::read(path)?) {
            Ok(text) => CachedKey::Memory {
                public: openssh_public_key(&text).map(Arc::from),
                text: Arc::new(Secret::new(text)),
            },
            Err(_) => CachedKey::File,
        };
        keys.insert(path.to_path_buf(), key.clone());
        Ok(key)
    }

    /// The in-process signer of the key at `path` (whose text is `text`), decoded
    /// on first use with `passphrase`; None for a key libssh2 signs with. Decoded
    /// under the cache's lock, so hosts connecting at the same time decode (and
    /// decrypt) it once between them.
    pub fn signer(
        &self,
        path: &Path,
        text: &Secret,
        passphrase: Option<&str>,
    ) -> Option<Arc<KeySigner>> {
        let mut signers = self
            .signers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        signers
            .entry(path.to_path_buf())
            .or_insert_with(|| KeySigner::ed25519(text.expose(), passphrase).map(Arc::new))
            .clone()
    }

    /// Remembers that libssh2 cannot use the key at `path` from memory.
    pub fn use_file(&self, path: &Path) {
        self.lock().insert(path.to_path_buf(), CachedKey::File);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, CachedKey>> {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The public key line (`TYPE BASE64`) of an OpenSSH-format private key, from
/// its header (OpenSSH PROTOCOL.key: `openssh-key-v1\0`, cipher name, KDF name,
/// KDF options, the number of keys, then each public key in clear); None for
/// any other format, or a file with more than one key.
fn openssh_public_key(text: &str) -> Option<String> {
    const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
    const END: &str = "-----END OPENSSH PRIVATE KEY-----";
    let body = text.trim().strip_prefix(BEGIN)?.strip_suffix(END)?;
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = openssl::base64::decode_block(&body).ok()?;
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let (_cipher, rest) = ssh_string(rest)?;
    let (_kdf, rest) = ssh_string(rest)?;
    let (_kdf_options, rest) = ssh_string(rest)?;
    let (count, rest) = rest.split_first_chunk::<4>()?;
    if u32::from_be_bytes(*count) != 1 {
        return None;
    }
    let (blob, _) = ssh_string(rest)?;
    let (key_type, _) = ssh_string(blob)?;
    let key_type = std::str::from_utf8(key_type).ok()?;
    Some(format!(
        "{key_type} {}",
        openssl::base64::encode_block(blob)
    ))
}

/// An SSH `string` (a big-endian u32 length, then that many bytes) and what
/// follows it.
fn ssh_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id");
        std::fs::write(&path, "-----BEGIN OPENSSH PRIVATE KEY-----\nfirst\n").unwrap();
        let cache = KeyCache::default();
        let CachedKey::Memory { text: first, .. } = cache.get(&path).unwrap() else {
            panic!("text key not held in memory");
        };
        std::fs::write(&path, "changed").unwrap();
        let CachedKey::Memory { text: again, .. } = cache.get(&path).unwrap() else {
            panic!("text key not held in memory");
        };
        assert!(Arc::ptr_eq(&first, &again), "the file was read again");
        assert!(first.expose().ends_with("first\n"));
        assert_eq!(format!("{first:?}"), crate::secret::SENSITIVE);
    }

    #[test]
    fn a_key_memory_auth_cannot_use_goes_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id");
        std::fs::write(&path, [0xff_u8, 0xfe, 0x00]).unwrap();
        let cache = KeyCache::default();
        assert!(matches!(cache.get(&path).unwrap(), CachedKey::File));
        let text = dir.path().join("text");
        std::fs::write(&text, "key").unwrap();
        assert!(matches!(
            cache.get(&text).unwrap(),
            CachedKey::Memory { .. }
        ));
        cache.use_file(&text);
        assert!(matches!(cache.get(&text).unwrap(), CachedKey::File));
    }

    #[test]
    fn a_missing_key_file_is_an_error_and_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent");
        let cache = KeyCache::default();
        assert!(cache.get(&path).is_err());
        std::fs::write(&path, "key").unwrap();
        assert!(matches!(
            cache.get(&path).unwrap(),
            CachedKey::Memory { .. }
        ));
    }

    #[test]
    fn the_public_key_of_an_openssh_key_is_read_from_its_header() {
        // An Ed25519 key made for this test by `ssh-keygen -t ed25519`, encrypted
        // (the header is in clear all the same), and the public key line
        // `ssh-keygen -y` prints for it.
        let private = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABB0fbxEBj
zpCAySDOyC9CNjAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIAa8OqfgHCH6GJX4
0OmKJ43MCNPK2JksQdmEnqWuX5MzAAAAkNoYrAFawr8ABBxDLdFOetnmxWfy0v34Oy3na/
BPUrZH1c0NnzuNjZPq/jBf3H0Xtj1YclBww1D8kpr9CNq5La23UTfM/cDzltmGvmzrsLFj
lueiLN4UIwYVWy6vrn93df9Ahi/wkUApKRSHMkYW5cqb9UGK+089WceEFMeyPa2XJBkOkN
z78iAVmdy7Z2GW/Q==
-----END OPENSSH PRIVATE KEY-----
";
        assert_eq!(
            openssh_public_key(private).as_deref(),
            Some(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAa8OqfgHCH6GJX40OmKJ43MCNPK2JksQdmEnqWuX5Mz"
            )
        );
        assert_eq!(
            openssh_public_key("-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n"),
            None
        );
        assert_eq!(
            openssh_public_key(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
            ),
            None
        );
    }
}
