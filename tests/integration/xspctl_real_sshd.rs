//! xspctl against a real OpenSSH sshd whose ForceCommand is the simulator
//! (`xspsim bwcli --state DIR/HOST`): bwcli, the exec probes (`bwshowver`,
//! `restartbw`) and SFTP (the apply lock) all go through OpenSSH, not through
//! xspsim's own SSH server. sshd runs the ForceCommand for the `sftp` subsystem
//! too; `xspsim bwcli` then serves SFTP rooted at the host's file system
//! (docs/simulator.md), so `/var/broadworks/tmp/xspctl.lock` lands in
//! `DIR/HOST/fs/var/broadworks/tmp/` as it does on a provisioned box
//! (vagrant/provision.sh links /var/broadworks to the same place).
use crate::bounded;
use crate::sshd;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bounded::{Run, run_bounded};
use sshd::{KEY_PASSPHRASE, Sshd, SshdOptions, current_user};
use xspsim::host::{
    Endpoint, Faults, HostSpec, LoginShell, Product, Release, SimHost, TlsProtocol,
};

/// Longest a cargo build of the xspsim binary may take (a cold build on a busy machine).
const BUILD_LIMIT: Duration = Duration::from_secs(1200);
/// Longest one xspctl command may take against one loopback host.
const XSPCTL_LIMIT: Duration = Duration::from_secs(120);
/// The variable the playbook names for the client key's passphrase.
const PASSPHRASE_VAR: &str = "XSPCTL_TEST_KEY_PASSPHRASE";

/// The cargo target directory `CARGO_BIN_EXE_xspctl` was built in: the nearest
/// ancestor holding cargo's `CACHEDIR.TAG` (also under `--target TRIPLE`).
fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_xspctl"));
    exe.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .unwrap_or_else(|| panic!("no cargo target directory above {}", exe.display()))
        .to_path_buf()
}

/// The xspsim binary, built now from this checkout: `CARGO_BIN_EXE_xspsim` exists
/// only for xspsim's own tests, and a binary left over from an earlier build could
/// predate the simulator's source. Cargo says where the binary is (JSON messages),
/// and a build that is up to date only checks timestamps. Built once per test run.
fn xspsim_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        // Variables cargo sets for this test process describe the xspctl package;
        // build scripts that watch them (ring watches CARGO_MANIFEST_DIR) would
        // otherwise see a change and rebuild on every run.
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(is_cargo_package_variable) {
                command.env_remove(name);
            }
        }
        let build = run_bounded(
            command
                .args([
                    "build",
                    "--package",
                    "xspsim",
                    "--bin",
                    "xspsim",
                    "--message-format",
                    "json-render-diagnostics",
                    "--target-dir",
                ])
                .arg(target_dir())
                .current_dir(env!("CARGO_MANIFEST_DIR")),
            b"",
            BUILD_LIMIT,
        );
        assert_eq!(
            build.status,
            Some(0),
            "cargo build -p xspsim: {}",
            build.text()
        );
        build
            .stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "xspsim")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| panic!("cargo named no xspsim executable: {}", build.text()))
    })
}

