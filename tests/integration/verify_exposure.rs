//! Verify probes what each endpoint accepts, whatever the playbook and the host's
//! configuration say (issue #7, defect 10): drift and exposure are reported
//! separately, interfaces the playbook does not configure are probed too, and a
//! handshake stopped by a client-certificate demand is neither a pass nor a fail
//! (a warning).
use crate::lab;

use lab::{TLS_INTERFACE, TestLab};
use xspsim::host::{Product, Release};

fn r22(test: &str) -> TestLab {
    TestLab::one_host(test, Product::Xsp, Release::R22)
}

/// Changes the host behind xspctl's back and restarts it, so the change is in effect.
fn change_and_restart(lab: &TestLab, lines: &[&str]) {
    lab.bwcli("h", lines);
    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");
}

#[test]
fn drift_that_reenables_tls1_is_reported_as_drift_and_as_exposure() {
    let lab = r22("verify-drift");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let clean = lab.xspctl(&["verify", "-f", pb]);
    clean.exits(0);

    // Someone re-enables TLS 1.0/1.1 and a CBC-SHA1 suite they can use.
    change_and_restart(
        &lab,
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {http} TLSv1"),
            &format!("add {ip} {http} TLSv1.1"),
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            &format!("add {ip} {http} TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        ],
    );
    let drifted = lab.xspctl(&["verify", "-f", pb]);
    drifted
        .exits(2)
        .prints("FAIL config.drift configuration: 3 differences")
        .prints(&format!(
            "FAIL tls.refuses-protocol HTTP {ip}:{http} TLSv1: accepted: TLSv1 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        ))
        .prints(&format!(
            "FAIL tls.refuses-suite HTTP {ip}:{http} unconfigured suites: accepted: TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        ))
        .prints("the host's configuration allows this");
    // The same questions are asked with and without drift.
    let checks = |out: &str| {
        out.lines()
            .filter_map(|l| l.trim_start().split_once(' ').map(|(_, rest)| rest.trim()))
            .filter(|l| l.starts_with("config.") || l.starts_with("tls."))
            .map(|l| {
                l.split_once(": ")
                    .map_or(l, |(subject, _)| subject)
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        checks(&clean.stdout),
        checks(&drifted.stdout),
        "{}",
        drifted.all()
    );
}

#[test]
fn without_tls_in_the_playbook_the_discovered_interfaces_are_probed() {
    let lab = r22("verify-no-tls");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", "")]);
    let pb = pb.to_str().unwrap();
    let (ip, http, cti) = (lab.address("h"), lab.https_port("h"), lab.cti_port("h"));
    // A fresh host serves the provider defaults: TLS 1.0 and 1.1 included.
    let verify = lab.xspctl(&["verify", "-f", pb]);
    verify
        .exits(2)
        .prints("ok   config.drift configuration: no differences")
        .prints(&format!(
            "ok   tls.accepts-tls12 HTTP {ip}:{http} TLSv1.2: TLSv1.2"
        ))
        .prints(&format!(
            "FAIL tls.refuses-protocol HTTP {ip}:{http} TLSv1: accepted: TLSv1"
        ))
        .prints(&format!(
            "FAIL tls.refuses-protocol HTTP {ip}:{http} TLSv1.1: accepted: TLSv1.1"
        ))
        .prints(&format!(
            "FAIL tls.refuses-suite HTTP {ip}:{http} unconfigured suites: accepted: TLSv1.2"
        ))
        .prints(&format!(
            "FAIL tls.refuses-protocol CTI {ip}:{cti} TLSv1: accepted: TLSv1"
        ))
        .prints("the playbook sets no TLS for this interface");
}

#[test]
fn a_cti_interface_requiring_client_certificates_is_neither_failed_nor_passed() {
    let lab = r22("verify-client-auth");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, cti) = (lab.address("h"), lab.cti_port("h"));
    let client_auth = format!("set {ip} clientAuthReq true");
    change_and_restart(&lab, &["cd /Interface/CTI/SSLSettings", &client_auth]);

    // Provider defaults in effect: the ServerHello agrees to TLS 1.0 before the
    // certificate request, so TLS 1.0 is accepted (no false pass).
    let before = lab.xspctl(&["verify", "-f", pb]);
    before.exits(2).prints(&format!(
        "FAIL tls.refuses-protocol CTI {ip}:{cti} TLSv1: accepted: TLSv1 "
    ));
    assert!(
        before
            .stdout
            .contains("(then a client certificate was required)"),
        "{}",
        before.all()
    );

    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let after = lab.xspctl(&["verify", "-f", pb]);
    // TLS 1.2 is accepted but the handshake cannot be completed without a client
    // certificate: not proven (no false FAIL), and not a pass either: a warning,
    // which fails the run only under `--strict` (tests/integration/verify_findings.rs).
    after
        .exits(0)
        .prints(&format!(
            "WARN tls.accepts-tls12 CTI {ip}:{cti} TLSv1.2: client certificate required; not proven (the server chose TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 before asking)"
        ))
        .prints(&format!(
            "ok   tls.refuses-protocol CTI {ip}:{cti} TLSv1: refused"
        ))
        .prints(&format!(
            "ok   tls.refuses-suite CTI {ip}:{cti} unconfigured suites: refused"
        ));
    assert!(!after.stdout.contains("FAIL"), "{}", after.all());
}
