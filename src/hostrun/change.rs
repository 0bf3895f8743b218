//! The runs that change a host: apply, restart, rollback.
use std::path::Path;
use std::time::{Duration, Instant};

use super::listeners::{secure_listeners, wait_listening};
use super::{
    HostError, RunContext, driver_options, failed, on_host, read_and_plan, result, ssh_target,
};
use crate::apply::commands::restore_needs_restart;
use crate::apply::gate::PlanGate;
use crate::apply::{ApplyJob, ApplyReport, ApplyStatus, apply_host, reconnect, restore};
use crate::desired::{ContextRef, Fact};
use crate::fleet::Progress;
use crate::hostlink::{RESTART_MARK, SshLink};
use crate::live::link::read_all;
use crate::live::link::{HostLink, LockGuard, Release};
use crate::plan::HostPlan;
use crate::plan::diff::diff;
use crate::playbook::Host;
use crate::report::{HostResult, HostStatus};
use crate::store::Backup;

/// What `apply` on one host works from besides the host.
pub struct ApplyRequest<'a> {
    /// The host's plan from a reviewed plan file.
    pub reviewed: Option<&'a HostPlan>,
    /// Where the hosts of a reviewed plan wait for each other's checks.
    pub gate: Option<&'a PlanGate>,
    /// The playbook, for the recovery commands printed when a host cannot be
    /// restored.
    pub playbook: &'a Path,
}

/// `apply` on one host.
pub fn apply_one(
    host: &Host,
    req: &ApplyRequest,
    ctx: &RunContext,
    progress: &Progress,
) -> HostResult {
    // Taken first, so that a host that cannot even be reached still reports to
    // the gate (as not checked) and nobody waits for it.
    let ticket = req.gate.map(|g| g.ticket(&host.name));
    on_host(host, ctx, progress, |link| {
        progress.step("locking");
        let job = ApplyJob {
            host: &host.name,
            plan: req.reviewed,
            store: &ctx.store,
            journal: &ctx.journal,
            run_id: &ctx.run_id,
            owner: &ctx.owner,
            gate: ticket.as_ref(),
        };
        // The plan's reads are made under the lock, once (issue #8 item 9).
        let report = apply_host(link, &job, |link| {
            let read = read_and_plan(host, link, progress, ctx.secret_policy)
                .map_err(|e| e.to_string())?;
            progress.step(&format!("applying {} changes", read.plan.ops.len()));
            Ok(read)
        });
        let mut r = applied(host, &report, ctx, req.playbook);
        r.notes.extend(report.notes.iter().cloned());
        let awaiting = if report.restart_required {
            Some(record_pending_restart(host, ctx, link, &mut r.notes))
        } else {
            awaiting_restart(host, ctx, link)
        };
        if awaiting.is_some() && matches!(r.status, HostStatus::Ok | HostStatus::Changed) {
            r.status = HostStatus::RestartRequired;
        }
        r.awaiting_restart = awaiting;
        r.plan = report.plan;
        r
    })
}

/// The commands that finish by hand what a run could not: release the lock
/// (when `lock_held`) and restore `backup` (when given).
fn recovery_commands(
    host: &Host,
    ctx: &RunContext,
    playbook: &Path,
    lock_held: bool,
    backup: Option<&str>,
) -> String {
    let base = format!(
        "xspctl --state-dir {} ",
        shell_quote(&ctx.store.root().display().to_string())
    );
    let pb = shell_quote(&playbook.display().to_string());
    let mut lines = Vec::new();
    if lock_held {
        lines.push(format!(
            "  {base}unlock -f {pb} --host {} --force",
            host.name
        ));
    }
    if let Some(id) = backup {
        lines.push(format!(
            "  {base}rollback -f {pb} --host {} --backup {id}",
            host.name
        ));
    }
    lines.join("\n")
}

