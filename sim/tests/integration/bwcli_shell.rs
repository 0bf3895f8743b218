//! Shell commands over the exec channel (bwcli-behavior §4-§5).
use crate::bwcli_support;

use std::net::{IpAddr, TcpListener};
use std::sync::Arc;

use bwcli_support::{Cli, host, put};
use xspsim::host::{ExecOutput, Product, Release};

fn ok(stdout: &str) -> ExecOutput {
    ExecOutput {
        stdout: stdout.to_string(),
        stderr: String::new(),
        status: 0,
    }
}

#[test]
fn bwshowver_in_the_as_and_xsp_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R24);
    // C-ADMIN's R24 AS output, with this host's patch count.
    assert_eq!(
        h.exec("bwshowver"),
        ok(
            "AS version Rel_24.0_1.944\n\nBuilt  Sat Jun  6 00:26:50 EDT 2020\n- BASE revision 909962\n- AS revision 909962\n\nPatching Info:\n  Active Patches: 1\n"
        )
    );
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let out = h.exec("/usr/local/broadworks/bw_base/bin/bwshowver");
    assert!(
        out.stdout
            .starts_with("XSP version Rel_22.0_1.1123\n\nBuilt  "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("\n- XSP revision 761403\n\nPatching Info:\n  Active Patches: 17\n")
    );
}

#[test]
fn bwshowver_in_the_adp_form_lists_active_applications() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "adp1", Product::Adp, Release::Adp);
    assert_eq!(
        h.exec("bwshowver"),
        ok(
            "ADP version Rel_2022.11_1.273\n\nApplications Info:\n- OpenClientServer version 2022.11_1.273\n- OCIOverSoap version 2022.11_1.273 context path /webservice\n- Xsi-Actions version 2022.11_1.273 context path /com.broadsoft.xsi-actions\n- Xsi-Events version 2022.11_1.273 context path /com.broadsoft.xsi-events\n"
        )
    );
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 2022.11_1.273 /authService");
    assert!(
        h.exec("bwshowver")
            .stdout
            .ends_with("- AuthenticationService version 2022.11_1.273 context path /authService\n")
    );
}

#[test]
fn list_patch_shows_the_installed_patches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R23);
    let expected = "Patch Name                      State\n\
                    =====================================\n\
                    AP.platform.23.0.1075.ap367732  Active\n\
                    AP.platform.23.0.1075.ap370952  Active\n\
                    AP.platform.23.0.1075.ap369607  Active\n\
                    AP.xsp.23.0.1075.ap368067       Active\n\
                    AP.xsp.23.0.1075.ap369607       Active\n\
                    AP.xsp.23.0.1075.ap370952       Active\n\
                    AP.xsp.23.0.1075.ap373008       Active\n\
                    AP.xsp.23.0.1075.ap374677       Active\n\
                    \n\
                    listPatch command successfully executed.\n";
    assert_eq!(
        h.exec("/usr/local/broadworks/patchtool/sbin/listPatch.pl"),
        ok(expected)
    );
    assert_eq!(h.exec("listPatch.pl"), ok(expected));
    // A required patch of guide B §2.2 step 2 is missing on a fresh host.
    assert!(!expected.contains("ap376509"));
}

#[test]
fn hostname_and_healthmon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "adp1", Product::Adp, Release::Adp);
    assert_eq!(h.exec("hostname"), ok("adp1\n"));
    assert_eq!(h.exec("hostname -f"), ok("adp1.lab.xspctl.test\n"));
    assert_eq!(h.exec("hostname -i"), ok("127.0.0.1\n"));
    let out = h.exec("healthmon -l");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let rule = "--------------------------------";
    assert_eq!(lines[0], rule);
    assert_eq!(lines[1], "System Health Report Page");
    assert_eq!(lines[2], "   BroadWorks Server Name: adp1");
    assert!(lines[3].starts_with("   Date and time         : "));
    assert!(lines[3].ends_with(&format!(" GMT {}", &lines[3][lines[3].len() - 4..])));
    assert_eq!(lines[4], "   Report severity       : NOTIFICATION");
    assert_eq!(
        lines[5],
        "   Server type           : ApplicationDeliveryPlatform"
    );
    assert_eq!(lines[6], "   Server state          : Unlock");
    assert_eq!(
        &lines[7..],
        [rule, "", "No abnormal condition detected.", "", rule]
    );
    h.exec("stopbw");
    let out = h.exec("healthmon");
    assert!(out.stdout.contains("   Report severity       : CRITICAL\n"));
    assert!(out.stdout.contains("\nBroadWorks is not running.\n"));
}

#[test]
fn nc_connects_to_loopback_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let open = listener.local_addr().expect("addr").port();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    assert_eq!(h.exec(&format!("nc -z -w 2 127.0.0.1 {open}")), ok(""));
    assert_eq!(
        h.exec(&format!("nc -zv -w 2 127.0.0.1 {open}")).stderr,
        format!("Connection to 127.0.0.1 {open} port [tcp/*] succeeded!\n")
    );
    let refused = h.exec(&format!("nc -z -v -w2 127.0.0.1 {closed}"));
    assert_eq!(refused.status, 1);
    assert_eq!(
        refused.stderr,
        format!("nc: connect to 127.0.0.1 port {closed} (tcp) failed: Connection refused\n")
    );
    // Any other address is unreachable, at once and without traffic.
    let out = h.exec("nc -z -v -w 2 192.0.2.10 443");
    assert_eq!(
        out,
        ExecOutput {
            stdout: String::new(),
            stderr: "nc: connect to 192.0.2.10 port 443 (tcp) failed: Network is unreachable\n"
                .into(),
            status: 1
        }
    );
    // Names: /etc/hosts of the host, then the plugged resolver.
    assert_eq!(
        h.exec(&format!("nc -z xsp1.lab.xspctl.test {open}")).status,
        0
    );
    assert_eq!(h.exec(&format!("nc -z localhost {open}")).status, 0);
    let out = h.exec("nc -z -v idbroker.webex.com 443");
    assert_eq!(
        out.stderr,
        "nc: getaddrinfo for host \"idbroker.webex.com\" port 443: Name or service not known\n"
    );
    put(
        &h,
        "/etc/hosts",
        b"127.0.0.1 provisioning.example.com
",
    );
    assert_eq!(
        h.exec(&format!("nc -z provisioning.example.com {open}"))
            .status,
        0
    );
    h.set_resolver(Arc::new(|name: &str| {
        (name == "idbroker.webex.com").then(|| IpAddr::from([198, 51, 100, 7]))
    }));
    assert_eq!(
        h.exec("nc -zv idbroker.webex.com 443").stderr,
        "nc: connect to idbroker.webex.com port 443 (tcp) failed: Network is unreachable\n"
    );
    assert_eq!(h.exec("nc -z").status, 1);
    drop(listener);
}

#[test]
fn unknown_commands_and_sequences() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    assert_eq!(
        h.exec("tech-support"),
        ExecOutput {
            stdout: String::new(),
            stderr: "bash: tech-support: command not found\n".into(),
            status: 127
        }
    );
    assert_eq!(h.exec("/opt/bin/bwshowver").status, 127);
    let out = h.exec("hostname; hostname -f && nosuch && hostname");
    assert_eq!(out.stdout, "xsp1\nxsp1.lab.xspctl.test\n");
    assert_eq!(out.status, 127);
    assert_eq!(h.exec(""), ExecOutput::default());
    put(&h, "/tmp/a.txt", b"abc");
    assert_eq!(
        h.exec("sha256sum /tmp/a.txt"),
        ok("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  /tmp/a.txt\n")
    );
}
