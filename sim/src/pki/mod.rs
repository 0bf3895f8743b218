//! Certificates and keys of a simulated host: self-signed interface certificates
//! (guide B §13: valid one year), reading PEM files for updateTrust and sslUpdate,
//! and the AuthService signing keys.
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509NameBuilder, X509NameRef};

pub mod lab_ca;

/// A certificate problem, described for the operator.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PkiError {
    /// The file holds no PEM certificate.
    #[error("no PEM certificate found")]
    NoCertificate,
    /// The file holds no usable PEM private key.
    #[error("no PEM private key found")]
    NoKey,
    /// The key does not belong to the certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// OpenSSL failed.
    #[error("{0}")]
    OpenSsl(String),
}

impl From<openssl::error::ErrorStack> for PkiError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        PkiError::OpenSsl(e.to_string())
    }
}

/// A PEM certificate with the PEM of its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertAndKey {
    /// Certificate PEM.
    pub cert_pem: String,
    /// Private key PEM (PKCS#8).
    pub key_pem: String,
}

/// What `get` shows about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// The subject's common name (or the one-line subject without one).
    pub owner: String,
    /// The issuer's common name (or the one-line issuer without one).
    pub issuer: String,
    /// Whether subject and issuer are the same name.
    pub self_signed: bool,
    /// End of validity, as OpenSSL prints it (`Nov 25 05:48:00 2027 GMT`).
    pub not_after: String,
    /// The key's algorithm and size, e.g. `RSA 2048` or `EC 256` (docs/decisions.md D5).
    pub key_type: String,
}

impl CertSummary {
    /// The issuer as `get` shows it: followed by `[self-signed]` when it is the
    /// owner (C-TRUST).
    pub fn shown_issuer(&self) -> String {
        if self.self_signed {
            format!("{}[self-signed]", self.issuer)
        } else {
            self.issuer.clone()
        }
    }
}

fn utf8(e: impl std::fmt::Display) -> PkiError {
    PkiError::OpenSsl(e.to_string())
}

/// A new self-signed RSA-2048 server certificate for `cn`, valid `days` days
/// (docs/decisions.md D6).
pub fn self_signed(cn: &str, days: u32) -> Result<CertAndKey, PkiError> {
    self_signed_with_key(cn, days, &new_rsa_key()?)
}

/// A new RSA-2048 private key.
pub fn new_rsa_key() -> Result<PKey<Private>, PkiError> {
    Ok(PKey::from_rsa(Rsa::generate(2048)?)?)
}

/// A self-signed server certificate for `cn` on an existing key (a fresh host signs
/// all its interface certificates with one key: RSA key generation dominates the
/// cost of creating a host).
pub fn self_signed_with_key(
    cn: &str,
    days: u32,
    key: &PKey<Private>,
) -> Result<CertAndKey, PkiError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    let name = name.build();
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(key)?;
    b.set_not_before(Asn1Time::days_from_now(0)?.as_ref())?;
    b.set_not_after(Asn1Time::days_from_now(days)?.as_ref())?;
    b.append_extension(BasicConstraints::new().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .digital_signature()
            .key_encipherment()
            .build()?,
    )?;
    b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    let san = SubjectAlternativeName::new()
        .dns(cn)
        .build(&b.x509v3_context(None, None))?;
    b.append_extension(san)?;
    // RFC 5280 §4.2.1.1-2: an Authority Key Identifier (here the certificate's own
    // Subject Key Identifier, as it is self-signed), which testssl and chain builders
    // expect.
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(None, None))?;
    b.append_extension(aki)?;
    b.sign(key, MessageDigest::sha256())?;
    let cert = b.build();
    Ok(CertAndKey {
        cert_pem: String::from_utf8(cert.to_pem()?).map_err(utf8)?,
        key_pem: String::from_utf8(key.private_key_to_pem_pkcs8()?).map_err(utf8)?,
    })
}

/// The certificates of a PEM file, in file order (none is an error).
pub fn certificates(pem: &[u8]) -> Result<Vec<X509>, PkiError> {
    let certs = X509::stack_from_pem(pem).map_err(|_| PkiError::NoCertificate)?;
    if certs.is_empty() {
        return Err(PkiError::NoCertificate);
    }
    Ok(certs)
}

/// The PEM text of one certificate.
pub fn to_pem(cert: &X509) -> Result<String, PkiError> {
    String::from_utf8(cert.to_pem()?).map_err(utf8)
}

