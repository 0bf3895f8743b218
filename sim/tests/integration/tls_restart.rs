//! End to end: TLS settings changed over SSH with bwcli take effect on the endpoints
//! only after `restartbw` (checked with `openssl s_client`), including client
//! authentication with a trust anchor uploaded over SFTP.
use crate::lab_support;

use std::net::SocketAddr;
use std::time::Duration;

use lab_support::ssh::{Interactive, TestLab, bwcli_with_cti_anchor, connect, exec, upload};
use lab_support::{Run, eventually, handshake_ok, pki, s_client};
use xspsim::host::{Product, Release};

/// s_client until `accepted` says what is expected (the endpoint notices a new
/// generation within its poll interval), bounded to 5 s.
fn expect_handshake(address: SocketAddr, args: &[&str], accepted: bool) -> Run {
    let mut last = None;
    let found = eventually(Duration::from_secs(5), || {
        let run = s_client(address, args, b"");
        if handshake_ok(&run) == accepted {
            Some(run)
        } else {
            last = Some(run);
            None
        }
    });
    found.unwrap_or_else(|| panic!("{args:?} accepted must be {accepted}: {last:?}"))
}

#[test]
fn https_protocols_and_suites_change_only_after_restartbw() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 40);
    let entry = lab.entry("xsp1");
    let https = SocketAddr::new(entry.address, entry.https_port);
    let legacy = ["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"];
    // D2: a fresh host serves TLSv1, TLSv1.1 and TLSv1.2 with the JSSE-like defaults.
    expect_handshake(https, &legacy, true);
    expect_handshake(https, &["-tls1_2", "-cipher", "AES128-SHA"], true);

    let session = connect(&entry);
    let mut cli = Interactive::exec(&session, "bwcli", false);
    cli.read_until("XSP_CLI> ");
    let (ip, port) = (entry.address, entry.https_port);
    cli.send(&format!(
        "cd /Interface/Http/HttpServer/SSLSettings/Protocols;add {ip} {port} TLSv1.2\n"
    ));
    cli.read_until("Protocols> ");
    cli.send(&format!(
        "cd ../Ciphers;add {ip} {port} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
    ));
    cli.read_until("Ciphers> ");

    // Not before the restart.
    let before = s_client(https, &legacy, b"");
    assert!(handshake_ok(&before), "{before:?}");
    let before = s_client(https, &["-tls1_2", "-cipher", "AES128-SHA"], b"");
    assert!(handshake_ok(&before), "{before:?}");

    let (_, _, status) = exec(&session, "restartbw");
    assert_eq!(status, 0);
    expect_handshake(https, &legacy, false);
    expect_handshake(https, &["-tls1_2", "-cipher", "AES128-SHA"], false);
    let after = expect_handshake(https, &["-tls1_2"], true);
    after.assert_stdout_contains("Cipher is ECDHE-RSA-AES256-GCM-SHA384");
}

#[test]
fn cti_client_authentication_with_an_anchor_uploaded_over_sftp() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 41);
    let entry = lab.entry("xsp1");
    let cti = SocketAddr::new(entry.address, entry.cti_port);
    expect_handshake(cti, &["-tls1_2"], true);

    let session = connect(&entry);
    let webex_root = pki::ca("BroadCloud Commercial Trusted Root CA");
    let client = pki::client("bwcticlient.webex.com", &webex_root);
    let anchor = "/var/broadworks/tmp/webexroot.pem";
    upload(
        &session.sftp().expect("sftp"),
        anchor,
        &webex_root.cert.to_pem().expect("pem"),
    );
    let mut cli = bwcli_with_cti_anchor(&session, "webexroot", anchor);
    cli.send(&format!(
        "cd /Interface/CTI/SSLSettings;set {} clientAuthReq true\n",
        entry.address
    ));
    cli.read_until("SSLSettings> ");

    // Client authentication needs the restart.
    expect_handshake(cti, &["-tls1_2"], true);
    assert_eq!(exec(&session, "restartbw").2, 0);
    let refused = expect_handshake(cti, &["-tls1_2"], false);
    refused.assert_stdout_contains(
        "Acceptable client certificate CA names\nO = xspsim test, CN = BroadCloud Commercial Trusted Root CA\n",
    );
    let files = tempfile::tempdir().expect("temp dir");
    let cert = files.path().join("client.pem");
    let key = files.path().join("client.key");
    std::fs::write(&cert, client.cert_pem()).expect("write");
    std::fs::write(&key, client.key_pem()).expect("write");
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
    expect_handshake(cti, &["-tls1_2", "-cert", &cert, "-key", &key], true);
}
