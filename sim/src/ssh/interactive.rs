//! An interactive channel: the bash-like prompt `bwadmin@<host>$ `, and bwcli sessions
//! started from it (or directly, as the login shell or an exec of `bwcli`). The
//! `flood_bytes` and `drip_ms` faults shape how bwcli replies are written here.
//!
//! A bwcli line that only navigates, reads or writes configuration runs on the
//! channel's task; any other (a key generation, a file import) on the blocking
//! pool ([`Session::is_quick`]).
//!
//! Output is queued and sent once per input chunk: the echo of a typed command and
//! the reply to it leave in one SSH data message, not one per echoed key (a
//! 20-character command was 21 packets, each a `sendto` here and a wake-up at the
//! client). It is sent before anything that waits (a delay, a drip, a flood) and
//! before the channel ends, so what a client sees, and when, is unchanged.
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
    /// Output queued since the last [`Interactive::flush`].
    queued: Vec<u8>,
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
        queued: Vec::new(),
    };
    let first = match start {
        Start::Bash => term.bash_prompt().await,
        Start::Bwcli => term.start_bwcli().await,
    };
    let outcome = match first {
        Outcome::Continue => term.read_loop().await,
        other => other,
    };
    // What was queued goes out before the channel ends (or the connection drops).
    term.flush().await;
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
            // What the last input produced goes out before waiting for more.
            if !self.flush().await {
                return Outcome::Continue;
            }
            match self.channel.wait().await {
                Some(ChannelMsg::Data { data }) => {
                    for &byte in data.iter() {
                        let event = self.editor.push(byte, self.mode());
                        let echo = self.editor.take_echo();
                        self.queue(echo);
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
                self.queue(self.editor.output("logout\n"));
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
        self.queue(self.editor.output(&text));
        self.bash_prompt().await
    }

    async fn bash_prompt(&mut self) -> Outcome {
        let spec = self.host.spec();
        let prompt = format!("{}@{}$ ", spec.user, spec.name);
        self.queue(prompt.into_bytes());
        Outcome::Continue
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
        let quick = session.is_quick(&line);
        let step = move || {
            let mut session = session;
            let reply = session.input(&line);
            (session, reply)
        };
        if quick {
            self.run_bwcli_here("bwcli input failed", step).await
        } else {
            self.run_bwcli("bwcli input failed", true, step).await
        }
    }

    /// Runs a quick bwcli step ([`Session::is_quick`]) on this task: a state read
    /// or one save, where a hand-off to the blocking pool would cost two thread
    /// wake-ups per command. A step that panics drops the connection, as in
    /// [`Interactive::run_bwcli`].
    async fn run_bwcli_here(
        &mut self,
        failure: &str,
        step: impl FnOnce() -> (Box<Session>, Reply),
    ) -> Outcome {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)) {
            Ok((session, reply)) => {
                self.layer = Layer::Bwcli {
                    session,
                    hide_input: false,
                };
                self.apply(reply, true).await
            }
            Err(_) => {
                tracing::error!(host = %self.host.spec().name, "{failure}: the step panicked");
                Outcome::Drop
            }
        }
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

    /// Queues a bwcli reply after its delay, and follows how it ends. Under the
    /// flood fault the answer to a command is a flood instead; under the drip fault
    /// it goes out one byte at a time. The start (banner and first prompt) is
    /// written as usual, so a client can log in before the fault shows.
    async fn apply(&mut self, reply: Reply, answering: bool) -> Outcome {
        if !reply.delay.is_zero() {
            // The echo shows at once; the reply after the delay.
            if !self.flush().await {
                return Outcome::Continue;
            }
            tokio::time::sleep(reply.delay).await;
        }
        if reply.end == SessionEnd::Drop {
            return Outcome::Drop;
        }
        if let Layer::Bwcli { hide_input, .. } = &mut self.layer {
            *hide_input = reply.hide_input;
        }
        let faults = self.host.faults();
        let shaped = answering && (faults.flood_bytes.is_some() || faults.drip_ms.is_some());
        if shaped && !self.flush().await {
            return Outcome::Continue;
        }
        if let Some(total) = faults.flood_bytes.filter(|_| answering) {
            self.flood(total.min(MAX_FLOOD_BYTES)).await;
            return Outcome::Continue;
        }
        let bytes = self.editor.output(&reply.output);
        match faults.drip_ms.filter(|_| answering) {
            Some(ms) => {
                let every = Duration::from_millis(ms.clamp(1, MAX_DRIP_MS));
                if !self.drip(bytes, every).await {
                    return Outcome::Continue;
                }
            }
            None => self.queue(bytes),
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

    /// Sends `bytes` to the client now; false if the channel is gone.
    async fn write(&self, bytes: Vec<u8>) -> bool {
        if bytes.is_empty() {
            return true;
        }
        self.channel.data_bytes(bytes).await.is_ok()
    }

    /// Adds `bytes` to the output sent at the next [`Interactive::flush`].
    fn queue(&mut self, bytes: Vec<u8>) {
        if self.queued.is_empty() {
            self.queued = bytes;
        } else {
            self.queued.extend_from_slice(&bytes);
        }
    }

    /// Sends the queued output in one data message; false if the channel is gone.
    async fn flush(&mut self) -> bool {
        let bytes = std::mem::take(&mut self.queued);
        self.write(bytes).await
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
