//! The authservice module through the real path: playbook → SSH → bwcli (xspsim)
//! → plan / apply / verify → an independent read of the host, for every release it
//! applies to. The client secret and refresh token are secrets (typed at the CLI's
//! password prompts, never printed, `unchanged` in the second plan); the farm's
//! RSA key pair is exported on the reference host, carried in memory and imported
//! on the others, and neither it nor the secrets appear in any output or file of
//! the controller.
use crate::lab;

use lab::{Run, Spec, TestLab};
use xspsim::host::{Product, Release};

const CLIENT_SECRET: &str = "Cl1ent-S3cret-of-the-SR";
const REFRESH_TOKEN: &str = "R3fresh-T0ken-of-the-SR";
const CISCO: &str = "/Applications/AuthenticationService/IdentityProviders/Cisco";
const FEDERATION: &str = "/Applications/AuthenticationService/IdentityProviders/Cisco/Federation";
const TOKENS: &str = "/Applications/AuthenticationService/TokenManagement";
const KEYS: &str = "/Applications/AuthenticationService/KeyManagement";

const CI_TOKEN: &str = "authservice:
  client_id: C0ffee-client
  client_secret: file:client-secret
  refresh_token: file:refresh-token
  ci_cluster: EU
  teams_cluster: AFRA";

