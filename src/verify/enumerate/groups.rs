//! The key-exchange groups a probe offers, one at a time (IANA "TLS Supported
//! Groups" registry): the elliptic curves of RFC 8422 / RFC 4492 and RFC 7027, the
//! finite-field groups of RFC 7919, and the hybrid post-quantum groups.
//!
//! Strength, where the documents name none (docs/decisions.md, D55): a group
//! under 128-bit security (a curve under 256 bits) is weak; a group RFC 8422 §5.1.1
//! deprecates (the other binary and Koblitz curves) is not recommended.

/// How strong a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// At least 128-bit security, and not deprecated.
    Good,
    /// Deprecated by RFC 8422 §5.1.1, though not under 128-bit security.
    Deprecated,
    /// Under 128-bit security.
    Weak,
}

/// One named group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// The code point.
    pub code: u16,
    /// The IANA name (`secp256r1`, `x25519`, `ffdhe2048`).
    pub name: &'static str,
    /// An elliptic curve (usable with ECDHE suites in TLS ≤ 1.2); otherwise
    /// finite-field or hybrid (TLS 1.3 only, for this probe).
    pub curve: bool,
    /// Defined for TLS 1.3 (RFC 8446 §4.2.7 and later registrations).
    pub tls13: bool,
    /// How strong it is.
    pub strength: Strength,
}

const fn group(
    code: u16,
    name: &'static str,
    curve: bool,
    tls13: bool,
    strength: Strength,
) -> Group {
    Group {
        code,
        name,
        curve,
        tls13,
        strength,
    }
}

use Strength::{Deprecated, Good, Weak};

/// Every group probed, in code-point order.
pub const GROUPS: &[Group] = &[
    group(1, "sect163k1", true, false, Weak),
    group(2, "sect163r1", true, false, Weak),
    group(3, "sect163r2", true, false, Weak),
    group(4, "sect193r1", true, false, Weak),
    group(5, "sect193r2", true, false, Weak),
    group(6, "sect233k1", true, false, Weak),
    group(7, "sect233r1", true, false, Weak),
    group(8, "sect239k1", true, false, Weak),
    group(9, "sect283k1", true, false, Deprecated),
    group(10, "sect283r1", true, false, Deprecated),
    group(11, "sect409k1", true, false, Deprecated),
    group(12, "sect409r1", true, false, Deprecated),
    group(13, "sect571k1", true, false, Deprecated),
    group(14, "sect571r1", true, false, Deprecated),
    group(15, "secp160k1", true, false, Weak),
    group(16, "secp160r1", true, false, Weak),
    group(17, "secp160r2", true, false, Weak),
    group(18, "secp192k1", true, false, Weak),
    group(19, "secp192r1", true, false, Weak),
    group(20, "secp224k1", true, false, Weak),
    group(21, "secp224r1", true, false, Weak),
    group(22, "secp256k1", true, false, Deprecated),
    group(23, "secp256r1", true, true, Good),
    group(24, "secp384r1", true, true, Good),
    group(25, "secp521r1", true, true, Good),
    group(26, "brainpoolP256r1", true, false, Good),
    group(27, "brainpoolP384r1", true, false, Good),
    group(28, "brainpoolP512r1", true, false, Good),
    group(29, "x25519", true, true, Good),
    group(30, "x448", true, true, Good),
    group(31, "brainpoolP256r1tls13", false, true, Good),
    group(32, "brainpoolP384r1tls13", false, true, Good),
    group(33, "brainpoolP512r1tls13", false, true, Good),
    group(256, "ffdhe2048", false, true, Good),
    group(257, "ffdhe3072", false, true, Good),
    group(258, "ffdhe4096", false, true, Good),
    group(259, "ffdhe6144", false, true, Good),
    group(260, "ffdhe8192", false, true, Good),
    group(0x11eb, "SecP256r1MLKEM768", false, true, Good),
    group(0x11ec, "X25519MLKEM768", false, true, Good),
    group(0x11ed, "SecP384r1MLKEM1024", false, true, Good),
];

/// The group with this code point.
pub fn by_code(code: u16) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.code == code)
}

/// The group with this name.
pub fn by_name(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name == name)
}

/// A code point's name, or the number when it is not in the table.
pub fn name_of(code: u16) -> String {
    by_code(code).map_or_else(|| format!("group {code:#06x}"), |g| g.name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_code_point_order_with_unique_names() {
        assert!(GROUPS.windows(2).all(|w| w[0].code < w[1].code));
        for g in GROUPS {
            assert_eq!(by_name(g.name), Some(g));
        }
        assert_eq!(name_of(0x001d), "x25519");
        assert_eq!(name_of(0x0a0a), "group 0x0a0a");
        // Every curve under 256 bits is weak; the TLS 1.3 groups are all good.
        assert!(
            GROUPS
                .iter()
                .filter(|g| g.tls13)
                .all(|g| g.strength == Good)
        );
        assert_eq!(by_name("secp224r1").unwrap().strength, Weak);
    }
}
