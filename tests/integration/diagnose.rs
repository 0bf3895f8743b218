//! `xspctl diagnose` through the real path (issue #12): xspsim hosts put into known
//! broken states → SSH reads, TLS handshakes, verify → the bundle → the known-issue
//! rules. The right rule fires on the right host with its fix and source; a healthy
//! host fires none; `--offline` finds the same on the bundle; and every secret seeded
//! into the playbook and the hosts is masked in every file of the bundle (a secret
//! that slips through stops the bundle).
use crate::lab;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use base64::Engine;
use lab::{Run, Spec, TLS_INTERFACE, TestLab};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::Value;
use xspctl::catalog::{PatchFeature, Product as CatalogProduct, Release as CatalogRelease};
use xspctl::diagnose::bundle::Bundle;
use xspsim::host::{Product, Release};

/// A Webex-like CA chain (issuing CA, then root), as Partner Hub gives it.
fn webex_chain() -> String {
    let ca = |cn: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        p.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
        p
    };
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

/// An RSA key and a self-signed certificate that expired yesterday.
fn expired(cn: &str) -> (String, String) {
    self_signed(cn, -1)
}

/// An RSA key and a self-signed certificate that expires in `days` days (past
/// when negative), issued 400 days before now.
fn self_signed(cn: &str, days: i64) -> (String, String) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::from_unix(now - 400 * 86_400).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::from_unix(now + days * 86_400).unwrap())
        .unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let key = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let cert = String::from_utf8(cert.build().to_pem().unwrap()).unwrap();
    (key, cert)
}

/// Puts `key` and `cert` on `host` as /var/broadworks/tmp/k.pem and c.pem; the
/// `sslUpdate` line that installs them on its interface (in a Certificates context).
fn certificate_upload(lab: &TestLab, host: &str, key: &str, cert: &str) -> String {
    let tmp = lab.host(host).fs_root().join("var/broadworks/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("k.pem"), key).unwrap();
    std::fs::write(tmp.join("c.pem"), cert).unwrap();
    format!(
        "sslUpdate {} keyFile /var/broadworks/tmp/k.pem certificateFile /var/broadworks/tmp/c.pem",
        lab.address(host)
    )
}

/// The patches an XSP of `release` with the lab's roles (authservice among them)
/// requires: the minimum list and the AuthService feature's (guide B §17, §2.2).
fn required_patches(release: CatalogRelease) -> Vec<&'static str> {
    [PatchFeature::Minimum, PatchFeature::Authservice]
        .into_iter()
        .flat_map(|f| xspctl::catalog::required_patches(CatalogProduct::Xsp, release, f))
        .map(|p| p.name)
        .collect()
}

/// Runs a bwcli session on a host and checks that every command was done.
fn bwcli_done(lab: &TestLab, host: &str, lines: &[&str], done: usize) {
    let out = lab.bwcli(host, lines);
    assert_eq!(out.matches("...Done").count(), done, "{out}");
}

