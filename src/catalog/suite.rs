//! A TLS cipher suite and its parts, read from its IANA name.
use std::fmt;

/// A cipher suite of the IANA registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CipherSuite {
    /// The two-byte code point, e.g. `0xC030`.
    pub code: u16,
    /// The IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`; bwcli takes these
    /// (guide A §5.2, L1147).
    pub iana: &'static str,
    /// The OpenSSL name, e.g. `ECDHE-RSA-AES256-GCM-SHA384`, where OpenSSL has the suite.
    pub openssl: Option<&'static str>,
    /// The key exchange.
    pub kx: KeyExchange,
    /// How the server (and with PSK, the client) is authenticated.
    pub auth: Authentication,
    /// The bulk cipher.
    pub cipher: BulkCipher,
    /// The bulk cipher's key size in bits (0 for no encryption).
    pub bits: u16,
    /// The bulk cipher's mode.
    pub mode: CipherMode,
    /// The hash in the suite's name: the record MAC for CBC and stream suites, the PRF hash
    /// for AEAD suites (GCM, CCM, ChaCha20-Poly1305), [`Mac::None`] where the name has none.
    pub mac: Mac,
    /// IANA's "Recommended" column is `Y`.
    pub recommended: bool,
}

impl CipherSuite {
    /// Whether this is a TLS 1.3 suite (no key exchange or authentication in the name).
    pub fn is_tls13(&self) -> bool {
        self.kx == KeyExchange::Tls13
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.iana)
    }
}

/// Defines a unit enum whose `Display` is the given text.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $($name::$variant => $text,)*
                })
            }
        }
    };
}

named_enum!(
    /// Key exchange of a cipher suite.
    KeyExchange {
        /// None (`TLS_NULL_WITH_NULL_NULL`).
        Null => "NULL",
        /// Static RSA key transport.
        Rsa => "RSA",
        /// Static Diffie-Hellman.
        Dh => "DH",
        /// Ephemeral Diffie-Hellman.
        Dhe => "DHE",
        /// Static elliptic-curve Diffie-Hellman.
        Ecdh => "ECDH",
        /// Ephemeral elliptic-curve Diffie-Hellman.
        Ecdhe => "ECDHE",
        /// Pre-shared key alone.
        Psk => "PSK",
        /// Pre-shared key with ephemeral Diffie-Hellman.
        DhePsk => "DHE_PSK",
        /// Pre-shared key with ephemeral elliptic-curve Diffie-Hellman.
        EcdhePsk => "ECDHE_PSK",
        /// Pre-shared key with RSA key transport.
        RsaPsk => "RSA_PSK",
        /// Secure Remote Password.
        Srp => "SRP",
        /// Kerberos 5.
        Krb5 => "KRB5",
        /// Elliptic-curve password authentication (RFC 8492).
        Eccpwd => "ECCPWD",
        /// GOST R 34.11-2012 key agreement.
        Gost => "GOSTR341112_256",
        /// TLS 1.3: negotiated apart from the suite, (EC)DHE in practice.
        Tls13 => "TLS 1.3 (EC)DHE",
    }
);

named_enum!(
    /// Authentication of a cipher suite.
    Authentication {
        /// None (`NULL`).
        Null => "NULL",
        /// Anonymous (no authentication).
        Anonymous => "anon",
        /// RSA certificate.
        Rsa => "RSA",
        /// DSS certificate.
        Dss => "DSS",
        /// ECDSA certificate.
        Ecdsa => "ECDSA",
        /// Pre-shared key.
        Psk => "PSK",
        /// Kerberos 5.
        Krb5 => "KRB5",
        /// Secure Remote Password.
        Srp => "SRP",
        /// Elliptic-curve password.
        Eccpwd => "ECCPWD",
        /// GOST signature.
        Gost => "GOST",
        /// TLS 1.3: negotiated apart from the suite.
        Tls13 => "TLS 1.3 (certificate or PSK)",
    }
);

named_enum!(
    /// Bulk cipher of a cipher suite.
    BulkCipher {
        /// No encryption.
        Null => "NULL",
        /// AES.
        Aes => "AES",
        /// ARIA.
        Aria => "ARIA",
        /// Camellia.
        Camellia => "CAMELLIA",
        /// ChaCha20.
        Chacha20 => "CHACHA20",
        /// AEGIS (built on the AES round function, but not AES).
        Aegis => "AEGIS",
        /// Triple DES.
        TripleDes => "3DES",
        /// DES.
        Des => "DES",
        /// RC4.
        Rc4 => "RC4",
        /// RC2.
        Rc2 => "RC2",
        /// IDEA.
        Idea => "IDEA",
        /// SEED.
        Seed => "SEED",
        /// SM4.
        Sm4 => "SM4",
        /// GOST 28147-89.
        Gost28147 => "GOST 28147-89",
        /// Kuznyechik.
        Kuznyechik => "KUZNYECHIK",
        /// Magma.
        Magma => "MAGMA",
    }
);