/// Whether `name` is one of the variables cargo sets for a package's crates
/// (The Cargo Book, "Environment variables Cargo sets for crates").
fn is_cargo_package_variable(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_BIN_EXE_")
        || [
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_CURRENT_DIR",
        ]
        .contains(&name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A simulated XSP R22 host whose state lives in a temporary directory, behind a
/// real sshd whose ForceCommand is `xspsim bwcli --state DIR/HOST`.
struct RealSshdHost {
    /// Declared first so that it stops before the host state is removed.
    sshd: Sshd,
    host: Arc<SimHost>,
    https_port: u16,
    cti_port: u16,
    work: tempfile::TempDir,
}

impl RealSshdHost {
    fn start() -> RealSshdHost {
        let xspsim = xspsim_binary();
        let work = tempfile::tempdir().expect("temp dir");
        let https_port = free_port();
        let cti_port = free_port();
        let host = SimHost::create(
            &work.path().join("hosts"),
            HostSpec {
                name: "xsp1".into(),
                fqdn: "xsp1.lab.xspctl.test".into(),
                product: Product::Xsp,
                release: Release::R22,
                address: "127.0.0.1".parse().expect("address"),
                ssh_port: 22,
                https_port,
                cti_port,
                user: current_user(),
                password: None,
                authorized_keys: Vec::new(),
                login_shell: LoginShell::Bash,
                faults: Faults::default(),
                layout: Default::default(),
            },
        )
        .expect("host state");
        let sshd = Sshd::start_with(SshdOptions {
            force_command: Some(format!(
                "{} bwcli --state {}",
                xspsim.display(),
                host.host_dir().display()
            )),
            allow_tcp_forwarding: false,
            ..SshdOptions::default()
        });
        sshd.write_known_hosts(&work.path().join("known_hosts"));
        RealSshdHost {
            work,
            host,
            https_port,
            cti_port,
            sshd,
        }
    }

    /// Types `lines` into a bwcli session of the host (the simulator's library, not
    /// SSH) and returns the output of the last one.
    fn bwcli(&self, lines: &[&str]) -> String {
        let host = SimHost::open_existing(self.host.host_dir()).expect("reopen the host");
        let mut session = host.bwcli();
        session.start();
        let mut last = String::new();
        for line in lines {
            last = session.input(line).output;
        }
        last
    }

    /// Writes the playbook: HTTP lists once for every HTTP interface
    /// (interface-type), CTI lists on the CTI interface; key auth with a
    /// passphrase from the environment.
    fn write_playbook(&self) -> PathBuf {
        let path = self.work.path().join("xsp.yaml");
        let text = format!(
            "version: 1
farms:
  - name: east
    product: xsp
    release: R22
    roles: [xsi, authservice, cti, dms]
    webex:
      tls:
        http:
          level: interface-type
          protocols: [TLSv1.2]
          ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        cti:
          level: interface
          protocols: [TLSv1.2]
          ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
    hosts:
      - name: xsp1
        address: 127.0.0.1
        connection:
          port: {port}
          user: {user}
          key_file: {key}
          key_passphrase: env:{PASSPHRASE_VAR}
          known_hosts: {known_hosts}
          connect_timeout: 10s
          command_timeout: 30s
",
            port = self.sshd.port,
            user = current_user(),
            key = self.sshd.locked_key.display(),
            known_hosts = self.work.path().join("known_hosts").display(),
        );
        std::fs::write(&path, text).expect("playbook");
        path
    }

    /// xspctl's state directory (plans, journal, backups, pending restarts).
    fn state_dir(&self) -> PathBuf {
        self.work.path().join("state")
    }

    /// Runs the xspctl binary with the playbook's passphrase in its environment.
    fn xspctl(&self, args: &[&str]) -> Run {
        run_bounded(
            Command::new(env!("CARGO_BIN_EXE_xspctl"))
                .args(["--color", "never", "--state-dir"])
                .arg(self.state_dir())
                .args(args)
                .env_remove("RUST_LOG")
                .env_remove("SSH_AUTH_SOCK")
                .env(PASSPHRASE_VAR, KEY_PASSPHRASE),
            b"",
            XSPCTL_LIMIT,
        )
    }

    /// The apply lock's place in the host's file system.
    fn lock_path(&self) -> PathBuf {
        self.host.fs_root().join("var/broadworks/tmp/xspctl.lock")
    }

    /// Everything xspctl wrote to its state directory.
    fn state_files(&self) -> String {
        let mut text = String::new();
        let mut dirs = vec![self.state_dir()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir)
                .expect("read the state dir")
                .flatten()
            {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(content) = std::fs::read_to_string(&path) {
                    text.push_str(&content);
                }
            }
        }
        text
    }

    /// The journal's entries, in order, as (`event`, `detail`).
    fn journal(&self) -> Vec<(String, String)> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.state_dir().join("journal"))
            .expect("journal dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        let text: String = files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a journal line is JSON"))
            .map(|v| {
                let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                (field("event"), field("detail"))
            })
            .collect()
    }
}

