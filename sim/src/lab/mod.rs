//! One process serving a whole lab: every host's SSH server, TLS endpoints, the DNS
//! zone, the control socket, and `DIR/hosts.json` telling clients how to reach them,
//! with `DIR/known_hosts` and a starter playbook `DIR/playbook.yaml` for xspctl.
//!
//! ```no_run
//! # async fn demo() -> Result<(), xspsim::lab::LabError> {
//! use xspsim::host::{Product, Release};
//! use xspsim::lab::{Lab, LabConfig};
//! let config = LabConfig::uniform("/tmp/lab".into(), 2, Product::Xsp, Release::R23,
//!     "127.77.0.1".parse().expect("address"))?;
//! let lab = Lab::start(config).await?;
//! println!("{:?}", lab.hosts());
//! lab.stop().await;
//! # Ok(()) }
//! ```
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::control::{self, ControlError, ControlServer};
use crate::dns::{DnsError, DnsServer, SrvSet, ZoneData, ZoneHost};
use crate::host::{Endpoint, Faults, HostSpec, SimError, SimHost};
use crate::ssh::{self, HostKeys, SshError};
use crate::tls::{self, EndpointOptions, HostEndpoint};

mod client_files;
mod config;
mod credentials;
mod hosts_file;
mod pki_files;
mod server_certs;
mod topology;

pub use client_files::{KNOWN_HOSTS_FILE, PLAYBOOK_FILE};
pub use config::{
    DEFAULT_BASE_ADDRESS, DEFAULT_USER, LabConfig, LabHostConfig, nth_address, product_prefix,
};
pub use credentials::{CLIENT_KEY_FILE, Credentials, PASSWORD_FILE};
pub use hosts_file::{HOSTS_FILE, HostEntry, HostsFile};
pub use pki_files::{
    COMBINED_CHAIN_FILE, LabPki, LabPkiFiles, SERVER_CA_FILE, WEBEX_CLIENT_CERT_FILE,
    WEBEX_CLIENT_KEY_FILE,
};
pub use server_certs::StartingCertificate;
pub use topology::{DnsListen, Group, Ports, Topology};

/// The SRV owner label Webex clients look up (guide A §7.6).
const XSI_SRV_LABEL: &str = "_xsi-client._tcp";
/// Bound on waiting for the lab's tasks at stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors starting or driving a lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The configuration is not usable.
    #[error("lab configuration: {0}")]
    Config(String),
    /// A file or socket could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The file or address.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A simulated host could not be opened.
    #[error("host {name}: {source}")]
    Host {
        /// Host name.
        name: String,
        /// The cause.
        source: SimError,
    },
    /// SSH keys.
    #[error(transparent)]
    Ssh(#[from] SshError),
    /// DNS.
    #[error(transparent)]
    Dns(#[from] DnsError),
    /// The control socket.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// No such host in the lab.
    #[error("no host {0} in the lab")]
    UnknownHost(String),
}

/// A running lab.
pub struct Lab {
    dir: PathBuf,
    entries: Vec<HostEntry>,
    hosts: control::Registry,
    credentials: Credentials,
    dns: Option<DnsServer>,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl std::fmt::Debug for Lab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lab")
            .field("dir", &self.dir)
            .field("hosts", &self.entries)
            .finish_non_exhaustive()
    }
}

/// A host opened for serving, with the listeners reserved for it.
struct Prepared {
    host: Arc<SimHost>,
    group: String,
    xsi: bool,
    ssh: Option<std::net::TcpListener>,
    https: Option<std::net::TcpListener>,
    cti: Option<std::net::TcpListener>,
}

fn reserve(address: IpAddr, port: u16) -> Result<std::net::TcpListener, LabError> {
    let socket = SocketAddr::new(address, port);
    std::net::TcpListener::bind(socket).map_err(|source| LabError::Io {
        path: PathBuf::from(socket.to_string()),
        source,
    })
}

fn local_port(listener: &std::net::TcpListener) -> Result<u16, LabError> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| LabError::Io {
            path: PathBuf::from("listener"),
            source,
        })
}

