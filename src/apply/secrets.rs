//! The apply's side of secrets: the host's record, rewritten once the secrets
//! are confirmed, and what a rollback says about the secrets it cannot restore
//! (docs/decisions.md, "secrets").
use super::ApplyJob;
use crate::live::link::HostLink;
use crate::plan::secrets::HostSecrets;
use crate::plan::{Action, Op};
use crate::secret::record::{RECORD_MODE, SECRET_RECORD};

/// Writes the host's record of secrets once the secrets `ops` set are confirmed.
/// A record that cannot be written is safe (the next plan sets those secrets
/// again) and is a note, not a failure: the host holds what was wanted.
pub(super) fn update_record(
    link: &mut dyn HostLink,
    job: &ApplyJob,
    ops: &[Op],
    secrets: &HostSecrets,
) -> Option<String> {
    let set: Vec<&Op> = ops.iter().filter(|o| o.sets_secret()).collect();
    if set.is_empty() {
        return None;
    }
    let written = secrets
        .recorded(ops)
        .map_err(|e| e.to_string())
        .and_then(|r| {
            link.replace_file(SECRET_RECORD, &r.to_bytes(), RECORD_MODE)
                .map_err(|e| e.to_string())
        });
    match written {
        Ok(()) => {
            job.journal.record(
                job.host,
                "secret-record",
                format!("{SECRET_RECORD}: {} secrets recorded", set.len()),
            );
            None
        }
        Err(e) => {
            job.journal.record(
                job.host,
                "secret-record-failed",
                format!("{SECRET_RECORD}: {e}"),
            );
            Some(format!(
                "the secrets were set, but {SECRET_RECORD} could not be written ({e}): the next plan sets them again"
            ))
        }
    }
}

/// What a rollback tells about the secrets it could not restore: those among
/// `written` (the writes the host accepted). Their old value was never readable
/// (the CLI shows `********`), so the host keeps the playbook's secret.
pub(super) fn unrestored_secrets(written: &[Action]) -> Vec<String> {
    written
        .iter()
        .filter_map(Action::cli)
        .filter(|o| o.sets_secret())
        .map(|o| {
            format!(
                "{} {} keeps the secret this apply set ({}): a secret's previous value is never readable, so no rollback restores it; to put back the old one, type it at `cd {}` then `set {}` (bwcli asks for it)",
                o.context,
                o.args[0],
                o.secrets.join(", "),
                o.context,
                o.args[0]
            )
        })
        .collect()
}
