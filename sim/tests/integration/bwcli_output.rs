//! The documented output forms of bwcli, asserted exactly (bwcli-behavior §1, §3).
use crate::bwcli_support;

use bwcli_support::{Cli, host};
use xspsim::host::{Product, Release, SessionEnd};

const P_TOP: &str = "XSP_CLI> ";

#[test]
fn banner_and_first_prompt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let c = Cli::start(&h);
    let rule = "=".repeat(70);
    assert_eq!(
        c.banner,
        format!(
            "{rule}\nBroadWorks Command Line Interface\n  Type HELP for more information\n{rule}\n\nXSP_CLI> "
        )
    );
    for (product, release, prompt) in [
        (Product::Adp, Release::Adp, "ADP_CLI> "),
        (Product::As, Release::R24, "AS_CLI> "),
    ] {
        let h = host(
            dir.path(),
            &format!("{product:?}").to_lowercase(),
            product,
            release,
        );
        assert!(
            Cli::start(&h)
                .banner
                .ends_with(&format!("{rule}\n\n{prompt}"))
        );
    }
}

#[test]
fn attribute_list_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/CTI> ";
    assert_eq!(c.run("cd /Interface/CTI"), p);
    assert_eq!(
        c.out("get", p),
        "  portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = 8012\n"
    );
    // An empty value prints `name = ` (C-ENC).
    let p =
        "XSP_CLI/System/CommunicationUtility/DefaultSettings/ExternalAuthentication/AuthService> ";
    c.run("cd /System/CommunicationUtility/DefaultSettings/ExternalAuthentication/AuthService");
    assert_eq!(c.out("g", p), "  url = \n");
    assert_eq!(
        c.out("set url http://127.0.0.1/authService", p),
        "...Done\n"
    );
    assert_eq!(c.out("get", p), "  url = http://127.0.0.1/authService\n");
    assert_eq!(c.out("clear url", p), "...Done\n");
    assert_eq!(c.out("get", p), "  url = \n");
}

#[test]
fn table_forms_and_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    let mut c = Cli::start(&h);
    let p = "AS_CLI/System/ClientIdentity> ";
    assert_eq!(c.run("cd /System/ClientIdentity"), p);
    assert_eq!(
        c.out("get", p),
        "  Identity\n==========\n\n0 entry found.\n"
    );
    assert_eq!(c.out("add bwcticlient.webex.com", p), "...Done\n");
    assert_eq!(
        c.out("get", p),
        "               Identity\n=======================\n  bwcticlient.webex.com\n\n1 entry found.\n"
    );
    assert_eq!(c.out("add other.example.com", p), "...Done\n");
    assert_eq!(
        c.out("get", p),
        "               Identity\n=======================\n  bwcticlient.webex.com\n      other.example.com\n\n2 entries found.\n"
    );
    assert_eq!(
        c.out("add bwcticlient.webex.com", p),
        "entry is already present in list\n"
    );
    assert_eq!(c.out("delete nothing.example.com", p), "Entry not found\n");
    assert_eq!(c.out("del other.example.com", p), "...Done\n");
}

#[test]
fn scoped_tables_hide_the_filter_columns() {
    // C-TLS: `get <ip> <port>` on HttpServer SSLSettings shows only `Protocol Name`.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/Http/HttpServer/SSLSettings/Protocols> ";
    c.run("cd /Interface/Http/HttpServer/SSLSettings/Protocols");
    assert_eq!(
        c.out("get 127.0.0.1 8443", p),
        "  Protocol Name\n===============\n\n0 entry found.\n"
    );
    assert_eq!(
        c.out("add 127.0.0.1 8443 TLSv1.2", p),
        "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n"
    );
    assert_eq!(
        c.out("get 127.0.0.1 8443", p),
        "  Protocol Name\n===============\n        TLSv1.2\n\n1 entry found.\n"
    );
    assert_eq!(
        c.out("get", p),
        "  Interface IP  Port  Protocol Name\n===================================\n     127.0.0.1  8443        TLSv1.2\n\n1 entry found.\n"
    );
    let p = "XSP_CLI/Interface/Http/HttpServer/SSLSettings/Ciphers> ";
    c.run("cd ../Ciphers");
    assert_eq!(
        c.out("get 127.0.0.1 8443", p),
        "  Cipher Name\n=============\n\n0 entry found.\n"
    );
}

