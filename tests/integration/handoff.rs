//! `xspctl handoff` (issue #11 check 9): the URLs an operator enters in Partner
//! Hub, built from the playbook's name for the host and the host's interfaces,
//! each proven through xspsim as Webex calls it — the name resolved by the lab's
//! DNS, TLS with a chain valid for it, the HTTP path answered — and failing when
//! an application is not deployed (404) or the port is closed.
use crate::lab;

use lab::{Run, TestLab};
use serde_json::Value;
use xspsim::host::{Product, Release};

const FQDN: &str = "h.lab.xspctl.test";

fn lab(test: &str) -> TestLab {
    TestLab::one_host(test, Product::Xsp, Release::R22)
}

/// The lab's host as `FQDN`, resolved by the lab's DNS server.
fn playbook(lab: &TestLab) -> String {
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", "")]);
    let connection = lab.connection("h");
    let text = std::fs::read_to_string(&pb)
        .unwrap()
        .replace(&connection, &format!("{connection}\n        fqdn: {FQDN}"))
        + &format!("  dns:\n    resolvers: [\"{}\"]\n", lab.dns_address());
    std::fs::write(&pb, text).unwrap();
    pb.to_str().unwrap().to_string()
}

fn handoff_json(lab: &TestLab, pb: &str) -> Run {
    lab.xspctl(&["handoff", "-f", pb, "--format", "json"])
}

/// The finding `id` of the run's only host.
#[track_caller]
fn finding(run: &Run, id: &str) -> Value {
    let json = run.json();
    let all: Vec<Value> = json["hosts"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks: {}", run.all()))
        .iter()
        .filter(|c| c["id"] == id)
        .cloned()
        .collect();
    assert_eq!(all.len(), 1, "{id}: {all:#?}\n{}", run.all());
    all[0].clone()
}

#[track_caller]
fn assert_finding(run: &Run, id: &str, status: &str, observed: &str) -> Value {
    let f = finding(run, id);
    assert_eq!(f["status"], status, "{f:#}");
    assert!(
        f["observed"]
            .as_str()
            .unwrap_or_default()
            .contains(observed),
        "observed lacks {observed:?}: {f:#}"
    );
    f
}

/// The version of an application in the host's ManagedObjects table.
fn app_version(lab: &TestLab, name: &str) -> String {
    let out = lab.bwcli("h", &["cd /Maintenance/ManagedObjects", "get"]);
    out.lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(name)).then(|| words.next().map(str::to_string))?
        })
        .unwrap_or_else(|| panic!("no {name} in\n{out}"))
}

#[test]
fn every_url_answers_once_deployed_and_a_missing_application_fails() {
    let lab = lab("handoff-urls");
    let pb = playbook(&lab);
    let (http, cti) = (lab.https_port("h"), lab.cti_port("h"));
    let base = format!("https://{FQDN}:{http}");

    // The text report: each URL with its verdict, then the cluster's sheet. A fresh
    // host has AuthService installed, not deployed: its URL answers 404.
    let text = lab.xspctl(&["handoff", "-f", &pb]);
    text.exits(2)
        .prints(&format!(
            "ok   handoff.xsi-actions {base}/com.broadsoft.xsi-actions/v2.0/: HTTP/1.1 200 OK at "
        ))
        .prints(&format!(
            "FAIL handoff.authservice {base}/authService: HTTP/1.1 404 Not Found at "
        ))
        .prints("no application answers at this path")
        .prints("cluster farm-h\n  host h\n")
        .prints(&format!(
            "    Xsi-Events   {base}/com.broadsoft.xsi-events/v2.0/  ok\n"
        ))
        .prints(&format!("    CTI          https://{FQDN}:{cti}  ok\n"))
        .prints(&format!("    AuthService  {base}/authService  fail\n"))
        .prints(&format!("    DMS          {base}/dms/  ok\n"));
    // Only the hand-off checks are made.
    assert!(!text.stdout.contains("config.drift"), "{}", text.all());

    // Deployed, AuthService answers too: all five pass.
    let version = app_version(&lab, "AuthenticationService");
    lab.bwcli(
        "h",
        &[
            "cd /Maintenance/ManagedObjects",
            &format!("activate application AuthenticationService {version} /authService"),
            "deploy application /authService",
        ],
    );
    let ready = handoff_json(&lab, &pb);
    ready.exits(0);
    for id in [
        "handoff.xsi-actions",
        "handoff.xsi-events",
        "handoff.authservice",
        "handoff.dms",
    ] {
        let f = assert_finding(&ready, id, "ok", "HTTP/1.1 200 OK");
        let evidence = f["evidence"].to_string();
        assert!(
            evidence.contains(&format!("{FQDN} A: A {}", lab.address("h"))),
            "{f:#}"
        );
    }
    let cti_finding = assert_finding(&ready, "handoff.cti", "ok", "mutual TLS completed");
    assert_eq!(cti_finding["subject"], format!("https://{FQDN}:{cti}"));
    assert_eq!(
        finding(&ready, "handoff.authservice")["subject"],
        format!("{base}/authService")
    );

    // Xsi-Actions undeployed: its URL answers 404 and the run fails.
    lab.bwcli(
        "h",
        &[
            "cd /Maintenance/ManagedObjects",
            "undeploy application /com.broadsoft.xsi-actions",
        ],
    );
    let missing = handoff_json(&lab, &pb);
    missing.exits(2);
    let f = assert_finding(&missing, "handoff.xsi-actions", "fail", "404 Not Found");
    assert!(
        f["fix"]
            .as_str()
            .unwrap_or_default()
            .contains("deploy application"),
        "{f:#}"
    );
    assert_finding(&missing, "handoff.xsi-events", "ok", "200 OK");
}

#[test]
fn a_closed_port_and_a_name_that_does_not_resolve_fail() {
    let lab = lab("handoff-closed");
    let pb = playbook(&lab);
    // The CTI interface moved to a port nothing listens on yet (a restart would
    // open it): Webex's connection is refused.
    let closed = std::net::TcpListener::bind((lab.address("h"), 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    lab.bwcli(
        "h",
        &["cd /Interface/CTI", &format!("set securePort {closed}")],
    );
    let run = handoff_json(&lab, &pb);
    run.exits(2);
    let f = assert_finding(&run, "handoff.cti", "fail", "no TLS at ");
    assert_eq!(f["subject"], format!("https://{FQDN}:{closed}"));
    assert!(
        f["observed"].as_str().unwrap().contains("connect: "),
        "{f:#}"
    );

    // A name the DNS does not know: nothing can be reached by it.
    let unknown = std::fs::read_to_string(&pb)
        .unwrap()
        .replace(FQDN, "nobody.lab.xspctl.test");
    let pb2 = lab.dir.path().join("unknown.yaml");
    std::fs::write(&pb2, unknown).unwrap();
    let run = handoff_json(&lab, pb2.to_str().unwrap());
    run.exits(2);
    assert_finding(
        &run,
        "handoff.xsi-actions",
        "fail",
        "nobody.lab.xspctl.test does not resolve to IPv4",
    );
}
