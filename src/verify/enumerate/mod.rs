//! Suite enumeration per protocol, by raw ClientHello, the way sslyze and testssl.sh
//! do it: offer a batch of suites, read which one the server chose, remove it, offer
//! the rest again, until the server refuses; then learn the server's order among
//! the suites it accepted. Every protocol SSLv3 … TLS 1.3 is offered, each with every
//! suite of the IANA registry that xspctl knows (`catalog::all_ciphers`).
//!
//! A handshake stops at the server's first answer: its ServerHello (the suite it
//! chose), an alert, or silence. A TLS 1.3 HelloRetryRequest names the suite the
//! server chose as a ServerHello does (RFC 8446 §4.1.4): the suite counts as
//! accepted, and is listed in `retried` too (docs/decisions.md D25).
//!
//! Bounds: every connect, write and read has the target's timeout; each batch
//! takes at most one handshake per suite plus one; the order pass at most one per
//! accepted suite, plus one to tell the server's order from the client's. Once a
//! connection fails, nothing more is offered.
//!
//! After the suites, the accepted ones are offered again to learn how the endpoint
//! negotiates (`key_exchange`, `downgrade`): one handshake per group of
//! [`groups::GROUPS`] for at most two protocols, one for the DH group, one for
//! renegotiation, one for the fallback signal; each bounded as above.
mod client_hello;
mod downgrade;
mod exchange;
pub mod findings;
pub mod groups;
mod key_exchange;
mod property_findings;
mod server_hello;

use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::catalog::CipherSuite;
use client_hello::ClientHello;
pub use downgrade::{Fallback, Renegotiation};
use exchange::{Connection, ExchangeError, offer, offer_for_key_exchange};
pub use key_exchange::{DhGroup, ProtocolGroups};
use server_hello::{Alert, Answer, Flight};

/// Suites offered in one ClientHello at most: some servers refuse longer lists
/// (testssl.sh offers at most 128 as well).
pub const BATCH: usize = 128;

/// A protocol version an offer can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// SSL 3.0 (RFC 6101; prohibited by RFC 7568): offered to prove it is refused.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl Protocol {
    /// Every version, oldest first.
    pub const ALL: [Protocol; 5] = [
        Protocol::Ssl3,
        Protocol::Tls10,
        Protocol::Tls11,
        Protocol::Tls12,
        Protocol::Tls13,
    ];

    /// The name reports use: bwcli's for TLS (`TLSv1`, `TLSv1.2`), `SSLv3`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Ssl3 => "SSLv3",
            Protocol::Tls10 => "TLSv1",
            Protocol::Tls11 => "TLSv1.1",
            Protocol::Tls12 => "TLSv1.2",
            Protocol::Tls13 => "TLSv1.3",
        }
    }

    /// The two-byte version on the wire.
    pub fn wire(self) -> u16 {
        match self {
            Protocol::Ssl3 => 0x0300,
            Protocol::Tls10 => 0x0301,
            Protocol::Tls11 => 0x0302,
            Protocol::Tls12 => 0x0303,
            Protocol::Tls13 => 0x0304,
        }
    }

    /// The name of a version read on the wire (`0x0302` → `TLSv1.1`).
    fn wire_name(wire: u16) -> String {
        Protocol::ALL
            .into_iter()
            .find(|p| p.wire() == wire)
            .map_or_else(|| format!("version {wire:#06x}"), |p| p.name().to_string())
    }

    /// Whether `suite` belongs to this version's offers: TLS 1.3 suites to TLS 1.3,
    /// every other suite to the older versions.
    fn offers(self, suite: &CipherSuite) -> bool {
        suite.is_tls13() == (self == Protocol::Tls13)
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The endpoint to enumerate.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// Address (IP or name).
    pub address: &'a str,
    /// Port.
    pub port: u16,
    /// The name to send as SNI, when one is known (never an IP address, RFC 6066 §3).
    pub server_name: Option<&'a str>,
    /// Bound on each connect, and on each exchange after it.
    pub timeout: Duration,
}

