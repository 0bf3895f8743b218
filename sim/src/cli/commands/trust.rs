//! `updateTrust <alias> <trustAnchorFile>`: loads trust anchors from a PEM file of
//! the host (guide B §5.6-5.7; WBX-SG). The `get` table shows `Alias Owner Issuer`,
//! the issuer followed by `[self-signed]` when owner and issuer are the same (C-TRUST).
//! A file with several certificates gives `<alias>`, `<alias>_2`, ...; where the data
//! names a chain depth (R21 `Interface/Http/ClientAuthentication chainDepth`), only
//! that many are kept (guide B §15: a low chainDepth truncates the chain). An
//! existing alias is replaced.
use super::HelpEntry;
use crate::catalog::catalog;
use crate::catalog::values::ValueType;
use crate::cli::errors::CliError;
use crate::cli::verbs::{self, Target, check, configured_rows};
use crate::host::SimHost;
use crate::pki;
use crate::state::Row;
use crate::state::ops::WriteOp;

const WORD: &str = "updateTrust";

pub(super) fn help(host: &SimHost) -> HelpEntry {
    HelpEntry {
        word: WORD,
        description: "Loads the certificates of a PEM file as trust anchors under an alias (aliases are unique; an existing alias is replaced).",
        params: vec![
            verbs::param_line(host, "alias", &ValueType::Text { min: 1, max: 80 }),
            verbs::param_line(host, "trustAnchorFile", &ValueType::Path),
        ],
    }
}

pub(super) fn update_trust(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let alias_field = t.def.field("alias").ok_or(CliError::InvalidCommand)?;
    let Some(alias) = args.first() else {
        return Err(CliError::Mandatory {
            command: WORD.into(),
            spec: verbs::spec_line(t.host, alias_field),
        });
    };
    let alias = check(t, WORD, alias_field, alias)?;
    let file = verbs::last_path_arg(t, WORD, args, 1, "trustAnchorFile")?;
    let bytes = verbs::read_host_file(t, WORD, &file)?;
    let file_error = |reason: String| CliError::File {
        command: WORD.into(),
        path: file.clone(),
        reason,
    };
    let certs = pki::certificates(&bytes).map_err(|e| file_error(e.to_string()))?;
    let limit = match &t.def.options.chain_depth {
        None => certs.len(),
        Some((path, attr)) => {
            let facts = t.host.facts();
            t.host
                .read(|st| st.configured.attr_at(catalog(), facts, path, attr))
                .map_err(|e| verbs::backend(WORD, e))?
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(certs.len())
        }
    };
    let mut new_rows = Vec::new();
    for (i, cert) in certs.iter().take(limit).enumerate() {
        let s = pki::summary(cert);
        let mut row = Row::new();
        let name = if i == 0 {
            alias.clone()
        } else {
            format!("{alias}_{}", i + 1)
        };
        row.insert("alias".into(), name);
        row.insert("issuer".into(), s.shown_issuer());
        row.insert("owner".into(), s.owner);
        row.insert(
            "pem".into(),
            pki::to_pem(cert).map_err(|e| file_error(e.to_string()))?,
        );
        new_rows.push(row);
    }
    let mut rows = configured_rows(t, WORD)?;
    rows.retain(|r| !new_rows.iter().any(|n| n.get("alias") == r.get("alias")));
    rows.extend(new_rows);
    t.commit(WriteOp::ReplaceRows(rows), WORD)
}
