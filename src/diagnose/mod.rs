//! `xspctl diagnose` (issue #12): the pre-case bundle and the known-issue rules.
//! Collection ([`collect`]) gathers each host's evidence; [`assemble`] turns it
//! into redacted bundle files; the rules ([`rules`]) are evaluated on the evidence
//! read back from those files ([`evidence_of`]), live and `--offline` alike, so
//! both see exactly the same thing; [`conclude`] adds `rules.json` and the
//! summaries. docs/diagnose.md describes the layout and lists the rules.
pub mod bundle;
pub mod certs;
pub mod checklist;
pub mod collect;
pub mod configured;
pub mod docs;
pub mod evidence;
pub mod logs;
pub mod redact;
pub mod rules;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use bundle::Bundle;
use checklist::Checklist;
use collect::Collected;
use evidence::{Evidence, FindingRecord, HostEvidence, HostFacts, Snapshot};
use redact::Redactor;
use rules::{Outcome, Rule, RuleResult};

use crate::report::{Finding, HostResult, HostStatus};

/// `hosts/<host>/` in the bundle.
fn host_dir(host: &str) -> String {
    format!("hosts/{host}")
}

/// What `verify.json` holds for a host.
#[derive(Serialize)]
struct VerifyRecord<'a> {
    status: HostStatus,
    error: &'a Option<String>,
    notes: &'a [String],
    awaiting_restart: &'a Option<String>,
    checks: &'a [Finding],
}

/// The part of `verify.json` the rules read back.
#[derive(Deserialize)]
struct VerifyFindings {
    checks: Vec<FindingRecord>,
}

/// The bundle files of the collected hosts, redacted: per host its facts, its
/// bwcli snapshot, verify's result (with the farm findings, given in `verify`
/// in the same order as `hosts`), the served certificates; and the checklist.
pub fn assemble(
    hosts: &[Collected],
    verify: &[HostResult],
    checklist: &Checklist,
    redactor: &Redactor,
) -> Bundle {
    let mut b = Bundle::default();
    let json = |b: &mut Bundle, path: String, value: &dyn erased::Json, how: &str| {
        let text = redactor.text(&value.pretty());
        b.add(path, text.into_bytes(), how);
    };
    for (c, v) in hosts.iter().zip(verify) {
        let dir = host_dir(&c.facts.name);
        json(
            &mut b,
            format!("{dir}/host.json"),
            &c.facts,
            "the playbook's facts of the host; `bwshowver` over SSH; SHA-256 of the AuthService keys: a fresh export's, else the key file left on the host, read over SFTP (neither is bundled)",
        );
        json(
            &mut b,
            format!("{dir}/bwcli.json"),
            &redactor.snapshot(&c.snapshot),
            "bwcli `get` over SSH: every context the playbook's modules, verify's farm checks, the rules and diagnose's context list read; secret-named values masked",
        );
        json(
            &mut b,
            format!("{dir}/verify.json"),
            &VerifyRecord {
                status: v.status,
                error: &v.error,
                notes: &v.notes,
                awaiting_restart: &v.awaiting_restart,
                checks: &v.checks,
            },
            "xspctl verify on the host (drift from bwcli reads; TLS handshakes from this machine), farm checks included",
        );
        json(
            &mut b,
            format!("{dir}/certificates.json"),
            &c.certificates,
            "a TLS 1.2 handshake from this machine to each secure HTTP and CTI interface; chains parsed with x509-parser",
        );
        if let Some(comparison) = &c.patch_comparison {
            json(
                &mut b,
                format!("{dir}/patches.json"),
                comparison,
                "the patches the host requires (the minimum list of its release and server type, its roles' and modules' features: src/catalog/data/required-patches.yaml) against those `listPatch.pl` lists Active, cross-checked with `bwshowver`",
            );
        }
        if let Some(patches) = &c.patches {
            b.add(
                format!("{dir}/patches.txt"),
                redactor.text(patches).into_bytes(),
                "`listPatch.pl` over SSH (exec channel): the installed patches and their state",
            );
        }
        let configured = configured::Configured {
            views: configured::views(&c.snapshot),
            files: c.configured.clone(),
        };
        json(
            &mut b,
            format!("{dir}/configured-certificates.json"),
            &configured,
            "the Certificates views of the bwcli snapshot, and the certificate files the playbook's modules configure (the playbook's copy parsed with x509-parser; the host's read over SFTP where it has one); certificate blocks only, key files never read",
        );
        for f in &c.configured {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            b.add(
                format!("{dir}/configured-certificates/{name}.pem"),
                redactor.text(&f.pem).into_bytes(),
                format!(
                    "the certificates the playbook configures at {} on the host",
                    f.path
                ),
            );
        }
        if let Some(logs) = &c.logs {
            json(
                &mut b,
                format!("{dir}/logs.json"),
                &logs.index,
                "the log sources of the host's product (src/catalog/data/log-files.yaml): each directory listed over SFTP, the files written within --since, newest first, under the per-file and per-host caps",
            );
            for f in &logs.files {
                let text = redactor.text(&String::from_utf8_lossy(&f.bytes));
                let how = format!("{} read over SFTP, secrets masked", f.path);
                if f.truncated() {
                    let cut = bundle::Truncated {
                        original_bytes: f.size,
                        kept_bytes: f.bytes.len() as u64,
                    };
                    b.add_tail(
                        f.bundle_path(&c.facts.name),
                        text.into_bytes(),
                        format!("{how}; only its last {} of {} bytes (a cap of --log-file-cap / --log-host-cap)", cut.kept_bytes, cut.original_bytes),
                        cut,
                    );
                } else {
                    b.add(f.bundle_path(&c.facts.name), text.into_bytes(), how);
                }
            }
        }
        for cert in c.certificates.iter().filter(|c| !c.pem.is_empty()) {
            b.add(
                format!(
                    "{dir}/certificates/{}-{}-{}.pem",
                    cert.endpoint, cert.address, cert.port
                ),
                redactor.text(&cert.pem).into_bytes(),
                "the chain the interface served in a TLS 1.2 handshake, leaf first",
            );
        }
    }
    json(
        &mut b,
        "checklist.json".into(),
        checklist,
        "the pre-case checklist: versions from `bwshowver`, the rest from flags or answers",
    );
    b
}

