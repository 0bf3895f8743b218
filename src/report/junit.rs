//! JUnit XML for CI: one test suite per run, one test case per host for plan and
//! apply, one test case per check for verify.
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::exit::Outcome;
use crate::report::{CheckStatus, RunReport};

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
        for check in &host.checks {
            let status = match check.status {
                CheckStatus::Pass => TestCaseStatus::success(),
                CheckStatus::Skipped | CheckStatus::Unproven => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(check.observed.clone());
                    s
                }
                CheckStatus::Fail | CheckStatus::Pending => {
                    let mut s = failure(&format!(
                        "expected {}, observed {}",
                        check.expected, check.observed
                    ));
                    if let Some(fix) = &check.fix {
                        s.set_description(format!("fix: {fix}"));
                    }
                    s
                }
            };
            let mut case = TestCase::new(format!("{} {}", check.id, check.subject), status);
            case.set_classname(host.host.clone());
            suite.add_test_case(case);
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
