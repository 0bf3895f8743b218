//! The text rendering: per host, the plan as a diff and the checks; then a summary
//! table. Secrets never reach here (plans hold only what the CLI shows).
use std::fmt::Write;

use console::Style;

use crate::plan::HostPlan;
use crate::report::{CheckStatus, HostResult, HostStatus, RunReport};

struct Palette {
    add: Style,
    del: Style,
    set: Style,
    dim: Style,
    bold: Style,
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
    for c in &h.checks {
        let (mark, style) = match c.status {
            CheckStatus::Pass => ("ok  ", &p.add),
            CheckStatus::Fail => ("FAIL", &p.del),
            CheckStatus::Pending => ("WAIT", &p.set),
            CheckStatus::Skipped => ("skip", &p.dim),
            CheckStatus::Unproven => ("WARN", &p.set),
        };
        let _ = writeln!(
            out,
            "  {} {} {}: {}",
            style.apply_to(mark),
            p.dim.apply_to(&c.id),
            c.subject,
            c.observed
        );
        if c.status != CheckStatus::Pass {
            let _ = writeln!(out, "       expected: {}", c.expected);
            if let Some(fix) = &c.fix {
                let _ = writeln!(out, "       fix: {fix}");
            }
            if let Some(src) = &c.source {
                let _ = writeln!(out, "       source: {}", p.dim.apply_to(src));
            }
        }
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

fn table(out: &mut String, report: &RunReport, p: &Palette) {
    let rows: Vec<[String; 4]> = report
        .hosts
        .iter()
        .map(|h| {
            let passed = h
                .checks
                .iter()
                .filter(|c| c.status == CheckStatus::Pass)
                .count();
            let detail = match report.command.as_str() {
                "plan" => format!("{} changes", h.plan.as_ref().map_or(0, |p| p.ops.len())),
                "verify" => format!("{passed} of {} checks passed", h.checks.len()),
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
