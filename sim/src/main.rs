//! xspsim command line: `serve` a lab of simulated hosts, run `bwcli` (or one shell
//! command) on stdin/stdout for one host under a real sshd, `init` a host's state,
//! and set `fault`s on a running lab.
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use xspsim::catalog::model::CtiLayout;
use xspsim::host::{Faults, HostSpec, LoginShell, Product, Release, SimHost};
use xspsim::lab::{DEFAULT_BASE_ADDRESS, DEFAULT_USER, Lab, LabConfig, Topology};

/// A simulator of BroadWorks XSP/ADP/AS servers: bwcli over SSH, TLS endpoints, DNS.
#[derive(Debug, Parser)]
#[command(name = "xspsim", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a lab of simulated hosts (SSH, TLS, DNS, control socket) until Ctrl-C.
    Serve(ServeArgs),
    /// Run bwcli on stdin/stdout for one host (a login shell or ForceCommand under a
    /// real sshd); with SSH_ORIGINAL_COMMAND or -c set to another command, run that
    /// shell command instead.
    Bwcli(BwcliArgs),
    /// Run one shell command of a host (`bwshowver`, `restartbw`...) on stdout/stderr.
    Exec(ExecArgs),
    /// Create a host's state without serving it.
    Init(InitArgs),
    /// Change the faults of a host of a running lab (through its control socket).
    Fault(FaultArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProductArg {
    Xsp,
    Adp,
    As,
}

impl From<ProductArg> for Product {
    fn from(p: ProductArg) -> Product {
        match p {
            ProductArg::Xsp => Product::Xsp,
            ProductArg::Adp => Product::Adp,
            ProductArg::As => Product::As,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Bwcli,
}

fn parse_release(text: &str) -> Result<Release, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| format!("unknown release {text:?} (R21SP1, R22, R23, R24, ADP)"))
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// State directory (host states, hosts.json, control.sock, credentials).
    #[arg(long)]
    dir: PathBuf,
    /// How many like hosts (named <product>1, <product>2...).
    #[arg(long, default_value_t = 1, conflicts_with = "topology")]
    hosts: u32,
    /// Their server type.
    #[arg(long, value_enum, default_value = "xsp", conflicts_with = "topology")]
    product: ProductArg,
    /// Their release (R21SP1, R22, R23, R24, ADP).
    #[arg(long, value_parser = parse_release, default_value = "R23", conflicts_with = "topology")]
    release: Release,
    /// A topology file (YAML) for a mixed lab instead.
    #[arg(long)]
    topology: Option<PathBuf>,
    /// Address of the first host; the others follow.
    #[arg(long, default_value_t = DEFAULT_BASE_ADDRESS, conflicts_with = "topology")]
    base_address: Ipv4Addr,
    /// SSH port of every host (0 = any free port).
    #[arg(long, default_value_t = 2222)]
    ssh_port: u16,
    /// HTTPS interface port of every host (0 = any free port).
    #[arg(long, default_value_t = 8443)]
    https_port: u16,
    /// Secure CTI port of every host (0 = any free port).
    #[arg(long, default_value_t = 8012)]
    cti_port: u16,
    /// DNS address (default: the first host's address).
    #[arg(long)]
    dns_address: Option<IpAddr>,
    /// DNS port, UDP and TCP (0 = any free port).
    #[arg(long, default_value_t = 5353)]
    dns_port: u16,
    /// DNS zone.
    #[arg(long)]
    zone: Option<String>,
    /// Serve only TLS and DNS for the hosts already in DIR (a real sshd runs bwcli).
    #[arg(long)]
    no_ssh: bool,
    /// Let TLS listen on non-loopback addresses (the Vagrant box).
    #[arg(long)]
    allow_external: bool,
    /// Serve the CTI interfaces in the CTIServer layout of the Webex guide
    /// (`Interface/CTI/CTIServer`) instead of the solution guide's SSLSettings.
    #[arg(long, conflicts_with = "topology")]
    cti_server: bool,
    /// Print the HttpServer address column under this header (e.g. `Interface`)
    /// instead of `Interface IP`.
    #[arg(long, conflicts_with = "topology")]
    http_address_header: Option<String>,
}

#[derive(Debug, Args)]
struct BwcliArgs {
    /// The host directory (DIR/HOST).
    #[arg(long)]
    state: PathBuf,
    /// A command line to run, as `sh -c` gets it when this is a login shell.
    #[arg(short = 'c')]
    command: Option<String>,
}

#[derive(Debug, Args)]
struct ExecArgs {
    /// The host directory (DIR/HOST).
    #[arg(long)]
    state: PathBuf,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, required = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// State directory; the host's state goes into DIR/NAME.
    #[arg(long)]
    dir: PathBuf,
    /// Host name.
    #[arg(long)]
    name: String,
    /// Server type.
    #[arg(long, value_enum)]
    product: ProductArg,
    /// Release (R21SP1, R22, R23, R24, ADP).
    #[arg(long, value_parser = parse_release)]
    release: Release,
    /// The host's address.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    address: IpAddr,
    /// Fully qualified name (default: NAME.lab.xspctl.test).
    #[arg(long)]
    fqdn: Option<String>,
    /// SSH port.
    #[arg(long, default_value_t = 22)]
    ssh_port: u16,
    /// HTTPS interface port.
    #[arg(long, default_value_t = 443)]
    https_port: u16,
    /// Secure CTI port.
    #[arg(long, default_value_t = 8012)]
    cti_port: u16,
    /// Login user.
    #[arg(long, default_value = DEFAULT_USER)]
    user: String,
    /// A file holding the login password (first line).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// An authorized_keys file for the login user (repeatable).
    #[arg(long)]
    authorized_keys: Vec<PathBuf>,
    /// How a login starts.
    #[arg(long, value_enum, default_value = "bash")]
    login_shell: ShellArg,
}

#[derive(Debug, Args)]
struct FaultArgs {
    /// The lab's state directory (where control.sock is).
    #[arg(long)]
    dir: PathBuf,
    /// Host name.
    #[arg(long)]
    host: String,
    /// Start from no fault instead of the faults in force.
    #[arg(long)]
    clear: bool,
    /// Drop the connection after N bwcli commands.
    #[arg(long)]
    drop_after: Option<u32>,
    /// Delay every response by D milliseconds.
    #[arg(long)]
    delay_ms: Option<u64>,
    /// Fail bwcli commands matching this regular expression...
    #[arg(long, requires = "fail_message")]
    fail_pattern: Option<String>,
    /// ...with this error text.
    #[arg(long)]
    fail_message: Option<String>,
    /// Page outputs longer than N lines with --More--.
    #[arg(long)]
    page_lines: Option<u32>,
    /// Colour prompts and output with ANSI codes.
    #[arg(long)]
    ansi: bool,
    /// Refuse every SSH authentication.
    #[arg(long)]
    refuse_auth: bool,
    /// Serve the alternative host key.
    #[arg(long)]
    change_host_key: bool,
    /// Answer bwcli commands with N bytes of lines and no prompt.
    #[arg(long)]
    flood_bytes: Option<u64>,
    /// Write bwcli replies one byte every MS milliseconds.
    #[arg(long)]
    drip_ms: Option<u64>,
    /// Refuse exec channels with this text on stderr and status 1.
    #[arg(long)]
    exec_stderr: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    init_logging(default_level);
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Bwcli(args) => bwcli(args),
        Command::Exec(args) => exec(args),
        Command::Init(args) => init(args),
        Command::Fault(args) => fault(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xspsim: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (stdout carries bwcli sessions), filtered by RUST_LOG.
fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    let mut config = match &args.topology {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let topology =
                Topology::from_yaml(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            LabConfig::from_topology(args.dir.clone(), &topology).map_err(|e| e.to_string())?
        }
        None => LabConfig::uniform(
            args.dir.clone(),
            args.hosts,
            args.product.into(),
            args.release,
            args.base_address,
        )
        .map_err(|e| e.to_string())?,
    };
    if args.topology.is_none() {
        for host in &mut config.hosts {
            host.ssh_port = args.ssh_port;
            host.https_port = args.https_port;
            host.cti_port = args.cti_port;
            if args.cti_server {
                host.layout.cti = CtiLayout::CtiServer;
            }
            host.layout.http_address_header = args.http_address_header.clone();
        }
        config.dns = SocketAddr::new(
            args.dns_address.unwrap_or(IpAddr::V4(args.base_address)),
            args.dns_port,
        );
    }
    if let Some(zone) = args.zone {
        config.zone = zone;
    }
    if args.no_ssh {
        config.ssh = false;
        config.hosts.clear();
        if let Some(address) = args.dns_address {
            config.dns = SocketAddr::new(address, args.dns_port);
        }
    }
    config.allow_external = args.allow_external;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let lab = Lab::start(config).await.map_err(|e| e.to_string())?;
        println!(
            "xspsim: serving {} host(s); see {}",
            lab.hosts().len(),
            lab.dir().join(xspsim::lab::HOSTS_FILE).display()
        );
        if !args.no_ssh {
            println!(
                "xspsim: try `xspctl plan -f {}` (its known_hosts: {})",
                lab.dir().join(xspsim::lab::PLAYBOOK_FILE).display(),
                lab.dir().join(xspsim::lab::KNOWN_HOSTS_FILE).display()
            );
        }
        wait_for_signal().await?;
        lab.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    tracing::info!("stopping");
    Ok(())
}

fn open_host(state: &Path) -> Result<Arc<SimHost>, String> {
    SimHost::open_existing(state).map_err(|e| e.to_string())
}

fn bwcli(args: BwcliArgs) -> Result<ExitCode, String> {
    let host = open_host(&args.state)?;
    // sshd passes the client's command in SSH_ORIGINAL_COMMAND (ForceCommand), or as
    // `-c COMMAND` to a login shell.
    let command = args
        .command
        .or_else(|| std::env::var("SSH_ORIGINAL_COMMAND").ok())
        .filter(|c| !c.trim().is_empty() && !is_bwcli(c));
    match command {
        Some(command) if is_sftp(&command) => serve_sftp(&host),
        Some(command) => run_shell_command(&host, &command),
        None => {
            xspsim::stdio::run_terminal(host).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn is_bwcli(command: &str) -> bool {
    let command = command.trim();
    command == "bwcli" || command.ends_with("/bwcli")
}

/// sshd runs the forced command for the `sftp` subsystem too, with the subsystem's
/// command in SSH_ORIGINAL_COMMAND (`internal-sftp` or a path to `sftp-server`).
fn is_sftp(command: &str) -> bool {
    let program = command.split_whitespace().next().unwrap_or("");
    program == "internal-sftp" || program.ends_with("sftp-server")
}

/// Serves SFTP rooted at the host's file system on stdin/stdout.
fn serve_sftp(host: &Arc<SimHost>) -> Result<ExitCode, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(xspsim::ssh::stdio_sftp::serve(&host.fs_root()))
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn run_shell_command(host: &Arc<SimHost>, command: &str) -> Result<ExitCode, String> {
    let status = xspsim::stdio::exec(host, command, std::io::stdout(), std::io::stderr())
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::from(u8::try_from(status).unwrap_or(1)))
}

/// Joins argv into one command line, single-quoting words that need it.
fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn exec(args: ExecArgs) -> Result<ExitCode, String> {
    let host = open_host(&args.state)?;
    run_shell_command(&host, &command_line(&args.command))
}

fn read_lines(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.lines().map(str::to_string).collect())
}

fn init(args: InitArgs) -> Result<ExitCode, String> {
    let password = match &args.password_file {
        Some(path) => read_lines(path)?.into_iter().next(),
        None => None,
    };
    let mut authorized_keys = Vec::new();
    for path in &args.authorized_keys {
        authorized_keys.extend(read_lines(path)?);
    }
    let spec = HostSpec {
        fqdn: args
            .fqdn
            .unwrap_or_else(|| format!("{}.lab.xspctl.test", args.name)),
        name: args.name,
        product: args.product.into(),
        release: args.release,
        address: args.address,
        ssh_port: args.ssh_port,
        https_port: args.https_port,
        cti_port: args.cti_port,
        user: args.user,
        password,
        authorized_keys,
        login_shell: match args.login_shell {
            ShellArg::Bash => LoginShell::Bash,
            ShellArg::Bwcli => LoginShell::Bwcli,
        },
        faults: Faults::default(),
        layout: Default::default(),
    };
    let host = SimHost::create(&args.dir, spec).map_err(|e| e.to_string())?;
    xspsim::ssh::HostKeys::load_or_generate(host.host_dir()).map_err(|e| e.to_string())?;
    println!("{}", host.host_dir().display());
    Ok(ExitCode::SUCCESS)
}

fn fault(args: FaultArgs) -> Result<ExitCode, String> {
    let mut faults = if args.clear {
        Faults::default()
    } else {
        xspsim::control::faults(&args.dir, &args.host).map_err(|e| e.to_string())?
    };
    if let Some(n) = args.drop_after {
        faults.drop_after_commands = Some(n);
    }
    if let Some(ms) = args.delay_ms {
        faults.delay_ms = ms;
    }
    if args.fail_pattern.is_some() {
        faults.fail_pattern = args.fail_pattern;
        faults.fail_message = args.fail_message;
    }
    if let Some(n) = args.page_lines {
        faults.page_lines = Some(n);
    }
    faults.ansi |= args.ansi;
    faults.refuse_auth |= args.refuse_auth;
    faults.change_host_key |= args.change_host_key;
    if args.flood_bytes.is_some() {
        faults.flood_bytes = args.flood_bytes;
    }
    if args.drip_ms.is_some() {
        faults.drip_ms = args.drip_ms;
    }
    if args.exec_stderr.is_some() {
        faults.exec_stderr = args.exec_stderr;
    }
    faults.validate().map_err(|e| e.to_string())?;
    let now =
        xspsim::control::set_faults(&args.dir, &args.host, &faults).map_err(|e| e.to_string())?;
    let text = serde_json::to_string(&now).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}: {text}", args.host).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_needs_it() {
        let words: Vec<String> = ["nc", "-z", "xsp2.lab", "443", "a b", "it's"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(command_line(&words), r"nc -z xsp2.lab 443 'a b' 'it'\''s'");
    }

    #[test]
    fn releases_parse_by_their_cli_names() {
        assert_eq!(parse_release("R23"), Ok(Release::R23));
        assert_eq!(parse_release("R21SP1"), Ok(Release::R21Sp1));
        assert_eq!(parse_release("ADP"), Ok(Release::Adp));
        assert!(parse_release("R99").is_err());
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
