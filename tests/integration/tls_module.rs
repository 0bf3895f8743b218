//! The TLS module per release, through the real path: playbook → SSH → bwcli →
//! plan/apply → restart → TLS handshakes.
use crate::lab;

use lab::{Spec, TLS_INTERFACE, TestLab};
use xspsim::catalog::model::{CliLayout, CtiLayout};
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

fn interface_ops(lab: &TestLab, layout: &CliLayout) -> String {
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let cti = match layout.cti {
        CtiLayout::SslSettings => "/Interface/CTI/SSLSettings",
        CtiLayout::CtiServer => "/Interface/CTI/CTIServer/SSLSettings",
    };
    format!(
        "  /Interface/Http/HttpServer/SSLSettings/Protocols>
    + add {ip} {http} TLSv1.2
  /Interface/Http/HttpServer/SSLSettings/Ciphers>
    + add {ip} {http} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    + add {ip} {http} TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  {cti}/Protocols>
    + add {ip} TLSv1.2
  {cti}/Ciphers>
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
    layout_flow(
        test,
        product,
        release,
        pb_product,
        pb_release,
        CliLayout::default(),
    );
}

/// [`release_flow`] on a host whose CLI shows the given layout.
fn layout_flow(
    test: &str,
    product: Product,
    release: Release,
    pb_product: &str,
    pb_release: &str,
    layout: CliLayout,
) {
    let lab = TestLab::start_with_layout(
        test,
        &[Spec {
            name: "h",
            product,
            release,
        }],
        layout.clone(),
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
        interface_ops(&lab, &layout)
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
    // Nothing left to change, but the restart is still pending (exit 2).
    let again = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    again.exits(2);
    again.prints("restart required  0 changes");

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

/// The Webex guide's CTI layout (bwcli-behavior §6): `Interface/CTI/CTIServer` with
/// its lists under `CTIServer/SSLSettings`.
#[test]
fn r22_cti_server_layout() {
    let layout = CliLayout {
        cti: CtiLayout::CtiServer,
        http_address_header: None,
    };
    layout_flow(
        "tls-r22-ctiserver",
        Product::Xsp,
        Release::R22,
        "xsp",
        "R22",
        layout,
    );
}

#[test]
fn adp_cti_server_layout() {
    let layout = CliLayout {
        cti: CtiLayout::CtiServer,
        http_address_header: None,
    };
    layout_flow(
        "tls-adp-ctiserver",
        Product::Adp,
        Release::Adp,
        "adp",
        "ADP",
        layout,
    );
}

/// An independent bwcli prints the HttpServer address under `Interface`: the
/// catalog's header aliases read it as the address.
#[test]
fn r24_http_address_header_variant() {
    let layout = CliLayout {
        cti: CtiLayout::CtiServer,
        http_address_header: Some("Interface".into()),
    };
    layout_flow(
        "tls-r24-header",
        Product::Xsp,
        Release::R24,
        "xsp",
        "R24",
        layout,
    );
}

#[test]
fn r21_http_address_header_variant() {
    let layout = CliLayout {
        cti: CtiLayout::SslSettings,
        http_address_header: Some("IP Address".into()),
    };
    layout_flow(
        "tls-r21-header",
        Product::Xsp,
        Release::R21Sp1,
        "xsp",
        "R21SP1",
        layout,
    );
}

/// A header no alias covers: plan fails naming the context, the columns seen and
/// the ones expected; nothing is written, so a later read shows the host unchanged.
#[test]
fn an_unknown_address_header_fails_the_plan_and_writes_nothing() {
    let layout = CliLayout {
        cti: CtiLayout::SslSettings,
        http_address_header: Some("Listen On".into()),
    };
    let lab = TestLab::start_with_layout(
        "tls-unknown-header",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
        layout,
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb]);
    assert_ne!(plan.code, 0, "{}", plan.all());
    let message = "/Interface/Http/HttpServer> get shows no \"Interface IP\" column (columns seen: \"Listen On\", \"Port\", \"Secure\", \"Client Auth Req\"; expected: \"Interface IP\", \"Port\", \"Secure\")";
    assert!(plan.all().contains(message), "{}", plan.all());
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_ne!(apply.code, 0, "{}", apply.all());
    assert!(apply.all().contains(message), "{}", apply.all());
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let protocols = lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("get {ip} {http}"),
        ],
    );
    assert!(protocols.contains("0 entry found."), "{protocols}");
    for transcript in lab.transcripts("h") {
        let writes: Vec<String> = lab::sent_lines(&transcript)
            .into_iter()
            .filter(|l| l.starts_with("add ") || l.starts_with("delete ") || l.starts_with("set "))
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
    }
}