/// `text` as one shell word.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The host's result from the engine's apply report.
fn applied(host: &Host, report: &ApplyReport, ctx: &RunContext, playbook: &Path) -> HostResult {
    let mut r = result(host, HostStatus::Ok);
    match report.status.clone() {
        ApplyStatus::Ok => {}
        ApplyStatus::Changed { writes, backup } => {
            r.status = HostStatus::Changed;
            r.writes = writes;
            r.notes.push(format!("backup {backup}"));
        }
        ApplyStatus::Refused(why) => {
            r.status = HostStatus::Refused;
            r.error = Some(why);
        }
        ApplyStatus::Unread(why) => {
            r.status = HostStatus::Failed;
            r.error = Some(why);
        }
        ApplyStatus::Failed {
            error,
            rollback: Ok(()),
            backup,
        } => {
            r.status = HostStatus::RolledBack;
            r.error = Some(error);
            r.notes.push(format!("rolled back to backup {backup}"));
        }
        ApplyStatus::Failed {
            error,
            rollback: Err(rb),
            backup,
        } => {
            r.status = HostStatus::Failed;
            r.error = Some(format!(
                "{error}\nROLLBACK FAILED: {rb}\nthe host may be partly changed; to restore backup {backup}, run:\n{}",
                recovery_commands(host, ctx, playbook, report.lock_held, Some(&backup))
            ));
        }
    }
    if report.lock_held && r.status != HostStatus::Failed {
        r.status = HostStatus::Failed;
        let error = r.error.take().unwrap_or_default();
        r.error = Some(format!(
            "{error}\nthe host's lock could not be released; once you are sure no run is using it, run:\n{}",
            recovery_commands(host, ctx, playbook, true, None)
        ));
    }
    r
}

/// Records that a host's changes wait for a restart, locally (one file per host)
/// and on the host ([`RESTART_MARK`]); returns "since when" for the report. A
/// failure to record is a note: the host's status still says a restart is needed.
fn record_pending_restart(
    host: &Host,
    ctx: &RunContext,
    link: &SshLink,
    notes: &mut Vec<String>,
) -> String {
    let since = match ctx.store.mark_pending_restart(&host.name) {
        Ok(since) => since,
        Err(e) => {
            notes.push(format!(
                "could not record the pending restart under {}: {e}",
                ctx.store.root().display()
            ));
            crate::fsutil::now_rfc3339()
        }
    };
    ctx.journal.record(&host.name, "restart-pending", &since);
    let mark = format!("pending since {since}: changes applied by {}", ctx.owner);
    if let Err(e) = link.mark_restart_pending(&mark) {
        notes.push(format!(
            "could not record the pending restart on the host ({RESTART_MARK}): {e}"
        ));
    }
    format!("since {since}")
}

/// Whether a host waits for a restart, from the local state or the host's own
/// mark (left by another operator's run); says since when.
pub(super) fn awaiting_restart(host: &Host, ctx: &RunContext, link: &SshLink) -> Option<String> {
    if let Some(since) = ctx.store.pending_restart(&host.name) {
        return Some(format!("since {since}"));
    }
    match link.restart_pending() {
        Ok(Some(mark)) => Some(format!("(the host says: {mark})")),
        Ok(None) => None,
        Err(e) => Some(format!(
            "(unknown: {RESTART_MARK} could not be read: {e}; restart to be sure)"
        )),
    }
}

/// Restarts a host whose changes wait for a restart, and waits until it answers
/// bwcli and its secure HTTP and CTI ports accept connections again.
pub fn restart_one(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    progress: &Progress,
) -> Result<Duration, HostError> {
    let target = ssh_target(&host.connection)?;
    progress.step("restarting (restartbw)");
    ctx.journal.record(&host.name, "restart", "restartbw");
    // Only addresses that served TLS from here before the restart are waited for
    // afterwards (a port the restart moves included); one that served nothing may be
    // unreachable from this machine by design (D54).
    let serving = served_addresses(host, progress)?;
    let started = Instant::now();
    let answered = crate::hostlink::restart_and_wait(&target, &driver_options(&target), timeout)?;
    ctx.journal.record(
        &host.name,
        "restarted",
        format!("answering again after {}s", answered.as_secs()),
    );
    ctx.store
        .clear_pending_restart(&host.name)
        .map_err(HostError::RestartRecord)?;
    progress.step("waiting for the secure ports");
    let mut link = super::open(host, progress)?;
    let listeners = secure_listeners(host, &mut link);
    let _ = link.finish();
    let mut listeners = listeners?;
    listeners.retain(|l| serving.contains(&l.address));
    let closed = wait_listening(&listeners, started + timeout);
    if !closed.is_empty() {
        return Err(HostError::NotListening {
            host: host.name.clone(),
            secs: timeout.as_secs(),
            closed: closed.iter().map(ToString::to_string).collect(),
        });
    }
    let took = started.elapsed();
    if !listeners.is_empty() {
        ctx.journal.record(
            &host.name,
            "listening",
            format!("secure ports accept connections after {}s", took.as_secs()),
        );
    }
    Ok(took)
}

