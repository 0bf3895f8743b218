//! The known-issue rules (`rules/*.yaml`, compiled in): each names a symptom, the
//! evidence that shows its cause, the fix and the document it comes from. The
//! evidence query language is small on purpose (docs/diagnose.md):
//!
//! - `finding`: a verify finding whose check id and subject match globs and whose
//!   verdict is one of `status`;
//! - `attribute`: an attribute of a context compared with a number or a text;
//! - `rows`: the rows of a table whose columns hold the given values (any row, or
//!   `none` for "no such row");
//! - `farm_differs`: a fact of the host (the AuthService key file's hash) differs
//!   from another host's of its farm;
//! - `missing_patches`: the host lacks a patch it requires (the collected
//!   required-vs-installed comparison).
//!
//! A rule lists one or more queries; it fires on a host when all of them match.
//! A query over a context that was not read (or a column the table does not show)
//! leaves the rule undecided for that host, with the reason: never fired, never
//! cleared.
use serde::{Deserialize, Serialize};

use super::evidence::{Evidence, FindingRecord, HostEvidence, Snapshot};
use crate::live::{LiveContext, column_index};

/// The rule files, compiled in so that `--offline` needs nothing but the bundle.
pub const RULE_FILES: &[(&str, &str)] = &[
    ("rules/tls.yaml", include_str!("../../rules/tls.yaml")),
    ("rules/trust.yaml", include_str!("../../rules/trust.yaml")),
    (
        "rules/applications.yaml",
        include_str!("../../rules/applications.yaml"),
    ),
    (
        "rules/patches.yaml",
        include_str!("../../rules/patches.yaml"),
    ),
];

/// One known issue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id (`DX-…`).
    pub id: String,
    /// The entries of the reference catalogues it covers (`D04`, `A§15`).
    #[serde(default)]
    pub covers: Vec<String>,
    /// What the operator sees.
    pub symptom: String,
    /// Why.
    pub cause: String,
    /// What to do.
    pub fix: String,
    /// The document it comes from.
    pub source: String,
    /// The hosts it applies to.
    #[serde(default)]
    pub applies: Applies,
    /// The queries; all must match.
    pub evidence: Vec<Query>,
}

/// Which hosts a rule is evaluated on (empty lists: any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Applies {
    /// Products (`xsp`, `adp`, `as`).
    #[serde(default)]
    pub products: Vec<String>,
    /// Releases (`R21SP1`, `R22`, ...).
    #[serde(default)]
    pub releases: Vec<String>,
    /// Roles the host must have (any of them).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// One evidence query.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Query {
    /// verify findings.
    Finding(FindingQuery),
    /// An attribute of a context.
    Attribute(AttributeQuery),
    /// Rows of a table.
    Rows(RowsQuery),
    /// A host fact that differs across the farm: `authservice_keys_sha256`.
    FarmDiffers(String),
    /// A required patch the host does not have active.
    MissingPatches,
}

/// The host facts `farm_differs` compares.
pub const FARM_FACTS: &[&str] = &["authservice_keys_sha256"];

/// Matches verify findings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// Check id glob (`tls.refuses-*`).
    pub id: String,
    /// Verdicts that match (`fail`, `warn`, ...).
    pub status: Vec<String>,
    /// Subject globs, any of which matches; none: any subject.
    #[serde(default)]
    pub subject: Vec<String>,
}

/// Compares an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeQuery {
    /// Context paths to look in, first one read wins (release variants).
    pub context: Vec<String>,
    /// Attribute name.
    pub name: String,
    /// Matches when the value is a number below this.
    #[serde(default)]
    pub below: Option<i64>,
    /// Matches when the value is this text (case-insensitive).
    #[serde(default)]
    pub equals: Option<String>,
}

/// Looks for rows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RowsQuery {
    /// Context paths to look in, first one read wins (release variants).
    pub context: Vec<String>,
    /// Column header → accepted values (case-insensitive); no condition: every row.
    #[serde(default, rename = "where")]
    pub conditions: std::collections::BTreeMap<String, Vec<String>>,
    /// Match when there is no such row (instead of when there is one).
    #[serde(default)]
    pub none: bool,
}

