//! `~/.ssh/config` fills what the playbook leaves unset: `Host` aliases,
//! `HostName`, `Port`, `User`, `IdentityFile`, `ProxyJump` (issue #7, defect 14).
use crate::lab;

use std::path::Path;
use std::process::Command;

use lab::{Run, Spec, TestLab};
use xspsim::host::{Product, Release};

/// Runs xspctl with `home` as HOME.
fn xspctl(home: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .args(["--color", "never", "--state-dir"])
        .arg(home.join("state"))
        .args(args)
        .env("HOME", home)
        .env_remove("RUST_LOG")
        .output()
        .expect("xspctl runs");
    Run::from(out)
}

const PLAYBOOK: &str = "version: 1
farms:
  - name: f
    product: xsp
    release: R23
    roles: [xsi]
    hosts:
      - { name: h, address: xsp-alias }
";

#[test]
fn a_host_alias_in_ssh_config_gives_address_port_user_and_key() {
    let lab = TestLab::start(
        "ssh-config",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    // The lab's port, from the connection block it would write.
    let connection = lab.connection("h");
    let port = connection
        .split("port: ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let ssh = home.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    std::fs::copy(lab.dir.path().join("known_hosts"), ssh.join("known_hosts")).unwrap();
    std::fs::write(
        ssh.join("config"),
        format!(
            "Host xsp-alias\n  HostName {}\n  Port {port}\n  User bwadmin\n  IdentityFile {}\n",
            lab.address("h"),
            lab.dir.path().join("lab/client_ed25519").display()
        ),
    )
    .unwrap();
    let pb = home.path().join("pb.yaml");
    std::fs::write(&pb, PLAYBOOK).unwrap();
    let pb = pb.to_str().unwrap();
    xspctl(home.path(), &["validate", "-f", pb]).exits(0);
    xspctl(home.path(), &["plan", "-f", pb])
        .exits(0)
        .prints("h (farm f) ok");

    // What the playbook says wins: a wrong user there is used (and refused).
    let own_user = PLAYBOOK.replace(
        "address: xsp-alias }",
        "address: xsp-alias, connection: { user: nobody } }",
    );
    std::fs::write(home.path().join("pb.yaml"), own_user).unwrap();
    let r = xspctl(home.path(), &["plan", "-f", pb]);
    r.exits(1);
    assert!(r.stdout.contains("nobody@"), "{}", r.all());
}

#[test]
fn without_ssh_config_the_playbook_must_say_how_to_log_in() {
    let home = tempfile::tempdir().unwrap();
    let pb = home.path().join("pb.yaml");
    std::fs::write(&pb, PLAYBOOK).unwrap();
    xspctl(home.path(), &["validate", "-f", pb.to_str().unwrap()])
        .exits(1)
        .complains("no SSH user for host `h`")
        .complains("or `User` for this host in ~/.ssh/config");
}

#[test]
fn a_proxy_jump_loop_in_ssh_config_is_reported() {
    let home = tempfile::tempdir().unwrap();
    let ssh = home.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    std::fs::write(
        ssh.join("config"),
        "Host xsp-alias\n  User bwadmin\n  ProxyJump hop1\nHost hop1\n  User j\n  ProxyJump xsp-alias\nHost *\n  User fallback\n",
    )
    .unwrap();
    let pb = home.path().join("pb.yaml");
    std::fs::write(
        &pb,
        PLAYBOOK.replace("xsp-alias }", "xsp-alias, connection: { agent: true } }"),
    )
    .unwrap();
    xspctl(home.path(), &["validate", "-f", pb.to_str().unwrap()])
        .exits(1)
        .complains("`ProxyJump` in ~/.ssh/config forms a loop through");
}
