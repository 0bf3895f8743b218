//! A non-interactive exec channel: one shell command run by the simulated host
//! (or refused, under the `exec_stderr` fault).
use std::sync::Arc;

use russh::Channel;
use russh::server::Msg;

use super::terminal::LineEditor;
use crate::host::{ExecOutput, SimHost};

/// `SSH_EXTENDED_DATA_STDERR` (RFC 4254 §5.2).
const STDERR: u32 = 1;

/// Runs `command` on a blocking thread and sends back its standard output, standard
/// error (merged into the output when a pty was requested, as a terminal would) and
/// exit status, then closes the channel.
pub async fn run(channel: Channel<Msg>, host: Arc<SimHost>, pty: bool, command: String) {
    let name = host.spec().name.clone();
    // The exec_stderr fault: refused before anything runs, as sshd does for an
    // expired password.
    let refused = host.faults().exec_stderr.map(|message| ExecOutput {
        stdout: String::new(),
        stderr: format!("{}\n", message.trim_end()),
        status: 1,
    });
    let output = match refused {
        Some(output) => Ok(output),
        None => tokio::task::spawn_blocking(move || host.exec(&command)).await,
    };
    let output = match output {
        Ok(output) => output,
        Err(error) => {
            tracing::error!(host = %name, %error, "exec failed");
            let _ = channel.close().await;
            return;
        }
    };
    let terminal = LineEditor::new(pty);
    // The client may hang up at any point; each step is then a no-op.
    if pty {
        let mut text = output.stdout;
        text.push_str(&output.stderr);
        let _ = channel.data_bytes(terminal.output(&text)).await;
    } else {
        if !output.stdout.is_empty() {
            let _ = channel.data_bytes(output.stdout.into_bytes()).await;
        }
        if !output.stderr.is_empty() {
            let _ = channel
                .extended_data_bytes(STDERR, output.stderr.into_bytes())
                .await;
        }
    }
    let _ = channel.exit_status(output.status).await;
    let _ = channel.eof().await;
    let _ = channel.close().await;
}
