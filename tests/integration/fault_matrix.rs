//! The fault matrix of issue #7 (docs/reliability.md): the connection drops after
//! the k-th bwcli command of an apply, for every k of the apply; afterwards the
//! host holds exactly its backup (rows and order) or, after the run or a rerun,
//! exactly the playbook, and its lock is released.
use crate::lab;

use lab::{Spec, TLS_INTERFACE, TestLab, sent_lines};
use xspsim::host::{Faults, Product, Release};

const HOST: &str = "xsp1";
const AES_128: &str = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
const AES_256: &str = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
const CBC: &str = "TLS_RSA_WITH_AES_128_CBC_SHA";
/// No apply of this playbook sends more commands than this (a bound for the loop).
const MAX_COMMANDS: u32 = 200;

fn lab() -> TestLab {
    let lab = TestLab::start(
        "fault-matrix",
        &[Spec {
            name: HOST,
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    // Rows of the host's own at the interface level, ciphers in another order than
    // the playbook's, so that the apply deletes, adds and reorders.
    let (ip, port) = (lab.address(HOST), lab.https_port(HOST));
    let out = lab.bwcli(
        HOST,
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {port} TLSv1.1"),
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            &format!("add {ip} {port} {AES_128}"),
            &format!("add {ip} {port} {AES_256}"),
            &format!("add {ip} {port} {CBC}"),
        ],
    );
    assert_eq!(out.matches("...Done").count(), 4, "{out}");
    lab
}

/// What the host holds where the apply writes, as bwcli prints it (row order
/// included), with this lab's address and port made neutral.
fn snapshot(lab: &TestLab) -> String {
    let (ip, port) = (lab.address(HOST), lab.https_port(HOST));
    lab.bwcli(
        HOST,
        &[
            &format!("cd /Interface/Http/HttpServer/SSLSettings/Protocols;get {ip} {port}"),
            &format!("cd /Interface/Http/HttpServer/SSLSettings/Ciphers;get {ip} {port}"),
            &format!("cd /Interface/CTI/SSLSettings/Protocols;get {ip}"),
            &format!("cd /Interface/CTI/SSLSettings/Ciphers;get {ip}"),
        ],
    )
    .replace(&port.to_string(), "PORT")
    .replace(&ip.to_string(), "IP")
}

fn lock_held(lab: &TestLab) -> bool {
    lab.host(HOST)
        .fs_root()
        .join("var/broadworks/tmp/xspctl.lock")
        .exists()
}

/// The bwcli commands a transcript shows (`bwcli` itself, and the `<enter>` that
/// learns the shell prompt, are typed at the shell; `y` answers the exit
/// confirmation).
fn bwcli_commands(transcript: &str) -> u32 {
    let sent = sent_lines(transcript);
    sent.iter()
        .filter(|l| !l.starts_with("<enter>") && *l != "bwcli" && *l != "y")
        .count() as u32
}

fn apply(lab: &TestLab) -> (lab::Run, String) {
    let pb = lab.dir.path().join("pb.yaml");
    let run = lab.xspctl(&[
        "apply",
        "-f",
        pb.to_str().unwrap(),
        "--yes",
        "--format",
        "json",
    ]);
    let status = run.json()["hosts"][0]["status"]
        .as_str()
        .unwrap()
        .to_string();
    (run, status)
}

#[derive(Debug, Default)]
struct Counts {
    /// Dropped while reading, all under the lock (the plan's reads are the
    /// apply's): `failed`, nothing written, the lock released after a reconnect.
    reading: u32,
    rolled_back: u32,
    converged_in_run: u32,
    converged_on_rerun: u32,
}

#[test]
fn a_drop_after_any_command_of_an_apply_leaves_the_backup_or_the_playbook() {
    // A clean apply: how many commands it sends, and what it leaves.
    let reference = lab();
    let before = snapshot(&reference);
    reference.playbook("pb.yaml", &[(HOST, "xsp", "R23", TLS_INTERFACE)]);
    let (run, status) = apply(&reference);
    assert_eq!(status, "restart-required", "{}", run.all());
    let commands = bwcli_commands(&reference.transcripts(HOST).pop().unwrap());
    let converged = snapshot(&reference);
    assert!(
        converged.find(AES_256) < converged.find(AES_128) && !converged.contains(CBC),
        "{converged}"
    );
    assert!(commands > 10 && commands < MAX_COMMANDS, "{commands}");
    drop(reference);

    let mut counts = Counts::default();
    for k in 1..=commands {
        let lab = lab();
        assert_eq!(snapshot(&lab), before);
        lab.playbook("pb.yaml", &[(HOST, "xsp", "R23", TLS_INTERFACE)]);
        lab.faults(
            HOST,
            Faults {
                drop_after_commands: Some(k),
                drop_once: true,
                ..Faults::default()
            },
        );
        let (run, status) = apply(&lab);
        assert_eq!(
            lab.host(HOST).faults().drop_after_commands,
            None,
            "k={k}: the connection did not drop\n{}",
            run.all()
        );
        assert!(!lock_held(&lab), "k={k}: the lock is left\n{}", run.all());
        let now = snapshot(&lab);
        match status.as_str() {
            // Lost before any write, while reading under the lock.
            "failed" => {
                assert_eq!(now, before, "k={k}: changed without a write\n{}", run.all());
                assert!(
                    run.all().contains("nothing was changed"),
                    "k={k}\n{}",
                    run.all()
                );
                counts.reading += 1;
            }
            "rolled-back" => {
                assert_eq!(now, before, "k={k}: not the exact backup\n{}", run.all());
                counts.rolled_back += 1;
            }
            // Lost after the writes were confirmed (leaving bwcli).
            "restart-required" => {
                assert_eq!(now, converged, "k={k}\n{}", run.all());
                counts.converged_in_run += 1;
                continue;
            }
            other => panic!("k={k}: unexpected status {other}\n{}", run.all()),
        }
        // Whatever was left, a rerun converges to exactly the playbook.
        let (rerun, status) = apply(&lab);
        assert_eq!(status, "restart-required", "k={k}\n{}", rerun.all());
        assert_eq!(snapshot(&lab), converged, "k={k}: rerun\n{}", rerun.all());
        assert!(!lock_held(&lab), "k={k}: the rerun left the lock");
        counts.converged_on_rerun += 1;
    }
    eprintln!("fault matrix: {commands} commands, {counts:?}");
    assert_eq!(
        counts.reading + counts.rolled_back + counts.converged_in_run,
        commands
    );
    assert!(counts.rolled_back > 0, "{counts:?}");
}
