//! The farm's AuthService RSA key pair (solution guide B §2.2 step 9, source
//! lines 2635-2661): every AuthService of a farm must hold the same pair to
//! encrypt and decrypt tokens. The farm stage runs `exportKeys` on the farm's
//! reference host and reads `/var/broadworks/tmp/authService.keys` by SFTP into
//! memory (removing it from the host at once); each other host exports its own
//! for comparison (removed at once too), and one whose SHA-256 differs gets the
//! farm's file uploaded (mode 600), `importKeys`, and the file removed. The key
//! is never written to the controller's disk: plans, journals and backups carry
//! its SHA-256 only (docs/decisions.md).
use std::path::PathBuf;

use super::{APPLICATION, CONTEXT_PATH};
use crate::desired::{CommandFact, DesiredTree, FileFact};
use crate::live::link::{HostLink, LinkError};
use crate::modules::application::{self, ApplicationError};
use crate::modules::{FarmCheck, FarmRead};
use crate::plan::files::{HostFile, sha256};
use crate::plan::{Op, Verb};
use crate::playbook::Host;
use crate::report::CheckId;
use crate::secret::Secret;

/// guide B §2.2 step 9.3-9.4: the export file; its location is not configurable.
pub const KEY_FILE: &str = "/var/broadworks/tmp/authService.keys";
/// The context of `exportKeys` and `importKeys`: guide B §2.2 step 9.3 (⚠
/// spelled `authenticationService` there; every other step says
/// `AuthenticationService`: docs/decisions.md).
pub const KEY_MANAGEMENT: &str = "/Applications/AuthenticationService/KeyManagement";

/// The farm check: each host's fresh export has the same SHA-256.
pub(super) const FARM_CHECK: FarmCheck = FarmCheck {
    id: CheckId::AuthserviceKeyFingerprint,
    context: KEY_MANAGEMENT,
    attribute: "exportKeys sha256",
    why: "every AuthService of a farm must hold the same RSA key pair to encrypt and decrypt tokens (solution guide B §2.2 step 9)",
    fix: "run `xspctl apply`: it imports the farm reference host's keys on the others; then restart them",
    read: FarmRead::Computed(key_fingerprint),
};

/// The farm's key pair, as its reference host exported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FarmKey {
    /// The reference host.
    pub reference: String,
    /// The key, or None while the reference's AuthService is not active yet (it
    /// makes its pair once active: the farm's hosts get it on the next apply).
    pub key: Option<ExportedKey>,
}

/// An exported key file, in memory only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedKey {
    /// The file's content (never shown: `Secret`).
    pub content: Secret,
    /// Its SHA-256 (hex): what plans and checks show.
    pub sha256: String,
}

/// Why the keys could not be exported or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The host's application could not be read.
    #[error("host {host}: {error}")]
    App {
        /// The host.
        host: String,
        /// Why.
        error: ApplicationError,
    },
    /// `exportKeys` failed.
    #[error(
        "host {host}: `exportKeys` in {KEY_MANAGEMENT} failed: {error}\n  help: AuthService makes its key pair when it first issues a token (solution guide B §2.2 step 9.2)"
    )]
    Export {
        /// The host.
        host: String,
        /// What the CLI said.
        error: LinkError,
    },
    /// Reading or removing the file failed.
    #[error("host {host}: {KEY_FILE}: {error}")]
    File {
        /// The host.
        host: String,
        /// The failure.
        error: LinkError,
    },
    /// The export left no file.
    #[error("host {host}: `exportKeys` answered, but {KEY_FILE} is not there to read")]
    NoFile {
        /// The host.
        host: String,
    },
    /// Not text: xspctl carries the file as text.
    #[error(
        "host {host}: {KEY_FILE} is not text ({len} bytes), which xspctl cannot carry\n  help: copy the file across the farm by hand (solution guide B §2.2 step 9.4)"
    )]
    NotText {
        /// The host.
        host: String,
        /// Its length.
        len: usize,
    },
}

/// The farm stage: the reference host's keys (none while its AuthService is not
/// active).
pub(super) fn farm_key(reference: &Host, link: &mut dyn HostLink) -> Result<FarmKey, KeyError> {
    let application =
        application::read(APPLICATION, CONTEXT_PATH, link).map_err(|error| KeyError::App {
            host: reference.name.clone(),
            error,
        })?;
    let key = match application.is_active() {
        true => Some(export(&reference.name, link)?),
        false => None,
    };
    Ok(FarmKey {
        reference: reference.name.clone(),
        key,
    })
}

