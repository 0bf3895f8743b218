//! The read-only run: verify.
use std::time::Duration;

use super::{
    RunContext, failed, on_host, plan_from, result, tls_defaults, tls_discovery, tls_family,
};
use crate::apply::read_all;
use crate::desired::{DesiredTree, Probe};
use crate::fleet::Progress;
use crate::live::{LiveTree, MissingColumn};
use crate::modules::tls::{Discovered, TlsModuleError, Wish, render_tls};
use crate::plan::HostPlan;
use crate::plan::views::evaluate;
use crate::playbook::Host;
use crate::report::{Check, CheckStatus, HostResult, HostStatus};
use crate::verify::tls::{EndpointCheck, Expectation, TlsLists, check_endpoint};

/// `verify` on one host: drift, then TLS handshakes on every interface, those the
/// playbook configures and those the host has besides.
pub fn verify_host(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    progress: &Progress,
) -> HostResult {
    on_host(host, ctx, progress, |link| {
        progress.step("rendering the desired state");
        // One discovery serves the playbook's TLS settings and the probes of the
        // interfaces the playbook leaves alone.
        let discovered = match tls_discovery(host, link) {
            Ok(d) => d,
            Err(e) => return failed(host, e),
        };
        let read = match plan_from(host, discovered.as_ref(), link, progress) {
            Ok(r) => r,
            Err(e) => return failed(host, e),
        };
        let endpoints = match discovered_endpoints(host, discovered.as_ref()) {
            Ok(t) => t,
            Err(e) => return failed(host, e),
        };
        // The plan read the desired contexts already: read only what the other
        // interfaces' views add.
        let mut live = read.live;
        let extra: Vec<_> = endpoints
            .reads()
            .into_iter()
            .filter(|r| !live.contexts.contains_key(r))
            .collect();
        match read_all(link, &extra) {
            Ok(more) => live.contexts.extend(more.contexts),
            Err(e) => return failed(host, e.to_string()),
        }
        let pending = super::change::awaiting_restart(host, ctx, link);
        checks(
            host,
            pending,
            timeout,
            progress,
            read.plan,
            &read.desired,
            &endpoints,
            &live,
        )
    })
}

