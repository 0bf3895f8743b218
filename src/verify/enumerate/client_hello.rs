//! A ClientHello for one protocol version and a chosen list of suites, as raw bytes:
//! the offer a scanner makes to learn which suites a server accepts (OpenSSL
//! cannot offer every registry suite, nor SSLv3).
//!
//! Layout: RFC 5246 §6.2.1 (record), §7.4.1.2 (ClientHello); RFC 8446 §4.1.2 (TLS 1.3
//! ClientHello), §4.2.1 (supported_versions), §4.2.8 (key_share); extensions RFC 6066
//! §3 (server_name), RFC 8422 §5.1 (supported_groups, ec_point_formats), RFC 5746 §3.2
//! (renegotiation_info), RFC 8446 §4.2.3 (signature_algorithms).
use super::Protocol;

/// Record content type: handshake (RFC 5246 §6.2.1).
const HANDSHAKE: u8 = 22;
/// Handshake type: client_hello (RFC 5246 §7.4).
const CLIENT_HELLO: u8 = 1;

/// Groups offered by default, most wanted first: x25519 (the TLS 1.3 key share), the NIST
/// curves, x448, and the RFC 7919 finite-field groups (so a server that negotiates
/// DHE groups by RFC 7919, as JSSE does, still chooses a DHE suite).
pub const GROUPS: &[u16] = &[
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102,
];

/// Signature schemes offered (RFC 8446 §4.2.3): ECDSA, EdDSA, RSA-PSS, RSA PKCS#1,
/// then the SHA-1 and DSA ones a legacy server may need.
const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401,
    0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202,
];

/// The x25519 group (RFC 8446 §4.2.7), whose share a TLS 1.3 offer carries.
const X25519: u16 = 0x001d;

/// TLS_FALLBACK_SCSV (RFC 7507 §2): the client says it is retrying at a lower
/// version than it supports.
pub const FALLBACK_SCSV: u16 = 0x5600;

/// What one ClientHello offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// The only protocol version offered.
    pub protocol: Protocol,
    /// Suite code points, in the client's order of preference.
    pub suites: &'a [u16],
    /// The server name (SNI), when a name (not an address) is known.
    pub server_name: Option<&'a str>,
    /// The client random (32 bytes).
    pub random: [u8; 32],
    /// The x25519 public key of a TLS 1.3 offer (any 32 bytes: the handshake stops
    /// at the ServerHello, so no secret is ever derived from it). `None` sends an
    /// empty key_share list: a server that supports an offered group names it in a
    /// HelloRetryRequest (RFC 8446 §4.2.8, §4.1.4).
    pub key_share: Option<[u8; 32]>,
    /// The groups of supported_groups; `None`: [`GROUPS`].
    pub groups: Option<&'a [u16]>,
    /// TLS_FALLBACK_SCSV is offered after the suites (RFC 7507 §4).
    pub fallback_scsv: bool,
}

