//! The suites Webex supports on the Xsi and AuthService interfaces (guide A §5.3).
use std::sync::LazyLock;

use super::registry::cipher;
use super::suite::CipherSuite;

const SUPPORTED: &str = include_str!("data/webex-supported-ciphers.txt");

static LIST: LazyLock<Vec<&'static CipherSuite>> = LazyLock::new(|| {
    // Compiled-in data; `the_list_has_fifty_three_registered_suites` proves every name resolves.
    SUPPORTED
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|name| cipher(name).unwrap_or_else(|e| panic!("catalog data: {e}")))
        .collect()
});

/// The guide's 53 "supported" suites, in the guide's order (guide A §5.3, L1154-1250).
pub fn webex_supported() -> &'static [&'static CipherSuite] {
    &LIST
}

/// Whether Webex supports `suite` on the Xsi and AuthService interfaces (guide A §5.3).
pub fn is_webex_supported(suite: &CipherSuite) -> bool {
    LIST.iter().any(|s| s.code == suite.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_fifty_three_registered_suites() {
        assert_eq!(webex_supported().len(), 53);
        assert_eq!(
            webex_supported()[0].iana,
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        );
        assert_eq!(webex_supported()[52].iana, "TLS_PSK_WITH_AES_128_CBC_SHA");
        assert!(is_webex_supported(
            cipher("TLS_RSA_WITH_AES_128_CBC_SHA").unwrap()
        ));
        assert!(!is_webex_supported(
            cipher("TLS_AES_128_GCM_SHA256").unwrap()
        ));
    }
}