/// A legacy TLSv1 row on the HTTP interface's own SSLSettings, as an operator may
/// have left it: the interface-type level is only in effect once it is gone
/// (docs/decisions.md D1, D9).
fn seed_legacy_interface_protocol(h: &RealSshdHost) {
    let out = h.bwcli(&[
        "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
        &format!("add 127.0.0.1 {} TLSv1", h.https_port),
    ]);
    assert!(out.contains("...Done"), "{out}");
}

/// The writes the plan of [`seed_legacy_interface_protocol`]'s host needs, as the
/// plan prints them (`+ add`, `- delete`, grouped by context).
fn expected_changes(https: u16) -> String {
    format!(
        "  /Interface/Http/SSLCommonSettings/Protocols>
    + add TLSv1.2
  /Interface/Http/SSLCommonSettings/Ciphers>
    + add TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    + add TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  /Interface/CTI/SSLSettings/Protocols>
    + add 127.0.0.1 TLSv1.2
  /Interface/CTI/SSLSettings/Ciphers>
    + add 127.0.0.1 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  /Interface/Http/HttpServer/SSLSettings/Protocols>
    - delete 127.0.0.1 {https} TLSv1
"
    )
}

/// What the plan says the settings in effect become.
fn expected_effect(https: u16, cti: u16) -> String {
    let defaults = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
                    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 and 10 more (provider default)";
    format!(
        "  effective after apply:
    HTTP 127.0.0.1:{https} protocols: TLSv1 (interface) -> TLSv1.2 (interface type)
    HTTP 127.0.0.1:{https} ciphers: {defaults} -> TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (interface type)
    CTI 127.0.0.1:{cti} protocols: TLSv1, TLSv1.1, TLSv1.2 (provider default) -> TLSv1.2 (interface)
    CTI 127.0.0.1:{cti} ciphers: {defaults} -> TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (interface)
  restart required for these changes to take effect
"
    )
}

/// The one line of `text` that starts with `prefix`, without the prefix.
fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    let found: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect();
    assert_eq!(found.len(), 1, "one line starting {prefix:?}: {text}");
    found[0]
}

/// Asserts that no secret of the run shows in `text`: the key's passphrase, and
/// no line of the private key file.
fn assert_no_secret(h: &RealSshdHost, what: &str, text: &str) {
    assert!(
        !text.contains(KEY_PASSPHRASE),
        "{what} shows the passphrase"
    );
    let key = std::fs::read_to_string(&h.sshd.locked_key).expect("private key file");
    for line in key.lines().filter(|l| l.len() > 20) {
        assert!(!text.contains(line), "{what} shows the private key");
    }
}