/// Binds the host's ports (0 = any free port) and opens its state.
fn prepare_new(
    config: &LabConfig,
    host: &LabHostConfig,
    credentials: &Credentials,
) -> Result<Prepared, LabError> {
    if !host.address.is_loopback() && !config.allow_external {
        return Err(LabError::Config(format!(
            "{}: {} is not a loopback address",
            host.name, host.address
        )));
    }
    // Port 0 means "any free port" for a new host, and "the port it had" for a host
    // reopened from its directory (its state was built for those ports).
    let saved = saved_spec(&config.dir.join(&host.name));
    let port = |wanted: u16, had: fn(&HostSpec) -> u16| match (wanted, &saved) {
        (0, Some(spec)) => had(spec),
        _ => wanted,
    };
    let ssh = reserve(host.address, port(host.ssh_port, |s| s.ssh_port))?;
    let https = reserve(host.address, port(host.https_port, |s| s.https_port))?;
    let cti = reserve(host.address, port(host.cti_port, |s| s.cti_port))?;
    let spec = HostSpec {
        name: host.name.clone(),
        fqdn: format!("{}.{}", host.name, config.domain()),
        product: host.product,
        release: host.release,
        address: host.address,
        ssh_port: local_port(&ssh)?,
        https_port: local_port(&https)?,
        cti_port: local_port(&cti)?,
        user: config.user.clone(),
        password: Some(credentials.password.clone()),
        authorized_keys: vec![credentials.public_key_line.clone()],
        login_shell: host.login_shell,
        faults: host.faults.clone(),
        layout: host.layout.clone(),
    };
    let fresh = !crate::state::store::Store::exists(&config.dir.join(&host.name));
    let host_error = |source| LabError::Host {
        name: host.name.clone(),
        source,
    };
    let sim = SimHost::open(&config.dir, spec).map_err(host_error)?;
    if let Some(cert) = host.server_certificate.as_ref().filter(|_| fresh) {
        server_certs::install(&sim, cert).map_err(host_error)?;
    }
    if fresh && !host.patches.is_empty() {
        let names: Vec<&str> = host.patches.iter().map(String::as_str).collect();
        sim.install_patches(&names).map_err(host_error)?;
    }
    Ok(Prepared {
        host: sim,
        group: host.group.clone(),
        xsi: host.xsi,
        ssh: config.ssh.then_some(ssh),
        https: Some(https),
        cti: Some(cti),
    })
}

