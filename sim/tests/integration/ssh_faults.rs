//! Session faults seen by an SSH client (ssh2): drop after N commands, delay, failing
//! commands, paging with `--More--` (one keystroke continues), ANSI colours.
//! (refuse_auth and change_host_key are in ssh_auth.rs.)
use crate::lab_support;

use std::io::Read;
use std::time::{Duration, Instant};

use lab_support::ssh::{Interactive, TestLab, connect};
use xspsim::host::{Faults, Product, Release};

/// Sets the faults of `xsp1`.
fn set_faults(lab: &TestLab, faults: Faults) {
    lab.lab().set_faults("xsp1", faults).expect("faults");
}

/// A lab of one XSP R23 (`seed` picks its addresses) and a bwcli session on it,
/// past the banner. The SSH session is returned to keep it open.
fn bwcli_session(seed: u8) -> (TestLab, ssh2::Session, Interactive) {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, seed);
    let session = connect(&lab.entry("xsp1"));
    let mut cli = Interactive::exec(&session, "bwcli", false);
    cli.read_until("XSP_CLI> ");
    (lab, session, cli)
}

#[test]
fn the_connection_drops_after_n_commands() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 30);
    set_faults(
        &lab,
        Faults {
            drop_after_commands: Some(2),
            ..Faults::default()
        },
    );
    let session = connect(&lab.entry("xsp1"));
    let mut cli = Interactive::exec(&session, "bwcli", false);
    cli.read_until("XSP_CLI> ");
    cli.send("cd /Interface/CTI\n");
    cli.read_until("XSP_CLI/Interface/CTI> ");
    cli.send("get\n");
    // The second command gets no answer: the TCP connection is cut.
    let mut rest = Vec::new();
    let _ended_by_eof_or_error = cli.channel.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    assert!(
        session.channel_session().is_err(),
        "the connection is gone, not only the channel"
    );
}

#[test]
fn replies_are_delayed() {
    let (lab, _session, mut cli) = bwcli_session(31);
    set_faults(
        &lab,
        Faults {
            delay_ms: 300,
            ..Faults::default()
        },
    );
    let sent = Instant::now();
    cli.send("cd /System\n");
    assert_eq!(cli.read_until("System> "), "XSP_CLI/System> ");
    // A lower bound only: the reply cannot come before the delay.
    assert!(sent.elapsed() >= Duration::from_millis(300));
}

#[test]
fn commands_matching_the_pattern_fail_with_the_message() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 32);
    set_faults(
        &lab,
        Faults {
            fail_pattern: Some("^set ".into()),
            fail_message: Some("Failed to write data to the configuration system".into()),
            ..Faults::default()
        },
    );
    let entry = lab.entry("xsp1");
    let session = connect(&entry);
    let mut cli = Interactive::exec(&session, "bwcli", false);
    cli.read_until("XSP_CLI> ");
    let p = "XSP_CLI/Interface/CTI> ";
    cli.send("cd /Interface/CTI;set portEnabled false;get\n");
    assert_eq!(
        cli.read_until(p),
        format!(
            "Failed to write data to the configuration system\n  portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = {}\n{p}",
            entry.cti_port
        )
    );
}

#[test]
fn long_outputs_page_and_one_keystroke_continues() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 33);
    let session = connect(&lab.entry("xsp1"));
    let mut shell = Interactive::exec(&session, "bwcli", true);
    shell.read_until("XSP_CLI> ");
    // Set after the banner, which is longer than 4 lines.
    set_faults(
        &lab,
        Faults {
            page_lines: Some(4),
            ..Faults::default()
        },
    );
    shell.send("cd /Maintenance/ManagedObjects;get\r");
    let first = shell.read_until("--More--");
    assert_eq!(first.matches("\r\n").count(), 5, "{first:?}"); // echo + 4 lines
    // A single key, no Enter, and no echo of it.
    shell.send(" ");
    let second = shell.read_until("--More--");
    assert!(second.starts_with("\r        \r"), "{second:?}");
    shell.send("q");
    let end = shell.read_until("ManagedObjects> ");
    assert!(
        end.ends_with("5 entries found.\r\nXSP_CLI/Maintenance/ManagedObjects> "),
        "{end:?}"
    );
}