/// `exportKeys`, then the file read into memory and the host's file put back as
/// it was, whatever happened: removed when there was none before, or the file
/// an operator left there (guide B §2.2 step 9.4 leaves a copy on every XSP)
/// restored with its content and mode. verify and diagnose change nothing on a
/// host (docs/decisions.md D61 s4-diag).
fn export(host: &str, link: &mut dyn HostLink) -> Result<ExportedKey, KeyError> {
    let file = |error| KeyError::File {
        host: host.to_string(),
        error,
    };
    let before = link.read_file(KEY_FILE).map_err(file)?;
    let op = Op {
        context: KEY_MANAGEMENT.to_string(),
        verb: Verb::Run,
        args: vec!["exportKeys".to_string()],
        before: None,
        after: None,
        want: None,
        secrets: Vec::new(),
        confirm: false,
        restart: false,
    };
    let exported = link
        .write(&op, &[])
        .map_err(|error| KeyError::Export {
            host: host.to_string(),
            error,
        })
        .and_then(|_| link.read_file(KEY_FILE).map_err(file));
    let now = exported.as_ref().ok().and_then(Option::as_ref);
    put_back(link, before.as_ref(), now).map_err(file)?;
    let bytes = exported?
        .ok_or_else(|| KeyError::NoFile {
            host: host.to_string(),
        })?
        .bytes;
    let sha = sha256(&bytes);
    let len = bytes.len();
    let text = String::from_utf8(bytes).map_err(|_| KeyError::NotText {
        host: host.to_string(),
        len,
    })?;
    Ok(ExportedKey {
        content: Secret::new(text),
        sha256: sha,
    })
}

/// Leaves [`KEY_FILE`] as it was `before` an export; `now` is what the export
/// left, when it could be read (unknown: the file is put back regardless).
fn put_back(
    link: &mut dyn HostLink,
    before: Option<&HostFile>,
    now: Option<&HostFile>,
) -> Result<(), LinkError> {
    match before {
        None => link.remove_file(KEY_FILE),
        Some(b) if now == Some(b) => Ok(()),
        Some(b) => link.replace_file(KEY_FILE, &b.bytes, b.mode.map_or(0o600, |m| m & 0o7777)),
    }
}

/// What `host` needs to hold the farm's key: nothing on the reference host, nor
/// where a fresh export matches; otherwise the key file uploaded (mode 600, only
/// around the command), `importKeys`, and the restart the guide asks for.
pub(super) fn share(
    host: &Host,
    farm: &FarmKey,
    active: bool,
    link: &mut dyn HostLink,
) -> Result<DesiredTree, KeyError> {
    let Some(key) = farm.key.as_ref().filter(|_| host.name != farm.reference) else {
        return Ok(DesiredTree::default());
    };
    let because = if active {
        match export(&host.name, link) {
            Ok(own) if own.sha256 == key.sha256 => return Ok(DesiredTree::default()),
            Ok(own) => format!("its keys (sha256 {}) differ", short(&own.sha256)),
            // A host that has no pair yet cannot export one.
            Err(KeyError::Export { error, .. }) if !error.is_transport() => {
                format!("it exports no keys ({error})")
            }
            Err(e) => return Err(e),
        }
    } else {
        "its AuthService is activated by this plan".to_string()
    };
    let because = format!(
        "the farm's keys from {} (sha256 {}): {because}",
        farm.reference,
        short(&key.sha256)
    );
    Ok(DesiredTree {
        files: vec![FileFact {
            path: KEY_FILE.to_string(),
            source: Some(PathBuf::from(format!("<keys of {}>", farm.reference))),
            content: Some(key.content.expose().to_string()),
            mode: 0o600,
            private: true,
            transient: true,
        }],
        commands: vec![CommandFact {
            context: KEY_MANAGEMENT.to_string(),
            line: vec!["importKeys".to_string(), KEY_FILE.to_string()],
            observe: None,
            because: Some(because),
            creates: Vec::new(),
            uses: vec![KEY_FILE.to_string()],
            secrets: Vec::new(),
            confirm: false,
            undo: None,
            // guide B §2.2 step 9: after new keys, restart all XSPs.
            restart: true,
        }],
        ..DesiredTree::default()
    })
}

