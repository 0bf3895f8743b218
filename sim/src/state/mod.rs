//! The durable state of one simulated host: the configured and the running
//! configuration, whether BroadWorks runs, its patches and keys.
//!
//! Only what differs from the data files' defaults is stored for attributes; tables
//! are stored whole once created. The running configuration is a copy of the
//! configured one taken at the last start; changes that need no restart are made to
//! both at once.
pub mod defaults;
pub mod ops;
pub mod store;
pub mod tls;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::model::{CliLayout, ContextDef, Field, Kind, Platform};
use crate::catalog::values::CheckContext;
use crate::catalog::{Catalog, HostView};
use crate::host::{HostSpec, Product, Release};

/// The version of the state file layout.
pub const SCHEMA: u32 = 1;

/// One table row: column name to value.
pub type Row = BTreeMap<String, String>;

/// What a host holds for one context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextData {
    /// Attribute values set from the CLI (others have their default).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
    /// The rows of a table, once created (before: the default rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<Row>>,
}

/// A whole configuration, by concrete context path (e.g. `Interface/CTI`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Context data by path.
    pub contexts: BTreeMap<String, ContextData>,
}

/// The durable state of a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostState {
    /// Layout version ([`SCHEMA`]).
    pub schema: u32,
    /// Creation time, seconds since the Unix epoch.
    pub created: i64,
    /// The configuration as bwcli shows it.
    pub configured: Config,
    /// The configuration BroadWorks runs with.
    pub running: Config,
    /// Whether BroadWorks runs (`stopbw` / `startbw`).
    pub bw_running: bool,
    /// Changes whenever the running configuration changes.
    pub generation: u64,
    /// Installed patches, listing order.
    pub patches: Vec<String>,
    /// The AuthService token signing key (PKCS#8 PEM), created on first export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_service_key: Option<String>,
}

/// Values that fill the placeholders of the data files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vars {
    /// `{address}`
    pub address: String,
    /// `{https_port}`
    pub https_port: String,
    /// `{cti_port}`
    pub cti_port: String,
    /// `{fqdn}`
    pub fqdn: String,
    /// `{name}`
    pub name: String,
    /// `{app_version}`
    pub app_version: String,
    /// `{created}`: creation time as alarms show it (`2017-11-12 8:58:55 GMT`).
    pub created: String,
}

impl Vars {
    /// Replaces every known `{placeholder}` in `s`.
    pub fn expand(&self, s: &str) -> String {
        if !s.contains('{') {
            return s.to_string();
        }
        s.replace("{address}", &self.address)
            .replace("{https_port}", &self.https_port)
            .replace("{cti_port}", &self.cti_port)
            .replace("{fqdn}", &self.fqdn)
            .replace("{name}", &self.name)
            .replace("{app_version}", &self.app_version)
            .replace("{created}", &self.created)
    }
}

/// What the engine knows of a host besides its state: product, release, spec values.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Product.
    pub product: Product,
    /// Release.
    pub release: Release,
    /// The layout choices of this host's CLI.
    pub layout: CliLayout,
    /// Placeholder values.
    pub vars: Vars,
}

impl Facts {
    /// The facts of a spec, with the creation time of its state.
    pub fn new(catalog: &Catalog, spec: &HostSpec, created: i64) -> Facts {
        Facts {
            product: spec.product,
            release: spec.release,
            layout: spec.layout.clone(),
            vars: Vars {
                address: spec.address.to_string(),
                https_port: spec.https_port.to_string(),
                cti_port: spec.cti_port.to_string(),
                fqdn: spec.fqdn.clone(),
                name: spec.name.clone(),
                app_version: catalog.release(spec.release).app_version.clone(),
                created: alarm_time(created),
            },
        }
    }

    /// What decides which contexts this host has.
    pub fn platform(&self) -> Platform {
        Platform {
            product: self.product,
            release: self.release,
            cti: self.layout.cti,
        }
    }

    /// The value check context of this host's release.
    pub fn check_context<'a>(&self, catalog: &'a Catalog) -> CheckContext<'a> {
        CheckContext {
            protocols: &catalog.release(self.release).protocols,
            ciphers: &catalog.ciphers,
        }
    }
}

