//! The TLS module's settings for one host, with the rules that need the host's product,
//! release and the guide's cipher rule.
use std::net::IpAddr;

use super::diagnostic::Report;
use super::model::{InterfaceSelector, InterfaceTls, TlsLevel, TlsModule, Waiver};
use super::module_api::HostFacts;
use super::yaml::{Node, Pos};
use crate::catalog::{CipherSuite, Release, TlsProtocol, cipher, is_webex_supported, policy};

/// A suite as written, and where.
struct Listed {
    suite: &'static CipherSuite,
    pos: Pos,
    /// The list it is in, for messages.
    place: String,
}

/// Builds the TLS module from the merged `webex.tls` mapping, whose key is at `key_pos`.
pub(crate) fn tls_module(
    tls: &Node,
    key_pos: Pos,
    host: &HostFacts<'_>,
    report: &mut Report,
) -> Option<TlsModule> {
    let mut ok = true;
    let mut listed: Vec<Listed> = Vec::new();
    let mut side = |key: &str, kind: Kind, listed: &mut Vec<Listed>| match tls.get(key) {
        Some(node) => {
            let built = interface_tls(node, kind, host, listed, report);
            ok &= built.is_some();
            built
        }
        None => None,
    };
    let http = side("http", Kind::Http, &mut listed);
    let cti = side("cti", Kind::Cti, &mut listed);
    if tls.get("http").is_none() && tls.get("cti").is_none() {
        report.error(
            key_pos,
            "`webex.tls` sets neither `http` nor `cti`".to_string(),
            Some("add `http:` and/or `cti:` settings, or remove `tls`".to_string()),
        );
        ok = false;
    }
    let (waivers, waivers_ok) = waivers(tls.get("waivers"), &listed, report);
    ok &= waivers_ok;
    for item in &listed {
        let violations = policy::check(item.suite);
        if violations.is_empty()
            || waivers.iter().any(|w| w.cipher == item.suite)
            || waived_in_part(tls.get("waivers"), item.suite)
        {
            continue;
        }
        report.error(
            item.pos,
            format!(
                "`{}`: `{}` breaks the solution guide's cipher rule (guide A §5.2): {}",
                item.place,
                item.suite.iana,
                policy::describe(&violations)
            ),
            Some(format!(
                "remove it, or accept it in `webex.tls.waivers` with the reason: `- {{ cipher: {}, reason: \"...\" }}`",
                item.suite.iana
            )),
        );
        ok = false;
    }
    ok.then_some(TlsModule { http, cti, waivers })
}

/// Whether a waiver names `suite` although it is incomplete (its own problem is
/// reported by the structural check; the suite is not reported again as unwaived).
fn waived_in_part(list: Option<&Node>, suite: &CipherSuite) -> bool {
    list.and_then(Node::as_seq).is_some_and(|items| {
        items.iter().any(|item| {
            item.get("cipher")
                .and_then(Node::as_str)
                .and_then(|s| cipher(s).ok())
                .is_some_and(|c| c.iana == suite.iana)
        })
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    Cti,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Cti => "cti",
        }
    }
}

fn interface_tls(
    node: &Node,
    kind: Kind,
    host: &HostFacts<'_>,
    listed: &mut Vec<Listed>,
    report: &mut Report,
) -> Option<InterfaceTls> {
    let place = format!("webex.tls.{}", kind.key());
    let mut ok = true;
    // A missing or mistyped `level` is reported by the structural check; the rules
    // that do not depend on it still run, so that every problem shows at once.
    let level_node = node.get("level");
    let level: Option<TlsLevel> = level_node
        .and_then(Node::as_str)
        .and_then(|s| s.parse().ok());
    if let (Some(level), Some(level_node)) = (level, level_node)
        && !level.exists_on(host.release)
    {
        let (message, help) = if host.release.has_ssl_hierarchy() {
            (
                format!(
                    "`{place}.level`: `container-options` is how R21 SP1 sets TLS; {} has the SSL settings hierarchy (docs/decisions.md D4)",
                    host.release
                ),
                "use `interface`, `interface-type`, `system-openssl` or `system-jsse`".to_string(),
            )
        } else {
            (
                format!(
                    "`{place}.level`: `{level}` does not exist on {}, which sets TLS through container options only (solution guide B §3, §5.4; docs/decisions.md D4)",
                    host.release
                ),
                "use `level: container-options`".to_string(),
            )
        };
        report.error(level_node.pos, message, Some(help));
        ok = false;
    }
    let protocols = match node.get("protocols") {
        Some(list) => protocols(list, &place, host.release, report),
        None => Some(Vec::new()),
    };
    let ciphers = match node.get("ciphers") {
        Some(list) => ciphers(list, &place, host.release, listed, report),
        None => Some(Vec::new()),
    };
    let interfaces = match (node.get("interfaces"), level) {
        (Some(list), Some(level)) => interfaces(list, kind, level, &place, report),
        (Some(_), None) => None,
        (None, _) => Some(None),
    };
    if node.get("protocols").is_none() && node.get("ciphers").is_none() {
        report.error(
            node.pos,
            format!("`{place}` sets neither `protocols` nor `ciphers`"),
            Some("add `protocols: [TLSv1.2]` and/or `ciphers: [...]`, or remove it".to_string()),
        );
        ok = false;
    }
    let built = InterfaceTls {
        level: level?,
        protocols: protocols?,
        ciphers: ciphers?,
        interfaces: interfaces?,
    };
    ok.then_some(built)
}

