//! The engine's [`HostLink`] over SSH: the bwcli driver on a shell channel for
//! reads and writes, SFTP for the per-host lock and the pending-restart mark, exec
//! for `bwshowver` and restarts; a new session (same host, same `bwshowver`) after a
//! lost connection.
use std::cell::OnceCell;
use std::time::{Duration, Instant};

use crate::bwcli::{CliCommand, Driver, DriverError, DriverOptions, GetOutput, ShowVersion};
use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::live::link::{Holder, HostLink, LinkError, LockOwner, Release, ShellRead, WriteResult};
use crate::plan::Op;
use crate::plan::files::HostFile;
use crate::secret::Secret;
use crate::transport::{
    ExecResult, RemoteListing, RemoteTail, SftpClient, SftpFailure, ShellChannel, SshSession,
    SshTarget, TransportError,
};

/// Where the apply lock lives on a host: a file, created by an exclusive SFTP
/// open (atomic on the server), that says who holds it (D9, D67).
pub const LOCK_PATH: &str = "/var/broadworks/tmp/xspctl.lock";
/// Where xspctl before D67 said who held the lock: a file in a directory at
/// [`LOCK_PATH`]. Such a lock still counts as held, and `unlock --force` removes it.
const LEGACY_LOCK_OWNER: &str = "/var/broadworks/tmp/xspctl.lock/owner";
/// Where a host says that changes applied to it wait for a restart, next to the
/// lock, so that every operator (whatever their local state) sees it. `restart`
/// removes it once the host answers again.
pub const RESTART_MARK: &str = "/var/broadworks/tmp/xspctl.restart-pending";

/// Why a host's session could not be opened, or a restart not made.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// SSH: connect, host key, authentication, exec, SFTP.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// `bwshowver` failed, or printed something that is not its output.
    #[error("{host}: {reason}")]
    ShowVersion {
        /// The host, as the SSH target names it.
        host: String,
        /// What went wrong, with the command's stderr.
        reason: String,
    },
    /// bwcli did not start on the shell.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The CLI's prompt names another server type than `bwshowver`.
    #[error("{host}: the CLI prompt says {prompt} but bwshowver says {shown}")]
    CliMismatch {
        /// The host.
        host: String,
        /// The type the prompt shows.
        prompt: String,
        /// The type bwshowver reports.
        shown: String,
    },
    /// `restartbw` failed.
    #[error("restartbw exited {status}: {stderr}")]
    Restart {
        /// Its exit status.
        status: i32,
        /// Its stderr.
        stderr: String,
    },
    /// The host did not come back after `restartbw`.
    #[error("the host did not answer bwcli within {secs}s after restartbw: {last}")]
    NoAnswer {
        /// How long xspctl waited.
        secs: u64,
        /// The last connection failure.
        last: String,
    },
    /// The host came back, but its pending-restart mark stayed.
    #[error("restarted, but {RESTART_MARK} could not be removed: {0}")]
    MarkKept(TransportError),
}

/// A connected host: SSH session, bwcli driver, what `bwshowver` says.
pub struct SshLink {
    session: SshSession,
    driver: Driver<ShellChannel>,
    version: ShowVersion,
    /// What `bwshowver` printed when the session was opened: the answer to
    /// [`ShellRead::ShowVersion`] for the session (nothing xspctl does in a
    /// session changes the version or the patches), instead of a second exec.
    shown: String,
    /// The run id of the lock this link took and has not released.
    locked_by: Option<String>,
    /// How to reach the host again ([`HostLink::reconnect`]).
    target: SshTarget,
    opts: DriverOptions,
    /// The transcripts of the sessions replaced by reconnects, oldest first.
    earlier: Vec<crate::bwcli::Transcript>,
    /// The SFTP channel of this session, opened at its first use and kept until
    /// the session ends: an apply's lock, unlock and restart mark (and its file
    /// actions) share one channel instead of opening one each.
    sftp: OnceCell<SftpClient>,
}

