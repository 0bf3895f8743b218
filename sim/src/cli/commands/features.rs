//! `activate <featureId>` / `deactivate <featureId>` in `System/ActivatableFeature`
//! (management-sync §4.7: `activate 101642`).
use super::HelpEntry;
use crate::cli::errors::CliError;
use crate::cli::verbs::{self, Target};
use crate::host::SimHost;
use crate::state::ops::WriteOp;

pub(super) fn help(host: &SimHost) -> Vec<HelpEntry> {
    let id = verbs::param_line(
        host,
        "featureId",
        &crate::catalog::values::ValueType::Text { min: 1, max: 20 },
    );
    vec![
        HelpEntry {
            word: "activate",
            description: "Activates a feature.",
            params: vec![id.clone()],
        },
        HelpEntry {
            word: "deactivate",
            description: "Deactivates a feature.",
            params: vec![id],
        },
    ]
}

pub(super) fn run(t: &Target<'_>, word: &str, args: &[String]) -> Result<String, CliError> {
    let key = verbs::key_only_args(t, word, args)?;
    let value = if word == "activate" { "true" } else { "false" };
    let values = vec![("activated".to_string(), value.to_string())];
    t.commit(WriteOp::SetRow { key, values }, word)
}
