//! Apply and rollback against an in-memory host (the simulator tests are in tests/).
use super::*;
use crate::desired::DesiredTree;
use crate::live::LiveContext;
use crate::live::link::{ShellRead, WriteResult};
use crate::plan::Verb;
use crate::plan::files::HostFile;
use crate::secret::Secret;

/// A host whose tables are exact copies of facts' shapes.
struct FakeHost {
    tree: LiveTree,
    shapes: Vec<TableFact>,
    fail_write: Option<usize>,
    /// These writes (counted from 1) run, but the connection drops before their reply.
    drop_at_writes: Vec<usize>,
    /// Writes the CLI refuses, by command line.
    refuse: Vec<String>,
    /// The connection is down until a reconnect.
    down: bool,
    /// Reconnects that fail before one succeeds.
    failing_reconnects: usize,
    writes: usize,
    locked: Option<String>,
    /// Reads made, and those made without the lock held.
    reads: usize,
    reads_unlocked: usize,
}

fn dropped() -> LinkError {
    LinkError::Transport("the connection was lost".into())
}

impl HostLink for FakeHost {
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError> {
        if self.down {
            return Err(dropped());
        }
        self.reads += 1;
        self.reads_unlocked += usize::from(self.locked.is_none());
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

    fn shell_read(&mut self, what: ShellRead) -> Result<String, LinkError> {
        Err(LinkError::Transport(format!(
            "no shell on the fake host: {}",
            what.command_line()
        )))
    }

    fn write(&mut self, op: &Op, _secrets: &[Secret]) -> Result<WriteResult, LinkError> {
        if self.down {
            return Err(dropped());
        }
        self.writes += 1;
        if self.fail_write == Some(self.writes) || self.refuse.contains(&op.command_line()) {
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
            Verb::Run => unreachable!("these facts run no command"),
            Verb::Set | Verb::Clear => {
                for r in rows.iter_mut().filter(|r| r[..k] == cells[..k]) {
                    *r = cells.clone();
                }
            }
        }
        if self.drop_at_writes.contains(&self.writes) {
            self.down = true;
            return Err(dropped());
        }
        Ok(WriteResult {
            restart_required: shape.restart,
        })
    }

    fn lock(&mut self, owner: &LockOwner) -> Result<(), LinkError> {
        match &self.locked {
            Some(h) => Err(LinkError::Locked { holder: h.clone() }),
            None => {
                self.locked = Some(owner.run_id.clone());
                Ok(())
            }
        }
    }

    fn unlock(&mut self, run_id: &str) -> Result<Release, LinkError> {
        if self.down {
            return Err(dropped());
        }
        match &self.locked {
            None => Ok(Release::NotHeld),
            Some(h) if h != run_id => Ok(Release::HeldByOther(h.clone())),
            Some(_) => {
                self.locked = None;
                Ok(Release::Released)
            }
        }
    }

    fn read_file(&mut self, _path: &str) -> Result<Option<HostFile>, LinkError> {
        unreachable!("these facts name no secret and no file, so no file is read")
    }

    fn replace_file(&mut self, _path: &str, _bytes: &[u8], _mode: u32) -> Result<(), LinkError> {
        unreachable!("these facts name no secret and no file, so no file is written")
    }

    fn remove_file(&mut self, _path: &str) -> Result<(), LinkError> {
        unreachable!("these facts name no file")
    }

    fn rename_file(&mut self, _from: &str, _to: &str) -> Result<(), LinkError> {
        unreachable!("these facts name no file")
    }

    fn mask(&mut self, _secret: &Secret) {}

    fn reconnect(&mut self) -> Result<(), LinkError> {
        if self.failing_reconnects > 0 {
            self.failing_reconnects -= 1;
            return Err(LinkError::Transport("connection refused".into()));
        }
        self.down = false;
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
        loaded_by: None,
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
        drop_at_writes: vec![],
        refuse: vec![],
        down: false,
        failing_reconnects: 0,
        writes: 0,
        locked: None,
        reads: 0,
        reads_unlocked: 0,
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
            plan,
            store: &store,
            journal: &journal,
            run_id: "run1",
            owner: &LockOwner::this_process("run1"),
            gate: None,
        },
        |link| LockedRead::of(desired.clone(), "xsp1", "farm", link),
    )
}

