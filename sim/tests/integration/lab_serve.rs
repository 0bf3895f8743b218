//! The `xspsim` binary: `serve --topology` for a mixed lab (hosts.json, DNS checked
//! with dig, SSH with the OpenSSH client and known_hosts from hosts.json, `fault`
//! through the control socket, clean stop on SIGTERM, stable state on restart), and
//! `init` + `serve --no-ssh` (TLS and DNS only, as in the Vagrant box).
use crate::lab_support;

use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lab_support::sshd::ssh_client;
use lab_support::{Run, XSPSIM, eventually, handshake_ok, init_xsp1, run_bounded, s_client};
use xspsim::lab::{HostEntry, HostsFile};

struct Served {
    child: Child,
}

impl Served {
    fn start(args: &[&str], dir: &Path) -> (Served, HostsFile) {
        Self::start_logging(args, dir, Stdio::null(), "info")
    }

    /// Starts `xspsim serve` with its log (stderr) going to `log` at `level`.
    fn start_logging(args: &[&str], dir: &Path, log: Stdio, level: &str) -> (Served, HostsFile) {
        let _ = std::fs::remove_file(dir.join("hosts.json"));
        let child = Command::new(XSPSIM)
            .arg("serve")
            .args(args)
            .arg("--dir")
            .arg(dir)
            .env("RUST_LOG", level)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("xspsim serve");
        let served = Served { child };
        let hosts = eventually(Duration::from_secs(90), || HostsFile::read(dir).ok())
            .expect("hosts.json is written");
        (served, hosts)
    }

    /// SIGTERM, then a bounded wait; returns whether it exited with success.
    fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = run_bounded(
            Command::new("kill").args(["-TERM", &pid]),
            b"",
            Duration::from_secs(5),
        );
        assert!(sent.ok(), "{sent:?}");
        let status = eventually(Duration::from_secs(20), || {
            self.child.try_wait().expect("wait")
        });
        status.is_some_and(|s| s.success())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn dig(hosts: &HostsFile, name: &str, kind: &str) -> Vec<String> {
    let run = run_bounded(
        Command::new("dig")
            .arg(format!("@{}", hosts.dns.ip()))
            .args([
                "-p",
                &hosts.dns.port().to_string(),
                "+short",
                "+time=2",
                "+tries=2",
            ])
            .args([name, kind]),
        b"",
        Duration::from_secs(20),
    );
    assert!(run.ok(), "{run:?}");
    let mut lines: Vec<String> = run.stdout.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// `ssh` with the lab's key, checking the host key against a known_hosts file.
fn ssh(entry: &HostEntry, known_hosts: &Path, command: &str) -> Run {
    let port = entry.ssh_port.expect("ssh");
    run_bounded(
        ssh_client(known_hosts, &entry.private_key, port)
            .arg(format!("{}@{}", entry.user, entry.address))
            .arg(command),
        b"",
        Duration::from_secs(30),
    )
}

fn fault(dir: &Path, host: &str, flags: &[&str]) -> Run {
    run_bounded(
        Command::new(XSPSIM)
            .arg("fault")
            .arg("--dir")
            .arg(dir)
            .args(["--host", host])
            .args(flags),
        b"",
        Duration::from_secs(20),
    )
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn a_mixed_lab_from_a_topology_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = lab_support::loopback_base(50);
    let topology = dir.path().join("topology.yaml");
    std::fs::write(
        &topology,
        format!(
            "base_address: {base}\nports: {{ssh: 0, https: 0, cti: 0}}\ndns: {{port: 0}}\ngroups:\n\
             \x20 - {{prefix: xspa, count: 2, product: xsp, release: R23}}\n\
             \x20 - {{prefix: xspb, product: xsp, release: R24}}\n\
             \x20 - {{prefix: nps, product: xsp, release: R24, xsi: false}}\n\
             \x20 - {{prefix: as, count: 2, product: as, release: R23, login_shell: bwcli}}\n"
        ),
    )
    .expect("topology");
    let state = dir.path().join("lab");
    let topology_arg = topology.to_string_lossy().into_owned();
    let (served, hosts) = Served::start(&["--topology", &topology_arg], &state);

    let names: Vec<&str> = hosts.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["xspa1", "xspa2", "xspb1", "nps1", "as1", "as2"]);
    let xspa2 = &hosts.hosts[1];
    assert_eq!(xspa2.fqdn, "xspa2.lab.xspctl.test");
    assert!(xspa2.host_key_fingerprint.starts_with("SHA256:"));
    assert!(xspa2.host_public_key.starts_with("ssh-ed25519 "));
    assert_eq!(
        (xspa2.dns_address, xspa2.dns_port),
        (hosts.dns.ip(), hosts.dns.port())
    );
    assert_eq!(mode(&xspa2.private_key), 0o600);
    assert_eq!(mode(&xspa2.password_file), 0o600);
    let json = std::fs::read_to_string(state.join("hosts.json")).expect("hosts.json");
    let password = std::fs::read_to_string(&xspa2.password_file).expect("password");
    assert!(!json.contains(password.trim()), "no secret in hosts.json");

    // DNS: A records, and the SRV records of the Xsi hosts (NPS and AS are not).
    assert_eq!(
        dig(&hosts, "xspa2.lab.xspctl.test", "A"),
        [xspa2.address.to_string()]
    );
    let target = |h: &HostEntry| format!("10 10 {} {}.", h.https_port, h.fqdn);
    let mut apex = vec![
        target(&hosts.hosts[0]),
        target(&hosts.hosts[1]),
        target(&hosts.hosts[2]),
    ];
    apex.sort();
    assert_eq!(dig(&hosts, "_xsi-client._tcp.lab.xspctl.test", "SRV"), apex);
    let mut farm = vec![target(&hosts.hosts[0]), target(&hosts.hosts[1])];
    farm.sort();
    assert_eq!(
        dig(&hosts, "_xsi-client._tcp.xspa.lab.xspctl.test", "SRV"),
        farm
    );

    // SSH with the OpenSSH client, the host key checked against hosts.json.
    let known_hosts = dir.path().join("known_hosts");
    let lines: Vec<String> = hosts
        .hosts
        .iter()
        .map(|h| {
            format!(
                "[{}]:{} {}",
                h.address,
                h.ssh_port.expect("ssh"),
                h.host_public_key
            )
        })
        .collect();
    std::fs::write(&known_hosts, lines.join("\n") + "\n").expect("known_hosts");
    let as1 = &hosts.hosts[4];
    let run = ssh(as1, &known_hosts, "bwshowver");
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout.starts_with("AS version Rel_23.0_1.1075\n"),
        "{}",
        run.stdout
    );

