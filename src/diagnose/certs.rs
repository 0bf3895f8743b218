//! The certificates a TLS endpoint serves: fetched with one TLS 1.2 handshake
//! (the verify probe), kept as PEM, and summarised with x509-parser.
use std::time::Duration;

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::desired::Probe;
use crate::verify::mtls::ClientCredential;
use crate::verify::probe::{Offer, Version, handshake};

/// What one endpoint served.
#[derive(Debug, Clone, Serialize)]
pub struct ServedCertificate {
    /// `http` or `cti`.
    pub endpoint: String,
    /// Address probed.
    pub address: String,
    /// Port probed.
    pub port: u16,
    /// The chain as served, leaf first, PEM; empty when the handshake failed.
    #[serde(skip)]
    pub pem: String,
    /// Each certificate of the chain, parsed.
    pub chain: Vec<CertificateSummary>,
    /// Why nothing was fetched.
    pub error: Option<String>,
}

/// One certificate, parsed.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number (hex).
    pub serial: String,
    /// Not before (RFC 2822, as x509-parser prints it).
    pub not_before: String,
    /// Not after.
    pub not_after: String,
    /// Subject alternative names.
    pub san: Vec<String>,
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Why it did not parse, if it did not.
    pub error: Option<String>,
}

/// The chain `probe`'s endpoint serves in a TLS 1.2 handshake; a CTI interface is
/// offered `client` (the playbook's identity), which one that requires a client
/// certificate needs before it completes.
pub fn served(
    probe: &Probe,
    client: Option<&ClientCredential>,
    timeout: Duration,
) -> ServedCertificate {
    let offer = Offer {
        version: Version::Tls12,
        suites: None,
    };
    let mut out = ServedCertificate {
        endpoint: probe.endpoint.clone(),
        address: probe.address.clone(),
        port: probe.port,
        pem: String::new(),
        chain: Vec::new(),
        error: None,
    };
    let client = client.filter(|_| probe.endpoint == "cti");
    match handshake(&probe.address, probe.port, &offer, client, timeout) {
        Ok(n) => {
            out.pem = n.chain.iter().map(|der| pem(der)).collect();
            out.chain = n.chain.iter().map(|der| summary(der)).collect();
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// One DER certificate, summarised.
pub fn summary(der: &[u8]) -> CertificateSummary {
    let sha256 = hex::encode(Sha256::digest(der));
    match X509Certificate::from_der(der) {
        Ok((_, c)) => CertificateSummary {
            subject: c.subject().to_string(),
            issuer: c.issuer().to_string(),
            serial: c.raw_serial_as_string(),
            not_before: c.validity().not_before.to_string(),
            not_after: c.validity().not_after.to_string(),
            san: c
                .subject_alternative_name()
                .ok()
                .flatten()
                .map(|s| {
                    s.value
                        .general_names
                        .iter()
                        .map(|n| n.to_string())
                        .collect()
                })
                .unwrap_or_default(),
            sha256,
            error: None,
        },
        Err(e) => CertificateSummary {
            sha256,
            ..CertificateSummary::unreadable(e.to_string())
        },
    }
}

impl CertificateSummary {
    /// A certificate that could not be parsed, and why.
    pub fn unreadable(why: String) -> CertificateSummary {
        CertificateSummary {
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            san: Vec::new(),
            sha256: String::new(),
            error: Some(why),
        }
    }
}
