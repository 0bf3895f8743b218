//! The validated desired state: inventory, connections and Webex settings per host.
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::catalog::{CipherSuite, Product, Release, TlsProtocol, UnknownName};

pub use super::diagnostic::Location;
use super::module_api::Settings;
pub use super::secret_ref::SecretRef;

/// A loaded, valid playbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Playbook {
    /// The file, as given to [`crate::playbook::load`].
    pub path: PathBuf,
    /// The farms, in file order.
    pub farms: Vec<Farm>,
    /// Every host of every farm, in file order, with its settings resolved.
    pub hosts: Vec<Host>,
    /// The local files the connections name (key files, known_hosts, secret files),
    /// each with where the playbook names it; checked before any connection.
    pub local_files: Vec<LocalFile>,
    /// What `verify` needs besides the hosts.
    pub verify: VerifySettings,
}

/// The playbook's `verify` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySettings {
    /// The client identity presented on the CTI interfaces to prove mutual TLS.
    pub client_certificate: Option<ClientIdentity>,
    /// The CA certificates verify trusts for the servers' certificates; without
    /// it, the public roots (webpki-roots).
    pub server_ca: Option<ServerCa>,
    /// Findings the operator accepts, each with a reason, until a date.
    pub waivers: Vec<CheckWaiver>,
    /// `verify.dns`: the resolvers and SRV domains of the DNS checks.
    pub dns: DnsSettings,
    /// `verify.reach`: the outbound targets of the reachability check.
    pub reach: ReachSettings,
}

/// A finding the operator accepts until a date (`verify.waivers`): while it holds,
/// a matching finding is shown as waived and does not fail the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckWaiver {
    /// The check id it waives.
    pub check: crate::report::CheckId,
    /// The hosts it covers (a glob such as `xsp*`); every host when absent.
    pub host: Option<String>,
    /// Text the finding's subject must contain; any subject when absent.
    pub subject: Option<String>,
    /// Why the finding is accepted.
    pub reason: String,
    /// The last day it holds (UTC).
    pub expires: time::Date,
    /// Where the playbook names it.
    pub at: super::diagnostic::Location,
}

/// The file of CA certificates `verify.server_ca` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCa {
    /// The file (PEM).
    pub path: PathBuf,
    /// Where the playbook names it.
    pub at: super::diagnostic::Location,
}

/// The playbook's `verify.dns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsSettings {
    /// The resolvers asked, each `address:port`; none: the system's (resolv.conf).
    pub resolvers: Vec<std::net::SocketAddr>,
    /// The Xsi domains whose `_xsi-client._tcp.<domain>` SRV records Webex clients
    /// look up (solution guide A §7.6).
    pub xsi_srv_domains: Vec<String>,
}

/// The playbook's `verify.reach`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachSettings {
    /// The Webex region whose egress targets each host must reach (`us`, `emea`).
    pub region: Option<String>,
    /// The targets (`host`, port) that replace the region's, when given.
    pub outbound: Option<Vec<(String, u16)>>,
}

/// A client certificate and its private key, as files (the key is read only when a
/// handshake needs it, and never printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The certificate (PEM), optionally followed by its issuing CAs.
    pub certificate: PathBuf,
    /// The private key file (PEM).
    pub key: PathBuf,
    /// Where the playbook names the certificate.
    pub at: super::diagnostic::Location,
}

/// A local file a connection needs, and where the playbook names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// What the file is for.
    pub kind: LocalFileKind,
    /// The resolved path.
    pub path: std::path::PathBuf,
    /// Where the playbook names it (for a default `known_hosts`: the host or jump
    /// host that uses it).
    pub at: super::diagnostic::Location,
    /// Who uses it, e.g. "host `xsp1`".
    pub who: String,
    /// Whether the playbook does not name it and the default applies.
    pub defaulted: bool,
}

/// What a local file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFileKind {
    /// An SSH private key (`key_file`).
    KeyFile,
    /// The known_hosts file (`known_hosts`).
    KnownHosts,
    /// A secret kept in a file (`file:` reference).
    SecretFile,
    /// A certificate file (`verify.client_certificate.certificate`).
    ClientCertificate,
    /// A file of CA certificates (`verify.server_ca`).
    CaCertificates,
}

