//! The driver on a real SSH shell channel with a PTY: a real sshd whose
//! ForceCommand is a small fake login shell and fake bwcli (bash fixtures below),
//! so echo, CR LF and terminal modes are the kernel's, not a script's.
use crate::sshd;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use sshd::{Sshd, SshdOptions, current_user};
use xspctl::bwcli::{CliCommand, Driver, DriverError, DriverOptions, GetOutput, parse_bwshowver};
use xspctl::secret::Secret;
use xspctl::transport::{AuthMethod, ShellChannel, SshSession, SshTarget};

/// A login shell: `bwshowver` for exec requests; interactively a `$ ` prompt that
/// starts the fake bwcli when `bwcli` is typed.
const FAKE_SHELL: &str = r#"#!/bin/bash
here="$(dirname "$0")"
if [ -n "$SSH_ORIGINAL_COMMAND" ]; then
  case "$SSH_ORIGINAL_COMMAND" in
    bwshowver) printf 'XSP version Rel_22.0_1.1123\n\nPatching Info:\n  Active Patches: 42\n' ;;
    *) echo "bash: $SSH_ORIGINAL_COMMAND: command not found" >&2; exit 127 ;;
  esac
  exit 0
fi
while true; do
  printf 'bwadmin@xsp1.lab$ '
  IFS= read -r cmd || exit 0
  case "$cmd" in
    bwcli) "$here/fake_bwcli.sh" ;;
    exit) exit 0 ;;
    "") ;;
    *) echo "-bash: $cmd: command not found" ;;
  esac
done
"#;

/// A tiny bwcli: banner, prompts with the context, `cd`, `get`, `set` with the
/// restart warning, a password attribute (read without echo), `;` chaining, `exit`
/// with confirmation; `hang` never answers and `die` kills the session.
const FAKE_BWCLI: &str = r#"#!/bin/bash
here="$(dirname "$0")"
ctx=""
port=8012
printf '======================================================================\n'
printf 'BroadWorks Command Line Interface\n  Type HELP for more information\n'
printf '======================================================================\n\n'
run() {
  local verb="$1"; shift
  case "$verb" in
    cd)
      case "$1" in
        /|/Interface/CTI|/Interface/CTI/CTIServer|/System/DeviceType/SIP|/Big|/Applications/NotificationPushServer/CiscoCI/Client)
          ctx="${1%/}" ;;
        *) echo "Invalid command" ;;
      esac ;;
    get)
      case "$ctx" in
        /Interface/CTI) printf '  portEnabled = false\n  securePortEnabled = true\n  securePort = %s\n' "$port" ;;
        /Interface/CTI/CTIServer)
          printf '  Interface IP  Port  Secure  Server Certificate  Client Auth Req\n'
          printf '=================================================================\n'
          printf '  10.155.6.175  %4s    true                true             true\n' "$port"
          printf '\n1 entry found.\n' ;;
        /System/DeviceType/SIP) printf '  description = T\xe9l\xe9phone\n' ;;
        /Big)
          printf '  Name  Value\n============\n'
          for i in $(seq 1 1500); do printf '  %4d  %5d\n' "$i" "$((i * 7))"; done
          printf '\n1500 entries found.\n' ;;
        *) echo "Invalid command" ;;
      esac ;;
    set)
      if [ "$ctx" = /Interface/CTI ] && [ "$1" = securePort ]; then
        port="$2"
        echo "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"
        echo "...Done"
      elif [ "$ctx" = /Applications/NotificationPushServer/CiscoCI/Client ] && [ "$1" = clientSecret ]; then
        printf 'New Password: '; IFS= read -rs p1; echo
        printf 'Re-type New Password: '; IFS= read -rs p2; echo
        if [ "$p1" = "$p2" ]; then printf '%s' "$p1" > "$here/stored_secret"; echo "...Done"
        else echo "Error: the passwords do not match"; fi
      else
        echo "Invalid command"
      fi ;;
    exit)
      printf 'Please confirm (Yes, Y, No, N): '
      IFS= read -r answer
      case "$answer" in
        y|Y|yes|Yes) echo "This session is now ending..."; exit 0 ;;
      esac ;;
    hang) sleep 60 ;;
    die) kill -KILL "$PPID"; exit 1 ;;
    "") ;;
    *) echo "Invalid command" ;;
  esac
}
while true; do
  printf 'XSP_CLI%s> ' "$ctx"
  IFS= read -r line || exit 0
  IFS=';' read -ra parts <<< "$line"
  for part in "${parts[@]}"; do
    read -ra words <<< "$part"
    run "${words[@]}"
  done
done
"#;

fn install(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
}

/// An sshd whose sessions run the fake shell, and a connected session.
fn fake_xsp() -> (Sshd, SshSession, tempfile::TempDir) {
    let bin = tempfile::tempdir().unwrap();
    install(bin.path(), "fake_shell.sh", FAKE_SHELL);
    install(bin.path(), "fake_bwcli.sh", FAKE_BWCLI);
    let sshd = Sshd::start_with(SshdOptions {
        force_command: Some(format!("{}/fake_shell.sh", bin.path().display())),
        ..SshdOptions::default()
    });
    let kh = sshd.dir.path().join("known_hosts");
    sshd.write_known_hosts(&kh);
    let mut t = SshTarget::new("127.0.0.1", sshd.port, current_user(), &kh);
    t.auth = vec![AuthMethod::KeyFile {
        path: sshd.client_key.clone(),
        passphrase: None,
    }];
    let session = SshSession::connect(&t).unwrap();
    (sshd, session, bin)
}

fn options() -> DriverOptions {
    DriverOptions {
        command_timeout: Duration::from_secs(10),
        ..DriverOptions::default()
    }
}

