//! The TLS module: protocols and cipher suites on the HTTP and CTI interfaces
//! (solution guide B §3 and §5.2–§5.5). It learns the interfaces, and where the host
//! keeps its CTI interfaces, from the host (discovery), then renders
//! `templates/tls/<release>.yaml.tera`.
use std::time::Duration;

use serde::Serialize;

use super::certkey::{KeyType, servable, served_key_type};
use crate::desired::render::{RenderError, render};
use crate::desired::{ContextRef, DesiredTree};
use crate::live::link::{HostLink, LinkError};
use crate::live::{LiveContext, LiveTree, MissingColumn};

/// The playbook's wish for one interface type (HTTP or CTI), in CLI terms.
#[derive(Debug, Clone, Serialize)]
pub struct Wish {
    /// `interface`, `interface-type`, `system-openssl`, `system-jsse` or
    /// `container-options`.
    pub level: String,
    /// Protocols (bwcli names); empty: leave protocols alone.
    pub protocols: Vec<String>,
    /// Suites (IANA names); empty: leave suites alone.
    pub ciphers: Vec<String>,
    /// Interfaces to configure (`ip`, optional port); None: every secure interface.
    #[serde(skip)]
    pub interfaces: Option<Vec<(String, Option<u16>)>>,
}

/// Which template family a release uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// R21 SP1: container options (guide B §3, §5.4, §5.5).
    R21,
    /// R22 and later, and ADP: the four-level SSL hierarchy.
    R22,
}

/// Why the module cannot render.
#[derive(Debug, thiserror::Error)]
pub enum TlsModuleError {
    /// The playbook names an interface the host does not have.
    #[error(
        "{kind} interface {wanted} is not configured on the host (it has: {have})\n  help: fix `interfaces` in the playbook, or omit it to configure every secure interface"
    )]
    NoSuchInterface {
        /// `HTTP` or `CTI`.
        kind: &'static str,
        /// What the playbook asked for.
        wanted: String,
        /// What the host lists.
        have: String,
    },
    /// TLS settings for an interface type the host has no secure interface of.
    #[error(
        "the playbook sets TLS for {kind}, but the host has no secure {kind} interface\n  help: {help}"
    )]
    NoInterfaces {
        /// `HTTP` or `CTI`.
        kind: &'static str,
        /// How to get one.
        help: &'static str,
    },
    /// A template failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A column the module needs is not in the host's output.
    #[error(transparent)]
    MissingColumn(#[from] MissingColumn),
    /// An attribute the module needs is not in the host's output.
    #[error(
        "{context}> get shows no {name} (it shows: {seen})\n  help: the host's CLI prints this context in a form xspctl does not know; nothing was changed"
    )]
    MissingAttribute {
        /// The context read.
        context: &'static str,
        /// The attribute needed.
        name: &'static str,
        /// The attributes shown.
        seen: String,
    },
    /// Neither CTI layout exists on the host.
    #[error(
        "the host has neither CTI layout: {}> failed: {server}; {}> failed: {settings}\n  help: check that the host is an XSP or ADP with the CTI interface (R22 and later)",
        CtiLayout::CtiServer.interfaces(),
        CtiLayout::SslSettings.interfaces()
    )]
    NoCtiLayout {
        /// Why the CTIServer layout was refused.
        server: String,
        /// Why the SSLSettings layout was refused.
        settings: String,
    },
    /// Reading the host failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// No configured TLS 1.2 suite can be served with the interface's certificate.
    #[error(transparent)]
    KeyTypeMismatch(Box<KeyTypeMismatch>),
    /// The key type of an interface's certificate cannot be learnt.
    #[error(
        "cannot learn the certificate key type of {kind} interface {ip}:{port} to check the configured suites against it: {reason}\n  help: check that the interface serves TLS (BroadWorks running, the port reachable from here); nothing was changed"
    )]
    KeyTypeUnknown {
        /// `HTTP` or `CTI`.
        kind: &'static str,
        /// The interface address.
        ip: String,
        /// Its port.
        port: String,
        /// Why.
        reason: String,
    },
}

