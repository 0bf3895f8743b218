//! What the driver is asked to run, and what it returns.
use crate::secret::Secret;

/// One CLI command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliCommand {
    /// The absolute context to be in first (`/Interface/CTI`), if any.
    pub context: Option<String>,
    /// The command line, e.g. `get 10.0.0.1 443`. Secrets never go here: they are
    /// answered at the CLI's password prompts from [`CliCommand::secrets`].
    pub line: String,
    /// Answers to `New Password:` prompts, in order (`Re-type New Password:`
    /// repeats the last one).
    pub secrets: Vec<Secret>,
    /// Whether `Please confirm (Yes, Y, No, N):` may be answered `y`. When false the
    /// driver answers `n` and the command fails.
    pub confirm: bool,
    /// Whether this is a write whose success form is `...Done`.
    pub expect_write: bool,
}

impl CliCommand {
    /// A read in `context` (confirmations allowed: they only announce large tables).
    pub fn read(context: &str, line: impl Into<String>) -> CliCommand {
        CliCommand {
            context: Some(context.to_string()),
            line: line.into(),
            secrets: Vec::new(),
            confirm: true,
            expect_write: false,
        }
    }

    /// A write in `context`, expecting `...Done`, not confirmed.
    pub fn write(context: &str, line: impl Into<String>) -> CliCommand {
        CliCommand {
            context: Some(context.to_string()),
            line: line.into(),
            secrets: Vec::new(),
            confirm: false,
            expect_write: true,
        }
    }

    /// The same command with a secret for the next password prompt.
    pub fn with_secret(mut self, secret: Secret) -> CliCommand {
        self.secrets.push(secret);
        self
    }

    /// The same command, allowed to answer `y` to a confirmation.
    pub fn confirmed(mut self) -> CliCommand {
        self.confirm = true;
        self
    }
}

/// What a command printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CliOutput {
    /// The output without the echoed command, the prompts and the restart warning;
    /// secrets masked.
    pub text: String,
    /// The CLI printed `*** Warning: BroadWorks needs to be restarted for the
    /// changes to take effect ***`.
    pub restart_required: bool,
}

/// Quotes a CLI argument that holds white space, `;`, or nothing
/// (bwcli-behavior.md §3: double quotes for spaces).
pub fn quote_arg(arg: &str) -> String {
    if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == ';') {
        format!("\"{arg}\"")
    } else {
        arg.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_arg("10.0.0.1"), "10.0.0.1");
        assert_eq!(quote_arg("-ALL +TLSv1.2"), "\"-ALL +TLSv1.2\"");
        assert_eq!(quote_arg(""), "\"\"");
        assert_eq!(quote_arg("a;b"), "\"a;b\"");
    }
}
