//! Where and how to connect.
use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Secret;

/// An SSH destination with its authentication, host-key file and timeouts.
#[derive(Debug, Clone)]
pub struct SshTarget {
    /// Host name or IP address, as the known_hosts file names it.
    pub address: String,
    /// TCP port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// Authentication methods, tried in this order.
    pub auth: Vec<AuthMethod>,
    /// The known_hosts file host keys are checked against.
    pub known_hosts: PathBuf,
    /// A jump host to reach this one through (direct-tcpip), checked the same way.
    pub jump: Option<Box<SshTarget>>,
    /// Bound on TCP connect, SSH handshake and authentication, each.
    pub connect_timeout: Duration,
    /// Bound on each command (exec) and each SFTP operation.
    pub command_timeout: Duration,
    /// Interval of SSH keepalives; zero turns them off.
    pub keepalive: Duration,
}

/// One way to authenticate.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    /// A private key file, with its passphrase when it has one.
    KeyFile {
        /// The private key file (OpenSSH or PEM format).
        path: PathBuf,
        /// Its passphrase.
        passphrase: Option<Secret>,
    },
    /// The keys of the running ssh-agent (`SSH_AUTH_SOCK`).
    Agent,
    /// A password (also answers a keyboard-interactive password prompt).
    Password(Secret),
}

impl SshTarget {
    /// A target with no authentication methods yet and default timeouts: connect
    /// 10 s, command 30 s, keepalive 30 s.
    pub fn new(
        address: impl Into<String>,
        port: u16,
        user: impl Into<String>,
        known_hosts: impl Into<PathBuf>,
    ) -> SshTarget {
        SshTarget {
            address: address.into(),
            port,
            user: user.into(),
            auth: Vec::new(),
            known_hosts: known_hosts.into(),
            jump: None,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
            keepalive: Duration::from_secs(30),
        }
    }

    /// `user@address:port`, for messages.
    pub fn label(&self) -> String {
        format!("{}@{}", self.user, self.endpoint())
    }

    /// `address:port` (`[address]:port` for IPv6 literals).
    pub fn endpoint(&self) -> String {
        if self.address.contains(':') {
            format!("[{}]:{}", self.address, self.port)
        } else {
            format!("{}:{}", self.address, self.port)
        }
    }
}

impl AuthMethod {
    /// How the method is named in messages (never with a secret).
    pub fn describe(&self) -> String {
        match self {
            AuthMethod::KeyFile { path, .. } => format!("key file {}", path.display()),
            AuthMethod::Agent => "ssh-agent".to_string(),
            AuthMethod::Password(_) => "password".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let t = SshTarget::new("10.0.0.1", 2222, "bwadmin", "/kh");
        assert_eq!(t.label(), "bwadmin@10.0.0.1:2222");
        let t6 = SshTarget::new("::1", 22, "bwadmin", "/kh");
        assert_eq!(t6.endpoint(), "[::1]:22");
        assert_eq!(
            format!("{:?}", AuthMethod::Password(Secret::new("pw1"))),
            "Password((sensitive))"
        );
    }
}
