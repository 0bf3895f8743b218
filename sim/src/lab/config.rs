//! What a lab serves: its hosts (from a count or a topology), the zone, ports, DNS.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use super::LabError;
use super::server_certs::StartingCertificate;
use super::topology::Topology;
use crate::catalog::model::CliLayout;
use crate::dns::DEFAULT_ZONE;
use crate::host::{Faults, LoginShell, Product, Release};

/// The default address of the first host.
pub const DEFAULT_BASE_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 77, 0, 1);
/// The default login user.
pub const DEFAULT_USER: &str = "bwadmin";

/// One host of the lab.
#[derive(Debug, Clone, PartialEq)]
pub struct LabHostConfig {
    /// Short name, e.g. `xsp1`.
    pub name: String,
    /// The group it belongs to (the topology prefix, or the product in a uniform lab).
    pub group: String,
    /// Server type.
    pub product: Product,
    /// Release.
    pub release: Release,
    /// Loopback address of all its servers.
    pub address: IpAddr,
    /// SSH port (0 = any free port for a new host, the port it had for a host
    /// reopened from the lab directory).
    pub ssh_port: u16,
    /// HTTPS interface port (0 as for `ssh_port`).
    pub https_port: u16,
    /// Secure CTI port (0 as for `ssh_port`).
    pub cti_port: u16,
    /// How a login starts.
    pub login_shell: LoginShell,
    /// Faults at start.
    pub faults: Faults,
    /// Whether it is a target of the `_xsi-client._tcp` SRV records.
    pub xsi: bool,
    /// Layout choices of its CLI (CTI layout, HttpServer address header).
    pub layout: CliLayout,
    /// The server certificate its secure interfaces start with when it is created
    /// (default: a self-signed one, docs/decisions.md D6).
    pub server_certificate: Option<StartingCertificate>,
    /// Patches installed when it is created, besides its release's set
    /// (`data/patches.toml`): e.g. those the lab playbook's modules need.
    pub patches: Vec<String>,
}

/// Everything `Lab::start` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LabConfig {
    /// The state directory: `DIR/<host>/` per host, `hosts.json`, `control.sock`,
    /// the client key pair and the password file.
    pub dir: PathBuf,
    /// The DNS zone, e.g. `lab.xspctl.test.`.
    pub zone: String,
    /// The login user of every host.
    pub user: String,
    /// The hosts. Empty with `ssh: false`: every host already in `dir` is served.
    pub hosts: Vec<LabHostConfig>,
    /// Where DNS listens (port 0 = any free port).
    pub dns: SocketAddr,
    /// Whether to serve SSH. Without it the lab serves TLS and DNS for the hosts
    /// already in `dir` (a real sshd runs bwcli, as in the Vagrant box).
    pub ssh: bool,
    /// Whether TLS may listen on non-loopback addresses (the Vagrant box only).
    pub allow_external: bool,
    /// Whether to serve the control socket `DIR/control.sock`.
    pub control_socket: bool,
}

/// The address `offset` places after `base`.
pub fn nth_address(base: Ipv4Addr, offset: u32) -> Result<IpAddr, LabError> {
    u32::from(base)
        .checked_add(offset)
        .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
        .ok_or_else(|| LabError::Config(format!("too many hosts after {base}")))
}

/// The short name of a product, used as the host name prefix of a uniform lab.
pub fn product_prefix(product: Product) -> &'static str {
    match product {
        Product::Xsp => "xsp",
        Product::Adp => "adp",
        Product::As => "as",
    }
}

impl LabHostConfig {
    /// A host on `address` with every port picked by the OS, a bash login, no faults,
    /// and (unless it is an AS) a target of the Xsi SRV records.
    pub fn new(
        name: String,
        group: String,
        product: Product,
        release: Release,
        address: IpAddr,
    ) -> LabHostConfig {
        LabHostConfig {
            name,
            group,
            product,
            release,
            address,
            ssh_port: 0,
            https_port: 0,
            cti_port: 0,
            login_shell: LoginShell::Bash,
            faults: Faults::default(),
            xsi: product != Product::As,
            layout: CliLayout::default(),
            server_certificate: None,
            patches: Vec::new(),
        }
    }
}

impl LabConfig {
    /// A lab of `hosts` in `dir` with DNS on `dns`: the default zone and user, SSH and
    /// the control socket on, TLS on loopback only.
    pub fn new(dir: PathBuf, hosts: Vec<LabHostConfig>, dns: SocketAddr) -> LabConfig {
        LabConfig {
            dir,
            zone: DEFAULT_ZONE.to_string(),
            user: DEFAULT_USER.to_string(),
            hosts,
            dns,
            ssh: true,
            allow_external: false,
            control_socket: true,
        }
    }

