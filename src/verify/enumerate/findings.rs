//! The checks an enumeration answers, per endpoint:
//! - `tls.suite-enumeration`: every suite accepted, with any protocol, is one the
//!   endpoint should serve (the playbook's list, or without TLS settings the
//!   host's) and meets the guide's cipher rule unless the playbook lists it itself
//!   (waived); SSLv3 accepts nothing. The finding carries the whole enumeration.
//! - `tls.server-order`: the server chooses by its own order, and that order is the
//!   configured one (a warning: the client still gets a suite it may use).
//! - `tls.accepts-tls13`: when the playbook wants TLS 1.3, it is accepted, with its
//!   TLS 1.3 suites.
//!
//! solution guide A §5.2 (L1124-1136): TLS 1.2 and the cipher rule (ECDHE/DHE, AES
//! ≥128, GCM or CBC with SHA-2); guide A §5.2 (L1147): the configured order is the
//! order bwcli lists.
use crate::catalog::{cipher, policy};
use crate::report::{CheckId, Finding, Verdict};
use crate::verify::tls::{EndpointCheck, Expectation};

use super::{Enumeration, Order, Protocol, ProtocolStatus, ProtocolSuites};

/// The enumeration's checks of one endpoint; `subject` names the endpoint
/// (`HTTP 10.0.0.1:443`).
pub fn checks(exp: &Expectation, subject: &str, enumeration: Enumeration) -> Vec<EndpointCheck> {
    let mut checks = vec![order_check(exp, subject, &enumeration)];
    if let Some(tls13) = tls13_check(exp, subject, &enumeration) {
        checks.push(tls13);
    }
    checks.extend(super::property_findings::checks(exp, subject, &enumeration));
    checks.insert(0, suites_check(exp, subject, enumeration));
    checks
}

/// The suites the endpoint should serve, in the configured order: the playbook's
/// when it sets TLS for the endpoint, else the host's configuration.
fn allowed<'a>(exp: &Expectation<'a>) -> &'a [String] {
    exp.wanted.map_or(exp.configured.suites, |w| w.suites)
}

/// One line per protocol: its status and its suites.
fn protocol_line(p: &ProtocolSuites) -> String {
    let name = p.protocol.name();
    let count = |n: usize| format!("{n} suite{}", if n == 1 { "" } else { "s" });
    match p.status {
        ProtocolStatus::Accepted => {
            let order = match p.order {
                Some(Order::Server) => " (server's order)",
                Some(Order::Client) => " (client's order)",
                None => "",
            };
            format!(
                "{name} accepted{order}: {}; refused {}",
                p.accepted.join(", "),
                count(p.refused.len())
            )
        }
        ProtocolStatus::Refused => format!(
            "{name} refused ({}): {} offered",
            p.reason.as_deref().unwrap_or("refused"),
            count(p.refused.len())
        ),
        ProtocolStatus::Error => format!(
            "{name} not enumerated: {}; accepted so far: {}; untried {}",
            p.reason.as_deref().unwrap_or("error"),
            if p.accepted.is_empty() {
                "none".to_string()
            } else {
                p.accepted.join(", ")
            },
            count(p.untried.len())
        ),
    }
}

