//! The read-only run: verify.
use std::time::Duration;

use super::{HostError, RunContext, failed, on_host, read_and_plan, result};
use crate::bwcli::ShowVersion;
use crate::desired::{DesiredTree, Probe};
use crate::fleet::Progress;
use crate::hostlink::SshLink;
use crate::live::cached::CachedReads;
use crate::live::link::HostLink;
use crate::live::link::read_all;
use crate::live::{LiveTree, MissingColumn};
use crate::modules::certificates::{CertificatesSettings, InterfaceCert, Side};
use crate::modules::cti_mtls::CtiMtlsSettings;
use crate::modules::tls::{Discovered, TlsModuleError, Wish, render_tls};
use crate::modules::tls_module;
use crate::plan::HostPlan;
use crate::plan::secrets::SecretPolicy;
use crate::plan::views::evaluate;
use crate::playbook::{Host, Role, VerifySettings};
use crate::report::{CheckId, Finding, HostResult, HostStatus, Verdict};
use crate::verify::dns::{HostNames, Interface};
use crate::verify::farm::read_farm_values;
use crate::verify::farm_host;
use crate::verify::mtls::{self, CtiEndpoint, MtlsClients};
use crate::verify::peers::Peers;
use crate::verify::selection::CheckSelection;
use crate::verify::tls::{EndpointCheck, Expectation, TlsLists, check_endpoint};
use crate::verify::webex_apps;

/// `verify` on one host: drift, then TLS handshakes on every interface, those the
/// playbook configures and those the host has besides; DNS, reachability and the
/// clock as `settings` (the playbook's `verify` section) asks.
pub fn verify_host(
    host: &Host,
    ctx: &RunContext,
    selection: &CheckSelection,
    timeout: Duration,
    peers: &Peers,
    settings: &VerifySettings,
    progress: &Progress,
) -> HostResult {
    let how = VerifyHow {
        selection,
        timeout,
        peers,
        settings,
        progress,
    };
    on_host(host, ctx, progress, |link| {
        let session = SessionFacts::of(host, ctx, link);
        verify_on(host, link, session, &how)
    })
}

/// What a verify checks and with what: the checks, the handshake timeout, the
/// peers' identities, the playbook's `verify` section, where progress goes.
pub struct VerifyHow<'a> {
    /// The checks wanted.
    pub selection: &'a CheckSelection,
    /// Each handshake's and probe's timeout.
    pub timeout: Duration,
    /// The identities the probes present and trust.
    pub peers: &'a Peers,
    /// The playbook's `verify` section.
    pub settings: &'a VerifySettings,
    /// Where progress goes.
    pub progress: &'a Progress,
}

/// What verify knows of a host from its session before reading anything.
pub struct SessionFacts {
    /// The host's release and build, as its session's `bwshowver` told.
    pub version: ShowVersion,
    /// The restart the host waits for: this machine's record or the host's mark.
    pub pending_restart: Option<String>,
}

impl SessionFacts {
    /// What `link`'s session knows of `host`.
    pub fn of(host: &Host, ctx: &RunContext, link: &SshLink) -> SessionFacts {
        SessionFacts {
            version: link.version().clone(),
            pending_restart: super::change::awaiting_restart(host, ctx, link),
        }
    }
}

