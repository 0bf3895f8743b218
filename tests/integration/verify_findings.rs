//! verify's findings through the real path (issue #8, item 6): a warning shows in
//! text, JSON and JUnit as a non-failure and makes `verify --strict` fail; an error
//! finding carries its evidence and its fix; every finding names its host.
use crate::lab;

use lab::{Run, TLS_INTERFACE, TestLab};
use serde_json::Value;
use xspsim::host::{Product, Release};

fn one_host(test: &str) -> TestLab {
    TestLab::one_host(test, Product::Xsp, Release::R22)
}

/// The findings of the only host of a JSON report.
fn findings(run: &Run) -> Vec<Value> {
    run.json()["hosts"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks\n{}", run.all()))
        .clone()
}

/// The finding with `id` about `subject`.
fn finding<'a>(all: &'a [Value], id: &str, subject: &str) -> &'a Value {
    all.iter()
        .find(|f| f["id"] == id && f["subject"] == subject)
        .unwrap_or_else(|| panic!("no {id} {subject} in {all:#?}"))
}

/// The XML of the JUnit test case named `name`, up to its end.
fn junit_case<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml
        .find(&format!("<testcase name=\"{name}\""))
        .unwrap_or_else(|| panic!("no test case {name:?} in\n{xml}"));
    let rest = &xml[start..];
    let end = rest
        .find("</testcase>")
        .map_or_else(|| rest.find("/>").unwrap() + 2, |e| e + "</testcase>".len());
    &rest[..end]
}

/// A CTI interface that requires client certificates, with the playbook applied:
/// verify cannot complete the TLS 1.2 handshake, so TLS 1.2 is not proven (a
/// warning), while everything else passes.
#[test]
fn a_warning_is_not_a_failure_unless_strict() {
    let lab = one_host("findings-warning");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, cti) = (lab.address("h"), lab.cti_port("h"));
    lab.bwcli(
        "h",
        &[
            "cd /Interface/CTI/SSLSettings",
            &format!("set {ip} clientAuthReq true"),
        ],
    );
    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let subject = format!("CTI {ip}:{cti} TLSv1.2");
    let case = format!("tls.accepts-tls12 {subject}");

    // Text: the WARN line, marked as not a failure; the host is ok; exit 0.
    let text = lab.xspctl(&["verify", "-f", pb]);
    text.exits(0)
        .prints(&format!(
            "WARN {case}: client certificate required; not proven"
        ))
        .prints("a warning: not a failure (`verify --strict` counts it as one)")
        .prints("evidence: ")
        .prints("the server sent a CertificateRequest")
        .prints("checks passed, 1 warning");
    assert!(!text.stdout.contains("FAIL"), "{}", text.all());

    // JSON: status `warn`, severity `warning`, about host `h`; the run is ok.
    let json = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    json.exits(0);
    let doc = json.json();
    assert_eq!(doc["exit_code"], 0, "{}", json.stdout);
    assert_eq!(doc["hosts"][0]["status"], "ok");
    assert_eq!(doc["summary"]["severity"]["warning"], 1, "{}", json.stdout);
    assert!(
        doc["summary"]["severity"]["error"].is_null(),
        "{}",
        json.stdout
    );
    let all = findings(&json);
    let warn = finding(&all, "tls.accepts-tls12", &subject);
    assert_eq!(warn["status"], "warn");
    assert_eq!(warn["severity"], "warning");
    assert_eq!(warn["host"], "h");
    let evidence = warn["evidence"][0].as_str().unwrap();
    assert!(
        evidence.starts_with(&format!("{ip}:{cti} offered TLSv1.2 with ")),
        "{evidence}"
    );
    assert!(evidence.contains("CertificateRequest"), "{evidence}");
    assert!(warn["fix"].as_str().unwrap().contains("openssl s_client"));
    // Every other finding passed, as information.
    for f in all.iter().filter(|f| f["status"] != "warn") {
        assert_eq!(
            (&f["status"], &f["severity"]),
            (&"ok".into(), &"info".into())
        );
    }

    // JUnit: a passing test case with a system-out note; no failure in the suite.
    let junit = lab.xspctl(&["verify", "-f", pb, "--format", "junit"]);
    junit.exits(0).prints("failures=\"0\"");
    let xml = junit_case(&junit.stdout, &case);
    assert!(
        xml.contains("<system-out>warning: client certificate required"),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");

    // --strict: the same warning fails the run, in every format.
    let strict = lab.xspctl(&["verify", "-f", pb, "--strict"]);
    strict
        .exits(2)
        .prints(&format!("WARN {case}"))
        .prints("a warning: counted as a failure (--strict)")
        .prints("findings");
    let strict_json = lab.xspctl(&["verify", "-f", pb, "--strict", "--format", "json"]);
    strict_json.exits(2);
    let doc = strict_json.json();
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["hosts"][0]["status"], "findings");
    let all = findings(&strict_json);
    let warn = finding(&all, "tls.accepts-tls12", &subject);
    assert_eq!(
        (&warn["status"], &warn["severity"]),
        (&"warn".into(), &"error".into())
    );
    let strict_junit = lab.xspctl(&["verify", "-f", pb, "--strict", "--format", "junit"]);
    strict_junit.exits(2).prints("failures=\"1\"");
    let xml = junit_case(&strict_junit.stdout, &case);
    assert!(xml.contains("<failure"), "{xml}");
}

