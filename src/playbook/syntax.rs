//! Diagnostics for YAML syntax errors: the place, the parser's words, and a hint
//! that fits the kind of error (a tab, a repeated key, an unclosed bracket or
//! quote, indentation).
use super::yaml::{Pos, YamlError};

/// A located syntax problem: position, message, help.
pub(crate) struct SyntaxProblem {
    /// Where.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

const INDENTATION_HELP: &str = "check the indentation here and on the line above (spaces, not tabs): keys of one mapping, and the `- ` of one list, line up";

/// Explains a parse error of `text`.
pub(crate) fn explain(text: &str, e: &YamlError) -> SyntaxProblem {
    // The parser notices a tab only after the line before it; point at the tab.
    if let Some(pos) = indenting_tab(text) {
        return SyntaxProblem {
            pos,
            message: "YAML syntax: a tab is used for indentation".to_string(),
            help: "indent with spaces only; replace the tab".to_string(),
        };
    }
    let m = e.message.as_str();
    if m.contains("duplicated key") {
        return duplicate_key(text, e);
    }
    let help = if m.contains("flow sequence") {
        "a `[...]` list needs commas between its items and a closing `]` on the same value"
    } else if m.contains("flow mapping") {
        "a `{...}` mapping needs `key: value` pairs separated by commas and a closing `}`"
    } else if m.contains("quoted scalar") {
        "a quoted value needs its closing quote (`\"` or `'`) on the same value"
    } else if m.contains("mapping values are not allowed") {
        "a value holding `: ` must be quoted, e.g. `\"a: b\"`; or a key is indented under a value"
    } else {
        INDENTATION_HELP
    };
    SyntaxProblem {
        pos: e.pos,
        message: format!("YAML syntax: {m}"),
        help: help.to_string(),
    }
}

/// The first tab in the leading whitespace of a line.
fn indenting_tab(text: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        line[..indent].find('\t').map(|col| Pos {
            line: i + 1,
            col: col + 1,
        })
    })
}

/// A repeated key: names it, and the line where the mapping first has it.
fn duplicate_key(text: &str, e: &YamlError) -> SyntaxProblem {
    let lines: Vec<&str> = text.lines().collect();
    let at = e.pos.line.saturating_sub(1);
    let line = lines.get(at).copied().unwrap_or("");
    let start = (e.pos.col.saturating_sub(1)).min(line.len());
    let key = line[start..]
        .split(':')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\''])
        .to_string();
    let first = first_line_of_key(&lines, at, start, &key);
    let message = match first {
        Some(n) => {
            format!("YAML syntax: the key `{key}` appears twice in one mapping (first on line {n})")
        }
        None => format!("YAML syntax: the key `{key}` appears twice in one mapping"),
    };
    SyntaxProblem {
        pos: e.pos,
        message,
        help: "keep one of them: a mapping holds each key once".to_string(),
    }
}

/// Searches upwards from line index `at` for `key:` at column `col` in the same
/// block mapping (stops at a line indented less, which ends that mapping).
fn first_line_of_key(lines: &[&str], at: usize, col: usize, key: &str) -> Option<usize> {
    for i in (0..at).rev() {
        let line = lines[i];
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        // `- key:` starts a list item whose mapping begins after the dash.
        let (indent, body) = match body.strip_prefix("- ") {
            Some(rest) => (
                indent + 2 + (rest.len() - rest.trim_start().len()),
                rest.trim_start(),
            ),
            None => (indent, body),
        };
        if indent == col && body.split(':').next().map(str::trim) == Some(key) {
            return Some(i + 1);
        }
        if indent < col {
            return None;
        }
    }
    None
}