/// [`verify_host`] on an open session (`diagnose` verifies on the session it
/// collects on, so that nothing is read twice); `session` is what
/// [`SessionFacts::of`] told of it.
pub fn verify_on(
    host: &Host,
    link: &mut dyn HostLink,
    session: SessionFacts,
    how: &VerifyHow<'_>,
) -> HostResult {
    let VerifyHow {
        selection,
        timeout,
        peers,
        settings,
        progress,
    } = *how;
    let SessionFacts {
        version,
        pending_restart: pending,
    } = session;
    progress.step("rendering the desired state");
    // One discovery serves the playbook's TLS settings and the probes of the
    // interfaces the playbook leaves alone.
    let mut reads = CachedReads::new(link);
    let discovered = match tls_module::discovery(host, &mut reads) {
        Ok(d) => d,
        Err(e) => return failed(host, e.to_string()),
    };
    let read = match read_and_plan(host, &mut reads, progress, SecretPolicy::Compare) {
        Ok(r) => r,
        Err(HostError::MissingPatches(check)) => {
            return HostResult {
                checks: vec![check.finding(&host.name)],
                notes: vec![
                    "nothing else was checked: the host lacks patches its modules depend on".into(),
                ],
                ..result(host, HostStatus::Findings)
            };
        }
        Err(e) => return failed(host, e),
    };
    let endpoints = match discovered_endpoints(host, discovered.as_ref()) {
        Ok(t) => t,
        Err(e) => return failed(host, e),
    };
    // The other interfaces' views and the farm checks: what the plan read
    // already comes from the cache.
    let mut live = read.live;
    match read_all(&mut reads, &endpoints.reads()) {
        Ok(more) => live.contexts.extend(more.contexts),
        Err(e) => return failed(host, e.to_string()),
    }
    let mut farm_values = match read_farm_values(host, &mut reads)
        .and_then(|v| Ok([v, farm_host::read(host, &version, &mut reads)?].concat()))
    {
        Ok(v) => v,
        Err(e) => return failed(host, e.to_string()),
    };
    // The application modules' own checks, then the network's.
    let mut host_checks = match webex_apps::host_findings(host, selection, &mut reads) {
        Ok(f) => f,
        Err(e) => return failed(host, e),
    };
    drop(reads);
    host_checks.extend(network_checks(
        host, link, settings, selection, timeout, &endpoints, progress,
    ));
    host_checks.extend(crate::verify::handoff::checks(
        host,
        &interfaces(&endpoints),
        &settings.dns,
        peers,
        selection,
        timeout,
    ));
    let result = checks(
        host,
        pending,
        host_checks,
        selection,
        timeout,
        peers,
        progress,
        read.plan,
        &read.desired,
        &endpoints,
        &live,
    );
    // What the probes saw, compared across the farm too (farm.tls, farm.trust-anchors).
    farm_values.extend(farm_host::observed(&result.checks));
    HostResult {
        farm_values,
        ..result
    }
}

/// Every secure HTTP and CTI interface `discovered` found, as probes and views
/// with no facts: the TLS module rendered with empty wishes.
pub(crate) fn discovered_endpoints(
    host: &Host,
    discovered: Option<&Discovered>,
) -> Result<DesiredTree, TlsModuleError> {
    let mut tree = DesiredTree::default();
    let Some(discovered) = discovered else {
        return Ok(tree);
    };
    let family = tls_module::family(host);
    let (protocols, ciphers) = tls_module::defaults(host);
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
            Err(e) => return Err(e),
        }
    }
    Ok(tree)
}

