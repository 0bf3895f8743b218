//! Reachability both ways (issue #11 check 7):
//! - `reach.inbound`: from where xspctl runs, each secure interface of the host
//!   (HTTPS, e.g. 443, and CTI, e.g. 8012, with the ports its interface table
//!   has) accepts a TCP connection and answers a TLS handshake (solution guide A
//!   §9.1, §9.3: 443/TLS from anywhere, 8012/TLS from the Webex cloud);
//! - `reach.outbound`: the host itself opens a TCP connection to each Webex
//!   endpoint its roles need in the playbook's region (guide A §9.2; the targets
//!   are catalog data, `verify.reach.outbound` replaces them), run on the host
//!   over SSH as `nc -z -w N host port`.
use std::time::Duration;

use super::dns::Interface;
use super::probe::{Offer, ProbeError, Version, handshake};
use crate::live::link::{HostLink, LinkError, PortTarget, ShellRead};
use crate::playbook::{Host, ReachSettings};
use crate::report::{CheckId, Finding, Verdict};

/// How long `nc` on the host waits for each outbound connection.
pub const OUTBOUND_TIMEOUT: Duration = Duration::from_secs(3);
/// The most outbound targets checked per host.
pub const MAX_OUTBOUND: usize = 32;

/// `reach.inbound` of one interface: a TCP connection, then a TLS handshake
/// (TLS 1.2, then TLS 1.3), each bounded by `timeout`.
pub fn inbound(host: &str, i: &Interface, timeout: Duration) -> Finding {
    let subject = format!("{} {}:{}", i.kind.to_uppercase(), i.address, i.port);
    let expected = "a TCP connection and a TLS handshake from where xspctl runs";
    let mut evidence = Vec::new();
    let mut last = None;
    for version in [Version::Tls12, Version::Tls13] {
        let offer = Offer {
            version,
            suites: None,
        };
        let result = handshake(&i.address, i.port, &offer, None, timeout);
        let said = match &result {
            Ok(n) => format!("{} {}", n.protocol, n.suite),
            Err(e) => e.to_string(),
        };
        evidence.push(format!("{}: {said}", version.bwcli_name()));
        match result {
            Ok(_) | Err(ProbeError::ClientCertificateRequired { .. }) => {
                return Finding::about(
                    host,
                    CheckId::ReachInbound,
                    subject,
                    Verdict::Pass,
                    expected,
                    "TCP connected and TLS answered",
                )
                .with_evidence(evidence);
            }
            Err(ProbeError::Connect { reason, .. }) => {
                return Finding::about(
                    host,
                    CheckId::ReachInbound,
                    subject,
                    Verdict::Fail,
                    expected,
                    format!("no TCP connection: {reason}"),
                )
                .with_evidence(evidence)
                .with_fix(format!(
                    "open TCP {} to the host in every firewall between (solution guide A §9.1), and check that BroadWorks listens there (`bwcli` Interface tables, `healthmon`)",
                    i.port
                ));
            }
            Err(e) => last = Some(e.to_string()),
        }
    }
    // A TLS alert is a TLS server's answer: what it accepts is the tls.* checks' job.
    if let Some(alert) = last.as_deref().filter(|r| r.contains("alert")) {
        return Finding::about(
            host,
            CheckId::ReachInbound,
            subject,
            Verdict::Pass,
            expected,
            format!("TCP connected and TLS answered, with an alert ({alert}); the tls.* checks judge what it accepts"),
        )
        .with_evidence(evidence);
    }
    Finding::about(
        host,
        CheckId::ReachInbound,
        subject,
        Verdict::Fail,
        expected,
        format!(
            "TCP connected, but no TLS handshake completed: {}",
            last.unwrap_or_default()
        ),
    )
    .with_evidence(evidence)
    .with_fix("something other than the BroadWorks TLS interface answers there (a proxy, or plain HTTP): check the interface's secure setting and what listens on the port")
}

/// The outbound targets of `host`: the playbook's, else those its roles need in
/// the playbook's region; None when the playbook sets neither.
pub fn outbound_targets(
    host: &Host,
    settings: &ReachSettings,
) -> Option<Vec<(String, u16, String)>> {
    if let Some(list) = &settings.outbound {
        return Some(
            list.iter()
                .map(|(h, p)| (h.clone(), *p, "verify.reach.outbound".to_string()))
                .collect(),
        );
    }
    let region = settings.region.as_deref()?;
    let roles: Vec<&str> = host.roles.iter().map(|r| r.name()).collect();
    Some(
        crate::catalog::webex_endpoints(region, &roles)
            .into_iter()
            .map(|e| (e.host.clone(), e.port, e.source.clone()))
            .collect(),
    )
}

/// `reach.outbound` of each target, run on the host through `link`.
pub fn outbound(
    host: &str,
    targets: &[(String, u16, String)],
    link: &mut dyn HostLink,
) -> Vec<Finding> {
    targets
        .iter()
        .take(MAX_OUTBOUND)
        .map(|(target, port, source)| one_outbound(host, target, *port, source, link))
        .collect()
}

fn one_outbound(
    host: &str,
    target: &str,
    port: u16,
    source: &str,
    link: &mut dyn HostLink,
) -> Finding {
    let expected = "the host opens a TCP connection to it";
    let about = |status, subject: String, observed: String| {
        let mut f = Finding::about(
            host,
            CheckId::ReachOutbound,
            subject,
            status,
            expected,
            observed,
        );
        f.source = Some(format!(
            "{}; target from {source}",
            f.source.unwrap_or_default()
        ));
        f
    };
    let t = match PortTarget::new(target, port, OUTBOUND_TIMEOUT) {
        Ok(t) => t,
        Err(why) => {
            return about(Verdict::Fail, format!("outbound {target}:{port}"), why)
                .with_fix("correct the target in `verify.reach.outbound`");
        }
    };
    let subject = format!("outbound {}", t.label());
    let read = ShellRead::PortOpen(t.clone());
    let command = read.command_line();
    match link.shell_read(read) {
        Ok(_) => about(Verdict::Pass, subject, "connected".into())
            .with_evidence([format!("{command}: exit 0")]),
        Err(LinkError::Shell { status: 127, stderr, .. }) => about(
            Verdict::Fail,
            subject,
            "`nc` is not installed on the host: reachability not proven".into(),
        )
        .with_evidence([format!("{command}: exit 127: {stderr}")])
        .with_fix("install netcat (`nc`, e.g. the nmap-ncat package) on the host, or prove the path another way"),
        Err(LinkError::Shell { status, stderr, .. }) => about(
            Verdict::Fail,
            subject,
            format!("no connection within {}s (blocked, unreachable or refused)", OUTBOUND_TIMEOUT.as_secs()),
        )
        .with_evidence([format!("{command}: exit {status}: {stderr}")])
        .with_fix(format!(
            "allow TCP {port} from the host to {target} in the firewalls and proxies on the way (solution guide A §9.2: forward proxies are not supported)"
        )),
        Err(e) => about(
            Verdict::Fail,
            subject,
            format!("the check could not run on the host: {e}"),
        )
        .with_fix("check the SSH connection to the host and run verify again"),
    }
}
