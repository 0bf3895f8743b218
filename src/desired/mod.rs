//! The desired state of one host, as CLI facts (the DesiredTree).
//!
//! A module (TLS, later CTI mTLS, AuthService, ...) never writes CLI commands itself:
//! its template renders *facts* — "this table holds exactly these rows", "this
//! attribute has this value" — and the engine derives reads, diffs and writes from
//! them. Release differences live in the templates (`templates/<module>/`).
pub mod command;
pub mod file;
pub mod render;
pub mod want;

use serde::{Deserialize, Serialize};

pub use command::{CommandFact, Observe};
pub use file::FileFact;
use want::{Want, WantError, WantFields};

/// A context path plus the arguments `get` needs there, e.g.
/// `/Interface/Http/HttpServer/SSLSettings/Protocols` with `[10.0.0.1, 443]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContextRef {
    /// Absolute context path, starting with `/`.
    pub context: String,
    /// Arguments of `get` in that context (also the leading arguments of writes).
    #[serde(default)]
    pub args: Vec<String>,
}

impl std::fmt::Display for ContextRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.context)?;
        for a in &self.args {
            write!(f, " {a}")?;
        }
        Ok(())
    }
}

/// A table context whose rows (within `select`) must be exactly `rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableFact {
    /// Where the table is and how to `get` it.
    #[serde(flatten)]
    pub at: ContextRef,
    /// The column headers as `get` prints them, in order (e.g. `["Protocol Name"]`).
    pub columns: Vec<String>,
    /// How many leading columns identify a row (default: all).
    #[serde(default)]
    pub key_len: Option<usize>,
    /// Values of the leading key columns that select the rows this fact governs;
    /// rows outside the selection are left alone (default: the whole table).
    #[serde(default)]
    pub select: Vec<String>,
    /// The desired rows (one value per column).
    pub rows: Vec<Vec<String>>,
    /// Whether `set <key> <values>` can change a row in place (otherwise delete + add).
    #[serde(default)]
    pub settable: bool,
    /// Whether a change takes effect only after a restart.
    #[serde(default)]
    pub restart: bool,
    /// The command that alone loads a row, when the table has no `add` (the CTI
    /// Trusts table: `updateTrust <alias> <file>`, which needs the row's
    /// certificate): a rollback cannot add a deleted row back, and says how to
    /// load it by hand instead (docs/decisions.md D66).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_by: Option<String>,
}

impl TableFact {
    /// The number of key columns.
    pub fn key_len(&self) -> usize {
        self.key_len
            .unwrap_or(self.columns.len())
            .min(self.columns.len())
    }

    /// Whether a live row falls under this fact.
    pub fn selects(&self, row: &[String]) -> bool {
        self.select.iter().zip(row).all(|(want, have)| want == have)
    }
}

/// An attribute and what its value must be ([`Want`]).
///
/// In YAML the want is one key beside `context` and `name`: `value` (exact),
/// `at_least`, `at_most`, `one_of`, `present_once` or `secret` (a reference,
/// `env:NAME` or `file:PATH`, never the value), e.g.
/// `attribute: {context: /Applications/Xsi-Events/BWIntegration, name: eventQueueSize, at_least: 2000}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AttributeFields", into = "AttributeFields")]
pub struct AttributeFact {
    /// The attribute context.
    pub context: String,
    /// The attribute name as `get` prints it.
    pub name: String,
    /// What the value must be.
    pub want: Want,
    /// Whether a change takes effect only after a restart.
    pub restart: bool,
}

impl AttributeFact {
    /// The context this fact reads and writes (attribute contexts take no arguments).
    pub fn context_ref(&self) -> ContextRef {
        ContextRef {
            context: self.context.clone(),
            args: Vec::new(),
        }
    }

    /// The fact a backup records: exactly the value `live` holds now.
    pub fn as_found(&self, live: Option<&str>) -> AttributeFact {
        AttributeFact {
            want: self.want.as_found(live),
            ..self.clone()
        }
    }
}

/// The written form of an [`AttributeFact`] (templates, backups).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeFields {
    context: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_least: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_most: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    one_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    present_once: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    null_or_at_least: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(default)]
    restart: bool,
}

impl TryFrom<AttributeFields> for AttributeFact {
    type Error = WantError;

    fn try_from(f: AttributeFields) -> Result<AttributeFact, WantError> {
        let want = WantFields {
            value: f.value,
            at_least: f.at_least,
            at_most: f.at_most,
            one_of: f.one_of,
            present_once: f.present_once,
            null_or_at_least: f.null_or_at_least,
            secret: f.secret,
        }
        .into_want(&f.name)?;
        Ok(AttributeFact {
            context: f.context,
            name: f.name,
            want,
            restart: f.restart,
        })
    }
}

impl From<AttributeFact> for AttributeFields {
    fn from(a: AttributeFact) -> AttributeFields {
        let w = WantFields::from(&a.want);
        AttributeFields {
            context: a.context,
            name: a.name,
            value: w.value,
            at_least: w.at_least,
            at_most: w.at_most,
            one_of: w.one_of,
            present_once: w.present_once,
            null_or_at_least: w.null_or_at_least,
            secret: w.secret,
            restart: a.restart,
        }
    }
}

