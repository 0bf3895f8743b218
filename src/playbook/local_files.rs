//! The local files a run needs (key files, known_hosts, secret files), checked
//! before any connection so that a wrong path is reported with its place in the
//! playbook instead of as a failed login. File contents are never shown.
use std::io::Read;
use std::path::Path;

use super::diagnostic::{Diagnostic, LoadError};
use super::model::{LocalFile, LocalFileKind, Playbook};

/// More than any private key file; a larger file is not one.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Checks every local file the playbook's connections name: it exists, is a
/// regular file and can be read; a key file holds a private key. Each file is
/// reported once, at the first place that names it.
pub fn check_local_files(pb: &Playbook) -> Result<(), LoadError> {
    let mut seen: Vec<(LocalFileKind, &Path)> = Vec::new();
    let mut diagnostics = Vec::new();
    for f in &pb.local_files {
        if seen.contains(&(f.kind, f.path.as_path())) {
            continue;
        }
        seen.push((f.kind, &f.path));
        if let Some((message, help)) = problem(f) {
            diagnostics.push(Diagnostic {
                file: f.at.file.clone(),
                line: f.at.line,
                col: f.at.col,
                message,
                help: Some(help),
            });
        }
    }
    // The client identity, once its files are known to be there.
    if diagnostics.is_empty()
        && let Some(identity) = &pb.verify.client_certificate
        && let Some(message) = super::verify_section::identity_problem(identity)
    {
        diagnostics.push(Diagnostic {
            file: identity.at.file.clone(),
            line: identity.at.line,
            col: identity.at.col,
            message: format!("`verify.client_certificate`: {message}"),
            help: Some(
                "name a PEM client certificate (the client's own certificate first) and, as `key: file:PATH`, the file of its private key".to_string(),
            ),
        });
    }
    // The server CAs, once the file is known to be there.
    if diagnostics.is_empty()
        && let Some(ca) = &pb.verify.server_ca
        && let Err(problems) = super::verify_section::server_cas(ca)
    {
        diagnostics.push(Diagnostic {
            file: ca.at.file.clone(),
            line: ca.at.line,
            col: ca.at.col,
            message: format!("`verify.server_ca` cannot be used:\n{problems}"),
            help: Some(
                "name a PEM file of the CA certificates that issue the servers' certificates, or remove `server_ca` to trust the public roots".to_string(),
            ),
        });
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        diagnostics.sort_by_key(|d| (d.line, d.col));
        Err(LoadError { diagnostics })
    }
}

fn key_name(kind: LocalFileKind) -> &'static str {
    match kind {
        LocalFileKind::KeyFile => "key_file",
        LocalFileKind::KnownHosts => "known_hosts",
        LocalFileKind::SecretFile => "secret file",
        LocalFileKind::ClientCertificate => "certificate",
        LocalFileKind::CaCertificates => "server_ca",
    }
}

/// What is wrong with one file, and how to fix it.
fn problem(f: &LocalFile) -> Option<(String, String)> {
    let path = f.path.display();
    let subject = if f.defaulted {
        format!(
            "`{}` of {} is not set, and the default {path}",
            key_name(f.kind),
            f.who
        )
    } else {
        format!("`{}` of {}: {path}", key_name(f.kind), f.who)
    };
    let fix_path = match (f.kind, f.defaulted) {
        (LocalFileKind::KnownHosts, true) => {
            "set `known_hosts` to a file holding the hosts' keys (e.g. written with `ssh-keyscan`), or create ~/.ssh/known_hosts"
        }
        (LocalFileKind::KeyFile, _) => {
            "fix the path (a relative path starts at the playbook's directory), or create the key with `ssh-keygen`"
        }
        _ => "fix the path (a relative path starts at the playbook's directory)",
    };
    let meta = match std::fs::metadata(&f.path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some((format!("{subject} does not exist"), fix_path.to_string()));
        }
        Err(e) => {
            return Some((
                format!("{subject} cannot be read: {e}"),
                fix_path.to_string(),
            ));
        }
    };
    if meta.is_dir() {
        return Some((
            format!("{subject} is a directory, not a file"),
            "name the file itself, not its directory".to_string(),
        ));
    }
    if !meta.is_file() {
        return Some((
            format!("{subject} is not a regular file"),
            fix_path.to_string(),
        ));
    }
    let mut file = match std::fs::File::open(&f.path) {
        Ok(file) => file,
        Err(e) => {
            return Some((
                format!("{subject} cannot be read: {e}"),
                "make it readable by the user running xspctl".to_string(),
            ));
        }
    };
    if f.kind != LocalFileKind::KeyFile {
        return None;
    }
    let not_a_key = |why: &str| {
        Some((
            format!("{subject} {why}"),
            "name an SSH private key file (OpenSSH or PEM format), e.g. ~/.ssh/id_ed25519"
                .to_string(),
        ))
    };
    if meta.len() > MAX_KEY_BYTES {
        return not_a_key("is too large to be a private key");
    }
    let mut head = Vec::new();
    if let Err(e) = file.by_ref().take(MAX_KEY_BYTES).read_to_end(&mut head) {
        return Some((
            format!("{subject} cannot be read: {e}"),
            fix_path.to_string(),
        ));
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start();
    if ["ssh-", "ecdsa-", "sk-"]
        .iter()
        .any(|p| text.starts_with(p))
    {
        return Some((
            format!("{subject} is a public key"),
            "name the private key: usually the same path without `.pub`".to_string(),
        ));
    }
    if !(text.starts_with("-----BEGIN ") && text.contains("PRIVATE KEY-----")) {
        return not_a_key("is not a private key (no `-----BEGIN ... PRIVATE KEY-----` line)");
    }
    None
}
