//! Mutual TLS on a CTI interface (issue #9 item 7, issue #11 check 5): Webex's CTI
//! client authenticates with a certificate its CA chain issued, so the interface
//! must request one, name the Webex anchors in its CertificateRequest, accept the
//! Webex client, and refuse an untrusted client and a client without a certificate
//! (solution guide B §5.6 for R22 and later, §5.7 for R21 SP1; §5.1).
//!
//! Three handshakes per interface (OpenSSL, as verify's other probes): with the
//! playbook's client identity (`verify.client_certificate`), with a certificate of
//! the same name from a CA made on the fly (rcgen), and with none; the last one
//! records the CA names of the CertificateRequest.
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::ssl::{HandshakeError, Ssl, SslContext, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::{X509, X509Name};

use crate::pki::anchors::Anchor;
use crate::playbook::ClientIdentity;
use crate::report::{CheckId, Finding, Verdict};

/// The client certificate Webex presents (guide B §5.1).
const WEBEX_CLIENT_CN: &str = "bwcticlient.webex.com";

/// How long a completed TLS 1.3 handshake waits for an alert on the client's
/// certificate.
const TLS13_VERDICT_WAIT: Duration = Duration::from_secs(1);

/// How the `mtls.client-ca-list` evidence starts each CA name of the
/// CertificateRequest (`farm.trust-anchors` compares them across a farm).
pub const CA_NAME_LINE: &str = "CA name: ";

/// Where the fixes point.
const MTLS_FIX: &str = "require client authentication on the CTI interface with the Webex CA chain as its trust anchors: set `webex.cti_mtls` in the playbook, `xspctl apply`, then restart (solution guide B §5.6, §5.7 for R21 SP1)";

/// A client certificate (with the CAs sent after it) and its key. The key is
/// never printed.
pub struct ClientCredential {
    chain: Vec<X509>,
    key: PKey<Private>,
}

impl std::fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredential")
            .field("subject", &self.subject())
            .finish_non_exhaustive()
    }
}

