//! TLS checks: handshakes that show the protocols and suites *in effect* on each
//! interface: what the playbook wants (when it sets TLS), and exposure (TLS 1.0/1.1,
//! weak suites) always, whatever the configuration says; then every suite of every
//! protocol enumerated by raw ClientHello (`verify::enumerate`).
//!
//! solution guide A §5.2 (L1124): the Xsi interface must support TLSv1.2, and the
//! cloud will not negotiate anything older (guide B §3, §5.4).
use std::net::IpAddr;
use std::time::Duration;

use crate::desired::Probe;
use crate::report::{CheckId, Finding, Verdict};
use crate::verify::certs;
use crate::verify::enumerate::{Target, enumerate, findings, known_suites};
use crate::verify::mtls::ClientCredential;
use crate::verify::probe::{Negotiated, Offer, ProbeError, Version, handshake};
use crate::verify::served_chain::{Served, ServerTrust, chain_findings};

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

/// Protocols (bwcli names) and suites (IANA names) of one endpoint.
#[derive(Debug, Clone, Copy)]
pub struct TlsLists<'a> {
    /// Protocols, bwcli names (`TLSv1.2`).
    pub protocols: &'a [String],
    /// Suites, IANA names.
    pub suites: &'a [String],
}

/// What one endpoint should accept, and what the host's configuration says.
pub struct Expectation<'a> {
    /// The host the endpoint belongs to (the findings are about it).
    pub host: &'a str,
    /// The endpoint.
    pub probe: &'a Probe,
    /// The client identity the handshakes present when the server asks for one.
    pub client: Option<&'a ClientCredential>,
    /// What the playbook puts in effect; `None` when it sets no TLS for this
    /// endpoint (verify then checks only exposure).
    pub wanted: Option<TlsLists<'a>>,
    /// What the host's configuration holds now (effective through its levels),
    /// whether or not it is in effect yet.
    pub configured: TlsLists<'a>,
    /// Suites the playbook lists itself (IANA names): the operator's choice, left
    /// out of the weak-suite probe. Inherited defaults are not a choice.
    pub listed_suites: &'a [String],
    /// The certificate (PEM) the playbook supplies for this interface
    /// (`webex.certificates`), which it should serve.
    pub supplied_certificate: Option<&'a str>,
    /// The interface's FQDN, when the playbook gives it: the certificate must name it.
    pub fqdn: Option<&'a str>,
    /// The host's own FQDN (the host's `fqdn`), when the playbook gives it: the
    /// certificate must name it too.
    pub host_fqdn: Option<&'a str>,
    /// The CAs the served chain must lead to.
    pub trust: &'a ServerTrust,
}

/// One check of an endpoint, and whether the host's configuration already says
/// what the check expects: then a failure means "configured, not in effect" (a
/// restart is due); otherwise the configuration itself is at fault.
pub struct EndpointCheck {
    /// The check's finding.
    pub finding: Finding,
    /// The configuration agrees with the check's expectation.
    pub configured_as_expected: bool,
}

