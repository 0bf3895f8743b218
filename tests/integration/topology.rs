//! Topology rules (solution guide A §2, §3.2, §3.4; guide B §7.2), each firing and
//! not firing. At validate time the playbook alone decides: a located error, no
//! host touched. At plan and verify time the host decides (the applications it has
//! active): a warning in the plan and a `topology.applications` finding.
use std::path::Path;

use xspctl::playbook::load_str;

const HEAD: &str = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n";

/// The diagnostics of a playbook with these farm lines, or "" when it loads.
fn validate(farms: &str) -> String {
    match load_str(Path::new("inline.yaml"), &format!("{HEAD}{farms}")) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn nps_shares_its_farm_with_no_other_role() {
    assert_eq!(
        validate(
            "- { name: n, product: xsp, release: R22, roles: [xsi, nps], hosts: [{ name: n1, address: 192.0.2.3 }] }\n"
        ),
        "inline.yaml:4:55: error: farm `n`: NPS must not be co-located with other applications (solution guide A §3.4; B §0)\n  help: put `nps` in a farm of its own: a dedicated NPS XSP or ADP"
    );
    assert_eq!(
        validate(
            "- { name: n, product: xsp, release: R22, roles: [nps], hosts: [{ name: n1, address: 192.0.2.3 }] }\n\
                  - { name: x, product: xsp, release: R22, roles: [xsi, authservice, cti, dms], hosts: [{ name: x1, address: 192.0.2.4 }] }\n"
        ),
        ""
    );
}

#[test]
fn authservice_runs_with_xsi() {
    assert_eq!(
        validate(
            "- { name: x, product: xsp, release: R23, roles: [authservice, cti], hosts: [{ name: x1, address: 192.0.2.4 }] }\n"
        ),
        "inline.yaml:4:50: error: farm `x`: AuthService must run with Xsi, which accepts the tokens it validates (solution guide A §3.4)\n  help: add `xsi` to the roles"
    );
    assert_eq!(
        validate(
            "- { name: x, product: xsp, release: R23, roles: [xsi, authservice], hosts: [{ name: x1, address: 192.0.2.4 }] }\n"
        ),
        ""
    );
}

#[test]
fn nps_needs_r22_or_later() {
    assert_eq!(
        validate(
            "- { name: n, product: xsp, release: R21SP1, roles: [nps], hosts: [{ name: n1, address: 192.0.2.3 }] }\n"
        ),
        "inline.yaml:4:37: error: farm `n`: the NPS server for Webex needs R22 or later, not R21 SP1 (solution guide A §2)\n  help: run NPS on an R22+ XSP or an ADP"
    );
    // A host's own release is checked where it is written.
    assert_eq!(
        validate(
            "- { name: n, product: xsp, release: R22, roles: [nps], hosts: [{ name: n1, address: 192.0.2.3, release: R21SP1 }] }\n"
        ),
        "inline.yaml:4:105: error: farm `n`: the NPS server for Webex needs R22 or later, not R21 SP1 (solution guide A §2)\n  help: run NPS on an R22+ XSP or an ADP"
    );
    for ok in [
        "product: xsp, release: R22",
        "product: xsp, release: R24",
        "product: adp, release: ADP",
    ] {
        assert_eq!(
            validate(&format!(
                "- {{ name: n, {ok}, roles: [nps], hosts: [{{ name: n1, address: 192.0.2.3 }}] }}\n"
            )),
            "",
            "{ok}"
        );
    }
}

#[test]
fn a_farm_runs_one_release_or_two_adjacent_ones() {
    let farm = |hosts: &str| {
        format!("- name: x\n  product: xsp\n  release: R22\n  roles: [xsi]\n  hosts:\n{hosts}")
    };
    assert_eq!(
        validate(&farm(
            "  - { name: x1, address: 192.0.2.4 }\n  - { name: x2, address: 192.0.2.5, release: R24 }\n"
        )),
        "inline.yaml:10:46: error: farm `x`: host `x2` runs R24 and host `x1` runs R22; a farm's hosts run one release, or two adjacent ones while a rolling upgrade is under way\n  help: upgrade the farm one release at a time, or put the R24 hosts in a farm of their own"
    );
    // A rolling upgrade: R22 and R23 side by side.
    assert_eq!(
        validate(&farm(
            "  - { name: x1, address: 192.0.2.4 }\n  - { name: x2, address: 192.0.2.5, release: R23 }\n"
        )),
        ""
    );
}

use crate::lab;

use lab::{Spec, TestLab};
use xspsim::host::{Product, Release};

/// A fresh simulated host in a one-host farm of `roles`, and the playbook's path.
fn one_host(
    test: &str,
    product: Product,
    release: (Release, &str),
    roles: &str,
) -> (TestLab, String) {
    let lab = TestLab::start(
        test,
        &[Spec {
            name: "h1",
            product,
            release: release.0,
        }],
    );
    let kind = match product {
        Product::Adp => "adp",
        Product::As => "as",
        Product::Xsp => "xsp",
    };
    let text = format!(
        "{HEAD}  - name: f\n    product: {kind}\n    release: {}\n    roles: {roles}\n    hosts:\n      - name: h1\n        address: {}\n        {}\n",
        release.1,
        lab.address("h1"),
        lab.connection("h1")
    );
    let pb = lab.dir.path().join("pb.yaml");
    std::fs::write(&pb, text).unwrap();
    let pb = pb.to_str().unwrap().to_string();
    (lab, pb)
}

/// A one-host farm of `roles` on a fresh simulated host; the plan's stdout.
fn plan_of(test: &str, product: Product, release: (Release, &str), roles: &str) -> String {
    let (lab, pb) = one_host(test, product, release, roles);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0);
    plan.stdout
}

