//! An interactive bwcli session on one simulated host.
//!
//! CONTRACT: `new`, `start`, `input` and `awaiting_key` are what the SSH layer and
//! the stdin/stdout mode call. Bodies are filled in by the engine work.
use std::sync::Arc;

use crate::host::{Reply, SimHost};

/// One bwcli session: current context, pending prompt, command count.
pub struct Session {
    host: Arc<SimHost>,
}

impl Session {
    /// A new session on `host`, not yet started.
    pub fn new(host: Arc<SimHost>) -> Session {
        Session { host }
    }

    /// The banner and the first prompt.
    pub fn start(&mut self) -> Reply {
        let _ = &self.host;
        unimplemented!("engine work")
    }

    /// Feeds one line of input (without its line terminator): a command line, or the
    /// answer to the confirmation, password or `--More--` prompt that is showing.
    pub fn input(&mut self, line: &str) -> Reply {
        let _ = line;
        unimplemented!("engine work")
    }

    /// Whether a `--More--` pager prompt is showing, so that a single keystroke
    /// (without Enter) continues the output; the SSH layer then passes that key
    /// to `input` as a one-character line.
    pub fn awaiting_key(&self) -> bool {
        false
    }
}
