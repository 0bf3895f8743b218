//! The cti_mtls module's trust anchors through the real path: a Webex-like chain
//! (rcgen) named in the playbook → plan → SFTP upload + `updateTrust` in the
//! release's Trusts context (xspsim) → the Trusts table read back, the uploaded
//! files gone, and a second plan empty. A broken chain file stops validate at the
//! playbook line, before any host is touched.
use crate::lab;

use lab::TestLab;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use time::{Duration, OffsetDateTime};
use xspsim::host::{Product, Release};

fn ca(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(365);
    p
}

/// A CombinedCertChain.txt as Partner Hub gives it: the issuing CA, then the root.
fn webex_chain() -> String {
    let root = CertifiedIssuer::self_signed(
        ca("BroadCloud Commercial Trusted Root CA"),
        KeyPair::generate().unwrap(),
    )
    .unwrap();
    let issuing = CertifiedIssuer::signed_by(
        ca("BroadCloud Commercial Issuing CA - DA3"),
        KeyPair::generate().unwrap(),
        &root,
    )
    .unwrap();
    format!("{}{}", issuing.pem(), root.pem())
}

/// The aliases the Trusts table lists, read with the simulator's own CLI.
fn aliases(lab: &TestLab, context: &str) -> Vec<String> {
    let out = lab.bwcli("h", &[&format!("cd {context}"), "get"]);
    out.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("broadcloud-"))
        .map(str::to_string)
        .collect()
}

fn flow(test: &str, release: Release, pb_release: &str, trusts: &str) {
    let lab = TestLab::one_host(test, Product::Xsp, release);
    let chain = lab.dir.path().join("CombinedCertChain.txt");
    std::fs::write(&chain, webex_chain()).unwrap();
    let block = format!("cti_mtls: {{ trust_anchors: {} }}", chain.display());
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", pb_release, &block)]);
    let pb = pb.to_str().unwrap();

    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(0);
    for name in [
        "broadcloud-commercial-issuing-ca-",
        "broadcloud-commercial-trusted-ro-",
    ] {
        assert!(
            plan.stdout.contains(&format!("updateTrust {name}")),
            "{}",
            plan.all()
        );
    }
    assert!(plan.stdout.contains(trusts), "{}", plan.all());

    // Client authentication on the CTI interface waits for a restart.
    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let found = aliases(&lab, trusts);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|a| a.len() > 9), "{found:?}");
    // The anchors were on the host only while updateTrust ran.
    let tmp = lab.host("h").fs_root().join("var/broadworks/tmp");
    let left: Vec<String> = std::fs::read_dir(&tmp)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("xspctl-trust-"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "left on the host: {left:?}");

    let again = lab.xspctl(&["plan", "-f", pb]);
    again.exits(0);
    assert!(!again.stdout.contains("updateTrust"), "{}", again.all());
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}

#[test]
fn r22_loads_the_webex_anchors_under_sslcommonsettings() {
    flow(
        "cti_r22",
        Release::R22,
        "R22",
        "/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts",
    );
}

#[test]
fn r21_loads_the_webex_anchors_under_sslconfiguration() {
    flow(
        "cti_r21",
        Release::R21Sp1,
        "R21SP1",
        "/Interface/CTI/SSLConfiguration/ClientAuthentication/Trusts",
    );
}

#[test]
fn a_private_key_in_the_chain_file_stops_validate_before_any_host() {
    let lab = TestLab::one_host("cti_key", Product::Xsp, Release::R23);
    let chain = lab.dir.path().join("CombinedCertChain.txt");
    let key = KeyPair::generate().unwrap().serialize_pem();
    std::fs::write(&chain, format!("{}{key}", webex_chain())).unwrap();
    let block = format!("cti_mtls: {{ trust_anchors: {} }}", chain.display());
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    let pb = pb.to_str().unwrap();
    let run = lab.xspctl(&["plan", "-f", pb]);
    run.exits(1)
        .complains("`webex.cti_mtls.trust_anchors` cannot be used")
        .complains("a private key (PRIVATE KEY) in a trust anchor file");
    assert!(!run.all().contains("BEGIN PRIVATE KEY"), "{}", run.all());
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}

/// On the AS, System/ClientIdentity gets Webex's CTI client; the identities the
/// operator keeps there are left alone.
#[test]
fn the_as_lists_the_webex_cti_client_and_keeps_its_other_identities() {
    let lab = TestLab::one_host("cti_as", Product::As, Release::R24);
    let out = lab.bwcli(
        "h",
        &["cd /System/ClientIdentity", "add ops-client.example.com"],
    );
    assert!(out.contains("...Done"), "{out}");
    let pb = lab.playbook(
        "pb.yaml",
        &[("h", "as", "R24", "cti_client_identity: true")],
    );
    let pb = pb.to_str().unwrap();
    lab.xspctl(&["plan", "-f", pb])
        .exits(0)
        .prints("  /System/ClientIdentity>\n    + add bwcticlient.webex.com\n");
    lab.xspctl(&["apply", "-f", pb, "--yes"]).exits(0);
    let table = lab.bwcli("h", &["cd /System/ClientIdentity", "get"]);
    assert!(
        table.contains("bwcticlient.webex.com") && table.contains("ops-client.example.com"),
        "{table}"
    );
    let again = lab.xspctl(&["plan", "-f", pb]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}
