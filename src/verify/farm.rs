//! Farm checks: values every host of a farm must hold alike. Some a module
//! declares (`modules::FarmCheck`); the others are what every host runs and
//! serves (`farm_host`: release, patches, TLS, CTI trust anchors, Xsi settings).
//! Each host's verify reads them; once every host is done, the values are compared
//! per farm and each host gets a finding: the value most hosts hold is expected
//! (on a tie, the value of the host listed first in the farm), and a host holding
//! another is the odd one out, named, with every host's value as evidence (a host
//! that agrees shows its own value).
//!
//! Why a farm's hosts must be alike: solution guide A §7.1 (L1270-1280), the load
//! balancer spreads the cloud's and the clients' traffic across the XSPs
//! transparently, so any host may serve any request; guide B §14, a farm grows by
//! XSPs "with the same apps and config"; issue #11 check 8.
use std::collections::{BTreeMap, BTreeSet};

use crate::desired::ContextRef;
use crate::live::link::HostLink;
use crate::modules::{FarmRead, registry};
use crate::playbook::{Host, Playbook};
use crate::report::{CheckId, Finding, HostStatus, RunReport, Verdict};

/// What a host shows for a farm check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// One value.
    Value(String),
    /// A set (patches, suites, CA names, settings): a host that differs is told
    /// which items it lacks and which it has besides.
    Items(BTreeSet<String>),
    /// Nothing to compare, which fails: what was seen, and how to look.
    Unreadable {
        /// What was seen instead of a value.
        observed: String,
        /// How an operator reads the value on the host.
        fix: String,
    },
}

/// One farm-check value as a host holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FarmValue {
    /// The check.
    pub id: CheckId,
    /// What is compared, as the finding's subject names it after the farm
    /// (`release`, `HTTP TLS`, `/Applications/... callControlApplicationName`).
    pub what: String,
    /// Why it must agree.
    pub why: &'static str,
    /// How to make the farm agree.
    pub fix: &'static str,
    /// Compared only among the farm's hosts that share this (the patches of one
    /// build: patch names carry the build).
    pub among: Option<String>,
    /// What the playbook declares for the host (its release): a host whose value
    /// differs while the playbook declares it otherwise than the agreeing hosts is
    /// warned, not failed (a rolling upgrade: decisions.md D44).
    pub declared: Option<String>,
    /// What the host shows.
    pub shown: Shown,
}

/// Reads the farm checks of every module the playbook sets for `host`.
pub fn read_farm_values(
    host: &Host,
    link: &mut dyn HostLink,
) -> Result<Vec<FarmValue>, crate::live::link::LinkError> {
    let mut values = Vec::new();
    for (key, _) in host.webex.configured() {
        let Some(module) = registry::module(key) else {
            continue;
        };
        for check in module.farm_checks() {
            let value = match check.read {
                FarmRead::Attribute => {
                    let at = ContextRef {
                        context: check.context.to_string(),
                        args: Vec::new(),
                    };
                    let live = link.read(&at)?;
                    live.attribute(check.attribute).map(str::to_string)
                }
                FarmRead::Computed(read) => read(host, link)?,
            };
            let shown = match value {
                Some(v) => Shown::Value(v),
                None => Shown::Unreadable {
                    observed: format!(
                        "`get` in {} does not show {}",
                        check.context, check.attribute
                    ),
                    fix: format!(
                        "check `{}` on {} (`cd {}` then `get`)",
                        check.attribute, host.name, check.context
                    ),
                },
            };
            values.push(FarmValue {
                id: check.id,
                what: format!("{} {}", check.context, check.attribute),
                why: check.why,
                fix: check.fix,
                among: None,
                declared: None,
                shown,
            });
        }
    }
    Ok(values)
}

/// What to do when a host runs the release the playbook declares for it, and
/// the others another (decisions.md D44).
const UPGRADE_FIX: &str = "finish the rolling upgrade the playbook declares: bring every host of the farm to one release, then give the farm that `release` and drop the hosts' own";

/// One host's value in a farm's comparison.
struct Member {
    /// The host's place in its farm (playbook order).
    order: usize,
    /// The host's index in the report.
    index: usize,
    /// What it holds.
    value: FarmValue,
}

/// The hosts compared together: a farm, a check, what it compares, and the
/// partition (`FarmValue::among`).
type GroupKey = (String, CheckId, String, Option<String>);

