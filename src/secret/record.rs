//! The host's record of the secrets xspctl set (docs/decisions.md, "secrets: the
//! host keeps a salted hash of what xspctl set"). The CLI shows a secret as
//! `********`, so a plan cannot compare it by reading it back; instead the host
//! keeps, per `context name`, an argon2id hash (PHC string, random salt) of the
//! value xspctl last set there. The file reveals nothing usable: no value, only a
//! slow, salted hash of it.
use std::collections::BTreeMap;
use std::sync::{Condvar, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::Secret;

/// Where the record lives on a host, beside the apply lock. Written by SFTP with
/// mode 600.
pub const SECRET_RECORD: &str = "/var/broadworks/tmp/xspctl.secrets";
/// The record's file mode: readable by its owner only.
pub const RECORD_MODE: u32 = 0o600;
/// The record format this build reads and writes.
const RECORD_FORMAT: u32 = 1;
/// argon2id memory in KiB, passes and lanes: OWASP's lowest-memory setting of
/// the recommended strength (7 MiB, 5 passes, 1 lane), rather than the crate's
/// 19 MiB, so that hosts planned in parallel stay within the memory budget
/// (issue #8 item 9). A hash names its own parameters, so a record written with
/// others still verifies.
const M_COST_KIB: u32 = 7 * 1024;
const T_COST: u32 = 5;
const P_COST: u32 = 1;
/// The longest a hash waits for a free slot before it runs anyway: slots only
/// bound memory, they never block a run.
const SLOT_WAIT: Duration = Duration::from_secs(30);

/// How many hashes run at once: argon2 is bound by CPU and memory, so more than
/// one per CPU only adds memory.
static SLOTS: LazyLock<(Mutex<usize>, Condvar)> = LazyLock::new(|| (Mutex::new(0), Condvar::new()));

/// A slot for one hash, released when dropped.
struct Slot;

impl Slot {
    /// Waits (at most [`SLOT_WAIT`]) until fewer hashes than CPUs run.
    fn take() -> Slot {
        let limit = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (busy, freed) = &*SLOTS;
        let guard = busy.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) = freed
            .wait_timeout_while(guard, SLOT_WAIT, |n| *n >= limit)
            .unwrap_or_else(PoisonError::into_inner);
        *guard += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (busy, freed) = &*SLOTS;
        let mut n = busy.lock().unwrap_or_else(PoisonError::into_inner);
        *n = n.saturating_sub(1);
        freed.notify_one();
    }
}

/// The argon2id hasher of records.
fn argon2() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .expect("constant argon2 parameters within the crate's bounds");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// What the record says about one secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// xspctl never set it (or the record was removed): set by hand, or never.
    Missing,
    /// xspctl last set exactly this value.
    Same,
    /// xspctl last set another value.
    Different,
}

/// Why a record cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The file is not a record this version understands.
    #[error(
        "{SECRET_RECORD} on the host is not a valid xspctl secret record: {reason}\n  help: remove it (`rm {SECRET_RECORD}` on the host); the next apply then sets every secret again and writes a new record"
    )]
    Invalid {
        /// What is wrong (never a value: the file holds hashes only).
        reason: String,
    },
    /// Hashing failed (argon2 refused its parameters).
    #[error("hashing a secret for {SECRET_RECORD}: {0}")]
    Hash(String),
}

/// The record: a hash per secret, keyed by `context name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRecord {
    format: u32,
    /// `context name` -> argon2id PHC string.
    secrets: BTreeMap<String, String>,
}

impl SecretRecord {
    /// The key of an attribute: its context and name.
    pub fn key(context: &str, name: &str) -> String {
        format!("{context} {name}")
    }

