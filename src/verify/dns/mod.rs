//! The DNS checks of a host's `fqdn` (issue #11 check 6), asked with hickory's
//! resolver of every resolver `verify.dns` names (or the system's):
//! - `dns.ipv4-address`: the name has A records; Webex is IPv4-only (solution
//!   guide A §9.5, source line 889), so an IPv6-only name is an error and an AAAA
//!   record beside the A records a warning;
//! - `dns.single-address`: exactly one A record (guide A §7.6, line 2320: client
//!   event heartbeats must reach the XSP holding the channel);
//! - `dns.interface-address`: the address is one of the host's secure interfaces;
//! - `dns.certificate-name`: the certificate served there names it (guide A §7.1);
//! - `dns.xsi-client-srv`: `_xsi-client._tcp.<domain>` lists the host (§7.6–7.7);
//! - `dns.resolvers-agree`: every resolver gives the same answers.
pub mod lookup;

use std::net::IpAddr;
use std::time::Duration;

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use self::lookup::{Answer, Kind, Outcome, Resolver, ask};
use crate::pki::server_cert::{Coverage, names_cover};
use crate::playbook::DnsSettings;
use crate::report::{CheckId, Finding, Verdict};
use crate::verify::probe::{Offer, Version, handshake};
use crate::verify::selection::CheckSelection;

/// One secure interface of the host: kind (`http`, `cti`), address, port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// `http` or `cti`.
    pub kind: String,
    /// Its address, as the interface table lists it.
    pub address: String,
    /// Its port.
    pub port: u16,
}

/// What the DNS checks know of one host.
#[derive(Debug, Clone)]
pub struct HostNames<'a> {
    /// The host's name in the playbook.
    pub host: &'a str,
    /// The name clients reach it by.
    pub fqdn: &'a str,
    /// Whether it serves Xsi (then the SRV domains must list it).
    pub serves_xsi: bool,
    /// Its secure HTTP and CTI interfaces.
    pub interfaces: &'a [Interface],
}

/// The resolvers `settings` names, or the system's.
fn resolvers(settings: &DnsSettings) -> Vec<Resolver> {
    if settings.resolvers.is_empty() {
        vec![Resolver::System]
    } else {
        settings
            .resolvers
            .iter()
            .copied()
            .map(Resolver::At)
            .collect()
    }
}

/// The SRV name of an Xsi domain.
fn srv_name(domain: &str) -> String {
    format!("_xsi-client._tcp.{domain}")
}

/// The DNS checks `selection` wants of `h`, each handshake bounded by `timeout`.
pub fn checks(
    h: &HostNames,
    settings: &DnsSettings,
    selection: &CheckSelection,
    timeout: Duration,
) -> Vec<Finding> {
    let resolvers = resolvers(settings);
    let mut queries = vec![
        (h.fqdn.to_string(), Kind::A),
        (h.fqdn.to_string(), Kind::Aaaa),
    ];
    let domains: &[String] = if h.serves_xsi {
        &settings.xsi_srv_domains
    } else {
        &[]
    };
    queries.extend(domains.iter().map(|d| (srv_name(d), Kind::Srv)));
    let answers = ask(&resolvers, &queries);
    let Some(first) = answers.first() else {
        return vec![finding(
            h,
            CheckId::DnsIpv4Address,
            Verdict::Fail,
            "A records",
            "the DNS lookups did not run (no thread for the resolver)",
        )];
    };
    let (a, aaaa) = (&first[0], &first[1]);
    let resolver = &resolvers[0];
    let mut out = vec![ipv4(h, resolver, a, aaaa)];
    let addresses: Vec<IpAddr> = a
        .answers()
        .iter()
        .filter_map(|x| match x {
            Answer::A(v4) => Some(IpAddr::V4(*v4)),
            _ => None,
        })
        .collect();
    if !addresses.is_empty() {
        out.push(single(h, resolver, a, addresses.len()));
        out.push(interface_address(h, &addresses));
        out.push(certificate_name(h, &addresses, timeout));
    }
    for (i, domain) in domains.iter().enumerate() {
        out.push(srv(h, domain, resolver, &first[2 + i]));
    }
    if resolvers.len() > 1 {
        out.push(agree(h, &resolvers, &queries, &answers));
    }
    out.retain(|f| selection.wants(f.id));
    out
}

fn finding(
    h: &HostNames,
    id: CheckId,
    status: Verdict,
    expected: impl Into<String>,
    observed: impl Into<String>,
) -> Finding {
    Finding::about(
        h.host,
        id,
        format!("DNS {}", h.fqdn),
        status,
        expected,
        observed,
    )
}

