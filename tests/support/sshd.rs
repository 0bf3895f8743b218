//! A real OpenSSH sshd on loopback for integration tests.
//!
//! Each instance has its own temporary directory (config, host key, authorized
//! keys, client keys, pid file, log), listens on `127.0.0.1` on a free port, runs
//! as the current user (`/usr/sbin/sshd -D -e -f CONFIG`), and is killed on drop.
//! Test modules reach it as `crate::sshd` (tests/integration/main.rs declares it).

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long sshd may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(10);
/// How often to try to start sshd when the chosen port was taken meanwhile.
const START_ATTEMPTS: usize = 5;

/// What to start.
#[derive(Debug, Clone)]
pub struct SshdOptions {
    /// Host key type for `ssh-keygen -t`: `ed25519`, `ecdsa`, `rsa`.
    pub host_key_type: String,
    /// A `ForceCommand` for every session.
    pub force_command: Option<String>,
    /// `AllowTcpForwarding` (jump-host tests).
    pub allow_tcp_forwarding: bool,
    /// Further `sshd_config` lines; they take precedence over the defaults
    /// (`LogLevel DEBUG1` logs forwarding, but also sends debug lines to clients'
    /// stderr).
    pub extra_config: Vec<String>,
}

impl Default for SshdOptions {
    fn default() -> SshdOptions {
        SshdOptions {
            host_key_type: "ed25519".into(),
            force_command: None,
            allow_tcp_forwarding: true,
            extra_config: Vec::new(),
        }
    }
}

/// A running sshd.
pub struct Sshd {
    /// The temporary directory holding everything.
    pub dir: tempfile::TempDir,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// Its host public key line (`ssh-ed25519 AAAA... comment`).
    pub host_public_key: String,
    /// Its host public key file.
    pub host_public_key_path: PathBuf,
    /// A client private key (no passphrase) that `authorized_keys` accepts.
    pub client_key: PathBuf,
    /// A client private key not in `authorized_keys`.
    pub stranger_key: PathBuf,
    /// A client private key with passphrase [`KEY_PASSPHRASE`] that is accepted.
    pub locked_key: PathBuf,
    child: Child,
    log: PathBuf,
}

/// The passphrase of [`Sshd::locked_key`].
pub const KEY_PASSPHRASE: &str = "correct horse battery staple";

