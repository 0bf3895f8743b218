//! Reads a server's answer to a ClientHello: its ServerHello (what it chose), an
//! alert (what it refused), or a closed connection. Records are framed here (RFC
//! 5246 §6.2.1; a ServerHello may span records, RFC 5246 §6.2.1 "fragmentation");
//! their content is parsed with `tls-parser`.
use std::io::{ErrorKind, Read};
use std::time::Instant;

use tls_parser::{
    TlsExtension, TlsMessage, TlsMessageHandshake, TlsRecordType, parse_tls_message_alert,
    parse_tls_message_handshake, parse_tls_server_hello_extensions,
};

/// The most bytes read while waiting for the ServerHello (it comes first; a
/// certificate chain may follow in the same read).
const MAX_ANSWER: usize = 64 * 1024;

/// The random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// How the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It chose a version and a suite.
    Hello(ServerHello),
    /// It sent an alert.
    Alert(Alert),
    /// It closed the connection without a word.
    Closed,
}

/// What a ServerHello chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerHello {
    /// The version chosen: supported_versions' when present (TLS 1.3, RFC 8446
    /// §4.2.1), else the ServerHello's own.
    pub version: u16,
    /// The suite's code point.
    pub suite: u16,
    /// A HelloRetryRequest (RFC 8446 §4.1.4): the server chose the suite, and asks
    /// for another key share.
    pub retry: bool,
    /// The renegotiation_info extension is present (RFC 5746 §3.6).
    pub renegotiation_info: bool,
    /// The key_share's group (TLS 1.3: the share's, or the group a
    /// HelloRetryRequest asks for).
    pub group: Option<u16>,
}

/// An alert (RFC 5246 §7.2, RFC 8446 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// The description code (`70` protocol_version, `40` handshake_failure...).
    pub description: u8,
}

impl Alert {
    /// protocol_version (70): the server does not speak the version offered.
    pub const PROTOCOL_VERSION: u8 = 70;

    /// The alert's name, as RFC 8446 §6 spells it (`handshake_failure`).
    pub fn name(self) -> String {
        let name = match self.description {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            22 => "record_overflow",
            40 => "handshake_failure",
            47 => "illegal_parameter",
            50 => "decode_error",
            51 => "decrypt_error",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            109 => "missing_extension",
            110 => "unsupported_extension",
            112 => "unrecognized_name",
            120 => "no_application_protocol",
            other => return format!("alert {other}"),
        };
        name.to_string()
    }
}

/// Why no answer could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// Reading failed or timed out.
    #[error("reading the answer: {0}")]
    Io(String),
    /// What came back is not a TLS answer to a ClientHello.
    #[error("not a TLS answer: {0}")]
    Malformed(String),
}

/// Reads until the ServerHello, an alert, or the end of the connection, bounded
/// by [`MAX_ANSWER`] bytes and `deadline` (each read is also bounded by the
/// socket's read timeout).
pub fn read_answer(stream: &mut impl Read, deadline: Instant) -> Result<Answer, AnswerError> {
    first_answer(&mut Messages::new(stream, deadline))
}

/// The answer, and for a TLS ≤ 1.2 ServerHello the ServerKeyExchange's parameters
/// (RFC 5246 §7.4.3) when the server sends one (`None`: static RSA, or a flight
/// without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flight {
    /// The server's first answer.
    pub answer: Answer,
    /// The ServerKeyExchange body (parameters, then the signature).
    pub key_exchange: Option<Vec<u8>>,
}

/// Handshake messages of a TLS ≤ 1.2 flight read past the ServerHello at most.
const MAX_FLIGHT_MESSAGES: usize = 8;

/// Reads the answer and, after a TLS ≤ 1.2 ServerHello, the flight up to the
/// ServerKeyExchange (or the ServerHelloDone or CertificateRequest that shows
/// there is none), within the same bounds as [`read_answer`].
pub fn read_flight(stream: &mut impl Read, deadline: Instant) -> Result<Flight, AnswerError> {
    let mut messages = Messages::new(stream, deadline);
    let answer = first_answer(&mut messages)?;
    let legacy = matches!(answer, Answer::Hello(h) if h.version <= 0x0303 && !h.retry);
    if !legacy {
        return Ok(Flight {
            answer,
            key_exchange: None,
        });
    }
    for _ in 0..MAX_FLIGHT_MESSAGES {
        match messages.next()? {
            Message::Handshake(m) => match m[0] {
                // Certificate, CertificateStatus: before the key exchange.
                11 | 22 => {}
                12 => {
                    return Ok(Flight {
                        answer,
                        key_exchange: Some(m[4..].to_vec()),
                    });
                }
                // CertificateRequest, ServerHelloDone: no key exchange was sent.
                13 | 14 => {
                    return Ok(Flight {
                        answer,
                        key_exchange: None,
                    });
                }
                other => {
                    return Err(AnswerError::Malformed(format!(
                        "handshake message type {other} in the server's flight"
                    )));
                }
            },
            Message::Alert(a) => {
                return Err(AnswerError::Malformed(format!(
                    "alert {} after the ServerHello",
                    a.name()
                )));
            }
            Message::Closed => {
                return Err(AnswerError::Malformed(
                    "the connection closed after the ServerHello".into(),
                ));
            }
        }
    }
    Err(AnswerError::Malformed(format!(
        "no ServerHelloDone in the first {MAX_FLIGHT_MESSAGES} messages after the ServerHello"
    )))
}

