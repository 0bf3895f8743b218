//! An interactive channel: the bash-like prompt `bwadmin@<host>$ `, and bwcli sessions
//! started from it (or directly, as the login shell or an exec of `bwcli`). The
//! `flood_bytes` and `drip_ms` faults shape how bwcli replies are written here.
use std::sync::Arc;
use std::time::Duration;

use russh::server::Msg;
use russh::{Channel, ChannelMsg};
use tokio_util::sync::CancellationToken;

use super::terminal::{Event, LineEditor, Mode};
use crate::cli::Session;
use crate::host::{MAX_DRIP_MS, MAX_FLOOD_BYTES, Reply, SessionEnd, SimHost};

/// The line the `flood_bytes` fault repeats (32 bytes).
const FLOOD_LINE: &[u8] = b"flood: output without a prompt\r\n";
/// How much of the flood goes out per write.
const FLOOD_CHUNK: usize = 32 * 1024;

/// How an interactive channel begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At the bash-like prompt.
    Bash,
    /// In bwcli; leaving bwcli ends the channel (bwcli as the login shell, or an exec
    /// of `bwcli`).
    Bwcli,
}

/// What the channel does after an event.
enum Outcome {
    /// Keep reading input.
    Continue,
    /// End the channel with this exit status.
    Close(u32),
    /// Drop the whole connection now (a fault).
    Drop,
}

/// Where input goes.
enum Layer {
    Bash,
    Bwcli {
        session: Box<Session>,
        hide_input: bool,
    },
}

/// One interactive channel's state.
struct Interactive {
    host: Arc<SimHost>,
    editor: LineEditor,
    layer: Layer,
    start: Start,
    channel: Channel<Msg>,
}

/// Whether an exec command line starts bwcli (`bwcli`, or its full path).
pub fn is_bwcli_command(command: &str) -> bool {
    let command = command.trim();
    command == "bwcli" || command.ends_with("/bwcli")
}

/// Runs an interactive channel until the user logs out, the client closes it, or a
/// fault drops the connection (then `kill` is cancelled).
pub async fn run(
    channel: Channel<Msg>,
    host: Arc<SimHost>,
    pty: bool,
    start: Start,
    kill: CancellationToken,
) {
    let mut term = Interactive {
        host,
        editor: LineEditor::new(pty),
        layer: Layer::Bash,
        start,
        channel,
    };
    let first = match start {
        Start::Bash => term.bash_prompt().await,
        Start::Bwcli => term.start_bwcli().await,
    };
    let outcome = match first {
        Outcome::Continue => term.read_loop().await,
        other => other,
    };
    match outcome {
        Outcome::Continue => {}
        Outcome::Close(status) => term.close(status).await,
        Outcome::Drop => kill.cancel(),
    }
}

impl Interactive {
    /// Reads input until something ends the channel.
    async fn read_loop(&mut self) -> Outcome {
        loop {
            match self.channel.wait().await {
                Some(ChannelMsg::Data { data }) => {
                    for &byte in data.iter() {
                        let event = self.editor.push(byte, self.mode());
                        let echo = self.editor.take_echo();
                        if !echo.is_empty() && !self.write(echo).await {
                            return Outcome::Continue;
                        }
                        match self.handle(event).await {
                            Outcome::Continue => {}
                            other => return other,
                        }
                    }
                }
                // The client sent everything it will: what was typed has been
                // answered, so the channel ends.
                Some(ChannelMsg::Eof) => return Outcome::Close(0),
                Some(ChannelMsg::Close) | None => return Outcome::Continue,
                Some(_) => {}
            }
        }
    }

    fn mode(&self) -> Mode {
        match &self.layer {
            Layer::Bash => Mode::Line { echo: true },
            Layer::Bwcli { session, .. } if session.awaiting_key() => Mode::Key,
            Layer::Bwcli { hide_input, .. } => Mode::Line { echo: !hide_input },
        }
    }

    async fn handle(&mut self, event: Event) -> Outcome {
        match (&self.layer, event) {
            (_, Event::Pending) => Outcome::Continue,
            (Layer::Bash, Event::Line(line)) => self.bash_line(&line).await,
            (Layer::Bash, Event::Interrupt) => self.bash_prompt().await,
            (Layer::Bash, Event::EndOfInput) => {
                self.write(self.editor.output("logout\n")).await;
                Outcome::Close(0)
            }
            (Layer::Bash, Event::Key(_)) => Outcome::Continue,
            (Layer::Bwcli { .. }, Event::Line(line) | Event::Key(line)) => {
                self.bwcli_input(line).await
            }
            // ^C in bwcli drops back to the shell (bwcli-behavior §1, "Exit").
            (Layer::Bwcli { .. }, Event::Interrupt) => self.leave_bwcli().await,
            (Layer::Bwcli { .. }, Event::EndOfInput) => Outcome::Continue,
        }
    }

    async fn bash_line(&mut self, line: &str) -> Outcome {
        let command = line.trim();
        if command.is_empty() {
            return self.bash_prompt().await;
        }
        if command == "exit" || command == "logout" {
            return Outcome::Close(0);
        }
        if is_bwcli_command(command) {
            return self.start_bwcli().await;
        }
        let host = self.host.clone();
        let command = command.to_string();
        let output = match tokio::task::spawn_blocking(move || host.exec(&command)).await {
            Ok(output) => output,
            Err(error) => {
                tracing::error!(host = %self.host.spec().name, %error, "shell command failed");
                return Outcome::Drop;
            }
        };
        let mut text = output.stdout;
        text.push_str(&output.stderr);
        if !self.write(self.editor.output(&text)).await {
            return Outcome::Continue;
        }
        self.bash_prompt().await
    }

