//! The checks of how an endpoint negotiates, from the probes made after the suite
//! enumeration (docs/decisions.md D55, the guides being silent):
//! - `tls.key-exchange-groups`: no weak group (under 128-bit security) is accepted;
//!   a group RFC 8422 §5.1.1 deprecates is a warning.
//! - `tls.dh-size`: DHE suites get a DH group of at least 2048 bits (NIST SP
//!   800-52r2 §3.3.1; RFC 7919).
//! - `tls.secure-renegotiation`: TLS ≤ 1.2 answers renegotiation_info (RFC 5746).
//! - `tls.fallback-scsv`: a fallback to an older protocol with TLS_FALLBACK_SCSV is
//!   refused (RFC 7507): a warning, since the older protocols are findings already.
use crate::report::{CheckId, Finding, Verdict};
use crate::verify::tls::{EndpointCheck, Expectation};

use super::findings::incomplete;
use super::groups::{Strength, by_name};
use super::{Enumeration, Protocol, ProtocolGroups, ProtocolStatus};

/// The weakest DH group accepted (NIST SP 800-52r2 §3.3.1).
pub const MIN_DH_BITS: usize = 2048;

/// The four checks of `enumeration`'s probes for the endpoint `subject`.
pub fn checks(exp: &Expectation, subject: &str, enumeration: &Enumeration) -> Vec<EndpointCheck> {
    let incomplete = incomplete(enumeration);
    [
        groups_check(exp, subject, enumeration, incomplete.as_deref()),
        dh_check(exp, subject, enumeration, incomplete.as_deref()),
        renegotiation_check(exp, subject, enumeration, incomplete.as_deref()),
        fallback_check(exp, subject, enumeration, incomplete.as_deref()),
    ]
    .into_iter()
    .map(|finding| EndpointCheck {
        finding,
        // Nothing in the host's BroadWorks configuration sets these: a restart
        // would not change them.
        configured_as_expected: false,
    })
    .collect()
}

/// A protocol's groups in one line.
fn groups_line(g: &ProtocolGroups) -> String {
    let with = if g.protocol == Protocol::Tls13 {
        "TLS 1.3 suites, one group and no key share each"
    } else {
        "its ECDHE suites, one curve each"
    };
    let mut line = format!(
        "{} ({with}): accepted {}; refused {}",
        g.protocol.name(),
        if g.accepted.is_empty() {
            "none".to_string()
        } else {
            g.accepted.join(", ")
        },
        g.refused.len()
    );
    if let Some(error) = &g.error {
        line.push_str(&format!(
            "; stopped at {error}, {} untried",
            g.untried.len()
        ));
    }
    line
}

/// `tls.key-exchange-groups`.
fn groups_check(
    exp: &Expectation,
    subject: &str,
    enumeration: &Enumeration,
    incomplete: Option<&str>,
) -> Finding {
    let with_strength = |strength: Strength| -> Vec<String> {
        enumeration
            .groups
            .iter()
            .flat_map(|g| {
                g.accepted
                    .iter()
                    .filter(|name| by_name(name).is_some_and(|group| group.strength == strength))
                    .map(|name| format!("{} {name}", g.protocol.name()))
            })
            .collect()
    };
    let (weak, deprecated) = (
        with_strength(Strength::Weak),
        with_strength(Strength::Deprecated),
    );
    let errors: Vec<String> = enumeration
        .groups
        .iter()
        .filter_map(|g| {
            g.error
                .as_ref()
                .map(|e| format!("{}: {e}", g.protocol.name()))
        })
        .collect();
    let accepted: Vec<String> = enumeration
        .groups
        .iter()
        .map(|g| format!("{} {}", g.protocol.name(), g.accepted.join(", ")))
        .collect();
    let (status, observed) = if !weak.is_empty() {
        (
            Verdict::Fail,
            format!("weak groups accepted: {}", weak.join(", ")),
        )
    } else if let Some(why) = incomplete {
        (Verdict::Skip, why.to_string())
    } else if !errors.is_empty() {
        (
            Verdict::Skip,
            format!("group probe incomplete: {}", errors.join("; ")),
        )
    } else if !deprecated.is_empty() {
        (
            Verdict::Warn,
            format!("deprecated groups accepted: {}", deprecated.join(", ")),
        )
    } else if accepted.is_empty() {
        (
            Verdict::Pass,
            "no ECDHE suite and no TLS 1.3 accepted: no group to negotiate".to_string(),
        )
    } else {
        (Verdict::Pass, format!("accepted: {}", accepted.join("; ")))
    };
    let finding = Finding::about(
        exp.host,
        CheckId::TlsKeyExchangeGroups,
        format!("{subject} groups"),
        status,
        "no key-exchange group under 128-bit security (no curve under 256 bits), none RFC 8422 deprecates",
        observed,
    )
    .with_evidence(enumeration.groups.iter().map(groups_line));
    match status {
        Verdict::Fail | Verdict::Warn => finding.with_fix(
            "restrict the server's named groups to x25519, secp256r1, secp384r1 (and ffdhe groups of 2048 bits or more): on JSSE the `jdk.tls.namedGroups` system property; then restart",
        ),
        _ => finding,
    }
}