named_enum!(
    /// Mode of the bulk cipher.
    CipherMode {
        /// No encryption.
        None => "none",
        /// Cipher block chaining.
        Cbc => "CBC",
        /// Galois/counter mode.
        Gcm => "GCM",
        /// Counter with CBC-MAC.
        Ccm => "CCM",
        /// Counter with CBC-MAC, 8-byte tag.
        Ccm8 => "CCM_8",
        /// ChaCha20 with Poly1305.
        Poly1305 => "POLY1305",
        /// AEGIS.
        Aegis => "AEGIS",
        /// Stream cipher (RC4).
        Stream => "stream",
        /// Counter mode (GOST).
        Ctr => "CTR",
        /// Multilinear Galois mode (GOST).
        Mgm => "MGM",
    }
);

named_enum!(
    /// The hash in a cipher suite's name.
    Mac {
        /// No hash in the name.
        None => "none",
        /// MD5.
        Md5 => "MD5",
        /// SHA-1 (`_SHA`).
        Sha1 => "SHA-1",
        /// SHA-256.
        Sha256 => "SHA256",
        /// SHA-384.
        Sha384 => "SHA384",
        /// SM3.
        Sm3 => "SM3",
        /// A GOST MAC (OMAC, IMIT, or MGM's L/S tag).
        Gost => "GOST",
    }
);

/// The parts of a suite that its IANA name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts {
    pub kx: KeyExchange,
    pub auth: Authentication,
    pub cipher: BulkCipher,
    pub bits: u16,
    pub mode: CipherMode,
    pub mac: Mac,
}

/// Reads the parts of a suite from its IANA name; `None` for a name of no known form
/// (and for the signalling values `TLS_FALLBACK_SCSV`, `TLS_EMPTY_RENEGOTIATION_INFO_SCSV`).
pub(crate) fn parts_of(iana: &str) -> Option<Parts> {
    let rest = iana.strip_prefix("TLS_")?;
    match rest.split_once("_WITH_") {
        Some((left, right)) => {
            let (kx, auth, export) = key_exchange(left)?;
            let tokens: Vec<&str> = right.split('_').collect();
            let (cipher, bits, mode, used) = bulk(&tokens, export)?;
            let mac = mac(&tokens[used..])?;
            Some(Parts {
                kx,
                auth,
                cipher,
                bits,
                mode,
                mac,
            })
        }
        None => {
            // TLS 1.3 suites (RFC 8446, RFC 8998, RFC 9150, AEGIS): cipher, mode, hash.
            let tokens: Vec<&str> = rest.split('_').collect();
            let (cipher, bits, mode, used) = match tokens.first() {
                // RFC 9150 integrity-only suites: TLS_SHA256_SHA256.
                Some(&"SHA256") | Some(&"SHA384") => (BulkCipher::Null, 0, CipherMode::None, 1),
                _ => bulk(&tokens, None)?,
            };
            let mac = mac(&tokens[used..])?;
            if mac == Mac::None {
                return None;
            }
            Some(Parts {
                kx: KeyExchange::Tls13,
                auth: Authentication::Tls13,
                cipher,
                bits,
                mode,
                mac,
            })
        }
    }
}

/// Key exchange and authentication from the part before `_WITH_`, and the export key size.
fn key_exchange(left: &str) -> Option<(KeyExchange, Authentication, Option<u16>)> {
    use Authentication as A;
    use KeyExchange as K;
    let (base, export) = match left.strip_suffix("_EXPORT") {
        Some(base) => (base, Some(40)),
        None => (left, None),
    };
    let (kx, auth) = match base {
        "NULL" => (K::Null, A::Null),
        "RSA" => (K::Rsa, A::Rsa),
        "DH_DSS" => (K::Dh, A::Dss),
        "DH_RSA" => (K::Dh, A::Rsa),
        "DHE_DSS" => (K::Dhe, A::Dss),
        "DHE_RSA" => (K::Dhe, A::Rsa),
        "DH_anon" => (K::Dh, A::Anonymous),
        "KRB5" => (K::Krb5, A::Krb5),
        "PSK" => (K::Psk, A::Psk),
        // IANA registers two suites as `TLS_PSK_DHE_WITH_...` (RFC 6655).
        "DHE_PSK" | "PSK_DHE" => (K::DhePsk, A::Psk),
        "RSA_PSK" => (K::RsaPsk, A::Rsa),
        "ECDHE_PSK" => (K::EcdhePsk, A::Psk),
        "ECDH_ECDSA" => (K::Ecdh, A::Ecdsa),
        "ECDH_RSA" => (K::Ecdh, A::Rsa),
        "ECDHE_ECDSA" => (K::Ecdhe, A::Ecdsa),
        "ECDHE_RSA" => (K::Ecdhe, A::Rsa),
        "ECDH_anon" => (K::Ecdh, A::Anonymous),
        "SRP_SHA" => (K::Srp, A::Srp),
        "SRP_SHA_RSA" => (K::Srp, A::Rsa),
        "SRP_SHA_DSS" => (K::Srp, A::Dss),
        "ECCPWD" => (K::Eccpwd, A::Eccpwd),
        "GOSTR341112_256" => (K::Gost, A::Gost),
        _ => return None,
    };
    Some((kx, auth, export))
}

