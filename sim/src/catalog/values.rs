//! Value types of attributes and columns, their checks and their descriptions.
use std::net::IpAddr;

use super::ciphers::CipherRegistry;

/// The type of an attribute or column value, as the data files name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// Free text of `min..=max` characters.
    Text {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// A whole number in `min..=max`.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// One of a fixed list (matched case-insensitively, stored canonically).
    Choice(Vec<String>),
    /// An IPv4 or IPv6 address.
    Ip,
    /// A TCP port, 1 to 65535.
    Port,
    /// An `http://` or `https://` URL.
    Url,
    /// A TLS protocol name (`TLSv1.2`); which ones depends on the release (D3).
    Protocol,
    /// An IANA cipher-suite name (guide A L1147: IANA names, not OpenSSL names).
    Cipher,
    /// A secret typed at the `New Password:` prompt, shown as `********`.
    Password,
    /// An absolute file path on the host.
    Path,
    /// A path whose file content is stored as a secret (FCM account keys).
    KeyFile,
}

/// What a value check needs to know about the host.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// Protocol names the release accepts, canonical spelling.
    pub protocols: &'a [String],
    /// The IANA cipher-suite registry.
    pub ciphers: &'a CipherRegistry,
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// The value does not have the expected form; `expected` describes it.
    Expected(String),
    /// An OpenSSL cipher name was given; the IANA name is attached.
    OpenSslCipher(String),
    /// Not an IANA cipher-suite name; maybe a close registry name is attached.
    UnknownCipher(Option<String>),
}

impl ValueError {
    /// The explanation that follows `Invalid value "<v>" for <name>: `.
    pub fn explain(&self) -> String {
        match self {
            ValueError::Expected(what) => format!("expected {what}"),
            ValueError::OpenSslCipher(iana) => format!(
                "this is an OpenSSL cipher name; the CLI takes IANA cipher suite names ({iana})"
            ),
            ValueError::UnknownCipher(Some(hint)) => {
                format!("not an IANA cipher suite name (did you mean {hint}?)")
            }
            ValueError::UnknownCipher(None) => {
                "not an IANA cipher suite name (IANA names are required, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)".to_string()
            }
        }
    }
}

impl ValueType {
    /// Builds a type from its data-file name and bounds.
    pub fn from_data(
        name: &str,
        min: Option<i64>,
        max: Option<i64>,
        choices: &[String],
    ) -> Result<ValueType, String> {
        let bound = |v: Option<i64>, default: usize| -> Result<usize, String> {
            match v {
                None => Ok(default),
                Some(n) => usize::try_from(n).map_err(|_| format!("negative length bound {n}")),
            }
        };
        Ok(match name {
            "string" => ValueType::Text {
                min: bound(min, 1)?,
                max: bound(max, 256)?,
            },
            "int" => ValueType::Int {
                min: min.unwrap_or(0),
                max: max.unwrap_or(i64::from(i32::MAX)),
            },
            "bool" => ValueType::Bool,
            "choice" if !choices.is_empty() => ValueType::Choice(choices.to_vec()),
            "choice" => return Err("a choice needs `choices`".to_string()),
            "ip" => ValueType::Ip,
            "port" => ValueType::Port,
            "url" => ValueType::Url,
            "protocol" => ValueType::Protocol,
            "cipher" => ValueType::Cipher,
            "password" => ValueType::Password,
            "path" => ValueType::Path,
            "keyfile" => ValueType::KeyFile,
            other => return Err(format!("unknown value type `{other}`")),
        })
    }

    /// Whether the stored value is a secret shown as `********`.
    pub fn is_secret(&self) -> bool {
        matches!(self, ValueType::Password | ValueType::KeyFile)
    }

    /// The description used in `help` and in the `Mandatory parameter missing` line,
    /// in the form of C-ADMIN's help (`String {2 to 80 characters}`, `Choice = {false, true}`).
    pub fn describe(&self, protocols: &[String]) -> String {
        match self {
            ValueType::Text { min, max } => format!("String {{{min} to {max} characters}}"),
            ValueType::Int { min, max } => format!("Int {{{min} to {max}}}"),
            ValueType::Bool => "Choice = {false, true}".to_string(),
            ValueType::Choice(c) => format!("Choice = {{{}}}", c.join(", ")),
            ValueType::Ip => "IP Address".to_string(),
            ValueType::Port => "Int {1 to 65535}".to_string(),
            ValueType::Url => "String {URL, 1 to 1024 characters}".to_string(),
            ValueType::Protocol => format!("Choice = {{{}}}", protocols.join(", ")),
            ValueType::Cipher => "String {IANA cipher suite name}".to_string(),
            ValueType::Password => "Password (prompted)".to_string(),
            ValueType::Path => "String {absolute file path}".to_string(),
            ValueType::KeyFile => "String {absolute path of a key file}".to_string(),
        }
    }

