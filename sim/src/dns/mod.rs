//! An authoritative DNS server (hickory, UDP + TCP) for the lab zone: an A record for
//! each host, and the `_xsi-client._tcp` SRV records that Webex clients look up
//! (guide A §7.6–7.7) pointing at the XSP hosts.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::proto::rr::rdata::{A, AAAA, NS, SOA, SRV};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

/// The default lab zone.
pub const DEFAULT_ZONE: &str = "lab.xspctl.test.";

/// The record TTL, short so that a changed lab is seen at once.
const TTL: u32 = 60;
/// How long a TCP client may stay idle.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts at finding a port free for both UDP and TCP.
const BIND_ATTEMPTS: usize = 20;

/// Errors of the DNS server.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// A name is not a valid DNS name.
    #[error("invalid DNS name {name:?}: {reason}")]
    Name {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The zone could not be built.
    #[error("zone {0}")]
    Zone(String),
    /// A socket could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// One host of the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneHost {
    /// Fully qualified name (a trailing dot is optional).
    pub fqdn: String,
    /// Its address.
    pub address: IpAddr,
}

/// One SRV record set: `name` → the targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvSet {
    /// The owner name, e.g. `_xsi-client._tcp.lab.xspctl.test.`.
    pub name: String,
    /// `(target FQDN, port)` pairs, all at the same priority and weight.
    pub targets: Vec<(String, u16)>,
}

/// What the zone holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneData {
    /// The zone origin, e.g. `lab.xspctl.test.`.
    pub origin: String,
    /// The address of the name server itself (`ns.<origin>`).
    pub server_address: IpAddr,
    /// Hosts (A or AAAA records).
    pub hosts: Vec<ZoneHost>,
    /// SRV record sets.
    pub srv: Vec<SrvSet>,
}

fn name(text: &str) -> Result<Name, DnsError> {
    let absolute = if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    };
    Name::from_ascii(&absolute).map_err(|error| DnsError::Name {
        name: text.to_string(),
        reason: error.to_string(),
    })
}

fn address_record(owner: Name, address: IpAddr) -> Record {
    match address {
        IpAddr::V4(v4) => Record::from_rdata(owner, TTL, RData::A(A(v4))),
        IpAddr::V6(v6) => Record::from_rdata(owner, TTL, RData::AAAA(AAAA(v6))),
    }
}

/// Builds the authoritative zone.
pub fn build_zone(data: &ZoneData) -> Result<InMemoryZoneHandler<TokioRuntimeProvider>, DnsError> {
    let origin = name(&data.origin)?;
    let ns = name(&format!("ns.{}", origin))?;
    let serial = 1;
    let mut zone = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
        origin.clone(),
        ZoneType::Primary,
        AxfrPolicy::Deny,
    );
    let soa = SOA::new(
        ns.clone(),
        name(&format!("hostmaster.{}", origin))?,
        serial,
        3600,
        600,
        86400,
        TTL,
    );
    let mut records = vec![
        Record::from_rdata(origin.clone(), TTL, RData::SOA(soa)),
        Record::from_rdata(origin.clone(), TTL, RData::NS(NS(ns.clone()))),
        address_record(ns, data.server_address),
    ];
    for host in &data.hosts {
        records.push(address_record(name(&host.fqdn)?, host.address));
    }
    for set in &data.srv {
        let owner = name(&set.name)?;
        for (target, port) in &set.targets {
            let srv = SRV::new(10, 10, *port, name(target)?);
            records.push(Record::from_rdata(owner.clone(), TTL, RData::SRV(srv)));
        }
    }
    for record in records {
        let text = record.to_string();
        if !zone.upsert_mut(record, serial) {
            return Err(DnsError::Zone(format!("cannot add {text}")));
        }
    }
    Ok(zone)
}

/// A running DNS server.
pub struct DnsServer {
    address: SocketAddr,
    server: Server<Catalog>,
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsServer")
            .field("address", &self.address)
            .finish()
    }
}

/// Binds UDP and TCP on the same port; port 0 picks one free for both.
async fn bind(address: SocketAddr) -> Result<(UdpSocket, TcpListener), DnsError> {
    let mut last_error = None;
    for _ in 0..BIND_ATTEMPTS {
        let udp = UdpSocket::bind(address)
            .await
            .map_err(|source| DnsError::Bind { address, source })?;
        let bound = udp
            .local_addr()
            .map_err(|source| DnsError::Bind { address, source })?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(source) if address.port() == 0 => last_error = Some(source),
            Err(source) => return Err(DnsError::Bind { address, source }),
        }
    }
    Err(DnsError::Bind {
        address,
        source: last_error.unwrap_or_else(|| std::io::Error::other("no free port")),
    })
}

impl DnsServer {
    /// Starts serving `data` on `address` (UDP and TCP; port 0 picks a free port).
    pub async fn start(data: &ZoneData, address: SocketAddr) -> Result<DnsServer, DnsError> {
        let zone = build_zone(data)?;
        let mut catalog = Catalog::new();
        let origin = LowerName::from(name(&data.origin)?);
        let handler: Arc<dyn ZoneHandler> = Arc::new(zone);
        catalog.upsert(origin, vec![handler]);
        let (udp, tcp) = bind(address).await?;
        let address = udp
            .local_addr()
            .map_err(|source| DnsError::Bind { address, source })?;
        let mut server = Server::new(catalog);
        server.register_socket(udp);
        server.register_listener(tcp, TCP_TIMEOUT, 64);
        tracing::info!(%address, zone = %data.origin, "DNS serving");
        Ok(DnsServer { address, server })
    }

    /// The address it answers on (UDP and TCP).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops serving.
    pub async fn stop(mut self) {
        if let Err(error) = self.server.shutdown_gracefully().await {
            tracing::debug!(%error, "DNS shutdown");
        }
    }
}