/// One desired fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// A table's rows.
    Table(TableFact),
    /// An attribute's value.
    Attribute(AttributeFact),
}

impl Fact {
    /// The context this fact reads and writes.
    pub fn context_ref(&self) -> ContextRef {
        match self {
            Fact::Table(t) => t.at.clone(),
            Fact::Attribute(a) => a.context_ref(),
        }
    }

    /// Whether this fact wants a secret (never read back, never backed up).
    pub fn is_secret(&self) -> bool {
        matches!(self, Fact::Attribute(a) if matches!(a.want, Want::Secret(_)))
    }

    /// The fact as the host meets it once its writes are done (see
    /// [`Want::after_write`]).
    pub fn after_write(&self) -> Fact {
        match self {
            Fact::Attribute(a) => Fact::Attribute(AttributeFact {
                want: a.want.after_write(),
                ..a.clone()
            }),
            table => table.clone(),
        }
    }
}

/// How a view reads one level of an inherited setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewLevel {
    /// Operator-facing name of the level, e.g. `interface` or `system JSSE`.
    pub label: String,
    /// The table to read.
    #[serde(flatten)]
    pub at: ContextRef,
    /// The column holding the listed values.
    pub column: String,
    /// Rows must carry these values in the leading columns to count (container options).
    #[serde(default)]
    pub select: Vec<String>,
    /// How a single cell encodes a list (default: one value per row).
    #[serde(default)]
    pub format: ListFormat,
}

/// How one cell encodes a list of values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListFormat {
    /// Each row holds one value.
    #[default]
    Rows,
    /// Apache `SSLProtocol` syntax: `-ALL +TLSv1.2 +TLSv1.3`.
    ApacheProtocols,
    /// Values separated by `:`.
    Colon,
    /// Values separated by `,`.
    Comma,
}

/// A derived, operator-facing value: the effective list of an inherited setting,
/// computed through its levels (docs/decisions.md D1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// What it is, e.g. `HTTP 10.0.0.1:443 protocols`.
    pub name: String,
    /// Levels from the most specific to the most general.
    pub levels: Vec<ViewLevel>,
    /// The value when no level has entries (the provider defaults).
    pub default: Vec<String>,
}

/// A TLS endpoint to probe after apply, with what it should negotiate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// Endpoint name: `http` or `cti`.
    pub endpoint: String,
    /// Address to connect to.
    pub address: String,
    /// Port to connect to.
    pub port: u16,
    /// The view that gives the protocols in effect.
    pub protocols_view: String,
    /// The view that gives the cipher suites in effect.
    pub ciphers_view: String,
}

/// Everything a module wants of one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesiredTree {
    /// Facts to converge.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Derived values shown in the plan and checked by verify.
    #[serde(default)]
    pub views: Vec<View>,
    /// TLS endpoints verify connects to.
    #[serde(default)]
    pub probes: Vec<Probe>,
    /// Files the host must hold (uploaded before the CLI writes) or not hold
    /// (removed after them).
    #[serde(default)]
    pub files: Vec<FileFact>,
    /// Commands whose effect a read observes (after the uploads, before the
    /// removals).
    #[serde(default)]
    pub commands: Vec<CommandFact>,
}

impl DesiredTree {
    /// Adds another module's tree to this one.
    pub fn extend(&mut self, other: DesiredTree) {
        self.facts.extend(other.facts);
        self.views.extend(other.views);
        self.probes.extend(other.probes);
        self.files.extend(other.files);
        self.commands.extend(other.commands);
    }

    /// Whether a fact wants a secret (the host's record of secrets is then read).
    pub fn has_secrets(&self) -> bool {
        self.facts.iter().any(Fact::is_secret)
    }

    /// Every context this tree needs read: facts and commands first, then view
    /// levels, no repeats.
    pub fn reads(&self) -> Vec<ContextRef> {
        let mut out: Vec<ContextRef> = Vec::new();
        let facts = self.facts.iter().map(Fact::context_ref).chain(
            self.commands
                .iter()
                .filter(|c| c.observe.is_some())
                .map(CommandFact::context_ref),
        );
        let views = self
            .views
            .iter()
            .flat_map(|v| v.levels.iter().map(|l| l.at.clone()));
        for r in facts.chain(views) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_written_before_wants_still_read_as_exact() {
        let old = r#"{"attribute":{"context":"/Interface/CTI","name":"securePort","value":"8012","restart":true}}"#;
        let fact: Fact = serde_json::from_str(old).unwrap();
        let Fact::Attribute(a) = &fact else {
            panic!("attribute expected")
        };
        assert_eq!(
            a.want,
            Want::Exact(want::Exact {
                value: "8012".into()
            })
        );
        assert_eq!(serde_json::to_string(&fact).unwrap(), old);
    }

    #[test]
    fn a_want_is_written_back_under_its_own_key() {
        let text = r#"{"attribute":{"context":"/A","name":"n","at_least":"2000","restart":false}}"#;
        let fact: Fact = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&fact).unwrap(), text);
        let bad = r#"{"attribute":{"context":"/A","name":"n","at_most":"x"}}"#;
        let e = serde_json::from_str::<Fact>(bad).unwrap_err().to_string();
        assert!(
            e.starts_with("attribute n: `at_most` needs a number, got \"x\""),
            "{e}"
        );
    }
}
