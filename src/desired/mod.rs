//! The desired state of one host, as CLI facts (the DesiredTree).
//!
//! A module (TLS, later CTI mTLS, AuthService, ...) never writes CLI commands itself:
//! its template renders *facts* — "this table holds exactly these rows", "this
//! attribute has this value" — and the engine derives reads, diffs and writes from
//! them. Release differences live in the templates (`templates/<module>/`).
pub mod render;

use serde::{Deserialize, Serialize};

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

/// An attribute that must hold a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeFact {
    /// The attribute context.
    pub context: String,
    /// The attribute name as `get` prints it.
    pub name: String,
    /// The desired value.
    pub value: String,
    /// Whether a change takes effect only after a restart.
    #[serde(default)]
    pub restart: bool,
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
            Fact::Attribute(a) => ContextRef {
                context: a.context.clone(),
                args: Vec::new(),
            },
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
}

impl DesiredTree {
    /// Adds another module's tree to this one.
    pub fn extend(&mut self, other: DesiredTree) {
        self.facts.extend(other.facts);
        self.views.extend(other.views);
        self.probes.extend(other.probes);
    }

    /// Every context this tree needs read: facts first, then view levels, no repeats.
    pub fn reads(&self) -> Vec<ContextRef> {
        let mut out: Vec<ContextRef> = Vec::new();
        let facts = self.facts.iter().map(Fact::context_ref);
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
