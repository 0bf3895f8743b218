//! One simulated host: what the network side (SSH, TLS, DNS, lab) may ask of it.
//!
//! CONTRACT between the bwcli engine and the network side. The data types here are
//! final. `SimHost` keeps its state in `DIR/<host>/`: `host.json` (the spec),
//! `state.json` (configuration, running state, patches; see [`crate::state`]),
//! `state.lock` (advisory lock) and `fs/` (the host's `/`).
use std::collections::VecDeque;
use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::catalog::catalog;
use crate::catalog::model::CliLayout;
use crate::state::store::Store;
use crate::state::{Facts, HostState, defaults};

/// The BroadWorks server type a host simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// Xtended Services Platform (`XSP_CLI`).
    Xsp,
    /// Application Delivery Platform (`ADP_CLI`).
    Adp,
    /// Application Server (`AS_CLI`).
    As,
}

/// The BroadWorks release a host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Release {
    /// R21 SP1, build `21.sp1.551`.
    #[serde(rename = "R21SP1", alias = "R21", alias = "R21 SP1")]
    R21Sp1,
    /// R22, build `22.0.1123`.
    R22,
    /// R23, build `23.0.1075`.
    R23,
    /// R24, build `24.0.944`.
    R24,
    /// The ADP release train (`Rel_2022.11_1.273`).
    #[serde(rename = "ADP")]
    Adp,
}

/// How a login over SSH starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginShell {
    /// A bash-like prompt `bwadmin@<host>$ `; typing `bwcli` starts the CLI.
    #[default]
    Bash,
    /// The CLI starts directly (bwcli as the login shell).
    Bwcli,
}

/// Faults injected into one host, at start or at run time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Drop the SSH connection after this many bwcli commands in a session.
    pub drop_after_commands: Option<u32>,
    /// Drop only once: the drop clears `drop_after_commands`, so the sessions that
    /// follow (a reconnect) run undisturbed.
    pub drop_once: bool,
    /// Delay every bwcli response and shell command by this many milliseconds.
    pub delay_ms: u64,
    /// Fail every bwcli command whose text matches this regular expression...
    pub fail_pattern: Option<String>,
    /// ...with this error text (default: a backend failure message).
    pub fail_message: Option<String>,
    /// Page long outputs with `--More--` after this many lines.
    pub page_lines: Option<u32>,
    /// Wrap prompts and output in ANSI colour codes.
    pub ansi: bool,
    /// Refuse every SSH authentication attempt.
    pub refuse_auth: bool,
    /// Serve a different host key from the stable one.
    pub change_host_key: bool,
    /// Answer every bwcli command (not the start) with this many bytes of output
    /// lines and no prompt, then stay silent (a flood; at most [`MAX_FLOOD_BYTES`]).
    pub flood_bytes: Option<u64>,
    /// Write every answer to a bwcli command (not the start) one byte at a time, one byte every this many
    /// milliseconds (a drip; at most [`MAX_DRIP_MS`]). It ends with the reply, or
    /// as soon as the client is gone.
    pub drip_ms: Option<u64>,
    /// Refuse every exec channel: print this on stderr and exit with status 1, as
    /// OpenSSH does for a user whose password has expired
    /// (`Password change required but no TTY available.`).
    pub exec_stderr: Option<String>,
    /// How the host's TLS endpoints deviate from a modern server (groups, DH size,
    /// RFC 5746, RFC 7507).
    pub tls: crate::tls::TlsQuirks,
}

/// The largest flood the `flood_bytes` fault writes (1 GiB).
pub const MAX_FLOOD_BYTES: u64 = 1 << 30;
/// The slowest drip the `drip_ms` fault allows (10 s per byte).
pub const MAX_DRIP_MS: u64 = 10_000;

