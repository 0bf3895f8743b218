//! Run-time control of a running lab: a Unix socket `DIR/control.sock` speaking JSON
//! lines (one request, one response per line), served by `xspsim serve`, and a
//! blocking client for it (used by `xspsim fault`, tests and xspctl).
//!
//! Requests: `{"op":"set_faults","host":"xsp1","faults":{...}}`,
//! `{"op":"get_faults","host":"xsp1"}`, `{"op":"hosts"}`.
//! Responses: `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::host::{Faults, SimHost};

mod client;
mod server;

pub use client::{faults, hosts, set_faults};
pub use server::ControlServer;

/// File name of the control socket in a lab directory.
pub const SOCKET_FILE: &str = "control.sock";

/// The control socket of the lab in `dir`.
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join(SOCKET_FILE)
}

/// The hosts a control server acts on, by name.
pub type Registry = Arc<BTreeMap<String, Arc<SimHost>>>;

/// Errors of the control socket.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The socket could not be reached, read or written.
    #[error("control socket {path}: {source}")]
    Io {
        /// The socket.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Another server already answers on this socket.
    #[error("control socket {0} is already served by another xspsim")]
    InUse(PathBuf),
    /// A message was not valid JSON of the protocol.
    #[error("control protocol: {0}")]
    Protocol(String),
    /// The server refused the request.
    #[error("{0}")]
    Refused(String),
}

/// A request on the control socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Replace the faults of a host.
    SetFaults {
        /// Host name.
        host: String,
        /// The new faults.
        faults: Faults,
    },
    /// Read the faults of a host.
    GetFaults {
        /// Host name.
        host: String,
    },
    /// List the hosts.
    Hosts,
}

/// A response on the control socket.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Response {
    /// Whether the request was carried out.
    pub ok: bool,
    /// Why not, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The faults in force (for `set_faults` and `get_faults`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faults: Option<Faults>,
    /// Host names (for `hosts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
}

impl Response {
    fn error(message: String) -> Response {
        Response {
            ok: false,
            error: Some(message),
            ..Response::default()
        }
    }
}

/// Carries out one request against the registry.
pub fn handle(registry: &Registry, request: Request) -> Response {
    match request {
        Request::SetFaults { host, faults } => match registry.get(&host) {
            Some(sim) => {
                if let Err(error) = faults.validate() {
                    return Response::error(error.to_string());
                }
                sim.set_faults(faults);
                tracing::info!(%host, faults = ?sim.faults(), "faults set");
                Response {
                    ok: true,
                    faults: Some(sim.faults()),
                    ..Response::default()
                }
            }
            None => Response::error(format!("unknown host {host}")),
        },
        Request::GetFaults { host } => match registry.get(&host) {
            Some(sim) => Response {
                ok: true,
                faults: Some(sim.faults()),
                ..Response::default()
            },
            None => Response::error(format!("unknown host {host}")),
        },
        Request::Hosts => Response {
            ok: true,
            hosts: Some(registry.keys().cloned().collect()),
            ..Response::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_the_documented_json_form() {
        let request = Request::SetFaults {
            host: "xsp1".into(),
            faults: Faults {
                delay_ms: 5,
                ..Faults::default()
            },
        };
        let line = serde_json::to_string(&request).expect("json");
        assert!(
            line.starts_with(r#"{"op":"set_faults","host":"xsp1","faults":{"#),
            "{line}"
        );
        let back: Request = serde_json::from_str(&line).expect("parse");
        assert_eq!(back, request);
        let hosts: Request = serde_json::from_str(r#"{"op":"hosts"}"#).expect("parse");
        assert_eq!(hosts, Request::Hosts);
        assert!(serde_json::from_str::<Request>(r#"{"op":"reboot"}"#).is_err());
    }
}
