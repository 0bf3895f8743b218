//! TLS endpoints checked with `openssl s_client` (a TLS client we did not write):
//! exactly the configured protocols and suites (legacy ones included), the chain,
//! client authentication against the trust anchors, the HTTP answer, and settings
//! changes picked up from the generation.
use crate::lab_support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lab_support::{Run, handshake_ok, pki, s_client};
use tokio_util::sync::CancellationToken;
use xspsim::host::{Endpoint, TlsProtocol, TlsSettings};
use xspsim::tls::{EndpointOptions, SettingsSource};

/// Settings a test changes at will.
#[derive(Clone)]
struct Source(Arc<Mutex<(u64, Option<TlsSettings>)>>);

impl Source {
    fn set(&self, settings: Option<TlsSettings>) {
        let mut guard = self.0.lock().expect("lock");
        guard.0 += 1;
        guard.1 = settings;
    }
}

impl SettingsSource for Source {
    fn generation(&self) -> u64 {
        self.0.lock().expect("lock").0
    }
    fn settings(&self) -> Option<TlsSettings> {
        self.0.lock().expect("lock").1.clone()
    }
    fn label(&self) -> String {
        "test https".to_string()
    }
    fn endpoint(&self) -> Endpoint {
        Endpoint::Http
    }
}

struct Pki {
    root: pki::Issued,
    chain_pem: String,
    key_pem: String,
    client_ca: pki::Issued,
    client: pki::Issued,
}

fn make_pki() -> Pki {
    let root = pki::ca("Test Root CA");
    let issuing = pki::intermediate("Test Issuing CA", &root);
    let leaf = pki::server("xsp1.lab.xspctl.test", &issuing);
    let client_ca = pki::ca("Webex Client Root");
    let client = pki::client("bwcticlient.webex.com", &client_ca);
    Pki {
        chain_pem: format!("{}{}", leaf.cert_pem(), issuing.cert_pem()),
        key_pem: leaf.key_pem(),
        root,
        client_ca,
        client,
    }
}