/// Every secure HTTP and CTI interface `discovered` found, as probes and views
/// with no facts: the TLS module rendered with empty wishes.
fn discovered_endpoints(
    host: &Host,
    discovered: Option<&Discovered>,
) -> Result<DesiredTree, String> {
    let mut tree = DesiredTree::default();
    let Some(discovered) = discovered else {
        return Ok(tree);
    };
    let family = tls_family(host);
    let (protocols, ciphers) = tls_defaults(host);
    let any = Wish {
        level: "interface".into(),
        protocols: Vec::new(),
        ciphers: Vec::new(),
        interfaces: None,
    };
    for (http, cti) in [(Some(&any), None), (None, Some(&any))] {
        match render_tls(family, http, cti, discovered, (&protocols, &ciphers)) {
            Ok(t) => tree.extend(t),
            // A host without a secure interface of this kind has nothing to probe.
            Err(TlsModuleError::NoInterfaces { .. }) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(tree)
}

/// The suites the playbook lists for an endpoint kind (`http`, `cti`).
fn playbook_suites(host: &Host, endpoint: &str) -> Vec<String> {
    let tls = host.webex.tls.as_ref();
    let wish = match endpoint {
        "http" => tls.and_then(|t| t.http.as_ref()),
        _ => tls.and_then(|t| t.cti.as_ref()),
    };
    wish.map(|w| w.ciphers.iter().map(|c| c.iana.to_string()).collect())
        .unwrap_or_default()
}

/// The values of a view, evaluated on the live tree.
fn effective(
    tree: &DesiredTree,
    name: &str,
    live: &LiveTree,
) -> Result<Vec<String>, MissingColumn> {
    Ok(match tree.views.iter().find(|v| v.name == name) {
        Some(v) => evaluate(v, live)?.values,
        None => Vec::new(),
    })
}

/// The drift check and the TLS checks of every endpoint.
#[allow(clippy::too_many_arguments)]
fn checks(
    host: &Host,
    pending: Option<String>,
    timeout: Duration,
    progress: &Progress,
    plan: HostPlan,
    desired: &DesiredTree,
    discovered: &DesiredTree,
    live: &LiveTree,
) -> HostResult {
    let mut checks = vec![drift_check(&plan)];
    if let Some(since) = &pending {
        checks.push(restart_check(host, since));
    }
    let mut notes = Vec::new();
    let same = |a: &Probe, b: &Probe| {
        (&a.endpoint, &a.address, a.port) == (&b.endpoint, &b.address, b.port)
    };
    let unmanaged: Vec<&Probe> = discovered
        .probes
        .iter()
        .filter(|d| !desired.probes.iter().any(|p| same(p, d)))
        .collect();
    let endpoints = desired
        .probes
        .iter()
        .map(|p| (p, desired, true))
        .chain(unmanaged.iter().map(|p| (*p, discovered, false)));
    for (probe, tree, managed) in endpoints {
        progress.step(&format!("TLS handshakes {}:{}", probe.address, probe.port));
        // What the playbook puts in effect: the plan's view after apply.
        let after = |name: &str| {
            plan.views
                .iter()
                .find(|v| v.name == name)
                .map(|v| v.after.values.clone())
                .unwrap_or_default()
        };
        let (wanted_protocols, wanted_suites) =
            (after(&probe.protocols_view), after(&probe.ciphers_view));
        let configured = effective(tree, &probe.protocols_view, live)
            .and_then(|p| Ok((p, effective(tree, &probe.ciphers_view, live)?)));
        let (configured_protocols, configured_suites) = match configured {
            Ok(c) => c,
            Err(e) => return failed(host, e.to_string()),
        };
        let listed_suites = playbook_suites(host, &probe.endpoint);
        let exp = Expectation {
            probe,
            listed_suites: &listed_suites,
            wanted: managed.then_some(TlsLists {
                protocols: &wanted_protocols,
                suites: &wanted_suites,
            }),
            configured: TlsLists {
                protocols: &configured_protocols,
                suites: &configured_suites,
            },
        };
        if !managed {
            notes.push(format!(
                "{} {}:{}: the playbook sets no TLS for this interface; checked for TLS 1.2 and exposure only",
                probe.endpoint.to_uppercase(),
                probe.address,
                probe.port
            ));
        }
        let openssl = |iana: &str| {
            crate::catalog::cipher(iana)
                .ok()
                .and_then(|c| c.openssl)
                .map(str::to_string)
        };
        for EndpointCheck {
            mut check,
            configured_as_expected,
        } in check_endpoint(&exp, &openssl, timeout)
        {
            if check.status == CheckStatus::Fail {
                explain_failure(
                    &mut check,
                    host,
                    managed,
                    configured_as_expected,
                    pending.as_deref(),
                );
            }
            checks.push(check);
        }
    }
    let all_pass = checks.iter().all(|c| c.status == CheckStatus::Pass);
    // Passing TLS checks do not prove a restart: an added protocol or suite is not
    // observable this way. Only a restart clears the pending restart (decisions.md D11).
    HostResult {
        checks,
        plan: Some(plan),
        notes,
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

/// Says why a TLS check failed: configured but not in effect (a restart is
/// pending), or the host's configuration itself allows it (drift, or a playbook
/// without TLS settings for the interface).
fn explain_failure(
    check: &mut Check,
    host: &Host,
    managed: bool,
    configured_as_expected: bool,
    pending: Option<&str>,
) {
    match pending {
        Some(since) if configured_as_expected => {
            check.status = CheckStatus::Pending;
            check.observed = format!(
                "{}; configured, not in effect: a restart is pending {since}",
                check.observed
            );
            check.fix = Some(format!(
                "restart BroadWorks on {}: `xspctl apply -f PLAYBOOK --host {} --restart rolling`, or `restartbw` on the host",
                host.name, host.name
            ));
        }
        _ if check.fix.is_some() => {}
        _ if !configured_as_expected && managed => {
            check.fix = Some(format!(
                "the host's configuration allows this: review `xspctl plan -f PLAYBOOK --host {}`, then apply and restart",
                host.name
            ));
        }
        _ if !configured_as_expected => {
            check.fix = Some(
                "the host's configuration allows this, and the playbook sets no TLS for this interface: add `webex.tls` (docs/playbook.md), then apply and restart".into(),
            );
        }
        _ => {
            check.fix = Some(format!(
                "configured but not in effect, and no restart is recorded: restart BroadWorks on {} (`restartbw`)",
                host.name
            ));
        }
    }
}

fn drift_check(plan: &HostPlan) -> Check {
    let lines: Vec<String> = plan
        .ops
        .iter()
        .map(|o| format!("{}> {}", o.place(), o.command_line()))
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
