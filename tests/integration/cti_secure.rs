//! Issue #9 "Done when", through the real path (playbook → SSH → bwcli on xspsim →
//! state → checks), per release R21 SP1, R22, R23, R24 (CTIServer layout) and ADP:
//! a fresh host → the plan lists the exact uploads and CLI commands → apply and a
//! restart → a second plan is empty → on the secure port the configuration names
//! (8012), verify's three handshakes behave and the CertificateRequest names the
//! Webex anchors. Then: a new Webex CA is loaded before the old alias is deleted
//! (the transcript's order), an alias xspctl did not derive is kept, a Trusts row
//! under xspctl's alias that shows another certificate stops the plan, a failed
//! `updateTrust` rolls back and leaves no uploaded file, and every bad anchor
//! input is a located error before any host is reached.
use crate::lab;

use lab::{Run, Spec, TestLab, sent_lines};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use time::{Duration, OffsetDateTime};
use xspsim::catalog::model::{CliLayout, CtiLayout};
use xspsim::host::{Faults, Product, Release};
use xspsim::pki::lab_ca::WebexLikePki;

/// The default secure CTI port (guide B §5.9).
const SECURE_PORT: u16 = 8012;

/// Files xspctl left in the host's upload directory.
fn left_on_host(lab: &TestLab) -> Vec<String> {
    let tmp = lab.host("h").fs_root().join("var/broadworks/tmp");
    std::fs::read_dir(&tmp)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("xspctl-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The aliases of a Trusts table, read with the simulator's own CLI.
fn aliases(lab: &TestLab, trusts: &str) -> Vec<String> {
    let out = lab.bwcli("h", &[&format!("cd {trusts}"), "get"]);
    let rows: Vec<&str> = out.lines().collect();
    let rule = rows.iter().rposition(|l| l.starts_with("===")).unwrap();
    rows[rule + 1..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// One release's shape: product, playbook release, CTI layout, where the CTI
/// interfaces and the Trusts table are.
struct Shape {
    product: Product,
    release: Release,
    pb_product: &'static str,
    pb_release: &'static str,
    layout: CtiLayout,
    interfaces: &'static str,
    trusts: &'static str,
}

const R22_TRUSTS: &str = "/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts";

fn done_when(test: &str, shape: Shape) {
    let lab = TestLab::start_with_layout(
        test,
        &[Spec {
            name: "h",
            product: shape.product,
            release: shape.release,
        }],
        CliLayout {
            cti: shape.layout,
            http_address_header: None,
        },
    );
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, shape.pb_product, shape.pb_release);
    let ip = lab.address("h").to_string();

    // The plan: each anchor uploaded and loaded under its derived alias, the
    // interface requiring a client certificate, the ports, allowClientApp.
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0);
    let out = &plan.stdout;
    let alias_of = |cn: &str| {
        let start = out
            .find(&format!("updateTrust {cn}-"))
            .unwrap_or_else(|| panic!("no updateTrust {cn}: {}", plan.all()));
        out[start + "updateTrust ".len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let root = alias_of("lab-webex-like-root-ca");
    let issuing = alias_of("lab-webex-like-issuing-ca");
    let ctiserver = shape.layout == CtiLayout::CtiServer && shape.release != Release::R21Sp1;
    let upload =
        |alias: &str| format!("  /var/broadworks/tmp/xspctl-trust-{alias}.pem>\n    + upload ");
    let load = |alias: &str| {
        format!(
            "~ updateTrust {alias} /var/broadworks/tmp/xspctl-trust-{alias}.pem  (no Alias {alias})"
        )
    };
    let mut wanted = vec![
        upload(&issuing),
        upload(&root),
        format!("  {}>\n", shape.trusts),
        load(&issuing),
        load(&root),
        format!("  {}>\n", shape.interfaces),
        format!("~ set {ip} clientAuthReq true"),
        "  /Interface/CTI>\n".to_string(),
        format!("~ set securePort {SECURE_PORT}  (was: {})", lab.cti_port("h")),
        "~ set portEnabled false  (was: true)".to_string(),
        "  /System/CommunicationUtility/DefaultSettings/ExternalAuthentication/CertificateAuthentication>\n    ~ set allowClientApp true  (was: false)".to_string(),
        "restart required for these changes to take effect".to_string(),
    ];
    // Two uploads, two updateTrust, client authentication, two ports,
    // allowClientApp, two removals; the CTIServer row's port besides.
    let mut changes = 10;
    if ctiserver {
        wanted.push(format!("~ set {ip} port {SECURE_PORT}"));
        changes += 1;
    }
    for line in &wanted {
        assert!(
            out.contains(line.as_str()),
            "plan lacks {line:?}\n{}",
            plan.all()
        );
    }
    assert!(
        out.contains(&format!("h     farm-h  changes  {changes} changes")),
        "{}",
        plan.all()
    );
    // Uploads come before the commands that read them, removals after.
    let at = |s: &str| out.find(s).unwrap();
    assert!(at(&upload(&root)) < at(&load(&root)), "{out}");
    assert!(
        at(&load(&root))
            < at(&format!(
                "  /var/broadworks/tmp/xspctl-trust-{root}.pem>\n    - remove"
            )),
        "{out}"
    );

    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let mut found = aliases(&lab, shape.trusts);
    found.sort();
    let mut want = vec![root.clone(), issuing.clone()];
    want.sort();
    assert_eq!(found, want);
    assert!(left_on_host(&lab).is_empty(), "{:?}", left_on_host(&lab));
    let cti = lab.bwcli("h", &["cd /Interface/CTI", "get"]);
    for line in [
        "securePortEnabled = true",
        &format!("securePort = {SECURE_PORT}"),
        "portEnabled = false",
    ] {
        assert!(cti.contains(line), "{cti}");
    }

    let again = lab.xspctl(&["plan", "-f", &pb]);
    again.exits(0);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());

    // After the restart the CTI endpoint serves on the configured port, and verify
    // finds it there from the host's configuration.
    let run = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    let subject = format!("CTI {ip}:{SECURE_PORT}");
    for id in [
        "mtls.client-ca-list",
        "mtls.accepts-webex-client",
        "mtls.refuses-untrusted-client",
        "mtls.requires-client-certificate",
    ] {
        let f = run.finding(id, &subject);
        assert_eq!(f["status"], "ok", "{id}: {f:#}\n{}", run.all());
    }
    let ca_list = run.finding("mtls.client-ca-list", &subject);
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
    let untrusted = run.finding("mtls.refuses-untrusted-client", &subject);
    assert!(
        untrusted["observed"]
            .as_str()
            .unwrap()
            .contains("unknown ca"),
        "{untrusted:#}"
    );
    assert!(!run.all().contains("PRIVATE KEY"), "{}", run.all());
}

#[test]
fn r21sp1_fresh_host_to_mutual_tls_on_the_secure_port() {
    done_when(
        "secure_r21",
        Shape {
            product: Product::Xsp,
            release: Release::R21Sp1,
            pb_product: "xsp",
            pb_release: "R21SP1",
            layout: CtiLayout::SslSettings,
            interfaces: "/Interface/CTI/SSLConfiguration",
            trusts: "/Interface/CTI/SSLConfiguration/ClientAuthentication/Trusts",
        },
    );
}

#[test]
fn r22_fresh_host_to_mutual_tls_on_the_secure_port() {
    done_when(
        "secure_r22",
        Shape {
            product: Product::Xsp,
            release: Release::R22,
            pb_product: "xsp",
            pb_release: "R22",
            layout: CtiLayout::SslSettings,
            interfaces: "/Interface/CTI/SSLSettings",
            trusts: R22_TRUSTS,
        },
    );
}

#[test]
fn r23_fresh_host_to_mutual_tls_on_the_secure_port() {
    done_when(
        "secure_r23",
        Shape {
            product: Product::Xsp,
            release: Release::R23,
            pb_product: "xsp",
            pb_release: "R23",
            layout: CtiLayout::SslSettings,
            interfaces: "/Interface/CTI/SSLSettings",
            trusts: R22_TRUSTS,
        },
    );
}

#[test]
fn r24_ctiserver_fresh_host_to_mutual_tls_on_the_secure_port() {
    done_when(
        "secure_r24",
        Shape {
            product: Product::Xsp,
            release: Release::R24,
            pb_product: "xsp",
            pb_release: "R24",
            layout: CtiLayout::CtiServer,
            interfaces: "/Interface/CTI/CTIServer",
            trusts: R22_TRUSTS,
        },
    );
}

#[test]
fn adp_fresh_host_to_mutual_tls_on_the_secure_port() {
    done_when(
        "secure_adp",
        Shape {
            product: Product::Adp,
            release: Release::Adp,
            pb_product: "adp",
            pb_release: "ADP",
            layout: CtiLayout::SslSettings,
            interfaces: "/Interface/CTI/SSLSettings",
            trusts: R22_TRUSTS,
        },
    );
}

fn one_host(test: &str, release: Release) -> TestLab {
    TestLab::one_host(test, Product::Xsp, release)
}

/// A new Webex issuing CA: its alias is loaded, then the old issuing alias is
/// deleted (the transcript's order); the root's alias stays, and an alias the
/// operator chose (`webexroot`) is never touched.
#[test]
fn a_new_webex_ca_is_loaded_before_the_old_alias_is_deleted() {
    let lab = one_host("secure_rotate", Release::R23);
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, "xsp", "R23");
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let before = aliases(&lab, R22_TRUSTS);
    let old = before
        .iter()
        .find(|a| a.starts_with("lab-webex-like-issuing-ca-"))
        .unwrap()
        .clone();
    // The operator's own anchor, under an alias xspctl does not derive.
    let own = lab.dir.path().join("own.pem");
    std::fs::write(&own, pki.root.cert_pem()).unwrap();
    let host_file = lab.host("h").fs_root().join("var/broadworks/tmp/own.pem");
    std::fs::create_dir_all(host_file.parent().unwrap()).unwrap();
    std::fs::copy(&own, &host_file).unwrap();
    let out = lab.bwcli(
        "h",
        &[
            &format!("cd {R22_TRUSTS}"),
            "updateTrust webexroot /var/broadworks/tmp/own.pem",
        ],
    );
    assert!(out.contains("...Done"), "{out}");

    let renewed = pki.root.issue_ca("Lab Webex-like Issuing CA 2").unwrap();
    std::fs::write(
        lab.dir.path().join("CombinedCertChain.txt"),
        format!("{}{}", renewed.cert_pem(), pki.root.cert_pem()),
    )
    .unwrap();
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0).prints(&format!("delete {old}"));
    assert!(!plan.stdout.contains("delete webexroot"), "{}", plan.all());
    let runs_before = lab.transcripts("h").len();
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let transcripts = lab.transcripts("h");
    let sent: Vec<String> = transcripts[runs_before..]
        .iter()
        .flat_map(|t| sent_lines(t))
        .collect();
    let load = sent
        .iter()
        .position(|l| l.starts_with("updateTrust lab-webex-like-issuing-ca-2-"))
        .unwrap_or_else(|| panic!("no updateTrust of the new CA: {sent:#?}"));
    let delete = sent
        .iter()
        .position(|l| l == &format!("delete {old}"))
        .unwrap_or_else(|| panic!("no delete of {old}: {sent:#?}"));
    assert!(load < delete, "the old alias went first: {sent:#?}");
    let after = aliases(&lab, R22_TRUSTS);
    assert!(!after.contains(&old), "{after:?}");
    assert!(after.contains(&"webexroot".to_string()), "{after:?}");
    assert!(
        after
            .iter()
            .any(|a| a.starts_with("lab-webex-like-issuing-ca-2-")),
        "{after:?}"
    );
    let again = lab.xspctl(&["plan", "-f", &pb]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}

/// Loads the lab's Webex-like chain on `h` (R23), renews the issuing CA in the
/// playbook's chain, and applies the rotation with the connection dropped at the
/// old alias's `delete`: each try drops one command later, and a drop before the
/// delete rolls the host back whole. `forget`: the state directory's kept
/// certificates are removed first (an earlier xspctl, or another machine, loaded
/// the anchors). Returns the failed apply and the old alias.
fn rotation_lost_at_the_delete(lab: &TestLab, pki: &WebexLikePki, forget: bool) -> (Run, String) {
    let pb = lab.mtls_playbook(pki, "xsp", "R23");
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let old = aliases(lab, R22_TRUSTS)
        .into_iter()
        .find(|a| a.starts_with("lab-webex-like-issuing-ca-"))
        .unwrap();
    let kept = lab.dir.path().join("state/loaded");
    assert!(
        kept.is_dir(),
        "no certificate kept under {}",
        kept.display()
    );
    if forget {
        std::fs::remove_dir_all(&kept).unwrap();
    }
    let renewed = pki.root.issue_ca("Lab Webex-like Issuing CA 2").unwrap();
    std::fs::write(
        lab.dir.path().join("CombinedCertChain.txt"),
        format!("{}{}", renewed.cert_pem(), pki.root.cert_pem()),
    )
    .unwrap();
    let unknown = format!("the outcome of `{R22_TRUSTS}> delete {old}` is unknown");
    for n in 1..=40 {
        lab.faults(
            "h",
            Faults {
                drop_after_commands: Some(n),
                drop_once: true,
                ..Faults::default()
            },
        );
        let run = lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"]);
        if run.stdout.contains(&unknown) {
            lab.faults("h", Faults::default());
            return (run, old);
        }
        assert!(
            aliases(lab, R22_TRUSTS).contains(&old),
            "try {n}: {}",
            run.all()
        );
    }
    panic!("no try dropped the connection at the delete of {old}");
}

/// The lines the host's bwcli sessions received, all runs.
fn all_sent(lab: &TestLab) -> Vec<String> {
    lab.transcripts("h")
        .iter()
        .flat_map(|t| sent_lines(t))
        .collect()
}

/// A rollback after the old Webex CA's alias was deleted loads it again from the
/// certificate xspctl kept when it loaded it, then removes the new one: the host
/// is as before the apply (D66).
#[test]
fn a_rollback_after_the_old_alias_went_loads_it_again_from_the_kept_certificate() {
    let lab = one_host("secure_rotate_reload", Release::R23);
    let pki = WebexLikePki::generate().expect("pki");
    let before = {
        let pb = lab.mtls_playbook(&pki, "xsp", "R23");
        lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
            .exits(0);
        aliases(&lab, R22_TRUSTS)
    };
    let (run, old) = rotation_lost_at_the_delete(&lab, &pki, false);
    run.exits(1).prints("rolled back");
    assert!(!run.stdout.contains("ROLLBACK FAILED"), "{}", run.all());
    // The same rows; the one loaded again comes last.
    let mut now = aliases(&lab, R22_TRUSTS);
    now.sort();
    let mut before = before;
    before.sort();
    assert_eq!(now, before, "{}", run.all());
    let sent = all_sent(&lab);
    assert!(
        sent.iter().any(|l| l.starts_with(&format!(
            "updateTrust {old} /var/broadworks/tmp/xspctl-reload-{old}.pem"
        ))),
        "{sent:#?}"
    );
    assert!(!sent.iter().any(|l| l.starts_with("add ")), "{sent:#?}");
    // The reloaded certificate's file is gone again.
    let tmp = lab.host("h").fs_root().join("var/broadworks/tmp");
    let left: Vec<String> = std::fs::read_dir(&tmp)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pem"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Without a kept certificate (the anchors were loaded from another machine), the
/// rollback cannot load the deleted row back: it keeps the new Webex CA the apply
/// loaded, so the table never ends with neither, and says how to load the old one
/// by hand; that command works (D66).
#[test]
fn a_rollback_without_the_old_certificate_keeps_the_new_one_and_says_how_to_reload_the_old() {
    let lab = one_host("secure_rotate_lost", Release::R23);
    let pki = WebexLikePki::generate().expect("pki");
    let (run, old) = rotation_lost_at_the_delete(&lab, &pki, true);
    run.exits(1).prints("ROLLBACK FAILED");
    let by_hand = format!("`updateTrust {old} /var/broadworks/tmp/{old}.pem`");
    run.prints(&format!("{R22_TRUSTS} has no `add`, so row {old}"))
        .prints(&by_hand)
        .prints("left as it is, since the row this apply deleted there could not be loaded back");
    assert!(!run.stdout.contains("Invalid command"), "{}", run.all());
    let sent = all_sent(&lab);
    assert!(!sent.iter().any(|l| l.starts_with("add ")), "{sent:#?}");
    let now = aliases(&lab, R22_TRUSTS);
    assert!(!now.contains(&old), "{now:?}");
    assert!(
        now.iter()
            .any(|a| a.starts_with("lab-webex-like-issuing-ca-2-")),
        "the new CA was removed too: {now:?}"
    );

    // What the message says to do loads the old CA back.
    let file = lab
        .host("h")
        .fs_root()
        .join(format!("var/broadworks/tmp/{old}.pem"));
    std::fs::write(&file, pki.issuing.cert_pem()).unwrap();
    let out = lab.bwcli(
        "h",
        &[
            &format!("cd {R22_TRUSTS}"),
            &format!("updateTrust {old} /var/broadworks/tmp/{old}.pem"),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    assert!(aliases(&lab, R22_TRUSTS).contains(&old));
}

/// A row under xspctl's alias that shows another certificate (Owner, Issuer) is a
/// loud plan error naming what was seen; nothing is planned.
#[test]
fn another_certificate_under_the_derived_alias_stops_the_plan() {
    let lab = one_host("secure_other", Release::R22);
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, "xsp", "R22");
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    let start = plan
        .stdout
        .find("updateTrust lab-webex-like-root-ca-")
        .unwrap();
    let alias = plan.stdout[start + "updateTrust ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let other = WebexLikePki::generate().expect("pki");
    let host_file = lab.host("h").fs_root().join("var/broadworks/tmp/other.pem");
    std::fs::create_dir_all(host_file.parent().unwrap()).unwrap();
    std::fs::write(&host_file, other.issuing.cert_pem()).unwrap();
    lab.bwcli(
        "h",
        &[
            &format!("cd {R22_TRUSTS}"),
            &format!("updateTrust {alias} /var/broadworks/tmp/other.pem"),
        ],
    );
    let run = lab.xspctl(&["plan", "-f", &pb]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.all().contains(&format!(
            "get lists {alias} with Owner \"Lab Webex-like Issuing CA\" and Issuer \"Lab Webex-like Root CA\""
        )),
        "{}",
        run.all()
    );
    assert!(run.all().contains("another certificate"), "{}", run.all());
}

/// A failed updateTrust: the apply fails, the anchors loaded before it are
/// removed again, the CTI settings are as before, and no uploaded file is left.
#[test]
fn a_failed_update_trust_rolls_back_and_leaves_no_file() {
    let lab = one_host("secure_fail", Release::R24);
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, "xsp", "R24");
    let cti = |lab: &TestLab| lab.bwcli("h", &["cd /Interface/CTI", "get"]);
    let before = cti(&lab);
    // The second anchor's updateTrust fails (the first one ran).
    lab.faults(
        "h",
        Faults {
            fail_pattern: Some("^updateTrust lab-webex-like-root-ca-".into()),
            ..Faults::default()
        },
    );
    let run = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("updateTrust"), "{}", run.all());
    lab.faults("h", Faults::default());
    assert!(
        aliases(&lab, R22_TRUSTS).is_empty(),
        "{:?}",
        aliases(&lab, R22_TRUSTS)
    );
    assert_eq!(cti(&lab), before);
    assert!(left_on_host(&lab).is_empty(), "{:?}", left_on_host(&lab));
}

fn ca_params(cn: &str, ca: bool, days: (i64, i64)) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = if ca {
        IsCa::Ca(BasicConstraints::Unconstrained)
    } else {
        IsCa::NoCa
    };
    p.not_before = OffsetDateTime::now_utc() + Duration::days(days.0);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(days.1);
    p
}

/// Every bad anchor input of issue #9 item 1 is a located error (the playbook's
/// line, the file's line), and no host is reached.
#[test]
fn bad_anchor_inputs_are_located_errors_before_any_host() {
    let lab = one_host("secure_bad", Release::R23);
    let root = CertifiedIssuer::self_signed(
        ca_params("Bad Test Root CA", true, (-1, 365)),
        KeyPair::generate().unwrap(),
    )
    .unwrap();
    let issuing = CertifiedIssuer::signed_by(
        ca_params("Bad Test Issuing CA", true, (-1, 365)),
        KeyPair::generate().unwrap(),
        &root,
    )
    .unwrap();
    let stranger = CertifiedIssuer::self_signed(
        ca_params("Bad Test Root CA", true, (-1, 365)),
        KeyPair::generate().unwrap(),
    )
    .unwrap();
    let expired = CertifiedIssuer::signed_by(
        ca_params("Bad Test Issuing CA", true, (-30, -1)),
        KeyPair::generate().unwrap(),
        &root,
    )
    .unwrap();
    let leaf = CertifiedIssuer::signed_by(
        ca_params("bwcticlient.webex.com", false, (-1, 365)),
        KeyPair::generate().unwrap(),
        &issuing,
    )
    .unwrap();
    let (root_pem, issuing_pem) = (root.pem(), issuing.pem());
    let cases: Vec<(String, &str)> = vec![
        (
            "not a certificate\n".into(),
            "no PEM certificate in the file",
        ),
        (
            format!(
                "{issuing_pem}{root_pem}{}",
                KeyPair::generate().unwrap().serialize_pem()
            ),
            "a private key (PRIVATE KEY) in a trust anchor file",
        ),
        (format!("{}{root_pem}", expired.pem()), "expired on"),
        (
            root_pem.clone(),
            "1 certificate(s) where the Webex chain has at least 2",
        ),
        (
            format!("{}{issuing_pem}{root_pem}", leaf.pem()),
            "is not a CA certificate",
        ),
        (
            format!("{issuing_pem}{}", stranger.pem()),
            "did not sign it",
        ),
    ];
    let chain = lab.dir.path().join("CombinedCertChain.txt");
    let block = format!("cti_mtls: {{ trust_anchors: {} }}", chain.display());
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    let pb = pb.to_str().unwrap();
    for (text, want) in &cases {
        std::fs::write(&chain, text).unwrap();
        let run = lab.xspctl(&["plan", "-f", pb]);
        run.exits(1)
            .complains("pb.yaml:8:")
            .complains("`webex.cti_mtls.trust_anchors` cannot be used")
            .complains("CombinedCertChain.txt")
            .complains(want);
        assert!(!run.all().contains("BEGIN PRIVATE KEY"), "{}", run.all());
    }

    // Separate files: the root file must hold the self-signed root alone.
    let (root_file, issuing_file) = (
        lab.dir.path().join("root.pem"),
        lab.dir.path().join("issuing.pem"),
    );
    std::fs::write(&root_file, &issuing_pem).unwrap();
    std::fs::write(&issuing_file, &root_pem).unwrap();
    let block = format!(
        "cti_mtls:\n  trust_anchor_files:\n    root: {}\n    issuing: {}",
        root_file.display(),
        issuing_file.display()
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    lab.xspctl(&["plan", "-f", pb.to_str().unwrap()])
        .exits(1)
        .complains("`webex.cti_mtls.trust_anchor_files.root`")
        .complains("is not self-signed: not a root CA");
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}

/// The root and issuing CA as separate files load like the combined chain.
#[test]
fn root_and_issuing_files_load_like_the_combined_chain() {
    let lab = one_host("secure_split", Release::R22);
    let pki = WebexLikePki::generate().expect("pki");
    let (root_file, issuing_file) = (
        lab.dir.path().join("broadcloudroot.txt"),
        lab.dir.path().join("broadcloudissuing.txt"),
    );
    std::fs::write(&root_file, pki.root.cert_pem()).unwrap();
    std::fs::write(&issuing_file, pki.issuing.cert_pem()).unwrap();
    let block = format!(
        "cti_mtls:\n  trust_anchor_files:\n    root: {}\n    issuing: {}\n  secure_port: 8013",
        root_file.display(),
        issuing_file.display()
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", &block)]);
    let pb = pb.to_str().unwrap();
    lab.xspctl(&["plan", "-f", pb])
        .exits(0)
        .prints("set securePort 8013");
    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    assert_eq!(aliases(&lab, R22_TRUSTS).len(), 2);
    let again = lab.xspctl(&["plan", "-f", pb]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}

/// A host whose CTI interface table is empty gets the interface on its address,
/// requiring a client certificate (guide B §5.8 step 1: `add <ip> true true`); the
/// CTI endpoint then serves on the secure port after the restart.
#[test]
fn a_host_without_a_secure_cti_interface_gets_one_added() {
    let lab = one_host("secure_add", Release::R23);
    let ip = lab.address("h").to_string();
    let out = lab.bwcli(
        "h",
        &["cd /Interface/CTI/SSLSettings", &format!("delete {ip}")],
    );
    assert!(out.contains("...Done"), "{out}");
    let pki = WebexLikePki::generate().expect("pki");
    let pb = lab.mtls_playbook(&pki, "xsp", "R23");
    lab.xspctl(&["plan", "-f", &pb])
        .exits(0)
        .prints(&format!("~ add {ip} true true"));
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let table = lab.bwcli("h", &["cd /Interface/CTI/SSLSettings", "get"]);
    assert!(table.contains(&ip), "{table}");
    let run = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    let f = run.finding(
        "mtls.accepts-webex-client",
        &format!("CTI {ip}:{SECURE_PORT}"),
    );
    assert_eq!(f["status"], "ok", "{f:#}\n{}", run.all());
    let again = lab.xspctl(&["plan", "-f", &pb]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}

/// `allow_client_app: false` beside `cti_mtls` contradicts it: a located error.
#[test]
fn allow_client_app_false_with_cti_mtls_is_refused() {
    let lab = one_host("secure_allow", Release::R22);
    let pki = WebexLikePki::generate().expect("pki");
    let chain = lab.dir.path().join("CombinedCertChain.txt");
    std::fs::write(&chain, pki.combined_chain()).unwrap();
    let block = format!(
        "allow_client_app: false\ncti_mtls: {{ trust_anchors: {} }}",
        chain.display()
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", &block)]);
    lab.xspctl(&["validate", "-f", pb.to_str().unwrap()])
        .exits(1)
        .complains("pb.yaml:9:")
        .complains("`webex.allow_client_app: false` with `webex.cti_mtls`");
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}