struct Served {
    _runtime: tokio::runtime::Runtime,
    shutdown: CancellationToken,
    address: SocketAddr,
    source: Source,
    dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn settings(pki: &Pki, port: u16, protocols: &[TlsProtocol], ciphers: &[&str]) -> TlsSettings {
    TlsSettings {
        address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
        protocols: protocols.to_vec(),
        ciphers: ciphers.iter().map(|c| c.to_string()).collect(),
        cert_chain_pem: pki.chain_pem.clone(),
        key_pem: pki.key_pem.clone(),
        client_auth_required: false,
        trust_anchors_pem: Vec::new(),
    }
}

fn serve(make: impl FnOnce(u16) -> Option<TlsSettings>) -> Served {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = reserved.local_addr().expect("addr");
    let source = Source(Arc::new(Mutex::new((1, make(address.port())))));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let shutdown = CancellationToken::new();
    let options = EndpointOptions {
        reserved: Some(reserved),
        allow_external: false,
    };
    runtime.spawn(xspsim::tls::serve(
        source.clone(),
        options,
        shutdown.clone(),
    ));
    Served {
        _runtime: runtime,
        shutdown,
        address,
        source,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

impl Served {
    fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        path.to_string_lossy().into_owned()
    }
}

/// Serves `settings` of the test PKI for `protocols` and `ciphers`.
fn serve_settings(pki: &Pki, protocols: &[TlsProtocol], ciphers: &[&str]) -> Served {
    serve(|port| Some(settings(pki, port, protocols, ciphers)))
}

/// Serves TLSv1.2 with one modern suite.
fn serve_tls12(pki: &Pki) -> Served {
    serve_settings(
        pki,
        &[TlsProtocol::Tls12],
        &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
    )
}

/// A TLSv1.2 handshake offering only the suite OpenSSL names `cipher`.
fn tls12_with_cipher(served: &Served, cipher: &str) -> Run {
    s_client(
        served.address,
        &["-tls1_2", "-cipher", &format!("{cipher}:@SECLEVEL=0")],
        b"",
    )
}

/// A TLSv1.2 handshake presenting the client certificate `client`, written to
/// `<name>.pem` and `<name>.key`.
fn tls12_with_client_cert(served: &Served, name: &str, client: &pki::Issued) -> Run {
    let cert = served.write(&format!("{name}.pem"), &client.cert_pem());
    let key = served.write(&format!("{name}.key"), &client.key_pem());
    s_client(
        served.address,
        &["-tls1_2", "-cert", &cert, "-key", &key],
        b"",
    )
}

const LEGACY_OK: &str = "DEFAULT:@SECLEVEL=0";

#[test]
fn exactly_the_configured_protocols_are_accepted_even_with_a_gap() {
    let pki = make_pki();
    let served = serve_settings(
        &pki,
        &[TlsProtocol::Tls10, TlsProtocol::Tls12],
        &[
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ],
    );
    let tls10 = s_client(served.address, &["-tls1", "-cipher", LEGACY_OK], b"");
    assert!(handshake_ok(&tls10), "TLSv1 must be accepted: {tls10:?}");
    tls10.assert_stdout_contains("Protocol  : TLSv1\n");
    let tls11 = s_client(served.address, &["-tls1_1", "-cipher", LEGACY_OK], b"");
    assert!(
        !handshake_ok(&tls11),
        "TLSv1.1 is not configured: {tls11:?}"
    );
    let tls12 = s_client(served.address, &["-tls1_2"], b"");
    assert!(handshake_ok(&tls12), "TLSv1.2 must be accepted: {tls12:?}");
    let tls13 = s_client(served.address, &["-tls1_3"], b"");
    assert!(
        !handshake_ok(&tls13),
        "TLSv1.3 is not configured: {tls13:?}"
    );
}

#[test]
fn exactly_the_configured_suites_are_accepted_including_legacy_ones() {
    let pki = make_pki();
    let served = serve_settings(
        &pki,
        &[TlsProtocol::Tls12],
        &[
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_NOT_A_REAL_SUITE",
        ],
    );
    for accepted in [
        "ECDHE-RSA-AES128-GCM-SHA256",
        "AES128-SHA",
        "DHE-RSA-AES256-GCM-SHA384",
    ] {
        let run = tls12_with_cipher(&served, accepted);
        assert!(handshake_ok(&run), "{accepted} must be accepted: {run:?}");
        run.assert_stdout_contains(&format!("Cipher is {accepted}"));
    }
    for refused in [
        "ECDHE-RSA-AES256-GCM-SHA384",
        "AES256-SHA",
        "DHE-RSA-AES128-SHA",
    ] {
        let run = tls12_with_cipher(&served, refused);
        assert!(!handshake_ok(&run), "{refused} is not configured: {run:?}");
    }
}

#[test]
fn the_configured_suite_order_is_the_servers_preference() {
    let pki = make_pki();
    let offer = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";
    for (configured, chosen) in [
        (
            [
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            ],
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            [
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            ],
            "ECDHE-RSA-AES256-GCM-SHA384",
        ),
    ] {
        let served = serve_settings(&pki, &[TlsProtocol::Tls12], &configured);
        let run = tls12_with_cipher(&served, offer);
        assert!(handshake_ok(&run), "{configured:?}: {run:?}");
        // The client offers AES-256 first; the server's first configured suite wins.
        run.assert_stdout_contains(&format!("Cipher is {chosen}"));
    }
}

#[test]
fn tls13_suites_follow_the_configuration() {
    let pki = make_pki();
    let served = serve_settings(&pki, &[TlsProtocol::Tls13], &["TLS_AES_256_GCM_SHA384"]);
    let ok = s_client(
        served.address,
        &["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
        b"",
    );
    assert!(handshake_ok(&ok), "{ok:?}");
    ok.assert_stdout_contains("Cipher is TLS_AES_256_GCM_SHA384");
    let refused = s_client(
        served.address,
        &["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"],
        b"",
    );
    assert!(!handshake_ok(&refused), "{refused:?}");
    let tls12 = s_client(served.address, &["-tls1_2"], b"");
    assert!(!handshake_ok(&tls12), "{tls12:?}");
}

#[test]
fn the_chain_is_served_and_verifies_against_the_root() {
    let pki = make_pki();
    let served = serve_tls12(&pki);
    let root = served.write("root.pem", &pki.root.cert_pem());
    let run = s_client(
        served.address,
        &["-showcerts", "-CAfile", &root, "-verify_return_error"],
        b"",
    );
    assert!(handshake_ok(&run), "{run:?}");
    run.assert_stdout_contains("Verify return code: 0 (ok)");
    run.assert_stdout_contains(" 0 s:O = xspsim test, CN = xsp1.lab.xspctl.test");
    run.assert_stdout_contains(" 1 s:O = xspsim test, CN = Test Issuing CA");
}

#[test]
fn client_auth_requires_a_certificate_from_a_trust_anchor() {
    let pki = make_pki();
    let served = serve(|port| {
        let mut s = settings(
            &pki,
            port,
            &[TlsProtocol::Tls12],
            &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        );
        s.client_auth_required = true;
        s.trust_anchors_pem = vec![pki.client_ca.cert_pem()];
        Some(s)
    });
    let no_cert = s_client(served.address, &["-tls1_2"], b"");
    assert!(
        !handshake_ok(&no_cert),
        "no client certificate must be refused: {no_cert:?}"
    );
    no_cert.assert_stdout_contains(
        "Acceptable client certificate CA names\nO = xspsim test, CN = Webex Client Root\n",
    );

    let with_cert = tls12_with_client_cert(&served, "client", &pki.client);
    assert!(handshake_ok(&with_cert), "{with_cert:?}");

    // A certificate from an authority that is not a trust anchor.
    let stranger_ca = pki::ca("Somebody Else");
    let stranger = pki::client("intruder", &stranger_ca);
    let refused = tls12_with_client_cert(&served, "stranger", &stranger);
    assert!(!handshake_ok(&refused), "{refused:?}");
}

#[test]
fn https_answers_a_minimal_http_request() {
    let pki = make_pki();
    let served = serve_tls12(&pki);
    let run = s_client(
        served.address,
        &["-quiet", "-ign_eof"],
        b"GET / HTTP/1.1\r\nHost: xsp1\r\n\r\n",
    );
    assert!(run.stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{run:?}");
    assert!(
        run.stdout.ends_with("\r\n\r\nxspsim test https\n"),
        "{run:?}"
    );
}

#[test]
fn settings_changes_apply_and_not_serving_refuses_connections() {
    let pki = make_pki();
    let served = serve_tls12(&pki);
    let before = s_client(served.address, &["-tls1_2"], b"");
    assert!(handshake_ok(&before), "{before:?}");

    // The generation moves: the next connection gets the new settings.
    served.source.set(Some(settings(
        &pki,
        served.address.port(),
        &[TlsProtocol::Tls11],
        &["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"],
    )));
    let old = s_client(served.address, &["-tls1_2"], b"");
    assert!(!handshake_ok(&old), "{old:?}");
    let new = s_client(served.address, &["-tls1_1", "-cipher", LEGACY_OK], b"");
    assert!(handshake_ok(&new), "{new:?}");

    // Not serving: connections are refused (bounded wait for the poll).
    served.source.set(None);
    let refused = lab_support::eventually(Duration::from_secs(5), || {
        std::net::TcpStream::connect_timeout(&served.address, Duration::from_secs(1))
            .is_err()
            .then_some(())
    });
    assert!(refused.is_some(), "the endpoint must stop listening");
}
