//! A simulated lab for xspctl's integration tests: xspsim hosts served in this test
//! process on loopback, a playbook for them, and the xspctl binary run against it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use xspsim::catalog::model::CliLayout;
use xspsim::host::{Faults, Product, Release, SimHost};
use xspsim::lab::{Lab, LabConfig, LabHostConfig, StartingCertificate};
use xspsim::pki::lab_ca::{LabCa, WebexLikePki};

/// One host to simulate.
pub struct Spec {
    /// Host name.
    pub name: &'static str,
    /// Product.
    pub product: Product,
    /// Release.
    pub release: Release,
}

/// The file, in the scratch directory, of the CA that signs every host's starting
/// server certificate; [`TestLab::playbook`] names it as `verify.server_ca`.
pub const SERVER_CA_FILE: &str = "test-server-ca.pem";

/// A running lab plus a scratch directory for playbooks and xspctl state. Its
/// hosts serve CA-signed certificates (SAN: `<name>.lab.xspctl.test` and the
/// address) from the start, like `xspctl lab`'s.
pub struct TestLab {
    pub dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    lab: Option<Lab>,
}

/// What a run of the xspctl binary printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Standard output parsed as JSON (a `--format json` report).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("JSON on stdout: {e}\n{}", self.all()))
    }

    /// The first host's finding `id` whose subject starts with `subject_prefix`
    /// (a `--format json` report); a missing one fails showing everything printed.
    pub fn finding(&self, id: &str, subject_prefix: &str) -> serde_json::Value {
        let json = self.json();
        json["hosts"][0]["checks"]
            .as_array()
            .unwrap_or_else(|| panic!("checks: {}", self.all()))
            .iter()
            .find(|c| {
                c["id"] == id
                    && c["subject"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(subject_prefix))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {id} on {subject_prefix}: {}", self.all()))
    }

    /// `host`'s finding `id` whose subject ends with `subject_suffix` ("" for any)
    /// in a `--format json` report of several hosts; a missing one fails showing
    /// everything printed.
    pub fn host_finding(&self, host: &str, id: &str, subject_suffix: &str) -> serde_json::Value {
        self.json()["hosts"]
            .as_array()
            .unwrap_or_else(|| panic!("hosts: {}", self.all()))
            .iter()
            .find(|h| h["host"] == host)
            .and_then(|h| {
                h["checks"].as_array()?.iter().find(|c| {
                    c["id"] == id
                        && c["subject"]
                            .as_str()
                            .unwrap_or("")
                            .ends_with(subject_suffix)
                })
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {id} ({subject_suffix}) for {host}\n{}", self.all()))
    }

    /// Everything printed, for assertion messages.
    pub fn all(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code; a failure shows everything printed.
    #[track_caller]
    pub fn exits(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.all());
        self
    }

    /// Asserts that stdout holds `text`; a failure shows everything printed.
    #[track_caller]
    pub fn prints(&self, text: &str) -> &Self {
        self.holds("stdout", &self.stdout, text)
    }

    /// Asserts that stderr holds `text`; a failure shows everything printed.
    #[track_caller]
    pub fn complains(&self, text: &str) -> &Self {
        self.holds("stderr", &self.stderr, text)
    }

    #[track_caller]
    fn holds(&self, stream: &str, printed: &str, text: &str) -> &Self {
        assert!(
            printed.contains(text),
            "{stream} lacks {text:?}\n{}",
            self.all()
        );
        self
    }
}

/// Every file under `dir`, at any depth (a test's state directory, to prove what
/// no file holds).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A loopback /24 chosen from the test's name, so parallel test processes rarely
/// share addresses (ports are picked by the OS anyway).
fn base_address(test: &str) -> Ipv4Addr {
    let h = test
        .bytes()
        .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    Ipv4Addr::new(127, 90 + (h % 30) as u8, (h / 30 % 250) as u8 + 1, 1)
}

impl TestLab {
    /// Starts the hosts.
    pub fn start(test: &str, specs: &[Spec]) -> TestLab {
        TestLab::start_with_layout(test, specs, CliLayout::default())
    }

    /// Starts one host named `h`.
    pub fn one_host(test: &str, product: Product, release: Release) -> TestLab {
        TestLab::start(
            test,
            &[Spec {
                name: "h",
                product,
                release,
            }],
        )
    }

    /// Starts the hosts, each with the CLI layout choices `layout` (CTI layout,
    /// HttpServer address header).
    pub fn start_with_layout(test: &str, specs: &[Spec], layout: CliLayout) -> TestLab {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = u32::from(base_address(test));
        let ca = LabCa::root("xspctl Test Server CA").expect("server CA");
        std::fs::write(dir.path().join(SERVER_CA_FILE), ca.cert_pem()).expect("CA file");
        let hosts = specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let address = IpAddr::V4(Ipv4Addr::from(base + i as u32 + 1));
                let issued = ca
                    .issue_server(&format!("{}.lab.xspctl.test", s.name), address)
                    .expect("server certificate");
                LabHostConfig {
                    layout: layout.clone(),
                    server_certificate: Some(StartingCertificate {
                        cert_pem: issued.cert_pem,
                        key_pem: issued.key_pem,
                        chain_pem: String::new(),
                    }),
                    ..LabHostConfig::new(
                        s.name.to_string(),
                        "farm".to_string(),
                        s.product,
                        s.release,
                        address,
                    )
                }
            })
            .collect();
        let config = LabConfig {
            control_socket: false,
            ..LabConfig::new(
                dir.path().join("lab"),
                hosts,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::from(base)), 0),
            )
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let lab = rt.block_on(Lab::start(config)).expect("lab starts");
        let mut known = String::new();
        for e in lab.hosts() {
            known.push_str(&format!(
                "[{}]:{} {}\n",
                e.address,
                e.ssh_port.expect("ssh"),
                e.host_public_key
            ));
        }
        std::fs::write(dir.path().join("known_hosts"), known).expect("known_hosts");
        TestLab {
            dir,
            rt,
            lab: Some(lab),
        }
    }

    fn lab(&self) -> &Lab {
        self.lab.as_ref().expect("running")
    }

    /// The simulated host.
    pub fn host(&self, name: &str) -> Arc<SimHost> {
        self.lab().host(name).expect("host")
    }

    /// The host's address.
    pub fn address(&self, name: &str) -> IpAddr {
        self.lab().entry(name).expect("host").address
    }

    /// Where the lab's DNS server answers (UDP and TCP): the lab zone, an A record
    /// per host and the `_xsi-client._tcp` SRV records.
    pub fn dns_address(&self) -> SocketAddr {
        self.lab().dns_addr()
    }

    /// The host's HTTPS port.
    pub fn https_port(&self, name: &str) -> u16 {
        self.lab().entry(name).expect("host").https_port
    }

    /// The host's CTI port.
    pub fn cti_port(&self, name: &str) -> u16 {
        self.lab().entry(name).expect("host").cti_port
    }

    /// Sets a host's faults.
    pub fn faults(&self, name: &str, faults: Faults) {
        self.lab().set_faults(name, faults).expect("faults");
    }

    /// The `connection:` block reaching `name`.
    pub fn connection(&self, name: &str) -> String {
        let e = self.lab().entry(name).expect("host");
        format!(
            "connection: {{ port: {}, user: bwadmin, key_file: {}, known_hosts: {}, command_timeout: 20s }}",
            e.ssh_port.expect("ssh"),
            self.lab().private_key().display(),
            self.dir.path().join("known_hosts").display()
        )
    }

    /// How the engine reaches `name` over SSH (key auth as the lab's login user,
    /// the lab's known_hosts), for tests that drive the engine's API directly.
    pub fn ssh_target(&self, name: &str) -> xspctl::transport::SshTarget {
        let e = self.lab().entry(name).expect("host");
        let mut t = xspctl::transport::SshTarget::new(
            e.address.to_string(),
            e.ssh_port.expect("ssh"),
            "bwadmin",
            self.dir.path().join("known_hosts"),
        );
        t.auth = vec![xspctl::transport::AuthMethod::KeyFile {
            path: self.lab().private_key().to_path_buf(),
            passphrase: None,
        }];
        t.command_timeout = std::time::Duration::from_secs(20);
        t
    }

    /// The playbook lines of host `name` in a farm's `hosts:` list: its name,
    /// address and `connection:` block.
    pub fn host_entry(&self, name: &str) -> String {
        format!(
            "      - name: {name}\n        address: {}\n        {}\n",
            self.address(name),
            self.connection(name)
        )
    }

    /// Writes a playbook with one farm per host, each with the given `webex:` block
    /// (YAML, indented by the caller as a farm-level value), and returns its path.
    pub fn playbook(&self, file: &str, farms: &[(&str, &str, &str, &str)]) -> PathBuf {
        // (host name, product, release, webex block or "")
        let mut text = String::from("version: 1\nfarms:\n");
        for (name, product, release, webex) in farms {
            let roles = if *product == "as" {
                "[as]"
            } else {
                "[xsi, authservice, cti, dms]"
            };
            let farm = format!("farm-{name}");
            text.push_str(&farm_head(&farm, product, release, roles, webex));
            text.push_str(&self.host_entry(name));
        }
        text.push_str(&self.verify_section());
        let path = self.dir.path().join(file);
        std::fs::write(&path, text).expect("playbook");
        path
    }

    /// Writes `pki`'s Webex-like chain (`CombinedCertChain.txt`, issuing CA then
    /// root) and client (`client.pem`, with its chain, and `client.key`) into the
    /// scratch directory.
    pub fn write_webex_pki(&self, pki: &WebexLikePki) {
        let dir = self.dir.path();
        std::fs::write(dir.join("CombinedCertChain.txt"), pki.combined_chain()).unwrap();
        std::fs::write(dir.join("client.pem"), pki.client_chain()).unwrap();
        std::fs::write(dir.join("client.key"), &pki.client.key_pem).unwrap();
    }

    /// Writes `pki`'s Webex-like chain and client into the scratch directory and a
    /// playbook of the one host `h` with `cti_mtls` naming the chain and
    /// `verify.client_certificate` naming the client; returns the playbook's path.
    pub fn mtls_playbook(&self, pki: &WebexLikePki, product: &str, release: &str) -> String {
        let dir = self.dir.path();
        self.write_webex_pki(pki);
        let block = format!(
            "cti_mtls: {{ trust_anchors: {} }}",
            dir.join("CombinedCertChain.txt").display()
        );
        let pb = self.playbook("pb.yaml", &[("h", product, release, &block)]);
        self.add_client_identity(&pb, &dir.join("client.pem"), &dir.join("client.key"));
        pb.to_str().unwrap().to_string()
    }

    /// Puts `verify.client_certificate` (the files `certificate` and `key`) at the
    /// head of the playbook `pb`, in one `verify` section with the lab's server CA.
    pub fn add_client_identity(&self, pb: &Path, certificate: &Path, key: &Path) {
        let section = self.verify_section();
        let text = std::fs::read_to_string(pb)
            .expect("playbook")
            .replacen(&section, "", 1)
            .replacen(
                "version: 1\n",
                &format!(
                    "version: 1\nverify:\n  client_certificate:\n    certificate: {}\n    key: file:{}\n{}",
                    certificate.display(),
                    key.display(),
                    section.trim_start_matches("verify:\n")
                ),
                1,
            );
        std::fs::write(pb, text).expect("playbook");
    }

    /// The playbook's `verify` section trusting the lab's server CA.
    pub fn verify_section(&self) -> String {
        format!(
            "verify:\n  server_ca: {}\n",
            self.dir.path().join(SERVER_CA_FILE).display()
        )
    }

    /// Runs the xspctl binary with `args`, state in the scratch directory.
    pub fn xspctl(&self, args: &[&str]) -> Run {
        run_xspctl(&self.dir.path().join("state"), args)
    }

    /// Runs a bwcli line on a host through the simulator's own session (to change a
    /// host behind xspctl's back, or to read it independently).
    pub fn bwcli(&self, name: &str, lines: &[&str]) -> String {
        let host = self.host(name);
        let mut s = host.bwcli();
        let mut out = s.start().output;
        for l in lines {
            out.push_str(&s.input(l).output);
        }
        out
    }

    /// The transcripts xspctl wrote for a host, newest run last.
    pub fn transcripts(&self, host: &str) -> Vec<String> {
        let root = self.dir.path().join("state/transcripts");
        let mut runs: Vec<PathBuf> = std::fs::read_dir(&root)
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        // Run ids are `<second>-<pid>`: two runs of one second sort by when their
        // directories were made, not by the pid's digits.
        runs.sort_by_key(|r| {
            let made = std::fs::metadata(r).and_then(|m| m.created().or_else(|_| m.modified()));
            (made.ok(), r.clone())
        });
        runs.iter()
            .filter_map(|r| std::fs::read_to_string(r.join(format!("{host}.log"))).ok())
            .collect()
    }
}