#[test]
fn plan_apply_restart_and_a_clean_plan_through_openssh() {
    let h = RealSshdHost::start();
    seed_legacy_interface_protocol(&h);
    let playbook = h.write_playbook();
    let pb = playbook.to_str().expect("utf-8 path");
    let (https, cti) = (h.https_port, h.cti_port);
    let mut outputs = String::new();

    // plan: bwshowver on an exec channel, then bwcli reads, both through OpenSSH.
    let plan = h.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    assert_eq!(
        plan.status,
        Some(2),
        "{}\n--- sshd\n{}",
        plan.text(),
        h.sshd.log()
    );
    assert_eq!(
        plan.stdout,
        format!(
            "xsp1 (farm east) changes\n{}{}\nHOST  FARM  STATUS   DETAIL\nxsp1  east  changes  6 changes\n",
            expected_changes(https),
            expected_effect(https, cti)
        )
    );
    outputs.push_str(&plan.text());

    // apply: the lock is an exclusive SFTP create through OpenSSH's sftp subsystem, i.e. the
    // ForceCommand serving SFTP in the host's file system; the writes need a restart.
    let apply = h.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_eq!(
        apply.status,
        Some(2),
        "restart required: {}\n--- sshd\n{}",
        apply.text(),
        h.sshd.log()
    );
    let backup = line_after(&apply.stdout, "  backup ");
    assert!(backup.starts_with("xsp1-"), "{backup}");
    let since = line_after(&apply.stdout, "  awaiting a restart since ")
        .strip_suffix(": applied changes are not in effect yet")
        .expect("why the host awaits a restart");
    let awaiting =
        format!("  awaiting a restart since {since}: applied changes are not in effect yet\n");
    let summary = "1 host awaiting a restart: xsp1\n  help: `xspctl apply -f PLAYBOOK --host xsp1 --restart rolling` restarts them one host per farm at a time\n";
    assert_eq!(
        apply.stdout,
        format!(
            "xsp1 (farm east) restart required\n{}{}  backup {backup}\n{awaiting}\n\
             HOST  FARM  STATUS            DETAIL\nxsp1  east  restart required  6 writes\n{summary}",
            expected_changes(https),
            expected_effect(https, cti)
        )
    );
    outputs.push_str(&apply.text());
    assert!(!h.lock_path().exists(), "the lock is released");
    // OpenSSH ran every session as the ForceCommand (bwcli, exec and the sftp
    // subsystem alike).
    let log = h.sshd.log();
    let sessions: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("Starting session: "))
        .collect();
    assert!(
        sessions.len() >= 3
            && sessions
                .iter()
                .all(|l| l.starts_with("Starting session: forced-command (config) ")),
        "{log}"
    );
    let journal = h.journal();
    let events: Vec<&str> = journal.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        events,
        [
            "lock",
            "backup",
            "write",
            "write",
            "write",
            "write",
            "write",
            "write",
            "confirm",
            "unlock",
            "restart-pending"
        ]
    );
    let mut writes: Vec<&str> = journal
        .iter()
        .filter(|(e, _)| e == "write")
        .map(|(_, d)| d.as_str())
        .collect();
    let delete =
        format!("/Interface/Http/HttpServer/SSLSettings/Protocols> delete 127.0.0.1 {https} TLSv1");
    // The interface level is emptied only after the common level holds its list
    // (docs/decisions.md D9): the delete is the last write.
    assert_eq!(writes.last(), Some(&delete.as_str()), "{writes:#?}");
    writes.sort_unstable();
    assert_eq!(
        writes,
        [
            "/Interface/CTI/SSLSettings/Ciphers> add 127.0.0.1 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "/Interface/CTI/SSLSettings/Protocols> add 127.0.0.1 TLSv1.2",
            delete.as_str(),
            "/Interface/Http/SSLCommonSettings/Ciphers> add TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "/Interface/Http/SSLCommonSettings/Ciphers> add TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "/Interface/Http/SSLCommonSettings/Protocols> add TLSv1.2",
        ]
    );
    // Written, not yet running: the host still serves the provider defaults.
    let running = h.host.tls_settings(Endpoint::Http).expect("HTTP serves");
    assert_eq!(
        running.protocols,
        [TlsProtocol::Tls10, TlsProtocol::Tls11, TlsProtocol::Tls12]
    );

    // A second plan reads the converged configuration: no changes, but the
    // restart is still pending (exit 2).
    let plan = h.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    assert_eq!(plan.status, Some(2), "{}", plan.text());
    assert_eq!(
        plan.stdout,
        format!(
            "xsp1 (farm east) restart required\n{awaiting}\n\
             HOST  FARM  STATUS            DETAIL\nxsp1  east  restart required  0 changes\n{summary}"
        )
    );
    outputs.push_str(&plan.text());

    // The pending restart: `restartbw` on an exec channel (SSH_ORIGINAL_COMMAND),
    // then bwcli answers again.
    let restart = h.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"]);
    assert_eq!(
        restart.status,
        Some(0),
        "{}\n--- sshd\n{}",
        restart.text(),
        h.sshd.log()
    );
    let took = line_after(&restart.stdout, "  restarted; answering again after ");
    assert!(
        took.strip_suffix('s')
            .is_some_and(|n| n.parse::<u64>().is_ok()),
        "{took}"
    );
    assert_eq!(
        restart.stdout,
        format!(
            "xsp1 (farm east) changed\n  restarted; answering again after {took}\n\n\
             HOST  FARM  STATUS   DETAIL\nxsp1  east  changed  0 writes\n"
        )
    );
    outputs.push_str(&restart.text());
    let events: Vec<String> = h.journal().into_iter().skip(11).map(|(e, _)| e).collect();
    assert_eq!(
        events,
        ["lock", "no-change", "unlock", "restart", "restarted"]
    );
    assert!(!h.lock_path().exists(), "the lock is released");

    // Now running: the host serves what the playbook asks.
    let http = h.host.tls_settings(Endpoint::Http).expect("HTTP serves");
    assert_eq!(http.protocols, [TlsProtocol::Tls12]);
    assert_eq!(
        http.ciphers,
        [
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
    );
    let cti_running = h.host.tls_settings(Endpoint::Cti).expect("CTI serves");
    assert_eq!(cti_running.protocols, [TlsProtocol::Tls12]);
    assert_eq!(
        cti_running.ciphers,
        ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    );

    // Nothing pending any more: apply has nothing to do and exits 0.
    let again = h.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_eq!(again.status, Some(0), "{}", again.text());
    assert_eq!(
        again.stdout,
        "xsp1 (farm east) ok\n\nHOST  FARM  STATUS  DETAIL\nxsp1  east  ok      0 writes\n"
    );
    outputs.push_str(&again.text());

    assert_no_secret(&h, "xspctl's output", &outputs);
    assert_no_secret(&h, "xspctl's state directory", &h.state_files());
}

