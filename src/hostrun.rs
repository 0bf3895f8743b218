//! Everything done on one host in one run: connect and identify it, render its
//! desired tree, then plan, apply, verify or roll back. Blocking: the fleet runs
//! each host on a blocking thread.
use std::time::{Duration, Instant};

use crate::apply::link::HostLink;
use crate::apply::{ApplyJob, ApplyStatus, apply_host, read_all, restore};
use crate::bwcli::DriverOptions;
use crate::catalog::{Product, Release, provider_defaults};
use crate::desired::DesiredTree;
use crate::fleet::Progress;
use crate::hostlink::SshLink;
use crate::modules::tls::{Family, Wish, discovery, render_tls};
use crate::plan::diff::{converged, diff};
use crate::plan::views::evaluate;
use crate::plan::{HostPlan, ViewChange};
use crate::playbook::{Auth, Connection, Host, InterfaceTls};
use crate::report::{Check, CheckStatus, HostResult, HostStatus};
use crate::store::{Journal, Store};
use crate::transport::{AuthMethod, SshTarget};
use crate::verify::tls::{Expectation, check_endpoint};

/// What every host of a run shares.
pub struct RunContext {
    /// The local state directory.
    pub store: Store,
    /// The run's journal.
    pub journal: Journal,
    /// The run's id.
    pub run_id: String,
    /// Who runs it (`user@machine pid N run ID`), written into host locks.
    pub owner: String,
}

