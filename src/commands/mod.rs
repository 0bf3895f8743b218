//! The subcommands: each turns parsed arguments into work and a report.
mod apply;
mod diagnose;
mod docs;
mod fleetcmd;
#[cfg(feature = "lab")]
mod lab;
mod logging;
mod selection;
mod single;

pub use apply::apply_with;
pub use fleetcmd::{plan_with, verify_run};

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::{Cli, ColourChoice, Command};
use crate::exit::Outcome;
use crate::hostrun::RunContext;
use crate::live::link::LockOwner;
use crate::plan::secrets::SecretPolicy;
use crate::playbook::{Host, Playbook};
use crate::report::{Format, RunReport, render};
use crate::store::{Store, state_root};

/// Runs a parsed command line and returns its outcome.
pub fn run(cli: Cli) -> Outcome {
    if let Err(e) = logging::init(cli.log_file.as_deref()) {
        eprintln!("error: cannot open the log file: {e}");
        return Outcome::Error;
    }
    let out = Output::new(&cli);
    match &cli.command {
        Command::Validate(a) => validate(&a.file, &out),
        Command::Schema => {
            let schema = crate::playbook::json_schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Outcome::Ok
        }
        Command::Plan(a) => fleetcmd::plan(&cli, a, &out),
        Command::Apply(a) => apply::apply(&cli, a, &out),
        Command::Verify(a) => fleetcmd::verify(&cli, a, &out),
        Command::Handoff(a) => fleetcmd::handoff(&cli, a, &out),
        Command::Rollback(a) => single::rollback(&cli, a, &out),
        Command::Unlock(a) => single::unlock(&cli, a, &out),
        Command::Backups(a) => single::backups(&cli, a, &out),
        Command::Diagnose(a) => diagnose::run(&cli, a, &out),
        #[cfg(feature = "lab")]
        Command::Lab(a) => lab::run(a, &out),
        Command::Completions { shell } => docs::completions(*shell),
        Command::Man { out_dir } => docs::man(out_dir),
    }
}

/// How reports are printed.
pub struct Output {
    /// The format.
    pub format: Format,
    /// Colour in text.
    pub colour: bool,
    /// How progress shows: bars on a terminal, plain lines otherwise.
    pub progress: crate::fleet::ProgressMode,
}

impl Output {
    fn new(cli: &Cli) -> Output {
        let tty = std::io::stdout().is_terminal();
        // Progress bars (stderr) follow --color too; `auto` leaves it to the terminal.
        if cli.color != ColourChoice::Auto {
            let on = cli.color == ColourChoice::Always;
            console::set_colors_enabled(on);
            console::set_colors_enabled_stderr(on);
        }
        Output {
            format: cli.format,
            colour: match cli.color {
                ColourChoice::Always => true,
                ColourChoice::Never => false,
                ColourChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none(),
            },
            progress: if std::io::stderr().is_terminal() {
                crate::fleet::ProgressMode::Bars
            } else {
                crate::fleet::ProgressMode::Lines
            },
        }
    }

    /// Prints a report on stdout.
    pub fn print(&self, report: &RunReport) {
        print!("{}", render(report, self.format, self.colour));
    }
}

/// `validate`: the result in the chosen format (text: diagnostics on stderr).
fn validate(file: &Path, out: &Output) -> Outcome {
    let result = crate::playbook::load(file);
    let v = crate::report::validate::Validation {
        file,
        result: &result,
    };
    let (stdout, stderr) = crate::report::validate::render(&v, out.format);
    print!("{stdout}");
    eprint!("{stderr}");
    v.outcome()
}

/// Loads a playbook, printing its diagnostics on failure.
pub fn load_playbook(file: &Path) -> Result<Playbook, Outcome> {
    crate::playbook::load(file).map_err(|e| {
        eprintln!("{e}");
        eprintln!("no host was contacted");
        Outcome::Error
    })
}

/// Loads a playbook for a run that connects: it also checks the local files the
/// connections name (key files, known_hosts, secret files) before any connection.
pub fn load_playbook_to_connect(file: &Path) -> Result<Playbook, Outcome> {
    let pb = load_playbook(file)?;
    crate::playbook::check_local_files(&pb).map_err(|e| {
        eprintln!("{e}");
        eprintln!("no host was contacted");
        Outcome::Error
    })?;
    Ok(pb)
}

/// The playbook's hosts named exactly (an unknown name is an error).
pub fn select_hosts(pb: &Playbook, names: &[String]) -> Result<Vec<Host>, Outcome> {
    for n in names {
        if !pb.hosts.iter().any(|h| &h.name == n) {
            let known: Vec<&str> = pb.hosts.iter().map(|h| h.name.as_str()).collect();
            eprintln!(
                "error: --host {n}: no such host in {}\n  help: hosts are: {}",
                pb.path.display(),
                known.join(", ")
            );
            return Err(Outcome::Error);
        }
    }
    Ok(pb
        .hosts
        .iter()
        .filter(|h| names.is_empty() || names.contains(&h.name))
        .cloned()
        .collect())
}

/// A new run with its state in `store`: its id, journal and lock owner.
pub fn run_context(store: Store) -> Result<RunContext, Outcome> {
    let run_id = format!("{}-{}", crate::fsutil::now_compact(), std::process::id());
    let journal = store.journal(&run_id).map_err(|e| {
        eprintln!(
            "error: cannot write the journal under {}: {e}",
            store.root().display()
        );
        Outcome::Error
    })?;
    let owner = LockOwner::this_process(&run_id);
    Ok(RunContext {
        store,
        journal,
        run_id,
        owner,
        secret_policy: SecretPolicy::Compare,
    })
}

/// The state store of a run on `playbook`: `--state-dir`/`XSPCTL_STATE` when
/// given, else `.xspctl/` beside the playbook.
pub fn store_for(state_dir: Option<&Path>, playbook: &Path) -> Store {
    Store::new(state_root(state_dir, playbook))
}

/// The playbook, the hosts `--host` selects (with what their farms' reference
/// hosts gave the farm stage), and a new run: what every fleet command starts from.
pub fn prepare(
    h: &crate::cli::HostsArgs,
    state_dir: Option<&Path>,
) -> Result<(Playbook, Vec<Host>, std::sync::Arc<RunContext>), Outcome> {
    prepare_with(h, state_dir, SecretPolicy::Compare)
}

/// [`prepare`], with secrets compared or all set (`--rotate-secrets`).
pub fn prepare_with(
    h: &crate::cli::HostsArgs,
    state_dir: Option<&Path>,
    secret_policy: SecretPolicy,
) -> Result<(Playbook, Vec<Host>, std::sync::Arc<RunContext>), Outcome> {
    let pb = load_playbook_to_connect(&h.playbook.file)?;
    let mut hosts = selection::select(&pb, &h.hosts, &h.farms).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Error
    })?;
    let ctx = RunContext {
        secret_policy,
        ..run_context(store_for(state_dir, &pb.path))?
    };
    crate::hostrun::farm_stage(&pb, &mut hosts, &ctx);
    Ok((pb, hosts, std::sync::Arc::new(ctx)))
}

/// A tokio runtime for fleet work.
pub fn runtime() -> Result<tokio::runtime::Runtime, Outcome> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the runtime: {e}");
            Outcome::Error
        })
}
