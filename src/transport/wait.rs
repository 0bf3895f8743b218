//! Waiting on sockets with a bound, for the non-blocking loops (exec, shell reads,
//! the jump-host pump). libssh2 tells which direction it is blocked on.
use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use ssh2::{BlockDirections, Session};

/// Interest in one descriptor.
#[derive(Debug, Clone, Copy)]
pub struct Interest {
    /// The descriptor.
    pub fd: RawFd,
    /// Wake when readable.
    pub read: bool,
    /// Wake when writable.
    pub write: bool,
}

impl Interest {
    /// What a libssh2 session waits for on its socket.
    pub fn session(session: &Session, fd: RawFd) -> Interest {
        let (read, write) = match session.block_directions() {
            BlockDirections::Outbound => (false, true),
            BlockDirections::Both => (true, true),
            BlockDirections::Inbound | BlockDirections::None => (true, false),
        };
        Interest { fd, read, write }
    }
}

/// Waits until one of `interests` is ready or `timeout` passes. Returns, per
/// interest, whether it is ready (readable, writable, closed or in error).
pub fn poll(interests: &[Interest], timeout: Duration) -> io::Result<Vec<bool>> {
    let mut fds: Vec<libc::pollfd> = interests
        .iter()
        .map(|i| libc::pollfd {
            fd: i.fd,
            events: (if i.read { libc::POLLIN } else { 0 })
                | (if i.write { libc::POLLOUT } else { 0 }),
            revents: 0,
        })
        .collect();
    let ms = libc::c_int::try_from(timeout.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
    // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()` pollfd
    // structures for the duration of the call.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(vec![false; fds.len()]);
        }
        return Err(e);
    }
    Ok(fds.iter().map(|f| f.revents != 0).collect())
}

/// Waits for the session's socket, at most until `until` and at most `cap`.
pub fn wait_session(session: &Session, fd: RawFd, until: Instant, cap: Duration) -> io::Result<()> {
    let left = until.saturating_duration_since(Instant::now()).min(cap);
    if left.is_zero() {
        return Ok(());
    }
    poll(&[Interest::session(session, fd)], left).map(|_| ())
}
