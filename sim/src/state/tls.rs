//! The TLS settings an endpoint serves, computed from a configuration (the running
//! one) as docs/decisions.md D1-D4 describe.
use std::net::IpAddr;

use super::{Config, Facts, Row};
use crate::catalog::Catalog;
use crate::catalog::tls::{
    ContainerOption, EndpointDef, ItemKind, parse_cipher_list, parse_protocol_list, protocol_enum,
};
use crate::host::{Endpoint, TlsSettings};

fn is_true(v: Option<&String>) -> bool {
    v.is_some_and(|v| v == "true")
}

/// Rows of a level that apply to the interface: a per-interface level (one with a
/// scope) keeps the rows whose leading key columns equal the interface key.
fn level_values(
    catalog: &Catalog,
    facts: &Facts,
    cfg: &Config,
    path: &str,
    key: &[String],
) -> Vec<String> {
    let Some(id) = catalog.find(path, facts.platform()) else {
        return Vec::new();
    };
    let def = catalog.context(id);
    let scope: Vec<&str> = def
        .keys()
        .take(def.scope)
        .map(|f| f.name.as_str())
        .collect();
    let Some(value_col) = def.keys().nth(def.scope).map(|f| f.name.clone()) else {
        return Vec::new();
    };
    cfg.rows(&def.path, def, facts)
        .into_iter()
        .filter(|r| {
            scope
                .iter()
                .zip(key)
                .all(|(col, want)| r.get(*col).is_some_and(|v| v == want))
        })
        .filter_map(|r| r.get(&value_col).cloned())
        .collect()
}

/// D1: the list at the most specific level that has entries, else the default (D2).
fn first_non_empty(
    catalog: &Catalog,
    facts: &Facts,
    cfg: &Config,
    levels: &[String],
    key: &[String],
    default: &[String],
) -> Vec<String> {
    levels
        .iter()
        .map(|p| level_values(catalog, facts, cfg, p, key))
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

/// D4: a container option's list, else the default (D2). A value that does not parse
/// (it cannot be stored through the CLI) also falls back to the default.
fn option_values(
    catalog: &Catalog,
    facts: &Facts,
    cfg: &Config,
    option: &ContainerOption,
    kind: ItemKind,
    default: &[String],
) -> Vec<String> {
    let rows = cfg.rows_at(catalog, facts, "Maintenance/ContainerOptions");
    let value = rows.iter().find_map(|r| {
        let hit = r.get("container").is_some_and(|c| c == &option.container)
            && r.get("name").is_some_and(|n| n == &option.name);
        if hit { r.get("value").cloned() } else { None }
    });
    let ctx = facts.check_context(catalog);
    let parsed = value.map(|v| match kind {
        ItemKind::Protocols => parse_protocol_list(option.format, &v, ctx),
        ItemKind::Ciphers => parse_cipher_list(option.format, &v, ctx),
    });
    match parsed {
        Some(Ok(list)) => list,
        _ => default.to_vec(),
    }
}

fn interface_row(
    catalog: &Catalog,
    facts: &Facts,
    cfg: &Config,
    def: &EndpointDef,
    key: &[String],
) -> Option<Row> {
    let id = catalog.find(&def.interface_table, facts.platform())?;
    let table = catalog.context(id);
    cfg.rows(&table.path, table, facts)
        .into_iter()
        .find(|r| super::row_key(table, r).starts_with(key))
}

fn trust_pems(catalog: &Catalog, facts: &Facts, cfg: &Config, path: &str) -> Vec<String> {
    cfg.rows_at(catalog, facts, path)
        .into_iter()
        .filter_map(|r| r.get("pem").cloned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The settings `endpoint` serves with configuration `cfg`, or `None` when it does
/// not serve TLS (no such endpoint on this product and release, interface missing or
/// not secure, secure port disabled).
pub fn effective(
    catalog: &Catalog,
    facts: &Facts,
    cfg: &Config,
    endpoint: Endpoint,
) -> Option<TlsSettings> {
    let def = catalog.tls.endpoint(endpoint, facts.platform())?;
    let address: IpAddr = facts.vars.address.parse().ok()?;
    let key: Vec<String> = def
        .interface_key
        .iter()
        .map(|k| facts.vars.expand(k))
        .collect();
    if let Some((path, attr)) = &def.enabled_attribute
        && cfg.attr_at(catalog, facts, path, attr).as_deref() != Some("true")
    {
        return None;
    }
    let row = interface_row(catalog, facts, cfg, def, &key)?;
    // guide B §5.8 step 2 and §5.9: the CTI secure port is `securePort` (or, in the
    // CTIServer layout, the interface row's port).
    let port: u16 = match (&def.port, &def.port_attribute, &def.port_column) {
        (Some(p), _, _) => facts.vars.expand(p).parse().ok()?,
        (None, Some((path, attr)), _) => cfg.attr_at(catalog, facts, path, attr)?.parse().ok()?,
        (None, None, Some(column)) => row.get(column)?.parse().ok()?,
        (None, None, None) => return None,
    };
    if !is_true(row.get(&def.enabled_column)) {
        return None;
    }
    let defaults = &catalog.tls.defaults;
    let (protocol_names, ciphers) = match (&def.protocol_option, &def.cipher_option) {
        (Some(p), Some(c)) => (
            option_values(
                catalog,
                facts,
                cfg,
                p,
                ItemKind::Protocols,
                &defaults.protocols,
            ),
            option_values(catalog, facts, cfg, c, ItemKind::Ciphers, &defaults.ciphers),
        ),
        _ => (
            first_non_empty(
                catalog,
                facts,
                cfg,
                &def.protocol_levels,
                &key,
                &defaults.protocols,
            ),
            first_non_empty(
                catalog,
                facts,
                cfg,
                &def.cipher_levels,
                &key,
                &defaults.ciphers,
            ),
        ),
    };
    let mut protocols: Vec<_> = protocol_names
        .iter()
        .filter_map(|p| protocol_enum(p))
        .collect();
    protocols.sort();
    protocols.dedup();
    let webapp_auth = def.client_auth_webapps.as_ref().is_some_and(|path| {
        cfg.rows_at(catalog, facts, path).iter().any(|r| {
            r.get("interfaceIp") == key.first()
                && key.get(1).is_none_or(|p| r.get("port") == Some(p))
                && is_true(r.get("clientAuthReq"))
        })
    });
    let cert = row.get("certPem").cloned().unwrap_or_default();
    let chain = row.get("chainPem").cloned().unwrap_or_default();
    let mut cert_chain_pem = cert;
    if !chain.is_empty() {
        if !cert_chain_pem.ends_with('\n') {
            cert_chain_pem.push('\n');
        }
        cert_chain_pem.push_str(&chain);
    }
    Some(TlsSettings {
        address,
        port,
        protocols,
        ciphers,
        cert_chain_pem,
        key_pem: row.get("keyPem").cloned().unwrap_or_default(),
        client_auth_required: is_true(row.get(&def.client_auth_column)) || webapp_auth,
        trust_anchors_pem: trust_pems(catalog, facts, cfg, &def.trusts),
    })
}
