//! A lab host's starting server certificate: a fresh host's secure interfaces carry
//! a self-signed certificate (docs/decisions.md D6); a lab may give a host a
//! CA-signed one instead (`xspctl lab` does, from its lab PKI), which replaces the
//! self-signed certificate on every secure interface before the host serves.
use crate::host::{SimError, SimHost};
use crate::state::Config;

/// A server certificate with its key and the chain that completes it.
#[derive(Clone, PartialEq, Eq)]
pub struct StartingCertificate {
    /// The server certificate (PEM).
    pub cert_pem: String,
    /// Its private key (PEM).
    pub key_pem: String,
    /// The certificates between it and its root, leaf side first (PEM; may be empty).
    pub chain_pem: String,
}

impl std::fmt::Debug for StartingCertificate {
    /// The key never shows in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartingCertificate")
            .field("cert_pem", &self.cert_pem)
            .field("chain_pem", &self.chain_pem)
            .finish_non_exhaustive()
    }
}

/// Puts `cert` on every interface row of `config` that holds a certificate.
fn replace_in(config: &mut Config, cert: &StartingCertificate) {
    let rows = config
        .contexts
        .values_mut()
        .filter_map(|c| c.rows.as_mut())
        .flatten()
        .filter(|row| row.get("certPem").is_some_and(|p| !p.is_empty()));
    for row in rows {
        row.insert("certPem".into(), cert.cert_pem.clone());
        row.insert("keyPem".into(), cert.key_pem.clone());
        row.insert("chainPem".into(), cert.chain_pem.clone());
    }
}

/// Installs `cert` on the secure interfaces of a freshly created `host`, configured
/// and running alike (the host starts with it).
pub(crate) fn install(host: &SimHost, cert: &StartingCertificate) -> Result<(), SimError> {
    host.update(|state| {
        replace_in(&mut state.configured, cert);
        replace_in(&mut state.running, cert);
        state.generation += 1;
        Ok::<(), SimError>(())
    })?
}