    // Faults through `xspsim fault` and the control socket.
    let xspa1 = &hosts.hosts[0];
    assert!(fault(&state, "xspa1", &["--refuse-auth"]).ok());
    let refused = ssh(xspa1, &known_hosts, "hostname");
    assert!(
        !refused.ok() && refused.stderr.contains("Permission denied"),
        "{refused:?}"
    );
    assert!(fault(&state, "xspa1", &["--clear", "--change-host-key"]).ok());
    let changed = ssh(xspa1, &known_hosts, "hostname");
    assert!(
        !changed.ok()
            && changed
                .stderr
                .contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{changed:?}"
    );
    let set = fault(&state, "xspa1", &["--clear"]);
    assert!(set.ok(), "{set:?}");
    assert!(set.stdout.starts_with("xspa1: {"), "{set:?}");
    assert_eq!(ssh(xspa1, &known_hosts, "hostname").stdout, "xspa1\n");
    let unknown = fault(&state, "nope", &["--delay-ms", "5"]);
    assert_eq!(unknown.status, Some(1));
    assert_eq!(unknown.stderr, "xspsim: unknown host nope\n");

    // A clean stop keeps the state and removes the control socket...
    assert!(served.terminate(), "exit status 0 after SIGTERM");
    assert!(!state.join("control.sock").exists());
    assert!(state.join("xspa1").is_dir());
    // ...and a restart on the same directory keeps the host keys and ports.
    let (served, again) = Served::start(&["--topology", &topology_arg], &state);
    let fingerprints = |h: &HostsFile| -> Vec<String> {
        h.hosts
            .iter()
            .map(|e| e.host_key_fingerprint.clone())
            .collect()
    };
    assert_eq!(fingerprints(&again), fingerprints(&hosts));
    // Ports picked by the OS at the first start are kept (the state was built for them).
    let ports = |h: &HostsFile| -> Vec<(Option<u16>, u16, u16)> {
        h.hosts
            .iter()
            .map(|e| (e.ssh_port, e.https_port, e.cti_port))
            .collect()
    };
    assert_eq!(ports(&again), ports(&hosts));
    assert!(served.terminate());
}

