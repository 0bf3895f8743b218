//! The IANA TLS cipher-suite registry with OpenSSL names, and lookup by name.
use std::collections::HashMap;
use std::sync::LazyLock;

use super::suite::{CipherSuite, parts_of};

/// IANA's registry (`tls-parameters-4.csv`), assigned suites only; source in the file header.
const IANA_CSV: &str = include_str!("data/iana-tls-cipher-suites.csv");
/// `openssl ciphers -V -stdname` output; command and version in the file header.
const OPENSSL_NAMES: &str = include_str!("data/openssl-cipher-names.txt");

/// The registry: every suite, and indexes by IANA and OpenSSL name.
struct Registry {
    suites: Vec<CipherSuite>,
    by_iana: HashMap<&'static str, usize>,
    by_openssl: HashMap<&'static str, usize>,
    /// Registered signalling values (`TLS_FALLBACK_SCSV`, ...): names, but not suites.
    signalling: Vec<&'static str>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    // The data is compiled in; `every_registry_row_is_read` proves it parses.
    let openssl = openssl_names(OPENSSL_NAMES);
    let mut registry = Registry {
        suites: Vec::new(),
        by_iana: HashMap::new(),
        by_openssl: HashMap::new(),
        signalling: Vec::new(),
    };
    for row in iana_rows(IANA_CSV) {
        if row.name.ends_with("_SCSV") {
            registry.signalling.push(row.name);
            continue;
        }
        let parts = parts_of(row.name)
            .unwrap_or_else(|| panic!("catalog data: cannot read cipher suite {}", row.name));
        let index = registry.suites.len();
        let openssl_name = openssl.get(&row.code).copied();
        registry.by_iana.insert(row.name, index);
        if let Some(name) = openssl_name {
            registry.by_openssl.insert(name, index);
        }
        registry.suites.push(CipherSuite {
            code: row.code,
            iana: row.name,
            openssl: openssl_name,
            kx: parts.kx,
            auth: parts.auth,
            cipher: parts.cipher,
            bits: parts.bits,
            mode: parts.mode,
            mac: parts.mac,
            recommended: row.recommended,
        });
    }
    registry
});

/// One row of IANA's CSV.
struct Row {
    code: u16,
    name: &'static str,
    recommended: bool,
}

/// Rows of `"0xC0,0x30",TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,Y,Y,[RFC5289]`; comment lines
/// (`#`) and the header are skipped.
fn iana_rows(text: &'static str) -> impl Iterator<Item = Row> {
    text.lines().filter(|l| l.starts_with('"')).map(|line| {
        let (code, rest) = line[1..]
            .split_once("\",")
            .unwrap_or_else(|| panic!("catalog data: bad IANA row {line}"));
        let mut fields = rest.split(',');
        let name = fields.next().unwrap_or_default();
        let _dtls_ok = fields.next();
        let recommended = fields.next() == Some("Y");
        let code = parse_code(code).unwrap_or_else(|| panic!("catalog data: bad code in {line}"));
        Row {
            code,
            name,
            recommended,
        }
    })
}

/// `0xC0,0x30` → `0xC030`.
fn parse_code(text: &str) -> Option<u16> {
    let (hi, lo) = text.split_once(',')?;
    let byte = |s: &str| u8::from_str_radix(s.trim().strip_prefix("0x")?, 16).ok();
    Some(u16::from(byte(hi)?) << 8 | u16::from(byte(lo)?))
}

/// Code → OpenSSL name from lines `0xC0,0x30 - TLS_... - ECDHE-RSA-AES256-GCM-SHA384 TLSv1.2 ...`.
fn openssl_names(text: &'static str) -> HashMap<u16, &'static str> {
    text.lines()
        .filter(|l| l.starts_with("0x"))
        .filter_map(|line| {
            let mut fields = line.split(" - ");
            let code = parse_code(fields.next()?)?;
            let _iana = fields.next()?;
            let openssl = fields.next()?.split_whitespace().next()?;
            Some((code, openssl))
        })
        .collect()
}

/// Every suite of the registry, in code-point order.
pub fn all_ciphers() -> &'static [CipherSuite] {
    &REGISTRY.suites
}

