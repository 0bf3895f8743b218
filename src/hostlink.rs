//! The engine's [`HostLink`] over SSH: the bwcli driver on a shell channel for
//! reads and writes, SFTP for the per-host lock, exec for `bwshowver` and restarts.
use std::time::{Duration, Instant};

use crate::apply::link::{HostLink, LinkError, WriteResult};
use crate::bwcli::{CliCommand, Driver, DriverError, DriverOptions, GetOutput, ShowVersion};
use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::plan::Op;
use crate::transport::{
    ExecResult, SftpFailure, ShellChannel, SshSession, SshTarget, TransportError,
};

/// Where the apply lock lives on a host: a directory, created atomically by
/// SFTP `mkdir`, holding a file that says who holds it.
pub const LOCK_DIR: &str = "/var/broadworks/tmp/xspctl.lock";
const LOCK_OWNER: &str = "/var/broadworks/tmp/xspctl.lock/owner";

/// A connected host: SSH session, bwcli driver, what `bwshowver` says.
pub struct SshLink {
    session: SshSession,
    driver: Driver<ShellChannel>,
    version: ShowVersion,
    locked: bool,
}

impl SshLink {
    /// Connects, checks the host key, authenticates, runs `bwshowver`, and starts
    /// bwcli on a PTY shell.
    pub fn connect(target: &SshTarget, opts: DriverOptions) -> Result<SshLink, String> {
        let session = SshSession::connect(target).map_err(|e| e.to_string())?;
        let shown = session.exec("bwshowver").map_err(|e| e.to_string())?;
        let version = show_version(&shown).map_err(|e| format!("{}: {e}", target.label()))?;
        let shell = session.shell().map_err(|e| e.to_string())?;
        let driver = Driver::start(shell, opts).map_err(|e| e.to_string())?;
        if !driver.cli_type().eq_ignore_ascii_case(&version.server_type) {
            return Err(format!(
                "{}: the CLI prompt says {} but bwshowver says {}",
                target.label(),
                driver.cli_type(),
                version.server_type
            ));
        }
        Ok(SshLink {
            session,
            driver,
            version,
            locked: false,
        })
    }

    /// What `bwshowver` printed, parsed.
    pub fn version(&self) -> &ShowVersion {
        &self.version
    }

    /// The CLI type from the prompt (`XSP`, `ADP`, `AS`).
    pub fn cli_type(&self) -> &str {
        self.driver.cli_type()
    }

    /// Leaves bwcli and returns the masked transcript of the session.
    pub fn finish(mut self) -> crate::bwcli::Transcript {
        if self.locked {
            let _ = self.unlock();
        }
        let _ = self.driver.close();
        self.driver.into_transcript()
    }

    /// Removes a lock left behind by a run that is gone. Returns who held it.
    pub fn force_unlock(&mut self) -> Result<Option<String>, String> {
        let sftp = self.session.sftp().map_err(|e| e.to_string())?;
        let holder = sftp
            .download(LOCK_OWNER)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_string());
        let _ = sftp.remove(LOCK_OWNER);
        match sftp.rmdir(LOCK_DIR) {
            Ok(()) => Ok(Some(holder.unwrap_or_else(|| "(unknown)".into()))),
            Err(TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
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

    fn write(&mut self, op: &Op) -> Result<WriteResult, LinkError> {
        let line = op.command_line();
        let out = self
            .driver
            .run(&CliCommand::write(&op.context, line.clone()))
            .map_err(|e| cli_error(&op.context, &line, e))?;
        Ok(WriteResult {
            restart_required: out.restart_required,
        })
    }

    fn lock(&mut self, owner: &str) -> Result<(), LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.session.sftp().map_err(t)?;
        match sftp.mkdir(LOCK_DIR, 0o700) {
            Ok(()) => {}
            Err(TransportError::Sftp {
                failure: SftpFailure::AlreadyExists,
                ..
            }) => {
                let holder = sftp
                    .download(LOCK_OWNER)
                    .map(|b| String::from_utf8_lossy(&b).trim().to_string())
                    .unwrap_or_else(|_| format!("(unknown; {LOCK_DIR} exists)"));
                return Err(LinkError::Locked { holder });
            }
            Err(e) => return Err(t(e)),
        }
        self.locked = true;
        sftp.upload(LOCK_OWNER, format!("{owner}\n").as_bytes(), 0o600)
            .map_err(t)
    }

    fn unlock(&mut self) -> Result<(), LinkError> {
        let t = |e: TransportError| LinkError::Transport(e.to_string());
        let sftp = self.session.sftp().map_err(t)?;
        let _ = sftp.remove(LOCK_OWNER);
        sftp.rmdir(LOCK_DIR).map_err(t)?;
        self.locked = false;
        Ok(())
    }
}

/// Restarts BroadWorks on a host (`restartbw`) and waits until it answers bwcli
/// again, polling at most every second until `timeout`.
pub fn restart_and_wait(
    target: &SshTarget,
    opts: &DriverOptions,
    timeout: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    {
        let session = SshSession::connect(target).map_err(|e| e.to_string())?;
        let out = session
            .exec_with_timeout("restartbw", timeout)
            .map_err(|e| e.to_string())?;
        if out.status != 0 {
            return Err(format!(
                "restartbw exited {}: {}",
                out.status,
                out.stderr.trim()
            ));
        }
    }
    let mut last = String::new();
    while started.elapsed() < timeout {
        match SshLink::connect(target, opts.clone()) {
            Ok(link) => {
                let _ = link.finish();
                return Ok(started.elapsed());
            }
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    Err(format!(
        "the host did not answer bwcli within {}s after restartbw: {last}",
        timeout.as_secs()
    ))
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
