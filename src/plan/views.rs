//! Effective values of inherited settings (docs/decisions.md D1): the list at the
//! most specific level that has entries, else the provider defaults.
use serde::{Deserialize, Serialize};

use crate::desired::{ListFormat, View, ViewLevel};
use crate::live::{LiveContext, LiveTree};

/// Where an effective value comes from.
pub const DEFAULT_LEVEL: &str = "provider default";

/// An effective list and the level that sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    /// The values, in the order the level lists them.
    pub values: Vec<String>,
    /// The level's label, or [`DEFAULT_LEVEL`].
    pub level: String,
}

/// Evaluates a view over a tree.
pub fn evaluate(view: &View, tree: &LiveTree) -> Effective {
    for level in &view.levels {
        let values = level_values(level, tree);
        if !values.is_empty() {
            return Effective {
                values,
                level: level.label.clone(),
            };
        }
    }
    Effective {
        values: view.default.clone(),
        level: DEFAULT_LEVEL.to_string(),
    }
}

fn level_values(level: &ViewLevel, tree: &LiveTree) -> Vec<String> {
    let Some(LiveContext::Table { headers, rows }) = tree.get(&level.at) else {
        return Vec::new();
    };
    let Some(col) = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case(&level.column))
    else {
        return Vec::new();
    };
    rows.iter()
        .filter(|r| level.select.iter().zip(r.iter()).all(|(w, h)| w == h))
        .filter_map(|r| r.get(col))
        .flat_map(|cell| split_cell(cell, level.format))
        .collect()
}

/// Splits one cell into the list it encodes.
pub fn split_cell(cell: &str, format: ListFormat) -> Vec<String> {
    let parts = |sep: char| {
        cell.split(sep)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    match format {
        ListFormat::Rows => vec![cell.to_string()],
        ListFormat::Colon => parts(':'),
        ListFormat::Comma => parts(','),
        ListFormat::ApacheProtocols => apache_protocols(cell),
    }
}

/// Apache `SSLProtocol` syntax: `-ALL +TLSv1.2`, `ALL -TLSv1`, `TLSv1.2 TLSv1.3`.
/// `ALL` means every protocol up to TLSv1.2 (docs/decisions.md D2).
fn apache_protocols(cell: &str) -> Vec<String> {
    const ALL: [&str; 3] = ["TLSv1", "TLSv1.1", "TLSv1.2"];
    let mut out: Vec<String> = Vec::new();
    for token in cell.split_whitespace() {
        let (remove, name) = match token.as_bytes().first() {
            Some(b'-') => (true, &token[1..]),
            Some(b'+') => (false, &token[1..]),
            _ => (false, token),
        };
        let names: Vec<String> = if name.eq_ignore_ascii_case("all") {
            ALL.iter().map(|s| s.to_string()).collect()
        } else {
            vec![name.to_string()]
        };
        for n in names {
            out.retain(|x| *x != n);
            if !remove {
                out.push(n);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::ContextRef;

    fn level(label: &str, context: &str, column: &str) -> ViewLevel {
        ViewLevel {
            label: label.into(),
            at: ContextRef {
                context: context.into(),
                args: vec![],
            },
            column: column.into(),
            select: vec![],
            format: ListFormat::Rows,
        }
    }

    #[test]
    fn most_specific_non_empty_level_wins_else_default() {
        let view = View {
            name: "protocols".into(),
            levels: vec![
                level("interface", "/A", "Protocol Name"),
                level("system JSSE", "/B", "Protocol Name"),
            ],
            default: vec!["TLSv1".into()],
        };
        let mut tree = LiveTree::default();
        assert_eq!(evaluate(&view, &tree).level, DEFAULT_LEVEL);
        tree.contexts.insert(
            view.levels[1].at.clone(),
            LiveContext::Table {
                headers: vec!["Protocol Name".into()],
                rows: vec![vec!["TLSv1.2".into()]],
            },
        );
        tree.contexts.insert(
            view.levels[0].at.clone(),
            LiveContext::Table {
                headers: vec!["Protocol Name".into()],
                rows: vec![],
            },
        );
        let e = evaluate(&view, &tree);
        assert_eq!(
            (e.values, e.level.as_str()),
            (vec!["TLSv1.2".to_string()], "system JSSE")
        );
    }

    #[test]
    fn apache_protocol_syntax() {
        assert_eq!(apache_protocols("-ALL +TLSv1.2"), ["TLSv1.2"]);
        assert_eq!(apache_protocols("ALL -TLSv1"), ["TLSv1.1", "TLSv1.2"]);
        assert_eq!(
            apache_protocols("+TLSv1.2 +TLSv1.3"),
            ["TLSv1.2", "TLSv1.3"]
        );
        assert_eq!(split_cell("A:B: C", ListFormat::Colon), ["A", "B", "C"]);
    }
}
