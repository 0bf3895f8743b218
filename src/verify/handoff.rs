//! Partner Hub hand-off (issue #11 check 9): the URLs an operator enters in
//! Partner Hub for the cluster — Xsi-Actions, Xsi-Events, CTI, AuthService, DMS —
//! built from the playbook's name for each host and the interfaces the host has,
//! each proven to answer as Webex calls it: the name resolved to IPv4 (the first A
//! record, as the Webex microservices use it: solution guide A §7.4), a TLS
//! handshake whose chain validates for that name (webpki, as `tls.certificate-*`
//! do), then, for the HTTP interfaces, an HTTPS GET of the URL that answers
//! without a redirect (guide A §7.3: Webex does not follow them), a 404 or a 5xx
//! (guide A §7.4: a 5xx blocklists the address). The CTI interface is proven by a
//! mutual TLS handshake with the playbook's Webex-like client certificate.
//!
//! These checks are made only when asked for by name (`xspctl handoff`, or
//! `verify --check 'handoff.*'`): docs/decisions.md (s3-watch) says why.
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};

use super::dns::Interface;
use super::dns::lookup::{Answer, Kind, Resolver, ask};
use super::mtls::ClientCredential;
use super::peers::Peers;
use super::selection::CheckSelection;
use super::served_chain::{Served, chain_findings};
use crate::playbook::{DnsSettings, Host, Role};
use crate::report::{CheckId, Finding, RunReport, Verdict};

/// The most bytes of an HTTP answer read (its status line is all that is judged).
const MAX_ANSWER: usize = 16 * 1024;

/// One interface Partner Hub asks for.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// Its check id.
    pub id: CheckId,
    /// As Partner Hub names it.
    pub name: &'static str,
    /// The role that serves it.
    pub role: Role,
    /// The path of its URL on the HTTP interface; `None`: the CTI interface.
    pub path: Option<&'static str>,
}

/// The interfaces of a Partner Hub cluster, in the order its wizard asks for them
/// (solution guide B §8), and DMS, whose URL the device profiles carry.
pub const SERVICES: [Service; 5] = [
    // Context paths: guide B §6 (`xsiActionsContextOrURL=/com.broadsoft.xsi-actions`);
    // the `/v2.0/` suffix Partner Hub needs: guide B §15, management-sync §6.6.
    Service {
        id: CheckId::HandoffXsiActions,
        name: "Xsi-Actions",
        role: Role::Xsi,
        path: Some("/com.broadsoft.xsi-actions/v2.0/"),
    },
    Service {
        id: CheckId::HandoffXsiEvents,
        name: "Xsi-Events",
        role: Role::Xsi,
        path: Some("/com.broadsoft.xsi-events/v2.0/"),
    },
    // guide B §5.10: the CTI interface Webex subscribes through, on the secure port.
    Service {
        id: CheckId::HandoffCti,
        name: "CTI",
        role: Role::Cti,
        path: None,
    },
    // guide B §2.2 step 3: AuthService deployed at `/authService`.
    Service {
        id: CheckId::HandoffAuthservice,
        name: "AuthService",
        role: Role::AuthService,
        path: Some("/authService"),
    },
    // guide A §7.6, §8.1: DMS on the XSP's HTTPS interface.
    Service {
        id: CheckId::HandoffDms,
        name: "DMS",
        role: Role::Dms,
        path: Some("/dms/"),
    },
];

/// The hand-off findings of `host` whose ids `selection` names, one per service
/// its roles serve: `interfaces` are its secure interfaces (from the host), each
/// connection bounded by `timeout`.
pub fn checks(
    host: &Host,
    interfaces: &[Interface],
    dns: &DnsSettings,
    peers: &Peers,
    selection: &CheckSelection,
    timeout: Duration,
) -> Vec<Finding> {
    SERVICES
        .iter()
        .filter(|s| host.roles.contains(&s.role) && selection.names(s.id))
        .map(|s| check(host, s, interfaces, dns, peers, timeout))
        .collect()
}

/// The URL of `service` for a host reached as `name` on `interface`: the port is
/// left out where it is 443 on the HTTP interface.
pub fn url(service: &Service, name: &str, interface: &Interface) -> String {
    let host = match name.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => name.to_string(),
    };
    match service.path {
        Some(path) if interface.port == 443 => format!("https://{host}{path}"),
        Some(path) => format!("https://{host}:{}{path}", interface.port),
        None => format!("https://{host}:{}", interface.port),
    }
}

