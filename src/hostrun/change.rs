//! The runs that change a host: apply, restart, rollback.
use std::path::Path;
use std::time::Duration;

use super::{RunContext, driver_options, failed, on_host, plan_on, result, ssh_target};
use crate::apply::gate::PlanGate;
use crate::apply::link::HostLink;
use crate::apply::{ApplyJob, ApplyReport, ApplyStatus, apply_host, reconnect, restore};
use crate::fleet::Progress;
use crate::plan::HostPlan;
use crate::playbook::Host;
use crate::report::{HostResult, HostStatus};

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
        let (plan, desired) = match plan_on(host, link, progress) {
            Ok(p) => p,
            Err(e) => return failed(host, e),
        };
        progress.step(&format!("applying {} changes", plan.ops.len()));
        let job = ApplyJob {
            host: &host.name,
            desired: &desired,
            plan: req.reviewed,
            store: &ctx.store,
            journal: &ctx.journal,
            run_id: &ctx.run_id,
            owner: &ctx.owner,
            gate: ticket.as_ref(),
        };
        let mut r = applied(host, apply_host(link, &job), ctx, req.playbook);
        r.plan = Some(plan);
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
        lines.push(format!("  {base}unlock -f {pb} --host {}", host.name));
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

/// The host's result from the engine's apply report, with the pending restart
/// recorded.
fn applied(host: &Host, report: ApplyReport, ctx: &RunContext, playbook: &Path) -> HostResult {
    let mut r = result(host, HostStatus::Ok);
    match report.status {
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
    if report.restart_required
        && let Err(e) = ctx.store.set_pending_restart(&host.name, true)
    {
        r.notes
            .push(format!("could not record the pending restart: {e}"));
    }
    if ctx.store.pending_restarts().contains_key(&host.name)
        && matches!(r.status, HostStatus::Ok | HostStatus::Changed)
    {
        r.status = HostStatus::RestartRequired;
    }
    r
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
        .set_pending_restart(&host.name, false)
        .map_err(|e| format!("restarted, but could not clear the pending restart: {e}"))?;
    Ok(took)
}

/// `rollback` on one host from a backup.
pub fn rollback_host(
    host: &Host,
    backup_id: Option<&str>,
    ctx: &RunContext,
    progress: &Progress,
) -> HostResult {
    let backup = match ctx.store.load_backup(&host.name, backup_id) {
        Ok(b) => b,
        Err(e) => return failed(host, format!("cannot load the backup: {e}")),
    };
    on_host(host, ctx, progress, |link| {
        let mut r = result(host, HostStatus::Ok);
        if let Err(e) = link.lock(&ctx.owner) {
            r.status = HostStatus::Refused;
            r.error = Some(e.to_string());
            return r;
        }
        progress.step(&format!("restoring backup {}", backup.id));
        match restore(link, &host.name, &backup.facts, &ctx.journal, false) {
            Ok(0) => r
                .notes
                .push(format!("already matches backup {}", backup.id)),
            Ok(n) => {
                r.status = HostStatus::Changed;
                r.writes = n;
                r.notes.push(format!("restored backup {}", backup.id));
            }
            Err(e) => {
                r.status = HostStatus::Failed;
                r.error = Some(e.to_string());
            }
        }
        let released = match link.unlock() {
            Err(e) if e.is_transport() => {
                reconnect(link, &host.name, &ctx.journal).and_then(|()| link.unlock())
            }
            done => done,
        };
        if let Err(e) = released {
            r.notes.push(format!("could not release the lock: {e}"));
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
