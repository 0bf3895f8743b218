//! Plans: the write operations per host, the values they replace, the effective
//! values before and after, and the snapshot hash that guards against stale plans.
pub mod diff;
pub mod file;
pub mod views;

use serde::{Deserialize, Serialize};

use crate::bwcli::quote_arg;

/// A bwcli write verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    /// `add`
    Add,
    /// `delete`
    Delete,
    /// `set`
    Set,
    /// `clear <attribute>`: makes a nullable attribute null (docs/decisions.md D20).
    Clear,
}

impl Verb {
    /// The CLI word.
    pub fn word(self) -> &'static str {
        match self {
            Verb::Add => "add",
            Verb::Delete => "delete",
            Verb::Set => "set",
            Verb::Clear => "clear",
        }
    }
}

/// One write command in one context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// Absolute context path.
    pub context: String,
    /// The verb.
    pub verb: Verb,
    /// Its arguments.
    pub args: Vec<String>,
    /// The value replaced (for display and review).
    pub before: Option<String>,
    /// The value written.
    pub after: Option<String>,
    /// What the fact wants of the value, in words, when it is more than "exactly
    /// the value written" (`at least 2000`): shown in the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub want: Option<String>,
    /// Whether BroadWorks must restart for it to take effect.
    pub restart: bool,
}

impl Op {
    /// The command as typed at the CLI, arguments quoted where needed.
    pub fn command_line(&self) -> String {
        std::iter::once(self.verb.word().to_string())
            .chain(self.args.iter().map(|a| quote_arg(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What a plan shows beside the command: the value replaced by a `set`, and
    /// the want when it is more than "exactly this", e.g.
    /// `was: 1000; wanted: at least 2000`. None when there is nothing to add.
    pub fn note(&self) -> Option<String> {
        let was = match (self.verb, &self.before) {
            (Verb::Set | Verb::Clear, Some(b)) => Some(format!("was: {b}")),
            _ => None,
        };
        let wanted = self.want.as_ref().map(|w| format!("wanted: {w}"));
        let parts: Vec<String> = was.into_iter().chain(wanted).collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// An effective value before and after the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewChange {
    /// The view's name.
    pub name: String,
    /// Effective values now, and the level they come from.
    pub before: views::Effective,
    /// Effective values once the plan is applied.
    pub after: views::Effective,
}

/// The plan for one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostPlan {
    /// Host name (from the playbook).
    pub host: String,
    /// Farm name.
    pub farm: String,
    /// Hash of everything read from the host when the plan was made.
    pub snapshot: String,
    /// The write operations, in order.
    pub ops: Vec<Op>,
    /// Effective values that change.
    pub views: Vec<ViewChange>,
}

impl HostPlan {
    /// Whether any operation needs a restart to take effect.
    pub fn restart_required(&self) -> bool {
        self.ops.iter().any(|o| o.restart)
    }
}
