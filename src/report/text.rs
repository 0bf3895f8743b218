//! The text rendering: per host, the plan as a diff and the checks; then a summary
//! table. Secrets never reach here (plans hold only what the CLI shows).
use std::fmt::Write;

use console::Style;

use crate::plan::HostPlan;
use crate::report::{Finding, HostResult, HostStatus, RunReport, Verdict};

struct Palette {
    add: Style,
    del: Style,
    set: Style,
    dim: Style,
    bold: Style,
    warn: Style,
}

impl Palette {
    fn new(colour: bool) -> Palette {
        let s = |st: Style| st.force_styling(colour);
        Palette {
            add: s(Style::new().green()),
            del: s(Style::new().red()),
            set: s(Style::new().yellow()),
            dim: s(Style::new().dim()),
            bold: s(Style::new().bold()),
            warn: s(Style::new().magenta().bold()),
        }
    }

    fn status(&self, status: HostStatus) -> Style {
        match status.outcome() {
            crate::exit::Outcome::Ok => self.add.clone(),
            crate::exit::Outcome::Pending => self.set.clone(),
            crate::exit::Outcome::Error => self.del.clone(),
        }
    }
}

/// Renders a run report as text.
pub fn render(report: &RunReport, colour: bool) -> String {
    let p = Palette::new(colour);
    let mut out = String::new();
    for host in &report.hosts {
        host_block(&mut out, host, &p);
    }
    summary(&mut out, report, &p);
    out
}

fn host_block(out: &mut String, h: &HostResult, p: &Palette) {
    let _ = writeln!(
        out,
        "{} {} {}",
        p.bold.apply_to(&h.host),
        p.dim.apply_to(format!("(farm {})", h.farm)),
        p.status(h.status).apply_to(h.status.label())
    );
    if let Some(plan) = &h.plan {
        plan_lines(out, plan, p);
    }
    for f in &h.checks {
        finding_lines(out, f, p);
    }
    if let Some(e) = &h.error {
        for (i, line) in e.lines().enumerate() {
            let lead = if i == 0 { "error: " } else { "       " };
            let _ = writeln!(out, "  {}{line}", p.del.apply_to(lead));
        }
    }
    for n in &h.notes {
        let _ = writeln!(out, "  {}", p.dim.apply_to(n));
    }
    if let Some(since) = &h.awaiting_restart {
        let _ = writeln!(
            out,
            "  {}",
            p.set.apply_to(format!(
                "awaiting a restart {since}: applied changes are not in effect yet"
            ))
        );
    }
    out.push('\n');
}

/// One finding: its verdict, id, subject and observation; for one that did not
/// pass, what was expected, the evidence, the fix and the source.
fn finding_lines(out: &mut String, f: &Finding, p: &Palette) {
    let (mark, style) = match f.status {
        Verdict::Pass => ("ok  ", &p.add),
        Verdict::Fail => ("FAIL", &p.del),
        Verdict::Wait => ("WAIT", &p.set),
        Verdict::Skip => ("skip", &p.dim),
        Verdict::Warn if f.is_error() => ("WARN", &p.del),
        Verdict::Warn => ("WARN", &p.warn),
    };
    let _ = writeln!(
        out,
        "  {} {} {}: {}",
        style.apply_to(mark),
        p.dim.apply_to(f.id),
        f.subject,
        f.observed
    );
    if f.status == Verdict::Pass {
        return;
    }
    if let Some(w) = &f.waived {
        let _ = writeln!(
            out,
            "       {} until {} ({}): {}",
            p.warn.apply_to("waived"),
            w.expires,
            w.at,
            w.reason
        );
    }
    let _ = writeln!(out, "       expected: {}", f.expected);
    for line in &f.evidence {
        let _ = writeln!(out, "       evidence: {}", p.dim.apply_to(line));
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "       fix: {fix}");
    }
    if let Some(src) = &f.source {
        let _ = writeln!(out, "       source: {}", p.dim.apply_to(src));
    }
    if f.status == Verdict::Warn {
        let (style, what) = if f.is_error() {
            (&p.del, "a warning: counted as a failure (--strict)")
        } else {
            (
                &p.warn,
                "a warning: not a failure (`verify --strict` counts it as one)",
            )
        };
        let _ = writeln!(out, "       {}", style.apply_to(what));
    }
}

