//! The CTI secure port of the `cti_mtls` module (issue #9 item 2; solution guide B
//! §5.8 and §5.9): a secure CTI interface that requires a client certificate on
//! the host's address, `securePortEnabled true`, `securePort <port>` (8012 by
//! default), `portEnabled false` (Webex uses only the secure port, §5.9), and
//! `allowClientApp true` (§5.6 step 9, §5.7). Every interface change waits for a
//! restart. The interface table is the one the host has: R21 SP1
//! `SSLConfiguration`, R22 and later `SSLSettings` (`add <ip> true true`, §5.8
//! step 1) or `CTIServer` (`add <ip> <port> true true true`, bwcli-behavior §6),
//! whose rows carry their own port.
use serde::Serialize;

use super::tls::{CtiLayout, discover};
use super::tls_module::family;
use super::{ModuleError, render_template};
use crate::desired::{CommandFact, ContextRef, DesiredTree, Observe};
use crate::live::link::HostLink;
use crate::playbook::Host;

/// guide B §5.8 step 2, §5.9: "TCP 8012 by default".
pub const DEFAULT_SECURE_PORT: u16 = 8012;

/// The template's input.
#[derive(Serialize)]
struct PortFacts {
    secure_port: u16,
    allow_client_app: bool,
}

/// The facts and commands of the secure port. `allow_client_app` is false when the
/// playbook's `allow_client_app` module sets that attribute itself (the playbook
/// check requires it true then).
pub fn render(
    host: &Host,
    secure_port: u16,
    allow_client_app: bool,
    link: &mut dyn HostLink,
) -> Result<DesiredTree, ModuleError> {
    let mut tree = render_template(
        "cti_mtls/secure_port.yaml",
        &PortFacts {
            secure_port,
            allow_client_app,
        },
    )?;
    tree.commands
        .extend(client_authentication(host, secure_port, link)?);
    Ok(tree)
}

/// A command on the interface table, observed by `(Interface IP, column)` rows.
fn command(context: &str, line: Vec<String>, column: &str, present: [&str; 2]) -> CommandFact {
    CommandFact {
        context: context.to_string(),
        line,
        observe: Some(Observe {
            columns: vec!["Interface IP".to_string(), column.to_string()],
            key_len: 2,
            present: vec![present.map(String::from).to_vec()],
        }),
        because: None,
        creates: Vec::new(),
        uses: Vec::new(),
        secrets: Vec::new(),
        confirm: false,
        undo: None,
        restart: true,
    }
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

/// Client authentication required on every secure CTI interface the host has
/// (guide B §5.8 step 1: the interface "enforces a client certificate"): `set <ip>
/// clientAuthReq true`; in the CTIServer layout also `set <ip> port <port>` where
/// a row serves another port. A host without one gets `add` on its own address.
fn client_authentication(
    host: &Host,
    secure_port: u16,
    link: &mut dyn HostLink,
) -> Result<Vec<CommandFact>, ModuleError> {
    let discovered = discover(family(host), link).map_err(ModuleError::new)?;
    let layout = discovered.cti;
    let context = layout.interfaces();
    let at = ContextRef {
        context: context.to_string(),
        args: Vec::new(),
    };
    let server = layout == CtiLayout::CtiServer;
    let columns: Vec<String> = if server {
        words(&["Interface IP", "Client Auth Req", "Port"])
    } else {
        words(&["Interface IP", "Client Auth Req"])
    };
    let rows = match discovered.tree.get(&at) {
        Some(table) => table.rows_by(context, &columns).map_err(ModuleError::new)?,
        None => Vec::new(),
    };
    let port = secure_port.to_string();
    if rows.is_empty() {
        let ip = interface_address(host, context)?;
        let line = if server {
            words(&["add", &ip, &port, "true", "true", "true"])
        } else {
            words(&["add", &ip, "true", "true"])
        };
        return Ok(vec![CommandFact {
            undo: Some(words(&["delete", &ip])),
            ..command(context, line, "Client Auth Req", [&ip, "true"])
        }]);
    }
    let mut out = Vec::new();
    for row in rows {
        let ip = &row[0];
        out.push(CommandFact {
            undo: Some(words(&["set", ip, "clientAuthReq", "false"])),
            ..command(
                context,
                words(&["set", ip, "clientAuthReq", "true"]),
                "Client Auth Req",
                [ip, "true"],
            )
        });
        if server && row[2] != port {
            out.push(CommandFact {
                undo: Some(words(&["set", ip, "port", &row[2]])),
                ..command(
                    context,
                    words(&["set", ip, "port", &port]),
                    "Port",
                    [ip, &port],
                )
            });
        }
    }
    Ok(out)
}

/// The address a new secure CTI interface is added on: the host's, when the
/// playbook names it by IP address.
fn interface_address(host: &Host, context: &'static str) -> Result<String, ModuleError> {
    match host.connection.address.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(ip.to_string()),
        Err(_) => Err(ModuleError::new(NoCtiInterface {
            context,
            address: host.connection.address.clone(),
        })),
    }
}

/// The host has no secure CTI interface, and its address is a name.
#[derive(Debug, thiserror::Error)]
#[error(
    "{context} lists no secure CTI interface, and the host's address {address} is a name, not the interface address to add one on\n  help: add it by hand (`{context}> add <interface IP> true true`, solution guide B §5.8 step 1), or give the host's address as an IP address; nothing was changed"
)]
struct NoCtiInterface {
    context: &'static str,
    address: String,
}
