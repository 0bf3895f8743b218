//! The README's first command: `xspctl lab` on a fresh checkout, no root, no network.
use std::process::Command;

#[test]
fn the_lab_demo_converges_and_verifies() {
    let out = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--color", "never", "lab"])
        .env_remove("RUST_LOG")
        .output()
        .expect("xspctl lab runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for phase in ["== xspctl plan", "== xspctl apply", "== xspctl verify"] {
        assert!(stderr.contains(phase), "{stderr}");
    }
    // plan: every host has changes (the AS pair: its Webex CTI client identity; the
    // XSP farm: 36 where 20 were: the CTI secure port 8012 and the insecure port
    // off (2), and its own server certificates, which it starts without, on HTTP
    // and CTI (per interface 3 uploads, sslUpdate, 3 removals: 14)).
    assert!(
        stdout.contains("xsp1  xsp-farm  changes  36 changes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nps1  nps       changes  4 changes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("as1   as-pair   changes  1 changes"),
        "{stdout}"
    );
    // apply with a rolling restart, then verify: every check passes (per TLS
    // interface: the suite enumeration and the server's order among them; on the
    // XSP farm's CTI interface, now on the secure port 8012, the four mTLS checks
    // with the lab's Webex-like client; on both its interfaces, that the served
    // certificate is the one `certificates` supplies, and the chain checks
    // tls.certificate-trusted, -order, -key and -name against the lab server CA:
    // 32 where 18 were; nps1 has no supplied certificate and no FQDN: 23); and on
    // every host reach.inbound per secure interface and the two time checks:
    // 36, 27, and 3 on each AS; then per TLS interface the key-exchange groups,
    // the DH group, secure renegotiation and the fallback signal: 44 and 35).
    assert!(
        stdout.contains("restarted; answering again after"),
        "{stdout}"
    );
    assert!(
        stdout.contains("xsp2  xsp-farm  ok      44 of 44 checks passed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nps1  nps       ok      35 of 35 checks passed"),
        "{stdout}"
    );
    for check in [
        "ok   mtls.client-ca-list CTI 127.77.0.11:8012",
        "ok   mtls.accepts-webex-client CTI 127.77.0.11:8012",
        "ok   mtls.refuses-untrusted-client CTI 127.77.0.11:8012",
        "ok   mtls.requires-client-certificate CTI 127.77.0.11:8012",
        "ok   tls.certificate-supplied HTTP 127.77.0.11:8443",
        "ok   tls.certificate-supplied CTI 127.77.0.11:8012",
        "~ set securePort 8012",
        "~ set portEnabled false",
        "~ sslUpdate 127.77.0.11 keyFile",
    ] {
        assert!(stdout.contains(check), "{check}\n{stdout}");
    }
    // The hosts serve the lab server CA's certificates (SAN: their FQDN).
    assert!(
        stderr.contains("lab PKI (Webex-like CA chain and client, server CA"),
        "{stderr}"
    );
    let certs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("certs/lab");
    let served = std::fs::read_to_string(certs.join("xsp1.pem")).expect("xsp1.pem");
    assert!(served.contains("BEGIN CERTIFICATE"), "{served}");
    let mode = |name: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(certs.join(name))
            .expect("key file")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("bwcticlient.webex.com.key"), 0o600);
    assert_eq!(mode("xsp1.key"), 0o600);
}
