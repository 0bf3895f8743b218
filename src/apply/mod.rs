//! Apply on one host: lock → read and plan ([`LockedRead`]: the plan's reads are
//! made under the lock, once) → (stale-plan check, and for a plan all hosts'
//! checks: [`gate`]) → backup (facts as found, [`files`], [`commands`]' reads;
//! never a secret) → the actions → re-read what they changed and confirm →
//! journal, the host's record of secrets; on failure, reconnect if the connection
//! was lost and roll back from the backup.
pub mod commands;
pub mod files;
pub mod gate;
mod locked_read;
mod reload;
mod secrets;

pub use locked_read::LockedRead;

use crate::desired::{ContextRef, Fact, TableFact};
use crate::fsutil::now_rfc3339;
use crate::live::link::{HostLink, LinkError, LockGuard, LockOwner, Release, read_all};
use crate::live::{LiveTree, MissingColumn};
use crate::plan::diff::diff;
use crate::plan::files::HostFiles;
use crate::plan::secrets::HostSecrets;
use crate::plan::{Action, HostPlan, Op};
use crate::secret::SecretRecord;
use crate::store::{Backup, CommandBackup, FileBackup, Journal, Store};
use gate::{GateTicket, GateVerdict};

/// What a failure before the first write adds to its message.
const NOTHING_CHANGED: &str = "nothing was changed (no write was sent)";
/// How many times a lost connection is re-established before giving up.
pub const RECONNECT_ATTEMPTS: u32 = 3;
/// The pause before the first reconnect attempt; it doubles after each failure.
const RECONNECT_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);
/// How many read-diff-write rounds a restore makes when the connection keeps
/// dropping under it.
const RESTORE_ROUNDS: u32 = 3;

/// How an apply on one host ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyStatus {
    /// Already as desired: no write was sent.
    Ok,
    /// Writes were made and confirmed by a re-read.
    Changed {
        /// How many write commands.
        writes: usize,
        /// The backup taken first.
        backup: String,
    },
    /// Refused before any write (stale plan, lock held, ...).
    Refused(String),
    /// The host could not be read, or its desired state rendered, under the
    /// lock: nothing was changed.
    Unread(String),
    /// A write or the confirmation failed; the host was rolled back (or not).
    Failed {
        /// What failed.
        error: String,
        /// The rollback result: `Ok(())` when the host is back to the backup.
        rollback: Result<(), String>,
        /// The backup the rollback restored.
        backup: String,
    },
}

/// The result of an apply on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    /// How it ended.
    pub status: ApplyStatus,
    /// Whether a restart is now required for changes to take effect.
    pub restart_required: bool,
    /// The host's lock could not be released (the connection is gone): the
    /// operator must run `xspctl unlock`.
    pub lock_held: bool,
    /// The plan made from the reads under the lock (none when the lock or the
    /// reads failed).
    pub plan: Option<HostPlan>,
    /// What the operator must know besides the status (a secret that a rollback
    /// could not restore, a record that could not be written).
    pub notes: Vec<String>,
}

/// Everything an apply on one host needs besides the link.
pub struct ApplyJob<'a> {
    /// Host name.
    pub host: &'a str,
    /// The reviewed plan, when applying a plan file: refused if the host changed since.
    pub plan: Option<&'a HostPlan>,
    /// Where backups go.
    pub store: &'a Store,
    /// The run's journal.
    pub journal: &'a Journal,
    /// This run's id (for the lock owner and backup id).
    pub run_id: &'a str,
    /// Who is applying, written into the lock.
    pub owner: &'a LockOwner,
    /// For a plan applied across hosts: where this host waits, after its check,
    /// until every host of the plan is checked (all fresh, or nothing written).
    pub gate: Option<&'a GateTicket<'a>>,
}

