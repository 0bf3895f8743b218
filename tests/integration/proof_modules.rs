//! The xsi_events, directory_sync and allow_client_app modules on the registry,
//! per release, through the real path: playbook → SSH → bwcli (xspsim) → plan /
//! apply → an independent read of the host.
use crate::lab;

use lab::{Spec, TestLab};
use xspsim::host::{Product, Release};

const MODULES: &str = "xsi_events: {}
directory_sync: {}
allow_client_app: true";

/// The value of attribute `name` in `context` of `host`, read with the
/// simulator's own CLI.
fn on_host(lab: &TestLab, host: &str, context: &str, name: &str) -> String {
    let out = lab.bwcli(host, &[&format!("cd {context}"), "get"]);
    out.lines()
        .find_map(|l| {
            let (n, v) = l.split_once('=')?;
            (n.split_whitespace().last() == Some(name)).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("{name} not in {out}"))
}

fn set_on_host(lab: &TestLab, context: &str, name: &str, value: &str) {
    let out = lab.bwcli(
        "h",
        &[&format!("cd {context}"), &format!("set {name} {value}")],
    );
    assert!(out.contains("...Done"), "{out}");
}

const EVENTS: &str = "/Applications/Xsi-Events/BWIntegration";
const OVERLOAD: &str = "/Applications/Xsi-Actions/OverloadControl";
const LIMITS: &str = "/System/CommunicationUtility/DefaultSettings";
const PAGING: &str = "/Applications/Xsi-Actions/Paging";
const CERT_AUTH: &str =
    "/System/CommunicationUtility/DefaultSettings/ExternalAuthentication/CertificateAuthentication";

/// A fresh host with some values above the guide's minimums: apply raises what is
/// too low, keeps what is higher, clears a directory limit under 5, and a second
/// plan is empty.
fn converge(test: &str, product: Product, release: Release, pb: (&str, &str)) {
    let lab = TestLab::one_host(test, product, release);
    // Behind xspctl's back: a queue above the minimum, a global directory limit of
    // 20 (>= 5: kept), a user directory limit of 3 (< 5: cleared).
    set_on_host(&lab, EVENTS, "eventQueueSize", "5000");
    set_on_host(&lab, OVERLOAD, "userDirectoryTransactionLimit", "3");
    set_on_host(&lab, OVERLOAD, "globalDirectoryTransactionLimit", "20");
    let pb = lab.playbook("pb.yaml", &[("h", pb.0, pb.1, MODULES)]);
    let pb = pb.to_str().unwrap();

    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(0)
        .prints(&format!("  {EVENTS}>\n    ~ set eventHandlerThreadCount 50  (was: 20; wanted: at least 50)\n"))
        .prints(&format!(
            "  {OVERLOAD}>\n    ~ clear userDirectoryTransactionLimit  (was: 3; wanted: null, or at least 5)\n"
        ))
        .prints("~ set userTransactionLimit 100  (was: 20; wanted: at least 100)")
        .prints("~ set transactionLimitPeriodSecs 1  (was: 10)")
        .prints("~ set defaultPageSize 50  (was: 20)")
        .prints("~ set availableUserMaxLimit 100  (was: 50)")
        .prints("~ set allowClientApp true  (was: false)");
    assert!(!plan.stdout.contains("eventQueueSize"), "{}", plan.all());
    assert!(
        !plan.stdout.contains("globalDirectoryTransactionLimit"),
        "{}",
        plan.all()
    );

    // The Xsi-Events queue settings take effect after a restart (guide A §6).
    lab.xspctl(&["apply", "-f", pb, "--yes"]).exits(2);
    assert_eq!(on_host(&lab, "h", EVENTS, "eventQueueSize"), "5000");
    assert_eq!(on_host(&lab, "h", EVENTS, "eventHandlerThreadCount"), "50");
    assert_eq!(
        on_host(&lab, "h", OVERLOAD, "userDirectoryTransactionLimit"),
        ""
    );
    assert_eq!(
        on_host(&lab, "h", OVERLOAD, "globalDirectoryTransactionLimit"),
        "20"
    );
    assert_eq!(on_host(&lab, "h", LIMITS, "userTransactionLimit"), "100");
    assert_eq!(
        on_host(&lab, "h", LIMITS, "transactionLimitPeriodSecs"),
        "1"
    );
    assert_eq!(on_host(&lab, "h", PAGING, "defaultPageSize"), "50");
    assert_eq!(on_host(&lab, "h", PAGING, "availableUserMaxLimit"), "100");
    assert_eq!(on_host(&lab, "h", CERT_AUTH, "allowClientApp"), "true");

    let again = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}

#[test]
fn r21_sp1_xsp_converges() {
    converge("pm_r21", Product::Xsp, Release::R21Sp1, ("xsp", "R21SP1"));
}

#[test]
fn r22_xsp_converges() {
    converge("pm_r22", Product::Xsp, Release::R22, ("xsp", "R22"));
}

#[test]
fn r23_xsp_converges() {
    converge("pm_r23", Product::Xsp, Release::R23, ("xsp", "R23"));
}

#[test]
fn r24_xsp_converges() {
    converge("pm_r24", Product::Xsp, Release::R24, ("xsp", "R24"));
}

#[test]
fn adp_converges() {
    converge("pm_adp", Product::Adp, Release::Adp, ("adp", "ADP"));
}

/// A host at 1000 goes to 2000; once there, the next plan leaves it.
#[test]
fn a_queue_below_the_minimum_is_raised_to_it() {
    let lab = TestLab::one_host("pm_queue", Product::Xsp, Release::R23);
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "xsi_events: {}")]);
    let pb = pb.to_str().unwrap();
    assert_eq!(on_host(&lab, "h", EVENTS, "eventQueueSize"), "1000");
    lab.xspctl(&["apply", "-f", pb, "--yes"]).exits(2);
    assert_eq!(on_host(&lab, "h", EVENTS, "eventQueueSize"), "2000");
    let again = lab.xspctl(&["plan", "-f", pb]);
    assert!(again.stdout.contains(" 0 changes"), "{}", again.all());
}

