//! Private key files read once per run: every host of a run authenticates with
//! the same key, and reading and decoding the file for each host was a quarter of
//! a plan's CPU (libssh2's `userauth_pubkey_file` reads it twice per host).
//!
//! The key text is held as a [`Secret`] (never printed) and handed to libssh2's
//! in-memory authentication. A key libssh2 cannot use from memory (a format its
//! in-memory parser does not know) is remembered as such, and authenticates from
//! the file, as before.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::secret::Secret;

/// How a key file authenticates in this run.
#[derive(Debug, Clone)]
pub enum CachedKey {
    /// Its text, read once, for in-memory authentication.
    Memory(Arc<Secret>),
    /// From the file each time: its text is not usable from memory.
    File,
}

/// The keys read in this run, by path.
#[derive(Debug, Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<PathBuf, CachedKey>>,
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
            Ok(text) => CachedKey::Memory(Arc::new(Secret::new(text))),
            Err(_) => CachedKey::File,
        };
        keys.insert(path.to_path_buf(), key.clone());
        Ok(key)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id");
        std::fs::write(&path, "-----BEGIN OPENSSH PRIVATE KEY-----\nfirst\n").unwrap();
        let cache = KeyCache::default();
        let CachedKey::Memory(first) = cache.get(&path).unwrap() else {
            panic!("text key not held in memory");
        };
        std::fs::write(&path, "changed").unwrap();
        let CachedKey::Memory(again) = cache.get(&path).unwrap() else {
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
        assert!(matches!(cache.get(&text).unwrap(), CachedKey::Memory(_)));
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
        assert!(matches!(cache.get(&path).unwrap(), CachedKey::Memory(_)));
    }
}
