//! Everything done on one host in one run: connect and identify it, render its
//! desired tree, then plan, apply, verify or roll back. Blocking: the fleet runs
//! each host on a blocking thread.
mod change;
mod check;
mod error;
mod farm;
mod listeners;

use std::time::Instant;

use crate::apply::LockedRead;
use crate::bwcli::DriverOptions;
use crate::catalog::{Product, Release};
use crate::desired::DesiredTree;
use crate::fleet::Progress;
use crate::hostlink::SshLink;
use crate::live::cached::CachedReads;
use crate::live::link::{HostLink, Liveness, LockOwner};
use crate::modules::registry;
use crate::plan::HostPlan;
use crate::plan::secrets::SecretPolicy;
use crate::playbook::{Auth, Connection, FarmFacts, Host};
use crate::report::{HostResult, HostStatus};
use crate::store::{Journal, Store};
use crate::transport::{AuthMethod, SshTarget};

pub use change::{ApplyRequest, apply_one, restart_one, rollback_host};
pub(crate) use check::discovered_endpoints;
pub use check::{SessionFacts, VerifyHow, verify_host, verify_on};
pub use error::HostError;
pub use farm::farm_stage;

/// What every host of a run shares.
pub struct RunContext {
    /// The local state directory.
    pub store: Store,
    /// The run's journal.
    pub journal: Journal,
    /// The run's id.
    pub run_id: String,
    /// Who runs it, written into host locks.
    pub owner: LockOwner,
    /// Whether plans compare secrets with the hosts' records or set them all
    /// (`--rotate-secrets`).
    pub secret_policy: SecretPolicy,
}

/// The SSH target of a playbook connection, with its secrets read now.
pub fn ssh_target(c: &Connection) -> Result<SshTarget, HostError> {
    let mut auth = Vec::new();
    for a in &c.auth {
        auth.push(match a {
            Auth::KeyFile { path, passphrase } => AuthMethod::KeyFile {
                path: path.clone(),
                passphrase: match passphrase {
                    Some(r) => Some(r.resolve()?),
                    None => None,
                },
            },
            Auth::Agent => AuthMethod::Agent,
            Auth::Password(r) => AuthMethod::Password(r.resolve()?),
        });
    }
    let jump = match &c.jump {
        Some(j) => Some(Box::new(ssh_target(j)?)),
        None => None,
    };
    Ok(SshTarget {
        address: c.address.clone(),
        port: c.port,
        user: c.user.clone(),
        auth,
        known_hosts: c.known_hosts.clone(),
        jump,
        connect_timeout: c.connect_timeout,
        command_timeout: c.command_timeout,
        keepalive: c.keepalive,
    })
}

/// Driver options for a host: its command timeout, and its SSH password masked.
pub fn driver_options(target: &SshTarget) -> DriverOptions {
    DriverOptions {
        command_timeout: target.command_timeout,
        masks: target
            .auth
            .iter()
            .filter_map(|a| match a {
                AuthMethod::Password(s) => Some(s.clone()),
                AuthMethod::KeyFile { passphrase, .. } => passphrase.clone(),
                AuthMethod::Agent => None,
            })
            .collect(),
        ..DriverOptions::default()
    }
}

/// Connects to a host and refuses it when its product or release contradicts the
/// playbook.
pub fn open(host: &Host, progress: &Progress) -> Result<SshLink, HostError> {
    let target = ssh_target(&host.connection)?;
    progress.step("connecting");
    let link = SshLink::connect(&target, driver_options(&target))?;
    let v = link.version().clone();
    let product: Product = v
        .server_type
        .parse()
        .map_err(|_| HostError::UnknownServerType {
            host: host.name.clone(),
            server_type: v.server_type.clone(),
        })?;
    let release = Release::from_version(product, &v.release_tag)?;
    if product != host.product || release != host.release {
        let _ = link.finish();
        return Err(HostError::NotAsPlaybook {
            host: host.name.clone(),
            farm: host.farm.clone(),
            product,
            release,
            tag: v.release_tag,
            wanted_product: host.product,
            wanted_release: host.release,
        });
    }
    Ok(link)
}

/// Renders a host's desired tree: every module the playbook sets for it, in
/// registry order.
fn desired_tree(host: &Host, link: &mut dyn HostLink) -> Result<DesiredTree, HostError> {
    let mut tree = DesiredTree::default();
    for (key, settings) in host.webex.configured() {
        let module = registry::module(key).ok_or_else(|| HostError::NoModule(key.to_string()))?;
        let farm = match host.webex.farm_facts(key) {
            Some(FarmFacts::Failed(why)) => return Err(HostError::FarmStage(why.clone())),
            Some(FarmFacts::Found(facts)) => Some(facts),
            None => None,
        };
        tree.extend(module.render(host, settings, farm, link)?);
    }
    Ok(tree)
}

/// Reads a host and computes its plan.
pub fn plan_on(
    host: &Host,
    link: &mut dyn HostLink,
    progress: &Progress,
    policy: SecretPolicy,
) -> Result<(HostPlan, DesiredTree), HostError> {
    read_and_plan(host, link, progress, policy).map(|read| (read.plan, read.desired))
}