/// The (rule, host) pairs a JSON diagnosis fired.
fn fired(json: &Value) -> BTreeSet<(String, String)> {
    json["fired"]
        .as_array()
        .unwrap_or_else(|| panic!("no `fired` in {json:#}"))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["host"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The JSON file `path` of a bundle.
fn bundle_json(bundle: &Bundle, path: &str) -> Value {
    let file = bundle
        .file(path)
        .unwrap_or_else(|| panic!("no {path} in the bundle"));
    serde_json::from_slice(&file.bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The element of the JSON array `list` whose `field` is `value`.
fn element<'a>(list: &'a Value, field: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list:#}"))
        .iter()
        .find(|e| e[field] == value)
        .unwrap_or_else(|| panic!("no {field} {value:?} in {list:#}"))
}

/// The fired entry of `rule` on `host`.
fn entry<'a>(json: &'a Value, rule: &str, host: &str) -> &'a Value {
    json["fired"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["host"] == host)
        .unwrap_or_else(|| panic!("{rule} did not fire on {host}: {json:#}"))
}

/// Runs `xspctl diagnose -f PB --out BUNDLE --format json MORE...` (the bundle in
/// the lab's scratch directory) with the extra environment variables `env`; the
/// run and the bundle's path.
fn diagnose_json(
    lab: &TestLab,
    env: &[(&str, &str)],
    pb: &str,
    bundle: &str,
    more: &[&str],
) -> (Run, PathBuf) {
    let out = lab.dir.path().join(bundle);
    let mut args = vec!["diagnose", "-f", pb, "--out", out.to_str().unwrap()];
    args.extend(["--format", "json"]);
    args.extend(more);
    (xspctl_env(lab, env, &args), out)
}

/// The hosts of [`authservice_farm`].
const AUTH_FARM: [&str; 2] = ["x1", "x2"];

/// Starts two R22 XSPs, `x1` and `x2`, each with AuthService active and its own
/// key pair (made by a first export), and writes `pb.yaml`: one farm of both
/// (roles xsi and authservice) with `webex` (farm-level YAML, or ""), `verify`
/// trusting the lab's server CA. The lab and the playbook's path.
fn authservice_farm(test: &str, webex: &str) -> (TestLab, String) {
    let specs = AUTH_FARM.map(|name| Spec {
        name,
        product: Product::Xsp,
        release: Release::R22,
    });
    let lab = TestLab::start(test, &specs);
    let roles = "[xsi, authservice]";
    let mut text = format!(
        "version: 1\nfarms:\n{}",
        lab::farm_head("auth", "xsp", "R22", roles, webex)
    );
    for h in AUTH_FARM {
        text.push_str(&lab.host_entry(h));
        bwcli_done(
            &lab,
            h,
            &[
                "cd /Maintenance/ManagedObjects",
                "activate application AuthenticationService 22.0_1.1123 /authService",
                "deploy application /authService",
                "cd /Applications/AuthenticationService/KeyManagement",
                "exportKeys",
            ],
            3,
        );
    }
    text.push_str(&lab.verify_section());
    let pb = lab.dir.path().join("pb.yaml");
    std::fs::write(&pb, text).unwrap();
    (lab, pb.to_str().unwrap().to_string())
}

/// Three hosts: `good` set up as the documents say, `bad` broken in the ways the
/// rules know, `old` an R21 SP1 host with the default chainDepth 2.
#[test]
fn each_rule_fires_on_the_broken_host_none_on_the_healthy_one_and_offline_agrees() {
    let lab = TestLab::start(
        "diagnose-rules",
        &[
            Spec {
                name: "good",
                product: Product::Xsp,
                release: Release::R22,
            },
            Spec {
                name: "bad",
                product: Product::Xsp,
                release: Release::R22,
            },
            Spec {
                name: "old",
                product: Product::Xsp,
                release: Release::R21Sp1,
            },
        ],
    );
    let chain = lab.dir.path().join("CombinedCertChain.txt");
    std::fs::write(&chain, webex_chain()).unwrap();
    let good_webex = format!(
        "{TLS_INTERFACE}\ncti_mtls: {{ trust_anchors: {} }}",
        chain.display()
    );
    let pb = lab.playbook(
        "pb.yaml",
        &[
            ("good", "xsp", "R22", &good_webex),
            ("bad", "xsp", "R22", ""),
            ("old", "xsp", "R21SP1", ""),
        ],
    );
    let pb = pb.to_str().unwrap();

    // good: every required patch, TLS 1.2 only, the Webex CAs as CTI trust anchors,
    // client auth required.
    lab.host("good")
        .install_patches(&required_patches(CatalogRelease::R22))
        .unwrap();
    let ip = lab.address("good");
    bwcli_done(
        &lab,
        "good",
        &[
            "cd /Interface/CTI/SSLSettings",
            &format!("set {ip} clientAuthReq true"),
        ],
        1,
    );
    lab.xspctl(&[
        "apply",
        "-f",
        pb,
        "--host",
        "good",
        "--yes",
        "--restart",
        "rolling",
    ])
    .exits(0);

    // bad: NPS active beside the Webex applications, AuthService requiring client
    // certificates with no trust anchor, an expired CTI certificate (on CTI: the
    // HTTP interface now asks for a client certificate, which stops the handshake
    // that reads it); defaults otherwise (TLS 1.0 accepted, no CTI anchor, CTI
    // client auth off).
    let (ip, http, cti) = (
        lab.address("bad"),
        lab.https_port("bad"),
        lab.cti_port("bad"),
    );
    let (key, cert) = expired("bad.example.com");
    let install_expired = certificate_upload(&lab, "bad", &key, &cert);
    bwcli_done(
        &lab,
        "bad",
        &[
            "cd /Maintenance/ManagedObjects",
            "activate application NotificationPushServer 22.0_1.1123",
            "cd /Interface/Http/SSLCommonSettings/ClientAuthentication/WebApps",
            &format!("set {ip} {http} AuthenticationService clientAuthReq true"),
            "cd /Interface/CTI/SSLSettings/Certificates",
            &install_expired,
        ],
        3,
    );
    assert_eq!(lab.host("bad").exec("restartbw").status, 0);

    let org = ["--org-id", "1eb65fdf-9643-417f-9974-ad72cae0e10f"];
    let (live, out) = diagnose_json(&lab, &[], pb, "case.tar.gz", &org);
    let out = out.to_str().unwrap();
    live.exits(2);
    let json = live.json();
    let found = fired(&json);
    let bundle = Bundle::read(Path::new(out)).unwrap();
    fixes_and_sources_are_the_rules(&json);
    layout_is_documented(&bundle);
    let expiry: Vec<Value> = bundle_json(&bundle, "hosts/bad/verify.json")["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "tls.certificate-expiry")
        .cloned()
        .collect();
    for rule in [
        "DX-TLS-OLD-PROTOCOL",
        "DX-CERT-EXPIRED",
        "DX-CTI-NO-TRUST-ANCHOR",
        "DX-CTI-CLIENT-AUTH-OFF",
        "DX-AUTH-MTLS-NO-ANCHOR",
        "DX-NPS-COLOCATED",
        "DX-PATCH-MISSING",
    ] {
        assert!(
            found.contains(&(rule.to_string(), "bad".to_string())),
            "{rule} did not fire on bad: {found:?}\n{expiry:#?}"
        );
    }
    assert!(
        found.contains(&("DX-CHAINDEPTH-LOW".into(), "old".into())),
        "{found:?}"
    );
    let healthy: Vec<_> = found.iter().filter(|(_, h)| h == "good").collect();
    assert!(
        healthy.is_empty(),
        "rules fired on the healthy host: {healthy:?}\n{}",
        live.all()
    );
    assert!(
        !found
            .iter()
            .any(|(r, h)| r == "DX-CHAINDEPTH-LOW" && h != "old")
    );

    // Each fired rule carries its fix, its source and the evidence that fired it.
    let depth = entry(&json, "DX-CHAINDEPTH-LOW", "old");
    assert!(
        depth["fix"].as_str().unwrap().contains("set chainDepth 3"),
        "{depth:#}"
    );
    assert!(
        depth["source"].as_str().unwrap().contains("D07"),
        "{depth:#}"
    );
    assert_eq!(
        depth["evidence"][0],
        "/Interface/Http/ClientAuthentication: chainDepth = 2"
    );
    let old_tls = entry(&json, "DX-TLS-OLD-PROTOCOL", "bad");
    assert!(
        old_tls["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("fail tls.refuses-protocol ")
    );
    let nps = entry(&json, "DX-NPS-COLOCATED", "bad");
    assert!(
        nps["evidence"][0]
            .as_str()
            .unwrap()
            .contains("NotificationPushServer"),
        "{nps:#}"
    );
    let cert = entry(&json, "DX-CERT-EXPIRED", "bad");
    assert!(cert["source"].as_str().unwrap().contains("D28"), "{cert:#}");
    assert!(
        cert["evidence"][0]
            .as_str()
            .unwrap()
            .contains(&format!("CTI {ip}:{cti}")),
        "{cert:#}"
    );

    // The text report leads with the fired rules, their fix and source.
    let text = lab.xspctl(&["diagnose", "--offline", out]);
    text.exits(2)
        .prints("FIRED DX-CHAINDEPTH-LOW on old: ")
        .prints("  fix: `cd /Interface/Http/ClientAuthentication; set chainDepth 3`")
        .prints("  source: management-sync §3.9");

    // --offline: the same rules fire on the bundle, with no host touched.
    let offline = lab.xspctl(&["diagnose", "--offline", out, "--format", "json"]);
    offline.exits(2);
    let again = offline.json();
    assert_eq!(again["fired"], json["fired"]);
    assert_eq!(again["undecided"], json["undecided"]);
    assert_eq!(again["results"], json["results"]);

    // The bundle: the manifest's hashes hold; every host has its files; the
    // summaries lead with the fired rules; the HTML needs nothing from outside.
    for host in ["good", "bad", "old"] {
        for f in [
            "host.json",
            "bwcli.json",
            "verify.json",
            "certificates.json",
            "patches.txt",
        ] {
            assert!(
                bundle.file(&format!("hosts/{host}/{f}")).is_some(),
                "{host}/{f}"
            );
        }
        let pems = bundle
            .files
            .iter()
            .filter(|f| f.path.starts_with(&format!("hosts/{host}/certificates/")))
            .count();
        assert!(pems >= 1, "{host}: {pems} served chains");
    }
    // good's CTI interface requires a client certificate: its chain is not read,
    // and certificates.json says why.
    let certs = bundle_json(&bundle, "hosts/good/certificates.json");
    let cti = element(&certs, "endpoint", "cti");
    assert!(
        cti["error"]
            .as_str()
            .unwrap()
            .contains("client certificate required"),
        "{cti:#}"
    );
    let http = element(&certs, "endpoint", "http");
    assert!(
        http["chain"][0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("CN="),
        "{http:#}"
    );
    let snapshot =
        String::from_utf8_lossy(&bundle.file("hosts/bad/bwcli.json").unwrap().bytes).into_owned();
    assert!(
        snapshot.contains("/Monitoring/Alarm/AlarmsTable"),
        "alarms not collected"
    );
    assert!(
        snapshot.contains("bwCertificateExpirationWarning"),
        "alarm rows not collected"
    );
    let host = bundle_json(&bundle, "hosts/old/host.json");
    assert!(
        host["version"]["release_tag"]
            .as_str()
            .unwrap()
            .starts_with("Rel_21"),
        "{host:#}"
    );
    let checklist = bundle_json(&bundle, "checklist.json");
    assert_eq!(checklist["org_id"], "1eb65fdf-9643-417f-9974-ad72cae0e10f");
    assert_eq!(checklist["versions"].as_array().unwrap().len(), 3);
    let md = String::from_utf8_lossy(&bundle.file("summary.md").unwrap().bytes).into_owned();
    let first_rule = md.find("### DX-").expect("a fired rule in summary.md");
    assert!(first_rule < md.find("## Findings that did not pass").unwrap());
    let html = String::from_utf8_lossy(&bundle.file("summary.html").unwrap().bytes).into_owned();
    assert!(html.contains("DX-CHAINDEPTH-LOW on old"));
    for external in ["<link", "<script", "src=", "@import"] {
        assert!(
            !html.contains(external),
            "summary.html is not self-contained: {external}"
        );
    }
    let manifest = bundle_json(&bundle, "manifest.json");
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len() + 1, bundle.files.len());
    assert!(listed.iter().all(
        |f| f["sha256"].as_str().unwrap().len() == 64 && !f["how"].as_str().unwrap().is_empty()
    ));

    // The configured certificates beside the served ones: bad's CTI Certificates
    // view shows the expired certificate sslUpdate installed; good's CTI trust
    // anchors (the playbook's chain, uploaded only around updateTrust) are bundled
    // as PEM with their summary. The key bad's certificate was installed with stays
    // on the host: no file of the bundle holds any of it.
    let configured = |host: &str| {
        bundle_json(
            &bundle,
            &format!("hosts/{host}/configured-certificates.json"),
        )
    };
    let bad_views = configured("bad")["views"].to_string();
    assert!(
        bad_views.contains("/Interface/CTI/SSLSettings/Certificates")
            && bad_views.contains("bad.example.com"),
        "{bad_views}"
    );
    let good = configured("good");
    let anchors = good["files"].as_array().unwrap();
    assert!(!anchors.is_empty(), "{good:#}");
    let subjects = good["files"].to_string();
    assert!(
        subjects.contains("BroadCloud Commercial Issuing CA - DA3")
            && subjects.contains("BroadCloud Commercial Trusted Root CA"),
        "{good:#}"
    );
    for f in anchors {
        assert!(
            f["on_host"]
                .as_str()
                .unwrap()
                .starts_with("not on the host"),
            "{f:#}"
        );
        let path = f["path"].as_str().unwrap();
        let name = path.rsplit('/').next().unwrap();
        let pem = bundle
            .file(&format!("hosts/good/configured-certificates/{name}.pem"))
            .unwrap_or_else(|| panic!("no PEM for {path}"));
        assert!(String::from_utf8_lossy(&pem.bytes).starts_with("-----BEGIN CERTIFICATE-----"));
    }
    let key_body: Vec<&str> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .collect();
    assert!(!key_body.is_empty());
    for f in &bundle.files {
        let text = String::from_utf8_lossy(&f.bytes);
        assert!(
            !key_body.iter().any(|l| text.contains(l)) && !text.contains("PRIVATE KEY-----\n"),
            "{}: holds the private key",
            f.path
        );
    }

    // The snapshot session's transcript is kept, masked, beside verify's.
    let diagnose_log = lab
        .transcripts("good.diagnose")
        .pop()
        .expect("the diagnose session's transcript");
    assert!(
        lab::sent_lines(&diagnose_log)
            .iter()
            .any(|l| l.contains("AlarmsTable"))
    );

    // A healthy lab alone fires none and exits 0.
    let healthy = lab.xspctl(&[
        "diagnose",
        "-f",
        pb,
        "--host",
        "good",
        "--out",
        lab.dir.path().join("good.tar.gz").to_str().unwrap(),
    ]);
    healthy.exits(0).prints("0 of ");
}

/// Secret values no other text contains.
fn canary(what: &str) -> String {
    format!("Canary{what}{}Qz7", std::process::id())
}

/// Every form the scan knows a secret by: as is, base64 at each alignment, hex.
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![
        secret.to_string(),
        hex::encode(secret),
        hex::encode(secret).to_uppercase(),
    ];
    for prefix in ["", "a", "ab"] {
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{secret}"));
        // The part that does not depend on the prefix.
        out.push(b64[4.min(prefix.len() * 4)..b64.len() - 4].to_string());
    }
    out
}

/// Runs xspctl with extra environment variables.
fn xspctl_env(lab: &TestLab, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xspctl"));
    c.arg("--color")
        .arg("never")
        .arg("--state-dir")
        .arg(lab.dir.path().join("state"))
        .args(args)
        .env_remove("RUST_LOG");
    for (k, v) in env {
        c.env(k, v);
    }
    Run::from(c.output().expect("xspctl runs"))
}

#[test]
fn every_secret_is_masked_in_every_file_and_a_slipped_secret_stops_the_bundle() {
    let lab = TestLab::start(
        "diagnose-redaction",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R22,
        }],
    );
    let (password, passphrase) = (canary("SshPassword"), canary("KeyPassphrase"));
    let (client_secret, nps_secret, refresh) = (
        canary("ClientSecret"),
        canary("NpsSecret"),
        canary("RefreshToken"),
    );
    let auth_refresh = canary("AuthRefreshToken");
    // The playbook's secret fields: the SSH password and the key passphrase (and,
    // below, the AuthService module's client secret and refresh token).
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", "")]);
    let text = std::fs::read_to_string(&pb).unwrap().replace(
        "command_timeout: 20s",
        "command_timeout: 20s, password: env:DIAG_PASSWORD, key_passphrase: env:DIAG_PASSPHRASE",
    );
    std::fs::write(&pb, text).unwrap();
    let pb = pb.to_str().unwrap();
    let env = [
        ("DIAG_PASSWORD", password.as_str()),
        ("DIAG_PASSPHRASE", passphrase.as_str()),
        ("DIAG_CLIENT_SECRET", client_secret.as_str()),
        ("DIAG_REFRESH_TOKEN", auth_refresh.as_str()),
    ];
    // The host holds them too, under names that say nothing of a secret, and the
    // password-typed attributes hold theirs; AuthService has a key file.
    bwcli_done(
        &lab,
        "h",
        &[
            "cd /Maintenance/ManagedObjects",
            "activate application AuthenticationService 22.0_1.1123 /authService",
            "deploy application /authService",
            "activate application NotificationPushServer 22.0_1.1123",
            "cd /Applications/Xsi-Events/GeneralSettings",
            &format!("set callControlApplicationName {password}"),
            "cd /Applications/AuthenticationService/IdentityProviders/Cisco",
            &format!("set clientId {passphrase}"),
            "set clientSecret",
            &client_secret,
            &client_secret,
            "cd /Applications/NotificationPushServer/CiscoCI/Client",
            "set clientSecret",
            &nps_secret,
            &nps_secret,
            "set RefreshToken",
            &refresh,
            &refresh,
            "cd /Applications/AuthenticationService/KeyManagement",
            "exportKeys",
        ],
        9,
    );
    let keys = std::fs::read_to_string(
        lab.host("h")
            .fs_root()
            .join("var/broadworks/tmp/authService.keys"),
    )
    .unwrap();
    let key_lines: Vec<&str> = keys
        .lines()
        .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
        .collect();
    assert!(!key_lines.is_empty(), "{keys}");
    // A log of the window quotes every secret diagnose knows of.
    let log_path =
        "/var/broadworks/logs/authenticationService/authenticationService2026.12.02-10.00.00.txt";
    let mut log =
        format!("token request for bob\nssh password={password} passphrase {passphrase}\n");
    for line in &key_lines {
        log.push_str(&format!("loaded key {line}\n"));
    }
    lab.host("h")
        .write_log(log_path, log.as_bytes(), SystemTime::now())
        .unwrap();

    let out = lab.dir.path().join("case.tar.gz");
    let run = xspctl_env(
        &lab,
        &env,
        &["diagnose", "-f", pb, "--out", out.to_str().unwrap()],
    );
    assert!(run.code == 0 || run.code == 2, "{}", run.all());
    let bundle = Bundle::read(&out).unwrap();
    assert!(bundle.files.len() >= 10, "{}", bundle.files.len());
    let seeded = [
        &password,
        &passphrase,
        &client_secret,
        &nps_secret,
        &refresh,
        &auth_refresh,
    ];
    let bundled_log = String::from_utf8_lossy(
        &bundle
            .file("hosts/h/logs/authenticationService/authenticationService2026.12.02-10.00.00.txt")
            .unwrap_or_else(|| panic!("the seeded log is not bundled\n{}", run.all()))
            .bytes,
    )
    .into_owned();
    assert!(
        bundled_log.starts_with(
            "token request for bob\nssh password=******** passphrase ********\nloaded key ********\n"
        ),
        "{bundled_log}"
    );
    for f in &bundle.files {
        let text = String::from_utf8_lossy(&f.bytes);
        for s in seeded {
            for form in forms(s) {
                assert!(
                    !text.contains(&form),
                    "{}: holds a seeded secret ({form})",
                    f.path
                );
            }
        }
        for line in &key_lines {
            assert!(
                !text.contains(line),
                "{}: holds the AuthService key",
                f.path
            );
        }
        assert!(
            !text.contains("PRIVATE KEY-----\n"),
            "{}: a private key",
            f.path
        );
    }
    for what in [&run.stdout, &run.stderr] {
        for s in seeded {
            assert!(!what.contains(s.as_str()), "{}", run.all());
        }
    }
    // The values were there to mask: the snapshot shows the masks where they were.
    let snapshot =
        String::from_utf8_lossy(&bundle.file("hosts/h/bwcli.json").unwrap().bytes).into_owned();
    assert!(
        snapshot.contains("callControlApplicationName"),
        "{snapshot}"
    );
    assert!(snapshot.contains("\"********\""), "{snapshot}");
    let facts = bundle_json(&bundle, "hosts/h/host.json");
    assert_eq!(facts["authservice_keys_sha256"].as_str().unwrap().len(), 64);

    // The secrets the playbook's modules set (the AuthService module's client
    // secret and refresh token, its patches installed) are masked in a log line too.
    lab.host("h")
        .install_patches(&required_patches(CatalogRelease::R22))
        .unwrap();
    let module = std::fs::read_to_string(pb).unwrap().replace(
        "    roles: [xsi, authservice, cti, dms]\n",
        "    roles: [xsi, authservice, cti, dms]\n    webex:\n      authservice:\n        client_id: C0ffee-client\n        client_secret: env:DIAG_CLIENT_SECRET\n        refresh_token: env:DIAG_REFRESH_TOKEN\n        ci_cluster: EU\n        teams_cluster: AFRA\n",
    );
    let module_pb = lab.dir.path().join("module.yaml");
    std::fs::write(&module_pb, module).unwrap();
    lab.host("h")
        .write_log(
            log_path,
            format!("client_secret={client_secret}&refresh_token={auth_refresh}\n").as_bytes(),
            SystemTime::now(),
        )
        .unwrap();
    let out = lab.dir.path().join("module.tar.gz");
    let run = xspctl_env(
        &lab,
        &env,
        &[
            "diagnose",
            "-f",
            module_pb.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(run.code == 0 || run.code == 2, "{}", run.all());
    let bundle = Bundle::read(&out).unwrap();
    let bundled_log = String::from_utf8_lossy(
        &bundle
            .file("hosts/h/logs/authenticationService/authenticationService2026.12.02-10.00.00.txt")
            .unwrap()
            .bytes,
    )
    .into_owned();
    assert_eq!(
        bundled_log,
        "client_secret=********&refresh_token=********\n"
    );
    for f in &bundle.files {
        let text = String::from_utf8_lossy(&f.bytes);
        for s in seeded {
            for form in forms(s) {
                assert!(!text.contains(&form), "{}: holds {form}", f.path);
            }
        }
    }

    // A secret in a form redaction does not mask (base64 of the SSH password in a
    // host attribute): the scan finds it, names the file, and writes nothing.
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("bwadmin:{password}"));
    bwcli_done(
        &lab,
        "h",
        &[
            "cd /Applications/Xsi-Events/GeneralSettings",
            &format!("set callControlApplicationName {b64}"),
        ],
        1,
    );
    let refused = lab.dir.path().join("refused.tar.gz");
    let run = xspctl_env(
        &lab,
        &env,
        &["diagnose", "-f", pb, "--out", refused.to_str().unwrap()],
    );
    run.exits(1)
        .complains("hosts/h/bwcli.json: holds a secret (base64); no bundle was written");
    assert!(!refused.exists());
    assert!(!run.stderr.contains(&password) && !run.stderr.contains(&b64));
}

#[test]
fn bad_case_ids_stop_before_any_host_and_offline_refuses_a_changed_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("pb.yaml");
    std::fs::write(
        &pb,
        "version: 1\nfarms:\n  - name: f\n    product: xsp\n    release: R22\n    roles: [xsi]\n    hosts:\n      - { name: h, address: 127.0.0.1, connection: { port: 1, user: u, agent: true } }\n",
    )
    .unwrap();
    let run = lab::run_xspctl(
        &dir.path().join("state"),
        &[
            "diagnose",
            "-f",
            pb.to_str().unwrap(),
            "--tracking-id",
            "ROUTER_1",
        ],
    );
    run.exits(1)
        .complains("--tracking-id ROUTER_1: not a 32-hex-digit id")
        .complains("no host was contacted");

    // A bundle whose file no longer matches the manifest is refused.
    let path = dir.path().join("case.tar.gz");
    let mut b = Bundle::default();
    b.add("hosts/h/host.json", b"{}".to_vec(), "test");
    b.write(&path, &xspctl::diagnose::redact::Redactor::default())
        .unwrap();
    let mut back = Bundle::read(&path).unwrap();
    back.files[0].bytes = b"{\"changed\": true}".to_vec();
    let manifest = back.file("manifest.json").unwrap().clone();
    let mut forged = Bundle::default();
    forged.add("hosts/h/host.json", back.files[0].bytes.clone(), "test");
    // Write the forged file with the old manifest by hand.
    let forged_path = dir.path().join("forged.tar.gz");
    {
        let f = std::fs::File::create(&forged_path).unwrap();
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in [
            ("hosts/h/host.json", forged.files[0].bytes.as_slice()),
            ("manifest.json", manifest.bytes.as_slice()),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, name, bytes).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }
    let run = lab::run_xspctl(
        &dir.path().join("state"),
        &["diagnose", "--offline", forged_path.to_str().unwrap()],
    );
    run.exits(1).complains(
        "not a diagnose bundle: hosts/h/host.json: its SHA-256 differs from the manifest's",
    );
}

