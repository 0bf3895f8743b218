//! Planning under the lock: what the host should hold, what it holds (contexts,
//! files, the record of secrets), and the plan of actions between them.
use crate::desired::{CommandFact, ContextRef, DesiredTree};
use crate::live::link::{HostLink, read_all};
use crate::live::{LiveTree, MissingColumn};
use crate::plan::commands::{diff_commands, reason};
use crate::plan::diff::{converged, diff};
use crate::plan::files::HostFiles;
use crate::plan::secrets::{HostSecrets, SecretPolicy, statuses};
use crate::plan::views::evaluate;
use crate::plan::{Action, HostPlan, ViewChange};
use crate::secret::SecretRecord;
use crate::secret::record::SECRET_RECORD;

/// A host as read under the lock: what it should hold, what it holds, and the
/// plan between them. These reads are the plan's reads: they decide the writes,
/// the backup and the stale-plan check, and no context is read twice.
pub struct LockedRead {
    /// What the host should hold.
    pub desired: DesiredTree,
    /// The contexts the desired tree reads, as the host holds them.
    pub live: LiveTree,
    /// The plan from `live` to `desired` (its snapshot is `live`'s).
    pub plan: HostPlan,
    /// The secrets `desired` names, resolved, and the host's record of them.
    pub secrets: HostSecrets,
    /// The files `desired` names: the content wanted, and the host's as read.
    pub files: HostFiles,
}

impl LockedRead {
    /// Reads the contexts `desired` names from the host and plans from them: the
    /// operations, and each view's effective value before and after (the plan is
    /// named after `host` of `farm`). Secrets are compared with the host's record.
    pub fn of(
        desired: DesiredTree,
        host: &str,
        farm: &str,
        link: &mut dyn HostLink,
    ) -> Result<LockedRead, String> {
        LockedRead::with_policy(desired, host, farm, link, SecretPolicy::Compare)
    }

    /// [`LockedRead::of`], with secrets compared or all set (`policy`). The
    /// host's record is read only when `desired` names a secret; each secret is
    /// resolved once, and masked in the session from then on.
    pub fn with_policy(
        mut desired: DesiredTree,
        host: &str,
        farm: &str,
        link: &mut dyn HostLink,
        policy: SecretPolicy,
    ) -> Result<LockedRead, String> {
        // Only secret attributes are recorded; a command's secrets are only typed.
        let record = if desired.has_secrets() {
            read_record(link)?
        } else {
            None
        };
        let secrets = HostSecrets::bind(&mut desired.facts, &desired.commands, record, policy)?;
        for s in secrets.values() {
            link.mask(s);
        }
        let files = HostFiles::read(&desired.files, link)?;
        // Uploads first (a command may read one), then the commands, the CLI
        // writes (secrets last), and removals last (after the command that needed
        // the file).
        let (uploads, removals) = files.diff(&desired.files);
        let uploaded: Vec<&str> = uploads.iter().map(Action::place).collect();
        let live = read_live(link, &desired, &uploaded)?;
        let cli_ops = diff(&desired.facts, &live).map_err(|e| e.to_string())?;
        let runs = diff_commands(&desired.commands, &live, &uploaded).map_err(|e| e.to_string())?;
        // A transient file (a key for sslUpdate) is on the host only around the
        // commands that use it.
        let running: Vec<&CommandFact> = desired
            .commands
            .iter()
            .filter(|c| {
                runs.iter()
                    .any(|o| o.context == c.context && o.args == c.line)
            })
            .collect();
        let (brought, taken) = files.transient(&desired.files, &running);
        let ops: Vec<Action> = uploads
            .iter()
            .cloned()
            .chain(brought)
            .chain(runs.into_iter().map(Action::Cli))
            .chain(taken)
            .chain(cli_ops.iter().cloned().map(Action::Cli))
            .chain(removals)
            .collect();
        let after = converged(&desired.facts, &live).map_err(|e| e.to_string())?;
        let views = desired
            .views
            .iter()
            .map(|v| {
                Ok(ViewChange {
                    name: v.name.clone(),
                    before: evaluate(v, &live)?,
                    after: evaluate(v, &after)?,
                })
            })
            .collect::<Result<_, MissingColumn>>()
            .map_err(|e| e.to_string())?;
        let plan = HostPlan {
            host: host.to_string(),
            farm: farm.to_string(),
            snapshot: live.snapshot_hash(),
            secrets: statuses(&desired.facts, &cli_ops),
            ops,
            views,
            patches: None,
            warnings: Vec::new(),
        };
        Ok(LockedRead {
            desired,
            live,
            plan,
            secrets,
            files,
        })
    }
}

/// Reads the contexts `desired` names, except those a command of the plan creates
/// ([`CommandFact::creates`]: an application it activates), which do not exist
/// until it has run. The contexts of such commands are read first, to know
/// whether they run; with no such command, the reads are `desired.reads()` in
/// order.
fn read_live(
    link: &mut dyn HostLink,
    desired: &DesiredTree,
    uploaded: &[&str],
) -> Result<LiveTree, String> {
    let opening: Vec<&CommandFact> = desired
        .commands
        .iter()
        .filter(|c| !c.creates.is_empty())
        .collect();
    let mut first: Vec<ContextRef> = Vec::new();
    for at in opening.iter().map(|c| c.context_ref()) {
        if !first.contains(&at) {
            first.push(at);
        }
    }
    let mut live = read_all(link, &first).map_err(|e| e.to_string())?;
    let mut closed = Vec::new();
    for c in opening {
        if reason(c, &live, uploaded)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            closed.push(c);
        }
    }
    let rest: Vec<ContextRef> = desired
        .reads()
        .into_iter()
        .filter(|r| !first.contains(r) && !closed.iter().any(|c| c.creates_context(&r.context)))
        .collect();
    let more = read_all(link, &rest).map_err(|e| e.to_string())?;
    live.contexts.extend(more.contexts);
    Ok(live)
}

/// The host's record of the secrets xspctl set, if it has one.
fn read_record(link: &mut dyn HostLink) -> Result<Option<SecretRecord>, String> {
    match link.read_file(SECRET_RECORD) {
        Ok(Some(file)) => SecretRecord::parse(&file.bytes)
            .map(Some)
            .map_err(|e| e.to_string()),
        Ok(None) => Ok(None),
        Err(e) => Err(format!("reading {SECRET_RECORD}: {e}")),
    }
}
