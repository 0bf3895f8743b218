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
                Ok(live) => {
                    let pending = super::change::awaiting_restart(host, ctx, link);
                    checks(host, pending, timeout, progress, plan, &desired, &live)
                }
                Err(e) => failed(host, e.to_string()),
            },
            Err(e) => failed(host, e),
        }
    })
}

/// The drift check, the pending-restart check when one is pending, and the TLS
/// checks of every probe.
fn checks(
    host: &Host,
    pending: Option<String>,
    timeout: Duration,
    progress: &Progress,
    plan: HostPlan,
    desired: &DesiredTree,
    live: &LiveTree,
) -> HostResult {
    let mut checks = vec![drift_check(&plan)];
    if let Some(since) = &pending {
        checks.push(restart_check(host, since));
    }
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
                    "{}; configured, not in effect: a restart is pending {since}",
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
    // Passing TLS checks do not prove a restart: an added protocol or suite is not
    // observable this way. Only a restart clears the pending restart (decisions.md).
    HostResult {
        checks,
        plan: Some(plan),
        awaiting_restart: pending,
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

/// A restart is pending: applied changes may not be in effect, whatever the
/// handshakes show.
fn restart_check(host: &Host, since: &str) -> Check {
    Check {
        id: "config.restart-pending".into(),
        subject: "running configuration".into(),
        status: CheckStatus::Pending,
        expected: "BroadWorks restarted since the last applied change that needs it".into(),
        observed: format!("awaiting a restart {since}; applied changes may not be in effect"),
        fix: Some(format!(
            "`xspctl apply -f PLAYBOOK --host {} --restart rolling` (restarts it and clears the pending restart)",
            host.name
        )),
        source: None,
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
