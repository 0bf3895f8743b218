//! The bwcli driver against scripted channels built from documented transcripts
//! (bwcli-behavior.md; solution guide B).
use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use xspctl::bwcli::{
    Channel, CliCommand, Direction, Driver, DriverError, DriverOptions, GetOutput, Row, Table,
};
use xspctl::secret::Secret;

/// One event of a scripted conversation.
enum Ev {
    /// The CLI prints these bytes.
    Cli(Vec<u8>),
    /// The driver must write exactly these bytes.
    Expect(Vec<u8>),
    /// The driver types this line (`line\n`), and the PTY echoes it (`line\r\n`).
    Typed(String),
    /// The connection ends.
    Eof,
    /// The connection fails.
    Reset,
}

/// A channel that plays a script; it hands out output in chunks of `chunk` bytes.
struct Scripted {
    script: VecDeque<Ev>,
    written: Vec<u8>,
    chunk: usize,
}

impl Scripted {
    fn new(script: Vec<Ev>) -> Scripted {
        Scripted {
            script: script.into(),
            written: Vec::new(),
            chunk: usize::MAX,
        }
    }

    fn chunked(mut self, chunk: usize) -> Scripted {
        self.chunk = chunk;
        self
    }
}

impl Channel for Scripted {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.written.extend_from_slice(bytes);
        match self.script.pop_front() {
            Some(Ev::Expect(want)) => {
                assert_eq!(
                    String::from_utf8_lossy(bytes),
                    String::from_utf8_lossy(&want),
                    "the driver wrote something else than the script expects"
                );
                Ok(())
            }
            Some(Ev::Typed(line)) => {
                assert_eq!(
                    String::from_utf8_lossy(bytes),
                    format!("{line}\n"),
                    "the driver typed something else than the script expects"
                );
                self.script.push_front(cli(&format!("{line}\r\n")));
                Ok(())
            }
            Some(Ev::Reset) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "broken pipe")),
            _ => panic!("unexpected write {:?}", String::from_utf8_lossy(bytes)),
        }
    }

    fn read_some(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        match self.script.front_mut() {
            Some(Ev::Cli(bytes)) => {
                let n = bytes.len().min(buf.len()).min(self.chunk);
                buf[..n].copy_from_slice(&bytes[..n]);
                bytes.drain(..n);
                if bytes.is_empty() {
                    self.script.pop_front();
                }
                Ok(n)
            }
            Some(Ev::Eof) => Ok(0),
            Some(Ev::Reset) => Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset by peer",
            )),
            // The CLI says nothing until the driver writes: wait as a real channel would.
            Some(Ev::Expect(_) | Ev::Typed(_)) | None => {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                Err(io::Error::new(io::ErrorKind::TimedOut, "no data"))
            }
        }
    }
}

fn cli(text: &str) -> Ev {
    Ev::Cli(text.as_bytes().to_vec())
}

fn expect(text: &str) -> Ev {
    Ev::Expect(text.as_bytes().to_vec())
}

/// A line the driver types, echoed by the PTY.
fn typed(line: &str) -> Ev {
    Ev::Typed(line.to_string())
}

const BANNER: &str = "======================================================================\r\n\
BroadWorks Command Line Interface\r\n\
  Type HELP for more information\r\n\
======================================================================\r\n\r\n";

fn opts() -> DriverOptions {
    DriverOptions {
        command_timeout: Duration::from_millis(300),
        ..DriverOptions::default()
    }
}

/// A driver started at `XSP_CLI> `, then the rest of the script.
fn started(rest: Vec<Ev>) -> Driver<Scripted> {
    let mut script = vec![cli(BANNER), cli("XSP_CLI> ")];
    script.extend(rest);
    Driver::start(Scripted::new(script), opts()).expect("start")
}

