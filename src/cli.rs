//! The command-line interface definition (clap). Completions and the man page are
//! generated from it.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::plan::secrets::SecretPolicy;
use crate::report::Format;

/// Prepare BroadWorks XSP/ADP and Application Servers for Webex for BroadWorks, keep
/// them ready, and prove it.
#[derive(Debug, Parser)]
#[command(name = "xspctl", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 ok / no changes, 1 error, 2 pending changes or findings.\n\
Logs go to stderr (or --log-file), filtered with RUST_LOG (e.g. RUST_LOG=xspctl=debug)."
)]
pub struct Cli {
    /// Output format of the report.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Colour: auto (on a terminal), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColourChoice::Auto)]
    pub color: ColourChoice,
    /// Write logs to this file instead of stderr.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Where backups, journals, transcripts and pending restarts are kept
    /// [default: `.xspctl/` in the playbook's directory].
    #[arg(long, global = true, value_name = "DIR", env = "XSPCTL_STATE")]
    pub state_dir: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process arguments, colouring help and usage errors as `--color`
    /// says: clap renders them before the parsed `--color` could apply.
    pub fn try_parse_coloured() -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let choice = colour_in_args(&args);
        let matches = Cli::command().color(choice).try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }
}

/// `--host` completions: the hosts of the playbook the command line names with
/// `-f` (`COMPLETE=bash xspctl` registers the completer; the words being completed
/// are this process's arguments). Nothing when there is no valid playbook.
fn host_candidates() -> Vec<CompletionCandidate> {
    playbook_in_args()
        .map(|pb| {
            pb.hosts
                .iter()
                .map(|h| {
                    CompletionCandidate::new(&h.name).help(Some(format!("farm {}", h.farm).into()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `--farm` completions, as for `--host`.
fn farm_candidates() -> Vec<CompletionCandidate> {
    playbook_in_args()
        .map(|pb| {
            pb.farms
                .iter()
                .map(|f| CompletionCandidate::new(&f.name))
                .collect()
        })
        .unwrap_or_default()
}

/// The playbook named by `-f FILE`, `-fFILE`, `--file FILE` or `--file=FILE` in this
/// process's arguments.
fn playbook_in_args() -> Option<crate::playbook::Playbook> {
    let args: Vec<String> = std::env::args().collect();
    let file = args
        .iter()
        .enumerate()
        .find_map(|(i, a)| match a.as_str() {
            "-f" | "--file" => args.get(i + 1).cloned(),
            _ => a
                .strip_prefix("--file=")
                .or_else(|| a.strip_prefix("-f").filter(|v| !v.is_empty()))
                .map(str::to_string),
        })?;
    crate::playbook::load(std::path::Path::new(&file)).ok()
}

/// The `--color` value among raw arguments (last one wins), as clap's choice.
fn colour_in_args(args: &[std::ffi::OsString]) -> clap::ColorChoice {
    let mut choice = clap::ColorChoice::Auto;
    let mut next_is_value = false;
    for a in args.iter().filter_map(|a| a.to_str()) {
        let value = if next_is_value {
            Some(a)
        } else {
            a.strip_prefix("--color=")
        };
        next_is_value = a == "--color";
        match value {
            Some("never") => choice = clap::ColorChoice::Never,
            Some("always") => choice = clap::ColorChoice::Always,
            Some("auto") => choice = clap::ColorChoice::Auto,
            _ => {}
        }
    }
    choice
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColourChoice {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a playbook without touching any host.
    #[command(after_help = "Example:\n  xspctl validate -f playbooks/lab.yaml")]
    Validate(PlaybookArg),
    /// Print the playbook JSON Schema (for editors).
    #[command(after_help = "Example:\n  xspctl schema > docs/playbook.schema.json")]
    Schema,
    /// Read the hosts and show what apply would change.
    #[command(
        after_help = "Examples:\n  xspctl plan -f playbooks/lab.yaml\n  xspctl plan -f playbooks/prod.yaml --out plan.json --detailed-exitcode"
    )]
    Plan(PlanArgs),
    /// Change the hosts to the desired state (backup first, rollback on failure).
    #[command(
        after_help = "Examples:\n  xspctl apply -f playbooks/prod.yaml --plan plan.json\n  xspctl apply -f playbooks/lab.yaml --yes --restart rolling"
    )]
    Apply(ApplyArgs),
    /// Check the real result: configuration drift and TLS as negotiated.
    #[command(
        after_help = "Examples:\n  xspctl verify -f playbooks/prod.yaml --format junit > verify.xml\n  xspctl verify -f playbooks/prod.yaml --strict\n  xspctl verify -f playbooks/prod.yaml --check config.drift,'tls.*'\n  xspctl verify -f playbooks/prod.yaml --watch 1h --metrics 127.0.0.1:9808"
    )]
    Verify(VerifyArgs),
    /// Print the URLs to enter in Partner Hub for each cluster (Xsi-Actions,
    /// Xsi-Events, CTI, AuthService, DMS) and prove each answers as Webex calls it.
    #[command(
        after_help = "Examples:\n  xspctl handoff -f playbooks/prod.yaml --farm xsp-east\n  xspctl handoff -f playbooks/prod.yaml --format markdown --out handoff.md"
    )]
    Handoff(HandoffArgs),
    /// Restore a host from a backup taken by apply.
    #[command(
        after_help = "Examples:\n  xspctl rollback -f playbooks/prod.yaml --host xsp1 --yes\n  xspctl rollback -f playbooks/prod.yaml --host xsp1 --backup 2026-11-25T051929Z-r1 --yes"
    )]
    Rollback(RollbackArgs),
    /// Show who holds a host's apply lock; remove a stale one with --force.
    #[command(
        after_help = "Examples:\n  xspctl unlock -f playbooks/prod.yaml --host xsp1\n  xspctl unlock -f playbooks/prod.yaml --host xsp1 --force --yes"
    )]
    Unlock(UnlockArgs),
    /// List the backups of a host (id, time, what they hold).
    #[command(after_help = "Example:\n  xspctl backups -f playbooks/prod.yaml --host xsp1")]
    Backups(BackupsArgs),
    /// Build a redacted case bundle and look for known issues (or re-check a bundle
    /// with --offline).
    #[command(
        after_help = "Examples:\n  xspctl diagnose -f playbooks/prod.yaml --farm xsp-east --org-id 1eb65fdf-9643-417f-9974-ad72cae0e10f\n  xspctl diagnose --offline case-20261202-1040.tar.gz"
    )]
    Diagnose(DiagnoseArgs),
    /// Run the lab demo: simulated hosts on loopback, plan -> apply -> verify.
    #[cfg(feature = "lab")]
    #[command(after_help = "Example:\n  xspctl lab")]
    Lab(LabArgs),
    /// Print shell completions.
    #[command(after_help = "Example:\n  xspctl completions bash > /etc/bash_completion.d/xspctl")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages.
    #[command(after_help = "Example:\n  xspctl man --out-dir /usr/local/share/man/man1")]
    Man {
        /// Directory to write `xspctl.1` and one page per subcommand into.
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
    },
}

