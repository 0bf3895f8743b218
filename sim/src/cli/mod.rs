//! An interactive bwcli session on one simulated host.
//!
//! CONTRACT: `new`, `start`, `input` and `awaiting_key` are what the SSH layer and
//! the stdin/stdout mode call. A reply holds the output of the line and the next
//! prompt: the bwcli prompt, the confirmation prompt, a password prompt or
//! `--More--`. `input` may write the state file or generate keys: call it from a
//! blocking context, unless `is_quick` says the line is quick.
mod commands;
pub mod errors;
pub mod format;
mod help;
pub mod lexer;
pub mod nav;
mod verbs;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::catalog::catalog;
use crate::catalog::model::ContextDef;
use crate::host::{Faults, Reply, SessionEnd, SimError, SimHost};
use crate::state::store::one_command;
use crate::state::{Row, active_apps, host_view};
use errors::CliError;
use format::{CONFIRM_PROMPT, MORE, NEW_PASSWORD, RETYPE_PASSWORD, SESSION_ENDING};
use nav::Location;

/// What a command asks to confirm before it acts.
#[derive(Debug, Clone)]
pub(crate) enum ConfirmAction {
    /// `exit` / `quit`.
    Exit,
    /// Replace every row of a table (`clearAll`).
    ReplaceRows {
        /// The table.
        def: &'static ContextDef,
        /// Its concrete path.
        path: String,
        /// The rows after the change.
        rows: Vec<Row>,
    },
}

/// A `set` waiting for passwords typed at the `New Password:` prompts.
#[derive(Debug, Clone)]
pub(crate) struct PasswordEntry {
    /// The attribute context.
    pub def: &'static ContextDef,
    /// Its concrete path.
    pub path: String,
    /// The command word, for messages.
    pub word: String,
    /// Attribute values already known (given on the line or typed).
    pub values: Vec<(String, String)>,
    /// Password attributes still to prompt for.
    pub remaining: VecDeque<String>,
    /// The first typing of the current password, once given.
    pub first: Option<String>,
}

/// What a command produced.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Output text (each line ending in `\n`).
    Text(String),
    /// Ask for confirmation first.
    Confirm(ConfirmAction),
    /// Prompt for passwords first.
    Passwords(PasswordEntry),
}

#[derive(Debug, Clone)]
enum Pending {
    Confirm(ConfirmAction),
    Password(PasswordEntry),
}

impl Pending {
    fn prompt(&self) -> &'static str {
        match self {
            Pending::Confirm(_) => CONFIRM_PROMPT,
            Pending::Password(p) if p.first.is_some() => RETYPE_PASSWORD,
            Pending::Password(_) => NEW_PASSWORD,
        }
    }
}

#[derive(Debug)]
struct Pager {
    lines: VecDeque<String>,
    tail: String,
    end: SessionEnd,
    hide_input: bool,
}

/// One bwcli session: current context, pending prompt, command count.
pub struct Session {
    host: Arc<SimHost>,
    location: Location,
    pending: Option<Pending>,
    queue: VecDeque<String>,
    pager: Option<Pager>,
    commands: u32,
    ended: bool,
    /// The active applications, with the state revision they were read at.
    apps: Option<(u64, Arc<Apps>)>,
}

/// The applications active on a host: `(name, version)`.
type Apps = Vec<(String, String)>;

/// The command words [`Session::is_quick`] accepts: navigation, the standard verbs
/// (cli/verbs.rs), `list`, help, exit and the answers to a confirmation.
const QUICK_WORDS: &[&str] = &[
    "cd", "get", "g", "list", "set", "add", "delete", "del", "clear", "detail", "help", "h",
    "exit", "e", "quit", "q", "y", "yes", "n", "no",
];

const ANSI_PROMPT: &str = "\x1b[1;32m";
const ANSI_BOLD: &str = "\x1b[1m";
const ANSI_RESET: &str = "\x1b[0m";

impl Session {
    /// A new session on `host`, not yet started.
    pub fn new(host: Arc<SimHost>) -> Session {
        Session {
            host,
            location: Vec::new(),
            pending: None,
            queue: VecDeque::new(),
            pager: None,
            commands: 0,
            ended: false,
            apps: None,
        }
    }

    /// The banner and the first prompt.
    pub fn start(&mut self) -> Reply {
        one_command(|| self.start_command())
    }

    fn start_command(&mut self) -> Reply {
        let faults = self.host.faults();
        if faults.drop_after_commands == Some(0) {
            return self.drop_reply(&faults);
        }
        self.finish(format::banner(), &faults, SessionEnd::Continue)
    }

