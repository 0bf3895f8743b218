//! The SSH server of one simulated host (russh): password and public-key
//! authentication, a stable host key, an interactive shell running bwcli, exec,
//! SFTP and loopback-only direct-tcpip.
//!
//! The accept loop is our own so that every connection gets the configuration in
//! force when it arrives (the `change_host_key` fault swaps the host key).
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::server::Config;
use russh::{MethodKind, MethodSet, SshId};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::host::{HostSpec, SimHost};

mod connection;
mod exec;
mod forward;
mod interactive;
pub mod keys;
mod killable;
mod sftp;
pub mod stdio_sftp;
mod terminal;

pub use keys::HostKeys;

/// Errors of the SSH side.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// A key file could not be read, generated or written.
    #[error("SSH key {path}: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// The cause.
        source: russh::keys::ssh_key::Error,
    },
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// How long a client has to send its SSH identification.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the russh server configuration presenting `key`.
fn server_config(spec: &HostSpec, key: PrivateKey) -> Arc<Config> {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    if spec.password.is_some() {
        methods.push(MethodKind::Password);
    }
    Arc::new(Config {
        server_id: SshId::Standard(Cow::Borrowed("SSH-2.0-xspsim")),
        methods,
        auth_rejection_time: Duration::from_millis(50),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![key],
        inactivity_timeout: Some(Duration::from_secs(3600)),
        nodelay: true,
        ..Config::default()
    })
}

/// Serves SSH for `host` on `listener` until `shutdown` is cancelled; cancelling it
/// also cuts every open connection.
pub async fn serve(
    listener: TcpListener,
    host: Arc<SimHost>,
    keys: HostKeys,
    shutdown: CancellationToken,
) {
    let spec = host.spec();
    let primary = server_config(spec, keys.primary);
    let alternative = server_config(spec, keys.alternative);
    let authorized = Arc::new(keys::parse_authorized_keys(&spec.authorized_keys));
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(host = %spec.name, %error, "SSH accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Read at accept time: a run-time change of the fault applies to the next
        // connection.
        let config = if host.faults().change_host_key {
            alternative.clone()
        } else {
            primary.clone()
        };
        let kill = shutdown.child_token();
        let handler = connection::Connection::new(host.clone(), authorized.clone(), kill.clone());
        let name = spec.name.clone();
        tokio::spawn(async move {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "set_nodelay failed");
            }
            let stream = killable::Killable::new(stream, kill.clone());
            let started = tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                russh::server::run_stream(config, stream, handler),
            )
            .await;
            let result = match started {
                Ok(Ok(session)) => session.await,
                Ok(Err(error)) => Err(error),
                Err(_) => {
                    tracing::info!(host = %name, %peer, "SSH identification timed out");
                    Ok(())
                }
            };
            if let Err(error) = result {
                tracing::debug!(host = %name, %peer, %error, "SSH connection ended");
            }
            kill.cancel();
        });
    }
}