/// The interface a service is reached on: the CTI interface, or the HTTP one
/// (443 when the host has it).
fn interface_of<'i>(service: &Service, interfaces: &'i [Interface]) -> Option<&'i Interface> {
    let kind = if service.path.is_some() {
        "http"
    } else {
        "cti"
    };
    let mut of_kind = interfaces.iter().filter(|i| i.kind == kind);
    let first = of_kind.clone().next();
    of_kind.find(|i| i.port == 443).or(first)
}

fn check(
    host: &Host,
    service: &Service,
    interfaces: &[Interface],
    dns: &DnsSettings,
    peers: &Peers,
    timeout: Duration,
) -> Finding {
    let expected = match service.path {
        Some(_) => {
            "the name resolves to IPv4, TLS with a certificate valid for it, and an HTTPS answer at the URL that is not a redirect, 404 or 5xx"
        }
        None => {
            "the name resolves to IPv4, and mutual TLS with the Webex-like client certificate completes with a certificate valid for the name"
        }
    };
    let Some(interface) = interface_of(service, interfaces) else {
        let kind = if service.path.is_some() {
            "HTTP"
        } else {
            "CTI"
        };
        return Finding::about(
            &host.name,
            service.id,
            format!("{} (no URL)", service.name),
            Verdict::Fail,
            expected,
            format!("the host has no secure {kind} interface"),
        )
        .with_fix(format!(
            "add a secure {kind} interface for {} (solution guide B §3, §5.8)",
            service.name
        ));
    };
    let name = host.fqdn.as_deref().unwrap_or(&interface.address);
    let url = url(service, name, interface);
    let fail = |observed: String, evidence: Vec<String>, fix: String| {
        Finding::about(
            &host.name,
            service.id,
            url.clone(),
            Verdict::Fail,
            expected,
            observed,
        )
        .with_evidence(evidence)
        .with_fix(fix)
    };
    let mut evidence = Vec::new();
    let address = match resolve(name, dns) {
        Ok((address, said)) => {
            evidence.extend(said);
            address
        }
        Err(why) => {
            return fail(
                format!("{name} does not resolve to IPv4: {why}"),
                evidence,
                format!(
                    "publish an A record for {name} (solution guide A §7.4; Webex is IPv4-only)"
                ),
            );
        }
    };
    let target = SocketAddr::new(address, interface.port);
    // Webex presents its client certificate on CTI; without the playbook's
    // Webex-like one, a server that requires a certificate cannot be proven.
    let client = match service.path {
        Some(_) => None,
        None => peers.clients.webex.as_ref(),
    };
    let (mut tls, said) = match connect(target, name, client, timeout) {
        Ok(t) => t,
        Err(why) if service.path.is_none() && client.is_none() && !why.starts_with("connect:") => {
            evidence.push(format!("{target}: {why}"));
            return Finding::about(
                &host.name,
                service.id,
                url.clone(),
                Verdict::Warn,
                expected,
                format!("not proven: the handshake without a client certificate ended ({why}), and the playbook names no `verify.client_certificate` to present as Webex does"),
            )
            .with_evidence(evidence)
            .with_fix("name a Webex-like client certificate in `verify.client_certificate` (docs/playbook.md)");
        }
        Err(why) => {
            evidence.push(format!("{target}: {why}"));
            return fail(
                format!("no TLS at {target}: {why}"),
                evidence,
                format!(
                    "open TCP {} to {target} from the Webex cloud and check the interface serves TLS 1.2 (solution guide A §9.1; guide B §3, §5.8)",
                    interface.port
                ),
            );
        }
    };
    evidence.push(format!("{target}: {said}"));
    let chain: Vec<Vec<u8>> = tls
        .ssl()
        .peer_cert_chain()
        .map(|s| s.iter().filter_map(|c| c.to_der().ok()).collect())
        .unwrap_or_default();
    if let Some(bad) = certificate_problem(host, name, target, &chain, peers) {
        evidence.extend(bad.evidence.clone());
        return fail(
            format!("the certificate would be refused: {}", bad.observed),
            evidence,
            bad.fix.unwrap_or_default(),
        );
    }
    let Some(path) = service.path else {
        let _ = tls.shutdown();
        return Finding::about(
            &host.name,
            service.id,
            url,
            Verdict::Pass,
            expected,
            format!("mutual TLS completed at {target} ({said})"),
        )
        .with_evidence(evidence);
    };
    let status = match http_status(&mut tls, name, path) {
        Ok(s) => s,
        Err(why) => {
            return fail(
                format!("no HTTP answer at {target}{path}: {why}"),
                evidence,
                format!(
                    "check that {} is deployed and answers (`bwcli` Maintenance/ManagedObjects)",
                    service.name
                ),
            );
        }
    };
    evidence.push(format!("GET {path}: {status}"));
    match judge(&status) {
        Ok(()) => Finding::about(
            &host.name,
            service.id,
            url,
            Verdict::Pass,
            expected,
            format!("{status} at {target} ({said})"),
        )
        .with_evidence(evidence),
        Err(why) => fail(
            format!("{status} at {target}: {why}"),
            evidence,
            format!(
                "deploy {} at its context path (`bwcli` Maintenance/ManagedObjects: `deploy application`) and answer it directly, not through a redirect (solution guide A §7.3)",
                service.name
            ),
        ),
    }
}

