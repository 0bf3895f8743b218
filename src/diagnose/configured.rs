//! The certificates configured on a host, beside those it serves: the rows of its
//! Certificates views (what bwcli says each interface holds), and the certificate
//! files the playbook's modules put on it (server certificates and chains, trust
//! anchors), as PEM with their parsed summary: the playbook's copy, and the host's
//! where it still has one. Only `CERTIFICATE` blocks are ever kept, and a file the
//! playbook marks private (a key) is never read: private keys are not collected.
use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;
use serde::Serialize;

use super::certs::{CertificateSummary, summary};
use super::evidence::Snapshot;
use crate::desired::FileFact;
use crate::live::LiveContext;
use crate::live::link::HostLink;

/// One PEM certificate block.
static CERTIFICATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----")
        .expect("static regex")
});

/// The certificate blocks of `text`, as PEM, and each one parsed.
pub fn certificates_in(text: &str) -> (String, Vec<CertificateSummary>) {
    let mut pem = String::new();
    let mut parsed = Vec::new();
    for c in CERTIFICATE.captures_iter(text) {
        pem.push_str(&c[0]);
        pem.push('\n');
        let body: String = c[1].chars().filter(|ch| !ch.is_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(body) {
            Ok(der) => parsed.push(summary(&der)),
            Err(e) => parsed.push(CertificateSummary::unreadable(format!("not base64: {e}"))),
        }
    }
    (pem, parsed)
}

/// A certificate file a module configures on the host.
#[derive(Debug, Clone, Serialize)]
pub struct ConfiguredFile {
    /// Its path on the host.
    pub path: String,
    /// The playbook's file it comes from.
    pub playbook_source: Option<String>,
    /// The playbook's certificates, PEM (bundled beside the JSON).
    #[serde(skip)]
    pub pem: String,
    /// The playbook's certificates, parsed.
    pub certificates: Vec<CertificateSummary>,
    /// What the host holds at that path: `the same certificates`, `other
    /// certificates` (with them parsed in `on_host_certificates`), or `not on the
    /// host (uploaded only while the command that uses it runs)`, or why it could
    /// not be read.
    pub on_host: String,
    /// The host's certificates at that path, when they differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_host_certificates: Vec<CertificateSummary>,
}

/// One Certificates view as bwcli showed it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    /// The context.
    pub context: String,
    /// Each row, header → value.
    pub rows: Vec<Vec<(String, String)>>,
}

/// `hosts/<host>/configured-certificates.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Configured {
    /// The Certificates views read (see `bwcli.json` for those that could not be).
    pub views: Vec<CertificateView>,
    /// The certificate files the playbook's modules configure.
    pub files: Vec<ConfiguredFile>,
}

/// The Certificates views in `snapshot`.
pub fn views(snapshot: &Snapshot) -> Vec<CertificateView> {
    snapshot
        .read
        .contexts
        .iter()
        .filter(|(at, _)| at.context.ends_with("/Certificates"))
        .filter_map(|(at, content)| match content {
            LiveContext::Table { headers, rows } => Some(CertificateView {
                context: at.context.clone(),
                rows: rows
                    .iter()
                    .map(|r| headers.iter().cloned().zip(r.iter().cloned()).collect())
                    .collect(),
            }),
            LiveContext::Attributes(_) => None,
        })
        .collect()
}

/// The certificate files of `files` (never a private one), with the host's copy
/// read through `link` where it has one.
pub fn configured_files(files: &[FileFact], link: &mut dyn HostLink) -> Vec<ConfiguredFile> {
    let mut out = Vec::new();
    for f in files.iter().filter(|f| !f.private) {
        let text = match (&f.content, &f.source) {
            (Some(c), _) => c.clone(),
            (None, Some(src)) => match std::fs::read(src) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(_) => continue,
            },
            (None, None) => continue,
        };
        let (pem, certificates) = certificates_in(&text);
        if certificates.is_empty() {
            continue;
        }
        let mut file = ConfiguredFile {
            path: f.path.clone(),
            playbook_source: f.source.as_ref().map(|p| p.display().to_string()),
            pem,
            certificates,
            on_host: String::new(),
            on_host_certificates: Vec::new(),
        };
        match link.read_file(&f.path) {
            Ok(None) => {
                file.on_host =
                    "not on the host (uploaded only while the command that uses it runs)".into()
            }
            Ok(Some(h)) => {
                let (_, theirs) = certificates_in(&String::from_utf8_lossy(&h.bytes));
                let same = theirs
                    .iter()
                    .map(|c| &c.sha256)
                    .eq(file.certificates.iter().map(|c| &c.sha256));
                if same {
                    file.on_host = "the same certificates".into();
                } else {
                    file.on_host = "other certificates".into();
                    file.on_host_certificates = theirs;
                }
            }
            Err(e) => file.on_host = format!("cannot be read: {e}"),
        }
        out.push(file);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_certificate_blocks_are_kept() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x.example.com".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let text = format!("{}\n{}", key.serialize_pem(), cert.pem());
        let (pem, parsed) = certificates_in(&text);
        assert!(!pem.contains("PRIVATE KEY"), "{pem}");
        assert_eq!(parsed.len(), 1);
        assert!(parsed[0].san.iter().any(|s| s.contains("x.example.com")));
        let (none, empty) = certificates_in(&key.serialize_pem());
        assert!(none.is_empty() && empty.is_empty());
    }
}