/// `tls.suite-enumeration`.
fn suites_check(exp: &Expectation, subject: &str, enumeration: Enumeration) -> EndpointCheck {
    let allowed = allowed(exp);
    let mut offending = Vec::new();
    let mut configured_as_expected = true;
    for p in &enumeration.protocols {
        for &suite in &p.accepted {
            let mut why = Vec::new();
            if p.protocol == Protocol::Ssl3 {
                why.push("SSLv3 is prohibited (RFC 7568)".to_string());
            }
            if !allowed.iter().any(|a| a == suite) {
                why.push("not configured".to_string());
            }
            let violations = cipher(suite).map(policy::check).unwrap_or_default();
            if !violations.is_empty() && !exp.listed_suites.iter().any(|l| l == suite) {
                why.push(format!(
                    "breaks the guide's cipher rule: {}",
                    policy::describe(&violations)
                ));
            }
            if !why.is_empty() {
                // The host's configuration allows it: a restart will not help.
                configured_as_expected &= !exp.configured.suites.iter().any(|c| c == suite);
                offending.push(format!("{} {suite}: {}", p.protocol.name(), why.join("; ")));
            }
        }
    }
    let (status, observed) = if !offending.is_empty() {
        let names: Vec<&str> = offending
            .iter()
            .map(|o| o.split(':').next().unwrap_or(o))
            .collect();
        (Verdict::Fail, format!("accepted: {}", names.join(", ")))
    } else if let Some(why) = incomplete(&enumeration) {
        (Verdict::Skip, why)
    } else {
        let accepted: usize = enumeration.protocols.iter().map(|p| p.accepted.len()).sum();
        (
            Verdict::Pass,
            format!(
                "{accepted} accepted, all configured and within the guide's rule ({} handshakes)",
                enumeration.handshakes
            ),
        )
    };
    let mut evidence: Vec<String> = enumeration.protocols.iter().map(protocol_line).collect();
    evidence.extend(offending);
    let missing: Vec<&str> = allowed
        .iter()
        .filter(|a| {
            !enumeration
                .protocols
                .iter()
                .any(|p| p.accepted.contains(&a.as_str()))
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        evidence.push(format!("configured, not accepted: {}", missing.join(", ")));
    }
    let finding = Finding::about(
        exp.host,
        CheckId::TlsSuiteEnumeration,
        format!("{subject} suites"),
        status,
        "every accepted suite is configured and meets the guide's cipher rule (or is waived by the playbook)",
        observed,
    )
    .with_evidence(evidence)
    .with_enumeration(enumeration);
    EndpointCheck {
        finding,
        configured_as_expected,
    }
}

/// `tls.server-order`: per protocol with two or more accepted suites.
fn order_check(exp: &Expectation, subject: &str, enumeration: &Enumeration) -> EndpointCheck {
    let allowed = allowed(exp);
    let mut differences = Vec::new();
    let mut evidence = Vec::new();
    for p in &enumeration.protocols {
        if p.status != ProtocolStatus::Accepted || p.accepted.len() < 2 {
            continue;
        }
        let name = p.protocol.name();
        // The configured order of the suites both lists hold.
        let configured: Vec<&str> = allowed
            .iter()
            .map(String::as_str)
            .filter(|a| p.accepted.contains(a))
            .collect();
        let observed: Vec<&str> = p
            .accepted
            .iter()
            .copied()
            .filter(|s| configured.contains(s))
            .collect();
        evidence.push(format!(
            "{name}: server's choices in order: {}; configured order: {}",
            p.accepted.join(", "),
            if configured.is_empty() {
                "(none of them)".to_string()
            } else {
                configured.join(", ")
            }
        ));
        match p.order {
            Some(Order::Client) => differences.push(format!("{name}: the client's order decides")),
            None => differences.push(format!(
                "{name}: whose order decides is unknown (the reversed offer failed)"
            )),
            Some(Order::Server) if observed != configured => {
                differences.push(format!("{name}: {}", p.accepted.join(" > ")))
            }
            Some(Order::Server) => {}
        }
    }
    let (status, observed) = if differences.is_empty() && evidence.is_empty() {
        (
            Verdict::Pass,
            "fewer than two suites accepted per protocol: nothing to order".to_string(),
        )
    } else if differences.is_empty() {
        (
            Verdict::Pass,
            "the server's order is the configured order".to_string(),
        )
    } else {
        (Verdict::Warn, differences.join("; "))
    };
    let finding = Finding::about(
        exp.host,
        CheckId::TlsServerOrder,
        format!("{subject} suite order"),
        status,
        "the server chooses by its own order, the configured order",
        observed,
    )
    .with_evidence(evidence);
    let finding = match status {
        Verdict::Warn => finding.with_fix(
            "list the suites in the order the server should prefer them (bwcli lists them in that order) and restart; a server that follows the client's order needs its cipher-order setting checked",
        ),
        _ => finding,
    };
    EndpointCheck {
        finding,
        configured_as_expected: true,
    }
}

/// `tls.accepts-tls13`, when the playbook wants TLS 1.3.
fn tls13_check(
    exp: &Expectation,
    subject: &str,
    enumeration: &Enumeration,
) -> Option<EndpointCheck> {
    let wanted = exp.wanted?;
    let name = Protocol::Tls13.name();
    if !wanted.protocols.iter().any(|p| p == name) {
        return None;
    }
    let wanted13: Vec<&str> = wanted
        .suites
        .iter()
        .map(String::as_str)
        .filter(|s| cipher(s).is_ok_and(|c| c.is_tls13()))
        .collect();
    let entry = enumeration.protocol(Protocol::Tls13)?;
    let missing: Vec<&str> = wanted13
        .iter()
        .copied()
        .filter(|s| !entry.accepted.contains(s))
        .collect();
    let (status, observed) = match entry.status {
        ProtocolStatus::Accepted if missing.is_empty() => (
            Verdict::Pass,
            format!("accepted: {}", entry.accepted.join(", ")),
        ),
        ProtocolStatus::Accepted => (
            Verdict::Fail,
            format!(
                "accepted: {}; not accepted: {}",
                entry.accepted.join(", "),
                missing.join(", ")
            ),
        ),
        ProtocolStatus::Refused => (
            Verdict::Fail,
            format!("refused ({})", entry.reason.as_deref().unwrap_or("refused")),
        ),
        ProtocolStatus::Error => (
            Verdict::Skip,
            entry.reason.clone().unwrap_or_else(|| "error".into()),
        ),
    };
    let expected = if wanted13.is_empty() {
        format!("{name} accepted")
    } else {
        format!("{name} accepted with {}", wanted13.join(", "))
    };
    let configured = exp.configured.protocols.iter().any(|p| p == name)
        && wanted13
            .iter()
            .all(|s| exp.configured.suites.iter().any(|c| c == s));
    let finding = Finding::about(
        exp.host,
        CheckId::TlsAcceptsTls13,
        format!("{subject} {name}"),
        status,
        expected,
        observed,
    )
    .with_evidence([protocol_line(entry)]);
    Some(EndpointCheck {
        finding,
        configured_as_expected: configured,
    })
}

/// Why the enumeration is incomplete, when a protocol ended in an error.
pub(super) fn incomplete(enumeration: &Enumeration) -> Option<String> {
    let errors: Vec<String> = enumeration
        .protocols
        .iter()
        .filter(|p| p.status == ProtocolStatus::Error)
        .map(|p| {
            format!(
                "{}: {}",
                p.protocol.name(),
                p.reason.as_deref().unwrap_or("error")
            )
        })
        .collect();
    (!errors.is_empty()).then(|| format!("enumeration incomplete: {}", errors.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::Probe;
    use crate::verify::tls::TlsLists;

    fn probe() -> Probe {
        Probe {
            endpoint: "http".into(),
            address: "10.0.0.1".into(),
            port: 443,
            protocols_view: "p".into(),
            ciphers_view: "c".into(),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn entry(
        protocol: Protocol,
        accepted: &[&'static str],
        order: Option<Order>,
    ) -> ProtocolSuites {
        ProtocolSuites {
            protocol,
            status: if accepted.is_empty() {
                ProtocolStatus::Refused
            } else {
                ProtocolStatus::Accepted
            },
            reason: accepted.is_empty().then(|| "alert protocol_version".into()),
            order,
            accepted: accepted.to_vec(),
            refused: vec!["TLS_RSA_WITH_NULL_MD5"],
            untried: vec![],
            retried: vec![],
        }
    }

    fn enumeration(entries: Vec<ProtocolSuites>) -> Enumeration {
        Enumeration {
            protocols: entries,
            handshakes: 9,
            ..Enumeration::default()
        }
    }

    const GCM256: &str = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    const GCM128: &str = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    const RSA_GCM: &str = "TLS_RSA_WITH_AES_256_GCM_SHA384";

    /// The checks for `accepted` with TLS 1.2 (server order), the playbook listing
    /// `wanted` (or setting no TLS: `None`), the host configured with `configured`.
    fn run(
        wanted: Option<(&[&str], &[&str])>,
        configured: &[&str],
        listed: &[&str],
        entries: Vec<ProtocolSuites>,
    ) -> Vec<EndpointCheck> {
        let p = probe();
        let (wp, ws) = wanted.map_or((vec![], vec![]), |(p, s)| (strings(p), strings(s)));
        let (cp, cs) = (strings(&["TLSv1.2"]), strings(configured));
        let listed = strings(listed);
        let exp = Expectation {
            host: "xsp1",
            probe: &p,
            client: None,
            wanted: wanted.map(|_| TlsLists {
                protocols: &wp,
                suites: &ws,
            }),
            configured: TlsLists {
                protocols: &cp,
                suites: &cs,
            },
            listed_suites: &listed,
            supplied_certificate: None,
            fqdn: None,
            host_fqdn: None,
            trust: &crate::verify::served_chain::ServerTrust::public_roots(),
        };
        checks(&exp, "HTTP 10.0.0.1:443", enumeration(entries))
    }

    fn verdicts(checks: &[EndpointCheck]) -> Vec<(&'static str, Verdict)> {
        checks
            .iter()
            .map(|c| (c.finding.id.as_str(), c.finding.status))
            .collect()
    }

    #[test]
    fn configured_suites_in_the_configured_order_pass() {
        let tls12 = entry(Protocol::Tls12, &[GCM256, GCM128], Some(Order::Server));
        let c = run(
            Some((&["TLSv1.2"], &[GCM256, GCM128])),
            &[GCM256, GCM128],
            &[GCM256, GCM128],
            vec![entry(Protocol::Ssl3, &[], None), tls12],
        );
        assert_eq!(
            verdicts(&c)[..2],
            [
                ("tls.suite-enumeration", Verdict::Pass),
                ("tls.server-order", Verdict::Pass)
            ]
        );
        assert!(c[0].finding.enumeration.is_some());
        assert!(c[1].finding.enumeration.is_none());
    }

    #[test]
    fn a_suite_outside_the_list_or_the_rule_fails_unless_the_playbook_waives_it() {
        let accepted = vec![entry(
            Protocol::Tls12,
            &[GCM256, RSA_GCM],
            Some(Order::Server),
        )];
        // Not in the playbook, and against the rule; the host's configuration has it.
        let c = run(
            Some((&["TLSv1.2"], &[GCM256])),
            &[GCM256, RSA_GCM],
            &[GCM256],
            accepted.clone(),
        );
        assert_eq!(c[0].finding.status, Verdict::Fail);
        assert_eq!(
            c[0].finding.observed,
            format!("accepted: TLSv1.2 {RSA_GCM}")
        );
        assert!(!c[0].configured_as_expected);
        assert!(c[0].finding.evidence.iter().any(|l| l
            == &format!("TLSv1.2 {RSA_GCM}: not configured; breaks the guide's cipher rule: key exchange is RSA, not ECDHE or DHE")));
        // Listed (waived) by the playbook: accepted as the operator chose.
        let c = run(
            Some((&["TLSv1.2"], &[GCM256, RSA_GCM])),
            &[GCM256, RSA_GCM],
            &[GCM256, RSA_GCM],
            accepted.clone(),
        );
        assert_eq!(c[0].finding.status, Verdict::Pass);
        // No TLS in the playbook: the host's configuration is the list, the rule holds.
        let c = run(None, &[GCM256, RSA_GCM], &[], accepted);
        assert_eq!(c[0].finding.status, Verdict::Fail);
        assert!(
            c[0].finding.observed.ends_with(RSA_GCM),
            "{}",
            c[0].finding.observed
        );
    }

    #[test]
    fn sslv3_accepting_anything_fails() {
        let c = run(
            Some((&["TLSv1.2"], &[GCM256])),
            &[GCM256],
            &[GCM256],
            vec![entry(Protocol::Ssl3, &[GCM256], None)],
        );
        assert_eq!(c[0].finding.status, Verdict::Fail);
        assert!(
            c[0].finding
                .evidence
                .iter()
                .any(|l| l.contains("SSLv3 is prohibited"))
        );
    }

    #[test]
    fn another_order_or_the_clients_order_warns() {
        let wanted = (&["TLSv1.2"][..], &[GCM256, GCM128][..]);
        let swapped = entry(Protocol::Tls12, &[GCM128, GCM256], Some(Order::Server));
        let c = run(Some(wanted), &[GCM256, GCM128], &[], vec![swapped]);
        assert_eq!(c[1].finding.status, Verdict::Warn);
        assert_eq!(
            c[1].finding.observed,
            format!("TLSv1.2: {GCM128} > {GCM256}")
        );
        assert!(c[1].finding.fix.is_some());
        let client = entry(Protocol::Tls12, &[GCM256, GCM128], Some(Order::Client));
        let c = run(Some(wanted), &[GCM256, GCM128], &[], vec![client]);
        assert_eq!(c[1].finding.observed, "TLSv1.2: the client's order decides");
    }

    #[test]
    fn tls13_is_checked_only_when_the_playbook_wants_it() {
        let wanted13 = (
            &["TLSv1.2", "TLSv1.3"][..],
            &[GCM256, "TLS_AES_256_GCM_SHA384"][..],
        );
        let refused = vec![
            entry(Protocol::Tls12, &[GCM256], None),
            entry(Protocol::Tls13, &[], None),
        ];
        let c = run(Some(wanted13), &[GCM256], &[], refused.clone());
        assert_eq!(c[2].finding.id, CheckId::TlsAcceptsTls13);
        assert_eq!(c[2].finding.status, Verdict::Fail);
        assert_eq!(c[2].finding.observed, "refused (alert protocol_version)");
        // The host's configuration lacks TLS 1.3: not a pending restart.
        assert!(!c[2].configured_as_expected);
        let accepted = vec![
            entry(Protocol::Tls12, &[GCM256], None),
            entry(Protocol::Tls13, &["TLS_AES_256_GCM_SHA384"], None),
        ];
        let c = run(Some(wanted13), &[GCM256], &[], accepted);
        assert_eq!(c[2].finding.status, Verdict::Pass);
        let c = run(Some((&["TLSv1.2"], &[GCM256])), &[GCM256], &[], refused);
        assert!(c.iter().all(|c| c.finding.id != CheckId::TlsAcceptsTls13));
    }
}
