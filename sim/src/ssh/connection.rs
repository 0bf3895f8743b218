//! One SSH connection to a simulated host: authentication (with the `refuse_auth`
//! fault), and the channels it opens (session channels, direct-tcpip).
use std::sync::Arc;

use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelMsg, ChannelOpenFailure};
use tokio_util::sync::CancellationToken;

use super::interactive::{self, Start};
use super::{exec, forward, sftp};
use crate::host::{LoginShell, SimHost};

/// The russh handler of one connection.
pub struct Connection {
    host: Arc<SimHost>,
    authorized_keys: Arc<Vec<PublicKey>>,
    kill: CancellationToken,
}

impl Connection {
    /// A handler for a new connection to `host`; cancelling `kill` drops it.
    pub fn new(
        host: Arc<SimHost>,
        authorized_keys: Arc<Vec<PublicKey>>,
        kill: CancellationToken,
    ) -> Connection {
        Connection {
            host,
            authorized_keys,
            kill,
        }
    }

    fn refusing(&self) -> bool {
        self.host.faults().refuse_auth
    }

    fn key_accepted(&self, user: &str, key: &PublicKey) -> Auth {
        let known = self
            .authorized_keys
            .iter()
            .any(|authorized| authorized.key_data() == key.key_data());
        if !self.refusing() && user == self.host.spec().user && known {
            Auth::Accept
        } else {
            Auth::reject()
        }
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let spec = self.host.spec();
        let matches = spec.password.as_deref() == Some(password);
        if !self.refusing() && user == spec.user && matches {
            Ok(Auth::Accept)
        } else {
            tracing::info!(host = %spec.name, user, "password authentication refused");
            Ok(Auth::reject())
        }
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.key_accepted(user, offer.public_key))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let auth = self.key_accepted(user, key.public_key);
        if auth != Auth::Accept {
            tracing::info!(host = %self.host.spec().name, user, "key authentication refused");
        }
        Ok(auth)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        tokio::spawn(serve_session_channel(
            channel,
            self.host.clone(),
            self.kill.clone(),
        ));
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(target) = forward::allowed_target(host_to_connect, port_to_connect) else {
            tracing::info!(
                host = %self.host.spec().name,
                target = host_to_connect,
                "direct-tcpip refused: not a loopback target"
            );
            reply
                .reject(ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        };
        match forward::connect(target).await {
            Ok(stream) => {
                reply.accept().await;
                tokio::spawn(forward::pipe(channel, stream));
            }
            Err(error) => {
                tracing::info!(%target, %error, "direct-tcpip target unreachable");
                reply.reject(ChannelOpenFailure::ConnectFailed).await;
            }
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if name == "sftp" {
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        }
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _variable_name: &str,
        _variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }
}

/// Serves one session channel: waits for its pty/shell/exec/subsystem requests (the
/// handler above answers them) and runs what they ask for.
async fn serve_session_channel(
    mut channel: Channel<Msg>,
    host: Arc<SimHost>,
    kill: CancellationToken,
) {
    let mut pty = false;
    loop {
        match channel.wait().await {
            Some(ChannelMsg::RequestPty { .. }) => pty = true,
            Some(ChannelMsg::RequestShell { .. }) => {
                let start = match host.spec().login_shell {
                    LoginShell::Bash => Start::Bash,
                    LoginShell::Bwcli => Start::Bwcli,
                };
                interactive::run(channel, host, pty, start, kill).await;
                return;
            }
            Some(ChannelMsg::Exec { command, .. }) => {
                let command = String::from_utf8_lossy(&command).into_owned();
                if interactive::is_bwcli_command(&command) {
                    interactive::run(channel, host, pty, Start::Bwcli, kill).await;
                } else {
                    exec::run(channel, host, pty, command).await;
                }
                return;
            }
            Some(ChannelMsg::RequestSubsystem { name, .. }) if name == "sftp" => {
                match sftp::RootedFs::new(&host.fs_root()) {
                    Ok(fs) => {
                        russh_sftp::server::run(channel.into_stream(), sftp::SftpSession::new(fs))
                            .await;
                    }
                    Err(error) => {
                        tracing::error!(host = %host.spec().name, %error, "no file system root");
                        let _ = channel.close().await;
                    }
                }
                return;
            }
            Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return,
            Some(_) => {}
        }
    }
}