impl SshLink {
    /// Connects, checks the host key, authenticates, runs `bwshowver`, and starts
    /// bwcli on a PTY shell.
    pub fn connect(target: &SshTarget, opts: DriverOptions) -> Result<SshLink, SessionError> {
        let (session, driver, shown) = open_session(target, &opts)?;
        Ok(SshLink {
            session,
            driver,
            version: shown.version,
            shown: shown.stdout,
            locked_by: None,
            target: target.clone(),
            opts,
            earlier: Vec::new(),
            sftp: OnceCell::new(),
        })
    }

    /// The session's SFTP channel, opened now if it is not open yet.
    fn sftp(&self) -> Result<&SftpClient, TransportError> {
        if let Some(sftp) = self.sftp.get() {
            return Ok(sftp);
        }
        let sftp = self.session.sftp()?;
        Ok(self.sftp.get_or_init(|| sftp))
    }

    /// What `bwshowver` printed, parsed.
    pub fn version(&self) -> &ShowVersion {
        &self.version
    }

    /// The CLI type from the prompt (`XSP`, `ADP`, `AS`).
    pub fn cli_type(&self) -> &str {
        self.driver.cli_type()
    }

    /// Leaves bwcli and returns the masked transcript of the session, releasing
    /// this link's lock if it still holds it.
    pub fn finish(mut self) -> crate::bwcli::Transcript {
        if let Some(run_id) = self.locked_by.clone() {
            let _ = self.unlock(&run_id);
        }
        // The SFTP channel closes before bwcli is left.
        drop(self.sftp.take());
        let _ = self.driver.close();
        let mut all = crate::bwcli::Transcript::default();
        for t in self.earlier {
            all.append(t);
        }
        all.append(self.driver.into_transcript());
        all
    }

    /// Who holds the host's lock, or None when it is not locked.
    pub fn lock_holder(&self) -> Result<Option<Holder>, TransportError> {
        read_holder(self.sftp()?)
    }

