//! The bwcli prompt state machine: start the CLI, run commands (with `cd` chained
//! where safe), answer confirmations and password prompts, page, time out, and keep
//! a masked transcript.
use std::io;
use std::time::{Duration, Instant};

use super::channel::Channel;
use super::classify::{classify, trim_blank_lines};
use super::command::{CliCommand, CliOutput, quote_arg};
use super::error::DriverError;
use super::get::{GetOutput, parse_get};
use super::prompt::{PAGER, Prompt, Prompts, ShellPrompt, same_context};
use super::text;
use super::transcript::{Direction, Transcript};
use crate::secret::Secret;
use crate::secret::{MASK, Masker};

/// How the driver behaves.
#[derive(Debug, Clone)]
pub struct DriverOptions {
    /// How long to wait for the next complete line (or prompt) before giving up.
    /// Every complete line restarts this wait, so a long table that keeps streaming
    /// is not cut (peer-tools.md §1: Ansible's timer fired mid-output); bytes that
    /// do not complete a line do not, so an endless line or a drip ends in time.
    pub command_timeout: Duration,
    /// The most one command may take in total, even while lines keep coming. The
    /// driver never waits longer than [`DEADLINE_FACTOR`] × `command_timeout` either.
    pub command_deadline: Duration,
    /// The most bytes one command may return before its prompt (64 MiB, as exec).
    pub max_output: usize,
    /// What to type at a Unix shell prompt to start the CLI.
    pub bwcli_command: String,
    /// Values to mask in everything recorded or returned, besides each command's
    /// own secrets (e.g. the SSH password).
    pub masks: Vec<Secret>,
}

impl Default for DriverOptions {
    fn default() -> DriverOptions {
        DriverOptions {
            command_timeout: Duration::from_secs(30),
            command_deadline: Duration::from_secs(600),
            max_output: 64 * 1024 * 1024,
            bwcli_command: "bwcli".to_string(),
            masks: Vec::new(),
        }
    }
}

/// One command's total wait is at most this many times `command_timeout` (D13 in
/// docs/decisions.md): a drip of lines cannot hold a command for long.
pub const DEADLINE_FACTOR: u32 = 4;
/// How many lines of recent output errors quote.
const LAST_LINES: usize = 8;
/// How many characters of one line errors quote (its end).
const LAST_LINE_CHARS: usize = 240;
/// How many bytes of output an error records in the transcript (the end).
const TAIL_BYTES: usize = 64 * 1024;
/// The longest unfinished line examined for a prompt: a longer one is output.
const MAX_PROMPT_LINE: usize = 4096;
/// How many times Enter is pressed at login for the shell prompt to repeat.
const SHELL_PROMPT_TRIES: usize = 3;
/// How many prompts (confirmations, passwords) one command may raise.
const MAX_ANSWERS: usize = 16;
const READ_CHUNK: usize = 8192;

/// A bwcli session on a channel.
pub struct Driver<C: Channel> {
    channel: C,
    opts: DriverOptions,
    masker: Masker,
    cli_type: String,
    context: String,
    banner: String,
    prompts: Prompts,
    transcript: Transcript,
    unusable: Option<String>,
}

/// Text received up to a prompt.
struct Step {
    /// Masked, rendered, without the prompt line.
    text: String,
    prompt: Prompt,
    /// The prompt line itself, masked and rendered.
    line: String,
}

/// Why reading stopped without a prompt.
enum ReadEnd {
    Eof,
    /// No complete line for `command_timeout`; the time waited in all.
    Timeout(Duration),
    /// Lines kept coming past the per-command deadline.
    Deadline(Duration),
    /// More than `max_output` bytes.
    TooMuch,
    Failed(io::Error),
}