/// The desired tree of these table facts.
fn desired_of(facts: &[TableFact]) -> DesiredTree {
    DesiredTree {
        facts: facts.iter().cloned().map(Fact::Table).collect(),
        ..Default::default()
    }
}

/// Asserts that run1's journal under `dir` records each of `events`.
fn assert_journal_has(dir: &std::path::Path, events: &[&str]) {
    let journal = std::fs::read_to_string(dir.join("journal/run1.jsonl")).unwrap();
    for event in events {
        assert!(
            journal.contains(&format!("\"{event}\"")),
            "journal lacks {event}:\n{journal}"
        );
    }
}

#[test]
fn converges_then_sends_no_writes() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"]), fact("/C", &["X"])];
    let desired = desired_of(&facts);
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
    let desired = desired_of(&facts);
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
    assert_journal_has(
        dir.path(),
        &["lock", "backup", "write-failed", "rollback", "unlock"],
    );
}

#[test]
fn stale_plan_and_held_lock_are_refused_without_writes() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"])];
    let desired = desired_of(&facts);
    let mut host = host_with(&facts, &["TLSv1"]);
    let live = read_all(&mut host, &desired.reads()).unwrap();
    let plan = HostPlan {
        host: "xsp1".into(),
        farm: "f".into(),
        snapshot: live.snapshot_hash(),
        ops: diff(&desired.facts, &live)
            .unwrap()
            .into_iter()
            .map(Action::Cli)
            .collect(),
        views: vec![],
        secrets: vec![],
        patches: None,
        warnings: vec![],
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

fn rows(host: &FakeHost, f: &TableFact) -> Vec<Vec<String>> {
    host.tree
        .get(&f.at)
        .unwrap()
        .rows_by(&f.at.context, &f.columns)
        .unwrap()
}

#[test]
fn a_lost_connection_mid_write_reconnects_restores_and_unlocks() {
    for drop_at in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        let facts = [fact("/P", &["TLSv1.2"])];
        let desired = DesiredTree {
            facts: facts.iter().cloned().map(Fact::Table).collect(),
            ..Default::default()
        };
        let mut host = host_with(&facts, &["TLSv1", "TLSv1.1"]);
        let original = rows(&host, &facts[0]);
        host.drop_at_writes = vec![drop_at];
        host.failing_reconnects = 1;
        let r = run(&mut host, &desired, None, dir.path());
        let ApplyStatus::Failed {
            rollback, error, ..
        } = &r.status
        else {
            panic!("{r:?}")
        };
        assert_eq!(rollback, &Ok(()), "drop at write {drop_at}");
        assert!(error.contains("is unknown"), "{error}");
        assert_eq!(rows(&host, &facts[0]), original, "drop at write {drop_at}");
        assert!(host.locked.is_none(), "lock released after the reconnect");
        assert!(!r.lock_held);
        assert_journal_has(
            dir.path(),
            &[
                "write-unknown",
                "reconnect-failed",
                "reconnect",
                "rollback",
                "unlock",
            ],
        );
    }
}

#[test]
fn an_unreachable_host_after_a_drop_keeps_the_lock_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"])];
    let desired = desired_of(&facts);
    let mut host = host_with(&facts, &["TLSv1"]);
    host.drop_at_writes = vec![1];
    host.failing_reconnects = usize::MAX;
    let r = run(&mut host, &desired, None, dir.path());
    let ApplyStatus::Failed { rollback, .. } = &r.status else {
        panic!("{r:?}")
    };
    let why = rollback.as_ref().unwrap_err();
    assert!(
        why.contains("could not reconnect after 3 attempts"),
        "{why}"
    );
    assert!(r.lock_held, "the report says the lock is still held");
    assert!(host.locked.is_some());
}