/// Writes a playbook with one farm of `hosts` (XSP or ADP, role authservice) and
/// the `webex` block.
fn farm_playbook(
    lab: &TestLab,
    product: &str,
    release: &str,
    hosts: &[&str],
    webex: &str,
) -> String {
    let roles = "[xsi, authservice, dms]";
    let mut text = format!(
        "version: 1\nfarms:\n{}",
        lab::farm_head("auth", product, release, roles, webex)
    );
    for h in hosts {
        text.push_str(&lab.host_entry(h));
    }
    let path = lab.dir.path().join("pb.yaml");
    std::fs::write(&path, text).unwrap();
    std::fs::write(
        lab.dir.path().join("client-secret"),
        format!("{CLIENT_SECRET}\n"),
    )
    .unwrap();
    std::fs::write(
        lab.dir.path().join("refresh-token"),
        format!("{REFRESH_TOKEN}\n"),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn start(test: &str, product: Product, release: Release, hosts: &[&'static str]) -> TestLab {
    let specs: Vec<Spec> = hosts
        .iter()
        .map(|name| Spec {
            name,
            product,
            release,
        })
        .collect();
    TestLab::start(test, &specs)
}

/// The value of attribute `name` in `context` of `host`, read with the
/// simulator's own CLI.
fn attribute(lab: &TestLab, host: &str, context: &str, name: &str) -> String {
    let out = lab.bwcli(host, &[&format!("cd {context}"), "get"]);
    out.lines()
        .find_map(|l| {
            let (n, v) = l.split_once('=')?;
            (n.split_whitespace().last() == Some(name)).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("{name} not in {out}"))
}

/// The key a fresh `exportKeys` writes on `host`, read from the simulated file
/// system (and removed again).
fn exported_key(lab: &TestLab, host: &str) -> String {
    let out = lab.bwcli(host, &[&format!("cd {KEYS}"), "exportKeys"]);
    assert!(out.contains("Keys exported"), "{out}");
    let file = lab
        .host(host)
        .fs_root()
        .join("var/broadworks/tmp/authService.keys");
    let text = std::fs::read_to_string(&file).expect("the exported file");
    std::fs::remove_file(&file).unwrap();
    text
}

/// Neither secret nor any of `keys` appears in `runs` or in any file of the
/// controller's state (plans, journals, backups, transcripts).
fn nothing_leaks(lab: &TestLab, runs: &[&Run], keys: &[String]) {
    let body = |k: &String| {
        // The key's base64 body, without the PEM armour.
        k.lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 20)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let mut needles: Vec<String> = vec![CLIENT_SECRET.into(), REFRESH_TOKEN.into()];
    for k in keys {
        needles.extend(body(k));
    }
    for run in runs {
        for n in &needles {
            assert!(
                !run.all().contains(n.as_str()),
                "output shows a secret or the key\n{}",
                run.all()
            );
        }
    }
    for f in lab::files_under(&lab.dir.path().join("state")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        for n in &needles {
            assert!(
                !text.contains(n.as_str()),
                "{} holds a secret or the key",
                f.display()
            );
        }
    }
}

/// The plan of a fresh host in CI token mode: the application activated and
/// deployed with the version the host lists, every setting, the secrets last and
/// masked.
fn fresh_plan(host: &str, version: &str) -> String {
    format!(
        "{host} (farm auth) changes
  /Maintenance/ManagedObjects>
    ~ activate application AuthenticationService {version} /authService  (no Name AuthenticationService /authService)
    ~ deploy application /authService  (no Name AuthenticationService Deployed)
  {CISCO}>
    ~ set enabled true
    ~ set clientId C0ffee-client
    ~ set ciResponseBodyMaxSizeInBytes 65536
    ~ set issuerName https://idbroker-eu.webex.com/idb
    ~ set issuerUrl https://idbroker-eu.webex.com/idb
    ~ set tokenInfoUrl https://broadworks-idp-proxy-k.wbx2.com/broadworks-idp-proxy/api/v1/idp/authenticate
  {CISCO}/Scopes>
    ~ set scope broadworks-connector:user
  {FEDERATION}>
    ~ set flsUrl https://cifls.webex.com/federation
    ~ set refreshPeriodInMinutes 60
  {TOKENS}>
    ~ set tokenIssuer BroadWorks
    ~ set tokenDurationInHours 720
  /System/CommunicationUtility/DefaultSettings/ExternalAuthentication/AuthService>
    ~ set url http://127.0.0.1/authService  (was: )
  /Maintenance/ContainerOptions>
    + add tomcat bw.authservice.authServiceUrl http://127.0.0.1/authService
  {CISCO}>
    ~ set clientSecret  (secret, will be set: the host's record of secrets set by xspctl has none here)
  {FEDERATION}>
    ~ set refreshToken  (secret, will be set: the host's record of secrets set by xspctl has none here)
  restart required for these changes to take effect
"
    )
}

/// The second plan of a converged host: nothing but the secrets, unchanged.
fn converged_plan(host: &str) -> String {
    format!(
        "{host} (farm auth) restart required
  {CISCO}>
    = clientSecret (secret, unchanged)
  {FEDERATION}>
    = refreshToken (secret, unchanged)
"
    )
}

/// The row of the AuthenticationService application in the host's listing.
fn application_row(lab: &TestLab, host: &str) -> Vec<String> {
    let out = lab.bwcli(host, &["cd /Maintenance/ManagedObjects", "get"]);
    out.lines()
        .find(|l| l.trim_start().starts_with("AuthenticationService"))
        .unwrap_or_else(|| panic!("no AuthenticationService in {out}"))
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A fresh host of `release` with the AuthService `patches` installed: the plan
/// shows every operation, secrets masked; apply makes them; the second plan is
/// empty with the secrets unchanged; the host holds every value; nothing leaks.
fn converge(
    test: &str,
    product: Product,
    release: Release,
    name: &str,
    version: &str,
    patches: &[&str],
) {
    let lab = start(test, product, release, &["xa1"]);
    lab.host("xa1").install_patches(patches).unwrap();
    let kind = if product == Product::Adp {
        "adp"
    } else {
        "xsp"
    };
    let pb = farm_playbook(&lab, kind, name, &["xa1"], CI_TOKEN);

    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0)
        .prints(&fresh_plan("xa1", version))
        .prints("17 changes");
    let apply = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
    apply.exits(2).prints("17 writes");
    let again = lab.xspctl(&["plan", "-f", &pb]);
    again
        .exits(0)
        .prints(&converged_plan("xa1"))
        .prints(" 0 changes");

    assert_eq!(
        application_row(&lab, "xa1"),
        ["AuthenticationService", version, "/authService", "Deployed"]
    );
    for (context, name, value) in [
        (CISCO, "enabled", "true"),
        (CISCO, "clientId", "C0ffee-client"),
        (CISCO, "ciResponseBodyMaxSizeInBytes", "65536"),
        (CISCO, "issuerName", "https://idbroker-eu.webex.com/idb"),
        (CISCO, "issuerUrl", "https://idbroker-eu.webex.com/idb"),
        (
            CISCO,
            "tokenInfoUrl",
            "https://broadworks-idp-proxy-k.wbx2.com/broadworks-idp-proxy/api/v1/idp/authenticate",
        ),
        (FEDERATION, "flsUrl", "https://cifls.webex.com/federation"),
        (FEDERATION, "refreshPeriodInMinutes", "60"),
        (TOKENS, "tokenIssuer", "BroadWorks"),
        (TOKENS, "tokenDurationInHours", "720"),
        (
            "/System/CommunicationUtility/DefaultSettings/ExternalAuthentication/AuthService",
            "url",
            "http://127.0.0.1/authService",
        ),
    ] {
        assert_eq!(
            attribute(&lab, "xa1", context, name),
            value,
            "{context} {name}"
        );
    }
    assert_eq!(
        attribute(&lab, "xa1", &format!("{CISCO}/Scopes"), "scope"),
        "broadworks-connector:user"
    );
    for (context, secret, value) in [
        (CISCO, "clientSecret", CLIENT_SECRET),
        (FEDERATION, "refreshToken", REFRESH_TOKEN),
    ] {
        // Set, and shown masked.
        let shown = attribute(&lab, "xa1", context, secret);
        assert!(!shown.is_empty() && !shown.contains(value), "{shown}");
    }
    let options = lab.bwcli("xa1", &["cd /Maintenance/ContainerOptions", "get"]);
    let row = options
        .lines()
        .find(|l| l.contains("bw.authservice.authServiceUrl"))
        .unwrap_or_else(|| panic!("no container option in {options}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        [
            "tomcat",
            "bw.authservice.authServiceUrl",
            "http://127.0.0.1/authService"
        ]
    );
    // CI token mode: the web application requires no client certificate.
    let web_apps = lab.bwcli(
        "xa1",
        &[
            "cd /Interface/Http/SSLCommonSettings/ClientAuthentication/WebApps",
            "get",
        ],
    );
    let row = web_apps
        .lines()
        .find(|l| l.contains("AuthenticationService"))
        .unwrap_or_else(|| panic!("{web_apps}"));
    assert!(row.trim_end().ends_with("false"), "{web_apps}");

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
    // guide B §2.2 step 7: FLS returned the identity providers.
    assert_eq!(
        status("authservice.fls-cluster-map"),
        "ok",
        "{}",
        verify.all()
    );
    assert!(
        verify.stdout.contains("https://idbroker-eu.webex.com/idb"),
        "the ClusterMap rows are the evidence\n{}",
        verify.all()
    );

    // Without an FLS URL the ClusterMap is empty: the check fails and says why.
    let out = lab.bwcli("xa1", &[&format!("cd {FEDERATION}"), "clear flsUrl"]);
    assert!(out.contains("...Done"), "{out}");
    let broken = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    broken.exits(2);
    let json = broken.json();
    let fls = json["hosts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "authservice.fls-cluster-map")
        .unwrap_or_else(|| panic!("no FLS check\n{}", broken.all()))
        .clone();
    assert_eq!(fls["status"], "fail", "{fls}");
    assert_eq!(
        fls["observed"],
        "the ClusterMap is empty: FLS returned no identity provider"
    );
    assert!(
        fls["fix"].as_str().unwrap().contains("refreshToken"),
        "{fls}"
    );
    let key = exported_key(&lab, "xa1");
    nothing_leaks(&lab, &[&plan, &apply, &again, &verify, &broken], &[key]);
}

#[test]
fn r22_xsp_converges() {
    // guide B §2.2 step 2: R22 needs the three AuthService patches.
    converge(
        "as_r22",
        Product::Xsp,
        Release::R22,
        "R22",
        "22.0_1.1123",
        &[
            "AP.platform.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap368601",
        ],
    );
}

#[test]
fn r23_xsp_converges() {
    converge(
        "as_r23",
        Product::Xsp,
        Release::R23,
        "R23",
        "23.0_1.1075",
        &[
            "AP.xsp.23.0.1075.ap376509",
            "AP.platform.23.0.1075.ap376509",
        ],
    );
}

#[test]
fn r24_xsp_converges() {
    // guide B §2.2 step 2: no patch at R24.
    converge(
        "as_r24",
        Product::Xsp,
        Release::R24,
        "R24",
        "24.0_1.944",
        &[],
    );
}

#[test]
fn adp_converges() {
    converge(
        "as_adp",
        Product::Adp,
        Release::Adp,
        "ADP",
        "2022.11_1.273",
        &[],
    );
}

/// R21 SP1 has no CI token validation (guide B §2.1): the default mode is refused
/// where it is written, and no host is touched.
#[test]
fn ci_token_mode_on_r21_sp1_is_refused_where_it_is_written() {
    let lab = start("as_r21", Product::Xsp, Release::R21Sp1, &["xa1"]);
    let pb = farm_playbook(&lab, "xsp", "R21SP1", &["xa1"], CI_TOKEN);
    let run = lab.xspctl(&["plan", "-f", &pb]);
    run.exits(1)
        .complains("pb.yaml:8:7: error: `webex.authservice.mode` is `ci-token` (the default)")
        .complains("CI token validation needs R22 or later (solution guide B §2.1)")
        .complains("help: set `mode: mtls` for R21 SP1 hosts");
    assert!(lab.transcripts("xa1").is_empty());
}

/// A host that lacks an AuthService patch: the plan names it and stops; apply
/// writes nothing of the module (the application stays only installed).
#[test]
fn a_missing_authservice_patch_stops_the_host() {
    let lab = start("as_patch", Product::Xsp, Release::R22, &["xa1"]);
    lab.host("xa1")
        .install_patches(&[
            "AP.platform.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap376508",
        ])
        .unwrap();
    let pb = farm_playbook(&lab, "xsp", "R22", &["xa1"], CI_TOKEN);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(1).prints(
        "  error: required patches are missing, so nothing is planned for this host (xspctl checks patches, never installs them):
           AP.xsp.22.0.1123.ap368601: AuthService with CI token validation (solution guide B §2.2 step 2, source lines 2522-2538); needed by module authservice
",
    );
    assert!(
        !plan.stdout.contains("activate application"),
        "{}",
        plan.all()
    );
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(1);
    assert_eq!(
        application_row(&lab, "xa1").last().map(String::as_str),
        Some("Installed")
    );
    let options = lab.bwcli("xa1", &["cd /Maintenance/ContainerOptions", "get"]);
    assert!(!options.contains("bw.authservice"), "{options}");
}

/// The key import a host's plan shows, between the upload and the removal of the
/// key file.
fn import_lines(host: &str) -> [String; 3] {
    [
        format!(
            "{host} (farm auth) changes\n  /var/broadworks/tmp/authService.keys>\n    + upload <keys of xb1> (mode 600)  (new file, sha256 "
        ),
        format!(
            "  {KEYS}>\n    ~ importKeys /var/broadworks/tmp/authService.keys  (the farm's keys from xb1 (sha256 "
        ),
        "  /var/broadworks/tmp/authService.keys>\n    - remove  (was sha256 ".to_string(),
    ]
}

/// A fresh farm of three R23 XSPs ends with one key pair: the first apply
/// activates AuthService everywhere (the reference makes its pair once active),
/// the second imports the reference's keys on the two others, the third plan is
/// empty, and a fresh export on each host gives the same key. Verify's farm check
/// then names a host whose keys were changed behind xspctl's back, and a host added
/// to the farm later gets the farm's keys, not its own. The key and the secrets
/// never appear in any output or file of the controller.
#[test]
fn a_farm_shares_the_reference_hosts_keys() {
    let hosts = ["xb1", "xb2", "xb3", "xb4"];
    let lab = start("as_farm", Product::Xsp, Release::R23, &hosts);
    for h in hosts {
        lab.host(h)
            .install_patches(&[
                "AP.xsp.23.0.1075.ap376509",
                "AP.platform.23.0.1075.ap376509",
            ])
            .unwrap();
    }
    let pb = farm_playbook(&lab, "xsp", "R23", &hosts[..3], CI_TOKEN);
    let mut runs = Vec::new();

    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0).prints(&fresh_plan("xb2", "23.0_1.1075"));
    assert!(!plan.stdout.contains("importKeys"), "{}", plan.all());
    runs.push(plan);
    runs.push(lab.xspctl(&["apply", "-f", &pb, "--yes"]));

    // The reference is active now: the others get its keys. The plan is saved
    // (under the state directory, so that the leak check reads it) and applied.
    let plan_file = lab.dir.path().join("state/keys-plan.json");
    let plan_file = plan_file.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", &pb, "--out", plan_file]);
    plan.exits(0);
    for h in ["xb2", "xb3"] {
        for line in import_lines(h) {
            plan.prints(&line);
        }
    }
    plan.prints("xb1 (farm auth) restart required\n");
    assert_eq!(
        plan.stdout.matches("importKeys").count(),
        2,
        "{}",
        plan.all()
    );
    runs.push(plan);
    let saved = std::fs::read_to_string(plan_file).unwrap();
    assert_eq!(saved.matches("\"importKeys\"").count(), 2, "{saved}");
    let apply = lab.xspctl(&["apply", "-f", &pb, "--plan", plan_file, "--yes"]);
    apply.exits(2);
    runs.push(apply);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0).prints(" 0 changes");
    assert!(!plan.stdout.contains("importKeys"), "{}", plan.all());
    runs.push(plan);

    let farm_key = exported_key(&lab, "xb1");
    for h in ["xb2", "xb3"] {
        assert_eq!(exported_key(&lab, h), farm_key, "{h} holds other keys");
    }
    for h in ["xb1", "xb2", "xb3"] {
        assert!(
            !lab.host(h)
                .fs_root()
                .join("var/broadworks/tmp/authService.keys")
                .exists(),
            "the key file is left on {h}"
        );
    }
    let verify = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    for h in ["xb1", "xb2", "xb3"] {
        assert_eq!(
            verify.host_finding(h, "authservice.key-fingerprint", "")["status"],
            "ok",
            "{}",
            verify.all()
        );
    }
    runs.push(verify);

    // xb3 gets another pair behind xspctl's back: xb4's own, made by its first
    // export once its AuthService is active.
    let out = lab.bwcli(
        "xb4",
        &[
            "cd /Maintenance/ManagedObjects",
            "activate application AuthenticationService 23.0_1.1075 /authService",
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let other_key = exported_key(&lab, "xb4");
    assert_ne!(other_key, farm_key);
    let tmp = "var/broadworks/tmp/other.keys";
    std::fs::write(lab.host("xb3").fs_root().join(tmp), &other_key).unwrap();
    let out = lab.bwcli(
        "xb3",
        &[&format!("cd {KEYS}"), &format!("importKeys /{tmp}")],
    );
    assert!(out.contains("...Done"), "{out}");
    std::fs::remove_file(lab.host("xb3").fs_root().join(tmp)).unwrap();
    let verify = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    let odd = verify.host_finding("xb3", "authservice.key-fingerprint", "");
    assert_eq!(odd["status"], "fail", "{}", verify.all());
    assert_eq!(
        verify.host_finding("xb1", "authservice.key-fingerprint", "")["status"],
        "ok"
    );
    assert!(odd.to_string().contains("xb3"), "{odd}");
    runs.push(verify);

    // xb4 joins the farm: it gets the farm's keys, not its own (and xb3 gets
    // them back).
    let pb = farm_playbook(&lab, "xsp", "R23", &hosts, CI_TOKEN);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    for h in ["xb3", "xb4"] {
        for line in import_lines(h) {
            plan.prints(&line);
        }
    }
    assert_eq!(
        plan.stdout.matches("importKeys").count(),
        2,
        "{}",
        plan.all()
    );
    runs.push(plan);
    runs.push(lab.xspctl(&["apply", "-f", &pb, "--yes"]));
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0).prints(" 0 changes");
    runs.push(plan);
    for h in hosts {
        assert_eq!(exported_key(&lab, h), farm_key, "{h} holds other keys");
    }
    let verify = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    for h in hosts {
        assert_eq!(
            verify.host_finding(h, "authservice.key-fingerprint", "")["status"],
            "ok",
            "{}",
            verify.all()
        );
    }
    runs.push(verify);

    let refs: Vec<&Run> = runs.iter().collect();
    nothing_leaks(&lab, &refs, &[farm_key, other_key]);
    for h in hosts {
        for t in lab.transcripts(h) {
            assert!(
                !t.contains("BEGIN"),
                "a transcript of {h} shows key material"
            );
        }
    }
}

/// The example playbook (every release: CI tokens on R22+, mTLS on R21 SP1) is valid.
#[test]
fn the_example_playbook_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/playbooks/examples/authservice.yaml"
    );
    let run = lab::run_xspctl(dir.path(), &["validate", "-f", example]);
    run.exits(0);
}

/// mTLS mode (guide B §2.1): no CI settings; on R22 and later the AuthService web
/// application requires client certificates; on R21 SP1 (no `WebApps` context) the
/// shared settings only. Plan, apply, an empty second plan.
fn mtls_converges(test: &str, release: Release, name: &str, patches: &[&str], web_apps: bool) {
    let lab = start(test, Product::Xsp, release, &["xa1"]);
    lab.host("xa1").install_patches(patches).unwrap();
    let pb = farm_playbook(&lab, "xsp", name, &["xa1"], "authservice: { mode: mtls }");
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(0)
        .prints("    ~ deploy application /authService")
        .prints(&format!("  {TOKENS}>\n    ~ set tokenIssuer BroadWorks\n"));
    assert!(!plan.stdout.contains("IdentityProviders"), "{}", plan.all());
    let web_apps_line = "ClientAuthentication/WebApps>";
    assert_eq!(
        plan.stdout.contains(web_apps_line),
        web_apps,
        "{}",
        plan.all()
    );
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(2);
    lab.xspctl(&["plan", "-f", &pb])
        .exits(0)
        .prints(" 0 changes");
    if web_apps {
        let out = lab.bwcli(
            "xa1",
            &[
                "cd /Interface/Http/SSLCommonSettings/ClientAuthentication/WebApps",
                "get",
            ],
        );
        let row = out
            .lines()
            .find(|l| l.contains("AuthenticationService"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(row.trim_end().ends_with("true"), "{out}");
    }
}

#[test]
fn mtls_mode_on_r22_requires_client_certificates() {
    mtls_converges(
        "as_mtls22",
        Release::R22,
        "R22",
        &[
            "AP.platform.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap376508",
            "AP.xsp.22.0.1123.ap368601",
        ],
        true,
    );
}

#[test]
fn mtls_mode_on_r21_sp1_converges() {
    mtls_converges("as_mtls21", Release::R21Sp1, "R21SP1", &[], false);
}

/// CI keys in mTLS mode, and an unknown cluster, are refused where they are written.
#[test]
fn misplaced_and_unknown_keys_are_refused_where_they_are_written() {
    let lab = start("as_badkeys", Product::Xsp, Release::R23, &["xa1"]);
    let pb = farm_playbook(
        &lab,
        "xsp",
        "R23",
        &["xa1"],
        "authservice:\n  mode: mtls\n  client_id: C0ffee-client",
    );
    lab.xspctl(&["plan", "-f", &pb])
        .exits(1)
        .complains("pb.yaml:10:")
        .complains("`webex.authservice.client_id` is only used with `mode: ci-token`");
    let pb = farm_playbook(
        &lab,
        "xsp",
        "R23",
        &["xa1"],
        &CI_TOKEN.replace("EU", "APAC"),
    );
    lab.xspctl(&["plan", "-f", &pb])
        .exits(1)
        .complains("pb.yaml:12:")
        .complains("\"APAC\" is not a CI cluster the solution guide lists")
        .complains("use one of US-A, EU, US-B");
    assert!(lab.transcripts("xa1").is_empty());
}

/// The shared application helper (src/modules/application.rs) refuses an
/// AuthenticationService active at another context path than `/authService`,
/// naming the path and the commands that free it; nothing is written.
#[test]
fn an_application_active_elsewhere_is_refused_with_the_fix() {
    let lab = start("as_elsewhere", Product::Xsp, Release::R23, &["xe1"]);
    lab.host("xe1")
        .install_patches(&[
            "AP.xsp.23.0.1075.ap376509",
            "AP.platform.23.0.1075.ap376509",
        ])
        .unwrap();
    let out = lab.bwcli(
        "xe1",
        &[
            "cd /Maintenance/ManagedObjects",
            "activate application AuthenticationService 23.0_1.1075 /auth",
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let pb = farm_playbook(&lab, "xsp", "R23", &["xe1"], CI_TOKEN);
    let plan = lab.xspctl(&["plan", "-f", &pb]);
    plan.exits(1)
        .prints("application AuthenticationService is active at \"/auth\", not at /authService")
        .prints("`undeploy application /auth`, `deactivate application /auth`");
    let apply = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
    apply.exits(1);
    assert_eq!(
        application_row(&lab, "xe1"),
        ["AuthenticationService", "23.0_1.1075", "/auth", "Active"]
    );
}