#[test]
fn a_held_lock_refuses_apply_and_unlock_removes_it_through_openssh() {
    let h = RealSshdHost::start();
    let playbook = h.write_playbook();
    let pb = playbook.to_str().expect("utf-8 path");
    // Another run (on another machine) holds the lock, as an xspctl from before
    // D67 wrote it: a directory, and the file in it naming the holder.
    let holder = "ops@bastion pid 4242 run 20260101T000000Z-4242 since 2026-01-01T00:00:00Z";
    std::fs::create_dir(h.lock_path()).expect("lock dir");
    let owner = r#"{"run_id":"20260101T000000Z-4242","user":"ops","machine":"bastion","pid":4242,"since":"2026-01-01T00:00:00Z","since_unix":1767225600}"#;
    std::fs::write(h.lock_path().join("owner"), owner).expect("lock owner");

    let apply = h.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_eq!(
        apply.status,
        Some(1),
        "{}\n--- sshd\n{}",
        apply.text(),
        h.sshd.log()
    );
    assert!(
        apply.stdout.contains(&format!(
            "host is locked by another xspctl run: {holder} (on another machine; held for "
        )),
        "{}",
        apply.text()
    );
    assert!(
        h.lock_path().join("owner").exists(),
        "the other run's lock is kept"
    );
    // Refused before any write: the changes are all still pending.
    let plan = h.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    assert_eq!(plan.status, Some(2), "{}", plan.text());
    assert!(
        plan.stdout.ends_with("xsp1  east  changes  5 changes\n"),
        "{}",
        plan.text()
    );

    // unlock --force: SFTP download of the holder, remove and rmdir through OpenSSH.
    // (The apply above took and released this version's lock, a file, the same way.)
    let unlock = h.xspctl(&["unlock", "-f", pb, "--host", "xsp1", "--force", "--yes"]);
    assert_eq!(unlock.status, Some(0), "{}", unlock.text());
    assert!(
        unlock.stdout.contains(&format!(
            "  removed the lock held by {holder} (on another machine"
        )),
        "{}",
        unlock.text()
    );
    assert!(!h.lock_path().exists(), "the stale lock is gone");

    let apply = h.xspctl(&["apply", "-f", pb, "--yes"]);
    assert_eq!(apply.status, Some(2), "restart required: {}", apply.text());
    assert!(
        apply
            .stdout
            .contains("xsp1  east  restart required  5 writes\n1 host awaiting a restart: xsp1\n"),
        "{}",
        apply.text()
    );
}