/// The suite with this IANA name, exactly as registered; see [`CipherNameError`] for what a
/// wrong name is told.
pub fn cipher(name: &str) -> Result<&'static CipherSuite, CipherNameError> {
    let registry = &*REGISTRY;
    if let Some(&i) = registry.by_iana.get(name) {
        return Ok(&registry.suites[i]);
    }
    let given = name.to_string();
    let kind = if let Some(s) = cipher_by_openssl_name(name) {
        NameProblem::OpenSsl(s)
    } else if let Some(s) = registry
        .suites
        .iter()
        .find(|s| s.iana.eq_ignore_ascii_case(name))
    {
        NameProblem::Case(s)
    } else if registry.signalling.contains(&name) {
        NameProblem::Signalling
    } else if let Some(s) = completion_of(name) {
        NameProblem::Truncated(s)
    } else {
        NameProblem::Unknown(closest(name))
    };
    Err(CipherNameError { given, kind })
}

/// The suite with this OpenSSL name (e.g. `ECDHE-RSA-AES256-GCM-SHA384`), if OpenSSL has it.
pub fn cipher_by_openssl_name(name: &str) -> Option<&'static CipherSuite> {
    let registry = &*REGISTRY;
    registry.by_openssl.get(name).map(|&i| &registry.suites[i])
}

/// The one suite whose name is `name` plus a suffix, as in the guide's truncated
/// `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305` (guide B §3 ⚠).
fn completion_of(name: &str) -> Option<&'static CipherSuite> {
    let prefix = format!("{name}_");
    let mut matches = REGISTRY
        .suites
        .iter()
        .filter(|s| s.iana.starts_with(&prefix));
    match (matches.next(), matches.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// The registered name closest to `name`, if it is close enough to be a typo.
fn closest(name: &str) -> Option<&'static CipherSuite> {
    let upper = name.to_ascii_uppercase();
    REGISTRY
        .suites
        .iter()
        .map(|s| (strsim::levenshtein(&upper, &s.iana.to_ascii_uppercase()), s))
        .filter(|(d, _)| *d <= 3.max(name.len() / 10))
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s)
}

/// A cipher name that is not a registered IANA name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherNameError {
    /// The name as given.
    pub given: String,
    kind: NameProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum NameProblem {
    OpenSsl(&'static CipherSuite),
    Case(&'static CipherSuite),
    Truncated(&'static CipherSuite),
    Signalling,
    Unknown(Option<&'static CipherSuite>),
}

impl CipherNameError {
    /// What is wrong with the name, in words.
    pub fn problem(&self) -> String {
        let given = &self.given;
        match self.kind {
            NameProblem::OpenSsl(_) => format!(
                "`{given}` is an OpenSSL cipher name; bwcli takes IANA names (guide A §5.2)"
            ),
            NameProblem::Case(_) => {
                format!(
                    "`{given}` is not written as registered (IANA cipher names are case-sensitive)"
                )
            }
            NameProblem::Truncated(_) => {
                format!("`{given}` is not a complete IANA cipher name")
            }
            NameProblem::Signalling => {
                format!("`{given}` is a signalling value, not a cipher suite")
            }
            NameProblem::Unknown(_) => {
                format!("`{given}` is not in the IANA TLS cipher-suite registry")
            }
        }
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        let given = &self.given;
        match self.kind {
            NameProblem::OpenSsl(s) => {
                format!("use {}, the IANA name of {given}", s.iana)
            }
            NameProblem::Case(s) | NameProblem::Unknown(Some(s)) => {
                format!("did you mean {}?", s.iana)
            }
            NameProblem::Truncated(s) => format!(
                "did you mean {}? (the solution guide's example drops the last part, guide B §3)",
                s.iana
            ),
            NameProblem::Signalling => "remove it; TLS stacks add it by themselves".to_string(),
            NameProblem::Unknown(None) => {
                "use a registered IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".to_string()
            }
        }
    }

    /// The registered suite the name most likely meant, if there is one.
    pub fn suggestion(&self) -> Option<&'static CipherSuite> {
        match self.kind {
            NameProblem::OpenSsl(s)
            | NameProblem::Case(s)
            | NameProblem::Truncated(s)
            | NameProblem::Unknown(Some(s)) => Some(s),
            NameProblem::Signalling | NameProblem::Unknown(None) => None,
        }
    }
}

impl std::fmt::Display for CipherNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.problem(), self.help())
    }
}

