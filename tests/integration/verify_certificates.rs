//! verify reads the certificate each endpoint serves: an HTTP interface given (by
//! `sslUpdate`, behind xspctl's back) a certificate that expires in 20 days is a
//! warning naming the date; the CTI interface's year-long one passes; the chain,
//! name, expiry and key checks fail for each documented reason.
use crate::lab;

use lab::{Spec, TestLab};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use xspsim::host::{Product, Release};

/// An RSA key and a self-signed certificate for it, valid for `days` more days.
fn expiring(cn: &str, days: u32) -> (String, String) {
    self_signed(cn, 2048, 0, i64::from(days))
}

/// An RSA key of `bits` and a self-signed certificate for it, valid from `from` to
/// `to` days from now (negative: in the past).
fn self_signed(cn: &str, bits: u32, from: i64, to: i64) -> (String, String) {
    let key = PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    let day = |d: i64| {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Asn1Time::from_unix(now + d * 86_400).unwrap()
    };
    cert.set_not_before(&day(from)).unwrap();
    cert.set_not_after(&day(to)).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let key = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let cert = String::from_utf8(cert.build().to_pem().unwrap()).unwrap();
    (key, cert)
}

#[test]
fn a_certificate_expiring_within_30_days_is_a_warning_with_its_date() {
    let lab = TestLab::start(
        "certs-expiry",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let (ip, http, cti) = (lab.address("h"), lab.https_port("h"), lab.cti_port("h"));
    let (key, cert) = expiring("xsp1.example.com", 20);
    install_http_certificate(&lab, &key, &cert, None);

    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
    let run = lab.xspctl(&["verify", "-f", pb.to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let finding = |subject: String| {
        json["hosts"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "tls.certificate-expiry" && c["subject"] == subject.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no {subject}: {}", run.all()))
    };
    let soon = finding(format!("HTTP {ip}:{http} certificate"));
    assert_eq!(soon["status"], "warn", "{soon:#}");
    assert_eq!(soon["severity"], "warning");
    let observed = soon["observed"].as_str().unwrap();
    assert!(
        observed.starts_with("expires in 19 days") || observed.starts_with("expires in 20 days"),
        "{observed}"
    );
    assert!(observed.contains("(under 30 days)"), "{observed}");
    assert!(
        soon["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "subject: CN=xsp1.example.com"),
        "{soon:#}"
    );
    let year = finding(format!("CTI {ip}:{cti} certificate"));
    assert_eq!(year["status"], "ok", "{year:#}");
}

/// Writes `files` under the host's /var/broadworks/tmp, runs `sslUpdate` on the HTTP
/// interface with them (chain optional) and restarts, behind xspctl's back.
fn install_http_certificate(lab: &TestLab, key: &str, cert: &str, chain: Option<&str>) {
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let tmp = lab.host("h").fs_root().join("var/broadworks/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("k.pem"), key).unwrap();
    std::fs::write(tmp.join("c.pem"), cert).unwrap();
    let chain_arg = match chain {
        Some(pem) => {
            std::fs::write(tmp.join("chain.pem"), pem).unwrap();
            " chainFile /var/broadworks/tmp/chain.pem"
        }
        None => "",
    };
    let out = lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Certificates",
            &format!(
                "sslUpdate {ip} {http} keyFile /var/broadworks/tmp/k.pem certificateFile /var/broadworks/tmp/c.pem{chain_arg}"
            ),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");
}

/// The chain checks of the HTTP interface, by check id, from `verify --format json`.
fn http_chain_checks(lab: &TestLab, pb: &std::path::Path) -> serde_json::Value {
    let run = lab.xspctl(&[
        "verify",
        "-f",
        pb.to_str().unwrap(),
        "--check",
        "tls.certificate-*",
        "--format",
        "json",
    ]);
    let subject = format!(
        "HTTP {}:{} certificate",
        lab.address("h"),
        lab.https_port("h")
    );
    let mut by_id = serde_json::Map::new();
    for c in run.json()["hosts"][0]["checks"].as_array().unwrap() {
        if c["subject"] == subject.as_str() {
            by_id.insert(c["id"].as_str().unwrap().to_string(), c.clone());
        }
    }
    serde_json::Value::Object(by_id)
}

/// verify validates the served chain with webpki against `verify.server_ca`: a
/// self-signed certificate fails, a CA-signed one without its
/// intermediate fails as an incomplete chain, a chain sent out of order fails the
/// order check, and the complete chain in order passes.
#[test]
fn the_served_chain_is_validated_against_the_playbooks_server_ca() {
    use xspsim::pki::lab_ca::LabCa;
    let lab = TestLab::start(
        "certs-chain",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let root = LabCa::root("Test Server Root").unwrap();
    let issuing = root.issue_ca("Test Server Issuing").unwrap();
    let leaf = issuing
        .issue_server("h.example.com", lab.address("h"))
        .unwrap();
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
    // The playbook trusts this test's CA instead of the lab's.
    std::fs::write(pb.with_file_name(lab::SERVER_CA_FILE), root.cert_pem()).unwrap();

    let (key, cert) = expiring("h.example.com", 200);
    install_http_certificate(&lab, &key, &cert, None);
    let fresh = http_chain_checks(&lab, &pb);
    let trusted = &fresh["tls.certificate-trusted"];
    assert_eq!(trusted["status"], "fail", "{fresh:#}");
    assert!(
        trusted["observed"]
            .as_str()
            .unwrap()
            .starts_with("self-signed"),
        "{trusted:#}"
    );

    install_http_certificate(&lab, &leaf.key_pem, &leaf.cert_pem, None);
    let incomplete = http_chain_checks(&lab, &pb);
    let observed = incomplete["tls.certificate-trusted"]["observed"]
        .as_str()
        .unwrap();
    assert!(
        observed.starts_with("incomplete chain or unknown CA: the chain ends at CN=h.example.com"),
        "{incomplete:#}"
    );
    assert!(observed.contains("Test Server Issuing"), "{observed}");

    let reversed = format!("{}{}", root.cert_pem(), issuing.cert_pem());
    install_http_certificate(&lab, &leaf.key_pem, &leaf.cert_pem, Some(&reversed));
    let misordered = http_chain_checks(&lab, &pb);
    assert_eq!(
        misordered["tls.certificate-trusted"]["status"], "ok",
        "{misordered:#}"
    );
    let order = &misordered["tls.certificate-order"];
    assert_eq!(order["status"], "fail", "{misordered:#}");
    assert!(
        order["observed"]
            .as_str()
            .unwrap()
            .starts_with("certificate #2 (CN=Test Server Root"),
        "{order:#}"
    );

    install_http_certificate(
        &lab,
        &leaf.key_pem,
        &leaf.cert_pem,
        Some(&issuing.cert_pem()),
    );
    let complete = http_chain_checks(&lab, &pb);
    for id in [
        "tls.certificate-trusted",
        "tls.certificate-order",
        "tls.certificate-key",
    ] {
        assert_eq!(complete[id]["status"], "ok", "{id}: {complete:#}");
    }
}

/// `tls.certificate-name` checks the host's own `fqdn` (the name `dns.*` checks)
/// on every interface, besides `webex.certificates.*.fqdn`: the lab's certificates
/// name `h.lab.xspctl.test`, so that `fqdn` passes on HTTP and CTI, and another
/// fails naming what the certificate names.
#[test]
fn the_hosts_own_fqdn_must_be_named_by_every_interface_certificate() {
    let lab = TestLab::start(
        "certs-host-fqdn",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let (ip, http, cti) = (lab.address("h"), lab.https_port("h"), lab.cti_port("h"));
    let name_findings = |fqdn: &str| {
        let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
        let text = std::fs::read_to_string(&pb).unwrap().replacen(
            &format!("        address: {ip}\n"),
            &format!("        address: {ip}\n        fqdn: {fqdn}\n"),
            1,
        );
        assert!(text.contains(&format!("fqdn: {fqdn}")), "{text}");
        std::fs::write(&pb, text).unwrap();
        let run = lab.xspctl(&["verify", "-f", pb.to_str().unwrap(), "--format", "json"]);
        let json = run.json();
        [
            format!("HTTP {ip}:{http} certificate"),
            format!("CTI {ip}:{cti} certificate"),
        ]
        .map(|subject| {
            json["hosts"][0]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == "tls.certificate-name" && c["subject"] == subject.as_str())
                .cloned()
                .unwrap_or_else(|| panic!("no tls.certificate-name {subject}: {}", run.all()))
        })
    };
    for named in name_findings("h.lab.xspctl.test") {
        assert_eq!(named["status"], "ok", "{named:#}");
        assert_eq!(
            named["expected"],
            "the host's FQDN h.lab.xspctl.test named (a SAN, or the CN: guide A §7.1-7.2)"
        );
    }
    for wrong in name_findings("xsp9.lab.xspctl.test") {
        assert_eq!(wrong["status"], "fail", "{wrong:#}");
        let observed = wrong["observed"].as_str().unwrap();
        assert!(
            observed.starts_with("not named: the certificate names ")
                && observed.contains("h.lab.xspctl.test"),
            "{observed}"
        );
        assert!(wrong["fix"].as_str().unwrap().contains("host's FQDN"));
    }
}

/// The certificate checks fail for each documented reason (issue #11 "Done when"):
/// an expired certificate; a weak (RSA-1024) key; and an RSA key on an interface
/// whose configured suites include ECDSA ones it cannot serve (a warning: the RSA
/// suites still serve).
#[test]
fn an_expired_certificate_a_weak_key_and_ecdsa_suites_with_an_rsa_key_are_found() {
    let lab = TestLab::one_host("certs-bad", Product::Xsp, Release::R23);
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);

    let (key, cert) = self_signed("h.example.com", 2048, -30, -1);
    install_http_certificate(&lab, &key, &cert, None);
    let expired = http_chain_checks(&lab, &pb);
    let expiry = &expired["tls.certificate-expiry"];
    assert_eq!(expiry["status"], "fail", "{expired:#}");
    assert!(
        expiry["observed"]
            .as_str()
            .unwrap()
            .starts_with("expired on"),
        "{expiry:#}"
    );

    let (key, cert) = self_signed("h.example.com", 1024, 0, 200);
    install_http_certificate(&lab, &key, &cert, None);
    let weak = http_chain_checks(&lab, &pb);
    let key_check = &weak["tls.certificate-key"];
    assert_eq!(key_check["status"], "fail", "{weak:#}");
    assert_eq!(
        key_check["observed"], "a weak or unsupported key: RSA 1024 bits",
        "{key_check:#}"
    );

    let (key, cert) = self_signed("h.example.com", 2048, 0, 200);
    install_http_certificate(&lab, &key, &cert, None);
    let out = lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            // The interface's own list replaces the inherited one: an RSA suite
            // that serves, and an ECDSA one the RSA key cannot.
            &format!("add {ip} {http} TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            &format!("add {ip} {http} TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        ],
    );
    assert_eq!(out.matches("...Done").count(), 2, "{out}");
    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");
    let mixed = http_chain_checks(&lab, &pb);
    let key_check = &mixed["tls.certificate-key"];
    assert_eq!(key_check["status"], "warn", "{mixed:#}");
    let observed = key_check["observed"].as_str().unwrap();
    assert!(
        observed.starts_with("RSA 2048 bits: configured suites it cannot serve: ")
            && observed.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "{key_check:#}"
    );
}
