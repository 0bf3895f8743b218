//! Helpers shared by the network integration tests: bounded runs of external
//! clients (`openssl s_client`, `dig`, `ssh`), a test PKI, free loopback addresses.

pub mod bounded;
pub mod pki;
pub mod ssh;
pub mod sshd;

pub use bounded::{Run, run_bounded};

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

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
