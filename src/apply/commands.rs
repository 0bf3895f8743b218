//! Commands whose effect a read observes: their backup (the rows the read showed
//! before), their confirmation, and their rollback (docs/decisions.md, "actions").
use crate::desired::CommandFact;
use crate::live::LiveTree;
use crate::live::link::{HostLink, LinkError};
use crate::plan::commands::{keys, observed, reason, run_op};
use crate::plan::{Action, Verb};
use crate::store::CommandBackup;

/// The command fact an action runs, if it runs one of `commands`.
fn fact_of<'a>(action: &Action, commands: &'a [CommandFact]) -> Option<&'a CommandFact> {
    let op = action.cli().filter(|op| op.verb == Verb::Run)?;
    commands
        .iter()
        .find(|c| c.context == op.context && c.line == op.args)
}

/// The backups of the commands `actions` run: their rows as `live` shows them.
pub fn backups(
    actions: &[Action],
    commands: &[CommandFact],
    live: &LiveTree,
) -> Result<Vec<CommandBackup>, String> {
    actions
        .iter()
        .filter_map(|a| fact_of(a, commands))
        .map(|c| {
            Ok(CommandBackup {
                command: c.clone(),
                before: observed(c, live).map_err(|e| e.to_string())?,
            })
        })
        .collect()
}

/// Re-reads each command's context; what is still missing, one line each.
pub fn unconfirmed(
    link: &mut dyn HostLink,
    backups: &[CommandBackup],
) -> Result<Vec<String>, LinkError> {
    let mut left = Vec::new();
    // A command no read observes is confirmed by its CLI answer alone (its
    // module's verify check reads its effect another way).
    for b in backups.iter().filter(|b| b.command.observe.is_some()) {
        let now = read(link, &b.command)?;
        match reason(&b.command, &now, &[]) {
            Ok(None) => {}
            Ok(Some(why)) => left.push(format!(
                "{}> {}: {why}",
                b.command.context,
                b.command.line.join(" ")
            )),
            Err(e) => left.push(e.to_string()),
        }
    }
    Ok(left)
}

/// Whether restoring `backups` runs a command whose effect waits for a restart:
/// one whose read differs from its backup now.
pub fn restore_needs_restart(
    link: &mut dyn HostLink,
    backups: &[CommandBackup],
) -> Result<bool, String> {
    for b in backups
        .iter()
        .filter(|b| b.command.restart && b.command.observe.is_some())
    {
        let now = read(link, &b.command).map_err(|e| e.to_string())?;
        if !same_rows(
            &observed(&b.command, &now).map_err(|e| e.to_string())?,
            &b.before,
        ) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether two reads hold the same rows, in any order: a row loaded again by a
/// rollback comes last (D66), and no observed table gives its order a meaning.
fn same_rows(a: &[Vec<String>], b: &[Vec<String>]) -> bool {
    let sorted = |rows: &[Vec<String>]| {
        let mut rows = rows.to_vec();
        rows.sort();
        rows
    };
    a.len() == b.len() && sorted(a) == sorted(b)
}

fn read(link: &mut dyn HostLink, c: &CommandFact) -> Result<LiveTree, LinkError> {
    let at = c.context_ref();
    let mut tree = LiveTree::default();
    tree.contexts.insert(at.clone(), link.read(&at)?);
    Ok(tree)
}

/// Brings each command's read back to its backup, latest first, once the files
/// are restored: a command whose rows were there before is run again (it reads
/// the restored files); one whose rows were not is undone by its `undo`. Then
/// the read must show the rows as before. How many it ran, and the failures, one
/// line each.
pub fn restore(link: &mut dyn HostLink, backups: &[CommandBackup]) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failures = Vec::new();
    for b in backups.iter().rev() {
        match restore_one(link, b) {
            Ok(r) => ran += usize::from(r),
            Err(e) => failures.push(format!(
                "{}> {}: {e}",
                b.command.context,
                b.command.line.join(" ")
            )),
        }
    }
    (ran, failures)
}

/// Restores one command's read unless it is as it was; whether it ran anything.
fn restore_one(link: &mut dyn HostLink, b: &CommandBackup) -> Result<bool, String> {
    let c = &b.command;
    let Some(observe) = &c.observe else {
        return Err(format!(
            "no read shows what it did ({}), so it is not undone",
            c.because.as_deref().unwrap_or("its module wanted it run")
        ));
    };
    let rows = |link: &mut dyn HostLink| -> Result<Vec<Vec<String>>, String> {
        let now = read(link, c).map_err(|e| e.to_string())?;
        observed(c, &now).map_err(|e| e.to_string())
    };
    if same_rows(&rows(link)?, &b.before) {
        return Ok(false);
    }
    let held = keys(c, &b.before);
    let was_there = observe.present.iter().all(|k| held.contains(k));
    let line = if was_there {
        c.line.clone()
    } else {
        match &c.undo {
            Some(undo) => undo.clone(),
            None => {
                return Err(format!(
                    "it cannot be undone (the command names no undo, and what it replaced cannot be read back); before it, {} showed {:?}: bring that back by hand",
                    c.context, b.before
                ));
            }
        }
    };
    let op = run_op(c, &line, "rollback".into());
    link.write(&op, &[]).map_err(|e| e.to_string())?;
    let now = rows(link)?;
    if !same_rows(&now, &b.before) {
        return Err(format!(
            "after `{}` the read shows {now:?}, the backup {:?}",
            line.join(" "),
            b.before
        ));
    }
    Ok(true)
}
