//! Farm consistency through the real path (issue #11 check 8, "divergent farm
//! member"): a farm of three R23 XSPs (xspsim) converged by one playbook (TLS,
//! mTLS on CTI, the Xsi modules) passes every `farm.*` check; then, behind
//! xspctl's back, one host loses a patch, one accepts a suite the others refuse,
//! one loses a CTI trust anchor and one gets another Xsi setting: each check fails
//! on that host only, naming it and what differs, with every host's value as
//! evidence. A fourth host on R22, which the playbook declares during an upgrade,
//! is warned about its release.
use crate::lab;

use lab::{Run, Spec, TLS_INTERFACE, TestLab};
use xspsim::host::{Product, Release};
use xspsim::pki::lab_ca::WebexLikePki;

const FARM: [&str; 3] = ["f1", "f2", "f3"];
const TRUSTS: &str = "/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts";
const BW_INTEGRATION: &str = "/Applications/Xsi-Events/BWIntegration";

/// Writes a playbook with one R23 XSP farm of `hosts` (each with the release the
/// playbook declares for it, when not the farm's): TLS, mTLS on CTI with `pki`'s
/// chain, the Xsi modules; `verify` trusts the lab's server CA and presents
/// `pki`'s client.
fn playbook(lab: &TestLab, pki: &WebexLikePki, hosts: &[(&str, Option<&str>)]) -> String {
    let dir = lab.dir.path();
    lab.write_webex_pki(pki);
    let webex = format!(
        "{TLS_INTERFACE}\ncti_mtls: {{ trust_anchors: {} }}\nxsi_events: {{}}\ndirectory_sync: {{}}",
        dir.join("CombinedCertChain.txt").display()
    );
    let mut text = format!(
        "version: 1\nfarms:\n{}",
        lab::farm_head("xsps", "xsp", "R23", "[xsi, cti]", &webex)
    );
    for (h, release) in hosts {
        text.push_str(&lab.host_entry(h));
        if let Some(r) = release {
            text.push_str(&format!("        release: {r}\n"));
        }
    }
    text.push_str(&lab.verify_section());
    let path = dir.join("pb.yaml");
    std::fs::write(&path, text).unwrap();
    lab.add_client_identity(&path, &dir.join("client.pem"), &dir.join("client.key"));
    path.to_str().unwrap().to_string()
}

/// The farm checks every host of the farm gets: id and the end of the subject.
const FARM_CHECKS: [(&str, &str); 6] = [
    ("farm.release", "release"),
    ("farm.patches", "patches"),
    ("farm.tls", "HTTP TLS"),
    ("farm.tls", "CTI TLS"),
    ("farm.trust-anchors", "CTI trust anchors"),
    ("farm.xsi-settings", "Xsi settings"),
];

/// Every host of the farm passes `id`.
#[track_caller]
fn all_pass(run: &Run, (id, what): (&str, &str)) {
    for h in FARM {
        let f = run.host_finding(h, id, what);
        assert_eq!(f["status"], "ok", "{h}: {f:#}");
    }
}

/// `odd` fails `id` naming itself and `differs`, with every host's value as
/// evidence; the other hosts pass it.
#[track_caller]
fn only_odd_fails(run: &Run, (id, what): (&str, &str), odd: &str, differs: &str) {
    for h in FARM {
        let f = run.host_finding(h, id, what);
        if h != odd {
            assert_eq!(f["status"], "ok", "{h}: {f:#}");
            continue;
        }
        assert_eq!(f["status"], "fail", "{f:#}");
        let observed = f["observed"].as_str().unwrap();
        assert!(
            observed.starts_with(&format!("{odd} ")) && observed.contains(differs),
            "{odd}: {observed}"
        );
        let evidence: Vec<&str> = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        let hosts: Vec<&str> = evidence
            .iter()
            .map(|e| e.split_once(": ").unwrap().0)
            .collect();
        assert_eq!(hosts, FARM, "{f:#}");
        assert!(f["fix"].as_str().is_some_and(|x| !x.is_empty()), "{f:#}");
    }
}

