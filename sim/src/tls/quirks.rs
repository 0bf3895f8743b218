//! How a host's TLS endpoints may deviate from a modern OpenSSL server, so that the
//! checks which find such servers can be tested (faults; invented forms): other
//! key-exchange groups, a smaller DH group, no secure renegotiation (RFC 5746), no
//! downgrade protection (RFC 7507).
//!
//! OpenSSL always answers RFC 5746 and RFC 7507; the last two quirks therefore
//! rewrite the ClientHello before OpenSSL reads it (`strip_client_hello`). The
//! server's transcript then differs from the client's, so a handshake so rewritten
//! stops at the Finished messages: the ServerHello, all a probe reads, is what an old
//! server sends.
use openssl::bn::BigNum;
use openssl::dh::Dh;
use openssl::pkey::Params;
use serde::{Deserialize, Serialize};

use super::TlsError;

/// The deviations of one host's TLS endpoints (none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsQuirks {
    /// The key-exchange groups served, as an OpenSSL groups list (`P-224:P-256`);
    /// `None`: OpenSSL's defaults.
    pub groups: Option<String>,
    /// The DH group size for DHE suites, in bits: 1024 (RFC 2409 group 2), 1536,
    /// 3072 or 4096 (RFC 3526); `None` or 2048: RFC 7919 ffdhe2048.
    pub dh_bits: Option<u32>,
    /// Answer as a server from before RFC 5746: no renegotiation_info in the
    /// ServerHello.
    pub no_secure_renegotiation: bool,
    /// Ignore TLS_FALLBACK_SCSV (RFC 7507): a fallback is not refused.
    pub ignore_fallback_scsv: bool,
}

/// TLS_FALLBACK_SCSV (RFC 7507 §2).
const FALLBACK_SCSV: u16 = 0x5600;
/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
const RENEGOTIATION_SCSV: u16 = 0x00ff;
/// The renegotiation_info extension (RFC 5746 §3.2).
const RENEGOTIATION_INFO: u16 = 0xff01;

impl TlsQuirks {
    /// Whether ClientHellos must be rewritten before OpenSSL reads them.
    pub fn rewrites_client_hello(&self) -> bool {
        self.no_secure_renegotiation || self.ignore_fallback_scsv
    }

    /// The DH parameters for `dh_bits`, or `None` for the default group; an
    /// unsupported size is an error naming the sizes there are.
    pub fn dh_params(&self) -> Result<Option<Dh<Params>>, TlsError> {
        let prime = match self.dh_bits {
            None | Some(2048) => return Ok(None),
            Some(1024) => BigNum::get_rfc2409_prime_1024()?,
            Some(1536) => BigNum::get_rfc3526_prime_1536()?,
            Some(3072) => BigNum::get_rfc3526_prime_3072()?,
            Some(4096) => BigNum::get_rfc3526_prime_4096()?,
            Some(other) => {
                return Err(TlsError::Quirk(format!(
                    "dh_bits {other}: use 1024, 1536, 2048, 3072 or 4096"
                )));
            }
        };
        // Every group of RFC 2409 and RFC 3526 has generator 2.
        Ok(Some(Dh::from_pqg(prime, None, BigNum::from_u32(2)?)?))
    }

    /// `record` (one TLS record holding a whole ClientHello) without what the
    /// quirks make the server ignore; anything else is returned unchanged.
    pub fn strip_client_hello(&self, record: &[u8]) -> Vec<u8> {
        let mut drop_suites = Vec::new();
        if self.ignore_fallback_scsv {
            drop_suites.push(FALLBACK_SCSV);
        }
        if self.no_secure_renegotiation {
            drop_suites.push(RENEGOTIATION_SCSV);
        }
        let drop_extension = self.no_secure_renegotiation.then_some(RENEGOTIATION_INFO);
        rewrite(record, &drop_suites, drop_extension).unwrap_or_else(|| record.to_vec())
    }
}