/// The addresses where at least one of the host's secure interfaces accepts a
/// connection now.
fn served_addresses(host: &Host, progress: &Progress) -> Result<Vec<String>, HostError> {
    let mut link = super::open(host, progress)?;
    let listeners = secure_listeners(host, &mut link);
    let _ = link.finish();
    let listeners = listeners?;
    let closed = wait_listening(&listeners, Instant::now());
    let mut open: Vec<String> = listeners
        .into_iter()
        .filter(|l| !closed.contains(l))
        .map(|l| l.address)
        .collect();
    open.dedup();
    Ok(open)
}

/// `rollback` on one host from a backup: restores it, and records the pending
/// restart when the restored settings take effect only after one.
pub fn rollback_host(
    host: &Host,
    backup: &Backup,
    ctx: &RunContext,
    progress: &Progress,
) -> HostResult {
    on_host(host, ctx, progress, |link| {
        let mut r = result(host, HostStatus::Ok);
        let mut guard = match LockGuard::take(link, &ctx.owner) {
            Ok(g) => g,
            Err(e) => {
                r.status = HostStatus::Refused;
                r.error = Some(e.to_string());
                return r;
            }
        };
        progress.step(&format!("restoring backup {}", backup.id));
        let refs: Vec<ContextRef> = backup.facts.iter().map(Fact::context_ref).collect();
        let facts_restart = match read_all(&mut *guard, &refs) {
            Ok(now) => match diff(&backup.facts, &now) {
                Ok(ops) => ops.iter().any(|op| op.restart),
                Err(e) => return failed(host, e.to_string()),
            },
            Err(e) => return failed(host, e.to_string()),
        };
        let needs_restart = match restore_needs_restart(&mut *guard, &backup.commands) {
            Ok(commands_restart) => facts_restart || commands_restart,
            Err(e) => return failed(host, e),
        };
        match restore(&mut *guard, &host.name, backup, &ctx.journal, false) {
            Ok(0) => r.notes.push(format!(
                "already matches backup {} (taken {})",
                backup.id, backup.created
            )),
            Ok(n) => {
                r.status = HostStatus::Changed;
                r.writes = n;
                r.notes.push(format!(
                    "restored backup {} (taken {})",
                    backup.id, backup.created
                ));
            }
            Err(e) => {
                r.status = HostStatus::Failed;
                r.error = Some(e.to_string());
            }
        }
        let released = match guard.release() {
            Err(e) if e.is_transport() => reconnect(link, &host.name, &ctx.journal)
                .and_then(|()| link.unlock(&ctx.owner.run_id)),
            done => done,
        };
        match released {
            Ok(Release::Released | Release::NotHeld) => {}
            Ok(Release::HeldByOther(h)) => r
                .notes
                .push(format!("the lock was taken over by another run: {h}")),
            Err(e) => r.notes.push(format!("could not release the lock: {e}")),
        }
        for key in &backup.secrets {
            r.notes.push(format!(
                "secret {key} is not restored: the apply of backup {} set it, and a secret's previous value is never readable, so no backup holds it; to put back the old one, type it at bwcli (`set` of that attribute asks for it)",
                backup.id
            ));
        }
        if r.status == HostStatus::Changed && needs_restart {
            r.awaiting_restart = Some(record_pending_restart(host, ctx, link, &mut r.notes));
            r.status = HostStatus::RestartRequired;
            r.notes
                .push("the running configuration is unchanged until BroadWorks restarts".into());
        }
        r
    })
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn recovery_commands_quote_what_the_shell_would_split() {
        assert_eq!(shell_quote("playbooks/prod.yaml"), "playbooks/prod.yaml");
        assert_eq!(shell_quote("/tmp/my state"), "'/tmp/my state'");
        assert_eq!(shell_quote("it's.yaml"), "'it'\\''s.yaml'");
        assert_eq!(shell_quote(""), "''");
    }
}
