//! The TLS module per release, through the real path: playbook → SSH → bwcli →
//! plan/apply → restart → TLS handshakes.
#[path = "support/lab.rs"]
mod lab;

use lab::{Spec, TLS_INTERFACE, TestLab};
use xspsim::host::{Product, Release};

const TLS_R21: &str = "tls:
  http:
    level: container-options
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  cti:
    level: container-options
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]";

fn interface_ops(lab: &TestLab) -> String {
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    format!(
        "  /Interface/Http/HttpServer/SSLSettings/Protocols>
    + add {ip} {http} TLSv1.2
  /Interface/Http/HttpServer/SSLSettings/Ciphers>
    + add {ip} {http} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    + add {ip} {http} TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  /Interface/CTI/SSLSettings/Protocols>
    + add {ip} TLSv1.2
  /Interface/CTI/SSLSettings/Ciphers>
    + add {ip} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
"
    )
}

const R21_OPS: &str = "  /Maintenance/ContainerOptions>
    + add platform bw.apache.sslenabledprotocols \"-ALL +TLSv1.2\"
    + add platform bw.apache.sslciphersuite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    + add tomcat bw.cti.sslenabledprotocols TLSv1.2
    + add tomcat bw.cti.enabledciphers TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
";

/// Fresh host → plan shows the exact operations → apply → a second plan is empty →
/// verify shows the old TLS still served (restart pending) → rolling restart →
/// verify shows TLS 1.2 with a configured suite, older protocols and other suites
/// refused.
fn release_flow(
    test: &str,
    product: Product,
    release: Release,
    pb_product: &str,
    pb_release: &str,
) {
    let lab = TestLab::start(
        test,
        &[Spec {
            name: "h",
            product,
            release,
        }],
    );
    let block = if release == Release::R21Sp1 {
        TLS_R21
    } else {
        TLS_INTERFACE
    };
    let pb = lab.playbook("pb.yaml", &[("h", pb_product, pb_release, block)]);
    let pb = pb.to_str().unwrap();
    let (ip, http, cti) = (lab.address("h"), lab.https_port("h"), lab.cti_port("h"));

    let plan = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    plan.exits(2);
    let ops = if release == Release::R21Sp1 {
        R21_OPS.to_string()
    } else {
        interface_ops(&lab)
    };
    let expected = format!("h (farm farm-h) changes\n{ops}  effective after apply:\n");
    assert!(
        plan.stdout.starts_with(&expected),
        "expected:\n{expected}\n{}",
        plan.all()
    );
    plan.prints(&format!(
        "HTTP {ip}:{http} protocols: TLSv1, TLSv1.1, TLSv1.2 (provider default) -> TLSv1.2"
    ));
    assert!(
        plan.stdout
            .contains("restart required for these changes to take effect")
    );

    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_eq!(apply.code, 2, "restart required: {}", apply.all());
    apply.prints("h     farm-h  restart required");
    let again = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    again.exits(0);

    // Not in effect before the restart: TLS 1.0 is still accepted.
    let before = lab.xspctl(&["verify", "-f", pb]);
    before.exits(2);
    before.prints(&format!(
        "WAIT tls.refuses-protocol HTTP {ip}:{http} TLSv1: accepted: TLSv1"
    ));
    before.prints("a restart is pending since");

    let restart = lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"]);
    restart.exits(0);
    assert!(
        restart.stdout.contains("restarted; answering again after"),
        "{}",
        restart.all()
    );

    let after = lab.xspctl(&["verify", "-f", pb]);
    after.exits(0);
    for line in [
        format!(
            "ok   tls.accepts-tls12 HTTP {ip}:{http} TLSv1.2: TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        ),
        format!("ok   tls.refuses-protocol HTTP {ip}:{http} TLSv1: refused"),
        format!("ok   tls.refuses-protocol HTTP {ip}:{http} TLSv1.1: refused"),
        format!("ok   tls.refuses-suite HTTP {ip}:{http} unconfigured suites: refused"),
        format!(
            "ok   tls.accepts-tls12 CTI {ip}:{cti} TLSv1.2: TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        ),
        format!("ok   tls.refuses-protocol CTI {ip}:{cti} TLSv1: refused"),
    ] {
        assert!(
            after.stdout.contains(&line),
            "missing {line:?}\n{}",
            after.all()
        );
    }

    // An independent client agrees: openssl s_client cannot do TLS 1.1 any more.
    let s_client = std::process::Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("{ip}:{http}"),
            "-tls1_1",
            "-cipher",
            "ALL:@SECLEVEL=0",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl runs");
    assert!(
        !s_client.status.success(),
        "TLS 1.1 was accepted after the restart"
    );
}

#[test]
fn r21_sp1_uses_container_options() {
    release_flow("tls-r21", Product::Xsp, Release::R21Sp1, "xsp", "R21SP1");
}

#[test]
fn r22_per_interface() {
    release_flow("tls-r22", Product::Xsp, Release::R22, "xsp", "R22");
}

#[test]
fn r23_per_interface() {
    release_flow("tls-r23", Product::Xsp, Release::R23, "xsp", "R23");
}

#[test]
fn r24_per_interface() {
    release_flow("tls-r24", Product::Xsp, Release::R24, "xsp", "R24");
}

#[test]
fn adp_per_interface() {
    release_flow("tls-adp", Product::Adp, Release::Adp, "adp", "ADP");
}

#[test]
fn a_system_level_empties_the_more_specific_levels_and_takes_effect() {
    let lab = TestLab::start(
        "tls-system",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R22,
        }],
    );
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    // The host already has a per-interface list that would override a system one.
    lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {http} TLSv1"),
        ],
    );
    let block = "tls:
  http:
    level: system-jsse
    protocols: [TLSv1.2]";
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", block)]);
    let pb = pb.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb]);
    let expected = format!(
        "h (farm farm-h) changes
  /System/SSLCommonSettings/JSSE/Protocols>
    + add TLSv1.2
  /Interface/Http/HttpServer/SSLSettings/Protocols>
    - delete {ip} {http} TLSv1
  effective after apply:
    HTTP {ip}:{http} protocols: TLSv1 (interface) -> TLSv1.2 (system JSSE)
"
    );
    assert!(
        plan.stdout.starts_with(&expected),
        "expected:\n{expected}\n{}",
        plan.all()
    );
    assert_eq!(
        lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
            .code,
        0
    );
    // Only protocols are set: the provider-default suites stay in effect, and
    // verify reports the weak ones among them as exposure (issue #7, defect 10).
    let verify = lab.xspctl(&["verify", "-f", pb]);
    verify
        .exits(2)
        .prints("ok   config.drift configuration: no differences")
        .prints(&format!(
            "ok   tls.refuses-protocol HTTP {ip}:{http} TLSv1: refused"
        ))
        .prints(&format!(
            "FAIL tls.refuses-suite HTTP {ip}:{http} unconfigured suites: accepted"
        ));
}
