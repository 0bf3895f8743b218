//! Session faults: drop after N commands, delay, failing commands, paging, ANSI.
use crate::bwcli_support;

use std::time::Duration;

use bwcli_support::{Cli, host};
use xspsim::host::{Faults, Product, Release, SessionEnd};

#[test]
fn the_connection_drops_after_n_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    h.set_faults(Faults {
        drop_after_commands: Some(2),
        ..Faults::default()
    });
    let mut c = Cli::start(&h);
    assert_eq!(
        c.run("cd /System/CommunicationUtility/DefaultSettings"),
        "XSP_CLI/System/CommunicationUtility/DefaultSettings> "
    );
    // The second command runs, but its reply never arrives.
    let r = c.reply("set userTransactionLimit 100");
    assert_eq!(r.end, SessionEnd::Drop);
    assert_eq!(r.output, "");
    assert_eq!(c.reply("get").end, SessionEnd::Exit, "the session is over");
    h.set_faults(Faults::default());
    let mut c = Cli::start(&h);
    assert!(
        c.run("cd /System/CommunicationUtility/DefaultSettings;get")
            .starts_with("  userTransactionLimit = 100\n")
    );
    // Zero drops at once.
    h.set_faults(Faults {
        drop_after_commands: Some(0),
        ..Faults::default()
    });
    let r = h.bwcli().start();
    assert_eq!((r.end, r.output.as_str()), (SessionEnd::Drop, ""));
}

#[test]
fn a_single_drop_clears_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    h.set_faults(Faults {
        drop_after_commands: Some(1),
        drop_once: true,
        ..Faults::default()
    });
    let mut c = Cli::start(&h);
    assert_eq!(c.reply("cd /System").end, SessionEnd::Drop);
    assert_eq!(h.faults().drop_after_commands, None);
    // The next session (a reconnect) is not dropped.
    let mut c = Cli::start(&h);
    assert_eq!(c.run("cd /System"), "XSP_CLI/System> ");
    assert_eq!(c.reply("cd /Interface").end, SessionEnd::Continue);
}

#[test]
fn replies_carry_the_delay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(c.reply("help").delay, Duration::ZERO);
    h.set_faults(Faults {
        delay_ms: 25,
        ..Faults::default()
    });
    assert_eq!(c.reply("help").delay, Duration::from_millis(25));
    assert_eq!(h.bwcli().start().delay, Duration::from_millis(25));
    assert_eq!(h.exec("hostname").stdout, "xsp1\n");
}

#[test]
fn matching_commands_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    h.set_faults(Faults {
        fail_pattern: Some("^set ".into()),
        fail_message: Some("Failed to write data to the configuration system".into()),
        ..Faults::default()
    });
    let mut c = Cli::start(&h);
    let p = "XSP_CLI/Interface/CTI> ";
    assert_eq!(
        c.run("cd /Interface/CTI;set portEnabled false;get"),
        format!(
            "Failed to write data to the configuration system\n  portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = 8012\n{p}"
        )
    );
    h.set_faults(Faults {
        fail_pattern: Some("get".into()),
        ..Faults::default()
    });
    assert_eq!(
        c.out("get", p),
        "[Error] Failed to process the command: the configuration system did not respond\n"
    );
    let bad = Faults {
        fail_pattern: Some("(".into()),
        ..Faults::default()
    };
    assert!(bad.validate().is_err());
    h.set_faults(bad);
    assert!(
        c.out("get", p).starts_with("  portEnabled = true\n"),
        "an invalid pattern is ignored"
    );
}

#[test]
fn long_output_pages_with_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects");
    h.set_faults(Faults {
        page_lines: Some(4),
        ..Faults::default()
    });
    let r = c.reply("get");
    let lines: Vec<&str> = r.output.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4], "--More--");
    assert!(lines[0].ends_with("State\n"));
    assert!(c.session.awaiting_key());
    let r = c.reply(" ");
    assert!(r.output.starts_with("\r        \r"));
    assert!(r.output.ends_with("--More--"));
    let r = c.reply("q");
    assert!(!c.session.awaiting_key());
    assert!(
        r.output
            .ends_with("5 entries found.\nXSP_CLI/Maintenance/ManagedObjects> "),
        "{:?}",
        r.output
    );
    // Short outputs do not page.
    assert_eq!(c.run("cd /"), "XSP_CLI> ");
    // A paged output that ends the session shows every page first.
    let r = c.reply("cd /Maintenance/ManagedObjects;get;exit;y");
    assert_eq!(
        (r.end, r.output.ends_with("--More--")),
        (SessionEnd::Continue, true)
    );
    c.reply(" ");
    let r = c.reply(" ");
    assert_eq!(r.end, SessionEnd::Exit);
    assert!(
        r.output
            .ends_with("Please confirm (Yes, Y, No, N): \nThis session is now ending...\n"),
        "{:?}",
        r.output
    );
}

#[test]
fn ansi_colours_wrap_prompts_and_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    h.set_faults(Faults {
        ansi: true,
        ..Faults::default()
    });
    let mut c = Cli::start(&h);
    assert!(c.banner.ends_with("\n\x1b[1;32mAS_CLI> \x1b[0m"));
    assert_eq!(
        c.run("cd /System/ClientIdentity;get"),
        "\x1b[1m  Identity\x1b[0m\n==========\n\n0 entry found.\n\x1b[1;32mAS_CLI/System/ClientIdentity> \x1b[0m"
    );
}