/// Maps an IANA suite name to the OpenSSL name a client offers (None when
/// OpenSSL has no such suite).
pub type OpensslName<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Runs the handshakes for one endpoint and returns one check per question asked,
/// each with the handshake it made as evidence.
///
/// Exposure (TLS 1.0/1.1, weak suites) is probed whatever the playbook and the
/// host's configuration say: the handshake shows what the endpoint accepts.
pub fn check_endpoint(
    exp: &Expectation,
    openssl_name: OpensslName,
    timeout: Duration,
) -> Vec<EndpointCheck> {
    let p = exp.probe;
    let endpoint = format!("{} {}:{}", p.endpoint.to_uppercase(), p.address, p.port);
    let subject = |what: &str| format!("{endpoint} {what}");
    let probe = |version: Version, suites: Option<Vec<String>>| {
        let offer = Offer { version, suites };
        let result = handshake(&p.address, p.port, &offer, exp.client, timeout);
        let evidence = handshake_evidence(&p.address, p.port, &offer, &result);
        Handshake { result, evidence }
    };
    let tls12_names = |suites: &[String]| -> Vec<String> {
        suites
            .iter()
            .filter(|s| !is_tls13_suite(s))
            .filter_map(|s| openssl_name(s))
            .collect()
    };
    let configured_protocol =
        |v: Version| exp.configured.protocols.iter().any(|c| c == v.bwcli_name());
    let mut checks = Vec::new();

    // 1. TLS 1.2 is accepted, with one of the playbook's suites when it lists them;
    //    the certificate it serves is not expiring.
    let (finding, served) = accepts_tls12(exp, subject("TLSv1.2"), &tls12_names, &probe);
    checks.push(EndpointCheck {
        finding,
        configured_as_expected: configured_protocol(Version::Tls12),
    });
    if let Some(chain) = served {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        checks.push(EndpointCheck {
            finding: certs::expiry(exp.host, subject("certificate"), &chain, now),
            configured_as_expected: false,
        });
        if let Some(pem) = exp.supplied_certificate {
            // Installed by sslUpdate, served after a restart: a pending restart
            // explains a mismatch.
            checks.push(EndpointCheck {
                finding: certs::supplied(exp.host, subject("certificate"), &chain, pem),
                configured_as_expected: true,
            });
        }
        let served = Served {
            host: exp.host,
            endpoint: endpoint.clone(),
            chain: &chain,
            fqdn: exp.fqdn,
            host_fqdn: exp.host_fqdn,
            configured_suites: exp.configured.suites,
        };
        // A certificate the playbook supplies is served after the restart that
        // sslUpdate needs: a pending restart explains a failure then.
        checks.extend(
            chain_findings(&served, exp.trust, now)
                .into_iter()
                .map(|finding| EndpointCheck {
                    finding,
                    configured_as_expected: exp.supplied_certificate.is_some(),
                }),
        );
    }

    // 2. Protocols refused: TLS 1.0/1.1 always (exposure); TLS 1.2/1.3 when the
    //    playbook leaves them out.
    for v in [
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ] {
        let legacy = matches!(v, Version::Tls10 | Version::Tls11);
        let wanted = exp
            .wanted
            .is_some_and(|w| w.protocols.iter().any(|c| c == v.bwcli_name()));
        if !legacy && (exp.wanted.is_none() || wanted) {
            continue;
        }
        let expected = if legacy {
            format!(
                "{} refused (obsolete: the cloud connects with TLS 1.2 or later)",
                v.bwcli_name()
            )
        } else {
            format!("{} refused (not in the playbook)", v.bwcli_name())
        };
        let finding = refusal_check(
            exp.host,
            CheckId::TlsRefusesProtocol,
            subject(v.bwcli_name()),
            expected,
            probe(v, None),
        );
        checks.push(EndpointCheck {
            finding,
            configured_as_expected: !configured_protocol(v),
        });
    }

    // 3. Weak suites refused (one handshake offering them all), except those the
    //    playbook lists itself.
    let listed = tls12_names(exp.listed_suites);
    let weak: Vec<String> = LEGACY_PROBE_SUITES
        .iter()
        .map(|s| s.to_string())
        .filter(|s| !listed.contains(s))
        .collect();
    if !weak.is_empty() {
        let h = probe(Version::Tls12, Some(weak.clone()));
        let accepted = h.result.as_ref().ok().map(|n| n.suite.clone());
        let finding = refusal_check(
            exp.host,
            CheckId::TlsRefusesSuite,
            subject("unconfigured suites"),
            format!("refused: {}", weak.join(", ")),
            h,
        );
        checks.push(EndpointCheck {
            finding,
            configured_as_expected: accepted.is_none_or(|s| !exp.configured.suites.contains(&s)),
        });
    }

    // 4. Every protocol, every suite xspctl knows, by raw ClientHello: what is
    //    accepted, in the server's order; TLS 1.3 when the playbook wants it.
    let target = Target {
        address: &p.address,
        port: p.port,
        // SNI only for a name: an address is never sent as SNI (RFC 6066 §3).
        server_name: p
            .address
            .parse::<IpAddr>()
            .is_err()
            .then_some(&p.address[..]),
        timeout,
    };
    let enumeration = enumerate(&target, &known_suites());
    checks.extend(findings::checks(exp, &endpoint, enumeration));
    checks
}

/// One handshake's result, and the evidence line that records it.
struct Handshake {
    result: Result<Negotiated, ProbeError>,
    evidence: String,
}

/// What was offered to whom and how the server answered, in one line: the raw
/// observation behind a TLS finding.
fn handshake_evidence(
    address: &str,
    port: u16,
    offer: &Offer,
    result: &Result<Negotiated, ProbeError>,
) -> String {
    let suites = offer
        .suites
        .as_ref()
        .map_or_else(|| "every suite".to_string(), |s| s.join(":"));
    let answer = match result {
        Ok(n) => format!("handshake completed: {} {}", n.protocol, n.suite),
        Err(ProbeError::ClientCertificateRequired { chosen, reason }) => format!(
            "the server sent a CertificateRequest{}, then the handshake ended: {reason}",
            chosen
                .as_ref()
                .map(|c| format!(" after choosing {c}"))
                .unwrap_or_default()
        ),
        Err(e) => e.to_string(),
    };
    format!(
        "{address}:{port} offered {} with {suites}: {answer}",
        offer.version.bwcli_name()
    )
}

