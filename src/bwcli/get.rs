//! Parsing `get` output: attribute lists and tables (bwcli-behavior.md §3).
//!
//! Tables printed by the CLI right-align every column in a width of
//! `max(len(header), len(values)) + 2`, so the header line's column right edges
//! slice the rows exactly, even values with spaces. Tables in the documents are
//! sometimes hand-formatted; those are split on runs of two or more spaces, and
//! where that gives too few cells, at the word boundaries nearest to the header
//! columns (solution guide B §5.7, R21 trust table).
use std::sync::LazyLock;

use regex::Regex;

/// The parsed output of `get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetOutput {
    /// `name = value` lines, in CLI order.
    Attributes(Vec<(String, String)>),
    /// A table.
    Table(Table),
}

/// A table printed by `get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column headers, e.g. `Interface IP`, `Port`.
    pub headers: Vec<String>,
    /// Rows, each with one cell per header.
    pub rows: Vec<Row>,
}

/// One table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// One value per header; a `[self-signed]` suffix is removed from the value.
    pub cells: Vec<String>,
    /// Some cell ended with `[self-signed]` (trust tables: owner == issuer;
    /// solution guide B §5.6).
    pub self_signed: bool,
}

impl Table {
    /// The index of the column named `header` (case-insensitive).
    pub fn column(&self, header: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(header))
    }

    /// The value of column `header` in `row`.
    pub fn cell<'a>(&self, row: &'a Row, header: &str) -> Option<&'a str> {
        self.column(header)
            .and_then(|i| row.cells.get(i))
            .map(String::as_str)
    }
}

/// Why `get` output could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing was printed.
    #[error("the CLI printed nothing")]
    Empty,
    /// A line is neither `name = value` nor part of a table.
    #[error("line {line_no} is not a `name = value` attribute: {line:?}")]
    NotAnAttribute {
        /// 1-based line number in the output.
        line_no: usize,
        /// The line.
        line: String,
    },
    /// A table has a `=` rule but no header line above it.
    #[error("table without a header line above its `=` rule")]
    NoHeader,
    /// A row does not split into one cell per header.
    #[error("line {line_no} does not split into the {expected} columns {headers:?}: {line:?}")]
    Row {
        /// 1-based line number in the output.
        line_no: usize,
        /// The line.
        line: String,
        /// How many columns the header has.
        expected: usize,
        /// The headers.
        headers: Vec<String>,
    },
    /// The `N entries found.` line disagrees with the rows.
    #[error("the CLI says {stated} entries but {parsed} rows were read")]
    CountMismatch {
        /// The count the CLI printed.
        stated: usize,
        /// The rows parsed.
        parsed: usize,
    },
}

static ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([^\s=]+)\s*=\s?(.*)$").expect("static regex"));
static COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+) (?:entry|entries) found\.$").expect("static regex"));
static FOOTNOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\*\s*->").expect("static regex"));

const SELF_SIGNED: &str = "[self-signed]";

/// Parses the text printed by `get` (without the echoed command and the prompt).
pub fn parse_get(text: &str) -> Result<GetOutput, ParseError> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    match lines.iter().position(|l| is_rule(l)) {
        Some(rule) => parse_table(&lines, rule).map(GetOutput::Table),
        None => parse_attributes(&lines).map(GetOutput::Attributes),
    }
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.chars().all(|c| c == '=')
}

fn parse_attributes(lines: &[&str]) -> Result<Vec<(String, String)>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let c = ATTRIBUTE
            .captures(line)
            .ok_or_else(|| ParseError::NotAnAttribute {
                line_no: i + 1,
                line: line.to_string(),
            })?;
        out.push((c[1].to_string(), c[2].to_string()));
    }
    if out.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(out)
}

fn parse_table(lines: &[&str], rule: usize) -> Result<Table, ParseError> {
    let header_line = lines[..rule]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or(ParseError::NoHeader)?;
    let header: Vec<char> = header_line.chars().collect();

    let mut stated = None;
    let mut body: Vec<(usize, Vec<char>)> = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(rule + 1) {
        if line.trim().is_empty() || FOOTNOTE.is_match(line) {
            continue;
        }
        if let Some(c) = COUNT.captures(line.trim()) {
            stated = c[1].parse::<usize>().ok();
            break;
        }
        body.push((i + 1, line.chars().collect()));
    }

    // Printed by the CLI: the rule spans exactly the header's width and every row
    // ends its cells at the header's right edges.
    let pieces = spans(&header, 2);
    let machine = header.len() == lines[rule].trim().len()
        && fits_right_edges(&header, &pieces)
        && body.iter().all(|(_, r)| fits_right_edges(r, &pieces));
    let columns = if machine {
        pieces
    } else {
        let grouped = regroup(&header, &pieces);
        let wants_more = body
            .iter()
            .any(|(_, r)| spans(r, 2).len() > pieces.len() || spans(r, 1).len() == grouped.len());
        if grouped.len() > pieces.len() && wants_more {
            grouped
        } else {
            pieces
        }
    };
    let headers: Vec<String> = columns.iter().map(|s| text_of(&header, *s)).collect();

    let mut rows = Vec::with_capacity(body.len());
    for (line_no, row) in &body {
        let cells = if machine {
            slice_right_edges(row, &columns)
        } else {
            split_loose(row, &columns).ok_or_else(|| ParseError::Row {
                line_no: *line_no,
                line: row.iter().collect(),
                expected: headers.len(),
                headers: headers.clone(),
            })?
        };
        rows.push(make_row(cells));
    }
    if let Some(stated) = stated
        && stated != rows.len()
    {
        return Err(ParseError::CountMismatch {
            stated,
            parsed: rows.len(),
        });
    }
    Ok(Table { headers, rows })
}