/// Issue #7: the flood, drip and exec_stderr faults through `xspsim fault` and the
/// control socket.
#[test]
fn flood_drip_and_exec_stderr_faults_are_set_through_xspsim_fault() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = lab_support::loopback_base(51);
    let topology = dir.path().join("topology.yaml");
    std::fs::write(
        &topology,
        format!(
            "base_address: {base}\nports: {{ssh: 0, https: 0, cti: 0}}\ndns: {{port: 0}}\ngroups:\n\
             \x20 - {{prefix: xspa, count: 1, product: xsp, release: R23}}\n"
        ),
    )
    .expect("topology");
    let state = dir.path().join("lab");
    let topology_arg = topology.to_string_lossy().into_owned();
    let (_served, hosts) = Served::start(&["--topology", &topology_arg], &state);
    let xspa1 = &hosts.hosts[0];
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(
        &known_hosts,
        format!(
            "[{}]:{} {}\n",
            xspa1.address,
            xspa1.ssh_port.expect("ssh"),
            xspa1.host_public_key
        ),
    )
    .expect("known_hosts");
    let expired = "Password change required but no TTY available.";
    assert!(fault(&state, "xspa1", &["--exec-stderr", expired]).ok());
    let refused_exec = ssh(xspa1, &known_hosts, "hostname");
    assert_eq!(refused_exec.status, Some(1), "{refused_exec:?}");
    assert!(refused_exec.stderr.contains(expired), "{refused_exec:?}");
    let shaped = fault(
        &state,
        "xspa1",
        &["--clear", "--flood-bytes", "4096", "--drip-ms", "5"],
    );
    assert!(shaped.ok(), "{shaped:?}");
    assert!(
        shaped.stdout.contains(r#""flood_bytes":4096"#)
            && shaped.stdout.contains(r#""drip_ms":5"#)
            && shaped.stdout.contains(r#""exec_stderr":null"#),
        "{shaped:?}"
    );
    let too_slow = fault(&state, "xspa1", &["--drip-ms", "0"]);
    assert_eq!(too_slow.status, Some(1), "{too_slow:?}");
    assert!(too_slow.stderr.contains("drip_ms"), "{too_slow:?}");
    assert!(fault(&state, "xspa1", &["--clear"]).ok());
    assert_eq!(ssh(xspa1, &known_hosts, "hostname").stdout, "xspa1\n");
}

fn free_port(address: std::net::IpAddr) -> u16 {
    std::net::TcpListener::bind((address, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[test]
fn init_then_serve_tls_and_dns_without_ssh() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state: PathBuf = dir.path().join("state");
    let address = IpAddr::from(lab_support::loopback_base(51));
    let https = free_port(address);
    let cti = free_port(address);
    let init = init_xsp1(
        "R22",
        &state,
        &[
            "--address",
            &address.to_string(),
            "--https-port",
            &https.to_string(),
            "--cti-port",
            &cti.to_string(),
        ],
    );
    assert!(init.ok(), "{init:?}");
    assert_eq!(init.stdout.trim(), state.join("xsp1").to_string_lossy());
    // A second init of the same host is refused.
    let again = init_xsp1("R22", &state, &[]);
    assert_eq!(again.status, Some(1), "{again:?}");

    let (served, hosts) = Served::start(
        &[
            "--no-ssh",
            "--dns-address",
            &address.to_string(),
            "--dns-port",
            "0",
        ],
        &state,
    );
    assert_eq!(hosts.hosts.len(), 1);
    assert_eq!(hosts.hosts[0].ssh_port, None);
    assert_eq!(hosts.hosts[0].https_port, https);
    assert_eq!(
        dig(&hosts, "xsp1.lab.xspctl.test", "A"),
        [address.to_string()]
    );
    let endpoint = SocketAddr::new(address, https);
    let run = eventually(Duration::from_secs(10), || {
        let run = s_client(endpoint, &["-tls1_2"], b"");
        handshake_ok(&run).then_some(run)
    });
    assert!(run.is_some(), "the HTTPS endpoint serves");
    assert!(served.terminate());
}

#[test]
fn secrets_stay_out_of_the_logs_even_at_trace_level() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("lab");
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let base = lab_support::loopback_base(52).to_string();
    let (served, hosts) = Served::start_logging(
        &[
            "--hosts",
            "1",
            "--product",
            "as",
            "--release",
            "R23",
            "--base-address",
            &base,
            "--ssh-port",
            "0",
            "--https-port",
            "0",
            "--cti-port",
            "0",
            "--dns-port",
            "0",
        ],
        &state,
        Stdio::from(log),
        "trace",
    );
    let entry = &hosts.hosts[0];
    let password = std::fs::read_to_string(&entry.password_file).expect("password");
    let password = password.trim_end();

    let session = lab_support::ssh::handshake(entry);
    assert!(
        session
            .userauth_password(&entry.user, "Wrong-Secret-4711")
            .is_err()
    );
    session
        .userauth_password(&entry.user, password)
        .expect("password login");
    let mut cli = lab_support::ssh::Interactive::exec(&session, "bwcli", true);
    cli.read_until("AS_CLI> ");
    cli.send("cd /Interface/Messaging;set provisioningPassword\r");
    cli.read_until("New Password:");
    cli.send("Typed-Secret-0815\r");
    cli.read_until("Re-type New Password:");
    cli.send("Typed-Secret-0815\r");
    cli.read_until("Messaging> ");
    drop(cli);
    drop(session);
    assert!(served.terminate());

    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        log.contains("password authentication refused"),
        "the log is live"
    );
    for secret in [password, "Wrong-Secret-4711", "Typed-Secret-0815"] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}