/// The URLs of a hand-off report by cluster (farm) and host, each with its
/// verdict, for the operator to copy into Partner Hub.
pub fn summary(report: &RunReport) -> String {
    let mut farms: Vec<&str> = report.hosts.iter().map(|h| h.farm.as_str()).collect();
    farms.dedup();
    let mut out = String::from(
        "\nPartner Hub (Settings > BroadWorks Calling > Add Cluster): one cluster per farm\n",
    );
    for farm in farms {
        let hosts: Vec<_> = report.hosts.iter().filter(|h| h.farm == farm).collect();
        out.push_str(&format!("cluster {farm}\n"));
        for h in &hosts {
            out.push_str(&format!("  host {}\n", h.host));
            if let Some(e) = &h.error {
                out.push_str(&format!("    not checked: {e}\n"));
            }
            for f in &h.checks {
                if let Some(s) = SERVICES.iter().find(|s| s.id == f.id) {
                    out.push_str(&format!(
                        "    {:<12} {}  {}\n",
                        s.name,
                        f.subject,
                        f.status.word()
                    ));
                }
            }
        }
        if hosts.len() > 1 {
            // guide A §3.1 (L1047): one URL per interface per BroadWorks cluster.
            out.push_str(&format!(
                "  note: Partner Hub takes one URL per interface per cluster: enter the name in front of these {} hosts (a load balancer, or one DNS name for them) with the same paths and ports\n",
                hosts.len()
            ));
        }
    }
    out
}

/// The first IPv4 address of `name` (itself when it is an address), from the
/// resolvers `verify.dns` names (the first) or the system's, and what was asked.
fn resolve(name: &str, dns: &DnsSettings) -> Result<(IpAddr, Vec<String>), String> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok((ip, Vec::new()));
    }
    let resolver = dns
        .resolvers
        .first()
        .map_or(Resolver::System, |r| Resolver::At(*r));
    let answers = ask(
        std::slice::from_ref(&resolver),
        &[(name.to_string(), Kind::A)],
    );
    let outcome = answers
        .first()
        .and_then(|a| a.first())
        .ok_or("the lookup did not run")?;
    let said = vec![format!("{resolver}: {name} A: {}", outcome.describe())];
    outcome
        .answers()
        .iter()
        .find_map(|a| match a {
            Answer::A(v4) => Some(IpAddr::V4(*v4)),
            _ => None,
        })
        .map(|ip| (ip, said))
        .ok_or_else(|| outcome.describe())
}

/// A TLS 1.2+ connection to `target` with SNI `name` (unless an address),
/// presenting `client` when given, bounded by `timeout`; and what was agreed.
fn connect(
    target: SocketAddr,
    name: &str,
    client: Option<&ClientCredential>,
    timeout: Duration,
) -> Result<(SslStream<TcpStream>, String), String> {
    let stream =
        TcpStream::connect_timeout(&target, timeout).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| e.to_string())?;
    // The chain is validated with webpki afterwards, as the tls.certificate-*
    // checks do, against `verify.server_ca` or the public roots.
    b.set_verify(SslVerifyMode::NONE);
    if let Some(c) = client {
        c.present(&mut b).map_err(|e| e.to_string())?;
    }
    let mut config = b.build().configure().map_err(|e| e.to_string())?;
    config.set_verify_hostname(false);
    let sni = name.parse::<IpAddr>().is_err();
    config.set_use_server_name_indication(sni);
    let tls = config
        .connect(name, stream)
        .map_err(|e| super::probe::describe(&e))?;
    let said = super::probe::negotiated_text(tls.ssl());
    Ok((tls, said))
}