/// `tls.dh-size`.
fn dh_check(
    exp: &Expectation,
    subject: &str,
    enumeration: &Enumeration,
    incomplete: Option<&str>,
) -> Finding {
    let dh = enumeration.dh.as_ref();
    let (status, observed) = match dh {
        Some(dh) => match (dh.bits, &dh.error) {
            (Some(bits), _) if bits < MIN_DH_BITS => (
                Verdict::Fail,
                format!("{bits}-bit DH group ({})", dh.protocol.name()),
            ),
            (Some(bits), _) => (
                Verdict::Pass,
                format!("{bits}-bit DH group ({})", dh.protocol.name()),
            ),
            (None, error) => (
                Verdict::Skip,
                error.clone().unwrap_or_else(|| "no DH group read".into()),
            ),
        },
        None => match incomplete {
            Some(why) => (Verdict::Skip, why.to_string()),
            None => (
                Verdict::Pass,
                "no DHE suite accepted: no DH group".to_string(),
            ),
        },
    };
    let evidence = dh.map(|dh| {
        format!(
            "{} offered with the accepted DHE suites and curves only (no ffdhe group): {}{}",
            dh.protocol.name(),
            dh.suite
                .map_or_else(|| "no suite chosen".to_string(), |s| format!("chose {s}")),
            dh.bits
                .map(|b| format!(", ServerKeyExchange dh_p of {b} bits"))
                .unwrap_or_default()
        )
    });
    let finding = Finding::about(
        exp.host,
        CheckId::TlsDhSize,
        format!("{subject} DH group"),
        status,
        format!("DHE suites use a DH group of at least {MIN_DH_BITS} bits"),
        observed,
    )
    .with_evidence(evidence);
    match status {
        Verdict::Fail => finding.with_fix(
            "serve a DH group of 2048 bits or more (JSSE: `-Djdk.tls.ephemeralDHKeySize=2048`), or remove the DHE suites; then restart",
        ),
        _ => finding,
    }
}

/// `tls.secure-renegotiation`.
fn renegotiation_check(
    exp: &Expectation,
    subject: &str,
    enumeration: &Enumeration,
    incomplete: Option<&str>,
) -> Finding {
    let r = enumeration.renegotiation.as_ref();
    let (status, observed) = match r {
        Some(r) => match (r.secure, &r.error) {
            (Some(true), _) => (
                Verdict::Pass,
                format!(
                    "{}: renegotiation_info in the ServerHello",
                    r.protocol.name()
                ),
            ),
            (Some(false), _) => (
                Verdict::Fail,
                format!(
                    "{}: no renegotiation_info in the ServerHello",
                    r.protocol.name()
                ),
            ),
            (None, error) => (
                Verdict::Skip,
                error.clone().unwrap_or_else(|| "no ServerHello".into()),
            ),
        },
        None => match incomplete {
            Some(why) => (Verdict::Skip, why.to_string()),
            None => (
                Verdict::Pass,
                "no protocol below TLS 1.3 accepted: TLS 1.3 has no renegotiation".to_string(),
            ),
        },
    };
    let evidence = r.map(|r| {
        format!(
            "{} offered with its accepted suites and an empty renegotiation_info (RFC 5746 §3.4)",
            r.protocol.name()
        )
    });
    let finding = Finding::about(
        exp.host,
        CheckId::TlsSecureRenegotiation,
        format!("{subject} renegotiation"),
        status,
        "secure renegotiation (RFC 5746): renegotiation_info in the ServerHello",
        observed,
    )
    .with_evidence(evidence);
    match status {
        Verdict::Fail => finding.with_fix(
            "update the TLS stack that serves the interface (the Java runtime, or OpenSSL): every maintained one implements RFC 5746; then restart",
        ),
        _ => finding,
    }
}

/// `tls.fallback-scsv`.
fn fallback_check(
    exp: &Expectation,
    subject: &str,
    enumeration: &Enumeration,
    incomplete: Option<&str>,
) -> Finding {
    let f = enumeration.fallback.as_ref();
    let accepted: Vec<&str> = enumeration
        .protocols
        .iter()
        .filter(|p| p.status == ProtocolStatus::Accepted)
        .map(|p| p.protocol.name())
        .collect();
    let (status, observed) = match f {
        Some(f) => {
            let what = format!(
                "{} with TLS_FALLBACK_SCSV (newest accepted: {}): {}",
                f.offered.name(),
                f.newest.name(),
                f.answer
            );
            match f.refused {
                Some(true) => (Verdict::Pass, what),
                Some(false) => (Verdict::Warn, what),
                None => (Verdict::Skip, what),
            }
        }
        None => match incomplete {
            Some(why) => (Verdict::Skip, why.to_string()),
            None => (
                Verdict::Pass,
                format!(
                    "one protocol accepted ({}): no older one to fall back to",
                    if accepted.is_empty() {
                        "none".to_string()
                    } else {
                        accepted.join(", ")
                    }
                ),
            ),
        },
    };
    let finding = Finding::about(
        exp.host,
        CheckId::TlsFallbackScsv,
        format!("{subject} fallback"),
        status,
        "a fallback to an older protocol with TLS_FALLBACK_SCSV is refused with inappropriate_fallback (RFC 7507)",
        observed,
    )
    .with_evidence([format!("protocols accepted: {}", accepted.join(", "))]);
    match status {
        Verdict::Warn => finding.with_fix(
            "refuse the older protocols (see tls.refuses-protocol), or update the TLS stack to one that honours TLS_FALLBACK_SCSV (RFC 7507); then restart",
        ),
        _ => finding,
    }
}
