//! Secure renegotiation (RFC 5746) and downgrade protection (RFC 7507), each from
//! one more offer after the enumeration.
//!
//! - Renegotiation: the newest protocol below TLS 1.3 accepted (SSLv3 aside) is
//!   offered with its accepted suites and an empty renegotiation_info; a server
//!   that implements RFC 5746 answers with renegotiation_info (§3.6).
//! - Fallback: with two or more protocols accepted, the second newest is offered
//!   with its suites and TLS_FALLBACK_SCSV; the server must refuse with
//!   inappropriate_fallback, as its newest is higher (RFC 7507 §3).
use serde::Serialize;

use super::server_hello::Answer;
use super::{Extras, Protocol, ProtocolStatus, ProtocolSuites, Run, accepted_suites};

/// The inappropriate_fallback alert (RFC 7507 §2).
const INAPPROPRIATE_FALLBACK: u8 = 86;

/// Whether the server implements RFC 5746.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renegotiation {
    /// The protocol offered.
    pub protocol: Protocol,
    /// The ServerHello had renegotiation_info; `None` when there was no ServerHello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure: Option<bool>,
    /// Why there was no ServerHello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How the server answered a fallback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fallback {
    /// The newest protocol accepted.
    pub newest: Protocol,
    /// The protocol offered with TLS_FALLBACK_SCSV.
    pub offered: Protocol,
    /// Refused with inappropriate_fallback (`true`), answered with a ServerHello
    /// (`false`); `None` when the answer was anything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<bool>,
    /// The server's answer, in words.
    pub answer: String,
}

/// Probes RFC 5746, when a protocol below TLS 1.3 was accepted.
pub(super) fn renegotiation(run: &mut Run, protocols: &[ProtocolSuites]) -> Option<Renegotiation> {
    let entry = protocols
        .iter()
        .filter(|p| p.status == ProtocolStatus::Accepted)
        .filter(|p| !matches!(p.protocol, Protocol::Ssl3 | Protocol::Tls13))
        .max_by_key(|p| p.protocol)?;
    let mut out = Renegotiation {
        protocol: entry.protocol,
        secure: None,
        error: None,
    };
    match run.send(entry.protocol, &accepted_suites(entry), Extras::default()) {
        Ok(flight) => match flight.answer {
            Answer::Hello(h) => out.secure = Some(h.renegotiation_info),
            Answer::Alert(a) => {
                out.error = Some(format!(
                    "the accepted suites were refused: alert {}",
                    a.name()
                ));
            }
            Answer::Closed => out.error = Some("the accepted suites were refused".into()),
        },
        Err(why) => out.error = Some(why),
    }
    Some(out)
}

/// Probes RFC 7507, when two protocols or more were accepted.
pub(super) fn fallback(run: &mut Run, protocols: &[ProtocolSuites]) -> Option<Fallback> {
    let mut accepted: Vec<&ProtocolSuites> = protocols
        .iter()
        .filter(|p| p.status == ProtocolStatus::Accepted)
        .collect();
    accepted.sort_by_key(|p| p.protocol);
    let [.., lower, newest] = accepted[..] else {
        return None;
    };
    let extras = Extras {
        fallback_scsv: true,
        ..Extras::default()
    };
    let (refused, answer) = match run.send(lower.protocol, &accepted_suites(lower), extras) {
        Ok(flight) => match flight.answer {
            Answer::Alert(a) if a.description == INAPPROPRIATE_FALLBACK => {
                (Some(true), "alert inappropriate_fallback".to_string())
            }
            Answer::Alert(a) => (None, format!("alert {}", a.name())),
            Answer::Closed => (None, "connection closed without an answer".into()),
            Answer::Hello(h) => (
                Some(false),
                format!("ServerHello with {}", Protocol::wire_name(h.version)),
            ),
        },
        Err(why) => (None, why),
    };
    Some(Fallback {
        newest: newest.protocol,
        offered: lower.protocol,
        refused,
        answer,
    })
}
