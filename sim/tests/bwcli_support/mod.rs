//! Shared helpers of the bwcli integration tests.
#![allow(dead_code)]

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use xspsim::cli::Session;
use xspsim::host::{Faults, HostSpec, LoginShell, Product, Release, Reply, SessionEnd, SimHost};

/// A spec for a lab host on 127.0.0.1.
pub fn spec(name: &str, product: Product, release: Release) -> HostSpec {
    HostSpec {
        name: name.to_string(),
        fqdn: format!("{name}.lab.xspctl.test"),
        product,
        release,
        address: IpAddr::from([127, 0, 0, 1]),
        ssh_port: 2222,
        https_port: 8443,
        cti_port: 8012,
        user: "bwadmin".to_string(),
        password: Some("lab-password".to_string()),
        authorized_keys: vec![],
        login_shell: LoginShell::Bash,
        faults: Faults::default(),
    }
}

/// Opens a host in `dir`.
pub fn host(dir: &Path, name: &str, product: Product, release: Release) -> Arc<SimHost> {
    SimHost::open(dir, spec(name, product, release)).expect("open host")
}

/// A started bwcli session.
pub struct Cli {
    /// The session.
    pub session: Session,
    /// The banner and first prompt.
    pub banner: String,
}

impl Cli {
    /// Starts a session on `host`.
    pub fn start(host: &Arc<SimHost>) -> Cli {
        let mut session = host.bwcli();
        let r = session.start();
        assert_eq!(r.end, SessionEnd::Continue);
        Cli {
            session,
            banner: r.output,
        }
    }

    /// Types a line; returns the whole reply.
    pub fn reply(&mut self, line: &str) -> Reply {
        self.session.input(line)
    }

    /// Types a line; returns the output (with the next prompt).
    pub fn run(&mut self, line: &str) -> String {
        let r = self.reply(line);
        assert_eq!(r.end, SessionEnd::Continue, "session ended after {line:?}: {}", r.output);
        r.output
    }

    /// Types a line; returns the output without the trailing prompt `prompt`.
    pub fn out(&mut self, line: &str, prompt: &str) -> String {
        let o = self.run(line);
        match o.strip_suffix(prompt) {
            Some(body) => body.to_string(),
            None => panic!("output of {line:?} does not end with {prompt:?}:\n{o}"),
        }
    }
}

/// Writes a host file.
pub fn put(host: &SimHost, path: &str, data: &[u8]) {
    let local = host.fs_root().join(path.trim_start_matches('/'));
    std::fs::create_dir_all(local.parent().expect("parent")).expect("mkdir");
    std::fs::write(local, data).expect("write");
}
