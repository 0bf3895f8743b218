//! Server certificate files built with an rcgen PKI (a root, two issuing CAs, a
//! leaf), and the mistakes operators make with them.
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use time::{Duration, OffsetDateTime};

use super::*;

const FQDN: &str = "xsp1.example.com";

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn ca(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    p
}

fn leaf_params(names: &[&str], days: i64) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(days);
    p
}

/// A root, two issuing CAs under it (root → int1 → int2), PEM each.
struct Pki {
    root: CertifiedIssuer<'static, KeyPair>,
    int1: CertifiedIssuer<'static, KeyPair>,
    int2: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let root =
            CertifiedIssuer::self_signed(ca("Test Root"), KeyPair::generate().unwrap()).unwrap();
        let int1 =
            CertifiedIssuer::signed_by(ca("Test Int 1"), KeyPair::generate().unwrap(), &root)
                .unwrap();
        let int2 =
            CertifiedIssuer::signed_by(ca("Test Int 2"), KeyPair::generate().unwrap(), &int1)
                .unwrap();
        Pki { root, int1, int2 }
    }

    /// A leaf signed by int2: (key PEM, certificate PEM).
    fn leaf(&self, p: CertificateParams) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.int2).unwrap();
        (key.serialize_pem(), cert.pem())
    }

    fn chain(&self) -> String {
        format!("{}{}", self.int2.pem(), self.int1.pem())
    }
}

fn check(key: &str, cert: &str, chain: &str) -> Result<ServerCert, ServerCertError> {
    check_server_cert(
        ServerFiles {
            key: (Path::new("xsp1.key"), key),
            certificate: (Path::new("xsp1.crt"), cert),
            chain: (Path::new("chain.pem"), chain),
        },
        FQDN,
        now(),
    )
}

fn problem(r: Result<ServerCert, ServerCertError>) -> CertProblem {
    r.unwrap_err().problems.remove(0)
}

#[test]
fn a_good_certificate_reads_with_its_names_and_key_type() {
    let pki = Pki::new();
    let (key, cert) = pki.leaf(leaf_params(&[FQDN], 365));
    let ok = check(&key, &cert, &pki.chain()).unwrap();
    assert_eq!(ok.subject, FQDN);
    assert_eq!(ok.issuer, "Test Int 2");
    assert_eq!(ok.key_type, KeyType::Ec);
    assert_eq!(ok.chain_len, 2);
    assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
    assert!(ok.not_after_text.ends_with("GMT"), "{}", ok.not_after_text);
    // A chain that ends with the root is complete too.
    let full = format!("{}{}", pki.chain(), pki.root.pem());
    assert_eq!(check(&key, &cert, &full).unwrap().chain_len, 3);
}

#[test]
fn a_key_of_another_certificate_is_refused_at_the_key_block() {
    let pki = Pki::new();
    let (_, cert) = pki.leaf(leaf_params(&[FQDN], 365));
    let other = KeyPair::generate().unwrap().serialize_pem();
    let p = problem(check(&format!("# ops\n{other}"), &cert, &pki.chain()));
    assert_eq!((p.file.as_str(), p.line), ("xsp1.key", 2));
    assert_eq!(
        p.message,
        "the private key does not belong to the certificate"
    );
}

#[test]
fn a_chain_out_of_order_or_with_a_gap_names_the_line() {
    let pki = Pki::new();
    let (key, cert) = pki.leaf(leaf_params(&[FQDN], 365));
    let reversed = format!("{}{}", pki.int1.pem(), pki.int2.pem());
    let p = problem(check(&key, &cert, &reversed));
    assert!(p.message.starts_with("the chain is out of order"), "{p:?}");
    assert_eq!((p.file.as_str(), p.line), ("xsp1.crt", 1));
    let gap = pki.int1.pem();
    let p = problem(check(&key, &cert, &gap));
    assert!(p.message.starts_with("the chain is incomplete"), "{p:?}");
    assert!(p.message.contains("Test Int 2"), "{p:?}");
}

#[test]
fn names_must_cover_the_fqdn_and_a_wildcard_is_warned() {
    let pki = Pki::new();
    let (key, cert) = pki.leaf(leaf_params(&["xsp2.example.com"], 365));
    let p = problem(check(&key, &cert, &pki.chain()));
    assert!(
        p.message
            .contains("does not name xsp1.example.com: its names are xsp2.example.com"),
        "{p:?}"
    );
    let (key, cert) = pki.leaf(leaf_params(&["*.example.com"], 365));
    let ok = check(&key, &cert, &pki.chain()).unwrap();
    assert!(ok.warnings[0].contains("wildcard *.example.com"), "{ok:?}");
    // A wildcard covers one label only.
    let (key, cert) = pki.leaf(leaf_params(&["*.com"], 365));
    assert!(check(&key, &cert, &pki.chain()).is_err());
}

#[test]
fn expired_is_an_error_and_under_30_days_a_warning() {
    let pki = Pki::new();
    let mut p = leaf_params(&[FQDN], 365);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(400);
    p.not_after = OffsetDateTime::now_utc() - Duration::days(2);
    let (key, cert) = pki.leaf(p);
    assert!(
        problem(check(&key, &cert, &pki.chain()))
            .message
            .contains("expired on")
    );
    let (key, cert) = pki.leaf(leaf_params(&[FQDN], 20));
    let ok = check(&key, &cert, &pki.chain()).unwrap();
    assert!(ok.warnings[0].contains("(under 30 days)"), "{ok:?}");
    let (key, cert) = pki.leaf(leaf_params(&[FQDN], 45));
    let ok = check(&key, &cert, &pki.chain()).unwrap();
    assert!(ok.warnings[0].contains("(under 60 days)"), "{ok:?}");
}

#[test]
fn a_client_only_certificate_is_refused() {
    let pki = Pki::new();
    let mut p = leaf_params(&[FQDN], 365);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let (key, cert) = pki.leaf(p);
    assert!(
        problem(check(&key, &cert, &pki.chain()))
            .message
            .contains("without serverAuth")
    );
}

#[test]
fn keys_outside_the_key_file_and_a_full_chain_as_certificate_are_refused() {
    let pki = Pki::new();
    let (key, cert) = pki.leaf(leaf_params(&[FQDN], 365));
    let e = check(&key, &cert, &format!("{}{key}", pki.chain())).unwrap_err();
    let p = &e.problems[0];
    assert_eq!(p.file, "chain.pem");
    assert!(
        p.message
            .starts_with("a private key (PRIVATE KEY) in the chain file"),
        "{p:?}"
    );
    assert!(!e.to_string().contains(key.lines().nth(1).unwrap()));
    let full = format!("{cert}{}", pki.chain());
    let p = problem(check(&key, &full, &pki.chain()));
    assert!(
        p.message
            .contains("3 certificates where the server certificate alone is expected"),
        "{p:?}"
    );
    assert!(
        problem(check("", &cert, &pki.chain()))
            .message
            .contains("no PEM private key")
    );
}
