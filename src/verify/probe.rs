//! A real TLS handshake against an endpoint, offering exactly one protocol version
//! and chosen suites, to learn what the server *accepts* — not what it is
//! configured to accept.
//!
//! OpenSSL rather than rustls: the negative probes need legacy protocols and
//! suites (TLS 1.0, CBC-SHA1, static RSA, DHE) that rustls does not implement.
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use openssl::ssl::{SslContext, SslMethod, SslVerifyMode, SslVersion};

use crate::verify::mtls::ClientCredential;

/// A protocol version to offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// TLS 1.0
    Tls10,
    /// TLS 1.1
    Tls11,
    /// TLS 1.2
    Tls12,
    /// TLS 1.3
    Tls13,
}

impl Version {
    /// The bwcli spelling (`TLSv1.2`).
    pub fn bwcli_name(self) -> &'static str {
        match self {
            Version::Tls10 => "TLSv1",
            Version::Tls11 => "TLSv1.1",
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }

    /// Parses the bwcli spelling.
    pub fn from_bwcli(name: &str) -> Option<Version> {
        [
            Version::Tls10,
            Version::Tls11,
            Version::Tls12,
            Version::Tls13,
        ]
        .into_iter()
        .find(|v| v.bwcli_name() == name)
    }

    fn openssl(self) -> SslVersion {
        match self {
            Version::Tls10 => SslVersion::TLS1,
            Version::Tls11 => SslVersion::TLS1_1,
            Version::Tls12 => SslVersion::TLS1_2,
            Version::Tls13 => SslVersion::TLS1_3,
        }
    }
}

/// What to offer.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The only protocol version offered.
    pub version: Version,
    /// OpenSSL names of the suites offered (TLS 1.2 and older), or IANA names of
    /// TLS 1.3 suites; `None` offers everything OpenSSL has.
    pub suites: Option<Vec<String>>,
}

/// What the server agreed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Protocol, bwcli spelling (`TLSv1.2`).
    pub protocol: String,
    /// Cipher suite, IANA name.
    pub suite: String,
    /// The certificates the server sent, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
}

/// Why a handshake did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// No TCP connection (refused, unreachable, timed out).
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// `address:port`.
        target: String,
        /// Why.
        reason: String,
    },
    /// The TLS handshake failed: the server refused what was offered.
    #[error("handshake refused: {0}")]
    Refused(String),
    /// The server sent a CertificateRequest and the handshake then failed: the
    /// server wants a client certificate, which this probe has none of. Not a
    /// refusal of what was offered.
    #[error(
        "client certificate required; not proven{}",
        chosen.as_ref().map(|c| format!(" (the server chose {c} before asking)")).unwrap_or_default()
    )]
    ClientCertificateRequired {
        /// What the server chose in its ServerHello (`TLSv1.2 TLS_...`), when known.
        chosen: Option<String>,
        /// The alert or reason the handshake ended with.
        reason: String,
    },
    /// The offer itself could not be built (a suite this OpenSSL lacks).
    #[error("cannot offer this: {0}")]
    Offer(String),
}

/// Connects to `address:port` and attempts one handshake, bounded by `timeout`,
/// presenting `client` when the server asks for a certificate.
pub fn handshake(
    address: &str,
    port: u16,
    offer: &Offer,
    client: Option<&ClientCredential>,
    timeout: Duration,
) -> Result<Negotiated, ProbeError> {
    let target = format!("{address}:{port}");
    let connect_err = |reason: String| ProbeError::Connect {
        target: target.clone(),
        reason,
    };
    let addr = (address, port)
        .to_socket_addrs()
        .map_err(|e| connect_err(e.to_string()))?
        .next()
        .ok_or_else(|| connect_err("no address".into()))?;
    let stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| connect_err(e.to_string()))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| connect_err(e.to_string()))?;

    let ctx = context(offer, client).map_err(ProbeError::Offer)?;
    let ssl = openssl::ssl::Ssl::new(&ctx).map_err(|e| ProbeError::Offer(e.to_string()))?;
    client_certificate::reset();
    let mut tls = ssl.connect(stream).map_err(|e| classify(&e))?;
    let negotiated = Negotiated {
        protocol: tls.ssl().version_str().to_string(),
        suite: suite_name(tls.ssl()).unwrap_or_default(),
        chain: tls
            .ssl()
            .peer_cert_chain()
            .map(|s| s.iter().filter_map(|c| c.to_der().ok()).collect())
            .unwrap_or_default(),
    };
    let _ = tls.shutdown();
    Ok(negotiated)
}