    /// Checks `raw` and returns its canonical spelling.
    pub fn check(&self, raw: &str, ctx: CheckContext<'_>) -> Result<String, ValueError> {
        let expected = || ValueError::Expected(self.describe(ctx.protocols));
        match self {
            ValueType::Text { min, max } => {
                let n = raw.chars().count();
                if n < *min || n > *max {
                    return Err(expected());
                }
                Ok(raw.to_string())
            }
            ValueType::Int { min, max } => match raw.parse::<i64>() {
                Ok(v) if v >= *min && v <= *max => Ok(v.to_string()),
                _ => Err(expected()),
            },
            ValueType::Bool => match raw.to_ascii_lowercase().as_str() {
                "true" => Ok("true".to_string()),
                "false" => Ok("false".to_string()),
                _ => Err(expected()),
            },
            ValueType::Choice(choices) => choices
                .iter()
                .find(|c| c.eq_ignore_ascii_case(raw))
                .cloned()
                .ok_or_else(expected),
            ValueType::Ip => raw
                .parse::<IpAddr>()
                .map(|ip| ip.to_string())
                .map_err(|_| expected()),
            ValueType::Port => match raw.parse::<u16>() {
                Ok(p) if p > 0 => Ok(p.to_string()),
                _ => Err(expected()),
            },
            ValueType::Url => {
                let lower = raw.to_ascii_lowercase();
                let rest = lower
                    .strip_prefix("https://")
                    .or_else(|| lower.strip_prefix("http://"));
                match rest {
                    Some(r) if !r.is_empty() && !r.starts_with('/') && raw.len() <= 1024 => {
                        Ok(raw.to_string())
                    }
                    _ => Err(expected()),
                }
            }
            ValueType::Protocol => ctx
                .protocols
                .iter()
                .find(|p| p.eq_ignore_ascii_case(raw))
                .cloned()
                .ok_or_else(expected),
            ValueType::Cipher => ctx.ciphers.check(raw),
            ValueType::Password => Ok(raw.to_string()),
            ValueType::Path | ValueType::KeyFile => {
                if raw.starts_with('/') && raw.len() > 1 {
                    Ok(raw.to_string())
                } else {
                    Err(expected())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    fn ctx() -> CheckContext<'static> {
        static PROTOCOLS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        CheckContext {
            protocols: PROTOCOLS
                .get_or_init(|| vec!["TLSv1".into(), "TLSv1.1".into(), "TLSv1.2".into()]),
            ciphers: &catalog().ciphers,
        }
    }

    #[test]
    fn ints_are_bounded_and_canonical() {
        let t = ValueType::Int { min: 1, max: 10 };
        assert_eq!(t.check("07", ctx()), Ok("7".to_string()));
        assert_eq!(
            t.check("11", ctx()),
            Err(ValueError::Expected("Int {1 to 10}".to_string()))
        );
        assert!(t.check("x", ctx()).is_err());
    }

    #[test]
    fn bools_choices_and_protocols_take_canonical_case() {
        assert_eq!(ValueType::Bool.check("TRUE", ctx()), Ok("true".into()));
        let c = ValueType::Choice(vec!["prod".into(), "test".into()]);
        assert_eq!(c.check("PROD", ctx()), Ok("prod".into()));
        assert_eq!(
            ValueType::Protocol.check("tlsv1.2", ctx()),
            Ok("TLSv1.2".into())
        );
        assert_eq!(
            ValueType::Protocol.check("TLSv1.3", ctx()),
            Err(ValueError::Expected(
                "Choice = {TLSv1, TLSv1.1, TLSv1.2}".into()
            ))
        );
    }

    #[test]
    fn addresses_ports_urls_and_paths() {
        assert_eq!(
            ValueType::Ip.check("10.0.0.1", ctx()),
            Ok("10.0.0.1".into())
        );
        assert!(ValueType::Ip.check("10.0.0", ctx()).is_err());
        assert!(ValueType::Port.check("0", ctx()).is_err());
        assert!(ValueType::Port.check("65536", ctx()).is_err());
        assert!(
            ValueType::Url
                .check("https://nps.example.com/nps/", ctx())
                .is_ok()
        );
        assert!(ValueType::Url.check("ftp://x", ctx()).is_err());
        assert!(ValueType::Url.check("https://", ctx()).is_err());
        assert!(ValueType::Path.check("/tmp/a", ctx()).is_ok());
        assert!(ValueType::Path.check("tmp/a", ctx()).is_err());
    }

    #[test]
    fn openssl_cipher_names_are_refused_with_the_iana_name() {
        let err = ValueType::Cipher
            .check("ECDHE-ECDSA-CHACHA20-POLY1305", ctx())
            .unwrap_err();
        assert_eq!(
            err.explain(),
            "this is an OpenSSL cipher name; the CLI takes IANA cipher suite names (TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)"
        );
    }
}
