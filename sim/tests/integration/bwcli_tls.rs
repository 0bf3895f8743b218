//! What the TLS endpoints serve: configured versus running (restart semantics),
//! the levels of docs/decisions.md D1, the defaults D2, R21 container options D4.
use crate::bwcli_support;

use bwcli_support::{Cli, TestPki, host, put};
use xspsim::host::{Endpoint, Product, Release, TlsProtocol};
use xspsim::pki;

const D2_CIPHERS: [&str; 13] = [
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
];
const D2_PROTOCOLS: [TlsProtocol; 3] = [TlsProtocol::Tls10, TlsProtocol::Tls11, TlsProtocol::Tls12];

#[test]
fn a_fresh_host_serves_the_provider_defaults_with_self_signed_certificates() {
    let dir = tempfile::tempdir().expect("tempdir");
    for release in [Release::R21Sp1, Release::R22, Release::R24] {
        let h = host(
            dir.path(),
            &format!("x{release:?}").to_lowercase(),
            Product::Xsp,
            release,
        );
        for (endpoint, port) in [(Endpoint::Http, 8443), (Endpoint::Cti, 8012)] {
            let s = h.tls_settings(endpoint).expect("serving");
            assert_eq!(s.address.to_string(), "127.0.0.1");
            assert_eq!(s.port, port);
            assert_eq!(s.protocols, D2_PROTOCOLS);
            assert_eq!(s.ciphers, D2_CIPHERS);
            assert!(!s.client_auth_required);
            assert!(s.trust_anchors_pem.is_empty());
            let certs = pki::certificates(s.cert_chain_pem.as_bytes()).expect("certificate");
            assert_eq!(certs.len(), 1);
            let summary = pki::summary(&certs[0]);
            assert_eq!(summary.owner, h.spec().fqdn);
            assert!(summary.self_signed);
            assert!(pki::matching_key(s.key_pem.as_bytes(), &certs[0]).is_ok());
            // Valid one year (guide B §13).
            let days = openssl::asn1::Asn1Time::days_from_now(0)
                .expect("now")
                .diff(certs[0].not_after())
                .expect("diff")
                .days;
            assert!((364..=365).contains(&days), "{days} days");
        }
    }
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    assert!(h.tls_settings(Endpoint::Http).is_none());
}

#[test]
fn a_change_that_needs_a_restart_is_served_only_after_restartbw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let g0 = h.generation();
    c.run("cd /Interface/Http/HttpServer/SSLSettings/Protocols;add 127.0.0.1 8443 TLSv1.2");
    c.run("cd ../Ciphers;add 127.0.0.1 8443 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    c.run("add 127.0.0.1 8443 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    let before = h.tls_settings(Endpoint::Http).expect("serving");
    assert_eq!(before.protocols, D2_PROTOCOLS);
    assert_eq!(
        h.generation(),
        g0,
        "the running configuration did not change"
    );
    let out = h.exec("restartbw");
    assert_eq!(out.status, 0);
    let after = h.tls_settings(Endpoint::Http).expect("serving");
    assert_eq!(after.protocols, [TlsProtocol::Tls12]);
    assert_eq!(
        after.ciphers,
        [
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        ]
    );
    assert!(h.generation() > g0);
    // The CTI endpoint keeps its own (default) settings.
    assert_eq!(
        h.tls_settings(Endpoint::Cti).expect("cti").protocols,
        D2_PROTOCOLS
    );
    // bwrestart and stopbw+startbw are restarts too.
    c.run("cd /Interface/Http/HttpServer/SSLSettings/Protocols;add 127.0.0.1 8443 TLSv1.1");
    assert_eq!(h.exec("bwrestart").status, 0);
    assert_eq!(
        h.tls_settings(Endpoint::Http).expect("serving").protocols,
        [TlsProtocol::Tls11, TlsProtocol::Tls12]
    );
    c.run("delete 127.0.0.1 8443 TLSv1.1");
    h.exec("stopbw");
    h.exec("startbw");
    assert_eq!(
        h.tls_settings(Endpoint::Http).expect("serving").protocols,
        [TlsProtocol::Tls12]
    );
}