impl<C: Channel> Driver<C> {
    /// Waits for the first prompt; at a Unix shell prompt learns that prompt exactly
    /// (Enter must bring back the same line) and types the CLI command; then waits
    /// for the CLI prompt and learns the CLI type from it.
    pub fn start(channel: C, opts: DriverOptions) -> Result<Driver<C>, DriverError> {
        let masker = Masker::new(&opts.masks);
        let mut d = Driver {
            channel,
            opts,
            masker,
            cli_type: String::new(),
            context: "/".to_string(),
            banner: String::new(),
            prompts: Prompts::login(),
            transcript: Transcript::default(),
            unusable: None,
        };
        let login = "(waiting for the login prompt)";
        let mut step = d.read_step(login)?;
        let mut label = login.to_string();
        if step.prompt == Prompt::Shell {
            match d.learn_shell_prompt(step.line)? {
                // The guess was output of a CLI already starting: no shell around it.
                Some(cli) => step = cli,
                None => {
                    label = d.opts.bwcli_command.clone();
                    d.send_line(&label, &label)?;
                    step = d.read_step(&label)?;
                    step.text = strip_echo(&step.text, &label);
                }
            }
        }
        if !matches!(d.prompts.shell, ShellPrompt::Exact(_)) {
            d.prompts.shell = ShellPrompt::Never;
        }
        match step.prompt {
            Prompt::Cli { cli_type, context } => {
                d.prompts.cli_type = Some(cli_type.clone());
                d.cli_type = cli_type;
                d.context = context;
                d.banner = trim_blank_lines(&step.text.lines().collect::<Vec<_>>());
                Ok(d)
            }
            Prompt::Shell => Err(d.fail_protocol(
                &label,
                "the CLI did not start: the shell prompt came back",
                &step.text,
            )),
            other => Err(d.fail_protocol(
                &label,
                &format!("expected the CLI prompt, got {other:?}"),
                &step.text,
            )),
        }
    }

    /// Presses Enter until the shell prompt comes back exactly as before with
    /// nothing in between, and from then on recognises only that prompt. Returns
    /// the step if the CLI prompt came instead (the guess was the CLI's output).
    fn learn_shell_prompt(&mut self, first: String) -> Result<Option<Step>, DriverError> {
        let what = "<enter> (learning the shell prompt)";
        let mut candidate = first;
        for _ in 0..SHELL_PROMPT_TRIES {
            self.send(b"\n", what)
                .map_err(|e| self.write_error(what, e))?;
            let step = self.read_step(what)?;
            match step.prompt {
                Prompt::Shell if step.line == candidate && step.text.trim().is_empty() => {
                    self.prompts.shell = ShellPrompt::Exact(candidate);
                    return Ok(None);
                }
                Prompt::Shell => candidate = step.line,
                Prompt::Cli { .. } => return Ok(Some(step)),
                other => {
                    return Err(self.fail_protocol(
                        what,
                        &format!("expected the shell prompt again, got {other:?}"),
                        &step.text,
                    ));
                }
            }
        }
        Err(self.fail_protocol(
            what,
            &format!(
                "the shell prompt did not settle: it changed each of {SHELL_PROMPT_TRIES} times Enter was pressed"
            ),
            &candidate,
        ))
    }

    /// The CLI type from the prompt: `XSP`, `ADP`, `AS`, ...
    pub fn cli_type(&self) -> &str {
        &self.cli_type
    }

    /// The current context, `/` at the top level.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// What the CLI printed before its first prompt (masked).
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// The masked transcript so far.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The transcript, consuming the driver.
    pub fn into_transcript(self) -> Transcript {
        self.transcript
    }

    /// Runs one command, first entering its context when it names one and the CLI
    /// is elsewhere. A read is chained after `cd` with `;` (one round trip); a write
    /// is sent only once the prompt shows the context, so that a failed `cd` can
    /// never let it run in the wrong place.
    pub fn run(&mut self, cmd: &CliCommand) -> Result<CliOutput, DriverError> {
        if let Some(why) = &self.unusable {
            return Err(DriverError::Unusable(why.clone()));
        }
        for s in &cmd.secrets {
            self.masker.add(s);
        }
        let shown = self.masker.mask(&cmd.line);
        if cmd.line.trim().is_empty() || cmd.line.contains(['\n', '\r']) {
            return Err(DriverError::InvalidCommand(format!(
                "{shown:?}: a command is one non-empty line"
            )));
        }
        if let Some(ctx) = &cmd.context
            && (!ctx.starts_with('/') || ctx.contains(|c: char| c.is_whitespace() || c == ';'))
        {
            return Err(DriverError::InvalidCommand(format!(
                "context {ctx:?}: an absolute path without spaces or `;` is expected"
            )));
        }
        let elsewhere = cmd
            .context
            .as_deref()
            .filter(|c| !same_context(c, &self.context));
        let line = match elsewhere {
            Some(ctx) if !cmd.expect_write && !cmd.line.contains(';') => {
                format!("cd {ctx};{}", cmd.line)
            }
            Some(ctx) => {
                self.cd(ctx)?;
                cmd.line.clone()
            }
            None => cmd.line.clone(),
        };
        let shown_line = self.masker.mask(&line);
        let text = self.exchange(&line, &shown_line, cmd)?;
        if let Some(ctx) = &cmd.context
            && !same_context(ctx, &self.context)
        {
            return Err(DriverError::Cli {
                command: shown_line,
                context: self.context.clone(),
                message: format!("could not enter {ctx}: {}", non_empty(&text)),
            });
        }
        let verdict = classify(&text, cmd.expect_write);
        if let Some(message) = verdict.failure {
            return Err(DriverError::Cli {
                command: shown,
                context: self.context.clone(),
                message,
            });
        }
        Ok(CliOutput {
            text: verdict.text,
            restart_required: verdict.restart_required,
        })
    }

