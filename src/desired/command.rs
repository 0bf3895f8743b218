//! Command facts: a CLI command whose effect is observed by a read, such as
//! `updateTrust <alias> <file>`, observed in its context's Trusts table. The
//! command runs when the read lacks the rows it makes, or when a file it reads is
//! uploaded by the same plan (the rows would then be stale). A command whose
//! effect no `get` shows (`importKeys`) has no observation: its module renders it
//! only when it must run, and says why.
use serde::{Deserialize, Serialize};

use crate::desired::ContextRef;

/// A command and the read that shows it has run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandFact {
    /// The context the command runs in, and whose table shows its effect.
    pub context: String,
    /// The command line, word by word: `[updateTrust, webex-ca, /var/.../ca.pem]`.
    pub line: Vec<String>,
    /// What the context's `get` shows once the command has run; None when no
    /// `get` shows it: the module renders the command only when it must run
    /// (`because`), and the context is not read.
    #[serde(default)]
    pub observe: Option<Observe>,
    /// Why a command without an observation runs (shown in the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
    /// Context paths that exist only once the command has run, e.g.
    /// `/Applications/NotificationPushServer`: an application's levels exist only
    /// while it is active (guide B §2.2 step 3, §7.2 step 3). While the command is
    /// to run, the contexts at and under them are not read, and the facts there are
    /// planned against an empty context (docs/decisions.md D42).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creates: Vec<String>,
    /// Host files the command reads: uploading one re-runs the command.
    #[serde(default)]
    pub uses: Vec<String>,
    /// Secrets typed at the command's password prompts, in order, by reference
    /// (`env:NAME`, `file:PATH`).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Whether `Please confirm` may be answered `y`.
    #[serde(default)]
    pub confirm: bool,
    /// The command that undoes it when its rows were absent before (e.g.
    /// `[delete, webex-ca]`); without it, a rollback names the command to undo by
    /// hand. When the rows were there before, a rollback re-runs the command once
    /// the files it uses are restored.
    #[serde(default)]
    pub undo: Option<Vec<String>>,
    /// Whether its effect waits for a restart.
    #[serde(default)]
    pub restart: bool,
}

/// The rows a command's effect shows in a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    /// The column headers read, key columns first (e.g. `[Alias, Owner, Issuer]`).
    pub columns: Vec<String>,
    /// How many leading columns identify a row (default 1).
    #[serde(default = "one")]
    pub key_len: usize,
    /// The keys that must be present once the command has run.
    pub present: Vec<Vec<String>>,
}

fn one() -> usize {
    1
}

impl CommandFact {
    /// The context read to observe it (tables of commands take no arguments).
    pub fn context_ref(&self) -> ContextRef {
        ContextRef {
            context: self.context.clone(),
            args: Vec::new(),
        }
    }

    /// Whether context `path` is one the command creates, or lies under one.
    pub fn creates_context(&self, path: &str) -> bool {
        self.creates.iter().any(|c| {
            path == c
                || path
                    .strip_prefix(c.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }
}