/// Readable names of an X.509 name (`CN=..., O=...`).
fn name_text(name: &openssl::x509::X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl ClientCredential {
    /// Reads the playbook's client identity: the certificate file (PEM, the client
    /// certificate first) and the key file, which must belong to it. Errors name the
    /// files, never the key's content.
    pub fn load(identity: &ClientIdentity) -> Result<ClientCredential, String> {
        let cert_path = identity.certificate.display();
        let pem = std::fs::read(&identity.certificate)
            .map_err(|e| format!("cannot read the certificate {cert_path}: {e}"))?;
        let chain = X509::stack_from_pem(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| format!("{cert_path} holds no PEM certificate"))?;
        let key_path = identity.key.display();
        let key_pem = std::fs::read(&identity.key)
            .map_err(|e| format!("cannot read the key file:{key_path}: {e}"))?;
        let key = PKey::private_key_from_pem(&key_pem)
            .map_err(|_| format!("file:{key_path} holds no PEM private key"))?;
        let public = chain[0].public_key().map_err(|e| e.to_string())?;
        if !key.public_eq(&public) {
            return Err(format!(
                "the key file:{key_path} does not belong to the certificate {cert_path}"
            ));
        }
        Ok(ClientCredential { chain, key })
    }

    /// A client certificate named like Webex's, issued by a CA made now that no
    /// host trusts.
    pub fn untrusted() -> Result<ClientCredential, String> {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let e = |e: rcgen::Error| format!("cannot make the untrusted client certificate: {e}");
        let params = |cn: &str, ca: bool| {
            let mut p = CertificateParams::default();
            p.distinguished_name.push(DnType::CommonName, cn);
            if ca {
                p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            }
            p
        };
        let ca = CertifiedIssuer::self_signed(
            params("xspctl untrusted test CA", true),
            KeyPair::generate().map_err(e)?,
        )
        .map_err(e)?;
        let key = KeyPair::generate().map_err(e)?;
        let leaf = params(WEBEX_CLIENT_CN, false)
            .signed_by(&key, &ca)
            .map_err(e)?;
        let chain = X509::stack_from_pem(format!("{}{}", leaf.pem(), ca.pem()).as_bytes())
            .map_err(|e| e.to_string())?;
        let key = PKey::private_key_from_pem(key.serialize_pem().as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(ClientCredential { chain, key })
    }

    /// Sets the certificate, the CAs sent after it, and the key on a client context.
    pub fn present(
        &self,
        builder: &mut openssl::ssl::SslContextBuilder,
    ) -> Result<(), openssl::error::ErrorStack> {
        builder.set_certificate(&self.chain[0])?;
        for ca in &self.chain[1..] {
            builder.add_extra_chain_cert(ca.clone())?;
        }
        builder.set_private_key(&self.key)
    }

    /// The client certificate's subject.
    pub fn subject(&self) -> String {
        name_text(self.chain[0].subject_name())
    }

    /// The client certificate's issuer.
    pub fn issuer(&self) -> String {
        name_text(self.chain[0].issuer_name())
    }
}

/// The clients verify presents on CTI interfaces.
#[derive(Debug)]
pub struct MtlsClients {
    /// The playbook's client identity, if it names one.
    pub webex: Option<ClientCredential>,
    /// A client no host trusts.
    pub untrusted: ClientCredential,
}

impl MtlsClients {
    /// Loads the playbook's identity (if any) and makes the untrusted one.
    pub fn new(identity: Option<&ClientIdentity>) -> Result<MtlsClients, String> {
        Ok(MtlsClients {
            webex: identity.map(ClientCredential::load).transpose()?,
            untrusted: ClientCredential::untrusted()?,
        })
    }
}

/// How one handshake ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ended {
    /// Completed (protocol and suite).
    Completed(String),
    /// Refused by the server; whether it had asked for a client certificate.
    Refused { requested: bool, reason: String },
    /// No TCP connection, or the offer could not be made.
    NotMade(String),
}

/// One handshake, and the CA names of the server's CertificateRequest when it sent
/// one.
struct Attempt {
    ended: Ended,
    ca_names: Option<Vec<Vec<u8>>>,
}

/// Records the CertificateRequest's CA names. A client's certificate callback
/// (`SSL_CTX_set_cert_cb(3)`) runs exactly when the server asks for a certificate,
/// whether or not the client has one; the names are read there with
/// `SSL_get_client_CA_list(3)`. The openssl crate binds neither, so they are
/// declared here; the callback runs on the handshake's thread.
mod request {
    use std::cell::RefCell;
    use std::os::raw::{c_int, c_uchar, c_void};

    use openssl::ssl::SslContextBuilder;

    thread_local! {
        static NAMES: RefCell<Option<Vec<Vec<u8>>>> = const { RefCell::new(None) };
    }

    type Callback = unsafe extern "C" fn(*mut c_void, *mut c_void) -> c_int;

    unsafe extern "C" {
        fn SSL_CTX_set_cert_cb(ctx: *mut c_void, cb: Option<Callback>, arg: *mut c_void);
        fn SSL_get_client_CA_list(ssl: *const c_void) -> *const c_void;
        fn OPENSSL_sk_num(stack: *const c_void) -> c_int;
        fn OPENSSL_sk_value(stack: *const c_void, i: c_int) -> *mut c_void;
        fn i2d_X509_NAME(name: *mut c_void, out: *mut *mut c_uchar) -> c_int;
    }

    /// Records the names (DER); returns 1 so that the handshake goes on.
    unsafe extern "C" fn on_request(ssl: *mut c_void, _arg: *mut c_void) -> c_int {
        let mut names = Vec::new();
        // SAFETY: `ssl` is the live SSL OpenSSL passed in; the stack and its names
        // belong to it and are only read during this call; i2d writes exactly the
        // length it returned for a null output.
        unsafe {
            let list = SSL_get_client_CA_list(ssl);
            let count = if list.is_null() {
                0
            } else {
                OPENSSL_sk_num(list)
            };
            for i in 0..count {
                let name = OPENSSL_sk_value(list, i);
                let len = i2d_X509_NAME(name, std::ptr::null_mut());
                let Ok(size) = usize::try_from(len) else {
                    continue;
                };
                let mut der = vec![0u8; size];
                let mut out = der.as_mut_ptr();
                if i2d_X509_NAME(name, &mut out) == len {
                    names.push(der);
                }
            }
        }
        NAMES.with(|n| *n.borrow_mut() = Some(names));
        1
    }

    /// Installs the callback on a client context.
    pub fn watch(builder: &mut SslContextBuilder) {
        // SAFETY: the context pointer is valid for the builder's lifetime, and the
        // callback matches OpenSSL's `int (*)(SSL *, void *)`; no argument is used.
        unsafe {
            SSL_CTX_set_cert_cb(
                builder.as_ptr().cast(),
                Some(on_request),
                std::ptr::null_mut(),
            )
        }
    }

    /// Forgets earlier names (call before each handshake).
    pub fn reset() {
        NAMES.with(|n| *n.borrow_mut() = None);
    }

    /// The names of the CertificateRequest since the reset, if one came.
    pub fn take() -> Option<Vec<Vec<u8>>> {
        NAMES.with(|n| n.borrow_mut().take())
    }
}

fn context(client: Option<&ClientCredential>) -> Result<SslContext, openssl::error::ErrorStack> {
    let mut b = SslContext::builder(SslMethod::tls_client())?;
    // Whatever the interface serves: this probe is about the client's certificate.
    b.set_security_level(0);
    b.set_cipher_list("ALL:COMPLEMENTOFALL:@SECLEVEL=0")?;
    b.set_verify(SslVerifyMode::NONE);
    if let Some(c) = client {
        c.present(&mut b)?;
    }
    request::watch(&mut b);
    Ok(b.build())
}

/// The reason OpenSSL gives for a failed handshake or read.
fn reason(e: &openssl::ssl::Error) -> String {
    e.ssl_error()
        .and_then(|s| {
            s.errors()
                .first()
                .and_then(|e| e.reason())
                .map(str::to_string)
        })
        .or_else(|| e.io_error().map(|e| e.to_string()))
        .unwrap_or_else(|| e.to_string())
}

/// One handshake with `client` (or none), bounded by `timeout`. In TLS 1.3 the
/// server judges the client's certificate after the client has finished, so a
/// TLS 1.3 handshake counts as completed only if no alert follows.
fn attempt(
    address: &str,
    port: u16,
    client: Option<&ClientCredential>,
    timeout: Duration,
) -> Attempt {
    let not_made = |why: String| Attempt {
        ended: Ended::NotMade(why),
        ca_names: None,
    };
    let target = format!("{address}:{port}");
    let addr = match (address, port).to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        Ok(None) => return not_made(format!("cannot connect to {target}: no address")),
        Err(e) => return not_made(format!("cannot connect to {target}: {e}")),
    };
    let stream = match TcpStream::connect_timeout(&addr, timeout).and_then(|s| {
        s.set_read_timeout(Some(timeout))?;
        s.set_write_timeout(Some(timeout))?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => return not_made(format!("cannot connect to {target}: {e}")),
    };
    let ssl = match context(client).and_then(|c| Ssl::new(&c)) {
        Ok(ssl) => ssl,
        Err(e) => return not_made(format!("cannot offer this client: {e}")),
    };
    request::reset();
    let result = ssl.connect(stream);
    let ca_names = request::take();
    let ended = match result {
        Ok(mut tls) => {
            let negotiated = super::probe::negotiated_text(tls.ssl());
            let tls13 = tls.ssl().version2() == Some(SslVersion::TLS1_3);
            let mut byte = [0u8; 1];
            // The server's verdict on the client's certificate, if any, follows at
            // once: a short wait, not the whole timeout, for a server that holds
            // the connection open.
            let _ = tls
                .get_ref()
                .set_read_timeout(Some(timeout.min(TLS13_VERDICT_WAIT)));
            let alert = if tls13 {
                match tls.ssl_read(&mut byte) {
                    Err(e) if e.ssl_error().is_some() => Some(reason(&e)),
                    _ => None,
                }
            } else {
                None
            };
            let _ = tls.shutdown();
            match alert {
                Some(reason) => Ended::Refused {
                    requested: ca_names.is_some(),
                    reason,
                },
                None => Ended::Completed(negotiated),
            }
        }
        Err(HandshakeError::Failure(m)) => Ended::Refused {
            requested: ca_names.is_some(),
            reason: reason(m.error()),
        },
        Err(HandshakeError::SetupFailure(e)) => Ended::NotMade(e.to_string()),
        Err(HandshakeError::WouldBlock(_)) => Ended::NotMade("timed out".into()),
    };
    Attempt { ended, ca_names }
}

/// A CTI interface to prove.
#[derive(Debug, Clone, Copy)]
pub struct CtiEndpoint<'a> {
    /// The host it belongs to (the findings are about it).
    pub host: &'a str,
    /// Its address.
    pub address: &'a str,
    /// Its secure port.
    pub port: u16,
}

