//! `xspsim bwcli --state DIR/HOST` under a real OpenSSH sshd (ForceCommand), on
//! 127.0.0.1 and a free port, with its own host key and AuthorizedKeysFile; the
//! OpenSSH client logs in. Shell commands come through SSH_ORIGINAL_COMMAND.
use crate::lab_support;

use lab_support::sshd::{Sshd, available, current_user, free_port, keygen, public_key_path};
use lab_support::{XSPSIM, init_xsp1};

const BANNER: &str = "======================================================================\n\
BroadWorks Command Line Interface\n  Type HELP for more information\n\
======================================================================\n\n";

#[test]
fn sshd_runs_bwcli_and_shell_commands_through_forcecommand() {
    if !available() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path();
    let state = dir.join("state");
    let init = init_xsp1("R23", &state, &[]);
    assert!(init.ok(), "{init:?}");

    let host_key = dir.join("ssh_host_ed25519_key");
    let client_key = dir.join("client");
    keygen(&host_key);
    keygen(&client_key);
    let authorized = dir.join("authorized_keys");
    std::fs::copy(public_key_path(&client_key), &authorized).expect("authorized_keys");
    let port = free_port();
    let user = current_user();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {pid}\n\
             AuthorizedKeysFile {authorized}\nPubkeyAuthentication yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPermitRootLogin prohibit-password\nAllowUsers {user}\n\
             ForceCommand {xspsim} bwcli --state {host_dir}\nLogLevel ERROR\n",
            host_key = host_key.display(),
            pid = dir.join("sshd.pid").display(),
            authorized = authorized.display(),
            xspsim = XSPSIM,
            host_dir = state.join("xsp1").display(),
        ),
    )
    .expect("sshd_config");
    let sshd = Sshd::start(&config, port, &host_key, dir);

    // A shell command: SSH_ORIGINAL_COMMAND is not bwcli.
    let run = sshd.ssh(&client_key, &user, Some("bwshowver"), b"");
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout.starts_with("XSP version Rel_23.0_1.1075\n"),
        "{run:?}"
    );
    let run = sshd.ssh(&client_key, &user, Some("no-such-tool"), b"");
    assert_eq!(run.status, Some(127), "{run:?}");
    assert!(
        run.stderr
            .contains("bash: no-such-tool: command not found\n"),
        "{run:?}"
    );

    // No command: an interactive bwcli session on stdin/stdout.
    let run = sshd.ssh(
        &client_key,
        &user,
        None,
        b"cd /Interface/Http/HttpServer\nget\nexit\ny\n",
    );
    assert!(run.ok(), "{run:?}");
    let p = "XSP_CLI/Interface/Http/HttpServer> ";
    assert_eq!(
        run.stdout,
        format!(
            "{BANNER}XSP_CLI> {p}  Interface IP  Port  Secure  Client Auth Req\n\
             =============================================\n\
             \x20    127.0.0.1   443    true            false\n\
             \n1 entry found.\n{p}Please confirm (Yes, Y, No, N): This session is now ending...\n"
        )
    );

    // `bwcli` as the command is the same interactive session; the state persists
    // between logins (the change below is seen by the next one).
    let run = sshd.ssh(
        &client_key,
        &user,
        Some("bwcli"),
        b"cd /System/CommunicationUtility/DefaultSettings;set userTransactionLimit 77\n",
    );
    assert!(
        run.stdout
            .ends_with("...Done\nXSP_CLI/System/CommunicationUtility/DefaultSettings> "),
        "{run:?}"
    );
    let run = sshd.ssh(
        &client_key,
        &user,
        Some("bwcli"),
        b"cd /System/CommunicationUtility/DefaultSettings;get\n",
    );
    assert!(
        run.stdout.contains("  userTransactionLimit = 77\n"),
        "{run:?}"
    );
}