#[test]
fn stopped_broadworks_serves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R23);
    let g0 = h.generation();
    let out = h.exec("stopbw");
    assert_eq!(
        out.stdout,
        "Stopping BroadWorks...\nBroadWorks has been stopped.\n"
    );
    assert!(h.tls_settings(Endpoint::Http).is_none());
    assert!(h.tls_settings(Endpoint::Cti).is_none());
    let g1 = h.generation();
    assert!(g1 > g0);
    assert_eq!(h.exec("stopbw").stdout, "BroadWorks is not running.\n");
    assert_eq!(
        h.exec("startbw").stdout,
        "Starting BroadWorks...\nBroadWorks has been started.\n"
    );
    assert!(h.tls_settings(Endpoint::Http).is_some());
    assert!(h.generation() > g1);
    assert_eq!(h.exec("startbw").stdout, "BroadWorks is already running.\n");
}

#[test]
fn the_most_specific_level_with_entries_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let ciphers = |h: &std::sync::Arc<xspsim::host::SimHost>, e| {
        h.exec("restartbw");
        h.tls_settings(e).expect("serving").ciphers
    };
    c.run("cd /System/SSLCommonSettings/JSSE/Ciphers;add TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(
        ciphers(&h, Endpoint::Http),
        ["TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"]
    );
    assert_eq!(
        ciphers(&h, Endpoint::Cti),
        ["TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"]
    );
    c.run("cd /System/SSLCommonSettings/OpenSSL/Ciphers;add TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(
        ciphers(&h, Endpoint::Http),
        ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    );
    c.run("cd /Interface/CTI/SSLCommonSettings/Ciphers;add TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(
        ciphers(&h, Endpoint::Cti),
        ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
    );
    assert_eq!(
        ciphers(&h, Endpoint::Http),
        ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    );
    c.run("cd /Interface/CTI/SSLSettings/Ciphers;add 127.0.0.1 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(
        ciphers(&h, Endpoint::Cti),
        ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
    );
    // An entry for another interface does not count for this one.
    c.run(
        "cd /Interface/Http/HttpServer/SSLSettings/Ciphers;add 10.9.9.9 443 TLS_AES_128_GCM_SHA256",
    );
    assert_eq!(
        ciphers(&h, Endpoint::Http),
        ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    );
    // Emptying the specific level falls back to the next one.
    c.run("cd /Interface/CTI/SSLSettings/Ciphers;delete 127.0.0.1 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(
        ciphers(&h, Endpoint::Cti),
        ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
    );
}

