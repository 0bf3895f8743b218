//! SSH transport (ssh2): strict host-key checking against known_hosts,
//! authentication (key file, agent, password), jump hosts, exec, SFTP and a PTY
//! shell for the bwcli driver. Blocking: the engine calls it from blocking threads.
mod auth;
pub mod error;
mod exec;
pub mod host_key;
mod key_cache;
pub mod known_hosts;
mod session;
mod sftp;
mod shell;
mod signer;
pub mod target;
mod tunnel;
mod wait;

pub use error::{ChangedHostKey, SftpFailure, TransportError, UnknownHostKey};
pub use exec::ExecResult;
pub use host_key::HostKey;
pub use known_hosts::{HostKeyCheck, KnownHosts};
pub use session::SshSession;
pub use sftp::{RemoteEntry, RemoteListing, RemoteStat, RemoteTail, SftpClient};
pub use shell::ShellChannel;
pub use target::{AuthMethod, SshTarget};
