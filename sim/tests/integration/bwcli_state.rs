//! Durable state: persistence across reopening, several processes (several
//! `SimHost`s) on one host directory, atomic writes.
use crate::bwcli_support;

use bwcli_support::{Cli, host, spec};
use xspsim::host::{Endpoint, Faults, Product, Release, SimHost, TlsProtocol};

#[test]
fn the_configuration_survives_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert_before;
    {
        let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
        cert_before = h.tls_settings(Endpoint::Http).expect("http").cert_chain_pem;
        let mut c = Cli::start(&h);
        c.run("cd /Interface/Http/SSLCommonSettings/Protocols;add TLSv1.2");
        c.run("cd /System/CommunicationUtility/DefaultSettings;set userTransactionLimit 100");
    }
    let h = SimHost::open(dir.path(), spec("xsp1", Product::Xsp, Release::R22)).expect("reopen");
    let mut c = Cli::start(&h);
    assert_eq!(
        c.run("cd /System/CommunicationUtility/DefaultSettings;get"),
        "  userTransactionLimit = 100\n  transactionLimitPeriodSecs = 10\nXSP_CLI/System/CommunicationUtility/DefaultSettings> "
    );
    // Configured but not running yet: it still needs the restart after reopening.
    let http = h.tls_settings(Endpoint::Http).expect("http");
    assert_eq!(http.protocols.len(), 3);
    assert_eq!(http.cert_chain_pem, cert_before, "the certificate is kept");
    h.exec("restartbw");
    assert_eq!(
        h.tls_settings(Endpoint::Http).expect("http").protocols,
        [TlsProtocol::Tls12]
    );
}

#[test]
fn open_existing_uses_the_saved_spec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = spec("adp1", Product::Adp, Release::Adp);
    s.faults = Faults {
        delay_ms: 7,
        ..Faults::default()
    };
    let first = SimHost::open(dir.path(), s).expect("open");
    let again = SimHost::open_existing(&dir.path().join("adp1")).expect("open existing");
    assert_eq!(again.spec().product, Product::Adp);
    assert_eq!(again.spec().fqdn, "adp1.lab.xspctl.test");
    assert_eq!(again.faults().delay_ms, 7);
    // Faults changed at run time are saved for processes opened later.
    first.set_faults(Faults {
        ansi: true,
        ..Faults::default()
    });
    let third = SimHost::open_existing(&dir.path().join("adp1")).expect("open existing");
    assert!(third.faults().ansi);
    assert_eq!(third.fs_root(), dir.path().join("adp1").join("fs"));
    assert!(SimHost::open_existing(&dir.path().join("nosuch")).is_err());
}

#[test]
fn reopening_as_another_product_release_or_address_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let err =
        SimHost::open(dir.path(), spec("xsp1", Product::Xsp, Release::R23)).expect_err("release");
    assert!(
        err.to_string().ends_with(
            "xsp1: the host state was created with another release R22 -> R23; delete this directory to recreate the host"
        ),
        "{err}"
    );
    let mut moved = spec("xsp1", Product::Xsp, Release::R22);
    moved.address = "127.0.0.9".parse().expect("ip");
    moved.https_port = 9443;
    let err = SimHost::open(dir.path(), moved).expect_err("address");
    assert!(
        err.to_string()
            .contains("another address 127.0.0.1 -> 127.0.0.9, HTTPS port 8443 -> 9443;"),
        "{err}"
    );
    // Other changes (SSH port, user, faults) are fine.
    let mut s = spec("xsp1", Product::Xsp, Release::R22);
    s.ssh_port = 2299;
    assert_eq!(
        SimHost::open(dir.path(), s)
            .expect("reopen")
            .spec()
            .ssh_port,
        2299
    );
}

#[test]
fn create_refuses_an_existing_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    SimHost::create(dir.path(), spec("as1", Product::As, Release::R24)).expect("create");
    let err =
        SimHost::create(dir.path(), spec("as1", Product::As, Release::R24)).expect_err("exists");
    assert!(
        err.to_string().contains("a host state exists already"),
        "{err}"
    );
    assert!(SimHost::open(dir.path(), spec("../x", Product::As, Release::R24)).is_err());
}

