//! The report as a page: Markdown, a summary an operator pastes into a change
//! ticket, and HTML, one self-contained file (no external assets) with a hosts ×
//! checks grid and each finding expandable with its evidence and fix (issue #11,
//! "Interface"). Both are rendered with tera from the same context; HTML is
//! autoescaped. They hold what the JSON report holds, so no secret.
use std::collections::BTreeMap;

use serde::Serialize;

use super::{Finding, RunReport, Verdict};

/// Which page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Markdown.
    Markdown,
    /// Self-contained HTML.
    Html,
}

/// One cell of the grid: the worst verdict of a host's findings of one check, and
/// how many there are.
#[derive(Serialize)]
struct Cell {
    word: &'static str,
    count: usize,
    waived: bool,
}

#[derive(Serialize)]
struct HostRow<'a> {
    host: &'a str,
    farm: &'a str,
    status: &'static str,
    passed: usize,
    total: usize,
    cells: Vec<Option<Cell>>,
    error: Option<&'a str>,
    notes: &'a [String],
    attention: Vec<&'a Finding>,
}

/// How bad a verdict is, for the grid's "worst".
fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => 0,
        Verdict::Skip => 1,
        Verdict::Warn => 2,
        Verdict::Wait => 3,
        Verdict::Fail => 4,
    }
}

fn cell(findings: &[&Finding]) -> Option<Cell> {
    let worst = findings.iter().max_by_key(|f| rank(f.status))?;
    Some(Cell {
        word: worst.status.word(),
        count: findings.len(),
        waived: findings
            .iter()
            .filter(|f| f.status != Verdict::Pass)
            .all(|f| f.waived.is_some())
            && worst.status != Verdict::Pass,
    })
}

/// Renders `report` as `page`.
pub fn render(report: &RunReport, page: Page) -> String {
    let checks: Vec<&str> = {
        let mut ids: Vec<_> = report
            .hosts
            .iter()
            .flat_map(|h| h.checks.iter().map(|f| f.id))
            .collect();
        ids.sort();
        ids.dedup();
        ids.into_iter().map(|id| id.as_str()).collect()
    };
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    let hosts: Vec<HostRow> = report
        .hosts
        .iter()
        .map(|h| {
            for f in &h.checks {
                *verdicts.entry(f.status.word()).or_default() += 1;
            }
            HostRow {
                host: &h.host,
                farm: &h.farm,
                status: h.status.label(),
                passed: h
                    .checks
                    .iter()
                    .filter(|f| f.status == Verdict::Pass)
                    .count(),
                total: h.checks.len(),
                cells: checks
                    .iter()
                    .map(|id| {
                        let of: Vec<&Finding> =
                            h.checks.iter().filter(|f| f.id.as_str() == *id).collect();
                        cell(&of)
                    })
                    .collect(),
                error: h.error.as_deref(),
                notes: &h.notes,
                attention: h
                    .checks
                    .iter()
                    .filter(|f| f.status != Verdict::Pass)
                    .collect(),
            }
        })
        .collect();
    let context = serde_json::json!({
        "command": report.command,
        "run_id": report.run_id,
        "version": env!("CARGO_PKG_VERSION"),
        "exit_code": report.outcome().code(),
        "checks": checks,
        "verdicts": verdicts,
        "hosts": hosts,
    });
    let name = match page {
        Page::Markdown => "report.md",
        Page::Html => "report.html",
    };
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.register_filter("md", markdown_inline);
    let rendered = tera
        .add_raw_templates([
            ("report.md", include_str!("report.md.tera")),
            ("report.html", include_str!("report.html.tera")),
        ])
        .and_then(|()| tera::Context::from_serialize(&context))
        .and_then(|ctx| tera.render(name, &ctx));
    // The templates are compiled in and the context is ours: a failure is a bug,
    // which the tests below would show; say so rather than print half a page.
    rendered.unwrap_or_else(|e| format!("error: rendering {name}: {e:?}\n"))
}

/// The `md` filter: a value kept on one Markdown line and out of table syntax
/// (`|` escaped, line breaks as spaces).
fn markdown_inline(text: &str, _: tera::Kwargs, _: &tera::State) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckId, HostResult, HostStatus, Waived};

    fn report() -> RunReport {
        let mut xsp1 = HostResult::new("xsp1", "farm", HostStatus::Findings);
        xsp1.checks.push(Finding::about(
            "xsp1",
            CheckId::TlsAcceptsTls12,
            "HTTP 10.0.0.1:443 TLSv1.2",
            Verdict::Pass,
            "accepted",
            "accepted",
        ));
        xsp1.checks.push(
            Finding::about(
                "xsp1",
                CheckId::TlsCertificateTrusted,
                "HTTP 10.0.0.1:443 certificate",
                Verdict::Fail,
                "a chain to <the CA>",
                "self-signed (CN=a|b)",
            )
            .with_evidence(["sent #1: CN=<script>".to_string()])
            .with_fix("get a CA-signed certificate"),
        );
        let mut waived = Finding::about(
            "xsp1",
            CheckId::TlsCertificateName,
            "HTTP 10.0.0.1:443 certificate",
            Verdict::Warn,
            "a SAN",
            "wildcard",
        );
        waived.waive(Waived {
            reason: "CHG-1".into(),
            expires: "2027-01-31".into(),
            at: "pb.yaml:3:5".into(),
        });
        xsp1.checks.push(waived);
        RunReport {
            command: "verify".into(),
            run_id: "run-1".into(),
            hosts: vec![xsp1, HostResult::new("xsp2", "farm", HostStatus::Ok)],
        }
    }

    #[test]
    fn markdown_summarises_hosts_and_lists_what_needs_attention() {
        let md = render(&report(), Page::Markdown);
        assert!(md.starts_with("# xspctl verify"), "{md}");
        assert!(md.contains("| xsp1 | farm | findings | 1 of 3 |"), "{md}");
        assert!(md.contains("| xsp2 | farm | ok | 0 of 0 |"), "{md}");
        assert!(
            md.contains("- **FAIL** `tls.certificate-trusted` HTTP 10.0.0.1:443 certificate: self-signed (CN=a\\|b)"),
            "{md}"
        );
        assert!(md.contains("  - fix: get a CA-signed certificate"), "{md}");
        assert!(
            md.contains("waived until 2027-01-31 (pb.yaml:3:5): CHG-1"),
            "{md}"
        );
        assert!(
            !md.contains("TLSv1.2: accepted"),
            "passes are not listed: {md}"
        );
    }

    #[test]
    fn html_is_one_escaped_page_with_a_grid_and_expandable_findings() {
        let html = render(&report(), Page::Html);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(!html.contains("<script>"), "not escaped: {html}");
        assert!(html.contains("CN=&lt;script&gt;"), "{html}");
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http"),
            "external asset"
        );
        assert!(
            html.contains("<th class=\"check\">tls.certificate-trusted</th>"),
            "{html}"
        );
        assert!(html.contains("class=\"fail\""), "{html}");
        assert!(html.contains("<details class=\"fail\">"), "{html}");
        assert!(html.contains("get a CA-signed certificate"), "{html}");
    }
}
