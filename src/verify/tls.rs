//! TLS checks: handshakes that show the protocols and suites *in effect* on each
//! configured interface match the effective configuration.
//!
//! solution guide A §5.2 (L1124): the Xsi interface must support TLSv1.2, and the
//! cloud will not negotiate anything older (guide B §3, §5.4).
use std::time::Duration;

use crate::desired::Probe;
use crate::report::{Check, CheckStatus};
use crate::verify::probe::{Offer, ProbeError, Version, handshake};

/// Suites offered to prove a server refuses what it was not configured to accept:
/// legacy CBC-SHA1, static RSA and DHE suites that a default JSSE accepts
/// (docs/decisions.md D2), by OpenSSL name.
const LEGACY_PROBE_SUITES: &[&str] = &[
    "AES128-SHA",
    "AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "DHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES256-SHA",
];

/// What one endpoint should accept, as effective in the configuration.
pub struct Expectation<'a> {
    /// The endpoint.
    pub probe: &'a Probe,
    /// Effective protocols (bwcli names).
    pub protocols: &'a [String],
    /// Effective suites (IANA names).
    pub suites: &'a [String],
}

/// Maps an IANA suite name to the OpenSSL name a client offers (None when
/// OpenSSL has no such suite).
pub type OpensslName<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Runs the handshakes for one endpoint and returns one check per question asked.
pub fn check_endpoint(
    exp: &Expectation,
    openssl_name: OpensslName,
    timeout: Duration,
) -> Vec<Check> {
    let p = exp.probe;
    let subject = |what: &str| {
        format!(
            "{} {}:{} {what}",
            p.endpoint.to_uppercase(),
            p.address,
            p.port
        )
    };
    let mut checks = Vec::new();
    let tls12_suites: Vec<String> = exp
        .suites
        .iter()
        .filter(|s| !is_tls13_suite(s))
        .filter_map(|s| openssl_name(s))
        .collect();

    // 1. TLS 1.2 with a configured suite is accepted, and the suite agreed is one of them.
    let has_tls12 = exp.protocols.iter().any(|v| v == "TLSv1.2");
    let accept = if !has_tls12 {
        Check {
            id: "tls.accepts-tls12".into(),
            subject: subject("TLSv1.2"),
            status: CheckStatus::Fail,
            expected: "TLSv1.2 configured and accepted".into(),
            observed: format!("effective protocols are {}", exp.protocols.join(", ")),
            fix: Some("add TLSv1.2 to the playbook's protocols and apply".into()),
            source: Some("solution guide A §5.2 (L1124); guide B §3".into()),
        }
    } else {
        let offer = Offer {
            version: Version::Tls12,
            suites: Some(tls12_suites.clone()),
        };
        let r = handshake(&p.address, p.port, &offer, timeout);
        let ok_suite = |s: &str| exp.suites.iter().any(|c| c == s);
        let (status, observed) = match &r {
            Ok(n) if ok_suite(&n.suite) => {
                (CheckStatus::Pass, format!("{} {}", n.protocol, n.suite))
            }
            Ok(n) => (
                CheckStatus::Fail,
                format!("{} {} (not a configured suite)", n.protocol, n.suite),
            ),
            Err(e) => (CheckStatus::Fail, e.to_string()),
        };
        Check {
            id: "tls.accepts-tls12".into(),
            subject: subject("TLSv1.2"),
            status,
            expected: format!("TLSv1.2 with one of: {}", exp.suites.join(", ")),
            observed,
            fix: None,
            source: Some("solution guide A §5.2 (L1124-1136)".into()),
        }
    };
    checks.push(accept);

    // 2. Every protocol that is not configured is refused.
    for v in [
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ] {
        if exp.protocols.iter().any(|c| c == v.bwcli_name()) {
            continue;
        }
        let r = handshake(
            &p.address,
            p.port,
            &Offer {
                version: v,
                suites: None,
            },
            timeout,
        );
        checks.push(refusal_check(
            "tls.refuses-protocol",
            subject(v.bwcli_name()),
            format!("{} refused (not configured)", v.bwcli_name()),
            r,
        ));
    }

    // 3. Suites that are not configured are refused (one handshake offering them all).
    let unconfigured: Vec<String> = LEGACY_PROBE_SUITES
        .iter()
        .map(|s| s.to_string())
        .filter(|s| !tls12_suites.contains(s))
        .collect();
    if has_tls12 && !unconfigured.is_empty() {
        let offer = Offer {
            version: Version::Tls12,
            suites: Some(unconfigured.clone()),
        };
        let r = handshake(&p.address, p.port, &offer, timeout);
        checks.push(refusal_check(
            "tls.refuses-suite",
            subject("unconfigured suites"),
            format!("refused: {}", unconfigured.join(", ")),
            r,
        ));
    }
    checks
}

fn refusal_check(
    id: &str,
    subject: String,
    expected: String,
    r: Result<crate::verify::probe::Negotiated, ProbeError>,
) -> Check {
    let (status, observed) = match r {
        Err(ProbeError::Refused(why)) => (CheckStatus::Pass, format!("refused ({why})")),
        Ok(n) => (
            CheckStatus::Fail,
            format!("accepted: {} {}", n.protocol, n.suite),
        ),
        Err(e) => (CheckStatus::Skipped, e.to_string()),
    };
    Check {
        id: id.into(),
        subject,
        status,
        expected,
        observed,
        fix: None,
        source: Some("solution guide A §5.2 (L1126-1136); guide B §3".into()),
    }
}

/// TLS 1.3 suites have no key exchange in their name (`TLS_AES_128_GCM_SHA256`).
pub fn is_tls13_suite(iana: &str) -> bool {
    !iana.contains("_WITH_")
}