#[test]
fn r21_takes_tls_lists_from_container_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp21", Product::Xsp, Release::R21Sp1);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Maintenance/ContainerOptions> ";
    c.run("cd /Maintenance/ContainerOptions");
    let warn = "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n";
    assert_eq!(
        c.out(
            "add platform bw.apache.sslenabledprotocols \"-ALL +TLSv1.2\"",
            p
        ),
        warn
    );
    assert_eq!(
        c.out("add platform bw.apache.sslciphersuite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", p),
        warn
    );
    assert_eq!(
        c.out("add tomcat bw.cti.sslenabledprotocols TLSv1.1,TLSv1.2", p),
        warn
    );
    assert_eq!(
        c.out(
            "add tomcat bw.cti.enabledciphers TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            p
        ),
        warn
    );
    assert_eq!(
        c.out(
            "add tomcat bw.cti.enabledciphers TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            p
        ),
        "entry is already present in list\n"
    );
    assert_eq!(
        c.out("add tomcat bw.cti.nosuch ECDHE-RSA-AES128-GCM-SHA256", p),
        warn,
        "options without a TLS list take any value"
    );
    assert_eq!(
        c.out(
            "set tomcat bw.cti.enabledciphers ECDHE-RSA-AES128-GCM-SHA256",
            p
        ),
        "[CLIError] Command set: Invalid value \"ECDHE-RSA-AES128-GCM-SHA256\" for value: this is an OpenSSL cipher name; the CLI takes IANA cipher suite names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)\n"
    );
    assert_eq!(
        c.out(
            "set platform bw.apache.sslenabledprotocols \"-ALL +TLSv1.3\"",
            p
        ),
        "[CLIError] Command set: Invalid value \"-ALL +TLSv1.3\" for value: expected Apache SSLProtocol syntax such as \"-ALL +TLSv1.2\" with protocols TLSv1, TLSv1.1, TLSv1.2\n"
    );
    assert_eq!(
        c.out("get", p),
        "  Container                           Name                                                                        Value\n\
         {}\n\
         \x20  platform  bw.apache.sslenabledprotocols                                                                -ALL +TLSv1.2\n\
         \x20  platform       bw.apache.sslciphersuite  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n\
         \x20    tomcat     bw.cti.sslenabledprotocols                                                              TLSv1.1,TLSv1.2\n\
         \x20    tomcat          bw.cti.enabledciphers                                        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n\
         \x20    tomcat                  bw.cti.nosuch                                                  ECDHE-RSA-AES128-GCM-SHA256\n\
         \n5 entries found.\n"
            .replace("{}", &"=".repeat(119))
    );
    assert_eq!(
        h.tls_settings(Endpoint::Http).expect("http").protocols,
        D2_PROTOCOLS
    );
    h.exec("restartbw");
    let http = h.tls_settings(Endpoint::Http).expect("http");
    assert_eq!(http.protocols, [TlsProtocol::Tls12]);
    assert_eq!(
        http.ciphers,
        [
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
    );
    let cti = h.tls_settings(Endpoint::Cti).expect("cti");
    assert_eq!(cti.protocols, [TlsProtocol::Tls11, TlsProtocol::Tls12]);
    assert_eq!(cti.ciphers, ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
    // D5: `set <container> <name> <value>` changes a value; delete removes it.
    assert_eq!(
        c.out(
            "set platform bw.apache.sslenabledprotocols \"-ALL +TLSv1.1 +TLSv1.2\"",
            p
        ),
        warn
    );
    assert_eq!(c.out("delete tomcat bw.cti.enabledciphers", p), warn);
    h.exec("restartbw");
    assert_eq!(
        h.tls_settings(Endpoint::Http).expect("http").protocols,
        [TlsProtocol::Tls11, TlsProtocol::Tls12]
    );
    assert_eq!(
        h.tls_settings(Endpoint::Cti).expect("cti").ciphers,
        D2_CIPHERS
    );
}

#[test]
fn tls13_exists_on_r24_and_adp_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (product, release, ok) in [
        (Product::Xsp, Release::R23, false),
        (Product::Xsp, Release::R24, true),
        (Product::Adp, Release::Adp, true),
    ] {
        let h = host(
            dir.path(),
            &format!("h{release:?}").to_lowercase(),
            product,
            release,
        );
        let mut c = Cli::start(&h);
        let out = c.run("cd /Interface/Http/SSLCommonSettings/Protocols;add TLSv1.3;add TLSv1.2");
        assert_eq!(
            out.contains("Invalid value \"TLSv1.3\""),
            !ok,
            "{release:?}: {out}"
        );
        h.exec("restartbw");
        let expected: &[TlsProtocol] = if ok {
            &[TlsProtocol::Tls12, TlsProtocol::Tls13]
        } else {
            &[TlsProtocol::Tls12]
        };
        assert_eq!(
            h.tls_settings(Endpoint::Http).expect("http").protocols,
            expected
        );
    }
}

