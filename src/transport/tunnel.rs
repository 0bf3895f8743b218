//! Jump hosts: a direct-tcpip channel on the jump host's session, pumped to one
//! end of a Unix socket pair whose other end carries the target's SSH session
//! (libssh2 needs a real socket). One thread per tunnel; bounded buffers; it stops
//! when either side ends or the tunnel is dropped.
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use ssh2::Channel;

use super::error::TransportError;
use super::session::SshSession;
use super::wait::{Interest, poll};

/// Bytes buffered per direction before the pump stops reading that side.
const BUFFER_CAP: usize = 256 * 1024;
const CHUNK: usize = 32 * 1024;
/// How long one wait lasts at most, so a stop request is seen promptly.
const POLL_SLICE: Duration = Duration::from_millis(100);
/// libssh2's `LIBSSH2_ERROR_EAGAIN`.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

/// A running tunnel; dropping it stops the pump and waits for it.
pub(crate) struct Tunnel {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Tunnel {
    /// Opens a channel from `via` to `host:port` and starts pumping. Returns the
    /// socket end the target's SSH session runs on.
    pub(crate) fn open(
        via: SshSession,
        host: &str,
        port: u16,
        label: &str,
    ) -> Result<(Tunnel, UnixStream), TransportError> {
        let channel = {
            let core = via.core();
            let _guard = core.lock();
            core.session
                .channel_direct_tcpip(host, port, None)
                .map_err(|e| TransportError::Connect {
                    target: label.to_string(),
                    reason: format!(
                        "the jump host {} did not open a channel to {host}:{port}: {} (is AllowTcpForwarding enabled there?)",
                        core.label,
                        e.message()
                    ),
                })?
        };
        let io_failure = |source: io::Error| TransportError::Io {
            target: label.to_string(),
            what: "setting up the jump-host socket pair".into(),
            source,
        };
        let (ours, theirs) = UnixStream::pair().map_err(io_failure)?;
        ours.set_nonblocking(true).map_err(io_failure)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("xspctl-ssh-jump".into())
            .spawn(move || pump(via, channel, ours, &flag))
            .map_err(io_failure)?;
        Ok((
            Tunnel {
                stop,
                thread: Some(thread),
            },
            theirs,
        ))
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Copies bytes both ways until both sides have ended, an error, or a stop.
fn pump(via: SshSession, mut channel: Channel, mut ours: UnixStream, stop: &AtomicBool) {
    let core = via.core();
    let _guard = core.lock();
    core.session.set_blocking(false);
    let mut up: Vec<u8> = Vec::new(); // target session -> jump channel
    let mut down: Vec<u8> = Vec::new(); // jump channel -> target session
    let (mut local_eof, mut remote_eof, mut eof_sent, mut shut) = (false, false, false, false);
    let mut buf = vec![0u8; CHUNK];
    while !stop.load(Ordering::Relaxed) {
        let mut progress = false;
        if !local_eof && up.len() < BUFFER_CAP {
            match ours.read(&mut buf) {
                Ok(0) => {
                    local_eof = true;
                    progress = true;
                }
                Ok(n) => {
                    up.extend_from_slice(&buf[..n]);
                    progress = true;
                }
                Err(e) if would_block(&e) => {}
                Err(_) => break,
            }
        }
        if !up.is_empty() {
            match channel.write(&up) {
                Ok(n) => {
                    up.drain(..n);
                    progress |= n > 0;
                }
                Err(e) if would_block(&e) => {}
                Err(_) => break,
            }
        }
        if local_eof && up.is_empty() && !eof_sent {
            match channel.send_eof() {
                Ok(()) => {
                    eof_sent = true;
                    progress = true;
                }
                Err(e) if e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => {}
                Err(_) => break,
            }
        }
        if !remote_eof && down.len() < BUFFER_CAP {
            match channel.read(&mut buf) {
                Ok(0) => {
                    if channel.eof() {
                        remote_eof = true;
                        progress = true;
                    }
                }
                Ok(n) => {
                    down.extend_from_slice(&buf[..n]);
                    progress = true;
                }
                Err(e) if would_block(&e) => {}
                Err(_) => break,
            }
        }
        if !down.is_empty() {
            match ours.write(&down) {
                Ok(n) => {
                    down.drain(..n);
                    progress |= n > 0;
                }
                Err(e) if would_block(&e) => {}
                Err(_) => break,
            }
        } else if remote_eof && !shut {
            let _ = ours.shutdown(Shutdown::Write);
            shut = true;
        }
        if local_eof && remote_eof && up.is_empty() && down.is_empty() {
            break;
        }
        if !progress {
            core.keepalive();
            let interests = [
                Interest::session(&core.session, core.fd()),
                Interest {
                    fd: ours.as_raw_fd(),
                    read: !local_eof && up.len() < BUFFER_CAP,
                    write: !down.is_empty(),
                },
            ];
            if poll(&interests, POLL_SLICE).is_err() {
                break;
            }
        }
    }
    let _ = channel.close();
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}