#[test]
fn a_divergent_farm_member_is_named_by_each_farm_check() {
    let specs: Vec<Spec> = FARM
        .iter()
        .map(|name| Spec {
            name,
            product: Product::Xsp,
            release: Release::R23,
        })
        .chain([Spec {
            name: "f4",
            product: Product::Xsp,
            release: Release::R22,
        }])
        .collect();
    let lab = TestLab::start("verify-farm", &specs);
    let pki = WebexLikePki::generate().expect("pki");
    let pb = playbook(&lab, &pki, &[("f1", None), ("f2", None), ("f3", None)]);
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);

    let alike = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    for h in FARM {
        for (id, what) in FARM_CHECKS {
            let f = alike.host_finding(h, id, what);
            assert_eq!(f["status"], "ok", "{h} {id}: {f:#}");
            // A host that agrees shows its own value; the odd one every host's.
            let evidence = f["evidence"].as_array().unwrap();
            assert_eq!(evidence.len(), 1, "{f:#}");
            assert!(
                evidence[0].as_str().unwrap().starts_with(&format!("{h}: ")),
                "{f:#}"
            );
        }
    }
    alike.exits(0);
    // Behind xspctl's back: f3 loses a patch and gets a larger Xsi-Events queue
    // (above the playbook's minimum: no drift), f2 accepts a CBC suite on HTTP, f1's
    // CTI interface no longer trusts the Webex issuing CA.
    let patch = lab.host("f3").patches().unwrap().remove(0);
    lab.host("f3").remove_patches(&[&patch]).unwrap();
    let out = lab.bwcli(
        "f3",
        &[&format!("cd {BW_INTEGRATION}"), "set eventQueueSize 5000"],
    );
    assert!(out.contains("...Done"), "{out}");
    let (ip, port) = (lab.address("f2"), lab.https_port("f2"));
    let out = lab.bwcli(
        "f2",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            &format!("add {ip} {port} TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let table = lab.bwcli("f1", &[&format!("cd {TRUSTS}"), "get"]);
    let issuing = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .find(|w| w.contains("issuing"))
        .unwrap_or_else(|| panic!("no issuing CA alias in {table}"))
        .to_string();
    let out = lab.bwcli(
        "f1",
        &[&format!("cd {TRUSTS}"), &format!("delete {issuing}")],
    );
    assert!(out.contains("...Done"), "{out}");
    for h in ["f1", "f2"] {
        assert_eq!(lab.host(h).exec("restartbw").status, 0);
    }

    let odd = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    odd.exits(2);
    all_pass(&odd, FARM_CHECKS[0]);
    only_odd_fails(&odd, FARM_CHECKS[1], "f3", &format!("lacks {patch}"));
    only_odd_fails(
        &odd,
        FARM_CHECKS[2],
        "f2",
        "has besides TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    );
    all_pass(&odd, FARM_CHECKS[3]);
    only_odd_fails(
        &odd,
        FARM_CHECKS[4],
        "f1",
        "lacks CN=Lab Webex-like Issuing CA, O=xspctl lab",
    );
    only_odd_fails(
        &odd,
        FARM_CHECKS[5],
        "f3",
        &format!(
            "lacks {BW_INTEGRATION} eventQueueSize = 2000; has besides {BW_INTEGRATION} eventQueueSize = 5000"
        ),
    );

    // f4 runs R22, as the playbook declares for it during a rolling upgrade (D44):
    // a warning on f4, which does not fail the run unless --strict.
    let pb = playbook(
        &lab,
        &pki,
        &[
            ("f1", None),
            ("f2", None),
            ("f3", None),
            ("f4", Some("R22")),
        ],
    );
    let upgrade = lab.xspctl(&[
        "verify",
        "-f",
        &pb,
        "--check",
        "farm.release",
        "--format",
        "json",
    ]);
    upgrade.exits(0);
    let f = upgrade.host_finding("f4", "farm.release", "release");
    assert_eq!(f["status"], "warn", "{f:#}");
    let observed = f["observed"].as_str().unwrap();
    assert!(
        observed.starts_with("f4 holds \"22.0_1.")
            && observed.contains("the playbook declares f4 on R22 and f1, f2, f3 on R23"),
        "{observed}"
    );
    assert_eq!(f["evidence"].as_array().unwrap().len(), 4, "{f:#}");
    all_pass(&upgrade, FARM_CHECKS[0]);
    lab.xspctl(&["verify", "-f", &pb, "--check", "farm.release", "--strict"])
        .exits(2);
}