/// A farm of R23 XSPs `hosts`, the first of them the reference host, with `webex`
/// as given.
fn farm_playbook(lab: &TestLab, webex: &str, hosts: &[&str]) -> String {
    let mut text = format!(
        "version: 1\nfarms:\n{}",
        lab::farm_head("xsp-farm", "xsp", "R23", "[xsi]", webex)
    );
    for name in hosts {
        text.push_str(&lab.host_entry(name));
    }
    let path = lab.dir.path().join("farm.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn two_xsps(test: &str) -> TestLab {
    let spec = |name| Spec {
        name,
        product: Product::Xsp,
        release: Release::R23,
    };
    TestLab::start(test, &[spec("a"), spec("b")])
}

const GENERAL: &str = "/Applications/Xsi-Events/GeneralSettings";

/// Without a name in the playbook, the farm stage reads the reference host's
/// call-control application name and the other hosts take it; a second plan is
/// empty, and `--host b` alone still takes the reference host's name.
#[test]
fn the_farm_takes_the_reference_hosts_call_control_name() {
    let lab = two_xsps("pm_farm_stage");
    let out = lab.bwcli(
        "a",
        &[
            &format!("cd {GENERAL}"),
            "set callControlApplicationName com.example.events",
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let pb = farm_playbook(&lab, "xsi_events: {}", &["a", "b"]);

    let plan = lab.xspctl(&["plan", "-f", &pb, "--host", "b"]);
    plan.exits(0).prints(&format!(
        "  {GENERAL}>\n    ~ set callControlApplicationName com.example.events  (was: com.broadsoft.xsi-events)\n"
    ));
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(2);
    assert_eq!(
        on_host(&lab, "b", GENERAL, "callControlApplicationName"),
        "com.example.events"
    );
    assert_eq!(
        on_host(&lab, "a", GENERAL, "callControlApplicationName"),
        "com.example.events"
    );
    let again = lab.xspctl(&["plan", "-f", &pb]);
    assert!(
        !again.stdout.contains("callControlApplicationName"),
        "{}",
        again.all()
    );
}

/// A reference host that cannot be read fails every host that needs its farm
/// stage, naming the reference host, and nothing is written anywhere.
#[test]
fn an_unreadable_reference_host_fails_the_farm_and_writes_nothing() {
    let lab = two_xsps("pm_farm_down");
    let pb = farm_playbook(&lab, "xsi_events: {}", &["a", "b"]);
    // Refuse logins on the reference host.
    let text = std::fs::read_to_string(&pb)
        .unwrap()
        .replacen("user: bwadmin", "user: nobody", 1);
    std::fs::write(&pb, text).unwrap();
    let run = lab.xspctl(&["apply", "-f", &pb, "--yes", "--host", "b"]);
    run.exits(1)
        .prints("farm xsp-farm: its reference host a could not be read");
    assert_eq!(
        on_host(&lab, "b", EVENTS, "eventHandlerThreadCount"),
        "20",
        "{}",
        run.all()
    );
}

/// verify compares the call-control name across the farm: the host that differs
/// from the others fails `xsi-events.call-control-name`, with every host's value
/// as evidence; the others pass it.
#[test]
fn verify_names_the_host_whose_call_control_name_differs() {
    let spec = |name| Spec {
        name,
        product: Product::Xsp,
        release: Release::R23,
    };
    let lab = TestLab::start("pm_farm_check", &[spec("a"), spec("b"), spec("c")]);
    let pb = farm_playbook(
        &lab,
        "xsi_events: { call_control_application_name: com.broadsoft.xsi-events }",
        &["a", "b", "c"],
    );
    let pb = pb.as_str();
    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let out = lab.bwcli(
        "b",
        &[
            &format!("cd {GENERAL}"),
            "set callControlApplicationName com.example.other",
        ],
    );
    assert!(out.contains("...Done"), "{out}");

    let run = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    run.exits(2);
    let finding = |host: &str| run.host_finding(host, "xsi-events.call-control-name", "");
    let odd = finding("b");
    assert_eq!(odd["status"], "fail", "{odd}");
    assert_eq!(odd["host"], "b");
    assert_eq!(odd["observed"], "b holds \"com.example.other\"");
    assert!(
        odd["expected"]
            .as_str()
            .unwrap()
            .starts_with("\"com.broadsoft.xsi-events\" as on a, c"),
        "{odd}"
    );
    assert_eq!(
        odd["evidence"],
        serde_json::json!([
            "a: \"com.broadsoft.xsi-events\"",
            "b: \"com.example.other\"",
            "c: \"com.broadsoft.xsi-events\""
        ])
    );
    assert!(
        odd["fix"]
            .as_str()
            .unwrap()
            .contains("call_control_application_name")
    );
    for host in ["a", "c"] {
        assert_eq!(finding(host)["status"], "ok", "{}", run.all());
    }
}