/// The first answer: a ServerHello, an alert, or a close.
fn first_answer<R: Read>(messages: &mut Messages<R>) -> Result<Answer, AnswerError> {
    match messages.next()? {
        Message::Alert(a) => Ok(Answer::Alert(a)),
        Message::Closed => Ok(Answer::Closed),
        Message::Handshake(m) => server_hello(&m).map(Answer::Hello),
    }
}

/// What the server sent next.
enum Message {
    /// A whole handshake message, header included.
    Handshake(Vec<u8>),
    /// An alert.
    Alert(Alert),
    /// The connection closed between messages.
    Closed,
}

/// The server's records, read as handshake messages (which may span records, and
/// share them).
struct Messages<'a, R> {
    stream: &'a mut R,
    deadline: Instant,
    /// Bytes read and not yet framed as records.
    input: Vec<u8>,
    /// Handshake bytes not yet taken as messages.
    handshake: Vec<u8>,
    /// Bytes read in all.
    read: usize,
}

impl<'a, R: Read> Messages<'a, R> {
    fn new(stream: &'a mut R, deadline: Instant) -> Self {
        Messages {
            stream,
            deadline,
            input: Vec::new(),
            handshake: Vec::new(),
            read: 0,
        }
    }

    /// The next message, bounded by [`MAX_ANSWER`] bytes read and the deadline.
    fn next(&mut self) -> Result<Message, AnswerError> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(message) = self.take_message() {
                return Ok(Message::Handshake(message));
            }
            if let Some(Record { kind, body, len }) = record(&self.input)? {
                match kind {
                    TlsRecordType::Alert => return alert(body).map(Message::Alert),
                    TlsRecordType::Handshake => self.handshake.extend_from_slice(body),
                    other => {
                        return Err(AnswerError::Malformed(format!(
                            "a {other:?} record in the server's first flight"
                        )));
                    }
                }
                self.input.drain(..len);
                continue;
            }
            if self.read >= MAX_ANSWER {
                return Err(AnswerError::Malformed(format!(
                    "no complete answer in the first {MAX_ANSWER} bytes"
                )));
            }
            if Instant::now() >= self.deadline {
                return Err(AnswerError::Io("timed out".into()));
            }
            let nothing_pending = self.input.is_empty() && self.handshake.is_empty();
            match self.stream.read(&mut chunk) {
                Ok(0) if nothing_pending => return Ok(Message::Closed),
                Ok(0) => {
                    return Err(AnswerError::Malformed(
                        "the connection closed inside a record".into(),
                    ));
                }
                Ok(n) => {
                    self.read += n;
                    self.input.extend_from_slice(&chunk[..n]);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // A reset before any answer is how some servers refuse (e.g. a
                // ClientHello they cannot read at all).
                Err(e) if e.kind() == ErrorKind::ConnectionReset && self.read == 0 => {
                    return Ok(Message::Closed);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(AnswerError::Io("timed out".into()));
                }
                Err(e) => return Err(AnswerError::Io(e.to_string())),
            }
        }
    }

    /// The first whole handshake message of the handshake bytes, removed.
    fn take_message(&mut self) -> Option<Vec<u8>> {
        let header = self.handshake.get(..4)?;
        let len = u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
        self.handshake.get(..4 + len)?;
        Some(self.handshake.drain(..4 + len).collect())
    }
}

/// One record of the input.
struct Record<'a> {
    kind: TlsRecordType,
    body: &'a [u8],
    /// Bytes it took, header included.
    len: usize,
}

