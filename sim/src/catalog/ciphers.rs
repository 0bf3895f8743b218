//! The IANA TLS cipher-suite registry and the OpenSSL names that map to it.
//!
//! Sources (sim/data/README.md): `iana-tls-cipher-suites.csv` is the assigned part
//! of the IANA "TLS Cipher Suites" registry (tls-parameters-4.csv);
//! `openssl-cipher-names.csv` is `openssl ciphers -V -stdname
//! 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` of OpenSSL 3.0.
use std::collections::HashMap;

use super::values::ValueError;

const REGISTRY_CSV: &str = include_str!("../../data/iana-tls-cipher-suites.csv");
const OPENSSL_CSV: &str = include_str!("../../data/openssl-cipher-names.csv");

/// One registered cipher suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherSuite {
    /// Its two-byte code, e.g. `0xC0 0x2F`.
    pub value: String,
    /// Its IANA name.
    pub name: String,
    /// Whether the IETF marks it recommended.
    pub recommended: bool,
}

/// The registry, indexed for case-insensitive lookup.
#[derive(Debug)]
pub struct CipherRegistry {
    suites: Vec<CipherSuite>,
    by_upper: HashMap<String, usize>,
    openssl_to_iana: HashMap<String, String>,
}

impl CipherRegistry {
    /// Parses the two embedded CSV files.
    pub fn load() -> Result<CipherRegistry, String> {
        let mut suites = Vec::new();
        for (n, line) in REGISTRY_CSV.lines().enumerate().skip(1) {
            let mut parts = line.split(',');
            let (Some(value), Some(name), Some(rec)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "iana-tls-cipher-suites.csv line {}: 3 fields expected",
                    n + 1
                ));
            };
            suites.push(CipherSuite {
                value: value.to_string(),
                name: name.to_string(),
                recommended: rec == "Y",
            });
        }
        let by_upper = suites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.to_ascii_uppercase(), i))
            .collect();
        let mut openssl_to_iana = HashMap::new();
        for (n, line) in OPENSSL_CSV.lines().enumerate().skip(1) {
            let Some((openssl, iana)) = line.split_once(',') else {
                return Err(format!(
                    "openssl-cipher-names.csv line {}: 2 fields expected",
                    n + 1
                ));
            };
            openssl_to_iana.insert(openssl.to_ascii_uppercase(), iana.to_string());
        }
        Ok(CipherRegistry {
            suites,
            by_upper,
            openssl_to_iana,
        })
    }

    /// The registered suite of that IANA name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&CipherSuite> {
        self.by_upper
            .get(&name.to_ascii_uppercase())
            .map(|&i| &self.suites[i])
    }

    /// Number of registered suites.
    pub fn len(&self) -> usize {
        self.suites.len()
    }

    /// Whether the registry is empty (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.suites.is_empty()
    }

    /// Checks a cipher name: an IANA name gives its canonical spelling; an OpenSSL
    /// name or an unknown name is refused with an explanation.
    pub fn check(&self, raw: &str) -> Result<String, ValueError> {
        if let Some(s) = self.get(raw) {
            if s.name.ends_with("_SCSV") {
                return Err(ValueError::UnknownCipher(None));
            }
            return Ok(s.name.clone());
        }
        let upper = raw.to_ascii_uppercase();
        if let Some(iana) = self.openssl_to_iana.get(&upper) {
            return Err(ValueError::OpenSslCipher(iana.clone()));
        }
        // guide B §3 writes TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305 without `_SHA256`.
        let hint = self
            .suites
            .iter()
            .find(|s| {
                let name = s.name.to_ascii_uppercase();
                name.starts_with(&upper) && name[upper.len()..].starts_with('_')
            })
            .map(|s| s.name.clone());
        Err(ValueError::UnknownCipher(hint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_holds_the_documented_suites() {
        let r = CipherRegistry::load().expect("embedded registry");
        assert!(r.len() > 300);
        let s = r
            .get("tls_ecdhe_rsa_with_aes_128_gcm_sha256")
            .expect("suite");
        assert_eq!(s.value, "0xC0 0x2F");
        assert!(s.recommended);
        // All 53 suites of guide A §5.3 are registered names.
        for name in [
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_PSK_WITH_AES_128_CBC_SHA",
            "TLS_AES_128_GCM_SHA256",
        ] {
            assert!(r.get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn names_are_checked() {
        let r = CipherRegistry::load().expect("embedded registry");
        assert_eq!(
            r.check("TLS_DH_ANON_WITH_AES_128_CBC_SHA"),
            Ok("TLS_DH_anon_WITH_AES_128_CBC_SHA".to_string())
        );
        assert_eq!(
            r.check("AES128-GCM-SHA256"),
            Err(ValueError::OpenSslCipher(
                "TLS_RSA_WITH_AES_128_GCM_SHA256".to_string()
            ))
        );
        assert_eq!(
            r.check("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"),
            Err(ValueError::UnknownCipher(Some(
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256".to_string()
            )))
        );
        assert_eq!(
            r.check("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
            Err(ValueError::UnknownCipher(None))
        );
        assert_eq!(r.check("NOPE"), Err(ValueError::UnknownCipher(None)));
    }
}
