//! What a host's CLI holds (the LiveTree): the parsed `get` output of every context
//! the desired tree touches.
pub mod cached;
pub mod link;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::header_names;
use crate::desired::ContextRef;

/// The parsed content of one context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveContext {
    /// `name = value` pairs, in CLI order.
    Attributes(Vec<(String, String)>),
    /// A table: headers and rows.
    Table {
        /// Column headers.
        headers: Vec<String>,
        /// Rows, one value per header.
        rows: Vec<Vec<String>>,
    },
}

impl LiveContext {
    /// The value of an attribute, if this is an attribute context that has it.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        match self {
            LiveContext::Attributes(pairs) => pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str()),
            LiveContext::Table { .. } => None,
        }
    }

    /// The rows projected onto `columns`, each found under its header or one of the
    /// header's aliases (`catalog::header_names`). `context` names the context in
    /// the error.
    ///
    /// A column the table does not show is an error when the table has rows: an
    /// absent cell is never read as an empty value. A table without rows may show
    /// fewer columns (a level read with a filter, an empty listing): nothing is read
    /// from it, so it projects to no rows. An attribute context has no rows.
    pub fn rows_by(
        &self,
        context: &str,
        columns: &[String],
    ) -> Result<Vec<Vec<String>>, MissingColumn> {
        let LiveContext::Table { headers, rows } = self else {
            return Ok(Vec::new());
        };
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let idx = columns
            .iter()
            .map(|c| required_column(context, headers, c, columns))
            .collect::<Result<Vec<usize>, _>>()?;
        Ok(rows
            .iter()
            .map(|r| {
                idx.iter()
                    .map(|&i| r.get(i).cloned().unwrap_or_default())
                    .collect()
            })
            .collect())
    }
}

/// Where `column` is among `headers`: its own header first, then its aliases.
pub fn column_index(headers: &[String], column: &str) -> Option<usize> {
    header_names(column)
        .into_iter()
        .find_map(|name| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

/// Where `column` is among `headers` (as [`column_index`]), or the error naming
/// `context`, the headers seen and every column `expected` of the table.
pub fn required_column(
    context: &str,
    headers: &[String],
    column: &str,
    expected: &[String],
) -> Result<usize, MissingColumn> {
    column_index(headers, column).ok_or_else(|| MissingColumn {
        context: context.to_string(),
        missing: column.to_string(),
        seen: headers.to_vec(),
        expected: expected.to_vec(),
    })
}

/// A column needed from a table is not among the headers its `get` printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{context}> get shows no {missing:?} column (columns seen: {}; expected: {})\n  help: the host's CLI prints this table in a form xspctl does not know; nothing was changed. Report the `get` output, or add the header to src/catalog/data/header-aliases.yaml",
    quoted(seen),
    quoted(expected)
)]
pub struct MissingColumn {
    /// The context read.
    pub context: String,
    /// The first column not found.
    pub missing: String,
    /// The headers the table showed.
    pub seen: Vec<String>,
    /// Every column needed.
    pub expected: Vec<String>,
}

fn quoted(list: &[String]) -> String {
    if list.is_empty() {
        return "none".to_string();
    }
    list.iter()
        .map(|h| format!("{h:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every context read from one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTree {
    /// Context → content.
    #[serde(with = "context_map")]
    pub contexts: BTreeMap<ContextRef, LiveContext>,
}

impl LiveTree {
    /// The content read at `at`, if it was read.
    pub fn get(&self, at: &ContextRef) -> Option<&LiveContext> {
        self.contexts.get(at)
    }

    /// A stable hash of everything read: a plan made from this tree is applied
    /// only while the host still hashes the same (stale-plan guard).
    pub fn snapshot_hash(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&canonical))
    }

    /// The part of this tree at the given contexts.
    pub fn subset(&self, refs: &[ContextRef]) -> LiveTree {
        LiveTree {
            contexts: self
                .contexts
                .iter()
                .filter(|(k, _)| refs.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// JSON object keys must be strings: serialise the map as a list of pairs.
mod context_map {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Entry {
        #[serde(flatten)]
        at: ContextRef,
        content: LiveContext,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<ContextRef, LiveContext>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let entries: Vec<Entry> = map
            .iter()
            .map(|(at, content)| Entry {
                at: at.clone(),
                content: content.clone(),
            })
            .collect();
        entries.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<ContextRef, LiveContext>, D::Error> {
        let entries = Vec::<Entry>::deserialize(d)?;
        Ok(entries.into_iter().map(|e| (e.at, e.content)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cref(c: &str, args: &[&str]) -> ContextRef {
        ContextRef {
            context: c.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn hash_changes_with_content_and_round_trips_through_json() {
        let mut t = LiveTree::default();
        t.contexts.insert(
            cref("/Interface/CTI", &[]),
            LiveContext::Attributes(vec![("securePort".into(), "8012".into())]),
        );
        let h1 = t.snapshot_hash();
        let json = serde_json::to_string(&t).unwrap();
        let back: LiveTree = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.snapshot_hash(), h1);
        t.contexts.insert(
            cref("/Interface/CTI", &[]),
            LiveContext::Attributes(vec![("securePort".into(), "8013".into())]),
        );
        assert_ne!(t.snapshot_hash(), h1);
    }

    fn table(headers: &[&str], rows: &[&[&str]]) -> LiveContext {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        LiveContext::Table {
            headers: s(headers),
            rows: rows.iter().map(|r| s(r)).collect(),
        }
    }

    #[test]
    fn rows_by_projects_by_header_name() {
        let c = table(
            &["Container", "Name", "Value"],
            &[&["platform", "a", "-ALL +TLSv1.2"]],
        );
        assert_eq!(
            c.rows_by("/M", &["Name".into(), "Value".into()]),
            Ok(vec![vec!["a".to_string(), "-ALL +TLSv1.2".into()]])
        );
    }

    #[test]
    fn an_absent_column_is_an_error_naming_what_was_seen() {
        let c = table(
            &["Address", "Port", "Secure"],
            &[&["10.0.0.1", "443", "true"]],
        );
        let e = c
            .rows_by(
                "/Interface/Http/HttpServer",
                &["Interface IP".into(), "Port".into()],
            )
            .unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            r#"/Interface/Http/HttpServer> get shows no "Interface IP" column (columns seen: "Address", "Port", "Secure"; expected: "Interface IP", "Port")"#
        );
    }

    #[test]
    fn a_header_alias_from_the_catalog_is_read_as_the_column() {
        for header in [
            "Interface",
            "IP Address",
            "Interface Address",
            "interface ip",
        ] {
            let c = table(&[header, "Port"], &[&["10.0.0.1", "443"]]);
            assert_eq!(
                c.rows_by("/H", &["Interface IP".into(), "Port".into()]),
                Ok(vec![vec!["10.0.0.1".to_string(), "443".into()]]),
                "{header}"
            );
        }
    }

    #[test]
    fn a_table_without_rows_may_show_fewer_columns() {
        let c = table(&["Protocol Name"], &[]);
        assert_eq!(
            c.rows_by("/P", &["Interface IP".into(), "Protocol Name".into()]),
            Ok(vec![])
        );
    }
}
