//! The lab's login credentials, stable across restarts: an ed25519 client key pair
//! (authorized on every host) and a password, both in files with mode 0600.
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::RngExt;

use super::LabError;
use crate::ssh::keys;

/// The client private key file in the lab directory (its public key is `.pub`).
pub const CLIENT_KEY_FILE: &str = "client_ed25519";
/// The password file in the lab directory.
pub const PASSWORD_FILE: &str = "password";
/// Length of a generated password.
const PASSWORD_LENGTH: usize = 24;

/// The lab's credentials.
pub struct Credentials {
    /// Path of the client private key (OpenSSH format).
    pub private_key: PathBuf,
    /// The client public key line, as it goes into `authorized_keys`.
    pub public_key_line: String,
    /// Path of the password file.
    pub password_file: PathBuf,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("private_key", &self.private_key)
            .field("password_file", &self.password_file)
            .field("password", &"********")
            .finish()
    }
}

impl Credentials {
    /// Loads the credentials from `dir`, creating any that do not exist yet.
    pub fn load_or_create(dir: &Path) -> Result<Credentials, LabError> {
        let private_key = dir.join(CLIENT_KEY_FILE);
        let key = keys::load_or_generate_key(&private_key)?;
        let password_file = dir.join(PASSWORD_FILE);
        let password = load_or_create_password(&password_file)?;
        Ok(Credentials {
            private_key,
            public_key_line: keys::public_line(key.public_key()),
            password_file,
            password,
        })
    }
}

fn load_or_create_password(path: &Path) -> Result<String, LabError> {
    let io_error = |source| LabError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(io_error)?;
        let password = text.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            return Err(LabError::Config(format!("{} is empty", path.display())));
        }
        return Ok(password);
    }
    let password: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(PASSWORD_LENGTH)
        .map(char::from)
        .collect();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error)?;
    file.write_all(format!("{password}\n").as_bytes())
        .map_err(io_error)?;
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn credentials_are_created_once_with_private_modes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Credentials::load_or_create(dir.path()).expect("create");
        let second = Credentials::load_or_create(dir.path()).expect("load");
        assert_eq!(first.password, second.password);
        assert_eq!(first.public_key_line, second.public_key_line);
        assert_eq!(first.password.len(), PASSWORD_LENGTH);
        for file in [CLIENT_KEY_FILE, PASSWORD_FILE] {
            let mode = std::fs::metadata(dir.path().join(file))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        assert!(!format!("{first:?}").contains(&first.password));
    }
}