/// The SSH target of a playbook connection, with its secrets read now.
pub fn ssh_target(c: &Connection) -> Result<SshTarget, String> {
    let mut auth = Vec::new();
    for a in &c.auth {
        auth.push(match a {
            Auth::KeyFile { path, passphrase } => AuthMethod::KeyFile {
                path: path.clone(),
                passphrase: match passphrase {
                    Some(r) => Some(r.resolve().map_err(|e| e.to_string())?),
                    None => None,
                },
            },
            Auth::Agent => AuthMethod::Agent,
            Auth::Password(r) => AuthMethod::Password(r.resolve().map_err(|e| e.to_string())?),
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
pub fn open(host: &Host, progress: &Progress) -> Result<(SshLink, SshTarget), String> {
    let target = ssh_target(&host.connection)?;
    progress.step("connecting");
    let link = SshLink::connect(&target, driver_options(&target))?;
    let v = link.version().clone();
    let product: Product = v.server_type.parse().map_err(|_| {
        format!(
            "{}: bwshowver reports an unknown server type {}",
            host.name, v.server_type
        )
    })?;
    let release = Release::from_version(product, &v.release_tag).map_err(|e| e.to_string())?;
    if product != host.product || release != host.release {
        let _ = link.finish();
        return Err(format!(
            "{} is {} {} ({}), but the playbook says {} {}; nothing was changed\n  help: fix `product`/`release` of farm {} in the playbook, or check that the address reaches the intended host",
            host.name,
            product.name(),
            release.name(),
            v.release_tag,
            host.product.name(),
            host.release.name(),
            host.farm
        ));
    }
    Ok((link, target))
}

fn wish(w: &InterfaceTls) -> Wish {
    Wish {
        level: w.level.name().to_string(),
        protocols: w
            .protocols
            .iter()
            .map(|p| p.bwcli_name().to_string())
            .collect(),
        ciphers: w.ciphers.iter().map(|c| c.iana.to_string()).collect(),
        interfaces: w
            .interfaces
            .as_ref()
            .map(|list| list.iter().map(|s| (s.ip.to_string(), s.port)).collect()),
    }
}

/// Renders a host's desired tree from its playbook settings and what the host says
/// about itself (discovery reads).
pub fn desired_tree(host: &Host, link: &mut dyn HostLink) -> Result<DesiredTree, String> {
    let mut tree = DesiredTree::default();
    if let Some(tls) = &host.webex.tls
        && matches!(host.product, Product::Xsp | Product::Adp)
    {
        let family = if host.release.has_ssl_hierarchy() {
            Family::R22
        } else {
            Family::R21
        };
        let discovered = read_all(link, &discovery(family)).map_err(|e| e.to_string())?;
        let (protocols, ciphers) = provider_defaults(host.release);
        let protocols: Vec<String> = protocols
            .iter()
            .map(|p| p.bwcli_name().to_string())
            .collect();
        let ciphers: Vec<String> = ciphers.iter().map(|c| c.iana.to_string()).collect();
        let http = tls.http.as_ref().map(wish);
        let cti = tls.cti.as_ref().map(wish);
        tree.extend(
            render_tls(
                family,
                http.as_ref(),
                cti.as_ref(),
                &discovered,
                (&protocols, &ciphers),
            )
            .map_err(|e| e.to_string())?,
        );
    }
    Ok(tree)
}

/// Reads a host and computes its plan.
pub fn plan_on(
    host: &Host,
    link: &mut dyn HostLink,
    progress: &Progress,
) -> Result<(HostPlan, DesiredTree), String> {
    progress.step("rendering the desired state");
    let desired = desired_tree(host, link)?;
    let reads = desired.reads();
    progress.step(&format!("reading {} contexts", reads.len()));
    let live = read_all(link, &reads).map_err(|e| e.to_string())?;
    let ops = diff(&desired.facts, &live);
    let after = converged(&desired.facts, &live);
    let views = desired
        .views
        .iter()
        .map(|v| ViewChange {
            name: v.name.clone(),
            before: evaluate(v, &live),
            after: evaluate(v, &after),
        })
        .collect();
    let plan = HostPlan {
        host: host.name.clone(),
        farm: host.farm.clone(),
        snapshot: live.snapshot_hash(),
        ops,
        views,
    };
    Ok((plan, desired))
}

fn result(host: &Host, status: HostStatus, started: Instant) -> HostResult {
    HostResult {
        host: host.name.clone(),
        farm: host.farm.clone(),
        status,
        plan: None,
        writes: 0,
        checks: Vec::new(),
        error: None,
        notes: Vec::new(),
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

fn failed(host: &Host, error: String, started: Instant) -> HostResult {
    HostResult {
        error: Some(error),
        ..result(host, HostStatus::Failed, started)
    }
}

/// Saves the masked transcript of a finished link.
fn save_transcript(ctx: &RunContext, host: &Host, link: SshLink) {
    let path = ctx.store.transcript_path(&ctx.run_id, &host.name);
    if let Err(e) = link.finish().write_to(&path) {
        tracing::warn!("transcript {}: {e}", path.display());
    }
}

/// `plan` on one host.
pub fn plan_host(host: &Host, ctx: &RunContext, progress: &Progress) -> HostResult {
    let started = Instant::now();
    let (mut link, _) = match open(host, progress) {
        Ok(l) => l,
        Err(e) => return failed(host, e, started),
    };
    let outcome = plan_on(host, &mut link, progress);
    save_transcript(ctx, host, link);
    match outcome {
        Ok((plan, _)) => {
            let status = if plan.ops.is_empty() {
                HostStatus::Ok
            } else {
                HostStatus::Changes
            };
            HostResult {
                plan: Some(plan),
                ..result(host, status, started)
            }
        }
        Err(e) => failed(host, e, started),
    }
}

/// `apply` on one host; `reviewed` is the host's plan from a plan file.
pub fn apply_one(
    host: &Host,
    reviewed: Option<&HostPlan>,
    ctx: &RunContext,
    progress: &Progress,
) -> HostResult {
    let started = Instant::now();
    let (mut link, _) = match open(host, progress) {
        Ok(l) => l,
        Err(e) => return failed(host, e, started),
    };
    let planned = plan_on(host, &mut link, progress);
    let mut res = match planned {
        Err(e) => failed(host, e, started),
        Ok((plan, desired)) => {
            progress.step(&format!("applying {} changes", plan.ops.len()));
            let report = apply_host(
                &mut link,
                &ApplyJob {
                    host: &host.name,
                    desired: &desired,
                    plan: reviewed,
                    store: &ctx.store,
                    journal: &ctx.journal,
                    run_id: &ctx.run_id,
                    owner: &ctx.owner,
                },
            );
            let mut r = result(host, HostStatus::Ok, started);
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
                    rollback,
                    backup,
                } => match rollback {
                    Ok(()) => {
                        r.status = HostStatus::RolledBack;
                        r.error = Some(error);
                        r.notes.push(format!("rolled back to backup {backup}"));
                    }
                    Err(rb) => {
                        r.status = HostStatus::Failed;
                        r.error = Some(format!(
                            "{error}\nROLLBACK FAILED: {rb}\nthe host may be partly changed; backup {backup}"
                        ));
                    }
                },
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
            r.plan = Some(plan);
            r
        }
    };
    res.duration_ms = started.elapsed().as_millis() as u64;
    save_transcript(ctx, host, link);
    res
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

/// `verify` on one host: drift, then TLS handshakes on every configured interface.
pub fn verify_host(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    progress: &Progress,
) -> HostResult {
    let started = Instant::now();
    let (mut link, _) = match open(host, progress) {
        Ok(l) => l,
        Err(e) => return failed(host, e, started),
    };
    let planned = plan_on(host, &mut link, progress);
    let live = planned
        .as_ref()
        .ok()
        .map(|(_, d)| read_all(&mut link, &d.reads()));
    save_transcript(ctx, host, link);
    let (plan, desired) = match planned {
        Ok(p) => p,
        Err(e) => return failed(host, e, started),
    };
    let live = match live {
        Some(Ok(l)) => l,
        Some(Err(e)) => return failed(host, e.to_string(), started),
        None => return failed(host, "no reads".into(), started),
    };
    let mut checks = vec![drift_check(&plan)];
    let pending = ctx.store.pending_restarts().get(&host.name).cloned();
    for probe in &desired.probes {
        progress.step(&format!("TLS handshakes {}:{}", probe.address, probe.port));
        let view = |name: &str| {
            desired
                .views
                .iter()
                .find(|v| v.name == name)
                .map(|v| evaluate(v, &live).values)
                .unwrap_or_default()
        };
        let protocols = view(&probe.protocols_view);
        let suites = view(&probe.ciphers_view);
        let exp = Expectation {
            probe,
            protocols: &protocols,
            suites: &suites,
        };
        let openssl = |iana: &str| {
            crate::catalog::cipher(iana)
                .ok()
                .and_then(|c| c.openssl)
                .map(str::to_string)
        };
        for mut c in check_endpoint(&exp, &openssl, timeout) {
            if c.status == CheckStatus::Fail
                && let Some(since) = &pending
            {
                c.status = CheckStatus::Pending;
                c.observed = format!(
                    "{}; configured, not in effect: a restart is pending since {since}",
                    c.observed
                );
                c.fix = Some(format!(
                    "restart BroadWorks on {}: `xspctl apply -f PLAYBOOK --host {} --restart rolling`, or `restartbw` on the host",
                    host.name, host.name
                ));
            }
            checks.push(c);
        }
    }
    let status = if checks.iter().all(|c| c.status == CheckStatus::Pass) {
        HostStatus::Ok
    } else {
        HostStatus::Findings
    };
    HostResult {
        checks,
        plan: Some(plan),
        ..result(host, status, started)
    }
}

fn drift_check(plan: &HostPlan) -> Check {
    let lines: Vec<String> = plan
        .ops
        .iter()
        .map(|o| format!("{}> {}", o.context, o.command_line()))
        .collect();
    Check {
        id: "config.drift".into(),
        subject: "configuration".into(),
        status: if lines.is_empty() {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        },
        expected: "the host holds the playbook's settings".into(),
        observed: if lines.is_empty() {
            "no differences".into()
        } else {
            format!("{} differences: {}", lines.len(), lines.join("; "))
        },
        fix: (!lines.is_empty())
            .then(|| "xspctl apply -f PLAYBOOK (review with xspctl plan first)".into()),
        source: None,
    }
}

/// `rollback` on one host from a backup.
pub fn rollback_host(
    host: &Host,
    backup_id: Option<&str>,
    ctx: &RunContext,
    progress: &Progress,
) -> HostResult {
    let started = Instant::now();
    let backup = match ctx.store.load_backup(&host.name, backup_id) {
        Ok(b) => b,
        Err(e) => return failed(host, format!("cannot load the backup: {e}"), started),
    };
    let (mut link, _) = match open(host, progress) {
        Ok(l) => l,
        Err(e) => return failed(host, e, started),
    };
    let mut r = result(host, HostStatus::Ok, started);
    match link.lock(&ctx.owner) {
        Err(e) => {
            r.status = HostStatus::Refused;
            r.error = Some(e.to_string());
        }
        Ok(()) => {
            progress.step(&format!("restoring backup {}", backup.id));
            match restore(&mut link, &host.name, &backup.facts, &ctx.journal) {
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
            if let Err(e) = link.unlock() {
                r.notes.push(format!("could not release the lock: {e}"));
            }
        }
    }
    save_transcript(ctx, host, link);
    r.duration_ms = started.elapsed().as_millis() as u64;
    r
}

/// `unlock` on one host.
pub fn unlock_host(host: &Host, ctx: &RunContext, progress: &Progress) -> HostResult {
    let started = Instant::now();
    let (mut link, _) = match open(host, progress) {
        Ok(l) => l,
        Err(e) => return failed(host, e, started),
    };
    let outcome = link.force_unlock();
    save_transcript(ctx, host, link);
    let mut r = result(host, HostStatus::Ok, started);
    match outcome {
        Ok(Some(holder)) => {
            ctx.journal.record(&host.name, "force-unlock", &holder);
            r.notes.push(format!("removed the lock held by {holder}"));
        }
        Ok(None) => r.notes.push("the host was not locked".into()),
        Err(e) => return failed(host, e, started),
    }
    r
}
