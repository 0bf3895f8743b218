//! Exec channels, SFTP and direct-tcpip, driven with ssh2.
use crate::lab_support;

use std::io::Read;
use std::path::Path;

use lab_support::pki;
use lab_support::ssh::{Interactive, TestLab, bwcli_with_cti_anchor, connect, exec, upload};
use xspsim::host::{Product, Release};

#[test]
fn exec_returns_stdout_stderr_and_the_exit_status() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 20);
    let session = connect(&lab.entry("xsp1"));
    let (stdout, stderr, status) = exec(&session, "bwshowver");
    assert!(
        stdout.starts_with("XSP version Rel_23.0_1.1075\n\nBuilt  "),
        "{stdout:?}"
    );
    assert_eq!((stderr.as_str(), status), ("", 0));
    let (stdout, stderr, status) = exec(&session, "tech-support");
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), status),
        ("", "bash: tech-support: command not found\n", 127)
    );
    // Several channels on one connection, one after the other.
    assert_eq!(
        exec(&session, "hostname"),
        ("xsp1\n".into(), String::new(), 0)
    );
}

fn download(sftp: &ssh2::Sftp, path: &str) -> Vec<u8> {
    let mut file = sftp.open(Path::new(path)).expect("open");
    let mut content = Vec::new();
    file.read_to_end(&mut content).expect("read");
    content
}

#[test]
fn sftp_handles_files_and_directories_under_the_host_root() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 21);
    let session = connect(&lab.entry("xsp1"));
    let sftp = session.sftp().expect("sftp");
    let root = lab.lab().host("xsp1").expect("host").fs_root();

    upload(&sftp, "/var/broadworks/tmp/a.txt", b"hello");
    assert_eq!(
        std::fs::read(root.join("var/broadworks/tmp/a.txt")).expect("on disk"),
        b"hello"
    );
    assert_eq!(download(&sftp, "/var/broadworks/tmp/a.txt"), b"hello");
    let stat = sftp
        .stat(Path::new("/var/broadworks/tmp/a.txt"))
        .expect("stat");
    assert_eq!(stat.size, Some(5));
    assert!(stat.is_file());

    // mkdir is atomic: a second one fails (xspctl's per-host lock).
    sftp.mkdir(Path::new("/tmp/xspctl.lock"), 0o700)
        .expect("mkdir");
    assert!(sftp.mkdir(Path::new("/tmp/xspctl.lock"), 0o700).is_err());
    assert!(
        sftp.stat(Path::new("/tmp/xspctl.lock"))
            .expect("stat")
            .is_dir()
    );

    // rename refuses to overwrite, as OpenSSH's SFTP v3 rename does.
    upload(&sftp, "/tmp/b.txt", b"b");
    sftp.rename(
        Path::new("/var/broadworks/tmp/a.txt"),
        Path::new("/tmp/a.txt"),
        None,
    )
    .expect("rename");
    assert!(
        sftp.rename(Path::new("/tmp/a.txt"), Path::new("/tmp/b.txt"), None)
            .is_err()
    );
    let mut names: Vec<String> = sftp
        .readdir(Path::new("/tmp"))
        .expect("readdir")
        .into_iter()
        .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt", "b.txt", "xspctl.lock"]);

    sftp.unlink(Path::new("/tmp/a.txt")).expect("remove");
    assert!(sftp.rmdir(Path::new("/tmp")).is_err(), "not empty");
    sftp.rmdir(Path::new("/tmp/xspctl.lock")).expect("rmdir");
    assert!(sftp.stat(Path::new("/tmp/xspctl.lock")).is_err());
    assert_eq!(
        sftp.realpath(Path::new("/var/./broadworks/../broadworks"))
            .expect("realpath"),
        Path::new("/var/broadworks")
    );
}

#[test]
fn sftp_cannot_leave_the_host_root() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 22);
    let session = connect(&lab.entry("xsp1"));
    let sftp = session.sftp().expect("sftp");
    let root = lab.lab().host("xsp1").expect("host").fs_root();
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("secret"), "outside").expect("write");
    std::os::unix::fs::symlink(outside.path(), root.join("tmp/out")).expect("symlink");

    assert!(sftp.open(Path::new("/../../../../etc/hostname")).is_err());
    assert!(sftp.stat(Path::new("/..")).is_err());
    assert!(sftp.open(Path::new("/tmp/out/secret")).is_err());
    assert!(sftp.create(Path::new("/tmp/out/new")).is_err());
    assert!(sftp.opendir(Path::new("/tmp/out")).is_err());
    assert!(!outside.path().join("new").exists());
}

#[test]
fn files_uploaded_over_sftp_feed_bwcli_and_keys_move_between_hosts() {
    let lab = TestLab::uniform(2, Product::Xsp, Release::R22, 23);
    let first = connect(&lab.entry("xsp1"));
    let sftp = first.sftp().expect("sftp");
    let root = pki::ca("Webex Client Root");
    upload(&sftp, "/tmp/root.pem", &root.cert.to_pem().expect("pem"));

    let mut cli = bwcli_with_cti_anchor(&first, "webexroot", "/tmp/root.pem");

    // authService.keys: exported on xsp1, downloaded, uploaded to xsp2, imported.
    let keys = "/var/broadworks/tmp/authService.keys";
    cli.send("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService\n");
    cli.read_until("ManagedObjects> ");
    let km = "XSP_CLI/Applications/AuthenticationService/KeyManagement> ";
    cli.send("cd /Applications/AuthenticationService/KeyManagement;exportKeys\n");
    assert_eq!(
        cli.read_until(km),
        format!("Keys exported to {keys}\n...Done\n{km}")
    );
    let exported = download(&sftp, keys);
    assert!(String::from_utf8_lossy(&exported).starts_with("-----BEGIN PRIVATE KEY-----"));

    let second = connect(&lab.entry("xsp2"));
    upload(&second.sftp().expect("sftp"), keys, &exported);
    let mut cli2 = Interactive::exec(&second, "bwcli", false);
    cli2.read_until("XSP_CLI> ");
    cli2.send("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService\n");
    cli2.read_until("ManagedObjects> ");
    cli2.send(&format!(
        "cd /Applications/AuthenticationService/KeyManagement;importKeys {keys}\n"
    ));
    let imported = cli2.read_until(km);
    assert!(
        imported.ends_with(&format!("...Done\n{km}")),
        "{imported:?}"
    );
}

#[test]
fn direct_tcpip_reaches_loopback_targets_only() {
    let lab = TestLab::uniform(2, Product::Xsp, Release::R23, 24);
    let jump = connect(&lab.entry("xsp1"));
    let target = lab.entry("xsp2");

    // Through xsp1 to xsp2's SSH server: its identification string comes back.
    let mut tunnel = jump
        .channel_direct_tcpip(
            &target.address.to_string(),
            target.ssh_port.expect("port"),
            None,
        )
        .expect("forwarding to a loopback target");
    let mut banner = [0u8; 14];
    tunnel.read_exact(&mut banner).expect("banner");
    assert_eq!(&banner, b"SSH-2.0-xspsim");
    drop(tunnel);

    // Anything that is not loopback is refused before any connection is tried.
    for (host, port) in [("192.0.2.10", 22), ("10.1.2.3", 443), ("example.com", 22)] {
        assert!(
            jump.channel_direct_tcpip(host, port, None).is_err(),
            "{host} must be refused"
        );
    }
    // The session is still usable afterwards.
    assert_eq!(exec(&jump, "hostname").0, "xsp1\n");
}
