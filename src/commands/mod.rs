//! The subcommands: each turns parsed arguments into work and a report.
mod docs;
mod logging;

use crate::cli::{Cli, Command};
use crate::exit::Outcome;

/// Runs a parsed command line and returns its outcome.
pub fn run(cli: Cli) -> Outcome {
    if let Err(e) = logging::init(cli.log_file.as_deref()) {
        eprintln!("error: cannot open the log file: {e}");
        return Outcome::Error;
    }
    match cli.command {
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { ref out_dir } => docs::man(out_dir),
        _ => {
            eprintln!("error: not available yet");
            Outcome::Error
        }
    }
}