/// Two XSPs of one farm: each with its own AuthService keys, the rule fires on
/// both; once the second imports the first's keys, it fires on neither.
#[test]
fn authservice_keys_that_differ_across_the_farm_fire_until_shared() {
    let (lab, pb) = authservice_farm("diagnose-keys", "");
    let (run, _) = diagnose_json(&lab, &[], &pb, "a.tar.gz", &[]);
    let json = run.json();
    let found = fired(&json);
    for h in AUTH_FARM {
        assert!(
            found.contains(&("DX-AUTHSERVICE-KEYS-DIFFER".into(), h.into())),
            "{found:?}\n{}",
            run.all()
        );
    }
    let e = entry(&json, "DX-AUTHSERVICE-KEYS-DIFFER", "x1");
    assert!(e["fix"].as_str().unwrap().contains("importKeys"), "{e:#}");

    // Share x1's keys with x2, as the guide says.
    let file = "var/broadworks/tmp/authService.keys";
    std::fs::copy(
        lab.host("x1").fs_root().join(file),
        lab.host("x2").fs_root().join(file),
    )
    .unwrap();
    bwcli_done(
        &lab,
        "x2",
        &[
            "cd /Applications/AuthenticationService/KeyManagement",
            "importKeys /var/broadworks/tmp/authService.keys",
        ],
        1,
    );
    let (run, _) = diagnose_json(&lab, &[], &pb, "b.tar.gz", &[]);
    let found = fired(&run.json());
    assert!(
        !found.iter().any(|(r, _)| r == "DX-AUTHSERVICE-KEYS-DIFFER"),
        "{found:?}\n{}",
        run.all()
    );
}