/// No configured TLS 1.2 suite can be served with an interface's certificate:
/// applying the list would make the port refuse every TLS 1.2 client.
#[derive(Debug, thiserror::Error)]
#[error(
    "{kind} interface {ip}:{port} has a certificate with key type {key} ({read_from}), but none of the TLS 1.2 suites the playbook configures for it can be served with that key: {suites}; applying them would take the port down\n  help: add a suite authenticated by {key} (for example {example}) to `ciphers` of `{side}`, or first install a certificate whose key matches the suites; nothing was changed"
)]
pub struct KeyTypeMismatch {
    /// `HTTP` or `CTI`.
    pub kind: &'static str,
    /// The interface address.
    pub ip: String,
    /// Its port.
    pub port: String,
    /// The certificate's key type.
    pub key: KeyType,
    /// Where the key type was read.
    pub read_from: String,
    /// The configured suites.
    pub suites: String,
    /// A suite that would match.
    pub example: &'static str,
    /// `http` or `cti` (the playbook key).
    pub side: &'static str,
}

const HTTP_SERVER: &str = "/Interface/Http/HttpServer";
const CTI: &str = "/Interface/CTI";

/// Where a host keeps its secure CTI interfaces and their TLS lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtiLayout {
    /// R21 SP1: `Interface/CTI/SSLConfiguration` (guide B §5.3, lines 2824-2830); the
    /// lists are container options.
    SslConfiguration,
    /// R22 and later, the solution guide's form: `Interface/CTI/SSLSettings`
    /// (guide B §5.3) with `SSLSettings/{Protocols,Ciphers}` (§5.4, §5.5).
    SslSettings,
    /// R22 and later, the Webex guide's and Cisco's CTI article's form:
    /// `Interface/CTI/CTIServer` (`Interface IP  Port  Secure  Server Certificate
    /// Client Auth Req`) with `CTIServer/SSLSettings/{Ciphers,Protocols,Certificates}`
    /// (bwcli-behavior §6: CTIServer layout; peer-tools).
    CtiServer,
}

impl CtiLayout {
    /// The table of CTI interfaces.
    pub fn interfaces(self) -> &'static str {
        match self {
            CtiLayout::SslConfiguration => "/Interface/CTI/SSLConfiguration",
            CtiLayout::SslSettings => "/Interface/CTI/SSLSettings",
            CtiLayout::CtiServer => "/Interface/CTI/CTIServer",
        }
    }

    /// The prefix of the per-interface lists (`Protocols`, `Ciphers`, `Certificates`).
    pub fn lists(self) -> &'static str {
        match self {
            CtiLayout::SslConfiguration | CtiLayout::SslSettings => "/Interface/CTI/SSLSettings/",
            CtiLayout::CtiServer => "/Interface/CTI/CTIServer/SSLSettings/",
        }
    }

    /// How an operator adds a secure CTI interface in this layout.
    fn add_help(self) -> &'static str {
        match self {
            // solution guide B §5.8 (lines 2969-3009).
            CtiLayout::SslConfiguration => {
                "add the SSL CTI interface first (Interface/CTI/SSLConfiguration> add <ip> true true), or remove `cti` from the playbook"
            }
            CtiLayout::SslSettings => {
                "add the SSL CTI interface first (Interface/CTI/SSLSettings> add <ip> true true), or remove `cti` from the playbook"
            }
            // bwcli-behavior §6 (WBX-SG): add <ip> 8012 true true true.
            CtiLayout::CtiServer => {
                "add the CTI server interface first (Interface/CTI/CTIServer> add <ip> 8012 true true true), or remove `cti` from the playbook"
            }
        }
    }
}

/// What discovery read from a host: the interface tables and the CTI layout.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The contexts read.
    pub tree: LiveTree,
    /// Where the host keeps its CTI interfaces.
    pub cti: CtiLayout,
}

fn at(context: &str) -> ContextRef {
    ContextRef {
        context: context.to_string(),
        args: Vec::new(),
    }
}

