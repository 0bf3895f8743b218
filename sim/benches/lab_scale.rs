//! Scale benchmark of the simulator (prints its numbers; not a timed test):
//! - memory: one `xspsim serve` process with 100 XSP hosts, its RSS after start and
//!   after a bwcli `get` over SSH on every host (target: < 500 MiB);
//! - latency: a `get` answered over SSH in an open bwcli session (target: median
//!   < 5 ms on loopback).
//!
//! Run: `cargo bench -p xspsim --bench lab_scale`
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use xspsim::lab::{HostEntry, HostsFile};

const HOSTS: u32 = 100;
const SAMPLES: usize = 500;
const TIMEOUT: Duration = Duration::from_secs(30);

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn wait_for_hosts(dir: &Path, server: &mut Server) -> HostsFile {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Ok(hosts) = HostsFile::read(dir) {
            return hosts;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("xspsim serve exited: {status}");
        }
        assert!(Instant::now() < deadline, "the lab did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A bwcli session on an exec channel.
struct Cli {
    _session: ssh2::Session,
    channel: ssh2::Channel,
    buffer: Vec<u8>,
}

impl Cli {
    fn open(entry: &HostEntry) -> Cli {
        let tcp = TcpStream::connect((entry.address, entry.ssh_port.expect("ssh"))).expect("tcp");
        tcp.set_nodelay(true).expect("nodelay");
        let mut session = ssh2::Session::new().expect("session");
        session.set_timeout(TIMEOUT.as_millis() as u32);
        session.set_tcp_stream(tcp);
        session.handshake().expect("handshake");
        session
            .userauth_pubkey_file(&entry.user, None, &entry.private_key, None)
            .expect("auth");
        let mut channel = session.channel_session().expect("channel");
        channel.exec("bwcli").expect("bwcli");
        let mut cli = Cli {
            _session: session,
            channel,
            buffer: Vec::new(),
        };
        cli.until("XSP_CLI> ");
        cli
    }

    fn until(&mut self, prompt: &str) {
        let mut chunk = [0u8; 8192];
        while !self.buffer.ends_with(prompt.as_bytes()) {
            let n = self.channel.read(&mut chunk).expect("read");
            assert!(n > 0, "session ended");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
        self.buffer.clear();
    }

    fn run(&mut self, line: &str, prompt: &str) {
        self.channel.write_all(line.as_bytes()).expect("write");
        self.until(prompt);
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_xspsim"))
        .args(["serve", "--hosts", &HOSTS.to_string(), "--product", "xsp"])
        .args(["--release", "R23", "--base-address", "127.79.0.1"])
        .args([
            "--ssh-port",
            "0",
            "--https-port",
            "0",
            "--cti-port",
            "0",
            "--dns-port",
            "0",
        ])
        .arg("--dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xspsim serve");
    let pid = child.id();
    let mut server = Server(child);
    let hosts = wait_for_hosts(dir.path(), &mut server);
    let startup = started.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let rss_start = rss_mib(pid);

    let context = "XSP_CLI/Interface/Http/HttpServer> ";
    let mut sessions: Vec<Cli> = hosts
        .hosts
        .iter()
        .map(|entry| {
            let mut cli = Cli::open(entry);
            cli.run("cd /Interface/Http/HttpServer;get\n", context);
            cli
        })
        .collect();
    let rss_sessions = rss_mib(pid);

    let cli = &mut sessions[0];
    for _ in 0..20 {
        cli.run("get\n", context);
    }
    let mut samples: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            cli.run("get\n", context);
            t.elapsed()
        })
        .collect();
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("xspsim lab_scale");
    println!("  hosts:                          {HOSTS}");
    println!(
        "  startup (until hosts.json):     {:.1} s",
        startup.as_secs_f64()
    );
    println!("  RSS after start:                {rss_start:.1} MiB");
    println!("  RSS with a bwcli session/host:  {rss_sessions:.1} MiB  (target < 500 MiB)");
    println!(
        "  `get` over SSH, {SAMPLES} samples: median {:.3} ms, p90 {:.3} ms, max {:.3} ms  (target median < 5 ms)",
        ms(samples[SAMPLES / 2]),
        ms(samples[SAMPLES * 9 / 10]),
        ms(samples[SAMPLES - 1])
    );
}