#[test]
fn hosts_sharing_a_directory_see_each_others_changes() {
    // Like two `xspsim bwcli --state DIR/HOST` processes under sshd and the TLS server.
    let dir = tempfile::tempdir().expect("tempdir");
    let a = host(dir.path(), "xsp1", Product::Xsp, Release::R23);
    let b = SimHost::open_existing(&dir.path().join("xsp1")).expect("second opener");
    let mut ca = Cli::start(&a);
    let mut cb = Cli::start(&b);
    let g = b.generation();
    ca.run("cd /Interface/CTI/SSLCommonSettings/Protocols;add TLSv1.2");
    assert!(
        cb.run("cd /Interface/CTI/SSLCommonSettings/Protocols;get")
            .contains("        TLSv1.2\n")
    );
    cb.run("add TLSv1.1");
    assert_eq!(b.generation(), g);
    a.exec("restartbw");
    assert!(b.generation() > g, "the other opener sees the restart");
    assert_eq!(
        b.tls_settings(Endpoint::Cti).expect("cti").protocols,
        [TlsProtocol::Tls11, TlsProtocol::Tls12]
    );
}

#[test]
fn concurrent_writers_on_one_directory_lose_no_update() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = host(dir.path(), "as1", Product::As, Release::R22);
    let second = SimHost::open_existing(&dir.path().join("as1")).expect("second opener");
    let writers: Vec<_> = [(first, "a"), (second, "b")]
        .into_iter()
        .map(|(h, tag)| {
            std::thread::spawn(move || {
                let mut c = Cli::start(&h);
                c.run("cd /System/ClientIdentity");
                for i in 0..15 {
                    assert!(
                        c.run(&format!("add {tag}{i}.example.com"))
                            .starts_with("...Done\n")
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let h = SimHost::open_existing(&dir.path().join("as1")).expect("reader");
    let mut c = Cli::start(&h);
    assert!(
        c.run("cd /System/ClientIdentity;get")
            .contains("\n30 entries found.\n")
    );
}

#[test]
fn writes_are_atomic_and_leave_no_temporary_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    for n in 1..=20 {
        c.run(&format!(
            "cd /System/CommunicationUtility/DefaultSettings;set userTransactionLimit {n}"
        ));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("xsp1"))
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The spare is the state before the last save, kept as the next save's file.
    assert_eq!(
        names,
        [
            ".state.json.spare",
            "fs",
            "host.json",
            "state.json",
            "state.lock"
        ]
    );
    let text = std::fs::read_to_string(dir.path().join("xsp1/state.json")).expect("state");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    assert_eq!(
        v["configured"]["contexts"]["System/CommunicationUtility/DefaultSettings"]["attrs"]["userTransactionLimit"],
        "20"
    );
}

#[test]
fn a_fresh_host_file_system_has_the_usual_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    for d in [
        "tmp",
        "var/broadworks/tmp",
        "var/broadworks/patches",
        "home/bwadmin",
        "bw/install",
    ] {
        assert!(h.fs_root().join(d).is_dir(), "{d}");
    }
    let hosts = std::fs::read_to_string(h.fs_root().join("etc/hosts")).expect("hosts");
    assert_eq!(
        hosts,
        "127.0.0.1   localhost localhost.localdomain\n127.0.0.1   xsp1.lab.xspctl.test xsp1\n"
    );
}

#[test]
fn saves_reuse_two_files_and_every_save_is_seen_by_another_opener() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let other = SimHost::open_existing(&dir.path().join("xsp1")).expect("second opener");
    let mut c = Cli::start(&h);
    let mut seen = Vec::new();
    let mut inodes = std::collections::BTreeSet::new();
    // Values of one length: a save must differ from the last by more than its size.
    for n in 10..=40 {
        c.run(&format!(
            "cd /System/CommunicationUtility/DefaultSettings;set userTransactionLimit {n}"
        ));
        let meta = std::fs::metadata(dir.path().join("xsp1/state.json")).expect("state");
        inodes.insert(meta.ino());
        seen.push((meta.mtime(), meta.mtime_nsec()));
        let mut o = Cli::start(&other);
        assert!(
            o.run("cd /System/CommunicationUtility/DefaultSettings;get")
                .contains(&format!("userTransactionLimit = {n}\n")),
            "the other opener missed save {n}"
        );
    }
    assert!(inodes.len() <= 2, "a save created a file: {inodes:?}");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "modification times did not move forward: {seen:?}"
    );
}