/// What a query or rule found on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum Outcome {
    /// The evidence is there: one line per item seen.
    Fired(Vec<String>),
    /// The evidence is not there.
    Clear,
    /// It cannot be told from what was collected: why.
    Undecided(String),
}

/// A rule's outcome on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    /// The rule's id.
    pub rule: String,
    /// The host.
    pub host: String,
    /// What was found.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A rule file that does not load: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RuleError {
    /// The file.
    pub file: String,
    /// What is wrong (with its line and column, when the YAML parser gives them).
    pub message: String,
}

/// Every rule of the compiled-in files, checked: ids unique, globs valid,
/// each query able to match something.
pub fn load() -> Result<Vec<Rule>, RuleError> {
    let mut all = Vec::new();
    for (file, text) in RULE_FILES {
        all.extend(parse(file, text)?);
    }
    let mut ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(RuleError {
            file: "rules/".into(),
            message: format!("rule id {} is used twice", w[0]),
        });
    }
    Ok(all)
}

/// The rules of one file.
pub fn parse(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let err = |message: String| RuleError {
        file: file.to_string(),
        message,
    };
    let rules: Vec<Rule> = serde_saphyr::from_str(text).map_err(|e| err(e.to_string()))?;
    for r in &rules {
        if r.evidence.is_empty() {
            return Err(err(format!("rule {}: `evidence` lists no query", r.id)));
        }
        for q in &r.evidence {
            check_query(q).map_err(|m| err(format!("rule {}: {m}", r.id)))?;
        }
    }
    Ok(rules)
}

fn check_query(q: &Query) -> Result<(), String> {
    match q {
        Query::Finding(f) => {
            glob::Pattern::new(&f.id).map_err(|e| format!("finding id {:?}: {e}", f.id))?;
            for s in &f.subject {
                glob::Pattern::new(s).map_err(|e| format!("finding subject {s:?}: {e}"))?;
            }
            if f.status.is_empty() {
                return Err("finding: `status` lists no verdict".into());
            }
        }
        Query::Attribute(a) => {
            if a.context.is_empty() {
                return Err(format!("attribute {}: no context", a.name));
            }
            if a.below.is_some() == a.equals.is_some() {
                return Err(format!(
                    "attribute {}: give exactly one of `below` and `equals`",
                    a.name
                ));
            }
        }
        Query::Rows(r) => {
            if r.context.is_empty() {
                return Err("rows: no context".into());
            }
        }
        Query::FarmDiffers(fact) => {
            if !FARM_FACTS.contains(&fact.as_str()) {
                return Err(format!(
                    "farm_differs: no host fact {fact:?} (known: {})",
                    FARM_FACTS.join(", ")
                ));
            }
        }
        Query::MissingPatches => {}
    }
    Ok(())
}