#[test]
fn the_documented_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(c.out("frobnicate", P_TOP), "Invalid command\n");
    assert_eq!(c.out("get", P_TOP), "Invalid command\n");
    let p = "XSP_CLI/Interface/Http/HttpServer/SSLSettings/Ciphers> ";
    c.run("cd /Interface/Http/HttpServer/SSLSettings/Ciphers");
    assert_eq!(
        c.out("add 127.0.0.1", p),
        "[CLIError] Command add: Mandatory parameter missing\n<port>, Int {1 to 65535}\n"
    );
    assert_eq!(
        c.out("add 127.0.0.1 8443", p),
        "[CLIError] Command add: Mandatory parameter missing\n<cipherName>, String {IANA cipher suite name}\n"
    );
    assert_eq!(
        c.out(
            "add 127.0.0.1 99999 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            p
        ),
        "[CLIError] Command add: Invalid value \"99999\" for port: expected Int {1 to 65535}\n"
    );
    // guide A L1147 / guide B §3: IANA names, not OpenSSL names.
    assert_eq!(
        c.out("add 127.0.0.1 8443 ECDHE-ECDSA-CHACHA20-POLY1305", p),
        "[CLIError] Command add: Invalid value \"ECDHE-ECDSA-CHACHA20-POLY1305\" for cipherName: this is an OpenSSL cipher name; the CLI takes IANA cipher suite names (TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)\n"
    );
    assert_eq!(
        c.out(
            "add 127.0.0.1 8443 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
            p
        ),
        "[CLIError] Command add: Invalid value \"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305\" for cipherName: not an IANA cipher suite name (did you mean TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256?)\n"
    );
    assert_eq!(
        c.out(
            "add 127.0.0.1 8443 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 extra",
            p
        ),
        "[CLIError] Command add: Too many parameters\n"
    );
    let p = "XSP_CLI/Interface/CTI> ";
    c.run("cd /Interface/CTI");
    assert_eq!(
        c.out("set securePortEnabled maybe", p),
        "[CLIError] Command set: Invalid value \"maybe\" for securePortEnabled: expected Choice = {false, true}\n"
    );
    assert_eq!(
        c.out("set", p),
        "[CLIError] Command set: Mandatory parameter missing\n<attribute>, Multiple Choice = {portEnabled, port, securePortEnabled, securePort}\n"
    );
    assert_eq!(
        c.out("set nosuch 1", p),
        "[CLIError] Command set: Unknown attribute \"nosuch\" (expected one of: portEnabled, port, securePortEnabled, securePort)\n"
    );
    // Nothing here is nullable, so there is no `clear`.
    assert_eq!(c.out("clear port", p), "Invalid command\n");
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    let mut c = Cli::start(&h);
    let p = "AS_CLI/Interface/Messaging> ";
    c.run("cd /Interface/Messaging");
    assert_eq!(
        c.out("clear enableSynchronization", p),
        "[Error] Command clear: enableSynchronization cannot be cleared\n"
    );
    assert_eq!(
        c.out("clear", p),
        "[CLIError] Command clear: Mandatory parameter missing\n<attribute>, Multiple Choice = {provisioningUrl, provisioningUserId}\n"
    );
}

#[test]
fn exit_and_quit_ask_for_confirmation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(c.run("exit"), "Please confirm (Yes, Y, No, N): ");
    assert_eq!(c.run("maybe"), "Please confirm (Yes, Y, No, N): ");
    assert_eq!(c.run("N"), P_TOP);
    assert_eq!(c.run("quit"), "Please confirm (Yes, Y, No, N): ");
    let r = c.reply("Yes");
    assert_eq!(r.output, "This session is now ending...\n");
    assert_eq!(r.end, SessionEnd::Exit);
    let mut c = Cli::start(&h);
    let r = c.reply("exit;y");
    assert_eq!(
        r.output,
        "Please confirm (Yes, Y, No, N): \nThis session is now ending...\n"
    );
    assert_eq!(r.end, SessionEnd::Exit);
}

