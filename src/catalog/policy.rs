//! The solution guide's rule for cipher suites on the Xsi and AuthService interfaces
//! (guide A §5.2, source lines 1126-1136): key exchange ECDHE or DHE; AES with keys of at
//! least 128 bits; GCM, or CBC with SHA-2 (SHA256/384/512) only.
//!
//! TLS 1.3 suites (decision, docs/playbook.md "Cipher rule"): their key exchange is
//! negotiated apart from the suite and is (EC)DHE in practice, so the key-exchange clause
//! holds; `TLS_AES_128_GCM_SHA256` and `TLS_AES_256_GCM_SHA384` then satisfy the rule;
//! `TLS_CHACHA20_POLY1305_SHA256` breaks "AES", the CCM ones break "GCM or CBC".
use std::fmt;

use super::suite::{BulkCipher, CipherMode, CipherSuite, KeyExchange, Mac};

/// One clause of the rule that a suite breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// The key exchange is not ephemeral Diffie-Hellman.
    KeyExchange(KeyExchange),
    /// The bulk cipher is not AES.
    Cipher(BulkCipher),
    /// AES with a key under 128 bits.
    KeySize(u16),
    /// Neither GCM nor CBC.
    Mode(CipherMode),
    /// CBC with a MAC that is not SHA-2.
    CbcMac(Mac),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::KeyExchange(kx) => write!(f, "key exchange is {kx}, not ECDHE or DHE"),
            Violation::Cipher(c) => write!(f, "cipher is {c}, not AES"),
            Violation::KeySize(bits) => write!(f, "AES key is {bits} bits, under 128"),
            Violation::Mode(m) => write!(f, "mode is {m}, not GCM or CBC"),
            Violation::CbcMac(mac) => {
                write!(
                    f,
                    "CBC with a {mac} MAC; CBC needs SHA-2 (SHA256, SHA384 or SHA512)"
                )
            }
        }
    }
}

/// The clauses of the guide's rule that `suite` breaks; empty if it satisfies the rule.
pub fn check(suite: &CipherSuite) -> Vec<Violation> {
    let mut violations = Vec::new();
    match suite.kx {
        // DHE_PSK and ECDHE_PSK are ephemeral; the guide's own compliant example includes
        // TLS_DHE_PSK_WITH_AES_256_CBC_SHA384 (guide A §5.2, L1138-1145).
        KeyExchange::Ecdhe
        | KeyExchange::Dhe
        | KeyExchange::EcdhePsk
        | KeyExchange::DhePsk
        | KeyExchange::Tls13 => {}
        other => violations.push(Violation::KeyExchange(other)),
    }
    if suite.cipher != BulkCipher::Aes {
        violations.push(Violation::Cipher(suite.cipher));
    } else if suite.bits < 128 {
        violations.push(Violation::KeySize(suite.bits));
    }
    match suite.mode {
        CipherMode::Gcm => {}
        CipherMode::Cbc => {
            if !matches!(suite.mac, Mac::Sha256 | Mac::Sha384) {
                violations.push(Violation::CbcMac(suite.mac));
            }
        }
        other => violations.push(Violation::Mode(other)),
    }
    violations
}

/// The violations joined for a message: `key exchange is RSA, not ECDHE or DHE; ...`.
pub fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{all_ciphers, cipher, webex_supported};

    fn violations(name: &str) -> Vec<String> {
        check(cipher(name).unwrap())
            .iter()
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn guide_examples_comply() {
        // guide A §5.2, L1138-1145.
        for name in [
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384",
        ] {
            assert!(violations(name).is_empty(), "{name}");
        }
    }

    #[test]
    fn violations_are_named_clause_by_clause() {
        assert_eq!(
            violations("TLS_RSA_WITH_AES_256_GCM_SHA384"),
            ["key exchange is RSA, not ECDHE or DHE"]
        );
        assert_eq!(
            violations("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
            ["CBC with a SHA-1 MAC; CBC needs SHA-2 (SHA256, SHA384 or SHA512)"]
        );
        assert_eq!(
            violations("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
            [
                "cipher is CHACHA20, not AES",
                "mode is POLY1305, not GCM or CBC"
            ]
        );
        assert_eq!(
            violations("TLS_RSA_WITH_RC4_128_MD5"),
            [
                "key exchange is RSA, not ECDHE or DHE",
                "cipher is RC4, not AES",
                "mode is stream, not GCM or CBC"
            ]
        );
        assert_eq!(
            violations("TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
            ["mode is CCM, not GCM or CBC"]
        );
    }

    #[test]
    fn key_size_clause() {
        let mut weak = cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
            .unwrap()
            .clone();
        weak.bits = 64;
        assert_eq!(check(&weak), [Violation::KeySize(64)]);
        assert_eq!(describe(&check(&weak)), "AES key is 64 bits, under 128");
    }

    #[test]
    fn tls13_decision() {
        assert!(violations("TLS_AES_128_GCM_SHA256").is_empty());
        assert!(violations("TLS_AES_256_GCM_SHA384").is_empty());
        assert_eq!(violations("TLS_CHACHA20_POLY1305_SHA256").len(), 2);
        assert_eq!(
            violations("TLS_AES_128_CCM_SHA256"),
            ["mode is CCM, not GCM or CBC"]
        );
    }

    #[test]
    fn eighteen_of_the_fifty_three_supported_suites_comply() {
        // guide A §5.4: 18 of the 53 satisfy every rule, 35 break at least one.
        let compliant: Vec<_> = webex_supported()
            .iter()
            .filter(|s| check(s).is_empty())
            .collect();
        assert_eq!(compliant.len(), 18);
        // Across the registry, only AES-GCM or AES-CBC-SHA2 with ephemeral kx pass.
        for s in all_ciphers().iter().filter(|s| check(s).is_empty()) {
            assert_eq!(s.cipher, BulkCipher::Aes, "{}", s.iana);
        }
    }
}