/// Reads what rendering needs: the HTTP interfaces, the CTI ports and the CTI
/// interfaces. At R22 and later the documents disagree on where the CTI interfaces
/// live (bwcli-behavior §6), so the CTIServer table is tried first and the
/// SSLSettings table second; the one the host has decides the layout.
pub fn discover(family: Family, link: &mut dyn HostLink) -> Result<Discovered, TlsModuleError> {
    let mut tree = LiveTree::default();
    for context in [HTTP_SERVER, CTI] {
        tree.contexts.insert(at(context), link.read(&at(context))?);
    }
    let cti = match family {
        Family::R21 => {
            let layout = CtiLayout::SslConfiguration;
            let table = link.read(&at(layout.interfaces()))?;
            tree.contexts.insert(at(layout.interfaces()), table);
            layout
        }
        Family::R22 => {
            let server = match link.read(&at(CtiLayout::CtiServer.interfaces())) {
                Ok(table) => Ok(table),
                Err(e @ LinkError::Cli { .. }) => Err(e.to_string()),
                Err(e) => return Err(e.into()),
            };
            match server {
                Ok(table) => {
                    tree.contexts
                        .insert(at(CtiLayout::CtiServer.interfaces()), table);
                    CtiLayout::CtiServer
                }
                Err(server) => match link.read(&at(CtiLayout::SslSettings.interfaces())) {
                    Ok(table) => {
                        tree.contexts
                            .insert(at(CtiLayout::SslSettings.interfaces()), table);
                        CtiLayout::SslSettings
                    }
                    Err(e @ LinkError::Cli { .. }) => {
                        return Err(TlsModuleError::NoCtiLayout {
                            server,
                            settings: e.to_string(),
                        });
                    }
                    Err(e) => return Err(e.into()),
                },
            }
        }
    };
    Ok(Discovered { tree, cti })
}

/// Refuses a suite list that an interface's certificate cannot serve: for every
/// interface whose TLS 1.2 suites the playbook sets, the certificate's key type is
/// read from the CLI's `Certificates` context where the host has one and shows it
/// (R22 and later), else from the certificate the interface serves (a handshake
/// bounded by `timeout`), and at least one configured suite must be authenticated
/// by that key type. An interface for which `replaced(side, ip, port)` holds gets
/// a new certificate in the same plan, whose key the playbook check compared with
/// these suites already (the `certificates` module), so it is not read.
pub fn check_certificate_keys(
    family: Family,
    http: Option<&Wish>,
    cti: Option<&Wish>,
    discovered: &Discovered,
    link: &mut dyn HostLink,
    timeout: Duration,
    replaced: &dyn Fn(&str, &str, &str) -> bool,
) -> Result<(), TlsModuleError> {
    let mut sides = Vec::new();
    if let Some(w) = http.filter(|w| !w.ciphers.is_empty()) {
        let certificates = "/Interface/Http/HttpServer/SSLSettings/Certificates".to_string();
        sides.push((
            HttpOrCti::Http,
            w,
            http_targets(w, &discovered.tree)?,
            certificates,
        ));
    }
    if let Some(w) = cti.filter(|w| !w.ciphers.is_empty()) {
        let certificates = format!("{}Certificates", discovered.cti.lists());
        let targets = cti_targets(discovered.cti, w, &discovered.tree)?;
        sides.push((HttpOrCti::Cti(discovered.cti), w, targets, certificates));
    }
    for (which, wish, targets, certificates) in sides {
        // R21 has no Certificates context (guide B §5.8: sslUpdate on SSLConfiguration).
        let listed = match family {
            Family::R22 => listed_key_types(link, &certificates, which)?,
            Family::R21 => Vec::new(),
        };
        for t in targets
            .into_iter()
            .filter(|t| !replaced(which.side(), &t.ip, &t.port))
        {
            let (key, source) = match listed
                .iter()
                .find(|(ip, port, _)| ip == &t.ip && port.as_ref().is_none_or(|p| p == &t.port))
            {
                Some((_, _, key)) => (key.clone(), format!("{certificates}> get")),
                None => {
                    let key = t
                        .port
                        .parse::<u16>()
                        .map_err(|_| format!("the host lists port {:?}, not a port number", t.port))
                        .and_then(|port| served_key_type(&t.ip, port, timeout))
                        .map_err(|reason| TlsModuleError::KeyTypeUnknown {
                            kind: which.kind(),
                            ip: t.ip.clone(),
                            port: t.port.clone(),
                            reason,
                        })?;
                    (key, "the certificate it serves".to_string())
                }
            };
            if servable(&key, &wish.ciphers).is_some_and(|ok| ok.is_empty()) {
                return Err(TlsModuleError::KeyTypeMismatch(Box::new(KeyTypeMismatch {
                    kind: which.kind(),
                    ip: t.ip,
                    port: t.port,
                    example: match key {
                        KeyType::Ec => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                        _ => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                    },
                    key,
                    read_from: source,
                    suites: wish.ciphers.join(", "),
                    side: which.side(),
                })));
            }
        }
    }
    Ok(())
}

