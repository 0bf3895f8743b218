//! Waivers through the real path: a playbook whose `verify.server_ca` is not the
//! lab's, so both interfaces of an xspsim host fail `tls.certificate-trusted`; a
//! waiver in force for the HTTP interface leaves only CTI failing, one for every
//! subject makes verify exit 0, and an expired one covers nothing and is itself an
//! error. Bad waivers stop validate at their line, before any host is reached.
use crate::lab;

use lab::TestLab;
use xspsim::host::{Product, Release};

/// A playbook for the lab host `h` trusting a CA that issued none of its
/// certificates, with `waivers` (YAML list items, indented for the section).
fn playbook(lab: &TestLab, waivers: &str) -> String {
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
    let other = xspsim::pki::lab_ca::LabCa::root("Another CA").unwrap();
    std::fs::write(pb.with_file_name(lab::SERVER_CA_FILE), other.cert_pem()).unwrap();
    let mut text = std::fs::read_to_string(&pb).unwrap();
    if !waivers.is_empty() {
        text.push_str("  waivers:\n");
        text.push_str(waivers);
    }
    std::fs::write(&pb, text).unwrap();
    pb.to_str().unwrap().to_string()
}

/// (id, subject prefix, status, waived) of each finding of a JSON verify.
fn findings(lab: &TestLab, pb: &str) -> (i32, Vec<(String, String, String, bool)>) {
    let run = lab.xspctl(&[
        "verify",
        "-f",
        pb,
        "--check",
        "tls.certificate-trusted,verify.waiver-expired",
        "--format",
        "json",
    ]);
    let doc = run.json();
    let list = doc["hosts"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", run.all()))
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["subject"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_string(),
                c["status"].as_str().unwrap().to_string(),
                c.get("waived").is_some(),
            )
        })
        .collect();
    (run.code, list)
}

fn one_host(test: &str) -> TestLab {
    TestLab::one_host(test, Product::Xsp, Release::R23)
}

#[test]
fn waivers_in_force_cover_their_findings_and_expired_ones_are_errors() {
    let lab = one_host("waivers-flow");
    let t = |s: &str| s.to_string();
    let (code, none) = findings(&lab, &playbook(&lab, ""));
    assert_eq!(code, 2);
    assert_eq!(
        none,
        [
            (t("tls.certificate-trusted"), t("HTTP"), t("fail"), false),
            (t("tls.certificate-trusted"), t("CTI"), t("fail"), false)
        ]
    );

    let http = "    - { check: tls.certificate-trusted, host: \"h*\", subject: HTTP, reason: CHG-1, expires: 2999-12-31 }\n";
    let (code, part) = findings(&lab, &playbook(&lab, http));
    assert_eq!(code, 2, "CTI still fails");
    assert_eq!(
        part[0],
        (t("tls.certificate-trusted"), t("HTTP"), t("fail"), true)
    );
    assert_eq!(
        part[1],
        (t("tls.certificate-trusted"), t("CTI"), t("fail"), false)
    );

    let all = "    - { check: tls.certificate-trusted, reason: CHG-2, expires: 2999-12-31 }\n";
    let (code, waived) = findings(&lab, &playbook(&lab, all));
    assert_eq!(code, 0, "{waived:?}");
    assert!(waived.iter().all(|f| f.3), "{waived:?}");
    let text = lab.xspctl(&[
        "verify",
        "-f",
        &playbook(&lab, all),
        "--check",
        "tls.certificate-trusted",
    ]);
    text.exits(0).prints("waived until 2999-12-31 (");
    text.prints("): CHG-2");

    let expired = "    - { check: tls.certificate-trusted, reason: CHG-3, expires: 2020-01-31 }\n";
    let (code, lapsed) = findings(&lab, &playbook(&lab, expired));
    assert_eq!(code, 2);
    assert!(lapsed.iter().all(|f| !f.3), "{lapsed:?}");
    assert!(
        lapsed.contains(&(t("verify.waiver-expired"), t("waiver"), t("fail"), false)),
        "{lapsed:?}"
    );
}

#[test]
fn a_bad_waiver_is_located_and_no_host_is_reached() {
    let lab = one_host("waivers-bad");
    for (waiver, wanted) in [
        (
            "    - { check: tls.certificate-trusted, reason: CHG-1, expires: 31/01/2027 }\n",
            "`expires` is not a date",
        ),
        (
            "    - { check: tls.certificate-trusty, reason: CHG-1, expires: 2027-01-31 }\n",
            "tls.certificate-trusted",
        ),
        (
            "    - { check: tls.certificate-trusted, expires: 2027-01-31 }\n",
            "reason",
        ),
    ] {
        let pb = playbook(&lab, waiver);
        let lines = std::fs::read_to_string(&pb).unwrap().lines().count();
        let run = lab.xspctl(&["verify", "-f", &pb]);
        run.exits(1)
            .complains(&format!("pb.yaml:{lines}:"))
            .complains(wanted);
        assert!(lab.transcripts("h").is_empty(), "a host was reached");
    }
}
