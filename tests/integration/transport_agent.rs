//! Authentication through a running ssh-agent, against a real sshd. Alone in its
//! test binary because it sets `SSH_AUTH_SOCK` for the process.
use crate::sshd;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sshd::{Sshd, current_user};
use xspctl::transport::{AuthMethod, SshSession, SshTarget, TransportError};

/// An ssh-agent on a socket in a temporary directory, killed on drop.
struct Agent {
    child: Child,
    socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn start() -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ssh-agent");
        let until = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                Instant::now() < until,
                "ssh-agent did not create its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent {
            child,
            socket,
            _dir: dir,
        }
    }

    fn add(&self, key: &std::path::Path) {
        let status = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run ssh-add");
        assert!(status.success());
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn agent_keys_authenticate_and_an_empty_agent_is_reported() {
    let sshd = Sshd::start();
    let agent = Agent::start();
    // SAFETY: this test binary holds this single test; nothing else reads or
    // writes the environment concurrently.
    unsafe { std::env::set_var("SSH_AUTH_SOCK", &agent.socket) };
    let kh = sshd.dir.path().join("known_hosts");
    sshd.write_known_hosts(&kh);
    let mut t = SshTarget::new("127.0.0.1", sshd.port, current_user(), &kh);
    t.auth = vec![AuthMethod::Agent];

    let err = SshSession::connect(&t).err().expect("empty agent");
    match &err {
        TransportError::Auth { tried, .. } => {
            assert_eq!(
                tried,
                &vec!["ssh-agent: the agent holds no keys".to_string()]
            )
        }
        other => panic!("{other:?}"),
    }

    agent.add(&sshd.stranger_key);
    agent.add(&sshd.client_key);
    let s = SshSession::connect(&t).expect("an agent key is accepted");
    assert_eq!(s.exec("echo agent").unwrap().stdout, "agent\n");
}