/// What was offered and how the server answered, in one line.
fn evidence(at: &CtiEndpoint, offered: &str, a: &Attempt) -> String {
    let answer = match &a.ended {
        Ended::Completed(negotiated) => format!("handshake completed: {negotiated}"),
        Ended::Refused {
            requested: true,
            reason,
        } => format!("refused after a CertificateRequest: {reason}"),
        Ended::Refused {
            requested: false,
            reason,
        } => format!("refused before any CertificateRequest: {reason}"),
        Ended::NotMade(why) => why.clone(),
    };
    format!("{}:{} offered {offered}: {answer}", at.address, at.port)
}

fn offered(c: &ClientCredential) -> String {
    format!(
        "the client certificate {} issued by {}",
        c.subject(),
        c.issuer()
    )
}

/// The four mTLS findings of one CTI interface; `anchors` are the Webex trust
/// anchors the playbook loads (`cti_mtls.trust_anchors`).
pub fn checks(
    at: &CtiEndpoint,
    anchors: &[Anchor],
    clients: &MtlsClients,
    timeout: Duration,
) -> Vec<Finding> {
    let subject = |what: &str| format!("CTI {}:{} {what}", at.address, at.port);
    let none = attempt(at.address, at.port, None, timeout);
    let none_evidence = evidence(at, "no client certificate", &none);
    let mut findings = vec![ca_list(
        at,
        anchors,
        &none,
        &none_evidence,
        subject("client CA list"),
    )];

    let id = CheckId::MtlsAcceptsWebexClient;
    let expected = "a handshake with the Webex client certificate completes";
    findings.push(match &clients.webex {
        None => Finding::about(
            at.host,
            id,
            subject("Webex client"),
            Verdict::Skip,
            expected,
            "not proven: the playbook names no client identity",
        )
        .with_fix("set `verify.client_certificate` to a client certificate the Webex CA chain issued and its key (`xspctl lab` writes one to certs/lab/)"),
        Some(webex) => {
            let a = attempt(at.address, at.port, Some(webex), timeout);
            let ev = evidence(at, &offered(webex), &a);
            let (status, observed) = match &a.ended {
                Ended::Completed(n) => (Verdict::Pass, format!("completed: {n}")),
                Ended::Refused { reason, .. } => (Verdict::Fail, format!("refused: {reason}")),
                Ended::NotMade(why) => (Verdict::Skip, why.clone()),
            };
            let f = Finding::about(at.host, id, subject("Webex client"), status, expected, observed)
                .with_evidence([ev]);
            match status {
                Verdict::Pass => f,
                _ => f.with_fix("load the Webex CA chain that issued `verify.client_certificate` with `webex.cti_mtls.trust_anchors`, `xspctl apply`, restart (solution guide B §5.6, §5.7)"),
            }
        }
    });

    let untrusted = attempt(at.address, at.port, Some(&clients.untrusted), timeout);
    let ev = evidence(at, &offered(&clients.untrusted), &untrusted);
    findings.push(refusal(
        at,
        CheckId::MtlsRefusesUntrustedClient,
        subject("untrusted client"),
        "a client certificate from a CA the interface does not trust is refused",
        &untrusted,
        ev,
    ));
    findings.push(refusal(
        at,
        CheckId::MtlsRequiresClientCertificate,
        subject("no client certificate"),
        "a client certificate is requested and required",
        &none,
        none_evidence,
    ));
    findings
}

