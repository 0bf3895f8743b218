//! Anchor files built with an rcgen PKI: a Webex-like root and issuing CA, and the
//! mistakes operators make with them.
use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use time::{Duration, OffsetDateTime};

use super::*;

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "Example Webex Test");
    p.is_ca = if ca {
        IsCa::Ca(BasicConstraints::Unconstrained)
    } else {
        IsCa::NoCa
    };
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(365);
    p
}

fn root(cn: &str) -> CertifiedIssuer<'static, KeyPair> {
    CertifiedIssuer::self_signed(params(cn, true), KeyPair::generate().unwrap()).unwrap()
}

fn issued(
    p: CertificateParams,
    by: &CertifiedIssuer<'static, KeyPair>,
) -> CertifiedIssuer<'static, KeyPair> {
    CertifiedIssuer::signed_by(p, KeyPair::generate().unwrap(), by).unwrap()
}

fn read(text: &str) -> Result<Vec<Anchor>, AnchorError> {
    read_anchors(Path::new("CombinedCertChain.txt"), text, now(), 2)
}

fn first_problem(text: &str) -> (usize, String) {
    let e = read(text).unwrap_err();
    (e.problems[0].line, e.problems[0].message.clone())
}

#[test]
fn the_webex_chain_reads_as_a_root_and_an_issuing_ca() {
    let root = root("Webex Test Root CA");
    let issuing = issued(params("Webex Test Issuing CA 1", true), &root);
    let text = format!("{}{}", issuing.pem(), root.pem());
    let anchors = read(&text).unwrap();
    assert_eq!(anchors.len(), 2);
    assert!(!anchors[0].self_signed && anchors[1].self_signed);
    assert_eq!(anchors[0].line, 1);
    assert!(anchors[1].line > 2);
    let alias = anchors[0].alias();
    assert!(alias.starts_with("webex-test-issuing-ca-1-"), "{alias}");
    assert_eq!(alias.len(), "webex-test-issuing-ca-1-".len() + 8);
    assert_eq!(&alias[alias.len() - 8..], &anchors[0].sha256[..8]);
    assert!(anchors[0].subject.contains("CN=Webex Test Issuing CA 1"));
    assert_eq!(anchors[0].pem, issuing.pem().replace("\r\n", "\n"));
}

#[test]
fn a_private_key_in_the_file_is_refused_at_its_line() {
    let root = root("Webex Test Root CA");
    let issuing = issued(params("Webex Test Issuing CA 1", true), &root);
    let key = KeyPair::generate().unwrap().serialize_pem();
    let text = format!("{}{}{key}", root.pem(), issuing.pem());
    let lines_before = format!("{}{}", root.pem(), issuing.pem()).lines().count();
    let (line, message) = first_problem(&text);
    assert_eq!(line, lines_before + 1);
    assert_eq!(
        message,
        "a private key (PRIVATE KEY) in a trust anchor file"
    );
    let rendered = read(&text).unwrap_err().to_string();
    assert!(
        rendered.starts_with(&format!(
            "CombinedCertChain.txt:{line}: error: a private key"
        )),
        "{rendered}"
    );
    assert!(
        !rendered.contains("BEGIN"),
        "the key is never echoed: {rendered}"
    );
}

#[test]
fn an_expired_anchor_is_refused() {
    let mut p = params("Webex Old Root", true);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(800);
    p.not_after = OffsetDateTime::now_utc() - Duration::days(10);
    let old = CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap();
    let issuing = issued(params("Webex Test Issuing CA 1", true), &old);
    let (line, message) = first_problem(&format!("{}{}", old.pem(), issuing.pem()));
    assert_eq!(line, 1);
    assert!(
        message.contains("CN=Webex Old Root") && message.contains("expired on"),
        "{message}"
    );
}

#[test]
fn one_certificate_where_the_chain_has_two_is_refused() {
    let root = root("Webex Test Root CA");
    let e = read(&root.pem()).unwrap_err();
    assert_eq!(e.problems[0].line, 0);
    assert_eq!(
        e.problems[0].message,
        "1 certificate(s) where the Webex chain has at least 2 (a root and an issuing CA)"
    );
}

#[test]
fn a_leaf_is_not_an_anchor() {
    let root = root("Webex Test Root CA");
    let leaf = issued(params("xsp1.example.com", false), &root);
    let (line, message) = first_problem(&format!("{}{}", root.pem(), leaf.pem()));
    assert!(line > 1);
    assert!(message.contains("is not a CA certificate"), "{message}");
}

#[test]
fn an_issuing_ca_not_signed_by_the_root_of_the_file_is_refused() {
    // Another key under the same name: the issuing CA names the root but was not
    // signed by the root that is in the file.
    let root = root("Webex Test Root CA");
    let impostor = self::root("Webex Test Root CA");
    let issuing = issued(params("Webex Test Issuing CA 1", true), &impostor);
    let (line, message) = first_problem(&format!("{}{}", root.pem(), issuing.pem()));
    assert!(line > 1);
    assert!(
        message.contains("but that certificate did not sign it"),
        "{message}"
    );
    // And one whose issuer is missing altogether.
    let other = self::root("Another Root");
    let orphan = issued(params("Orphan Issuing CA", true), &other);
    let (_, message) = first_problem(&format!("{}{}", root.pem(), orphan.pem()));
    assert!(message.contains("which is not in the file"), "{message}");
}

#[test]
fn text_that_is_not_pem_is_refused() {
    let (line, message) = first_problem("this is a DER file renamed .txt\n");
    assert_eq!(line, 0);
    assert!(
        message.starts_with("no PEM certificate in the file"),
        "{message}"
    );
    let (line, message) = first_problem("-----BEGIN CERTIFICATE-----\nMIIB\n");
    assert_eq!(line, 1);
    assert!(message.starts_with("not a PEM file"), "{message}");
}
