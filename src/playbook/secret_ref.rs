//! References to secrets (`env:NAME`, `file:PATH`), resolved only when needed.
use std::fmt;
use std::path::PathBuf;

use crate::secret::Secret;

/// Where a secret comes from. Displays as the reference (`env:XSP_PASSWORD`,
/// `file:/run/secrets/xsp`), never as the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretRef {
    source: Source,
}

#[derive(Clone, PartialEq, Eq)]
enum Source {
    Env(String),
    File(PathBuf),
}

/// Why a secret could not be read. Names the reference, never the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set.
    #[error("secret {reference}: the environment variable {name} is not set")]
    EnvUnset {
        /// The reference.
        reference: SecretRef,
        /// The variable.
        name: String,
    },
    /// The environment variable is not valid UTF-8.
    #[error("secret {reference}: the environment variable {name} is not valid UTF-8")]
    EnvNotUnicode {
        /// The reference.
        reference: SecretRef,
        /// The variable.
        name: String,
    },
    /// The file cannot be read.
    #[error("secret {reference}: cannot read the file: {source}")]
    File {
        /// The reference.
        reference: SecretRef,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The variable or file is empty.
    #[error("secret {reference} is empty")]
    Empty {
        /// The reference.
        reference: SecretRef,
    },
}

impl SecretRef {
    /// A secret in the environment variable `name`.
    pub fn env(name: impl Into<String>) -> SecretRef {
        SecretRef {
            source: Source::Env(name.into()),
        }
    }

    /// A secret in the file at `path` (its whole content less one trailing line break).
    pub fn file(path: impl Into<PathBuf>) -> SecretRef {
        SecretRef {
            source: Source::File(path.into()),
        }
    }

    /// Reads the secret now.
    pub fn resolve(&self) -> Result<Secret, SecretError> {
        let value = match &self.source {
            Source::Env(name) => match std::env::var(name) {
                Ok(v) => v,
                Err(std::env::VarError::NotPresent) => {
                    return Err(SecretError::EnvUnset {
                        reference: self.clone(),
                        name: name.clone(),
                    });
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(SecretError::EnvNotUnicode {
                        reference: self.clone(),
                        name: name.clone(),
                    });
                }
            },
            Source::File(path) => {
                let mut text =
                    std::fs::read_to_string(path).map_err(|source| SecretError::File {
                        reference: self.clone(),
                        source,
                    })?;
                if text.ends_with('\n') {
                    text.pop();
                    if text.ends_with('\r') {
                        text.pop();
                    }
                }
                text
            }
        };
        if value.is_empty() {
            return Err(SecretError::Empty {
                reference: self.clone(),
            });
        }
        Ok(Secret::new(value))
    }
}

impl std::str::FromStr for SecretRef {
    type Err = String;

    /// Reads `env:NAME` or `file:PATH` (as the playbook writes them); the error
    /// never repeats the text, which may be a secret written in by mistake.
    fn from_str(text: &str) -> Result<SecretRef, String> {
        use super::formats::{SecretProblem, SecretSyntax, parse_secret_ref};
        match parse_secret_ref(text) {
            Ok(SecretSyntax::Env(name)) => Ok(SecretRef::env(name)),
            Ok(SecretSyntax::File(path)) => Ok(SecretRef::file(path)),
            Err(SecretProblem::NotAReference) => {
                Err("a secret is a reference, `env:NAME` or `file:PATH`, never the value".into())
            }
            Err(SecretProblem::BadEnvName) => {
                Err("`env:` needs a variable name (letters, digits, `_`)".into())
            }
            Err(SecretProblem::EmptyPath) => Err("`file:` needs a path".into()),
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Env(name) => write!(f, "env:{name}"),
            Source::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretRef({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_reference_only() {
        assert_eq!(
            SecretRef::env("XSP_PASSWORD").to_string(),
            "env:XSP_PASSWORD"
        );
        assert_eq!(
            format!("{:?}", SecretRef::file("/run/secrets/xsp")),
            "SecretRef(file:/run/secrets/xsp)"
        );
    }

    #[test]
    fn file_secret_drops_one_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cr3t-value\r\n").unwrap();
        let secret = SecretRef::file(&path).resolve().unwrap();
        assert_eq!(secret.expose(), "s3cr3t-value");
        std::fs::write(&path, "\n").unwrap();
        let e = SecretRef::file(&path).resolve().unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("secret file:{} is empty", path.display())
        );
        let e = SecretRef::file(dir.path().join("missing"))
            .resolve()
            .unwrap_err();
        assert!(matches!(e, SecretError::File { .. }));
    }
}
