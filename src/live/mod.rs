//! What a host's CLI holds (the LiveTree): the parsed `get` output of every context
//! the desired tree touches.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

    /// The rows projected onto `columns` (by header name). A header that is absent
    /// gives empty cells, so a table read at a level that shows fewer columns still
    /// compares.
    pub fn rows_by(&self, columns: &[String]) -> Vec<Vec<String>> {
        match self {
            LiveContext::Attributes(_) => Vec::new(),
            LiveContext::Table { headers, rows } => {
                let idx: Vec<Option<usize>> = columns
                    .iter()
                    .map(|c| headers.iter().position(|h| h.eq_ignore_ascii_case(c)))
                    .collect();
                rows.iter()
                    .map(|r| {
                        idx.iter()
                            .map(|i| i.and_then(|i| r.get(i)).cloned().unwrap_or_default())
                            .collect()
                    })
                    .collect()
            }
        }
    }
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

    #[test]
    fn rows_by_projects_by_header_name() {
        let c = LiveContext::Table {
            headers: vec!["Container".into(), "Name".into(), "Value".into()],
            rows: vec![vec!["platform".into(), "a".into(), "-ALL +TLSv1.2".into()]],
        };
        assert_eq!(
            c.rows_by(&["Name".into(), "Value".into(), "Missing".into()]),
            vec![vec!["a".to_string(), "-ALL +TLSv1.2".into(), String::new()]]
        );
    }
}