impl ClientHello<'_> {
    /// The whole record: header, handshake header, body.
    pub fn to_record(&self) -> Vec<u8> {
        let body = self.body();
        let mut handshake = vec![CLIENT_HELLO];
        push_u24_len(&mut handshake, &body);
        // The record version: SSLv3 for an SSLv3 offer; otherwise TLS 1.0, as clients
        // send for the first record (RFC 8446 §5.1, RFC 5246 Appendix E.1).
        let record_version = match self.protocol {
            Protocol::Ssl3 => 0x0300,
            _ => 0x0301,
        };
        let mut record = vec![HANDSHAKE];
        record.extend_from_slice(&u16::to_be_bytes(record_version));
        push_u16_len(&mut record, &handshake);
        record
    }

    fn body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(128 + 2 * self.suites.len());
        // TLS 1.3 says 1.2 here and its version in supported_versions (RFC 8446 §4.1.2).
        let legacy_version = match self.protocol {
            Protocol::Tls13 => Protocol::Tls12.wire(),
            p => p.wire(),
        };
        b.extend_from_slice(&legacy_version.to_be_bytes());
        b.extend_from_slice(&self.random);
        b.push(0); // no session id
        let mut suites = u16_list(self.suites);
        if self.fallback_scsv {
            suites.extend_from_slice(&FALLBACK_SCSV.to_be_bytes());
        }
        push_u16_len(&mut b, &suites);
        b.extend_from_slice(&[1, 0]); // compression: null only
        // SSLv3 has no extensions (RFC 6101 §5.6.1.2): a server that speaks only SSLv3
        // may not read them, and would seem to refuse for that reason alone.
        if self.protocol != Protocol::Ssl3 {
            push_u16_len(&mut b, &self.extensions());
        }
        b
    }

    fn extensions(&self) -> Vec<u8> {
        let mut e = Vec::new();
        if let Some(name) = self.server_name {
            // server_name_list of one host_name (type 0).
            let mut entry = vec![0];
            push_u16_len(&mut entry, name.as_bytes());
            let mut list = Vec::new();
            push_u16_len(&mut list, &entry);
            extension(&mut e, 0x0000, &list);
        }
        let mut groups = Vec::new();
        push_u16_len(&mut groups, &u16_list(self.groups.unwrap_or(GROUPS)));
        extension(&mut e, 0x000a, &groups);
        extension(&mut e, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
        let mut schemes = Vec::new();
        push_u16_len(&mut schemes, &u16_list(SIGNATURE_SCHEMES));
        extension(&mut e, 0x000d, &schemes);
        extension(&mut e, 0xff01, &[0]); // renegotiation_info, empty: initial handshake
        if self.protocol == Protocol::Tls13 {
            let versions = [2, 0x03, 0x04];
            extension(&mut e, 0x002b, &versions);
            let mut share = Vec::new();
            if let Some(key) = &self.key_share {
                share.extend_from_slice(&X25519.to_be_bytes());
                push_u16_len(&mut share, key);
            }
            let mut shares = Vec::new();
            push_u16_len(&mut shares, &share);
            extension(&mut e, 0x0033, &shares);
        }
        e
    }
}

/// Appends one extension: type, length, data.
fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16_len(out, data);
}

