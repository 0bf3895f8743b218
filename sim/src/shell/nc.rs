//! `nc -z [-v] [-w <secs>] <host> <port>` (OpenBSD netcat forms). Only loopback
//! targets are really connected to, with a bounded timeout (at most 10 s); any
//! other address answers "Network is unreachable" at once, without sending
//! traffic. Names resolve through the host's `/etc/hosts`, then the resolver the
//! lab plugged in ([`crate::host::SimHost::set_resolver`]).
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use crate::host::{ExecOutput, SimHost};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_TIMEOUT: Duration = Duration::from_secs(10);
const USAGE: &str = "usage: nc [-46CDdFhklNnrStUuvZz] [-w timeout] destination [port]\n";

fn fail(stderr: String) -> ExecOutput {
    ExecOutput {
        stdout: String::new(),
        stderr,
        status: 1,
    }
}

fn resolve(host: &SimHost, name: &str) -> Option<IpAddr> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(ip);
    }
    if name.eq_ignore_ascii_case("localhost") {
        return Some(IpAddr::from([127, 0, 0, 1]));
    }
    if let Ok(bytes) = host.read_host_file("/etc/hosts") {
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let Some(ip) = fields.next().and_then(|f| f.parse::<IpAddr>().ok()) else {
                continue;
            };
            if fields.any(|n| n.eq_ignore_ascii_case(name)) {
                return Some(ip);
            }
        }
    }
    host.resolve_with_plugin(name)
}

/// Runs `nc`.
pub fn run(host: &SimHost, args: &[String]) -> ExecOutput {
    let mut verbose = false;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
            let mut chars = flags.chars();
            while let Some(c) = chars.next() {
                match c {
                    'z' | 'n' => {}
                    'v' => verbose = true,
                    'w' => {
                        let rest: String = chars.by_ref().collect();
                        let value = if rest.is_empty() {
                            i += 1;
                            args.get(i).cloned().unwrap_or_default()
                        } else {
                            rest
                        };
                        match value.parse::<u64>() {
                            Ok(s) if s > 0 => timeout = Duration::from_secs(s).min(MAX_TIMEOUT),
                            _ => return fail(format!("nc: timeout is invalid: {value}\n")),
                        }
                    }
                    _ => return fail(USAGE.to_string()),
                }
            }
        } else {
            positional.push(a.clone());
        }
        i += 1;
    }
    let [target, port] = positional.as_slice() else {
        return fail(USAGE.to_string());
    };
    let Ok(port) = port.parse::<u16>() else {
        return fail(format!("nc: port number invalid: {port}\n"));
    };
    let Some(ip) = resolve(host, target) else {
        return fail(format!(
            "nc: getaddrinfo for host \"{target}\" port {port}: Name or service not known\n"
        ));
    };
    let failure = |reason: &str| {
        let stderr = if verbose {
            format!("nc: connect to {target} port {port} (tcp) failed: {reason}\n")
        } else {
            String::new()
        };
        fail(stderr)
    };
    if !ip.is_loopback() {
        return failure("Network is unreachable");
    }
    match TcpStream::connect_timeout(&SocketAddr::new(ip, port), timeout) {
        Ok(_) => ExecOutput {
            stdout: String::new(),
            stderr: if verbose {
                format!("Connection to {target} {port} port [tcp/*] succeeded!\n")
            } else {
                String::new()
            },
            status: 0,
        },
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => failure("Connection timed out"),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            failure("Connection refused")
        }
        Err(e) => failure(&e.to_string()),
    }
}
