//! A server's public host key: its type, OpenSSH fingerprint, and names for messages.
use sha2::{Digest, Sha256};

/// A host key as sent by the server (the SSH wire-format public key blob).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    /// The key type named inside the blob: `ssh-ed25519`, `ssh-rsa`,
    /// `ecdsa-sha2-nistp256`, ...
    pub key_type: String,
    /// The public key blob.
    pub blob: Vec<u8>,
}

impl HostKey {
    /// Reads the key type from the blob (a length-prefixed string first).
    pub fn from_blob(blob: &[u8]) -> Option<HostKey> {
        let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
        let name = blob.get(4..4usize.checked_add(len)?)?;
        Some(HostKey {
            key_type: String::from_utf8(name.to_vec()).ok()?,
            blob: blob.to_vec(),
        })
    }

    /// The OpenSSH fingerprint: `SHA256:` and the unpadded base64 of the SHA-256 of
    /// the blob (what `ssh-keygen -lf` prints).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.blob)
    }

    /// The type as OpenSSH shows it in messages: `ED25519`, `RSA`, `ECDSA`, `DSA`.
    pub fn display_type(&self) -> String {
        self.short_type().to_ascii_uppercase()
    }

    /// The type as `ssh-keyscan -t` takes it: `ed25519`, `rsa`, `ecdsa`, `dsa`.
    pub fn short_type(&self) -> &str {
        short_type(&self.key_type)
    }
}

/// `ssh-keyscan -t` name of a key type.
pub fn short_type(key_type: &str) -> &str {
    match key_type {
        "ssh-ed25519" => "ed25519",
        "ssh-rsa" => "rsa",
        "ssh-dss" => "dsa",
        t if t.starts_with("ecdsa-sha2-") => "ecdsa",
        t => t,
    }
}

/// The OpenSSH SHA-256 fingerprint of a public key blob.
pub fn fingerprint(blob: &[u8]) -> String {
    let b64 = openssl::base64::encode_block(&Sha256::digest(blob));
    format!("SHA256:{}", b64.trim_end_matches('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(key_type: &str, body: &[u8]) -> Vec<u8> {
        let mut b = (key_type.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(key_type.as_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn type_comes_from_the_blob() {
        let k = HostKey::from_blob(&blob("ssh-ed25519", &[0, 0, 0, 1, 7])).unwrap();
        assert_eq!(k.key_type, "ssh-ed25519");
        assert_eq!(k.display_type(), "ED25519");
        assert_eq!(k.short_type(), "ed25519");
        let e = HostKey::from_blob(&blob("ecdsa-sha2-nistp256", &[])).unwrap();
        assert_eq!(e.short_type(), "ecdsa");
        assert_eq!(HostKey::from_blob(&[0, 0, 0, 9, b'x']), None);
    }

    #[test]
    fn fingerprint_is_unpadded_base64_of_sha256() {
        // sha256("") = e3b0c442...; base64 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
        assert_eq!(
            fingerprint(b""),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
