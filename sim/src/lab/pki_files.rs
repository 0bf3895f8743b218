//! The lab PKI on disk (issue #9 item 6): a fresh Webex-like chain and client
//! certificate, and a server CA with one server certificate per lab host, written
//! to a directory (`certs/lab/` for `xspctl lab`); private keys are created with
//! mode 0600. Each host of the lab configuration then starts with its certificate.
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::LabError;
use super::config::LabConfig;
use super::server_certs::StartingCertificate;
use crate::pki::PkiError;
use crate::pki::lab_ca::{LabCa, WebexLikePki};

/// The Webex trust anchors, as Partner Hub's file holds them (issuing CA, root).
pub const COMBINED_CHAIN_FILE: &str = "CombinedCertChain.txt";
/// The Webex-like client certificate, followed by its issuing CA.
pub const WEBEX_CLIENT_CERT_FILE: &str = "bwcticlient.webex.com.pem";
/// The Webex-like client's private key.
pub const WEBEX_CLIENT_KEY_FILE: &str = "bwcticlient.webex.com.key";
/// The lab server CA's certificate.
pub const SERVER_CA_FILE: &str = "lab-server-ca.pem";

/// Where the lab PKI's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabPkiFiles {
    /// The Webex trust anchors (`CombinedCertChain.txt`).
    pub combined_chain: PathBuf,
    /// The client certificate chain.
    pub client_cert: PathBuf,
    /// The client key.
    pub client_key: PathBuf,
    /// The server CA.
    pub server_ca: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LabError + '_ {
    move |source| LabError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn pki(e: PkiError) -> LabError {
    LabError::Config(format!("lab PKI: {e}"))
}

/// Writes `text` to `path`, replacing it; `private` files are created 0600 (and an
/// older file's mode is corrected).
fn write(path: &Path, text: &str, private: bool) -> Result<(), LabError> {
    let mode = if private { 0o600 } else { 0o644 };
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))
}

/// A lab PKI in memory: the Webex-like chain and client, and the server CA.
#[derive(Debug)]
pub struct LabPki {
    webex: WebexLikePki,
    server_ca: LabCa,
}

impl LabPki {
    /// Generates a new one.
    pub fn generate() -> Result<LabPki, LabError> {
        Ok(LabPki {
            webex: WebexLikePki::generate().map_err(pki)?,
            server_ca: LabCa::root("xspctl Lab Server CA").map_err(pki)?,
        })
    }

