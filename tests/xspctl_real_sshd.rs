//! xspctl against a real OpenSSH sshd whose ForceCommand is the simulator
//! (`xspsim bwcli --state DIR/HOST`): bwcli, exec probes and SFTP all go through
//! OpenSSH, not through xspsim's own SSH server.
#[path = "support/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};
use std::process::Command;

use sshd::{Sshd, SshdOptions, current_user};
use xspsim::host::{Faults, HostSpec, LoginShell, Product, Release, SimHost};

/// The xspsim binary: built beside xspctl by a workspace build; built here otherwise.
fn xspsim_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_xspctl")).with_file_name("xspsim");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "xspsim", "--bin", "xspsim"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build -p xspsim");
        assert!(status.success(), "building xspsim failed");
    }
    assert!(path.exists(), "{} missing", path.display());
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn xspctl(state: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .args(["--color", "never", "--state-dir"])
        .arg(state)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("xspctl runs");
    let text = format!(
        "{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn plan_apply_and_a_clean_second_plan_through_openssh() {
    let xspsim = xspsim_binary();
    let work = tempfile::tempdir().expect("tempdir");
    let states = work.path().join("hosts");
    let https = free_port();
    let host = SimHost::create(
        &states,
        HostSpec {
            name: "xsp1".into(),
            fqdn: "xsp1.lab.xspctl.test".into(),
            product: Product::Xsp,
            release: Release::R22,
            address: "127.0.0.1".parse().expect("address"),
            ssh_port: 22,
            https_port: https,
            cti_port: free_port(),
            user: current_user(),
            password: None,
            authorized_keys: Vec::new(),
            login_shell: LoginShell::Bash,
            faults: Faults::default(),
        },
    )
    .expect("host state");
    let host_dir = states.join("xsp1");
    let sshd = Sshd::start_with(SshdOptions {
        force_command: Some(format!(
            "{} bwcli --state {}",
            xspsim.display(),
            host_dir.display()
        )),
        ..SshdOptions::default()
    });
    let known_hosts = work.path().join("known_hosts");
    sshd.write_known_hosts(&known_hosts);
    let playbook = work.path().join("pb.yaml");
    std::fs::write(
        &playbook,
        format!(
            "version: 1
farms:
  - name: east
    product: xsp
    release: R22
    roles: [xsi, authservice, cti, dms]
    webex:
      tls:
        http: {{ level: interface, protocols: [TLSv1.2], ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384] }}
    hosts:
      - name: xsp1
        address: 127.0.0.1
        connection: {{ port: {port}, user: {user}, key_file: {key}, known_hosts: {kh} }}
",
            port = sshd.port,
            user = current_user(),
            key = sshd.client_key.display(),
            kh = known_hosts.display()
        ),
    )
    .expect("playbook");
    let pb = playbook.to_str().expect("utf-8");
    let state = work.path().join("state");

    let (code, out) = xspctl(&state, &["plan", "-f", pb, "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}\n--- sshd\n{}", sshd.log());
    let expected = format!(
        "xsp1 (farm east) changes
  /Interface/Http/HttpServer/SSLSettings/Protocols>
    + add 127.0.0.1 {https} TLSv1.2
  /Interface/Http/HttpServer/SSLSettings/Ciphers>
    + add 127.0.0.1 {https} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
"
    );
    assert!(out.starts_with(&expected), "{out}");

    // apply takes its lock over OpenSSH's SFTP in the simulated host's file system.
    let (code, out) = xspctl(&state, &["apply", "-f", pb, "--yes"]);
    assert_eq!(code, 2, "restart required: {out}\n--- sshd\n{}", sshd.log());
    assert!(
        out.contains("xsp1  east  restart required  2 writes"),
        "{out}"
    );
    let lock = host.fs_root().join("var/broadworks/tmp/xspctl.lock");
    assert!(!lock.exists(), "the lock was released");
    let journal = std::fs::read_dir(state.join("journal"))
        .expect("journal dir")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect::<String>();
    assert!(journal.contains("\"event\":\"lock\""), "{journal}");
    assert!(journal.contains("\"event\":\"unlock\""), "{journal}");

    let (code, out) = xspctl(&state, &["plan", "-f", pb, "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("xsp1  east  ok      0 changes"), "{out}");

    // The change is in the host's state, as the simulator itself reads it.
    let reopened = SimHost::open_existing(&host_dir).expect("reopen");
    let mut session = reopened.bwcli();
    session.start();
    let get = session
        .input(&format!(
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols;get 127.0.0.1 {https}"
        ))
        .output;
    assert!(
        get.contains("TLSv1.2") && get.contains("1 entry found."),
        "{get}"
    );
}