    /// Masks `secret` in everything recorded or returned from now on.
    pub fn mask(&mut self, secret: &Secret) {
        self.masker.add(secret);
    }

    /// `get` in `context` with `args` (quoted where needed), parsed.
    pub fn get(&mut self, context: &str, args: &[&str]) -> Result<GetOutput, DriverError> {
        let line = std::iter::once("get".to_string())
            .chain(args.iter().map(|a| quote_arg(a)))
            .collect::<Vec<_>>()
            .join(" ");
        let out = self.run(&CliCommand::read(context, line.clone()))?;
        parse_get(&out.text).map_err(|source| DriverError::Parse {
            command: self.masker.mask(&line),
            context: self.context.clone(),
            source,
        })
    }

    /// Leaves the CLI: `exit`, confirmed with `y`; done when the channel ends or a
    /// shell prompt returns. The driver cannot run commands afterwards.
    pub fn close(&mut self) -> Result<(), DriverError> {
        if let Some(why) = &self.unusable {
            return Err(DriverError::Unusable(why.clone()));
        }
        let exit = "exit";
        self.send_line(exit, exit)?;
        // A CLI started without a shell may still return to one: guess it here, the
        // session ends either way.
        let mut prompts = self.prompts.clone();
        if prompts.shell == ShellPrompt::Never {
            prompts.shell = ShellPrompt::Guess;
        }
        let mut confirmed = false;
        loop {
            match self.read_until_prompt(&prompts) {
                Ok(step) if step.prompt == Prompt::Confirm && !confirmed => {
                    self.send_line("y", "y")?;
                    confirmed = true;
                }
                Ok(step) if step.prompt == Prompt::Shell => break,
                Ok(step) => {
                    return Err(self.fail_protocol(
                        exit,
                        &format!("expected the session to end, got {:?}", step.prompt),
                        &step.text,
                    ));
                }
                Err((ReadEnd::Eof, _)) => break,
                Err((end, text)) => return Err(self.read_error(exit, end, &text)),
            }
        }
        self.unusable = Some("the CLI session was closed".to_string());
        Ok(())
    }

    /// `cd` on its own, checked: the prompt must show the context afterwards.
    fn cd(&mut self, ctx: &str) -> Result<(), DriverError> {
        let line = format!("cd {ctx}");
        let plain = CliCommand {
            context: None,
            line: line.clone(),
            secrets: Vec::new(),
            confirm: false,
            expect_write: false,
        };
        let text = self.exchange(&line, &line, &plain)?;
        let verdict = classify(&text, false);
        if verdict.failure.is_some() || !same_context(ctx, &self.context) {
            return Err(DriverError::Cli {
                command: line,
                context: self.context.clone(),
                message: format!("could not enter {ctx}: {}", non_empty(&text)),
            });
        }
        Ok(())
    }

    /// Sends `line` and answers prompts until the CLI prompt returns. Returns the
    /// output (masked, without echo and prompts) and updates the context.
    fn exchange(
        &mut self,
        line: &str,
        shown: &str,
        cmd: &CliCommand,
    ) -> Result<String, DriverError> {
        self.send_line(line, shown)?;
        let mut echo = shown.to_string();
        let mut parts: Vec<String> = Vec::new();
        let mut secrets = cmd.secrets.iter();
        let mut last_secret: Option<&Secret> = None;
        let mut declined: Option<String> = None;
        for _ in 0..MAX_ANSWERS {
            let step = self.read_step(shown)?;
            parts.push(strip_echo(&step.text, &echo));
            match step.prompt {
                Prompt::Cli { context, .. } => {
                    self.context = context;
                    let text =
                        trim_blank_lines(&parts.iter().map(String::as_str).collect::<Vec<_>>());
                    if let Some(warning) = declined {
                        return Err(DriverError::Cli {
                            command: shown.to_string(),
                            context: self.context.clone(),
                            message: format!(
                                "the CLI asked for a confirmation this command does not allow (answered n): {}",
                                non_empty(&warning)
                            ),
                        });
                    }
                    return Ok(text);
                }
                Prompt::Confirm => {
                    let answer = if cmd.confirm {
                        "y"
                    } else {
                        declined = Some(parts.join("\n").trim().to_string());
                        "n"
                    };
                    self.send_line(answer, answer)?;
                    echo = answer.to_string();
                }
                Prompt::NewPassword | Prompt::RetypePassword => {
                    let secret = if step.prompt == Prompt::NewPassword {
                        secrets.next()
                    } else {
                        last_secret
                    };
                    let Some(secret) = secret else {
                        return Err(self.fail_protocol(
                            shown,
                            "the CLI asks for a password and this command has none to give",
                            &step.text,
                        ));
                    };
                    last_secret = Some(secret);
                    self.send_secret(secret)?;
                    echo = MASK.to_string();
                }
                Prompt::Shell => {
                    return Err(self.fail_protocol(
                        shown,
                        "the CLI exited: the shell prompt came back",
                        &step.text,
                    ));
                }
                Prompt::Pager => {}
            }
        }
        Err(self.fail_protocol(
            shown,
            &format!("more than {MAX_ANSWERS} prompts for one command"),
            &parts.join("\n"),
        ))
    }