/// The driver presses Enter at the login shell prompt; the PTY echoes the line end
/// and the shell prints its prompt again.
fn enter_repeats(shell_prompt: &str) -> [Ev; 2] {
    [expect("\n"), cli(&format!("\r\n{shell_prompt}"))]
}

fn transcript_text(d: &Driver<Scripted>) -> String {
    d.transcript().render()
}

// bwcli-behavior.md §1: the exact R24 banner, then `AS_CLI> `.
#[test]
fn start_at_the_cli_prompt_reads_banner_type_and_context() {
    let script = vec![cli(BANNER), cli("AS_CLI> ")];
    let d = Driver::start(Scripted::new(script), opts()).unwrap();
    assert_eq!(d.cli_type(), "AS");
    assert_eq!(d.context(), "/");
    assert_eq!(
        d.banner(),
        "======================================================================\n\
BroadWorks Command Line Interface\n\
  Type HELP for more information\n\
======================================================================"
    );
}

// C-ADMIN: `bwadmin1@as1.mleus.lab$ bwcli` from a login shell.
#[test]
fn start_at_a_shell_prompt_types_bwcli() {
    let script = vec![
        cli("Last login: Tue Nov 25 05:51:00 2026\r\nbwadmin@xsp1.lab$ "),
        expect("\n"),
        cli("\r\nbwadmin@xsp1.lab$ "),
        typed("bwcli"),
        cli(BANNER),
        cli("ADP_CLI> "),
    ];
    let d = Driver::start(Scripted::new(script), opts()).unwrap();
    assert_eq!(d.cli_type(), "ADP");
    assert!(d.banner().starts_with("====="), "{}", d.banner());
    assert!(!d.banner().contains("bwcli"), "{}", d.banner());
}

#[test]
fn start_fails_clearly_when_bwcli_is_missing() {
    let script = vec![
        cli("bwadmin@xsp1.lab$ "),
        expect("\n"),
        cli("\r\nbwadmin@xsp1.lab$ "),
        typed("bwcli"),
        cli("-bash: bwcli: command not found\r\nbwadmin@xsp1.lab$ "),
    ];
    let err = Driver::start(Scripted::new(script), opts()).err().unwrap();
    match &err {
        DriverError::Protocol {
            command,
            message,
            last_lines,
        } => {
            assert_eq!(command, "bwcli");
            assert_eq!(message, "the CLI did not start: the shell prompt came back");
            assert_eq!(last_lines, "-bash: bwcli: command not found");
        }
        other => panic!("{other:?}"),
    }
}

// Guide B §3: `cd` + `get <ip> 443` chained in one round trip; C-TLS output form.
#[test]
fn a_read_elsewhere_is_chained_after_cd_and_the_context_is_tracked() {
    let ctx = "/Interface/Http/HttpServer/SSLSettings/Protocols";
    let mut d = started(vec![
        typed(&format!("cd {ctx};get 10.0.0.1 443")),
        cli(
            "  Protocol Name\r\n===============\r\n        TLSv1.1\r\n        TLSv1.2\r\n          TLSv1\r\n\r\n3 entries found.\r\n",
        ),
        cli(&format!("XSP_CLI{ctx}> ")),
        // Already there: no `cd`.
        typed("get 10.0.0.2 443"),
        cli("  Protocol Name\r\n===============\r\n\r\n0 entry found.\r\n"),
        cli(&format!("XSP_CLI{ctx}> ")),
    ]);
    let got = d.get(ctx, &["10.0.0.1", "443"]).unwrap();
    let row = |v: &str| Row {
        cells: vec![v.to_string()],
        self_signed: false,
    };
    assert_eq!(
        got,
        GetOutput::Table(Table {
            headers: vec!["Protocol Name".into()],
            rows: vec![row("TLSv1.1"), row("TLSv1.2"), row("TLSv1")],
        })
    );
    assert_eq!(d.context(), ctx);
    let empty = d.get(ctx, &["10.0.0.2", "443"]).unwrap();
    assert_eq!(
        empty,
        GetOutput::Table(Table {
            headers: vec!["Protocol Name".into()],
            rows: vec![],
        })
    );
}

