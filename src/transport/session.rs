//! An authenticated SSH connection: TCP (or a jump-host tunnel), handshake, strict
//! host-key check, authentication; then exec, SFTP and shell channels on it.
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ssh2::{ErrorCode, MethodType, Session};

use super::auth::authenticate;
use super::error::{ChangedHostKey, TransportError, UnknownHostKey};
use super::host_key::HostKey;
use super::known_hosts::{HostKeyCheck, KnownHosts, lookup_name};
use super::target::SshTarget;
use super::tunnel::Tunnel;

/// libssh2's `LIBSSH2_ERROR_TIMEOUT`.
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;

/// An authenticated SSH connection. Channels opened from it keep it alive.
///
/// One connection serves one host's work, which is sequential: operations on it
/// and on its channels are serialised (a second thread waits for the first).
pub struct SshSession {
    core: Arc<Core>,
}

/// What the session and its channels share.
pub(crate) struct Core {
    // Field order is drop order: the SSH session first, then our handle on its
    // socket, then the jump-host tunnel that carried it.
    pub(crate) session: Session,
    socket: Socket,
    tunnel: Option<Tunnel>,
    io: Mutex<()>,
    /// `user@address:port`, for messages.
    pub(crate) label: String,
    pub(crate) command_timeout: Duration,
    pub(crate) keepalive: Duration,
    fingerprint: String,
}

/// Our own handle on the socket libssh2 uses, for polling.
enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    /// Shuts the connection down both ways (errors ignored: it may be gone).
    fn shutdown(&self) {
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Socket::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }

    fn fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }
}

impl Core {
    /// Serialises use of the session across threads.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ()> {
        self.io
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The socket descriptor, for [`super::wait`].
    pub(crate) fn fd(&self) -> RawFd {
        self.socket.fd()
    }

    /// Closes `channel` without waiting for the server's answer. A server does not
    /// confirm the close of a command that is still running, and libssh2 would wait
    /// for that confirmation in blocking mode; the channel is released when the
    /// confirmation arrives or with the session.
    pub(crate) fn abandon(&self, mut channel: ssh2::Channel) {
        self.session.set_blocking(false);
        let _ = channel.close();
        drop(channel);
        self.session.set_blocking(true);
    }