/// Everything needed to create (or reopen) one simulated host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostSpec {
    /// Short host name, e.g. `xsp1`; also the state sub-directory name.
    pub name: String,
    /// Fully qualified name, e.g. `xsp1.lab.xspctl.test`.
    pub fqdn: String,
    /// Server type.
    pub product: Product,
    /// Release.
    pub release: Release,
    /// Loopback address all of this host's servers bind.
    pub address: IpAddr,
    /// SSH port.
    pub ssh_port: u16,
    /// HTTPS interface port (443 on a real host).
    pub https_port: u16,
    /// Secure CTI port (8012 on a real host).
    pub cti_port: u16,
    /// Login user, e.g. `bwadmin`.
    pub user: String,
    /// Password accepted for `user`, if password authentication is on.
    pub password: Option<String>,
    /// OpenSSH public keys (`ssh-ed25519 AAAA... comment`) accepted for `user`.
    pub authorized_keys: Vec<String>,
    /// How a login starts.
    pub login_shell: LoginShell,
    /// Faults at start.
    pub faults: Faults,
    /// Layout choices of the CLI where the documents disagree (CTI layout, header
    /// forms); the default is the solution guide's.
    #[serde(default)]
    pub layout: CliLayout,
}

/// How a bwcli reply ends the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The session goes on; `output` ends with the next prompt.
    Continue,
    /// The user exited bwcli (`This session is now ending...` was printed).
    Exit,
    /// A fault: the connection must be dropped now, without further output.
    Drop,
}

/// The reply to one line typed into bwcli.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The text to write back: command output and the next prompt (a bwcli prompt,
    /// a confirmation `Please confirm (Yes, Y, No, N): `, `New Password:`, or `--More--`).
    pub output: String,
    /// Whether the session continues.
    pub end: SessionEnd,
    /// Wait this long before writing `output` (the delay fault).
    pub delay: Duration,
    /// Whether the next input must not be echoed (a password prompt is showing).
    pub hide_input: bool,
}

/// The result of a shell command run over an SSH exec channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status.
    pub status: u32,
}

/// A TLS endpoint of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// The HTTPS server interface (Xsi, AuthService).
    Http,
    /// The secure CTI interface.
    Cti,
}

/// A TLS protocol version as bwcli names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsProtocol {
    /// `TLSv1`
    #[serde(rename = "TLSv1")]
    Tls10,
    /// `TLSv1.1`
    #[serde(rename = "TLSv1.1")]
    Tls11,
    /// `TLSv1.2`
    #[serde(rename = "TLSv1.2")]
    Tls12,
    /// `TLSv1.3`
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

/// The settings a TLS endpoint serves, as they are *running* (changes that need a
/// restart show here only after `restartbw`/`startbw`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Address to listen on.
    pub address: IpAddr,
    /// Port to listen on.
    pub port: u16,
    /// Protocols to accept.
    pub protocols: Vec<TlsProtocol>,
    /// Cipher suites to accept, by IANA name, in preference order.
    pub ciphers: Vec<String>,
    /// PEM of the server certificate followed by its chain.
    pub cert_chain_pem: String,
    /// PEM of the server private key.
    pub key_pem: String,
    /// Whether a client certificate is required.
    pub client_auth_required: bool,
    /// PEM certificates trusted for client authentication (the CA list sent to clients).
    pub trust_anchors_pem: Vec<String>,
}

/// The simulator's error type.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}

impl Faults {
    /// Checks the faults: the failure pattern must be a valid regular expression,
    /// the flood and the drip within their bounds.
    pub fn validate(&self) -> Result<(), SimError> {
        if let Some(p) = &self.fail_pattern {
            Regex::new(p).map_err(|e| SimError::Other(format!("fail_pattern: {e}")))?;
        }
        if self.flood_bytes.is_some_and(|n| n > MAX_FLOOD_BYTES) {
            return Err(SimError::Other(format!(
                "flood_bytes: at most {MAX_FLOOD_BYTES}"
            )));
        }
        if self.drip_ms.is_some_and(|ms| ms == 0 || ms > MAX_DRIP_MS) {
            return Err(SimError::Other(format!(
                "drip_ms: 1 to {MAX_DRIP_MS} milliseconds"
            )));
        }
        Ok(())
    }
}

/// Resolves a host name for reachability probes (`nc`); the lab may plug its DNS
/// zone in with [`SimHost::set_resolver`].
pub type NameResolver = Arc<dyn Fn(&str) -> Option<IpAddr> + Send + Sync>;