fn ipv4(h: &HostNames, resolver: &Resolver, a: &Outcome, aaaa: &Outcome) -> Finding {
    let expected = "IPv4 A records (Webex is IPv4-only)";
    let evidence = vec![
        format!("{resolver}: {} A: {}", h.fqdn, a.describe()),
        format!("{resolver}: {} AAAA: {}", h.fqdn, aaaa.describe()),
    ];
    let has_aaaa = !aaaa.answers().is_empty();
    let (status, observed, fix) = match a {
        Outcome::Found(found) if has_aaaa => (
            Verdict::Warn,
            format!(
                "{} A record(s), and AAAA records Webex does not use",
                found.len()
            ),
            Some(
                "Webex connects over IPv4 only (solution guide A §9.5): remove the AAAA records of the name, or keep them knowing Webex ignores them",
            ),
        ),
        Outcome::Found(found) => (Verdict::Pass, format!("{} A record(s)", found.len()), None),
        Outcome::NoRecords(_) if has_aaaa => (
            Verdict::Fail,
            "IPv6 only: AAAA records and no A record; Webex cannot reach it".to_string(),
            Some(
                "add an A record with the host's IPv4 address (Webex is IPv4-only: solution guide A §9.5)",
            ),
        ),
        Outcome::NoRecords(why) => (
            Verdict::Fail,
            format!("the name does not resolve ({why})"),
            Some(
                "add an A record for the name with the host's IPv4 address, or correct the host's `fqdn`",
            ),
        ),
        Outcome::Failed(why) => (
            Verdict::Fail,
            format!("{resolver} did not answer: {why}"),
            Some(
                "check that the resolver is reachable from where xspctl runs, or correct `verify.dns.resolvers`",
            ),
        ),
    };
    let f = finding(h, CheckId::DnsIpv4Address, status, expected, observed).with_evidence(evidence);
    match fix {
        Some(fix) => f.with_fix(fix),
        None => f,
    }
}

