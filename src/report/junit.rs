//! JUnit XML for CI: one test suite per run, one test case per host for plan and
//! apply, one test case per finding for verify. A warning is a passing test case
//! with a `system-out` note, unless `verify --strict` made it an error.
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::exit::Outcome;
use crate::report::{Finding, RunReport, Verdict};

/// Renders a run report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut suite = TestSuite::new(format!("xspctl {}", report.command));
    for host in &report.hosts {
        if host.checks.is_empty() || host.error.is_some() {
            let status = match host.status.outcome() {
                Outcome::Ok => TestCaseStatus::success(),
                Outcome::Pending => failure(host.status.label()),
                Outcome::Error => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(host.error.clone().unwrap_or_default());
                    s
                }
            };
            let mut case = TestCase::new(format!("{} {}", report.command, host.host), status);
            case.set_classname(host.farm.clone());
            suite.add_test_case(case);
        }
        for finding in &host.checks {
            suite.add_test_case(finding_case(finding));
        }
    }
    let mut r = Report::new(format!("xspctl-{}", report.run_id));
    r.add_test_suite(suite);
    r.to_string().unwrap_or_default()
}

fn failure(message: &str) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
    s.set_message(message.to_string());
    s
}

/// A finding's test case, named `ID SUBJECT`, in the host's class.
fn finding_case(f: &Finding) -> TestCase {
    let detail = || {
        let mut lines = vec![format!("expected: {}", f.expected)];
        lines.extend(f.evidence.iter().map(|e| format!("evidence: {e}")));
        lines.extend(f.fix.iter().map(|fix| format!("fix: {fix}")));
        lines.extend(f.source.iter().map(|s| format!("source: {s}")));
        lines.join("\n")
    };
    let mut note = None;
    let status = match f.status {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(f.observed.clone());
            s
        }
        Verdict::Warn if !f.is_error() => {
            note = Some(format!("warning: {}\n{}", f.observed, detail()));
            TestCaseStatus::success()
        }
        Verdict::Fail | Verdict::Wait | Verdict::Warn => {
            let mut s = failure(&format!("expected {}, observed {}", f.expected, f.observed));
            s.set_description(detail());
            s
        }
    };
    let mut case = TestCase::new(format!("{} {}", f.id, f.subject), status);
    case.set_classname(f.host.clone());
    if let Some(note) = note {
        case.set_system_out(note);
    }
    case
}