impl std::error::Error for CipherNameError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::suite::{BulkCipher, CipherMode, KeyExchange};

    #[test]
    fn every_registry_row_is_read() {
        let rows = IANA_CSV.lines().filter(|l| l.starts_with('"')).count();
        assert_eq!(rows, 352);
        assert_eq!(all_ciphers().len() + REGISTRY.signalling.len(), rows);
        assert_eq!(REGISTRY.signalling.len(), 2);
        assert_eq!(
            REGISTRY.by_iana.len(),
            all_ciphers().len(),
            "IANA names are unique"
        );
    }

    #[test]
    fn openssl_names_join_on_matching_iana_names() {
        let mut joined = 0;
        for line in OPENSSL_NAMES.lines().filter(|l| l.starts_with("0x")) {
            let fields: Vec<&str> = line.split(" - ").collect();
            let iana = fields[1].trim();
            let suite = cipher(iana).expect("OpenSSL's standard name is registered");
            let code = parse_code(fields[0]).unwrap();
            assert_eq!(suite.code, code, "{iana}");
            assert!(suite.openssl.is_some());
            joined += 1;
        }
        assert_eq!(joined, 158);
        assert_eq!(REGISTRY.by_openssl.len(), 158);
    }

    #[test]
    fn iana_names_are_found_exactly() {
        let s = cipher("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384").unwrap();
        assert_eq!(s.code, 0xC030);
        assert_eq!(s.openssl, Some("ECDHE-RSA-AES256-GCM-SHA384"));
        assert_eq!(
            (s.kx, s.cipher, s.bits, s.mode),
            (KeyExchange::Ecdhe, BulkCipher::Aes, 256, CipherMode::Gcm)
        );
        assert!(s.recommended);
        let camellia = cipher("TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA").unwrap();
        assert_eq!(camellia.openssl, Some("ADH-CAMELLIA128-SHA"));
        assert_eq!(cipher("TLS_AES_128_GCM_SHA256").unwrap().code, 0x1301);
        assert_eq!(
            cipher("TLS_ECCPWD_WITH_AES_128_GCM_SHA256")
                .unwrap()
                .openssl,
            None
        );
    }

    #[test]
    fn openssl_name_is_refused_with_the_iana_name() {
        let e = cipher("ECDHE-RSA-AES256-GCM-SHA384").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`ECDHE-RSA-AES256-GCM-SHA384` is an OpenSSL cipher name; bwcli takes IANA names (guide A §5.2): \
             use TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, the IANA name of ECDHE-RSA-AES256-GCM-SHA384"
        );
        assert_eq!(
            cipher_by_openssl_name("AES128-SHA").map(|s| s.iana),
            Some("TLS_RSA_WITH_AES_128_CBC_SHA")
        );
    }

    #[test]
    fn truncated_guide_name_suggests_the_full_one() {
        let e = cipher("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305").unwrap_err();
        assert_eq!(
            e.help(),
            "did you mean TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256? (the solution guide's example drops the last part, guide B §3)"
        );
    }

    #[test]
    fn typos_and_case_get_did_you_mean() {
        let e = cipher("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA348").unwrap_err();
        assert_eq!(
            e.help(),
            "did you mean TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384?"
        );
        let e = cipher("tls_ecdhe_rsa_with_aes_128_gcm_sha256").unwrap_err();
        assert_eq!(
            e.problem(),
            "`tls_ecdhe_rsa_with_aes_128_gcm_sha256` is not written as registered (IANA cipher names are case-sensitive)"
        );
        assert_eq!(
            e.suggestion().map(|s| s.iana),
            Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        );
        let e = cipher("HIGH:!aNULL").unwrap_err();
        assert_eq!(e.suggestion(), None);
        assert_eq!(
            e.to_string(),
            "`HIGH:!aNULL` is not in the IANA TLS cipher-suite registry: use a registered IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        );
        let e = cipher("TLS_FALLBACK_SCSV").unwrap_err();
        assert_eq!(
            e.problem(),
            "`TLS_FALLBACK_SCSV` is a signalling value, not a cipher suite"
        );
    }
}
