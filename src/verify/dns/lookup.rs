//! DNS queries with hickory's resolver, bounded in time and count: each query of
//! each resolver at most [`QUERY_TIMEOUT`], one attempt, and the whole batch at
//! most [`MAX_QUERIES`] queries. The queries run on a thread of their own with its
//! own runtime, so callers need none (verify runs hosts on blocking threads).
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

/// How long one query may take, per resolver.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// The most queries one batch makes (resolvers × queries).
pub const MAX_QUERIES: usize = 256;

/// What a query asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// IPv4 addresses.
    A,
    /// IPv6 addresses.
    Aaaa,
    /// Service records.
    Srv,
}

impl Kind {
    fn record_type(self) -> RecordType {
        match self {
            Kind::A => RecordType::A,
            Kind::Aaaa => RecordType::AAAA,
            Kind::Srv => RecordType::SRV,
        }
    }
}

/// One record of an answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Answer {
    /// An A record.
    A(Ipv4Addr),
    /// An AAAA record.
    Aaaa(Ipv6Addr),
    /// An SRV record: its target (lower case, no trailing dot) and port.
    Srv {
        /// The target host.
        target: String,
        /// The port.
        port: u16,
    },
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::A(a) => write!(f, "A {a}"),
            Answer::Aaaa(a) => write!(f, "AAAA {a}"),
            Answer::Srv { target, port } => write!(f, "SRV {target}:{port}"),
        }
    }
}

/// How a query ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Records of the kind asked, sorted.
    Found(Vec<Answer>),
    /// The name does not exist, or has no record of this kind.
    NoRecords(String),
    /// No answer: timeout, refused, unreachable resolver.
    Failed(String),
}

impl Outcome {
    /// The records found (none for a failure).
    pub fn answers(&self) -> &[Answer] {
        match self {
            Outcome::Found(a) => a,
            _ => &[],
        }
    }

    /// One line for evidence: `A 192.0.2.1, A 192.0.2.2` or why there is none.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Found(a) => a
                .iter()
                .map(Answer::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Outcome::NoRecords(why) => format!("no records ({why})"),
            Outcome::Failed(why) => format!("no answer ({why})"),
        }
    }
}

/// Who answers: a configured resolver or the system's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolver {
    /// The system's resolvers (/etc/resolv.conf).
    System,
    /// One resolver at `address:port`, asked over UDP then TCP.
    At(SocketAddr),
}

impl std::fmt::Display for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resolver::System => f.write_str("the system resolver"),
            Resolver::At(a) => write!(f, "resolver {a}"),
        }
    }
}

/// Every query asked of every resolver: `result[r][q]` is resolver `r`'s answer
/// to `queries[q]`. Queries beyond [`MAX_QUERIES`] in all are not made (they end
/// [`Outcome::Failed`]).
pub fn ask(resolvers: &[Resolver], queries: &[(String, Kind)]) -> Vec<Vec<Outcome>> {
    let (resolvers, queries) = (resolvers.to_vec(), queries.to_vec());
    let worker = std::thread::Builder::new()
        .name("dns".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => rt.block_on(ask_all(&resolvers, &queries)),
                Err(e) => failed_all(&resolvers, &queries, &format!("no runtime: {e}")),
            }
        });
    match worker.map(|w| w.join()) {
        Ok(Ok(out)) => out,
        _ => Vec::new(),
    }
}

fn failed_all(resolvers: &[Resolver], queries: &[(String, Kind)], why: &str) -> Vec<Vec<Outcome>> {
    resolvers
        .iter()
        .map(|_| {
            queries
                .iter()
                .map(|_| Outcome::Failed(why.into()))
                .collect()
        })
        .collect()
}

async fn ask_all(resolvers: &[Resolver], queries: &[(String, Kind)]) -> Vec<Vec<Outcome>> {
    let mut made = 0;
    let mut out = Vec::new();
    for r in resolvers {
        let resolver = match build(r) {
            Ok(x) => x,
            Err(why) => {
                out.push(
                    queries
                        .iter()
                        .map(|_| Outcome::Failed(why.clone()))
                        .collect(),
                );
                continue;
            }
        };
        let mut answers = Vec::new();
        for (name, kind) in queries {
            made += 1;
            if made > MAX_QUERIES {
                answers.push(Outcome::Failed(format!(
                    "not asked: more than {MAX_QUERIES} queries"
                )));
                continue;
            }
            answers.push(query(&resolver, name, *kind).await);
        }
        out.push(answers);
    }
    out
}

fn build(r: &Resolver) -> Result<TokioResolver, String> {
    let mut builder = match r {
        Resolver::System => TokioResolver::builder_tokio().map_err(|e| e.to_string())?,
        Resolver::At(a) => {
            let mut ns = NameServerConfig::udp_and_tcp(a.ip());
            for c in &mut ns.connections {
                c.port = a.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
    };
    let opts: &mut ResolverOpts = builder.options_mut();
    opts.timeout = QUERY_TIMEOUT;
    opts.attempts = 1;
    // DNS as the network serves it, not /etc/hosts of the controller.
    opts.use_hosts_file = ResolveHosts::Never;
    opts.cache_size = 0;
    builder.build().map_err(|e| e.to_string())
}

async fn query(resolver: &TokioResolver, name: &str, kind: Kind) -> Outcome {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    let asked = resolver.lookup(fqdn.as_str(), kind.record_type());
    // Bounded even if the resolver's own timeout did not fire.
    let result = match tokio::time::timeout(QUERY_TIMEOUT * 2, asked).await {
        Ok(r) => r,
        Err(_) => return Outcome::Failed(format!("timed out after {:?}", QUERY_TIMEOUT * 2)),
    };
    match result {
        Ok(lookup) => {
            let mut found: Vec<Answer> = lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::A(a) if kind == Kind::A => Some(Answer::A(a.0)),
                    RData::AAAA(a) if kind == Kind::Aaaa => Some(Answer::Aaaa(a.0)),
                    RData::SRV(s) if kind == Kind::Srv => Some(Answer::Srv {
                        target: s
                            .target
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase(),
                        port: s.port,
                    }),
                    _ => None,
                })
                .collect();
            found.sort();
            found.dedup();
            if found.is_empty() {
                Outcome::NoRecords(format!("no {:?} record", kind.record_type()))
            } else {
                Outcome::Found(found)
            }
        }
        Err(e) if e.is_nx_domain() => Outcome::NoRecords("NXDOMAIN".into()),
        Err(e) if e.is_no_records_found() => {
            Outcome::NoRecords(format!("no {:?} record", kind.record_type()))
        }
        Err(e) => Outcome::Failed(e.to_string()),
    }
}