/// Why Webex would refuse the served chain for `name`, if it would: the
/// `tls.certificate-trusted` or `tls.certificate-name` finding that did not pass.
fn certificate_problem(
    host: &Host,
    name: &str,
    target: SocketAddr,
    chain: &[Vec<u8>],
    peers: &Peers,
) -> Option<Finding> {
    let served = Served {
        host: &host.name,
        endpoint: target.to_string(),
        chain,
        fqdn: name.parse::<IpAddr>().is_err().then_some(name),
        host_fqdn: None,
        configured_suites: &[],
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    chain_findings(&served, &peers.servers, now)
        .into_iter()
        .find(|f| {
            matches!(
                f.id,
                CheckId::TlsCertificateTrusted | CheckId::TlsCertificateName
            ) && f.status == Verdict::Fail
        })
}

/// Sends `GET path` for `name` and returns the answer's status line.
fn http_status(tls: &mut SslStream<TcpStream>, name: &str, path: &str) -> Result<String, String> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {name}\r\nUser-Agent: xspctl/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    tls.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.contains(&b'\n') && answer.len() < MAX_ANSWER {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) => return Err(e.to_string()),
        }
    }
    let _ = tls.shutdown();
    let line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if line.starts_with("HTTP/") {
        Ok(line)
    } else if line.is_empty() {
        Err("the connection closed without an answer".into())
    } else {
        Err(format!("not an HTTP answer: {line:.60}"))
    }
}

/// Whether a status line means the application answers as Webex needs: 2xx, or
/// 401/403 (it is there and wants credentials, which the cluster's validation
/// account or the user's token brings).
fn judge(status_line: &str) -> Result<(), &'static str> {
    let code: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    match code {
        200..=299 | 401 | 403 => Ok(()),
        300..=399 => Err("a redirect, which Webex does not follow (solution guide A §7.3)"),
        404 => Err("no application answers at this path"),
        500..=599 => {
            Err("a server error, for which Webex blocklists the address (solution guide A §7.4)")
        }
        _ => Err("not an answer the application gives"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interface(kind: &str, port: u16) -> Interface {
        Interface {
            kind: kind.into(),
            address: "192.0.2.1".into(),
            port,
        }
    }

    #[test]
    fn urls_end_as_partner_hub_wants_and_name_non_default_ports() {
        let http = interface("http", 443);
        let cti = interface("cti", 8012);
        let [actions, events, cti_service, auth, dms] = SERVICES;
        assert_eq!(
            url(&actions, "xsp.example.com", &http),
            "https://xsp.example.com/com.broadsoft.xsi-actions/v2.0/"
        );
        assert_eq!(
            url(&events, "xsp.example.com", &interface("http", 8443)),
            "https://xsp.example.com:8443/com.broadsoft.xsi-events/v2.0/"
        );
        assert_eq!(
            url(&cti_service, "xsp.example.com", &cti),
            "https://xsp.example.com:8012"
        );
        assert_eq!(
            url(&auth, "xsp.example.com", &http),
            "https://xsp.example.com/authService"
        );
        assert_eq!(
            url(&dms, "2001:db8::1", &http),
            "https://[2001:db8::1]/dms/"
        );
    }

    #[test]
    fn the_https_interface_on_443_is_preferred() {
        let list = [
            interface("cti", 8012),
            interface("http", 8443),
            interface("http", 443),
        ];
        assert_eq!(interface_of(&SERVICES[0], &list).map(|i| i.port), Some(443));
        assert_eq!(
            interface_of(&SERVICES[2], &list).map(|i| i.port),
            Some(8012)
        );
        assert!(interface_of(&SERVICES[0], &list[..1]).is_none());
    }

    #[test]
    fn answers_are_judged_as_webex_takes_them() {
        assert!(judge("HTTP/1.1 200 OK").is_ok());
        assert!(judge("HTTP/1.1 401 Unauthorized").is_ok());
        assert!(
            judge("HTTP/1.1 302 Found")
                .unwrap_err()
                .contains("redirect")
        );
        assert!(
            judge("HTTP/1.1 404 Not Found")
                .unwrap_err()
                .contains("no application")
        );
        assert!(
            judge("HTTP/1.1 503 Service Unavailable")
                .unwrap_err()
                .contains("blocklists")
        );
        assert!(judge("HTTP/1.1 nonsense").is_err());
    }
}