impl Drop for TestLab {
    fn drop(&mut self) {
        if let Some(lab) = self.lab.take() {
            self.rt.block_on(lab.stop());
        }
    }
}

/// The playbook lines of one farm down to its `hosts:` key: its name, product,
/// release, roles (e.g. `[xsi, cti]`) and, unless empty, `webex` (farm-level YAML,
/// indented here).
pub fn farm_head(name: &str, product: &str, release: &str, roles: &str, webex: &str) -> String {
    let mut text = format!(
        "  - name: {name}\n    product: {product}\n    release: {release}\n    roles: {roles}\n"
    );
    if !webex.is_empty() {
        text.push_str("    webex:\n");
        for line in webex.lines() {
            text.push_str(&format!("      {line}\n"));
        }
    }
    text.push_str("    hosts:\n");
    text
}

/// Runs the xspctl binary.
pub fn run_xspctl(state: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .arg("--color")
        .arg("never")
        .arg("--state-dir")
        .arg(state)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("xspctl runs");
    Run::from(out)
}

/// The lines a transcript shows as sent (`>`), without timestamps.
pub fn sent_lines(transcript: &str) -> Vec<String> {
    transcript
        .lines()
        .filter_map(|l| l.split_once(" > ").map(|(_, t)| t.trim().to_string()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The TLS block used by most tests.
pub const TLS_INTERFACE: &str = "tls:
  http:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  cti:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]";
