//! File facts: a file the host must hold, with this content and mode (uploaded by
//! SFTP), or must not hold. A trust anchor to `updateTrust` from, a key and
//! certificate for `sslUpdate`: the file is uploaded before the CLI writes that
//! use it and removed after them.
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file on the host and what it must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileFact {
    /// Absolute path on the host.
    pub path: String,
    /// The local file whose content the host's file must hold; None: the host's
    /// file must not exist.
    #[serde(default)]
    pub source: Option<PathBuf>,
    /// The content itself, when a module derives it from `source` (one
    /// certificate split from a chain file); `source` then names where it came
    /// from, for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The file's mode, written in octal (`"600"`; default `"644"`).
    #[serde(
        default = "default_mode",
        serialize_with = "octal_out",
        deserialize_with = "octal_in"
    )]
    pub mode: u32,
    /// A private key: its content never leaves the host in a backup (the previous
    /// file is kept aside on the host instead; docs/decisions.md, "actions").
    #[serde(default)]
    pub private: bool,
    /// Only there for the commands that `use` it: uploaded just before they run,
    /// removed just after (a key for `sslUpdate`), never compared otherwise.
    #[serde(default)]
    pub transient: bool,
}

fn default_mode() -> u32 {
    0o644
}

fn octal_out<S: Serializer>(mode: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{mode:o}"))
}

fn octal_in<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let text = String::deserialize(d)?;
    u32::from_str_radix(&text, 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "mode {text:?} is not an octal file mode such as \"600\" or \"644\""
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_octal_text_and_defaults_to_644() {
        let f: FileFact = serde_saphyr::from_str(
            "{path: /var/broadworks/tmp/a.pem, source: /tmp/a.pem, mode: \"600\"}",
        )
        .unwrap();
        assert_eq!(f.mode, 0o600);
        assert!(
            serde_json::to_string(&f)
                .unwrap()
                .contains("\"mode\":\"600\"")
        );
        let d: FileFact = serde_saphyr::from_str("{path: /x}").unwrap();
        assert_eq!(
            (d.mode, d.source, d.content, d.private, d.transient),
            (0o644, None, None, false, false)
        );
        let e = serde_saphyr::from_str::<FileFact>("{path: /x, mode: \"rw\"}").unwrap_err();
        assert!(e.to_string().contains("not an octal file mode"), "{e}");
    }
}
