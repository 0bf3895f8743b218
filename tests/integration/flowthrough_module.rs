//! The flowthrough module on the AS, per release, through the real path: playbook →
//! SSH → bwcli (xspsim) → plan / apply / verify → an independent read of the host.
//! The provisioning password is a secret: typed at the CLI's password prompts, never
//! printed, and `unchanged` in the second plan. An AS without the flow-through
//! patches gets no plan and nothing is written.
use crate::lab;

use lab::{Spec, TestLab};
use xspsim::host::{Product, Release};

const PASSWORD: &str = "Fl0w-Thr0ugh-s3cret";
const MESSAGING: &str = "/Interface/Messaging";
const IMP: &str = "/Service/IntegratedIMP";
const IMP_DEFAULT: &str = "/Service/IntegratedIMP/DefaultAttribute";

const FLOWTHROUGH: &str = "flowthrough:
  provisioning_url: https://adapter.example.com/provisioning
  provisioning_user_id: flow-admin
  provisioning_password: file:flow-password
  service_domain: example.com";

/// The value of attribute `name` in `context` of `host`, read with the
/// simulator's own CLI.
fn on_host(lab: &TestLab, context: &str, name: &str) -> String {
    let out = lab.bwcli("as1", &[&format!("cd {context}"), "get"]);
    out.lines()
        .find_map(|l| {
            let (n, v) = l.split_once('=')?;
            (n.split_whitespace().last() == Some(name)).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("{name} not in {out}"))
}

fn as_lab(test: &str, release: Release) -> TestLab {
    let lab = TestLab::start(
        test,
        &[Spec {
            name: "as1",
            product: Product::As,
            release,
        }],
    );
    std::fs::write(
        lab.dir.path().join("flow-password"),
        format!("{PASSWORD}\n"),
    )
    .unwrap();
    lab
}

/// Fresh AS with its flow-through patches installed: the plan shows every write,
/// the password masked; apply makes them (the container options need a restart);
/// the second plan is empty with the password unchanged; the host holds it all.
fn converge(test: &str, release: Release, name: &str, patches: &[&str]) {
    let lab = as_lab(test, release);
    lab.host("as1").install_patches(patches).unwrap();
    let pb = lab.playbook("pb.yaml", &[("as1", "as", name, FLOWTHROUGH)]);
    let pb = pb.to_str().unwrap();

    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(0).prints(
        "as1 (farm farm-as1) changes
  /Interface/Messaging>
    ~ set provisioningUrl https://adapter.example.com/provisioning  (was: )
    ~ set provisioningUserId flow-admin  (was: )
    ~ set enableSynchronization true  (was: false)
  /Service/IntegratedIMP>
    ~ set serviceDomain example.com  (was: )
  /Service/IntegratedIMP/DefaultAttribute>
    ~ set userAttrIsActive true  (was: false)
  /Maintenance/ContainerOptions>
    + add provisioning bw.imp.useProvisioningUrl true
    + add provisioning bw.msg.includeIsEnterpriseInOSSschema true
  /Interface/Messaging>
    ~ set provisioningPassword  (secret, will be set: the host's record of secrets set by xspctl has none here)
  restart required for these changes to take effect
",
    );
    assert!(!plan.all().contains(PASSWORD), "{}", plan.all());

    lab.xspctl(&["apply", "-f", pb, "--yes"]).exits(2);
    assert_eq!(
        on_host(&lab, MESSAGING, "provisioningUrl"),
        "https://adapter.example.com/provisioning"
    );
    assert_eq!(on_host(&lab, MESSAGING, "provisioningUserId"), "flow-admin");
    assert_eq!(on_host(&lab, MESSAGING, "enableSynchronization"), "true");
    assert_ne!(on_host(&lab, MESSAGING, "provisioningPassword"), "");
    assert_eq!(on_host(&lab, IMP, "serviceDomain"), "example.com");
    assert_eq!(on_host(&lab, IMP_DEFAULT, "userAttrIsActive"), "true");
    let options = lab.bwcli("as1", &["cd /Maintenance/ContainerOptions", "get"]);
    for option in [
        "bw.imp.useProvisioningUrl",
        "bw.msg.includeIsEnterpriseInOSSschema",
    ] {
        let row = options
            .lines()
            .find(|l| l.contains(option))
            .unwrap_or_else(|| panic!("{option} not in {options}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells, ["provisioning", option, "true"], "{options}");
    }

    let again = lab.xspctl(&["plan", "-f", pb]);
    again.exits(0).prints(" 0 changes").prints(&format!(
        "  {MESSAGING}>\n    = provisioningPassword (secret, unchanged)"
    ));
    let verify = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    let json = verify.json();
    let status = |id: &str| {
        json["hosts"][0]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].clone())
            .unwrap_or_else(|| panic!("no {id}\n{}", verify.all()))
    };
    assert_eq!(status("config.drift"), "ok", "{}", verify.all());
    assert_eq!(status("patches.missing"), "ok", "{}", verify.all());
    assert_eq!(status("config.restart-pending"), "wait", "{}", verify.all());
    for t in lab.transcripts("as1") {
        assert!(!t.contains(PASSWORD), "the transcript shows the password");
    }
    let state = lab.dir.path().join("state");
    for entry in lab::files_under(&state) {
        let text = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains(PASSWORD),
            "{} holds the password",
            entry.display()
        );
    }
}

#[test]
fn r21_sp1_as_converges() {
    // guide A §10: R21 `ap.as.21.sp1.551.ap375094`.
    converge(
        "ft_r21",
        Release::R21Sp1,
        "R21SP1",
        &["AP.as.21.sp1.551.ap375094"],
    );
}

#[test]
fn r22_as_converges() {
    // guide A §10: ap376508; guide B §9.3 and management-sync §2.5: ap373197.
    converge(
        "ft_r22",
        Release::R22,
        "R22",
        &["AP.as.22.0.1123.ap376508", "AP.as.22.0.1123.ap373197"],
    );
}

#[test]
fn r23_as_converges() {
    converge(
        "ft_r23",
        Release::R23,
        "R23",
        &["AP.as.23.0.1075.ap376509", "AP.as.23.0.1075.ap373197"],
    );
}

#[test]
fn r24_as_converges() {
    converge("ft_r24", Release::R24, "R24", &["AP.as.24.0.944.ap375100"]);
}

/// An AS that lacks one flow-through patch: the plan names it and stops; apply
/// writes nothing; verify reports it as `patches.missing`.
#[test]
fn a_missing_flowthrough_patch_stops_the_host() {
    let lab = as_lab("ft_missing", Release::R22);
    lab.host("as1")
        .install_patches(&["AP.as.22.0.1123.ap373197"])
        .unwrap();
    let pb = lab.playbook("pb.yaml", &[("as1", "as", "R22", FLOWTHROUGH)]);
    let pb = pb.to_str().unwrap();

    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(1).prints(
        "  error: required patches are missing, so nothing is planned for this host (xspctl checks patches, never installs them):
           AP.as.22.0.1123.ap376508: flow-through provisioning (solution guide A §10, source lines 1360-1397); needed by module flowthrough
",
    );
    assert!(!plan.stdout.contains("ap373197:"), "{}", plan.all());
    assert!(
        !plan.stdout.contains("set provisioningUrl"),
        "{}",
        plan.all()
    );

    lab.xspctl(&["apply", "-f", pb, "--yes"]).exits(1);
    assert_eq!(on_host(&lab, MESSAGING, "provisioningUrl"), "");
    assert_eq!(on_host(&lab, MESSAGING, "enableSynchronization"), "false");
    let options = lab.bwcli("as1", &["cd /Maintenance/ContainerOptions", "get"]);
    assert!(!options.contains("bw.imp.useProvisioningUrl"), "{options}");

    let verify = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    assert_eq!(verify.code, 2, "{}", verify.all());
    let json = verify.json();
    let finding = json["hosts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "patches.missing")
        .cloned()
        .unwrap_or_else(|| panic!("no patches.missing\n{}", verify.all()));
    assert_eq!(finding["status"], "fail");
    assert!(
        finding["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("AP.as.22.0.1123.ap376508: flow-through provisioning"),
        "{finding}"
    );
}

/// A provisioning URL that is not `https://` to a fully qualified name is a located
/// error, and no host is touched.
#[test]
fn a_provisioning_url_without_an_fqdn_is_refused_where_it_is_written() {
    let lab = as_lab("ft_bad_url", Release::R23);
    let bad = FLOWTHROUGH.replace(
        "https://adapter.example.com/provisioning",
        "https://adapter/provisioning",
    );
    let pb = lab.playbook("pb.yaml", &[("as1", "as", "R23", &bad)]);
    let run = lab.xspctl(&["plan", "-f", pb.to_str().unwrap()]);
    run.exits(1)
        .complains("pb.yaml:9:")
        .complains("`adapter` is not a fully qualified domain name")
        .complains("Partner Hub");
    assert!(lab.transcripts("as1").is_empty());
}
