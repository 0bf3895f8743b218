//! Transport errors. Their messages say what happened and how to fix it, and never
//! hold a secret.
use std::path::PathBuf;
use std::time::Duration;

/// Why an SFTP operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SftpFailure {
    /// No such file or directory.
    NotFound,
    /// The path exists already (e.g. `mkdir` of an existing directory).
    AlreadyExists,
    /// Permission denied.
    PermissionDenied,
    /// Any other failure.
    Other,
}

/// A failure to connect to a host or to use the connection.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The host's key is not in the known_hosts file.
    #[error("{0}")]
    HostKeyUnknown(Box<UnknownHostKey>),
    /// The host presented a different key than the known_hosts file holds.
    #[error("{0}")]
    HostKeyChanged(Box<ChangedHostKey>),
    /// The host presented a key marked `@revoked`.
    #[error(
        "the host key of {endpoint} ({fingerprint}) is REVOKED in {known_hosts}:{line}; refusing to connect",
        known_hosts = .known_hosts.display()
    )]
    HostKeyRevoked {
        /// `address:port`.
        endpoint: String,
        /// The fingerprint presented.
        fingerprint: String,
        /// The file consulted.
        known_hosts: PathBuf,
        /// The line of the `@revoked` entry.
        line: usize,
    },
    /// The known_hosts file could not be read.
    #[error("cannot read the known_hosts file {}: {reason}", .path.display())]
    KnownHosts {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No configured method authenticated.
    #[error(
        "authentication as {target} failed; tried: {}; the server offers: {}\n  help: {help}",
        if tried.is_empty() { "nothing (no method configured)".to_string() } else { tried.join("; ") },
        if offered.is_empty() { "nothing".to_string() } else { offered.join(", ") }
    )]
    Auth {
        /// `user@address:port`.
        target: String,
        /// Each method tried, with its outcome.
        tried: Vec<String>,
        /// The methods the server offers.
        offered: Vec<String>,
        /// What to check, for the methods configured.
        help: String,
    },
    /// TCP connect or SSH handshake failed.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// `user@address:port` (with the jump host, when there is one).
        target: String,
        /// Why.
        reason: String,
    },
    /// An operation did not finish in time.
    #[error(
        "{what} on {target} timed out after {:.1}s{}",
        .after.as_secs_f64(),
        if last_output.is_empty() { String::new() } else { format!("; last output:\n{}", last_output.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")) }
    )]
    Timeout {
        /// `user@address:port`.
        target: String,
        /// What was running.
        what: String,
        /// The bound that was reached.
        after: Duration,
        /// The last lines of output, if any.
        last_output: String,
    },
    /// An SSH protocol or channel failure.
    #[error("{what} on {target} failed: {message}")]
    Ssh {
        /// `user@address:port`.
        target: String,
        /// What was being done.
        what: String,
        /// libssh2's message.
        message: String,
    },
    /// An SFTP operation failed.
    #[error("SFTP {op} {path} on {target} failed: {message}")]
    Sftp {
        /// `user@address:port`.
        target: String,
        /// `upload`, `mkdir`, ...
        op: String,
        /// The remote path.
        path: String,
        /// The kind of failure.
        failure: SftpFailure,
        /// The server's or libssh2's message.
        message: String,
    },
    /// A local I/O failure (socket pair, poll, ...).
    #[error("{what} for {target} failed: {source}")]
    Io {
        /// `user@address:port`.
        target: String,
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

/// A host key the known_hosts file does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "host key of {endpoint} is not known: its {display_type} key {fingerprint} is not in {known_hosts}{missing}{others}\n  help: check the fingerprint out-of-band (on the host: `ssh-keygen -lf /etc/ssh/ssh_host_{short_type}_key.pub`), then accept it with:\n    ssh-keyscan -p {port} -t {short_type} {address} >> {known_hosts}",
    known_hosts = .known_hosts.display(),
    missing = if *known_hosts_exists { "" } else { " (the file does not exist yet)" },
    others = if other_types.is_empty() { String::new() } else { format!(" (keys of other types are known for this host: {})", other_types.join(", ")) }
)]
pub struct UnknownHostKey {
    /// `address:port`.
    pub endpoint: String,
    /// The address.
    pub address: String,
    /// The port.
    pub port: u16,
    /// `ED25519`, `RSA`, ...
    pub display_type: String,
    /// `ed25519`, `rsa`, ... (as `ssh-keyscan -t` takes it).
    pub short_type: String,
    /// `SHA256:...`
    pub fingerprint: String,
    /// The file consulted.
    pub known_hosts: PathBuf,
    /// Whether that file exists.
    pub known_hosts_exists: bool,
    /// Key types the file knows for this host.
    pub other_types: Vec<String>,
}

