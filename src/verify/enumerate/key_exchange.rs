//! Which key-exchange groups an endpoint accepts, and how large its DH group is.
//!
//! Groups are offered one at a time (supported_groups of one entry):
//! - TLS ≤ 1.2 (the newest such protocol with ECDHE suites accepted): the curves,
//!   with those ECDHE suites; a ServerHello choosing one of them proves the curve
//!   once the ServerKeyExchange names it (RFC 8422 §5.4).
//! - TLS 1.3: every TLS 1.3 group, with the accepted TLS 1.3 suites and an empty
//!   key_share, so that a server supporting the group names it in a
//!   HelloRetryRequest (RFC 8446 §4.1.4, §4.2.8) without a key share to check.
//!
//! Finite-field groups are probed in TLS 1.3 only: in TLS 1.2 many servers ignore
//! RFC 7919 and use their own parameters, which the DH probe measures. The DH probe
//! offers the accepted DHE suites with curves only (no ffdhe group), so the server
//! uses the parameters an older client gets, and reads the prime's size from the
//! ServerKeyExchange (RFC 5246 §7.4.3).
use serde::Serialize;

use super::groups::{GROUPS, Group, name_of};
use super::server_hello::Answer;
use super::{Extras, Protocol, ProtocolStatus, ProtocolSuites, Run, accepted_suites};
use crate::catalog::{CipherSuite, KeyExchange};

/// The groups offered with DHE suites: curves only (x25519, P-256, P-384, P-521).
const CURVES_ONLY: &[u16] = &[0x001d, 0x0017, 0x0018, 0x0019];

/// The groups one protocol accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolGroups {
    /// The protocol offered.
    pub protocol: Protocol,
    /// Groups accepted (IANA names), in code-point order.
    pub accepted: Vec<&'static str>,
    /// Groups offered and refused.
    pub refused: Vec<&'static str>,
    /// Groups not offered because the probe stopped at an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub untried: Vec<&'static str>,
    /// Why the probe stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The DH group a DHE suite got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DhGroup {
    /// The protocol offered.
    pub protocol: Protocol,
    /// The suite the server chose (IANA name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite: Option<&'static str>,
    /// The size of the prime p, in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<usize>,
    /// Why the size is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The newest protocol below TLS 1.3 (SSLv3 aside: it has no extensions) that
/// accepted suites of key exchange `kx`, with those suites.
fn newest_legacy(
    protocols: &[ProtocolSuites],
    kx: KeyExchange,
) -> Option<(Protocol, Vec<&'static CipherSuite>)> {
    protocols
        .iter()
        .filter(|p| p.status == ProtocolStatus::Accepted)
        .filter(|p| !matches!(p.protocol, Protocol::Ssl3 | Protocol::Tls13))
        .filter_map(|p| {
            let suites: Vec<_> = accepted_suites(p)
                .into_iter()
                .filter(|s| s.kx == kx)
                .collect();
            (!suites.is_empty()).then_some((p.protocol, suites))
        })
        .max_by_key(|(p, _)| *p)
}

/// Probes the groups of TLS ≤ 1.2 (with ECDHE suites) and of TLS 1.3.
pub(super) fn groups(run: &mut Run, protocols: &[ProtocolSuites]) -> Vec<ProtocolGroups> {
    let mut out = Vec::new();
    if let Some((protocol, suites)) = newest_legacy(protocols, KeyExchange::Ecdhe) {
        let curves: Vec<&Group> = GROUPS.iter().filter(|g| g.curve).collect();
        out.push(probe_groups(run, protocol, &suites, &curves));
    }
    let tls13 = protocols
        .iter()
        .find(|p| p.protocol == Protocol::Tls13 && p.status == ProtocolStatus::Accepted);
    if let Some(entry) = tls13 {
        let groups: Vec<&Group> = GROUPS.iter().filter(|g| g.tls13).collect();
        out.push(probe_groups(
            run,
            Protocol::Tls13,
            &accepted_suites(entry),
            &groups,
        ));
    }
    out
}

/// How one group offer ended.
enum GroupReply {
    Accepted,
    Refused,
    Failed(String),
}