    /// A lab of `count` like hosts named `<product><n>` (`xsp1`, `xsp2`...), on
    /// consecutive addresses from `base_address`, every port picked by the OS, DNS on
    /// the base address; SSH and the control socket on.
    pub fn uniform(
        dir: PathBuf,
        count: u32,
        product: Product,
        release: Release,
        base_address: Ipv4Addr,
    ) -> Result<LabConfig, LabError> {
        let prefix = product_prefix(product);
        let hosts = (0..count)
            .map(|i| {
                Ok(LabHostConfig::new(
                    format!("{prefix}{}", i + 1),
                    prefix.to_string(),
                    product,
                    release,
                    nth_address(base_address, i)?,
                ))
            })
            .collect::<Result<Vec<_>, LabError>>()?;
        Ok(LabConfig::new(
            dir,
            hosts,
            SocketAddr::new(IpAddr::V4(base_address), 0),
        ))
    }

    /// The lab a topology describes.
    pub fn from_topology(dir: PathBuf, topology: &Topology) -> Result<LabConfig, LabError> {
        let base = topology.base_address.unwrap_or(DEFAULT_BASE_ADDRESS);
        let ports = topology.ports;
        let mut hosts = Vec::new();
        for group in &topology.groups {
            if group.prefix.is_empty()
                || !group
                    .prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(LabError::Config(format!(
                    "group prefix {:?} must be letters, digits or '-'",
                    group.prefix
                )));
            }
            for i in 1..=group.count {
                let offset = u32::try_from(hosts.len())
                    .map_err(|_| LabError::Config("too many hosts".to_string()))?;
                hosts.push(LabHostConfig {
                    name: format!("{}{i}", group.prefix),
                    group: group.prefix.clone(),
                    product: group.product,
                    release: group.release,
                    address: nth_address(base, offset)?,
                    ssh_port: ports.map_or(0, |p| p.ssh),
                    https_port: ports.map_or(0, |p| p.https),
                    cti_port: ports.map_or(0, |p| p.cti),
                    login_shell: group.login_shell,
                    faults: group.faults.clone(),
                    xsi: group.serves_xsi(),
                    layout: group.layout.clone(),
                    server_certificate: None,
                    patches: Vec::new(),
                });
            }
        }
        let mut names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(LabError::Config(format!(
                "host {} is defined twice",
                pair[0]
            )));
        }
        let dns = topology
            .dns
            .map_or(SocketAddr::new(IpAddr::V4(base), 0), |d| {
                SocketAddr::new(d.address.unwrap_or(IpAddr::V4(base)), d.port)
            });
        let mut config = LabConfig::new(dir, hosts, dns);
        if let Some(zone) = &topology.zone {
            config.zone = zone.clone();
        }
        if let Some(user) = &topology.user {
            config.user = user.clone();
        }
        Ok(config)
    }

    /// The zone without its trailing dot, as host FQDNs end.
    pub fn domain(&self) -> &str {
        self.zone.trim_end_matches('.')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_labs_take_consecutive_addresses() {
        let config = LabConfig::uniform(
            PathBuf::from("/tmp/lab"),
            3,
            Product::Xsp,
            Release::R23,
            Ipv4Addr::new(127, 77, 0, 254),
        )
        .expect("config");
        let names: Vec<&str> = config.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["xsp1", "xsp2", "xsp3"]);
        let addresses: Vec<String> = config.hosts.iter().map(|h| h.address.to_string()).collect();
        assert_eq!(addresses, ["127.77.0.254", "127.77.0.255", "127.77.1.0"]);
        assert_eq!(config.domain(), "lab.xspctl.test");
    }

    #[test]
    fn topology_groups_become_named_hosts() {
        let topology = Topology::from_yaml(
            "ports: {ssh: 2222, https: 8443, cti: 8012}\ngroups:\n  - {prefix: xspa, count: 2, product: xsp, release: R23}\n  - {prefix: as, count: 2, product: as, release: R22}\n",
        )
        .expect("parse");
        let config =
            LabConfig::from_topology(PathBuf::from("/tmp/lab"), &topology).expect("config");
        let names: Vec<&str> = config.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["xspa1", "xspa2", "as1", "as2"]);
        assert_eq!(config.hosts[3].address.to_string(), "127.77.0.4");
        assert_eq!(config.hosts[3].ssh_port, 2222);
        assert!(config.hosts[0].xsi && !config.hosts[2].xsi);
        assert_eq!(config.dns.to_string(), "127.77.0.1:0");
    }

    #[test]
    fn duplicate_names_are_refused() {
        let topology = Topology::from_yaml(
            "groups:\n  - {prefix: x, product: xsp, release: R23}\n  - {prefix: x, product: as, release: R23}\n",
        )
        .expect("parse");
        assert!(LabConfig::from_topology(PathBuf::from("/tmp/lab"), &topology).is_err());
    }
}