/// The suites the playbook lists for an endpoint kind (`http`, `cti`).
fn playbook_suites(host: &Host, endpoint: &str) -> Vec<String> {
    let tls = host.webex.tls();
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

/// The drift check and, as `selection` wants, the TLS and mTLS checks of every endpoint.
#[allow(clippy::too_many_arguments)]
fn checks(
    host: &Host,
    pending: Option<String>,
    network: Vec<Finding>,
    selection: &CheckSelection,
    timeout: Duration,
    peers: &Peers,
    progress: &Progress,
    plan: HostPlan,
    desired: &DesiredTree,
    discovered: &DesiredTree,
    live: &LiveTree,
) -> HostResult {
    let mut checks = vec![drift_check(host, &plan)];
    if let Some(patches) = &plan.patches {
        checks.push(patches.finding(&host.name));
    }
    if let Some(since) = &pending {
        checks.push(restart_check(host, since));
    }
    checks.extend(network);
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
    let (probe_tls, probe_mtls) = (
        selection.wants_family("tls") || selection.wants(CheckId::FarmTls),
        selection.wants_family("mtls") || selection.wants(CheckId::FarmTrustAnchors),
    );
    for (probe, tree, managed) in endpoints {
        if probe_mtls {
            mtls_checks(host, probe, &peers.clients, timeout, progress, &mut checks);
        }
        if !probe_tls {
            continue;
        }
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
        // A CTI interface may require a client certificate: the TLS probes present
        // the playbook's identity, so that they complete.
        let client = peers
            .clients
            .webex
            .as_ref()
            .filter(|_| probe.endpoint == "cti");
        let supplied = supplied_certificate(host, probe);
        let exp = Expectation {
            host: &host.name,
            probe,
            client,
            listed_suites: &listed_suites,
            supplied_certificate: supplied.map(|i| i.cert_pem.as_str()),
            fqdn: supplied.map(|i| i.fqdn.as_str()),
            host_fqdn: host.fqdn.as_deref(),
            trust: &peers.servers,
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
            mut finding,
            configured_as_expected,
        } in check_endpoint(&exp, &openssl, timeout)
        {
            if finding.status == Verdict::Fail {
                explain_failure(
                    &mut finding,
                    host,
                    managed,
                    configured_as_expected,
                    pending.as_deref(),
                );
            }
            checks.push(finding);
        }
    }
    let status = HostStatus::of_findings(&checks);
    // Passing TLS checks do not prove a restart: an added protocol or suite is not
    // observable this way. Only a restart clears the pending restart (decisions.md D11).
    HostResult {
        checks,
        plan: Some(plan),
        notes,
        awaiting_restart: pending,
        ..result(host, status)
    }
}

/// The secure HTTP and CTI interfaces `endpoints` probes.
fn interfaces(endpoints: &DesiredTree) -> Vec<Interface> {
    endpoints
        .probes
        .iter()
        .map(|p| Interface {
            kind: p.endpoint.clone(),
            address: p.address.clone(),
            port: p.port,
        })
        .collect()
}

/// The DNS, reachability and clock checks `selection` wants (issue #11 checks 6,
/// 7 and 8): DNS of the host's `fqdn`, inbound TCP and TLS to each secure
/// interface the host has, outbound from the host (when `verify.reach` is set),
/// and its clock, read on the host through `link`.
fn network_checks(
    host: &Host,
    link: &mut dyn HostLink,
    settings: &VerifySettings,
    selection: &CheckSelection,
    timeout: Duration,
    endpoints: &DesiredTree,
    progress: &Progress,
) -> Vec<Finding> {
    let interfaces = interfaces(endpoints);
    let mut out = Vec::new();
    if let Some(fqdn) = host
        .fqdn
        .as_deref()
        .filter(|_| selection.wants_family("dns"))
    {
        progress.step(&format!("DNS {fqdn}"));
        let names = HostNames {
            host: &host.name,
            fqdn,
            serves_xsi: host.roles.contains(&Role::Xsi),
            interfaces: &interfaces,
        };
        out.extend(crate::verify::dns::checks(
            &names,
            &settings.dns,
            selection,
            timeout,
        ));
    }
    if selection.wants(CheckId::ReachInbound) {
        for i in &interfaces {
            progress.step(&format!("reaching {}:{}", i.address, i.port));
            out.push(crate::verify::reach::inbound(&host.name, i, timeout));
        }
    }
    let outbound = crate::verify::reach::outbound_targets(host, &settings.reach);
    if let Some(targets) = outbound.filter(|_| selection.wants(CheckId::ReachOutbound)) {
        progress.step("outbound connections from the host");
        out.extend(crate::verify::reach::outbound(&host.name, &targets, link));
    }
    if selection.wants(CheckId::TimeNtpSynchronised) {
        out.push(crate::verify::time::synchronised(&host.name, link));
    }
    if selection.wants(CheckId::TimeClockSkew) {
        out.push(crate::verify::time::skew(&host.name, link));
    }
    out
}

/// The certificate `webex.certificates` supplies for `probe`'s interface: the same
/// kind, address and (HTTP) port.
fn supplied_certificate<'h>(host: &'h Host, probe: &Probe) -> Option<&'h InterfaceCert> {
    let settings = host.webex.get::<CertificatesSettings>("certificates")?;
    settings.interfaces.iter().find(|i| {
        let kind = match i.side {
            Side::Http => "http",
            Side::Cti => "cti",
        };
        kind == probe.endpoint
            && i.ip == probe.address
            && i.port.is_none_or(|port| port == probe.port)
    })
}

