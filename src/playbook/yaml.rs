//! The playbook's YAML as a tree that keeps every value's position (saphyr's marked
//! loader), with mapping entries in file order.
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// A position in the file, 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A YAML value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A YAML value, resolved with the YAML 1.2 core schema (`22` is a number, `"22"` a string).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// YAML that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub pos: Pos,
    pub message: String,
}

impl Value {
    /// How the value is named in messages: `a string`, `a list`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "true/false",
            Value::Int(_) => "a whole number",
            Value::Float(_) => "a decimal number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry for `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a whole number.
    pub fn as_int(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The flag, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }
}

/// Parses one YAML document; `Ok(None)` for a file with no document (empty or comments).
pub(crate) fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| YamlError {
        pos: Pos {
            line: e.marker().line(),
            col: e.marker().col() + 1,
        },
        message: e.info().to_string(),
    })?;
    let mut docs = docs.into_iter();
    let Some(first) = docs.next() else {
        return Ok(None);
    };
    if let Some(second) = docs.next() {
        return Err(YamlError {
            pos: pos_of(&second),
            message: "a playbook is one YAML document, but this file has several (`---`)"
                .to_string(),
        });
    }
    convert(&first).map(Some)
}

fn pos_of(node: &MarkedYaml<'_>) -> Pos {
    Pos {
        line: node.span.start.line(),
        col: node.span.start.col() + 1,
    }
}

fn convert(node: &MarkedYaml<'_>) -> Result<Node, YamlError> {
    let pos = pos_of(node);
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_value(scalar),
        YamlData::Sequence(items) => {
            Value::Seq(items.iter().map(convert).collect::<Result<_, _>>()?)
        }
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let key = match &k.data {
                    YamlData::Value(scalar) => scalar_text(scalar),
                    _ => {
                        return Err(YamlError {
                            pos: pos_of(k),
                            message: "keys must be plain words, not lists or mappings".to_string(),
                        });
                    }
                };
                entries.push(Entry {
                    key,
                    key_pos: pos_of(k),
                    value: convert(v)?,
                });
            }
            Value::Map(entries)
        }
        YamlData::Tagged(tag, _) => {
            return Err(YamlError {
                pos,
                message: format!("YAML tags such as `{tag}` are not used in playbooks; remove it"),
            });
        }
        YamlData::Representation(..) | YamlData::Alias(_) | YamlData::BadValue => {
            return Err(YamlError {
                pos,
                message: "this value cannot be read".to_string(),
            });
        }
    };
    Ok(Node { pos, value })
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Int(*i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

/// A scalar used as a key, as text (`22:` is the key `22`).
fn scalar_text(scalar: &Scalar<'_>) -> String {
    match scalar {
        Scalar::Null => "null".to_string(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_types_follow_the_core_schema() {
        let root = parse("a: 1\nb:\n  c: \"22\"\n  d: [x, true]\ne:\n")
            .unwrap()
            .unwrap();
        assert_eq!(root.pos, Pos { line: 1, col: 1 });
        let a = root.entry("a").unwrap();
        assert_eq!(
            (a.key_pos, a.value.value.clone()),
            (Pos { line: 1, col: 1 }, Value::Int(1))
        );
        let c = root.get("b").unwrap().get("c").unwrap();
        assert_eq!((c.pos, c.as_str()), (Pos { line: 3, col: 6 }, Some("22")));
        let d = root.get("b").unwrap().get("d").unwrap().as_seq().unwrap();
        assert_eq!(d[1].value, Value::Bool(true));
        assert_eq!(d[1].pos, Pos { line: 4, col: 10 });
        assert_eq!(root.get("e").unwrap().value, Value::Null);
    }

    #[test]
    fn errors_are_located() {
        let e = parse("a: 1\n b: 2\n").unwrap_err();
        assert_eq!(e.pos, Pos { line: 2, col: 3 });
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(
            (e.pos, e.message.as_str()),
            (Pos { line: 2, col: 1 }, "duplicated key in mapping")
        );
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 3);
        let e = parse("a: !secret x\n").unwrap_err();
        assert!(e.message.contains("`!secret`"), "{}", e.message);
    }

    #[test]
    fn empty_file_has_no_document() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }

    #[test]
    fn aliases_are_expanded() {
        let root = parse("a: &x {p: 1}\nb: *x\n").unwrap().unwrap();
        assert_eq!(root.get("b").unwrap().get("p").unwrap().as_int(), Some(1));
    }
}
