//! The nps_proxy module on the NPS XSP/ADP, per release, and its AS side, through
//! the real path: playbook → SSH → bwcli (xspsim) → plan / apply / verify → an
//! independent read of the host. The client secret and the refresh token are
//! typed at the CLI's password prompts, never printed, and `unchanged` in the
//! second plan. A host without the NPS proxy patches gets no plan and nothing is
//! written.
use crate::lab;

use lab::{Spec, TestLab};
use xspsim::host::{Product, Release};

const SECRET: &str = "Cl1ent-s3cret-NPS";
const TOKEN: &str = "R3fresh-t0ken-NPS";
const NPS: &str = "/Applications/NotificationPushServer";

const NPS_PROXY: &str = "nps_proxy:
  client_id: nps-client-1
  client_secret: file:nps-secret
  refresh_token: file:nps-token";

/// A playbook with one farm of role `role` holding `name`, with `webex`.
fn playbook(
    lab: &TestLab,
    name: &str,
    product: &str,
    release: &str,
    role: &str,
    webex: &str,
) -> String {
    let farm = format!("farm-{name}");
    let roles = format!("[{role}]");
    let text = format!(
        "version: 1\nfarms:\n{}{}",
        lab::farm_head(&farm, product, release, &roles, webex),
        lab.host_entry(name)
    );
    let path = lab.dir.path().join("pb.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// `get` in `context` of `host`, with the simulator's own CLI.
fn get(lab: &TestLab, host: &str, context: &str) -> String {
    lab.bwcli(host, &[&format!("cd {context}"), "get"])
}

/// The value of attribute `name` in `context`.
fn attribute(lab: &TestLab, host: &str, context: &str, name: &str) -> String {
    let out = get(lab, host, context);
    out.lines()
        .find_map(|l| {
            let (n, v) = l.split_once('=')?;
            (n.split_whitespace().last() == Some(name)).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("{name} not in {out}"))
}

fn nps_lab(test: &str, product: Product, release: Release) -> TestLab {
    let lab = TestLab::start(
        test,
        &[Spec {
            name: "nps1",
            product,
            release,
        }],
    );
    std::fs::write(lab.dir.path().join("nps-secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(lab.dir.path().join("nps-token"), format!("{TOKEN}\n")).unwrap();
    lab
}

/// Neither secret in the run's output, the transcripts or the state directory.
fn no_secret_anywhere(lab: &TestLab, runs: &[&lab::Run]) {
    for r in runs {
        for s in [SECRET, TOKEN] {
            assert!(!r.all().contains(s), "a run printed a secret: {}", r.all());
        }
    }
    for t in lab.transcripts("nps1") {
        for s in [SECRET, TOKEN] {
            assert!(!t.contains(s), "the transcript shows a secret");
        }
    }
    for entry in lab::files_under(&lab.dir.path().join("state")) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap_or_default()).to_string();
        for s in [SECRET, TOKEN] {
            assert!(!text.contains(s), "{} holds a secret", entry.display());
        }
    }
}

/// A fresh NPS host with its patches: the plan activates and deploys the
/// application and writes every setting, the secrets masked; apply makes them;
/// the second plan is empty with both secrets unchanged; the host holds it all.
fn converge(
    test: &str,
    product: Product,
    release: Release,
    (name, version): (&str, &str),
    patches: &[&str],
) {
    let lab = nps_lab(test, product, release);
    lab.host("nps1").install_patches(patches).unwrap();
    let pb = playbook(
        &lab,
        "nps1",
        if product == Product::Adp {
            "adp"
        } else {
            "xsp"
        },
        name,
        "nps",
        NPS_PROXY,
    );

    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0).prints(&format!(
        "nps1 (farm farm-nps1) changes
  /Maintenance/ManagedObjects>
    ~ activate application NotificationPushServer {version} /notificationpushserver  (no Name NotificationPushServer /notificationpushserver)
    ~ deploy application /notificationpushserver  (no Name NotificationPushServer Deployed)
  {NPS}/FCM>
    ~ set V1Enabled true
  {NPS}/APNS/GeneralSettings>
    ~ set HTTP2Enabled true
  {NPS}/CiscoCI/Client>
    ~ set clientId nps-client-1
  {NPS}/CloudNPSService>
    ~ set url https://nps.uc-one.broadsoft.com/nps/
    ~ set VOIPTokenRefreshInterval 1800
  {NPS}/FCM/Applications>
    + add com.cisco.wx2.android
  {NPS}/APNS/Production/Tokens>
    + add com.cisco.squared
  {NPS}/CiscoCI/Client>
    ~ set clientSecret  (secret, will be set: the host's record of secrets set by xspctl has none here)
    ~ set RefreshToken  (secret, will be set: the host's record of secrets set by xspctl has none here)
"
    ));
    // xspsim's fresh XSP has Xsi and DMS deployed, its ADP Xsi: the plan warns
    // that the NPS host runs them (guide A §3.4), and leaves them.
    let others: &[&str] = match product {
        Product::Adp => &["Xsi-Actions", "Xsi-Events"],
        _ => &["Xsi-Actions", "Xsi-Events", "DeviceManagement"],
    };
    for app in others {
        plan.prints(&format!(
            "  warning: {app} is deployed, and no role of farm `farm-nps1` (nps) needs it: the NPS host runs NPS alone (solution guide A §3.4, L2499); xspctl leaves it (undeploy and deactivate it in /Maintenance/ManagedObjects)\n"
        ));
    }
    assert_eq!(
        plan.stdout.matches("warning:").count(),
        others.len(),
        "{}",
        plan.all()
    );

    let apply = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
    apply.exits(2).prints("11 writes");
    let apps = get(&lab, "nps1", "/Maintenance/ManagedObjects");
    let row = apps
        .lines()
        .find(|l| l.contains("NotificationPushServer"))
        .unwrap_or_else(|| panic!("no NotificationPushServer in {apps}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        [
            "NotificationPushServer",
            version,
            "/notificationpushserver",
            "Deployed"
        ],
        "{apps}"
    );
    assert_eq!(
        attribute(&lab, "nps1", &format!("{NPS}/FCM"), "V1Enabled"),
        "true"
    );
    assert_eq!(
        attribute(
            &lab,
            "nps1",
            &format!("{NPS}/APNS/GeneralSettings"),
            "HTTP2Enabled"
        ),
        "true"
    );
    let client = format!("{NPS}/CiscoCI/Client");
    assert_eq!(attribute(&lab, "nps1", &client, "clientId"), "nps-client-1");
    assert_ne!(attribute(&lab, "nps1", &client, "clientSecret"), "");
    assert_ne!(attribute(&lab, "nps1", &client, "RefreshToken"), "");
    let cloud = format!("{NPS}/CloudNPSService");
    assert_eq!(
        attribute(&lab, "nps1", &cloud, "url"),
        "https://nps.uc-one.broadsoft.com/nps/"
    );
    assert_eq!(
        attribute(&lab, "nps1", &cloud, "VOIPTokenRefreshInterval"),
        "1800"
    );
    assert!(
        get(&lab, "nps1", &format!("{NPS}/FCM/Applications")).contains("com.cisco.wx2.android")
    );
    assert!(
        get(&lab, "nps1", &format!("{NPS}/APNS/Production/Tokens")).contains("com.cisco.squared")
    );

    let again = lab.xspctl(&["plan", "-f", &pb]);
    again
        .exits(0)
        .prints(" 0 changes")
        .prints(&format!(
            "  {client}>\n    = clientSecret (secret, unchanged)"
        ))
        .prints(&format!(
            "  {client}>\n    = RefreshToken (secret, unchanged)"
        ));
    assert!(
        !again.stdout.contains("activate application"),
        "{}",
        again.all()
    );

    let verify = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
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
    if !patches.is_empty() {
        assert_eq!(status("patches.missing"), "ok", "{}", verify.all());
    }
    no_secret_anywhere(&lab, &[&plan, &apply, &again, &verify]);
}

#[test]
fn r22_nps_converges() {
    converge(
        "nps_r22",
        Product::Xsp,
        Release::R22,
        ("R22", "22.0_1.1123"),
        &[
            "AP.platform.22.0.1123.ap354313",
            "AP.platform.22.0.1123.ap369607",
            "AP.xsp.22.0.1123.ap354313",
            "AP.xsp.22.0.1123.ap369607",
            "AP.xsp.22.0.1123.ap374677",
            "AP.xsp.22.0.1123.ap375206",
        ],
    );
}

#[test]
fn r23_nps_converges() {
    converge(
        "nps_r23",
        Product::Xsp,
        Release::R23,
        ("R23", "23.0_1.1075"),
        &[
            "AP.platform.23.0.1075.ap369607",
            "AP.xsp.23.0.1075.ap369607",
            "AP.xsp.23.0.1075.ap374677",
            "AP.xsp.23.0.1075.ap375206",
        ],
    );
}

#[test]
fn r24_nps_converges() {
    // guide B §17: R24 lists no XSP patch; the catalog has no NPS proxy patch for it.
    converge(
        "nps_r24",
        Product::Xsp,
        Release::R24,
        ("R24", "24.0_1.944"),
        &[],
    );
}

#[test]
fn adp_nps_converges() {
    converge(
        "nps_adp",
        Product::Adp,
        Release::Adp,
        ("ADP", "2022.11_1.273"),
        &[],
    );
}

/// A fresh R23 NPS lacks `AP.xsp.23.0.1075.ap375206` (xspsim's data, as a
/// readiness check should find): the plan names it and stops; apply activates
/// nothing and writes nothing.
#[test]
fn a_missing_nps_patch_stops_the_host() {
    let lab = nps_lab("nps_missing", Product::Xsp, Release::R23);
    let pb = playbook(&lab, "nps1", "xsp", "R23", "nps", NPS_PROXY);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(1)
        .prints("required patches are missing, so nothing is planned for this host")
        .prints("AP.xsp.23.0.1075.ap375206: ")
        .prints("needed by module nps_proxy");
    assert!(!plan.stdout.contains("ap374677:"), "{}", plan.all());
    assert!(!plan.stdout.contains("activate"), "{}", plan.all());

    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(1);
    let apps = get(&lab, "nps1", "/Maintenance/ManagedObjects");
    let row = apps
        .lines()
        .find(|l| l.contains("NotificationPushServer"))
        .unwrap_or_else(|| panic!("no NotificationPushServer in {apps}"));
    assert!(row.trim_end().ends_with("Installed"), "{apps}");
    let sent: Vec<String> = lab
        .transcripts("nps1")
        .iter()
        .flat_map(|t| lab::sent_lines(t))
        .collect();
    assert!(
        !sent
            .iter()
            .any(|l| l.starts_with("activate") || l.starts_with("set ")),
        "{sent:?}"
    );
}

/// The playbook alone refuses nps_proxy where it cannot run, located, no host touched.
#[test]
fn nps_proxy_outside_an_nps_farm_is_refused_where_it_is_written() {
    let lab = nps_lab("nps_scope", Product::Xsp, Release::R22);
    let pb = playbook(&lab, "nps1", "xsp", "R22", "xsi", NPS_PROXY);
    lab.xspctl(&["plan", "-f", &pb])
        .exits(1)
        .complains("pb.yaml:8:")
        .complains("the `nps_proxy` module is for hosts with role `nps`");
    let bad = NPS_PROXY.replace(
        "client_id: nps-client-1",
        "client_id: nps-client-1\n  cloud_url: http://nps.example.com/",
    );
    let pb = playbook(&lab, "nps1", "xsp", "R22", "nps", &bad);
    lab.xspctl(&["plan", "-f", &pb])
        .exits(1)
        .complains("pb.yaml:10:")
        .complains("is not an `https://` URL");
    assert!(lab.transcripts("nps1").is_empty());
}

fn as_lab(test: &str) -> (TestLab, String) {
    let lab = TestLab::start(
        test,
        &[Spec {
            name: "as1",
            product: Product::As,
            release: Release::R23,
        }],
    );
    let pb = playbook(
        &lab,
        "as1",
        "as",
        "R23",
        "as",
        "nps_allowed_applications: true",
    );
    (lab, pb)
}

/// An AS that enforces its allowed-application list gets the Webex apps; the
/// second plan is empty.
#[test]
fn an_enforcing_as_allows_the_webex_apps() {
    let (lab, pb) = as_lab("nps_as_enforce");
    let list = "/System/PushNotification/AllowedApplications";
    lab.xspctl(&["plan", "-f", &pb]).exits(0).prints(&format!(
        "as1 (farm farm-as1) changes
  {list}>
    + add com.cisco.wx2.android \"Webex Android\"
    + add com.cisco.squared \"Webex iOS\"
"
    ));
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(0);
    let held = get(&lab, "as1", list);
    assert!(
        held.contains("com.cisco.wx2.android") && held.contains("Webex Android"),
        "{held}"
    );
    assert!(
        held.contains("com.cisco.squared") && held.contains("Webex iOS"),
        "{held}"
    );
    lab.xspctl(&["plan", "-f", &pb])
        .exits(0)
        .prints(" 0 changes");
}

/// An AS that does not enforce the list gets nothing written (guide B §7.3
/// step 8: only if it is true).
#[test]
fn a_non_enforcing_as_is_left_alone() {
    let (lab, pb) = as_lab("nps_as_free");
    lab.bwcli(
        "as1",
        &[
            "cd /System/PushNotification",
            "set enforceAllowedApplicationList false",
        ],
    );
    lab.xspctl(&["plan", "-f", &pb])
        .exits(0)
        .prints(" 0 changes");
    let held = get(&lab, "as1", "/System/PushNotification/AllowedApplications");
    assert!(!held.contains("com.cisco"), "{held}");
}

/// The example playbook loads: an NPS host per release nps_proxy runs on, and an
/// AS per release with the allowed-application list.
#[test]
fn the_nps_proxy_example_loads() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/examples/nps_proxy.yaml");
    let p = xspctl::playbook::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let hosts: Vec<(&str, String)> = p
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h.release.to_string()))
        .collect();
    assert_eq!(
        hosts,
        [
            ("nps22", "R22".to_string()),
            ("nps23", "R23".to_string()),
            ("nps24", "R24".to_string()),
            ("npsadp", "ADP".to_string()),
            ("as1", "R23".to_string()),
            ("as21", "R21 SP1".to_string()),
            ("as22", "R22".to_string()),
            ("as24", "R24".to_string()),
        ]
    );
}