/// Compares the farm values of `report`'s hosts per farm and adds each host its
/// finding; a host that shows nothing to compare fails, and a value only one host
/// of its farm has in the run is not compared (one note per host lists them).
pub fn add_farm_findings(report: &mut RunReport, pb: &Playbook) {
    let mut groups: BTreeMap<GroupKey, Vec<Member>> = BTreeMap::new();
    for (i, r) in report.hosts.iter().enumerate() {
        let order = pb
            .farms
            .iter()
            .find(|f| f.name == r.farm)
            .and_then(|f| f.hosts.iter().position(|h| *h == r.host))
            .unwrap_or(usize::MAX);
        for v in &r.farm_values {
            let key = (r.farm.clone(), v.id, v.what.clone(), v.among.clone());
            groups.entry(key).or_default().push(Member {
                order,
                index: i,
                value: v.clone(),
            });
        }
    }
    // Per host: the checks no other host of its farm could be compared with.
    let mut alone: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for ((farm, id, what, among), mut members) in groups {
        members.sort_by_key(|m| m.order);
        let subject = format!("farm {farm} {what}");
        // A host that shows nothing to compare fails: that is not agreement.
        members.retain(|m| {
            let Shown::Unreadable { observed, fix } = &m.value.shown else {
                return true;
            };
            let host = &mut report.hosts[m.index];
            let finding = Finding::about(
                &host.host,
                id,
                subject.clone(),
                Verdict::Fail,
                format!("{what} shown, to compare across the farm ({})", m.value.why),
                observed.clone(),
            )
            .with_fix(fix.clone());
            push(host, finding);
            false
        });
        match members.len() {
            0 => {}
            1 => {
                let on = among.map(|a| format!(" on {a}")).unwrap_or_default();
                alone
                    .entry(members[0].index)
                    .or_default()
                    .push(format!("{id} ({what}{on})"));
            }
            _ => compare(report, &subject, &members),
        }
    }
    for (i, checks) in alone {
        let host = &mut report.hosts[i];
        let note = format!(
            "farm checks not made, no other host of farm {} in this run to compare with: {}",
            host.farm,
            checks.join(", ")
        );
        host.notes.push(note);
    }
}

/// Gives each of `members` (two or more, each showing a value) its finding.
fn compare(report: &mut RunReport, subject: &str, members: &[Member]) {
    let expected = majority(members);
    let holders: Vec<&Member> = members
        .iter()
        .filter(|m| m.value.shown == *expected)
        .collect();
    let agreeing: Vec<String> = holders
        .iter()
        .map(|m| report.hosts[m.index].host.clone())
        .collect();
    let expected_declared = holders.first().and_then(|m| m.value.declared.clone());
    // Every host's value backs an odd one out; a host that agrees shows its own:
    // every host carrying every value was a farm's size squared of copies (27 MB of
    // a full verify of one farm of 100 hosts).
    let everyone: Vec<String> = members
        .iter()
        .map(|m| format!("{}: {}", report.hosts[m.index].host, listed(&m.value.shown)))
        .collect();
    for (m, own) in members.iter().zip(&everyone) {
        let v = &m.value;
        let host = &mut report.hosts[m.index];
        let finding = if v.shown == *expected {
            Finding::about(
                &host.host,
                v.id,
                subject,
                Verdict::Pass,
                format!("the same on every host of the farm ({})", v.why),
                format!("{} on every host", brief(&v.shown)),
            )
            .with_evidence(vec![own.clone()])
        } else {
            let expected_text = match expected {
                Shown::Value(_) => format!("{} as on {}", brief(expected), agreeing.join(", ")),
                _ => format!("the same as on {}", agreeing.join(", ")),
            };
            let observed = format!("{} {}", host.host, difference(&v.shown, expected));
            let finding = |verdict, observed: String, fix: &str| {
                Finding::about(
                    &host.host,
                    v.id,
                    subject,
                    verdict,
                    format!("{expected_text} ({})", v.why),
                    observed,
                )
                .with_fix(fix)
            };
            match (&v.declared, &expected_declared) {
                (Some(own), Some(theirs)) if own != theirs => finding(
                    Verdict::Warn,
                    format!(
                        "{observed}; the playbook declares {} on {own} and {} on {theirs}: a rolling upgrade (decisions.md D44)",
                        host.host,
                        agreeing.join(", ")
                    ),
                    UPGRADE_FIX,
                ),
                _ => finding(Verdict::Fail, observed, v.fix),
            }
            .with_evidence(everyone.clone())
        };
        push(host, finding);
    }
}

