//! Wants beyond "equals" through the engine's public API against a live xspsim
//! host: facts rendered from YAML, read over SSH, planned, applied by `apply_host`,
//! rolled back from the backup. The attributes are the Xsi-Events queue settings
//! xspsim serves (`Applications/Xsi-Events/BWIntegration`: eventQueueSize 1000,
//! eventHandlerThreadCount 20 by default).
use crate::lab;

use lab::{Spec, TestLab};
use xspctl::apply::{ApplyJob, ApplyStatus, LockedRead, apply_host};
use xspctl::bwcli::DriverOptions;
use xspctl::desired::DesiredTree;
use xspctl::hostlink::SshLink;
use xspctl::live::link::LockOwner;
use xspctl::live::link::read_all;
use xspctl::plan::Op;
use xspctl::plan::diff::diff;
use xspctl::store::Store;
use xspsim::host::{Faults, Product, Release};

const CONTEXT: &str = "/Applications/Xsi-Events/BWIntegration";

/// The facts a template would render: both queue settings with a want each.
fn desired(queue: &str, threads: &str) -> DesiredTree {
    let yaml = format!(
        "facts:
  - attribute: {{context: {CONTEXT}, name: eventQueueSize, {queue}, restart: true}}
  - attribute: {{context: {CONTEXT}, name: eventHandlerThreadCount, {threads}, restart: true}}
"
    );
    serde_saphyr::from_str(&yaml).expect("facts")
}

/// Sets the queue settings behind xspctl's back, as an operator would.
fn set_on_host(lab: &TestLab, queue: &str, threads: &str) {
    let out = lab.bwcli(
        "xsp1",
        &[
            &format!("cd {CONTEXT}"),
            &format!("set eventQueueSize {queue}"),
            &format!("set eventHandlerThreadCount {threads}"),
        ],
    );
    assert_eq!(out.matches("...Done").count(), 2, "{out}");
}

/// The queue settings as the host holds them, read independently of xspctl.
fn on_host(lab: &TestLab) -> (String, String) {
    let out = lab.bwcli("xsp1", &[&format!("cd {CONTEXT}"), "get"]);
    let value = |name: &str| {
        out.lines()
            .find_map(|l| {
                let (n, v) = l.split_once('=')?;
                // The first line follows the prompt: the name is its last word.
                (n.split_whitespace().last() == Some(name)).then(|| v.trim().to_string())
            })
            .unwrap_or_else(|| panic!("{name} not in {out}"))
    };
    (value("eventQueueSize"), value("eventHandlerThreadCount"))
}

struct Engine {
    store: Store,
    owner: LockOwner,
}

impl Engine {
    fn new(lab: &TestLab) -> Engine {
        Engine {
            store: Store::new(lab.dir.path().join("state")),
            owner: LockOwner::this_process("wants-run"),
        }
    }

    fn connect(lab: &TestLab) -> SshLink {
        SshLink::connect(&lab.ssh_target("xsp1"), DriverOptions::default()).expect("connects")
    }

    /// The plan: what the engine would write to the host now.
    fn plan(lab: &TestLab, desired: &DesiredTree) -> Vec<Op> {
        let mut link = Engine::connect(lab);
        let live = read_all(&mut link, &desired.reads()).expect("reads");
        let _ = link.finish();
        diff(&desired.facts, &live).expect("diff")
    }

    fn apply(&self, lab: &TestLab, desired: &DesiredTree) -> ApplyStatus {
        let journal = self.store.journal(&self.owner.run_id).expect("journal");
        let job = ApplyJob {
            host: "xsp1",
            plan: None,
            store: &self.store,
            journal: &journal,
            run_id: &self.owner.run_id,
            owner: &self.owner,
            gate: None,
        };
        let mut link = Engine::connect(lab);
        let report = apply_host(&mut link, &job, |link| {
            LockedRead::of(desired.clone(), "xsp1", "farm-xsp1", link)
        });
        let _ = link.finish();
        report.status
    }
}

fn lab(test: &str) -> TestLab {
    TestLab::start(
        test,
        &[Spec {
            name: "xsp1",
            product: Product::Xsp,
            release: Release::R23,
        }],
    )
}

fn lines(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .map(|o| format!("{} ({})", o.command_line(), o.note().unwrap_or_default()))
        .collect()
}

