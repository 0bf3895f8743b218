//! `plan` and `verify`: read-only fleet commands.
use std::sync::Arc;
use std::time::Duration;

use super::{Output, prepare, prepare_with, runtime};
use crate::cli::{Cli, HandoffArgs, HostsArgs, PlanArgs, VerifyArgs};
use crate::exit::Outcome;
use crate::fleet::run_all;
use crate::hostrun::{RunContext, plan_host, verify_host};
use crate::plan::file::{FORMAT_VERSION, PlanFile, file_sha256};
use crate::plan::secrets::SecretPolicy;
use crate::playbook::Host;
use crate::report::{HostResult, HostStatus, RunReport};
use crate::verify::farm::add_farm_findings;
use crate::verify::peers::Peers;
use crate::verify::selection::CheckSelection;
use crate::verify::waivers::apply_waivers;

/// How long one TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `work` on every host with bounded concurrency and collects a report.
pub fn over_hosts<W>(
    command: &str,
    hosts: Vec<Host>,
    parallel: u16,
    ctx: Arc<RunContext>,
    out: &Output,
    work: W,
) -> Result<RunReport, Outcome>
where
    W: Fn(&Host, &RunContext, &crate::fleet::Progress) -> HostResult + Send + Sync + 'static,
{
    let rt = runtime()?;
    let c = ctx.clone();
    let results = rt.block_on(run_all(
        hosts,
        usize::from(parallel),
        out.progress,
        |h: &Host| h.name.clone(),
        move |h, progress| work(&h, &c, progress),
        |r: &HostResult| r.status.label().to_string(),
    ));
    Ok(RunReport {
        command: command.to_string(),
        run_id: ctx.run_id.clone(),
        hosts: results,
    })
}

/// `plan`: read every host and show what apply would change.
pub fn plan(cli: &Cli, a: &PlanArgs, out: &Output) -> Outcome {
    plan_with(
        &a.hosts,
        a.out.as_deref(),
        a.detailed_exitcode,
        SecretPolicy::rotating(a.rotate_secrets),
        cli.state_dir.as_deref(),
        out,
    )
}

/// `plan` with its arguments spelled out (the lab uses it too).
pub fn plan_with(
    h: &HostsArgs,
    plan_out: Option<&std::path::Path>,
    detailed: bool,
    secret_policy: SecretPolicy,
    state_dir: Option<&std::path::Path>,
    out: &Output,
) -> Outcome {
    let (pb, hosts, ctx) = match prepare_with(h, state_dir, secret_policy) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let report = match over_hosts("plan", hosts, h.parallel, ctx, out, plan_host) {
        Ok(r) => r,
        Err(o) => return o,
    };
    out.print(&report);
    let failed = report.hosts.iter().any(|r| r.status == HostStatus::Failed);
    if let Some(path) = plan_out {
        if failed {
            eprintln!(
                "error: no plan written to {}: some hosts could not be planned",
                path.display()
            );
            return Outcome::Error;
        }
        let file = PlanFile {
            format_version: FORMAT_VERSION,
            xspctl_version: env!("CARGO_PKG_VERSION").to_string(),
            playbook_sha256: file_sha256(&pb.path).unwrap_or_default(),
            created: crate::fsutil::now_rfc3339(),
            hosts: report.hosts.iter().filter_map(|r| r.plan.clone()).collect(),
        };
        if let Err(e) = file.save(path) {
            eprintln!("error: {e}");
            return Outcome::Error;
        }
        eprintln!("plan written to {}", path.display());
    }
    match report.outcome() {
        Outcome::Pending if !detailed => Outcome::Ok,
        o => o,
    }
}

/// `verify`: drift and TLS as negotiated; with `--watch`, again and again.
pub fn verify(cli: &Cli, a: &VerifyArgs, out: &Output) -> Outcome {
    let checks = match CheckSelection::parse(&a.checks) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Error;
        }
    };
    let once = || {
        verify_run(
            &a.hosts,
            a.strict,
            &checks,
            cli.state_dir.as_deref(),
            a.out.as_deref(),
            out,
        )
    };
    match a.watch {
        None => once().1,
        Some(every) => crate::watch::run(
            crate::watch::WatchOptions {
                every,
                metrics: a.metrics,
                max_runs: a.watch_runs,
            },
            once,
        ),
    }
}

/// `handoff`: verify's `handoff.*` checks, whose subjects are the Partner Hub
/// URLs, then (text) the URLs by cluster.
pub fn handoff(cli: &Cli, a: &HandoffArgs, out: &Output) -> Outcome {
    let checks = match CheckSelection::parse(&["handoff.*".to_string()]) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Error;
        }
    };
    let (report, outcome) = verify_run(
        &a.hosts,
        false,
        &checks,
        cli.state_dir.as_deref(),
        a.out.as_deref(),
        out,
    );
    if let Some(report) = report.filter(|_| out.format == crate::report::Format::Text) {
        print!("{}", crate::verify::handoff::summary(&report));
    }
    outcome
}

/// `verify` with its arguments spelled out (the lab uses it too); `strict` counts
/// warnings as failures; only the `checks` selected are made and reported; the
/// report goes to `report_file` when given, else to standard output. Returns the
/// report too (`None` when the run stopped before reaching a host).
pub fn verify_run(
    h: &HostsArgs,
    strict: bool,
    checks: &CheckSelection,
    state_dir: Option<&std::path::Path>,
    report_file: Option<&std::path::Path>,
    out: &Output,
) -> (Option<RunReport>, Outcome) {
    let (pb, hosts, ctx) = match prepare(h, state_dir) {
        Ok(p) => p,
        Err(o) => return (None, o),
    };
    // What verify presents and trusts: the playbook's identity and server CAs, read before any host is
    // reached, and an untrusted one made now.
    let peers = match Peers::of_playbook(&pb.verify) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("error: {}: {e}", pb.path.display());
            return (None, Outcome::Error);
        }
    };
    let selection = checks.clone();
    let settings = pb.verify.clone();
    let mut report = match over_hosts("verify", hosts, h.parallel, ctx, out, move |h, c, p| {
        verify_host(h, c, &selection, HANDSHAKE_TIMEOUT, &peers, &settings, p)
    }) {
        Ok(r) => r,
        Err(o) => return (None, o),
    };
    add_farm_findings(&mut report, &pb);
    apply_waivers(
        &mut report,
        &pb.verify.waivers,
        time::OffsetDateTime::now_utc().date(),
    );
    checks.keep_selected(&mut report);
    if strict {
        report.count_warnings_as_errors();
    }
    let outcome = report.outcome();
    match report_file {
        None => out.print(&report),
        Some(path) => {
            let text = crate::report::render(&report, out.format, false);
            if let Err(e) = crate::fsutil::write_atomic(path, text.as_bytes()) {
                eprintln!("error: cannot write the report to {}: {e}", path.display());
                return (Some(report), Outcome::Error);
            }
            eprintln!("report written to {}", path.display());
        }
    }
    (Some(report), outcome)
}
