//! An interactive shell with a PTY, for the bwcli driver.
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::TransportError;
use super::session::{Core, SshSession, ssh_failure};
use super::wait::wait_session;
use crate::bwcli::Channel;

/// Terminal size requested: wide, so the CLI never wraps a long command or row,
/// and tall, so nothing pages.
const PTY_COLUMNS: u32 = 512;
const PTY_ROWS: u32 = 1000;
/// The longest single wait, so keepalives go out while the CLI is quiet.
const WAIT_SLICE: Duration = Duration::from_secs(1);

/// A shell channel with a PTY; implements the driver's [`Channel`].
pub struct ShellChannel {
    // Always `Some` until dropped; taken in `drop` to close it without waiting.
    channel: Option<ssh2::Channel>,
    core: Arc<Core>,
}

impl SshSession {
    /// Opens a shell with a `vt100` PTY.
    pub fn shell(&self) -> Result<ShellChannel, TransportError> {
        let core = Arc::clone(self.core());
        let channel = {
            let _guard = core.lock();
            let what = "opening a shell with a PTY";
            let mut channel = core
                .session
                .channel_session()
                .map_err(|e| ssh_failure(&core.label, what, &e, core.command_timeout))?;
            channel
                .request_pty("vt100", None, Some((PTY_COLUMNS, PTY_ROWS, 0, 0)))
                .and_then(|()| channel.shell())
                .map_err(|e| ssh_failure(&core.label, what, &e, core.command_timeout))?;
            channel
        };
        Ok(ShellChannel {
            channel: Some(channel),
            core,
        })
    }
}

impl Channel for ShellChannel {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let _guard = self.core.lock();
        let channel = self.channel.as_mut().ok_or_else(closed)?;
        // No flush(): on an ssh2 channel it is libssh2_channel_flush, which throws
        // away received data not yet read (a prompt could be lost).
        channel.write_all(bytes)
    }

    fn read_some(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        let _guard = self.core.lock();
        let channel = self.channel.as_mut().ok_or_else(closed)?;
        let session = &self.core.session;
        session.set_blocking(false);
        let result = loop {
            match channel.read(buf) {
                Ok(0) if channel.eof() => break Ok(0),
                Ok(0) => {}
                Ok(n) => break Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => break Err(e),
            }
            if Instant::now() >= deadline {
                break Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no data before the deadline",
                ));
            }
            self.core.keepalive();
            if let Err(e) = wait_session(session, self.core.fd(), deadline, WAIT_SLICE) {
                break Err(e);
            }
        };
        session.set_blocking(true);
        result
    }
}

impl Drop for ShellChannel {
    fn drop(&mut self) {
        if let Some(channel) = self.channel.take() {
            let _guard = self.core.lock();
            self.core.abandon(channel);
        }
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the shell channel is closed")
}