/// The playbook to use.
#[derive(Debug, Args)]
pub struct PlaybookArg {
    /// The playbook file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
}

/// Which hosts, and how many at once.
#[derive(Debug, Args)]
pub struct HostsArgs {
    /// The playbook.
    #[command(flatten)]
    pub playbook: PlaybookArg,
    /// Only these hosts: names or glob patterns (`xsp*`), repeatable or
    /// comma-separated; default: every host.
    #[arg(long = "host", value_name = "NAME", value_delimiter = ',')]
    #[arg(add = ArgValueCandidates::new(host_candidates))]
    pub hosts: Vec<String>,
    /// Only the hosts of these farms: names or glob patterns, repeatable or
    /// comma-separated; with `--host`, hosts that match both.
    #[arg(long = "farm", value_name = "FARM", value_delimiter = ',')]
    #[arg(add = ArgValueCandidates::new(farm_candidates))]
    pub farms: Vec<String>,
    /// Hosts worked on at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,
}

/// `plan` options.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Hosts.
    #[command(flatten)]
    pub hosts: HostsArgs,
    /// Write the exact plan here, for `apply --plan`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes (0: none, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan every secret as set, whatever the hosts' records of them say.
    #[arg(long)]
    pub rotate_secrets: bool,
}

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Hosts.
    #[command(flatten)]
    pub hosts: HostsArgs,
    /// Count warnings (e.g. a TLS check not proven because the server requires a
    /// client certificate) as failures: exit 2 instead of 0.
    #[arg(long)]
    pub strict: bool,
    /// Only these checks: check ids or glob patterns (`tls.*`), repeatable or
    /// comma-separated (docs/checks.md lists the ids); default: every check.
    #[arg(long = "check", value_name = "ID", value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Write the report (in --format, without colour) to FILE instead of standard
    /// output, e.g. `--format html --out verify.html`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Verify again every INTERVAL (`90s`, `15m`, `1h`, `1d`, `1h30m`), each run's
    /// report printed (or rewritten to --out), until SIGINT/SIGTERM (exit 0) or
    /// --watch-runs.
    #[arg(long, value_name = "INTERVAL", value_parser = crate::watch::interval::parse)]
    pub watch: Option<std::time::Duration>,
    /// With --watch: serve Prometheus metrics at http://ADDRESS:PORT/metrics. Use a
    /// loopback or management-network address (`0.0.0.0` is refused); port 0 picks one.
    #[arg(long, value_name = "ADDRESS:PORT", requires = "watch", value_parser = crate::watch::address::parse)]
    pub metrics: Option<std::net::SocketAddr>,
    /// With --watch: stop after N runs, exiting with the last run's code.
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u32).range(1..))]
    pub watch_runs: Option<u32>,
}