    /// Sends a keepalive if one is due (never blocks for long).
    pub(crate) fn keepalive(&self) {
        if !self.keepalive.is_zero() {
            let _ = self.session.keepalive_send();
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        self.session.set_blocking(true);
        self.session.set_timeout(1000);
        let _ = self
            .session
            .disconnect(None, "xspctl closing the connection", None);
        // Nothing more is read after the disconnect. Freeing the session closes the
        // channels still open (an abandoned shell or exec channel), and in blocking
        // mode libssh2 waits for each one's close from the server: up to the 1 s
        // timeout when the server has not answered yet (about one host in a few
        // hundred, which made an apply of 100 hosts take a second longer). With the
        // socket shut down, that wait ends at once.
        self.socket.shutdown();
    }
}

impl SshSession {
    /// Connects, checks the host key strictly against `target.known_hosts`
    /// (through `target.jump` first when set) and authenticates.
    pub fn connect(target: &SshTarget) -> Result<SshSession, TransportError> {
        let known =
            KnownHosts::load(&target.known_hosts).map_err(|e| TransportError::KnownHosts {
                path: target.known_hosts.clone(),
                reason: e.to_string(),
            })?;
        let (socket, tunnel, label) = match &target.jump {
            Some(jump) => {
                let via = SshSession::connect(jump)?;
                let label = format!("{} (via {})", target.label(), jump.label());
                let (tunnel, stream) = Tunnel::open(via, &target.address, target.port, &label)?;
                (Socket::Unix(stream), Some(tunnel), label)
            }
            None => (Socket::Tcp(tcp_connect(target)?), None, target.label()),
        };
        let io_failure = |what: &str, source: std::io::Error| TransportError::Io {
            target: label.clone(),
            what: what.to_string(),
            source,
        };
        let mut session = Session::new().map_err(|e| TransportError::Ssh {
            target: label.clone(),
            what: "creating the SSH session".into(),
            message: e.message().to_string(),
        })?;
        session.set_blocking(true);
        session.set_timeout(millis(target.connect_timeout));
        prefer_known_key_types(&session, &known, target);
        prefer_hardware_ciphers(&session);
        match &socket {
            Socket::Tcp(s) => session.set_tcp_stream(
                s.try_clone()
                    .map_err(|e| io_failure("duplicating the socket", e))?,
            ),
            Socket::Unix(s) => session.set_tcp_stream(
                s.try_clone()
                    .map_err(|e| io_failure("duplicating the socket", e))?,
            ),
        }
        session.handshake().map_err(|e| {
            if e.code() == ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) {
                TransportError::Timeout {
                    target: label.clone(),
                    what: "SSH handshake".into(),
                    after: target.connect_timeout,
                    last_output: String::new(),
                }
            } else {
                TransportError::Connect {
                    target: label.clone(),
                    reason: format!("SSH handshake failed: {}", e.message()),
                }
            }
        })?;
        let key = session
            .host_key()
            .and_then(|(blob, _)| HostKey::from_blob(blob))
            .ok_or_else(|| TransportError::Connect {
                target: label.clone(),
                reason: "the server sent no usable host key".into(),
            })?;
        verify_host_key(&known, target, &key)?;
        authenticate(&session, target)?;
        if !target.keepalive.is_zero() {
            let secs = u32::try_from(target.keepalive.as_secs().max(1)).unwrap_or(u32::MAX);
            session.set_keepalive(true, secs);
        }
        session.set_timeout(millis(target.command_timeout));
        Ok(SshSession {
            core: Arc::new(Core {
                session,
                socket,
                tunnel,
                io: Mutex::new(()),
                label,
                command_timeout: target.command_timeout,
                keepalive: target.keepalive,
                fingerprint: key.fingerprint(),
            }),
        })
    }

    /// The OpenSSH fingerprint (`SHA256:...`) of the key the host presented.
    pub fn host_key_fingerprint(&self) -> String {
        self.core.fingerprint.clone()
    }

    /// The cipher negotiated from client to server (`aes256-gcm@openssh.com`).
    pub fn cipher(&self) -> Option<String> {
        self.core
            .session
            .methods(MethodType::CryptCs)
            .map(str::to_string)
    }

    /// `user@address:port` (with the jump host, when there is one).
    pub fn label(&self) -> &str {
        &self.core.label
    }

    /// The shared core, for channels.
    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Whether a jump-host tunnel carries this connection.
    pub fn is_tunnelled(&self) -> bool {
        self.core.tunnel.is_some()
    }
}

/// Milliseconds for libssh2's timeout (0 would mean "none").
pub(crate) fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}

/// Turns a libssh2 error into a transport error (a timeout when it is one).
pub(crate) fn ssh_failure(
    label: &str,
    what: &str,
    e: &ssh2::Error,
    bound: Duration,
) -> TransportError {
    if e.code() == ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) {
        TransportError::Timeout {
            target: label.to_string(),
            what: what.to_string(),
            after: bound,
            last_output: String::new(),
        }
    } else {
        TransportError::Ssh {
            target: label.to_string(),
            what: what.to_string(),
            message: e.message().to_string(),
        }
    }
}

fn tcp_connect(target: &SshTarget) -> Result<TcpStream, TransportError> {
    let fail = |reason: String| TransportError::Connect {
        target: target.label(),
        reason,
    };
    let addrs: Vec<_> = (target.address.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| fail(format!("cannot resolve {}: {e}", target.address)))?
        .collect();
    let mut reasons = Vec::new();
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, target.connect_timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => reasons.push(format!("{addr}: {e}")),
        }
    }
    if reasons.is_empty() {
        reasons.push(format!("{} resolves to no address", target.address));
    }
    Err(fail(reasons.join("; ")))
}