/// Runs an apply on one host: takes the lock, then `read` renders and reads the
/// host under it. Errors before the first write leave the host as it was; errors
/// after it trigger a rollback (after a reconnect when the connection was lost).
pub fn apply_host(
    link: &mut dyn HostLink,
    job: &ApplyJob,
    read: impl FnOnce(&mut dyn HostLink) -> Result<LockedRead, String>,
) -> ApplyReport {
    let refused = |why: String| ApplyReport {
        status: ApplyStatus::Refused(why),
        restart_required: false,
        lock_held: false,
        plan: None,
        notes: Vec::new(),
    };
    let mut guard = match LockGuard::take(link, job.owner) {
        Ok(g) => g,
        Err(e) => {
            job.journal.record(job.host, "lock-refused", e.to_string());
            return refused(e.to_string());
        }
    };
    job.journal.record(job.host, "lock", job.owner.to_string());
    let mut report = locked_apply(&mut *guard, job, read);
    let released = match guard.release() {
        Err(e) if e.is_transport() => {
            reconnect(link, job.host, job.journal).and_then(|()| link.unlock(&job.owner.run_id))
        }
        r => r,
    };
    match released {
        Ok(Release::Released) => job.journal.record(job.host, "unlock", ""),
        Ok(Release::NotHeld) => job.journal.record(job.host, "unlock", "the lock was gone"),
        Ok(Release::HeldByOther(h)) => job.journal.record(
            job.host,
            "unlock-skipped",
            format!("held by another run: {h}"),
        ),
        Err(e) => {
            job.journal.record(job.host, "unlock-failed", e.to_string());
            report.lock_held = true;
        }
    }
    report
}