/// Whether TLS 1.2 is accepted (with a playbook suite, when the playbook lists any).
/// The TLS 1.2 finding, and the certificates the server sent when the handshake
/// completed.
fn accepts_tls12(
    exp: &Expectation,
    subject: String,
    tls12_names: &dyn Fn(&[String]) -> Vec<String>,
    probe: &dyn Fn(Version, Option<Vec<String>>) -> Handshake,
) -> (Finding, Option<Vec<Vec<u8>>>) {
    let id = CheckId::TlsAcceptsTls12;
    let wanted_suites = exp.wanted.map(|w| w.suites).filter(|s| !s.is_empty());
    if let Some(w) = exp.wanted
        && !w.protocols.iter().any(|v| v == "TLSv1.2")
    {
        let protocols = w.protocols.join(", ");
        let finding = Finding::about(
            exp.host,
            id,
            subject,
            Verdict::Fail,
            "TLSv1.2 configured and accepted",
            format!("the playbook's protocols are {protocols}"),
        )
        .with_evidence([format!("playbook protocols: {protocols}")])
        .with_fix("add TLSv1.2 to the playbook's protocols and apply");
        return (finding, None);
    }
    let offer = wanted_suites.map(tls12_names);
    let ok_suite = |s: &str| wanted_suites.is_none_or(|w| w.iter().any(|c| c == s));
    let h = probe(Version::Tls12, offer);
    let served = h.result.as_ref().ok().map(|n| n.chain.clone());
    let (status, observed) = match h.result {
        Ok(n) if ok_suite(&n.suite) => (Verdict::Pass, format!("{} {}", n.protocol, n.suite)),
        Ok(n) => (
            Verdict::Fail,
            format!("{} {} (not a configured suite)", n.protocol, n.suite),
        ),
        Err(e @ ProbeError::ClientCertificateRequired { .. }) => (Verdict::Warn, e.to_string()),
        Err(e) => (Verdict::Fail, e.to_string()),
    };
    let expected = match wanted_suites {
        Some(w) => format!("TLSv1.2 with one of: {}", w.join(", ")),
        None => "TLSv1.2 accepted".into(),
    };
    let finding = unproven_fix(
        Finding::about(exp.host, id, subject, status, expected, observed)
            .with_evidence([h.evidence]),
    );
    (finding, served)
}

/// What to do about a handshake that stopped at the client-certificate request.
const UNPROVEN_FIX: &str = "check with a client certificate the interface trusts (e.g. `openssl s_client -cert C -key K`); verify has no client identity to offer";

/// A `warn` finding (not proven: a client certificate was required) gets the
/// fix that proves it by hand.
fn unproven_fix(finding: Finding) -> Finding {
    if finding.status == Verdict::Warn {
        finding.with_fix(UNPROVEN_FIX)
    } else {
        finding
    }
}

fn refusal_check(
    host: &str,
    id: CheckId,
    subject: String,
    expected: String,
    h: Handshake,
) -> Finding {
    let (status, observed) = match h.result {
        Err(ProbeError::Refused(why)) => (Verdict::Pass, format!("refused ({why})")),
        Ok(n) => (
            Verdict::Fail,
            format!("accepted: {} {}", n.protocol, n.suite),
        ),
        // The ServerHello already agreed to what was offered: accepted, even though
        // the handshake then stopped at the client-certificate request.
        Err(ProbeError::ClientCertificateRequired {
            chosen: Some(chosen),
            ..
        }) => (
            Verdict::Fail,
            format!("accepted: {chosen} (then a client certificate was required)"),
        ),
        Err(e @ ProbeError::ClientCertificateRequired { chosen: None, .. }) => {
            (Verdict::Warn, e.to_string())
        }
        Err(e) => (Verdict::Skip, e.to_string()),
    };
    unproven_fix(
        Finding::about(host, id, subject, status, expected, observed).with_evidence([h.evidence]),
    )
}

/// TLS 1.3 suites have no key exchange in their name (`TLS_AES_128_GCM_SHA256`).
pub fn is_tls13_suite(iana: &str) -> bool {
    !iana.contains("_WITH_")
}