/// A farm: hosts of one product and role set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Farm {
    /// The farm's name.
    pub name: String,
    /// Its hosts' names, in file order.
    pub hosts: Vec<String>,
}

/// One server, with everything inherited from `defaults` and its farm resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// The host's name (unique in the playbook).
    pub name: String,
    /// The name of its farm.
    pub farm: String,
    /// XSP, ADP or AS.
    pub product: Product,
    /// The release it runs.
    pub release: Release,
    /// The applications it serves.
    pub roles: BTreeSet<Role>,
    /// How to reach it over SSH.
    pub connection: Connection,
    /// The Webex for BroadWorks settings it must hold.
    pub webex: Webex,
    /// The name Webex and its clients reach the host by (`fqdn`), for the DNS checks.
    pub fqdn: Option<String>,
    /// Where the host is declared.
    pub location: Location,
}

/// An application a host serves (solution guide B §0, guide A §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Xsi-Actions and Xsi-Events.
    Xsi,
    /// The Authentication Service.
    AuthService,
    /// Computer Telephony Integration (mTLS for Webex).
    Cti,
    /// Device Management.
    Dms,
    /// The Notification Push Server (alone on its host: guide A §3.4).
    Nps,
    /// Call Settings Webview.
    CallSettings,
    /// The Application Server itself.
    As,
}

impl Role {
    /// Every role, in the order of [`Role::NAMES`].
    pub const ALL: [Role; 7] = [
        Role::Xsi,
        Role::AuthService,
        Role::Cti,
        Role::Dms,
        Role::Nps,
        Role::CallSettings,
        Role::As,
    ];

    /// Playbook spellings.
    pub const NAMES: &'static [&'static str] = &[
        "xsi",
        "authservice",
        "cti",
        "dms",
        "nps",
        "callsettings",
        "as",
    ];

    /// The playbook spelling.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownName {
                what: "role",
                given: s.to_string(),
                expected: Role::NAMES,
            })
    }
}

/// How to reach a host (or a jump host) over SSH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// IP address or DNS name.
    pub address: String,
    /// SSH port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// Authentication methods, tried in this order: key file, agent, password.
    pub auth: Vec<Auth>,
    /// The known_hosts file the host key is checked against (absolute).
    pub known_hosts: PathBuf,
    /// The jump host to tunnel through, if any.
    pub jump: Option<Box<Connection>>,
    /// Limit for TCP connect plus SSH handshake and authentication.
    pub connect_timeout: Duration,
    /// Limit for one command (one bwcli answer, one exec).
    pub command_timeout: Duration,
    /// Interval of SSH keepalives; zero turns them off.
    pub keepalive: Duration,
}

/// One way to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A private key file (absolute path), maybe encrypted with a passphrase.
    KeyFile {
        /// The private key file.
        path: PathBuf,
        /// Where its passphrase comes from, if it has one.
        passphrase: Option<SecretRef>,
    },
    /// The keys of the running ssh-agent (`SSH_AUTH_SOCK`).
    Agent,
    /// A password.
    Password(SecretRef),
}

/// The Webex for BroadWorks settings of a host: each configured module's settings,
/// in registry order (src/modules/registry.rs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Webex {
    modules: Vec<(&'static str, Settings)>,
    /// What the modules' farm stages found for the host's farm, in this run.
    farm: Vec<(&'static str, FarmFacts)>,
}

/// What a module's farm stage found on the farm's reference host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FarmFacts {
    /// The facts every host of the farm renders with.
    Found(Settings),
    /// Why there are none: the host cannot be planned without them.
    Failed(String),
}

impl Webex {
    /// The settings built for the host, each under its module's key.
    pub(crate) fn new(modules: Vec<(&'static str, Settings)>) -> Webex {
        Webex {
            modules,
            farm: Vec::new(),
        }
    }

    /// Records what module `key`'s farm stage found for this host's farm.
    pub fn set_farm_facts(&mut self, key: &'static str, facts: FarmFacts) {
        self.farm.retain(|(k, _)| *k != key);
        self.farm.push((key, facts));
    }

    /// What module `key`'s farm stage found, if it ran.
    pub fn farm_facts(&self, key: &str) -> Option<&FarmFacts> {
        self.farm.iter().find(|(k, _)| *k == key).map(|(_, f)| f)
    }

    /// Every configured module's key and settings, in registry order.
    pub fn configured(&self) -> impl Iterator<Item = (&'static str, &Settings)> {
        self.modules.iter().map(|(k, s)| (*k, s))
    }

    /// The settings of module `key`, if the host has it and they are of type `T`.
    pub fn get<T: std::any::Any>(&self, key: &str) -> Option<&T> {
        self.modules
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, s)| s.get())
    }

    /// The TLS module's settings, if set.
    pub fn tls(&self) -> Option<&TlsModule> {
        self.get("tls")
    }
}

