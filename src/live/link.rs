//! What the engine needs of a connected host, whatever carries it: reading (with
//! [`read_all`]), writing, files, and the host lock: who holds it ([`LockOwner`])
//! and a guard that releases only its own lock ([`LockGuard`]).
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::desired::ContextRef;
use crate::live::{LiveContext, LiveTree};
use crate::plan::Op;
use crate::plan::files::HostFile;
use crate::secret::Secret;

/// A failure talking to a host.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkError {
    /// The host's CLI refused a command.
    #[error("`{command}` in {context} failed: {message}")]
    Cli {
        /// The context.
        context: String,
        /// The command line (secrets masked).
        command: String,
        /// What the CLI answered.
        message: String,
    },
    /// A shell read ([`HostLink::shell_read`]) exited with an error.
    #[error("`{command}` exited with status {status}: {stderr}")]
    Shell {
        /// The command line.
        command: String,
        /// Its exit status.
        status: i32,
        /// What it wrote on stderr (masked), `(nothing on stderr)` when empty.
        stderr: String,
    },
    /// Another operator holds the host's lock.
    #[error(
        "host is locked by another xspctl run: {holder}\n  help: wait for it to finish; if that run is gone, remove the stale lock with `xspctl unlock -f PLAYBOOK --host HOST --force`"
    )]
    Locked {
        /// Who holds it, described by [`Holder::describe`].
        holder: String,
    },
    /// Connection, timeout or protocol trouble (already operator-readable): the
    /// session may be unusable, and a write in flight may or may not have run.
    #[error("{0}")]
    Transport(String),
}

impl LinkError {
    /// Whether the session may be unusable, so that [`HostLink::reconnect`] is
    /// needed before the next command.
    pub fn is_transport(&self) -> bool {
        matches!(self, LinkError::Transport(_))
    }
}

/// What a write returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteResult {
    /// The CLI printed the restart warning.
    pub restart_required: bool,
}

/// A shell command that only reads the host, run on the SSH exec channel; typed,
/// so that no other command line can be run through [`HostLink::shell_read`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShellRead {
    /// The installed patches and their state: a `Patch Name  State` table
    /// (bwcli-behavior §4 "Patches", BLOG-PATCH).
    ListPatches,
    /// The server's version and, on XSP and AS, `Active Patches: N`
    /// (bwcli-behavior §4, C-ADMIN).
    ShowVersion,
    /// Whether the host opens a TCP connection to a target: `nc -z -v -w N host port`
    /// (exit 0: connected; 1: refused, unreachable or timed out; `-v` says why).
    PortOpen(PortTarget),
    /// chrony's view of the clock: `chronyc tracking`.
    ChronyTracking,
    /// ntpd's peers: `ntpq -p` (`*` marks the peer the clock follows).
    NtpPeers,
    /// The host's clock, seconds since the Unix epoch: `date -u +%s`.
    Clock,
}

/// A TCP target of [`ShellRead::PortOpen`]: a host name or IP address of letters,
/// digits, `.`, `-` and `:` only (so it is one word on the command line), a port,
/// and a timeout of 1 to 10 seconds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortTarget {
    host: String,
    port: u16,
    timeout_secs: u8,
}

impl PortTarget {
    /// The target, or why `host` cannot be one.
    pub fn new(host: &str, port: u16, timeout: Duration) -> Result<PortTarget, String> {
        let word = !host.is_empty()
            && !host.starts_with('-')
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
        if !word {
            return Err(format!(
                "`{host}` is not a host name or IP address (letters, digits, `.`, `-`, `:`)"
            ));
        }
        let timeout_secs = timeout.as_secs().clamp(1, 10) as u8;
        Ok(PortTarget {
            host: host.to_string(),
            port,
            timeout_secs,
        })
    }

