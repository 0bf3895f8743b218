//! xspctl command-line entry point.
use std::process::ExitCode;

use xspctl::cli::Cli;
use xspctl::exit::Outcome;

fn main() -> ExitCode {
    // `COMPLETE=bash xspctl` prints the dynamic completer; completing answers here.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command).complete();
    let cli = match Cli::try_parse_coloured() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; every usage error exits 1 so
            // that 2 keeps meaning "pending" (docs/exit-codes.md).
            return if e.use_stderr() {
                Outcome::Error.into()
            } else {
                Outcome::Ok.into()
            };
        }
    };
    xspctl::commands::run(cli).into()
}
