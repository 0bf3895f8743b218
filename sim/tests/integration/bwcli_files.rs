//! Commands that read or write files of the host: updateTrust, exportKeys /
//! importKeys, install application, FCM key files.
use crate::bwcli_support;

use bwcli_support::{Cli, TestPki, host, put};
use xspsim::host::{Product, Release};

#[test]
fn update_trust_reads_a_pem_and_shows_alias_owner_issuer() {
    // guide B §5.6 steps 4-8; C-TRUST's `[self-signed]` suffix.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let pki = TestPki::new("leaf");
    put(&h, "/tmp/broadcloudroot.txt", pki.root_pem.as_bytes());
    put(&h, "/tmp/broadcloudissuing.txt", pki.issuing_pem.as_bytes());
    put(&h, "/tmp/notes.txt", b"hello");
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts> ";
    c.run("cd /Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts");
    assert_eq!(
        c.out("updateTrust webexroot /tmp/broadcloudroot.txt", p),
        "...Done\n"
    );
    assert_eq!(
        c.out("updateTrust webexissuing /tmp/broadcloudissuing.txt", p),
        "...Done\n"
    );
    assert_eq!(
        c.out("get", p),
        "         Alias            Owner                     Issuer\n\
         ==========================================================\n\
         \x20    webexroot     Test Root CA  Test Root CA[self-signed]\n\
         \x20 webexissuing  Test Issuing CA               Test Root CA\n\
         \n2 entries found.\n"
    );
    assert_eq!(
        c.out("updateTrust x /tmp/missing.txt", p),
        "[Error] Command updateTrust: /tmp/missing.txt: No such file or directory\n"
    );
    assert_eq!(
        c.out("updateTrust x /tmp/notes.txt", p),
        "[Error] Command updateTrust: /tmp/notes.txt: no PEM certificate found\n"
    );
    assert_eq!(
        c.out("updateTrust x", p),
        "[CLIError] Command updateTrust: Mandatory parameter missing\n<trustAnchorFile>, String {absolute file path}\n"
    );
    // `..` cannot leave the host's file system.
    assert_eq!(
        c.out("updateTrust x /../../../etc/passwd", p),
        "[Error] Command updateTrust: /../../../etc/passwd: No such file or directory\n"
    );
    assert_eq!(c.out("delete webexissuing", p), "...Done\n");
    assert!(c.out("get", p).ends_with("\n1 entry found.\n"));
}

#[test]
fn r21_chain_depth_limits_the_trusted_chain() {
    // guide B §15: with chainDepth too low, Trusts> get misses certificates of the chain.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp21", Product::Xsp, Release::R21Sp1);
    let pki = TestPki::new("bwcticlient.webex.com");
    let chain = format!("{}{}{}", pki.leaf_pem, pki.issuing_pem, pki.root_pem);
    put(&h, "/tmp/CombinedCertChain.txt", chain.as_bytes());
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/Http/ClientAuthentication> ";
    assert_eq!(
        c.run("cd /Interface/Http/ClientAuthentication;get"),
        format!("  chainDepth = 2\n{p}")
    );
    let p = "XSP_CLI/Interface/Http/ClientAuthentication/Trusts> ";
    c.run("cd Trusts");
    assert_eq!(
        c.out("updateTrust webex /tmp/CombinedCertChain.txt", p),
        "...Done\n"
    );
    assert!(c.out("get", p).ends_with("\n2 entries found.\n"));
    c.run("cd ..;set chainDepth 3;cd Trusts");
    assert_eq!(
        c.out("updateTrust webex /tmp/CombinedCertChain.txt", p),
        "...Done\n"
    );
    let out = c.out("get", p);
    assert!(
        out.contains("  webex_3           Test Root CA  Test Root CA[self-signed]\n"),
        "{out}"
    );
    assert!(out.ends_with("\n3 entries found.\n"));
}

#[test]
fn exported_keys_import_on_another_host() {
    // guide B §2.2 step 9.
    let dir = tempfile::tempdir().expect("tempdir");
    let a = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let b = host(dir.path(), "xsp2", Product::Xsp, Release::R22);
    let keys = "/var/broadworks/tmp/authService.keys";
    let mut ca = Cli::start(&a);
    ca.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService");
    let p = "XSP_CLI/Applications/AuthenticationService/KeyManagement> ";
    ca.run("cd /Applications/authenticationService/KeyManagement");
    assert_eq!(
        ca.out("exportKeys", p),
        "Keys exported to /var/broadworks/tmp/authService.keys\n...Done\n"
    );
    let exported =
        std::fs::read(a.fs_root().join(keys.trim_start_matches('/'))).expect("keys file");
    assert!(String::from_utf8_lossy(&exported).starts_with("-----BEGIN PRIVATE KEY-----"));
    // Exporting again gives the same keys.
    ca.run("exportKeys");
    assert_eq!(
        std::fs::read(a.fs_root().join(keys.trim_start_matches('/'))).expect("keys"),
        exported
    );
    // Copy to the other XSP and import there; its export is then identical.
    put(&b, keys, &exported);
    let mut cb = Cli::start(&b);
    cb.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService");
    cb.run("cd /Applications/AuthenticationService/KeyManagement");
    put(&b, "/tmp/garbage.keys", b"not keys");
    assert_eq!(
        cb.out("importKeys /tmp/garbage.keys", p),
        "[Error] Command importKeys: /tmp/garbage.keys: not an AuthService keys file\n"
    );
    assert_eq!(cb.out(&format!("importKeys {keys}"), p), "...Done\n");
    std::fs::remove_file(b.fs_root().join(keys.trim_start_matches('/'))).expect("remove");
    cb.run("exportKeys");
    assert_eq!(
        std::fs::read(b.fs_root().join(keys.trim_start_matches('/'))).expect("keys"),
        exported
    );
    let sums = (
        a.exec(&format!("sha256sum {keys}")),
        b.exec(&format!("sha256sum {keys}")),
    );
    assert_eq!(sums.0.stdout, sums.1.stdout);
    // The exported key never shows in the CLI.
    assert!(!cb.run("help").contains("PRIVATE KEY"));
}