/// The bulk cipher, its key size and mode from the leading tokens after `_WITH_`, and how
/// many tokens that took. `export` caps the key size of export suites.
fn bulk(tokens: &[&str], export: Option<u16>) -> Option<(BulkCipher, u16, CipherMode, usize)> {
    use BulkCipher as C;
    use CipherMode as M;
    let bits = |t: Option<&&str>| t.and_then(|b| b.parse::<u16>().ok());
    let block_mode = |t: Option<&&str>| match t.copied() {
        Some("CBC") => Some(M::Cbc),
        Some("GCM") => Some(M::Gcm),
        Some("CCM") => Some(M::Ccm),
        _ => None,
    };
    let first = *tokens.first()?;
    let found = match first {
        "NULL" => (C::Null, 0, M::None, 1),
        "RC4" => (C::Rc4, bits(tokens.get(1))?, M::Stream, 2),
        // RC2_CBC_40, DES_CBC_40: export key sizes after the mode.
        "RC2" | "DES" if tokens.get(2).is_some_and(|t| t.parse::<u16>().is_ok()) => {
            let cipher = if first == "RC2" { C::Rc2 } else { C::Des };
            (cipher, bits(tokens.get(2))?, block_mode(tokens.get(1))?, 3)
        }
        "DES" => (C::Des, 56, block_mode(tokens.get(1))?, 2),
        "DES40" => (C::Des, 40, block_mode(tokens.get(1))?, 2),
        "IDEA" => (C::Idea, 128, block_mode(tokens.get(1))?, 2),
        "SEED" => (C::Seed, 128, block_mode(tokens.get(1))?, 2),
        "3DES" if tokens.get(1) == Some(&"EDE") => {
            (C::TripleDes, 168, block_mode(tokens.get(2))?, 3)
        }
        "AES" | "ARIA" | "CAMELLIA" => {
            let cipher = match first {
                "AES" => C::Aes,
                "ARIA" => C::Aria,
                _ => C::Camellia,
            };
            let mut mode = block_mode(tokens.get(2))?;
            let mut used = 3;
            if mode == M::Ccm && tokens.get(3) == Some(&"8") {
                mode = M::Ccm8;
                used = 4;
            }
            (cipher, bits(tokens.get(1))?, mode, used)
        }
        "CHACHA20" if tokens.get(1) == Some(&"POLY1305") => (C::Chacha20, 256, M::Poly1305, 2),
        "AEGIS" => match tokens.get(1).copied() {
            Some("256") => (C::Aegis, 256, M::Aegis, 2),
            Some("128L") => (C::Aegis, 128, M::Aegis, 2),
            _ => return None,
        },
        "SM4" => (C::Sm4, 128, block_mode(tokens.get(1))?, 2),
        "KUZNYECHIK" | "MAGMA" => {
            let cipher = if first == "MAGMA" {
                C::Magma
            } else {
                C::Kuznyechik
            };
            let mode = match tokens.get(1).copied() {
                Some("CTR") => M::Ctr,
                Some("MGM") => M::Mgm,
                _ => return None,
            };
            (cipher, 256, mode, 2)
        }
        "28147" if tokens.get(1) == Some(&"CNT") => (C::Gost28147, 256, M::Ctr, 2),
        _ => return None,
    };
    let (cipher, bits, mode, used) = found;
    let bits = match export {
        Some(cap) if bits > cap => cap,
        _ => bits,
    };
    Some((cipher, bits, mode, used))
}

