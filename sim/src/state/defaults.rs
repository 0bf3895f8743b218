//! A fresh host (docs/decisions.md D6): every table of its product and release holds
//! its default rows, secure interfaces carry a self-signed certificate valid one
//! year, every TLS level is empty, the release's patch set is installed, a few
//! alarms are raised, and BroadWorks runs.
use super::{Config, ContextData, Facts, HostState, SCHEMA, default_rows};
use crate::catalog::Catalog;
use crate::catalog::model::Kind;
use crate::pki;

use openssl::pkey::{PKey, Private};

/// Days a generated interface certificate is valid (guide B §13).
pub const SELF_SIGNED_DAYS: u32 = 365;

/// Fills the certificate columns of `row` with a new self-signed certificate for
/// `cn` when the row's `flag` column is true and it has no certificate yet; the
/// certificate uses `key`, or a new key.
pub fn ensure_self_signed(
    row: &mut super::Row,
    flag: &str,
    cn: &str,
    key: Option<&PKey<Private>>,
) -> Result<(), pki::PkiError> {
    let wanted = row.get(flag).is_some_and(|v| v == "true");
    let missing = row.get("certPem").is_none_or(String::is_empty);
    if wanted && missing {
        let ck = match key {
            Some(k) => pki::self_signed_with_key(cn, SELF_SIGNED_DAYS, k)?,
            None => pki::self_signed(cn, SELF_SIGNED_DAYS)?,
        };
        row.insert("certPem".into(), ck.cert_pem);
        row.insert("keyPem".into(), ck.key_pem);
        row.insert("chainPem".into(), String::new());
    }
    Ok(())
}

/// The state of a new host created at `created` (Unix seconds).
pub fn fresh(catalog: &Catalog, facts: &Facts, created: i64) -> Result<HostState, pki::PkiError> {
    let mut configured = Config::default();
    let key = pki::new_rsa_key()?;
    for def in &catalog.contexts {
        if def.implicit
            || def.kind != Kind::Table
            || !def.applies.covers_on(facts.platform())
            || def.path.contains('{')
        {
            continue;
        }
        let mut rows = default_rows(def, facts);
        if let Some(flag) = &def.options.self_signed {
            for row in &mut rows {
                ensure_self_signed(row, flag, &facts.vars.fqdn, Some(&key))?;
            }
        }
        configured.contexts.insert(
            def.path.clone(),
            ContextData {
                attrs: Default::default(),
                rows: Some(rows),
            },
        );
    }
    let patches = catalog
        .patches
        .iter()
        .find(|p| p.product == facts.product && p.release == facts.release)
        .map(|p| p.installed.clone())
        .unwrap_or_default();
    Ok(HostState {
        schema: SCHEMA,
        created,
        running: configured.clone(),
        configured,
        bw_running: true,
        generation: 1,
        patches,
        auth_service_key: None,
    })
}
