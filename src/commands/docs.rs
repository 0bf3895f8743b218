//! Shell completions and man pages, generated from the CLI definition.
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Outcome;

/// Prints completions for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "xspctl", &mut std::io::stdout());
    Outcome::Ok
}

/// Writes `xspctl.1` and one page per subcommand into `dir`.
pub fn man(dir: &Path) -> Outcome {
    let result =
        std::fs::create_dir_all(dir).and_then(|_| clap_mangen::generate_to(Cli::command(), dir));
    match result {
        Ok(()) => {
            println!("man pages written to {}", dir.display());
            Outcome::Ok
        }
        Err(e) => {
            eprintln!("error: cannot write man pages to {}: {e}", dir.display());
            Outcome::Error
        }
    }
}
