//! The certificates module through the real path: a CA-signed server certificate
//! per interface (rcgen) named in the playbook → plan lists the uploads and the
//! `sslUpdate` lines → apply (xspsim) → the Certificates view shows it, the
//! uploaded files are gone, a second plan is empty, and after a restart the
//! interface serves it. Bad files stop validate at the playbook line, before any
//! host is touched; a failed sslUpdate leaves no file behind; the key never shows.
use crate::lab;

use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use lab::{Spec, TestLab};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use time::{Duration, OffsetDateTime};
use xspsim::catalog::model::{CliLayout, CtiLayout};
use xspsim::host::{Faults, Product, Release};

const FQDN: &str = "xsp1.example.com";

fn ca(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    p
}

/// One server certificate: its files, and the leaf's DER to compare with what
/// the interface serves.
struct Issued {
    key: String,
    cert: String,
    chain: String,
    der: Vec<u8>,
}

/// A new RSA key (what public CAs mostly sign, and what the simulator's default
/// suites, all RSA-authenticated, can serve).
fn rsa_key() -> KeyPair {
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let pem = openssl::pkey::PKey::from_rsa(rsa)
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    KeyPair::from_pem(std::str::from_utf8(&pem).unwrap()).unwrap()
}

/// A leaf for `fqdn` (EKU serverAuth) signed by an issuing CA under a root; the
/// chain file holds the issuing CA. `key`: the leaf's key (RSA by default).
fn issue(fqdn: &str, key: Option<KeyPair>) -> Issued {
    issue_for(fqdn, key, 365)
}