    /// Writes the Webex trust anchors, the client certificate and key, and the
    /// server CA into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> Result<LabPkiFiles, LabError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let files = LabPkiFiles {
            combined_chain: dir.join(COMBINED_CHAIN_FILE),
            client_cert: dir.join(WEBEX_CLIENT_CERT_FILE),
            client_key: dir.join(WEBEX_CLIENT_KEY_FILE),
            server_ca: dir.join(SERVER_CA_FILE),
        };
        write(&files.combined_chain, &self.webex.combined_chain(), false)?;
        write(&files.client_cert, &self.webex.client_chain(), false)?;
        write(&files.client_key, &self.webex.client.key_pem, true)?;
        write(&files.server_ca, &self.server_ca.cert_pem(), false)?;
        Ok(files)
    }

    /// Issues a server certificate of the server CA for each `(name, address)` (SAN:
    /// `<name>.<domain>` and the address), writes each to `dir` as `<name>.pem` and
    /// `<name>.key`, and returns them in order with the chain that completes them.
    pub fn issue_server_files(
        &self,
        hosts: &[(String, IpAddr)],
        domain: &str,
        dir: &Path,
    ) -> Result<Vec<StartingCertificate>, LabError> {
        let mut out = Vec::new();
        for (name, address) in hosts {
            let fqdn = format!("{name}.{domain}");
            let issued = self.server_ca.issue_server(&fqdn, *address).map_err(pki)?;
            write(&dir.join(format!("{name}.pem")), &issued.cert_pem, false)?;
            write(&dir.join(format!("{name}.key")), &issued.key_pem, true)?;
            out.push(StartingCertificate {
                cert_pem: issued.cert_pem,
                key_pem: issued.key_pem,
                chain_pem: self.server_ca.cert_pem(),
            });
        }
        Ok(out)
    }

    /// Gives every host of `config` a server certificate of the server CA
    /// ([`LabPki::issue_server_files`]), which a host this lab creates starts with.
    pub fn issue_servers(&self, config: &mut LabConfig, dir: &Path) -> Result<(), LabError> {
        let hosts: Vec<(String, IpAddr)> = config
            .hosts
            .iter()
            .map(|h| (h.name.clone(), h.address))
            .collect();
        let issued = self.issue_server_files(&hosts, config.domain(), dir)?;
        for (host, cert) in config.hosts.iter_mut().zip(issued) {
            host.server_certificate = Some(cert);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::host::{Product, Release};

    #[test]
    fn keys_are_private_and_every_host_gets_a_certificate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = LabConfig::uniform(
            dir.path().join("lab"),
            2,
            Product::Xsp,
            Release::R23,
            "127.77.0.1".parse().expect("address"),
        )
        .expect("config");
        let certs = dir.path().join("certs");
        let pki = LabPki::generate().expect("pki");
        let files = pki.write(&certs).expect("files");
        pki.issue_servers(&mut config, &certs).expect("servers");
        let mode = |p: &Path| std::fs::metadata(p).expect("file").permissions().mode() & 0o777;
        assert_eq!(mode(&files.client_key), 0o600);
        assert_eq!(mode(&certs.join("xsp2.key")), 0o600);
        assert_eq!(mode(&files.combined_chain), 0o644);
        let chain = std::fs::read_to_string(&files.combined_chain).expect("chain");
        assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
        for host in &config.hosts {
            let cert = host.server_certificate.as_ref().expect("certificate");
            let leaf = &crate::pki::certificates(cert.cert_pem.as_bytes()).expect("leaf")[0];
            let summary = crate::pki::summary(leaf);
            assert_eq!(summary.owner, format!("{}.lab.xspctl.test", host.name));
            assert_eq!(summary.issuer, "xspctl Lab Server CA");
        }
    }

    /// A host the lab creates serves its certificate on HTTPS and CTI, and a client
    /// that trusts only the lab server CA verifies it for the host's FQDN.
    #[test]
    fn a_lab_host_serves_its_ca_signed_certificate_for_its_fqdn() {
        use openssl::ssl::{SslConnector, SslMethod};

        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = LabConfig {
            ssh: false,
            control_socket: false,
            ..LabConfig::uniform(
                dir.path().join("lab"),
                1,
                Product::Xsp,
                Release::R23,
                "127.79.3.1".parse().expect("address"),
            )
            .expect("config")
        };
        let certs = dir.path().join("certs");
        let pki = LabPki::generate().expect("pki");
        let files = pki.write(&certs).expect("files");
        pki.issue_servers(&mut config, &certs).expect("servers");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let lab = rt.block_on(super::super::Lab::start(config)).expect("lab");
        let entry = lab.entry("xsp1").expect("xsp1").clone();
        for port in [entry.https_port, entry.cti_port] {
            let mut client = SslConnector::builder(SslMethod::tls_client()).expect("client");
            client.set_ca_file(&files.server_ca).expect("server CA");
            let stream = std::net::TcpStream::connect((entry.address, port)).expect("connect");
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .expect("timeout");
            let tls = client
                .build()
                .connect(&entry.fqdn, stream)
                .unwrap_or_else(|e| panic!("port {port}: {e}"));
            let served = tls.ssl().peer_certificate().expect("certificate");
            assert_eq!(crate::pki::summary(&served).issuer, "xspctl Lab Server CA");
        }
        rt.block_on(lab.stop());
    }
}
