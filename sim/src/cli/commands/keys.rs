//! AuthService key sharing (guide B §2.2 step 9): `exportKeys` writes the token
//! signing key pair to `/var/broadworks/tmp/authService.keys` (created on first use,
//! like AuthService creates it for the first token); `importKeys <file>` reads one.
//! The file holds the private key as PEM (our choice: the format is not documented).
use super::HelpEntry;
use crate::catalog::model::ContextDef;
use crate::catalog::values::ValueType;
use crate::cli::errors::CliError;
use crate::cli::format::DONE;
use crate::cli::verbs::{self, Target};
use crate::host::SimHost;
use crate::pki;

const DEFAULT_FILE: &str = "/var/broadworks/tmp/authService.keys";

fn key_file(def: &ContextDef) -> &str {
    def.options.file.as_deref().unwrap_or(DEFAULT_FILE)
}

pub(super) fn export_help() -> HelpEntry {
    HelpEntry {
        word: "exportKeys",
        description: "Exports the AuthService token keys to /var/broadworks/tmp/authService.keys (the location is not configurable).",
        params: vec![],
    }
}

pub(super) fn import_help(host: &SimHost) -> HelpEntry {
    HelpEntry {
        word: "importKeys",
        description: "Imports AuthService token keys exported on another server.",
        params: vec![verbs::param_line(host, "file", &ValueType::Path)],
    }
}

pub(super) fn export(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    const WORD: &str = "exportKeys";
    if !args.is_empty() {
        return Err(CliError::TooMany {
            command: WORD.into(),
        });
    }
    let key = t
        .host
        .update(|st| {
            if st.auth_service_key.is_none() {
                st.auth_service_key = Some(pki::new_signing_key()?);
            }
            Ok::<_, pki::PkiError>(st.auth_service_key.clone().unwrap_or_default())
        })
        .map_err(|e| verbs::backend(WORD, e))?
        .map_err(|e| CliError::Refused {
            command: WORD.into(),
            reason: e.to_string(),
        })?;
    let file = key_file(t.def);
    t.host
        .write_host_file(file, key.as_bytes())
        .map_err(|reason| CliError::File {
            command: WORD.into(),
            path: file.to_string(),
            reason,
        })?;
    Ok(format!("Keys exported to {file}\n{DONE}\n"))
}

pub(super) fn import(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    const WORD: &str = "importKeys";
    let path = verbs::last_path_arg(t, WORD, args, 0, "file")?;
    let bytes = verbs::read_host_file(t, WORD, &path)?;
    let not_keys = || CliError::File {
        command: WORD.into(),
        path: path.clone(),
        reason: "not an AuthService keys file".into(),
    };
    pki::check_private_key(&bytes).map_err(|_| not_keys())?;
    let pem = String::from_utf8(bytes).map_err(|_| not_keys())?;
    t.host
        .update(|st| {
            st.auth_service_key = Some(pem);
            Ok::<_, CliError>(())
        })
        .map_err(|e| verbs::backend(WORD, e))??;
    Ok(format!("{DONE}\n"))
}
