//! A server certificate the operator supplies for an interface (its private key,
//! the certificate and the chain of intermediates), read and checked before
//! anything reaches a host (issue #9 item 4; solution guide B §13: a publicly
//! signed certificate whose CN or SAN names the interface, renewed before it
//! expires; guide A line 1122: the CN or SAN must match the interface's domain).
//! Every problem names the file and the line its PEM block starts on; nothing here
//! ever prints key material.
use std::path::Path;

use openssl::pkey::PKey;
use openssl::x509::X509;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::pem_blocks::{Block, PemError, blocks};
use crate::modules::certkey::KeyType;

/// Days before expiry from which a certificate is warned about (guide B §13:
/// renew before it expires; the same thresholds as verify's
/// `tls.certificate-expiry`).
pub const WARN_DAYS: [i64; 2] = [60, 30];

/// The files of one interface's server certificate, with their text.
#[derive(Debug, Clone, Copy)]
pub struct ServerFiles<'a> {
    /// The private key file and its text (never shown).
    pub key: (&'a Path, &'a str),
    /// The certificate file (the leaf only) and its text.
    pub certificate: (&'a Path, &'a str),
    /// The chain file (intermediates, leaf's issuer first) and its text.
    pub chain: (&'a Path, &'a str),
}

/// A server certificate that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCert {
    /// The subject's common name, or the RFC 4514 subject without one.
    pub subject: String,
    /// The issuer's common name, or the RFC 4514 issuer without one.
    pub issuer: String,
    /// The end of validity as OpenSSL prints it (`Nov 25 05:48:00 2027 GMT`).
    pub not_after_text: String,
    /// The end of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// SHA-256 of the leaf's DER, lower-case hex.
    pub sha256: String,
    /// The key type.
    pub key_type: KeyType,
    /// How many certificates the chain file holds.
    pub chain_len: usize,
    /// What is acceptable but worth telling: a wildcard name, a near expiry, no EKU.
    pub warnings: Vec<String>,
}

/// One problem, in one file (line 0: the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertProblem {
    /// The file.
    pub file: String,
    /// The line its block starts on; 0 for the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Every problem found with one interface's certificate files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ServerCertError {
    /// The problems, key first, then certificate, then chain.
    pub problems: Vec<CertProblem>,
}

impl ServerCertError {
    fn render(&self) -> String {
        super::render_problems(
            self.problems
                .iter()
                .map(|p| (p.file.as_str(), p.line, p.message.as_str(), p.help.as_str())),
        )
    }
}

const ORDER_HELP: &str = "name the chain file your CA issued with the certificate: the leaf's issuing CA first, then each CA that signed the one before it (the root may be left out)";
const LEAF_HELP: &str =
    "name the server certificate alone (cert.pem, not fullchain.pem): the CAs go in the chain file";
const RENEW_HELP: &str = "get a new certificate from your CA and name its files";

/// Checks the files of a server certificate for the interface named `fqdn`, as of
/// `now` (seconds since the Unix epoch).
pub fn check_server_cert(
    files: ServerFiles<'_>,
    fqdn: &str,
    now: i64,
) -> Result<ServerCert, ServerCertError> {
    let mut problems = Vec::new();
    let key = read_key(files.key).map_err(|p| problems.push(p)).ok();
    let leaf = read_certs(files.certificate, "certificate")
        .and_then(|mut certs| {
            if let Some((second, _)) = certs.get(1) {
                return Err(vec![at(
                    files.certificate.0,
                    *second,
                    format!(
                        "{} certificates where the server certificate alone is expected",
                        certs.len()
                    ),
                    LEAF_HELP,
                )]);
            }
            Ok(certs.remove(0))
        })
        .map_err(|p| problems.extend(p))
        .ok();
    let chain = read_certs(files.chain, "chain")
        .map_err(|p| problems.extend(p))
        .ok();
    let (Some(key), Some(leaf), Some(chain)) = (key, leaf, chain) else {
        return Err(ServerCertError { problems });
    };
    match checked(files, &key, &leaf, &chain, fqdn, now) {
        Ok(cert) => Ok(cert),
        Err(p) => Err(ServerCertError { problems: p }),
    }
}