/// Serialising through a trait object, for the closure above.
mod erased {
    /// A value that prints as pretty JSON.
    pub trait Json {
        /// The value as pretty JSON, with a final newline.
        fn pretty(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> String {
            let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// The evidence the rules evaluate, read from the bundle's files.
pub fn evidence_of(bundle: &Bundle) -> Result<Evidence, String> {
    let mut out = Evidence::new();
    let facts_files = bundle
        .files
        .iter()
        .filter(|f| f.path.starts_with("hosts/") && f.path.ends_with("/host.json"));
    for f in facts_files {
        let facts: HostFacts =
            serde_json::from_slice(&f.bytes).map_err(|e| format!("{}: {e}", f.path))?;
        let dir = host_dir(&facts.name);
        let read = |name: &str| {
            let path = format!("{dir}/{name}");
            bundle
                .file(&path)
                .map(|f| f.bytes.clone())
                .ok_or_else(|| format!("{path}: missing"))
        };
        let snapshot: Snapshot = serde_json::from_slice(&read("bwcli.json")?)
            .map_err(|e| format!("{dir}/bwcli.json: {e}"))?;
        let verify: VerifyFindings = serde_json::from_slice(&read("verify.json")?)
            .map_err(|e| format!("{dir}/verify.json: {e}"))?;
        // A host that could not be reached has no comparison.
        let patches = match read("patches.json") {
            Ok(bytes) => Some(
                serde_json::from_slice(&bytes).map_err(|e| format!("{dir}/patches.json: {e}"))?,
            ),
            Err(_) => None,
        };
        out.insert(
            facts.name.clone(),
            HostEvidence {
                facts,
                snapshot,
                findings: verify.checks,
                patches,
            },
        );
    }
    if out.is_empty() {
        return Err("no hosts/<host>/host.json in the bundle".into());
    }
    Ok(out)
}

/// The compiled-in rules, loaded once.
pub fn rule_set() -> Result<&'static [Rule], String> {
    static RULES: OnceLock<Result<Vec<Rule>, String>> = OnceLock::new();
    RULES
        .get_or_init(|| rules::load().map_err(|e| e.to_string()))
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// A fired rule with what the operator needs: the rule's text and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fired {
    /// Rule id.
    pub rule: String,
    /// Host.
    pub host: String,
    /// Symptom.
    pub symptom: String,
    /// Cause.
    pub cause: String,
    /// Fix.
    pub fix: String,
    /// Source document.
    pub source: String,
    /// The evidence lines.
    pub evidence: Vec<String>,
}

/// A rule that could not be decided on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undecided {
    /// Rule id.
    pub rule: String,
    /// Host.
    pub host: String,
    /// Why.
    pub why: String,
}

/// The rules' verdict on a bundle (`rules.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// How many rules there are.
    pub rule_count: usize,
    /// Rules that fired.
    pub fired: Vec<Fired>,
    /// Rules that could not be decided.
    pub undecided: Vec<Undecided>,
    /// Every rule's outcome on every host it applies to.
    pub results: Vec<RuleResult>,
}

/// Evaluates `rules` on `evidence`.
pub fn diagnose(rules: &[Rule], evidence: &Evidence) -> Diagnosis {
    let results = rules::evaluate(rules, evidence);
    let rule = |id: &str| rules.iter().find(|r| r.id == id);
    let mut fired = Vec::new();
    let mut undecided = Vec::new();
    for r in &results {
        match (&r.outcome, rule(&r.rule)) {
            (Outcome::Fired(lines), Some(rule)) => fired.push(Fired {
                rule: rule.id.clone(),
                host: r.host.clone(),
                symptom: rule.symptom.clone(),
                cause: rule.cause.clone(),
                fix: rule.fix.clone(),
                source: rule.source.clone(),
                evidence: lines.clone(),
            }),
            (Outcome::Undecided(why), _) => undecided.push(Undecided {
                rule: r.rule.clone(),
                host: r.host.clone(),
                why: why.clone(),
            }),
            _ => {}
        }
    }
    Diagnosis {
        rule_count: rules.len(),
        fired,
        undecided,
        results,
    }
}

#[derive(Serialize)]
struct SummaryFinding {
    host: String,
    id: String,
    status: String,
    subject: String,
    observed: String,
    fix: Option<String>,
}

#[derive(Serialize)]
struct ChecklistRow {
    item: String,
    value: String,
}

/// Adds `rules.json`, `summary.md` and `summary.html` to a bundle whose evidence
/// gave `diagnosis`.
pub fn conclude(
    bundle: &mut Bundle,
    diagnosis: &Diagnosis,
    title: &str,
    redactor: &Redactor,
) -> Result<(), String> {
    bundle.add_json(
        "rules.json",
        diagnosis,
        "the known-issue rules (rules/*.yaml) evaluated on this bundle's files",
    );
    let evidence = evidence_of(bundle)?;
    let checklist: Checklist = bundle
        .file("checklist.json")
        .ok_or("checklist.json: missing")
        .and_then(|f| serde_json::from_slice(&f.bytes).map_err(|_| "checklist.json: not valid"))?;
    let mut findings = Vec::new();
    for h in evidence.values() {
        let path = format!("{}/verify.json", host_dir(&h.facts.name));
        let all: serde_json::Value = bundle
            .file(&path)
            .and_then(|f| serde_json::from_slice(&f.bytes).ok())
            .unwrap_or_default();
        for f in all["checks"].as_array().into_iter().flatten() {
            if f["status"] == "ok" {
                continue;
            }
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            findings.push(SummaryFinding {
                host: text("host"),
                id: text("id"),
                status: text("status"),
                subject: text("subject"),
                observed: text("observed"),
                fix: f["fix"].as_str().map(str::to_string),
            });
        }
    }
    let given = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not given)".into());
    let mut rows = vec![
        ("customer org id", given(&checklist.case.org_id)),
        ("tracking id", given(&checklist.case.tracking_id)),
        ("user", given(&checklist.case.user)),
        ("time of the failure", given(&checklist.case.when)),
    ]
    .into_iter()
    .map(|(item, value)| ChecklistRow {
        item: item.into(),
        value,
    })
    .collect::<Vec<_>>();
    rows.extend(checklist.versions.iter().map(|v| ChecklistRow {
        item: format!("{} ({})", v.host, v.product),
        value: v.version.clone(),
    }));
    let mut logs = Vec::new();
    for h in evidence.values() {
        let path = format!("{}/logs.json", host_dir(&h.facts.name));
        let Some(index) = bundle
            .file(&path)
            .and_then(|f| serde_json::from_slice::<logs::LogIndex>(&f.bytes).ok())
        else {
            continue;
        };
        for f in index.sources.iter().flat_map(|s| &s.files) {
            logs.push(serde_json::json!({
                "host": h.facts.name, "path": f.path, "outcome": f.outcome,
                "kept": f.kept, "size": f.size,
            }));
        }
    }
    let hosts: Vec<&HostFacts> = evidence.values().map(|h| &h.facts).collect();
    let context = serde_json::json!({
        "title": title,
        "created": crate::fsutil::now_rfc3339(),
        "version": env!("CARGO_PKG_VERSION"),
        "rule_count": diagnosis.rule_count,
        "fired": diagnosis.fired,
        "undecided": diagnosis.undecided,
        "findings": findings,
        "checklist": rows,
        "logs": logs,
        "hosts": hosts,
    });
    for name in ["summary.md", "summary.html"] {
        let text = render(name, &context)?;
        bundle.add(
            name,
            redactor.text(&text).into_bytes(),
            "rendered from rules.json, the verify findings, the checklist and the hosts' facts",
        );
    }
    Ok(())
}

/// Renders summary template `name` (`.html` autoescaped).
fn render(name: &str, context: &serde_json::Value) -> Result<String, String> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on([".html"]);
    tera.add_raw_templates([
        ("summary.md", include_str!("summary.md.tera")),
        ("summary.html", include_str!("summary.html.tera")),
    ])
    .map_err(|e| format!("summary templates: {e}"))?;
    let ctx = tera::Context::from_serialize(context).map_err(|e| e.to_string())?;
    tera.render(name, &ctx)
        .map_err(|e| format!("{name}: {e:?}"))
}
