//! bwcli on stdin/stdout (for a real sshd) and shell commands on stdout/stderr.
use crate::bwcli_support;

use std::io::Cursor;

use bwcli_support::host;
use xspsim::host::{Faults, Product, Release};
use xspsim::stdio;

fn banner(prompt: &str) -> String {
    let rule = "=".repeat(70);
    format!(
        "{rule}\nBroadWorks Command Line Interface\n  Type HELP for more information\n{rule}\n\n{prompt}"
    )
}

#[test]
fn a_scripted_session_until_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let input = "cd /Interface/CTI\r\nget\nexit\ny\nget\n";
    let mut out = Vec::new();
    stdio::run(h, Cursor::new(input), &mut out).expect("run");
    let p = "XSP_CLI/Interface/CTI> ";
    assert_eq!(
        String::from_utf8(out).expect("utf8"),
        format!(
            "{}{p}  portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = 8012\n{p}Please confirm (Yes, Y, No, N): This session is now ending...\n",
            banner("XSP_CLI> ")
        )
    );
}

#[test]
fn end_of_input_ends_the_session_and_passwords_are_not_written_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    let input = "cd /Interface/Messaging\nset provisioningPassword\nS3cret!\nS3cret!\nget\n";
    let mut out = Vec::new();
    stdio::run(h, Cursor::new(input), &mut out).expect("run");
    let out = String::from_utf8(out).expect("utf8");
    assert!(!out.contains("S3cret!"));
    assert!(out.contains("New Password:\nRe-type New Password:\n...Done\n"));
    assert!(out.ends_with("  provisioningPassword = ********\n  enableSynchronization = false\nAS_CLI/Interface/Messaging> "));
}

#[test]
fn a_drop_fault_ends_the_stdio_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R24);
    h.set_faults(Faults {
        drop_after_commands: Some(1),
        ..Faults::default()
    });
    let mut out = Vec::new();
    stdio::run(h, Cursor::new("help\nhelp\n"), &mut out).expect("run");
    assert_eq!(String::from_utf8(out).expect("utf8"), banner("XSP_CLI> "));
}

#[test]
fn shell_commands_write_stdout_stderr_and_return_the_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        stdio::exec(&h, "hostname -f", &mut out, &mut err).expect("exec"),
        0
    );
    assert_eq!(out, b"xsp1.lab.xspctl.test\n");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        stdio::exec(&h, "bwcli2", &mut out, &mut err).expect("exec"),
        127
    );
    assert_eq!(err, b"bash: bwcli2: command not found\n");
    assert!(out.is_empty());
}

#[test]
fn hosts_and_sessions_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<xspsim::host::SimHost>();
    send::<xspsim::cli::Session>();
}
