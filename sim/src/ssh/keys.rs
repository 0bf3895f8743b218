//! SSH keys that must stay stable across restarts: each host's host keys, and the
//! lab's client key pair.
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PublicKey};

use super::SshError;

/// File name of a host's stable host key, in `DIR/<host>/`.
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";
/// File name of the alternative host key served under the `change_host_key` fault.
pub const ALT_HOST_KEY_FILE: &str = "ssh_host_ed25519_key.alt";

/// The two host keys of one simulated host: the stable one, and the alternative one
/// served while the `change_host_key` fault is on (also stable across restarts).
#[derive(Clone)]
pub struct HostKeys {
    /// The key the host normally presents.
    pub primary: PrivateKey,
    /// The key presented under the `change_host_key` fault.
    pub alternative: PrivateKey,
}

impl std::fmt::Debug for HostKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostKeys")
            .field("primary", &fingerprint(self.primary.public_key()))
            .field("alternative", &fingerprint(self.alternative.public_key()))
            .finish()
    }
}

impl HostKeys {
    /// Loads the host keys from `host_dir`, generating (and saving with mode 0600)
    /// any that do not exist yet.
    pub fn load_or_generate(host_dir: &Path) -> Result<HostKeys, SshError> {
        Ok(HostKeys {
            primary: load_or_generate_key(&host_dir.join(HOST_KEY_FILE))?,
            alternative: load_or_generate_key(&host_dir.join(ALT_HOST_KEY_FILE))?,
        })
    }
}

/// Loads an ed25519 private key in OpenSSH format from `path`, or generates one and
/// writes it there (mode 0600) together with its `.pub` file.
pub fn load_or_generate_key(path: &Path) -> Result<PrivateKey, SshError> {
    if path.exists() {
        return PrivateKey::read_openssh_file(path).map_err(|source| SshError::Key {
            path: path.to_path_buf(),
            source,
        });
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| SshError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let key_error = |source| SshError::Key {
        path: path.to_path_buf(),
        source,
    };
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(key_error)?;
    key.write_openssh_file(path, LineEnding::LF)
        .map_err(key_error)?;
    let public_path = public_key_path(path);
    std::fs::write(&public_path, format!("{}\n", public_line(key.public_key()))).map_err(
        |source| SshError::Io {
            path: public_path,
            source,
        },
    )?;
    Ok(key)
}

/// The path of the `.pub` file that goes with a private key file.
pub fn public_key_path(private_key: &Path) -> PathBuf {
    let mut name = private_key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// The OpenSSH fingerprint of a public key, `SHA256:<base64>`.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The OpenSSH public key line without a comment, `ssh-ed25519 AAAA...`, as it
/// appears in `known_hosts` after the host name.
pub fn public_line(key: &PublicKey) -> String {
    let mut key = key.clone();
    key.set_comment("");
    key.to_openssh()
        .map(|line| line.trim_end().to_string())
        .unwrap_or_default()
}

/// Parses `authorized_keys`-style lines into public keys, skipping lines that do not
/// parse (with a warning naming the line number, never its content).
pub fn parse_authorized_keys(lines: &[String]) -> Vec<PublicKey> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .filter_map(|(index, line)| match PublicKey::from_openssh(line.trim()) {
            Ok(key) => Some(key),
            Err(error) => {
                tracing::warn!(line = index + 1, %error, "authorized key does not parse");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_generated_once_then_reloaded_identically() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = HostKeys::load_or_generate(dir.path()).expect("generate");
        let second = HostKeys::load_or_generate(dir.path()).expect("reload");
        assert_eq!(first.primary.public_key(), second.primary.public_key());
        assert_eq!(
            first.alternative.public_key(),
            second.alternative.public_key()
        );
        assert_ne!(first.primary.public_key(), first.alternative.public_key());
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join(HOST_KEY_FILE))
                .expect("metadata")
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        let pub_line = std::fs::read_to_string(dir.path().join("ssh_host_ed25519_key.pub"))
            .expect("public key file");
        assert_eq!(pub_line.trim(), public_line(first.primary.public_key()));
    }

    #[test]
    fn fingerprint_and_public_line_have_openssh_forms() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = load_or_generate_key(&dir.path().join("k")).expect("generate");
        let fp = fingerprint(key.public_key());
        assert!(fp.starts_with("SHA256:"), "{fp}");
        assert_eq!(fp.len(), "SHA256:".len() + 43, "{fp}");
        let line = public_line(key.public_key());
        assert!(line.starts_with("ssh-ed25519 AAAA"), "{line}");
        assert_eq!(line.split(' ').count(), 2, "{line}");
    }

    #[test]
    fn authorized_keys_skip_comments_and_garbage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = load_or_generate_key(&dir.path().join("k")).expect("generate");
        let lines = vec![
            "# comment".to_string(),
            String::new(),
            "not a key".to_string(),
            format!("{} someone@example", public_line(key.public_key())),
        ];
        let keys = parse_authorized_keys(&lines);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key_data(), key.public_key().key_data());
    }
}