    /// `host:port` (IPv6 in brackets).
    pub fn label(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl ShellRead {
    /// The command line run on the host.
    pub fn command_line(&self) -> String {
        match self {
            ShellRead::ListPatches => "/usr/local/broadworks/patchtool/sbin/listPatch.pl".into(),
            ShellRead::ShowVersion => "bwshowver".into(),
            ShellRead::PortOpen(t) => {
                format!("nc -z -v -w {} {} {}", t.timeout_secs, t.host, t.port)
            }
            ShellRead::ChronyTracking => "chronyc tracking".into(),
            ShellRead::NtpPeers => "ntpq -p".into(),
            ShellRead::Clock => "date -u +%s".into(),
        }
    }
}

/// One connected host: reads, writes, the per-host lock, and restarts.
pub trait HostLink {
    /// Reads one context (`cd` there, `get` with its arguments, parse).
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError>;
    /// Runs a read-only shell command and returns its standard output, with every
    /// secret masked ([`HostLink::mask`]); an exit status other than 0 is
    /// [`LinkError::Shell`].
    fn shell_read(&mut self, what: ShellRead) -> Result<String, LinkError>;
    /// Runs one write operation; `secrets` answer the CLI's password prompts, in
    /// order, and are masked in everything the session records.
    fn write(&mut self, op: &Op, secrets: &[Secret]) -> Result<WriteResult, LinkError>;
    /// Reads a whole file of the host and its mode; None when it does not exist.
    fn read_file(&mut self, path: &str) -> Result<Option<HostFile>, LinkError>;
    /// Replaces a file of the host with `bytes` and `mode`: written beside it
    /// first, then renamed over it, so that it is never seen half written.
    fn replace_file(&mut self, path: &str, bytes: &[u8], mode: u32) -> Result<(), LinkError>;
    /// Removes a file of the host (one that does not exist is no error).
    fn remove_file(&mut self, path: &str) -> Result<(), LinkError>;
    /// Renames a file of the host; `to` must not exist.
    fn rename_file(&mut self, from: &str, to: &str) -> Result<(), LinkError>;
    /// Masks `secret` in everything the session records or returns from now on
    /// (and in the sessions that replace it after a reconnect).
    fn mask(&mut self, secret: &Secret);
    /// Takes the host's lock for this run, atomically; [`LinkError::Locked`] if
    /// another run holds it. Prefer [`LockGuard::take`], which releases it.
    fn lock(&mut self, owner: &LockOwner) -> Result<(), LinkError>;
    /// Releases the lock if run `run_id` holds it; a lock held by another run (or
    /// whose holder cannot be read) is left in place.
    fn unlock(&mut self, run_id: &str) -> Result<Release, LinkError>;
    /// Replaces the session after a [`LinkError::Transport`] failure (a dropped
    /// connection, a CLI that restarted) with a new one to the same host. One
    /// attempt; the caller bounds the retries.
    fn reconnect(&mut self) -> Result<(), LinkError>;
}

/// Reads every context in `refs`, each once (two facts of one context, such as
/// two attributes an apply confirms, share one read).
pub fn read_all(link: &mut dyn HostLink, refs: &[ContextRef]) -> Result<LiveTree, LinkError> {
    let mut tree = LiveTree::default();
    for r in refs {
        if tree.contexts.contains_key(r) {
            continue;
        }
        let content = link.read(r)?;
        tree.contexts.insert(r.clone(), content);
    }
    Ok(tree)
}

/// What releasing a lock found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// The lock was this run's and is removed.
    Released,
    /// The host was not locked.
    NotHeld,
    /// Another run holds the lock (it was left in place): who.
    HeldByOther(String),
}

/// Who holds a host's lock; written into the lock as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockOwner {
    /// The run's id: a release removes the lock only when it is its own run's.
    pub run_id: String,
    /// The local user who started the run.
    pub user: String,
    /// The machine the run is on (its host name).
    pub machine: String,
    /// The run's process id on that machine.
    pub pid: u32,
    /// When the lock was taken (RFC 3339 UTC).
    pub since: String,
    /// The same time in seconds since the Unix epoch, for the lock's age.
    pub since_unix: i64,
}

/// Whether a lock's holder still runs, as far as this machine can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// The holder is a live process on this machine.
    Alive,
    /// The holder was on this machine and its process is gone: the lock is stale.
    Dead,
    /// The holder is on another machine (or its lock is not readable): unknown.
    Unknown,
}

impl LockOwner {
    /// The owner record of run `run_id` of this process.
    pub fn this_process(run_id: &str) -> LockOwner {
        LockOwner {
            run_id: run_id.to_string(),
            user: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
            machine: this_machine(),
            pid: std::process::id(),
            since: crate::fsutil::now_rfc3339(),
            since_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    /// Whether the holder still runs.
    pub fn liveness(&self) -> Liveness {
        if self.machine != this_machine() {
            Liveness::Unknown
        } else if pid_alive(self.pid) {
            Liveness::Alive
        } else {
            Liveness::Dead
        }
    }

    /// How long ago the lock was taken, e.g. `3h 12m`.
    pub fn age(&self) -> String {
        let secs = (time::OffsetDateTime::now_utc().unix_timestamp() - self.since_unix).max(0);
        match secs {
            s if s < 60 => format!("{s}s"),
            s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
            s if s < 86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
            s => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
        }
    }
}

impl std::fmt::Display for LockOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{} pid {} run {} since {}",
            self.user, self.machine, self.pid, self.run_id, self.since
        )
    }
}