#[test]
fn the_cti_secure_port_and_client_authentication() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    c.run("cd /Interface/CTI;set securePort 9012");
    c.run("cd SSLSettings;set 127.0.0.1 clientAuthReq true");
    assert_eq!(h.tls_settings(Endpoint::Cti).expect("cti").port, 8012);
    h.exec("restartbw");
    let cti = h.tls_settings(Endpoint::Cti).expect("cti");
    assert_eq!(cti.port, 9012);
    assert!(cti.client_auth_required);
    // Trust anchors take effect at once (no restart needed).
    let pki = TestPki::new("bwcticlient.webex.com");
    put(&h, "/tmp/broadcloudroot.txt", pki.root_pem.as_bytes());
    let g = h.generation();
    let p = "XSP_CLI/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts> ";
    c.run("cd /Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts");
    assert_eq!(
        c.out("updateTrust webexroot /tmp/broadcloudroot.txt", p),
        "...Done\n"
    );
    assert!(h.generation() > g);
    let cti = h.tls_settings(Endpoint::Cti).expect("cti");
    assert_eq!(cti.trust_anchors_pem, std::slice::from_ref(&pki.root_pem));
    assert!(
        h.tls_settings(Endpoint::Http)
            .expect("http")
            .trust_anchors_pem
            .is_empty()
    );
    // The secure port disabled: the CTI endpoint stops serving after a restart.
    c.run("cd /Interface/CTI;set securePortEnabled false");
    assert!(h.tls_settings(Endpoint::Cti).is_some());
    h.exec("restartbw");
    assert!(h.tls_settings(Endpoint::Cti).is_none());
}

#[test]
fn http_client_authentication_per_interface_or_web_application() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/Http/SSLCommonSettings/ClientAuthentication/WebApps> ";
    c.run("cd /Interface/Http/SSLCommonSettings/ClientAuthentication/WebApps");
    assert_eq!(
        c.out("get", p),
        "  Interface IP  Port        Web Application  Client Auth Req\n\
         ============================================================\n\
         \x20    127.0.0.1  8443  AuthenticationService            false\n\
         \x20    127.0.0.1  8443            Xsi-Actions            false\n\
         \x20    127.0.0.1  8443             Xsi-Events            false\n\
         \n3 entries found.\n"
    );
    c.run("set 127.0.0.1 8443 AuthenticationService clientAuthReq true");
    h.exec("restartbw");
    assert!(
        h.tls_settings(Endpoint::Http)
            .expect("http")
            .client_auth_required
    );
    c.run("set 127.0.0.1 8443 AuthenticationService clientAuthReq false");
    c.run("cd /Interface/Http/HttpServer;set 127.0.0.1 8443 clientAuthReq true");
    h.exec("restartbw");
    assert!(
        h.tls_settings(Endpoint::Http)
            .expect("http")
            .client_auth_required
    );
    c.run("set 127.0.0.1 8443 secure false");
    h.exec("restartbw");
    assert!(
        h.tls_settings(Endpoint::Http).is_none(),
        "a non-secure interface serves no TLS"
    );
}