/// The CertificateRequest's CA names include every Webex anchor.
fn ca_list(
    at: &CtiEndpoint,
    anchors: &[Anchor],
    none: &Attempt,
    evidence: &str,
    subject: String,
) -> Finding {
    let id = CheckId::MtlsClientCaList;
    let expected = "the CertificateRequest names the Webex trust anchors";
    let finding = |status, observed: String, lines: Vec<String>| {
        let f = Finding::about(at.host, id, subject.clone(), status, expected, observed)
            .with_evidence(lines);
        match status {
            Verdict::Pass => f,
            _ => f.with_fix(MTLS_FIX),
        }
    };
    let names = match (&none.ended, &none.ca_names) {
        (Ended::NotMade(why), _) => {
            return finding(Verdict::Skip, why.clone(), vec![evidence.to_string()]);
        }
        (_, None) => {
            return finding(
                Verdict::Fail,
                "the server sent no CertificateRequest: client authentication is not requested"
                    .into(),
                vec![evidence.to_string()],
            );
        }
        (_, Some(names)) => names,
    };
    let mut lines = vec![evidence.to_string()];
    lines.extend(names.iter().map(|der| match X509Name::from_der(der) {
        Ok(n) => format!("{CA_NAME_LINE}{}", name_text(&n)),
        Err(_) => format!("{CA_NAME_LINE}(does not parse)"),
    }));
    let missing: Vec<&Anchor> = anchors
        .iter()
        .filter(|anchor| {
            let der = X509::from_pem(anchor.pem.as_bytes()).and_then(|c| c.subject_name().to_der());
            !der.is_ok_and(|d| names.contains(&d))
        })
        .collect();
    if missing.is_empty() {
        let listed: Vec<&str> = anchors.iter().map(|a| a.subject.as_str()).collect();
        finding(
            Verdict::Pass,
            format!(
                "{} CA names, the Webex anchors among them: {}",
                names.len(),
                listed.join("; ")
            ),
            lines,
        )
    } else {
        let missing: Vec<&str> = missing.iter().map(|a| a.subject.as_str()).collect();
        finding(
            Verdict::Fail,
            format!("{} CA names; missing: {}", names.len(), missing.join("; ")),
            lines,
        )
    }
}