/// Re-establishes a lost connection: at most [`RECONNECT_ATTEMPTS`] attempts,
/// pausing 1 s, 2 s, ... between them. Each attempt is journaled.
pub fn reconnect(link: &mut dyn HostLink, host: &str, journal: &Journal) -> Result<(), LinkError> {
    let mut pause = RECONNECT_PAUSE;
    let mut last = None;
    for attempt in 1..=RECONNECT_ATTEMPTS {
        match link.reconnect() {
            Ok(()) => {
                journal.record(host, "reconnect", format!("attempt {attempt}"));
                return Ok(());
            }
            Err(e) => {
                journal.record(host, "reconnect-failed", format!("attempt {attempt}: {e}"));
                last = Some(e);
            }
        }
        if attempt < RECONNECT_ATTEMPTS {
            std::thread::sleep(pause);
            pause *= 2;
        }
    }
    Err(LinkError::Transport(format!(
        "could not reconnect after {RECONNECT_ATTEMPTS} attempts: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// Why a host is stale against its reviewed plan, if it is: `fresh` is the plan
/// made now, under the lock.
fn staleness(job: &ApplyJob, fresh: &HostPlan) -> Option<String> {
    let reviewed = job.plan?;
    if fresh.snapshot == reviewed.snapshot && fresh.ops == reviewed.ops {
        return None;
    }
    job.journal.record(job.host, "stale-plan", &fresh.snapshot);
    Some(format!(
        "the plan is stale: host {} changed since the plan was made (snapshot {} now, {} in the plan)",
        job.host,
        short(&fresh.snapshot),
        short(&reviewed.snapshot)
    ))
}

fn locked_apply(
    link: &mut dyn HostLink,
    job: &ApplyJob,
    read: impl FnOnce(&mut dyn HostLink) -> Result<LockedRead, String>,
) -> ApplyReport {
    let LockedRead {
        desired,
        live,
        plan,
        secrets: host_secrets,
        files: host_files,
    } = match read(link) {
        Ok(r) => r,
        Err(why) => {
            job.journal.record(job.host, "read-failed", &why);
            return ApplyReport {
                status: ApplyStatus::Unread(format!("{why}\n{NOTHING_CHANGED}")),
                restart_required: false,
                lock_held: false,
                plan: None,
                notes: Vec::new(),
            };
        }
    };
    let refused = |why: String| ApplyReport {
        status: ApplyStatus::Refused(why),
        restart_required: false,
        lock_held: false,
        plan: Some(plan.clone()),
        notes: Vec::new(),
    };
    let ops = &plan.ops;
    let stale = staleness(job, &plan);
    const REPLAN: &str = "  help: run `xspctl plan` again, review it, and apply the new plan (or narrow the apply with --host to the hosts that are still fresh)";
    match (job.gate, stale) {
        (None, Some(why)) => return refused(format!("{why}\n{REPLAN}")),
        (None, None) => {}
        (Some(ticket), stale) => {
            let own = stale.clone();
            if let GateVerdict::Refuse(why) = ticket.pass(stale) {
                job.journal.record(job.host, "plan-refused", &why);
                let msg = match own {
                    Some(own) => format!("{own}\n{REPLAN}"),
                    None => format!(
                        "not applied: the plan is applied to all its hosts or to none, and {why}\n{REPLAN}"
                    ),
                };
                return refused(msg);
            }
        }
    }
    // The certificates this host's commands load (or loaded): a rollback after a
    // later apply deleted one of their rows loads it again from here.
    if let Err(e) = reload::keep_loaded(job.store, &desired) {
        tracing::warn!(
            "{}: keeping the loaded certificates under {}: {e}",
            job.host,
            job.store.root().display()
        );
    }
    if ops.is_empty() {
        job.journal.record(job.host, "no-change", "");
        return ApplyReport {
            status: ApplyStatus::Ok,
            restart_required: false,
            lock_held: false,
            plan: Some(plan),
            notes: Vec::new(),
        };
    }

    let cli_ops: Vec<Op> = ops.iter().filter_map(Action::cli).cloned().collect();
    let touched = touched_facts(&desired.facts, &cli_ops);
    // A secret's value is never readable, so no backup holds it: the backup names
    // it, and the rollback says it could not be restored (decisions, "secrets").
    let set_secrets: Vec<String> = cli_ops
        .iter()
        .filter(|o| o.sets_secret())
        .map(|o| SecretRecord::key(&o.context, &o.args[0]))
        .collect();
    // A context a command of the plan creates has nothing to restore: the
    // command's undo removes it.
    let found = match touched
        .iter()
        .filter(|f| !f.is_secret() && live.get(&f.context_ref()).is_some())
        .map(|f| as_found(f, &live))
        .collect::<Result<_, _>>()
    {
        Ok(found) => found,
        Err(e) => return refused(format!("{e}\n{NOTHING_CHANGED}")),
    };
    let command_backups = match commands::backups(ops, &desired.commands, &live) {
        Ok(b) => b,
        Err(e) => return refused(format!("{e}\n{NOTHING_CHANGED}")),
    };
    let backup = Backup {
        id: format!("{}-{}", job.host, job.run_id),
        host: job.host.to_string(),
        created: now_rfc3339(),
        facts: found,
        live: live.subset(&touched.iter().map(Fact::context_ref).collect::<Vec<_>>()),
        secrets: set_secrets,
        files: files::backups(ops, &host_files, job.run_id),
        commands: command_backups,
        reloads: reload::reloads(job.store, &touched, ops),
    };
    if let Err(e) = job.store.save_backup(&backup) {
        return refused(format!(
            "cannot write the backup to {}: {e}; nothing was changed",
            job.store.root().display()
        ));
    }
    job.journal.record(job.host, "backup", &backup.id);

    let mut notes = Vec::new();
    let mut done = Written::default();
    let writes = Writes {
        actions: ops,
        secrets: &host_secrets,
        files: &host_files,
        file_backups: &backup.files,
        command_backups: &backup.commands,
        touched: &touched,
    };
    let status = match write_and_confirm(link, job, &writes, &mut done) {
        Ok(()) => {
            notes.extend(secrets::update_record(link, job, &cli_ops, &host_secrets));
            notes.extend(files::discard_asides(link, &backup.files));
            ApplyStatus::Changed {
                writes: ops.len(),
                backup: backup.id.clone(),
            }
        }
        Err(failure) => {
            let rollback = restore(link, job.host, &backup, job.journal, failure.lost)
                .map(|_| ())
                .map_err(|e| e.to_string());
            notes.extend(secrets::unrestored_secrets(&ops[..done.count]));
            ApplyStatus::Failed {
                error: failure.error,
                rollback,
                backup: backup.id.clone(),
            }
        }
    };
    ApplyReport {
        status,
        restart_required: done.restart_required,
        lock_held: false,
        plan: Some(plan),
        notes,
    }
}

/// Why writing (or confirming) stopped.
struct WriteFailure {
    error: String,
    /// The connection was lost: reconnect before anything else.
    lost: bool,
}

/// What an apply writes, and what it needs to write it.
struct Writes<'a> {
    /// The plan's actions, in order.
    actions: &'a [Action],
    /// The values of the secrets the actions set.
    secrets: &'a HostSecrets,
    /// The content of the files the actions upload.
    files: &'a HostFiles,
    /// The backups of the files the actions upload or remove.
    file_backups: &'a [FileBackup],
    /// The backups of the commands the actions run.
    command_backups: &'a [CommandBackup],
    /// The facts of the contexts the CLI actions write, to confirm them.
    touched: &'a [Fact],
}

/// What writing did before it stopped (or finished).
#[derive(Default)]
struct Written {
    /// How many actions the host accepted.
    count: usize,
    /// A write said BroadWorks must restart.
    restart_required: bool,
}

/// Runs the actions (a CLI write with its secret, an upload, a removal) and
/// confirms them: the CLI writes by a re-read of the contexts they touch, the
/// files by a re-read of each. Counts in `done` what the host accepted.
fn write_and_confirm(
    link: &mut dyn HostLink,
    job: &ApplyJob,
    w: &Writes,
    done: &mut Written,
) -> Result<(), WriteFailure> {
    for action in w.actions {
        let line = format!("{}> {}", action.place(), action.command_line());
        let result = match action {
            Action::Cli(op) => link.write(op, &w.secrets.for_op(op)).map(|r| {
                done.restart_required |= r.restart_required || op.restart;
            }),
            file => match w.file_backups.iter().find(|b| b.path == file.place()) {
                Some(backup) => files::perform(link, file, w.files, backup),
                None => Err(LinkError::Transport(format!(
                    "no backup was taken of {}",
                    file.place()
                ))),
            },
        };
        match result {
            Ok(()) => {
                done.count += 1;
                job.journal.record(job.host, "write", &line);
            }
            Err(e) if e.is_transport() => {
                // The command was sent but its reply never came: it may or may not
                // have run. The restore re-reads the host, so it handles both.
                job.journal
                    .record(job.host, "write-unknown", format!("{line}: {e}"));
                return Err(WriteFailure {
                    error: format!("{e}\nthe outcome of `{line}` is unknown"),
                    lost: true,
                });
            }
            Err(e) => {
                job.journal
                    .record(job.host, "write-failed", format!("{line}: {e}"));
                return Err(WriteFailure {
                    error: e.to_string(),
                    lost: false,
                });
            }
        }
    }
    let refs: Vec<ContextRef> = w.touched.iter().map(Fact::context_ref).collect();
    let confirming = |e: LinkError| WriteFailure {
        lost: e.is_transport(),
        error: format!("confirming the writes: {e}"),
    };
    let after = read_all(link, &refs).map_err(confirming)?;
    // A secret is confirmed by the host showing one (masked): its value is never
    // shown, and the `set` was answered `...Done`.
    let expected: Vec<Fact> = w.touched.iter().map(Fact::after_write).collect();
    let left = diff(&expected, &after).map_err(|e| WriteFailure {
        lost: false,
        error: format!("confirming the writes: {e}"),
    })?;
    let mut lines: Vec<String> = left
        .iter()
        .map(|o| format!("{}> {}", o.context, o.command_line()))
        .collect();
    lines.extend(files::unconfirmed(link, w.actions).map_err(confirming)?);
    lines.extend(commands::unconfirmed(link, w.command_backups).map_err(confirming)?);
    if !lines.is_empty() {
        job.journal
            .record(job.host, "confirm-failed", lines.join("; "));
        return Err(WriteFailure {
            error: format!(
                "the host does not hold what was written; still different: {}",
                lines.join("; ")
            ),
            lost: false,
        });
    }
    job.journal.record(
        job.host,
        "confirm",
        format!("{} writes confirmed", w.actions.len()),
    );
    Ok(())
}

/// Why a restore did not bring the host back: every failure, in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rollback incomplete:{}", failures.iter().map(|f| format!("\n  - {f}")).collect::<String>())]
pub struct RestoreError {
    /// One line per failed write, lost connection, or difference left.
    pub failures: Vec<String>,
    /// The tables whose deleted rows could not be loaded back (their context).
    pub unloaded: Vec<String>,
}

/// Brings the host back to `backup`: its CLI facts (see [`restore_facts`]), then
/// its files (each written back, or removed, and re-read), then the reads of its
/// commands (re-run on the restored files, or undone). Returns how many CLI
/// writes, files and commands it restored. `lost`: the connection is gone,
/// reconnect first.
pub fn restore(
    link: &mut dyn HostLink,
    host: &str,
    backup: &Backup,
    journal: &Journal,
    lost: bool,
) -> Result<usize, RestoreError> {
    // Each part is tried even when an earlier one failed: the operator gets the
    // host as close to the backup as can be, and every failure named.
    let (written, mut failures, unloaded) = match restore_facts(link, host, backup, journal, lost) {
        Ok(n) => (n, Vec::new(), Vec::new()),
        Err(e) => (0, e.failures, e.unloaded),
    };
    // A table whose deleted row could not be loaded back keeps what the apply's
    // commands loaded into it: undoing them too would leave it with neither (the
    // old Webex CA gone and the new one removed, D66).
    let (keep, undo): (Vec<CommandBackup>, Vec<CommandBackup>) = backup
        .commands
        .iter()
        .cloned()
        .partition(|b| unloaded.contains(&b.command.context));
    failures.extend(keep.iter().map(|b| {
        format!(
            "{}> {}: left as it is, since the row this apply deleted there could not be loaded back",
            b.command.context,
            b.command.line.join(" ")
        )
    }));
    let (files, more) = files::restore(link, &backup.files);
    failures.extend(more);
    let (commands, more) = commands::restore(link, &undo);
    failures.extend(more);
    if failures.is_empty() {
        if files + commands > 0 {
            journal.record(
                host,
                "rollback-actions",
                format!(
                    "{files} files restored, {commands} commands run; the host matches the backup"
                ),
            );
        }
        return Ok(written + files + commands);
    }
    journal.record(host, "rollback-failed", failures.join("; "));
    Err(RestoreError { failures, unloaded })
}

/// Brings the host back to `facts` (a backup) and confirms it by a re-read.
/// Every round re-reads the host first, so a write whose outcome is unknown is
/// found either way; a write the CLI refuses is reported and the others still run.
/// `lost`: the connection is gone, reconnect first. At most [`RESTORE_ROUNDS`]
/// rounds, each reconnecting (bounded) after a lost connection.
fn restore_facts(
    link: &mut dyn HostLink,
    host: &str,
    backup: &Backup,
    journal: &Journal,
    lost: bool,
) -> Result<usize, RestoreError> {
    let facts = &backup.facts;
    let refs: Vec<ContextRef> = facts.iter().map(Fact::context_ref).collect();
    let mut lost = lost;
    let mut written = 0;
    let mut failures = Vec::new();
    let mut unloaded: Vec<String> = Vec::new();
    for _ in 0..RESTORE_ROUNDS {
        if lost {
            if let Err(e) = reconnect(link, host, journal) {
                failures.push(e.to_string());
                break;
            }
            lost = false;
        }
        failures.clear();
        unloaded.clear();
        let now = match read_all(link, &refs) {
            Ok(t) => t,
            Err(e) => {
                lost = e.is_transport();
                failures.push(format!("reading the host: {e}"));
                if lost {
                    continue;
                }
                break;
            }
        };
        let ops = match diff(facts, &now) {
            Ok(ops) => ops,
            Err(e) => {
                failures.push(format!("comparing the host with the backup: {e}"));
                break;
            }
        };
        // A table whose deleted row could not be loaded back, once each.
        let note_unloaded = |unloaded: &mut Vec<String>, context: &String| {
            if !unloaded.contains(context) {
                unloaded.push(context.clone());
            }
        };
        for op in &ops {
            let mut line = format!("{}> {}", op.context, op.command_line());
            // A row of a table without `add` is loaded again from the certificate
            // the backup kept (D66); without one, the operator is told how.
            let loaded = reload::loaded_row(facts, op);
            let result = match loaded {
                Some((table, command, key)) => {
                    let kept = backup
                        .reloads
                        .iter()
                        .find(|r| r.context == op.context && r.key == key);
                    let Some(kept) = kept else {
                        failures.push(reload::load_by_hand(table, command, op));
                        note_unloaded(&mut unloaded, &op.context);
                        continue;
                    };
                    line = format!(
                        "{}> {command} {key} (the certificate the backup kept)",
                        op.context
                    );
                    reload::reload(link, command, kept)
                }
                None => link.write(op, &[]).map(|_| ()),
            };
            match result {
                Ok(()) => {
                    written += 1;
                    journal.record(host, "rollback-write", &line);
                }
                Err(e) if e.is_transport() => {
                    // Unknown outcome: the next round re-reads and finds out.
                    journal.record(host, "rollback-write-unknown", format!("{line}: {e}"));
                    failures.push(format!("`{line}`: {e}"));
                    lost = true;
                    break;
                }
                Err(e) => {
                    journal.record(host, "rollback-write-failed", format!("{line}: {e}"));
                    failures.push(format!("`{line}`: {e}"));
                    if loaded.is_some() {
                        note_unloaded(&mut unloaded, &op.context);
                    }
                }
            }
        }
        if lost {
            continue;
        }
        match read_all(link, &refs) {
            Ok(after) => {
                let left = match diff(facts, &after) {
                    Ok(left) => left,
                    Err(e) => {
                        failures.push(format!("confirming the restore: {e}"));
                        break;
                    }
                };
                if left.is_empty() {
                    journal.record(
                        host,
                        "rollback",
                        format!("{written} writes, host matches the backup"),
                    );
                    return Ok(written);
                }
                // A row already reported with how to load it by hand.
                let told = |o: &&Op| {
                    reload::loaded_row(facts, o).is_some() && unloaded.contains(&o.context)
                };
                failures.extend(left.iter().filter(|o| !told(o)).map(|o| {
                    format!(
                        "still different from the backup: {}> {}",
                        o.context,
                        o.command_line()
                    )
                }));
                break;
            }
            Err(e) => {
                lost = e.is_transport();
                failures.push(format!("confirming the restore: {e}"));
                if !lost {
                    break;
                }
            }
        }
    }
    let msg = format!("rollback incomplete: {}", failures.join("; "));
    journal.record(host, "rollback-failed", &msg);
    Err(RestoreError { failures, unloaded })
}

/// The facts whose context an operation writes.
fn touched_facts(facts: &[Fact], ops: &[Op]) -> Vec<Fact> {
    facts
        .iter()
        .filter(|f| {
            let at = f.context_ref();
            ops.iter()
                .any(|o| o.context == at.context && o.args.starts_with(&at.args))
        })
        .cloned()
        .collect()
}

/// A fact saying "as the host holds it now", for the backup.
fn as_found(fact: &Fact, live: &LiveTree) -> Result<Fact, MissingColumn> {
    Ok(match fact {
        Fact::Table(t) => {
            let rows = live
                .get(&t.at)
                .map(|c| c.rows_by(&t.at.context, &t.columns))
                .transpose()?
                .unwrap_or_default()
                .into_iter()
                .filter(|r| t.selects(r))
                .collect();
            Fact::Table(TableFact { rows, ..t.clone() })
        }
        Fact::Attribute(a) => Fact::Attribute(
            a.as_found(
                live.get(&fact.context_ref())
                    .and_then(|c| c.attribute(&a.name)),
            ),
        ),
    })
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests;
