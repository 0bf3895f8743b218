//! `apply`: converge the hosts, from a reviewed plan file or after confirmation;
//! then, on request, restart the hosts that need it, one host per farm at a time.
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::fleetcmd::over_hosts;
use super::{Output, prepare_with, runtime};
use crate::apply::gate::PlanGate;
use crate::cli::{ApplyArgs, Cli, RestartMode};
use crate::exit::Outcome;
use crate::fleet::run_all;
use crate::hostrun::{ApplyRequest, HostError, RunContext, apply_one, plan_host, restart_one};
use crate::plan::file::{PlanFile, file_sha256};
use crate::playbook::Host;
use crate::report::{HostStatus, RunReport};

/// How long a host of a reviewed plan waits for the other hosts' checks (each
/// bounded by its connect and command timeouts) before the plan is refused.
const GATE_WAIT: Duration = Duration::from_secs(600);

/// `apply`.
pub fn apply(cli: &Cli, a: &ApplyArgs, out: &Output) -> Outcome {
    apply_with(a, cli.state_dir.as_deref(), out)
}

/// `apply` with its arguments spelled out (the lab uses it too).
pub fn apply_with(a: &ApplyArgs, state_dir: Option<&Path>, out: &Output) -> Outcome {
    let (pb, mut hosts, ctx) = match prepare_with(&a.hosts, state_dir, a.secret_policy()) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let plan = match &a.plan {
        Some(path) => match reviewed_plan(path, &pb.path) {
            Ok(p) => Some(Arc::new(p)),
            Err(o) => return o,
        },
        None => None,
    };
    if let Some(p) = &plan {
        // Apply exactly what was reviewed: the plan's hosts, nothing else.
        hosts.retain(|h| p.host(&h.name).is_some());
    }
    if plan.is_none() && !a.yes {
        match confirm(&hosts, a.hosts.parallel, ctx.clone(), out) {
            Ok(true) => {}
            Ok(false) => return Outcome::Ok,
            Err(o) => return o,
        }
    }
    // A reviewed plan is applied whole or not at all: every host is locked, read and
    // checked before any is written, so all of them run at once up to the gate;
    // the gate lets at most --parallel of them write at a time.
    let parallel = usize::from(a.hosts.parallel);
    let gate = plan
        .as_ref()
        .map(|_| Arc::new(PlanGate::new(hosts.len(), parallel, GATE_WAIT)));
    let workers = match &gate {
        Some(_) => u16::try_from(hosts.len())
            .unwrap_or(u16::MAX)
            .max(a.hosts.parallel),
        None => a.hosts.parallel,
    };
    let p = plan.clone();
    let playbook = pb.path.clone();
    let mut report = match over_hosts(
        "apply",
        hosts.clone(),
        workers,
        ctx.clone(),
        out,
        move |h, c, progress| {
            let req = ApplyRequest {
                reviewed: p.as_ref().and_then(|p| p.host(&h.name)),
                gate: gate.as_deref(),
                playbook: &playbook,
            };
            apply_one(h, &req, c, progress)
        },
    ) {
        Ok(r) => r,
        Err(o) => return o,
    };
    if a.restart == RestartMode::Rolling
        && let Err(o) = rolling_restart(
            &mut report,
            &hosts,
            &ctx,
            Duration::from_secs(a.restart_timeout),
            out,
        )
    {
        return o;
    }
    out.print(&report);
    report.outcome()
}

/// Loads a plan file and checks it was made from this playbook.
fn reviewed_plan(path: &Path, playbook: &Path) -> Result<PlanFile, Outcome> {
    let plan = PlanFile::load(path).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Error
    })?;
    let now = file_sha256(playbook).unwrap_or_default();
    if now != plan.playbook_sha256 {
        eprintln!(
            "error: the plan {} was made from a different version of {}; refusing to apply it\n  help: run `xspctl plan -f {} --out {}` again and review it",
            path.display(),
            playbook.display(),
            playbook.display(),
            path.display()
        );
        return Err(Outcome::Error);
    }
    Ok(plan)
}

/// Shows the plan and asks; refuses without a terminal.
fn confirm(
    hosts: &[Host],
    parallel: u16,
    ctx: Arc<RunContext>,
    out: &Output,
) -> Result<bool, Outcome> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "error: refusing to apply without review: not on a terminal\n  help: review `xspctl plan --out plan.json` and run `xspctl apply --plan plan.json`, or pass --yes"
        );
        return Err(Outcome::Error);
    }
    let report = over_hosts("plan", hosts.to_vec(), parallel, ctx, out, plan_host)?;
    out.print(&report);
    if report.hosts.iter().all(|h| h.status == HostStatus::Ok) {
        eprintln!("nothing to apply");
        return Ok(false);
    }
    eprint!("Apply these changes? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    // docs/decisions.md D15: `y` and `yes` (any case) apply; anything else declines.
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        return Ok(true);
    }
    eprintln!(
        "nothing applied: the answer was {:?}, not y or yes; the changes above are still pending",
        answer.trim()
    );
    Err(Outcome::Pending)
}

/// Restarts the hosts whose changes need it: farms in parallel, one host per farm
/// at a time, each waited for until it answers bwcli again.
fn rolling_restart(
    report: &mut RunReport,
    hosts: &[Host],
    ctx: &Arc<RunContext>,
    timeout: Duration,
    out: &Output,
) -> Result<(), Outcome> {
    let mut farms: BTreeMap<String, Vec<Host>> = BTreeMap::new();
    for r in &report.hosts {
        if r.status == HostStatus::RestartRequired
            && let Some(h) = hosts.iter().find(|h| h.name == r.host)
        {
            farms.entry(h.farm.clone()).or_default().push(h.clone());
        }
    }
    if farms.is_empty() {
        return Ok(());
    }
    let c = ctx.clone();
    let rt = runtime()?;
    let count = farms.len();
    let results = rt.block_on(run_all(
        farms.into_values().collect(),
        count,
        out.progress,
        |farm: &Vec<Host>| format!("restart {}", farm[0].farm),
        move |farm, progress| {
            let mut done = Vec::new();
            for h in farm {
                let r = restart_one(&h, &c, timeout, progress);
                let stop = r.is_err();
                done.push((h.name.clone(), r));
                if stop {
                    // Keep the rest of this farm serving: never restart a second
                    // host while one has not come back.
                    break;
                }
            }
            done
        },
        |d: &Vec<(String, Result<Duration, HostError>)>| {
            if d.iter().all(|(_, r)| r.is_ok()) {
                "restarted".into()
            } else {
                "failed".into()
            }
        },
    ));
    for (name, r) in results.into_iter().flatten() {
        if let Some(hr) = report.hosts.iter_mut().find(|h| h.host == name) {
            match r {
                Ok(took) => hr.restarted(took),
                Err(e) => {
                    hr.status = HostStatus::Failed;
                    hr.error = Some(format!("restart failed: {e}"));
                }
            }
        }
    }
    Ok(())
}
