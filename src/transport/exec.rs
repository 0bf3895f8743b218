//! Running one command on an exec channel, bounded in time and size.
use std::io::Read;
use std::time::{Duration, Instant};

use super::error::TransportError;
use super::session::{Core, SshSession, ssh_failure};
use super::wait::wait_session;
use crate::bwcli::text::decode;

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecResult {
    /// Standard output (UTF-8, or ISO-8859-1 line by line where not UTF-8).
    pub stdout: String,
    /// Standard error, decoded the same way.
    pub stderr: String,
    /// The exit status (0 when the server sent none).
    pub status: i32,
    /// The signal that ended the command, if one did (`TERM`, `KILL`, ...).
    pub signal: Option<String>,
}

/// The most output one command may produce (both streams together).
const OUTPUT_LIMIT: usize = 64 * 1024 * 1024;
const CHUNK: usize = 32 * 1024;
/// The longest single wait, so keepalives go out during long commands.
const WAIT_SLICE: Duration = Duration::from_secs(1);
/// How many lines of output a timeout error quotes.
const LAST_LINES: usize = 8;

impl SshSession {
    /// Runs `command` with the target's command timeout.
    pub fn exec(&self, command: &str) -> Result<ExecResult, TransportError> {
        self.exec_with_timeout(command, self.core().command_timeout)
    }

    /// Runs `command`; gives up after `timeout`, quoting the last output.
    pub fn exec_with_timeout(
        &self,
        command: &str,
        timeout: Duration,
    ) -> Result<ExecResult, TransportError> {
        let core = self.core();
        let _guard = core.lock();
        let what = format!("command `{command}`");
        let mut channel = core
            .session
            .channel_session()
            .and_then(|mut c| c.exec(command).map(|()| c))
            .map_err(|e| ssh_failure(&core.label, &what, &e, core.command_timeout))?;
        let deadline = Instant::now() + timeout;
        core.session.set_blocking(false);
        let read = read_until_eof(core, &mut channel, deadline);
        core.session.set_blocking(true);
        let (out, err) = match read {
            Ok(streams) => streams,
            Err(Stopped::Timeout(out, err)) => {
                core.abandon(channel);
                let text = format!("{}{}", decode(&out), decode(&err));
                let lines: Vec<&str> = text.lines().collect();
                return Err(TransportError::Timeout {
                    target: core.label.clone(),
                    what,
                    after: timeout,
                    last_output: lines[lines.len().saturating_sub(LAST_LINES)..].join("\n"),
                });
            }
            Err(Stopped::TooLarge) => {
                core.abandon(channel);
                return Err(TransportError::Ssh {
                    target: core.label.clone(),
                    what,
                    message: format!("output larger than {OUTPUT_LIMIT} bytes"),
                });
            }
            Err(Stopped::Failed(message)) => {
                core.abandon(channel);
                return Err(TransportError::Ssh {
                    target: core.label.clone(),
                    what,
                    message,
                });
            }
        };
        channel
            .wait_close()
            .map_err(|e| ssh_failure(&core.label, &what, &e, core.command_timeout))?;
        let status = channel
            .exit_status()
            .map_err(|e| ssh_failure(&core.label, &what, &e, core.command_timeout))?;
        let signal = channel.exit_signal().ok().and_then(|s| s.exit_signal);
        Ok(ExecResult {
            stdout: decode(&out),
            stderr: decode(&err),
            status,
            signal,
        })
    }
}

enum Stopped {
    Timeout(Vec<u8>, Vec<u8>),
    TooLarge,
    Failed(String),
}

/// Reads stdout and stderr (non-blocking, both at once, so neither can fill the
/// window while the other is awaited) until the remote end sends EOF.
fn read_until_eof(
    core: &Core,
    channel: &mut ssh2::Channel,
    deadline: Instant,
) -> Result<(Vec<u8>, Vec<u8>), Stopped> {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let mut stderr = channel.stderr();
    loop {
        let mut progress = false;
        for (stream, sink) in [
            (&mut *channel as &mut dyn Read, &mut out),
            (&mut stderr as &mut dyn Read, &mut err),
        ] {
            match stream.read(&mut buf) {
                Ok(n) => {
                    sink.extend_from_slice(&buf[..n]);
                    progress |= n > 0;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(Stopped::Failed(e.to_string())),
            }
        }
        if out.len() + err.len() > OUTPUT_LIMIT {
            return Err(Stopped::TooLarge);
        }
        if channel.eof() {
            return Ok((out, err));
        }
        // The stderr read can take in the packet that carries stdout's data (and
        // the EOF after it): libssh2 then holds it in the channel's queue, and the
        // socket has nothing more to say. Read again before waiting.
        if !progress && channel.read_window().available == 0 {
            if Instant::now() >= deadline {
                return Err(Stopped::Timeout(out, err));
            }
            core.keepalive();
            wait_session(&core.session, core.fd(), deadline, WAIT_SLICE)
                .map_err(|e| Stopped::Failed(e.to_string()))?;
        }
    }
}