// Guide B §5.8: `set securePort 8012` in /Interface/CTI; C-CAP restart warning.
#[test]
fn a_write_elsewhere_cds_first_then_writes_and_reports_the_restart() {
    let mut d = started(vec![
        typed("cd /Interface/CTI"),
        cli("XSP_CLI/Interface/CTI> "),
        typed("set securePort 8012"),
        cli(
            "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\r\n...Done\r\n",
        ),
        cli("XSP_CLI/Interface/CTI> "),
    ]);
    let out = d
        .run(&CliCommand::write("/Interface/CTI", "set securePort 8012"))
        .unwrap();
    assert!(out.restart_required);
    assert_eq!(out.text, "...Done");
    assert_eq!(d.context(), "/Interface/CTI");
}

#[test]
fn a_failed_cd_never_lets_a_write_run() {
    let mut d = started(vec![
        typed("cd /Interface/Bogus"),
        cli("Invalid command\r\n"),
        cli("XSP_CLI> "),
    ]);
    let err = d
        .run(&CliCommand::write("/Interface/Bogus", "set x y"))
        .unwrap_err();
    assert_eq!(
        err,
        DriverError::Cli {
            command: "cd /Interface/Bogus".into(),
            context: "/".into(),
            message: "could not enter /Interface/Bogus: Invalid command".into(),
        }
    );
    assert!(!transcript_text(&d).contains("set x y"));
}