/// A fresh host with the provider defaults, against a playbook that wants TLS 1.2
/// only: drift and exposure are errors, each with the raw observation and the fix.
#[test]
fn an_error_finding_carries_evidence_and_fix_in_json() {
    let lab = one_host("findings-error");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let run = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    run.exits(2);
    let doc = run.json();
    assert_eq!(doc["hosts"][0]["status"], "findings");
    assert!(doc["summary"]["severity"]["error"].as_u64().unwrap() >= 2);
    let all = findings(&run);

    let drift = finding(&all, "config.drift", "configuration");
    assert_eq!(
        (&drift["status"], &drift["severity"]),
        (&"fail".into(), &"error".into())
    );
    assert_eq!(drift["host"], "h");
    let evidence: Vec<&str> = drift["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    // One line per command apply would send, in its context, then what the host
    // serves now where that changes: the provider defaults, TLS 1.0 included.
    let protocols =
        format!("/Interface/Http/HttpServer/SSLSettings/Protocols> add {ip} {http} TLSv1.2");
    assert!(evidence.contains(&protocols.as_str()), "{evidence:#?}");
    let commands = evidence.iter().filter(|e| e.contains("> ")).count();
    assert_eq!(
        drift["observed"],
        format!("{commands} differences"),
        "{drift:#}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.contains(" is now TLSv1, ")
                && e.ends_with("the playbook's: TLSv1.2 (interface)")),
        "{evidence:#?}"
    );
    assert!(
        drift["fix"]
            .as_str()
            .unwrap()
            .contains("xspctl apply -f PLAYBOOK")
    );

    let tls1 = finding(
        &all,
        "tls.refuses-protocol",
        &format!("HTTP {ip}:{http} TLSv1"),
    );
    assert_eq!(
        (&tls1["status"], &tls1["severity"]),
        (&"fail".into(), &"error".into())
    );
    assert_eq!(tls1["host"], "h");
    let evidence = tls1["evidence"][0].as_str().unwrap();
    assert!(
        evidence.starts_with(&format!(
            "{ip}:{http} offered TLSv1 with every suite: handshake completed: TLSv1 TLS_"
        )),
        "{evidence}"
    );
    assert!(
        tls1["fix"]
            .as_str()
            .unwrap()
            .contains("xspctl plan -f PLAYBOOK --host h"),
        "{tls1:#}"
    );
    assert_eq!(
        tls1["source"],
        "solution guide A §5.2 (L1126-1136); guide B §3"
    );
}

/// `verify --check`: a fresh host fails drift and TLS; selecting `config.drift`
/// reports drift alone (and makes no handshake), selecting `tls.*` reports TLS
/// findings alone; an id that names no check is refused before any host is read.
#[test]
fn check_selects_the_findings_made_and_reported() {
    let lab = one_host("findings-select");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let ids = |run: &Run| -> Vec<String> {
        findings(run)
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };

    let drift = lab.xspctl(&[
        "verify",
        "-f",
        pb,
        "--check",
        "config.drift",
        "--format",
        "json",
    ]);
    drift.exits(2);
    assert_eq!(ids(&drift), ["config.drift"], "{}", drift.stdout);
    assert_eq!(drift.json()["hosts"][0]["status"], "findings");
    let text = lab.xspctl(&["verify", "-f", pb, "--check", "config.drift"]);
    text.exits(2);
    assert!(!text.stdout.contains("TLS handshakes"), "{}", text.all());
    assert!(!text.all().contains("tls."), "{}", text.all());

    let tls = lab.xspctl(&["verify", "-f", pb, "--check", "tls.*", "--format", "json"]);
    tls.exits(2);
    let tls_ids = ids(&tls);
    assert!(
        tls_ids.iter().all(|id| id.starts_with("tls.")),
        "{tls_ids:?}"
    );
    assert!(
        tls_ids.iter().any(|id| id == "tls.refuses-protocol"),
        "{tls_ids:?}"
    );

    // Both, comma-separated: the union.
    let both = lab.xspctl(&[
        "verify",
        "-f",
        pb,
        "--check",
        "config.drift,tls.accepts-tls12",
        "--format",
        "json",
    ]);
    let both_ids = ids(&both);
    assert!(
        both_ids.contains(&"config.drift".to_string()),
        "{both_ids:?}"
    );
    assert!(
        both_ids
            .iter()
            .all(|id| id == "config.drift" || id == "tls.accepts-tls12"),
        "{both_ids:?}"
    );

    lab.xspctl(&["verify", "-f", pb, "--check", "tls.nope"])
        .exits(1)
        .complains("--check \"tls.nope\": no such check")
        .complains("config.drift");
}

/// The pages: `--format markdown` prints the ticket summary (the host's row, each
/// finding that did not pass with its fix); `--format html --out FILE` writes one
/// self-contained page with the hosts × checks grid, and prints nothing else.
#[test]
fn markdown_and_html_reports_show_the_findings() {
    let lab = one_host("findings-pages");
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    let md = lab.xspctl(&["verify", "-f", pb, "--format", "markdown"]);
    md.exits(2)
        .prints("# xspctl verify: run ")
        .prints("| h | farm-h | findings |")
        .prints(&format!(
            "- **FAIL** `tls.refuses-protocol` HTTP {ip}:{http} TLSv1: "
        ))
        .prints("  - fix: ");

    let file = lab.dir.path().join("verify.html");
    let html = lab.xspctl(&[
        "verify",
        "-f",
        pb,
        "--format",
        "html",
        "--out",
        file.to_str().unwrap(),
    ]);
    html.exits(2).complains("report written to ");
    assert!(html.stdout.is_empty(), "{}", html.all());
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<th class=\"check\">tls.refuses-protocol</th>"));
    assert!(page.contains(&format!(
        "<code>tls.refuses-protocol</code> HTTP {ip}:{http} TLSv1:"
    )));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "external reference"
    );
}
