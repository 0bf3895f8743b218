//! What TLS endpoints offer when nothing is configured (docs/decisions.md D2).
use std::sync::LazyLock;

use serde::Deserialize;

use super::protocol::TlsProtocol;
use super::registry::cipher;
use super::release::Release;
use super::suite::CipherSuite;

const PROVIDER_DEFAULTS: &str = include_str!("data/provider-defaults.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    releases: Vec<Release>,
    protocols: Vec<TlsProtocol>,
    ciphers: Vec<String>,
}

struct Defaults {
    release: Release,
    protocols: Vec<TlsProtocol>,
    ciphers: Vec<&'static CipherSuite>,
}

static DEFAULTS: LazyLock<Vec<Defaults>> = LazyLock::new(|| {
    // Compiled-in data; `every_release_has_defaults` proves it reads.
    let entries: Vec<Entry> = serde_saphyr::from_str(PROVIDER_DEFAULTS)
        .unwrap_or_else(|e| panic!("catalog data: provider-defaults.yaml: {e}"));
    let mut out = Vec::new();
    for entry in entries {
        let ciphers: Vec<&'static CipherSuite> = entry
            .ciphers
            .iter()
            .map(|name| cipher(name).unwrap_or_else(|e| panic!("catalog data: {e}")))
            .collect();
        for release in entry.releases {
            out.push(Defaults {
                release,
                protocols: entry.protocols.clone(),
                ciphers: ciphers.clone(),
            });
        }
    }
    out
});

/// The SSL provider's protocols and suites (preference order) on `release`, in effect where
/// no level sets any (docs/decisions.md D1, D2).
pub fn provider_defaults(release: Release) -> (&'static [TlsProtocol], Vec<&'static CipherSuite>) {
    match DEFAULTS.iter().find(|d| d.release == release) {
        Some(d) => (&d.protocols, d.ciphers.clone()),
        // `every_release_has_defaults` proves the data covers every release.
        None => (&[], Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_release_has_defaults() {
        for release in Release::ALL {
            assert_eq!(
                DEFAULTS.iter().filter(|d| d.release == release).count(),
                1,
                "{release}"
            );
            let (protocols, ciphers) = provider_defaults(release);
            assert_eq!(
                protocols,
                [
                    TlsProtocol::Tls1_0,
                    TlsProtocol::Tls1_1,
                    TlsProtocol::Tls1_2
                ]
            );
            assert_eq!(ciphers.len(), 13);
            assert_eq!(ciphers[0].iana, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
            assert_eq!(ciphers[12].iana, "TLS_RSA_WITH_AES_128_CBC_SHA");
        }
    }
}
