//! Every key of the schema is read by the builder: a key added to the schema (a
//! module's section included) but never consumed would be accepted and silently
//! ignored. The fixtures (`tests/fixtures/playbooks/every_key*.yaml`) set every key
//! between them; removing any one must change the built playbook or make it invalid.
use std::path::Path;

use super::definition::PLAYBOOK;
use super::diagnostic::Report;
use super::schema::Schema;
use super::yaml::{Node, Value, parse};

const FIXTURES: &[&str] = &[
    "tests/fixtures/playbooks/every_key.yaml",
    "tests/fixtures/playbooks/every_key_as.yaml",
    "tests/fixtures/playbooks/every_key_cti.yaml",
];

/// A schema key: (object, field).
type Key = (&'static str, &'static str);

/// Where an entry is: the index of each step's map entry or list item.
type EntryPath = Vec<usize>;

/// Every key of the schema.
fn schema_keys(schema: Schema, out: &mut Vec<Key>) {
    match schema {
        Schema::Object(o) => {
            for f in o.fields {
                if !out.contains(&(o.name, f.name)) {
                    out.push((o.name, f.name));
                    schema_keys(f.schema, out);
                }
            }
        }
        Schema::Map(values) => schema_keys(*values, out),
        Schema::List(list) => schema_keys(list.items, out),
        Schema::Enum(_) | Schema::Integer { .. } | Schema::Bool | Schema::Text(_) => {}
    }
}

/// Every key `node` sets, with the path of its entry.
fn occurrences(node: &Node, schema: Schema, at: &EntryPath, out: &mut Vec<(EntryPath, Key)>) {
    let step = |i: usize| {
        let mut p = at.clone();
        p.push(i);
        p
    };
    match (schema, &node.value) {
        (Schema::Object(o), Value::Map(entries)) => {
            for (i, e) in entries.iter().enumerate() {
                if let Some(f) = o.fields.iter().find(|f| f.name == e.key) {
                    out.push((step(i), (o.name, f.name)));
                    occurrences(&e.value, f.schema, &step(i), out);
                }
            }
        }
        (Schema::Map(values), Value::Map(entries)) => {
            for (i, e) in entries.iter().enumerate() {
                occurrences(&e.value, *values, &step(i), out);
            }
        }
        (Schema::List(list), Value::Seq(items)) => {
            for (i, item) in items.iter().enumerate() {
                occurrences(item, list.items, &step(i), out);
            }
        }
        _ => {}
    }
}

/// `root` without the entry at `at`.
fn without(root: &Node, at: &[usize]) -> Node {
    let mut copy = root.clone();
    let mut node = &mut copy;
    for (depth, i) in at.iter().enumerate() {
        let last = depth + 1 == at.len();
        match &mut node.value {
            Value::Map(entries) if last => {
                entries.remove(*i);
                break;
            }
            Value::Map(entries) => node = &mut entries[*i].value,
            Value::Seq(items) => node = &mut items[*i],
            _ => unreachable!("occurrences only records maps and lists"),
        }
    }
    copy
}

/// The playbook built from `root` (read from `path`, as Debug text), or None when
/// it is invalid.
fn built(path: &str, root: &Node) -> Option<String> {
    let path = Path::new(path);
    let mut report = Report::new(path);
    let playbook = super::check_and_build(root, path, &mut report);
    report.is_empty().then(|| format!("{playbook:?}"))
}

#[test]
fn removing_any_key_changes_the_built_playbook() {
    let mut all = Vec::new();
    schema_keys(Schema::Object(&PLAYBOOK), &mut all);
    // (fixture, its tree, its baseline, its key occurrences)
    let mut fixtures = Vec::new();
    for path in FIXTURES {
        let text = std::fs::read_to_string(path).unwrap();
        let root = parse(&text).unwrap().unwrap();
        let baseline = built(path, &root).unwrap_or_else(|| panic!("{path} is a valid playbook"));
        let mut found = Vec::new();
        occurrences(&root, Schema::Object(&PLAYBOOK), &Vec::new(), &mut found);
        fixtures.push((path, root, baseline, found));
    }
    let missing: Vec<&Key> = all
        .iter()
        .filter(|k| {
            !fixtures
                .iter()
                .any(|(.., found)| found.iter().any(|(_, f)| f == *k))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture of {FIXTURES:?} sets these keys (object, key): {missing:?}; add them"
    );
    let ignored: Vec<&Key> = all
        .iter()
        .filter(|key| {
            !fixtures.iter().any(|(path, root, baseline, found)| {
                found
                    .iter()
                    .filter(|(_, k)| k == *key)
                    .any(|(at, _)| built(path, &without(root, at)).as_ref() != Some(baseline))
            })
        })
        .collect();
    assert!(
        ignored.is_empty(),
        "keys the builder never reads (removing them changes nothing): {ignored:?}"
    );
}