/// `(address, port if shown, key type)` of every certificate a `Certificates`
/// context lists with a key type. A host without the context, or whose listing
/// shows no key type, lists none (the served certificate is asked instead).
fn listed_key_types(
    link: &mut dyn HostLink,
    certificates: &str,
    which: HttpOrCti,
) -> Result<Vec<(String, Option<String>, KeyType)>, TlsModuleError> {
    let table = match link.read(&at(certificates)) {
        Ok(table) => table,
        Err(LinkError::Cli { .. }) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let with_port = matches!(which, HttpOrCti::Http);
    let columns: Vec<String> = if with_port {
        ["Interface IP", "Port", "Key Type"]
            .map(String::from)
            .to_vec()
    } else {
        ["Interface IP", "Key Type"].map(String::from).to_vec()
    };
    let Ok(rows) = table.rows_by(certificates, &columns) else {
        return Ok(Vec::new());
    };
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let key = KeyType::from_cli(r.last()?)?;
            let port = with_port.then(|| r[1].clone());
            Some((r[0].clone(), port, key))
        })
        .collect())
}

#[derive(Serialize)]
struct Target {
    ip: String,
    port: String,
}

#[derive(Serialize)]
struct Side<'a> {
    #[serde(flatten)]
    wish: &'a Wish,
    targets: Vec<Target>,
}

/// Renders the module for one host.
pub fn render_tls(
    family: Family,
    http: Option<&Wish>,
    cti: Option<&Wish>,
    discovered: &Discovered,
    defaults: (&[String], &[String]),
) -> Result<DesiredTree, TlsModuleError> {
    let http_side = match http {
        Some(w) => Some(Side {
            wish: w,
            targets: http_targets(w, &discovered.tree)?,
        }),
        None => None,
    };
    let cti_side = match cti {
        Some(w) => Some(Side {
            wish: w,
            targets: cti_targets(discovered.cti, w, &discovered.tree)?,
        }),
        None => None,
    };
    let context = serde_json::json!({
        "http": http_side,
        "cti": cti_side,
        "cti_lists": discovered.cti.lists(),
        "defaults": {"protocols": defaults.0, "ciphers": defaults.1},
    });
    let template = match family {
        Family::R21 => "tls/r21.yaml",
        Family::R22 => "tls/r22.yaml",
    };
    Ok(render(template, &context)?)
}

/// Secure HTTP interfaces from `HttpServer> get`, filtered by the wish.
fn http_targets(wish: &Wish, tree: &LiveTree) -> Result<Vec<Target>, TlsModuleError> {
    let secure = secure_rows(tree, HTTP_SERVER)?;
    select(HttpOrCti::Http, wish, &secure)
}

/// `(address, port)` of every row of an interface table whose `Secure` is true.
fn secure_rows(tree: &LiveTree, table: &str) -> Result<Vec<(String, String)>, TlsModuleError> {
    let columns = ["Interface IP", "Port", "Secure"].map(String::from);
    let rows = match tree.get(&at(table)) {
        Some(c) => c.rows_by(table, &columns)?,
        None => Vec::new(),
    };
    Ok(rows
        .into_iter()
        .filter(|r| r[2].eq_ignore_ascii_case("true"))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect())
}

/// CTI interfaces with their secure port: in the CTIServer layout each row has its
/// port and `Secure`; otherwise every listed interface serves on
/// `Interface/CTI> get securePort`.
fn cti_targets(
    layout: CtiLayout,
    wish: &Wish,
    tree: &LiveTree,
) -> Result<Vec<Target>, TlsModuleError> {
    let ifaces = match layout {
        CtiLayout::CtiServer => secure_rows(tree, layout.interfaces())?,
        CtiLayout::SslSettings | CtiLayout::SslConfiguration => {
            let port = secure_port(tree)?;
            let rows = match tree.get(&at(layout.interfaces())) {
                Some(c) => c.rows_by(layout.interfaces(), &["Interface IP".to_string()])?,
                None => Vec::new(),
            };
            rows.into_iter()
                .map(|r| (r[0].clone(), port.clone()))
                .collect()
        }
    };
    select(HttpOrCti::Cti(layout), wish, &ifaces)
}

