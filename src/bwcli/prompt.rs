//! Recognising what the CLI waits for: its own prompt, a confirmation, a password,
//! a pager, or a Unix shell prompt. Only the last (unfinished) line is examined.
//!
//! A Unix shell prompt is guessed (`$ ` or `# ` at the end of the line) only while
//! logging in, where the driver confirms the guess before relying on it; from then
//! on only the exact prompt learned is a shell prompt, so output holding `# ` or
//! `$ ` that arrives in pieces is never taken for one.
use std::sync::LazyLock;

use regex::Regex;

/// What the text received so far ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// The bwcli prompt `<TYPE>_CLI[/<Level>...]> `, trailing space included
    /// (bwcli-behavior.md §1).
    Cli {
        /// `XSP`, `ADP`, `AS`, ...
        cli_type: String,
        /// The current context, `/` at the top level, else `/Interface/CTI`.
        context: String,
    },
    /// `Please confirm (Yes, Y, No, N): ` (bwcli-behavior.md §1 "Exit", §3).
    Confirm,
    /// `New Password:` (or a plain `Password:`): a secret is wanted.
    NewPassword,
    /// `Re-type New Password:`: the same secret again.
    RetypePassword,
    /// A pager line such as `--More--`: a space shows the next page.
    Pager,
    /// A Unix shell prompt (see [`ShellPrompt`]).
    Shell,
}

/// How a Unix shell prompt is recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellPrompt {
    /// Not known yet: a line ending in `$ ` or `# ` may be one. Used while logging
    /// in (the driver then confirms the guess) and when leaving a CLI that was
    /// started without a shell.
    Guess,
    /// The exact prompt line learned at login (trailing space included).
    Exact(String),
    /// The session has no shell around the CLI: nothing is a shell prompt.
    Never,
}

/// What counts as a prompt in the current state of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompts {
    /// The CLI type once known (`XSP`): only its prompts are CLI prompts.
    pub cli_type: Option<String>,
    /// How a Unix shell prompt is recognised.
    pub shell: ShellPrompt,
}