/// Adds `finding` to `host`'s checks; a host that was `ok` takes the status its
/// findings give now.
fn push(host: &mut crate::report::HostResult, finding: Finding) {
    host.checks.push(finding);
    if host.status == HostStatus::Ok {
        host.status = HostStatus::of_findings(&host.checks);
    }
}

/// The value most members hold; on a tie, the first member's (farm order) among
/// the most held.
fn majority(members: &[Member]) -> &Shown {
    let count = |shown: &Shown| members.iter().filter(|m| m.value.shown == *shown).count();
    let most = members
        .iter()
        .map(|m| count(&m.value.shown))
        .max()
        .unwrap_or(0);
    members
        .iter()
        .map(|m| &m.value.shown)
        .find(|s| count(s) == most)
        .expect("two or more members")
}

/// How `shown` differs from `expected`, after the host's name: the items it lacks
/// and has besides, or the value it holds.
fn difference(shown: &Shown, expected: &Shown) -> String {
    match (shown, expected) {
        (Shown::Items(own), Shown::Items(theirs)) => {
            let lacks: Vec<&str> = theirs.difference(own).map(String::as_str).collect();
            let besides: Vec<&str> = own.difference(theirs).map(String::as_str).collect();
            let mut parts = Vec::new();
            if !lacks.is_empty() {
                parts.push(format!("lacks {}", lacks.join(", ")));
            }
            if !besides.is_empty() {
                parts.push(format!("has besides {}", besides.join(", ")));
            }
            parts.join("; ")
        }
        _ => format!("holds {}", brief(shown)),
    }
}

/// A value in a sentence: a value quoted, a set by its size (`patches: the same
/// 8 on every host`).
fn brief(shown: &Shown) -> String {
    match shown {
        Shown::Value(v) => format!("{v:?}"),
        Shown::Items(items) if items.is_empty() => "none".to_string(),
        Shown::Items(items) => format!("the same {}", items.len()),
        Shown::Unreadable { observed, .. } => observed.clone(),
    }
}