#[test]
fn ssl_update_replaces_the_interface_certificate_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    for release in [Release::R21Sp1, Release::R22] {
        let h = host(
            dir.path(),
            &format!("x{release:?}").to_lowercase(),
            Product::Xsp,
            release,
        );
        let pki = TestPki::new(&h.spec().fqdn);
        put(&h, "/tmp/server.key", pki.leaf_key_pem.as_bytes());
        put(&h, "/tmp/server.crt", pki.leaf_pem.as_bytes());
        put(
            &h,
            "/tmp/chain.pem",
            format!("{}{}", pki.issuing_pem, pki.root_pem).as_bytes(),
        );
        let other = TestPki::new("other");
        put(&h, "/tmp/other.key", other.leaf_key_pem.as_bytes());
        let (context, p) = match release {
            Release::R21Sp1 => (
                "/Interface/CTI/SSLConfiguration",
                "XSP_CLI/Interface/CTI/SSLConfiguration> ",
            ),
            _ => (
                "/Interface/CTI/SSLSettings/Certificates",
                "XSP_CLI/Interface/CTI/SSLSettings/Certificates> ",
            ),
        };
        let mut c = Cli::start(&h);
        c.run(&format!("cd {context}"));
        assert_eq!(
            c.out(
                "sslUpdate 127.0.0.1 keyFile /tmp/other.key certificateFile /tmp/server.crt",
                p
            ),
            "[Error] Command sslUpdate: /tmp/other.key: the private key does not match the certificate\n"
        );
        assert_eq!(
            c.out("sslUpdate 127.0.0.1 keyFile /tmp/server.key", p),
            "[CLIError] Command sslUpdate: Mandatory parameter missing\ncertificateFile <certificateFile>, String {absolute file path}\n"
        );
        assert_eq!(
            c.out(
                "sslUpdate 127.0.0.1 keyFile /tmp/none.key certificateFile /tmp/server.crt",
                p
            ),
            "[Error] Command sslUpdate: /tmp/none.key: No such file or directory\n"
        );
        assert_eq!(
            c.out(
                "sslUpdate 10.1.1.1 keyFile /tmp/server.key certificateFile /tmp/server.crt",
                p
            ),
            "Entry not found\n"
        );
        assert_eq!(
            c.out(
                "sslUpdate 127.0.0.1 keyFile /tmp/server.key certificateFile /tmp/server.crt chainFile /tmp/chain.pem",
                p
            ),
            "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n"
        );
        let before = h.tls_settings(Endpoint::Cti).expect("cti");
        assert!(
            pki::summary(&pki::certificates(before.cert_chain_pem.as_bytes()).expect("c")[0])
                .self_signed
        );
        h.exec("restartbw");
        let after = h.tls_settings(Endpoint::Cti).expect("cti");
        let chain = pki::certificates(after.cert_chain_pem.as_bytes()).expect("chain");
        let names: Vec<String> = chain.iter().map(|c| pki::summary(c).owner).collect();
        assert_eq!(
            names,
            [
                h.spec().fqdn.clone(),
                "Test Issuing CA".into(),
                "Test Root CA".into()
            ]
        );
        assert_eq!(
            after.key_pem,
            pki::matching_key(pki.leaf_key_pem.as_bytes(), &chain[0]).expect("key")
        );
        // The HTTP interface: R21 in HttpServer, R22+ in HttpServer/SSLSettings/Certificates.
        let (context, p) = match release {
            Release::R21Sp1 => (
                "/Interface/Http/HttpServer",
                "XSP_CLI/Interface/Http/HttpServer> ",
            ),
            _ => (
                "/Interface/Http/HttpServer/SSLSettings/Certificates",
                "XSP_CLI/Interface/Http/HttpServer/SSLSettings/Certificates> ",
            ),
        };
        c.run(&format!("cd {context}"));
        assert_eq!(
            c.out(
                "sslUpdate 127.0.0.1 keyFile /tmp/server.key certificateFile /tmp/server.crt",
                p
            ),
            "[CLIError] Command sslUpdate: Invalid value \"keyFile\" for port: expected Int {1 to 65535}\n"
        );
        assert_eq!(
            c.out(
                "sslUpdate 127.0.0.1 8443 keyFile /tmp/server.key certificateFile /tmp/server.crt",
                p
            ),
            "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n"
        );
        h.exec("restartbw");
        let http = h.tls_settings(Endpoint::Http).expect("http");
        assert_eq!(http.cert_chain_pem, pki.leaf_pem);
    }
}

#[test]
fn the_certificate_view_shows_subject_issuer_and_expiry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/Http/HttpServer/SSLSettings/Certificates> ";
    c.run("cd /Interface/Http/HttpServer/SSLSettings/Certificates");
    let out = c.out("get", p);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "  Interface IP  Port               Subject                             Issuer           Expiration Date  Key Type"
    );
    assert!(lines[2].ends_with("  RSA 2048"), "{out}");
    assert!(lines[2].starts_with(
        "     127.0.0.1  8443  xsp1.lab.xspctl.test  xsp1.lab.xspctl.test[self-signed]"
    ));
    assert_eq!(lines[4], "1 entry found.");
    // Certificates and keys are never shown by the CLI.
    let p = "XSP_CLI/Interface/Http/HttpServer> ";
    c.run("cd /Interface/Http/HttpServer");
    assert_eq!(
        c.out("detail 127.0.0.1 8443", p),
        "  interfaceIp = 127.0.0.1\n  port = 8443\n  secure = true\n  clientAuthReq = false\n"
    );
    assert_eq!(
        c.out("set 127.0.0.1 8443 keyPem x", p),
        "[CLIError] Command set: Unknown attribute \"keyPem\" (expected one of: secure, clientAuthReq)\n"
    );
}
