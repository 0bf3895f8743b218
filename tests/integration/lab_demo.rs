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
    // plan: every host has changes. The XSP farm: 53 where 36 were, + AuthService
    // (17: activate and deploy, 11 settings, the URL and its container option, the
    // two secrets); 36 were: the CTI secure port 8012 and the insecure port off (2),
    // and its own server certificates, which it starts without, on HTTP and CTI
    // (per interface 3 uploads, sslUpdate, 3 removals: 14). nps1: 15 where 4 were,
    // + the NPS proxy (11: activate and deploy, 5 settings, the two app rows, the
    // two secrets). Each AS: 11 where 1 was (its Webex CTI client identity), +
    // flow-through (8: 5 settings, 2 container options, the password) and the
    // Webex apps in the allowed-application list (2).
    for (host, changes) in [
        ("xsp1  xsp-farm", 53),
        ("nps1  nps     ", 15),
        ("as1   as-pair ", 11),
    ] {
        let line = format!("{host}  changes  {changes} changes");
        assert!(stdout.contains(&line), "{line}\n{stdout}");
    }
    // The second apply imports the reference host's AuthService keys on xsp2 (a
    // fresh farm takes two applies: docs/decisions.md D39), and restarts it.
    assert!(
        stderr.contains("again: the AuthService farm's RSA keys"),
        "{stderr}"
    );
    assert!(
        stdout.contains(
            "~ importKeys /var/broadworks/tmp/authService.keys  (the farm's keys from xsp1"
        ),
        "{stdout}"
    );
    // nps1 runs NPS alone (the lab leaves it so): no topology warning.
    assert!(!stdout.contains("warning:"), "{stdout}");
    // apply with a rolling restart, then verify: every check passes (per TLS
    // interface: the suite enumeration and the server's order among them; on the
    // XSP farm's CTI interface, now on the secure port 8012, the four mTLS checks
    // with the lab's Webex-like client; on both its interfaces, that the served
    // certificate is the one `certificates` supplies, and the chain checks
    // tls.certificate-trusted, -order, -key and -name against the lab server CA:
    // 32 where 18 were; nps1 has no supplied certificate and no FQDN: 23); on
    // every host reach.inbound per secure interface and the two time checks; the
    // XSP farm's patches.missing (12 patches), authservice.key-fingerprint across
    // xsp1 and xsp2, authservice.fls-cluster-map and topology.applications: 40
    // where 36 were; nps1 topology.nps-alone (R24 needs no patch): 28 where 27
    // were; on each AS patches.missing: 4 where 3 were. Then per TLS interface the
    // key-exchange groups, the DH group, secure renegotiation and the fallback
    // signal (two interfaces on the XSP farm and nps1): 48 and 36. Each of them
    // has an `fqdn` the lab's DNS server resolves: dns.ipv4-address,
    // -single-address, -interface-address and -certificate-name, and on the Xsi
    // farm dns.xsi-client-srv: 53; nps1's interfaces now have a name their
    // certificates must carry (tls.certificate-name on HTTP and CTI): 42. The farm
    // checks compare what each host runs and serves with the other hosts of its farm
    // (issue #11 check 8): on the XSP farm farm.release, farm.patches, farm.tls per
    // interface kind (HTTP, CTI), farm.trust-anchors and farm.xsi-settings: 59; on
    // the AS pair farm.release and farm.patches: 6; nps1 is its farm's only host, so
    // nothing is compared there (a note per check): 42.
    assert!(
        stdout.contains("restarted; answering again after"),
        "{stdout}"
    );
    for (host, checks) in [
        ("xsp1  xsp-farm", 59),
        ("xsp2  xsp-farm", 59),
        ("nps1  nps     ", 42),
        ("as1   as-pair ", 6),
        ("as2   as-pair ", 6),
    ] {
        let line = format!("{host}  ok      {checks} of {checks} checks passed");
        assert!(stdout.contains(&line), "{line}\n{stdout}");
    }
    for check in [
        "ok   mtls.client-ca-list CTI 127.77.0.11:8012",
        "ok   dns.ipv4-address DNS xsp1.lab.xspctl.test: 1 A record(s)",
        "ok   dns.xsi-client-srv DNS _xsi-client._tcp.xsp-farm.lab.xspctl.test: it lists xsp2.lab.xspctl.test:8443",
        "ok   dns.certificate-name DNS nps1.lab.xspctl.test: every certificate read names it",
        "ok   mtls.accepts-webex-client CTI 127.77.0.11:8012",
        "ok   mtls.refuses-untrusted-client CTI 127.77.0.11:8012",
        "ok   mtls.requires-client-certificate CTI 127.77.0.11:8012",
        "ok   tls.certificate-supplied HTTP 127.77.0.11:8443",
        "ok   tls.certificate-supplied CTI 127.77.0.11:8012",
        "ok   authservice.key-fingerprint farm xsp-farm",
        "ok   farm.release farm xsp-farm release: \"23.0_1.1075\" on every host",
        "ok   farm.trust-anchors farm xsp-farm CTI trust anchors: the same 2 on every host",
        "ok   farm.patches farm as-pair patches: the same",
        "ok   patches.missing BroadWorks patches: all 12 required patches are active",
        "ok   authservice.fls-cluster-map FLS /Applications/AuthenticationService/IdentityProviders/Cisco/Federation/ClusterMap: 3 identity provider(s) listed",
        "ok   topology.applications applications /Maintenance/ManagedObjects: no other application is active",
        "ok   topology.nps-alone applications /Maintenance/ManagedObjects: no other application is active",
        "~ set securePort 8012",
        "~ set portEnabled false",
        "~ sslUpdate 127.77.0.11 keyFile",
        "~ activate application AuthenticationService",
        "~ activate application NotificationPushServer",
        "+ add provisioning bw.imp.useProvisioningUrl true",
        "+ add com.cisco.squared \"Webex iOS\"",
    ] {
        assert!(stdout.contains(check), "{check}\n{stdout}");
    }
    // The lab's secrets (fresh random values, mode 600) are typed at password
    // prompts and never shown.
    let secrets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".lab/secrets");
    for name in [
        "authservice-client-secret",
        "authservice-refresh-token",
        "nps-client-secret",
        "nps-refresh-token",
        "provisioning-password",
    ] {
        let value = std::fs::read_to_string(secrets.join(name)).expect("a lab secret");
        let value = value.trim();
        assert!(value.len() > 20, "{name}: {value:?} is not a fresh secret");
        assert!(
            !stdout.contains(value) && !stderr.contains(value),
            "{name} is shown"
        );
        assert_eq!(mode(&secrets.join(name)), 0o600, "{name}");
    }
    // The hosts serve the lab server CA's certificates (SAN: their FQDN).
    assert!(
        stderr.contains("lab PKI (Webex-like CA chain and client, server CA"),
        "{stderr}"
    );
    let certs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("certs/lab");
    let served = std::fs::read_to_string(certs.join("xsp1.pem")).expect("xsp1.pem");
    assert!(served.contains("BEGIN CERTIFICATE"), "{served}");
    assert_eq!(mode(&certs.join("bwcticlient.webex.com.key")), 0o600);
    assert_eq!(mode(&certs.join("xsp1.key")), 0o600);
}

/// A file's permission bits.
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}