/// A value in full, for the evidence.
fn listed(shown: &Shown) -> String {
    match shown {
        Shown::Items(items) if items.is_empty() => "none".to_string(),
        Shown::Items(items) => items.iter().cloned().collect::<Vec<_>>().join(", "),
        other => brief(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Farm;
    use crate::report::HostResult;

    fn value(id: CheckId, shown: Shown, declared: Option<&str>) -> FarmValue {
        FarmValue {
            id,
            what: "what".into(),
            why: "one for all",
            fix: "make them alike",
            among: None,
            declared: declared.map(str::to_string),
            shown,
        }
    }

    fn host(name: &str, values: Vec<FarmValue>) -> HostResult {
        HostResult {
            farm_values: values,
            ..HostResult::new(name, "f", HostStatus::Ok)
        }
    }

    fn playbook() -> Playbook {
        Playbook {
            path: "pb.yaml".into(),
            farms: vec![Farm {
                name: "f".into(),
                hosts: vec!["a".into(), "b".into(), "c".into()],
            }],
            hosts: Vec::new(),
            local_files: Vec::new(),
            verify: Default::default(),
        }
    }

    fn run(hosts: Vec<HostResult>) -> RunReport {
        let mut report = RunReport {
            command: "verify".into(),
            run_id: "r".into(),
            hosts,
        };
        add_farm_findings(&mut report, &playbook());
        report
    }

    fn text(v: &str) -> Shown {
        Shown::Value(v.into())
    }

    fn items(v: &[&str]) -> Shown {
        Shown::Items(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_host_that_shows_nothing_fails_and_the_others_are_compared() {
        let id = CheckId::XsiEventsCallControlName;
        let unreadable = Shown::Unreadable {
            observed: "`get` in /X does not show y".into(),
            fix: "look".into(),
        };
        let report = run(vec![
            host("a", vec![value(id, text("x"), None)]),
            host("b", vec![value(id, unreadable.clone(), None)]),
            host("c", vec![value(id, text("x"), None)]),
        ]);
        let verdict = |i: usize| report.hosts[i].checks[0].status;
        assert_eq!(verdict(0), Verdict::Pass);
        assert_eq!(verdict(1), Verdict::Fail);
        assert_eq!(verdict(2), Verdict::Pass);
        assert_eq!(
            report.hosts[1].checks[0].observed,
            "`get` in /X does not show y"
        );
        assert_eq!(report.hosts[1].status, HostStatus::Findings);

        // Alone, a host that shows nothing still fails; nothing is not agreement.
        let alone = run(vec![host("a", vec![value(id, unreadable, None)])]);
        assert_eq!(alone.hosts[0].checks[0].status, Verdict::Fail);
        // Alone with a value: a note, no finding.
        let alone = run(vec![host("a", vec![value(id, text("x"), None)])]);
        assert!(alone.hosts[0].checks.is_empty());
        assert_eq!(
            alone.hosts[0].notes,
            [
                "farm checks not made, no other host of farm f in this run to compare with: xsi-events.call-control-name (what)"
            ]
        );
    }

    #[test]
    fn the_odd_host_is_told_what_it_lacks_and_has_besides_with_every_hosts_value() {
        let id = CheckId::FarmPatches;
        let report = run(vec![
            host("a", vec![value(id, items(&["p1", "p3"]), None)]),
            host("b", vec![value(id, items(&["p1", "p2"]), None)]),
            host("c", vec![value(id, items(&["p1", "p2"]), None)]),
        ]);
        let odd = &report.hosts[0].checks[0];
        assert_eq!(odd.status, Verdict::Fail);
        assert_eq!(odd.host, "a");
        assert_eq!(odd.subject, "farm f what");
        assert_eq!(odd.observed, "a lacks p2; has besides p3");
        assert_eq!(odd.expected, "the same as on b, c (one for all)");
        assert_eq!(odd.evidence, ["a: p1, p3", "b: p1, p2", "c: p1, p2"]);
        assert_eq!(odd.fix.as_deref(), Some("make them alike"));
        for i in [1, 2] {
            let f = &report.hosts[i].checks[0];
            assert_eq!(f.status, Verdict::Pass);
            assert_eq!(f.observed, "the same 2 on every host");
        }
    }

    #[test]
    fn a_tie_expects_the_farms_first_host_and_a_declared_difference_is_a_warning() {
        let id = CheckId::FarmRelease;
        // Two hosts, two builds of one declared release: the first host's wins.
        let report = run(vec![
            host("b", vec![value(id, text("23.0_1.1080"), Some("R23"))]),
            host("a", vec![value(id, text("23.0_1.1075"), Some("R23"))]),
        ]);
        assert_eq!(report.hosts[1].checks[0].status, Verdict::Pass);
        let odd = &report.hosts[0].checks[0];
        assert_eq!(odd.status, Verdict::Fail);
        assert_eq!(odd.observed, "b holds \"23.0_1.1080\"");
        assert_eq!(odd.expected, "\"23.0_1.1075\" as on a (one for all)");
        // The playbook declares b on R22 during an upgrade: a warning.
        let report = run(vec![
            host("a", vec![value(id, text("23.0_1.1075"), Some("R23"))]),
            host("b", vec![value(id, text("22.0_1.1123"), Some("R22"))]),
            host("c", vec![value(id, text("23.0_1.1075"), Some("R23"))]),
        ]);
        let odd = &report.hosts[1].checks[0];
        assert_eq!(odd.status, Verdict::Warn);
        assert_eq!(
            odd.observed,
            "b holds \"22.0_1.1123\"; the playbook declares b on R22 and a, c on R23: a rolling upgrade (decisions.md D44)"
        );
        assert_eq!(odd.fix.as_deref(), Some(UPGRADE_FIX));
        assert_eq!(report.hosts[1].status, HostStatus::Ok);
    }

    #[test]
    fn values_are_compared_only_among_hosts_sharing_their_partition() {
        let id = CheckId::FarmPatches;
        let on = |build: &str, shown: Shown| FarmValue {
            among: Some(build.into()),
            ..value(id, shown, None)
        };
        let report = run(vec![
            host("a", vec![on("23", items(&["p23"]))]),
            host("b", vec![on("23", items(&["p23"]))]),
            host("c", vec![on("22", items(&["p22"]))]),
        ]);
        assert_eq!(report.hosts[0].checks[0].status, Verdict::Pass);
        assert_eq!(report.hosts[1].checks[0].status, Verdict::Pass);
        assert!(report.hosts[2].checks.is_empty());
        assert_eq!(
            report.hosts[2].notes,
            [
                "farm checks not made, no other host of farm f in this run to compare with: farm.patches (what on 22)"
            ]
        );
    }
}
