//! The TLS module: protocols and cipher suites on the HTTP and CTI interfaces
//! (solution guide B §3 and §5.2–§5.5). It learns the interfaces from the host
//! (discovery), then renders `templates/tls/<release>.yaml.tera`.
use serde::Serialize;

use crate::desired::render::{RenderError, render};
use crate::desired::{ContextRef, DesiredTree};
use crate::live::LiveTree;

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
}

const HTTP_SERVER: &str = "/Interface/Http/HttpServer";
const CTI: &str = "/Interface/CTI";

fn cti_interfaces(family: Family) -> &'static str {
    match family {
        // guide B §5.3 (lines 2824-2830): R21 SSLConfiguration, R22+ SSLSettings.
        Family::R21 => "/Interface/CTI/SSLConfiguration",
        Family::R22 => "/Interface/CTI/SSLSettings",
    }
}

fn at(context: &str) -> ContextRef {
    ContextRef {
        context: context.to_string(),
        args: Vec::new(),
    }
}

/// The contexts to read before rendering.
pub fn discovery(family: Family) -> Vec<ContextRef> {
    vec![at(HTTP_SERVER), at(cti_interfaces(family)), at(CTI)]
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
    discovered: &LiveTree,
    defaults: (&[String], &[String]),
) -> Result<DesiredTree, TlsModuleError> {
    let http_side = match http {
        Some(w) => Some(Side {
            wish: w,
            targets: http_targets(w, discovered)?,
        }),
        None => None,
    };
    let cti_side = match cti {
        Some(w) => Some(Side {
            wish: w,
            targets: cti_targets(family, w, discovered)?,
        }),
        None => None,
    };
    let context = serde_json::json!({
        "http": http_side,
        "cti": cti_side,
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
    let rows = tree
        .get(&at(HTTP_SERVER))
        .map(|c| {
            c.rows_by(&[
                "Interface IP".to_string(),
                "Port".to_string(),
                "Secure".to_string(),
            ])
        })
        .unwrap_or_default();
    let secure: Vec<(String, String)> = rows
        .into_iter()
        .filter(|r| r[2].eq_ignore_ascii_case("true"))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    select("HTTP", wish, &secure)
}

/// CTI interfaces, each with the secure CTI port (`Interface/CTI> get securePort`).
fn cti_targets(
    family: Family,
    wish: &Wish,
    tree: &LiveTree,
) -> Result<Vec<Target>, TlsModuleError> {
    let port = tree
        .get(&at(CTI))
        .and_then(|c| c.attribute("securePort"))
        .unwrap_or("8012") // guide B §5.9: TCP 8012 by default
        .to_string();
    let ifaces: Vec<(String, String)> = tree
        .get(&at(cti_interfaces(family)))
        .map(|c| c.rows_by(&["Interface IP".to_string()]))
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r[0].clone(), port.clone()))
        .collect();
    select("CTI", wish, &ifaces)
}

fn select(
    kind: &'static str,
    wish: &Wish,
    have: &[(String, String)],
) -> Result<Vec<Target>, TlsModuleError> {
    let to_target = |(ip, port): &(String, String)| Target {
        ip: ip.clone(),
        port: port.clone(),
    };
    if have.is_empty() {
        return Err(TlsModuleError::NoInterfaces {
            kind,
            help: match kind {
                // solution guide B §5.8 (lines 2969-3009).
                "CTI" => {
                    "add the SSL CTI interface first (Interface/CTI/SSLSettings> add <ip> true true; R21: SSLConfiguration), or remove `cti` from the playbook"
                }
                _ => {
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

    fn discovered() -> LiveTree {
        let mut t = LiveTree::default();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
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
        tree.contexts.insert(
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
}