/// The mTLS checks of `probe`, when it is a CTI interface of a host whose playbook
/// sets `cti_mtls`.
fn mtls_checks(
    host: &Host,
    probe: &Probe,
    clients: &MtlsClients,
    timeout: Duration,
    progress: &Progress,
    checks: &mut Vec<Finding>,
) {
    let Some(mtls) = host.webex.get::<CtiMtlsSettings>("cti_mtls") else {
        return;
    };
    if probe.endpoint != "cti" {
        return;
    }
    progress.step(&format!("mTLS handshakes {}:{}", probe.address, probe.port));
    let at = CtiEndpoint {
        host: &host.name,
        address: &probe.address,
        port: probe.port,
    };
    checks.extend(mtls::checks(&at, &mtls.anchors, clients, timeout));
}

/// A restart is pending: applied changes may not be in effect, whatever the
/// handshakes show. `since` says how it is known (xspctl's record or the host's
/// mark), which is the evidence.
fn restart_check(host: &Host, since: &str) -> Finding {
    Finding::about(
        &host.name,
        CheckId::ConfigRestartPending,
        "running configuration",
        Verdict::Wait,
        "BroadWorks restarted since the last applied change that needs it",
        format!("awaiting a restart {since}; applied changes may not be in effect"),
    )
    .with_evidence([format!("pending restart: {since}")])
    .with_fix(format!(
        "`xspctl apply -f PLAYBOOK --host {} --restart rolling` (restarts it and clears the pending restart)",
        host.name
    ))
}

/// Says why a TLS check failed: configured but not in effect (a restart is
/// pending), or the host's configuration itself allows it (drift, or a playbook
/// without TLS settings for the interface).
fn explain_failure(
    finding: &mut Finding,
    host: &Host,
    managed: bool,
    configured_as_expected: bool,
    pending: Option<&str>,
) {
    match pending {
        Some(since) if configured_as_expected => {
            finding.set_status(Verdict::Wait);
            finding.observed = format!(
                "{}; configured, not in effect: a restart is pending {since}",
                finding.observed
            );
            finding.fix = Some(format!(
                "restart BroadWorks on {}: `xspctl apply -f PLAYBOOK --host {} --restart rolling`, or `restartbw` on the host",
                host.name, host.name
            ));
        }
        _ if finding.fix.is_some() => {}
        _ if !configured_as_expected && managed => {
            finding.fix = Some(format!(
                "the host's configuration allows this: review `xspctl plan -f PLAYBOOK --host {}`, then apply and restart",
                host.name
            ));
        }
        _ if !configured_as_expected => {
            finding.fix = Some(
                "the host's configuration allows this, and the playbook sets no TLS for this interface: add `webex.tls` (docs/playbook.md), then apply and restart".into(),
            );
        }
        _ => {
            finding.fix = Some(format!(
                "configured but not in effect, and no restart is recorded: restart BroadWorks on {} (`restartbw`)",
                host.name
            ));
        }
    }
}

/// Drift: the plan's differences. The evidence is what was read: one line per
/// command apply would send (with the value the host holds, where it replaces one),
/// then each effective value that would change, as the host serves it now.
fn drift_check(host: &Host, plan: &HostPlan) -> Finding {
    let ops = plan.ops.iter().map(|o| {
        let note = o.note().map(|n| format!(" ({n})")).unwrap_or_default();
        format!("{}> {}{note}", o.place(), o.command_line())
    });
    let views = plan.views.iter().filter(|v| v.before != v.after).map(|v| {
        format!(
            "{} is now {} ({}); the playbook's: {} ({})",
            v.name,
            listed(&v.before.values),
            v.before.level,
            listed(&v.after.values),
            v.after.level
        )
    });
    let (status, observed) = match plan.ops.len() {
        0 => (Verdict::Pass, "no differences".to_string()),
        1 => (Verdict::Fail, "1 difference".to_string()),
        n => (Verdict::Fail, format!("{n} differences")),
    };
    let lines: Vec<String> = ops.chain(views).collect();
    let finding = Finding::about(
        &host.name,
        CheckId::ConfigDrift,
        "configuration",
        status,
        "the host holds the playbook's settings",
        observed,
    )
    .with_evidence(lines);
    match status {
        Verdict::Pass => finding,
        _ => finding.with_fix("xspctl apply -f PLAYBOOK (review with xspctl plan first)"),
    }
}

/// Values as a list, `(none)` for none.
fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "(none)".to_string()
    } else {
        values.join(", ")
    }
}
