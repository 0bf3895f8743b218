//! A small test PKI made with the openssl crate: a root CA, an intermediate, server
//! and client leaf certificates.
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

/// A certificate with its key.
pub struct Issued {
    pub cert: X509,
    pub key: PKey<Private>,
}

impl Issued {
    pub fn cert_pem(&self) -> String {
        String::from_utf8(self.cert.to_pem().expect("pem")).expect("utf8")
    }

    pub fn key_pem(&self) -> String {
        String::from_utf8(self.key.private_key_to_pem_pkcs8().expect("pem")).expect("utf8")
    }
}

fn key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey")
}

fn name_of(cn: &str) -> openssl::x509::X509Name {
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("O", "xspsim test").expect("O");
    name.append_entry_by_text("CN", cn).expect("CN");
    name.build()
}

/// A certificate for `cn` with a new key, signed by `issuer` (self-signed without
/// one); `extend` adds its extensions.
fn issue(
    cn: &str,
    serial: u32,
    issuer: Option<&Issued>,
    extend: impl FnOnce(&mut X509Builder),
) -> Issued {
    let key = key();
    let mut b = X509Builder::new().expect("builder");
    b.set_version(2).expect("version");
    let serial = BigNum::from_u32(serial)
        .expect("bn")
        .to_asn1_integer()
        .expect("serial");
    b.set_serial_number(&serial).expect("serial");
    b.set_subject_name(&name_of(cn)).expect("subject");
    b.set_pubkey(&key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
        .expect("nb");
    b.set_not_after(&Asn1Time::days_from_now(30).expect("time"))
        .expect("na");
    match issuer {
        Some(issuer) => b.set_issuer_name(issuer.cert.subject_name()),
        None => b.set_issuer_name(&name_of(cn)),
    }
    .expect("issuer");
    extend(&mut b);
    let signer = issuer.map_or(&key, |issuer| &issuer.key);
    b.sign(signer, MessageDigest::sha256()).expect("sign");
    Issued {
        cert: b.build(),
        key,
    }
}

/// The extensions of a CA: it signs certificates and CRLs.
fn ca_extensions(b: &mut X509Builder) {
    b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
        .expect("ext");
    b.append_extension(
        KeyUsage::new()
            .key_cert_sign()
            .crl_sign()
            .build()
            .expect("ku"),
    )
    .expect("ext");
}

/// A self-signed CA.
pub fn ca(cn: &str) -> Issued {
    issue(cn, 1, None, ca_extensions)
}

/// An intermediate CA signed by `issuer`.
pub fn intermediate(cn: &str, issuer: &Issued) -> Issued {
    issue(cn, 2, Some(issuer), ca_extensions)
}

/// A server leaf for `dns_name` signed by `issuer`.
pub fn server(dns_name: &str, issuer: &Issued) -> Issued {
    issue(dns_name, 3, Some(issuer), |b| {
        let san = SubjectAlternativeName::new()
            .dns(dns_name)
            .build(&b.x509v3_context(Some(&issuer.cert), None))
            .expect("san");
        b.append_extension(san).expect("ext");
        b.append_extension(ExtendedKeyUsage::new().server_auth().build().expect("eku"))
            .expect("ext");
    })
}

/// A client leaf signed by `issuer`.
pub fn client(cn: &str, issuer: &Issued) -> Issued {
    issue(cn, 4, Some(issuer), |b| {
        b.append_extension(ExtendedKeyUsage::new().client_auth().build().expect("eku"))
            .expect("ext");
    })
}