/// The farm check's value: the SHA-256 of a fresh export (None while the
/// application is not active or exports nothing).
pub fn key_fingerprint(host: &Host, link: &mut dyn HostLink) -> Result<Option<String>, LinkError> {
    match application::read(APPLICATION, CONTEXT_PATH, link) {
        Ok(a) if a.is_active() => {}
        Ok(_) => return Ok(None),
        Err(ApplicationError::Link(e)) => return Err(e),
        Err(_) => return Ok(None),
    }
    match export(&host.name, link) {
        Ok(k) => Ok(Some(format!("sha256 {}", k.sha256))),
        Err(KeyError::Export { error, .. } | KeyError::File { error, .. })
            if error.is_transport() =>
        {
            Err(error)
        }
        Err(_) => Ok(None),
    }
}

/// The first characters of a hash, for plans.
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::ContextRef;
    use crate::live::LiveContext;
    use crate::live::link::{LockOwner, Release, ShellRead, WriteResult};

    /// A host whose key file is `file`; `exportKeys` writes `exports`; reading the
    /// file after the export fails when `read_fails`. Records the file operations.
    struct Host {
        file: Option<HostFile>,
        exports: Vec<u8>,
        exported: bool,
        read_fails: bool,
        ops: Vec<String>,
    }

    impl Host {
        fn new(file: Option<&[u8]>, read_fails: bool) -> Host {
            Host {
                file: file.map(|b| HostFile {
                    bytes: b.to_vec(),
                    mode: Some(0o100644),
                }),
                exports: b"-----BEGIN PRIVATE KEY-----\nfresh\n".to_vec(),
                exported: false,
                read_fails,
                ops: Vec::new(),
            }
        }
    }

    impl HostLink for Host {
        fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError> {
            unreachable!("{at}")
        }
        fn shell_read(&mut self, _: ShellRead) -> Result<String, LinkError> {
            unreachable!()
        }
        fn write(&mut self, op: &Op, _: &[Secret]) -> Result<WriteResult, LinkError> {
            self.ops.push(op.command_line());
            self.exported = true;
            self.file = Some(HostFile {
                bytes: self.exports.clone(),
                mode: Some(0o100600),
            });
            Ok(WriteResult::default())
        }
        fn read_file(&mut self, path: &str) -> Result<Option<HostFile>, LinkError> {
            assert_eq!(path, KEY_FILE);
            if self.exported && self.read_fails {
                return Err(LinkError::Transport("SFTP read failed".into()));
            }
            Ok(self.file.clone())
        }
        fn replace_file(&mut self, path: &str, bytes: &[u8], mode: u32) -> Result<(), LinkError> {
            self.ops.push(format!("replace {path} {mode:o}"));
            self.file = Some(HostFile {
                bytes: bytes.to_vec(),
                mode: Some(0o100000 | mode),
            });
            Ok(())
        }
        fn remove_file(&mut self, path: &str) -> Result<(), LinkError> {
            self.ops.push(format!("remove {path}"));
            self.file = None;
            Ok(())
        }
        fn rename_file(&mut self, _: &str, _: &str) -> Result<(), LinkError> {
            unreachable!()
        }
        fn mask(&mut self, _: &Secret) {}
        fn lock(&mut self, _: &LockOwner) -> Result<(), LinkError> {
            unreachable!()
        }
        fn unlock(&mut self, _: &str) -> Result<Release, LinkError> {
            unreachable!()
        }
        fn reconnect(&mut self) -> Result<(), LinkError> {
            unreachable!()
        }
    }

    #[test]
    fn the_exported_file_is_removed_even_when_reading_it_fails() {
        let mut host = Host::new(None, true);
        let e = export("x1", &mut host).unwrap_err();
        assert!(matches!(e, KeyError::File { .. }), "{e}");
        assert_eq!(host.file, None);
        assert_eq!(host.ops.last().unwrap(), &format!("remove {KEY_FILE}"));

        let mut host = Host::new(None, false);
        let key = export("x1", &mut host).unwrap();
        assert_eq!(key.sha256, sha256(&host.exports));
        assert_eq!(host.file, None);
    }

    #[test]
    fn a_key_file_left_on_the_host_is_put_back_as_it_was() {
        let left = b"-----BEGIN PRIVATE KEY-----\nold\n";
        for read_fails in [false, true] {
            let mut host = Host::new(Some(left), read_fails);
            let _ = export("x1", &mut host);
            let file = host.file.as_ref().unwrap();
            assert_eq!(file.bytes, left, "{:?}", host.ops);
            assert_eq!(file.mode, Some(0o100644), "{:?}", host.ops);
        }
        // An export that leaves the same file changes nothing more.
        let mut host = Host::new(Some(left), false);
        host.exports = left.to_vec();
        host.file.as_mut().unwrap().mode = Some(0o100600);
        export("x1", &mut host).unwrap();
        assert_eq!(host.ops, vec!["exportKeys".to_string()]);
    }
}