/// The first complete record of `input`.
fn record(input: &[u8]) -> Result<Option<Record<'_>>, AnswerError> {
    let Some(header) = input.get(..5) else {
        return Ok(None);
    };
    if header[1] != 3 {
        return Err(AnswerError::Malformed(format!(
            "record header {header:02x?} is not TLS"
        )));
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    // RFC 5246 §6.2.1: a plaintext record holds at most 2^14 bytes.
    if len > 1 << 14 {
        return Err(AnswerError::Malformed(format!("a record of {len} bytes")));
    }
    Ok(input.get(5..5 + len).map(|body| Record {
        kind: TlsRecordType(header[0]),
        body,
        len: 5 + len,
    }))
}

fn alert(body: &[u8]) -> Result<Alert, AnswerError> {
    match parse_tls_message_alert(body) {
        Ok((_, TlsMessage::Alert(a))) => Ok(Alert {
            description: a.code.0,
        }),
        _ => Err(AnswerError::Malformed(format!("alert record {body:02x?}"))),
    }
}

/// The ServerHello `message` (a whole handshake message).
fn server_hello(message: &[u8]) -> Result<ServerHello, AnswerError> {
    let malformed = |what: String| AnswerError::Malformed(what);
    let parsed = parse_tls_message_handshake(message)
        .map_err(|e| malformed(format!("handshake message: {e}")))?;
    let TlsMessage::Handshake(TlsMessageHandshake::ServerHello(hello)) = parsed.1 else {
        return Err(malformed(format!(
            "handshake message type {} where a ServerHello was due",
            message[0]
        )));
    };
    let mut version = hello.version.0;
    let (mut renegotiation_info, mut group) = (false, None);
    if let Some(ext) = hello.ext {
        let (_, extensions) = parse_tls_server_hello_extensions(ext)
            .map_err(|e| malformed(format!("ServerHello extensions: {e}")))?;
        for e in extensions {
            match e {
                TlsExtension::SupportedVersions(v) => {
                    version = v.first().map_or(version, |v| v.0);
                }
                TlsExtension::RenegotiationInfo(_) => renegotiation_info = true,
                // A ServerHello's share, or a HelloRetryRequest's selected group:
                // both start with the group (RFC 8446 §4.2.8).
                TlsExtension::KeyShare(share) => {
                    group = share.get(..2).map(|g| u16::from_be_bytes([g[0], g[1]]));
                }
                _ => {}
            }
        }
    }
    Ok(ServerHello {
        version,
        suite: hello.cipher.0,
        retry: hello.random == HELLO_RETRY_RANDOM,
        renegotiation_info,
        group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn read(bytes: &[u8]) -> Result<Answer, AnswerError> {
        read_answer(
            &mut std::io::Cursor::new(bytes.to_vec()),
            Instant::now() + Duration::from_secs(5),
        )
    }

    /// A TLS 1.2 ServerHello choosing 0xC030, with renegotiation_info, then the
    /// start of a Certificate message (as servers send them together).
    fn tls12_hello() -> Vec<u8> {
        let mut body = vec![0x03, 0x03];
        body.extend([0x5a; 32]);
        body.extend([0x00, 0xc0, 0x30, 0x00]); // no session id, suite, compression
        body.extend([0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00]);
        let mut hs = vec![0x02, 0x00, 0x00, body.len() as u8];
        hs.extend(body);
        hs.extend([0x0b, 0x00, 0x01, 0x00]); // Certificate, cut short
        let mut record = vec![0x16, 0x03, 0x03, 0x00, hs.len() as u8];
        record.extend(hs);
        record
    }

    #[test]
    fn reads_a_tls12_server_hello() {
        assert_eq!(
            read(&tls12_hello()),
            Ok(Answer::Hello(ServerHello {
                version: 0x0303,
                suite: 0xc030,
                retry: false,
                renegotiation_info: true,
                group: None,
            }))
        );
    }

    /// A whole TLS 1.2 flight: ServerHello, Certificate, then `rest` (handshake
    /// messages), the Certificate split across two records.
    fn tls12_flight(rest: &[u8]) -> Vec<u8> {
        let hello = &tls12_hello()[5..];
        let hello = &hello[..hello.len() - 4]; // without the cut-short Certificate
        let certificate = [0x0b, 0x00, 0x00, 0x06, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03];
        let mut first = hello.to_vec();
        first.extend(&certificate[..4]);
        let mut second = certificate[4..].to_vec();
        second.extend(rest);
        let mut bytes = Vec::new();
        for body in [first, second] {
            bytes.extend([0x16, 0x03, 0x03]);
            bytes.extend((body.len() as u16).to_be_bytes());
            bytes.extend(body);
        }
        bytes
    }

    #[test]
    fn reads_the_server_key_exchange_of_a_flight_or_its_absence() {
        let flight = |bytes: Vec<u8>| {
            read_flight(
                &mut std::io::Cursor::new(bytes),
                Instant::now() + Duration::from_secs(5),
            )
        };
        // ServerKeyExchange: named curve secp256r1, a one-byte point.
        let ske = [0x0c, 0x00, 0x00, 0x05, 0x03, 0x00, 0x17, 0x01, 0x04];
        let done = [0x0e, 0x00, 0x00, 0x00];
        let read = flight(tls12_flight(&[&ske[..], &done[..]].concat())).unwrap();
        assert_eq!(read.answer, read_tls12_answer());
        assert_eq!(read.key_exchange, Some(vec![0x03, 0x00, 0x17, 0x01, 0x04]));
        // Static RSA: no ServerKeyExchange before the ServerHelloDone.
        let read = flight(tls12_flight(&done)).unwrap();
        assert_eq!(read.key_exchange, None);
        // The flight ends early.
        let cut = flight(tls12_flight(&[]));
        assert!(matches!(cut, Err(AnswerError::Malformed(_))), "{cut:?}");
    }

    fn read_tls12_answer() -> Answer {
        read(&tls12_hello()).unwrap()
    }

    #[test]
    fn reads_a_server_hello_split_over_two_records_and_reads() {
        let whole = tls12_hello();
        let hs = &whole[5..];
        let mut bytes = vec![0x16, 0x03, 0x03, 0x00, 0x0a];
        bytes.extend(&hs[..10]);
        bytes.extend([0x16, 0x03, 0x03, 0x00, (hs.len() - 10) as u8]);
        bytes.extend(&hs[10..]);
        assert_eq!(read(&bytes), read(&whole));
        // One byte at a time, as a slow network would deliver it.
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some(b) = self.0.get(self.1) else {
                    return Ok(0);
                };
                buf[0] = *b;
                self.1 += 1;
                Ok(1)
            }
        }
        let trickled = read_answer(
            &mut Trickle(bytes, 0),
            Instant::now() + Duration::from_secs(5),
        );
        assert_eq!(trickled, read(&whole));
    }

    /// TLS 1.3: legacy version 1.2, supported_versions 0x0304, a key share; and
    /// the same as a HelloRetryRequest.
    fn tls13_hello(random: [u8; 32]) -> Vec<u8> {
        let mut body = vec![0x03, 0x03];
        body.extend(random);
        body.extend([0x00, 0x13, 0x02, 0x00]);
        let mut ext = vec![0x00, 0x2b, 0x00, 0x02, 0x03, 0x04];
        ext.extend([0x00, 0x33, 0x00, 0x02, 0x00, 0x1d]); // HRR: selected group
        body.extend((ext.len() as u16).to_be_bytes());
        body.extend(ext);
        let mut hs = vec![0x02, 0x00, 0x00, body.len() as u8];
        hs.extend(body);
        let mut record = vec![0x16, 0x03, 0x03, 0x00, hs.len() as u8];
        record.extend(hs);
        record
    }

    #[test]
    fn reads_tls13_server_hello_and_hello_retry_request() {
        let hello = |retry| {
            Ok(Answer::Hello(ServerHello {
                version: 0x0304,
                suite: 0x1302,
                retry,
                renegotiation_info: false,
                group: Some(0x001d),
            }))
        };
        assert_eq!(read(&tls13_hello([7; 32])), hello(false));
        assert_eq!(read(&tls13_hello(HELLO_RETRY_RANDOM)), hello(true));
    }

    #[test]
    fn reads_alerts_and_silence() {
        let answer = read(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]);
        assert_eq!(answer, Ok(Answer::Alert(Alert { description: 70 })));
        assert_eq!(Alert { description: 70 }.name(), "protocol_version");
        assert_eq!(Alert { description: 201 }.name(), "alert 201");
        assert_eq!(read(&[]), Ok(Answer::Closed));
    }

    #[test]
    fn refuses_what_is_not_a_tls_answer() {
        let http = read(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(matches!(http, Err(AnswerError::Malformed(_))), "{http:?}");
        let cut = read(&tls12_hello()[..20]);
        assert!(matches!(cut, Err(AnswerError::Malformed(_))), "{cut:?}");
        // A Certificate where the ServerHello was due.
        let cert = read(&[
            0x16, 0x03, 0x03, 0x00, 0x07, 0x0b, 0x00, 0x00, 0x03, 0, 0, 0,
        ]);
        assert!(matches!(cert, Err(AnswerError::Malformed(_))), "{cert:?}");
        let appdata = read(&[0x17, 0x03, 0x03, 0x00, 0x01, 0x00]);
        assert!(
            matches!(appdata, Err(AnswerError::Malformed(_))),
            "{appdata:?}"
        );
    }
}
