//! mTLS on the CTI interface through the real path (issue #9 item 7, issue #11
//! check 5): a Webex-like PKI (rcgen, xspsim's lab CA) → a playbook with
//! `webex.cti_mtls` and `verify.client_certificate` → apply (the anchors loaded by
//! updateTrust, client authentication required) and a restart → verify's three
//! handshakes on xspsim's CTI endpoint, whose CertificateRequest lists the loaded
//! anchors; then client authentication turned off behind xspctl's back, and the
//! checks fail with their fix. R22+ and R21 SP1 keep these in different contexts.
use crate::lab;

use lab::{Run, Spec, TestLab};
use serde_json::Value;
use xspsim::catalog::model::{CliLayout, CtiLayout};
use xspsim::host::{Product, Release};
use xspsim::pki::lab_ca::WebexLikePki;

const MTLS_IDS: [&str; 4] = [
    "mtls.client-ca-list",
    "mtls.accepts-webex-client",
    "mtls.refuses-untrusted-client",
    "mtls.requires-client-certificate",
];

/// The mTLS findings of the CTI endpoint, by id.
fn mtls_findings(run: &Run, subject_prefix: &str) -> Vec<(String, Value)> {
    MTLS_IDS
        .iter()
        .map(|id| (id.to_string(), run.finding(id, subject_prefix)))
        .collect()
}

fn flow(test: &str, release: Release, pb_release: &str, interfaces: &str) {
    flow_on(
        test,
        (Product::Xsp, release),
        pb_release,
        interfaces,
        CliLayout::default(),
    );
}