#[test]
fn ansi_colours_wrap_the_prompts() {
    let lab = TestLab::uniform(1, Product::As, Release::R23, 34);
    lab.lab()
        .set_faults(
            "as1",
            Faults {
                ansi: true,
                ..Faults::default()
            },
        )
        .expect("faults");
    let session = connect(&lab.entry("as1"));
    let mut cli = Interactive::exec(&session, "bwcli", false);
    let banner = cli.read_until("AS_CLI> \x1b[0m");
    assert!(
        banner.ends_with("\n\n\x1b[1;32mAS_CLI> \x1b[0m"),
        "{banner:?}"
    );
    cli.send("cd /System/ClientIdentity;get\n");
    assert_eq!(
        cli.read_until("ClientIdentity> \x1b[0m"),
        "\x1b[1m  Identity\x1b[0m\n==========\n\n0 entry found.\n\x1b[1;32mAS_CLI/System/ClientIdentity> \x1b[0m"
    );
}

#[test]
fn a_flood_answers_a_command_with_lines_and_no_prompt() {
    let (lab, _session, mut cli) = bwcli_session(35);
    set_faults(
        &lab,
        Faults {
            flood_bytes: Some(64 * 1024 + 16),
            ..Faults::default()
        },
    );
    cli.send("cd /System\n");
    // Nothing was left unread after the prompt: read the flood from the channel.
    let mut all = String::new();
    let mut buf = [0u8; 4096];
    while all.len() < 64 * 1024 + 16 {
        let n = cli.channel.read(&mut buf).expect("read");
        assert!(n > 0, "the flood ended early after {}", all.len());
        all.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // 2048 whole lines, then the first 16 bytes of the next: no prompt anywhere.
    assert_eq!(all.len(), 64 * 1024 + 16);
    assert_eq!(
        all.matches("flood: output without a prompt\r\n").count(),
        2048
    );
    assert!(
        all.ends_with("\r\nflood: output wi"),
        "{:?}",
        &all[all.len() - 40..]
    );
    assert!(!all.contains("XSP_CLI"));
}

#[test]
fn a_drip_writes_an_answer_one_byte_at_a_time() {
    let (lab, _session, mut cli) = bwcli_session(36);
    set_faults(
        &lab,
        Faults {
            drip_ms: Some(150),
            ..Faults::default()
        },
    );
    cli.send("cd /System\n");
    // The first byte comes alone: the next is 150 ms behind it.
    let mut first = [0u8; 64];
    let n = cli.channel.read(&mut first).expect("read");
    assert_eq!(&first[..n], b"X");
    assert_eq!(cli.read_until("System> "), "SP_CLI/System> ");
}

#[test]
fn exec_stderr_refuses_every_exec_with_the_message_and_status_1() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 37);
    set_faults(
        &lab,
        Faults {
            exec_stderr: Some("Password change required but no TTY available.".into()),
            ..Faults::default()
        },
    );
    let session = connect(&lab.entry("xsp1"));
    let (stdout, stderr, status) = lab_support::ssh::exec(&session, "bwshowver");
    assert_eq!(stdout, "");
    assert_eq!(stderr, "Password change required but no TTY available.\n");
    assert_eq!(status, 1);
}

#[test]
fn out_of_bounds_floods_and_drips_are_refused() {
    let flood = Faults {
        flood_bytes: Some(xspsim::host::MAX_FLOOD_BYTES + 1),
        ..Faults::default()
    };
    assert!(flood.validate().is_err());
    for ms in [0, xspsim::host::MAX_DRIP_MS + 1] {
        let drip = Faults {
            drip_ms: Some(ms),
            ..Faults::default()
        };
        assert!(drip.validate().is_err(), "{ms}");
    }
}
