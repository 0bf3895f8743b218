//! The CA certificates `verify.server_ca` names: the roots (and, optionally,
//! intermediates) verify trusts when it validates the chain an endpoint serves.
//! Without it, verify trusts the public roots a Webex client would (webpki-roots).
//! Read and checked when the playbook is loaded; every problem names its line.
use std::path::Path;

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::pem_blocks::blocks;

const HELP: &str = "name a PEM file of the CA certificates that issue your servers' certificates (the root, and intermediates if you want them trusted as anchors)";

/// The DER of every CA certificate in `file` (its `text`), or every problem with it
/// as `FILE[:LINE]: error: ...` lines.
pub fn read_server_cas(file: &Path, text: &str) -> Result<Vec<Vec<u8>>, String> {
    let name = file.display().to_string();
    let render = |problems: Vec<(usize, String)>| {
        super::render_problems(
            problems
                .iter()
                .map(|(line, message)| (name.as_str(), *line, message.as_str(), HELP)),
        )
    };
    let found = blocks(text).map_err(|e| render(vec![(0, format!("not a PEM file: {e}"))]))?;
    let mut problems = Vec::new();
    let mut ders = Vec::new();
    for block in &found {
        if block.is_private_key() || block.label != "CERTIFICATE" {
            problems.push((
                block.line,
                format!("a {} block, not a CERTIFICATE", block.label),
            ));
            continue;
        }
        let der = match block.decode() {
            Ok(pem) => pem.contents,
            Err(e) => {
                problems.push((block.line, e.to_string()));
                continue;
            }
        };
        match X509Certificate::from_der(&der) {
            Ok((_, cert)) if cert.is_ca() => ders.push(der),
            Ok((_, cert)) => problems.push((
                block.line,
                format!(
                    "{} is not a CA certificate (no basicConstraints CA:TRUE): a server's own certificate cannot be a trust anchor",
                    cert.subject()
                ),
            )),
            Err(e) => problems.push((block.line, format!("not an X.509 certificate: {e}"))),
        }
    }
    if found.is_empty() {
        problems.push((
            0,
            "no PEM certificate in the file (a PEM block starts with `-----BEGIN CERTIFICATE-----`)"
                .into(),
        ));
    }
    if problems.is_empty() {
        Ok(ders)
    } else {
        Err(render(problems))
    }
}

#[cfg(test)]
mod tests {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

    use super::*;

    fn pem(ca: bool) -> String {
        let mut p = CertificateParams::new(vec!["ca.example.com".to_string()]).unwrap();
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p.self_signed(&KeyPair::generate().unwrap()).unwrap().pem()
    }

    #[test]
    fn ca_certificates_are_read_and_anything_else_is_located() {
        let file = Path::new("ca.pem");
        let two = format!("{}{}", pem(true), pem(true));
        assert_eq!(read_server_cas(file, &two).unwrap().len(), 2);
        let leaf = format!("# comment\n{}", pem(false));
        let err = read_server_cas(file, &leaf).unwrap_err();
        assert!(err.starts_with("ca.pem:2: error: "), "{err}");
        assert!(err.contains("not a CA certificate"), "{err}");
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let err = read_server_cas(file, key).unwrap_err();
        assert!(
            err.contains("ca.pem:1: error: a PRIVATE KEY block"),
            "{err}"
        );
        let err = read_server_cas(file, "nothing here").unwrap_err();
        assert!(
            err.starts_with("ca.pem: error: no PEM certificate"),
            "{err}"
        );
    }
}
