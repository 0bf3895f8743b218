//! Rows of tables without `add` (the CTI Trusts table, whose rows `updateTrust`
//! loads from a certificate file): the certificates xspctl loaded are kept in the
//! state directory, an apply that deletes such a row puts its certificate in the
//! backup, and a rollback loads it again with the table's command. Without a kept
//! certificate the rollback says how to load the row by hand (docs/decisions.md D66).
use crate::desired::{DesiredTree, Fact, TableFact};
use crate::live::link::{HostLink, LinkError};
use crate::plan::{Action, Op, Verb};
use crate::store::{RowReload, Store};

/// Where a reloaded certificate waits on the host while its command runs.
fn upload_path(key: &str) -> String {
    format!("/var/broadworks/tmp/xspctl-reload-{key}.pem")
}

/// Keeps the certificate of each row `desired`'s commands load (a command that
/// makes one key present from one uploaded, non-private file): the certificate
/// the host holds, or will, under that key.
pub fn keep_loaded(store: &Store, desired: &DesiredTree) -> std::io::Result<()> {
    for c in &desired.commands {
        let (Some(observe), [path]) = (&c.observe, c.uses.as_slice()) else {
            continue;
        };
        let [key] = observe.present.as_slice() else {
            continue;
        };
        let [key] = key.as_slice() else {
            continue;
        };
        let content = desired
            .files
            .iter()
            .find(|f| &f.path == path && !f.private)
            .and_then(|f| f.content.as_deref());
        if let Some(pem) = content {
            store.keep_loaded(&c.context, key, pem)?;
        }
    }
    Ok(())
}

/// The table without `add` whose row `op` writes, with the command that loads
/// a row and the row's key; None when `op` writes no such table.
fn loading_table<'a>(facts: &'a [Fact], op: &'a Op) -> Option<(&'a TableFact, &'a str, &'a str)> {
    facts.iter().find_map(|f| match f {
        Fact::Table(t) if t.at.context == op.context && op.args.starts_with(&t.at.args) => {
            let key = op.args.get(t.at.args.len())?;
            Some((t, t.loaded_by.as_deref()?, key.as_str()))
        }
        _ => None,
    })
}

/// The row an `add` would bring back into a table without `add`, with the
/// table and the command that loads a row; None for any other operation.
pub fn loaded_row<'a>(facts: &'a [Fact], op: &'a Op) -> Option<(&'a TableFact, &'a str, &'a str)> {
    (op.verb == Verb::Add)
        .then(|| loading_table(facts, op))
        .flatten()
}

/// The reloads an apply's deletions need: each row of a table without `add`
/// that `actions` delete, with its kept certificate (none when none is kept).
pub fn reloads(store: &Store, touched: &[Fact], actions: &[Action]) -> Vec<RowReload> {
    actions
        .iter()
        .filter_map(Action::cli)
        .filter(|op| op.verb == Verb::Delete)
        .filter_map(|op| {
            let (_, _, key) = loading_table(touched, op)?;
            Some(RowReload {
                context: op.context.clone(),
                key: key.to_string(),
                pem: store.loaded(&op.context, key)?,
            })
        })
        .collect()
}

/// Loads row `key` of `context` again from `reload`'s certificate: uploaded,
/// `<command> <key> <file>`, then removed. The caller's re-read confirms it.
pub fn reload(link: &mut dyn HostLink, command: &str, reload: &RowReload) -> Result<(), LinkError> {
    let path = upload_path(&reload.key);
    link.replace_file(&path, reload.pem.as_bytes(), 0o644)?;
    let op = Op {
        context: reload.context.clone(),
        verb: Verb::Run,
        args: vec![command.to_string(), reload.key.clone(), path.clone()],
        before: None,
        after: None,
        want: Some("rollback: the row the apply deleted".into()),
        secrets: Vec::new(),
        confirm: false,
        restart: false,
    };
    let ran = link.write(&op, &[]).map(|_| ());
    let removed = link.remove_file(&path);
    ran.and(removed)
}

/// What to do by hand for a row a rollback cannot load back: load its
/// certificate again with the table's own command.
pub fn load_by_hand(table: &TableFact, command: &str, op: &Op) -> String {
    let values = &op.args[table.at.args.len()..];
    let key = values.first().map(String::as_str).unwrap_or_default();
    let shown: Vec<String> = table
        .columns
        .iter()
        .zip(values)
        .skip(1)
        .map(|(c, v)| format!("{c} {v:?}"))
        .collect();
    let file = format!("/var/broadworks/tmp/{key}.pem");
    format!(
        "{context} has no `add`, so row {key} ({shown}) comes back only when its certificate is loaded again, and xspctl kept none: copy that PEM to the host as {file}, then in bwcli `cd {context}` and `{command} {key} {file}`",
        context = op.context,
        shown = shown.join(", "),
    )
}
