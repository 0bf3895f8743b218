//! The result of a run (plan, apply, verify, rollback) and its renderings: text for
//! people, JSON for programs, JUnit for CI, Markdown and HTML pages for tickets.
#[cfg(test)]
mod check_docs;
pub mod check_id;
pub mod finding;
pub mod junit;
pub mod page;
pub mod text;
pub mod validate;

pub use check_id::CheckId;
pub use finding::{Finding, Severity, Verdict, Waived};

use crate::verify::farm::FarmValue;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::exit::Outcome;
use crate::plan::HostPlan;

/// How a host ended in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    /// Already as desired (apply: zero writes; plan: no changes; verify: all checks pass).
    Ok,
    /// plan: changes are pending.
    Changes,
    /// apply: changes were made and confirmed.
    Changed,
    /// apply: changes were made and need a restart that was not done.
    RestartRequired,
    /// apply: failed and rolled back to the backup.
    RolledBack,
    /// verify: some findings are errors.
    Findings,
    /// Refused before any write (stale plan, lock held, product/release mismatch).
    Refused,
    /// Failed (connection, CLI error, failed rollback).
    Failed,
}

impl HostStatus {
    /// A verified host's status: `findings` when a finding is an error, else `ok`.
    pub fn of_findings(findings: &[Finding]) -> HostStatus {
        if findings.iter().any(Finding::is_error) {
            HostStatus::Findings
        } else {
            HostStatus::Ok
        }
    }

    /// This status after some of a host's findings were left out (`verify
    /// --check`): a status that came from findings follows the ones `kept`; any
    /// other (a host that failed, or awaits a restart) stays.
    pub fn of_kept_findings(self, kept: &[Finding]) -> HostStatus {
        match self {
            HostStatus::Ok | HostStatus::Findings => HostStatus::of_findings(kept),
            other => other,
        }
    }

    /// The exit outcome this status contributes.
    pub fn outcome(self) -> Outcome {
        match self {
            HostStatus::Ok | HostStatus::Changed => Outcome::Ok,
            HostStatus::Changes | HostStatus::RestartRequired | HostStatus::Findings => {
                Outcome::Pending
            }
            HostStatus::RolledBack | HostStatus::Refused | HostStatus::Failed => Outcome::Error,
        }
    }

    /// The status as JSON spells it (kebab-case).
    pub fn word(self) -> &'static str {
        match self {
            HostStatus::Ok => "ok",
            HostStatus::Changes => "changes",
            HostStatus::Changed => "changed",
            HostStatus::RestartRequired => "restart-required",
            HostStatus::RolledBack => "rolled-back",
            HostStatus::Findings => "findings",
            HostStatus::Refused => "refused",
            HostStatus::Failed => "failed",
        }
    }

    /// The word shown to operators.
    pub fn label(self) -> &'static str {
        match self {
            HostStatus::Ok => "ok",
            HostStatus::Changes => "changes",
            HostStatus::Changed => "changed",
            HostStatus::RestartRequired => "restart required",
            HostStatus::RolledBack => "rolled back",
            HostStatus::Findings => "findings",
            HostStatus::Refused => "refused",
            HostStatus::Failed => "failed",
        }
    }
}

/// One host's result.
#[derive(Debug, Clone, Serialize)]
pub struct HostResult {
    /// Host name.
    pub host: String,
    /// Farm name.
    pub farm: String,
    /// How it ended.
    pub status: HostStatus,
    /// The plan (plan, and apply's view of what it did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<HostPlan>,
    /// Write commands sent.
    pub writes: usize,
    /// Verify's findings: one per check made, passed or not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Finding>,
    /// What went wrong, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Notes for the operator (backup id, restart done, rollback result...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set while applied changes wait for a restart: since when (or what the
    /// host's mark says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaiting_restart: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// What verify read for the farm checks, compared across the farm once every
    /// host is done (`verify::farm`); not reported itself.
    #[serde(skip)]
    pub farm_values: Vec<FarmValue>,
}