/// Reads a host and computes its plan; returns the contexts as read too, which
/// apply works from under its lock. Rendering (discovery included) and the plan's
/// reads share one cache, so no context is read twice.
pub(crate) fn read_and_plan(
    host: &Host,
    link: &mut dyn HostLink,
    progress: &Progress,
    policy: SecretPolicy,
) -> Result<LockedRead, HostError> {
    let mut reads = CachedReads::new(link);
    // Patches first: a host that lacks one a module depends on gets no plan.
    progress.step("checking patches");
    let patches = crate::modules::patches::check_host(host, &mut reads)?;
    if let Some(check) = patches.as_ref().filter(|c| !c.blocking().is_empty()) {
        return Err(HostError::MissingPatches(check.clone()));
    }
    progress.step("rendering the desired state");
    let desired = desired_tree(host, &mut reads)?;
    progress.step(&format!("reading {} contexts", desired.reads().len()));
    let mut read = LockedRead::with_policy(desired, &host.name, &host.farm, &mut reads, policy)
        .map_err(HostError::Plan)?;
    read.plan.patches = patches;
    read.plan.warnings =
        crate::topology::application_warnings(host, &mut reads).map_err(HostError::Plan)?;
    Ok(read)
}

fn result(host: &Host, status: HostStatus) -> HostResult {
    HostResult::new(&host.name, &host.farm, status)
}

fn failed(host: &Host, error: impl std::fmt::Display) -> HostResult {
    HostResult::failed(
        &host.name,
        &host.farm,
        HostStatus::Failed,
        error.to_string(),
    )
}

/// Connects to `host`, runs `work` on the link, saves the masked transcript and
/// times the whole. A host that cannot be opened is a failed result.
fn on_host(
    host: &Host,
    ctx: &RunContext,
    progress: &Progress,
    work: impl FnOnce(&mut SshLink) -> HostResult,
) -> HostResult {
    let started = Instant::now();
    let mut r = match open(host, progress) {
        Ok(mut link) => {
            let r = work(&mut link);
            let path = ctx.store.transcript_path(&ctx.run_id, &host.name);
            if let Err(e) = link.finish().write_to(&path) {
                tracing::warn!("transcript {}: {e}", path.display());
            }
            r
        }
        Err(e) => failed(host, e),
    };
    r.duration_ms = started.elapsed().as_millis() as u64;
    r
}

/// `plan` on one host; a host awaiting a restart says so (and with no change
/// to make, that is its status).
pub fn plan_host(host: &Host, ctx: &RunContext, progress: &Progress) -> HostResult {
    on_host(host, ctx, progress, |link| {
        match plan_on(host, link, progress, ctx.secret_policy) {
            Ok((plan, _)) => {
                let awaiting = change::awaiting_restart(host, ctx, link);
                let missing = plan.patches.as_ref().is_some_and(|p| !p.missing.is_empty());
                let status = match (plan.ops.is_empty(), &awaiting) {
                    (false, _) => HostStatus::Changes,
                    (true, Some(_)) => HostStatus::RestartRequired,
                    (true, None) if missing => HostStatus::Findings,
                    (true, None) => HostStatus::Ok,
                };
                HostResult {
                    plan: Some(plan),
                    awaiting_restart: awaiting,
                    ..result(host, status)
                }
            }
            Err(e) => failed(host, e),
        }
    })
}

/// `unlock` on one host: shows who holds the lock; refuses while that run is
/// alive on this machine; otherwise removes it only with `force` and after
/// `confirm` (given the holder's description) agrees.
pub fn unlock_host(
    host: &Host,
    ctx: &RunContext,
    progress: &Progress,
    force: bool,
    confirm: impl FnOnce(&str) -> bool,
) -> HostResult {
    on_host(host, ctx, progress, |link| {
        let mut r = result(host, HostStatus::Ok);
        let holder = match link.lock_holder() {
            Ok(Some(h)) => h,
            Ok(None) => {
                r.notes.push("the host was not locked".into());
                return r;
            }
            Err(e) => return failed(host, e),
        };
        let who = holder.describe();
        let refuse = |why: String| HostResult {
            error: Some(why),
            ..result(host, HostStatus::Refused)
        };
        if holder.liveness() == Liveness::Alive {
            return refuse(format!(
                "the lock is held by a run that is still alive on this machine: {who}\n  help: wait for it to finish; the lock is kept"
            ));
        }
        if !force {
            return refuse(format!(
                "host is locked by {who}\n  help: if that run is gone, remove the lock with `xspctl unlock -f PLAYBOOK --host {} --force`",
                host.name
            ));
        }
        if !confirm(&who) {
            return refuse(format!("not confirmed; the lock held by {who} is kept"));
        }
        match link.remove_lock() {
            Ok(true) => {
                ctx.journal.record(&host.name, "force-unlock", &who);
                r.notes.push(format!("removed the lock held by {who}"));
            }
            Ok(false) => r.notes.push("the lock was already gone".into()),
            Err(e) => return failed(host, e),
        }
        r
    })
}
