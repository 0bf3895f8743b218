//! Secrets (passwords, client secrets, refresh tokens, key passphrases).
//!
//! A [`Secret`] cannot be printed: it has no `Display`, its `Debug` shows
//! `(sensitive)`, and it is not `Serialize`. The only way to its text is
//! [`Secret::expose`], which is called where the value is written to a channel.
//! [`Masker`] replaces secrets in text before it is recorded, logged or returned
//! (the bwcli driver and SSH authentication both use it).
pub mod mask;
pub mod record;

use std::fmt;

pub use mask::{MASK, Masker};
pub use record::{RecordError, Recorded, SecretRecord};

/// A secret value held in memory.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// What a secret is shown as, everywhere.
pub const SENSITIVE: &str = "(sensitive)";

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret text, for writing it to an SSH channel and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SENSITIVE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "(sensitive)");
        assert_eq!(format!("{:?}", Some(&s)), "Some((sensitive))");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }
}