fn u16_list(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// Appends `data` after its length as two bytes. Every caller's data is far below
/// 64 KiB (at most a few hundred suites).
fn push_u16_len(out: &mut Vec<u8>, data: &[u8]) {
    let len = u16::try_from(data.len()).expect("a ClientHello field under 64 KiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(data);
}

/// Appends `data` after its length as three bytes.
fn push_u24_len(out: &mut Vec<u8>, data: &[u8]) {
    let len = u32::try_from(data.len()).expect("a ClientHello under 16 MiB");
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_parser::{
        TlsExtension, TlsMessage, TlsMessageHandshake, TlsVersion, parse_tls_extensions,
        parse_tls_plaintext,
    };

    fn hello(protocol: Protocol, suites: &[u16], server_name: Option<&str>) -> Vec<u8> {
        ClientHello {
            protocol,
            suites,
            server_name,
            random: [0xab; 32],
            key_share: Some([0x11; 32]),
            groups: None,
            fallback_scsv: false,
        }
        .to_record()
    }

    #[test]
    fn a_tls12_hello_has_these_exact_bytes() {
        let bytes = hello(Protocol::Tls12, &[0xc030, 0x009f], None);
        let mut expected = vec![
            0x16, 0x03, 0x01, 0x00, 0x7c, // record: handshake, TLS 1.0, 124 bytes
            0x01, 0x00, 0x00, 0x78, // client_hello, 120 bytes
            0x03, 0x03, // TLS 1.2
        ];
        expected.extend([0xab; 32]);
        expected.extend([
            0x00, // session id
            0x00, 0x04, 0xc0, 0x30, 0x00, 0x9f, // two suites
            0x01, 0x00, // compression
            0x00, 0x4b, // extensions, 75 bytes
            0x00, 0x0a, 0x00, 0x12, 0x00, 0x10, // supported_groups
            0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x00, 0x1e, 0x01, 0x00, 0x01, 0x01,
            0x01, 0x02, //
            0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats
            0x00, 0x0d, 0x00, 0x26, 0x00, 0x24, // signature_algorithms
            0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x04, 0x08, 0x05,
            0x08, 0x06, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01,
            0x02, 0x03, 0x02, 0x01, 0x04, 0x02, 0x02, 0x02, //
            0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation_info
        ]);
        assert_eq!(bytes, expected);
    }

    /// The maintained parser reads back what was written.
    fn parsed_extensions(bytes: &[u8]) -> (TlsVersion, Vec<u16>, Vec<String>) {
        let (rest, record) = parse_tls_plaintext(bytes).expect("a record");
        assert!(rest.is_empty());
        let [TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))] = &record.msg[..] else {
            panic!("not one ClientHello: {:?}", record.msg)
        };
        let suites = ch.ciphers.iter().map(|c| c.0).collect();
        let (rest, exts) = parse_tls_extensions(ch.ext.expect("extensions")).expect("parse");
        assert!(rest.is_empty());
        let exts = exts.iter().map(|e| format!("{e:?}")).collect();
        (ch.version, suites, exts)
    }

    #[test]
    fn a_tls13_hello_carries_supported_versions_and_an_x25519_share() {
        let bytes = hello(Protocol::Tls13, &[0x1301, 0x1302], Some("xsp1.example.com"));
        let (version, suites, exts) = parsed_extensions(&bytes);
        assert_eq!(version, TlsVersion(0x0303));
        assert_eq!(suites, vec![0x1301, 0x1302]);
        let expected_sv = format!(
            "{:?}",
            TlsExtension::SupportedVersions(vec![TlsVersion(0x0304)])
        );
        assert!(exts.contains(&expected_sv), "{exts:?}");
        let mut share = vec![0x00, 0x24, 0x00, 0x1d, 0x00, 0x20];
        share.extend([0x11; 32]);
        let expected_ks = format!("{:?}", TlsExtension::KeyShare(&share));
        assert!(exts.contains(&expected_ks), "{exts:?}");
        assert!(exts[0].contains("xsp1.example.com"), "{exts:?}");
    }

    #[test]
    fn legacy_offers_carry_their_version_and_no_tls13_extensions() {
        let bytes = hello(Protocol::Tls10, &[0x002f], None);
        let (version, suites, exts) = parsed_extensions(&bytes);
        assert_eq!((version, suites), (TlsVersion(0x0301), vec![0x002f]));
        assert_eq!(exts.len(), 4, "{exts:?}");
        assert!(!exts.iter().any(|e| e.contains("SupportedVersions")));
    }

    #[test]
    fn an_sslv3_offer_has_no_extensions() {
        let bytes = hello(Protocol::Ssl3, &[0x002f], Some("xsp1.example.com"));
        assert_eq!(&bytes[1..3], &[3, 0], "record version");
        let (_, record) = parse_tls_plaintext(&bytes).expect("a record");
        let [TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))] = &record.msg[..] else {
            panic!("not one ClientHello: {:?}", record.msg)
        };
        assert_eq!(ch.version, TlsVersion(0x0300));
        assert_eq!(ch.ext, None);
        // Header, version, random, session id, suites, compression: nothing more.
        assert_eq!(bytes.len(), 5 + 4 + 2 + 32 + 1 + 4 + 2);
    }

    /// One group, no key share (a HelloRetryRequest names the server's group), the
    /// fallback signal after the suites.
    #[test]
    fn a_probe_offers_one_group_no_share_and_the_fallback_signal() {
        let bytes = ClientHello {
            protocol: Protocol::Tls13,
            suites: &[0x1301],
            server_name: None,
            random: [1; 32],
            key_share: None,
            groups: Some(&[0x0018]),
            fallback_scsv: true,
        }
        .to_record();
        let (_, suites, exts) = parsed_extensions(&bytes);
        assert_eq!(suites, vec![0x1301, FALLBACK_SCSV]);
        let groups = format!(
            "{:?}",
            TlsExtension::EllipticCurves(vec![tls_parser::NamedGroup(0x0018)])
        );
        assert!(exts.contains(&groups), "{exts:?}");
        let empty = format!("{:?}", TlsExtension::KeyShare(&[0, 0]));
        assert!(exts.contains(&empty), "{exts:?}");
    }
}