/// A host key that differs from the one the known_hosts file holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "WARNING: the host key of {endpoint} has CHANGED; this may be a man-in-the-middle attack. No credentials were sent.\n  presented: {display_type} {fingerprint}\n  expected:  {known_fingerprint} ({known_hosts}:{line})\n  help: if the host was legitimately re-keyed, confirm the new fingerprint out-of-band, then remove the old entry with `ssh-keygen -R '{lookup}' -f {known_hosts}` and accept the new key with `ssh-keyscan -p {port} -t {short_type} {address} >> {known_hosts}`",
    known_hosts = .known_hosts.display()
)]
pub struct ChangedHostKey {
    /// `address:port`.
    pub endpoint: String,
    /// The address.
    pub address: String,
    /// The port.
    pub port: u16,
    /// The name known_hosts files use: `address` or `[address]:port`.
    pub lookup: String,
    /// `ED25519`, `RSA`, ...
    pub display_type: String,
    /// `ed25519`, `rsa`, ...
    pub short_type: String,
    /// The fingerprint presented.
    pub fingerprint: String,
    /// The fingerprint the file holds.
    pub known_fingerprint: String,
    /// The file consulted.
    pub known_hosts: PathBuf,
    /// The line of the entry.
    pub line: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_failure_reads_as_a_sentence_with_the_fix() {
        let e = TransportError::Auth {
            target: "bwadmin@10.0.0.7:22".into(),
            tried: vec![
                "key file /k: Username/PublicKey combination invalid".into(),
                "password: neither password nor keyboard-interactive offered by the server".into(),
            ],
            offered: vec!["publickey".into()],
            help: "check the user name, that the key is in the host's authorized_keys, or the password".into(),
        };
        assert_eq!(
            e.to_string(),
            "authentication as bwadmin@10.0.0.7:22 failed; tried: key file /k: Username/PublicKey combination invalid; \
             password: neither password nor keyboard-interactive offered by the server; the server offers: publickey\n  \
             help: check the user name, that the key is in the host's authorized_keys, or the password"
        );
    }

    #[test]
    fn changed_key_names_both_fingerprints_and_the_fix() {
        let e = TransportError::HostKeyChanged(Box::new(ChangedHostKey {
            endpoint: "10.0.0.7:22".into(),
            address: "10.0.0.7".into(),
            port: 22,
            lookup: "10.0.0.7".into(),
            display_type: "ED25519".into(),
            short_type: "ed25519".into(),
            fingerprint: "SHA256:new".into(),
            known_fingerprint: "SHA256:old".into(),
            known_hosts: PathBuf::from("/kh"),
            line: 3,
        }));
        assert_eq!(
            e.to_string(),
            "WARNING: the host key of 10.0.0.7:22 has CHANGED; this may be a man-in-the-middle attack. No credentials were sent.\n  \
             presented: ED25519 SHA256:new\n  \
             expected:  SHA256:old (/kh:3)\n  \
             help: if the host was legitimately re-keyed, confirm the new fingerprint out-of-band, then remove the old entry with \
             `ssh-keygen -R '10.0.0.7' -f /kh` and accept the new key with `ssh-keyscan -p 22 -t ed25519 10.0.0.7 >> /kh`"
        );
    }

    #[test]
    fn unknown_key_gives_the_keyscan_line_and_says_when_the_file_is_missing() {
        let e = TransportError::HostKeyUnknown(Box::new(UnknownHostKey {
            endpoint: "10.0.0.7:2222".into(),
            address: "10.0.0.7".into(),
            port: 2222,
            display_type: "ED25519".into(),
            short_type: "ed25519".into(),
            fingerprint: "SHA256:abc".into(),
            known_hosts: PathBuf::from("/kh"),
            known_hosts_exists: false,
            other_types: vec!["ssh-rsa".into()],
        }));
        assert_eq!(
            e.to_string(),
            "host key of 10.0.0.7:2222 is not known: its ED25519 key SHA256:abc is not in /kh (the file does not exist yet) \
             (keys of other types are known for this host: ssh-rsa)\n  \
             help: check the fingerprint out-of-band (on the host: `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then accept it with:\n    \
             ssh-keyscan -p 2222 -t ed25519 10.0.0.7 >> /kh"
        );
    }

    #[test]
    fn timeout_quotes_the_last_output_indented() {
        let e = TransportError::Timeout {
            target: "u@h:22".into(),
            what: "command `x`".into(),
            after: Duration::from_millis(1500),
            last_output: "a\nb".into(),
        };
        assert_eq!(
            e.to_string(),
            "command `x` on u@h:22 timed out after 1.5s; last output:\n    a\n    b"
        );
    }
}