/// verify's topology findings of the playbook's one host (JSON), and its exit code.
fn topology_findings(lab: &TestLab, pb: &str) -> (Vec<serde_json::Value>, i32) {
    let run = lab.xspctl(&[
        "verify",
        "-f",
        pb,
        "--format",
        "json",
        "--check",
        "topology.*",
    ]);
    let json = run.json();
    let checks = json["hosts"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks\n{}", run.all()))
        .clone();
    (checks, run.code)
}

/// xspsim's fresh XSP has Xsi-Actions, Xsi-Events and DeviceManagement
/// deployed: a farm without `dms` is warned about DMS, and nothing is written.
#[test]
fn an_application_no_role_needs_is_a_plan_warning() {
    let out = plan_of(
        "topo_dms",
        Product::Xsp,
        (Release::R23, "R23"),
        "[xsi, cti]",
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("warning:"))
            .collect::<Vec<_>>(),
        [
            "  warning: DeviceManagement is deployed, and no role of farm `f` (xsi, cti) needs it: no other applications on the Webex XSPs (solution guide A §3.4, L2497); xspctl leaves it (undeploy and deactivate it in /Maintenance/ManagedObjects)"
        ],
        "{out}"
    );
    assert!(out.contains("0 changes"), "{out}");
}

/// Roles that need every active application: no warning (an ADP's own
/// applications, OpenClientServer and OCIOverSoap, never warn).
#[test]
fn applications_the_roles_need_are_no_warning() {
    let out = plan_of(
        "topo_xsp_ok",
        Product::Xsp,
        (Release::R22, "R22"),
        "[xsi, authservice, cti, dms]",
    );
    assert!(!out.contains("warning:"), "{out}");
    let out = plan_of("topo_adp_ok", Product::Adp, (Release::Adp, "ADP"), "[xsi]");
    assert!(!out.contains("warning:"), "{out}");
}

/// The NPS host runs NPS alone (guide A §3.4, L2499): on a fresh simulated XSP
/// (Xsi-Actions, Xsi-Events and DeviceManagement deployed), verify's
/// `topology.nps-alone` warns naming each, with the commands that remove them
/// (a warning: exit 0, exit 2 under `--strict`); once the operator has undeployed
/// and deactivated them, it passes.
#[test]
fn verify_warns_while_the_nps_host_runs_other_applications() {
    let (lab, pb) = one_host(
        "topo_nps_verify",
        Product::Xsp,
        (Release::R23, "R23"),
        "[nps]",
    );
    let (checks, code) = topology_findings(&lab, &pb);
    assert_eq!(checks.len(), 1, "{checks:?}");
    let f = &checks[0];
    assert_eq!(f["id"], "topology.nps-alone", "{f}");
    assert_eq!(f["status"], "warn", "{f}");
    assert_eq!(f["severity"], "warning", "{f}");
    assert_eq!(code, 0, "a warning does not fail verify");
    assert_eq!(
        f["observed"],
        "Xsi-Actions (deployed), Xsi-Events (deployed), DeviceManagement (deployed) active, which no role needs"
    );
    let fix = f["fix"].as_str().unwrap();
    for line in [
        "undeploy application /com.broadsoft.xsi-actions; deactivate application /com.broadsoft.xsi-actions",
        "undeploy application /dms; deactivate application /dms",
    ] {
        assert!(fix.contains(line), "{fix}");
    }
    assert!(f["source"].as_str().unwrap().contains("L2499"), "{f}");
    let strict = lab.xspctl(&["verify", "-f", &pb, "--strict", "--check", "topology.*"]);
    strict.exits(2);

    // The operator runs NPS alone: every other application undeployed and deactivated.
    for path in [
        "/com.broadsoft.xsi-actions",
        "/com.broadsoft.xsi-events",
        "/dms",
    ] {
        let out = lab.bwcli(
            "h1",
            &[
                "cd /Maintenance/ManagedObjects",
                &format!("undeploy application {path}"),
                &format!("deactivate application {path}"),
            ],
        );
        assert_eq!(out.matches("...Done").count(), 2, "{out}");
    }
    let (checks, code) = topology_findings(&lab, &pb);
    assert_eq!(checks[0]["id"], "topology.nps-alone");
    assert_eq!(checks[0]["status"], "ok", "{checks:?}");
    assert_eq!(checks[0]["observed"], "no other application is active");
    assert_eq!(code, 0);
}

/// On the other XSPs, `topology.applications`: an application no role of the farm
/// needs is a warning (DMS without `dms`); the roles that need every active
/// application pass; an AS has no such finding.
#[test]
fn verify_checks_the_applications_the_roles_need() {
    let (lab, pb) = one_host(
        "topo_apps_verify",
        Product::Xsp,
        (Release::R22, "R22"),
        "[xsi, cti]",
    );
    let (checks, _) = topology_findings(&lab, &pb);
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0]["id"], "topology.applications");
    assert_eq!(checks[0]["status"], "warn", "{checks:?}");
    assert_eq!(
        checks[0]["observed"],
        "DeviceManagement (deployed) active, which no role needs"
    );
    std::fs::write(
        &pb,
        std::fs::read_to_string(&pb)
            .unwrap()
            .replace("[xsi, cti]", "[xsi, cti, dms]"),
    )
    .unwrap();
    let (checks, code) = topology_findings(&lab, &pb);
    assert_eq!(checks[0]["id"], "topology.applications");
    assert_eq!(checks[0]["status"], "ok", "{checks:?}");
    assert_eq!(code, 0);

    let (lab, pb) = one_host("topo_as_verify", Product::As, (Release::R23, "R23"), "[as]");
    let run = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    assert!(!run.stdout.contains("\"topology."), "{}", run.all());
}