/// Each context a rule reads, with the products of the rules that read it
/// (empty: every product), to collect them.
pub fn contexts(rules: &[Rule]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in rules {
        for q in &r.evidence {
            let list = match q {
                Query::Attribute(a) => &a.context,
                Query::Rows(rows) => &rows.context,
                Query::Finding(_) | Query::FarmDiffers(_) | Query::MissingPatches => continue,
            };
            for c in list {
                match out.iter_mut().find(|(have, _)| have == c) {
                    None => out.push((c.clone(), r.applies.products.clone())),
                    Some((_, products)) if products.is_empty() => {}
                    Some((_, products)) if r.applies.products.is_empty() => products.clear(),
                    Some((_, products)) => {
                        for p in &r.applies.products {
                            if !products.contains(p) {
                                products.push(p.clone());
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

impl Applies {
    fn covers(&self, host: &HostEvidence) -> bool {
        let f = &host.facts;
        let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        any(&self.products, &f.product)
            && any(&self.releases, &f.release)
            && (self.roles.is_empty() || f.roles.iter().any(|r| self.roles.contains(r)))
    }
}

/// Every rule on every host it applies to, in rule order then host order.
pub fn evaluate(rules: &[Rule], evidence: &Evidence) -> Vec<RuleResult> {
    let mut out = Vec::new();
    for rule in rules {
        for host in evidence.values().filter(|h| rule.applies.covers(h)) {
            out.push(RuleResult {
                rule: rule.id.clone(),
                host: host.facts.name.clone(),
                outcome: evaluate_on(rule, host, evidence),
            });
        }
    }
    out
}

/// A rule on one host: fired when every query fires; clear when any is clear;
/// otherwise undecided.
fn evaluate_on(rule: &Rule, host: &HostEvidence, all: &Evidence) -> Outcome {
    let mut lines = Vec::new();
    let mut undecided = None;
    for q in &rule.evidence {
        match query(q, host, all) {
            Outcome::Fired(l) => lines.extend(l),
            Outcome::Clear => return Outcome::Clear,
            Outcome::Undecided(why) => undecided = undecided.or(Some(why)),
        }
    }
    match undecided {
        Some(why) => Outcome::Undecided(why),
        None => Outcome::Fired(lines),
    }
}

fn query(q: &Query, host: &HostEvidence, all: &Evidence) -> Outcome {
    match q {
        Query::Finding(f) => findings(f, &host.findings),
        Query::Attribute(a) => attribute(a, &host.snapshot),
        Query::Rows(r) => rows(r, &host.snapshot),
        Query::FarmDiffers(fact) => farm_differs(fact, host, all),
        Query::MissingPatches => missing_patches(host),
    }
}

/// Fires with each missing patch (name, why, who needs it); undecided when the
/// comparison was not made.
fn missing_patches(host: &HostEvidence) -> Outcome {
    let Some(comparison) = &host.patches else {
        return Outcome::Undecided(format!(
            "{}: the bundle has no patch comparison (patches.json)",
            host.facts.name
        ));
    };
    match (&comparison.check, &comparison.error) {
        (_, Some(e)) => Outcome::Undecided(format!("the patches could not be compared: {e}")),
        (None, None) => Outcome::Clear,
        (Some(c), None) if c.missing.is_empty() => Outcome::Clear,
        (Some(c), None) => Outcome::Fired(
            c.missing
                .iter()
                .map(|m| format!("missing patch {}", m.describe()))
                .collect(),
        ),
    }
}

/// The value of a comparable host fact.
fn fact_of<'a>(fact: &str, host: &'a HostEvidence) -> Option<&'a str> {
    match fact {
        "authservice_keys_sha256" => host.facts.authservice_keys_sha256.as_deref(),
        _ => None,
    }
}

/// Fires on a host whose `fact` differs from another host's of its farm;
/// undecided when the host has no value; clear when it is alone with one.
fn farm_differs(fact: &str, host: &HostEvidence, all: &Evidence) -> Outcome {
    let Some(mine) = fact_of(fact, host) else {
        return Outcome::Undecided(format!(
            "{}: no {fact} (AuthService has not written its key file here)",
            host.facts.name
        ));
    };
    let lines: Vec<String> = all
        .values()
        .filter(|o| o.facts.farm == host.facts.farm && o.facts.name != host.facts.name)
        .filter_map(|o| fact_of(fact, o).map(|v| (o, v)))
        .filter(|(_, v)| *v != mine)
        .map(|(o, v)| {
            format!(
                "{fact}: {} has {}, {} has {}",
                host.facts.name,
                short(mine),
                o.facts.name,
                short(v)
            )
        })
        .collect();
    if lines.is_empty() {
        Outcome::Clear
    } else {
        Outcome::Fired(lines)
    }
}

/// The first 12 characters of a hash, as evidence.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn glob_matches(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(text))
}

fn findings(q: &FindingQuery, all: &[FindingRecord]) -> Outcome {
    let lines: Vec<String> = all
        .iter()
        .filter(|f| glob_matches(&q.id, &f.id))
        .filter(|f| q.status.iter().any(|s| s == &f.status))
        .filter(|f| q.subject.is_empty() || q.subject.iter().any(|s| glob_matches(s, &f.subject)))
        .map(|f| format!("{} {} {}: {}", f.status, f.id, f.subject, f.observed))
        .collect();
    if lines.is_empty() {
        Outcome::Clear
    } else {
        Outcome::Fired(lines)
    }
}

/// The first of `contexts` that was read, or why none can be looked at.
fn first_read<'a>(
    contexts: &'a [String],
    snapshot: &'a Snapshot,
) -> Result<(&'a str, &'a LiveContext), String> {
    for c in contexts {
        if let Some(found) = snapshot.context(c) {
            return Ok((c, found));
        }
    }
    let why: Vec<String> = contexts
        .iter()
        .map(|c| match snapshot.why_unreadable(c) {
            Some(e) => format!("{c}: {e}"),
            None => format!("{c}: not collected"),
        })
        .collect();
    Err(format!("no context could be read: {}", why.join("; ")))
}

fn attribute(q: &AttributeQuery, snapshot: &Snapshot) -> Outcome {
    let (context, found) = match first_read(&q.context, snapshot) {
        Ok(f) => f,
        Err(why) => return Outcome::Undecided(why),
    };
    let Some(value) = found.attribute(&q.name) else {
        return Outcome::Undecided(format!("{context}> get shows no attribute {}", q.name));
    };
    let fired = match (q.below, &q.equals) {
        (Some(limit), _) => match value.trim().parse::<i64>() {
            Ok(n) => n < limit,
            Err(_) => {
                return Outcome::Undecided(format!(
                    "{context}> get shows {} = {value:?}, not a number",
                    q.name
                ));
            }
        },
        (None, Some(text)) => value.trim().eq_ignore_ascii_case(text),
        (None, None) => false,
    };
    if fired {
        Outcome::Fired(vec![format!("{context}: {} = {value}", q.name)])
    } else {
        Outcome::Clear
    }
}

fn rows(q: &RowsQuery, snapshot: &Snapshot) -> Outcome {
    let (context, found) = match first_read(&q.context, snapshot) {
        Ok(f) => f,
        Err(why) => return Outcome::Undecided(why),
    };
    let LiveContext::Table { headers, rows } = found else {
        return Outcome::Undecided(format!("{context}> get shows attributes, not a table"));
    };
    let mut columns = Vec::new();
    for (column, accepted) in &q.conditions {
        // An empty table may print fewer headers; it has no row to look at.
        match column_index(headers, column) {
            Some(i) => columns.push((i, accepted)),
            None if rows.is_empty() => {}
            None => {
                return Outcome::Undecided(format!(
                    "{context}> get shows no {column:?} column (columns seen: {})",
                    headers.join(", ")
                ));
            }
        }
    }
    let matching: Vec<String> = rows
        .iter()
        .filter(|row| {
            columns.iter().all(|(i, accepted)| {
                let cell = row.get(*i).map(|c| c.trim()).unwrap_or_default();
                accepted.iter().any(|a| a.eq_ignore_ascii_case(cell))
            })
        })
        .map(|row| format!("{context}: {}", row_text(headers, row)))
        .collect();
    match (q.none, matching.is_empty()) {
        (false, false) => Outcome::Fired(matching),
        (true, true) => Outcome::Fired(vec![format!(
            "{context}: no row{} ({} rows)",
            conditions_text(&q.conditions),
            rows.len()
        )]),
        _ => Outcome::Clear,
    }
}

fn row_text(headers: &[String], row: &[String]) -> String {
    headers
        .iter()
        .zip(row)
        .map(|(h, v)| format!("{h}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn conditions_text(c: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    if c.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = c
        .iter()
        .map(|(k, v)| format!("{k} in [{}]", v.join(", ")))
        .collect();
    format!(" with {}", parts.join(" and "))
}

#[cfg(test)]
mod tests;
