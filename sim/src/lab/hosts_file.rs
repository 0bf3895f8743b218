//! `DIR/hosts.json`: how a client reaches every host of a running lab. It names the
//! credential files; it holds no secret itself.
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LabError;
use crate::host::{Product, Release};

/// File name of the hosts file in a lab directory.
pub const HOSTS_FILE: &str = "hosts.json";

/// One host of a running lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEntry {
    /// Short name, e.g. `xsp1`.
    pub name: String,
    /// Fully qualified name, e.g. `xsp1.lab.xspctl.test`.
    pub fqdn: String,
    /// The group it belongs to.
    pub group: String,
    /// Server type.
    pub product: Product,
    /// Release.
    pub release: Release,
    /// Address of all its servers.
    pub address: IpAddr,
    /// SSH port (`null` when the lab serves no SSH).
    pub ssh_port: Option<u16>,
    /// Login user.
    pub user: String,
    /// File holding the login password.
    pub password_file: PathBuf,
    /// The client private key authorized for `user` (OpenSSH format, mode 0600).
    pub private_key: PathBuf,
    /// The host key fingerprint, OpenSSH form `SHA256:...`.
    pub host_key_fingerprint: String,
    /// The host public key line `ssh-ed25519 AAAA...`, for `known_hosts`.
    pub host_public_key: String,
    /// The HTTPS interface port.
    pub https_port: u16,
    /// The secure CTI port.
    pub cti_port: u16,
    /// The lab DNS server's address.
    pub dns_address: IpAddr,
    /// The lab DNS server's port.
    pub dns_port: u16,
}

/// The whole hosts file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostsFile {
    /// The DNS zone.
    pub zone: String,
    /// The DNS server (UDP and TCP).
    pub dns: SocketAddr,
    /// The control socket, when served.
    pub control_socket: Option<PathBuf>,
    /// One entry per host.
    pub hosts: Vec<HostEntry>,
}

impl HostsFile {
    /// Writes the file into `dir` atomically (temporary file, then rename).
    pub fn write(&self, dir: &Path) -> Result<PathBuf, LabError> {
        let path = dir.join(HOSTS_FILE);
        let temporary = dir.join(format!(".{HOSTS_FILE}.tmp"));
        let text = serde_json::to_string_pretty(self)
            .map_err(|error| LabError::Config(error.to_string()))?;
        std::fs::write(&temporary, format!("{text}\n")).map_err(|source| LabError::Io {
            path: temporary.clone(),
            source,
        })?;
        std::fs::rename(&temporary, &path).map_err(|source| LabError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Reads the hosts file of the lab in `dir`.
    pub fn read(dir: &Path) -> Result<HostsFile, LabError> {
        let path = dir.join(HOSTS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| LabError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text)
            .map_err(|error| LabError::Config(format!("{}: {error}", path.display())))
    }
}