impl HostResult {
    /// A result with only a status.
    pub fn new(host: &str, farm: &str, status: HostStatus) -> HostResult {
        HostResult {
            host: host.to_string(),
            farm: farm.to_string(),
            status,
            plan: None,
            writes: 0,
            checks: Vec::new(),
            error: None,
            notes: Vec::new(),
            awaiting_restart: None,
            duration_ms: 0,
            farm_values: Vec::new(),
        }
    }

    /// A result with only a status and an error.
    pub fn failed(host: &str, farm: &str, status: HostStatus, error: String) -> HostResult {
        HostResult {
            error: Some(error),
            ..HostResult::new(host, farm, status)
        }
    }

    /// Records a restart xspctl made that the host came back from after `took`:
    /// its changes are in effect, and it no longer awaits a restart.
    pub fn restarted(&mut self, took: std::time::Duration) {
        self.status = HostStatus::Changed;
        self.awaiting_restart = None;
        self.notes.push(format!(
            "restarted; answering again after {}s",
            took.as_secs()
        ));
    }
}

/// The result of a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// `plan`, `apply`, `verify`, `rollback`.
    pub command: String,
    /// This run's id (journal and transcripts are filed under it).
    pub run_id: String,
    /// One result per host, in playbook order.
    pub hosts: Vec<HostResult>,
}

impl RunReport {
    /// `verify --strict`: every warning counts as a failure, and a verified host
    /// with one is `findings` instead of `ok`.
    pub fn count_warnings_as_errors(&mut self) {
        for host in &mut self.hosts {
            host.checks
                .iter_mut()
                .for_each(Finding::count_warning_as_error);
            if host.status == HostStatus::Ok {
                host.status = HostStatus::of_findings(&host.checks);
            }
        }
    }

    /// The exit outcome: the worst of the hosts'.
    pub fn outcome(&self) -> Outcome {
        self.hosts
            .iter()
            .map(|h| h.status.outcome())
            .fold(Outcome::Ok, Outcome::worst)
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text (colour on a terminal).
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML for CI.
    Junit,
    /// A Markdown summary, to paste into a change ticket.
    Markdown,
    /// One self-contained HTML page: a hosts × checks grid, each finding expandable.
    Html,
}

/// The JSON document: the report, with the program's version, the exit code and
/// counts (docs/exit-codes.md, "Report fields").
#[derive(Serialize)]
struct JsonReport<'a> {
    xspctl_version: &'static str,
    exit_code: u8,
    #[serde(flatten)]
    report: &'a RunReport,
    summary: Summary,
}

/// How many hosts ended in each status, checks in each verdict, and findings in
/// each severity.
#[derive(Serialize)]
struct Summary {
    hosts: BTreeMap<&'static str, usize>,
    checks: BTreeMap<&'static str, usize>,
    severity: BTreeMap<&'static str, usize>,
}

fn json(report: &RunReport) -> String {
    let mut summary = Summary {
        hosts: BTreeMap::new(),
        checks: BTreeMap::new(),
        severity: BTreeMap::new(),
    };
    for h in &report.hosts {
        *summary.hosts.entry(h.status.word()).or_default() += 1;
        for c in &h.checks {
            *summary.checks.entry(c.status.word()).or_default() += 1;
            *summary.severity.entry(c.severity.word()).or_default() += 1;
        }
    }
    let doc = JsonReport {
        xspctl_version: env!("CARGO_PKG_VERSION"),
        exit_code: report.outcome().code(),
        report,
        summary,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// Renders a report in a format.
pub fn render(report: &RunReport, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text::render(report, colour),
        Format::Json => json(report),
        Format::Junit => junit::render(report),
        Format::Markdown => page::render(report, page::Page::Markdown),
        Format::Html => page::render(report, page::Page::Html),
    }
}