fn protocols(
    list: &Node,
    place: &str,
    release: Release,
    report: &mut Report,
) -> Option<Vec<TlsProtocol>> {
    let mut out = Vec::new();
    let mut ok = true;
    for item in list.as_seq()? {
        let Some(protocol) = item.as_str().and_then(|s| s.parse::<TlsProtocol>().ok()) else {
            ok = false;
            continue;
        };
        if !protocol.available_on(release) {
            report.error(
                item.pos,
                format!(
                    "`{place}.protocols`: {protocol} is not available on {release}; xspctl accepts it on R24 and ADP only (docs/decisions.md D3)"
                ),
                Some(format!("remove {protocol}")),
            );
            ok = false;
        }
        out.push(protocol);
    }
    if ok && !out.contains(&TlsProtocol::Tls1_2) {
        report.error(
            list.pos,
            format!("`{place}.protocols` lacks TLSv1.2, the version Webex connects with (solution guide A §5.2; B §3, §5.4)"),
            Some("add TLSv1.2".to_string()),
        );
        ok = false;
    }
    ok.then_some(out)
}

fn ciphers(
    list: &Node,
    place: &str,
    release: Release,
    listed: &mut Vec<Listed>,
    report: &mut Report,
) -> Option<Vec<&'static CipherSuite>> {
    let mut out = Vec::new();
    let mut ok = true;
    for item in list.as_seq()? {
        let Some(suite) = item.as_str().and_then(|s| cipher(s).ok()) else {
            ok = false;
            continue;
        };
        if suite.is_tls13() && !release.accepts_tls13() {
            report.error(
                item.pos,
                format!(
                    "`{place}.ciphers`: `{}` is a TLS 1.3 suite, and {release} has no TLS 1.3 (docs/decisions.md D3)",
                    suite.iana
                ),
                Some("remove it".to_string()),
            );
            ok = false;
        }
        listed.push(Listed {
            suite,
            pos: item.pos,
            place: format!("{place}.ciphers"),
        });
        out.push(suite);
    }
    if ok && !out.iter().any(|s| is_webex_supported(s)) {
        report.error(
            list.pos,
            format!("`{place}.ciphers` has no suite that Webex supports (solution guide A §5.3; B §3, §5.5)"),
            Some("add one that also meets the guide's rule, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".to_string()),
        );
        ok = false;
    }
    ok.then_some(out)
}

fn interfaces(
    list: &Node,
    kind: Kind,
    level: TlsLevel,
    place: &str,
    report: &mut Report,
) -> Option<Option<Vec<InterfaceSelector>>> {
    if level == TlsLevel::ContainerOptions {
        report.error(
            list.pos,
            format!("`{place}.interfaces` cannot be used with `level: container-options`: container options apply to every interface (docs/decisions.md D4)"),
            Some("remove `interfaces`".to_string()),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in list.as_seq()? {
        let Some(ip) = item
            .get("ip")
            .and_then(Node::as_str)
            .and_then(|s| s.parse::<IpAddr>().ok())
        else {
            ok = false;
            continue;
        };
        let port = match item.get("port") {
            Some(port_node) => {
                if kind == Kind::Cti {
                    report.error(
                        port_node.pos,
                        format!("`{place}.interfaces`: CTI interfaces are chosen by IP address only (solution guide B §5.4)"),
                        Some("remove `port`".to_string()),
                    );
                    ok = false;
                }
                port_node.as_int().and_then(|p| u16::try_from(p).ok())
            }
            None => None,
        };
        out.push(InterfaceSelector { ip, port });
    }
    ok.then_some(Some(out))
}

/// The waivers, and whether each names a suite that is listed and that breaks the rule.
fn waivers(list: Option<&Node>, listed: &[Listed], report: &mut Report) -> (Vec<Waiver>, bool) {
    let mut out: Vec<Waiver> = Vec::new();
    let Some(items) = list.and_then(Node::as_seq) else {
        // Absent, or not a list (reported by the structural check).
        return (out, list.is_none());
    };
    let mut ok = true;
    for item in items {
        let (Some(cipher_node), Some(reason)) = (
            item.get("cipher"),
            item.get("reason").and_then(Node::as_str),
        ) else {
            ok = false;
            continue;
        };
        let Some(suite) = cipher_node.as_str().and_then(|s| cipher(s).ok()) else {
            ok = false;
            continue;
        };
        let problem = if out.iter().any(|w| w.cipher == suite) {
            Some((
                format!("`{}` is waived twice", suite.iana),
                "remove the repeated waiver".to_string(),
            ))
        } else if policy::check(suite).is_empty() {
            Some((
                format!(
                    "`{}` meets the guide's cipher rule; it needs no waiver",
                    suite.iana
                ),
                "remove the waiver".to_string(),
            ))
        } else if !listed.iter().any(|l| l.suite == suite) {
            Some((
                format!(
                    "`{}` is waived, but no `ciphers` list of this TLS module has it",
                    suite.iana
                ),
                "remove the waiver, or fix its name".to_string(),
            ))
        } else {
            None
        };
        if let Some((message, help)) = problem {
            report.error(
                cipher_node.pos,
                format!("`webex.tls.waivers`: {message}"),
                Some(help),
            );
            ok = false;
        }
        out.push(Waiver {
            cipher: suite,
            reason: reason.to_string(),
        });
    }
    (out, ok)
}