/// `handoff` options.
#[derive(Debug, Args)]
pub struct HandoffArgs {
    /// Hosts (a farm is a Partner Hub cluster).
    #[command(flatten)]
    pub hosts: HostsArgs,
    /// Write the report (in --format, without colour) to FILE instead of standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// How restarts are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RestartMode {
    /// Report "restart required"; do not restart.
    None,
    /// Restart one host per farm at a time, waiting until it answers again.
    Rolling,
}

/// `apply` options.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Hosts.
    #[command(flatten)]
    pub hosts: HostsArgs,
    /// Apply exactly this reviewed plan; refused if a host changed since.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Apply without asking (needed without --plan when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Restart hosts whose changes need it.
    #[arg(long, value_enum, default_value_t = RestartMode::None)]
    pub restart: RestartMode,
    /// How long a restarted host may take to answer again, in seconds.
    #[arg(long, default_value_t = 300)]
    pub restart_timeout: u64,
    /// Set every secret, whatever the hosts' records of them say.
    #[arg(long)]
    pub rotate_secrets: bool,
}

impl ApplyArgs {
    /// Whether secrets are compared with the hosts' records or all set.
    pub fn secret_policy(&self) -> SecretPolicy {
        SecretPolicy::rotating(self.rotate_secrets)
    }
}

/// `rollback` options.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The playbook (for the host's connection).
    #[command(flatten)]
    pub playbook: PlaybookArg,
    /// The host.
    #[arg(long)]
    pub host: String,
    /// The backup id (default: the newest backup of the host; see `xspctl backups`).
    #[arg(long)]
    pub backup: Option<String>,
    /// Roll back without asking.
    #[arg(long)]
    pub yes: bool,
    /// Restart the host when the restored settings need it.
    #[arg(long, value_enum, default_value_t = RestartMode::None)]
    pub restart: RestartMode,
    /// How long a restarted host may take to answer again, in seconds.
    #[arg(long, default_value_t = 300)]
    pub restart_timeout: u64,
}

