//! Driver errors. Every text in them is masked.
use std::time::Duration;

use super::get::ParseError;

/// Why a bwcli command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    /// The CLI answered with an error, or not with the success form.
    #[error("`{command}` in {context} failed: {message}")]
    Cli {
        /// The command line.
        command: String,
        /// The context it ran in.
        context: String,
        /// What the CLI printed.
        message: String,
    },
    /// No prompt came back in time.
    #[error(
        "`{command}`: no CLI prompt after {}; last lines received:\n{}\n  help: no complete line came for the command timeout; the host may be slow or the CLI may be waiting for input the driver does not know; see the transcript, or raise the command timeout",
        seconds(*waited),
        indent(last_lines)
    )]
    Timeout {
        /// The command line.
        command: String,
        /// How long the driver waited.
        waited: Duration,
        /// The last lines received.
        last_lines: String,
    },
    /// Lines kept coming, but no prompt within the per-command deadline (a drip).
    #[error(
        "`{command}` in {context}: no CLI prompt within {} although output kept coming; last lines received:\n{}\n  help: the host answers far too slowly or never ends its output; the session was abandoned (a command waits at most 4 × command_timeout)",
        seconds(*waited),
        indent(last_lines)
    )]
    Deadline {
        /// The command line.
        command: String,
        /// The context it ran in.
        context: String,
        /// How long the driver waited.
        waited: Duration,
        /// The last lines received.
        last_lines: String,
    },
    /// The command returned more than the driver keeps (a flood without a prompt).
    #[error(
        "`{command}` in {context}: more than {} bytes of output without a CLI prompt; last lines received:\n{}\n  help: the host floods the session; the session was abandoned",
        limit,
        indent(last_lines)
    )]
    OutputTooLarge {
        /// The command line.
        command: String,
        /// The context it ran in.
        context: String,
        /// The limit in bytes (`DriverOptions::max_output`).
        limit: usize,
        /// The last lines received.
        last_lines: String,
    },
    /// The connection closed or failed.
    #[error(
        "`{command}`: the connection was lost ({reason}); last lines received:\n{}",
        indent(last_lines)
    )]
    Disconnected {
        /// The command line.
        command: String,
        /// What the channel said.
        reason: String,
        /// The last lines received.
        last_lines: String,
    },
    /// The CLI did something the driver cannot handle (a password prompt without
    /// a secret, the shell prompt instead of the CLI's, ...).
    #[error("`{command}`: {message}; last lines received:\n{}", indent(last_lines))]
    Protocol {
        /// The command line.
        command: String,
        /// What went wrong.
        message: String,
        /// The last lines received.
        last_lines: String,
    },
    /// An earlier failure left the session in an unknown state.
    #[error("the bwcli session is unusable after an earlier failure ({0}); reconnect")]
    Unusable(String),
    /// The command cannot be sent as given.
    #[error("refused to send {0}")]
    InvalidCommand(String),
    /// `get` printed something that is not an attribute list or a table.
    #[error("`{command}` in {context}: cannot parse the output: {source}")]
    Parse {
        /// The command line.
        command: String,
        /// The context it ran in.
        context: String,
        /// What is wrong with it.
        source: ParseError,
    },
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    (nothing)".to_string();
    }
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