fn plan_lines(out: &mut String, plan: &HostPlan, p: &Palette) {
    let mut context = "";
    for op in &plan.ops {
        if op.place() != context {
            context = op.place();
            let _ = writeln!(out, "  {}>", op.place());
        }
        let sign = op.sign();
        let style = match sign {
            '+' => &p.add,
            '-' => &p.del,
            _ => &p.set,
        };
        let was = match op.note() {
            Some(note) => format!("  {}", p.dim.apply_to(format!("({note})"))),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "    {} {}{was}",
            style.apply_to(sign),
            style.apply_to(op.command_line())
        );
    }
    for s in plan.secrets.iter().filter(|s| s.set_because.is_none()) {
        let _ = writeln!(
            out,
            "  {}>\n    = {} {}",
            s.context,
            s.name,
            p.dim.apply_to(format!("({})", s.state()))
        );
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "  {} {w}", p.warn.apply_to("warning:"));
    }
    if let Some(check) = plan.patches.as_ref().filter(|c| !c.missing.is_empty()) {
        let _ = writeln!(
            out,
            "  {}",
            p.del.apply_to(format!(
                "{} of {} required patches missing (xspctl checks patches, never installs them):",
                check.missing.len(),
                check.required
            ))
        );
        for m in &check.missing {
            let _ = writeln!(out, "    {} {}", p.del.apply_to('!'), m.describe());
        }
    }
    let changed: Vec<_> = plan.views.iter().filter(|v| v.before != v.after).collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "  effective after apply:");
        for v in changed {
            let _ = writeln!(
                out,
                "    {}: {} {} -> {} {}",
                v.name,
                brief(&v.before.values),
                p.dim.apply_to(format!("({})", v.before.level)),
                p.bold.apply_to(brief(&v.after.values)),
                p.dim.apply_to(format!("({})", v.after.level)),
            );
        }
    }
    if plan.restart_required() {
        let _ = writeln!(
            out,
            "  {}",
            p.set
                .apply_to("restart required for these changes to take effect")
        );
    }
}

/// A list, shortened after three items: `A, B, C and 10 more`.
fn brief(values: &[String]) -> String {
    match values.len() {
        0 => "(none)".to_string(),
        n if n <= 4 => values.join(", "),
        n => format!("{} and {} more", values[..3].join(", "), n - 3),
    }
}

fn summary(out: &mut String, report: &RunReport, p: &Palette) {
    table(out, report, p);
    awaiting_restart(out, report, p);
}

/// After the table: every host whose applied changes still wait for a restart,
/// and the command that does it.
fn awaiting_restart(out: &mut String, report: &RunReport, p: &Palette) {
    let waiting: Vec<&str> = report
        .hosts
        .iter()
        .filter(|h| h.awaiting_restart.is_some())
        .map(|h| h.host.as_str())
        .collect();
    if waiting.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        p.set.apply_to(format!(
            "{} host{} awaiting a restart: {}",
            waiting.len(),
            if waiting.len() == 1 { "" } else { "s" },
            waiting.join(", ")
        ))
    );
    let hosts: String = waiting.iter().map(|h| format!(" --host {h}")).collect();
    let _ = writeln!(
        out,
        "  help: `xspctl apply -f PLAYBOOK{hosts} --restart rolling` restarts them one host per farm at a time"
    );
}