#[test]
fn a_chained_read_whose_cd_fails_is_an_error_not_data_from_elsewhere() {
    let mut d = started(vec![
        typed("cd /Nowhere;get"),
        cli("Invalid command\r\n  port = 1\r\n"),
        cli("XSP_CLI> "),
    ]);
    let err = d.get("/Nowhere", &[]).unwrap_err();
    match err {
        DriverError::Cli { message, .. } => {
            assert!(
                message.starts_with("could not enter /Nowhere: Invalid command"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

// bwcli-behavior.md §3: the documented error strings fail the command.
#[test]
fn documented_errors_become_cli_errors() {
    let cases = [
        (
            "delete 10.1.1.1 255.255.255.255 10.0.0.1 0 65535 TCP",
            "Entry not found",
        ),
        (
            "add 10.1.1.1 255.255.255.255 10.0.0.1 0 65535 TCP",
            "entry is already present in list",
        ),
        ("frobnicate", "Invalid command"),
        (
            "login",
            "[CLIError] Command login: Mandatory parameter missing",
        ),
    ];
    for (line, answer) in cases {
        let ctx = "/System/Security/BlackList";
        let prompt = format!("XSP_CLI{ctx}> ");
        let script = vec![
            cli(BANNER),
            cli(&prompt),
            typed(line),
            cli(&format!("{answer}\r\n")),
            cli(&prompt),
        ];
        let mut d = Driver::start(Scripted::new(script), opts()).unwrap();
        let err = d.run(&CliCommand::write(ctx, line)).unwrap_err();
        assert_eq!(
            err,
            DriverError::Cli {
                command: line.into(),
                context: ctx.into(),
                message: answer.into(),
            }
        );
    }
}

#[test]
fn a_write_without_done_fails() {
    let mut d = started(vec![
        typed("cd /Interface/CTI"),
        cli("XSP_CLI/Interface/CTI> "),
        typed("set securePort 8012"),
        cli("XSP_CLI/Interface/CTI> "),
    ]);
    let err = d
        .run(&CliCommand::write("/Interface/CTI", "set securePort 8012"))
        .unwrap_err();
    assert!(
        matches!(&err, DriverError::Cli { message, .. } if message == "no `...Done` (the CLI printed nothing)"),
        "{err:?}"
    );
}

const WARNING: &str = "+++ WARNING +++ WARNING +++ WARNING +++\r\n\
This command will lock the server. Note that this action could cause downtime.\r\n Continue?\r\n\r\n\
Please confirm (Yes, Y, No, N): ";

// C-UPG: `lock` asks for confirmation; answered `y` when the command allows it.
#[test]
fn a_confirmation_is_answered_yes_when_allowed() {
    let ctx = "/Maintenance/ManagedObjects";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("lock"),
        cli(WARNING),
        typed("y"),
        cli("...Done\r\n"),
        cli(&prompt),
    ]);
    let out = d.run(&CliCommand::write(ctx, "lock").confirmed()).unwrap();
    assert!(out.text.ends_with("...Done"), "{}", out.text);
    assert!(out.text.contains("Continue?"), "{}", out.text);
    assert!(!out.text.contains("Please confirm"), "{}", out.text);
}

#[test]
fn a_confirmation_is_refused_when_not_allowed() {
    let ctx = "/Maintenance/ManagedObjects";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("lock"),
        cli(WARNING),
        typed("n"),
        cli(&prompt),
    ]);
    let err = d.run(&CliCommand::write(ctx, "lock")).unwrap_err();
    match err {
        DriverError::Cli { message, .. } => {
            assert!(
                message.starts_with("the CLI asked for a confirmation this command does not allow (answered n): +++ WARNING"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

// C-SIP: a large table asks first; a read may confirm.
#[test]
fn a_read_confirms_a_large_table() {
    let ctx = "/System/Device/ResourceNE";
    let mut d = started(vec![
        typed(&format!("cd {ctx};get")),
        cli("About to access 2 entries. Continue?\r\nPlease confirm (Yes, Y, No, N): "),
        typed("y"),
        cli(
            "Retrieving data... Please wait...\r\n  Name\r\n======\r\n   ms1\r\n   ms2\r\n\r\n2 entries found.\r\n",
        ),
        cli(&format!("XSP_CLI{ctx}> ")),
    ]);
    match d.get(ctx, &[]).unwrap() {
        GetOutput::Table(t) => assert_eq!(t.rows.len(), 2),
        other => panic!("{other:?}"),
    }
}

const CLIENT_SECRET: &str = "s3cr3t-Client-Value";

// Guide B §7.3 step 2: `set clientSecret` prompts `New Password:`; WBX-DEV's add
// prompts twice. The secret is written but recorded nowhere.
#[test]
fn password_prompts_get_the_secret_which_never_reaches_transcript_or_output() {
    let ctx = "/Applications/NotificationPushServer/CiscoCI/Client";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("set clientSecret"),
        cli("New Password: "),
        expect(&format!("{CLIENT_SECRET}\n")),
        // Echo is off for the password: the CLI prints only the line end.
        cli("\r\n"),
        cli("Re-type New Password: "),
        expect(&format!("{CLIENT_SECRET}\n")),
        cli("\r\n...Done\r\n"),
        cli(&prompt),
    ]);
    let cmd = CliCommand::write(ctx, "set clientSecret").with_secret(Secret::new(CLIENT_SECRET));
    let out = d.run(&cmd).unwrap();
    assert!(out.text.ends_with("...Done"), "{}", out.text);
    assert!(!out.text.contains(CLIENT_SECRET));
    let t = transcript_text(&d);
    assert!(!t.contains(CLIENT_SECRET), "{t}");
    assert_eq!(
        d.transcript()
            .entries()
            .iter()
            .filter(|e| e.direction == Direction::Sent && e.text == "********")
            .count(),
        2,
        "{t}"
    );
    assert!(!format!("{:?}", d.transcript()).contains(CLIENT_SECRET));
}

// A CLI that echoes the password (echo left on) still leaks nothing.
#[test]
fn an_echoed_password_is_masked_in_output_and_transcript() {
    let ctx = "/Applications/NotificationPushServer/CiscoCI/Client";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("set RefreshToken"),
        cli("New Password: "),
        typed(CLIENT_SECRET),
        cli(&format!(
            "Value {CLIENT_SECRET} rejected\r\nError: invalid token\r\n"
        )),
        cli(&prompt),
    ]);
    let cmd = CliCommand::write(ctx, "set RefreshToken").with_secret(Secret::new(CLIENT_SECRET));
    let err = d.run(&cmd).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("Value ******** rejected"), "{shown}");
    assert!(!transcript_text(&d).contains(CLIENT_SECRET));
}

#[test]
fn a_password_prompt_without_a_secret_stops_the_session() {
    let ctx = "/Applications/NotificationPushServer/CiscoCI/Client";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("set clientSecret"),
        cli("New Password: "),
    ]);
    let err = d
        .run(&CliCommand::write(ctx, "set clientSecret"))
        .unwrap_err();
    assert!(
        matches!(&err, DriverError::Protocol { message, .. } if message == "the CLI asks for a password and this command has none to give"),
        "{err:?}"
    );
    let again = d.run(&CliCommand::read(ctx, "get")).unwrap_err();
    assert!(matches!(again, DriverError::Unusable(_)), "{again:?}");
}