#[test]
fn the_bundle_holds_the_dns_answers_the_reachability_matrix_and_the_clock() {
    let lab = TestLab::start(
        "diagnose-network",
        &[Spec {
            name: "n1",
            product: Product::Xsp,
            release: Release::R22,
        }],
    );
    let (ip, http, cti) = (lab.address("n1"), lab.https_port("n1"), lab.cti_port("n1"));
    lab.host("n1").set_clock(xspsim::host::SimClock {
        synchronised: false,
        ..Default::default()
    });
    let text = format!(
        "version: 1\nverify:\n  dns: {{ resolvers: [\"{}\"] }}\n  reach: {{ outbound: [\"{ip}:{http}\", \"192.0.2.1:443\"] }}\nfarms:\n  - name: east\n    product: xsp\n    release: R22\n    roles: [xsi, authservice, cti]\n    hosts:\n      - name: n1\n        address: {ip}\n        fqdn: n1.lab.xspctl.test\n        {}\n",
        lab.dns_address(),
        lab.connection("n1")
    );
    let pb = lab.dir.path().join("pb.yaml");
    std::fs::write(&pb, text).unwrap();
    let (run, out) = diagnose_json(&lab, &[], pb.to_str().unwrap(), "net.tar.gz", &[]);
    assert!(out.exists(), "{}", run.all());
    let bundle = Bundle::read(&out).unwrap();
    let verify = bundle_json(&bundle, "hosts/n1/verify.json");
    let checks = verify["checks"].as_array().unwrap();
    let of = |id: &str| -> Vec<&Value> { checks.iter().filter(|c| c["id"] == id).collect() };
    // The DNS answers, as the resolver gave them.
    let dns = of("dns.ipv4-address");
    assert_eq!(dns.len(), 1, "{checks:#?}");
    assert_eq!(dns[0]["status"], "ok", "{:#}", dns[0]);
    let answer = format!(
        "resolver {}: n1.lab.xspctl.test A: A {ip}",
        lab.dns_address()
    );
    assert!(
        dns[0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == answer.as_str()),
        "{:#}",
        dns[0]
    );
    // The reachability matrix: both interfaces inbound, both targets outbound.
    let inbound: BTreeSet<(String, String)> = of("reach.inbound")
        .iter()
        .map(|c| {
            (
                c["subject"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        inbound,
        BTreeSet::from([
            (format!("CTI {ip}:{cti}"), "ok".to_string()),
            (format!("HTTP {ip}:{http}"), "ok".to_string()),
        ])
    );
    let outbound: BTreeSet<(String, String)> = of("reach.outbound")
        .iter()
        .map(|c| {
            (
                c["subject"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        outbound,
        BTreeSet::from([
            (format!("outbound {ip}:{http}"), "ok".to_string()),
            ("outbound 192.0.2.1:443".to_string(), "fail".to_string()),
        ])
    );
    // The clock: not synchronised, with chronyc's own lines as evidence.
    let time = of("time.ntp-synchronised");
    assert_eq!(time.len(), 1);
    assert_eq!(time[0]["status"], "fail", "{:#}", time[0]);
    assert!(
        time[0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "chronyc tracking: Leap status     : Not synchronised"),
        "{:#}",
        time[0]
    );
    assert_eq!(of("time.clock-skew")[0]["status"], "ok");
}

/// A file's manifest entry.
fn manifest_entry(bundle: &Bundle, path: &str) -> Value {
    element(&bundle_json(bundle, "manifest.json")["files"], "path", path).clone()
}

/// The logs support asks for, served by xspsim over SFTP: those of the window are
/// bundled newest first, a big one cut to its tail (per-file cap), the last one cut
/// to what the per-host cap leaves, an old one passed over; the AS's PSLog too.
/// And the missing-patch rule: it fires on an AS that lacks a required patch, with
/// the patch and the fix, and clears once the patches are installed.
#[test]
fn logs_of_the_window_are_bundled_under_the_caps_and_missing_patches_fire() {
    let lab = TestLab::start(
        "diagnose-logs",
        &[
            Spec {
                name: "x1",
                product: Product::Xsp,
                release: Release::R22,
            },
            Spec {
                name: "a1",
                product: Product::As,
                release: Release::R22,
            },
        ],
    );
    let pb = lab.playbook(
        "pb.yaml",
        &[("x1", "xsp", "R22", ""), ("a1", "as", "R22", "")],
    );
    let pb = pb.to_str().unwrap();
    let now = SystemTime::now();
    let ago = |secs: u64| now - Duration::from_secs(secs);
    let x1 = lab.host("x1");
    x1.write_log(
        "/var/broadworks/logs/xsp/XsiActionsLog2026.12.01-08.00.00.txt",
        b"an old line\n",
        ago(3 * 3600),
    )
    .unwrap();
    let mut big = String::from("FIRST LINE\n");
    while big.len() < 200 * 1024 {
        big.push_str(&format!(
            "{:08} GET /com.broadsoft.xsi-actions/v2.0/user 200\n",
            big.len()
        ));
    }
    big.push_str("LAST LINE\n");
    let big_path = "/var/broadworks/logs/tomcat/access_log.2026-12-02.txt";
    x1.write_log(big_path, big.as_bytes(), ago(30)).unwrap();
    let xs_path = "/var/broadworks/logs/xsp/XSLog2026.12.02-09.00.00.txt";
    x1.write_log(xs_path, &vec![b'x'; 50 * 1024], ago(600))
        .unwrap();

    let caps = [
        "--since",
        "2h",
        "--log-file-cap",
        "64K",
        "--log-host-cap",
        "100K",
    ];
    let (run, out) = diagnose_json(&lab, &[], pb, "logs.tar.gz", &caps);
    run.exits(2);
    let bundle = Bundle::read(&out).unwrap();

    // The big log: its tail, 64 KiB, noted in the manifest.
    let tail = bundle
        .file("hosts/x1/logs/tomcat/access_log.2026-12-02.txt")
        .unwrap_or_else(|| panic!("{}", run.all()));
    assert_eq!(tail.bytes.len(), 64 * 1024);
    let text = String::from_utf8_lossy(&tail.bytes);
    assert!(text.ends_with("LAST LINE\n") && !text.contains("FIRST LINE"));
    let cut = manifest_entry(&bundle, "hosts/x1/logs/tomcat/access_log.2026-12-02.txt");
    assert_eq!(
        cut["truncated"]["original_bytes"],
        big.len() as u64,
        "{cut:#}"
    );
    assert_eq!(cut["truncated"]["kept_bytes"], 64 * 1024, "{cut:#}");
    // The older XSLog: what the per-host cap leaves; the old XsiActionsLog: passed over.
    let xs = bundle
        .file("hosts/x1/logs/xsp/XSLog2026.12.02-09.00.00.txt")
        .unwrap();
    assert!(
        !xs.bytes.is_empty() && xs.bytes.len() < 50 * 1024,
        "{}",
        xs.bytes.len()
    );
    let total: usize = bundle
        .files
        .iter()
        .filter(|f| f.path.starts_with("hosts/x1/logs/"))
        .map(|f| f.bytes.len())
        .sum();
    assert_eq!(
        total,
        100 * 1024,
        "the per-host cap is used up, not exceeded"
    );
    assert!(
        bundle
            .file("hosts/x1/logs/xsp/XsiActionsLog2026.12.01-08.00.00.txt")
            .is_none()
    );
    let index = bundle_json(&bundle, "hosts/x1/logs.json");
    let source = |name: &str| element(&index["sources"], "name", name).clone();
    assert_eq!(source("XsiActionsLog")["older_files"], 1, "{index:#}");
    let xs_files = source("XSLog (XSP)")["files"].clone();
    let xs_rec = xs_files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == xs_path)
        .unwrap()
        .clone();
    assert_eq!(
        xs_rec["outcome"], "tail bundled (per-host cap)",
        "{xs_rec:#}"
    );
    let big_rec = source("tomcat access_log")["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == big_path)
        .unwrap()
        .clone();
    assert_eq!(
        big_rec["outcome"], "tail bundled (per-file cap)",
        "{big_rec:#}"
    );
    // The summaries list them with what became of each.
    let md = String::from_utf8_lossy(&bundle.file("summary.md").unwrap().bytes).into_owned();
    assert!(
        md.contains(&format!(
            "- x1 `{big_path}`: tail bundled (per-file cap) (65536 of {} bytes)",
            big.len()
        )),
        "{md}"
    );
    let html = String::from_utf8_lossy(&bundle.file("summary.html").unwrap().bytes).into_owned();
    assert!(
        html.contains(&format!("<code>{big_path}</code>: tail bundled")),
        "{html}"
    );
    // The logs the simulated hosts started with are there, the AS's PSLog included.
    for (host, dir, prefix) in [
        ("x1", "xsp", "XsiActionsLog"),
        ("x1", "authenticationService", "authenticationService"),
        ("a1", "appserver", "PSLog"),
        ("a1", "appserver", "XSLog"),
    ] {
        let start = format!("hosts/{host}/logs/{dir}/{prefix}");
        let f = bundle
            .files
            .iter()
            .find(|f| f.path.starts_with(&start))
            .unwrap_or_else(|| panic!("no {start}*"));
        assert!(
            String::from_utf8_lossy(&f.bytes).contains("started (xspsim)"),
            "{}",
            f.path
        );
        assert!(
            manifest_entry(&bundle, &f.path)["how"]
                .as_str()
                .unwrap()
                .contains("read over SFTP")
        );
    }

    // The AS lacks required patches: the rule names them, with the fix.
    let json = run.json();
    let found = fired(&json);
    let missing = entry(&json, "DX-PATCH-MISSING", "a1");
    assert!(
        missing["fix"]
            .as_str()
            .unwrap()
            .contains("BroadWorks patch tools"),
        "{missing:#}"
    );
    let comparison = bundle_json(&bundle, "hosts/a1/patches.json");
    let names: Vec<String> = comparison["check"]["missing"]
        .as_array()
        .unwrap_or_else(|| panic!("{comparison:#}"))
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!names.is_empty(), "{comparison:#}");
    for n in &names {
        assert!(
            missing["evidence"].as_array().unwrap().iter().any(|e| e
                .as_str()
                .unwrap()
                .starts_with(&format!("missing patch {n}"))),
            "{n}: {missing:#}"
        );
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    lab.host("a1").install_patches(&names).unwrap();
    let (again, _) = diagnose_json(&lab, &[], pb, "patched.tar.gz", &["--host", "a1"]);
    let now_found = fired(&again.json());
    assert!(
        !now_found.iter().any(|(r, _)| r == "DX-PATCH-MISSING"),
        "{now_found:?} (before: {found:?})\n{}",
        again.all()
    );
}

/// Every file of a simulated host's directory (its configuration store and its
/// file system), with its content and permission bits; the store's lock file
/// aside (it is the simulator's own, taken by every session).
fn host_files(lab: &TestLab, host: &str) -> std::collections::BTreeMap<String, (Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let dir = lab.host(host).host_dir().to_path_buf();
    lab::files_under(&dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "state.lock"))
        .map(|p| {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
            let rel = p.strip_prefix(&dir).unwrap().display().to_string();
            (rel, (std::fs::read(&p).unwrap(), mode))
        })
        .collect()
}

/// The bwcli lines a run's sessions sent (every transcript of the state
/// directory: the farm stage's and the diagnose sessions').
fn all_sent_lines(lab: &TestLab) -> Vec<String> {
    lab::files_under(&lab.dir.path().join("state/transcripts"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .flat_map(|p| lab::sent_lines(&std::fs::read_to_string(p).unwrap()))
        .collect()
}

/// diagnose on an AuthService farm (the module set, so the farm stage and the
/// key-fingerprint farm check export the keys) changes nothing on the hosts: the
/// configuration store and every file are as before, mode included (the key file
/// an operator left on x1 is put back as it was; x2's export is removed); the
/// sessions sent no bwcli command but `cd`, `get` and the transient `exportKeys`;
/// the shell ran only reads, and the patch listing once per host.
#[test]
fn diagnose_changes_nothing_on_the_hosts_and_lists_the_patches_once() {
    let (lab, pb) = authservice_farm(
        "diagnose-readonly",
        "authservice:\n  client_id: C0ffee-client\n  client_secret: env:DIAG_CLIENT_SECRET\n  refresh_token: env:DIAG_REFRESH_TOKEN\n  ci_cluster: EU\n  teams_cluster: AFRA",
    );
    let keys = "var/broadworks/tmp/authService.keys";
    for h in AUTH_FARM {
        lab.host(h)
            .install_patches(&required_patches(CatalogRelease::R22))
            .unwrap();
    }
    // x1 keeps the file an operator exported by hand (readable by all: to be
    // put back so, not "fixed"); x2 has none.
    use std::os::unix::fs::PermissionsExt;
    let left = lab.host("x1").fs_root().join(keys);
    std::fs::set_permissions(&left, std::fs::Permissions::from_mode(0o644)).unwrap();
    // x2 has none; its keys are known only to its export, and a log of the
    // window quotes them: masked all the same.
    let x2_keys = std::fs::read_to_string(lab.host("x2").fs_root().join(keys)).unwrap();
    std::fs::remove_file(lab.host("x2").fs_root().join(keys)).unwrap();
    let key_lines: Vec<&str> = x2_keys
        .lines()
        .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
        .collect();
    assert!(!key_lines.is_empty(), "{x2_keys}");
    let log: String = key_lines
        .iter()
        .map(|l| format!("loaded key {l}\n"))
        .collect();
    lab.host("x2")
        .write_log(
            "/var/broadworks/logs/authenticationService/authenticationService2026.12.02-10.00.00.txt",
            log.as_bytes(),
            SystemTime::now(),
        )
        .unwrap();
    let before: Vec<_> = AUTH_FARM.map(|h| host_files(&lab, h)).into();
    let logged: Vec<usize> = AUTH_FARM
        .iter()
        .map(|h| lab.host(h).exec_log().len())
        .collect();

    let (run, bundle) = diagnose_json(
        &lab,
        &[
            ("DIAG_CLIENT_SECRET", "s3cret-client"),
            ("DIAG_REFRESH_TOKEN", "s3cret-refresh"),
        ],
        &pb,
        "case.tar.gz",
        &[],
    );
    assert!(bundle.is_file(), "{}", run.all());
    let bundle = Bundle::read(&bundle).unwrap();
    // The farm check did export on both hosts: their keys differ (x1, listed
    // first, holds the expected value on a tie). x1 agrees with itself and shows
    // its own value; x2, the odd one, shows both (D60).
    for (h, status, shown) in [("x1", "ok", 1), ("x2", "fail", 2)] {
        let verify = bundle_json(&bundle, &format!("hosts/{h}/verify.json"));
        let check = element(&verify["checks"], "id", "authservice.key-fingerprint");
        assert_eq!(check["status"], status, "{check:#}\n{}", run.all());
        assert_eq!(
            check["evidence"].to_string().matches("sha256 ").count(),
            shown,
            "{check:#}"
        );
    }

    // The rule compares the fresh exports (x2 has no key file of its own).
    let json = run.json();
    for h in AUTH_FARM {
        let e = entry(&json, "DX-AUTHSERVICE-KEYS-DIFFER", h);
        assert!(e["fix"].as_str().unwrap().contains("importKeys"), "{e:#}");
    }
    fixes_and_sources_are_the_rules(&json);
    layout_is_documented(&bundle);
    let x2_log = "hosts/x2/logs/authenticationService/authenticationService2026.12.02-10.00.00.txt";
    assert!(bundle.file(x2_log).is_some(), "{x2_log} not bundled");
    for f in &bundle.files {
        let text = String::from_utf8_lossy(&f.bytes);
        for line in &key_lines {
            assert!(
                !text.contains(line),
                "{}: holds x2's AuthService key",
                f.path
            );
        }
    }

    for (h, before) in AUTH_FARM.iter().zip(&before) {
        let after = host_files(&lab, h);
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        assert!(changed.is_empty(), "{h}: diagnose changed {changed:?}");
    }

    let sent = all_sent_lines(&lab);
    assert!(sent.iter().any(|l| l == "exportKeys"), "{sent:?}");
    // Each diagnose session reads a context once.
    let sessions = lab::files_under(&lab.dir.path().join("state/transcripts"));
    for p in sessions
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".diagnose.log"))
    {
        let lines = lab::sent_lines(&std::fs::read_to_string(p).unwrap());
        let mut reads: Vec<&String> = lines.iter().filter(|l| l.contains(";get")).collect();
        let all = reads.len();
        reads.sort();
        reads.dedup();
        assert_eq!(
            reads.len(),
            all,
            "{}: a context read twice: {lines:?}",
            p.display()
        );
    }
    // Besides the session's own lines (the shell prompt learnt, `bwcli`
    // started, `exit` confirmed), only `cd`, `get` and `exportKeys`.
    let session = ["<enter> (learning the shell prompt)", "bwcli", "exit", "y"];
    let verbs: BTreeSet<&str> = sent
        .iter()
        .filter(|l| !session.contains(&l.as_str()))
        .flat_map(|l| l.split(';'))
        .filter_map(|c| c.split_whitespace().next())
        .collect();
    assert_eq!(
        verbs,
        BTreeSet::from(["cd", "exportKeys", "get"]),
        "{sent:?}"
    );

    for (h, from) in AUTH_FARM.iter().zip(logged) {
        let ran: Vec<String> = lab.host(h).exec_log().split_off(from);
        let listings = ran.iter().filter(|l| l.contains("listPatch.pl")).count();
        assert_eq!(listings, 1, "{h} ran {ran:?}");
        for l in &ran {
            let read = [
                "bwshowver",
                "/usr/local/broadworks/patchtool/sbin/listPatch.pl",
                "nc -z",
                "chronyc",
                "ntpq",
                "date -u",
            ]
            .iter()
            .any(|r| l.starts_with(r));
            assert!(read, "{h} ran `{l}`: {ran:?}");
        }
    }
}

/// The outcome (`fired`, `clear`, `undecided`) of `rule` on `host` in a JSON diagnosis.
fn outcome<'a>(json: &'a Value, rule: &str, host: &str) -> &'a str {
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule && r["host"] == host)
        .and_then(|r| r["outcome"].as_str())
        .unwrap_or_else(|| panic!("no result of {rule} on {host}: {json:#}"))
}

/// D07 on an R21 SP1 XSP: a Webex-like three-certificate client chain (leaf,
/// issuing CA, root) loaded with `updateTrust` under chainDepth 2 keeps two of its
/// certificates, and DX-CHAINDEPTH-LOW fires with its fix; under chainDepth 3 the
/// whole chain is kept and the rule is clear.
#[test]
fn chain_depth_two_truncates_a_three_certificate_chain_and_fires_until_three() {
    let lab = TestLab::one_host("diagnose-chaindepth", Product::Xsp, Release::R21Sp1);
    let pki = xspsim::pki::lab_ca::WebexLikePki::generate().unwrap();
    let chain = format!(
        "{}{}{}",
        pki.client.cert_pem,
        pki.issuing.cert_pem(),
        pki.root.cert_pem()
    );
    let file = "var/broadworks/tmp/webex-client-chain.pem";
    std::fs::write(lab.host("h").fs_root().join(file), &chain).unwrap();
    let load = [
        "cd /Interface/Http/ClientAuthentication/Trusts".to_string(),
        format!("updateTrust webex /{file}"),
        "get".to_string(),
    ];
    let load: Vec<&str> = load.iter().map(String::as_str).collect();
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R21SP1", "")]);
    let pb = pb.to_str().unwrap();
    let diagnose = |name: &str| {
        let (run, out) = diagnose_json(&lab, &[], pb, name, &[]);
        assert!(out.is_file(), "{}", run.all());
        run.json()
    };

    // The default chainDepth 2: two of the three certificates are kept.
    let trusts = lab.bwcli("h", &load);
    assert!(trusts.contains("webex_2"), "{trusts}");
    assert!(!trusts.contains("webex_3"), "{trusts}");
    let json = diagnose("depth2.tar.gz");
    fixes_and_sources_are_the_rules(&json);
    let depth = entry(&json, "DX-CHAINDEPTH-LOW", "h");
    assert!(
        depth["fix"]
            .as_str()
            .unwrap()
            .contains("`cd /Interface/Http/ClientAuthentication; set chainDepth 3`"),
        "{depth:#}"
    );
    assert_eq!(
        depth["evidence"][0],
        "/Interface/Http/ClientAuthentication: chainDepth = 2"
    );

    // chainDepth 3, the chain loaded again: all three kept, the rule clear.
    bwcli_done(
        &lab,
        "h",
        &[
            "cd /Interface/Http/ClientAuthentication",
            "set chainDepth 3",
        ],
        1,
    );
    let trusts = lab.bwcli("h", &load);
    assert!(trusts.contains("webex_3"), "{trusts}");
    let json = diagnose("depth3.tar.gz");
    assert!(
        !fired(&json).iter().any(|(r, _)| r == "DX-CHAINDEPTH-LOW"),
        "{:#}",
        json["fired"]
    );
    assert_eq!(outcome(&json, "DX-CHAINDEPTH-LOW", "h"), "clear");
}

/// The TLS rules on one R22 XSP: its HTTP interface lists only TLS 1.1 (no TLS 1.2
/// handshake: DX-TLS12-REFUSED), its CTI interface serves a certificate that
/// expires in 30 days (DX-CERT-EXPIRING, not DX-CERT-EXPIRED) and accepts the
/// provider default CBC-SHA1 suites the guide's rule excludes (DX-TLS-WEAK-SUITE);
/// each fires with its fix and source, `--offline` agrees.
#[test]
fn tls12_refused_a_certificate_near_expiry_and_weak_suites_fire_their_rules() {
    let lab = TestLab::one_host("diagnose-tls-rules", Product::Xsp, Release::R22);
    let (ip, http, cti) = (lab.address("h"), lab.https_port("h"), lab.cti_port("h"));
    let (key, cert) = self_signed("h.example.com", 30);
    let install_expiring = certificate_upload(&lab, "h", &key, &cert);
    bwcli_done(
        &lab,
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {http} TLSv1.1"),
            "cd /Interface/CTI/SSLSettings/Certificates",
            &install_expiring,
        ],
        2,
    );
    assert_eq!(lab.host("h").exec("restartbw").status, 0);
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", "")]);
    let (live, out) = diagnose_json(&lab, &[], pb.to_str().unwrap(), "case.tar.gz", &[]);
    let out = out.to_str().unwrap();
    live.exits(2);
    let json = live.json();
    let found = fired(&json);
    for (rule, fix, source, evidence) in [
        (
            "DX-TLS12-REFUSED",
            "Enable TLS 1.2",
            "D02",
            format!("fail tls.accepts-tls12 HTTP {ip}:{http}"),
        ),
        (
            "DX-CERT-EXPIRING",
            "before it expires",
            "D28",
            format!("warn tls.certificate-expiry CTI {ip}:{cti}"),
        ),
        (
            "DX-TLS-WEAK-SUITE",
            "List the suites by IANA name",
            "A §5.2",
            format!("fail tls.refuses-suite CTI {ip}:{cti}"),
        ),
    ] {
        let e = entry(&json, rule, "h");
        assert!(e["fix"].as_str().unwrap().contains(fix), "{e:#}");
        assert!(e["source"].as_str().unwrap().contains(source), "{e:#}");
        assert!(
            e["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l.as_str().unwrap().starts_with(&evidence)),
            "{rule}: no evidence `{evidence}`: {e:#}"
        );
    }
    assert!(
        !found.iter().any(|(r, _)| r == "DX-CERT-EXPIRED"),
        "{found:?}"
    );
    fixes_and_sources_are_the_rules(&json);
    let offline = lab.xspctl(&["diagnose", "--offline", out, "--format", "json"]);
    offline.exits(2);
    assert_eq!(offline.json()["fired"], json["fired"]);
}

/// Each fired entry of a JSON diagnosis carries its rule's symptom, cause, fix and
/// source as the rule files give them.
fn fixes_and_sources_are_the_rules(json: &Value) {
    let rules = xspctl::diagnose::rule_set().unwrap();
    for f in json["fired"].as_array().unwrap() {
        let rule = rules
            .iter()
            .find(|r| f["rule"] == r.id.as_str())
            .unwrap_or_else(|| panic!("no rule {}", f["rule"]));
        for (field, want) in [
            ("symptom", &rule.symptom),
            ("cause", &rule.cause),
            ("fix", &rule.fix),
            ("source", &rule.source),
        ] {
            assert_eq!(f[field], want.as_str(), "{f:#}");
        }
        assert!(!f["evidence"].as_array().unwrap().is_empty(), "{f:#}");
    }
}

/// Every file of the bundle is listed in docs/diagnose.md's bundle layout (host
/// names, interfaces and file names as the table's placeholders).
fn layout_is_documented(bundle: &Bundle) {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnose.md")).unwrap();
    let layout = &doc[doc.find("## Bundle layout").unwrap()..doc.find("## Redaction").unwrap()];
    let mut paths: Vec<&str> = bundle.files.iter().map(|f| f.path.as_str()).collect();
    paths.push("manifest.json");
    for path in paths {
        let parts: Vec<&str> = path.splitn(4, '/').collect();
        let pattern = match parts.as_slice() {
            ["hosts", _, "certificates", _] => {
                "hosts/<host>/certificates/<endpoint>-<address>-<port>.pem".to_string()
            }
            ["hosts", _, "configured-certificates", _] => {
                "hosts/<host>/configured-certificates/<file>.pem".to_string()
            }
            ["hosts", _, "logs", _] => "hosts/<host>/logs/<dir>/<file>".to_string(),
            ["hosts", _, file] => format!("hosts/<host>/{file}"),
            _ => path.to_string(),
        };
        assert!(
            layout.contains(&format!("`{pattern}`")),
            "{path}: not in docs/diagnose.md's bundle layout (as `{pattern}`)"
        );
    }
}