fn make_row(cells: Vec<String>) -> Row {
    let mut self_signed = false;
    let cells = cells
        .into_iter()
        .map(|c| match c.strip_suffix(SELF_SIGNED) {
            Some(v) => {
                self_signed = true;
                v.trim_end().to_string()
            }
            None => c,
        })
        .collect();
    Row { cells, self_signed }
}

/// A half-open range of character positions.
type Span = (usize, usize);

/// The runs of non-space text separated by at least `min_gap` spaces.
fn spans(line: &[char], min_gap: usize) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && line[i] != ' ' {
            i += 1;
        }
        let gap_before = out.last().map(|(_, e)| start - e);
        match (out.last_mut(), gap_before) {
            (Some(last), Some(g)) if g < min_gap => last.1 = i,
            _ => out.push((start, i)),
        }
    }
    out
}

fn text_of(line: &[char], (s, e): Span) -> String {
    line[s..e.min(line.len())].iter().collect::<String>()
}

/// Words that end a multi-word header: `Interface IP`, `Project ID`, `Client Auth
/// Req`, `Admin State`, ... Used only for hand-formatted tables whose header words
/// are separated by single spaces (solution guide B §7.4).
const HEADER_TAIL_WORDS: &[&str] = &[
    "ID",
    "IP",
    "Name",
    "State",
    "Date",
    "Token",
    "Certificate",
    "Auth",
    "Req",
    "Parameter",
    "Key",
    "Type",
];

/// Splits header pieces into single words and joins each tail word to the word
/// before it.
fn regroup(header: &[char], pieces: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for piece in pieces {
        let words = spans(&header[piece.0..piece.1], 1);
        let mut current: Option<Span> = None;
        for (s, e) in words.into_iter().map(|(s, e)| (s + piece.0, e + piece.0)) {
            let word = text_of(header, (s, e));
            match current {
                Some((cs, _)) if HEADER_TAIL_WORDS.contains(&word.as_str()) => {
                    current = Some((cs, e));
                }
                Some(done) => {
                    out.push(done);
                    current = Some((s, e));
                }
                None => current = Some((s, e)),
            }
        }
        out.extend(current);
    }
    out
}

/// Whether `row` is right-aligned on the header's column right edges.
fn fits_right_edges(row: &[char], columns: &[Span]) -> bool {
    let Some(last) = columns.last() else {
        return false;
    };
    if row.len() > last.1 {
        return false;
    }
    let mut start = 0;
    for col in columns {
        let end = col.1.min(row.len());
        let cell = &row[start.min(end)..end];
        let blank = cell.iter().all(|c| *c == ' ');
        if !blank {
            // Width is `max(len) + 2`, right-aligned: two spaces, then the value
            // ending at the edge.
            let ends_at_edge = end == col.1 && row[end - 1] != ' ';
            let padded = cell.len() > 2 && cell[0] == ' ' && cell[1] == ' ';
            if !ends_at_edge || !padded {
                return false;
            }
        }
        start = col.1;
    }
    true
}

fn slice_right_edges(row: &[char], columns: &[Span]) -> Vec<String> {
    let mut start = 0;
    columns
        .iter()
        .map(|col| {
            let end = col.1.min(row.len());
            let cell: String = row[start.min(end)..end].iter().collect();
            start = col.1;
            cell.trim().to_string()
        })
        .collect()
}

/// Splits a hand-formatted row: on 2+ spaces; else on single spaces if that gives
/// exactly one cell per column; else 2+-space cells that lie under several headers
/// are cut at the word boundary nearest to each header's start.
fn split_loose(row: &[char], columns: &[Span]) -> Option<Vec<String>> {
    let k = columns.len();
    let cells = spans(row, 2);
    if cells.len() == k {
        return Some(cells.iter().map(|s| text_of(row, *s)).collect());
    }
    if cells.len() > k {
        return None;
    }
    let words = spans(row, 1);
    if words.len() == k {
        return Some(words.iter().map(|s| text_of(row, *s)).collect());
    }
    // Which cell each column lies under (nearest by distance between spans).
    let owner: Vec<usize> = columns
        .iter()
        .map(|col| {
            (0..cells.len())
                .min_by_key(|&c| distance(cells[c], *col))
                .unwrap_or(0)
        })
        .collect();
    let mut out = Vec::with_capacity(k);
    for (c, cell) in cells.iter().enumerate() {
        let cols: Vec<&Span> = columns
            .iter()
            .zip(&owner)
            .filter(|(_, o)| **o == c)
            .map(|(col, _)| col)
            .collect();
        if cols.is_empty() {
            return None;
        }
        let words: Vec<Span> = spans(&row[cell.0..cell.1], 1)
            .into_iter()
            .map(|(s, e)| (s + cell.0, e + cell.0))
            .collect();
        if words.len() < cols.len() {
            return None;
        }
        // Choose where each further column starts: the word nearest to its header.
        let mut starts = vec![0usize];
        for (j, col) in cols.iter().enumerate().skip(1) {
            let lo = starts[j - 1] + 1;
            let hi = words.len() - (cols.len() - j);
            let best = (lo..=hi).min_by_key(|&w| words[w].0.abs_diff(col.0))?;
            starts.push(best);
        }
        for (j, &w) in starts.iter().enumerate() {
            let last = starts.get(j + 1).map_or(words.len(), |n| *n) - 1;
            out.push(text_of(row, (words[w].0, words[last].1)));
        }
    }
    (out.len() == k).then_some(out)
}

fn distance(a: Span, b: Span) -> usize {
    // Zero when the spans overlap, else the gap between them.
    b.0.saturating_sub(a.1).max(a.0.saturating_sub(b.1))
}
