//! verify reads the certificate each endpoint serves: an HTTP interface given (by
//! `sslUpdate`, behind xspctl's back) a certificate that expires in 20 days is a
//! warning naming the date; the CTI interface's year-long one passes.
#[path = "support/lab.rs"]
mod lab;

use lab::{Spec, TestLab};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use xspsim::host::{Product, Release};

/// An RSA key and a self-signed certificate for it, valid for `days` more days.
fn expiring(cn: &str, days: u32) -> (String, String) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(days).unwrap())
        .unwrap();
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
    let tmp = lab.host("h").fs_root().join("var/broadworks/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("k.pem"), key).unwrap();
    std::fs::write(tmp.join("c.pem"), cert).unwrap();
    let out = lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Certificates",
            &format!(
                "sslUpdate {ip} {http} keyFile /var/broadworks/tmp/k.pem certificateFile /var/broadworks/tmp/c.pem"
            ),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");

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