/// A handshake that must be refused after the server asked for a certificate.
fn refusal(
    at: &CtiEndpoint,
    id: CheckId,
    subject: String,
    expected: &str,
    a: &Attempt,
    evidence: String,
) -> Finding {
    let (status, observed) = match &a.ended {
        Ended::Refused {
            requested: true,
            reason,
        } => (Verdict::Pass, format!("refused ({reason})")),
        Ended::Completed(n) if a.ca_names.is_some() => (
            Verdict::Fail,
            format!("accepted: {n} (a certificate was requested, not required)"),
        ),
        Ended::Completed(n) => (
            Verdict::Fail,
            format!("accepted: {n} (no certificate was requested)"),
        ),
        Ended::Refused {
            requested: false,
            reason,
        } => (
            Verdict::Skip,
            format!("not proven: refused before any CertificateRequest ({reason})"),
        ),
        Ended::NotMade(why) => (Verdict::Skip, why.clone()),
    };
    let f =
        Finding::about(at.host, id, subject, status, expected, observed).with_evidence([evidence]);
    match status {
        Verdict::Pass => f,
        _ => f.with_fix(MTLS_FIX),
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::path::Path;

    use openssl::ssl::{SslAcceptor, SslVerifyMode};
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

    use super::*;
    use crate::pki::anchors::read_anchors;

    /// A Webex-like root and issuing CA, and a client the issuing CA signed.
    struct Pki {
        chain_pem: String,
        client: ClientCredential,
    }

    fn pki() -> Pki {
        pki_named("Test")
    }

    fn pki_named(prefix: &str) -> Pki {
        let params = |cn: &str, ca: bool| {
            let mut p = CertificateParams::default();
            p.distinguished_name.push(DnType::CommonName, cn);
            if ca {
                p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            }
            p
        };
        let root = CertifiedIssuer::self_signed(
            params(&format!("{prefix} Root"), true),
            KeyPair::generate().unwrap(),
        )
        .unwrap();
        let issuing = CertifiedIssuer::signed_by(
            params(&format!("{prefix} Issuing"), true),
            KeyPair::generate().unwrap(),
            &root,
        )
        .unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = params(WEBEX_CLIENT_CN, false)
            .signed_by(&key, &issuing)
            .unwrap();
        let client = ClientCredential {
            chain: X509::stack_from_pem(format!("{}{}", leaf.pem(), issuing.pem()).as_bytes())
                .unwrap(),
            key: PKey::private_key_from_pem(key.serialize_pem().as_bytes()).unwrap(),
        };
        Pki {
            chain_pem: format!("{}{}", issuing.pem(), root.pem()),
            client,
        }
    }

    /// A loopback server for `n` connections at `version`, requiring a client
    /// certificate issued by `anchors` when given.
    fn server(n: usize, version: SslVersion, anchors: Option<&str>) -> u16 {
        let (key, cert) = crate::verify::test_cert::self_signed("cti.test");
        let mut acc = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
        acc.set_private_key(&key).unwrap();
        acc.set_certificate(&cert).unwrap();
        acc.set_min_proto_version(Some(version)).unwrap();
        acc.set_max_proto_version(Some(version)).unwrap();
        if let Some(pem) = anchors {
            let mut store = X509StoreBuilder::new().unwrap();
            let mut names = Stack::new().unwrap();
            for ca in X509::stack_from_pem(pem.as_bytes()).unwrap() {
                names.push(ca.subject_name().to_owned().unwrap()).unwrap();
                store.add_cert(ca).unwrap();
            }
            acc.set_cert_store(store.build());
            acc.set_client_ca_list(names);
            acc.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        }
        crate::verify::test_cert::serve_loopback(acc.build(), n)
    }

    fn run(port: u16, pki: &Pki, clients_webex: bool) -> Vec<Finding> {
        let anchors = read_anchors(
            Path::new("CombinedCertChain.txt"),
            &pki.chain_pem,
            time::OffsetDateTime::now_utc().unix_timestamp(),
            2,
        )
        .unwrap();
        let clients = MtlsClients {
            webex: clients_webex.then(|| ClientCredential {
                chain: pki.client.chain.clone(),
                key: pki.client.key.clone(),
            }),
            untrusted: ClientCredential::untrusted().unwrap(),
        };
        let at = CtiEndpoint {
            host: "xsp1",
            address: "127.0.0.1",
            port,
        };
        checks(&at, &anchors, &clients, Duration::from_secs(5))
    }

    fn statuses(findings: &[Finding]) -> Vec<(CheckId, Verdict)> {
        findings.iter().map(|f| (f.id, f.status)).collect()
    }

    #[test]
    fn a_server_requiring_the_webex_chain_passes_in_tls12_and_tls13() {
        let pki = pki();
        for version in [SslVersion::TLS1_2, SslVersion::TLS1_3] {
            let port = server(3, version, Some(&pki.chain_pem));
            let findings = run(port, &pki, true);
            assert_eq!(
                statuses(&findings),
                [
                    (CheckId::MtlsClientCaList, Verdict::Pass),
                    (CheckId::MtlsAcceptsWebexClient, Verdict::Pass),
                    (CheckId::MtlsRefusesUntrustedClient, Verdict::Pass),
                    (CheckId::MtlsRequiresClientCertificate, Verdict::Pass),
                ],
                "{version:?}: {findings:#?}"
            );
            assert!(
                findings[0]
                    .evidence
                    .iter()
                    .any(|e| e == "CA name: CN=Test Issuing"),
                "{findings:#?}"
            );
        }
    }

    #[test]
    fn a_server_without_client_authentication_fails_with_the_fix() {
        let pki = pki();
        let port = server(3, SslVersion::TLS1_2, None);
        let findings = run(port, &pki, true);
        assert_eq!(
            statuses(&findings),
            [
                (CheckId::MtlsClientCaList, Verdict::Fail),
                (CheckId::MtlsAcceptsWebexClient, Verdict::Pass),
                (CheckId::MtlsRefusesUntrustedClient, Verdict::Fail),
                (CheckId::MtlsRequiresClientCertificate, Verdict::Fail),
            ],
            "{findings:#?}"
        );
        for i in [0, 2, 3] {
            assert!(
                findings[i]
                    .fix
                    .as_deref()
                    .unwrap()
                    .contains("webex.cti_mtls"),
                "{:#?}",
                findings[i]
            );
        }
    }

    #[test]
    fn a_ca_list_without_the_webex_anchors_fails_and_no_identity_is_not_proven() {
        let pki = pki();
        let other = pki_named("Other");
        let port = server(2, SslVersion::TLS1_2, Some(&other.chain_pem));
        let findings = run(port, &pki, false);
        assert_eq!(findings[0].status, Verdict::Fail, "{findings:#?}");
        assert!(
            findings[0].observed.contains("missing: CN=Test Issuing"),
            "{}",
            findings[0].observed
        );
        assert_eq!(findings[1].status, Verdict::Skip, "{findings:#?}");
        assert!(
            findings[1]
                .fix
                .as_deref()
                .unwrap()
                .contains("verify.client_certificate")
        );
    }

    #[test]
    fn a_closed_port_is_skipped() {
        let pki = pki();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let findings = run(port, &pki, true);
        assert!(
            findings.iter().all(|f| f.status == Verdict::Skip),
            "{findings:#?}"
        );
    }
}