/// A problem at `line` of `file`.
fn at(file: &Path, line: usize, message: String, help: &str) -> CertProblem {
    CertProblem {
        file: file.display().to_string(),
        line,
        message,
        help: help.to_string(),
    }
}

fn framing(file: &Path, e: &PemError, help: &str) -> CertProblem {
    let line = match e {
        PemError::Unterminated { line, .. }
        | PemError::Unopened { line }
        | PemError::Body { line, .. } => *line,
    };
    at(file, line, format!("not a PEM file: {e}"), help)
}

/// The one private key block of the key file.
fn read_key((file, text): (&Path, &str)) -> Result<Block, CertProblem> {
    const HELP: &str = "name the PEM private key (`-----BEGIN PRIVATE KEY-----`, unencrypted: sslUpdate takes no passphrase) that belongs to the certificate";
    let found = blocks(text).map_err(|e| framing(file, &e, HELP))?;
    let keys: Vec<&Block> = found.iter().filter(|b| b.is_private_key()).collect();
    match keys.as_slice() {
        [] => Err(at(file, 0, "no PEM private key in the file".into(), HELP)),
        [one] if one.label == "ENCRYPTED PRIVATE KEY" || one.text.contains("ENCRYPTED") => Err(at(
            file,
            one.line,
            "the private key is encrypted".into(),
            HELP,
        )),
        [one] => Ok((*one).clone()),
        [_, second, ..] => Err(at(
            file,
            second.line,
            format!("{} private keys where one is expected", keys.len()),
            HELP,
        )),
    }
}

