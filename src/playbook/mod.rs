//! The desired state: playbook YAML, strict validation with located errors, secrets.
//!
//! [`load`] reads a playbook, checks its structure against the schema (`definition.rs`),
//! resolves inheritance (`defaults` → farm → host), jump hosts and paths, applies the
//! rules that combine settings, and returns either a [`Playbook`] or every problem found.
//! Loading touches no host and reads no secret: [`SecretRef::resolve`] does that later.
mod build;
mod check;
mod connection;
mod definition;
mod diagnostic;
mod formats;
mod json_schema;
mod merge;
mod model;
mod schema;
mod secret_ref;
mod suggest;
mod tls;
mod yaml;

use std::path::Path;

pub use diagnostic::{Diagnostic, LoadError, Location};
pub use json_schema::json_schema;
pub use model::{
    Auth, Connection, Farm, Host, InterfaceSelector, InterfaceTls, Playbook, Role, TlsLevel,
    TlsModule, Waiver, Webex,
};
pub use secret_ref::{SecretError, SecretRef};

use connection::PathBase;
use diagnostic::Report;
use yaml::Pos;

/// Reads and validates the playbook at `path`. No network I/O; secrets are not read.
pub fn load(path: &Path) -> Result<Playbook, LoadError> {
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(path, &text),
        Err(e) => Err(LoadError {
            diagnostics: vec![Diagnostic {
                file: path.to_path_buf(),
                line: 0,
                col: 0,
                message: format!("cannot read the playbook: {e}"),
                help: None,
            }],
        }),
    }
}

/// Validates playbook `text` as if read from `path` (relative paths in it start at
/// `path`'s directory).
pub fn load_str(path: &Path, text: &str) -> Result<Playbook, LoadError> {
    let mut report = Report::new(path);
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            report.error(
                Pos { line: 1, col: 1 },
                "the playbook is empty",
                Some(
                    "start with `version: 1` and a `farms:` list (see docs/playbook.md)"
                        .to_string(),
                ),
            );
            return Err(report.into_error());
        }
        Err(e) => {
            report.error(
                e.pos,
                format!("YAML syntax: {}", e.message),
                Some("check the indentation here and on the line above (spaces, not tabs): keys of one mapping, and the `- ` of one list, line up".to_string()),
            );
            return Err(report.into_error());
        }
    };
    check::check_playbook(&root, &mut report);
    let dir = path.parent().unwrap_or(Path::new(""));
    let base = PathBase {
        dir: std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()),
        home: std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(Into::into),
    };
    let playbook = build::build(&root, path, &base, &mut report);
    if report.is_empty() {
        Ok(playbook)
    } else {
        Err(report.into_error())
    }
}