/// The protocol and the IANA name of the suite agreed, as evidence shows them
/// (`TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`).
pub(crate) fn negotiated_text(ssl: &openssl::ssl::SslRef) -> String {
    format!(
        "{} {}",
        ssl.version_str(),
        suite_name(ssl).unwrap_or_default()
    )
}

/// The IANA name of the suite agreed so far, if any.
fn suite_name(ssl: &openssl::ssl::SslRef) -> Option<String> {
    ssl.current_cipher()
        .map(|c| c.standard_name().unwrap_or(c.name()).to_string())
}

/// A failed handshake is a refusal unless the server asked for a client
/// certificate: then the failure (TLS 1.2: `handshake failure` after our empty
/// Certificate; TLS 1.3: `certificate required`) says nothing about what was
/// offered. RFC 8446 §4.3.2 and §6.2 (alert 116); RFC 5246 §7.4.4 and §7.4.6.
fn classify(e: &openssl::ssl::HandshakeError<TcpStream>) -> ProbeError {
    let reason = describe(e);
    let asked = client_certificate::requested() || reason.contains("certificate required");
    if !asked {
        return ProbeError::Refused(reason);
    }
    let chosen = match e {
        openssl::ssl::HandshakeError::Failure(m) => {
            suite_name(m.ssl()).map(|s| format!("{} {s}", m.ssl().version_str()))
        }
        _ => None,
    };
    ProbeError::ClientCertificateRequired { chosen, reason }
}

/// Notices a CertificateRequest: OpenSSL calls the client-certificate callback
/// exactly when the server sends one (`SSL_CTX_set_client_cert_cb(3)`). The
/// openssl crate does not bind it, so it is declared here; the callback runs on
/// the thread doing the handshake, which a thread-local flag records.
mod client_certificate {
    use std::cell::Cell;
    use std::os::raw::{c_int, c_void};

    use openssl::ssl::SslContextBuilder;

    thread_local! {
        static REQUESTED: Cell<bool> = const { Cell::new(false) };
    }

    type Callback = unsafe extern "C" fn(*mut c_void, *mut *mut c_void, *mut *mut c_void) -> c_int;

    unsafe extern "C" {
        fn SSL_CTX_set_client_cert_cb(ctx: *mut c_void, cb: Option<Callback>);
    }

    /// Records the request and sends no certificate (return 0).
    unsafe extern "C" fn on_request(
        _ssl: *mut c_void,
        _x509: *mut *mut c_void,
        _pkey: *mut *mut c_void,
    ) -> c_int {
        REQUESTED.with(|r| r.set(true));
        0
    }

    /// Installs the callback on a client context.
    pub fn watch(builder: &mut SslContextBuilder) {
        // SAFETY: the context pointer is valid for the builder's lifetime, and the
        // callback matches OpenSSL's `int (*)(SSL *, X509 **, EVP_PKEY **)`.
        unsafe { SSL_CTX_set_client_cert_cb(builder.as_ptr().cast(), Some(on_request)) }
    }

    /// Forgets any earlier request (call before each handshake).
    pub fn reset() {
        REQUESTED.with(|r| r.set(false));
    }

    /// Whether the server sent a CertificateRequest since the last reset.
    pub fn requested() -> bool {
        REQUESTED.with(Cell::get)
    }
}