fn single(h: &HostNames, resolver: &Resolver, a: &Outcome, count: usize) -> Finding {
    let evidence = vec![format!("{resolver}: {} A: {}", h.fqdn, a.describe())];
    let f = finding(
        h,
        CheckId::DnsSingleAddress,
        if count == 1 {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        "exactly one A record",
        format!("{count} A records"),
    )
    .with_evidence(evidence);
    if count == 1 {
        f
    } else {
        f.with_fix("give the name one A record: a Webex client's event heartbeats must reach the XSP that holds its channel (solution guide A §7.6); spread clients with `_xsi-client._tcp` SRV records to per-host names instead")
    }
}

fn interface_address(h: &HostNames, addresses: &[IpAddr]) -> Finding {
    let ours: Vec<String> = h
        .interfaces
        .iter()
        .map(|i| format!("{} {}:{}", i.kind.to_uppercase(), i.address, i.port))
        .collect();
    let strangers: Vec<String> = addresses
        .iter()
        .filter(|a| {
            !h.interfaces
                .iter()
                .any(|i| i.address.parse::<IpAddr>().ok() == Some(**a))
        })
        .map(IpAddr::to_string)
        .collect();
    let evidence = std::iter::once(format!(
        "A: {}",
        addresses
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .chain(ours.iter().map(|i| format!("interface: {i}")))
    .collect::<Vec<_>>();
    let expected = "the name's address is one of the host's secure interfaces";
    if strangers.is_empty() {
        return finding(
            h,
            CheckId::DnsInterfaceAddress,
            Verdict::Pass,
            expected,
            "it is",
        )
        .with_evidence(evidence);
    }
    let observed = if ours.is_empty() {
        format!(
            "the host has no secure HTTP or CTI interface; the name resolves to {}",
            strangers.join(", ")
        )
    } else {
        format!(
            "it resolves to {}, which no secure interface of the host has",
            strangers.join(", ")
        )
    };
    finding(h, CheckId::DnsInterfaceAddress, Verdict::Fail, expected, observed)
        .with_evidence(evidence)
        .with_fix("correct the A record (or the host's `fqdn`), or add the address to the host's HTTP and CTI interfaces")
}

fn certificate_name(h: &HostNames, addresses: &[IpAddr], timeout: Duration) -> Finding {
    let expected =
        "the certificate served at the name's address names it (SAN, or CN without SANs)";
    let at: Vec<&Interface> = h
        .interfaces
        .iter()
        .filter(|i| {
            i.address
                .parse::<IpAddr>()
                .is_ok_and(|a| addresses.contains(&a))
        })
        .collect();
    if at.is_empty() {
        return finding(
            h,
            CheckId::DnsCertificateName,
            Verdict::Skip,
            expected,
            "no secure interface of the host has the name's address (see dns.interface-address)",
        );
    }
    let mut evidence = Vec::new();
    let mut worst = Verdict::Pass;
    let mut problems = Vec::new();
    let offer = Offer {
        version: Version::Tls12,
        suites: None,
    };
    for i in at {
        let label = format!("{} {}:{}", i.kind.to_uppercase(), i.address, i.port);
        let chain = match handshake(&i.address, i.port, &offer, None, timeout) {
            Ok(n) => n.chain,
            Err(e) => {
                // A CTI interface that requires a client certificate: its
                // certificate is checked by the TLS checks, with the identity.
                evidence.push(format!("{label}: no certificate read: {e}"));
                continue;
            }
        };
        let parsed = chain.first().map(|der| X509Certificate::from_der(der));
        let cert = match parsed {
            Some(Ok((_, c))) => c,
            _ => {
                worst = Verdict::Fail;
                problems.push(format!("{label} sent no certificate that parses"));
                continue;
            }
        };
        evidence.push(format!("{label}: subject {}", cert.subject()));
        match names_cover(&cert, h.fqdn) {
            Coverage::Exact => evidence.push(format!("{label}: names {}", h.fqdn)),
            Coverage::Wildcard(w) => {
                if worst == Verdict::Pass {
                    worst = Verdict::Warn;
                }
                problems.push(format!("{label} names it only by the wildcard {w}"));
            }
            Coverage::No(names) => {
                worst = Verdict::Fail;
                problems.push(format!(
                    "{label} serves a certificate that does not name it: its names are {}",
                    names.join(", ")
                ));
            }
        }
    }
    let observed = if problems.is_empty() {
        "every certificate read names it".to_string()
    } else {
        problems.join("; ")
    };
    let f =
        finding(h, CheckId::DnsCertificateName, worst, expected, observed).with_evidence(evidence);
    match worst {
        Verdict::Pass => f,
        Verdict::Warn => f.with_fix("wildcard certificates are allowed but not recommended (solution guide A §7.1): get one naming the host's FQDN"),
        _ => f.with_fix(format!(
            "install a certificate whose SAN names {} (`webex.certificates`), or correct the host's `fqdn` or its A record",
            h.fqdn
        )),
    }
}

fn srv(h: &HostNames, domain: &str, resolver: &Resolver, answer: &Outcome) -> Finding {
    let name = srv_name(domain);
    let expected = format!("{name} lists {}", h.fqdn);
    let evidence = vec![format!("{resolver}: {name} SRV: {}", answer.describe())];
    let mine = answer.answers().iter().find_map(|a| match a {
        Answer::Srv { target, port } if target == h.fqdn => Some(*port),
        _ => None,
    });
    let http_ports: Vec<u16> = h
        .interfaces
        .iter()
        .filter(|i| i.kind == "http")
        .map(|i| i.port)
        .collect();
    let (status, observed, fix) = match (answer, mine) {
        (Outcome::Failed(why), _) => (
            Verdict::Fail,
            format!("{resolver} did not answer: {why}"),
            "check that the resolver is reachable, or correct `verify.dns.resolvers`".to_string(),
        ),
        (Outcome::NoRecords(why), _) => (
            Verdict::Fail,
            format!("no SRV record ({why}); Webex clients fall back to the Xsi host's A record"),
            format!(
                "add `{name}` SRV records pointing at each XSP (solution guide A §7.6), or remove the domain from `verify.dns.xsi_srv_domains`"
            ),
        ),
        (Outcome::Found(_), None) => (
            Verdict::Warn,
            format!(
                "{} is not among its targets; clients find the host only through another target",
                h.fqdn
            ),
            format!(
                "add an SRV record `{name}` → {} if clients should reach this XSP directly (solution guide A §7.6)",
                h.fqdn
            ),
        ),
        (Outcome::Found(_), Some(port))
            if !http_ports.is_empty() && !http_ports.contains(&port) =>
        {
            (
                Verdict::Fail,
                format!(
                    "it lists {}:{port}, a port none of the host's HTTP interfaces has",
                    h.fqdn
                ),
                format!(
                    "point the SRV record at one of the host's HTTP ports ({})",
                    listed(&http_ports)
                ),
            )
        }
        (Outcome::Found(_), Some(port)) => (
            Verdict::Pass,
            format!("it lists {}:{port}", h.fqdn),
            String::new(),
        ),
    };
    let f = Finding::about(
        h.host,
        CheckId::DnsXsiClientSrv,
        format!("DNS {name}"),
        status,
        expected,
        observed,
    )
    .with_evidence(evidence);
    if status == Verdict::Pass {
        f
    } else {
        f.with_fix(fix)
    }
}

fn listed(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn agree(
    h: &HostNames,
    resolvers: &[Resolver],
    queries: &[(String, Kind)],
    answers: &[Vec<Outcome>],
) -> Finding {
    let mut evidence = Vec::new();
    let mut differ = Vec::new();
    for (q, (name, kind)) in queries.iter().enumerate() {
        let of = |r: usize| answers.get(r).and_then(|a| a.get(q));
        for (r, resolver) in resolvers.iter().enumerate() {
            if let Some(o) = of(r) {
                evidence.push(format!("{resolver}: {name} {kind:?}: {}", o.describe()));
            }
        }
        let first = of(0).map(Outcome::answers);
        if (1..resolvers.len()).any(|r| of(r).map(Outcome::answers) != first) {
            differ.push(format!("{name} {kind:?}"));
        }
    }
    let f = finding(
        h,
        CheckId::DnsResolversAgree,
        if differ.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        format!("the {} resolvers give the same answers", resolvers.len()),
        if differ.is_empty() {
            "they do".to_string()
        } else {
            format!("they differ on {}", differ.join(", "))
        },
    )
    .with_evidence(evidence);
    if differ.is_empty() {
        f
    } else {
        f.with_fix("make every resolver serve the same zone (a stale secondary, or a split-horizon view Webex does not see): Webex and its clients may ask any of them")
    }
}