fn flow_on(
    test: &str,
    (product, release): (Product, Release),
    pb_release: &str,
    interfaces: &str,
    layout: CliLayout,
) {
    let lab = TestLab::start_with_layout(
        test,
        &[Spec {
            name: "h",
            product,
            release,
        }],
        layout,
    );
    let product_name = if product == Product::Adp {
        "adp"
    } else {
        "xsp"
    };
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, product_name, pb_release);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0)
        .prints(&format!("set {} clientAuthReq true", lab.address("h")));
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);

    // cti_mtls sets the secure port to 8012 (guide B §5.9); the restart ends when it
    // listens (the simulated endpoint moves there at its next settings poll), so verify
    // finds it at once.
    let cti = format!("CTI {}:8012 ", lab.address("h"));
    let run = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    for (id, f) in mtls_findings(&run, &cti) {
        assert_eq!(f["status"], "ok", "{id}: {f:#}\n{}", run.all());
    }
    let found = mtls_findings(&run, &cti);
    let ca_list = &found[0].1;
    let names: Vec<&str> = ca_list["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str()?.strip_prefix("CA name: "))
        .collect();
    assert!(
        names.contains(&"CN=Lab Webex-like Root CA, O=xspctl lab")
            && names.contains(&"CN=Lab Webex-like Issuing CA, O=xspctl lab"),
        "{ca_list:#}"
    );
    assert!(
        found[2].1["observed"]
            .as_str()
            .unwrap()
            .contains("unknown ca"),
        "{:#}",
        found[2].1
    );
    // The TLS probe of the CTI interface presented the client identity: TLS 1.2 is
    // proven, not left at "client certificate required".
    let tls12 = run.json()["hosts"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tls.accepts-tls12" && c["subject"] == format!("{cti}TLSv1.2"))
        .cloned()
        .unwrap_or_else(|| panic!("no CTI TLSv1.2 check: {}", run.all()));
    assert_eq!(tls12["status"], "ok", "{tls12:#}");
    assert!(!run.all().contains("PRIVATE KEY"), "{}", run.all());

    // Client authentication off, running: the checks fail and say how to fix it.
    let out = lab.bwcli(
        "h",
        &[
            &format!("cd {interfaces}"),
            &format!("set {} clientAuthReq false", lab.address("h")),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    assert_eq!(lab.host("h").exec("restartbw").status, 0);
    let off = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    off.exits(2);
    let found = mtls_findings(&off, &cti);
    let status = |i: usize| found[i].1["status"].as_str().unwrap().to_string();
    assert_eq!(status(0), "fail", "{:#}", found[0].1);
    assert!(
        found[0].1["observed"]
            .as_str()
            .unwrap()
            .contains("no CertificateRequest"),
        "{:#}",
        found[0].1
    );
    assert_eq!(status(1), "ok", "{:#}", found[1].1);
    for i in [0, 2, 3] {
        assert_eq!(status(i), "fail", "{:#}", found[i].1);
        let fix = found[i].1["fix"].as_str().unwrap();
        assert!(fix.contains("webex.cti_mtls"), "{fix}");
    }
    assert!(
        found[3].1["observed"]
            .as_str()
            .unwrap()
            .contains("no certificate was requested"),
        "{:#}",
        found[3].1
    );
}

#[test]
fn r22_cti_requires_the_webex_client_and_refuses_others() {
    flow(
        "mtls_r22",
        Release::R22,
        "R22",
        "/Interface/CTI/SSLSettings",
    );
}

#[test]
fn r21_cti_requires_the_webex_client_and_refuses_others() {
    flow(
        "mtls_r21",
        Release::R21Sp1,
        "R21SP1",
        "/Interface/CTI/SSLConfiguration",
    );
}

#[test]
fn r24_ctiserver_layout_and_adp_behave_alike() {
    flow_on(
        "mtls_r24_ctiserver",
        (Product::Xsp, Release::R24),
        "R24",
        "/Interface/CTI/CTIServer",
        CliLayout {
            cti: CtiLayout::CtiServer,
            http_address_header: None,
        },
    );
    flow_on(
        "mtls_adp",
        (Product::Adp, Release::Adp),
        "ADP",
        "/Interface/CTI/SSLSettings",
        CliLayout::default(),
    );
}

#[test]
fn a_key_that_is_not_the_certificates_stops_verify_before_any_host() {
    let lab = TestLab::one_host("mtls_badkey", Product::Xsp, Release::R23);
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, "xsp", "R23");
    let other = WebexLikePki::generate().expect("pki");
    std::fs::write(lab.dir.path().join("client.key"), &other.client.key_pem).unwrap();
    let run = lab.xspctl(&["verify", "-f", &pb]);
    run.exits(1)
        .complains("pb.yaml:4:")
        .complains("`verify.client_certificate`: the key file:")
        .complains("does not belong to the certificate");
    assert!(!run.all().contains("PRIVATE KEY"), "{}", run.all());
    assert!(lab.transcripts("h").is_empty(), "a host was reached");

    // The key is a file: an environment variable is refused at its line.
    let text = std::fs::read_to_string(&pb).unwrap();
    let text: Vec<String> = text
        .lines()
        .map(|l| match l.starts_with("    key: ") {
            true => "    key: env:CLIENT_KEY".to_string(),
            false => l.to_string(),
        })
        .collect();
    std::fs::write(&pb, text.join("\n") + "\n").unwrap();
    lab.xspctl(&["validate", "-f", &pb])
        .exits(1)
        .complains("pb.yaml:5:")
        .complains("the key must be a file (`file:PATH`), not env:CLIENT_KEY");
}

/// A Webex trust anchor deleted behind xspctl's back (R22): the CTI interface's
/// CertificateRequest no longer names it, so `mtls.client-ca-list` fails naming
/// it (and drift names the anchor). The Webex-like client still completes: it
/// sends its issuing CA with its certificate, and the root is still trusted.
#[test]
fn a_missing_trust_anchor_fails_the_client_ca_list() {
    let lab = TestLab::one_host("mtls_missing_anchor", Product::Xsp, Release::R22);
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, "xsp", "R22");
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let trusts = "cd /Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts";
    let listed = lab.bwcli("h", &[trusts, "get"]);
    let issuing = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .find(|w| w.contains("issuing"))
        .unwrap_or_else(|| panic!("no issuing CA alias in\n{listed}"))
        .to_string();
    let out = lab.bwcli("h", &[trusts, &format!("delete {issuing}")]);
    assert!(out.contains("...Done"), "{out}");
    assert_eq!(lab.host("h").exec("restartbw").status, 0);

    let run = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    run.exits(2);
    let cti = format!("CTI {}:8012 ", lab.address("h"));
    let found = mtls_findings(&run, &cti);
    let (ca_list, accepts) = (&found[0].1, &found[1].1);
    assert_eq!(ca_list["status"], "fail", "{ca_list:#}");
    assert!(
        ca_list["observed"]
            .as_str()
            .unwrap()
            .contains("Lab Webex-like Issuing CA"),
        "{ca_list:#}"
    );
    assert_eq!(accepts["status"], "ok", "{accepts:#}");
    let drift = run.finding("config.drift", "configuration");
    assert_eq!(drift["status"], "fail", "{drift:#}");
}
