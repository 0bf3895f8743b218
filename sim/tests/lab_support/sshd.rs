//! A real OpenSSH sshd on loopback for a test, and the OpenSSH client to reach it.
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{Run, eventually, run_bounded};

/// The sshd binary.
pub const SSHD: &str = "/usr/sbin/sshd";

/// The user running the test (sshd in test mode logs in as that user only).
pub fn current_user() -> String {
    let run = run_bounded(Command::new("id").arg("-un"), b"", Duration::from_secs(5));
    assert!(run.ok(), "{run:?}");
    run.stdout.trim().to_string()
}

/// Whether sshd can run here: the binary exists and its privilege-separation
/// directory does (created when we are root, as in CI).
pub fn available() -> bool {
    if !Path::new(SSHD).exists() {
        eprintln!("note: {SSHD} is not installed; skipping (CI installs openssh-server)");
        return false;
    }
    let privsep = Path::new("/run/sshd");
    if !privsep.is_dir() && std::fs::create_dir_all(privsep).is_err() {
        eprintln!("note: /run/sshd is missing and cannot be created; skipping");
        return false;
    }
    true
}

/// `ssh-keygen -t ed25519 -N '' -f PATH`.
pub fn keygen(path: &Path) {
    let run = run_bounded(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(path),
        b"",
        Duration::from_secs(20),
    );
    assert!(run.ok(), "{run:?}");
}

/// A free loopback port (bound, then released for sshd).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A running sshd, killed when dropped.
pub struct Sshd {
    child: Child,
    /// Its address.
    pub address: SocketAddr,
    /// The known_hosts file for its host key.
    pub known_hosts: PathBuf,
}

impl Sshd {
    /// Runs `sshd -D -e -f CONFIG` (listening on 127.0.0.1:`port`, host key
    /// `host_key`), and waits until it accepts connections.
    pub fn start(config: &Path, port: u16, host_key: &Path, work: &Path) -> Sshd {
        let test = run_bounded(
            Command::new(SSHD).arg("-t").arg("-f").arg(config),
            b"",
            Duration::from_secs(20),
        );
        assert!(test.ok(), "sshd -t rejects the configuration: {test:?}");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts");
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let sshd_pub = std::fs::read_to_string(public_key_path(host_key)).expect("host public key");
        let known_hosts = work.join("known_hosts");
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {sshd_pub}"))
            .expect("known_hosts");
        let sshd = Sshd {
            child,
            address,
            known_hosts,
        };
        let up = eventually(Duration::from_secs(10), || {
            TcpStream::connect_timeout(&address, Duration::from_secs(1))
                .ok()
                .map(|_| ())
        });
        assert!(up.is_some(), "sshd never listened on {address}");
        sshd
    }

    /// `ssh -T -p PORT -i KEY USER@127.0.0.1 [COMMAND]` with `stdin`, host key checked.
    pub fn ssh(&self, key: &Path, user: &str, command: Option<&str>, stdin: &[u8]) -> Run {
        let mut ssh = ssh_client(&self.known_hosts, key, self.address.port());
        ssh.arg("-T").arg(format!("{user}@127.0.0.1"));
        if let Some(command) = command {
            ssh.arg(command);
        }
        run_bounded(&mut ssh, stdin, Duration::from_secs(60))
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The OpenSSH client without a configuration file, in batch mode, logging in with
/// `key` only on `port`, the host key checked against `known_hosts`. The caller adds
/// the destination and the command.
pub fn ssh_client(known_hosts: &Path, key: &Path, port: u16) -> Command {
    let mut ssh = Command::new("ssh");
    ssh.args([
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
    ])
    .args(["-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10"])
    .arg("-o")
    .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
    .arg("-i")
    .arg(key)
    .args(["-p", &port.to_string()]);
    ssh
}

/// The `.pub` path of a private key path.
pub fn public_key_path(private_key: &Path) -> PathBuf {
    let mut name = private_key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}