/// The hash from the tokens left after the cipher: none, or exactly one.
fn mac(tokens: &[&str]) -> Option<Mac> {
    match tokens {
        [] => Some(Mac::None),
        [one] => match *one {
            "NULL" => Some(Mac::None),
            "MD5" => Some(Mac::Md5),
            "SHA" => Some(Mac::Sha1),
            "SHA256" => Some(Mac::Sha256),
            "SHA384" => Some(Mac::Sha384),
            "SM3" => Some(Mac::Sm3),
            "OMAC" | "IMIT" | "L" | "S" => Some(Mac::Gost),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> Parts {
        parts_of(name).unwrap_or_else(|| panic!("{name} does not parse"))
    }

    #[test]
    fn reads_the_common_forms() {
        let p = parts("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assert_eq!(
            p,
            Parts {
                kx: KeyExchange::Ecdhe,
                auth: Authentication::Rsa,
                cipher: BulkCipher::Aes,
                bits: 256,
                mode: CipherMode::Gcm,
                mac: Mac::Sha384
            }
        );
        let p = parts("TLS_RSA_WITH_AES_128_CBC_SHA");
        assert_eq!(
            (p.kx, p.mode, p.mac),
            (KeyExchange::Rsa, CipherMode::Cbc, Mac::Sha1)
        );
        let p = parts("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384");
        assert_eq!((p.kx, p.auth), (KeyExchange::DhePsk, Authentication::Psk));
        let p = parts("TLS_PSK_DHE_WITH_AES_128_CCM_8");
        assert_eq!(
            (p.kx, p.mode, p.mac),
            (KeyExchange::DhePsk, CipherMode::Ccm8, Mac::None)
        );
        let p = parts("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        assert_eq!(
            (p.cipher, p.bits, p.mode),
            (BulkCipher::Chacha20, 256, CipherMode::Poly1305)
        );
    }

    #[test]
    fn reads_export_and_legacy_forms() {
        let p = parts("TLS_RSA_EXPORT_WITH_RC4_40_MD5");
        assert_eq!(
            (p.cipher, p.bits, p.mode, p.mac),
            (BulkCipher::Rc4, 40, CipherMode::Stream, Mac::Md5)
        );
        let p = parts("TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5");
        assert_eq!(
            (p.cipher, p.bits, p.mode),
            (BulkCipher::Rc2, 40, CipherMode::Cbc)
        );
        let p = parts("TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA");
        assert_eq!(
            (p.kx, p.cipher, p.bits),
            (KeyExchange::Krb5, BulkCipher::Des, 40)
        );
        let p = parts("TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA");
        assert_eq!(
            (p.kx, p.auth, p.bits),
            (KeyExchange::Dhe, Authentication::Dss, 40)
        );
        let p = parts("TLS_RSA_WITH_3DES_EDE_CBC_SHA");
        assert_eq!((p.cipher, p.bits), (BulkCipher::TripleDes, 168));
        let p = parts("TLS_NULL_WITH_NULL_NULL");
        assert_eq!(
            (p.kx, p.cipher, p.mac),
            (KeyExchange::Null, BulkCipher::Null, Mac::None)
        );
        let p = parts("TLS_GOSTR341112_256_WITH_28147_CNT_IMIT");
        assert_eq!(
            (p.cipher, p.mode, p.mac),
            (BulkCipher::Gost28147, CipherMode::Ctr, Mac::Gost)
        );
    }

    #[test]
    fn reads_tls13_forms() {
        let p = parts("TLS_AES_128_GCM_SHA256");
        assert_eq!(
            (p.kx, p.cipher, p.bits, p.mode),
            (KeyExchange::Tls13, BulkCipher::Aes, 128, CipherMode::Gcm)
        );
        let p = parts("TLS_AES_128_CCM_8_SHA256");
        assert_eq!(p.mode, CipherMode::Ccm8);
        let p = parts("TLS_SHA384_SHA384");
        assert_eq!((p.cipher, p.mac), (BulkCipher::Null, Mac::Sha384));
        let p = parts("TLS_AEGIS_128L_SHA256");
        assert_eq!((p.cipher, p.bits), (BulkCipher::Aegis, 128));
        let p = parts("TLS_SM4_GCM_SM3");
        assert_eq!(
            (p.cipher, p.mode, p.mac),
            (BulkCipher::Sm4, CipherMode::Gcm, Mac::Sm3)
        );
    }

    #[test]
    fn refuses_signalling_values_and_garbage() {
        assert_eq!(parts_of("TLS_FALLBACK_SCSV"), None);
        assert_eq!(parts_of("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"), None);
        assert_eq!(parts_of("ECDHE-RSA-AES256-GCM-SHA384"), None);
        assert_eq!(parts_of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384_X"), None);
    }
}
