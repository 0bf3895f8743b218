//! Apply on one host: lock → read → (stale-plan check) → backup → write → re-read
//! and confirm → journal; on failure, roll back from the backup.
pub mod link;

use crate::desired::{ContextRef, DesiredTree, Fact, TableFact};
use crate::fsutil::now_rfc3339;
use crate::live::{LiveTree, MissingColumn};
use crate::plan::diff::diff;
use crate::plan::{HostPlan, Op};
use crate::store::{Backup, Journal, Store};
use link::{HostLink, LinkError};

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
}

/// Everything an apply on one host needs besides the link.
pub struct ApplyJob<'a> {
    /// Host name.
    pub host: &'a str,
    /// What the host should hold.
    pub desired: &'a DesiredTree,
    /// The reviewed plan, when applying a plan file: refused if the host changed since.
    pub plan: Option<&'a HostPlan>,
    /// Where backups go.
    pub store: &'a Store,
    /// The run's journal.
    pub journal: &'a Journal,
    /// This run's id (for the lock owner and backup id).
    pub run_id: &'a str,
    /// Who is applying, written into the lock.
    pub owner: &'a str,
}

/// Reads every context in `refs`.
pub fn read_all(link: &mut dyn HostLink, refs: &[ContextRef]) -> Result<LiveTree, LinkError> {
    let mut tree = LiveTree::default();
    for r in refs {
        let content = link.read(r)?;
        tree.contexts.insert(r.clone(), content);
    }
    Ok(tree)
}

/// Runs an apply on one host. Errors before the first write leave the host as it
/// was; errors after it trigger a rollback.
pub fn apply_host(link: &mut dyn HostLink, job: &ApplyJob) -> ApplyReport {
    let refused = |why: String| ApplyReport {
        status: ApplyStatus::Refused(why),
        restart_required: false,
    };
    if let Err(e) = link.lock(job.owner) {
        job.journal.record(job.host, "lock-refused", e.to_string());
        return refused(e.to_string());
    }
    job.journal.record(job.host, "lock", job.owner);
    let report = locked_apply(link, job).unwrap_or_else(|e| refused(e.to_string()));
    match link.unlock() {
        Ok(()) => job.journal.record(job.host, "unlock", ""),
        Err(e) => job.journal.record(job.host, "unlock-failed", e.to_string()),
    }
    report
}

fn locked_apply(link: &mut dyn HostLink, job: &ApplyJob) -> Result<ApplyReport, LinkError> {
    let live = read_all(link, &job.desired.reads())?;
    let ops = diff(&job.desired.facts, &live).map_err(|e| LinkError::Transport(e.to_string()))?;
    if let Some(plan) = job.plan {
        let now = live.snapshot_hash();
        if now != plan.snapshot || plan.ops != ops {
            job.journal.record(job.host, "stale-plan", &now);
            return Ok(ApplyReport {
                status: ApplyStatus::Refused(format!(
                    "the plan is stale: host {} changed since the plan was made (snapshot {} now, {} in the plan)\n  help: run `xspctl plan` again, review it, and apply the new plan",
                    job.host,
                    short(&now),
                    short(&plan.snapshot)
                )),
                restart_required: false,
            });
        }
    }
    if ops.is_empty() {
        job.journal.record(job.host, "no-change", "");
        return Ok(ApplyReport {
            status: ApplyStatus::Ok,
            restart_required: false,
        });
    }

    let touched = touched_facts(&job.desired.facts, &ops);
    let backup = Backup {
        id: format!("{}-{}", job.host, job.run_id),
        host: job.host.to_string(),
        created: now_rfc3339(),
        facts: touched
            .iter()
            .map(|f| as_found(f, &live))
            .collect::<Result<_, _>>()
            .map_err(|e| LinkError::Transport(e.to_string()))?,
        live: live.subset(&touched.iter().map(Fact::context_ref).collect::<Vec<_>>()),
    };
    if let Err(e) = job.store.save_backup(&backup) {
        return Err(LinkError::Transport(format!(
            "cannot write the backup to {}: {e}; nothing was changed",
            job.store.root().display()
        )));
    }
    job.journal.record(job.host, "backup", &backup.id);

    let mut restart_required = false;
    let outcome = write_and_confirm(link, job, &ops, &touched, &mut restart_required);
    let status = match outcome {
        Ok(()) => ApplyStatus::Changed {
            writes: ops.len(),
            backup: backup.id.clone(),
        },
        Err(error) => {
            let rollback = restore(link, job.host, &backup.facts, job.journal)
                .map(|_| ())
                .map_err(|e| e.to_string());
            ApplyStatus::Failed {
                error,
                rollback,
                backup: backup.id.clone(),
            }
        }
    };
    Ok(ApplyReport {
        status,
        restart_required,
    })
}

fn write_and_confirm(
    link: &mut dyn HostLink,
    job: &ApplyJob,
    ops: &[Op],
    touched: &[Fact],
    restart_required: &mut bool,
) -> Result<(), String> {
    for op in ops {
        let line = format!("{}> {}", op.context, op.command_line());
        match link.write(op) {
            Ok(w) => {
                *restart_required |= w.restart_required || op.restart;
                job.journal.record(job.host, "write", &line);
            }
            Err(e) => {
                job.journal
                    .record(job.host, "write-failed", format!("{line}: {e}"));
                return Err(e.to_string());
            }
        }
    }
    let refs: Vec<ContextRef> = touched.iter().map(Fact::context_ref).collect();
    let after = read_all(link, &refs).map_err(|e| e.to_string())?;
    let left = diff(touched, &after).map_err(|e| e.to_string())?;
    if !left.is_empty() {
        let lines: Vec<String> = left
            .iter()
            .map(|o| format!("{}> {}", o.context, o.command_line()))
            .collect();
        job.journal
            .record(job.host, "confirm-failed", lines.join("; "));
        return Err(format!(
            "the host does not hold what was written; still different: {}",
            lines.join("; ")
        ));
    }
    job.journal.record(
        job.host,
        "confirm",
        format!("{} writes confirmed", ops.len()),
    );
    Ok(())
}

/// Brings the host back to `facts` (a backup) and confirms it by a re-read.
pub fn restore(
    link: &mut dyn HostLink,
    host: &str,
    facts: &[Fact],
    journal: &Journal,
) -> Result<usize, LinkError> {
    let refs: Vec<ContextRef> = facts.iter().map(Fact::context_ref).collect();
    let now = read_all(link, &refs)?;
    let ops = diff(facts, &now).map_err(|e| LinkError::Transport(e.to_string()))?;
    for op in &ops {
        let line = format!("{}> {}", op.context, op.command_line());
        link.write(op)?;
        journal.record(host, "rollback-write", line);
    }
    let after = read_all(link, &refs)?;
    let left = diff(facts, &after).map_err(|e| LinkError::Transport(e.to_string()))?;
    if !left.is_empty() {
        let msg = format!("rollback incomplete: {} differences remain", left.len());
        journal.record(host, "rollback-failed", &msg);
        return Err(LinkError::Transport(msg));
    }
    journal.record(
        host,
        "rollback",
        format!("{} writes, host matches the backup", ops.len()),
    );
    Ok(ops.len())
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
        Fact::Attribute(a) => {
            let mut a = a.clone();
            if let Some(v) = live
                .get(&fact.context_ref())
                .and_then(|c| c.attribute(&a.name))
            {
                a.value = v.to_string();
            }
            Fact::Attribute(a)
        }
    })
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests;
