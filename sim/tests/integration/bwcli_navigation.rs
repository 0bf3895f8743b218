//! Navigation grammar (bwcli-behavior §2): prefixes, chaining, cd forms.
use crate::bwcli_support;

use bwcli_support::{Cli, host};
use xspsim::host::{Product, Release};

#[test]
fn levels_by_case_insensitive_prefix_with_canonical_prompts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(c.run("sys"), "XSP_CLI/System> ");
    assert_eq!(c.run("SSLCOMMON"), "XSP_CLI/System/SSLCommonSettings> ");
    assert_eq!(c.run("jsse"), "XSP_CLI/System/SSLCommonSettings/JSSE> ");
    assert_eq!(
        c.run("Pro"),
        "XSP_CLI/System/SSLCommonSettings/JSSE/Protocols> "
    );
    // Exact names win over prefixes; unknown names are invalid.
    assert_eq!(c.run("cd /;int"), "XSP_CLI/Interface> ");
    assert_eq!(c.out("nosuch", "XSP_CLI/Interface> "), "Invalid command\n");
}

#[test]
fn an_ambiguous_prefix_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(
        c.out("s", "AS_CLI> "),
        "[CLIError] Ambiguous command \"s\": it matches System, Service\n"
    );
    assert_eq!(c.run("se"), "AS_CLI/Service> ");
}

#[test]
fn chaining_with_semicolons_as_automation_does() {
    // JM-BL: `sys;sec;black;add ...`; ALARM-J: `monitor;alarm;open`.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let out = c.run("int;cti;get");
    assert_eq!(
        out,
        "  portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = 8012\nXSP_CLI/Interface/CTI> "
    );
    assert_eq!(
        c.run("cd /;mon;al;al;clearAll;y"),
        "Please confirm (Yes, Y, No, N): \n...Done\nXSP_CLI/Monitoring/Alarm/AlarmsTable> "
    );
    assert_eq!(
        c.run("list"),
        "  Identifier  Timestamp  Alarm Name  Severity  Correlation Parameter\n====================================================================\n\n0 entry found.\nXSP_CLI/Monitoring/Alarm/AlarmsTable> "
    );
    // A quoted `;` is part of the value.
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    let mut c = Cli::start(&h);
    let p = "AS_CLI/System/PushNotification/AllowedApplications> ";
    assert_eq!(
        c.run(
            "cd /System/PushNotification/AllowedApplications;add com.cisco.squared \"Webex; iOS\""
        ),
        format!("...Done\n{p}")
    );
    assert_eq!(
        c.out("get", p),
        "     Application ID  Description\n================================\n  com.cisco.squared   Webex; iOS\n\n1 entry found.\n"
    );
}

#[test]
fn confirmation_answered_later_in_a_chain_and_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Monitoring/Alarm/AlarmsTable> ";
    c.run("cd /Monitoring/Alarm/AlarmsTable");
    assert_eq!(
        c.run("clearAll;n;list").matches("entries found.").count(),
        1
    );
    assert_eq!(c.run("clearAll"), "Please confirm (Yes, Y, No, N): ");
    assert_eq!(c.run("y"), format!("...Done\n{p}"));
}

#[test]
fn cd_forms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(c.run("cd /Interface/Http"), "XSP_CLI/Interface/Http> ");
    assert_eq!(
        c.run("cd HttpServer/SSLSettings"),
        "XSP_CLI/Interface/Http/HttpServer/SSLSettings> "
    );
    assert_eq!(
        c.run("cd Protocols"),
        "XSP_CLI/Interface/Http/HttpServer/SSLSettings/Protocols> "
    );
    assert_eq!(
        c.run("cd .."),
        "XSP_CLI/Interface/Http/HttpServer/SSLSettings> "
    );
    assert_eq!(
        c.run("cd ../../SSLCommonSettings/Ciphers"),
        "XSP_CLI/Interface/Http/SSLCommonSettings/Ciphers> "
    );
    assert_eq!(c.run("cd /"), "XSP_CLI> ");
    assert_eq!(
        c.run("cd /int/cti/sslset/cert"),
        "XSP_CLI/Interface/CTI/SSLSettings/Certificates> "
    );
    assert_eq!(c.run("cd"), "XSP_CLI> ");
    assert_eq!(
        c.out("cd /Interface/Nope", "XSP_CLI> "),
        "[Error] Command cd: no level \"Nope\" at /Interface\n"
    );
}

#[test]
fn slash_paths_without_cd_are_invalid() {
    // CS2005: `system/registration/contacts` -> Invalid command.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(c.out("Interface/CTI", "XSP_CLI> "), "Invalid command\n");
    assert_eq!(c.out("/Interface/CTI", "XSP_CLI> "), "Invalid command\n");
    assert_eq!(c.out("int/cti/get", "XSP_CLI> "), "Invalid command\n");
}

#[test]
fn the_guides_spellings_of_authentication_service() {
    // guide B §2.2 step 9: `Applications/authenticationService/KeyManagement` works
    // case-insensitively; step 7's `Applications/AuthService/...` is a typo that fails.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService");
    assert_eq!(
        c.run("cd /Applications/authenticationService/KeyManagement"),
        "XSP_CLI/Applications/AuthenticationService/KeyManagement> "
    );
    assert_eq!(
        c.out(
            "cd /Applications/AuthService/IdentityProviders/Cisco/Federation/ClusterMap",
            "XSP_CLI/Applications/AuthenticationService/KeyManagement> "
        ),
        "[Error] Command cd: no level \"AuthService\" at /Applications\n"
    );
    assert_eq!(
        c.run(
            "cd /Applications/AuthenticationService/IdentityProviders/Cisco/Federation/ClusterMap"
        ),
        "XSP_CLI/Applications/AuthenticationService/IdentityProviders/Cisco/Federation/ClusterMap> "
    );
    // `Get` with a capital (guide B §2.2 step 7) is the same verb.
    assert!(
        c.run("Get")
            .starts_with("  Cluster  Identity Provider URL\n")
    );
}

#[test]
fn application_levels_come_and_go_with_activation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(
        c.out("cd /Applications/AuthenticationService", "XSP_CLI> "),
        "[Error] Command cd: no level \"AuthenticationService\" at /Applications\n"
    );
    c.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService");
    assert_eq!(
        c.run("cd /Applications/AuthenticationService/TokenManagement"),
        "XSP_CLI/Applications/AuthenticationService/TokenManagement> "
    );
    // Another session deactivates it: this session falls back to the nearest level.
    let mut other = Cli::start(&h);
    other.run("cd /Maintenance/ManagedObjects;deactivate application /authService");
    assert_eq!(c.run(""), "XSP_CLI/Applications> ");
}