#[test]
fn password_attributes_prompt_twice_and_show_stars() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "nps1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;activate application NotificationPushServer 22.0_1.1123");
    let p = "XSP_CLI/Applications/NotificationPushServer/CiscoCI/Client> ";
    assert_eq!(
        c.run("cd /Applications/NotificationPushServer/CiscoCI/Client"),
        p
    );
    let mut transcript = String::new();
    let r = c.reply("set clientSecret");
    assert_eq!(r.output, "New Password:");
    assert!(r.hide_input);
    transcript.push_str(&r.output);
    let r = c.reply("client-Secret-From-Step1");
    assert_eq!(r.output, "\nRe-type New Password:");
    assert!(r.hide_input);
    transcript.push_str(&r.output);
    let r = c.reply("client-Secret-From-Step1");
    assert_eq!(
        r.output,
        format!(
            "\n*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n{p}"
        )
    );
    assert!(!r.hide_input);
    transcript.push_str(&r.output);
    // A mismatch changes nothing.
    c.run("set RefreshToken");
    c.run("first-token");
    let r = c.reply("second-token");
    assert_eq!(
        r.output,
        format!("\n[Error] Command set: the two passwords do not match; nothing was changed\n{p}")
    );
    transcript.push_str(&r.output);
    let get = c.out("get", p);
    assert_eq!(
        get,
        "  clientId = \n  clientSecret = ********\n  RefreshToken = \n"
    );
    transcript.push_str(&get);
    // Typed on the command line, the secret is refused without being echoed.
    let r = c.out("set RefreshToken Refresh-Token-From-Step1", p);
    assert_eq!(
        r,
        "[CLIError] Command set: RefreshToken is a password: type `set RefreshToken` alone and answer the New Password: prompts (nothing was changed)\n"
    );
    transcript.push_str(&r);
    for secret in [
        "client-Secret-From-Step1",
        "first-token",
        "second-token",
        "Refresh-Token-From-Step1",
    ] {
        assert!(!transcript.contains(secret), "{secret} leaked");
    }
}

#[test]
fn several_passwords_in_one_set_and_plain_attributes_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R23);
    let mut c = Cli::start(&h);
    let p = "AS_CLI/Interface/Messaging> ";
    c.run("cd /Interface/Messaging");
    assert_eq!(
        c.run("set provisioningUserId prov provisioningPassword"),
        "New Password:"
    );
    assert_eq!(c.run("pw-1"), "\nRe-type New Password:");
    assert_eq!(c.run("pw-1"), format!("\n...Done\n{p}"));
    assert_eq!(
        c.out("get", p),
        "  provisioningUrl = \n  provisioningUserId = prov\n  provisioningPassword = ********\n  enableSynchronization = false\n"
    );
    // An empty password is refused.
    c.run("set provisioningPassword");
    assert_eq!(
        c.run(""),
        format!(
            "\n[Error] Command set: an empty password is not accepted; nothing was changed\n{p}"
        )
    );
}

#[test]
fn help_lists_commands_and_levels_and_describes_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(
        c.out("help", P_TOP),
        "0) System : go to level System\n1) Interface : go to level Interface\n2) Applications : go to level Applications\n3) Maintenance : go to level Maintenance\n4) Monitoring : go to level Monitoring\nh (help), e (exit), q (quit), cd (cd)\n"
    );
    let p = "XSP_CLI/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts> ";
    c.run("cd /Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts");
    let rule = "=".repeat(70);
    assert_eq!(
        c.out("help updateTrust", p),
        format!(
            "Loads the certificates of a PEM file as trust anchors under an alias (aliases are unique; an existing alias is replaced).\n\n{rule}\nupdateTrust\n    <alias>, String {{1 to 80 characters}}\n    <trustAnchorFile>, String {{absolute file path}}\n"
        )
    );
    let p = "XSP_CLI/Applications/NotificationPushServer/FCM/Applications> ";
    c.run("cd /Maintenance/ManagedObjects;activate application NotificationPushServer 22.0_1.1123;cd /Applications/NotificationPushServer/FCM/Applications");
    assert_eq!(
        c.out("h add", p),
        format!(
            "Add an entry.\n\n{rule}\nadd\n    <applicationId>, String {{1 to 256 characters}}\n    [<attribute>, Multiple Choice = {{projectId}}]\n        <projectId>, String {{1 to 256 characters}}\n"
        )
    );
    assert_eq!(c.out("h nosuch", p), "Invalid command\n");
}