static CLI_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][A-Z0-9]*)_CLI((?:/[^/>\s][^/>]*)*)> $").expect("static regex")
});
static CONFIRM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Please confirm \(Yes, Y, No, N\):\s*$").expect("static regex"));
/// Password prompts are whole lines (bwcli-behavior.md §1 `Password:`, §3 `New
/// Password:` / `Re-type New Password:`), so a message that mentions them, such as
/// `... answer the New Password: prompts`, is not one while it arrives.
static RETYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(re-?type|re-?enter|confirm)\b[^:=]*password\s*:\s*$")
        .expect("static regex")
});
static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:(?:enter|new)\s+)*password\s*:\s*$").expect("static regex")
});
/// The pager text, wherever it appears on a line.
pub(crate) static PAGER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-- ?More ?--(?:\s*\(\d+%\))?").expect("static regex"));
static SHELL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[$#] $").expect("static regex"));

/// The last line of `text` (the one without a line end).
pub fn last_line(text: &str) -> &str {
    text.rsplit('\n').next().unwrap_or(text)
}

impl Prompts {
    /// The prompts of a login: any CLI type, a shell prompt guessed.
    pub fn login() -> Prompts {
        Prompts {
            cli_type: None,
            shell: ShellPrompt::Guess,
        }
    }

    /// What `text` ends with, if it ends with something the driver must answer.
    pub fn detect(&self, text: &str) -> Option<Prompt> {
        let line = last_line(text);
        if let Some(c) = CLI_PROMPT.captures(line)
            && self.cli_type.as_deref().is_none_or(|t| t == &c[1])
        {
            let context = match c.get(2).map(|m| m.as_str()) {
                Some("") | None => "/".to_string(),
                Some(path) => path.to_string(),
            };
            return Some(Prompt::Cli {
                cli_type: c[1].to_string(),
                context,
            });
        }
        detect_question(line).or_else(|| self.is_shell(line).then_some(Prompt::Shell))
    }

    fn is_shell(&self, line: &str) -> bool {
        match &self.shell {
            ShellPrompt::Guess => SHELL.is_match(line),
            ShellPrompt::Exact(prompt) => line == prompt,
            ShellPrompt::Never => false,
        }
    }
}

/// A confirmation, password or pager prompt at the end of `line`.
fn detect_question(line: &str) -> Option<Prompt> {
    if CONFIRM.is_match(line) {
        return Some(Prompt::Confirm);
    }
    if RETYPE.is_match(line) {
        return Some(Prompt::RetypePassword);
    }
    if PASSWORD.is_match(line) {
        return Some(Prompt::NewPassword);
    }
    if PAGER.is_match(line) && line.trim_start().starts_with("--") {
        return Some(Prompt::Pager);
    }
    None
}

/// Whether two context paths name the same context. The CLI shows levels with
/// canonical capitalisation (bwcli-behavior.md §1), so case is not significant.
pub fn same_context(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Option<Prompt> {
        Prompts::login().detect(text)
    }

    fn cli(t: &str, c: &str) -> Option<Prompt> {
        Some(Prompt::Cli {
            cli_type: t.into(),
            context: c.into(),
        })
    }

    #[test]
    fn cli_prompts_give_type_and_context() {
        assert_eq!(detect("banner\n\nAS_CLI> "), cli("AS", "/"));
        assert_eq!(detect("XSP_CLI> "), cli("XSP", "/"));
        // The trailing space is part of the prompt (JM-BL, ALARM-J expect it): until
        // it arrives the prompt is not complete.
        assert_eq!(detect("XSP_CLI>"), None);
        assert_eq!(
            detect("...Done\nXSP_CLI/System/Security/BlackList> "),
            cli("XSP", "/System/Security/BlackList")
        );
        assert_eq!(
            detect("ADP_CLI/Applications/Xsi-Events/GeneralSettings> "),
            cli("ADP", "/Applications/Xsi-Events/GeneralSettings")
        );
    }

    #[test]
    fn a_prompt_followed_by_text_is_not_a_prompt() {
        assert_eq!(detect("XSP_CLI> get"), None);
        assert_eq!(detect("XSP_CLI> \n  port = 1"), None);
        assert_eq!(detect("<userid on BroadWorks>"), None);
    }

    #[test]
    fn confirmation_password_pager_and_shell() {
        assert_eq!(
            detect("Continue?\n\nPlease confirm (Yes, Y, No, N): "),
            Some(Prompt::Confirm)
        );
        assert_eq!(detect("New Password: "), Some(Prompt::NewPassword));
        assert_eq!(detect("New Password:"), Some(Prompt::NewPassword));
        assert_eq!(detect("Password:"), Some(Prompt::NewPassword));
        assert_eq!(
            detect("Re-type New Password: "),
            Some(Prompt::RetypePassword)
        );
        // A message naming a password prompt, cut where more will follow.
        assert_eq!(
            detect("[CLIError] Command set: clientSecret is a password: answer the New Password: "),
            None
        );
        assert_eq!(detect("  hint = enter password: "), None);
        assert_eq!(detect("row\n--More--"), Some(Prompt::Pager));
        assert_eq!(detect("row\n -- More -- (40%)"), Some(Prompt::Pager));
        assert_eq!(detect("bwadmin@xsp1.lab$ "), Some(Prompt::Shell));
        assert_eq!(detect("[root@xsp1 ~]# "), Some(Prompt::Shell));
    }

    #[test]
    fn once_learned_only_the_exact_shell_prompt_counts() {
        let learned = Prompts {
            cli_type: Some("XSP".into()),
            shell: ShellPrompt::Exact("bwadmin@xsp1.lab$ ".into()),
        };
        assert_eq!(learned.detect("bwadmin@xsp1.lab$ "), Some(Prompt::Shell));
        // Output holding `$ ` or `# ` cut where more bytes will follow.
        assert_eq!(learned.detect("  description = costs 5$ "), None);
        assert_eq!(learned.detect("  note = see # "), None);
        assert_eq!(learned.detect("[root@xsp1 ~]# "), None);
        let without_shell = Prompts {
            cli_type: Some("XSP".into()),
            shell: ShellPrompt::Never,
        };
        assert_eq!(without_shell.detect("bwadmin@xsp1.lab$ "), None);
    }

    #[test]
    fn once_the_type_is_known_other_cli_prompts_are_output() {
        let xsp = Prompts {
            cli_type: Some("XSP".into()),
            shell: ShellPrompt::Never,
        };
        assert_eq!(xsp.detect("XSP_CLI/Interface> "), cli("XSP", "/Interface"));
        assert_eq!(xsp.detect("AS_CLI> "), None);
    }

    #[test]
    fn contexts_compare_without_case() {
        assert!(same_context("/Interface/CTI", "/interface/cti"));
        assert!(same_context("/", "/"));
        assert!(!same_context("/Interface/CTI", "/Interface"));
    }
}
