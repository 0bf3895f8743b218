//! One simulated host: what the network side (SSH, TLS, DNS, lab) may ask of it.
//!
//! CONTRACT between the bwcli engine and the network side. The data types here are
//! final; the bodies of the `SimHost` methods are filled in by the engine work.
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The BroadWorks server type a host simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// Xtended Services Platform (`XSP_CLI`).
    Xsp,
    /// Application Delivery Platform (`ADP_CLI`).
    Adp,
    /// Application Server (`AS_CLI`).
    As,
}

/// The BroadWorks release a host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Release {
    /// R21 SP1, build `21.sp1.551`.
    #[serde(rename = "R21SP1", alias = "R21", alias = "R21 SP1")]
    R21Sp1,
    /// R22, build `22.0.1123`.
    R22,
    /// R23, build `23.0.1075`.
    R23,
    /// R24, build `24.0.944`.
    R24,
    /// The ADP release train (`Rel_2022.11_1.273`).
    #[serde(rename = "ADP")]
    Adp,
}

/// How a login over SSH starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginShell {
    /// A bash-like prompt `bwadmin@<host>$ `; typing `bwcli` starts the CLI.
    #[default]
    Bash,
    /// The CLI starts directly (bwcli as the login shell).
    Bwcli,
}

/// Faults injected into one host, at start or at run time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Drop the SSH connection after this many bwcli commands in a session.
    pub drop_after_commands: Option<u32>,
    /// Delay every bwcli response and shell command by this many milliseconds.
    pub delay_ms: u64,
    /// Fail every bwcli command whose text matches this regular expression...
    pub fail_pattern: Option<String>,
    /// ...with this error text (default: a backend failure message).
    pub fail_message: Option<String>,
    /// Page long outputs with `--More--` after this many lines.
    pub page_lines: Option<u32>,
    /// Wrap prompts and output in ANSI colour codes.
    pub ansi: bool,
    /// Refuse every SSH authentication attempt.
    pub refuse_auth: bool,
    /// Serve a different host key from the stable one.
    pub change_host_key: bool,
}

/// Everything needed to create (or reopen) one simulated host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostSpec {
    /// Short host name, e.g. `xsp1`; also the state sub-directory name.
    pub name: String,
    /// Fully qualified name, e.g. `xsp1.lab.xspctl.test`.
    pub fqdn: String,
    /// Server type.
    pub product: Product,
    /// Release.
    pub release: Release,
    /// Loopback address all of this host's servers bind.
    pub address: IpAddr,
    /// SSH port.
    pub ssh_port: u16,
    /// HTTPS interface port (443 on a real host).
    pub https_port: u16,
    /// Secure CTI port (8012 on a real host).
    pub cti_port: u16,
    /// Login user, e.g. `bwadmin`.
    pub user: String,
    /// Password accepted for `user`, if password authentication is on.
    pub password: Option<String>,
    /// OpenSSH public keys (`ssh-ed25519 AAAA... comment`) accepted for `user`.
    pub authorized_keys: Vec<String>,
    /// How a login starts.
    pub login_shell: LoginShell,
    /// Faults at start.
    pub faults: Faults,
}

/// How a bwcli reply ends the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The session goes on; `output` ends with the next prompt.
    Continue,
    /// The user exited bwcli (`This session is now ending...` was printed).
    Exit,
    /// A fault: the connection must be dropped now, without further output.
    Drop,
}

/// The reply to one line typed into bwcli.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The text to write back: command output and the next prompt (a bwcli prompt,
    /// a confirmation `Please confirm (Yes, Y, No, N): `, `New Password:`, or `--More--`).
    pub output: String,
    /// Whether the session continues.
    pub end: SessionEnd,
    /// Wait this long before writing `output` (the delay fault).
    pub delay: Duration,
    /// Whether the next input must not be echoed (a password prompt is showing).
    pub hide_input: bool,
}

/// The result of a shell command run over an SSH exec channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status.
    pub status: u32,
}

/// A TLS endpoint of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// The HTTPS server interface (Xsi, AuthService).
    Http,
    /// The secure CTI interface.
    Cti,
}

/// A TLS protocol version as bwcli names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsProtocol {
    /// `TLSv1`
    #[serde(rename = "TLSv1")]
    Tls10,
    /// `TLSv1.1`
    #[serde(rename = "TLSv1.1")]
    Tls11,
    /// `TLSv1.2`
    #[serde(rename = "TLSv1.2")]
    Tls12,
    /// `TLSv1.3`
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

/// The settings a TLS endpoint serves, as they are *running* (changes that need a
/// restart show here only after `restartbw`/`startbw`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Address to listen on.
    pub address: IpAddr,
    /// Port to listen on.
    pub port: u16,
    /// Protocols to accept.
    pub protocols: Vec<TlsProtocol>,
    /// Cipher suites to accept, by IANA name, in preference order.
    pub ciphers: Vec<String>,
    /// PEM of the server certificate followed by its chain.
    pub cert_chain_pem: String,
    /// PEM of the server private key.
    pub key_pem: String,
    /// Whether a client certificate is required.
    pub client_auth_required: bool,
    /// PEM certificates trusted for client authentication (the CA list sent to clients).
    pub trust_anchors_pem: Vec<String>,
}

/// The simulator's error type.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}

/// One simulated host. Cheap to share: the network side holds `Arc<SimHost>`.
#[derive(Debug)]
pub struct SimHost {
    spec: HostSpec,
}

impl SimHost {
    /// Opens the host whose state lives in `dir/<spec.name>/`, creating a fresh
    /// realistic default state there if none exists.
    pub fn open(dir: &Path, spec: HostSpec) -> Result<Arc<SimHost>, SimError> {
        let _ = dir;
        Ok(Arc::new(SimHost { spec }))
    }

    /// The spec the host was opened with.
    pub fn spec(&self) -> &HostSpec {
        &self.spec
    }

    /// Starts an interactive bwcli session.
    pub fn bwcli(self: &Arc<Self>) -> crate::cli::Session {
        crate::cli::Session::new(self.clone())
    }

    /// Runs one shell command line (exec channel, or typed at the bash prompt).
    /// May block (restart, reachability probes): call it from a blocking context.
    pub fn exec(self: &Arc<Self>, command_line: &str) -> ExecOutput {
        let _ = command_line;
        unimplemented!("engine work")
    }

    /// The directory that is `/` of this host's file system, for SFTP.
    pub fn fs_root(&self) -> PathBuf {
        unimplemented!("engine work")
    }

    /// The running TLS settings of an endpoint, or `None` if it is not serving.
    pub fn tls_settings(&self, endpoint: Endpoint) -> Option<TlsSettings> {
        let _ = endpoint;
        unimplemented!("engine work")
    }

    /// A number that changes whenever the running configuration changes, so a TLS
    /// listener knows when to rebuild its acceptor.
    pub fn generation(&self) -> u64 {
        unimplemented!("engine work")
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        unimplemented!("engine work")
    }

    /// Replaces the faults in force (at run time).
    pub fn set_faults(&self, faults: Faults) {
        let _ = faults;
        unimplemented!("engine work")
    }
}