    /// Reads a record from the file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<SecretRecord, RecordError> {
        let record: SecretRecord =
            serde_json::from_slice(bytes).map_err(|e| RecordError::Invalid {
                reason: e.to_string(),
            })?;
        if record.format != RECORD_FORMAT {
            return Err(RecordError::Invalid {
                reason: format!(
                    "format {} (this xspctl reads {RECORD_FORMAT})",
                    record.format
                ),
            });
        }
        for (key, phc) in &record.secrets {
            PasswordHash::new(phc).map_err(|e| RecordError::Invalid {
                reason: format!("the hash of {key}: {e}"),
            })?;
        }
        Ok(record)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(&SecretRecord {
            format: RECORD_FORMAT,
            secrets: self.secrets.clone(),
        })
        .expect("a map of strings serializes");
        out.push(b'\n');
        out
    }

    /// Whether xspctl last set `secret` at `key`.
    pub fn holds(&self, key: &str, secret: &Secret) -> Recorded {
        let Some(phc) = self.secrets.get(key) else {
            return Recorded::Missing;
        };
        // `parse` checked every hash, so this only fails for a record built in memory.
        let Ok(hash) = PasswordHash::new(phc) else {
            return Recorded::Missing;
        };
        let _slot = Slot::take();
        match argon2().verify_password(secret.expose().as_bytes(), &hash) {
            Ok(()) => Recorded::Same,
            Err(_) => Recorded::Different,
        }
    }

    /// Records that xspctl set `secret` at `key`: a new random salt, argon2id
    /// (7 MiB, 5 passes, 1 lane).
    pub fn record(&mut self, key: &str, secret: &Secret) -> Result<(), RecordError> {
        let _slot = Slot::take();
        let phc = argon2()
            .hash_password(secret.expose().as_bytes())
            .map_err(|e| RecordError::Hash(e.to_string()))?
            .to_string();
        self.secrets.insert(key.to_string(), phc);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_secret_is_recognised_and_its_text_is_not_in_the_file() {
        let key = SecretRecord::key("/Applications/A", "clientSecret");
        let mut r = SecretRecord::default();
        let s = Secret::new("unique-Secret-4711");
        assert_eq!(r.holds(&key, &s), Recorded::Missing);
        r.record(&key, &s).unwrap();
        let bytes = r.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("unique-Secret-4711"), "{text}");
        assert!(text.contains("$argon2id$v=19$m=7168,t=5,p=1$"), "{text}");
        let back = SecretRecord::parse(&bytes).unwrap();
        assert_eq!(back.holds(&key, &s), Recorded::Same);
        assert_eq!(
            back.holds(&key, &Secret::new("another")),
            Recorded::Different
        );
        // A new salt each time: the same value never hashes the same twice.
        let mut again = back.clone();
        again.record(&key, &s).unwrap();
        assert_ne!(again, back);
    }

    #[test]
    fn a_hash_made_with_other_parameters_still_verifies() {
        let s = Secret::new("older-params-value");
        let phc = Argon2::default()
            .hash_password(s.expose().as_bytes())
            .unwrap()
            .to_string();
        assert!(phc.contains("m=19456,t=2,p=1"), "{phc}");
        let text = format!(r#"{{"format":1,"secrets":{{"/A n":"{phc}"}}}}"#);
        let r = SecretRecord::parse(text.as_bytes()).unwrap();
        assert_eq!(r.holds("/A n", &s), Recorded::Same);
    }

    #[test]
    fn a_damaged_record_is_refused_with_the_way_out() {
        let e = SecretRecord::parse(b"{nonsense").unwrap_err().to_string();
        assert!(e.contains("not a valid xspctl secret record"), "{e}");
        assert!(e.contains("help: remove it"), "{e}");
        let bad_hash = br#"{"format":1,"secrets":{"/A n":"plain"}}"#;
        let e = SecretRecord::parse(bad_hash).unwrap_err().to_string();
        assert!(e.contains("the hash of /A n"), "{e}");
        let e = SecretRecord::parse(br#"{"format":9,"secrets":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("format 9 (this xspctl reads 1)"), "{e}");
    }
}
