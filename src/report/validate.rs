//! The result of `validate` in each output format: text (diagnostics on stderr),
//! JSON and JUnit (everything on stdout, for programs and CI).
use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::exit::Outcome;
use crate::playbook::{Diagnostic, LoadError, Playbook};
use crate::report::Format;

/// What `validate` found.
pub struct Validation<'a> {
    /// The playbook file given.
    pub file: &'a Path,
    /// The loaded playbook, or every problem found.
    pub result: &'a Result<Playbook, LoadError>,
}

impl Validation<'_> {
    /// Exit outcome: ok when valid, error otherwise.
    pub fn outcome(&self) -> Outcome {
        match self.result {
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::Error,
        }
    }

    fn summary(&self) -> String {
        match self.result {
            Ok(pb) => format!(
                "valid: {} hosts in {} farms ({})",
                pb.hosts.len(),
                pb.farms.len(),
                self.file.display()
            ),
            Err(e) => format!(
                "invalid: {} problems ({})",
                e.diagnostics.len(),
                self.file.display()
            ),
        }
    }

    fn diagnostics(&self) -> &[Diagnostic] {
        match self.result {
            Ok(_) => &[],
            Err(e) => &e.diagnostics,
        }
    }
}

#[derive(Serialize)]
struct JsonValidation<'a> {
    xspctl_version: &'static str,
    command: &'static str,
    file: &'a Path,
    valid: bool,
    exit_code: u8,
    hosts: usize,
    farms: usize,
    diagnostics: &'a [Diagnostic],
}

/// Renders the result for stdout and, in text, the diagnostics for stderr:
/// `(stdout, stderr)`.
pub fn render(v: &Validation, format: Format) -> (String, String) {
    match format {
        // A validation has no hosts × checks to tabulate: the pages print as text.
        Format::Text | Format::Markdown | Format::Html => match v.result {
            Ok(_) => (format!("{}\n", v.summary()), String::new()),
            Err(e) => (String::new(), format!("{e}\n")),
        },
        Format::Json => {
            let (hosts, farms) = match v.result {
                Ok(pb) => (pb.hosts.len(), pb.farms.len()),
                Err(_) => (0, 0),
            };
            let doc = JsonValidation {
                xspctl_version: env!("CARGO_PKG_VERSION"),
                command: "validate",
                file: v.file,
                valid: v.result.is_ok(),
                exit_code: v.outcome().code(),
                hosts,
                farms,
                diagnostics: v.diagnostics(),
            };
            (
                serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
                String::new(),
            )
        }
        Format::Junit => (junit(v), String::new()),
    }
}

/// One test case per problem, or one passing case for a valid playbook.
fn junit(v: &Validation) -> String {
    let mut suite = TestSuite::new("xspctl validate");
    let file = v.file.display().to_string();
    if v.diagnostics().is_empty() {
        let mut case = TestCase::new(v.summary(), TestCaseStatus::success());
        case.set_classname(file.clone());
        suite.add_test_case(case);
    }
    for d in v.diagnostics() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(d.message.clone());
        status.set_description(d.to_string());
        let mut case = TestCase::new(format!("{}:{}:{}", file, d.line, d.col), status);
        case.set_classname(file.clone());
        suite.add_test_case(case);
    }
    let mut r = Report::new("xspctl-validate");
    r.add_test_suite(suite);
    r.to_string().unwrap_or_default()
}
