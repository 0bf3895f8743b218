//! The read-only run: verify.
use std::time::Duration;

use super::{RunContext, failed, on_host, plan_on, result};
use crate::apply::read_all;
use crate::desired::DesiredTree;
use crate::fleet::Progress;
use crate::live::LiveTree;
use crate::plan::HostPlan;
use crate::plan::views::evaluate;
use crate::playbook::Host;
use crate::report::{Check, CheckStatus, HostResult, HostStatus};
use crate::verify::tls::{Expectation, check_endpoint};

/// `verify` on one host: drift, then TLS handshakes on every configured interface.
pub fn verify_host(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    progress: &Progress,
) -> HostResult {
    on_host(host, ctx, progress, |link| {
        match plan_on(host, link, progress) {
            Ok((plan, desired)) => match read_all(link, &desired.reads()) {
                Ok(live) => checks(host, ctx, timeout, progress, plan, &desired, &live),
                Err(e) => failed(host, e.to_string()),
            },
            Err(e) => failed(host, e),
        }
    })
}

/// The drift check and the TLS checks of every probe.
fn checks(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    progress: &Progress,
    plan: HostPlan,
    desired: &DesiredTree,
    live: &LiveTree,
) -> HostResult {
    let mut checks = vec![drift_check(&plan)];
    let pending = ctx.store.pending_restarts().get(&host.name).cloned();
    for probe in &desired.probes {
        progress.step(&format!("TLS handshakes {}:{}", probe.address, probe.port));
        let view = |name: &str| {
            desired
                .views
                .iter()
                .find(|v| v.name == name)
                .map(|v| evaluate(v, live).values)
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
    let all_pass = checks.iter().all(|c| c.status == CheckStatus::Pass);
    let mut notes = Vec::new();
    if all_pass && pending.is_some() && !desired.probes.is_empty() {
        // The handshakes show the settings in effect: someone restarted the host.
        match ctx.store.set_pending_restart(&host.name, false) {
            Ok(()) => {
                notes.push("the changes are in effect; the pending restart is cleared".into())
            }
            Err(e) => notes.push(format!("could not clear the pending restart: {e}")),
        }
    }
    HostResult {
        checks,
        plan: Some(plan),
        notes,
        ..result(
            host,
            if all_pass {
                HostStatus::Ok
            } else {
                HostStatus::Findings
            },
        )
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
