//! Redaction of a bundle: the playbook's secrets, every value of a password-like
//! attribute or column, private keys (PEM blocks) and the AuthService key file are
//! masked in every file; then a scan proves no known secret is left, plain, in
//! base64 or in hex. A bundle that fails the scan is not written.
use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;

use super::evidence::Snapshot;
use crate::live::LiveContext;
use crate::secret::{MASK, Secret};

/// A private key in PEM form, whatever its kind (`RSA PRIVATE KEY`, `PRIVATE KEY`,
/// `ENCRYPTED PRIVATE KEY`, `EC PRIVATE KEY`, ...).
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----")
        .expect("static regex")
});

/// Attribute and column names whose values are secrets: bwcli names them
/// `password`, `clientSecret`, `refreshToken`, `keyPassphrase`, ...
static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)pass(word|phrase)|secret|token$|private|^key(pem)?$").expect("static regex")
});

/// Whether an attribute or column name says its values are secrets.
fn secret_name(name: &str) -> bool {
    SECRET_NAME.is_match(&name.replace(' ', ""))
}

/// Secrets shorter than this are not searched for in encoded forms, where they
/// would match by chance.
const MIN_ENCODED: usize = 6;

/// What is masked and searched for.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Known secret values, longest first.
    secrets: Vec<Secret>,
}

/// A known secret found in a file about to be bundled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}: holds a secret ({form}); no bundle was written\n  help: this is a bug in diagnose's redaction: report it with the file name (not its content)"
)]
pub struct Leak {
    /// The bundle file.
    pub file: String,
    /// How it was found: `plain`, `base64`, `hex`, `private key`.
    pub form: &'static str,
}

impl Redactor {
    /// Masks `secrets` (empty values are ignored).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Redactor {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds a secret.
    pub fn add(&mut self, secret: Secret) {
        if secret.expose().trim().is_empty() || self.secrets.contains(&secret) {
            return;
        }
        self.secrets.push(secret);
        self.secrets
            .sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
    }

    /// Adds the content of a secret file (the AuthService key file): the whole,
    /// each of its lines and each PEM body line, so that a part quoted anywhere is
    /// masked too.
    pub fn add_file(&mut self, text: &str) {
        self.add(Secret::new(text.trim()));
        for line in text.lines().map(str::trim) {
            if line.len() >= MIN_ENCODED && !line.starts_with("-----") {
                self.add(Secret::new(line));
            }
        }
    }

    /// Adds every value of a secret-named attribute or column of `snapshot`
    /// (shorter than 4 characters: masked in the snapshot by name only, as it
    /// would match ordinary text elsewhere).
    pub fn add_snapshot_secrets(&mut self, snapshot: &Snapshot) {
        let mut found = Vec::new();
        for content in snapshot.read.contexts.values() {
            match content {
                LiveContext::Attributes(pairs) => {
                    found.extend(pairs.iter().filter(|(n, _)| secret_name(n)).map(|(_, v)| v));
                }
                LiveContext::Table { headers, rows } => {
                    for row in rows {
                        found.extend(
                            headers
                                .iter()
                                .zip(row)
                                .filter(|(h, _)| secret_name(h))
                                .map(|(_, v)| v),
                        );
                    }
                }
            }
        }
        for v in found {
            // A value bwcli (or the session) already masked is no secret.
            if v.trim().len() >= 4 && !v.trim().chars().all(|c| c == '*') {
                self.add(Secret::new(v.trim()));
            }
        }
    }

    /// How many secret values are known.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether no secret value is known.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every private key block and every known secret masked.
    pub fn text(&self, text: &str) -> String {
        let mut out = PRIVATE_KEY
            .replace_all(text, |c: &regex::Captures<'_>| {
                // One line: the text may be the inside of a JSON string.
                format!("-----BEGIN {0}----- {MASK} -----END {0}-----", &c[1])
            })
            .into_owned();
        for s in &self.secrets {
            if out.contains(s.expose()) {
                out = out.replace(s.expose(), MASK);
            }
        }
        out
    }

    /// A snapshot with secret-named attributes and columns masked, and every
    /// other value passed through [`Redactor::text`].
    pub fn snapshot(&self, snapshot: &Snapshot) -> Snapshot {
        let mut out = snapshot.clone();
        for content in out.read.contexts.values_mut() {
            match content {
                LiveContext::Attributes(pairs) => {
                    for (name, value) in pairs.iter_mut() {
                        *value = self.value(name, value);
                    }
                }
                LiveContext::Table { headers, rows } => {
                    for row in rows.iter_mut() {
                        for (header, value) in headers.iter().zip(row.iter_mut()) {
                            *value = self.value(header, value);
                        }
                    }
                }
            }
        }
        for u in &mut out.unreadable {
            u.error = self.text(&u.error);
        }
        out
    }

    fn value(&self, name: &str, value: &str) -> String {
        if !value.is_empty() && secret_name(name) {
            MASK.to_string()
        } else {
            self.text(value)
        }
    }

    /// Proves that `bytes` (the bundle file `file`) holds no known secret, plain,
    /// base64 or hex, and no private key.
    pub fn scan(&self, file: &str, bytes: &[u8]) -> Result<(), Leak> {
        let text = String::from_utf8_lossy(bytes);
        let leak = |form| Leak {
            file: file.to_string(),
            form,
        };
        if PRIVATE_KEY
            .find_iter(&text)
            .any(|m| !m.as_str().contains(MASK))
        {
            return Err(leak("private key"));
        }
        for s in &self.secrets {
            let plain = s.expose();
            if text.contains(plain) {
                return Err(leak("plain"));
            }
            if plain.len() < MIN_ENCODED {
                continue;
            }
            if base64_forms(plain.as_bytes())
                .iter()
                .any(|f| text.contains(f.as_str()))
            {
                return Err(leak("base64"));
            }
            let hex = hex::encode(plain.as_bytes());
            if text.contains(&hex) || text.contains(&hex.to_uppercase()) {
                return Err(leak("hex"));
            }
        }
        Ok(())
    }
}