/// The time daemon a simulated host runs, which `chronyc tracking` or `ntpq -p`
/// answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDaemon {
    /// chronyd: `chronyc tracking` answers, `ntpq` is not installed.
    Chrony,
    /// ntpd: `ntpq -p` answers, `chronyc` is not installed.
    Ntpd,
    /// Neither is installed.
    None,
}

/// A simulated host's clock: its time daemon, whether that daemon follows a
/// server, and how far the clock is off (`date` adds the offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimClock {
    /// The daemon.
    pub daemon: TimeDaemon,
    /// Whether it is synchronised to a server.
    pub synchronised: bool,
    /// Seconds the host's clock is ahead of the real time (negative: behind).
    pub offset_secs: i64,
}

impl Default for SimClock {
    /// chronyd, synchronised, no offset.
    fn default() -> SimClock {
        SimClock {
            daemon: TimeDaemon::Chrony,
            synchronised: true,
            offset_secs: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct ActiveFaults {
    faults: Faults,
    fail: Option<Regex>,
}

impl ActiveFaults {
    fn new(faults: Faults) -> ActiveFaults {
        let fail = faults
            .fail_pattern
            .as_deref()
            .and_then(|p| match Regex::new(p) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!("ignoring invalid fail_pattern {p:?}: {e}");
                    None
                }
            });
        ActiveFaults { faults, fail }
    }
}

/// The spec file name in a host directory.
pub const SPEC_FILE: &str = "host.json";
/// The directory that is the host's `/`.
pub const FS_DIR: &str = "fs";
/// Directories every host file system has.
const FS_DIRS: &[&str] = &[
    "tmp",
    "etc",
    "var/broadworks/tmp",
    "var/broadworks/patches",
    "bw/install",
];

/// One simulated host. Cheap to share: the network side holds `Arc<SimHost>`.
///
/// Every method may touch the state file and, for some commands, generate RSA keys
/// or connect sockets: call them from a blocking context.
pub struct SimHost {
    spec: HostSpec,
    dir: PathBuf,
    facts: Facts,
    store: Store,
    faults: RwLock<ActiveFaults>,
    resolver: RwLock<Option<NameResolver>>,
    clock: RwLock<SimClock>,
    /// The shell command lines run ([`SimHost::exec`]), oldest first (the last
    /// [`EXEC_LOG_LINES`]), for tests that count what a client ran.
    exec_log: Mutex<VecDeque<String>>,
}

/// How many shell command lines [`SimHost::exec_log`] keeps.
pub const EXEC_LOG_LINES: usize = 1000;

impl std::fmt::Debug for SimHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHost")
            .field("name", &self.spec.name)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_err(path: &Path, source: std::io::Error) -> SimError {
    SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn check_name(name: &str) -> Result<(), SimError> {
    let bad =
        name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0');
    if bad {
        return Err(SimError::Other(format!("invalid host name {name:?}")));
    }
    Ok(())
}

/// An existing state was built for its product, release, address and HTTPS port
/// (interface rows, patches, applications): reopening it as another one is refused
/// rather than leaving a host whose interfaces no longer match its spec.
fn check_same_host(host_dir: &Path, spec: &HostSpec) -> Result<(), SimError> {
    let path = host_dir.join(SPEC_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let old: HostSpec = serde_json::from_str(&text)
        .map_err(|e| SimError::Other(format!("{}: {e}", path.display())))?;
    let mut changed = Vec::new();
    if old.product != spec.product {
        changed.push(format!("product {:?} -> {:?}", old.product, spec.product));
    }
    if old.release != spec.release {
        changed.push(format!("release {:?} -> {:?}", old.release, spec.release));
    }
    if old.address != spec.address {
        changed.push(format!("address {} -> {}", old.address, spec.address));
    }
    if old.https_port != spec.https_port {
        changed.push(format!(
            "HTTPS port {} -> {}",
            old.https_port, spec.https_port
        ));
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(SimError::Other(format!(
        "{}: the host state was created with another {}; delete this directory to recreate the host",
        host_dir.display(),
        changed.join(", ")
    )))
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl SimHost {
    /// Opens the host whose state lives in `dir/<spec.name>/`, creating a fresh
    /// realistic default state there if none exists. The spec is saved as
    /// `host.json` (replacing an older one).
    pub fn open(dir: &Path, spec: HostSpec) -> Result<Arc<SimHost>, SimError> {
        check_name(&spec.name)?;
        Self::open_in(&dir.join(&spec.name), spec, false)
    }

    /// Creates a new host in `dir/<spec.name>/` (for `xspsim init`); fails if that
    /// directory already holds a host state.
    pub fn create(dir: &Path, spec: HostSpec) -> Result<Arc<SimHost>, SimError> {
        check_name(&spec.name)?;
        Self::open_in(&dir.join(&spec.name), spec, true)
    }

    /// Reopens the host of `host_dir` from its saved `host.json` (the stdio mode and
    /// the Vagrant box use it).
    pub fn open_existing(host_dir: &Path) -> Result<Arc<SimHost>, SimError> {
        let path = host_dir.join(SPEC_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        let spec: HostSpec = serde_json::from_str(&text)
            .map_err(|e| SimError::Other(format!("{}: {e}", path.display())))?;
        Self::open_in(host_dir, spec, false)
    }

    fn open_in(
        host_dir: &Path,
        spec: HostSpec,
        must_be_new: bool,
    ) -> Result<Arc<SimHost>, SimError> {
        spec.faults.validate()?;
        std::fs::create_dir_all(host_dir).map_err(|e| io_err(host_dir, e))?;
        let store = if Store::exists(host_dir) {
            if must_be_new {
                return Err(SimError::Other(format!(
                    "{}: a host state exists already",
                    host_dir.display()
                )));
            }
            check_same_host(host_dir, &spec)?;
            Store::open(host_dir)?
        } else {
            let created = now_unix();
            let facts = Facts::new(catalog(), &spec, created);
            let state = defaults::fresh(catalog(), &facts, created)
                .map_err(|e| SimError::Other(format!("generating certificates: {e}")))?;
            Store::create(host_dir, state)?
        };
        let created = store.read(|s| s.created)?;
        let facts = Facts::new(catalog(), &spec, created);
        let host = SimHost {
            dir: host_dir.to_path_buf(),
            facts,
            store,
            faults: RwLock::new(ActiveFaults::new(spec.faults.clone())),
            resolver: RwLock::new(None),
            clock: RwLock::new(SimClock::default()),
            exec_log: Mutex::new(VecDeque::new()),
            spec,
        };
        host.save_spec()?;
        host.prepare_fs()?;
        Ok(Arc::new(host))
    }

    fn save_spec(&self) -> Result<(), SimError> {
        let mut spec = self.spec.clone();
        spec.faults = self.faults();
        let path = self.dir.join(SPEC_FILE);
        let tmp = self
            .dir
            .join(format!(".{SPEC_FILE}.{}.tmp", std::process::id()));
        let text =
            serde_json::to_string_pretty(&spec).map_err(|e| SimError::Other(e.to_string()))?;
        std::fs::write(&tmp, text).map_err(|e| io_err(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))
    }

    fn prepare_fs(&self) -> Result<(), SimError> {
        let root = self.fs_root();
        for d in FS_DIRS {
            let p = root.join(d);
            std::fs::create_dir_all(&p).map_err(|e| io_err(&p, e))?;
        }
        let home = root.join("home").join(&self.spec.user);
        std::fs::create_dir_all(&home).map_err(|e| io_err(&home, e))?;
        let hosts = root.join("etc/hosts");
        if !hosts.exists() {
            let text = format!(
                "127.0.0.1   localhost localhost.localdomain\n{}   {} {}\n",
                self.spec.address, self.spec.fqdn, self.spec.name
            );
            std::fs::write(&hosts, text).map_err(|e| io_err(&hosts, e))?;
        }
        crate::logs::start_logs(&root, self.spec.product, now_unix())
            .map_err(|e| io_err(&root.join(crate::logs::LOG_ROOT), e))
    }

    /// Writes a file of the host's `/` (a log under `/var/broadworks/logs`),
    /// modified at `mtime`: served over SFTP with that time.
    pub fn write_log(
        &self,
        path: &str,
        bytes: &[u8],
        mtime: std::time::SystemTime,
    ) -> Result<(), SimError> {
        let root = self.fs_root();
        crate::logs::write_log(&root, path, bytes, mtime).map_err(|e| io_err(Path::new(path), e))
    }

    /// The spec the host was opened with.
    pub fn spec(&self) -> &HostSpec {
        &self.spec
    }

    /// The host directory (`DIR/<host>`).
    pub fn host_dir(&self) -> &Path {
        &self.dir
    }

    /// Starts an interactive bwcli session.
    pub fn bwcli(self: &Arc<Self>) -> crate::cli::Session {
        crate::cli::Session::new(self.clone())
    }

    /// Runs one shell command line (exec channel, or typed at the bash prompt).
    /// May block (restart, reachability probes, the delay fault): call it from a
    /// blocking context.
    pub fn exec(self: &Arc<Self>, command_line: &str) -> ExecOutput {
        if let Ok(mut log) = self.exec_log.lock() {
            if log.len() == EXEC_LOG_LINES {
                log.pop_front();
            }
            log.push_back(command_line.to_string());
        }
        let delay = self.faults().delay_ms;
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        crate::shell::run(self, command_line)
    }

    /// The shell command lines run since the host was opened (exec channel or
    /// bash prompt; the last [`EXEC_LOG_LINES`]), oldest first.
    pub fn exec_log(&self) -> Vec<String> {
        self.exec_log
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The directory that is `/` of this host's file system, for SFTP.
    pub fn fs_root(&self) -> PathBuf {
        self.dir.join(FS_DIR)
    }

    /// The running TLS settings of an endpoint, or `None` if it is not serving
    /// (BroadWorks stopped, interface absent or not secure, secure port disabled).
    pub fn tls_settings(&self, endpoint: Endpoint) -> Option<TlsSettings> {
        let result = self.store.read(|st| {
            if !st.bw_running {
                return None;
            }
            crate::state::tls::effective(catalog(), &self.facts, &st.running, endpoint)
        });
        match result {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("{}: reading state: {e}", self.spec.name);
                None
            }
        }
    }

    /// The context paths of the applications deployed now (`/com.broadsoft.xsi-actions`,
    /// `/dms`...), which the HTTPS interface answers; none when the state is unreadable.
    pub fn deployed_contexts(&self) -> Vec<String> {
        self.store
            .read(|st| crate::state::deployed_contexts(catalog(), &self.facts, &st.configured))
            .unwrap_or_else(|e| {
                tracing::warn!("{}: reading state: {e}", self.spec.name);
                Vec::new()
            })
    }

    /// A number that changes whenever the running configuration changes, so a TLS
    /// listener knows when to rebuild its acceptor.
    pub fn generation(&self) -> u64 {
        match self.store.read(|st| st.generation) {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!("{}: reading state: {e}", self.spec.name);
                0
            }
        }
    }

    /// Whether BroadWorks runs (`stopbw` stops it, `startbw` starts it).
    pub fn bw_running(&self) -> bool {
        self.store.read(|st| st.bw_running).unwrap_or(false)
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.faults
            .read()
            .map(|f| f.faults.clone())
            .unwrap_or_else(|p| p.into_inner().faults.clone())
    }

    /// Replaces the faults in force (at run time); they are also saved in
    /// `host.json` so that processes opened later start with them. An invalid
    /// `fail_pattern` is ignored with a warning (check it with [`Faults::validate`]).
    pub fn set_faults(&self, faults: Faults) {
        let active = ActiveFaults::new(faults);
        match self.faults.write() {
            Ok(mut f) => *f = active,
            Err(p) => *p.into_inner() = active,
        }
        if let Err(e) = self.save_spec() {
            tracing::warn!("{}: saving faults: {e}", self.spec.name);
        }
    }

    /// The installed patches, in listing order (`listPatch.pl`).
    pub fn patches(&self) -> Result<Vec<String>, SimError> {
        self.store.read(|st| st.patches.clone())
    }

    /// Installs patches `names` (added at the end; one already installed stays where
    /// it is), as the BroadWorks patch tools would: `listPatch.pl` lists them and
    /// `bwshowver` counts them. A host starts with its release's set
    /// (`data/patches.toml`), some required patches missing; tests and labs install
    /// the rest here, or back some out with [`SimHost::remove_patches`].
    pub fn install_patches(&self, names: &[&str]) -> Result<(), SimError> {
        self.store
            .update(|st| {
                for name in names {
                    if !st.patches.iter().any(|p| p == name) {
                        st.patches.push((*name).to_string());
                    }
                }
                Ok::<(), SimError>(())
            })
            .and_then(|r| r)
    }

    /// Backs patches `names` out (one not installed is no error).
    pub fn remove_patches(&self, names: &[&str]) -> Result<(), SimError> {
        self.store
            .update(|st| {
                st.patches.retain(|p| !names.contains(&p.as_str()));
                Ok::<(), SimError>(())
            })
            .and_then(|r| r)
    }

    /// Plugs in the name resolution `nc` uses besides `/etc/hosts` of the host.
    pub fn set_resolver(&self, resolver: NameResolver) {
        match self.resolver.write() {
            Ok(mut r) => *r = Some(resolver),
            Err(p) => *p.into_inner() = Some(resolver),
        }
    }

    /// Sets the host's clock: its time daemon, synchronisation and offset.
    pub fn set_clock(&self, clock: SimClock) {
        match self.clock.write() {
            Ok(mut c) => *c = clock,
            Err(p) => *p.into_inner() = clock,
        }
    }

    /// The host's clock.
    pub fn clock(&self) -> SimClock {
        *self.clock.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The failure-pattern fault: the message for `command` if it matches.
    pub(crate) fn failure_for(&self, command: &str) -> Option<String> {
        let guard = self.faults.read().unwrap_or_else(|p| p.into_inner());
        let re = guard.fail.as_ref()?;
        re.is_match(command).then(|| {
            guard.faults.fail_message.clone().unwrap_or_else(|| {
                "[Error] Failed to process the command: the configuration system did not respond".to_string()
            })
        })
    }

    /// Resolves a name with the plugged resolver.
    pub(crate) fn resolve_with_plugin(&self, name: &str) -> Option<IpAddr> {
        let guard = self.resolver.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().and_then(|r| r(name))
    }

    /// Product, release and placeholder values.
    pub(crate) fn facts(&self) -> &Facts {
        &self.facts
    }

    /// Runs `f` on the current state.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&HostState) -> R) -> Result<R, SimError> {
        self.store.read(f)
    }

    /// Runs `f` on the current state and its revision (see [`Store::read_revision`]).
    pub(crate) fn read_revision<R>(
        &self,
        f: impl FnOnce(&HostState, u64) -> R,
    ) -> Result<R, SimError> {
        self.store.read_revision(f)
    }

    /// Read-modify-write of the state (see [`Store::update`]).
    pub(crate) fn update<R, E>(
        &self,
        f: impl FnOnce(&mut HostState) -> Result<R, E>,
    ) -> Result<Result<R, E>, SimError> {
        self.store.update(f)
    }

    /// The local file of an absolute host path; `..` never leaves the host's `/`.
    pub(crate) fn host_file(&self, path: &str) -> Option<PathBuf> {
        if !path.starts_with('/') {
            return None;
        }
        let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
        for c in Path::new(path).components() {
            match c {
                Component::Normal(p) => parts.push(p),
                Component::ParentDir => {
                    parts.pop();
                }
                _ => {}
            }
        }
        let mut out = self.fs_root();
        out.extend(parts);
        Some(out)
    }

    /// Reads a host file.
    pub(crate) fn read_host_file(&self, path: &str) -> Result<Vec<u8>, String> {
        let local = self.host_file(path).ok_or("not an absolute path")?;
        std::fs::read(&local).map_err(|e| io_reason(&e))
    }

    /// Writes a host file (creating its directory).
    pub(crate) fn write_host_file(&self, path: &str, data: &[u8]) -> Result<(), String> {
        let local = self.host_file(path).ok_or("not an absolute path")?;
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_reason(&e))?;
        }
        std::fs::write(&local, data).map_err(|e| io_reason(&e))
    }
}

/// The operator's wording of a file error (`No such file or directory`).
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "Is a directory".to_string(),
        _ => e.to_string(),
    }
}
