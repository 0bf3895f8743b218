//! Inheritance: `defaults` → farm → host, merged key by key.
use super::yaml::{Node, Value};

/// `over` laid on `base`: mappings merge key by key (recursively); anything else in `over`
/// replaces `base` (lists are replaced, not appended). Values keep their own positions, so
/// a problem in an inherited value points where it was written; a merged mapping keeps the
/// position of its most general layer (one report for a problem many hosts inherit).
pub(crate) fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(base_entries), Value::Map(over_entries)) => {
            let mut entries = base_entries.clone();
            for entry in over_entries {
                match entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(existing) => existing.value = merge(&existing.value, &entry.value),
                    None => entries.push(entry.clone()),
                }
            }
            Node {
                pos: base.pos,
                value: Value::Map(entries),
            }
        }
        _ => over.clone(),
    }
}

/// The layers merged in order (most general first); `None` if no layer is present.
pub(crate) fn merge_layers<'a>(layers: impl IntoIterator<Item = Option<&'a Node>>) -> Option<Node> {
    layers
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<Node>, layer| match acc {
            Some(base) => Some(merge(&base, layer)),
            None => Some(layer.clone()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::yaml::{Pos, parse};

    #[test]
    fn maps_merge_and_lists_replace() {
        let base = parse("a: {x: 1, y: [1, 2]}\nb: 1\n").unwrap().unwrap();
        let over = parse("a: {y: [3]}\nc: 2\n").unwrap().unwrap();
        let merged = merge(&base, &over);
        let a = merged.get("a").unwrap();
        assert_eq!(a.get("x").unwrap().as_int(), Some(1));
        let y = a.get("y").unwrap();
        assert_eq!(y.as_seq().unwrap().len(), 1);
        assert_eq!(y.pos, Pos { line: 1, col: 8 });
        assert_eq!(merged.get("b").unwrap().as_int(), Some(1));
        assert_eq!(merged.get("c").unwrap().as_int(), Some(2));
    }

    #[test]
    fn layers_skip_absent_ones() {
        let one = parse("p: 1\n").unwrap().unwrap();
        let two = parse("p: 2\n").unwrap().unwrap();
        assert_eq!(merge_layers([None, None]), None);
        let m = merge_layers([Some(&one), None, Some(&two)]).unwrap();
        assert_eq!(m.get("p").unwrap().as_int(), Some(2));
    }
}