    /// Reads until a prompt; turns a missing prompt into an error and marks the
    /// session unusable.
    fn read_step(&mut self, command: &str) -> Result<Step, DriverError> {
        let prompts = self.prompts.clone();
        self.read_until_prompt(&prompts)
            .map_err(|(end, text)| self.read_error(command, end, &text))
    }

    /// The most one command may wait in total.
    fn command_deadline(&self) -> Duration {
        self.opts
            .command_deadline
            .min(self.opts.command_timeout.saturating_mul(DEADLINE_FACTOR))
    }

    /// Reads until the text ends with a prompt, answering pagers on the way. Only a
    /// complete line (or an answered pager) restarts the `command_timeout` wait;
    /// the whole read ends at the per-command deadline or at `max_output` bytes.
    /// The received text is recorded (masked) in every case.
    fn read_until_prompt(&mut self, prompts: &Prompts) -> Result<Step, (ReadEnd, String)> {
        let started = Instant::now();
        let hard = started + self.command_deadline();
        let mut idle_until = started + self.opts.command_timeout;
        let mut raw: Vec<u8> = Vec::new();
        // Where the last (unfinished) line starts in `raw`.
        let mut line_start = 0;
        // Where the line of the pager prompt last answered starts in `raw`: a pager
        // redrawn on the same line is the same page.
        let mut pager_answered: Option<usize> = None;
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            let now = Instant::now();
            if now >= hard {
                let text = self.received_tail(&raw);
                return Err((ReadEnd::Deadline(now - started), text));
            }
            if now >= idle_until {
                let text = self.received_tail(&raw);
                return Err((ReadEnd::Timeout(now - started), text));
            }
            match self.channel.read_some(&mut buf, idle_until.min(hard)) {
                Ok(0) => return Err((ReadEnd::Eof, self.received_tail(&raw))),
                Ok(n) => {
                    if raw.len() + n > self.opts.max_output {
                        raw.extend_from_slice(&buf[..n]);
                        return Err((ReadEnd::TooMuch, self.received_tail(&raw)));
                    }
                    let before = raw.len();
                    raw.extend_from_slice(&buf[..n]);
                    if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
                        line_start = before + i + 1;
                        idle_until = Instant::now() + self.opts.command_timeout;
                    }
                    // Prompts are on the last line and short: render only that line
                    // (rendering is line-local), so long outputs cost linear time.
                    if raw.len() - line_start > MAX_PROMPT_LINE {
                        continue;
                    }
                    let last = self.masker.mask(&text::normalise(&raw[line_start..]));
                    match prompts.detect(&last) {
                        Some(Prompt::Pager) if pager_answered != Some(line_start) => {
                            pager_answered = Some(line_start);
                            idle_until = Instant::now() + self.opts.command_timeout;
                            if let Err(e) = self.send(b" ", "<space> (next page)") {
                                return Err((ReadEnd::Failed(e), self.received_tail(&raw)));
                            }
                        }
                        Some(Prompt::Pager) => {}
                        Some(prompt) => {
                            let text = self.received(&raw);
                            let body = match text.rfind('\n') {
                                Some(i) => text[..i].to_string(),
                                None => String::new(),
                            };
                            return Ok(Step {
                                text: body,
                                prompt,
                                line: last,
                            });
                        }
                        None => {}
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut
                            | io::ErrorKind::WouldBlock
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err((ReadEnd::Failed(e), self.received_tail(&raw))),
            }
        }
    }

