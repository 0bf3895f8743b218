//! Interactive SSH channels, driven with ssh2: the bash-like prompt, bwcli started
//! from it, bwcli as the login shell, bwcli on an exec channel, echo and line
//! endings with a pty, hidden password input.
use crate::lab_support;

use lab_support::ssh::{Interactive, TestLab, connect};
use xspsim::host::{LoginShell, Product, Release};

const BANNER: &str = "======================================================================\r\n\
BroadWorks Command Line Interface\r\n  Type HELP for more information\r\n\
======================================================================\r\n\r\n";

#[test]
fn the_bash_prompt_echoes_edits_and_runs_bwcli() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 10);
    let entry = lab.entry("xsp1");
    let session = connect(&entry);
    let mut shell = Interactive::shell(&session, true);
    assert_eq!(shell.read_until("$ "), "bwadmin@xsp1$ ");

    // Echo, backspace (DEL), CR.
    shell.send("hostnamx\x7fe\r");
    assert_eq!(
        shell.read_until("$ "),
        "hostnamx\x08 \x08e\r\nxsp1\r\nbwadmin@xsp1$ "
    );

    shell.send("bwcli\r");
    assert_eq!(
        shell.read_until("XSP_CLI> "),
        format!("bwcli\r\n{BANNER}XSP_CLI> ")
    );
    // LF alone, then CRLF, each end one line.
    shell.send("cd /Interface/CTI\n");
    assert_eq!(
        shell.read_until("CTI> "),
        "cd /Interface/CTI\r\nXSP_CLI/Interface/CTI> "
    );
    shell.send("get\r\n");
    assert_eq!(
        shell.read_until("CTI> "),
        format!(
            "get\r\n  portEnabled = true\r\n  port = 8011\r\n  securePortEnabled = true\r\n  securePort = {}\r\nXSP_CLI/Interface/CTI> ",
            entry.cti_port
        )
    );
    // exit asks for confirmation, then returns to the shell.
    shell.send("exit\r");
    assert_eq!(
        shell.read_until("N): "),
        "exit\r\nPlease confirm (Yes, Y, No, N): "
    );
    shell.send("y\r");
    assert_eq!(
        shell.read_until("$ "),
        "y\r\nThis session is now ending...\r\nbwadmin@xsp1$ "
    );
    // ^C in bwcli drops back to the shell too.
    shell.send("bwcli\r");
    shell.read_until("XSP_CLI> ");
    shell.send("sys\x03");
    assert_eq!(shell.read_until("$ "), "sys^C\r\nbwadmin@xsp1$ ");

    shell.send("exit\r");
    assert_eq!(shell.read_to_close(), "exit\r\n");
}

#[test]
fn password_prompts_hide_what_is_typed() {
    let lab = TestLab::uniform(1, Product::As, Release::R23, 11);
    let entry = lab.entry("as1");
    let session = connect(&entry);
    let mut shell = Interactive::shell(&session, true);
    shell.read_until("$ ");
    shell.send("bwcli\r");
    shell.read_until("AS_CLI> ");
    let mut transcript = String::new();
    shell.send("cd /Interface/Messaging\r");
    transcript.push_str(&shell.read_until("Messaging> "));
    shell.send("set provisioningPassword\r");
    let prompt = shell.read_until("New Password:");
    assert_eq!(prompt, "set provisioningPassword\r\nNew Password:");
    shell.send("pw-Secret-1\r");
    let retype = shell.read_until("Re-type New Password:");
    assert_eq!(retype, "\r\nRe-type New Password:");
    shell.send("pw-Secret-1\r");
    let done = shell.read_until("Messaging> ");
    assert_eq!(done, "\r\n...Done\r\nAS_CLI/Interface/Messaging> ");
    shell.send("get\r");
    let get = shell.read_until("Messaging> ");
    assert!(
        get.contains("  provisioningPassword = ********\r\n"),
        "{get:?}"
    );
    for part in [prompt, retype, done, get] {
        transcript.push_str(&part);
    }
    assert!(!transcript.contains("pw-Secret-1"), "{transcript:?}");
}

#[test]
fn bwcli_as_the_login_shell_ends_the_channel_on_exit() {
    let lab = TestLab::start_with(|dir| {
        let base = lab_support::loopback_base(12);
        let mut config = xspsim::lab::LabConfig::uniform(dir, 1, Product::Xsp, Release::R22, base)
            .expect("config");
        config.hosts[0].login_shell = LoginShell::Bwcli;
        config
    });
    let session = connect(&lab.entry("xsp1"));
    let mut shell = Interactive::shell(&session, true);
    assert_eq!(shell.read_until("XSP_CLI> "), format!("{BANNER}XSP_CLI> "));
    shell.send("exit\r");
    shell.read_until("N): ");
    shell.send("Y\r");
    assert_eq!(
        shell.read_to_close(),
        "Y\r\nThis session is now ending...\r\n"
    );
}

#[test]
fn bwcli_on_an_exec_channel_has_no_echo_and_plain_newlines() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 13);
    let entry = lab.entry("xsp1");
    let session = connect(&entry);
    let mut cli = Interactive::exec(&session, "bwcli", false);
    cli.send("cd /Interface/CTI;get\nexit\ny\n");
    cli.channel.send_eof().expect("eof");
    let all = cli.read_to_close();
    let expected = format!(
        "{}XSP_CLI>   portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = {}\nXSP_CLI/Interface/CTI> Please confirm (Yes, Y, No, N): This session is now ending...\n",
        BANNER.replace("\r\n", "\n"),
        entry.cti_port
    );
    assert_eq!(all, expected);
}
