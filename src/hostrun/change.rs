//! The runs that change a host: apply, restart, rollback.
use std::time::Duration;

use super::{RunContext, driver_options, failed, on_host, plan_on, result, ssh_target};
use crate::apply::link::{LockGuard, Release};
use crate::apply::{ApplyJob, ApplyReport, ApplyStatus, apply_host, read_all, restore};
use crate::desired::{ContextRef, Fact};
use crate::fleet::Progress;
use crate::hostlink::{RESTART_MARK, SshLink};
use crate::plan::HostPlan;
use crate::plan::diff::diff;
use crate::playbook::Host;
use crate::report::{HostResult, HostStatus};
use crate::store::Backup;

/// `apply` on one host; `reviewed` is the host's plan from a plan file.
pub fn apply_one(
    host: &Host,
    reviewed: Option<&HostPlan>,
    ctx: &RunContext,
    progress: &Progress,
) -> HostResult {
    on_host(host, ctx, progress, |link| {
        let (plan, desired) = match plan_on(host, link, progress) {
            Ok(p) => p,
            Err(e) => return failed(host, e),
        };
        progress.step(&format!("applying {} changes", plan.ops.len()));
        let job = ApplyJob {
            host: &host.name,
            desired: &desired,
            plan: reviewed,
            store: &ctx.store,
            journal: &ctx.journal,
            run_id: &ctx.run_id,
            owner: &ctx.owner,
        };
        let report = apply_host(link, &job);
        let mut r = applied(host, &report);
        let awaiting = if report.restart_required {
            Some(record_pending_restart(host, ctx, link, &mut r.notes))
        } else {
            awaiting_restart(host, ctx, link)
        };
        if awaiting.is_some() && matches!(r.status, HostStatus::Ok | HostStatus::Changed) {
            r.status = HostStatus::RestartRequired;
        }
        r.awaiting_restart = awaiting;
        r.plan = Some(plan);
        r
    })
}

/// The host's result from the engine's apply report.
fn applied(host: &Host, report: &ApplyReport) -> HostResult {
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
                "{error}\nROLLBACK FAILED: {rb}\nthe host may be partly changed; backup {backup}"
            ));
        }
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

/// Restarts a host whose changes wait for a restart, and waits until it answers.
pub fn restart_one(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    progress: &Progress,
) -> Result<Duration, String> {
    let target = ssh_target(&host.connection)?;
    progress.step("restarting (restartbw)");
    ctx.journal.record(&host.name, "restart", "restartbw");
    let took = crate::hostlink::restart_and_wait(&target, &driver_options(&target), timeout)?;
    ctx.journal.record(
        &host.name,
        "restarted",
        format!("answering again after {}s", took.as_secs()),
    );
    ctx.store
        .clear_pending_restart(&host.name)
        .map_err(|e| format!("restarted, but could not clear the pending restart: {e}"))?;
    Ok(took)
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
        let needs_restart = match read_all(&mut *guard, &refs) {
            Ok(now) => diff(&backup.facts, &now).iter().any(|op| op.restart),
            Err(e) => return failed(host, e.to_string()),
        };
        match restore(&mut *guard, &host.name, &backup.facts, &ctx.journal) {
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
        match guard.release() {
            Ok(Release::Released | Release::NotHeld) => {}
            Ok(Release::HeldByOther(h)) => r
                .notes
                .push(format!("the lock was taken over by another run: {h}")),
            Err(e) => r.notes.push(format!("could not release the lock: {e}")),
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