fn common_name(name: &X509NameRef) -> String {
    let cn = name
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .and_then(|e| e.data().to_string().ok());
    cn.unwrap_or_else(|| {
        name.entries()
            .filter_map(|e| {
                let key = e.object().nid().short_name().ok()?;
                let value = e.data().to_string().ok()?;
                Some(format!("{key}={value}"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Owner, issuer, self-signed flag and expiry of a certificate.
pub fn summary(cert: &X509) -> CertSummary {
    let owner = common_name(cert.subject_name());
    let issuer = common_name(cert.issuer_name());
    let self_signed = cert
        .subject_name()
        .try_cmp(cert.issuer_name())
        .map(|o| o.is_eq())
        .unwrap_or(false);
    let key_type = match cert.public_key() {
        Ok(key) => {
            let algorithm = match key.id() {
                Id::RSA => "RSA".to_string(),
                Id::EC => "EC".to_string(),
                Id::DSA => "DSA".to_string(),
                other => format!("{other:?}"),
            };
            format!("{algorithm} {}", key.bits())
        }
        Err(_) => String::new(),
    };
    CertSummary {
        owner,
        issuer,
        self_signed,
        not_after: cert.not_after().to_string(),
        key_type,
    }
}

/// Reads a PEM private key and checks that it belongs to `cert`; returns it as
/// PKCS#8 PEM.
pub fn matching_key(key_pem: &[u8], cert: &X509) -> Result<String, PkiError> {
    let key = PKey::private_key_from_pem(key_pem).map_err(|_| PkiError::NoKey)?;
    let public = cert.public_key()?;
    if !key.public_eq(&public) {
        return Err(PkiError::KeyMismatch);
    }
    String::from_utf8(key.private_key_to_pem_pkcs8()?).map_err(utf8)
}

/// A new RSA-2048 key pair for AuthService tokens, as PKCS#8 PEM.
pub fn new_signing_key() -> Result<String, PkiError> {
    let key = new_rsa_key()?;
    String::from_utf8(key.private_key_to_pem_pkcs8()?).map_err(utf8)
}

/// Checks that `pem` is a private key (an AuthService keys file).
pub fn check_private_key(pem: &[u8]) -> Result<(), PkiError> {
    PKey::private_key_from_pem(pem)
        .map(|_| ())
        .map_err(|_| PkiError::NoKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificates_name_the_host_and_match_their_key() {
        let ck = self_signed("xsp1.lab.test", 365).expect("cert");
        let certs = certificates(ck.cert_pem.as_bytes()).expect("parse");
        assert_eq!(certs.len(), 1);
        let s = summary(&certs[0]);
        assert_eq!(s.owner, "xsp1.lab.test");
        assert_eq!(s.issuer, "xsp1.lab.test");
        assert!(s.self_signed);
        assert_eq!(s.key_type, "RSA 2048");
        assert!(matching_key(ck.key_pem.as_bytes(), &certs[0]).is_ok());
        let other = self_signed("other", 1).expect("cert");
        assert_eq!(
            matching_key(other.key_pem.as_bytes(), &certs[0]),
            Err(PkiError::KeyMismatch)
        );
    }

    #[test]
    fn non_pem_input_is_refused() {
        assert_eq!(certificates(b"hello").unwrap_err(), PkiError::NoCertificate);
        assert!(check_private_key(b"hello").is_err());
        let k = new_signing_key().expect("key");
        assert!(check_private_key(k.as_bytes()).is_ok());
    }

    /// `openssl x509 -text` shows an Authority Key Identifier equal to the Subject
    /// Key Identifier of the (self-signed) certificate.
    #[test]
    fn self_signed_certificates_carry_an_authority_key_identifier() {
        let ck = self_signed("xsp1.lab.test", 365).expect("cert");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cert.pem");
        std::fs::write(&path, &ck.cert_pem).expect("write");
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&path)
            .output()
            .expect("openssl runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let after = |label: &str| {
            let mut lines = text.lines().skip_while(|l| !l.contains(label));
            lines.next().expect(label);
            lines
                .next()
                .map(|l| l.trim().trim_start_matches("keyid:").to_string())
        };
        let aki = after("X509v3 Authority Key Identifier").expect("AKI value");
        let ski = after("X509v3 Subject Key Identifier").expect("SKI value");
        assert!(!aki.is_empty() && aki == ski, "{text}");
    }
}