fn context(offer: &Offer, client: Option<&ClientCredential>) -> Result<SslContext, String> {
    let e = |e: openssl::error::ErrorStack| e.to_string();
    let mut b = SslContext::builder(SslMethod::tls_client()).map_err(e)?;
    // Level 0: let the client offer TLS 1.0/1.1, SHA-1 and static RSA, so that a
    // server that still accepts them is caught.
    b.set_security_level(0);
    let v = offer.version.openssl();
    b.set_min_proto_version(Some(v)).map_err(e)?;
    b.set_max_proto_version(Some(v)).map_err(e)?;
    b.set_verify(SslVerifyMode::NONE);
    client_certificate::watch(&mut b);
    if let Some(c) = client {
        c.present(&mut b).map_err(e)?;
    }
    match (&offer.suites, offer.version) {
        (Some(s), Version::Tls13) => b.set_ciphersuites(&s.join(":")).map_err(e)?,
        (Some(s), _) => b
            .set_cipher_list(&format!("{}:@SECLEVEL=0", s.join(":")))
            .map_err(e)?,
        (None, Version::Tls13) => {}
        (None, _) => b
            .set_cipher_list("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
            .map_err(e)?,
    }
    Ok(b.build())
}

/// Why a handshake failed, in OpenSSL's words.
pub(crate) fn describe<S>(e: &openssl::ssl::HandshakeError<S>) -> String {
    match e {
        // OpenSSL's reason ("tlsv1 alert protocol version"), not its source location.
        openssl::ssl::HandshakeError::Failure(m) => m
            .error()
            .ssl_error()
            .and_then(|s| {
                s.errors()
                    .first()
                    .and_then(|e| e.reason())
                    .map(str::to_string)
            })
            .or_else(|| m.error().io_error().map(|e| e.to_string()))
            .unwrap_or_else(|| m.error().to_string()),
        openssl::ssl::HandshakeError::SetupFailure(s) => s.to_string(),
        openssl::ssl::HandshakeError::WouldBlock(_) => "timed out".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ssl::{SslAcceptor, SslMethod};
    use std::net::TcpListener;

    /// A handshake without a client certificate.
    fn handshake(
        address: &str,
        port: u16,
        offer: &Offer,
        timeout: Duration,
    ) -> Result<Negotiated, ProbeError> {
        super::handshake(address, port, offer, None, timeout)
    }

    /// A loopback TLS server that accepts TLS 1.2 with one suite, for `n` connections.
    fn server(n: usize) -> u16 {
        server_with(n, false)
    }

    /// As `server`, optionally requiring a client certificate.
    fn server_with(n: usize, client_auth: bool) -> u16 {
        let (key, cert) = crate::verify::test_cert::self_signed("probe.test");
        let mut acc = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
        acc.set_private_key(&key).unwrap();
        acc.set_certificate(&cert).unwrap();
        acc.set_security_level(0);
        acc.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        acc.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        acc.set_cipher_list("ECDHE-RSA-AES256-GCM-SHA384").unwrap();
        if client_auth {
            acc.set_verify(
                openssl::ssl::SslVerifyMode::PEER
                    | openssl::ssl::SslVerifyMode::FAIL_IF_NO_PEER_CERT,
            );
        }
        crate::verify::test_cert::serve_loopback(acc.build(), n)
    }

    #[test]
    fn accepted_and_refused_offers() {
        let port = server(3);
        let t = Duration::from_secs(5);
        let ok = handshake(
            "127.0.0.1",
            port,
            &Offer {
                version: Version::Tls12,
                suites: None,
            },
            t,
        )
        .unwrap();
        assert_eq!(ok.protocol, "TLSv1.2");
        assert_eq!(ok.suite, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assert_eq!(ok.chain.len(), 1);

        let old = handshake(
            "127.0.0.1",
            port,
            &Offer {
                version: Version::Tls10,
                suites: None,
            },
            t,
        );
        assert!(matches!(old, Err(ProbeError::Refused(_))), "{old:?}");

        let weak = handshake(
            "127.0.0.1",
            port,
            &Offer {
                version: Version::Tls12,
                suites: Some(vec!["AES128-SHA".into()]),
            },
            t,
        );
        assert!(matches!(weak, Err(ProbeError::Refused(_))), "{weak:?}");
    }

    #[test]
    fn a_client_certificate_demand_is_not_a_refusal() {
        let port = server_with(3, true);
        let t = Duration::from_secs(5);
        let offer = |version, suites: Option<Vec<String>>| Offer { version, suites };
        let ok = handshake("127.0.0.1", port, &offer(Version::Tls12, None), t);
        match ok {
            Err(ProbeError::ClientCertificateRequired { chosen, .. }) => assert_eq!(
                chosen.as_deref(),
                Some("TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
            ),
            other => panic!("{other:?}"),
        }
        // What the server refuses it refuses before asking for a certificate.
        let old = handshake("127.0.0.1", port, &offer(Version::Tls10, None), t);
        assert!(matches!(old, Err(ProbeError::Refused(_))), "{old:?}");
        let weak = offer(Version::Tls12, Some(vec!["AES128-SHA".into()]));
        let weak = handshake("127.0.0.1", port, &weak, t);
        assert!(matches!(weak, Err(ProbeError::Refused(_))), "{weak:?}");
    }

    #[test]
    fn closed_port_is_a_connect_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let r = handshake(
            "127.0.0.1",
            port,
            &Offer {
                version: Version::Tls12,
                suites: None,
            },
            Duration::from_secs(2),
        );
        assert!(matches!(r, Err(ProbeError::Connect { .. })), "{r:?}");
    }
}