// BWSSH-PY strips `ESC[...m/h/l`; a PTY sends CR LF.
#[test]
fn ansi_codes_and_crlf_are_cleaned() {
    let mut d = started(vec![
        expect("cd /Interface/SNMP/Agent;get\n"),
        cli("\x1b[?2004l\rcd /Interface/SNMP/Agent;get\r\n"),
        cli("\x1b[1m  port\x1b[0m = 8001\r\n  encoding = ISO-8859-1\r\n"),
        cli("\x1b[?2004hXSP_CLI/Interface/SNMP/Agent> "),
    ]);
    assert_eq!(
        d.get("/Interface/SNMP/Agent", &[]).unwrap(),
        GetOutput::Attributes(vec![
            ("port".into(), "8001".into()),
            ("encoding".into(), "ISO-8859-1".into())
        ])
    );
}

#[test]
fn a_pager_is_answered_with_a_space_and_its_text_dropped() {
    let ctx = "/Interface/Http/HttpServer/SSLSettings/Ciphers";
    let mut d = started(vec![
        typed(&format!("cd {ctx};get")),
        cli(
            "                              Cipher Name\r\n=========================================\r\n  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\r\n\x1b[7m--More--\x1b[m",
        ),
        expect(" "),
        cli("\r\x1b[K  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\r\n\r\n2 entries found.\r\n"),
        cli(&format!("XSP_CLI{ctx}> ")),
    ]);
    match d.get(ctx, &[]).unwrap() {
        GetOutput::Table(t) => assert_eq!(
            t.rows
                .iter()
                .map(|r| r.cells[0].as_str())
                .collect::<Vec<_>>(),
            vec![
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert!(!transcript_text(&d).contains("--More--"));
}

// Without a PTY there is no echo: nothing of the output is taken for it.
#[test]
fn without_echo_the_first_output_line_is_kept() {
    let mut d = started(vec![
        expect("cd /Interface/CTI;get\n"),
        cli("  securePortEnabled = true\n  securePort = 8012\n"),
        cli("XSP_CLI/Interface/CTI> "),
    ]);
    assert_eq!(
        d.get("/Interface/CTI", &[]).unwrap(),
        GetOutput::Attributes(vec![
            ("securePortEnabled".into(), "true".into()),
            ("securePort".into(), "8012".into())
        ])
    );
}

#[test]
fn iso_8859_1_output_is_decoded() {
    let ctx = "/System/DeviceType/SIP";
    let mut script = vec![
        cli(BANNER),
        cli("XSP_CLI> "),
        typed(&format!("cd {ctx};get")),
    ];
    script.push(Ev::Cli(b"  description = T\xe9l\xe9phone\r\n".to_vec()));
    script.push(cli(&format!("XSP_CLI{ctx}> ")));
    let mut d = Driver::start(Scripted::new(script), opts()).unwrap();
    assert_eq!(
        d.get(ctx, &[]).unwrap(),
        GetOutput::Attributes(vec![("description".into(), "T\u{e9}l\u{e9}phone".into())])
    );
}

// The same conversation delivered one byte at a time.
#[test]
fn output_split_into_single_bytes_gives_the_same_result() {
    let ctx = "/Interface/CTI/CTIServer";
    let script = vec![
        cli(BANNER),
        cli("\x1b[1mXSP_CLI\x1b[0m> "),
        typed(&format!("cd {ctx};get")),
        cli(
            "  Interface IP  Port  Secure  Server Certificate  Client Auth Req\r\n=================================================================\r\n  10.155.6.175  8012    true                true             true\r\n\r\n1 entry found.\r\n",
        ),
        Ev::Cli(format!("XSP_CLI{ctx}> ").into_bytes()),
    ];
    let mut d = Driver::start(Scripted::new(script).chunked(1), opts()).unwrap();
    match d.get(ctx, &[]).unwrap() {
        GetOutput::Table(t) => {
            assert_eq!(t.headers.len(), 5);
            assert_eq!(
                t.rows[0].cells,
                vec!["10.155.6.175", "8012", "true", "true", "true"]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_timeout_names_the_command_and_quotes_the_last_lines() {
    let mut d = started(vec![
        typed("cd /Interface/CTI;get"),
        cli("  securePortEnabled = true\r\n  securePort"),
    ]);
    let err = d.get("/Interface/CTI", &[]).unwrap_err();
    match &err {
        DriverError::Timeout {
            command,
            last_lines,
            ..
        } => {
            assert_eq!(command, "cd /Interface/CTI;get");
            assert_eq!(
                last_lines,
                "cd /Interface/CTI;get\n  securePortEnabled = true\n  securePort"
            );
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("`cd /Interface/CTI;get`: no CLI prompt after "),
        "{msg}"
    );
    assert!(msg.contains("\n      securePortEnabled = true\n"), "{msg}");
    assert!(matches!(
        d.run(&CliCommand::read("/Interface/CTI", "get")),
        Err(DriverError::Unusable(_))
    ));
}

#[test]
fn a_timeout_after_a_secret_does_not_show_it() {
    let ctx = "/Applications/NotificationPushServer/CiscoCI/Client";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("set clientSecret"),
        cli("New Password: "),
        typed(CLIENT_SECRET),
    ]);
    let cmd = CliCommand::write(ctx, "set clientSecret").with_secret(Secret::new(CLIENT_SECRET));
    let err = d.run(&cmd).unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
    let shown = format!("{err} {err:?} {}", transcript_text(&d));
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("********"), "{shown}");
}

#[test]
fn a_dropped_connection_says_so_with_the_last_output() {
    let mut d = started(vec![
        typed("cd /Interface/CTI;get"),
        cli("  securePortEnabled = true\r\n"),
        Ev::Eof,
    ]);
    let err = d.get("/Interface/CTI", &[]).unwrap_err();
    assert_eq!(
        err,
        DriverError::Disconnected {
            command: "cd /Interface/CTI;get".into(),
            reason: "the channel was closed".into(),
            last_lines: "cd /Interface/CTI;get\n  securePortEnabled = true".into(),
        }
    );
}

#[test]
fn a_reset_connection_reports_the_io_error() {
    let mut d = started(vec![expect("cd /Interface/CTI;get\n"), Ev::Reset]);
    let err = d.get("/Interface/CTI", &[]).unwrap_err();
    assert!(
        matches!(&err, DriverError::Disconnected { reason, .. } if reason == "connection reset by peer"),
        "{err:?}"
    );
}

#[test]
fn commands_with_line_breaks_or_relative_contexts_are_refused() {
    let mut d = started(vec![]);
    assert!(matches!(
        d.run(&CliCommand::read("/Interface", "get\nset x y")),
        Err(DriverError::InvalidCommand(_))
    ));
    assert!(matches!(
        d.run(&CliCommand::read("Interface", "get")),
        Err(DriverError::InvalidCommand(_))
    ));
}

// A command that itself holds `;` is not chained behind `cd`.
#[test]
fn a_line_with_a_semicolon_is_not_chained() {
    let ctx = "/Monitoring/Alarm/AlarmsTable";
    let prompt = format!("XSP_CLI{ctx}> ");
    let mut d = started(vec![
        typed(&format!("cd {ctx}")),
        cli(&prompt),
        typed("clearAll;y"),
        cli("...Done\r\n"),
        cli(&prompt),
    ]);
    d.run(&CliCommand::read(ctx, "clearAll;y")).unwrap();
}

// C-UPG: `exit` → confirm → `This session is now ending...`.
#[test]
fn close_exits_with_confirmation() {
    let mut d = started(vec![
        typed("exit"),
        cli("Please confirm (Yes, Y, No, N): "),
        typed("y"),
        cli("This session is now ending...\r\n"),
        Ev::Eof,
    ]);
    d.close().unwrap();
    let t = d.into_transcript().render();
    assert!(t.contains("This session is now ending..."), "{t}");
}

#[test]
fn close_accepts_the_shell_prompt_coming_back() {
    let mut d = started(vec![
        typed("exit"),
        cli("Please confirm (Yes, Y, No, N): "),
        typed("y"),
        cli("This session is now ending...\r\nbwadmin@nfm02$ "),
    ]);
    d.close().unwrap();
}

#[test]
fn the_transcript_has_what_was_sent_and_received() {
    let mut d = started(vec![
        typed("cd /Interface/CTI;get"),
        cli("  securePort = 8012\r\n"),
        cli("XSP_CLI/Interface/CTI> "),
    ]);
    d.get("/Interface/CTI", &[]).unwrap();
    let entries = d.transcript().entries();
    let sent: Vec<&str> = entries
        .iter()
        .filter(|e| e.direction == Direction::Sent)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(sent, vec!["cd /Interface/CTI;get"]);
    let received = entries.last().unwrap();
    assert_eq!(received.direction, Direction::Received);
    assert_eq!(
        received.text,
        "cd /Interface/CTI;get\n  securePort = 8012\nXSP_CLI/Interface/CTI> "
    );
}

#[test]
fn extra_masks_hide_values_the_cli_prints() {
    let script = vec![
        cli(BANNER),
        cli("XSP_CLI> "),
        typed("cd /Interface/SNMP/Agent;get"),
        cli("  readCommunity = hamBurger\r\n"),
        cli("XSP_CLI/Interface/SNMP/Agent> "),
    ];
    let options = DriverOptions {
        masks: vec![Secret::new("hamBurger")],
        ..opts()
    };
    let mut d = Driver::start(Scripted::new(script), options).unwrap();
    let out = d
        .run(&CliCommand::read("/Interface/SNMP/Agent", "get"))
        .unwrap();
    assert_eq!(out.text, "  readCommunity = ********");
    assert!(!transcript_text(&d).contains("hamBurger"));
}

#[test]
fn close_accepts_the_channel_ending_without_a_confirmation() {
    let mut d = started(vec![typed("exit"), Ev::Eof]);
    d.close().unwrap();
    assert!(matches!(
        d.run(&CliCommand::read("/", "get")),
        Err(DriverError::Unusable(_))
    ));
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_at_trace_level_hold_no_secret() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let ctx = "/Applications/NotificationPushServer/CiscoCI/Client";
        let prompt = format!("XSP_CLI{ctx}> ");
        let mut d = started(vec![
            typed(&format!("cd {ctx}")),
            cli(&prompt),
            typed("set clientSecret"),
            cli("New Password: "),
            typed(CLIENT_SECRET),
            cli("...Done\r\n"),
            cli(&prompt),
        ]);
        let cmd =
            CliCommand::write(ctx, "set clientSecret").with_secret(Secret::new(CLIENT_SECRET));
        d.run(&cmd).unwrap();
    });
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("set clientSecret"), "{text}");
    assert!(text.contains("********"), "{text}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
}

#[test]
fn each_page_is_asked_for_once() {
    let ctx = "/System/Device/ResourceNE";
    let mut d = started(vec![
        typed(&format!("cd {ctx};get")),
        cli("  Name\r\n======\r\n   ms1\r\n--More--"),
        expect(" "),
        // The pager line is redrawn before the next page comes: still one page.
        cli("\r--More--"),
        cli("\r\x1b[K   ms2\r\n--More--"),
        expect(" "),
        cli("\r\x1b[K   ms3\r\n\r\n3 entries found.\r\n"),
        cli(&format!("XSP_CLI{ctx}> ")),
    ]);
    match d.get(ctx, &[]).unwrap() {
        GetOutput::Table(t) => assert_eq!(t.rows.len(), 3),
        other => panic!("{other:?}"),
    }
}

// Issue #7 defect 6: a value holding `$ ` and `# ` that arrives one byte at a time
// is output, not the shell prompt: only the prompt learned at login is one.
#[test]
fn slow_output_holding_shell_prompt_characters_does_not_end_the_session() {
    let shell = "bwadmin@xsp1.lab$ ";
    let ctx = "/System/DeviceType/SIP";
    let mut script = vec![cli(&format!("Last login: today\r\n{shell}"))];
    script.extend(enter_repeats(shell));
    script.extend([
        typed("bwcli"),
        cli(BANNER),
        cli("XSP_CLI> "),
        typed(&format!("cd {ctx};get")),
        cli("  description = costs 5$ # per line\r\n  note = root# \r\n"),
        cli(&format!("XSP_CLI{ctx}> ")),
    ]);
    let mut d = Driver::start(Scripted::new(script).chunked(1), opts()).unwrap();
    let got = d.get(ctx, &[]).unwrap();
    assert_eq!(
        got,
        GetOutput::Attributes(vec![
            ("description".into(), "costs 5$ # per line".into()),
            ("note".into(), "root#".into()),
        ])
    );
}

// Issue #7 defect 6: once learned, the exact shell prompt still ends the session.
#[test]
fn the_learned_shell_prompt_coming_back_means_the_cli_exited() {
    let shell = "[bwadmin@xsp1 ~]# ";
    let mut script = vec![cli(shell)];
    script.extend(enter_repeats(shell));
    script.extend([
        typed("bwcli"),
        cli(BANNER),
        cli("XSP_CLI> "),
        typed("cd /Interface/CTI;get"),
        cli(&format!("Killed\r\n{shell}")),
    ]);
    let mut d = Driver::start(Scripted::new(script), opts()).unwrap();
    match d.get("/Interface/CTI", &[]).unwrap_err() {
        DriverError::Protocol { message, .. } => {
            assert_eq!(message, "the CLI exited: the shell prompt came back");
        }
        other => panic!("{other:?}"),
    }
}

// A login banner line ending in `$ ` is not taken for the shell prompt: Enter must
// bring back the same line with nothing in between.
#[test]
fn a_guessed_shell_prompt_must_repeat_before_it_is_learned() {
    let shell = "bwadmin@xsp1.lab$ ";
    let script = vec![
        cli("Price: 5$ "),
        expect("\n"),
        cli("per month\r\n\r\n"),
        cli(shell),
        expect("\n"),
        cli(&format!("\r\n{shell}")),
        typed("bwcli"),
        cli(BANNER),
        cli("XSP_CLI> "),
    ];
    let d = Driver::start(Scripted::new(script), opts()).unwrap();
    assert_eq!(d.cli_type(), "XSP");
}
