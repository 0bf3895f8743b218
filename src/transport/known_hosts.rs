//! Strict host-key checking against an OpenSSH `known_hosts` file.
//!
//! The lookup name is the address for port 22 and `[address]:port` otherwise, as
//! OpenSSH writes them. Entries may be plain patterns (comma-separated, `*`/`?`
//! wildcards, `!` negation) or hashed (`|1|salt|hash`, HMAC-SHA1 of the name).
//! `@revoked` keys are refused; `@cert-authority` lines are ignored (host
//! certificates are not supported by libssh2).
//!
//! We read the file ourselves rather than through libssh2's checker because
//! libssh2 compares keys across key types (an RSA entry makes an Ed25519 key look
//! "changed") and, for a non-standard port, falls back to the plain host name,
//! which OpenSSH never does.
use std::path::{Path, PathBuf};

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::host_key::{HostKey, fingerprint};

/// The parsed content of one `known_hosts` file.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    path: PathBuf,
    exists: bool,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    marker: Marker,
    hosts: Hosts,
    key_type: String,
    key: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

#[derive(Debug, Clone)]
enum Hosts {
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    Patterns(Vec<String>),
}

/// The outcome of checking a presented key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyCheck {
    /// An entry for this host holds this key.
    Match,
    /// No entry for this host holds a key of this type.
    Unknown {
        /// Key types the file knows for this host (OpenSSH: "keys of different
        /// type are already known for this host").
        other_types: Vec<String>,
    },
    /// An entry for this host holds a different key of the same type.
    Changed {
        /// The 1-based line of that entry.
        line: usize,
        /// The fingerprint of the key on that line.
        known_fingerprint: String,
    },
    /// The key is marked `@revoked`.
    Revoked {
        /// The 1-based line of the `@revoked` entry.
        line: usize,
    },
}

/// The name OpenSSH looks up for an address and port.
pub fn lookup_name(address: &str, port: u16) -> String {
    if port == 22 {
        address.to_ascii_lowercase()
    } else {
        format!("[{}]:{port}", address.to_ascii_lowercase())
    }
}

impl KnownHosts {
    /// Reads `path`. A missing file is an empty one (every key is then unknown);
    /// an unreadable file is an error.
    pub fn load(path: &Path) -> std::io::Result<KnownHosts> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(KnownHosts::parse(path, &String::from_utf8_lossy(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KnownHosts {
                path: path.to_path_buf(),
                exists: false,
                entries: Vec::new(),
            }),
            Err(e) => Err(e),
        }
    }

    /// Parses file content; malformed lines are skipped, as OpenSSH does.
    pub fn parse(path: &Path, text: &str) -> KnownHosts {
        let entries = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| parse_line(i + 1, l))
            .collect();
        KnownHosts {
            path: path.to_path_buf(),
            exists: true,
            entries,
        }
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file existed.
    pub fn exists(&self) -> bool {
        self.exists
    }

    /// Checks the key `address:port` presented.
    pub fn check(&self, address: &str, port: u16, key: &HostKey) -> HostKeyCheck {
        let name = lookup_name(address, port);
        let for_host: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.marker != Marker::CertAuthority && e.hosts.matches(&name))
            .collect();
        if let Some(r) = for_host
            .iter()
            .find(|e| e.marker == Marker::Revoked && e.key == key.blob)
        {
            return HostKeyCheck::Revoked { line: r.line };
        }
        let same_type: Vec<&&Entry> = for_host
            .iter()
            .filter(|e| e.marker == Marker::None && e.key_type == key.key_type)
            .collect();
        if same_type.iter().any(|e| e.key == key.blob) {
            return HostKeyCheck::Match;
        }
        if let Some(first) = same_type.first() {
            return HostKeyCheck::Changed {
                line: first.line,
                known_fingerprint: fingerprint(&first.key),
            };
        }
        HostKeyCheck::Unknown {
            other_types: self.known_types(address, port),
        }
    }

    /// Key types known for `address:port`, in file order, without repeats.
    pub fn known_types(&self, address: &str, port: u16) -> Vec<String> {
        let name = lookup_name(address, port);
        let mut out: Vec<String> = Vec::new();
        for e in &self.entries {
            if e.marker == Marker::None && e.hosts.matches(&name) && !out.contains(&e.key_type) {
                out.push(e.key_type.clone());
            }
        }
        out
    }
}

fn parse_line(line_no: usize, line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    let marker = match first {
        "@revoked" => Marker::Revoked,
        "@cert-authority" => Marker::CertAuthority,
        m if m.starts_with('@') => return None,
        _ => Marker::None,
    };
    if marker != Marker::None {
        first = fields.next()?;
    }
    let key_type = fields.next()?.to_string();
    let key = openssl::base64::decode_block(fields.next()?).ok()?;
    let hosts = if let Some(hashed) = first.strip_prefix("|1|") {
        let (salt, hash) = hashed.split_once('|')?;
        Hosts::Hashed {
            salt: openssl::base64::decode_block(salt).ok()?,
            hash: openssl::base64::decode_block(hash).ok()?,
        }
    } else {
        Hosts::Patterns(first.split(',').map(str::to_ascii_lowercase).collect())
    };
    Some(Entry {
        line: line_no,
        marker,
        hosts,
        key_type,
        key,
    })
}

