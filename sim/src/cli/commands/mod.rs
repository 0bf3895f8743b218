//! Special commands, implemented once and referenced by id from the data files.
mod apps;
mod certs;
mod features;
mod keys;
mod trust;

pub(crate) use certs::certificate_rows;

use super::errors::CliError;
use super::verbs::{self, Target};
use super::{ConfirmAction, Outcome};
use crate::catalog::model::{CommandId, ContextDef};
use crate::host::SimHost;

/// One command as `help` shows it.
pub(crate) struct HelpEntry {
    /// The word typed.
    pub word: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Its parameter lines (`<name>, Type`), indented by the caller.
    pub params: Vec<String>,
}

/// The special command `word` (lower case) names in this context.
pub(crate) fn command_of(def: &ContextDef, word: &str) -> Option<CommandId> {
    def.commands
        .iter()
        .copied()
        .find(|c| c.words().iter().any(|w| w.eq_ignore_ascii_case(word)))
}

/// Runs a special command; `word` is the word as typed.
pub(crate) fn run(
    t: &Target<'_>,
    id: CommandId,
    word: &str,
    args: &[String],
) -> Result<Outcome, CliError> {
    let text = match id {
        CommandId::UpdateTrust => trust::update_trust(t, args)?,
        CommandId::SslUpdate => certs::ssl_update(t, args)?,
        CommandId::ExportKeys => keys::export(t, args)?,
        CommandId::ImportKeys => keys::import(t, args)?,
        CommandId::ManagedObjects => apps::run(t, &word.to_ascii_lowercase(), args)?,
        CommandId::List => verbs::get_table(t, args, "list")?,
        CommandId::ClearAll => return clear_all(t, args),
        CommandId::ActivateFeature => features::run(t, &word.to_ascii_lowercase(), args)?,
    };
    Ok(Outcome::Text(text))
}

/// `clearAll`: every row goes, after confirmation (C-DBS: `clearAll;y`).
fn clear_all(t: &Target<'_>, args: &[String]) -> Result<Outcome, CliError> {
    if !args.is_empty() {
        return Err(CliError::TooMany {
            command: "clearAll".into(),
        });
    }
    Ok(Outcome::Confirm(ConfirmAction::ReplaceRows {
        def: t.def,
        path: t.path.clone(),
        rows: Vec::new(),
    }))
}

/// The help entries of a special command in a context.
pub(crate) fn help_entries(host: &SimHost, def: &ContextDef, id: CommandId) -> Vec<HelpEntry> {
    match id {
        CommandId::UpdateTrust => vec![trust::help(host)],
        CommandId::SslUpdate => vec![certs::help(host, def)],
        CommandId::ExportKeys => vec![keys::export_help()],
        CommandId::ImportKeys => vec![keys::import_help(host)],
        CommandId::ManagedObjects => apps::help(host),
        CommandId::List => vec![HelpEntry {
            word: "list",
            description: "Shows the entries, like get.",
            params: vec![],
        }],
        CommandId::ClearAll => vec![HelpEntry {
            word: "clearAll",
            description: "Deletes every entry, after confirmation.",
            params: vec![],
        }],
        CommandId::ActivateFeature => features::help(host),
    }
}
