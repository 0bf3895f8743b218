//! Farm checks: values every host of a farm must hold alike (a module declares
//! them: `modules::FarmCheck`). Each host's verify reads them; once every host is
//! done, the values are compared per farm and each host gets a finding: the value
//! most hosts hold is expected (on a tie, the value of the host listed first in
//! the farm), and a host holding another is the odd one out.
use std::collections::BTreeMap;

use crate::desired::ContextRef;
use crate::live::link::HostLink;
use crate::modules::{FarmRead, registry};
use crate::playbook::{Host, Playbook};
use crate::report::{CheckId, Finding, HostStatus, RunReport, Verdict};

/// One farm-check value as a host holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FarmValue {
    /// The check.
    pub id: CheckId,
    /// The attribute context.
    pub context: &'static str,
    /// The attribute.
    pub attribute: &'static str,
    /// Why it must agree.
    pub why: &'static str,
    /// How to make the farm agree.
    pub fix: &'static str,
    /// The value the host shows; None when `get` does not show the attribute.
    pub value: Option<String>,
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
            values.push(FarmValue {
                id: check.id,
                context: check.context,
                attribute: check.attribute,
                why: check.why,
                fix: check.fix,
                value,
            });
        }
    }
    Ok(values)
}

/// One host's value in a farm's comparison.
struct Member {
    /// The host's place in its farm (playbook order).
    order: usize,
    /// The host's index in the report.
    index: usize,
    /// What it holds.
    value: FarmValue,
}

/// Compares the farm values of `report`'s hosts per farm and adds each host its
/// finding; a host that does not show the value fails, and a farm with only one
/// host left to compare is not compared (a note says so).
pub fn add_farm_findings(report: &mut RunReport, pb: &Playbook) {
    let mut groups: BTreeMap<(String, CheckId), Vec<Member>> = BTreeMap::new();
    for (i, r) in report.hosts.iter().enumerate() {
        let order = pb
            .farms
            .iter()
            .find(|f| f.name == r.farm)
            .and_then(|f| f.hosts.iter().position(|h| *h == r.host))
            .unwrap_or(usize::MAX);
        for v in &r.farm_values {
            groups
                .entry((r.farm.clone(), v.id))
                .or_default()
                .push(Member {
                    order,
                    index: i,
                    value: v.clone(),
                });
        }
    }
    for ((farm, _), mut members) in groups {
        members.sort_by_key(|m| m.order);
        // A host whose `get` does not show the attribute fails: there is nothing
        // to compare, and that is not agreement.
        members.retain(|m| {
            if m.value.value.is_some() {
                return true;
            }
            let host = &mut report.hosts[m.index];
            let v = &m.value;
            let finding = Finding::about(
                &host.host,
                v.id,
                format!("farm {farm} {} {}", v.context, v.attribute),
                Verdict::Fail,
                format!(
                    "{} shown, to compare across the farm ({})",
                    v.attribute, v.why
                ),
                format!("`get` in {} does not show {}", v.context, v.attribute),
            )
            .with_fix(format!(
                "check `{}` on {} (`cd {}` then `get`)",
                v.attribute, host.host, v.context
            ));
            host.checks.push(finding);
            if host.status == HostStatus::Ok {
                host.status = HostStatus::of_findings(&host.checks);
            }
            false
        });
        if members.is_empty() {
            continue;
        }
        if members.len() < 2 {
            let (i, v) = (members[0].index, &members[0].value);
            let host = &mut report.hosts[i];
            let note = format!(
                "farm check {} not made: {} is the only host of farm {farm} in this run",
                v.id, host.host
            );
            host.notes.push(note);
            continue;
        }
        let expected = majority(&members);
        let evidence: Vec<String> = members
            .iter()
            .map(|m| format!("{}: {}", report.hosts[m.index].host, shown(&m.value.value)))
            .collect();
        let agreeing: Vec<String> = members
            .iter()
            .filter(|m| m.value.value == expected)
            .map(|m| report.hosts[m.index].host.clone())
            .collect();
        for Member {
            index, value: v, ..
        } in &members
        {
            let host = &mut report.hosts[*index];
            let subject = format!("farm {farm} {} {}", v.context, v.attribute);
            let finding = if v.value == expected {
                Finding::about(
                    &host.host,
                    v.id,
                    subject,
                    Verdict::Pass,
                    format!("the same value on every host of the farm ({})", v.why),
                    format!("{} on every host", shown(&v.value)),
                )
            } else {
                Finding::about(
                    &host.host,
                    v.id,
                    subject,
                    Verdict::Fail,
                    format!(
                        "{} as on {} ({})",
                        shown(&expected),
                        agreeing.join(", "),
                        v.why
                    ),
                    format!("{} holds {}", host.host, shown(&v.value)),
                )
                .with_fix(v.fix)
            };
            host.checks.push(finding.with_evidence(evidence.clone()));
            if host.status == HostStatus::Ok {
                host.status = HostStatus::of_findings(&host.checks);
            }
        }
    }
}

/// The value most members hold (every member shows one); on a tie, the first
/// member's (farm order) among the most held.
fn majority(members: &[Member]) -> Option<String> {
    let count = |value: &Option<String>| members.iter().filter(|m| m.value.value == *value).count();
    let most = members
        .iter()
        .map(|m| count(&m.value.value))
        .max()
        .unwrap_or(0);
    members
        .iter()
        .find(|m| count(&m.value.value) == most)
        .and_then(|m| m.value.value.clone())
}

fn shown(value: &Option<String>) -> String {
    match value {
        Some(v) => format!("{v:?}"),
        None => "nothing".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Farm;
    use crate::report::HostResult;

    fn host(name: &str, value: Option<&str>) -> HostResult {
        HostResult {
            farm_values: vec![FarmValue {
                id: CheckId::XsiEventsCallControlName,
                context: "/Applications/Xsi-Events/GeneralSettings",
                attribute: "callControlApplicationName",
                why: "one name",
                fix: "name it",
                value: value.map(str::to_string),
            }],
            ..HostResult::new(name, "f", HostStatus::Ok)
        }
    }

    #[test]
    fn a_host_that_does_not_show_the_value_fails_and_the_others_are_compared() {
        let pb = Playbook {
            path: "pb.yaml".into(),
            farms: vec![Farm {
                name: "f".into(),
                hosts: vec!["a".into(), "b".into(), "c".into()],
            }],
            hosts: Vec::new(),
            local_files: Vec::new(),
            verify: Default::default(),
        };
        let mut report = RunReport {
            command: "verify".into(),
            run_id: "r".into(),
            hosts: vec![host("a", Some("x")), host("b", None), host("c", Some("x"))],
        };
        add_farm_findings(&mut report, &pb);
        let verdict = |i: usize| report.hosts[i].checks[0].status;
        assert_eq!(verdict(0), Verdict::Pass);
        assert_eq!(verdict(1), Verdict::Fail);
        assert_eq!(verdict(2), Verdict::Pass);
        assert_eq!(
            report.hosts[1].checks[0].observed,
            "`get` in /Applications/Xsi-Events/GeneralSettings does not show callControlApplicationName"
        );
        assert_eq!(report.hosts[1].status, HostStatus::Findings);

        // Alone, a host that does not show it still fails; none is not agreement.
        let mut alone = RunReport {
            command: "verify".into(),
            run_id: "r".into(),
            hosts: vec![host("a", None)],
        };
        add_farm_findings(&mut alone, &pb);
        assert_eq!(alone.hosts[0].checks[0].status, Verdict::Fail);
    }
}