/// `Interface/CTI> get securePort` (guide B §5.9).
fn secure_port(tree: &LiveTree) -> Result<String, TlsModuleError> {
    let context = tree.get(&at(CTI));
    match context.and_then(|c| c.attribute("securePort")) {
        Some(port) if !port.trim().is_empty() => Ok(port.to_string()),
        _ => Err(TlsModuleError::MissingAttribute {
            context: CTI,
            name: "securePort",
            seen: match context {
                Some(LiveContext::Attributes(pairs)) if !pairs.is_empty() => pairs
                    .iter()
                    .map(|(n, v)| format!("{n} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "nothing".to_string(),
            },
        }),
    }
}

/// Which interface type a selection is for.
#[derive(Clone, Copy)]
enum HttpOrCti {
    Http,
    Cti(CtiLayout),
}

impl HttpOrCti {
    /// `HTTP` or `CTI`.
    fn kind(self) -> &'static str {
        match self {
            HttpOrCti::Http => "HTTP",
            HttpOrCti::Cti(_) => "CTI",
        }
    }

    /// The playbook key: `http` or `cti`.
    fn side(self) -> &'static str {
        match self {
            HttpOrCti::Http => "http",
            HttpOrCti::Cti(_) => "cti",
        }
    }
}

fn select(
    which: HttpOrCti,
    wish: &Wish,
    have: &[(String, String)],
) -> Result<Vec<Target>, TlsModuleError> {
    let kind = which.kind();
    let to_target = |(ip, port): &(String, String)| Target {
        ip: ip.clone(),
        port: port.clone(),
    };
    if have.is_empty() {
        return Err(TlsModuleError::NoInterfaces {
            kind,
            help: match which {
                HttpOrCti::Cti(layout) => layout.add_help(),
                HttpOrCti::Http => {
                    "secure an HTTP server interface first (Interface/Http/HttpServer), or remove `http` from the playbook"
                }
            },
        });
    }
    let Some(wanted) = &wish.interfaces else {
        return Ok(have.iter().map(to_target).collect());
    };
    let mut out = Vec::new();
    for (ip, port) in wanted {
        let found = have
            .iter()
            .find(|(hip, hport)| hip == ip && port.is_none_or(|p| hport == &p.to_string()));
        match found {
            Some(h) => out.push(to_target(h)),
            None => {
                return Err(TlsModuleError::NoSuchInterface {
                    kind,
                    wanted: match port {
                        Some(p) => format!("{ip}:{p}"),
                        None => ip.clone(),
                    },
                    have: have
                        .iter()
                        .map(|(i, p)| format!("{i}:{p}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveContext;

    fn discovered() -> Discovered {
        Discovered {
            tree: settings_tree(),
            cti: CtiLayout::SslSettings,
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn settings_tree() -> LiveTree {
        let mut t = LiveTree::default();
        t.contexts.insert(
            at(HTTP_SERVER),
            LiveContext::Table {
                headers: s(&["Interface IP", "Port", "Secure", "Client Auth Req"]),
                rows: vec![
                    s(&["10.0.0.1", "443", "true", "false"]),
                    s(&["10.0.0.1", "80", "false", "false"]),
                ],
            },
        );
        t.contexts.insert(
            at("/Interface/CTI/SSLSettings"),
            LiveContext::Table {
                headers: s(&["Interface IP", "Server Certificate", "Client Auth Req"]),
                rows: vec![s(&["10.0.0.1", "true", "false"])],
            },
        );
        t.contexts.insert(
            at(CTI),
            LiveContext::Attributes(vec![("securePort".into(), "8012".into())]),
        );
        t
    }

    fn wish(interfaces: Option<Vec<(String, Option<u16>)>>) -> Wish {
        Wish {
            level: "interface".into(),
            protocols: vec!["TLSv1.2".into()],
            ciphers: vec![],
            interfaces,
        }
    }

    #[test]
    fn every_secure_interface_by_default_and_cti_port_from_the_host() {
        let d = (&["TLSv1".to_string()][..], &[][..]);
        let w = wish(None);
        let tree = render_tls(Family::R22, Some(&w), Some(&w), &discovered(), d).unwrap();
        let probes: Vec<String> = tree
            .probes
            .iter()
            .map(|p| format!("{} {}:{}", p.endpoint, p.address, p.port))
            .collect();
        assert_eq!(probes, ["http 10.0.0.1:443", "cti 10.0.0.1:8012"]);
        // Ciphers empty: only protocols are managed.
        assert_eq!(tree.facts.len(), 2);
    }

    #[test]
    fn no_secure_interface_at_all_is_an_error() {
        let d = (&[][..], &[][..]);
        let mut tree = discovered();
        tree.tree.contexts.insert(
            at("/Interface/CTI/SSLSettings"),
            LiveContext::Table {
                headers: vec!["Interface IP".into()],
                rows: vec![],
            },
        );
        let w = wish(None);
        let e = render_tls(Family::R22, None, Some(&w), &tree, d).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "the playbook sets TLS for CTI, but the host has no secure CTI interface"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_named_interface_the_host_lacks_is_an_error() {
        let d = (&[][..], &[][..]);
        let w = wish(Some(vec![("10.0.0.9".into(), Some(443))]));
        let e = render_tls(Family::R22, Some(&w), None, &discovered(), d).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            "HTTP interface 10.0.0.9:443 is not configured on the host (it has: 10.0.0.1:443)"
        );
    }

    #[test]
    fn the_cti_server_layout_takes_port_and_secure_from_its_rows() {
        let d = (&[][..], &[][..]);
        let mut tree = settings_tree();
        tree.contexts.remove(&at("/Interface/CTI/SSLSettings"));
        tree.contexts.insert(
            at("/Interface/CTI/CTIServer"),
            LiveContext::Table {
                headers: s(&[
                    "Interface IP",
                    "Port",
                    "Secure",
                    "Server Certificate",
                    "Client Auth Req",
                ]),
                rows: vec![
                    s(&["10.0.0.1", "8012", "true", "true", "false"]),
                    s(&["10.0.0.2", "8012", "false", "true", "false"]),
                ],
            },
        );
        let found = Discovered {
            tree,
            cti: CtiLayout::CtiServer,
        };
        let mut w = wish(None);
        w.ciphers = vec!["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into()];
        let out = render_tls(Family::R22, None, Some(&w), &found, d).unwrap();
        let probes: Vec<String> = out
            .probes
            .iter()
            .map(|p| format!("{}:{}", p.address, p.port))
            .collect();
        assert_eq!(probes, ["10.0.0.1:8012"]);
        let contexts: Vec<&str> = out
            .facts
            .iter()
            .map(|f| match f {
                crate::desired::Fact::Table(t) => t.at.context.as_str(),
                crate::desired::Fact::Attribute(a) => a.context.as_str(),
            })
            .collect();
        assert_eq!(
            contexts,
            [
                "/Interface/CTI/CTIServer/SSLSettings/Protocols",
                "/Interface/CTI/CTIServer/SSLSettings/Ciphers"
            ]
        );
    }

    #[test]
    fn an_http_address_header_the_catalog_does_not_know_is_an_error() {
        let d = (&[][..], &[][..]);
        let mut found = discovered();
        found.tree.contexts.insert(
            at(HTTP_SERVER),
            LiveContext::Table {
                headers: s(&["Addr", "Port", "Secure", "Client Auth Req"]),
                rows: vec![s(&["10.0.0.1", "443", "true", "false"])],
            },
        );
        let w = wish(None);
        let e = render_tls(Family::R22, Some(&w), None, &found, d).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            r#"/Interface/Http/HttpServer> get shows no "Interface IP" column (columns seen: "Addr", "Port", "Secure", "Client Auth Req"; expected: "Interface IP", "Port", "Secure")"#
        );
    }

    #[test]
    fn a_missing_secure_port_is_an_error_not_a_default() {
        let d = (&[][..], &[][..]);
        let mut found = discovered();
        found.tree.contexts.insert(
            at(CTI),
            LiveContext::Attributes(vec![("port".into(), "8011".into())]),
        );
        let w = wish(None);
        let e = render_tls(Family::R22, None, Some(&w), &found, d).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            "/Interface/CTI> get shows no securePort (it shows: port = 8011)"
        );
    }
}
