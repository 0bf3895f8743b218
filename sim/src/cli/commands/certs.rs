//! Interface certificates: `sslUpdate <interface> keyFile <file> certificateFile
//! <file> [chainFile <file>]` (guide B §5.8 step 3; R21 in `SSLConfiguration`, R22+
//! in `.../SSLSettings/Certificates`), and the certificate `get` view (its columns
//! are ours: the documents do not show it).
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use super::HelpEntry;
use crate::catalog::catalog;
use crate::catalog::model::ContextDef;
use crate::catalog::values::ValueType;
use crate::cli::errors::CliError;
use crate::cli::verbs::{self, Target, commit, key_args};
use crate::host::SimHost;
use crate::pki;
use crate::state::Row;
use crate::state::ops::WriteOp;

const WORD: &str = "sslUpdate";
/// How many certificates' summaries [`summary_of`] keeps.
const SUMMARIES_KEPT: usize = 1024;

/// The summaries of the certificates `get` has shown, by their PEM text. Parsing a
/// certificate costs more than the rest of a `get`, and the same ones are shown
/// again and again (every plan and apply reads them).
static SUMMARIES: LazyLock<Mutex<HashMap<String, Option<pki::CertSummary>>>> =
    LazyLock::new(Mutex::default);

/// The summary of the first certificate of `pem`, None when it holds none.
fn summary_of(pem: &str) -> Option<pki::CertSummary> {
    let mut kept = SUMMARIES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(summary) = kept.get(pem) {
        return summary.clone();
    }
    let summary = pki::certificates(pem.as_bytes())
        .ok()
        .map(|certs| pki::summary(&certs[0]));
    if kept.len() >= SUMMARIES_KEPT {
        kept.clear();
    }
    kept.insert(pem.to_string(), summary.clone());
    summary
}
const NAMES: [&str; 3] = ["keyFile", "certificateFile", "chainFile"];

fn interface_table(host: &SimHost, def: &ContextDef) -> Option<&'static ContextDef> {
    let cat = catalog();
    let facts = host.facts();
    let path = def.options.interface_table.as_deref().unwrap_or(&def.path);
    cat.find(path, facts.platform()).map(|id| cat.context(id))
}

pub(super) fn help(host: &SimHost, def: &ContextDef) -> HelpEntry {
    let mut params: Vec<String> = interface_table(host, def)
        .map(|t| t.keys().map(|k| verbs::spec_line(host, k)).collect())
        .unwrap_or_default();
    for n in NAMES {
        let line = format!("{n} {}", verbs::param_line(host, n, &ValueType::Path));
        params.push(if n == "chainFile" {
            format!("[{line}]")
        } else {
            line
        });
    }
    HelpEntry {
        word: WORD,
        description: "Replaces the server certificate and key of an interface with PEM files of the host; takes effect after a restart.",
        params,
    }
}

pub(super) fn ssl_update(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let table = interface_table(t.host, t.def).ok_or(CliError::InvalidCommand)?;
    let key = key_args(t, table, WORD, args)?;
    let rest = &args[key.len()..];
    let mut files: [Option<String>; 3] = [None, None, None];
    let mut i = 0;
    while i < rest.len() {
        let Some(slot) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(&rest[i])) else {
            return Err(CliError::UnknownAttribute {
                command: WORD.into(),
                name: rest[i].clone(),
                known: NAMES.iter().map(|s| s.to_string()).collect(),
            });
        };
        let Some(raw) = rest.get(i + 1) else {
            return Err(CliError::Mandatory {
                command: WORD.into(),
                spec: verbs::param_line(t.host, NAMES[slot], &ValueType::Path),
            });
        };
        files[slot] = Some(verbs::host_path(t, WORD, NAMES[slot], raw)?);
        i += 2;
    }
    let [key_file, cert_file, chain_file] = files;
    let missing = |n: &str| CliError::Mandatory {
        command: WORD.into(),
        spec: format!("{n} {}", verbs::param_line(t.host, n, &ValueType::Path)),
    };
    let key_file = key_file.ok_or_else(|| missing("keyFile"))?;
    let cert_file = cert_file.ok_or_else(|| missing("certificateFile"))?;
    let pki_error = |path: &str, e: pki::PkiError| CliError::File {
        command: WORD.into(),
        path: path.to_string(),
        reason: e.to_string(),
    };
    let read = |path: &str| verbs::read_host_file(t, WORD, path);
    let certs = pki::certificates(&read(&cert_file)?).map_err(|e| pki_error(&cert_file, e))?;
    let key_pem =
        pki::matching_key(&read(&key_file)?, &certs[0]).map_err(|e| pki_error(&key_file, e))?;
    let mut chain = Vec::new();
    for c in &certs[1..] {
        chain.push(pki::to_pem(c).map_err(|e| pki_error(&cert_file, e))?);
    }
    if let Some(chain_file) = &chain_file {
        for c in pki::certificates(&read(chain_file)?).map_err(|e| pki_error(chain_file, e))? {
            chain.push(pki::to_pem(&c).map_err(|e| pki_error(chain_file, e))?);
        }
    }
    let values = vec![
        (
            "certPem".to_string(),
            pki::to_pem(&certs[0]).map_err(|e| pki_error(&cert_file, e))?,
        ),
        ("keyPem".to_string(), key_pem),
        ("chainPem".to_string(), chain.concat()),
    ];
    commit(
        t.host,
        table,
        &table.path,
        WriteOp::SetRow { key, values },
        WORD,
    )
}

/// The rows of a certificate view: the interfaces of the interface table that have
/// a certificate, with its subject, issuer and expiry.
pub(crate) fn certificate_rows(t: &Target<'_>, word: &str) -> Result<Vec<Row>, CliError> {
    let table = interface_table(t.host, t.def).ok_or(CliError::InvalidCommand)?;
    let facts = t.host.facts();
    let rows = t
        .host
        .read(|st| st.configured.rows(&table.path, table, facts))
        .map_err(|e| verbs::backend(word, e))?;
    let mut out = Vec::new();
    for r in rows {
        let pem = r.get("certPem").map(String::as_str).unwrap_or_default();
        let Some(s) = summary_of(pem) else {
            continue;
        };
        let mut row = Row::new();
        for k in table.keys() {
            row.insert(k.name.clone(), r.get(&k.name).cloned().unwrap_or_default());
        }
        row.insert("issuer".into(), s.shown_issuer());
        row.insert("subject".into(), s.owner);
        row.insert("notAfter".into(), s.not_after);
        row.insert("keyType".into(), s.key_type);
        out.push(row);
    }
    Ok(out)
}