/// What an endpoint accepts, per protocol, and how it negotiates keys and
/// versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Enumeration {
    /// One entry per protocol, oldest first.
    pub protocols: Vec<ProtocolSuites>,
    /// The key-exchange groups accepted: TLS 1.2 (or the newest older protocol)
    /// with its ECDHE suites, and TLS 1.3; one entry per protocol probed.
    pub groups: Vec<ProtocolGroups>,
    /// The DH group of the DHE suites, when a DHE suite was accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dh: Option<DhGroup>,
    /// Secure renegotiation (RFC 5746), when TLS ≤ 1.2 was accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renegotiation: Option<Renegotiation>,
    /// A fallback with TLS_FALLBACK_SCSV (RFC 7507), when two protocols were
    /// accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
    /// Handshakes made.
    pub handshakes: usize,
}

impl Enumeration {
    /// The entry for `protocol`.
    pub fn protocol(&self, protocol: Protocol) -> Option<&ProtocolSuites> {
        self.protocols.iter().find(|p| p.protocol == protocol)
    }
}

/// Whether a protocol was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProtocolStatus {
    /// At least one suite was accepted with it.
    Accepted,
    /// Every offer was refused.
    Refused,
    /// The enumeration could not finish (connection, timeout, or an answer that is
    /// not TLS); `reason` says why.
    Error,
}

/// Whose order decides the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// The server's: offered the accepted suites reversed, it still chose its first.
    Server,
    /// The client's: offered them reversed, it chose the client's first.
    Client,
}

/// The suites of one protocol, by IANA name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolSuites {
    /// The protocol.
    pub protocol: Protocol,
    /// Accepted, refused, or error.
    pub status: ProtocolStatus,
    /// Why it was refused (the alert, or the version the server answered with), or
    /// what went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whose order decides, when at least two suites were accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    /// The accepted suites, in the server's order of preference (with the client's
    /// order: in the order chosen when offered in code-point order).
    pub accepted: Vec<&'static str>,
    /// Suites offered and refused.
    pub refused: Vec<&'static str>,
    /// Suites not offered because the enumeration stopped at an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub untried: Vec<&'static str>,
    /// Accepted suites the server chose with a HelloRetryRequest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retried: Vec<&'static str>,
}

/// Enumerates every protocol of `target` with `suites`, then probes what the
/// accepted suites allow: the groups, the DH group, secure renegotiation, the
/// fallback signal.
pub fn enumerate(target: &Target, suites: &[&'static CipherSuite]) -> Enumeration {
    let mut run = Run {
        target,
        handshakes: 0,
        unreachable: None,
    };
    let protocols: Vec<ProtocolSuites> = Protocol::ALL
        .into_iter()
        .map(|p| run.protocol(p, suites))
        .collect();
    let groups = key_exchange::groups(&mut run, &protocols);
    let dh = key_exchange::dh_group(&mut run, &protocols);
    let renegotiation = downgrade::renegotiation(&mut run, &protocols);
    let fallback = downgrade::fallback(&mut run, &protocols);
    Enumeration {
        protocols,
        groups,
        dh,
        renegotiation,
        fallback,
        handshakes: run.handshakes,
    }
}

/// The accepted suites of `entry`, from the catalog.
fn accepted_suites(entry: &ProtocolSuites) -> Vec<&'static CipherSuite> {
    entry
        .accepted
        .iter()
        .filter_map(|name| crate::catalog::cipher(name).ok())
        .collect()
}

/// What one offer carries besides its protocol and suites.
#[derive(Debug, Clone, Copy, Default)]
struct Extras<'a> {
    /// supported_groups; `None`: the default list.
    groups: Option<&'a [u16]>,
    /// An empty TLS 1.3 key_share: the server names its group in a
    /// HelloRetryRequest.
    no_key_share: bool,
    /// TLS_FALLBACK_SCSV after the suites.
    fallback_scsv: bool,
    /// Read past a TLS ≤ 1.2 ServerHello to the ServerKeyExchange.
    key_exchange: bool,
}

/// Every suite xspctl knows: the IANA registry (the guide's 53 among them).
pub fn known_suites() -> Vec<&'static CipherSuite> {
    crate::catalog::all_ciphers().iter().collect()
}

/// How the server answered one offer, for the enumeration.
enum Reply {
    /// It chose this suite of the offer (index), with a HelloRetryRequest or not.
    Chose(usize, bool),
    /// It refused the offer (alert or close); `protocol` when the alert says the
    /// version itself is refused.
    Refused { why: String, protocol: bool },
    /// It answered with another version.
    OtherVersion(String),
    /// It could not be asked, or chose what was not offered.
    Failed(String),
}