/// The spec saved in a host directory, if there is one.
fn saved_spec(host_dir: &Path) -> Option<HostSpec> {
    let text = std::fs::read_to_string(host_dir.join(crate::host::SPEC_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Every host already in `dir` (a sub-directory with a saved spec), for a lab that
/// serves existing hosts without SSH.
fn prepare_existing(dir: &Path) -> Result<Vec<Prepared>, LabError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LabError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut prepared = Vec::new();
    let mut host_dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(crate::host::SPEC_FILE).is_file())
        .collect();
    host_dirs.sort();
    for host_dir in host_dirs {
        let name = host_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let host =
            SimHost::open_existing(&host_dir).map_err(|source| LabError::Host { name, source })?;
        let product = host.spec().product;
        prepared.push(Prepared {
            group: product_prefix(product).to_string(),
            xsi: product != crate::host::Product::As,
            host,
            ssh: None,
            https: None,
            cti: None,
        });
    }
    if prepared.is_empty() {
        return Err(LabError::Config(format!(
            "no host state in {} (create one with `xspsim init`)",
            dir.display()
        )));
    }
    Ok(prepared)
}

/// The zone: an A record per host, and `_xsi-client._tcp` SRV records at the apex
/// (every Xsi host) and under each group (`_xsi-client._tcp.<group>.<zone>`, one
/// farm each).
fn zone_data(config_zone: &str, dns_address: IpAddr, prepared: &[Prepared]) -> ZoneData {
    let origin = format!("{}.", config_zone.trim_end_matches('.'));
    let hosts = prepared
        .iter()
        .map(|p| ZoneHost {
            fqdn: p.host.spec().fqdn.clone(),
            address: p.host.spec().address,
        })
        .collect();
    let mut groups: BTreeMap<&str, Vec<(String, u16)>> = BTreeMap::new();
    let mut apex = Vec::new();
    for p in prepared.iter().filter(|p| p.xsi) {
        let target = (format!("{}.", p.host.spec().fqdn), p.host.spec().https_port);
        apex.push(target.clone());
        groups.entry(p.group.as_str()).or_default().push(target);
    }
    let mut srv = vec![SrvSet {
        name: format!("{XSI_SRV_LABEL}.{origin}"),
        targets: apex,
    }];
    srv.extend(groups.into_iter().map(|(group, targets)| SrvSet {
        name: format!("{XSI_SRV_LABEL}.{group}.{origin}"),
        targets,
    }));
    srv.retain(|set| !set.targets.is_empty());
    ZoneData {
        origin,
        server_address: dns_address,
        hosts,
        srv,
    }
}

impl Lab {
    /// Starts every server of the lab and writes `DIR/hosts.json`.
    pub async fn start(config: LabConfig) -> Result<Lab, LabError> {
        std::fs::create_dir_all(&config.dir).map_err(|source| LabError::Io {
            path: config.dir.clone(),
            source,
        })?;
        let dir = std::fs::canonicalize(&config.dir).map_err(|source| LabError::Io {
            path: config.dir.clone(),
            source,
        })?;
        let config = LabConfig { dir, ..config };
        let credentials = Credentials::load_or_create(&config.dir)?;
        let config = Arc::new(config);
        let credentials = Arc::new(credentials);

        // Opening a fresh host generates its certificates: do it on blocking threads,
        // all hosts at once.
        let prepared = if config.ssh || !config.hosts.is_empty() {
            let mut opening = JoinSet::new();
            for (index, host) in config.hosts.iter().enumerate() {
                let (config, credentials, host) =
                    (config.clone(), credentials.clone(), host.clone());
                opening.spawn_blocking(move || {
                    prepare_new(&config, &host, &credentials).map(|p| (index, p))
                });
            }
            let mut prepared: Vec<(usize, Prepared)> = Vec::new();
            while let Some(joined) = opening.join_next().await {
                let opened = joined.map_err(|e| LabError::Config(format!("opening hosts: {e}")))?;
                prepared.push(opened?);
            }
            prepared.sort_by_key(|(index, _)| *index);
            prepared.into_iter().map(|(_, p)| p).collect()
        } else {
            let dir = config.dir.clone();
            tokio::task::spawn_blocking(move || prepare_existing(&dir))
                .await
                .map_err(|e| LabError::Config(format!("opening hosts: {e}")))??
        };

        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let zone = zone_data(&config.zone, config.dns.ip(), &prepared);
        let dns = DnsServer::start(&zone, config.dns).await?;
        install_resolver(&prepared);

        let mut entries = Vec::new();
        let mut registry = BTreeMap::new();
        for p in prepared {
            let spec = p.host.spec().clone();
            let keys = HostKeys::load_or_generate(p.host.host_dir())?;
            let ssh_port = match p.ssh {
                Some(listener) => {
                    let port = local_port(&listener)?;
                    let listener = to_tokio(listener)?;
                    tasks.spawn(ssh::serve(
                        listener,
                        p.host.clone(),
                        keys.clone(),
                        shutdown.child_token(),
                    ));
                    Some(port)
                }
                None => None,
            };
            for (endpoint, reserved) in [(Endpoint::Http, p.https), (Endpoint::Cti, p.cti)] {
                tasks.spawn(tls::serve(
                    HostEndpoint::new(p.host.clone(), endpoint),
                    EndpointOptions {
                        reserved,
                        allow_external: config.allow_external,
                    },
                    shutdown.child_token(),
                ));
            }
            entries.push(HostEntry {
                name: spec.name.clone(),
                fqdn: spec.fqdn.clone(),
                group: p.group,
                product: spec.product,
                release: spec.release,
                address: spec.address,
                ssh_port,
                user: spec.user.clone(),
                password_file: credentials.password_file.clone(),
                private_key: credentials.private_key.clone(),
                host_key_fingerprint: ssh::keys::fingerprint(keys.primary.public_key()),
                host_public_key: ssh::keys::public_line(keys.primary.public_key()),
                https_port: spec.https_port,
                cti_port: spec.cti_port,
                dns_address: dns.address().ip(),
                dns_port: dns.address().port(),
            });
            registry.insert(spec.name, p.host);
        }
        let registry: control::Registry = Arc::new(registry);
        let control_socket = if config.control_socket {
            let path = control::socket_path(&config.dir);
            let server = ControlServer::bind(&path)?;
            tasks.spawn(server.serve(registry.clone(), shutdown.child_token()));
            Some(path)
        } else {
            None
        };
        HostsFile {
            zone: zone.origin.clone(),
            dns: dns.address(),
            control_socket,
            hosts: entries.clone(),
        }
        .write(&config.dir)?;
        client_files::write(&config.dir, &entries)?;
        let credentials = Arc::try_unwrap(credentials)
            .map_err(|_| LabError::Config("credentials still shared".to_string()))?;
        tracing::info!(dir = %config.dir.display(), hosts = entries.len(), dns = %dns.address(), "lab serving");
        Ok(Lab {
            dir: config.dir.clone(),
            entries,
            hosts: registry,
            credentials,
            dns: Some(dns),
            shutdown,
            tasks,
        })
    }

    /// The lab directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How to reach each host (the content of `hosts.json`).
    pub fn hosts(&self) -> &[HostEntry] {
        &self.entries
    }

    /// One host by name.
    pub fn host(&self, name: &str) -> Option<Arc<SimHost>> {
        self.hosts.get(name).cloned()
    }

    /// The entry of one host by name.
    pub fn entry(&self, name: &str) -> Option<&HostEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The DNS server's address (UDP and TCP).
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns
            .as_ref()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), DnsServer::address)
    }

    /// The client private key authorized on every host.
    pub fn private_key(&self) -> &Path {
        &self.credentials.private_key
    }

    /// The password of the login user on every host.
    pub fn password(&self) -> &str {
        &self.credentials.password
    }

    /// Replaces the faults of a host at run time.
    pub fn set_faults(&self, name: &str, faults: Faults) -> Result<(), LabError> {
        let host = self
            .hosts
            .get(name)
            .ok_or_else(|| LabError::UnknownHost(name.to_string()))?;
        faults.validate().map_err(|source| LabError::Host {
            name: name.to_string(),
            source,
        })?;
        host.set_faults(faults);
        Ok(())
    }

    /// Stops every server (open connections are cut) and removes the control socket;
    /// the hosts' state stays in the directory.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        let tasks = std::mem::take(&mut self.tasks);
        let drained = tokio::time::timeout(STOP_TIMEOUT, tasks.join_all()).await;
        if drained.is_err() {
            tracing::warn!("lab tasks did not stop in time");
        }
        if let Some(dns) = self.dns.take() {
            dns.stop().await;
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn to_tokio(listener: std::net::TcpListener) -> Result<tokio::net::TcpListener, LabError> {
    let io_error = |source| LabError::Io {
        path: PathBuf::from("listener"),
        source,
    };
    listener.set_nonblocking(true).map_err(io_error)?;
    tokio::net::TcpListener::from_std(listener).map_err(io_error)
}

/// Lets the hosts' reachability probes (`nc`) resolve the lab's names.
fn install_resolver(prepared: &[Prepared]) {
    let names: Arc<BTreeMap<String, IpAddr>> = Arc::new(
        prepared
            .iter()
            .flat_map(|p| {
                let spec = p.host.spec();
                [
                    (spec.fqdn.to_ascii_lowercase(), spec.address),
                    (spec.name.to_ascii_lowercase(), spec.address),
                ]
            })
            .collect(),
    );
    for p in prepared {
        let names = names.clone();
        p.host.set_resolver(Arc::new(move |name: &str| {
            names
                .get(&name.trim_end_matches('.').to_ascii_lowercase())
                .copied()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_is_send(config: LabConfig) -> impl std::future::Future + Send {
        Lab::start(config)
    }

    #[test]
    fn a_lab_can_be_moved_across_tasks() {
        fn assert_send<T: Send>() {}
        assert_send::<Lab>();
        let config = LabConfig::uniform(
            PathBuf::from("/nonexistent/lab"),
            1,
            crate::host::Product::Xsp,
            crate::host::Release::R23,
            DEFAULT_BASE_ADDRESS,
        )
        .expect("config");
        // Only built, never polled: this proves `tokio::spawn(Lab::start(..))` compiles.
        drop(start_is_send(config));
    }
}
