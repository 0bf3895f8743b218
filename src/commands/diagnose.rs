//! `diagnose`: collect every selected host's evidence, redact it, evaluate the
//! known-issue rules on it and write the case bundle; or, with `--offline`,
//! evaluate the rules on a bundle without touching any host.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fleetcmd::HANDSHAKE_TIMEOUT;
use super::{Output, prepare, runtime};
use crate::cli::{Cli, DiagnoseArgs, HostsArgs, PlaybookArg};
use crate::diagnose::bundle::Bundle;
use crate::diagnose::checklist::{CaseFacts, Checklist};
use crate::diagnose::collect::{Collected, collect_host};
use crate::diagnose::logs::LogLimits;
use crate::diagnose::redact::Redactor;
use crate::diagnose::rules::Rule;
use crate::diagnose::{Diagnosis, assemble, conclude, diagnose, evidence_of, rule_set};
use crate::exit::Outcome;
use crate::fleet::run_all;
use crate::playbook::{Auth, Connection, Host, Playbook};
use crate::report::{Format, HostStatus, RunReport};
use crate::verify::farm::add_farm_findings;
use crate::verify::peers::Peers;

/// Runs `diagnose`.
pub fn run(cli: &Cli, a: &DiagnoseArgs, out: &Output) -> Outcome {
    let rules = match rule_set() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the known-issue rules do not load: {e}");
            return Outcome::Error;
        }
    };
    match (&a.offline, &a.file) {
        (Some(bundle), _) => offline(bundle, rules, out),
        (None, Some(file)) => live(cli, a, file, rules, out),
        (None, None) => {
            eprintln!("error: give a playbook (-f FILE) or a bundle (--offline BUNDLE)");
            Outcome::Error
        }
    }
}

/// `--offline`: the rules on a bundle's evidence.
fn offline(path: &Path, rules: &[Rule], out: &Output) -> Outcome {
    let bundle = match Bundle::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Error;
        }
    };
    let evidence = match evidence_of(&bundle) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {}: not a diagnose bundle: {e}", path.display());
            return Outcome::Error;
        }
    };
    let diagnosis = diagnose(rules, &evidence);
    let recorded: Option<Diagnosis> = bundle
        .file("rules.json")
        .and_then(|f| serde_json::from_slice(&f.bytes).ok());
    if let Some(r) = recorded
        && r.fired != diagnosis.fired
    {
        eprintln!(
            "note: the bundle's rules.json recorded {} fired rule(s); these rules find {} on the same evidence (the rules differ from those of the run that wrote it)",
            r.fired.len(),
            diagnosis.fired.len()
        );
    }
    print(&diagnosis, None, out);
    outcome(&diagnosis, false)
}

