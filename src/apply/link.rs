//! What the engine needs of a connected host, whatever carries it.
use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::plan::Op;

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
    /// Another operator holds the host's lock.
    #[error(
        "host is locked by another xspctl run: {holder}\n  help: wait for it to finish; if that run is gone, remove the stale lock with `xspctl unlock -f PLAYBOOK --host HOST`"
    )]
    Locked {
        /// Who holds it, as written in the lock.
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

/// One connected host: reads, writes, the per-host lock, and restarts.
pub trait HostLink {
    /// Reads one context (`cd` there, `get` with its arguments, parse).
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError>;
    /// Runs one write operation.
    fn write(&mut self, op: &Op) -> Result<WriteResult, LinkError>;
    /// Takes the host's lock for this run, atomically; [`LinkError::Locked`] if
    /// another run holds it.
    fn lock(&mut self, owner: &str) -> Result<(), LinkError>;
    /// Releases the lock taken by [`HostLink::lock`].
    fn unlock(&mut self) -> Result<(), LinkError>;
    /// Replaces the session after a [`LinkError::Transport`] failure (a dropped
    /// connection, a CLI that restarted) with a new one to the same host. One
    /// attempt; the caller bounds the retries.
    fn reconnect(&mut self) -> Result<(), LinkError>;
}
