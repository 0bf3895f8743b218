//! A finding: the result of one check about one host, with its verdict, its
//! severity, what was expected and observed, the raw evidence, and the fix.
//! docs/decisions.md D19 says why a finding has both a verdict and a severity.
use serde::Serialize;

use crate::report::check_id::CheckId;
use crate::verify::enumerate::Enumeration;

/// What a finding does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the run: `verify` exits 2.
    Error,
    /// Shown, but does not fail the run unless `verify --strict`.
    Warning,
    /// Passed; for the record.
    Info,
}

impl Severity {
    /// The word JSON uses.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Whether a check held. Text and JSON use the same words (text upper-cases the
/// ones that need attention): `ok`, `fail`, `wait`, `skip`, `warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// As expected.
    #[serde(rename = "ok")]
    Pass,
    /// Not as expected.
    #[serde(rename = "fail")]
    Fail,
    /// Configured but not yet in effect: a restart is pending.
    #[serde(rename = "wait")]
    Wait,
    /// Could not be checked (the reason is in `observed`).
    #[serde(rename = "skip")]
    Skip,
    /// Neither held nor failed: e.g. the handshake stopped where the server required
    /// a client certificate, and verify has none to offer.
    #[serde(rename = "warn")]
    Warn,
}

impl Verdict {
    /// The word shown in text and JSON.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "ok",
            Verdict::Fail => "fail",
            Verdict::Wait => "wait",
            Verdict::Skip => "skip",
            Verdict::Warn => "warn",
        }
    }

    /// The severity of a finding with this verdict (before `--strict`): a pass is
    /// information, `warn` a warning, and anything else that did not hold an error.
    pub fn severity(self) -> Severity {
        match self {
            Verdict::Pass => Severity::Info,
            Verdict::Warn => Severity::Warning,
            Verdict::Fail | Verdict::Wait | Verdict::Skip => Severity::Error,
        }
    }
}

/// One check's result about one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id (docs/checks.md).
    pub id: CheckId,
    /// Whether it held.
    pub status: Verdict,
    /// What it does to the run: the verdict's severity, or `error` for a warning
    /// under `verify --strict`.
    pub severity: Severity,
    /// The host it is about (for a farm check: the odd host out).
    pub host: String,
    /// What was checked, e.g. `HTTP 10.0.0.1:443 TLSv1`.
    pub subject: String,
    /// What should be.
    pub expected: String,
    /// What is, in a sentence.
    pub observed: String,
    /// The raw observation behind `observed`: the handshake's offer and result, the
    /// differences read from the CLI, the restart mark seen. One line per item.
    pub evidence: Vec<String>,
    /// How to fix it (an exact CLI or action), when it did not pass.
    pub fix: Option<String>,
    /// The document the rule comes from.
    pub source: Option<String>,
    /// Every protocol and suite offered to the endpoint and how it answered
    /// (`tls.suite-enumeration` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<Box<Enumeration>>,
    /// The playbook's waiver that covers it, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<Waived>,
}

/// The waiver (`verify.waivers`) that covers a finding: it keeps its verdict, and
/// its severity is `info`, so it does not fail the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    /// Why the operator accepts it.
    pub reason: String,
    /// The last day the waiver holds (YYYY-MM-DD).
    pub expires: String,
    /// Where the playbook names the waiver (`file:line:col`).
    pub at: String,
}

impl Finding {
    /// The result of check `id` about `host`, with the severity of its verdict and
    /// the source the id's rule comes from. A farm check gives the name of the host
    /// that differs from the others.
    pub fn about(
        host: &str,
        id: CheckId,
        subject: impl Into<String>,
        status: Verdict,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) -> Finding {
        Finding {
            id,
            status,
            severity: status.severity(),
            host: host.to_string(),
            subject: subject.into(),
            expected: expected.into(),
            observed: observed.into(),
            evidence: Vec::new(),
            fix: None,
            source: id.source().map(str::to_string),
            enumeration: None,
            waived: None,
        }
    }

    /// With these lines of evidence added.
    pub fn with_evidence(mut self, lines: impl IntoIterator<Item = String>) -> Finding {
        self.evidence.extend(lines);
        self
    }

    /// With the enumeration it reports.
    pub fn with_enumeration(mut self, enumeration: Enumeration) -> Finding {
        self.enumeration = Some(Box::new(enumeration));
        self
    }

    /// With this fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }

    /// Changes the verdict, and the severity with it.
    pub fn set_status(&mut self, status: Verdict) {
        self.status = status;
        self.severity = status.severity();
    }

    /// Covered by `waiver`: shown with it, and no longer an error or a warning.
    pub fn waive(&mut self, waiver: Waived) {
        self.waived = Some(waiver);
        self.severity = Severity::Info;
    }

    /// Whether it fails the run.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `verify --strict`: a warning counts as a failure (its verdict stays `warn`).
    pub fn count_warning_as_error(&mut self) {
        if self.severity == Severity::Warning {
            self.severity = Severity::Error;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unproven() -> Finding {
        Finding::about(
            "xsp1",
            CheckId::TlsAcceptsTls12,
            "CTI 10.0.0.1:8012 TLSv1.2",
            Verdict::Warn,
            "TLSv1.2 accepted",
            "client certificate required; not proven",
        )
    }

    #[test]
    fn severity_follows_the_verdict_and_strict_makes_a_warning_an_error() {
        let mut f = unproven();
        assert_eq!(f.severity, Severity::Warning);
        assert!(!f.is_error());
        assert_eq!(
            f.source,
            CheckId::TlsAcceptsTls12.source().map(String::from)
        );
        f.count_warning_as_error();
        assert_eq!((f.status, f.severity), (Verdict::Warn, Severity::Error));
        assert!(f.is_error());

        let mut passed = unproven();
        passed.set_status(Verdict::Pass);
        passed.count_warning_as_error();
        assert_eq!(passed.severity, Severity::Info);
        passed.set_status(Verdict::Wait);
        assert_eq!(passed.severity, Severity::Error);
    }

    #[test]
    fn json_spells_id_verdict_and_severity_as_words() {
        let f = unproven().with_evidence(["alert 116".to_string()]);
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["id"], "tls.accepts-tls12");
        assert_eq!(v["status"], "warn");
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["host"], "xsp1");
        assert_eq!(v["evidence"][0], "alert 116");
    }
}