struct Run<'a> {
    target: &'a Target<'a>,
    /// Handshakes attempted.
    handshakes: usize,
    /// Why the endpoint cannot be reached, once a connection failed.
    unreachable: Option<String>,
}

impl Run<'_> {
    /// Offers `suites` with `protocol` and `extras` once: the server's flight, or
    /// why there is none.
    fn send(
        &mut self,
        protocol: Protocol,
        suites: &[&'static CipherSuite],
        extras: Extras,
    ) -> Result<Flight, String> {
        if let Some(why) = &self.unreachable {
            return Err(why.clone());
        }
        let codes: Vec<u16> = suites.iter().map(|s| s.code).collect();
        let (mut random, mut key_share) = ([0u8; 32], [0u8; 32]);
        openssl::rand::rand_bytes(&mut random)
            .and_then(|()| openssl::rand::rand_bytes(&mut key_share))
            .map_err(|e| format!("no random bytes for a ClientHello: {e}"))?;
        let hello = ClientHello {
            protocol,
            suites: &codes,
            server_name: self.target.server_name,
            random,
            key_share: (!extras.no_key_share).then_some(key_share),
            groups: extras.groups,
            fallback_scsv: extras.fallback_scsv,
        };
        let to = Connection {
            address: self.target.address,
            port: self.target.port,
            timeout: self.target.timeout,
        };
        self.handshakes += 1;
        let flight = if extras.key_exchange {
            offer_for_key_exchange(&to, &hello)
        } else {
            offer(&to, &hello).map(|answer| Flight {
                answer,
                key_exchange: None,
            })
        };
        flight.map_err(|e| {
            // Unreachable: the other offers are not made (each would wait as long).
            if matches!(e, ExchangeError::Connect { .. }) {
                self.unreachable = Some(e.to_string());
            }
            e.to_string()
        })
    }

    /// Offers `suites` with `protocol` once.
    fn ask(&mut self, protocol: Protocol, suites: &[&'static CipherSuite]) -> Reply {
        let answer = match self.send(protocol, suites, Extras::default()) {
            Ok(flight) => flight.answer,
            Err(why) => return Reply::Failed(why),
        };
        match answer {
            Answer::Hello(h) if h.version != protocol.wire() => {
                Reply::OtherVersion(Protocol::wire_name(h.version))
            }
            Answer::Hello(h) => match suites.iter().position(|s| s.code == h.suite) {
                Some(i) => Reply::Chose(i, h.retry),
                None => Reply::Failed(format!(
                    "the server chose suite {:#06x}, which was not offered",
                    h.suite
                )),
            },
            Answer::Alert(a) => Reply::Refused {
                why: format!("alert {}", a.name()),
                protocol: a.description == Alert::PROTOCOL_VERSION,
            },
            Answer::Closed => Reply::Refused {
                why: "connection closed without an answer".into(),
                protocol: false,
            },
        }
    }

    /// Enumerates one protocol.
    fn protocol(&mut self, protocol: Protocol, suites: &[&'static CipherSuite]) -> ProtocolSuites {
        let candidates: Vec<&'static CipherSuite> = suites
            .iter()
            .copied()
            .filter(|s| protocol.offers(s))
            .collect();
        let mut found = Found::default();
        let mut refusal = None;
        let mut stop = None;
        let mut batches = candidates.chunks(BATCH);
        for batch in batches.by_ref() {
            let mut remaining = batch.to_vec();
            match self.batch(protocol, &mut remaining, &mut found) {
                BatchEnd::Done(why) => {
                    refusal = why.or(refusal);
                    found.refused.extend(remaining);
                }
                BatchEnd::Stop(ProtocolStatus::Refused, why) => {
                    // A refused protocol refuses every suite, offered or not.
                    found.refused.extend(remaining);
                    found.refused.extend(batches.flatten());
                    stop = Some((ProtocolStatus::Refused, why));
                    break;
                }
                BatchEnd::Stop(status, why) => {
                    found.untried.extend(remaining);
                    found.untried.extend(batches.flatten());
                    stop = Some((status, why));
                    break;
                }
            }
        }
        if stop.is_none() && found.accepted.is_empty() {
            let why = refusal.unwrap_or_else(|| "no suite to offer".into());
            stop = Some((ProtocolStatus::Refused, why));
        }
        if stop.is_none() && candidates.len() > BATCH && found.accepted.len() > 1 {
            found.accepted = self.server_preference(protocol, found.accepted);
        }
        self.finish(protocol, found, stop)
    }

    /// Offers one batch until the server refuses what remains of it: each round
    /// removes the suite chosen from `remaining` into `found`.
    fn batch(
        &mut self,
        protocol: Protocol,
        remaining: &mut Vec<&'static CipherSuite>,
        found: &mut Found,
    ) -> BatchEnd {
        for _ in 0..=remaining.len() {
            if remaining.is_empty() {
                break;
            }
            match self.ask(protocol, remaining) {
                Reply::Chose(i, retry) => {
                    let suite = remaining.remove(i);
                    if retry {
                        found.retried.push(suite.iana);
                    }
                    found.accepted.push(suite);
                }
                Reply::Refused {
                    why,
                    protocol: true,
                } if found.accepted.is_empty() => {
                    return BatchEnd::Stop(ProtocolStatus::Refused, why);
                }
                Reply::Refused { why, .. } => return BatchEnd::Done(Some(why)),
                Reply::OtherVersion(v) if found.accepted.is_empty() => {
                    let why = format!("the server answered with {v}");
                    return BatchEnd::Stop(ProtocolStatus::Refused, why);
                }
                Reply::OtherVersion(v) => {
                    let why = format!(
                        "the server answered with {v} after accepting {}",
                        protocol.name()
                    );
                    return BatchEnd::Stop(ProtocolStatus::Error, why);
                }
                Reply::Failed(why) => return BatchEnd::Stop(ProtocolStatus::Error, why),
            }
        }
        // Every suite of the batch was accepted.
        BatchEnd::Done(None)
    }

    /// Orders suites accepted in different batches: offered together, the server
    /// chooses its most preferred first. If an offer fails, the rest keep the
    /// order they were found in.
    fn server_preference(
        &mut self,
        protocol: Protocol,
        accepted: Vec<&'static CipherSuite>,
    ) -> Vec<&'static CipherSuite> {
        let mut remaining = accepted;
        let mut ordered = Vec::with_capacity(remaining.len());
        for _ in 0..remaining.len() {
            match self.ask(protocol, &remaining) {
                Reply::Chose(i, _) => ordered.push(remaining.remove(i)),
                _ => break,
            }
        }
        ordered.extend(remaining);
        ordered
    }

    /// The entry for `protocol`; with two or more accepted suites, one more offer
    /// (them, reversed) tells whose order decides.
    fn finish(
        &mut self,
        protocol: Protocol,
        found: Found,
        stop: Option<(ProtocolStatus, String)>,
    ) -> ProtocolSuites {
        let (status, reason) = match stop {
            Some((status, reason)) => (status, Some(reason)),
            None => (ProtocolStatus::Accepted, None),
        };
        let accepted = found.accepted;
        let order = if status == ProtocolStatus::Accepted && accepted.len() > 1 {
            let reversed: Vec<&'static CipherSuite> = accepted.iter().rev().copied().collect();
            match self.ask(protocol, &reversed) {
                Reply::Chose(i, _) if reversed[i].code == accepted[0].code => Some(Order::Server),
                Reply::Chose(_, _) => Some(Order::Client),
                _ => None,
            }
        } else {
            None
        };
        let names = |suites: &[&'static CipherSuite]| suites.iter().map(|s| s.iana).collect();
        ProtocolSuites {
            protocol,
            status,
            reason,
            order,
            accepted: names(&accepted),
            refused: names(&found.refused),
            untried: names(&found.untried),
            retried: found.retried,
        }
    }
}

/// What one protocol's offers found so far.
#[derive(Default)]
struct Found {
    /// Accepted, in the order chosen.
    accepted: Vec<&'static CipherSuite>,
    /// Accepted with a HelloRetryRequest (IANA names).
    retried: Vec<&'static str>,
    /// Offered and refused.
    refused: Vec<&'static CipherSuite>,
    /// Not offered because of an error.
    untried: Vec<&'static CipherSuite>,
}

/// How a batch ended.
enum BatchEnd {
    /// Nothing more to learn from it: the server refused what remained (why), or
    /// accepted every suite (`None`).
    Done(Option<String>),
    /// The protocol is settled (refused) or cannot be enumerated (error), why.
    Stop(ProtocolStatus, String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::dh::Dh;
    use openssl::ssl::{Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslVersion};
    use std::net::TcpListener;

    /// A loopback OpenSSL server configured by `configure`, serving up to 400
    /// connections (each ends after the ServerHello: the client hangs up).
    fn server(configure: impl FnOnce(&mut SslContextBuilder)) -> u16 {
        let (key, cert) = crate::verify::test_cert::self_signed("enumerate.test");
        let mut b = SslContext::builder(SslMethod::tls_server()).unwrap();
        b.set_security_level(0);
        b.set_certificate(&cert).unwrap();
        b.set_private_key(&key).unwrap();
        b.set_tmp_dh(&Dh::get_2048_256().unwrap()).unwrap();
        configure(&mut b);
        let ctx = b.build();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(400).flatten() {
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let _ = Ssl::new(&ctx).unwrap().accept(stream);
            }
        });
        port
    }

    fn only(b: &mut SslContextBuilder, v: SslVersion) {
        b.set_min_proto_version(Some(v)).unwrap();
        b.set_max_proto_version(Some(v)).unwrap();
    }

    fn run(port: u16) -> Enumeration {
        let target = Target {
            address: "127.0.0.1",
            port,
            server_name: None,
            timeout: Duration::from_secs(5),
        };
        enumerate(&target, &known_suites())
    }

    fn statuses(e: &Enumeration) -> Vec<(&'static str, ProtocolStatus)> {
        e.protocols
            .iter()
            .map(|p| (p.protocol.name(), p.status))
            .collect()
    }

    /// Suites across batches (CBC-SHA256 0x003C, DHE-GCM 0x009F, ECDHE 0xC02F,
    /// CHACHA20 0xCCA8), found exactly, in the server's order.
    #[test]
    fn finds_exactly_the_served_suites_in_the_servers_order() {
        let port = server(|b| {
            only(b, SslVersion::TLS1_2);
            b.set_cipher_list(
                "ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES256-GCM-SHA384:AES128-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
            )
            .unwrap();
            b.set_options(SslOptions::CIPHER_SERVER_PREFERENCE);
        });
        let e = run(port);
        use ProtocolStatus::*;
        assert_eq!(
            statuses(&e),
            [
                ("SSLv3", Refused),
                ("TLSv1", Refused),
                ("TLSv1.1", Refused),
                ("TLSv1.2", Accepted),
                ("TLSv1.3", Refused)
            ]
        );
        let tls12 = e.protocol(Protocol::Tls12).unwrap();
        assert_eq!(
            tls12.accepted,
            [
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            ]
        );
        assert_eq!(tls12.order, Some(Order::Server));
        let offered = known_suites().iter().filter(|s| !s.is_tls13()).count();
        assert_eq!(tls12.accepted.len() + tls12.refused.len(), offered);
        assert!(tls12.untried.is_empty() && tls12.retried.is_empty());
        let tls10 = e.protocol(Protocol::Tls10).unwrap();
        assert_eq!(tls10.reason.as_deref(), Some("alert protocol_version"));
        assert_eq!(tls10.refused.len(), offered);
    }

    #[test]
    fn a_server_that_follows_the_client_is_told_apart() {
        let port = server(|b| {
            only(b, SslVersion::TLS1_2);
            b.set_cipher_list("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")
                .unwrap();
        });
        let tls12 = run(port).protocol(Protocol::Tls12).unwrap().clone();
        assert_eq!(tls12.accepted.len(), 2, "{tls12:?}");
        assert_eq!(tls12.order, Some(Order::Client));
    }

    #[test]
    fn tls13_suites_are_enumerated_and_a_hello_retry_request_counts_as_accepted() {
        let port = server(|b| {
            only(b, SslVersion::TLS1_3);
            b.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
                .unwrap();
            b.set_options(SslOptions::CIPHER_SERVER_PREFERENCE);
        });
        let e = run(port);
        let tls13 = e.protocol(Protocol::Tls13).unwrap();
        assert_eq!(tls13.status, ProtocolStatus::Accepted, "{tls13:?}");
        assert_eq!(
            tls13.accepted,
            ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]
        );
        assert_eq!(tls13.order, Some(Order::Server));
        assert!(tls13.retried.is_empty());
        assert_eq!(
            e.protocol(Protocol::Tls12).unwrap().status,
            ProtocolStatus::Refused
        );

        // Only P-256: the x25519 share is answered by a HelloRetryRequest.
        let port = server(|b| {
            only(b, SslVersion::TLS1_3);
            b.set_ciphersuites("TLS_AES_256_GCM_SHA384").unwrap();
            b.set_groups_list("P-256").unwrap();
        });
        let tls13 = run(port).protocol(Protocol::Tls13).unwrap().clone();
        assert_eq!(tls13.accepted, ["TLS_AES_256_GCM_SHA384"], "{tls13:?}");
        assert_eq!(tls13.retried, ["TLS_AES_256_GCM_SHA384"]);
    }

    /// Groups one at a time (a weak curve in TLS 1.2; TLS 1.3 only its own
    /// groups), a 1024-bit DH group, RFC 5746 and RFC 7507 as OpenSSL serves them.
    #[test]
    fn groups_dh_renegotiation_and_fallback_are_probed() {
        let port = server(|b| {
            b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
            b.set_cipher_list("ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0")
                .unwrap();
            b.set_groups_list("P-224:P-256:X25519:ffdhe3072").unwrap();
            let p = openssl::bn::BigNum::get_rfc2409_prime_1024().unwrap();
            let g = openssl::bn::BigNum::from_u32(2).unwrap();
            b.set_tmp_dh(&Dh::from_pqg(p, None, g).unwrap()).unwrap();
        });
        let e = run(port);
        let groups: Vec<(&str, Vec<&str>)> = e
            .groups
            .iter()
            .map(|g| (g.protocol.name(), g.accepted.clone()))
            .collect();
        assert_eq!(
            groups,
            [
                ("TLSv1.2", vec!["secp224r1", "secp256r1", "x25519"]),
                ("TLSv1.3", vec!["secp256r1", "x25519", "ffdhe3072"]),
            ],
            "{:#?}",
            e.groups
        );
        assert!(
            e.groups
                .iter()
                .all(|g| g.error.is_none() && g.untried.is_empty())
        );
        let dh = e.dh.as_ref().expect("a DHE suite was accepted");
        assert_eq!(dh.bits, Some(1024), "{dh:?}");
        assert_eq!(dh.suite, Some("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"));
        let reneg = e.renegotiation.as_ref().expect("TLS 1.2 accepted");
        assert_eq!(
            (reneg.protocol, reneg.secure),
            (Protocol::Tls12, Some(true))
        );
        let fallback = e.fallback.as_ref().expect("two protocols");
        assert_eq!(
            (fallback.newest, fallback.offered, fallback.refused),
            (Protocol::Tls13, Protocol::Tls12, Some(true)),
            "{fallback:?}"
        );
        assert_eq!(fallback.answer, "alert inappropriate_fallback");
    }

    /// One protocol: nothing to fall back to; no DHE: no DH group; TLS 1.3 only:
    /// no renegotiation.
    #[test]
    fn probes_that_do_not_apply_are_not_made() {
        let port = server(|b| only(b, SslVersion::TLS1_3));
        let e = run(port);
        assert_eq!(e.fallback, None);
        assert_eq!(e.dh, None);
        assert_eq!(e.renegotiation, None);
        assert_eq!(e.groups.len(), 1);
        assert_eq!(e.groups[0].protocol, Protocol::Tls13);
    }

    #[test]
    fn a_closed_port_is_an_error_with_every_suite_untried() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = run(port);
        for p in &e.protocols {
            assert_eq!(p.status, ProtocolStatus::Error, "{p:?}");
            assert!(p.reason.as_deref().unwrap().starts_with("cannot connect"));
            assert!(p.accepted.is_empty() && p.refused.is_empty());
            assert!(!p.untried.is_empty());
        }
        // One connection refused; the other protocols are not tried again.
        assert_eq!(e.handshakes, 1);
    }
}
