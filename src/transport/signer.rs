//! Ed25519 keys that sign in this process: the key file is decoded (and, when
//! encrypted, decrypted) once per run, and libssh2 asks it for each host's
//! authentication signature through its callback API
//! (`libssh2_userauth_publickey`).
//!
//! libssh2's in-memory authentication decodes the private key again for every
//! host: each decode first offers the text to OpenSSL 3's decoders (whose set-up
//! alone was a tenth of xspctl's CPU in an apply of 100 hosts) and, for an
//! encrypted key, runs the bcrypt key derivation again. Other key types (RSA,
//! ECDSA) keep libssh2's own path: RSA's signature algorithm is negotiated inside
//! libssh2 (`rsa-sha2-256`/`512`), which a callback cannot see.
use std::ffi::{CString, c_char, c_int, c_uchar, c_void};

use libssh2_sys::LIBSSH2_SESSION;
use signature::Signer as _;
use ssh_key::{Algorithm, PrivateKey};
use ssh2::Session;

/// The signature callback libssh2 calls (`LIBSSH2_USERAUTH_PUBLICKEY_SIGN_FUNC`).
type SignCallback = unsafe extern "C" fn(
    *mut LIBSSH2_SESSION,
    *mut *mut c_uchar,
    *mut libc::size_t,
    *const c_uchar,
    libc::size_t,
    *mut *mut c_void,
) -> c_int;

unsafe extern "C" {
    /// libssh2's public-key authentication with a signing callback (libssh2.h);
    /// linked through libssh2-sys, which does not declare it.
    fn libssh2_userauth_publickey(
        session: *mut LIBSSH2_SESSION,
        username: *const c_char,
        pubkeydata: *const c_uchar,
        pubkeydata_len: libc::size_t,
        sign_callback: Option<SignCallback>,
        abstract_: *mut *mut c_void,
    ) -> c_int;
}

/// An Ed25519 private key, decoded, that signs libssh2's authentication requests.
pub struct KeySigner {
    /// The public key blob (`string "ssh-ed25519"`, `string key`).
    public: Vec<u8>,
    /// The decrypted key (zeroed when dropped, by ssh-key).
    key: PrivateKey,
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySigner(ssh-ed25519)")
    }
}

impl KeySigner {
    /// The signer of an OpenSSH-format Ed25519 private key, decrypted with
    /// `passphrase` when it is encrypted; None for any other key or format, or a
    /// passphrase that does not decrypt it (libssh2's path then says why).
    pub fn ed25519(text: &str, passphrase: Option<&str>) -> Option<KeySigner> {
        let key = PrivateKey::from_openssh(text).ok()?;
        if key.algorithm() != Algorithm::Ed25519 {
            return None;
        }
        let key = if key.is_encrypted() {
            key.decrypt(passphrase?).ok()?
        } else {
            key
        };
        let public = key.public_key().to_bytes().ok()?;
        Some(KeySigner { public, key })
    }

    /// Authenticates `session` as `user` with this key: libssh2 builds the request
    /// and calls back for its signature.
    pub fn authenticate(&self, session: &Session, user: &str) -> Result<(), ssh2::Error> {
        let user = CString::new(user)?;
        let mut this = self as *const KeySigner as *mut c_void;
        let rc = {
            let mut raw = session.raw();
            // SAFETY: the session pointer is valid while `raw` (ssh2's lock on it)
            // is held; `user` and `self.public` outlive the call; libssh2 hands
            // `this` (a pointer to `self`, alive for the call) only to `sign`.
            unsafe {
                libssh2_userauth_publickey(
                    &mut *raw,
                    user.as_ptr(),
                    self.public.as_ptr(),
                    self.public.len(),
                    Some(sign),
                    &mut this,
                )
            }
        };
        if rc < 0 {
            Err(ssh2::Error::from_session_error(session, rc))
        } else {
            Ok(())
        }
    }

