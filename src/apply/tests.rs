//! Apply and rollback against an in-memory host (the simulator tests are in tests/).
use super::link::WriteResult;
use super::*;
use crate::live::LiveContext;
use crate::plan::Verb;

/// A host whose tables are exact copies of facts' shapes.
struct FakeHost {
    tree: LiveTree,
    shapes: Vec<TableFact>,
    fail_write: Option<usize>,
    writes: usize,
    locked: Option<String>,
}

impl HostLink for FakeHost {
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError> {
        Ok(self.tree.get(at).cloned().unwrap_or(LiveContext::Table {
            headers: self
                .shapes
                .iter()
                .find(|s| s.at == *at)
                .map(|s| s.columns.clone())
                .unwrap_or_default(),
            rows: vec![],
        }))
    }

    fn write(&mut self, op: &Op) -> Result<WriteResult, LinkError> {
        self.writes += 1;
        if self.fail_write == Some(self.writes) {
            return Err(LinkError::Cli {
                context: op.context.clone(),
                command: op.command_line(),
                message: "Failed to write data to the configuration system".into(),
            });
        }
        let shape = self
            .shapes
            .iter()
            .find(|s| s.at.context == op.context && op.args.starts_with(&s.at.args))
            .expect("known table")
            .clone();
        let cells = op.args[shape.at.args.len()..].to_vec();
        let entry = self
            .tree
            .contexts
            .entry(shape.at.clone())
            .or_insert(LiveContext::Table {
                headers: shape.columns.clone(),
                rows: vec![],
            });
        let LiveContext::Table { rows, .. } = entry else {
            unreachable!()
        };
        let k = shape.key_len();
        match op.verb {
            Verb::Add => rows.push(cells),
            Verb::Delete => rows.retain(|r| r[..k] != cells[..k]),
            Verb::Set => {
                for r in rows.iter_mut().filter(|r| r[..k] == cells[..k]) {
                    *r = cells.clone();
                }
            }
        }
        Ok(WriteResult {
            restart_required: shape.restart,
        })
    }

    fn lock(&mut self, owner: &str) -> Result<(), LinkError> {
        match &self.locked {
            Some(h) => Err(LinkError::Locked { holder: h.clone() }),
            None => {
                self.locked = Some(owner.into());
                Ok(())
            }
        }
    }

    fn unlock(&mut self) -> Result<(), LinkError> {
        self.locked = None;
        Ok(())
    }
}

fn fact(ctx: &str, rows: &[&str]) -> TableFact {
    TableFact {
        at: ContextRef {
            context: ctx.into(),
            args: vec!["10.0.0.1".into()],
        },
        columns: vec!["Protocol Name".into()],
        key_len: None,
        select: vec![],
        rows: rows.iter().map(|r| vec![r.to_string()]).collect(),
        settable: false,
        restart: true,
    }
}

fn host_with(facts: &[TableFact], initial: &[&str]) -> FakeHost {
    let mut tree = LiveTree::default();
    for f in facts {
        tree.contexts.insert(
            f.at.clone(),
            LiveContext::Table {
                headers: f.columns.clone(),
                rows: initial.iter().map(|r| vec![r.to_string()]).collect(),
            },
        );
    }
    FakeHost {
        tree,
        shapes: facts.to_vec(),
        fail_write: None,
        writes: 0,
        locked: None,
    }
}

fn run(
    host: &mut FakeHost,
    desired: &DesiredTree,
    plan: Option<&HostPlan>,
    dir: &std::path::Path,
) -> ApplyReport {
    let store = Store::new(dir);
    let journal = store.journal("run1").unwrap();
    apply_host(
        host,
        &ApplyJob {
            host: "xsp1",
            desired,
            plan,
            store: &store,
            journal: &journal,
            run_id: "run1",
            owner: "test",
        },
    )
}

#[test]
fn converges_then_sends_no_writes() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"]), fact("/C", &["X"])];
    let desired = DesiredTree {
        facts: facts.iter().cloned().map(Fact::Table).collect(),
        ..Default::default()
    };
    let mut host = host_with(&facts, &["TLSv1", "TLSv1.1"]);
    let r = run(&mut host, &desired, None, dir.path());
    assert!(
        matches!(r.status, ApplyStatus::Changed { writes: 6, .. }),
        "{r:?}"
    );
    assert!(r.restart_required);
    let before = host.writes;
    let r = run(&mut host, &desired, None, dir.path());
    assert_eq!(r.status, ApplyStatus::Ok);
    assert_eq!(host.writes, before, "a converged host gets zero writes");
    assert!(host.locked.is_none(), "lock released");
}

#[test]
fn failure_mid_apply_rolls_back_to_the_exact_backup() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"])];
    let desired = DesiredTree {
        facts: facts.iter().cloned().map(Fact::Table).collect(),
        ..Default::default()
    };
    let mut host = host_with(&facts, &["TLSv1", "TLSv1.1"]);
    let original = host.tree.clone();
    host.fail_write = Some(2); // add succeeds, first delete fails
    let r = run(&mut host, &desired, None, dir.path());
    let ApplyStatus::Failed {
        rollback, backup, ..
    } = &r.status
    else {
        panic!("{r:?}")
    };
    assert_eq!(rollback, &Ok(()));
    assert_eq!(
        host.tree
            .get(&facts[0].at)
            .unwrap()
            .rows_by("/P", &facts[0].columns),
        original
            .get(&facts[0].at)
            .unwrap()
            .rows_by("/P", &facts[0].columns)
    );
    let saved = Store::new(dir.path())
        .load_backup("xsp1", Some(backup))
        .unwrap();
    assert_eq!(saved.live, original);
    let journal = std::fs::read_to_string(dir.path().join("journal/run1.jsonl")).unwrap();
    for event in [
        "\"lock\"",
        "\"backup\"",
        "\"write-failed\"",
        "\"rollback\"",
        "\"unlock\"",
    ] {
        assert!(journal.contains(event), "journal lacks {event}:\n{journal}");
    }
}

#[test]
fn stale_plan_and_held_lock_are_refused_without_writes() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"])];
    let desired = DesiredTree {
        facts: facts.iter().cloned().map(Fact::Table).collect(),
        ..Default::default()
    };
    let mut host = host_with(&facts, &["TLSv1"]);
    let live = read_all(&mut host, &desired.reads()).unwrap();
    let plan = HostPlan {
        host: "xsp1".into(),
        farm: "f".into(),
        snapshot: live.snapshot_hash(),
        ops: diff(&desired.facts, &live).unwrap(),
        views: vec![],
    };
    // Someone changes the host after the plan was made.
    host.tree.contexts.insert(
        facts[0].at.clone(),
        LiveContext::Table {
            headers: facts[0].columns.clone(),
            rows: vec![vec!["TLSv1.1".into()]],
        },
    );
    let r = run(&mut host, &desired, Some(&plan), dir.path());
    assert!(
        matches!(&r.status, ApplyStatus::Refused(m) if m.contains("stale")),
        "{r:?}"
    );
    assert_eq!(host.writes, 0);

    host.locked = Some("alice@ops1 pid 42".into());
    let r = run(&mut host, &desired, None, dir.path());
    assert!(
        matches!(&r.status, ApplyStatus::Refused(m) if m.contains("alice@ops1")),
        "{r:?}"
    );
    assert_eq!(host.writes, 0);
}
