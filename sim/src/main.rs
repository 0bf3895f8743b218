//! xspsim command line: `serve` a lab of simulated hosts, or run `bwcli` on
//! stdin/stdout for one host (as a login shell under a real sshd).
fn main() -> std::process::ExitCode {
    // Filled in by the network work: `xspsim serve ...` and `xspsim bwcli --state DIR/HOST`.
    std::process::ExitCode::SUCCESS
}
