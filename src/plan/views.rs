//! Effective values of inherited settings (docs/decisions.md D1): the list at the
//! most specific level that has entries, else the provider defaults.
use serde::{Deserialize, Serialize};

use crate::desired::{ListFormat, View, ViewLevel};
use crate::live::{LiveContext, LiveTree, MissingColumn, required_column};

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

/// Evaluates a view over a tree. A level whose table has rows but not the view's
/// column (under its name or an alias) is an error, never an empty level that would
/// silently hand the effective value to a broader one (decisions.md D12).
pub fn evaluate(view: &View, tree: &LiveTree) -> Result<Effective, MissingColumn> {
    for level in &view.levels {
        let values = level_values(level, tree)?;
        if !values.is_empty() {
            return Ok(Effective {
                values,
                level: level.label.clone(),
            });
        }
    }
    Ok(Effective {
        values: view.default.clone(),
        level: DEFAULT_LEVEL.to_string(),
    })
}

fn level_values(level: &ViewLevel, tree: &LiveTree) -> Result<Vec<String>, MissingColumn> {
    let Some(LiveContext::Table { headers, rows }) = tree.get(&level.at) else {
        return Ok(Vec::new());
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let col = required_column(
        &level.at.context,
        headers,
        &level.column,
        std::slice::from_ref(&level.column),
    )?;
    Ok(rows
        .iter()
        .filter(|r| level.select.iter().zip(r.iter()).all(|(w, h)| w == h))
        .filter_map(|r| r.get(col))
        .flat_map(|cell| split_cell(cell, level.format))
        .collect())
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

    /// A one-column table holding `values`, one per row.
    fn one_column(header: &str, values: &[&str]) -> LiveContext {
        LiveContext::Table {
            headers: vec![header.into()],
            rows: values.iter().map(|v| vec![v.to_string()]).collect(),
        }
    }

    /// A protocols view of two levels, `/A` (interface) and `/B` (system JSSE).
    fn interface_and_jsse() -> View {
        View {
            name: "protocols".into(),
            levels: vec![
                level("interface", "/A", "Protocol Name"),
                level("system JSSE", "/B", "Protocol Name"),
            ],
            default: vec!["TLSv1".into()],
        }
    }

    #[test]
    fn most_specific_non_empty_level_wins_else_default() {
        let view = interface_and_jsse();
        let mut tree = LiveTree::default();
        assert_eq!(evaluate(&view, &tree).unwrap().level, DEFAULT_LEVEL);
        tree.contexts.insert(
            view.levels[1].at.clone(),
            one_column("Protocol Name", &["TLSv1.2"]),
        );
        tree.contexts
            .insert(view.levels[0].at.clone(), one_column("Protocol Name", &[]));
        let e = evaluate(&view, &tree).unwrap();
        assert_eq!(
            (e.values, e.level.as_str()),
            (vec!["TLSv1.2".to_string()], "system JSSE")
        );
    }

    #[test]
    fn a_level_with_rows_but_not_the_column_is_an_error_not_an_empty_level() {
        let view = interface_and_jsse();
        let mut tree = LiveTree::default();
        tree.contexts.insert(
            view.levels[1].at.clone(),
            one_column("Protocol Name", &["TLSv1.2"]),
        );
        tree.contexts.insert(
            view.levels[0].at.clone(),
            one_column("Protocol", &["TLSv1.3"]),
        );
        let e = evaluate(&view, &tree).unwrap_err();
        assert_eq!(
            (e.context.as_str(), e.missing.as_str()),
            ("/A", "Protocol Name")
        );
        assert_eq!(e.seen, ["Protocol"]);
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