fn start(session: &SshSession) -> Driver<ShellChannel> {
    Driver::start(session.shell().unwrap(), options()).unwrap()
}

#[test]
fn the_driver_starts_bwcli_from_the_shell_and_reads_over_a_real_pty() {
    let (_sshd, session, _bin) = fake_xsp();
    let mut d = start(&session);
    assert_eq!(d.cli_type(), "XSP");
    assert_eq!(d.context(), "/");
    assert!(
        d.banner().contains("BroadWorks Command Line Interface"),
        "{}",
        d.banner()
    );

    assert_eq!(
        d.get("/Interface/CTI", &[]).unwrap(),
        GetOutput::Attributes(vec![
            ("portEnabled".into(), "false".into()),
            ("securePortEnabled".into(), "true".into()),
            ("securePort".into(), "8012".into()),
        ])
    );
    assert_eq!(d.context(), "/Interface/CTI");

    let out = d
        .run(&CliCommand::write("/Interface/CTI", "set securePort 8443"))
        .unwrap();
    assert!(out.restart_required);
    assert_eq!(out.text, "...Done");

    match d.get("/Interface/CTI/CTIServer", &[]).unwrap() {
        GetOutput::Table(t) => {
            assert_eq!(t.rows.len(), 1);
            assert_eq!(t.cell(&t.rows[0], "Port"), Some("8443"));
            assert_eq!(t.cell(&t.rows[0], "Client Auth Req"), Some("true"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.get("/System/DeviceType/SIP", &[]).unwrap(),
        GetOutput::Attributes(vec![("description".into(), "T\u{e9}l\u{e9}phone".into())])
    );
    d.close().unwrap();
    let t = d.transcript().render();
    assert!(t.contains("> cd /Interface/CTI;get"), "{t}");
    assert!(t.contains("This session is now ending..."), "{t}");
}

#[test]
fn a_large_table_arrives_whole() {
    let (_sshd, session, _bin) = fake_xsp();
    let mut d = start(&session);
    match d.get("/Big", &[]).unwrap() {
        GetOutput::Table(t) => {
            assert_eq!(t.rows.len(), 1500);
            assert_eq!(t.rows[1499].cells, vec!["1500", "10500"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn secrets_go_through_password_prompts_and_nowhere_else() {
    let (_sshd, session, bin) = fake_xsp();
    let mut d = start(&session);
    let secret = "cl1ent-S3cret-value";
    let ctx = "/Applications/NotificationPushServer/CiscoCI/Client";
    let out = d
        .run(&CliCommand::write(ctx, "set clientSecret").with_secret(Secret::new(secret)))
        .unwrap();
    assert_eq!(out.text, "...Done");
    // The simulated host stored what it was given: the secret arrived intact.
    assert_eq!(
        fs::read_to_string(bin.path().join("stored_secret")).unwrap(),
        secret
    );
    let file = bin.path().join("host.transcript");
    d.transcript().write_to(&file).unwrap();
    let written = fs::read_to_string(&file).unwrap();
    assert!(!written.contains(secret), "{written}");
    assert!(written.contains("> ********"), "{written}");
    assert!(written.contains("New Password:"), "{written}");
}

#[test]
fn cli_errors_and_a_dead_cli_are_reported() {
    let (_sshd, session, _bin) = fake_xsp();
    let mut d = start(&session);
    let err = d.get("/No/Such/Context", &[]).unwrap_err();
    assert!(
        matches!(&err, DriverError::Cli { message, .. } if message.starts_with("could not enter /No/Such/Context: Invalid command")),
        "{err:?}"
    );
    // The CLI is still usable after a CLI error.
    d.get("/Interface/CTI", &[]).unwrap();
}

#[test]
fn bwshowver_over_exec_agrees_with_the_prompt() {
    let (_sshd, session, _bin) = fake_xsp();
    let r = session.exec("bwshowver").unwrap();
    assert_eq!(r.status, 0);
    let v = parse_bwshowver(&r.stdout).unwrap();
    assert_eq!(v.release, "22.0");
    assert_eq!(v.active_patches, Some(42));
    let d = start(&session);
    assert_eq!(v.server_type, d.cli_type());
}

#[test]
fn a_cli_that_stops_answering_times_out_with_the_last_lines() {
    let (_sshd, session, _bin) = fake_xsp();
    // Long enough for the login and the first answer on a loaded CI machine; the
    // hanging command below waits all of it.
    let opts = DriverOptions {
        command_timeout: Duration::from_secs(2),
        ..DriverOptions::default()
    };
    let mut d = Driver::start(session.shell().unwrap(), opts).unwrap();
    d.get("/Interface/CTI", &[]).unwrap();
    let err = d
        .run(&CliCommand::read("/Interface/CTI", "hang"))
        .unwrap_err();
    match &err {
        DriverError::Timeout {
            command,
            last_lines,
            ..
        } => {
            assert_eq!(command, "hang");
            assert_eq!(last_lines, "hang");
        }
        other => panic!("{other:?}"),
    }
    // The connection itself is fine: exec still works while the shell is stuck.
    drop(d);
    assert_eq!(session.exec("bwshowver").unwrap().status, 0);
}

#[test]
fn a_session_that_dies_is_a_disconnection() {
    let (_sshd, session, _bin) = fake_xsp();
    let mut d = start(&session);
    let err = d.run(&CliCommand::read("/", "die")).unwrap_err();
    assert!(
        matches!(&err, DriverError::Disconnected { command, .. } if command == "die"),
        "{err:?}"
    );
    assert!(matches!(
        d.get("/Interface/CTI", &[]),
        Err(DriverError::Unusable(_))
    ));
}