/// The user sshd runs as and tests log in as.
pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `ssh-keygen` with `args`, panicking with its output on failure.
pub fn ssh_keygen(args: &[&str]) -> String {
    let out = Command::new("ssh-keygen")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Generates a key pair at `path` (and `path.pub`).
pub fn generate_key(path: &Path, key_type: &str, passphrase: &str) {
    let p = path.to_str().expect("utf-8 path");
    ssh_keygen(&[
        "-q",
        "-t",
        key_type,
        "-N",
        passphrase,
        "-C",
        "xspctl-test",
        "-f",
        p,
    ]);
}

impl Sshd {
    /// Starts an sshd with the default options.
    pub fn start() -> Sshd {
        Sshd::start_with(SshdOptions::default())
    }

    /// Starts an sshd.
    pub fn start_with(opts: SshdOptions) -> Sshd {
        // sshd needs its privilege-separation directory even for a test instance.
        let _ = fs::create_dir_all("/run/sshd");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let host_key = d.join(format!("ssh_host_{}_key", opts.host_key_type));
        generate_key(&host_key, &opts.host_key_type, "");
        let client_key = d.join("id_client");
        let stranger_key = d.join("id_stranger");
        let locked_key = d.join("id_locked");
        generate_key(&client_key, "ed25519", "");
        generate_key(&stranger_key, "ed25519", "");
        generate_key(&locked_key, "ed25519", KEY_PASSPHRASE);
        let authorized = [&client_key, &locked_key]
            .iter()
            .map(|k| fs::read_to_string(k.with_extension("pub")).expect("public key"))
            .collect::<String>();
        fs::write(d.join("authorized_keys"), authorized).expect("authorized_keys");
        let host_public_key_path = PathBuf::from(format!("{}.pub", host_key.display()));
        let host_public_key = fs::read_to_string(&host_public_key_path)
            .expect("host public key")
            .trim()
            .to_string();
        let log = d.join("sshd.log");

        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let config = d.join("sshd_config");
            fs::write(&config, config_text(d, &host_key, port, &opts)).expect("sshd_config");
            let mut child = Command::new("/usr/sbin/sshd")
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(&log).expect("sshd log"))
                .spawn()
                .expect("start /usr/sbin/sshd");
            match wait_ready(&mut child, port, &log) {
                Ok(()) => {
                    return Sshd {
                        dir,
                        port,
                        host_public_key,
                        host_public_key_path,
                        client_key,
                        stranger_key,
                        locked_key,
                        child,
                        log,
                    };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    // The free port may have been taken between probing and binding.
                    if attempt == START_ATTEMPTS || !why.contains("Address already in use") {
                        panic!("sshd did not start: {why}");
                    }
                }
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// The name known_hosts files use for this server: `[127.0.0.1]:PORT`.
    pub fn known_hosts_name(&self) -> String {
        format!("[127.0.0.1]:{}", self.port)
    }

    /// A known_hosts line for this server's host key.
    pub fn known_hosts_line(&self) -> String {
        let mut parts = self.host_public_key.split_whitespace();
        let (t, k) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        format!("{} {t} {k}\n", self.known_hosts_name())
    }

    /// Writes a known_hosts file at `path` holding this server's key.
    pub fn write_known_hosts(&self, path: &Path) {
        fs::write(path, self.known_hosts_line()).expect("known_hosts");
    }

    /// The SHA-256 fingerprint `ssh-keygen -lf` gives for the host key.
    pub fn host_fingerprint(&self) -> String {
        let p = self.host_public_key_path.to_str().expect("utf-8 path");
        let out = ssh_keygen(&["-l", "-E", "sha256", "-f", p]);
        out.split_whitespace()
            .nth(1)
            .expect("fingerprint field")
            .to_string()
    }

    /// What sshd wrote to its log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the port answers with an SSH banner, or sshd exits, or time runs out.
fn wait_ready(child: &mut Child, port: u16, log: &Path) -> Result<(), String> {
    let until = Instant::now() + READY_WITHIN;
    let log_text = || fs::read_to_string(log).unwrap_or_default();
    while Instant::now() < until {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("sshd exited ({status}): {}", log_text()));
        }
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut banner = [0u8; 4];
            if s.read_exact(&mut banner).is_ok() && &banner == b"SSH-" {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "not accepting within {READY_WITHIN:?}: {}",
        log_text()
    ))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn config_text(dir: &Path, host_key: &Path, port: u16, opts: &SshdOptions) -> String {
    // sshd keeps the first value of a keyword: the caller's lines come first.
    let mut lines = opts.extra_config.clone();
    lines.extend([
        format!("ListenAddress 127.0.0.1:{port}"),
        format!("HostKey {}", host_key.display()),
        format!(
            "AuthorizedKeysFile {}",
            dir.join("authorized_keys").display()
        ),
        format!("PidFile {}", dir.join("sshd.pid").display()),
        "StrictModes no".into(),
        "UsePAM no".into(),
        "PubkeyAuthentication yes".into(),
        "PasswordAuthentication no".into(),
        "KbdInteractiveAuthentication no".into(),
        "PermitRootLogin prohibit-password".into(),
        format!(
            "AllowTcpForwarding {}",
            if opts.allow_tcp_forwarding {
                "yes"
            } else {
                "no"
            }
        ),
        "X11Forwarding no".into(),
        "PrintMotd no".into(),
        "PrintLastLog no".into(),
        "MaxStartups 100".into(),
        "Subsystem sftp internal-sftp".into(),
        "LogLevel VERBOSE".into(),
    ]);
    if let Some(cmd) = &opts.force_command {
        lines.push(format!("ForceCommand {cmd}"));
    }
    lines.join("\n") + "\n"
}
