//! IANA cipher-suite names (what bwcli takes, guide A L1147) mapped to OpenSSL's own
//! names at run time, by enumerating OpenSSL's cipher table and reading each
//! suite's `standard_name()`.
use std::collections::HashMap;
use std::sync::OnceLock;

use openssl::ssl::{Ssl, SslContext, SslMethod};

/// One suite OpenSSL knows and can use here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownCipher {
    /// OpenSSL's name, e.g. `ECDHE-RSA-AES128-GCM-SHA256` (TLS 1.3 suites keep
    /// their IANA name).
    pub openssl_name: &'static str,
    /// Whether it is a TLS 1.3 suite (configured with `set_ciphersuites`).
    pub tls13: bool,
}

/// The configured suites split the way OpenSSL configures them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedCiphers {
    /// OpenSSL names of TLS 1.0–1.2 suites, in preference order.
    pub tls12: Vec<&'static str>,
    /// Names of TLS 1.3 suites, in preference order.
    pub tls13: Vec<&'static str>,
    /// Configured names OpenSSL does not know or cannot use here (skipped).
    pub unknown: Vec<String>,
}

/// Every usable suite OpenSSL has, by IANA name.
fn table() -> &'static HashMap<&'static str, KnownCipher> {
    static TABLE: OnceLock<HashMap<&'static str, KnownCipher>> = OnceLock::new();
    TABLE.get_or_init(|| match enumerate() {
        Ok(table) => table,
        Err(error) => {
            tracing::error!(%error, "cannot enumerate OpenSSL's cipher suites");
            HashMap::new()
        }
    })
}

/// Asks OpenSSL to decode every possible two-byte suite id: what comes back is its
/// whole cipher table. Each suite is then kept only if this OpenSSL build and its
/// providers can actually use it (at security level 0).
fn enumerate() -> Result<HashMap<&'static str, KnownCipher>, openssl::error::ErrorStack> {
    let context = SslContext::builder(SslMethod::tls())?.build();
    let ssl = Ssl::new(&context)?;
    let ids: Vec<u8> = (0..=u16::MAX).flat_map(u16::to_be_bytes).collect();
    let lists = ssl.bytes_to_cipher_list(&ids, false)?;
    let mut table = HashMap::new();
    for cipher in &lists.suites {
        let Some(standard) = cipher.standard_name() else {
            continue;
        };
        let known = KnownCipher {
            openssl_name: cipher.name(),
            tls13: cipher.version() == "TLSv1.3",
        };
        if usable(known) {
            table.insert(standard, known);
        }
    }
    Ok(table)
}

/// Whether OpenSSL accepts the suite in a configuration (providers may lack it).
fn usable(cipher: KnownCipher) -> bool {
    let Ok(mut builder) = SslContext::builder(SslMethod::tls()) else {
        return false;
    };
    if cipher.tls13 {
        builder.set_ciphersuites(cipher.openssl_name).is_ok()
    } else {
        builder
            .set_cipher_list(&format!("{}:@SECLEVEL=0", cipher.openssl_name))
            .is_ok()
    }
}

/// Looks up one IANA name.
pub fn lookup(iana_name: &str) -> Option<KnownCipher> {
    table().get(iana_name).copied()
}

/// Splits configured IANA names into OpenSSL's TLS ≤1.2 list and TLS 1.3 list,
/// keeping the order; unknown names are collected (and logged by the caller).
pub fn resolve(iana_names: &[String]) -> ResolvedCiphers {
    let mut resolved = ResolvedCiphers::default();
    for name in iana_names {
        match lookup(name.trim()) {
            Some(KnownCipher {
                openssl_name,
                tls13: true,
            }) => resolved.tls13.push(openssl_name),
            Some(KnownCipher {
                openssl_name,
                tls13: false,
            }) => resolved.tls12.push(openssl_name),
            None => resolved.unknown.push(name.clone()),
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_legacy_and_tls13_suites_map_to_openssl_names() {
        let names: Vec<String> = [
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_AES_256_GCM_SHA384",
            "TLS_NOT_A_SUITE",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let resolved = resolve(&names);
        assert_eq!(
            resolved.tls12,
            vec![
                "ECDHE-RSA-AES128-GCM-SHA256",
                "AES128-SHA",
                "DHE-RSA-AES256-GCM-SHA384"
            ]
        );
        assert_eq!(resolved.tls13, vec!["TLS_AES_256_GCM_SHA384"]);
        assert_eq!(resolved.unknown, vec!["TLS_NOT_A_SUITE".to_string()]);
    }
}