/// Collects, redacts, evaluates and writes the bundle.
fn live(cli: &Cli, a: &DiagnoseArgs, file: &Path, rules: &[Rule], out: &Output) -> Outcome {
    let mut case = CaseFacts {
        org_id: a.org_id.clone(),
        tracking_id: a.tracking_id.clone(),
        user: a.user.clone(),
        when: a.when.clone(),
    };
    if let Err(e) = case.check() {
        eprintln!("error: {e}\nno host was contacted");
        return Outcome::Error;
    }
    let hosts_args = HostsArgs {
        playbook: PlaybookArg {
            file: file.to_path_buf(),
        },
        hosts: a.hosts.clone(),
        farms: a.farms.clone(),
        parallel: a.parallel,
    };
    let (pb, hosts, ctx) = match prepare(&hosts_args, cli.state_dir.as_deref()) {
        Ok(p) => p,
        Err(o) => return o,
    };
    // The playbook's client identity lets verify and the certificate fetch complete
    // on a CTI interface that requires a client certificate.
    let peers = match Peers::of_playbook(&pb.verify) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("error: {}: {e}\nno host was contacted", pb.path.display());
            return Outcome::Error;
        }
    };
    let path = a.out.clone().unwrap_or_else(default_name);
    case.ask_missing();
    let mut redactor = playbook_secrets(&pb);
    let contexts = crate::diagnose::rules::contexts(rules);
    let rt = match runtime() {
        Ok(r) => r,
        Err(o) => return o,
    };
    let c = Arc::clone(&ctx);
    let settings = pb.verify.clone();
    let limits = LogLimits {
        since: a.since,
        per_file: a.log_file_cap,
        per_host: a.log_host_cap,
    };
    let collected: Vec<Collected> = rt.block_on(run_all(
        hosts,
        usize::from(a.parallel),
        out.progress,
        |h: &Host| h.name.clone(),
        move |h, progress| {
            let verify = (&*peers, &settings);
            collect_host(
                &h,
                &c,
                HANDSHAKE_TIMEOUT,
                verify,
                progress,
                &contexts,
                limits,
            )
        },
        |c: &Collected| {
            if c.facts.errors.is_empty() {
                "collected".into()
            } else {
                "collected in part".into()
            }
        },
    ));
    // The farm checks compare what verify read on every host of a farm.
    let mut report = RunReport {
        command: "diagnose".into(),
        run_id: ctx.run_id.clone(),
        hosts: collected.iter().map(|c| c.verify.clone()).collect(),
    };
    add_farm_findings(&mut report, &pb);
    for c in &collected {
        for keys in &c.authservice_keys {
            redactor.add_file(keys);
        }
        // The secrets the playbook's modules set, and a password read from bwcli,
        // are masked wherever else they show (a log line).
        for s in &c.secrets {
            redactor.add(s.clone());
        }
        redactor.add_snapshot_secrets(&c.snapshot);
    }
    let facts: Vec<_> = collected.iter().map(|c| &c.facts).collect();
    let checklist = Checklist::new(case, &facts);
    let mut bundle = assemble(&collected, &report.hosts, &checklist, &redactor);
    let diagnosis = match evidence_of(&bundle).map(|e| diagnose(rules, &e)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "error: the collected evidence does not read back: {e}; no bundle was written"
            );
            return Outcome::Error;
        }
    };
    let title = format!("{} ({})", pb.path.display(), ctx.run_id);
    if let Err(e) = conclude(&mut bundle, &diagnosis, &title, &redactor) {
        eprintln!("error: {e}; no bundle was written");
        return Outcome::Error;
    }
    match bundle.write(&path, &redactor) {
        Ok(m) => eprintln!(
            "bundle written to {} ({} files, listed with their SHA-256 in manifest.json)",
            path.display(),
            m.files.len() + 1
        ),
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Error;
        }
    }
    print(&diagnosis, Some(&path), out);
    let partial = collected.iter().any(|c| !c.facts.errors.is_empty())
        || report.hosts.iter().any(|r| r.status == HostStatus::Failed);
    for c in collected.iter().filter(|c| !c.facts.errors.is_empty()) {
        for e in &c.facts.errors {
            eprintln!("{}: {e}", c.facts.name);
        }
    }
    outcome(&diagnosis, partial)
}

/// 1 when a host could not be collected whole, else 2 when a rule fired, else 0.
fn outcome(d: &Diagnosis, partial: bool) -> Outcome {
    if partial {
        Outcome::Error
    } else if d.fired.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Pending
    }
}

/// `case-YYYYmmdd-HHMM.tar.gz` in the current directory.
fn default_name() -> PathBuf {
    let now = crate::fsutil::now_compact();
    // `20261202T104012Z` -> `20261202-1040`
    let stamp = format!("{}-{}", &now[..8], &now[9..13]);
    PathBuf::from(format!("case-{stamp}.tar.gz"))
}

/// Every secret the playbook names for any host's connection (jumps included),
/// read now; one that cannot be read cannot be in the bundle either.
fn playbook_secrets(pb: &Playbook) -> Redactor {
    fn add(c: &Connection, r: &mut Redactor) {
        for a in &c.auth {
            let secret = match a {
                Auth::Password(s) => Some(s),
                Auth::KeyFile { passphrase, .. } => passphrase.as_ref(),
                Auth::Agent => None,
            };
            if let Some(Ok(s)) = secret.map(|s| s.resolve()) {
                r.add(s);
            }
        }
        if let Some(j) = &c.jump {
            add(j, r);
        }
    }
    let mut r = Redactor::default();
    for h in &pb.hosts {
        add(&h.connection, &mut r);
    }
    r
}

/// The fired rules (fix and source first), then what could not be decided.
fn print(d: &Diagnosis, bundle: Option<&Path>, out: &Output) {
    if out.format == Format::Json {
        let mut v = serde_json::to_value(d).unwrap_or_default();
        if let Some(p) = bundle {
            v["bundle"] = serde_json::Value::String(p.display().to_string());
        }
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    for f in &d.fired {
        println!("FIRED {} on {}: {}", f.rule, f.host, f.symptom);
        println!("  cause: {}", f.cause);
        println!("  fix: {}", f.fix);
        println!("  source: {}", f.source);
        for l in &f.evidence {
            println!("  evidence: {l}");
        }
    }
    for u in &d.undecided {
        println!("UNDECIDED {} on {}: {}", u.rule, u.host, u.why);
    }
    println!(
        "{} of {} known-issue rules fired ({} rule-host pairs checked, {} undecided)",
        d.fired.len(),
        d.rule_count,
        d.results.len(),
        d.undecided.len()
    );
}