/// The TLS module: protocols and suites on the HTTP (Xsi, AuthService) and CTI interfaces
/// (solution guide B §3 and §5.2-§5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsModule {
    /// The HTTP server interfaces, if managed.
    pub http: Option<InterfaceTls>,
    /// The CTI interfaces, if managed.
    pub cti: Option<InterfaceTls>,
    /// Suites accepted although they break the guide's rule, each with its reason.
    pub waivers: Vec<Waiver>,
}

/// What one interface type must offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceTls {
    /// The level of the SSL hierarchy that holds the lists (docs/decisions.md D1, D4).
    pub level: TlsLevel,
    /// Protocols; empty: leave protocols alone.
    pub protocols: Vec<TlsProtocol>,
    /// Suites in preference order; empty: leave suites alone.
    pub ciphers: Vec<&'static CipherSuite>,
    /// The interfaces to configure; `None`: every secure interface of the host.
    pub interfaces: Option<Vec<InterfaceSelector>>,
}

/// A level of the SSL settings hierarchy (guide B §3, §5.2; docs/decisions.md D1, D4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsLevel {
    /// R21 SP1 container options (`bw.apache.ssl*`, `bw.cti.*`): the only level there.
    ContainerOptions,
    /// `System/SSLCommonSettings/JSSE` (R22+).
    SystemJsse,
    /// `System/SSLCommonSettings/OpenSSL` (R22+).
    SystemOpenssl,
    /// `Interface/Http|CTI/SSLCommonSettings` (R22+).
    InterfaceType,
    /// The interface's own `SSLSettings` (R22+).
    Interface,
}

impl TlsLevel {
    /// Every level, in the order of [`TlsLevel::NAMES`].
    pub const ALL: [TlsLevel; 5] = [
        TlsLevel::ContainerOptions,
        TlsLevel::SystemJsse,
        TlsLevel::SystemOpenssl,
        TlsLevel::InterfaceType,
        TlsLevel::Interface,
    ];

    /// Playbook spellings.
    pub const NAMES: &'static [&'static str] = &[
        "container-options",
        "system-jsse",
        "system-openssl",
        "interface-type",
        "interface",
    ];

    /// The playbook spelling (also what the TLS templates take).
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Whether `release` has this level: container options on R21 SP1 only, the SSL
    /// hierarchy on R22 and later (guide B §3; docs/decisions.md D4).
    pub fn exists_on(self, release: Release) -> bool {
        (self == TlsLevel::ContainerOptions) != release.has_ssl_hierarchy()
    }
}

impl fmt::Display for TlsLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TlsLevel {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TlsLevel::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| UnknownName {
                what: "TLS level",
                given: s.to_string(),
                expected: TlsLevel::NAMES,
            })
    }
}

/// An interface chosen by address (HTTP: and port; CTI interfaces have no port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterfaceSelector {
    /// The interface's IP address.
    pub ip: IpAddr,
    /// The HTTP port; `None`: every port of that address.
    pub port: Option<u16>,
}

/// A suite accepted although it breaks the guide's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The suite.
    pub cipher: &'static CipherSuite,
    /// Why, for the record (a ticket, a legacy client).
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.name().parse(), Ok(r));
        }
        for l in TlsLevel::ALL {
            assert_eq!(l.name().parse(), Ok(l));
        }
    }

    #[test]
    fn levels_per_release_follow_d4() {
        assert!(TlsLevel::ContainerOptions.exists_on(Release::R21Sp1));
        assert!(!TlsLevel::Interface.exists_on(Release::R21Sp1));
        assert!(TlsLevel::Interface.exists_on(Release::R22));
        assert!(TlsLevel::SystemJsse.exists_on(Release::Adp));
        assert!(!TlsLevel::ContainerOptions.exists_on(Release::R24));
    }
}