    /// Removes the host's lock whoever holds it (`unlock --force`, after the
    /// operator confirmed). Returns false when it was not locked.
    pub fn remove_lock(&mut self) -> Result<bool, TransportError> {
        let sftp = self.sftp()?;
        let removed = match sftp.stat(LOCK_PATH)? {
            None => return Ok(false),
            // The directory of a lock from before D67.
            Some(st) if st.is_dir => {
                let _ = sftp.remove(LEGACY_LOCK_OWNER);
                sftp.rmdir(LOCK_PATH)
            }
            Some(_) => sftp.remove(LOCK_PATH),
        };
        match removed {
            Ok(()) => Ok(true),
            // Removed meanwhile by someone else.
            Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Records on the host that its changes wait for a restart (kept if already
    /// there, so it says since when).
    pub fn mark_restart_pending(&self, what: &str) -> Result<(), TransportError> {
        let sftp = self.sftp()?;
        match sftp.create_new(RESTART_MARK, format!("{what}\n").as_bytes(), 0o644) {
            Ok(())
            | Err(TransportError::Sftp {
                failure: SftpFailure::AlreadyExists,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Removes the host's pending-restart mark (after a restart).
    pub fn clear_restart_pending(&self) -> Result<(), TransportError> {
        let sftp = self.sftp()?;
        match sftp.remove(RESTART_MARK) {
            Ok(())
            | Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The entries of directory `path` of the host (at most `limit`; the listing
    /// says whether there were more), or None when it does not exist.
    pub fn list_dir(
        &self,
        path: &str,
        limit: usize,
    ) -> Result<Option<RemoteListing>, TransportError> {
        let sftp = self.sftp()?;
        match sftp.list_dir(path, limit) {
            Ok(listing) => Ok(Some(listing)),
            Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The last `max` bytes of file `path` of the host, with its size.
    pub fn read_tail(&self, path: &str, max: u64) -> Result<RemoteTail, TransportError> {
        self.sftp()?.read_tail(path, max)
    }

    /// What the host's pending-restart mark says, if it has one.
    pub fn restart_pending(&self) -> Result<Option<String>, TransportError> {
        let sftp = self.sftp()?;
        match sftp.download(RESTART_MARK) {
            Ok(b) => Ok(Some(String::from_utf8_lossy(&b).trim().to_string())),
            Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Who holds the host's lock, read from the lock file (or, when [`LOCK_PATH`] is
/// not a readable file, from the owner file of a lock from before D67); None when
/// nothing is at [`LOCK_PATH`].
fn read_holder(sftp: &SftpClient) -> Result<Option<Holder>, TransportError> {
    let text = match sftp.download(LOCK_PATH) {
        Ok(bytes) => bytes,
        Err(TransportError::Sftp {
            failure: SftpFailure::NotFound,
            ..
        }) => return Ok(None),
        Err(e) => match sftp.download(LEGACY_LOCK_OWNER) {
            Ok(bytes) => bytes,
            // Something is there that names no owner, or cannot be read.
            Err(_) if sftp.stat(LOCK_PATH)?.is_some() => Vec::new(),
            Err(_) => return Err(e),
        },
    };
    Ok(Some(Holder::parse(&String::from_utf8_lossy(&text))))
}

/// What `bwshowver` printed at the start of a session, and what it says.
struct Shown {
    version: ShowVersion,
    stdout: String,
}

/// A new SSH session to `target` with bwcli started on it, checked against what
/// `bwshowver` says.
fn open_session(
    target: &SshTarget,
    opts: &DriverOptions,
) -> Result<(SshSession, Driver<ShellChannel>, Shown), SessionError> {
    let session = SshSession::connect(target)?;
    let shown = session.exec("bwshowver")?;
    let version = show_version(&shown).map_err(|reason| SessionError::ShowVersion {
        host: target.label(),
        reason,
    })?;
    let shell = session.shell()?;
    let driver = Driver::start(shell, opts.clone())?;
    if !driver.cli_type().eq_ignore_ascii_case(&version.server_type) {
        return Err(SessionError::CliMismatch {
            host: target.label(),
            prompt: driver.cli_type().to_string(),
            shown: version.server_type,
        });
    }
    let stdout = shown.stdout;
    Ok((session, driver, Shown { version, stdout }))
}

/// What `bwshowver` printed, parsed; a failed exec is reported with its exit
/// status and standard error (e.g. sshd's `Password change required but no TTY
/// available.` for an expired password), not as unparsable output.
fn show_version(shown: &ExecResult) -> Result<ShowVersion, String> {
    let stderr = shown.stderr.trim();
    let failed = shown.status != 0 || shown.signal.is_some();
    if failed {
        let how = match &shown.signal {
            Some(signal) => format!("was killed by signal {signal}"),
            None => format!("exited with status {}", shown.status),
        };
        let said = if stderr.is_empty() {
            "(nothing on stderr)".to_string()
        } else {
            format!("stderr: {stderr}")
        };
        let help = if stderr.contains("Password change required") {
            "\n  help: the password has expired: log in once interactively (ssh) to change it, put the new password in the playbook, and run again"
        } else {
            ""
        };
        return Err(format!("`bwshowver` {how}; {said}{help}"));
    }
    crate::bwcli::parse_bwshowver(&shown.stdout).map_err(|e| {
        if stderr.is_empty() {
            e.to_string()
        } else {
            format!("{e}; stderr: {stderr}")
        }
    })
}

fn cli_error(context: &str, command: &str, e: DriverError) -> LinkError {
    match e {
        DriverError::Cli { message, .. } => LinkError::Cli {
            context: context.to_string(),
            command: command.to_string(),
            message,
        },
        other => LinkError::Transport(other.to_string()),
    }
}

impl HostLink for SshLink {
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError> {
        let args: Vec<&str> = at.args.iter().map(String::as_str).collect();
        let command = std::iter::once("get")
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        let out = self
            .driver
            .get(&at.context, &args)
            .map_err(|e| cli_error(&at.context, &command, e))?;
        Ok(match out {
            GetOutput::Attributes(pairs) => LiveContext::Attributes(pairs),
            GetOutput::Table(t) => LiveContext::Table {
                headers: t.headers,
                rows: t.rows.into_iter().map(|r| r.cells).collect(),
            },
        })
    }

    fn shell_read(&mut self, what: ShellRead) -> Result<String, LinkError> {
        let masker = crate::secret::Masker::new(&self.opts.masks);
        if what == ShellRead::ShowVersion {
            return Ok(masker.mask(&self.shown));
        }
        let command = what.command_line();
        let out = self
            .session
            .exec(&command)
            .map_err(|e| LinkError::Transport(e.to_string()))?;
        if out.status != 0 || out.signal.is_some() {
            let stderr = masker.mask(out.stderr.trim());
            return Err(LinkError::Shell {
                command,
                status: out.status,
                stderr: if stderr.is_empty() {
                    "(nothing on stderr)".to_string()
                } else {
                    stderr
                },
            });
        }
        Ok(masker.mask(&out.stdout))
    }

    fn write(&mut self, op: &Op, secrets: &[Secret]) -> Result<WriteResult, LinkError> {
        let line = op.command_line();
        let mut command = CliCommand::write(&op.context, line.clone());
        if op.confirm {
            command = command.confirmed();
        }
        for s in secrets {
            // bwcli-behavior §3: a password is never positional; `set <name>` asks
            // `New Password:` then `Re-type New Password:`.
            command = command.with_secret(s.clone());
        }
        let out = self
            .driver
            .run(&command)
            .map_err(|e| cli_error(&op.context, &line, e))?;
        Ok(WriteResult {
            restart_required: out.restart_required,
        })
    }

    fn read_file(&mut self, path: &str) -> Result<Option<HostFile>, LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.sftp().map_err(t)?;
        let mode = match sftp.stat(path).map_err(t)? {
            Some(stat) => stat.mode,
            None => return Ok(None),
        };
        match sftp.download(path) {
            Ok(bytes) => Ok(Some(HostFile { bytes, mode })),
            Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(t(e)),
        }
    }

    fn replace_file(&mut self, path: &str, bytes: &[u8], mode: u32) -> Result<(), LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.sftp().map_err(t)?;
        let temp = format!("{path}.xspctl-new");
        sftp.upload(&temp, bytes, mode).map_err(t)?;
        // SFTP v3 rename refuses an existing target (OpenSSH): the old file goes
        // first. Between the two, the file is missing, never half written.
        match sftp.remove(path) {
            Ok(())
            | Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => {}
            Err(e) => {
                let _ = sftp.remove(&temp);
                return Err(t(e));
            }
        }
        sftp.rename(&temp, path).map_err(t)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.sftp().map_err(t)?;
        match sftp.remove(path) {
            Ok(())
            | Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(()),
            Err(e) => Err(t(e)),
        }
    }

    fn rename_file(&mut self, from: &str, to: &str) -> Result<(), LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.sftp().map_err(t)?;
        sftp.rename(from, to).map_err(t)
    }

    fn mask(&mut self, secret: &Secret) {
        self.driver.mask(secret);
        if !self.opts.masks.contains(secret) {
            self.opts.masks.push(secret.clone());
        }
    }

    fn lock(&mut self, owner: &LockOwner) -> Result<(), LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.sftp().map_err(t)?;
        let record = serde_json::to_vec(owner).map_err(|e| LinkError::Transport(e.to_string()))?;
        // One exclusive create: the lock and its owner record at once (D67).
        match sftp.create_new(LOCK_PATH, &record, 0o600) {
            Ok(()) => {
                self.locked_by = Some(owner.run_id.clone());
                Ok(())
            }
            Err(TransportError::Sftp {
                failure: SftpFailure::AlreadyExists,
                ..
            }) => Err(LinkError::Locked {
                holder: read_holder(sftp)
                    .ok()
                    .flatten()
                    .unwrap_or(Holder::Unreadable(String::new()))
                    .describe(),
            }),
            Err(e) => Err(t(e)),
        }
    }

    fn unlock(&mut self, run_id: &str) -> Result<Release, LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.sftp().map_err(t)?;
        let release = match read_holder(sftp).map_err(t)? {
            None => Release::NotHeld,
            Some(Holder::Owner(o)) if o.run_id == run_id => {
                sftp.remove(LOCK_PATH).map_err(t)?;
                Release::Released
            }
            // Not ours (another run took it after ours was removed): leave it.
            Some(other) => Release::HeldByOther(other.describe()),
        };
        self.locked_by = None;
        Ok(release)
    }

    fn reconnect(&mut self) -> Result<(), LinkError> {
        let (session, driver, shown) = open_session(&self.target, &self.opts)
            .map_err(|e| LinkError::Transport(e.to_string()))?;
        let version = shown.version;
        if version.server_type != self.version.server_type
            || version.release_tag != self.version.release_tag
        {
            return Err(LinkError::Transport(format!(
                "{}: after reconnecting, bwshowver says {} {}, not {} {} as before",
                self.target.label(),
                version.server_type,
                version.release_tag,
                self.version.server_type,
                self.version.release_tag
            )));
        }
        let old = std::mem::replace(&mut self.driver, driver);
        self.earlier.push(old.into_transcript());
        // The old session's SFTP channel goes with it.
        drop(self.sftp.take());
        self.session = session;
        self.shown = shown.stdout;
        Ok(())
    }
}

/// Restarts BroadWorks on a host (`restartbw`) and waits until it answers bwcli
/// again, polling at most every second until `timeout`.
pub fn restart_and_wait(
    target: &SshTarget,
    opts: &DriverOptions,
    timeout: Duration,
) -> Result<Duration, SessionError> {
    let started = Instant::now();
    {
        let session = SshSession::connect(target)?;
        let out = session.exec_with_timeout("restartbw", timeout)?;
        if out.status != 0 {
            return Err(SessionError::Restart {
                status: out.status,
                stderr: out.stderr.trim().to_string(),
            });
        }
    }
    let mut last = String::new();
    while started.elapsed() < timeout {
        match SshLink::connect(target, opts.clone()) {
            Ok(link) => {
                // The host runs what is configured now: its mark goes too.
                let cleared = link.clear_restart_pending();
                let _ = link.finish();
                return cleared
                    .map(|()| started.elapsed())
                    .map_err(SessionError::MarkKept);
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    Err(SessionError::NoAnswer {
        secs: timeout.as_secs(),
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(stdout: &str, stderr: &str, status: i32, signal: Option<&str>) -> ExecResult {
        ExecResult {
            stdout: stdout.into(),
            stderr: stderr.into(),
            status,
            signal: signal.map(str::to_string),
        }
    }

    #[test]
    fn a_failed_bwshowver_names_status_and_stderr() {
        let expired = exec(
            "",
            "Password change required but no TTY available.\n",
            1,
            None,
        );
        let err = show_version(&expired).unwrap_err();
        assert!(
            err.starts_with(
                "`bwshowver` exited with status 1; stderr: Password change required but no TTY available.\n  help: the password has expired"
            ),
            "{err}"
        );
        let killed = show_version(&exec("", "", 0, Some("KILL"))).unwrap_err();
        assert_eq!(
            killed,
            "`bwshowver` was killed by signal KILL; (nothing on stderr)"
        );
    }

    #[test]
    fn unparsable_output_keeps_its_stderr() {
        let err = show_version(&exec("hello\n", "warning: odd\n", 0, None)).unwrap_err();
        assert!(err.ends_with("; stderr: warning: odd"), "{err}");
        let ok = show_version(&exec(
            "XSP version Rel_22.0_1.1123\n\nPatching Info:\n  Active Patches: 42\n",
            "",
            0,
            None,
        ))
        .unwrap();
        assert_eq!(ok.server_type, "XSP");
    }
}
