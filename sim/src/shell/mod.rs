//! Shell commands of a simulated host, for the SSH exec channel and the bash-like
//! prompt: `bwshowver`, `listPatch.pl`, `stopbw`, `startbw`, `restartbw`,
//! `bwrestart`, `hostname`, `healthmon`, `nc` (loopback only), `sha256sum`,
//! `chronyc tracking`, `ntpq -p`, `date -u +%s`.
//! Anything else answers `bash: <cmd>: command not found` with status 127.
//! Commands may be sequenced with `;` and `&&`.
mod clock;
mod healthmon;
mod nc;
mod patches;
mod service;
mod showver;
mod words;

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::host::{ExecOutput, SimHost};

/// Where the BroadWorks tools live on a real host; a command typed with one of
/// these directories runs like its bare name.
const TOOL_DIRS: &[&str] = &[
    "/usr/local/broadworks/bw_base/bin",
    "/usr/local/broadworks/bw_base/sbin",
    "/usr/local/broadworks/patchtool/sbin",
    "/bin",
    "/usr/bin",
    "/usr/sbin",
];

/// Runs a command line.
pub fn run(host: &Arc<SimHost>, line: &str) -> ExecOutput {
    let mut out = ExecOutput::default();
    for (command, only_if_ok) in words::sequence(line) {
        if only_if_ok && out.status != 0 {
            continue;
        }
        let argv = words::split(&command);
        if argv.is_empty() {
            continue;
        }
        let r = one(host, &argv);
        out.stdout.push_str(&r.stdout);
        out.stderr.push_str(&r.stderr);
        out.status = r.status;
    }
    out
}

fn program(name: &str) -> Option<&str> {
    match name.rsplit_once('/') {
        None => Some(name),
        Some((dir, base)) if TOOL_DIRS.contains(&dir) => Some(base),
        Some(_) => None,
    }
}

fn one(host: &Arc<SimHost>, argv: &[String]) -> ExecOutput {
    let args = &argv[1..];
    let Some(name) = program(&argv[0]) else {
        return ExecOutput {
            stdout: String::new(),
            stderr: format!("bash: {}: No such file or directory\n", argv[0]),
            status: 127,
        };
    };
    match name {
        "bwshowver" => showver::run(host),
        "listPatch.pl" => patches::run(host),
        "stopbw" | "startbw" | "restartbw" | "bwrestart" => service::run(host, name),
        "hostname" => hostname(host, args),
        "healthmon" => healthmon::run(host),
        "nc" => nc::run(host, args),
        "sha256sum" => sha256sum(host, args),
        "chronyc" => clock::chronyc(host, args),
        "ntpq" => clock::ntpq(host, args),
        "date" => clock::date(host, args),
        _ => ExecOutput {
            stdout: String::new(),
            stderr: format!("bash: {}: command not found\n", argv[0]),
            status: 127,
        },
    }
}

/// `hostname` prints the short name (as healthmon's `BroadWorks Server Name`),
/// `hostname -f` the FQDN, `hostname -i` the address.
fn hostname(host: &SimHost, args: &[String]) -> ExecOutput {
    let spec = host.spec();
    let text = match args.first().map(String::as_str) {
        None | Some("-s") | Some("--short") => spec.name.clone(),
        Some("-f") | Some("--fqdn") | Some("--long") => spec.fqdn.clone(),
        Some("-i") | Some("--ip-address") => spec.address.to_string(),
        Some(other) => {
            return ExecOutput {
                stdout: String::new(),
                stderr: format!(
                    "hostname: invalid option -- '{}'\n",
                    other.trim_start_matches('-')
                ),
                status: 1,
            };
        }
    };
    ExecOutput {
        stdout: format!("{text}\n"),
        stderr: String::new(),
        status: 0,
    }
}

/// `sha256sum <file>...`, for comparing files such as the AuthService keys.
fn sha256sum(host: &SimHost, args: &[String]) -> ExecOutput {
    let mut out = ExecOutput::default();
    for path in args {
        match host.read_host_file(path) {
            Ok(bytes) => {
                let digest = Sha256::digest(&bytes);
                out.stdout
                    .push_str(&format!("{}  {path}\n", hex::encode(digest)));
            }
            Err(reason) => {
                out.stderr
                    .push_str(&format!("sha256sum: {path}: {reason}\n"));
                out.status = 1;
            }
        }
    }
    out
}