#[test]
fn rollback_reports_every_refused_write_and_still_runs_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"]), fact("/C", &["X"])];
    let desired = desired_of(&facts);
    let mut host = host_with(&facts, &["TLSv1", "TLSv1.1"]);
    let r = run(&mut host, &desired, None, dir.path());
    assert!(matches!(r.status, ApplyStatus::Changed { .. }), "{r:?}");
    // Restore the backup, with two of its writes refused by the CLI.
    let store = Store::new(dir.path());
    let backup = store.load_backup("xsp1", None).unwrap();
    host.refuse = vec!["add 10.0.0.1 TLSv1".into(), "add 10.0.0.1 TLSv1.1".into()];
    let journal = store.journal("run2").unwrap();
    let err = restore(&mut host, "xsp1", &backup, &journal, false).unwrap_err();
    let refused: Vec<&String> = err
        .failures
        .iter()
        .filter(|f| f.contains("Failed to write data"))
        .collect();
    assert_eq!(refused.len(), 4, "{err}");
    // The writes not refused ran: X is gone from both tables.
    for f in &facts {
        assert!(
            !rows(&host, f).contains(&vec!["X".to_string()]),
            "{:?}",
            rows(&host, f)
        );
    }
}

#[test]
fn a_drop_during_the_restore_is_survived_too() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2", "TLSv1.3"])];
    let desired = desired_of(&facts);
    let mut host = host_with(&facts, &["TLSv1", "TLSv1.1"]);
    let original = rows(&host, &facts[0]);
    // The apply's third write drops; so does the restore's first.
    host.drop_at_writes = vec![3, 4];
    let r = run(&mut host, &desired, None, dir.path());
    let ApplyStatus::Failed { rollback, .. } = &r.status else {
        panic!("{r:?}")
    };
    assert_eq!(rollback, &Ok(()));
    assert_eq!(rows(&host, &facts[0]), original);
    assert!(host.locked.is_none());
    let journal = std::fs::read_to_string(dir.path().join("journal/run1.jsonl")).unwrap();
    assert!(journal.contains("\"rollback-write-unknown\""), "{journal}");
}

#[test]
fn each_context_is_read_once_under_the_lock_then_the_written_ones_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [
        fact("/P", &["TLSv1.2"]),
        fact("/C", &["X"]),
        fact("/Same", &["kept"]),
    ];
    let desired = desired_of(&facts);
    let mut host = host_with(&facts, &["kept"]);
    let r = run(&mut host, &desired, None, dir.path());
    assert!(matches!(r.status, ApplyStatus::Changed { .. }), "{r:?}");
    assert_eq!(r.plan.as_ref().map(|p| p.ops.len()), Some(4));
    // Three contexts read once, the two written ones re-read to confirm.
    assert_eq!(host.reads, 3 + 2);
    assert_eq!(host.reads_unlocked, 0);
}

#[test]
fn a_read_failure_under_the_lock_changes_nothing_and_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let facts = [fact("/P", &["TLSv1.2"])];
    let mut host = host_with(&facts, &["TLSv1"]);
    let store = Store::new(dir.path());
    let journal = store.journal("run1").unwrap();
    let r = apply_host(
        &mut host,
        &ApplyJob {
            host: "xsp1",
            plan: None,
            store: &store,
            journal: &journal,
            run_id: "run1",
            owner: &LockOwner::this_process("run1"),
            gate: None,
        },
        |_| Err("/P: no such level".to_string()),
    );
    assert_eq!(
        r.status,
        ApplyStatus::Unread("/P: no such level\nnothing was changed (no write was sent)".into())
    );
    assert_eq!(host.writes, 0);
    assert!(host.locked.is_none());
    assert!(r.plan.is_none());
}

#[test]
fn facts_of_one_context_are_read_with_one_get() {
    // Two attributes written in one context are confirmed by one read of it.
    let facts = [fact("/P", &["TLSv1.2"]), fact("/C", &["X"])];
    let mut host = host_with(&facts, &["kept"]);
    let p = facts[0].at.clone();
    let c = facts[1].at.clone();
    let tree = read_all(&mut host, &[p.clone(), c.clone(), p.clone()]).unwrap();
    assert_eq!(host.reads, 2);
    assert!(tree.get(&p).is_some() && tree.get(&c).is_some());
}
