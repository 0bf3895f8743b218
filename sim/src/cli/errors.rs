//! The error texts of the CLI. Documented ones are copied exactly (bwcli-behavior
//! §3: `Invalid command`, `[CLIError] Command <cmd>: Mandatory parameter missing`
//! plus the parameter line, `Entry not found`, `entry is already present in list`);
//! the wording of the others is ours (the documents do not show it).
use std::fmt;

use crate::state::ops::OpError;

/// A refused command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// Unknown command or level, or a slash path without `cd` (CS2005).
    InvalidCommand,
    /// A prefix that matches several levels.
    Ambiguous {
        /// What was typed.
        word: String,
        /// The levels it matches.
        matches: Vec<String>,
    },
    /// A mandatory parameter is missing; `spec` is its `<name>, Type` line.
    Mandatory {
        /// The command word.
        command: String,
        /// The parameter line.
        spec: String,
    },
    /// A value does not fit its parameter.
    InvalidValue {
        /// The command word.
        command: String,
        /// The parameter name.
        param: String,
        /// The value as typed.
        value: String,
        /// What is wrong, e.g. `expected Int {1 to 65535}`.
        reason: String,
    },
    /// More parameters than the command takes.
    TooMany {
        /// The command word.
        command: String,
    },
    /// An attribute name the context does not have.
    UnknownAttribute {
        /// The command word.
        command: String,
        /// The name typed.
        name: String,
        /// The names it could be.
        known: Vec<String>,
    },
    /// A password attribute followed by a value on the command line.
    PasswordInline {
        /// The command word.
        command: String,
        /// The password attribute.
        name: String,
    },
    /// A table row problem with the documented text.
    Op(OpError),
    /// A file on the host could not be used.
    File {
        /// The command word.
        command: String,
        /// The host path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Any other refusal of a command, explained.
    Refused {
        /// The command word.
        command: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::InvalidCommand => write!(f, "Invalid command"),
            CliError::Ambiguous { word, matches } => write!(
                f,
                "[CLIError] Ambiguous command \"{word}\": it matches {}",
                matches.join(", ")
            ),
            CliError::Mandatory { command, spec } => write!(
                f,
                "[CLIError] Command {command}: Mandatory parameter missing\n{spec}"
            ),
            CliError::InvalidValue {
                command,
                param,
                value,
                reason,
            } => write!(
                f,
                "[CLIError] Command {command}: Invalid value \"{value}\" for {param}: {reason}"
            ),
            CliError::TooMany { command } => {
                write!(f, "[CLIError] Command {command}: Too many parameters")
            }
            CliError::UnknownAttribute {
                command,
                name,
                known,
            } => write!(
                f,
                "[CLIError] Command {command}: Unknown attribute \"{name}\" (expected one of: {})",
                known.join(", ")
            ),
            CliError::PasswordInline { command, name } => write!(
                f,
                "[CLIError] Command {command}: {name} is a password: type `{command} {name}` alone and answer the New Password: prompts (nothing was changed)"
            ),
            CliError::Op(e) => write!(f, "{e}"),
            CliError::File {
                command,
                path,
                reason,
            } => write!(f, "[Error] Command {command}: {path}: {reason}"),
            CliError::Refused { command, reason } => {
                write!(f, "[Error] Command {command}: {reason}")
            }
        }
    }
}

impl From<OpError> for CliError {
    fn from(e: OpError) -> Self {
        CliError::Op(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_texts() {
        assert_eq!(CliError::InvalidCommand.to_string(), "Invalid command");
        assert_eq!(
            CliError::Mandatory {
                command: "login".into(),
                spec: "<userid on BroadWorks>, String {2 to 161 characters}".into()
            }
            .to_string(),
            "[CLIError] Command login: Mandatory parameter missing\n<userid on BroadWorks>, String {2 to 161 characters}"
        );
        assert_eq!(
            CliError::Op(OpError::NotFound).to_string(),
            "Entry not found"
        );
        assert_eq!(
            CliError::Op(OpError::AlreadyPresent).to_string(),
            "entry is already present in list"
        );
    }
}
