//! The topology file of a mixed lab (several XSP farms, an NPS XSP, an AS pair...):
//! groups of hosts named `<prefix><n>`, on consecutive loopback addresses.
//!
//! ```yaml
//! zone: lab.xspctl.test.        # optional
//! base_address: 127.77.0.1      # optional; hosts take consecutive addresses
//! user: bwadmin                 # optional
//! ports: {ssh: 2222, https: 8443, cti: 8012}   # optional; 0 = any free port
//! dns: {address: 127.77.0.1, port: 5353}       # optional; default: base address
//! groups:
//!   - {prefix: xspa, count: 2, product: xsp, release: R23}
//!   - {prefix: xspb, count: 2, product: xsp, release: R24}
//!   - {prefix: nps, product: xsp, release: R24, xsi: false}
//!   - {prefix: as, count: 2, product: as, release: R23, login_shell: bwcli}
//!   - {prefix: alt, product: xsp, release: R24, layout: {cti: cti-server, http_address_header: Interface}}
//! ```
use std::net::{IpAddr, Ipv4Addr};

use serde::Deserialize;

use crate::catalog::model::CliLayout;
use crate::host::{Faults, LoginShell, Product, Release};

/// A lab topology file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// The DNS zone (default `lab.xspctl.test.`).
    #[serde(default)]
    pub zone: Option<String>,
    /// The first host's address (default 127.77.0.1).
    #[serde(default)]
    pub base_address: Option<Ipv4Addr>,
    /// The login user (default `bwadmin`).
    #[serde(default)]
    pub user: Option<String>,
    /// Ports of every host.
    #[serde(default)]
    pub ports: Option<Ports>,
    /// Where the DNS server listens.
    #[serde(default)]
    pub dns: Option<DnsListen>,
    /// The host groups, in address order.
    pub groups: Vec<Group>,
}

/// Ports every host uses (each host has its own address); 0 = any free port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ports {
    /// SSH.
    pub ssh: u16,
    /// The HTTPS interface.
    pub https: u16,
    /// The secure CTI port.
    pub cti: u16,
}

/// Where the DNS server listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsListen {
    /// Address (default: the base address).
    #[serde(default)]
    pub address: Option<IpAddr>,
    /// Port (0 = any free port).
    pub port: u16,
}

/// A group of like hosts: `<prefix>1` ... `<prefix><count>`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Name prefix.
    pub prefix: String,
    /// How many hosts (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Server type.
    pub product: Product,
    /// Release.
    pub release: Release,
    /// Whether the hosts serve Xsi to clients, i.e. appear in the `_xsi-client._tcp`
    /// SRV records (default: true for XSP and ADP, false for AS).
    #[serde(default)]
    pub xsi: Option<bool>,
    /// How a login starts (default: a bash prompt).
    #[serde(default)]
    pub login_shell: LoginShell,
    /// Faults at start.
    #[serde(default)]
    pub faults: Faults,
    /// Layout choices of the hosts' CLI (default: the solution guide's forms).
    #[serde(default)]
    pub layout: CliLayout,
}

fn one() -> u32 {
    1
}

impl Group {
    /// Whether the group's hosts are SRV targets.
    pub fn serves_xsi(&self) -> bool {
        self.xsi.unwrap_or(self.product != Product::As)
    }
}

impl Topology {
    /// Parses a topology from YAML text.
    pub fn from_yaml(text: &str) -> Result<Topology, String> {
        serde_saphyr::from_str(text).map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text = r#"
zone: lab.xspctl.test.
base_address: 127.77.0.1
ports: {ssh: 2222, https: 8443, cti: 8012}
dns: {port: 5353}
groups:
  - {prefix: xspa, count: 2, product: xsp, release: R23}
  - {prefix: nps, product: xsp, release: R24, xsi: false}
  - {prefix: as, count: 2, product: as, release: R23, login_shell: bwcli, faults: {delay_ms: 20}}
  - {prefix: alt, product: xsp, release: R24, layout: {cti: cti-server, http_address_header: Interface}}
"#;
        let topology = Topology::from_yaml(text).expect("parse");
        assert_eq!(topology.groups.len(), 4);
        assert_eq!(
            topology.groups[3].layout,
            CliLayout {
                cti: crate::catalog::model::CtiLayout::CtiServer,
                http_address_header: Some("Interface".into()),
            }
        );
        assert_eq!(topology.groups[0].count, 2);
        assert!(topology.groups[0].serves_xsi());
        assert!(!topology.groups[1].serves_xsi());
        assert!(!topology.groups[2].serves_xsi());
        assert_eq!(topology.groups[1].count, 1);
        assert_eq!(topology.groups[2].login_shell, LoginShell::Bwcli);
        assert_eq!(topology.groups[2].faults.delay_ms, 20);
        assert_eq!(topology.dns.map(|d| d.port), Some(5353));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = "groups:\n  - {prefix: x, product: xsp, release: R23, colour: red}\n";
        assert!(Topology::from_yaml(text).is_err());
    }
}
