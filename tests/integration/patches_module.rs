//! The patches module through the real path: playbook → SSH → `listPatch.pl` and
//! `bwshowver` on xspsim → plan / verify, for every product and release. A fresh
//! simulated host lacks some required patches (sim/data/patches.toml); the plan
//! names them, verify reports them (`patches.missing`), and once they are installed
//! on the host both are clean. Patches are never installed by xspctl.
use crate::lab;

use lab::{Run, Spec, TestLab};
use xspsim::host::{Product, Release};

/// The patches the plan (JSON) says host 0 is missing.
fn missing_in_plan(run: &Run) -> Vec<String> {
    let json = run.json();
    json["hosts"][0]["plan"]["patches"]["missing"]
        .as_array()
        .unwrap_or_else(|| panic!("no patch check in the plan\n{}", run.all()))
        .iter()
        .map(|m| m["name"].as_str().expect("name").to_string())
        .collect()
}

/// How many patches the JSON plan says are missing.
fn missing_count(lab: &TestLab, pb: &str) -> usize {
    missing_in_plan(&lab.xspctl(&["plan", "-f", pb, "--format", "json"])).len()
}

/// The `patches.missing` finding of a verify report.
fn patch_finding(run: &Run) -> serde_json::Value {
    run.json()["hosts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "patches.missing")
        .cloned()
        .unwrap_or_else(|| panic!("no patches.missing finding\n{}", run.all()))
}

/// A fresh host: the plan names the missing patches (among them `expected`), with
/// why; verify fails `patches.missing` naming them; the host's CLI is untouched by
/// the check; once the missing patches are installed, plan and verify are clean.
fn missing_then_installed(
    test: &str,
    product: Product,
    release: Release,
    pb: (&str, &str),
    expected: &[&str],
) {
    let lab = TestLab::one_host(test, product, release);
    let pb = lab.playbook("pb.yaml", &[("h", pb.0, pb.1, "patches: {}")]);
    let pb = pb.to_str().unwrap();

    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(0)
        .prints("required patches missing (xspctl checks patches, never installs them):");
    for name in expected {
        plan.prints(&format!("    ! {name}: "));
    }
    plan.prints(&format!(
        " 0 changes, {} patches missing",
        missing_count(&lab, pb)
    ));

    let json = lab.xspctl(&["plan", "-f", pb, "--format", "json"]);
    let missing = missing_in_plan(&json);
    for name in expected {
        assert!(
            missing.iter().any(|m| m == name),
            "{name} not in {missing:?}"
        );
    }
    let before = lab.host("h").patches().unwrap();
    for name in &missing {
        assert!(!before.contains(name), "{name} is installed: {before:?}");
    }

    let verify = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    assert_eq!(verify.code, 2, "{}", verify.all());
    let f = patch_finding(&verify);
    assert_eq!(f["status"], "fail", "{f}");
    let evidence = f["evidence"].to_string();
    for name in &missing {
        assert!(evidence.contains(name.as_str()), "{name} not in {evidence}");
    }
    // Checked, never installed.
    assert_eq!(lab.host("h").patches().unwrap(), before);

    let names: Vec<&str> = missing.iter().map(String::as_str).collect();
    lab.host("h").install_patches(&names).unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb, "--format", "json"]);
    assert_eq!(missing_in_plan(&plan), Vec::<String>::new());
    let verify = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    let f = patch_finding(&verify);
    assert_eq!(f["status"], "ok", "{f}");

    // One backed out again: it alone is missing.
    lab.host("h").remove_patches(&names[..1]).unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb, "--format", "json"]);
    assert_eq!(missing_in_plan(&plan), [names[0]]);
}

#[test]
fn r21_sp1_xsp() {
    // guide B §17 (R21 SP1 XSP) lists ap358508 and ap362075; the fresh host lacks them.
    missing_then_installed(
        "pt_xsp_r21",
        Product::Xsp,
        Release::R21Sp1,
        ("xsp", "R21SP1"),
        &[
            "AP.xsp.21.sp1.551.ap358508",
            "AP.xsp.21.sp1.551.ap362075",
            "AP.platform.21.sp1.551.ap367732",
        ],
    );
}

#[test]
fn r22_xsp_with_the_authservice_role() {
    // The lab's XSP farms have the authservice role: guide B §2.2 step 2.
    missing_then_installed(
        "pt_xsp_r22",
        Product::Xsp,
        Release::R22,
        ("xsp", "R22"),
        &[
            "AP.platform.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap368601",
        ],
    );
}

#[test]
fn r23_xsp_with_the_authservice_role() {
    missing_then_installed(
        "pt_xsp_r23",
        Product::Xsp,
        Release::R23,
        ("xsp", "R23"),
        &[
            "AP.xsp.23.0.1075.ap375206",
            "AP.xsp.23.0.1075.ap376509",
            "AP.platform.23.0.1075.ap376509",
        ],
    );
}

#[test]
fn r21_sp1_as() {
    missing_then_installed(
        "pt_as_r21",
        Product::As,
        Release::R21Sp1,
        ("as", "R21SP1"),
        &["AP.as.21.sp1.551.ap369763"],
    );
}

#[test]
fn r22_as() {
    missing_then_installed(
        "pt_as_r22",
        Product::As,
        Release::R22,
        ("as", "R22"),
        &["AP.as.22.0.1123.ap377868"],
    );
}

#[test]
fn r23_as() {
    missing_then_installed(
        "pt_as_r23",
        Product::As,
        Release::R23,
        ("as", "R23"),
        &["AP.as.23.0.1075.ap377868"],
    );
}

#[test]
fn r24_as() {
    missing_then_installed(
        "pt_as_r24",
        Product::As,
        Release::R24,
        ("as", "R24"),
        &["AP.as.24.0.944.ap377868"],
    );
}

/// R24 XSPs and ADPs need no patch (guide B §17; ADP components are applications):
/// nothing is read, nothing reported.
#[test]
fn r24_xsp_and_adp_need_none() {
    let lab = TestLab::start(
        "pt_none",
        &[
            Spec {
                name: "x",
                product: Product::Xsp,
                release: Release::R24,
            },
            Spec {
                name: "a",
                product: Product::Adp,
                release: Release::Adp,
            },
        ],
    );
    let pb = lab.playbook(
        "pb.yaml",
        &[
            ("x", "xsp", "R24", "patches: {}"),
            ("a", "adp", "ADP", "patches: {}"),
        ],
    );
    let pb = pb.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(0);
    assert!(!plan.stdout.contains("patches missing"), "{}", plan.all());
    let json = lab.xspctl(&["plan", "-f", pb, "--format", "json"]).json();
    for host in json["hosts"].as_array().expect("hosts") {
        assert_eq!(host["status"], "ok", "{host}");
        assert!(host["plan"].get("patches").is_none(), "{host}");
    }
}

/// A feature listed in the playbook adds its patches: call recording on R23
/// (guide B §11).
#[test]
fn a_listed_feature_adds_its_patches() {
    let lab = TestLab::one_host("pt_feature", Product::As, Release::R23);
    let pb = lab.playbook(
        "pb.yaml",
        &[(
            "h",
            "as",
            "R23",
            "patches: { minimum: false, features: [call_recording] }",
        )],
    );
    let plan = lab.xspctl(&["plan", "-f", pb.to_str().unwrap(), "--format", "json"]);
    assert_eq!(missing_in_plan(&plan), ["AP.as.23.0.1075.ap377718"]);
}