/// [`issue`], valid for `days` more days.
fn issue_for(fqdn: &str, key: Option<KeyPair>, days: i64) -> Issued {
    let root =
        CertifiedIssuer::self_signed(ca("Example Root CA"), KeyPair::generate().unwrap()).unwrap();
    let issuing = CertifiedIssuer::signed_by(
        ca("Example Issuing CA"),
        KeyPair::generate().unwrap(),
        &root,
    )
    .unwrap();
    let mut p = CertificateParams::new(vec![fqdn.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, fqdn);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(days);
    let key = key.unwrap_or_else(rsa_key);
    let cert = p.signed_by(&key, &issuing).unwrap();
    Issued {
        key: key.serialize_pem(),
        cert: cert.pem(),
        chain: issuing.pem(),
        der: cert.der().to_vec(),
    }
}

/// Writes `issued`'s files as `<name>.key|.crt|-chain.pem` in the lab directory;
/// the playbook section of one interface (`port` for HTTP).
fn section(lab: &TestLab, name: &str, issued: &Issued, ip: &str, port: Option<u16>) -> String {
    let dir = lab.dir.path();
    let file = |ext: &str, text: &str| {
        let path = dir.join(format!("{name}{ext}"));
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let port = port.map(|p| format!(" port: {p},")).unwrap_or_default();
    format!(
        "{{ ip: {ip},{port} fqdn: {FQDN}, key: \"file:{}\", certificate: {}, chain: {} }}",
        file(".key", &issued.key),
        file(".crt", &issued.cert),
        file("-chain.pem", &issued.chain)
    )
}

/// The leaf certificate (DER) `port` of `ip` serves, taken while it is verified
/// (a CTI port that then asks for a client certificate still shows it).
fn served(ip: &str, port: u16) -> Vec<u8> {
    let stream = TcpStream::connect((ip, port)).unwrap();
    stream
        .set_read_timeout(Some(StdDuration::from_secs(10)))
        .unwrap();
    let leaf: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
    let seen = Arc::clone(&leaf);
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_verify_callback(SslVerifyMode::PEER, move |_, ctx| {
        if ctx.error_depth() == 0
            && let Some(c) = ctx.current_cert()
        {
            *seen.lock().unwrap() = Some(c.to_der().unwrap());
        }
        true
    });
    let mut config = b.build().configure().unwrap();
    config.set_verify_hostname(false);
    if let Ok(mut tls) = config.connect(ip, stream) {
        let _ = tls.shutdown();
    }
    leaf.lock().unwrap().clone().expect("a certificate")
}

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

fn one_host(test: &str, product: Product, release: Release, layout: CliLayout) -> TestLab {
    TestLab::start_with_layout(
        test,
        &[Spec {
            name: "h",
            product,
            release,
        }],
        layout,
    )
}

/// Fresh host → plan (uploads and sslUpdate on HTTP and CTI) → apply → the
/// Certificates views show the new certificates, nothing is left uploaded → second
/// plan empty → after the restart both interfaces serve them.
/// The verdicts of verify's `tls.certificate-supplied` findings on the only host.
fn verdicts(lab: &TestLab, playbook: &str, check: &str) -> Vec<String> {
    let run = lab.xspctl(&[
        "verify", "-f", playbook, "--check", check, "--format", "json",
    ]);
    let doc = run.json();
    doc["hosts"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks\n{}", run.all()))
        .iter()
        .map(|f| f["status"].as_str().unwrap().to_string())
        .collect()
}

fn flow(test: &str, product: Product, release: Release, pb: (&str, &str), layout: CliLayout) {
    let cti_server = layout.cti == CtiLayout::CtiServer;
    let lab = one_host(test, product, release, layout);
    let ip = lab.address("h").to_string();
    let (https, cti) = (lab.https_port("h"), lab.cti_port("h"));
    let http_cert = issue(FQDN, None);
    let cti_cert = issue(FQDN, None);
    let block = format!(
        "certificates:\n  http: {}\n  cti: {}",
        section(&lab, "http", &http_cert, &ip, Some(https)),
        section(&lab, "cti", &cti_cert, &ip, None)
    );
    let path = lab.playbook("pb.yaml", &[("h", pb.0, pb.1, &block)]);
    let path = path.to_str().unwrap();

    let plan_file = lab.dir.path().join("state/plan.json");
    let plan_file = plan_file.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", path, "--out", plan_file]);
    plan.exits(0);
    let out = &plan.stdout;
    let http_ctx = "/Interface/Http/HttpServer/SSLSettings/Certificates>";
    let cti_ctx = if cti_server {
        "/Interface/CTI/CTIServer/SSLSettings/Certificates>"
    } else {
        "/Interface/CTI/SSLSettings/Certificates>"
    };
    for want in [
        http_ctx,
        cti_ctx,
        &format!("sslUpdate {ip} {https} keyFile /var/broadworks/tmp/xspctl-http-"),
        &format!("sslUpdate {ip} keyFile /var/broadworks/tmp/xspctl-cti-"),
        "-key.pem certificateFile /var/broadworks/tmp/xspctl-http-",
        "-cert.pem chainFile /var/broadworks/tmp/xspctl-http-",
        &format!("upload {}/http.key (mode 600)", lab.dir.path().display()),
        &format!("upload {}/cti.crt (mode 644)", lab.dir.path().display()),
    ] {
        assert!(out.contains(want), "no {want:?} in\n{}", plan.all());
    }
    assert!(!plan.all().contains("PRIVATE KEY"), "{}", plan.all());

    // Exit 2: applied, awaiting the restart sslUpdate needs (guide B §5.8 step 4).
    let apply = lab.xspctl(&["apply", "-f", path, "--plan", plan_file, "--yes"]);
    apply.exits(2).prints("restart required");
    assert!(!apply.all().contains("PRIVATE KEY"), "{}", apply.all());
    for ctx in [http_ctx, cti_ctx] {
        let view = lab.bwcli("h", &[&format!("cd {}", ctx.trim_end_matches('>')), "get"]);
        assert!(
            view.contains(FQDN) && view.contains("Example Issuing CA"),
            "{ctx}\n{view}"
        );
    }
    assert!(left_on_host(&lab).is_empty(), "{:?}", left_on_host(&lab));

    let again = lab.xspctl(&["plan", "-f", path]);
    again.exits(0);
    assert!(!again.stdout.contains("sslUpdate"), "{}", again.all());
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
    // verify: installed, not served until the restart (WAIT on both interfaces).
    assert_eq!(
        verdicts(&lab, path, "tls.certificate-supplied"),
        ["wait", "wait"]
    );
    // The certificate served until then does not name the FQDN: waiting too.
    assert_eq!(
        verdicts(&lab, path, "tls.certificate-name"),
        ["wait", "wait"]
    );

    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");
    assert_eq!(
        served(&ip, https),
        http_cert.der,
        "HTTP serves another certificate"
    );
    assert_eq!(
        served(&ip, cti),
        cti_cert.der,
        "CTI serves another certificate"
    );
    assert_eq!(
        verdicts(&lab, path, "tls.certificate-supplied"),
        ["ok", "ok"]
    );
    // Its SAN names the FQDN the playbook gives (webpki's name check).
    assert_eq!(verdicts(&lab, path, "tls.certificate-name"), ["ok", "ok"]);
    // The private keys were never copied off the host: no plan file, backup,
    // journal or transcript holds them.
    let artefacts = walk(&lab.dir.path().join("state"));
    assert!(artefacts.len() > 3, "{} files", artefacts.len());
    for text in artefacts {
        for key in [&http_cert.key, &cti_cert.key] {
            assert!(!text.contains(key.lines().nth(1).unwrap()), "a key leaked");
        }
    }
}

/// The text of every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

#[test]
fn r22_installs_http_and_cti_certificates() {
    flow(
        "certs_r22",
        Product::Xsp,
        Release::R22,
        ("xsp", "R22"),
        CliLayout::default(),
    );
}

#[test]
fn r23_with_the_ctiserver_layout_installs_them_under_ctiserver() {
    flow(
        "certs_r23",
        Product::Xsp,
        Release::R23,
        ("xsp", "R23"),
        CliLayout {
            cti: CtiLayout::CtiServer,
            ..CliLayout::default()
        },
    );
}

#[test]
fn r24_installs_http_and_cti_certificates() {
    flow(
        "certs_r24",
        Product::Xsp,
        Release::R24,
        ("xsp", "R24"),
        CliLayout::default(),
    );
}

#[test]
fn adp_installs_http_and_cti_certificates() {
    flow(
        "certs_adp",
        Product::Adp,
        Release::Adp,
        ("adp", "ADP"),
        CliLayout::default(),
    );
}

/// R21 SP1 has no Certificates view to tell whether sslUpdate already ran: the
/// module is refused there at the playbook line (docs/decisions.md D29).
#[test]
fn r21_is_refused_before_any_host() {
    let lab = one_host(
        "certs_r21",
        Product::Xsp,
        Release::R21Sp1,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let block = format!(
        "certificates:\n  cti: {}",
        section(&lab, "cti", &issue(FQDN, None), &ip, None)
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R21SP1", &block)]);
    lab.xspctl(&["plan", "-f", path.to_str().unwrap()])
        .exits(1)
        .complains("the `certificates` module needs R22 or later");
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}

/// Each bad input is a located error naming the file line, and no host is touched.
#[test]
fn bad_certificate_files_stop_validate_at_their_line() {
    let lab = one_host(
        "certs_bad",
        Product::Xsp,
        Release::R23,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let good = issue(FQDN, None);
    let other = issue(FQDN, None);
    let wrong_name = issue("xsp9.example.com", None);
    let cases: Vec<(Issued, &str)> = vec![
        (
            Issued {
                key: other.key.clone(),
                ..issue(FQDN, None)
            },
            "cti.key:1: error: the private key does not belong to the certificate",
        ),
        (
            Issued {
                chain: other.chain.clone(),
                ..issue(FQDN, None)
            },
            // The other CA has the same name but another key.
            "names CN=Example Issuing CA as its issuer, but that certificate (chain file line 1) did not sign it",
        ),
        (
            wrong_name,
            "does not name xsp1.example.com: its names are xsp9.example.com",
        ),
        (
            Issued {
                chain: format!("{}{}", good.chain, good.key),
                ..issue(FQDN, None)
            },
            "cti-chain.pem:",
        ),
    ];
    for (issued, want) in cases {
        let block = format!(
            "certificates:\n  cti: {}",
            section(&lab, "cti", &issued, &ip, None)
        );
        let path = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
        let run = lab.xspctl(&["plan", "-f", path.to_str().unwrap()]);
        run.exits(1)
            .complains("pb.yaml:9:")
            .complains("`webex.certificates.cti` cannot be used")
            .complains(want);
        assert!(!run.all().contains("PRIVATE KEY-----"), "{}", run.all());
    }
    // `env:` is refused for the key: it is uploaded from a file.
    let section = section(&lab, "cti", &good, &ip, None);
    let (head, tail) = section.split_once("key: \"").unwrap();
    let tail = tail.split_once('"').unwrap().1;
    let block = format!("certificates:\n  cti: {head}key: env:SERVER_KEY{tail}");
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    lab.xspctl(&["plan", "-f", path.to_str().unwrap()])
        .exits(1)
        .complains("pb.yaml:9:")
        .complains("give `file:PATH`, not env:SERVER_KEY");
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}

/// An RSA key with an ECDSA-only suite list would take HTTPS down: refused at the
/// playbook, before any host.
#[test]
fn an_rsa_key_with_ecdsa_only_suites_is_refused() {
    let lab = one_host(
        "certs_suites",
        Product::Xsp,
        Release::R23,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let issued = issue(FQDN, None);
    let block = format!(
        "tls:\n  http:\n    level: interface\n    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\ncertificates:\n  http: {}",
        section(&lab, "http", &issued, &ip, Some(lab.https_port("h")))
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    lab.xspctl(&["plan", "-f", path.to_str().unwrap()])
        .exits(1)
        .complains("the certificate has an RSA key, but no suite of `webex.tls.http.ciphers`");
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}

/// A failed sslUpdate: the apply fails, the interface keeps its certificate, and
/// no uploaded file (the key least of all) stays on the host.
#[test]
fn a_failed_sslupdate_leaves_no_file_behind() {
    let lab = one_host(
        "certs_fail",
        Product::Xsp,
        Release::R24,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let block = format!(
        "certificates:\n  cti: {}",
        section(&lab, "cti", &issue(FQDN, None), &ip, None)
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R24", &block)]);
    let path = path.to_str().unwrap();
    let view =
        |lab: &TestLab| lab.bwcli("h", &["cd /Interface/CTI/SSLSettings/Certificates", "get"]);
    let before = view(&lab);
    lab.faults(
        "h",
        Faults {
            fail_pattern: Some("^sslUpdate".into()),
            ..Faults::default()
        },
    );
    let run = lab.xspctl(&["apply", "-f", path, "--yes"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("sslUpdate"), "{}", run.all());
    lab.faults("h", Faults::default());
    assert_eq!(view(&lab), before);
    assert!(left_on_host(&lab).is_empty(), "{:?}", left_on_host(&lab));
    let again = lab.xspctl(&["plan", "-f", path]);
    assert!(again.stdout.contains("sslUpdate"), "{}", again.all());
}

/// A Webex-like chain of `n` CAs (a root and `n - 1` issuing CAs, each under the
/// one before), leaf side first as Partner Hub gives it.
fn webex_chain(n: usize) -> String {
    let mut cas = vec![
        CertifiedIssuer::self_signed(
            ca("BroadCloud Commercial Trusted Root CA"),
            KeyPair::generate().unwrap(),
        )
        .unwrap(),
    ];
    for i in 1..n {
        let next = CertifiedIssuer::signed_by(
            ca(&format!("BroadCloud Commercial Issuing CA {i}")),
            KeyPair::generate().unwrap(),
            cas.last().unwrap(),
        )
        .unwrap();
        cas.push(next);
    }
    cas.iter().rev().map(|c| c.pem()).collect()
}

fn r21_cti_mtls(lab: &TestLab, chain: &str) -> std::path::PathBuf {
    let file = lab.dir.path().join("CombinedCertChain.txt");
    std::fs::write(&file, chain).unwrap();
    let block = format!("cti_mtls: {{ trust_anchors: {} }}", file.display());
    lab.playbook("pb.yaml", &[("h", "xsp", "R21SP1", &block)])
}

/// R21 SP1: chainDepth follows the Webex chain's length (never below 2, never
/// lowered), set in `Interface/Http/ClientAuthentication`.
#[test]
fn r21_chain_depth_covers_the_webex_chain_and_is_never_lowered() {
    let lab = one_host(
        "depth_r21",
        Product::Xsp,
        Release::R21Sp1,
        CliLayout::default(),
    );
    let path = r21_cti_mtls(&lab, &webex_chain(3));
    let path = path.to_str().unwrap();
    lab.xspctl(&["plan", "-f", path])
        .exits(0)
        .prints("  /Interface/Http/ClientAuthentication>\n    ~ set chainDepth 3");
    // cti_mtls also turns client authentication on, which needs a restart.
    lab.xspctl(&["apply", "-f", path, "--yes", "--restart", "rolling"])
        .exits(0);
    let get = lab.bwcli("h", &["cd /Interface/Http/ClientAuthentication", "get"]);
    assert!(get.contains("chainDepth = 3"), "{get}");
    let again = lab.xspctl(&["plan", "-f", path]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
    // A host with more keeps it.
    let out = lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/ClientAuthentication",
            "set chainDepth 5",
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let more = lab.xspctl(&["plan", "-f", path]);
    assert!(!more.stdout.contains("chainDepth"), "{}", more.all());
}

/// verify (issue #11 check 3): a chainDepth lowered to 1 behind xspctl's back, below
/// the Webex chain's three certificates, is drift naming the attribute and the
/// value wanted; put back, it passes.
#[test]
fn r21_verify_fails_a_chain_depth_lowered_to_one() {
    let lab = one_host(
        "depth_verify",
        Product::Xsp,
        Release::R21Sp1,
        CliLayout::default(),
    );
    let path = r21_cti_mtls(&lab, &webex_chain(3));
    let path = path.to_str().unwrap();
    lab.xspctl(&["apply", "-f", path, "--yes", "--restart", "rolling"])
        .exits(0);
    let verify = |lab: &TestLab| lab.xspctl(&["verify", "-f", path, "--check", "config.drift"]);
    verify(&lab)
        .exits(0)
        .prints("ok   config.drift configuration: no differences");
    let depth = |value: &str| {
        let out = lab.bwcli(
            "h",
            &[
                "cd /Interface/Http/ClientAuthentication",
                &format!("set chainDepth {value}"),
            ],
        );
        assert!(out.contains("...Done"), "{out}");
    };
    depth("1");
    verify(&lab)
        .exits(2)
        .prints("FAIL config.drift configuration: 1 difference")
        .prints("evidence: /Interface/Http/ClientAuthentication> set chainDepth 3 (was: 1; wanted: at least 3)");
    depth("3");
    verify(&lab).exits(0);
}

/// R21 SP1: a three-certificate chain loaded by hand with chainDepth 2 lost its
/// root in the Trusts table; the plan fails naming it and the fix, and passes once
/// the operator followed it.
#[test]
fn r21_a_chain_that_lost_its_root_fails_the_plan_with_the_fix() {
    let lab = one_host(
        "depth_lost",
        Product::Xsp,
        Release::R21Sp1,
        CliLayout::default(),
    );
    let chain = webex_chain(3);
    let tmp = lab.host("h").fs_root().join("var/broadworks/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("webex.pem"), &chain).unwrap();
    let trusts = "cd /Interface/Http/ClientAuthentication/Trusts";
    let load = "updateTrust webexclient /var/broadworks/tmp/webex.pem";
    let out = lab.bwcli("h", &[trusts, load]);
    assert!(out.contains("...Done"), "{out}");
    let path = r21_cti_mtls(&lab, &webex_chain(2));
    let path = path.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", path]);
    assert_ne!(plan.code, 0, "{}", plan.all());
    let all = plan.all();
    for want in [
        "/Interface/Http/ClientAuthentication/Trusts> get lists webexclient_2 (BroadCloud Commercial Issuing CA 1) issued by BroadCloud Commercial Trusted Root CA, which no row of the table holds",
        "chainDepth (2) lost its end",
        "/Interface/Http/ClientAuthentication> set chainDepth 3",
    ] {
        assert!(all.contains(want), "no {want:?} in\n{all}");
    }
    let out = lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/ClientAuthentication",
            "set chainDepth 3",
            trusts,
            load,
        ],
    );
    assert!(out.matches("...Done").count() == 2, "{out}");
    lab.xspctl(&["plan", "-f", path]).exits(0);
}

/// Without `webex.tls` for the interface, the suites the host has in effect count:
/// an EC certificate on a host offering only RSA suites (the simulator's defaults)
/// is refused at plan, and nothing is written.
#[test]
fn an_ec_key_on_a_host_with_only_rsa_suites_is_refused_at_plan() {
    let lab = one_host(
        "certs_ec_host",
        Product::Xsp,
        Release::R22,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let issued = issue(FQDN, Some(KeyPair::generate().unwrap()));
    let block = format!(
        "certificates:\n  http: {}",
        section(&lab, "http", &issued, &ip, Some(lab.https_port("h")))
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R22", &block)]);
    let path = path.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", path]);
    assert_ne!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.all()
            .contains("the certificate has an ECDSA (EC) key, but HTTP"),
        "{}",
        plan.all()
    );
    assert!(
        plan.all().contains("none of which it can serve"),
        "{}",
        plan.all()
    );
    let apply = lab.xspctl(&["apply", "-f", path, "--yes"]);
    assert_ne!(apply.code, 0, "{}", apply.all());
    assert!(left_on_host(&lab).is_empty(), "{:?}", left_on_host(&lab));
}

/// Moving an interface to an EC certificate and ECDSA suites in one playbook: the
/// TLS module does not refuse the suites for the RSA certificate being replaced,
/// and after the restart the interface serves the EC certificate.
#[test]
fn an_ec_certificate_with_ecdsa_suites_replaces_an_rsa_one() {
    let lab = one_host(
        "certs_ec_swap",
        Product::Xsp,
        Release::R23,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let https = lab.https_port("h");
    let issued = issue(FQDN, Some(KeyPair::generate().unwrap()));
    let block = format!(
        "tls:\n  http:\n    level: interface\n    protocols: [TLSv1.2]\n    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\ncertificates:\n  http: {}",
        section(&lab, "http", &issued, &ip, Some(https))
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    let path = path.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", path]);
    plan.exits(0);
    assert!(
        plan.stdout
            .contains("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
        "{}",
        plan.all()
    );
    assert!(plan.stdout.contains("sslUpdate"), "{}", plan.all());
    lab.xspctl(&["apply", "-f", path, "--yes"]).exits(2);
    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");
    assert_eq!(served(&ip, https), issued.der);
}

/// The CTI sslUpdate fails after the HTTP one succeeded: the CLI cannot put the
/// replaced HTTP certificate back (its key cannot be read), so the rollback says so
/// and names the command; no uploaded file stays behind.
#[test]
fn a_replaced_certificate_that_cannot_be_rolled_back_is_named() {
    let lab = one_host(
        "certs_half",
        Product::Xsp,
        Release::R23,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let block = format!(
        "certificates:\n  http: {}\n  cti: {}",
        section(
            &lab,
            "http",
            &issue(FQDN, None),
            &ip,
            Some(lab.https_port("h"))
        ),
        section(&lab, "cti", &issue(FQDN, None), &ip, None)
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R23", &block)]);
    lab.faults(
        "h",
        Faults {
            // The CTI form has no port after the address.
            fail_pattern: Some(r"^sslUpdate \S+ keyFile".into()),
            ..Faults::default()
        },
    );
    let run = lab.xspctl(&["apply", "-f", path.to_str().unwrap(), "--yes"]);
    assert_ne!(run.code, 0, "{}", run.all());
    let all = run.all();
    assert!(all.contains("it cannot be undone"), "{all}");
    assert!(
        all.contains("/Interface/Http/HttpServer/SSLSettings/Certificates> sslUpdate"),
        "{all}"
    );
    assert!(left_on_host(&lab).is_empty(), "{:?}", left_on_host(&lab));
}

/// A certificate with 20 days left and one covering the FQDN by a wildcard are
/// installed, each with a warning at the playbook line.
#[test]
fn near_expiry_and_wildcards_are_warned_with_the_playbook_line() {
    let lab = one_host(
        "certs_warn",
        Product::Xsp,
        Release::R24,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let block = format!(
        "certificates:\n  http: {}\n  cti: {}",
        section(
            &lab,
            "http",
            &issue_for(FQDN, None, 20),
            &ip,
            Some(lab.https_port("h"))
        ),
        section(&lab, "cti", &issue("*.example.com", None), &ip, None)
    );
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R24", &block)]);
    let plan = lab.xspctl(&["plan", "-f", path.to_str().unwrap()]);
    plan.exits(0);
    let err = &plan.stderr;
    assert!(err.contains("pb.yaml:9:"), "{err}");
    assert!(
        err.contains("`webex.certificates.http`: CN=xsp1.example.com expires in"),
        "{err}"
    );
    assert!(err.contains("(under 30 days)"), "{err}");
    assert!(err.contains("pb.yaml:10:"), "{err}");
    assert!(
        err.contains("covers xsp1.example.com only by the wildcard *.example.com"),
        "{err}"
    );
}

/// The bad server certificate inputs `bad_certificate_files_stop_validate_at_their_line`
/// does not cover (issue #9 item 4): expired, an EKU without serverAuth, a CA as
/// the server certificate, a chain out of order, a file that is not PEM. Each is a
/// located error at the playbook's line, and no host is reached.
#[test]
fn more_bad_server_certificates_stop_validate_at_their_line() {
    let lab = one_host(
        "certs_bad_more",
        Product::Xsp,
        Release::R24,
        CliLayout::default(),
    );
    let ip = lab.address("h").to_string();
    let root =
        CertifiedIssuer::self_signed(ca("Example Root CA"), KeyPair::generate().unwrap()).unwrap();
    let upper =
        CertifiedIssuer::signed_by(ca("Example Upper CA"), KeyPair::generate().unwrap(), &root)
            .unwrap();
    let lower =
        CertifiedIssuer::signed_by(ca("Example Lower CA"), KeyPair::generate().unwrap(), &upper)
            .unwrap();
    // A leaf for FQDN under `lower`, shaped by `shape`.
    let leaf = |shape: &dyn Fn(&mut CertificateParams)| {
        let mut p = CertificateParams::new(vec![FQDN.to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, FQDN);
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
        p.not_after = OffsetDateTime::now_utc() + Duration::days(365);
        shape(&mut p);
        let key = rsa_key();
        let cert = p.signed_by(&key, &lower).unwrap();
        Issued {
            key: key.serialize_pem(),
            cert: cert.pem(),
            chain: format!("{}{}", lower.pem(), upper.pem()),
            der: cert.der().to_vec(),
        }
    };
    let cases: Vec<(Issued, &str)> = vec![
        (
            leaf(&|p| {
                p.not_before = OffsetDateTime::now_utc() - Duration::days(30);
                p.not_after = OffsetDateTime::now_utc() - Duration::days(1);
            }),
            "expired on",
        ),
        (
            leaf(&|p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]),
            "has an Extended Key Usage without serverAuth",
        ),
        (
            leaf(&|p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained)),
            "is a CA certificate, not a server certificate",
        ),
        (
            Issued {
                chain: format!("{}{}", upper.pem(), lower.pem()),
                ..leaf(&|_| {})
            },
            "the chain is out of order",
        ),
        (
            Issued {
                cert: "not a certificate\n".into(),
                ..leaf(&|_| {})
            },
            "no PEM certificate in the certificate file",
        ),
    ];
    for (issued, want) in cases {
        let block = format!(
            "certificates:\n  cti: {}",
            section(&lab, "cti", &issued, &ip, None)
        );
        let path = lab.playbook("pb.yaml", &[("h", "xsp", "R24", &block)]);
        let run = lab.xspctl(&["plan", "-f", path.to_str().unwrap()]);
        run.exits(1)
            .complains("pb.yaml:9:")
            .complains("`webex.certificates.cti` cannot be used")
            .complains(want);
        assert!(!run.all().contains("PRIVATE KEY-----"), "{}", run.all());
    }
    assert!(lab.transcripts("h").is_empty(), "a host was touched");
}
