//! The playbook's waivers (`verify.waivers`) applied to a verify report: a finding
//! that did not pass and that a waiver in force covers keeps its verdict, shows the
//! waiver, and no longer fails the run; a waiver that has expired covers nothing,
//! and is itself an error on each host it names, so that an exception cannot
//! silently outlive its date (issue #11, "Interface").
use time::Date;

use crate::playbook::CheckWaiver;
use crate::report::{CheckId, Finding, RunReport, Verdict, Waived};

/// Applies `waivers` to `report` as of `today` (UTC).
pub fn apply_waivers(report: &mut RunReport, waivers: &[CheckWaiver], today: Date) {
    if waivers.is_empty() {
        return;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    for host in &mut report.hosts {
        let mut expired: Vec<&CheckWaiver> = Vec::new();
        for finding in host.checks.iter_mut().filter(|f| f.status != Verdict::Pass) {
            let Some(w) = waivers.iter().find(|w| covers(w, finding)) else {
                continue;
            };
            if w.expires >= today {
                finding.waive(Waived {
                    reason: w.reason.clone(),
                    expires: w.expires.format(&format).unwrap_or_default(),
                    at: w.at.to_string(),
                });
            } else if !expired.contains(&w) {
                expired.push(w);
            }
        }
        for w in expired {
            let expires = w.expires.format(&format).unwrap_or_default();
            host.checks.push(
                Finding::about(
                    &host.host,
                    CheckId::VerifyWaiverExpired,
                    format!("waiver of {} ({})", w.check.as_str(), w.at),
                    Verdict::Fail,
                    "a waiver in force, or none",
                    format!("expired on {expires}: {}", w.reason),
                )
                .with_fix(format!(
                    "fix what {} finds, or, if the exception still stands, set a new `expires` and reason for the waiver at {}",
                    w.check.as_str(),
                    w.at
                )),
            );
        }
        host.status = host.status.of_kept_findings(&host.checks);
    }
}

/// Whether `w` names `finding`'s check, host and subject.
fn covers(w: &CheckWaiver, finding: &Finding) -> bool {
    w.check == finding.id
        && w.host.as_deref().is_none_or(|pattern| {
            glob::Pattern::new(pattern).is_ok_and(|p| p.matches(&finding.host))
        })
        && w.subject
            .as_deref()
            .is_none_or(|s| finding.subject.contains(s))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::playbook::Location;
    use crate::report::{HostResult, HostStatus, Severity};

    fn waiver(host: Option<&str>, expires: Date) -> CheckWaiver {
        CheckWaiver {
            check: CheckId::TlsCertificateName,
            host: host.map(str::to_string),
            subject: Some("HTTP".into()),
            reason: "CHG-1: wildcard until renewal".into(),
            expires,
            at: Location {
                file: "pb.yaml".into(),
                line: 7,
                col: 5,
            },
        }
    }

    fn report() -> RunReport {
        let mut host = HostResult::new("xsp1", "farm", HostStatus::Findings);
        for subject in [
            "HTTP 10.0.0.1:443 certificate",
            "CTI 10.0.0.1:8012 certificate",
        ] {
            host.checks.push(Finding::about(
                "xsp1",
                CheckId::TlsCertificateName,
                subject,
                Verdict::Fail,
                "named",
                "not named",
            ));
        }
        RunReport {
            command: "verify".into(),
            run_id: "run".into(),
            hosts: vec![host],
        }
    }

    #[test]
    fn a_waiver_in_force_covers_its_host_and_subject_only() {
        let mut r = report();
        apply_waivers(
            &mut r,
            &[waiver(Some("xsp*"), date!(2027 - 01 - 31))],
            date!(2027 - 01 - 31),
        );
        let checks = &r.hosts[0].checks;
        assert_eq!(checks[0].severity, Severity::Info);
        assert_eq!(checks[0].status, Verdict::Fail);
        let w = checks[0].waived.as_ref().unwrap();
        assert_eq!(
            (w.expires.as_str(), w.at.as_str()),
            ("2027-01-31", "pb.yaml:7:5")
        );
        assert!(checks[1].waived.is_none(), "the CTI subject is not waived");
        assert_eq!(r.hosts[0].status, HostStatus::Findings);

        let mut other = report();
        apply_waivers(
            &mut other,
            &[waiver(Some("as*"), date!(2027 - 01 - 31))],
            date!(2026 - 12 - 02),
        );
        assert!(other.hosts[0].checks.iter().all(|c| c.waived.is_none()));
    }

    #[test]
    fn an_expired_waiver_covers_nothing_and_is_an_error_itself() {
        let mut r = report();
        apply_waivers(
            &mut r,
            &[waiver(None, date!(2026 - 12 - 01))],
            date!(2026 - 12 - 02),
        );
        let checks = &r.hosts[0].checks;
        assert!(checks[0].waived.is_none());
        let expired: Vec<&Finding> = checks
            .iter()
            .filter(|c| c.id == CheckId::VerifyWaiverExpired)
            .collect();
        assert_eq!(expired.len(), 1, "one finding per waiver and host");
        assert_eq!(
            expired[0].observed,
            "expired on 2026-12-01: CHG-1: wildcard until renewal"
        );
        assert!(expired[0].fix.as_deref().unwrap().contains("pb.yaml:7:5"));
    }

    #[test]
    fn a_host_whose_only_errors_are_waived_is_ok() {
        let mut r = report();
        let mut w = waiver(None, date!(2027 - 01 - 31));
        w.subject = None;
        apply_waivers(&mut r, &[w], date!(2026 - 12 - 02));
        assert_eq!(r.hosts[0].status, HostStatus::Ok);
    }
}