/// The ClientHello record without `drop_suites` and the extension `drop_extension`;
/// `None` when `record` is not one record holding exactly one ClientHello.
fn rewrite(record: &[u8], drop_suites: &[u16], drop_extension: Option<u16>) -> Option<Vec<u8>> {
    // Record header (5), handshake header (4): RFC 5246 §6.2.1, §7.4.
    let (header, body) = (record.get(..9)?, record.get(9..)?);
    let record_len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let hello_len = u32::from_be_bytes([0, header[6], header[7], header[8]]) as usize;
    if header[0] != 22
        || header[5] != 1
        || record_len != record.len() - 5
        || hello_len != body.len()
    {
        return None;
    }
    // version (2), random (32), session id <0..32>: RFC 5246 §7.4.1.2.
    let session_end = 35 + usize::from(*body.get(34)?);
    let mut out_body = body.get(..session_end)?.to_vec();
    let suites_len = usize::from(u16::from_be_bytes([
        *body.get(session_end)?,
        *body.get(session_end + 1)?,
    ]));
    let suites = body.get(session_end + 2..session_end + 2 + suites_len)?;
    let kept: Vec<u8> = suites
        .chunks_exact(2)
        .filter(|c| !drop_suites.contains(&u16::from_be_bytes([c[0], c[1]])))
        .flatten()
        .copied()
        .collect();
    out_body.extend_from_slice(&u16::try_from(kept.len()).ok()?.to_be_bytes());
    out_body.extend_from_slice(&kept);
    let mut at = session_end + 2 + suites_len;
    let compression_end = at + 1 + usize::from(*body.get(at)?);
    out_body.extend_from_slice(body.get(at..compression_end)?);
    at = compression_end;
    if at < body.len() {
        let ext_len = usize::from(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]));
        let mut extensions = body.get(at + 2..at + 2 + ext_len)?;
        if at + 2 + ext_len != body.len() {
            return None;
        }
        let mut kept = Vec::with_capacity(ext_len);
        while !extensions.is_empty() {
            let kind = u16::from_be_bytes([*extensions.first()?, *extensions.get(1)?]);
            let len = usize::from(u16::from_be_bytes([
                *extensions.get(2)?,
                *extensions.get(3)?,
            ]));
            let whole = extensions.get(..4 + len)?;
            if Some(kind) != drop_extension {
                kept.extend_from_slice(whole);
            }
            extensions = &extensions[4 + len..];
        }
        out_body.extend_from_slice(&u16::try_from(kept.len()).ok()?.to_be_bytes());
        out_body.extend_from_slice(&kept);
    }
    let hello_len = u32::try_from(out_body.len()).ok()?.to_be_bytes();
    let mut out = vec![header[0], header[1], header[2]];
    out.extend_from_slice(&u16::try_from(out_body.len() + 4).ok()?.to_be_bytes());
    out.extend_from_slice(&[1, hello_len[1], hello_len[2], hello_len[3]]);
    out.extend_from_slice(&out_body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.1 ClientHello offering 0x002f, the renegotiation SCSV and the
    /// fallback SCSV, with renegotiation_info and supported_groups.
    fn hello() -> Vec<u8> {
        let mut body = vec![0x03, 0x02];
        body.extend([7; 32]);
        body.push(0);
        body.extend([0x00, 0x06, 0x00, 0x2f, 0x00, 0xff, 0x56, 0x00]);
        body.extend([1, 0]);
        let ext = [
            0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation_info
            0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups
        ];
        body.extend((ext.len() as u16).to_be_bytes());
        body.extend(ext);
        let mut record = vec![22, 3, 1];
        record.extend(((body.len() + 4) as u16).to_be_bytes());
        record.extend([1, 0, 0, body.len() as u8]);
        record.extend(body);
        record
    }

    #[test]
    fn the_quirks_strip_what_the_server_must_not_see() {
        let all = TlsQuirks {
            no_secure_renegotiation: true,
            ignore_fallback_scsv: true,
            ..TlsQuirks::default()
        };
        let stripped = all.strip_client_hello(&hello());
        let mut expected = vec![22, 3, 1, 0, 0x37, 1, 0, 0, 0x33, 0x03, 0x02];
        expected.extend([7; 32]);
        expected.extend([0, 0x00, 0x02, 0x00, 0x2f, 1, 0]);
        expected.extend([0x00, 0x08, 0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17]);
        assert_eq!(stripped, expected);
        let fallback_only = TlsQuirks {
            ignore_fallback_scsv: true,
            ..TlsQuirks::default()
        };
        let stripped = fallback_only.strip_client_hello(&hello());
        assert_eq!(stripped.len(), hello().len() - 2);
        assert!(stripped.windows(2).all(|w| w != [0x56, 0x00]));
        assert!(stripped.windows(2).any(|w| w == [0xff, 0x01]));
    }

    #[test]
    fn what_is_not_one_client_hello_passes_unchanged() {
        let quirks = TlsQuirks {
            no_secure_renegotiation: true,
            ..TlsQuirks::default()
        };
        let cut = &hello()[..40];
        assert_eq!(quirks.strip_client_hello(cut), cut);
        let alert = [21, 3, 3, 0, 2, 2, 40];
        assert_eq!(quirks.strip_client_hello(&alert), alert);
    }

    #[test]
    fn dh_sizes() {
        let bits = |b| {
            TlsQuirks {
                dh_bits: b,
                ..TlsQuirks::default()
            }
            .dh_params()
            .map(|d| d.map(|d| d.prime_p().num_bits()))
        };
        assert_eq!(bits(None).unwrap(), None);
        assert_eq!(bits(Some(2048)).unwrap(), None);
        assert_eq!(bits(Some(1024)).unwrap(), Some(1024));
        assert_eq!(bits(Some(4096)).unwrap(), Some(4096));
        assert!(bits(Some(512)).is_err());
    }
}