    /// The raw Ed25519 signature of `data` (libssh2 adds the algorithm name).
    fn signature(&self, data: &[u8]) -> Option<Vec<u8>> {
        let signature = self.key.try_sign(data).ok()?;
        Some(signature.as_bytes().to_vec())
    }
}

/// libssh2's call for the signature: writes a `malloc`ed copy (libssh2 frees it
/// with its default allocator, `free`, which ssh2's sessions use) into `sig`.
unsafe extern "C" fn sign(
    _session: *mut LIBSSH2_SESSION,
    sig: *mut *mut c_uchar,
    sig_len: *mut libc::size_t,
    data: *const c_uchar,
    data_len: libc::size_t,
    abstract_: *mut *mut c_void,
) -> c_int {
    /// libssh2's `LIBSSH2_ERROR_ALLOC`.
    const ERROR_ALLOC: c_int = -6;
    /// libssh2's `LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED`: the callback failed.
    const ERROR_UNVERIFIED: c_int = -19;
    // SAFETY: `abstract_` is the pointer `authenticate` passed, to a live
    // KeySigner; `data` holds `data_len` bytes for the duration of the call.
    let (signer, data) = unsafe {
        (
            &*((*abstract_) as *const KeySigner),
            std::slice::from_raw_parts(data, data_len),
        )
    };
    let Some(signature) = signer.signature(data) else {
        return ERROR_UNVERIFIED;
    };
    // SAFETY: a fresh allocation of the signature's length, filled before it is
    // handed to libssh2, which owns it from then on.
    unsafe {
        let out = libc::malloc(signature.len()).cast::<c_uchar>();
        if out.is_null() {
            return ERROR_ALLOC;
        }
        std::ptr::copy_nonoverlapping(signature.as_ptr(), out, signature.len());
        *sig = out;
        *sig_len = signature.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use signature::Verifier as _;

    /// A fresh key of `key_type` with `passphrase` (ssh-keygen), as its file's text.
    fn key(key_type: &str, passphrase: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id");
        let out = std::process::Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                key_type,
                "-N",
                passphrase,
                "-C",
                "xspctl-test",
                "-f",
            ])
            .arg(&path)
            .output()
            .expect("run ssh-keygen");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn an_ed25519_key_signs_what_its_public_key_verifies() {
        let signer = KeySigner::ed25519(&key("ed25519", ""), None).expect("an Ed25519 key");
        let public = ssh_key::PublicKey::from_bytes(&signer.public).unwrap();
        assert_eq!(public.algorithm(), Algorithm::Ed25519);
        let message = b"session id and userauth request";
        let raw = signer.signature(message).unwrap();
        assert_eq!(raw.len(), 64);
        let signature = ssh_key::Signature::new(Algorithm::Ed25519, raw).unwrap();
        assert!(public.key_data().verify(message, &signature).is_ok());
        assert!(public.key_data().verify(b"another", &signature).is_err());
        assert_eq!(format!("{signer:?}"), "KeySigner(ssh-ed25519)");
    }

    #[test]
    fn an_encrypted_key_needs_its_passphrase() {
        let text = key("ed25519", "xspctl-test-passphrase");
        assert!(KeySigner::ed25519(&text, None).is_none());
        assert!(KeySigner::ed25519(&text, Some("not it")).is_none());
        let signer = KeySigner::ed25519(&text, Some("xspctl-test-passphrase")).expect("decrypted");
        assert_eq!(signer.signature(b"m").map(|s| s.len()), Some(64));
    }

    #[test]
    fn other_keys_and_formats_are_left_to_libssh2() {
        assert!(KeySigner::ed25519(&key("ecdsa", ""), None).is_none());
        assert!(KeySigner::ed25519("-----BEGIN PRIVATE KEY-----\nAAAA\n", None).is_none());
        assert!(KeySigner::ed25519("", None).is_none());
    }
}