/// `backups` options.
#[derive(Debug, Args)]
pub struct BackupsArgs {
    /// The playbook (its directory holds the state, unless --state-dir says otherwise).
    #[command(flatten)]
    pub playbook: PlaybookArg,
    /// The host.
    #[arg(long)]
    pub host: String,
}

/// `unlock` options.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// The playbook (for the host's connection).
    #[command(flatten)]
    pub playbook: PlaybookArg,
    /// The host.
    #[arg(long)]
    pub host: String,
    /// Remove the lock of a run that is gone (never of a run alive on this machine).
    #[arg(long)]
    pub force: bool,
    /// With --force: remove without asking.
    #[arg(long, requires = "force")]
    pub yes: bool,
}

/// `diagnose` options.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The playbook (not with --offline).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        required_unless_present = "offline"
    )]
    pub file: Option<PathBuf>,
    /// Only these hosts: names or glob patterns, repeatable or comma-separated.
    #[arg(long = "host", value_name = "NAME", value_delimiter = ',')]
    #[arg(add = ArgValueCandidates::new(host_candidates))]
    pub hosts: Vec<String>,
    /// Only the hosts of these farms: names or glob patterns.
    #[arg(long = "farm", value_name = "FARM", value_delimiter = ',')]
    #[arg(add = ArgValueCandidates::new(farm_candidates))]
    pub farms: Vec<String>,
    /// Hosts worked on at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,
    /// Where to write the bundle [default: case-YYYYmmdd-HHMM.tar.gz].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Re-evaluate the rules on a bundle, touching no host.
    #[arg(long, value_name = "BUNDLE", conflicts_with_all = ["file", "out", "hosts", "farms"])]
    pub offline: Option<PathBuf>,
    /// Customer org id (32 hex digits) for the pre-case checklist.
    #[arg(long, value_name = "ID")]
    pub org_id: Option<String>,
    /// Tracking id (32 hex digits) from Control Hub or the error.
    #[arg(long, value_name = "ID")]
    pub tracking_id: Option<String>,
    /// The affected user's email.
    #[arg(long, value_name = "EMAIL")]
    pub user: Option<String>,
    /// Approximate time of the failure (free text, e.g. "2026-12-02 09:40 UTC").
    #[arg(long, value_name = "TIME")]
    pub when: Option<String>,
    /// Collect the logs written within this window before now (`90m`, `2h`, `1d`).
    #[arg(long, value_name = "WINDOW", default_value = crate::diagnose::logs::DEFAULT_SINCE,
          value_parser = crate::diagnose::logs::parse_window, conflicts_with = "offline")]
    pub since: std::time::Duration,
    /// The most bytes kept of one log file (its tail; `512K`, `8M`).
    #[arg(long, value_name = "SIZE", default_value = crate::diagnose::logs::DEFAULT_FILE_CAP,
          value_parser = crate::diagnose::logs::parse_size, conflicts_with = "offline")]
    pub log_file_cap: u64,
    /// The most bytes kept of all the logs of one host (newest first).
    #[arg(long, value_name = "SIZE", default_value = crate::diagnose::logs::DEFAULT_HOST_CAP,
          value_parser = crate::diagnose::logs::parse_size, conflicts_with = "offline")]
    pub log_host_cap: u64,
}

/// `lab` options.
#[cfg(feature = "lab")]
#[derive(Debug, Args)]
pub struct LabArgs {
    /// The lab playbook. The simulated hosts keep their state in the directory of
    /// its `known_hosts` file (`.lab/` for the shipped one).
    #[arg(short = 'f', long = "file", default_value = "playbooks/lab.yaml")]
    pub file: PathBuf,
    /// Keep the simulators running after the demo (Ctrl-C stops them).
    #[arg(long)]
    pub keep: bool,
}