impl Hosts {
    fn matches(&self, name: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => {
                hmac_sha1(salt, name.as_bytes()).as_deref() == Some(hash)
            }
            Hosts::Patterns(patterns) => {
                let mut positive = false;
                for p in patterns {
                    if let Some(neg) = p.strip_prefix('!') {
                        if glob(neg.as_bytes(), name.as_bytes()) {
                            return false;
                        }
                    } else if glob(p.as_bytes(), name.as_bytes()) {
                        positive = true;
                    }
                }
                positive
            }
        }
    }
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let pkey = PKey::hmac(key).ok()?;
    let mut signer = Signer::new(MessageDigest::sha1(), &pkey).ok()?;
    signer.update(data).ok()?;
    signer.sign_to_vec().ok()
}

/// OpenSSH wildcard matching: `*` any run, `?` one character.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key_type: &str, body: u8) -> HostKey {
        let mut b = (key_type.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(key_type.as_bytes());
        b.push(body);
        HostKey {
            key_type: key_type.into(),
            blob: b,
        }
    }

    fn line(hosts: &str, k: &HostKey) -> String {
        format!(
            "{hosts} {} {}\n",
            k.key_type,
            openssl::base64::encode_block(&k.blob)
        )
    }

    fn hashed(name: &str, salt: &[u8]) -> String {
        let h = hmac_sha1(salt, name.as_bytes()).unwrap();
        format!(
            "|1|{}|{}",
            openssl::base64::encode_block(salt),
            openssl::base64::encode_block(&h)
        )
    }

    #[test]
    fn plain_and_bracketed_names() {
        let k = key("ssh-ed25519", 1);
        let kh = KnownHosts::parse(
            Path::new("kh"),
            &(line("xsp1.lab,10.0.0.1", &k) + &line("[127.0.0.1]:2222", &k)),
        );
        assert_eq!(kh.check("10.0.0.1", 22, &k), HostKeyCheck::Match);
        assert_eq!(kh.check("XSP1.lab", 22, &k), HostKeyCheck::Match);
        assert_eq!(kh.check("127.0.0.1", 2222, &k), HostKeyCheck::Match);
        // A non-standard port never falls back to the plain name.
        assert!(matches!(
            kh.check("10.0.0.1", 2222, &k),
            HostKeyCheck::Unknown { .. }
        ));
    }

    #[test]
    fn hashed_entries_match_their_name_only() {
        let k = key("ssh-ed25519", 1);
        let text = line(&hashed("[127.0.0.1]:2222", b"0123456789abcdefghij"), &k);
        let kh = KnownHosts::parse(Path::new("kh"), &text);
        assert_eq!(kh.check("127.0.0.1", 2222, &k), HostKeyCheck::Match);
        assert!(matches!(
            kh.check("127.0.0.1", 22, &k),
            HostKeyCheck::Unknown { .. }
        ));
    }

    #[test]
    fn a_different_key_of_the_same_type_is_a_change() {
        let old = key("ssh-ed25519", 1);
        let new = key("ssh-ed25519", 2);
        let kh = KnownHosts::parse(Path::new("kh"), &format!("# c\n{}", line("h", &old)));
        assert_eq!(
            kh.check("h", 22, &new),
            HostKeyCheck::Changed {
                line: 2,
                known_fingerprint: old.fingerprint()
            }
        );
    }

    #[test]
    fn a_key_of_another_type_is_unknown_and_names_the_known_types() {
        let rsa = key("ssh-rsa", 1);
        let ed = key("ssh-ed25519", 2);
        let kh = KnownHosts::parse(Path::new("kh"), &line("h", &rsa));
        assert_eq!(
            kh.check("h", 22, &ed),
            HostKeyCheck::Unknown {
                other_types: vec!["ssh-rsa".into()]
            }
        );
    }

    #[test]
    fn revoked_keys_and_negated_patterns() {
        let k = key("ssh-ed25519", 1);
        let text = line("@revoked *", &k) + &line("h", &k);
        let kh = KnownHosts::parse(Path::new("kh"), &text);
        assert_eq!(kh.check("h", 22, &k), HostKeyCheck::Revoked { line: 1 });

        let kh = KnownHosts::parse(Path::new("kh"), &line("*.lab,!bad.lab", &k));
        assert_eq!(kh.check("xsp1.lab", 22, &k), HostKeyCheck::Match);
        assert!(matches!(
            kh.check("bad.lab", 22, &k),
            HostKeyCheck::Unknown { .. }
        ));
    }

    #[test]
    fn glob_matching() {
        assert!(glob(b"*", b"anything"));
        assert!(glob(b"xsp?.lab", b"xsp1.lab"));
        assert!(glob(b"*.lab", b"a.b.lab"));
        assert!(!glob(b"*.lab", b"a.labs"));
        assert!(glob(b"[10.0.0.*]:2222", b"[10.0.0.7]:2222"));
    }

    #[test]
    fn a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let kh = KnownHosts::load(&dir.path().join("none")).unwrap();
        assert!(!kh.exists());
        assert!(matches!(
            kh.check("h", 22, &key("ssh-ed25519", 1)),
            HostKeyCheck::Unknown { .. }
        ));
    }
}
