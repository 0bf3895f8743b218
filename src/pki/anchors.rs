//! The Webex trust anchors the operator downloads from Partner Hub
//! (`CombinedCertChain.txt`, or a root and an issuing CA PEM; solution guide B
//! §5.6 for R22+, §5.7 for R21), read and checked before anything is uploaded: each
//! block must be a certificate (never a private key), a CA, valid now, and each CA
//! that is not self-signed must be signed by another anchor of the file. Every
//! problem names the line its block starts on.
use std::path::Path;

use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::pem_blocks::{Block, PemError, blocks};

/// One trust anchor, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The subject, as RFC 4514 text.
    pub subject: String,
    /// The issuer, as RFC 4514 text.
    pub issuer: String,
    /// The subject's common name, when it has one.
    pub common_name: Option<String>,
    /// SHA-256 of the DER encoding, lower-case hex.
    pub sha256: String,
    /// The end of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// Whether it is its own issuer (a root).
    pub self_signed: bool,
    /// The certificate as one PEM block (what is uploaded).
    pub pem: String,
    /// The file it was read from, as the playbook names it resolved.
    pub file: String,
    /// The line of the file its block starts on.
    pub line: usize,
    /// The issuer's common name, when it has one.
    pub issuer_common_name: Option<String>,
}

impl Anchor {
    /// The alias the CLI keeps it under (`updateTrust <alias> <file>`): its common
    /// name, reduced to letters, digits and `-`, and the first 8 hex digits of its
    /// SHA-256, so that a new Webex CA gets a new alias and the same CA the same one
    /// (issue #9: idempotence without a fingerprint column).
    pub fn alias(&self) -> String {
        let name = self.common_name.as_deref().unwrap_or("anchor");
        format!("{}-{}", alias_slug(name), &self.sha256[..8])
    }
}

/// The name part of a derived alias: `name` reduced to lower-case letters, digits
/// and single `-`, at most 32 characters, no `-` at either end.
pub fn alias_slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(32).collect();
    slug.trim_end_matches('-').to_string()
}

/// One problem with one block (or the file as a whole: line 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorProblem {
    /// The file.
    pub file: String,
    /// The block's line; 0 for the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Every problem found in the anchor files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct AnchorError {
    /// The problems, in file order.
    pub problems: Vec<AnchorProblem>,
}

impl AnchorError {
    fn render(&self) -> String {
        super::render_problems(
            self.problems
                .iter()
                .map(|p| (p.file.as_str(), p.line, p.message.as_str(), p.help.as_str())),
        )
    }
}

const DOWNLOAD_HELP: &str =
    "download the Webex CA chain again from Partner Hub (CombinedCertChain.txt) and name that file";

/// Reads the anchors of `file` (its `text`), checking them as of `now` (seconds
/// since the Unix epoch); at least `at_least` anchors are expected (2 for the
/// Webex chain: a root and an issuing CA).
pub fn read_anchors(
    file: &Path,
    text: &str,
    now: i64,
    at_least: usize,
) -> Result<Vec<Anchor>, AnchorError> {
    read_anchor_files(&[(file, text)], now, at_least)
}