/// Offers the host-key algorithms the known_hosts file has for this host first, so
/// a server with several keys presents one we can check (as OpenSSH does).
fn prefer_known_key_types(session: &Session, known: &KnownHosts, target: &SshTarget) {
    let types = known.known_types(&target.address, target.port);
    if types.is_empty() {
        return;
    }
    let Ok(supported) = session.supported_algs(MethodType::HostKey) else {
        return;
    };
    let mut prefs: Vec<&str> = Vec::new();
    for t in &types {
        let algs: Vec<&str> = if t == "ssh-rsa" {
            vec!["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        } else {
            vec![t.as_str()]
        };
        prefs.extend(supported.iter().copied().filter(|a| algs.contains(a)));
    }
    let rest: Vec<&str> = supported
        .iter()
        .copied()
        .filter(|a| !prefs.contains(a))
        .collect();
    prefs.extend(rest);
    let _ = session.method_pref(MethodType::HostKey, &prefs.join(","));
}

/// Ciphers that run on the CPU's AES instructions (through OpenSSL), best first.
/// libssh2 offers chacha20-poly1305 first, and its chacha20 is portable C: 8-9 %
/// of a plan's CPU. OpenSSH and xspsim (russh) both offer AES-GCM and AES-CTR.
const HARDWARE_CIPHERS: &[&str] = &[
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
];

/// Offers the hardware ciphers first, both directions, then every other cipher
/// libssh2 supports in its own order, so a server offering only chacha20 (or
/// only CBC) still connects.
fn prefer_hardware_ciphers(session: &Session) {
    for method in [MethodType::CryptCs, MethodType::CryptSc] {
        let Ok(supported) = session.supported_algs(method) else {
            continue;
        };
        let _ = session.method_pref(method, &cipher_order(&supported).join(","));
    }
}

/// `supported`, with [`HARDWARE_CIPHERS`] first in their order.
fn cipher_order<'a>(supported: &[&'a str]) -> Vec<&'a str> {
    let (mut order, rest): (Vec<&str>, Vec<&str>) =
        supported.iter().partition(|s| HARDWARE_CIPHERS.contains(s));
    order.sort_by_key(|s| HARDWARE_CIPHERS.iter().position(|c| c == s));
    order.extend(rest);
    order
}

fn verify_host_key(
    known: &KnownHosts,
    target: &SshTarget,
    key: &HostKey,
) -> Result<(), TransportError> {
    match known.check(&target.address, target.port, key) {
        HostKeyCheck::Match => Ok(()),
        HostKeyCheck::Unknown { other_types } => {
            Err(TransportError::HostKeyUnknown(Box::new(UnknownHostKey {
                endpoint: target.endpoint(),
                address: target.address.clone(),
                port: target.port,
                display_type: key.display_type(),
                short_type: key.short_type().to_string(),
                fingerprint: key.fingerprint(),
                known_hosts: known.path().to_path_buf(),
                known_hosts_exists: known.exists(),
                other_types,
            })))
        }
        HostKeyCheck::Changed {
            line,
            known_fingerprint,
        } => Err(TransportError::HostKeyChanged(Box::new(ChangedHostKey {
            endpoint: target.endpoint(),
            address: target.address.clone(),
            port: target.port,
            lookup: lookup_name(&target.address, target.port),
            display_type: key.display_type(),
            short_type: key.short_type().to_string(),
            fingerprint: key.fingerprint(),
            known_fingerprint,
            known_hosts: known.path().to_path_buf(),
            line,
        }))),
        HostKeyCheck::Revoked { line } => Err(TransportError::HostKeyRevoked {
            endpoint: target.endpoint(),
            fingerprint: key.fingerprint(),
            known_hosts: known.path().to_path_buf(),
            line,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardware_ciphers_come_first_and_nothing_is_dropped() {
        let supported = [
            "chacha20-poly1305@openssh.com",
            "aes128-ctr",
            "aes256-gcm@openssh.com",
            "aes256-cbc",
        ];
        assert_eq!(
            cipher_order(&supported),
            [
                "aes256-gcm@openssh.com",
                "aes128-ctr",
                "chacha20-poly1305@openssh.com",
                "aes256-cbc"
            ]
        );
    }
}
