//! The key type of an interface's certificate, and whether configured TLS 1.2 suites
//! can be served with it: a suite authenticated by ECDSA needs an EC key, one by RSA
//! an RSA key, so a list with none for the interface's key takes the port down.
//!
//! The key type comes from the CLI's `Certificates` context where the host shows it,
//! else from the certificate the interface serves (one TLS handshake).
use std::fmt;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openssl::pkey::Id;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;

use crate::catalog::{Authentication, cipher};

/// What kind of key a certificate holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyType {
    /// RSA.
    Rsa,
    /// Elliptic curve (ECDSA).
    Ec,
    /// DSA.
    Dsa,
    /// Anything else, as named where it was read.
    Other(String),
}

impl KeyType {
    /// Reads a key type as a CLI prints it (`RSA`, `RSA 2048`, `EC`, `ECDSA`, ...).
    pub fn from_cli(text: &str) -> Option<KeyType> {
        let word = text.split_whitespace().next()?.to_ascii_uppercase();
        let word = word.split(['-', '(']).next().unwrap_or_default();
        Some(match word {
            "" => return None,
            "RSA" => KeyType::Rsa,
            "EC" | "ECDSA" | "ECC" => KeyType::Ec,
            "DSA" | "DSS" => KeyType::Dsa,
            _ => KeyType::Other(text.trim().to_string()),
        })
    }

    fn of_certificate(cert: &X509) -> Result<KeyType, String> {
        let key = cert.public_key().map_err(|e| e.to_string())?;
        Ok(match key.id() {
            Id::RSA => KeyType::Rsa,
            Id::EC => KeyType::Ec,
            Id::DSA => KeyType::Dsa,
            other => KeyType::Other(format!("{other:?}")),
        })
    }

    /// Whether a TLS 1.2 (or older) suite with this authentication can be served
    /// with a key of this type.
    fn serves(&self, auth: Authentication) -> bool {
        matches!(
            (self, auth),
            (KeyType::Rsa, Authentication::Rsa)
                | (KeyType::Ec, Authentication::Ecdsa)
                | (KeyType::Dsa, Authentication::Dss)
        )
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa => f.write_str("RSA"),
            KeyType::Ec => f.write_str("ECDSA (EC)"),
            KeyType::Dsa => f.write_str("DSA"),
            KeyType::Other(name) => f.write_str(name),
        }
    }
}

/// The suites (IANA names) a TLS 1.2 client could be served with a `key` certificate,
/// or `None` when the list has no TLS 1.2 suite that certificates authenticate
/// (only TLS 1.3 suites, or only anonymous/PSK ones): then there is nothing to check.
pub fn servable<'a>(key: &KeyType, suites: &'a [String]) -> Option<Vec<&'a str>> {
    let signed: Vec<(&str, Authentication)> = suites
        .iter()
        .filter_map(|name| cipher(name).ok().map(|c| (name.as_str(), c)))
        .filter(|(_, c)| {
            !c.is_tls13()
                && matches!(
                    c.auth,
                    Authentication::Rsa | Authentication::Ecdsa | Authentication::Dss
                )
        })
        .map(|(n, c)| (n, c.auth))
        .collect();
    if signed.is_empty() {
        return None;
    }
    Some(
        signed
            .into_iter()
            .filter(|(_, auth)| key.serves(*auth))
            .map(|(n, _)| n)
            .collect(),
    )
}

/// The key type of the certificate `address:port` serves, learnt from one
/// handshake bounded by `timeout`. The leaf certificate is taken while it is
/// verified, so a server that then demands a client certificate still shows it.
pub fn served_key_type(address: &str, port: u16, timeout: Duration) -> Result<KeyType, String> {
    let target = format!("{address}:{port}");
    let addr = (address, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {target}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {target}"))?;
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {target}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let leaf: Arc<Mutex<Option<X509>>> = Arc::default();
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    // Level 0: the endpoint may serve only legacy suites; any will show the certificate.
    builder.set_security_level(0);
    builder
        .set_cipher_list("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
        .map_err(|e| e.to_string())?;
    let seen = Arc::clone(&leaf);
    builder.set_verify_callback(SslVerifyMode::PEER, move |_, ctx| {
        if ctx.error_depth() == 0
            && let Some(cert) = ctx.current_cert()
            && let Ok(mut slot) = seen.lock()
        {
            *slot = Some(cert.to_owned());
        }
        true
    });
    let connector = builder.build();
    let mut config = connector.configure().map_err(|e| e.to_string())?;
    config.set_verify_hostname(false);
    let handshake = config.connect(address, stream);
    if let Ok(mut tls) = handshake {
        let _ = tls.shutdown();
    }
    let cert = leaf.lock().ok().and_then(|slot| slot.clone());
    match cert {
        Some(cert) => KeyType::of_certificate(&cert),
        None => Err(format!("{target} sent no certificate in a TLS handshake")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn cli_spellings_of_key_types() {
        assert_eq!(KeyType::from_cli("RSA 2048"), Some(KeyType::Rsa));
        assert_eq!(KeyType::from_cli("rsa-4096"), Some(KeyType::Rsa));
        assert_eq!(KeyType::from_cli("EC (P-256)"), Some(KeyType::Ec));
        assert_eq!(KeyType::from_cli("ECDSA"), Some(KeyType::Ec));
        assert_eq!(KeyType::from_cli(""), None);
    }

    #[test]
    fn only_suites_the_key_can_sign_are_servable() {
        let ecdsa_only = s(&["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]);
        assert_eq!(servable(&KeyType::Rsa, &ecdsa_only), Some(vec![]));
        assert_eq!(
            servable(&KeyType::Ec, &ecdsa_only),
            Some(vec!["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"])
        );
        let mixed = s(&[
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ]);
        assert_eq!(
            servable(&KeyType::Rsa, &mixed),
            Some(vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])
        );
        // TLS 1.3 suites do not depend on the key type: nothing to check.
        assert_eq!(
            servable(&KeyType::Rsa, &s(&["TLS_AES_128_GCM_SHA256"])),
            None
        );
    }
}