/// The certificate blocks of a certificate or chain file, with their lines and
/// DER; a private key there is refused (the file is uploaded readable).
fn read_certs(
    (file, text): (&Path, &str),
    what: &str,
) -> Result<Vec<(usize, Vec<u8>)>, Vec<CertProblem>> {
    let help = if what == "chain" {
        ORDER_HELP
    } else {
        LEAF_HELP
    };
    let found = blocks(text).map_err(|e| vec![framing(file, &e, help)])?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for b in &found {
        if b.is_private_key() {
            problems.push(at(
                file,
                b.line,
                format!("a private key ({}) in the {what} file", b.label),
                "remove it: the key belongs in its own file (`key:`), readable by its owner only",
            ));
        } else if b.label != "CERTIFICATE" {
            problems.push(at(
                file,
                b.line,
                format!("a {} block, not a CERTIFICATE", b.label),
                help,
            ));
        } else {
            match b.decode() {
                Ok(pem) => out.push((b.line, pem.contents)),
                Err(e) => problems.push(at(file, b.line, e.to_string(), help)),
            }
        }
    }
    if found.is_empty() {
        problems.push(at(
            file,
            0,
            format!("no PEM certificate in the {what} file (a PEM block starts with `-----BEGIN CERTIFICATE-----`)"),
            help,
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The checks on the parsed certificates: each problem, or the certificate.
fn checked(
    files: ServerFiles<'_>,
    key: &Block,
    (leaf_line, leaf_der): &(usize, Vec<u8>),
    chain: &[(usize, Vec<u8>)],
    fqdn: &str,
    now: i64,
) -> Result<ServerCert, Vec<CertProblem>> {
    let cert_file = files.certificate.0;
    let leaf_at = |message: String, help: &str| at(cert_file, *leaf_line, message, help);
    let (_, leaf) = X509Certificate::from_der(leaf_der).map_err(|e| {
        vec![leaf_at(
            format!("the certificate does not parse: {e}"),
            LEAF_HELP,
        )]
    })?;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let subject = leaf.subject().to_string();
    if leaf.is_ca() {
        problems.push(leaf_at(
            format!("{subject} is a CA certificate, not a server certificate"),
            LEAF_HELP,
        ));
    }
    if let Some(p) = validity(&leaf, now, &mut warnings) {
        problems.push(leaf_at(p, RENEW_HELP));
    }
    match names_cover(&leaf, fqdn) {
        Coverage::Exact => {}
        Coverage::Wildcard(name) => warnings.push(format!(
            "{subject} covers {fqdn} only by the wildcard {name} (a key shared by many hosts)"
        )),
        Coverage::No(names) => problems.push(leaf_at(
            format!(
                "{subject} does not name {fqdn}: its names are {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
            "get a certificate whose SAN (or CN) is the interface's FQDN, or correct `fqdn`",
        )),
    }
    match server_auth(&leaf) {
        Some(true) => {}
        Some(false) => problems.push(leaf_at(
            format!("{subject} has an Extended Key Usage without serverAuth: TLS clients refuse it as a server certificate"),
            "ask your CA for a TLS server certificate (EKU serverAuth)",
        )),
        None => warnings.push(format!(
            "{subject} has no Extended Key Usage; public CAs give serverAuth"
        )),
    }
    if let Err(p) = key_matches(key, leaf_der) {
        problems.push(at(
            files.key.0,
            key.line,
            p,
            "name the private key of this certificate (the one its CSR was made with)",
        ));
    }
    problems.extend(chain_problems(files, (*leaf_line, &leaf), chain, now));
    let key_type = key_type(&leaf);
    if !problems.is_empty() {
        return Err(problems);
    }
    let not_after_text = X509::from_der(leaf_der)
        .map(|c| c.not_after().to_string())
        .map_err(|e| {
            vec![leaf_at(
                format!("the certificate does not parse: {e}"),
                LEAF_HELP,
            )]
        })?;
    Ok(ServerCert {
        subject: common_name_or_rfc4514(leaf.subject()),
        issuer: common_name_or_rfc4514(leaf.issuer()),
        not_after_text,
        not_after: leaf.validity().not_after.timestamp(),
        sha256: hex::encode(Sha256::digest(leaf_der)),
        key_type,
        chain_len: chain.len(),
        warnings,
    })
}

fn common_name_or_rfc4514(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| name.to_string())
}

/// Why `cert` is not valid at `now`; a near expiry is a warning.
fn validity(cert: &X509Certificate<'_>, now: i64, warnings: &mut Vec<String>) -> Option<String> {
    let subject = cert.subject().to_string();
    let v = cert.validity();
    if v.not_after.timestamp() < now {
        return Some(format!("{subject} expired on {}", v.not_after));
    }
    if v.not_before.timestamp() > now {
        return Some(format!("{subject} is not valid before {}", v.not_before));
    }
    let days = (v.not_after.timestamp() - now) / 86_400;
    if let Some(limit) = WARN_DAYS.iter().rev().find(|&&d| days < d) {
        warnings.push(format!(
            "{subject} expires in {days} days, on {} (under {limit} days)",
            v.not_after
        ));
    }
    None
}

/// How a certificate's names cover an FQDN.
pub(crate) enum Coverage {
    /// A SAN (or, without SANs, the CN) is the FQDN.
    Exact,
    /// Only a wildcard covers it (named).
    Wildcard(String),
    /// Nothing covers it: the names it has.
    No(Vec<String>),
}

/// RFC 6125 §6.4: the DNS SANs when there are any, else the CN; a wildcard covers
/// exactly one leftmost label.
pub(crate) fn names_cover(cert: &X509Certificate<'_>, fqdn: &str) -> Coverage {
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    let mut names: Vec<String> = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|g| match g {
                GeneralName::DNSName(n) => Some(n.to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        names.extend(
            cert.subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .map(str::to_ascii_lowercase),
        );
    }
    if names.contains(&fqdn) {
        return Coverage::Exact;
    }
    let wildcard = names.iter().find(|n| {
        n.strip_prefix("*.").is_some_and(|rest| {
            fqdn.split_once('.')
                .is_some_and(|(label, tail)| !label.is_empty() && tail == rest)
        })
    });
    match wildcard {
        Some(w) => Coverage::Wildcard(w.clone()),
        None => Coverage::No(names),
    }
}

/// Whether the EKU allows TLS server use; None without an EKU extension.
fn server_auth(cert: &X509Certificate<'_>) -> Option<bool> {
    match cert.extended_key_usage() {
        Ok(Some(eku)) => Some(eku.value.server_auth || eku.value.any),
        _ => None,
    }
}

/// The key type of a certificate's public key.
fn key_type(cert: &X509Certificate<'_>) -> KeyType {
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(_)) => KeyType::Rsa,
        Ok(PublicKey::EC(_)) => KeyType::Ec,
        Ok(PublicKey::DSA(_)) => KeyType::Dsa,
        _ => KeyType::Other(cert.public_key().algorithm.algorithm.to_id_string()),
    }
}

/// Whether the private key is the certificate's (its public half is the
/// certificate's public key). The message never holds key material.
fn key_matches(key: &Block, leaf_der: &[u8]) -> Result<(), String> {
    let private = PKey::private_key_from_pem(key.text.as_bytes()).map_err(|_| {
        format!(
            "the {} block is not a private key OpenSSL can read",
            key.label
        )
    })?;
    let public = X509::from_der(leaf_der)
        .and_then(|c| c.public_key())
        .map_err(|e| format!("the certificate's public key cannot be read: {e}"))?;
    if private.public_eq(&public) {
        Ok(())
    } else {
        Err("the private key does not belong to the certificate".into())
    }
}

/// The chain must run leaf → its issuer → ... in file order, each a CA valid now
/// and the signer of the one before; the last may be a root or be issued by a CA
/// the clients hold (the root, usually left out).
fn chain_problems(
    files: ServerFiles<'_>,
    (leaf_line, leaf): (usize, &X509Certificate<'_>),
    chain: &[(usize, Vec<u8>)],
    now: i64,
) -> Vec<CertProblem> {
    let file = files.chain.0;
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for (line, der) in chain {
        match X509Certificate::from_der(der) {
            Ok((_, c)) => parsed.push((*line, c)),
            Err(e) => problems.push(at(
                file,
                *line,
                format!("the certificate does not parse: {e}"),
                ORDER_HELP,
            )),
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    for (line, c) in &parsed {
        let subject = c.subject().to_string();
        if !c.is_ca() {
            problems.push(at(
                file,
                *line,
                format!("{subject} is not a CA certificate: a chain holds only the CAs above the server certificate"),
                ORDER_HELP,
            ));
        }
        let mut ignored = Vec::new();
        if let Some(p) = validity(c, now, &mut ignored) {
            problems.push(at(file, *line, p, "get the current chain from your CA"));
        }
    }
    // Each certificate, from the leaf on, must be followed by its issuer.
    let mut child: (&Path, usize, &X509Certificate<'_>) = (files.certificate.0, leaf_line, leaf);
    for (i, (line, issuer)) in parsed.iter().enumerate() {
        let (child_file, child_line, cert) = child;
        if cert.issuer() != issuer.subject() {
            let found = parsed
                .iter()
                .position(|(_, c)| c.subject() == cert.issuer());
            let message = match found {
                Some(j) if j > i => format!(
                    "the chain is out of order: {} is issued by {}, which is at line {} of the chain file, but line {line} comes first",
                    cert.subject(),
                    cert.issuer(),
                    parsed[j].0
                ),
                _ => format!(
                    "the chain is incomplete: {} is issued by {}, which is not the next certificate of the chain file (line {line} is {})",
                    cert.subject(),
                    cert.issuer(),
                    issuer.subject()
                ),
            };
            problems.push(at(child_file, child_line, message, ORDER_HELP));
            return problems;
        }
        if cert.verify_signature(Some(issuer.public_key())).is_err() {
            problems.push(at(
                child_file,
                child_line,
                format!(
                    "{} names {} as its issuer, but that certificate (chain file line {line}) did not sign it",
                    cert.subject(),
                    cert.issuer()
                ),
                ORDER_HELP,
            ));
            return problems;
        }
        child = (file, *line, issuer);
    }
    let (child_file, child_line, last) = child;
    if last.subject() == last.issuer() && last.verify_signature(None).is_err() {
        problems.push(at(
            child_file,
            child_line,
            format!("{}: its self-signature does not verify", last.subject()),
            ORDER_HELP,
        ));
    }
    problems
}

#[cfg(test)]
mod tests;