/// The content of a host's lock as read back: an owner record, or text this
/// version cannot parse (a lock written by an older xspctl), kept as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A lock written by this version.
    Owner(LockOwner),
    /// Anything else, as found (trimmed); empty when the owner file is missing.
    Unreadable(String),
}

impl Holder {
    /// Parses the owner file of a lock.
    pub fn parse(text: &str) -> Holder {
        serde_json::from_str(text.trim())
            .map(Holder::Owner)
            .unwrap_or_else(|_| Holder::Unreadable(text.trim().to_string()))
    }

    /// Whether the holder still runs.
    pub fn liveness(&self) -> Liveness {
        match self {
            Holder::Owner(o) => o.liveness(),
            Holder::Unreadable(_) => Liveness::Unknown,
        }
    }

    /// The holder for an operator: who, since when, how long ago, and whether it
    /// is known to be stale.
    pub fn describe(&self) -> String {
        match self {
            Holder::Owner(o) => {
                let state = match o.liveness() {
                    Liveness::Alive => "running on this machine".to_string(),
                    Liveness::Dead => format!(
                        "STALE: pid {} is not running on this machine; held for {}",
                        o.pid,
                        o.age()
                    ),
                    Liveness::Unknown => format!("on another machine; held for {}", o.age()),
                };
                format!("{o} ({state})")
            }
            Holder::Unreadable(t) if t.is_empty() => {
                "(unknown: the lock names no owner)".to_string()
            }
            Holder::Unreadable(t) => format!("{t} (written by another xspctl version)"),
        }
    }
}

/// This machine's host name, as written into locks.
fn this_machine() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether a process with this id exists on this machine.
fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks that the process exists; EPERM means
    // it exists but belongs to another user.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// A host lock held by this run: derefs to the link, and releases the lock (only
/// if it is still this run's) when released or dropped.
pub struct LockGuard<'a> {
    link: &'a mut dyn HostLink,
    run_id: String,
    released: bool,
}

impl<'a> LockGuard<'a> {
    /// Takes the host's lock for `owner`'s run.
    pub fn take(link: &'a mut dyn HostLink, owner: &LockOwner) -> Result<LockGuard<'a>, LinkError> {
        link.lock(owner)?;
        Ok(LockGuard {
            link,
            run_id: owner.run_id.clone(),
            released: false,
        })
    }

    /// Releases the lock now and says what was found.
    pub fn release(mut self) -> Result<Release, LinkError> {
        self.released = true;
        self.link.unlock(&self.run_id)
    }
}

impl<'a> Deref for LockGuard<'a> {
    type Target = dyn HostLink + 'a;
    fn deref(&self) -> &Self::Target {
        self.link
    }
}

impl DerefMut for LockGuard<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.link
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        if !self.released {
            let _ = self.link.unlock(&self.run_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_target_is_one_word_and_its_timeout_is_bounded() {
        let t = PortTarget::new("idbroker.webex.com", 443, Duration::from_secs(3)).unwrap();
        assert_eq!(
            ShellRead::PortOpen(t.clone()).command_line(),
            "nc -z -v -w 3 idbroker.webex.com 443"
        );
        assert_eq!(t.label(), "idbroker.webex.com:443");
        let v6 = PortTarget::new("2001:db8::1", 8443, Duration::from_secs(60)).unwrap();
        assert_eq!(v6.label(), "[2001:db8::1]:8443");
        assert_eq!(
            ShellRead::PortOpen(v6).command_line(),
            "nc -z -v -w 10 2001:db8::1 8443"
        );
        let quick = PortTarget::new("192.0.2.1", 1, Duration::ZERO).unwrap();
        assert!(ShellRead::PortOpen(quick).command_line().contains("-w 1 "));
        for bad in ["", "a b", "x;reboot", "$(id)", "-e", "a|b", "`id`", "h\n"] {
            assert!(
                PortTarget::new(bad, 443, Duration::from_secs(3)).is_err(),
                "{bad:?}"
            );
        }
    }
}