fn probe_groups(
    run: &mut Run,
    protocol: Protocol,
    suites: &[&'static CipherSuite],
    groups: &[&Group],
) -> ProtocolGroups {
    let mut entry = ProtocolGroups {
        protocol,
        accepted: Vec::new(),
        refused: Vec::new(),
        untried: Vec::new(),
        error: None,
    };
    for (i, group) in groups.iter().enumerate() {
        match offer_group(run, protocol, suites, group) {
            GroupReply::Accepted => entry.accepted.push(group.name),
            GroupReply::Refused => entry.refused.push(group.name),
            GroupReply::Failed(why) => {
                entry.error = Some(format!("{}: {why}", group.name));
                entry.untried = groups[i..].iter().map(|g| g.name).collect();
                break;
            }
        }
    }
    entry
}

fn offer_group(
    run: &mut Run,
    protocol: Protocol,
    suites: &[&'static CipherSuite],
    group: &Group,
) -> GroupReply {
    let tls13 = protocol == Protocol::Tls13;
    let extras = Extras {
        groups: Some(&[group.code]),
        no_key_share: tls13,
        key_exchange: !tls13,
        ..Extras::default()
    };
    let flight = match run.send(protocol, suites, extras) {
        Ok(flight) => flight,
        Err(why) => return GroupReply::Failed(why),
    };
    let hello = match flight.answer {
        Answer::Alert(_) | Answer::Closed => return GroupReply::Refused,
        Answer::Hello(h) if h.version != protocol.wire() => {
            return GroupReply::Failed(format!(
                "the server answered with {}",
                Protocol::wire_name(h.version)
            ));
        }
        Answer::Hello(h) => h,
    };
    let chosen = if tls13 {
        hello.group
    } else {
        match flight.key_exchange.as_deref().map(named_curve) {
            Some(Ok(curve)) => Some(curve),
            Some(Err(why)) => return GroupReply::Failed(why),
            None => {
                return GroupReply::Failed(
                    "no ServerKeyExchange after an ECDHE ServerHello".into(),
                );
            }
        }
    };
    match chosen {
        Some(code) if code == group.code => GroupReply::Accepted,
        Some(code) => GroupReply::Failed(format!(
            "the server chose {}, which was not offered",
            name_of(code)
        )),
        None => GroupReply::Failed("the ServerHello names no group".into()),
    }
}

/// The named curve of an ECDHE ServerKeyExchange (RFC 8422 §5.4: curve_type 3,
/// named_curve, then the point).
fn named_curve(params: &[u8]) -> Result<u16, String> {
    match params {
        [3, hi, lo, ..] => Ok(u16::from_be_bytes([*hi, *lo])),
        [kind, ..] => Err(format!(
            "ECDHE ServerKeyExchange of curve type {kind}, not a named curve"
        )),
        [] => Err("an empty ServerKeyExchange".into()),
    }
}

/// The size in bits of the prime of a DHE ServerKeyExchange (RFC 5246 §7.4.3:
/// dh_p<1..2^16-1> first).
fn prime_bits(params: &[u8]) -> Result<usize, String> {
    let len = params
        .get(..2)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        .ok_or("a ServerKeyExchange too short for dh_p")?;
    let p = params
        .get(2..2 + len)
        .ok_or("a ServerKeyExchange shorter than its dh_p")?;
    let p = &p[p.iter().take_while(|b| **b == 0).count()..];
    let first = p.first().ok_or("a dh_p of zero")?;
    Ok((p.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

/// Probes the DH group of the newest protocol below TLS 1.3 with DHE suites.
pub(super) fn dh_group(run: &mut Run, protocols: &[ProtocolSuites]) -> Option<DhGroup> {
    let (protocol, suites) = newest_legacy(protocols, KeyExchange::Dhe)?;
    let extras = Extras {
        groups: Some(CURVES_ONLY),
        key_exchange: true,
        ..Extras::default()
    };
    let mut dh = DhGroup {
        protocol,
        suite: None,
        bits: None,
        error: None,
    };
    let result = match run.send(protocol, &suites, extras) {
        Ok(flight) => match flight.answer {
            Answer::Hello(h) => {
                dh.suite = suites.iter().find(|s| s.code == h.suite).map(|s| s.iana);
                match (dh.suite, flight.key_exchange) {
                    (None, _) => Err(format!(
                        "the server chose suite {:#06x}, not offered",
                        h.suite
                    )),
                    (Some(_), Some(params)) => prime_bits(&params),
                    (Some(_), None) => Err("no ServerKeyExchange after a DHE ServerHello".into()),
                }
            }
            Answer::Alert(a) => Err(format!(
                "the DHE suites accepted before were refused: alert {}",
                a.name()
            )),
            Answer::Closed => Err("the DHE suites accepted before were refused".into()),
        },
        Err(why) => Err(why),
    };
    match result {
        Ok(bits) => dh.bits = Some(bits),
        Err(why) => dh.error = Some(why),
    }
    Some(dh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_curve_and_the_prime_size() {
        assert_eq!(named_curve(&[3, 0x00, 0x17, 65]), Ok(0x0017));
        assert!(named_curve(&[1, 0, 0]).is_err());
        // A 1024-bit prime: 128 bytes, top bit set; with a leading zero byte too.
        let mut params = vec![0x00, 0x80, 0xff];
        params.extend([0x11; 127]);
        params.extend([0x00, 0x01, 0x02]); // g
        assert_eq!(prime_bits(&params), Ok(1024));
        let mut padded = vec![0x00, 0x81, 0x00, 0x7f];
        padded.extend([0x11; 127]);
        assert_eq!(prime_bits(&padded), Ok(1023));
        assert!(prime_bits(&[0x00, 0x05, 1]).is_err());
    }
}