    async fn bash_prompt(&mut self) -> Outcome {
        let spec = self.host.spec();
        let prompt = format!("{}@{}$ ", spec.user, spec.name);
        if self.write(prompt.into_bytes()).await {
            Outcome::Continue
        } else {
            Outcome::Close(0)
        }
    }

    async fn start_bwcli(&mut self) -> Outcome {
        let host = self.host.clone();
        self.run_bwcli("bwcli failed to start", false, move || {
            let mut session = Box::new(host.bwcli());
            let reply = session.start();
            (session, reply)
        })
        .await
    }

    async fn bwcli_input(&mut self, line: String) -> Outcome {
        let Layer::Bwcli { session, .. } = std::mem::replace(&mut self.layer, Layer::Bash) else {
            return Outcome::Continue;
        };
        self.run_bwcli("bwcli input failed", true, move || {
            let mut session = session;
            let reply = session.input(&line);
            (session, reply)
        })
        .await
    }

    /// Runs a step of a bwcli session off the runtime (it may write the state file),
    /// then makes the session the layer input goes to and applies its reply
    /// (`answering` a command, not starting). A step that panics drops the
    /// connection, logged with `failure`.
    async fn run_bwcli(
        &mut self,
        failure: &str,
        answering: bool,
        step: impl FnOnce() -> (Box<Session>, Reply) + Send + 'static,
    ) -> Outcome {
        match tokio::task::spawn_blocking(step).await {
            Ok((session, reply)) => {
                self.layer = Layer::Bwcli {
                    session,
                    hide_input: false,
                };
                self.apply(reply, answering).await
            }
            Err(error) => {
                tracing::error!(host = %self.host.spec().name, %error, "{failure}");
                Outcome::Drop
            }
        }
    }

    /// Writes a bwcli reply after its delay, and follows how it ends. Under the
    /// flood fault the answer to a command is a flood instead; under the drip fault
    /// it goes out one byte at a time. The start (banner and first prompt) is
    /// written as usual, so a client can log in before the fault shows.
    async fn apply(&mut self, reply: Reply, answering: bool) -> Outcome {
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        if reply.end == SessionEnd::Drop {
            return Outcome::Drop;
        }
        if let Layer::Bwcli { hide_input, .. } = &mut self.layer {
            *hide_input = reply.hide_input;
        }
        let faults = self.host.faults();
        if let Some(total) = faults.flood_bytes.filter(|_| answering) {
            self.flood(total.min(MAX_FLOOD_BYTES)).await;
            return Outcome::Continue;
        }
        let bytes = self.editor.output(&reply.output);
        let written = match faults.drip_ms.filter(|_| answering) {
            Some(ms) => {
                let every = Duration::from_millis(ms.clamp(1, MAX_DRIP_MS));
                self.drip(bytes, every).await
            }
            None => self.write(bytes).await,
        };
        if !written {
            return Outcome::Continue;
        }
        match reply.end {
            SessionEnd::Exit => self.leave_bwcli().await,
            SessionEnd::Continue | SessionEnd::Drop => Outcome::Continue,
        }
    }

    /// Leaves bwcli: back to the bash prompt, or the end of the channel when bwcli is
    /// what the channel runs.
    async fn leave_bwcli(&mut self) -> Outcome {
        self.layer = Layer::Bash;
        match self.start {
            Start::Bwcli => Outcome::Close(0),
            Start::Bash => self.bash_prompt().await,
        }
    }

    /// Writes `total` bytes of output lines and no prompt (the flood fault); stops
    /// early when the client is gone.
    async fn flood(&self, total: u64) {
        let chunk: Vec<u8> = FLOOD_LINE
            .iter()
            .copied()
            .cycle()
            .take(FLOOD_CHUNK)
            .collect();
        let mut left = total;
        while left > 0 {
            let n = usize::try_from(left).map_or(FLOOD_CHUNK, |l| l.min(FLOOD_CHUNK));
            if !self.write(chunk[..n].to_vec()).await {
                return;
            }
            left -= n as u64;
        }
    }

    /// Writes `bytes` one at a time, one every `every` (the drip fault); false as
    /// soon as the client is gone.
    async fn drip(&self, bytes: Vec<u8>, every: Duration) -> bool {
        for byte in bytes {
            tokio::time::sleep(every).await;
            if !self.write(vec![byte]).await {
                return false;
            }
        }
        true
    }

    /// Writes to the client; false if the channel is gone.
    async fn write(&self, bytes: Vec<u8>) -> bool {
        if bytes.is_empty() {
            return true;
        }
        self.channel.data_bytes(bytes).await.is_ok()
    }

    async fn close(&self, status: u32) {
        // The client may already be gone; nothing more to do then.
        let _ = self.channel.exit_status(status).await;
        let _ = self.channel.eof().await;
        let _ = self.channel.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::is_bwcli_command;

    #[test]
    fn bwcli_is_recognised_by_name_or_path() {
        assert!(is_bwcli_command("bwcli"));
        assert!(is_bwcli_command(
            " /usr/local/broadworks/bw_base/bin/bwcli "
        ));
        assert!(!is_bwcli_command("bwcli2"));
        assert!(!is_bwcli_command("bwshowver"));
    }
}