#[test]
fn install_activate_deploy_an_unmanaged_application() {
    // guide B §6 (Call Settings Webview), R21 extra config.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp21", Product::Xsp, Release::R21Sp1);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Maintenance/ManagedObjects> ";
    c.run("cd /Maintenance/ManagedObjects");
    assert_eq!(
        c.out("install application /tmp/BWCallSettingsWeb_1.7.5_1.war", p),
        "[Error] Command install: /tmp/BWCallSettingsWeb_1.7.5_1.war: No such file or directory\n"
    );
    put(&h, "/tmp/BWCallSettingsWeb_1.7.5_1.war", b"PK\x03\x04 war");
    assert_eq!(
        c.out("install application /tmp/BWCallSettingsWeb_1.7.5_1.war", p),
        "BroadWorks SW Manager installing BWCallSettingsWeb_1.7.5_1.war...\n...Done\n"
    );
    assert_eq!(
        c.out("install application /tmp/BWCallSettingsWeb_1.7.5_1.war", p),
        "entry is already present in list\n"
    );
    assert_eq!(
        c.out("activate application BWCallSettingsWeb 1.7.5", p),
        "[CLIError] Command activate: Mandatory parameter missing\n<contextPath>, String {1 to 256 characters}\n"
    );
    assert_eq!(
        c.out(
            "activate application BWCallSettingsWeb 1.7.5 /com.broadsoft.xsi-actions",
            p
        ),
        "[Error] Command activate: context path /com.broadsoft.xsi-actions is used by Xsi-Actions\n"
    );
    assert_eq!(
        c.out(
            "activate application BWCallSettingsWeb 1.7.5 /callsettings",
            p
        ),
        "BroadWorks SW Manager activating BWCallSettingsWeb 1.7.5...\n...Done\n"
    );
    assert_eq!(
        c.out("deploy application /callsettings", p),
        "BroadWorks SW Manager deploying /callsettings...\n...Done\n"
    );
    assert!(c.out("get", p).contains(
        "      BWCallSettingsWeb         1.7.5               /callsettings   Deployed\n"
    ));
    let g = "XSP_CLI/Applications/BWCallSettingsWeb_1.7.5/General> ";
    assert_eq!(c.run("cd /Applications/BWCallSettingsWeb_1.7.5/General"), g);
    assert_eq!(
        c.out("get", g),
        "  xsiActionsContextOrURL = \n  displayCriteriaOrScheduleName = schedule\n  applicationMode = test\n"
    );
    assert_eq!(
        c.out("set xsiActionsContextOrURL /com.broadsoft.xsi-actions displayCriteriaOrScheduleName criteria applicationMode prod", g),
        "...Done\n"
    );
    // Undeploy, then deactivate: the level disappears.
    c.run("cd /Maintenance/ManagedObjects");
    assert_eq!(
        c.out("deactivate application /callsettings", p),
        "[Error] Command deactivate: the application at /callsettings is deployed; undeploy it first\n"
    );
    assert_eq!(
        c.out("undeploy application /callsettings", p),
        "BroadWorks SW Manager undeploying /callsettings...\n...Done\n"
    );
    assert_eq!(
        c.out("deactivate application /callsettings", p),
        "BroadWorks SW Manager deactivating BWCallSettingsWeb 1.7.5...\n...Done\n"
    );
    assert_eq!(
        c.out("cd /Applications/BWCallSettingsWeb_1.7.5/General", p),
        "[Error] Command cd: no level \"BWCallSettingsWeb_1.7.5\" at /Applications\n"
    );
    // At R22 the application has no General level.
    let h = host(dir.path(), "xsp22", Product::Xsp, Release::R22);
    put(&h, "/tmp/BWCallSettingsWeb_1.8.2_1.war", b"war");
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;install application /tmp/BWCallSettingsWeb_1.8.2_1.war;activate application BWCallSettingsWeb 1.8.2 /callsettings;deploy application /callsettings");
    assert!(!c.run("cd /Applications;help").contains("BWCallSettingsWeb"));
}

#[test]
fn fcm_key_files_are_stored_as_secrets() {
    // guide B §7.4a step 6: `add <project id> <path/to/key/file>`, get shows ********.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "nps1", Product::Xsp, Release::R22);
    put(
        &h,
        "/tmp/service-account.json",
        br#"{"private_key": "-----BEGIN PRIVATE KEY-----secret"}"#,
    );
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;activate application NotificationPushServer 22.0_1.1123");
    let p = "XSP_CLI/Applications/NotificationPushServer/FCM/Projects> ";
    c.run("cd /Applications/NotificationPushServer/FCM/Projects");
    assert_eq!(
        c.out("add my_project /tmp/service-account.json", p),
        "...Done\n"
    );
    assert_eq!(
        c.out("get", p),
        "  Project ID  Accountkey\n========================\n  my_project    ********\n\n1 entry found.\n"
    );
    assert_eq!(
        c.out("detail my_project", p),
        "  projectId = my_project\n  accountKey = ********\n"
    );
    let p = "XSP_CLI/Applications/NotificationPushServer/FCM/Applications> ";
    c.run("cd ../Applications");
    assert_eq!(c.out("add my_app projectId my_project", p), "...Done\n");
    assert_eq!(
        c.out("get", p),
        "  Application ID  Project ID\n============================\n          my_app  my_project\n\n1 entry found.\n"
    );
}