/// An ECDSA-only suite list on interfaces with RSA certificates would refuse every
/// TLS 1.2 client: plan and apply refuse it, naming the interface, the key type and
/// the suites, and nothing is written.
fn ecdsa_only_on_rsa(test: &str, release: Release, pb_release: &str, block: &str, read_from: &str) {
    let lab = TestLab::one_host(test, Product::Xsp, release);
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", pb_release, block)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let message = format!(
        "HTTP interface {ip}:{http} has a certificate with key type RSA ({read_from}), but none of the TLS 1.2 suites the playbook configures for it can be served with that key: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384; applying them would take the port down"
    );
    let plan = lab.xspctl(&["plan", "-f", pb]);
    assert_ne!(plan.code, 0, "{}", plan.all());
    assert!(plan.all().contains(&message), "{}", plan.all());
    assert!(
        plan.all()
            .contains("help: add a suite authenticated by RSA (for example TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) to `ciphers` of `http`"),
        "{}",
        plan.all()
    );
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_ne!(apply.code, 0, "{}", apply.all());
    assert!(apply.all().contains(&message), "{}", apply.all());
    for transcript in lab.transcripts("h") {
        let writes: Vec<String> = lab::sent_lines(&transcript)
            .into_iter()
            .filter(|l| l.starts_with("add ") || l.starts_with("delete ") || l.starts_with("set "))
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
    }
}

const ECDSA_ONLY_INTERFACE: &str = "tls:
  http:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]";

const ECDSA_ONLY_R21: &str = "tls:
  http:
    level: container-options
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]";

/// R23: the key type is read from `HttpServer/SSLSettings/Certificates> get`.
#[test]
fn ecdsa_only_suites_on_an_rsa_certificate_are_refused_from_the_certificates_context() {
    ecdsa_only_on_rsa(
        "tls-keytype-cli",
        Release::R23,
        "R23",
        ECDSA_ONLY_INTERFACE,
        "/Interface/Http/HttpServer/SSLSettings/Certificates> get",
    );
}

/// R21 SP1 has no Certificates context: the key type comes from the served
/// certificate.
#[test]
fn ecdsa_only_suites_on_an_rsa_certificate_are_refused_from_the_served_certificate() {
    ecdsa_only_on_rsa(
        "tls-keytype-served",
        Release::R21Sp1,
        "R21SP1",
        ECDSA_ONLY_R21,
        "the certificate it serves",
    );
}

/// `xspsim serve` writes `known_hosts` and a starter playbook beside `hosts.json`:
/// xspctl plans with them as they are (host keys checked, the lab's client key).
#[test]
fn the_starter_playbook_xspsim_writes_plans_tls_on_the_served_hosts() {
    let lab = TestLab::start(
        "tls-starter",
        &[
            Spec {
                name: "x1",
                product: Product::Xsp,
                release: Release::R23,
            },
            Spec {
                name: "a1",
                product: Product::As,
                release: Release::R22,
            },
        ],
    );
    let served = lab.dir.path().join("lab");
    let known = std::fs::read_to_string(served.join("known_hosts")).expect("known_hosts");
    assert_eq!(known.lines().count(), 2, "{known}");
    let pb = served.join("playbook.yaml");
    let pb = pb.to_str().unwrap();
    lab.xspctl(&["validate", "-f", pb]).exits(0);
    let plan = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    plan.exits(2);
    let (ip, http) = (lab.address("x1"), lab.https_port("x1"));
    plan.prints(&format!(
        "  /Interface/Http/HttpServer/SSLSettings/Protocols>\n    + add {ip} {http} TLSv1.2"
    ));
    plan.prints("  /Applications/Xsi-Events/BWIntegration>\n    ~ set eventQueueSize 2000");
    plan.prints("a1 (farm farm-as-R22) ok");
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