    /// Like [`Driver::received`] for a read that failed: only the last
    /// [`TAIL_BYTES`] are rendered and recorded, after a note of what was left out.
    fn received_tail(&mut self, raw: &[u8]) -> String {
        let cut = raw.len().saturating_sub(TAIL_BYTES);
        if cut == 0 {
            return self.received(raw);
        }
        let note = format!("[... {cut} earlier bytes not shown ...]");
        self.transcript.record(Direction::Received, note.clone());
        format!("{note}\n{}", self.received(&raw[cut..]))
    }

    /// Renders, masks and records what was received; pager lines are dropped.
    fn received(&mut self, raw: &[u8]) -> String {
        let rendered = self.masker.mask(&text::normalise(raw));
        let lines: Vec<String> = rendered
            .split('\n')
            .filter_map(|l| {
                if PAGER.is_match(l) {
                    let rest = PAGER.replace_all(l, "");
                    (!rest.trim().is_empty()).then(|| rest.into_owned())
                } else {
                    Some(l.to_string())
                }
            })
            .collect();
        let text = lines.join("\n");
        if !text.is_empty() {
            tracing::trace!(received = %text, "bwcli");
            self.transcript.record(Direction::Received, text.clone());
        }
        text
    }

    fn read_error(&mut self, command: &str, end: ReadEnd, text: &str) -> DriverError {
        let last_lines = last_lines(text);
        let command = command.to_string();
        let context = self.context.clone();
        let err = match end {
            ReadEnd::Timeout(waited) => DriverError::Timeout {
                command,
                waited,
                last_lines,
            },
            ReadEnd::Deadline(waited) => DriverError::Deadline {
                command,
                context,
                waited,
                last_lines,
            },
            ReadEnd::TooMuch => DriverError::OutputTooLarge {
                command,
                context,
                limit: self.opts.max_output,
                last_lines,
            },
            ReadEnd::Eof => DriverError::Disconnected {
                command,
                reason: "the channel was closed".to_string(),
                last_lines,
            },
            ReadEnd::Failed(e) => DriverError::Disconnected {
                command,
                reason: self.masker.mask(&e.to_string()),
                last_lines,
            },
        };
        self.unusable = Some(
            err.to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
        );
        err
    }

    fn fail_protocol(&mut self, command: &str, message: &str, text: &str) -> DriverError {
        let err = DriverError::Protocol {
            command: command.to_string(),
            message: message.to_string(),
            last_lines: last_lines(text),
        };
        self.unusable = Some(message.to_string());
        err
    }

    fn send_line(&mut self, line: &str, shown: &str) -> Result<(), DriverError> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        self.send(&bytes, shown)
            .map_err(|e| self.write_error(shown, e))
    }

    /// Writes a secret; the transcript records only the mask.
    fn send_secret(&mut self, secret: &Secret) -> Result<(), DriverError> {
        let mut bytes = secret.expose().as_bytes().to_vec();
        bytes.push(b'\n');
        self.send(&bytes, MASK)
            .map_err(|e| self.write_error(MASK, e))
    }

    fn send(&mut self, bytes: &[u8], shown: &str) -> io::Result<()> {
        let shown = self.masker.mask(shown);
        tracing::debug!(sent = %shown, "bwcli");
        self.transcript.record(Direction::Sent, shown);
        self.channel.write_all(bytes)
    }

    fn write_error(&mut self, shown: &str, e: io::Error) -> DriverError {
        self.read_error(shown, ReadEnd::Failed(e), "")
    }
}

/// Drops the echo of what was typed: the first line when it is (or ends with) the
/// typed text, or is empty after a password (the CLI turns echo off).
fn strip_echo(text: &str, typed: &str) -> String {
    let (first, rest) = match text.split_once('\n') {
        Some((f, r)) => (f, r),
        None => (text, ""),
    };
    let f = first.trim_end();
    let echoed = f.ends_with(typed.trim_end()) || (typed == MASK && f.is_empty());
    if echoed {
        rest.to_string()
    } else {
        text.to_string()
    }
}

/// The last [`LAST_LINES`] lines of `text`, each cut to its last
/// [`LAST_LINE_CHARS`] characters.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(LAST_LINES);
    lines[from..]
        .iter()
        .map(|l| {
            let chars = l.chars().count();
            if chars <= LAST_LINE_CHARS {
                l.to_string()
            } else {
                let end: String = l.chars().skip(chars - LAST_LINE_CHARS).collect();
                format!("[{} characters before] ...{end}", chars - LAST_LINE_CHARS)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn non_empty(text: &str) -> &str {
    if text.trim().is_empty() {
        "(no output)"
    } else {
        text
    }
}