#[test]
fn at_least_raises_a_low_host_keeps_a_high_one_and_a_second_plan_is_empty() {
    let lab = lab("wants-at-least");
    let engine = Engine::new(&lab);
    let want = desired("at_least: 2000", "at_least: 50");
    // xspsim's defaults (1000, 20) are below both minimums.
    assert_eq!(on_host(&lab), ("1000".to_string(), "20".to_string()));
    assert_eq!(
        lines(&Engine::plan(&lab, &want)),
        [
            "set eventQueueSize 2000 (was: 1000; wanted: at least 2000)",
            "set eventHandlerThreadCount 50 (was: 20; wanted: at least 50)"
        ]
    );
    assert!(matches!(
        engine.apply(&lab, &want),
        ApplyStatus::Changed { writes: 2, .. }
    ));
    assert_eq!(on_host(&lab), ("2000".to_string(), "50".to_string()));
    assert!(Engine::plan(&lab, &want).is_empty());

    // An operator raised both above the minimums: nothing is lowered.
    set_on_host(&lab, "5000", "80");
    assert!(Engine::plan(&lab, &want).is_empty());
    assert_eq!(engine.apply(&lab, &want), ApplyStatus::Ok);
    assert_eq!(on_host(&lab), ("5000".to_string(), "80".to_string()));
}

#[test]
fn at_most_one_of_and_present_once_converge_once_and_then_hold() {
    let lab = lab("wants-other-kinds");
    let engine = Engine::new(&lab);
    let want = desired("at_most: 800", "one_of: [\"30\", \"40\"]");
    assert_eq!(
        lines(&Engine::plan(&lab, &want)),
        [
            "set eventQueueSize 800 (was: 1000; wanted: at most 800)",
            "set eventHandlerThreadCount 30 (was: 20; wanted: one of 30, 40)"
        ]
    );
    assert!(matches!(
        engine.apply(&lab, &want),
        ApplyStatus::Changed { writes: 2, .. }
    ));
    assert_eq!(on_host(&lab), ("800".to_string(), "30".to_string()));
    assert!(Engine::plan(&lab, &want).is_empty());
    // Another accepted value and a lower number are kept.
    set_on_host(&lab, "700", "40");
    assert!(Engine::plan(&lab, &want).is_empty());

    // A value is present: present-once never compares it.
    let once = desired("present_once: \"2000\"", "present_once: \"50\"");
    assert!(Engine::plan(&lab, &once).is_empty());
    assert_eq!(engine.apply(&lab, &once), ApplyStatus::Ok);
    assert_eq!(on_host(&lab), ("700".to_string(), "40".to_string()));
}

#[test]
fn a_failed_apply_restores_the_values_the_backup_holds_whatever_the_want() {
    let lab = lab("wants-rollback");
    let engine = Engine::new(&lab);
    let want = desired("at_least: 2000", "at_least: 50");
    // The first write goes through, the second is refused by the host.
    lab.faults(
        "xsp1",
        Faults {
            fail_pattern: Some("^set eventHandlerThreadCount".into()),
            ..Faults::default()
        },
    );
    let status = engine.apply(&lab, &want);
    let ApplyStatus::Failed {
        rollback, backup, ..
    } = &status
    else {
        panic!("the apply should fail: {status:?}")
    };
    assert_eq!(rollback, &Ok(()), "{status:?}");
    // 1000 does not satisfy "at least 2000", yet it is what the host held: the
    // rollback restores it exactly.
    assert_eq!(on_host(&lab), ("1000".to_string(), "20".to_string()));
    let saved = engine
        .store
        .load_backup("xsp1", Some(backup))
        .expect("backup");
    assert_eq!(
        saved.contents(),
        [
            format!("{CONTEXT}: eventQueueSize = 1000"),
            format!("{CONTEXT}: eventHandlerThreadCount = 20"),
        ]
    );
}

#[test]
fn a_live_value_that_is_not_a_number_stops_the_apply_naming_it() {
    let lab = lab("wants-not-a-number");
    let engine = Engine::new(&lab);
    // The facts name an attribute that holds text where a number is wanted.
    let yaml = "facts:
  - attribute: {context: /Applications/Xsi-Events/GeneralSettings, name: callControlApplicationName, at_least: 2}
";
    let want: DesiredTree = serde_saphyr::from_str(yaml).expect("facts");
    let status = engine.apply(&lab, &want);
    // Planned under the lock, so the apply ends as "could not be read": no write.
    let ApplyStatus::Unread(why) = &status else {
        panic!("unread expected: {status:?}")
    };
    assert!(
        why.contains(
            "/Applications/Xsi-Events/GeneralSettings: attribute callControlApplicationName holds \"com.broadsoft.xsi-events\", which is not a number"
        ),
        "{why}"
    );
    assert!(why.contains("nothing was changed"), "{why}");
}