    /// Feeds one line of input (without its line terminator): a command line, or the
    /// answer to the confirmation, password or `--More--` prompt that is showing.
    pub fn input(&mut self, line: &str) -> Reply {
        one_command(|| self.input_command(line))
    }

    fn input_command(&mut self, line: &str) -> Reply {
        let faults = self.host.faults();
        // A paged output finishes first, even the one that ends the session.
        if let Some(pager) = self.pager.take() {
            return self.page(pager, &faults);
        }
        if self.ended {
            return Reply {
                output: String::new(),
                end: SessionEnd::Exit,
                delay: Duration::ZERO,
                hide_input: false,
            };
        }
        let mut body = String::new();
        let end;
        if matches!(self.pending, Some(Pending::Password(_)))
            && let Some(Pending::Password(p)) = self.pending.take()
        {
            // The typed password was not echoed, nor its Enter.
            body.push('\n');
            // Commands chained behind a prompt answer it inline, so nothing is queued.
            end = self.answer_password(p, line, &mut body);
        } else {
            let segments = lexer::split_commands(line);
            let is_command = self.pending.is_none() && !segments.is_empty();
            if is_command {
                self.commands += 1;
            }
            self.queue.extend(segments);
            end = self.run_queue(&mut body);
            if is_command
                && let Some(n) = faults.drop_after_commands
                && self.commands >= n
            {
                if faults.drop_once {
                    self.host.set_faults(Faults {
                        drop_after_commands: None,
                        ..faults.clone()
                    });
                }
                return self.drop_reply(&faults);
            }
        }
        self.finish(body, &faults, end)
    }

    /// Whether `line` is quick to answer: every command on it navigates (`cd`),
    /// reads or writes configuration (`get`, `set`, `add`, ...), shows help, ends
    /// the session or answers a prompt, so it costs a state read or one state save
    /// and never a key generation or a file or certificate import (those are the
    /// special commands such as `sslUpdate`, `updateTrust`, `exportKeys`). The SSH
    /// layer runs a quick line where it is, and hands any other line to a thread
    /// that may block.
    pub fn is_quick(&self, line: &str) -> bool {
        if self.pager.is_some() || matches!(self.pending, Some(Pending::Password(_))) {
            return true;
        }
        lexer::split_commands(line).iter().all(|segment| {
            lexer::words(segment).first().is_none_or(|word| {
                QUICK_WORDS
                    .iter()
                    .any(|quick| word.eq_ignore_ascii_case(quick))
            })
        })
    }

    /// Whether a `--More--` pager prompt is showing, so that a single keystroke
    /// (without Enter) continues the output; the SSH layer then passes that key
    /// to `input` as a one-character line.
    pub fn awaiting_key(&self) -> bool {
        self.pager.is_some()
    }

    fn drop_reply(&mut self, faults: &Faults) -> Reply {
        self.ended = true;
        Reply {
            output: String::new(),
            end: SessionEnd::Drop,
            delay: Duration::from_millis(faults.delay_ms),
            hide_input: false,
        }
    }

    fn cli_prompt(&mut self) -> String {
        let cat = catalog();
        let unread = self.current_apps().is_err();
        let facts = self.host.facts();
        if unread {
            self.location = nav::still_valid(cat, &host_view(facts, &[]), &self.location);
        }
        nav::prompt(&cat.product(facts.product).cli, &self.location)
    }

    /// The applications active now, read again only when the state changed since
    /// they were last read; then the levels of the location that are no longer
    /// there are dropped (a location entered since was resolved against them).
    fn current_apps(&mut self) -> Result<Arc<Apps>, SimError> {
        let cat = catalog();
        let facts = self.host.facts();
        let known = self.apps.as_ref().map(|(revision, _)| *revision);
        let fresh = self.host.read_revision(|st, revision| {
            (known != Some(revision)).then(|| (revision, active_apps(cat, facts, &st.configured)))
        });
        match fresh {
            Ok(Some((revision, apps))) => {
                let apps = Arc::new(apps);
                self.location = nav::still_valid(cat, &host_view(facts, &apps), &self.location);
                self.apps = Some((revision, apps));
            }
            Ok(None) => {}
            Err(e) => {
                self.apps = None;
                return Err(e);
            }
        }
        Ok(self
            .apps
            .as_ref()
            .map(|(_, a)| a.clone())
            .unwrap_or_default())
    }

