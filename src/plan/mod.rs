//! Plans: the actions per host (CLI writes and commands, uploads, removals), the
//! values they replace, the secrets they set or leave, the effective values before
//! and after, and the snapshot hash that guards against stale plans.
pub mod action;
pub mod commands;
pub mod diff;
pub mod file;
pub mod files;
pub mod secrets;
pub mod views;

use serde::{Deserialize, Serialize};

use crate::bwcli::quote_arg;
pub use action::Action;

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
    /// A command whose word is its first argument (`updateTrust`, `sslUpdate`).
    Run,
}

impl Verb {
    /// The CLI word.
    pub fn word(self) -> &'static str {
        match self {
            Verb::Add => "add",
            Verb::Delete => "delete",
            Verb::Set => "set",
            Verb::Clear => "clear",
            Verb::Run => "",
        }
    }

    /// How a plan marks it: `+` add, `-` delete, `~` set.
    pub fn sign(self) -> char {
        match self {
            Verb::Add => '+',
            Verb::Delete => '-',
            Verb::Set | Verb::Clear | Verb::Run => '~',
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
    /// The secrets typed at the CLI's password prompts, in order, by the
    /// playbook's reference (`env:NAME`, `file:PATH`), never the value: a secret
    /// attribute's `set <name>`, or a command that asks for a password.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// Whether the CLI's `Please confirm` may be answered `y`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirm: bool,
    /// Whether BroadWorks must restart for it to take effect.
    pub restart: bool,
}

impl Op {
    /// Whether it sets a secret attribute (`set <name>`, the value typed at the
    /// prompts): the host's record of secrets follows it.
    pub fn sets_secret(&self) -> bool {
        self.verb == Verb::Set && !self.secrets.is_empty()
    }

    /// The command as typed at the CLI, arguments quoted where needed.
    pub fn command_line(&self) -> String {
        let verb = (self.verb != Verb::Run).then(|| self.verb.word().to_string());
        verb.into_iter()
            .chain(self.args.iter().map(|a| quote_arg(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What a plan shows beside the command: the value replaced by a `set`, and
    /// the want when it is more than "exactly this", e.g.
    /// `was: 1000; wanted: at least 2000`. None when there is nothing to add.
    pub fn note(&self) -> Option<String> {
        if !self.secrets.is_empty() || self.verb == Verb::Run {
            return self.want.clone();
        }
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
    /// The actions, in order: uploads, then CLI writes, then removals.
    pub ops: Vec<Action>,
    /// Effective values that change.
    pub views: Vec<ViewChange>,
    /// Every secret the host should hold, set or unchanged (never a value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretStatus>,
    /// The host's required patches as checked, when it needs any (`patches`
    /// module): shown, never installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<crate::modules::patches::PatchCheck>,
    /// What the host's topology shows that the playbook would not have
    /// (`topology`): shown as warnings, never a refusal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Whether a plan sets a secret; shown as `(secret, will be set)` or
/// `(secret, unchanged)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretStatus {
    /// The attribute context.
    pub context: String,
    /// The attribute.
    pub name: String,
    /// The playbook's reference (`env:NAME`, `file:PATH`).
    pub reference: String,
    /// Why it is set; None when it is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_because: Option<String>,
}

impl SecretStatus {
    /// `secret, will be set` or `secret, unchanged`.
    pub fn state(&self) -> &'static str {
        match self.set_because {
            Some(_) => "secret, will be set",
            None => "secret, unchanged",
        }
    }
}

impl HostPlan {
    /// Whether any operation needs a restart to take effect.
    pub fn restart_required(&self) -> bool {
        self.ops.iter().any(Action::restart)
    }
}
