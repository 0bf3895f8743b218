//! The desired state: playbook YAML, strict validation with located errors, secrets.
//!
//! [`load`] reads a playbook, checks its structure against the schema (`definition.rs`),
//! resolves inheritance (`defaults` → farm → host), jump hosts and paths, applies the
//! rules that combine settings, and returns either a [`Playbook`] or every problem found.
//! Loading touches no host and reads no secret: [`SecretRef::resolve`] does that later.
mod build;
mod check;
mod connection;
#[cfg(test)]
mod consumed;
mod definition;
mod diagnostic;
mod formats;
mod json_schema;
mod local_files;
mod merge;
mod model;
pub(crate) mod module_api;
mod schema;
mod secret_ref;
mod ssh_config;
mod suggest;
mod syntax;
mod tls;
mod topology;
mod verify_section;
mod yaml;

use std::path::Path;

pub use diagnostic::{Diagnostic, LoadError, Location};
pub use json_schema::json_schema;
pub use local_files::check_local_files;
pub use model::{
    Auth, CheckWaiver, ClientIdentity, Connection, DnsSettings, Farm, FarmFacts, Host,
    InterfaceSelector, InterfaceTls, LocalFile, LocalFileKind, Playbook, ReachSettings, Role,
    ServerCa, TlsLevel, TlsModule, VerifySettings, Waiver, Webex,
};
pub use secret_ref::{SecretError, SecretRef};
pub(crate) use tls::tls_module as tls_settings;
pub(crate) use verify_section::server_cas as read_server_cas;

use connection::PathBase;
use diagnostic::Report;
use yaml::Pos;

/// Reads and validates the playbook at `path`. No network I/O; secrets are not read.
pub fn load(path: &Path) -> Result<Playbook, LoadError> {
    match read_text(path) {
        Ok(text) => load_str(path, &text),
        Err((message, help)) => Err(LoadError {
            diagnostics: vec![Diagnostic {
                file: path.to_path_buf(),
                line: 0,
                col: 0,
                message,
                help,
            }],
        }),
    }
}

/// The largest playbook read. A playbook is a few kilobytes; the cap stops a
/// mistaken `-f` from reading without end.
pub const MAX_PLAYBOOK_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a playbook file: a regular file only (a FIFO would block, `/dev/zero`
/// never ends), at most [`MAX_PLAYBOOK_BYTES`].
fn read_text(path: &Path) -> Result<String, (String, Option<String>)> {
    use std::io::Read;
    let cannot = |e: std::io::Error| (format!("cannot read the playbook: {e}"), None);
    let meta = std::fs::metadata(path).map_err(cannot)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a file"
        };
        return Err((
            format!("cannot read the playbook: it is {what}, not a regular file"),
            Some("give `-f` the path of a playbook file (YAML)".to_string()),
        ));
    }
    let too_big = || {
        (
            format!("cannot read the playbook: it is larger than {MAX_PLAYBOOK_BYTES} bytes"),
            Some("give `-f` the path of a playbook file (YAML)".to_string()),
        )
    };
    if meta.len() > MAX_PLAYBOOK_BYTES {
        return Err(too_big());
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PLAYBOOK_BYTES + 1).read_to_string(&mut text))
        .map_err(cannot)?;
    if text.len() as u64 > MAX_PLAYBOOK_BYTES {
        return Err(too_big());
    }
    Ok(text)
}

/// Checks `root` against the schema and builds the playbook, as read from `path`
/// (relative paths in it start at `path`'s directory); problems go to `report`.
fn check_and_build(root: &yaml::Node, path: &Path, report: &mut Report) -> Playbook {
    check::check_playbook(root, report);
    let dir = path.parent().unwrap_or(Path::new(""));
    let base = PathBase {
        dir: std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()),
        home: std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(Into::into),
    };
    build::build(root, path, &base, report)
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
            let p = syntax::explain(text, &e);
            report.error(p.pos, p.message, Some(p.help));
            return Err(report.into_error());
        }
    };
    let playbook = check_and_build(&root, path, &mut report);
    if report.is_empty() {
        Ok(playbook)
    } else {
        Err(report.into_error())
    }
}