    /// Runs queued commands; a pending prompt takes the next one as its answer.
    fn run_queue(&mut self, body: &mut String) -> SessionEnd {
        while let Some(segment) = self.queue.pop_front() {
            let end = match self.pending.take() {
                Some(Pending::Confirm(action)) => self.answer_confirm(action, &segment, body),
                Some(Pending::Password(p)) => self.answer_password(p, &segment, body),
                None => {
                    if let Some(message) = self.host.failure_for(&segment) {
                        body.push_str(&message);
                        body.push('\n');
                    } else {
                        match self.execute(&segment) {
                            Outcome::Text(t) => body.push_str(&t),
                            Outcome::Confirm(a) => self.pending = Some(Pending::Confirm(a)),
                            Outcome::Passwords(p) => self.pending = Some(Pending::Password(p)),
                        }
                    }
                    SessionEnd::Continue
                }
            };
            if end != SessionEnd::Continue {
                self.queue.clear();
                return end;
            }
            // An answer given on the same line: the prompt shows, then the answer runs.
            if let Some(p) = &self.pending
                && !self.queue.is_empty()
            {
                body.push_str(p.prompt());
                body.push('\n');
            }
        }
        SessionEnd::Continue
    }

    fn answer_confirm(
        &mut self,
        action: ConfirmAction,
        answer: &str,
        body: &mut String,
    ) -> SessionEnd {
        match answer.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => match action {
                ConfirmAction::Exit => {
                    body.push_str(SESSION_ENDING);
                    body.push('\n');
                    SessionEnd::Exit
                }
                ConfirmAction::ReplaceRows { def, path, rows } => {
                    let op = crate::state::ops::WriteOp::ReplaceRows(rows);
                    match verbs::commit(&self.host, def, &path, op, "clearAll") {
                        Ok(t) => body.push_str(&t),
                        Err(e) => push_error(body, &e),
                    }
                    SessionEnd::Continue
                }
            },
            "n" | "no" => SessionEnd::Continue,
            _ => {
                self.pending = Some(Pending::Confirm(action));
                SessionEnd::Continue
            }
        }
    }

    fn answer_password(
        &mut self,
        mut p: PasswordEntry,
        answer: &str,
        body: &mut String,
    ) -> SessionEnd {
        match p.first.take() {
            None => {
                if answer.is_empty() {
                    push_error(
                        body,
                        &CliError::Refused {
                            command: p.word.clone(),
                            reason: "an empty password is not accepted; nothing was changed".into(),
                        },
                    );
                    return SessionEnd::Continue;
                }
                p.first = Some(answer.to_string());
                self.pending = Some(Pending::Password(p));
            }
            Some(first) if first != answer => {
                push_error(
                    body,
                    &CliError::Refused {
                        command: p.word.clone(),
                        reason: "the two passwords do not match; nothing was changed".into(),
                    },
                );
            }
            Some(first) => {
                if let Some(name) = p.remaining.pop_front() {
                    p.values.push((name, first));
                }
                if p.remaining.is_empty() {
                    let op = crate::state::ops::WriteOp::SetAttrs(p.values);
                    match verbs::commit(&self.host, p.def, &p.path, op, &p.word) {
                        Ok(t) => body.push_str(&t),
                        Err(e) => push_error(body, &e),
                    }
                } else {
                    self.pending = Some(Pending::Password(p));
                }
            }
        }
        SessionEnd::Continue
    }

    fn execute(&mut self, segment: &str) -> Outcome {
        match self.dispatch(segment) {
            Ok(o) => o,
            Err(e) => {
                let mut t = String::new();
                push_error(&mut t, &e);
                Outcome::Text(t)
            }
        }
    }

    fn dispatch(&mut self, segment: &str) -> Result<Outcome, CliError> {
        let words = lexer::words(segment);
        let Some(first) = words.first() else {
            return Ok(Outcome::Text(String::new()));
        };
        let cat = catalog();
        let apps = self.current_apps().map_err(|e| CliError::Refused {
            command: first.clone(),
            reason: e.to_string(),
        })?;
        let facts = self.host.facts();
        let view = host_view(facts, &apps);
        let lower = first.to_ascii_lowercase();
        match lower.as_str() {
            "cd" => {
                if words.len() > 2 {
                    return Err(CliError::TooMany {
                        command: "cd".into(),
                    });
                }
                self.location = match words.get(1) {
                    None => Vec::new(),
                    Some(p) => nav::resolve(cat, &view, &self.location, p)?,
                };
                return Ok(Outcome::Text(String::new()));
            }
            "exit" | "e" | "quit" | "q" => return Ok(Outcome::Confirm(ConfirmAction::Exit)),
            "help" | "h" => {
                return help::help(
                    cat,
                    &view,
                    &self.location,
                    &self.host,
                    words.get(1).map(String::as_str),
                )
                .map(Outcome::Text);
            }
            _ => {}
        }
        // bwcli-behavior §2 (CS2005): slash paths without `cd` are refused.
        if first.contains('/') {
            return Err(CliError::InvalidCommand);
        }
        let here = self.location.last().map(|c| c.id);
        if let Some(id) = here {
            let def = cat.context(id);
            let target = verbs::Target {
                host: &self.host,
                def,
                path: nav::concrete_path(&self.location),
            };
            if let Some(verb) = verbs::verb_of(def, &lower) {
                return verbs::run(&target, verb, &words[1..]);
            }
            if let Some(command) = commands::command_of(def, &lower) {
                return commands::run(&target, command, &words[0], &words[1..]);
            }
        }
        match nav::child(cat, &view, here, first)? {
            Some(c) if words.len() == 1 => {
                self.location.push(c);
                Ok(Outcome::Text(String::new()))
            }
            _ => Err(CliError::InvalidCommand),
        }
    }

    /// Adds the next prompt, pages and colours the output.
    fn finish(&mut self, body: String, faults: &Faults, end: SessionEnd) -> Reply {
        let tail = match end {
            SessionEnd::Continue => match &self.pending {
                Some(p) => p.prompt().to_string(),
                None => self.cli_prompt(),
            },
            SessionEnd::Exit | SessionEnd::Drop => {
                self.ended = true;
                String::new()
            }
        };
        let hide_input = matches!(self.pending, Some(Pending::Password(_)));
        let tail = if faults.ansi && !tail.is_empty() {
            format!("{ANSI_PROMPT}{tail}{ANSI_RESET}")
        } else {
            tail
        };
        let body = if faults.ansi {
            bold_headers(&body)
        } else {
            body
        };
        let page = faults.page_lines.map(|n| n as usize).filter(|&n| n > 0);
        if let Some(n) = page {
            let lines: VecDeque<String> = body.split_inclusive('\n').map(str::to_string).collect();
            if lines.len() > n {
                let pager = Pager {
                    lines,
                    tail,
                    end,
                    hide_input,
                };
                return self.emit_page(pager, n, String::new(), faults);
            }
        }
        Reply {
            output: body + &tail,
            end,
            delay: Duration::from_millis(faults.delay_ms),
            hide_input,
        }
    }

    fn page(&mut self, pager: Pager, faults: &Faults) -> Reply {
        let n = faults
            .page_lines
            .map(|n| n as usize)
            .filter(|&n| n > 0)
            .unwrap_or(usize::MAX);
        // Erase the `--More--` prompt before the next page.
        let erase = format!("\r{}\r", " ".repeat(MORE.len()));
        self.emit_page(pager, n, erase, faults)
    }

    fn emit_page(
        &mut self,
        mut pager: Pager,
        n: usize,
        mut output: String,
        faults: &Faults,
    ) -> Reply {
        let delay = Duration::from_millis(faults.delay_ms);
        for _ in 0..n {
            match pager.lines.pop_front() {
                Some(l) => output.push_str(&l),
                None => break,
            }
        }
        if pager.lines.is_empty() {
            output.push_str(&pager.tail);
            let end = pager.end;
            return Reply {
                output,
                end,
                delay,
                hide_input: pager.hide_input,
            };
        }
        output.push_str(MORE);
        self.pager = Some(pager);
        Reply {
            output,
            end: SessionEnd::Continue,
            delay,
            hide_input: false,
        }
    }
}

fn push_error(body: &mut String, e: &CliError) {
    body.push_str(&e.to_string());
    body.push('\n');
}

/// Wraps table header lines (those followed by a `=` rule) in bold.
fn bold_headers(body: &str) -> String {
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let mut out = String::with_capacity(body.len() + 32);
    for (i, line) in lines.iter().enumerate() {
        let next_is_rule = lines.get(i + 1).is_some_and(|n| {
            let t = n.trim_end();
            !t.is_empty() && t.chars().all(|c| c == '=')
        });
        if next_is_rule && !line.trim().is_empty() {
            let text = line.trim_end_matches('\n');
            out.push_str(ANSI_BOLD);
            out.push_str(text);
            out.push_str(ANSI_RESET);
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    out
}
