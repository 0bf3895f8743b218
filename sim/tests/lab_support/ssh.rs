//! A lab started in-process for a test, and blocking SSH clients (ssh2) to it.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use xspsim::host::{Product, Release};
use xspsim::lab::{HostEntry, Lab, LabConfig};

/// Bound on every blocking SSH call.
pub const SSH_TIMEOUT: Duration = Duration::from_secs(20);

/// A lab in a temporary directory, served by a runtime of its own.
pub struct TestLab {
    pub runtime: tokio::runtime::Runtime,
    pub lab: Option<Lab>,
    pub dir: tempfile::TempDir,
}

impl TestLab {
    /// A lab of `count` hosts of one product and release, on a loopback range of
    /// this test process, every port picked by the OS.
    pub fn uniform(count: u32, product: Product, release: Release, seed: u8) -> TestLab {
        Self::start_with(|dir| {
            let base = super::loopback_base(seed);
            LabConfig::uniform(dir, count, product, release, base).expect("config")
        })
    }

    /// A lab from a configuration made for its directory.
    pub fn start_with(make: impl FnOnce(std::path::PathBuf) -> LabConfig) -> TestLab {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = make(dir.path().to_path_buf());
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let lab = runtime.block_on(Lab::start(config)).expect("lab starts");
        TestLab {
            runtime,
            lab: Some(lab),
            dir,
        }
    }

    pub fn lab(&self) -> &Lab {
        self.lab.as_ref().expect("running")
    }

    pub fn entry(&self, name: &str) -> HostEntry {
        self.lab().entry(name).expect("host").clone()
    }

    /// Stops the lab (the state stays in the directory).
    pub fn stop(&mut self) {
        if let Some(lab) = self.lab.take() {
            self.runtime.block_on(lab.stop());
        }
    }
}

impl Drop for TestLab {
    fn drop(&mut self) {
        self.stop();
    }
}

/// TCP + SSH handshake to a host, without authenticating.
pub fn handshake(entry: &HostEntry) -> ssh2::Session {
    let port = entry.ssh_port.expect("ssh port");
    let tcp = TcpStream::connect_timeout(&(entry.address, port).into(), SSH_TIMEOUT)
        .expect("tcp connect");
    let mut session = ssh2::Session::new().expect("session");
    session.set_timeout(SSH_TIMEOUT.as_millis() as u32);
    session.set_tcp_stream(tcp);
    session.handshake().expect("ssh handshake");
    session
}

/// An SSH session authenticated with the lab's client key.
pub fn connect(entry: &HostEntry) -> ssh2::Session {
    let session = handshake(entry);
    session
        .userauth_pubkey_file(&entry.user, None, &entry.private_key, None)
        .expect("key authentication");
    assert!(session.authenticated());
    session
}

/// The OpenSSH `SHA256:...` fingerprint of the host key a session saw.
pub fn host_key_fingerprint(session: &ssh2::Session) -> String {
    let (blob, _) = session.host_key().expect("host key");
    let key = russh::keys::PublicKey::from_bytes(blob).expect("host key blob");
    xspsim::ssh::keys::fingerprint(&key)
}

/// Writes a file over SFTP.
pub fn upload(sftp: &ssh2::Sftp, path: &str, content: &[u8]) {
    let mut file = sftp.create(Path::new(path)).expect("create");
    file.write_all(content).expect("write");
}

/// Starts bwcli (R22+ XSP) and loads the trust anchors of the host file `file` as
/// `alias` at the CTI client authentication level, asserting the answer; bwcli
/// stays at that level.
pub fn bwcli_with_cti_anchor(session: &ssh2::Session, alias: &str, file: &str) -> Interactive {
    let mut cli = Interactive::exec(session, "bwcli", false);
    cli.read_until("XSP_CLI> ");
    let trusts = "XSP_CLI/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts> ";
    cli.send("cd /Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts\n");
    cli.read_until(trusts);
    cli.send(&format!("updateTrust {alias} {file}\n"));
    assert_eq!(cli.read_until(trusts), format!("...Done\n{trusts}"));
    cli
}

/// Runs one command on an exec channel: (stdout, stderr, exit status).
pub fn exec(session: &ssh2::Session, command: &str) -> (String, String, i32) {
    let mut channel = session.channel_session().expect("channel");
    channel.exec(command).expect("exec");
    let mut stdout = String::new();
    channel.read_to_string(&mut stdout).expect("stdout");
    let mut stderr = String::new();
    channel
        .stderr()
        .read_to_string(&mut stderr)
        .expect("stderr");
    channel.wait_close().expect("close");
    (stdout, stderr, channel.exit_status().expect("status"))
}

/// An interactive channel read up to expected texts.
pub struct Interactive {
    pub channel: ssh2::Channel,
    buffer: Vec<u8>,
}

impl Interactive {
    /// A shell channel, with a pty or without.
    pub fn shell(session: &ssh2::Session, pty: bool) -> Interactive {
        let mut channel = session.channel_session().expect("channel");
        if pty {
            channel.request_pty("xterm", None, None).expect("pty");
        }
        channel.shell().expect("shell");
        Interactive {
            channel,
            buffer: Vec::new(),
        }
    }

    /// An exec channel running `command` interactively (e.g. `bwcli`).
    pub fn exec(session: &ssh2::Session, command: &str, pty: bool) -> Interactive {
        let mut channel = session.channel_session().expect("channel");
        if pty {
            channel.request_pty("xterm", None, None).expect("pty");
        }
        channel.exec(command).expect("exec");
        Interactive {
            channel,
            buffer: Vec::new(),
        }
    }

    /// Sends text. (Never `flush()` an ssh2 channel: libssh2_channel_flush
    /// discards the data received and not read yet.)
    pub fn send(&mut self, text: &str) {
        self.channel.write_all(text.as_bytes()).expect("write");
    }

    /// Reads until `pattern` has arrived; returns everything up to and including it.
    pub fn read_until(&mut self, pattern: &str) -> String {
        let deadline = Instant::now() + SSH_TIMEOUT;
        let needle = pattern.as_bytes();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(at) = self.buffer.windows(needle.len()).position(|w| w == needle) {
                let rest = self.buffer.split_off(at + needle.len());
                let taken = std::mem::replace(&mut self.buffer, rest);
                return String::from_utf8_lossy(&taken).into_owned();
            }
            let text = String::from_utf8_lossy(&self.buffer).into_owned();
            assert!(
                Instant::now() < deadline,
                "{pattern:?} never came; got {text:?}"
            );
            match self.channel.read(&mut chunk) {
                Ok(0) => panic!("channel ended before {pattern:?}; got {text:?}"),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("read failed before {pattern:?} ({e}); got {text:?}"),
            }
        }
    }

    /// Reads to the end of the channel (a read error ends it too) and waits for it
    /// to close, asserting exit status 0; returns what came.
    #[track_caller]
    pub fn read_to_close(&mut self) -> String {
        let mut rest = Vec::new();
        let _ = self.channel.read_to_end(&mut rest);
        self.buffer.extend_from_slice(&rest);
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
        self.channel.wait_close().expect("close");
        assert_eq!(self.channel.exit_status().expect("status"), 0);
        text
    }
}
