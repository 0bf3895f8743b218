//! Telling success from failure in what a command printed (bwcli-behavior.md §3
//! "Success / warnings / errors").
use std::sync::LazyLock;

use regex::Regex;

/// `*** Warning: BroadWorks needs to be restarted for the changes to take effect ***`
/// (bwcli-behavior.md §3, C-CAP).
static RESTART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*+\s*Warning:\s*BroadWorks needs to be restarted.*\*+\s*$")
        .expect("static regex")
});

/// Lines that mean the command failed: `Invalid command`, `[CLIError] ...`,
/// `Entry not found`, `entry is already present in list`, `Error...`,
/// `[Error] ...`, `Failed ...`, `Cannot ...` (C-DBS).
static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(?: invalid\b | \[CLIError\] | \[Error\] | error\b | failed\b | cannot\b )
          | entry\ not\ found | entry\ is\ already\ present\ in\ list",
    )
    .expect("static regex")
});

/// A `get` attribute line: indented `name = value`.
static ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+[^\s=]+ = ").expect("static regex"));
/// The count line that ends a table.
static COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+ (?:entry|entries) found\.$").expect("static regex"));

/// The result of looking at a command's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The output without the restart warning.
    pub text: String,
    /// The restart warning was printed.
    pub restart_required: bool,
    /// Why this is a failure, if it is one.
    pub failure: Option<String>,
}

/// Classifies `text`. A write must end with a `...Done` line; any error line fails
/// a read or a write.
pub fn classify(text: &str, expect_write: bool) -> Verdict {
    let mut restart_required = false;
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let restart = RESTART.is_match(l);
            restart_required |= restart;
            !restart
        })
        .collect();
    let text = trim_blank_lines(&kept);
    let failure = if error_lines(&kept).next().is_some() {
        Some(text.clone())
    } else if expect_write
        && !kept
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with("...Done"))
    {
        Some(if text.is_empty() {
            "no `...Done` (the CLI printed nothing)".to_string()
        } else {
            format!("no `...Done`; the CLI printed: {text}")
        })
    } else {
        None
    };
    Verdict {
        text,
        restart_required,
        failure,
    }
}

/// Lines that report an error. Data is not searched: `name = value` lines and table
/// rows (between a `===` rule and the count line) may hold any word, such as a
/// `Failed` status.
fn error_lines<'a>(lines: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    let mut in_table = false;
    lines.iter().copied().filter(move |l| {
        let t = l.trim();
        if !t.is_empty() && t.chars().all(|c| c == '=') {
            in_table = true;
            return false;
        }
        if in_table {
            in_table = !COUNT.is_match(t);
            return false;
        }
        !ATTRIBUTE.is_match(l) && ERROR.is_match(l)
    })
}

/// Joins lines, without blank lines at the start and the end.
pub fn trim_blank_lines(lines: &[&str]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => lines[s..=e].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_is_success_for_a_write() {
        let v = classify("...Done\n", true);
        assert_eq!(v.failure, None);
        assert!(!v.restart_required);
    }

    #[test]
    fn restart_warning_sets_the_flag_and_leaves_the_text() {
        let v = classify(
            "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done",
            true,
        );
        assert_eq!(v.failure, None);
        assert!(v.restart_required);
        assert_eq!(v.text, "...Done");
    }

    #[test]
    fn documented_errors_fail() {
        for text in [
            "Invalid command",
            "[CLIError] Command login: Mandatory parameter missing\n<userid on BroadWorks>, String {2 to 161 characters}",
            "Entry not found",
            "Error: entry is already present in list",
            "entry is already present in list",
            "[Error] This server type does not support rollback. The revert flag is mandatory.",
            "Failed to write data to the configuration system",
            "Cannot delete schema. Connections are currently open.",
        ] {
            let v = classify(text, false);
            assert_eq!(v.failure.as_deref(), Some(text), "{text}");
        }
    }

    #[test]
    fn a_write_without_done_fails_with_what_was_printed() {
        let v = classify("something else", true);
        assert_eq!(
            v.failure.as_deref(),
            Some("no `...Done`; the CLI printed: something else")
        );
        assert!(classify("", true).failure.is_some());
    }

    #[test]
    fn attribute_names_that_start_like_errors_are_not_errors() {
        let v = classify("  errorThreshold = 5\n  failedLoginLimit = 3", false);
        assert_eq!(v.failure, None);
    }

    #[test]
    fn data_that_reads_like_an_error_is_data() {
        let attrs = "  lastResult = Failed to connect\n  note = Invalid certificate seen";
        assert_eq!(classify(attrs, false).failure, None);
        let table =
            "  Status  Name\n==============\n  Failed  db1\n   Error  db2\n\n2 entries found.";
        assert_eq!(classify(table, false).failure, None);
        // An error after a table is still an error.
        let after = format!("{table}\nError: something broke");
        assert!(classify(&after, false).failure.is_some());
    }

    #[test]
    fn informational_lines_before_done_are_fine() {
        let text = "--> Stopping application LoadBalancer <--\nStopping [done]\n\
                    BroadWorks SW Manager upgrading LoadBalancer to version 2023.02_1.090 ...Done";
        assert_eq!(classify(text, true).failure, None);
    }
}