/// `3 changes`, and `, 2 patches missing` when the host lacks required patches.
fn plan_detail(plan: Option<&HostPlan>) -> String {
    let changes = plan.map_or(0, |p| p.ops.len());
    let missing = plan
        .and_then(|p| p.patches.as_ref())
        .map_or(0, |c| c.missing.len());
    match missing {
        0 => format!("{changes} changes"),
        n => format!("{changes} changes, {n} patches missing"),
    }
}

/// `5 of 6 checks passed, 1 warning`.
fn verify_detail(findings: &[Finding]) -> String {
    let passed = findings
        .iter()
        .filter(|f| f.status == Verdict::Pass)
        .count();
    let mut detail = format!("{passed} of {} checks passed", findings.len());
    let warnings = findings
        .iter()
        .filter(|f| f.status == Verdict::Warn)
        .count();
    if warnings > 0 {
        let _ = write!(
            detail,
            ", {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        );
    }
    detail
}

fn table(out: &mut String, report: &RunReport, p: &Palette) {
    let rows: Vec<[String; 4]> = report
        .hosts
        .iter()
        .map(|h| {
            let detail = match report.command.as_str() {
                "plan" => plan_detail(h.plan.as_ref()),
                "verify" => verify_detail(&h.checks),
                _ => format!("{} writes", h.writes),
            };
            [
                h.host.clone(),
                h.farm.clone(),
                h.status.label().to_string(),
                detail,
            ]
        })
        .collect();
    let headers = ["HOST", "FARM", "STATUS", "DETAIL"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([headers[i].len()])
            .max()
            .unwrap_or(0)
    };
    let w = [width(0), width(1), width(2)];
    let _ = writeln!(
        out,
        "{}",
        p.bold.apply_to(format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            headers[0],
            headers[1],
            headers[2],
            headers[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        ))
    );
    for (r, h) in rows.iter().zip(&report.hosts) {
        let status = format!("{:<w2$}", r[2], w2 = w[2]);
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {}  {}",
            r[0],
            r[1],
            p.status(h.status).apply_to(status),
            r[3],
            w0 = w[0],
            w1 = w[1]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CheckId;

    fn report(status: Verdict) -> RunReport {
        let finding = Finding::about(
            "h",
            CheckId::TlsAcceptsTls12,
            "CTI 10.0.0.1:8012 TLSv1.2",
            status,
            "TLSv1.2 accepted",
            "seen",
        );
        let checks = vec![finding];
        RunReport {
            command: "verify".into(),
            run_id: "r".into(),
            hosts: vec![HostResult {
                status: HostStatus::of_findings(&checks),
                checks,
                ..HostResult::new("h", "f", HostStatus::Ok)
            }],
        }
    }

    /// The mark of the report's only finding, coloured: (colour codes, word).
    fn mark(report: &RunReport) -> (String, String) {
        let text = render(report, true);
        let line = text
            .lines()
            .find(|l| l.contains("tls.accepts-tls12"))
            .unwrap();
        let mark = line.trim_start().split(' ').next().unwrap();
        let word = mark.find(|c: char| c.is_ascii_uppercase()).unwrap();
        (mark[..word].to_string(), mark[word..word + 4].to_string())
    }

    #[test]
    fn a_warning_has_its_own_word_and_colour_and_strict_shows_it_as_a_failure() {
        let (warn_colour, word) = mark(&report(Verdict::Warn));
        assert_eq!(word, "WARN");
        assert!(!warn_colour.is_empty());
        let (wait_colour, _) = mark(&report(Verdict::Wait));
        let (fail_colour, _) = mark(&report(Verdict::Fail));
        assert_ne!(warn_colour, wait_colour);
        assert_ne!(warn_colour, fail_colour);

        let mut strict = report(Verdict::Warn);
        strict.count_warnings_as_errors();
        assert_eq!(strict.hosts[0].status, HostStatus::Findings);
        assert_eq!(mark(&strict), (fail_colour, "WARN".to_string()));
        assert!(render(&strict, false).contains("counted as a failure (--strict)"));
    }
}