/// The parts of the base64 encoding of `secret` that do not depend on the bytes
/// around it, for each of the three alignments it may have inside a longer
/// encoded text (standard and URL-safe alphabets).
fn base64_forms(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
    ] {
        for shift in 0..3usize {
            let mut padded = vec![0u8; shift];
            padded.extend_from_slice(secret);
            let encoded = engine.encode(&padded);
            // Characters fed by the zero padding or by a trailing partial group
            // depend on neighbouring bytes: keep only whole groups of the secret.
            let start = if shift == 0 { 0 } else { 4 };
            let whole = (padded.len() / 3) * 4;
            if whole > start + 4 {
                out.push(encoded[start..whole].to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "Canary-Secret-42-xyz";

    fn redactor() -> Redactor {
        Redactor::new([Secret::new(CANARY)])
    }

    #[test]
    fn secrets_and_private_keys_are_masked() {
        let r = redactor();
        let text = format!(
            "password={CANARY}\n-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n"
        );
        let out = r.text(&text);
        assert!(!out.contains(CANARY), "{out}");
        assert!(!out.contains("MIIBOgIBAAJBAK"), "{out}");
        assert!(out.contains("-----BEGIN RSA PRIVATE KEY----- ******** -----END"));
        r.scan("x.txt", out.as_bytes()).unwrap();
    }

    #[test]
    fn the_scan_refuses_a_secret_in_any_form_and_names_the_file() {
        let r = redactor();
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("user:{CANARY}"));
        let cases = [
            (format!("x {CANARY} y"), "plain"),
            (format!("Authorization: Basic {b64}"), "base64"),
            (format!("dump {}", hex::encode(CANARY)), "hex"),
            (
                format!("DUMP {}", hex::encode(CANARY).to_uppercase()),
                "hex",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".to_string(),
                "private key",
            ),
        ];
        for (text, form) in cases {
            let e = r.scan("hosts/h/bwcli.json", text.as_bytes()).unwrap_err();
            assert_eq!(e.form, form, "{text}");
            assert!(
                e.to_string()
                    .starts_with("hosts/h/bwcli.json: holds a secret")
            );
            assert!(!e.to_string().contains(CANARY));
        }
        r.scan("ok.txt", b"nothing to see").unwrap();
    }

    #[test]
    fn base64_is_found_at_every_alignment() {
        let r = redactor();
        for prefix in ["", "a", "ab", "abc"] {
            let b64 =
                base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{CANARY}tail"));
            assert!(r.scan("f", b64.as_bytes()).is_err(), "prefix {prefix:?}");
        }
    }

    #[test]
    fn secret_named_values_are_masked_in_a_snapshot() {
        use crate::desired::ContextRef;
        let mut s = Snapshot::default();
        let at = |c: &str| ContextRef {
            context: c.into(),
            args: vec![],
        };
        s.read.contexts.insert(
            at("/A"),
            LiveContext::Attributes(vec![
                ("clientSecret".into(), "anything".into()),
                ("password".into(), "pw".into()),
                ("name".into(), format!("x{CANARY}")),
                ("enabled".into(), "true".into()),
            ]),
        );
        s.read.contexts.insert(
            at("/T"),
            LiveContext::Table {
                headers: vec!["Name".into(), "Refresh Token".into()],
                rows: vec![vec!["a".into(), "tok".into()]],
            },
        );
        let out = redactor().snapshot(&s);
        let json = serde_json::to_string(&out).unwrap();
        let mut r = redactor();
        r.add_snapshot_secrets(&s);
        let log = "login clientSecret=anything token tok pw ok";
        assert_eq!(r.text(log), "login clientSecret=******** token tok pw ok");
        for hidden in ["anything", "\"pw\"", CANARY, "\"tok\""] {
            assert!(!json.contains(hidden), "{hidden} in {json}");
        }
        assert!(json.contains("\"true\""), "{json}");
    }
}
