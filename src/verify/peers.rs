//! What verify presents to the endpoints and what it trusts of them, loaded once
//! per run from the playbook's `verify` section, before any host is reached.
use super::mtls::MtlsClients;
use super::served_chain::ServerTrust;
use crate::playbook::VerifySettings;

/// The clients verify presents on CTI interfaces and the CAs it trusts for the
/// servers' certificates.
#[derive(Debug)]
pub struct Peers {
    /// The mTLS clients (the playbook's identity, and an untrusted one).
    pub clients: MtlsClients,
    /// The CAs the served chains must lead to.
    pub servers: ServerTrust,
}

impl Peers {
    /// Loads both from `settings`; the error names the playbook key at fault.
    pub fn of_playbook(settings: &VerifySettings) -> Result<Peers, String> {
        Ok(Peers {
            clients: MtlsClients::new(settings.client_certificate.as_ref())
                .map_err(|e| format!("`verify.client_certificate`: {e}"))?,
            servers: ServerTrust::of_playbook(settings)
                .map_err(|e| format!("`verify.server_ca`: {e}"))?,
        })
    }
}
