//! bwcli on stdin/stdout, so that a real OpenSSH sshd can run
//! `xspsim bwcli --state DIR/HOST` as a login shell or ForceCommand, and shell
//! commands on stdout/stderr when sshd passes another command
//! (`SSH_ORIGINAL_COMMAND`).
use std::io::{self, BufRead, Write};
use std::sync::Arc;

use crate::host::{SessionEnd, SimHost};

/// Runs an interactive bwcli session reading lines from `input` and writing replies
/// to `output`, until the user exits, a fault drops the session, or input ends.
pub fn run(host: Arc<SimHost>, input: impl BufRead, output: impl Write) -> io::Result<()> {
    run_with_echo(host, input, output, |_| {})
}

/// Like [`run`] on the process's stdin and stdout; when stdin is a terminal, echo is
/// turned off while a password prompt shows (`Reply::hide_input`) and restored after.
pub fn run_terminal(host: Arc<SimHost>) -> io::Result<()> {
    use rustix::termios::{LocalModes, OptionalActions, isatty, tcgetattr, tcsetattr};
    let stdin = io::stdin();
    let saved = if isatty(&stdin) {
        tcgetattr(&stdin).ok()
    } else {
        None
    };
    let echo = |on: bool| {
        if let Some(saved) = &saved {
            let mut t = saved.clone();
            if !on {
                t.local_modes.remove(LocalModes::ECHO);
            }
            // Echo control is best effort: a failure leaves echo as it was.
            let _ = tcsetattr(&stdin, OptionalActions::Now, &t);
        }
    };
    let result = run_with_echo(host, stdin.lock(), io::stdout().lock(), echo);
    if let Some(saved) = &saved {
        let _ = tcsetattr(&stdin, OptionalActions::Now, saved);
    }
    result
}

/// Runs one shell command line of the host, writing its output; returns its exit
/// status (127 for an unknown command).
pub fn exec(
    host: &Arc<SimHost>,
    command_line: &str,
    mut stdout: impl Write,
    mut stderr: impl Write,
) -> io::Result<u32> {
    let out = host.exec(command_line);
    stdout.write_all(out.stdout.as_bytes())?;
    stdout.flush()?;
    stderr.write_all(out.stderr.as_bytes())?;
    stderr.flush()?;
    Ok(out.status)
}

fn run_with_echo(
    host: Arc<SimHost>,
    mut input: impl BufRead,
    mut output: impl Write,
    mut echo: impl FnMut(bool),
) -> io::Result<()> {
    let mut session = host.bwcli();
    let mut reply = session.start();
    loop {
        if !reply.delay.is_zero() {
            std::thread::sleep(reply.delay);
        }
        output.write_all(reply.output.as_bytes())?;
        output.flush()?;
        if reply.end != SessionEnd::Continue {
            return Ok(());
        }
        if reply.hide_input {
            echo(false);
        }
        let mut raw = Vec::new();
        let n = input.read_until(b'\n', &mut raw);
        if reply.hide_input {
            echo(true);
        }
        if n? == 0 {
            return Ok(());
        }
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            raw.pop();
        }
        reply = session.input(&String::from_utf8_lossy(&raw));
    }
}
