//! TLS protocol versions, named as bwcli names them.
use std::fmt;
use std::str::FromStr;

use super::names::{UnknownName, serde_by_name};
use super::release::Release;

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsProtocol {
    /// TLS 1.0, `TLSv1`.
    Tls1_0,
    /// TLS 1.1, `TLSv1.1`.
    Tls1_1,
    /// TLS 1.2, `TLSv1.2`: the one Webex negotiates (guide A §5.2; guide B §3, §5.4).
    Tls1_2,
    /// TLS 1.3, `TLSv1.3`: R24 and ADP only (docs/decisions.md D3).
    Tls1_3,
}

impl TlsProtocol {
    /// Every version, oldest first.
    pub const ALL: [TlsProtocol; 4] = [
        TlsProtocol::Tls1_0,
        TlsProtocol::Tls1_1,
        TlsProtocol::Tls1_2,
        TlsProtocol::Tls1_3,
    ];

    /// The bwcli names, in the order of [`TlsProtocol::ALL`].
    pub const NAMES: &'static [&'static str] = &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

    /// The name bwcli uses in `Protocols` tables (C-TLS): `TLSv1`, `TLSv1.1`, ...
    pub fn bwcli_name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Whether `release` accepts this protocol (docs/decisions.md D3).
    pub fn available_on(self, release: Release) -> bool {
        self != TlsProtocol::Tls1_3 || release.accepts_tls13()
    }
}

impl fmt::Display for TlsProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bwcli_name())
    }
}

impl FromStr for TlsProtocol {
    type Err = UnknownName;

    /// Accepts the bwcli names exactly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TlsProtocol::ALL
            .into_iter()
            .find(|p| p.bwcli_name() == s)
            .ok_or_else(|| UnknownName {
                what: "TLS protocol",
                given: s.to_string(),
                expected: TlsProtocol::NAMES,
            })
    }
}

serde_by_name!(TlsProtocol, bwcli_name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_availability() {
        for p in TlsProtocol::ALL {
            assert_eq!(p.bwcli_name().parse(), Ok(p));
        }
        assert_eq!(TlsProtocol::Tls1_1.to_string(), "TLSv1.1");
        assert!(!TlsProtocol::Tls1_3.available_on(Release::R23));
        assert!(TlsProtocol::Tls1_3.available_on(Release::R24));
        assert!(TlsProtocol::Tls1_3.available_on(Release::Adp));
        assert!(TlsProtocol::Tls1_2.available_on(Release::R21Sp1));
        assert!("TLSv1.0".parse::<TlsProtocol>().is_err());
    }
}