/// Reads the anchors of several files (each `(path, text)`), checked together: each
/// issuing CA must be signed by an anchor of any of them (the root and the issuing
/// CA as separate PEM files, guide B §5.6 step 3).
pub fn read_anchor_files(
    files: &[(&Path, &str)],
    now: i64,
    at_least: usize,
) -> Result<Vec<Anchor>, AnchorError> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for (path, text) in files {
        let name = path.display().to_string();
        match blocks(text) {
            Ok(b) if b.is_empty() => problems.push(AnchorProblem {
                file: name,
                line: 0,
                message: "no PEM certificate in the file (a PEM block starts with `-----BEGIN CERTIFICATE-----`)".into(),
                help: DOWNLOAD_HELP.into(),
            }),
            Ok(b) => found.extend(b.into_iter().map(|b| (name.clone(), b))),
            Err(e) => problems.push(framing(&name, &e)),
        }
    }
    let mut ders = Vec::new();
    for (name, block) in &found {
        match der_of(name, block) {
            Ok(der) => ders.push((name, block, der)),
            Err(p) => problems.push(p),
        }
    }
    // Each certificate is parsed once, for its own checks and the chain's.
    let mut certs = Vec::new();
    for (name, block, der) in &ders {
        match certificate(name, block, der, now) {
            Ok(pair) => certs.push(pair),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() && certs.len() < at_least {
        let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        problems.push(AnchorProblem {
            file: names.join(", "),
            line: 0,
            message: format!(
                "{} certificate(s) where the Webex chain has at least {at_least} (a root and an issuing CA)",
                certs.len()
            ),
            help: format!("{DOWNLOAD_HELP}, or name the root and the issuing CA files both"),
        });
    }
    if problems.is_empty() {
        problems.extend(chain_problems(&certs));
    }
    if problems.is_empty() {
        Ok(certs.into_iter().map(|(anchor, _)| anchor).collect())
    } else {
        Err(AnchorError { problems })
    }
}

fn framing(file: &str, e: &PemError) -> AnchorProblem {
    let line = match e {
        PemError::Unterminated { line, .. }
        | PemError::Unopened { line }
        | PemError::Body { line, .. } => *line,
    };
    AnchorProblem {
        file: file.to_string(),
        line,
        message: format!("not a PEM file: {e}"),
        help: DOWNLOAD_HELP.into(),
    }
}

/// A problem with the block of `file` that starts at `line`.
fn problem_at(file: &str, line: usize, message: String, help: &str) -> AnchorProblem {
    AnchorProblem {
        file: file.to_string(),
        line,
        message,
        help: help.to_string(),
    }
}

/// The DER of a certificate block, or why the block cannot be an anchor.
fn der_of(file: &str, block: &Block) -> Result<Vec<u8>, AnchorProblem> {
    let problem = |message: String, help: &str| problem_at(file, block.line, message, help);
    if block.is_private_key() {
        return Err(problem(
            format!("a private key ({}) in a trust anchor file", block.label),
            "remove it: trust anchors are certificates only, and a private key must never be uploaded to a trust store",
        ));
    }
    if block.label != "CERTIFICATE" {
        return Err(problem(
            format!("a {} block, not a CERTIFICATE", block.label),
            DOWNLOAD_HELP,
        ));
    }
    block
        .decode()
        .map(|pem| pem.contents)
        .map_err(|e| problem(e.to_string(), DOWNLOAD_HELP))
}

/// The anchor `der` (from `block`) holds, parsed, or why it cannot be one.
fn certificate<'a>(
    file: &str,
    block: &Block,
    der: &'a [u8],
    now: i64,
) -> Result<(Anchor, X509Certificate<'a>), AnchorProblem> {
    let problem = |message: String, help: &str| problem_at(file, block.line, message, help);
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| {
        problem(
            format!("the certificate does not parse: {e}"),
            DOWNLOAD_HELP,
        )
    })?;
    let subject = cert.subject().to_string();
    let validity = cert.validity();
    if validity.not_after.timestamp() < now {
        return Err(problem(
            format!("{subject} expired on {}", validity.not_after),
            DOWNLOAD_HELP,
        ));
    }
    if validity.not_before.timestamp() > now {
        return Err(problem(
            format!("{subject} is not valid before {}", validity.not_before),
            "check the clock of this machine, or download the chain again",
        ));
    }
    if !cert.is_ca() {
        return Err(problem(
            format!(
                "{subject} is not a CA certificate (a server or client certificate, not a trust anchor)"
            ),
            "name the Webex CA chain (root and issuing CA), not a leaf certificate",
        ));
    }
    let common_name = first_common_name(cert.subject());
    let issuer_common_name = first_common_name(cert.issuer());
    let anchor = Anchor {
        issuer: cert.issuer().to_string(),
        self_signed: cert.subject() == cert.issuer(),
        subject,
        common_name,
        sha256: hex::encode(Sha256::digest(der)),
        not_after: validity.not_after.timestamp(),
        pem: block.text.clone(),
        file: file.to_string(),
        line: block.line,
        issuer_common_name,
    };
    Ok((anchor, cert))
}

/// The first common name of `name`, when it has one.
fn first_common_name(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

/// Each anchor must be signed by its issuer: a root by itself, any other by an
/// anchor of the file whose subject is its issuer.
fn chain_problems(certs: &[(Anchor, X509Certificate<'_>)]) -> Vec<AnchorProblem> {
    let mut problems = Vec::new();
    for (anchor, cert) in certs {
        let issuer = certs
            .iter()
            .map(|(_, c)| c)
            .find(|c| c.subject() == cert.issuer());
        let problem = match issuer {
            None => Some(format!(
                "{} is issued by {}, which is not in the file",
                anchor.subject, anchor.issuer
            )),
            Some(issuer) if cert.verify_signature(Some(issuer.public_key())).is_err() => {
                Some(if anchor.self_signed {
                    format!("{}: its self-signature does not verify", anchor.subject)
                } else {
                    format!(
                        "{} names {} as its issuer, but that certificate did not sign it",
                        anchor.subject, anchor.issuer
                    )
                })
            }
            Some(_) => None,
        };
        problems.extend(
            problem.map(|message| problem_at(&anchor.file, anchor.line, message, DOWNLOAD_HELP)),
        );
    }
    problems
}

#[cfg(test)]
mod tests;
