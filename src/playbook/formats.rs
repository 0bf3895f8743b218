//! The string formats of the playbook: names, addresses, durations, secret references.
use std::net::IpAddr;
use std::time::Duration;

/// Whether `text` is a valid name (see `schema::NAME_PATTERN`).
pub(crate) fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && text.len() <= 63
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Why `text` is not an IP address or a DNS name, if it is not.
pub(crate) fn address_problem(text: &str) -> Option<&'static str> {
    if text.parse::<IpAddr>().is_ok() {
        return None;
    }
    if text.contains("://") {
        return Some("a URL; write only the host name or IP address");
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Some("not a valid IPv4 address (four numbers 0-255 separated by dots)");
    }
    if text.contains(':') {
        return Some(
            "not a valid IPv6 address; a port goes in `connection.port`, not in the address",
        );
    }
    let name = text.strip_suffix('.').unwrap_or(text);
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Some("not a valid DNS name (letters, digits and `-` in dot-separated labels)");
    }
    None
}

/// `500ms`, `10s`, `2m`, `1h`, and sums such as `1m30s`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = if rest.starts_with("ms") {
            (Duration::from_millis(1), 2)
        } else if rest.starts_with('s') {
            (Duration::from_secs(1), 1)
        } else if rest.starts_with('m') {
            (Duration::from_secs(60), 1)
        } else if rest.starts_with('h') {
            (Duration::from_secs(3600), 1)
        } else {
            return None;
        };
        rest = &rest[len..];
        total = total.checked_add(unit.checked_mul(u32::try_from(number).ok()?)?)?;
    }
    Some(total)
}

/// A secret reference as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretSyntax<'a> {
    /// `env:NAME`.
    Env(&'a str),
    /// `file:PATH`.
    File(&'a str),
}

/// What is wrong with a secret reference. Never carries the text: it may be the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretProblem {
    /// Neither `env:` nor `file:`: the value itself, or a misspelt reference.
    NotAReference,
    /// `env:` with something that is not a variable name.
    BadEnvName,
    /// `file:` with nothing after it.
    EmptyPath,
}

/// Reads `env:NAME` or `file:PATH`.
pub(crate) fn parse_secret_ref(text: &str) -> Result<SecretSyntax<'_>, SecretProblem> {
    if let Some(name) = text.strip_prefix("env:") {
        let mut chars = name.chars();
        let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        return if ok {
            Ok(SecretSyntax::Env(name))
        } else {
            Err(SecretProblem::BadEnvName)
        };
    }
    if let Some(path) = text.strip_prefix("file:") {
        return if path.is_empty() {
            Err(SecretProblem::EmptyPath)
        } else {
            Ok(SecretSyntax::File(path))
        };
    }
    Err(SecretProblem::NotAReference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("xsp-east"));
        assert!(is_name("xsp1.lab_2"));
        assert!(!is_name("-x"));
        assert!(!is_name("xsp east"));
        assert!(!is_name(""));
        assert!(!is_name(&"a".repeat(64)));
    }

    #[test]
    fn addresses() {
        assert_eq!(address_problem("192.0.2.21"), None);
        assert_eq!(address_problem("2001:db8::21"), None);
        assert_eq!(address_problem("xsp1.example.com"), None);
        assert_eq!(address_problem("xsp1.example.com."), None);
        assert_eq!(address_problem("localhost"), None);
        assert!(
            address_problem("192.0.2.300")
                .unwrap()
                .starts_with("not a valid IPv4")
        );
        assert!(
            address_problem("192.0.2")
                .unwrap()
                .starts_with("not a valid IPv4")
        );
        assert!(address_problem("192.0.2.1:22").unwrap().contains("port"));
        assert!(
            address_problem("https://xsp1")
                .unwrap()
                .starts_with("a URL")
        );
        assert!(
            address_problem("xsp_1.example.com")
                .unwrap()
                .starts_with("not a valid DNS")
        );
        assert!(address_problem("-xsp.example.com").is_some());
        assert!(address_problem("a..b").is_some());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("0s"), Some(Duration::ZERO));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("10 s"), None);
        assert_eq!(parse_duration("1d"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("99999999999999999999s"), None);
    }

    #[test]
    fn secret_references() {
        assert_eq!(
            parse_secret_ref("env:XSP_PASSWORD"),
            Ok(SecretSyntax::Env("XSP_PASSWORD"))
        );
        assert_eq!(
            parse_secret_ref("file:/run/secrets/x"),
            Ok(SecretSyntax::File("/run/secrets/x"))
        );
        assert_eq!(
            parse_secret_ref("hunter2"),
            Err(SecretProblem::NotAReference)
        );
        assert_eq!(parse_secret_ref("env:1X"), Err(SecretProblem::BadEnvName));
        assert_eq!(parse_secret_ref("env:"), Err(SecretProblem::BadEnvName));
        assert_eq!(parse_secret_ref("file:"), Err(SecretProblem::EmptyPath));
        assert_eq!(parse_secret_ref("ENV:X"), Err(SecretProblem::NotAReference));
    }
}