/// A Unix time as a UTC date and time (the epoch when out of range).
pub fn utc(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Formats a Unix time the way C-CAP's alarm table shows it: `2017-11-12 8:58:55 GMT`.
pub fn alarm_time(unix: i64) -> String {
    let t = utc(unix);
    format!(
        "{:04}-{:02}-{:02} {}:{:02}:{:02} GMT",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl Config {
    /// The value of an attribute: set, or the expanded default.
    pub fn attr(&self, path: &str, field: &Field, vars: &Vars) -> String {
        self.contexts
            .get(path)
            .and_then(|c| c.attrs.get(&field.name))
            .cloned()
            .unwrap_or_else(|| vars.expand(&field.default))
    }

    /// The rows of a table: stored, or the default rows of this product and release.
    pub fn rows(&self, path: &str, def: &ContextDef, facts: &Facts) -> Vec<Row> {
        if let Some(rows) = self.contexts.get(path).and_then(|c| c.rows.as_ref()) {
            return rows.clone();
        }
        default_rows(def, facts)
    }

    /// The value of `attribute` of the attribute context at `path` (a data-file path),
    /// for this product and release.
    pub fn attr_at(
        &self,
        catalog: &Catalog,
        facts: &Facts,
        path: &str,
        attribute: &str,
    ) -> Option<String> {
        let id = catalog.find(path, facts.platform())?;
        let def = catalog.context(id);
        let field = def.field(attribute)?;
        Some(self.attr(&def.path, field, &facts.vars))
    }

    /// The rows of the table at `path` (a data-file path), for this product and release.
    pub fn rows_at(&self, catalog: &Catalog, facts: &Facts, path: &str) -> Vec<Row> {
        match catalog.find(path, facts.platform()) {
            Some(id) => {
                let def = catalog.context(id);
                if def.kind == Kind::Table {
                    self.rows(&def.path, def, facts)
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        }
    }
}

/// The default rows of a table for a host, placeholders expanded, every column present.
pub fn default_rows(def: &ContextDef, facts: &Facts) -> Vec<Row> {
    def.rows
        .iter()
        .filter(|r| r.applies.covers_on(facts.platform()))
        .map(|r| {
            def.columns
                .iter()
                .map(|c| {
                    let v = r.values.get(&c.name).unwrap_or(&c.default);
                    (c.name.clone(), facts.vars.expand(v))
                })
                .collect()
        })
        .collect()
}

/// The key values of a row, in key-column order.
pub fn row_key(def: &ContextDef, row: &Row) -> Vec<String> {
    def.keys()
        .map(|k| row.get(&k.name).cloned().unwrap_or_default())
        .collect()
}

/// The applications active on a host: `(name, version)` of every ManagedObjects row
/// that is `Active` or `Deployed`.
pub fn active_apps(catalog: &Catalog, facts: &Facts, cfg: &Config) -> Vec<(String, String)> {
    cfg.rows_at(catalog, facts, MANAGED_OBJECTS)
        .into_iter()
        .filter(|r| {
            matches!(
                r.get("state").map(String::as_str),
                Some("Active" | "Deployed")
            )
        })
        .map(|r| {
            (
                r.get("name").cloned().unwrap_or_default(),
                r.get("version").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// The context paths of the applications deployed on a host (`Deployed` rows of
/// ManagedObjects with a context path): what its HTTPS interface answers.
pub fn deployed_contexts(catalog: &Catalog, facts: &Facts, cfg: &Config) -> Vec<String> {
    cfg.rows_at(catalog, facts, MANAGED_OBJECTS)
        .into_iter()
        .filter(|r| r.get("state").map(String::as_str) == Some("Deployed"))
        .filter_map(|r| r.get("contextPath").cloned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The path of the applications table.
pub const MANAGED_OBJECTS: &str = "Maintenance/ManagedObjects";

/// A view of a host for the catalog, borrowing the active applications.
pub fn host_view<'a>(facts: &Facts, apps: &'a [(String, String)]) -> HostView<'a> {
    HostView {
        product: facts.product,
        release: facts.release,
        cti: facts.layout.cti,
        active_apps: apps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_times_follow_the_documented_form() {
        assert_eq!(alarm_time(1_510_477_135), "2017-11-12 8:58:55 GMT");
    }

    #[test]
    fn placeholders_expand() {
        let v = Vars {
            address: "127.0.0.1".into(),
            https_port: "8443".into(),
            cti_port: "8012".into(),
            fqdn: "x.test".into(),
            name: "x".into(),
            app_version: "22.0_1.1123".into(),
            created: "now".into(),
        };
        assert_eq!(
            v.expand("{address}:{https_port}/{cti_port}"),
            "127.0.0.1:8443/8012"
        );
        assert_eq!(v.expand("plain"), "plain");
    }
}
