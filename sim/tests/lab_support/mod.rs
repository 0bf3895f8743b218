//! Helpers shared by the network integration tests: bounded runs of external
//! clients (`openssl s_client`, `dig`, `ssh`), a test PKI, free loopback addresses.
//! Each test crate uses a part of them.
#![allow(dead_code)]

pub mod pki;
pub mod ssh;
pub mod sshd;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What an external command did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if it was killed at the time limit).
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Whether it exited with 0.
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }

    /// Asserts that the standard output contains `text`, showing it if not.
    #[track_caller]
    pub fn assert_stdout_contains(&self, text: &str) {
        assert!(self.stdout.contains(text), "{}", self.stdout);
    }
}

/// Runs `command` with `stdin`, killing it after `limit`.
pub fn run_bounded(command: &mut Command, stdin: &[u8], limit: Duration) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.code(),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let _ = writer.join();
    Run {
        status,
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr")).into_owned(),
    }
}

/// The `xspsim` binary under test.
pub const XSPSIM: &str = env!("CARGO_BIN_EXE_xspsim");

/// `xspsim init --name xsp1 --product xsp --release RELEASE --dir STATE ARGS...`,
/// bounded to 60 s.
pub fn init_xsp1(release: &str, state: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(XSPSIM);
    command
        .args(["init", "--name", "xsp1", "--product", "xsp"])
        .args(["--release", release])
        .arg("--dir")
        .arg(state)
        .args(args);
    run_bounded(&mut command, b"", Duration::from_secs(60))
}

/// `openssl s_client -connect ADDR ARGS...` with `stdin`, bounded to 20 s.
pub fn s_client(address: SocketAddr, args: &[&str], stdin: &[u8]) -> Run {
    let mut command = Command::new("openssl");
    command
        .arg("s_client")
        .arg("-connect")
        .arg(address.to_string())
        .args(args);
    run_bounded(&mut command, stdin, Duration::from_secs(20))
}

/// Whether an s_client run completed a handshake.
pub fn handshake_ok(run: &Run) -> bool {
    run.ok() && run.stdout.contains("Cipher is") && !run.stdout.contains("Cipher is (NONE)")
}

/// A loopback address unlikely to be used by another test process:
/// 127.<pid-derived>.<pid-derived>.<seed>.
pub fn loopback_base(seed: u8) -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(
        127,
        100 + (pid % 100) as u8,
        ((pid / 100) % 250) as u8,
        seed,
    )
}

/// Retries `check` every 50 ms, up to `limit`, until it returns `Some`.
pub fn eventually<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
