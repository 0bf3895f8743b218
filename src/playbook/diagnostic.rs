//! Located problems in a playbook, and how they are shown.
use std::fmt;
use std::path::{Path, PathBuf};

use super::yaml::Pos;

/// A place in a playbook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The playbook file, as it was given to [`crate::playbook::load`].
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One problem in a playbook: where, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The playbook file.
    pub file: PathBuf,
    /// 1-based line; 0 when the problem is with the file as a whole (it cannot be read).
    pub line: usize,
    /// 1-based column; 0 when `line` is 0.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `playbooks/x.yaml:12:7: error: unknown key ...` and, if there is help, a second line
    /// `  help: did you mean ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: error: {}", self.file.display(), self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: error: {}",
                self.file.display(),
                self.line,
                self.col,
                self.message
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Why a playbook was not loaded: every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The problems, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    /// One block per diagnostic, separated by newlines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Collects the problems of one playbook file.
#[derive(Debug)]
pub(crate) struct Report {
    file: PathBuf,
    items: Vec<Diagnostic>,
}

impl Report {
    /// An empty report for `file`.
    pub fn new(file: &Path) -> Report {
        Report {
            file: file.to_path_buf(),
            items: Vec::new(),
        }
    }

    /// Records a problem at `pos`.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>, help: impl Into<Option<String>>) {
        self.items.push(Diagnostic {
            file: self.file.clone(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
            help: help.into(),
        });
    }

    /// The location of `pos` in this report's file.
    pub fn location(&self, pos: Pos) -> Location {
        Location {
            file: self.file.clone(),
            line: pos.line,
            col: pos.col,
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many problems were recorded so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The problems in file order, each once (settings inherited by several hosts would
    /// otherwise repeat the same problem).
    pub fn into_error(self) -> LoadError {
        let mut items = self.items;
        items.sort_by_key(|d| (d.line, d.col));
        let mut unique: Vec<Diagnostic> = Vec::with_capacity(items.len());
        for d in items {
            if !unique.contains(&d) {
                unique.push(d);
            }
        }
        LoadError {
            diagnostics: unique,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_block_per_diagnostic_in_file_order() {
        let mut report = Report::new(Path::new("playbooks/x.yaml"));
        report.error(
            Pos { line: 12, col: 7 },
            "unknown key `ciphres` in `tls.http`",
            Some("did you mean `ciphers`?".to_string()),
        );
        report.error(Pos { line: 3, col: 1 }, "missing key `farms`", None);
        report.error(
            Pos { line: 12, col: 7 },
            "unknown key `ciphres` in `tls.http`",
            Some("did you mean `ciphers`?".to_string()),
        );
        let error = report.into_error();
        assert_eq!(
            error.to_string(),
            "playbooks/x.yaml:3:1: error: missing key `farms`\n\
             playbooks/x.yaml:12:7: error: unknown key `ciphres` in `tls.http`\n  help: did you mean `ciphers`?"
        );
    }

    #[test]
    fn file_level_problem_has_no_position() {
        let d = Diagnostic {
            file: PathBuf::from("gone.yaml"),
            line: 0,
            col: 0,
            message: "cannot read the playbook: not found".to_string(),
            help: None,
        };
        assert_eq!(
            d.to_string(),
            "gone.yaml: error: cannot read the playbook: not found"
        );
    }
}
