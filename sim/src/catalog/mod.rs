//! The bwcli model, loaded once from the data files embedded from `sim/data/`:
//! the context tree per product and release, value types, the IANA cipher registry,
//! release facts, default patches and where the TLS endpoints take their settings.
//!
//! Differences between products and releases live in the data, not in code.
pub mod ciphers;
pub mod docs;
pub mod model;
pub mod releases;
pub mod tls;
pub mod values;

use std::collections::HashMap;
use std::sync::OnceLock;

use ciphers::CipherRegistry;
use model::{Applicability, ContextDef, CtiLayout, Kind, Platform, RawContextFile};
use releases::{PatchSet, ProductInfo, RawPatches, RawReleases, ReleaseInfo};
use tls::{RawTls, TlsData};

use crate::host::{Product, Release};

/// The context data files, embedded so that the binary is standalone.
const CONTEXT_FILES: &[(&str, &str)] = &[
    (
        "system.toml",
        include_str!("../../data/contexts/system.toml"),
    ),
    (
        "interface.toml",
        include_str!("../../data/contexts/interface.toml"),
    ),
    (
        "applications.toml",
        include_str!("../../data/contexts/applications.toml"),
    ),
    (
        "maintenance.toml",
        include_str!("../../data/contexts/maintenance.toml"),
    ),
    ("as.toml", include_str!("../../data/contexts/as.toml")),
];
const RELEASES: &str = include_str!("../../data/releases.toml");
const PATCHES: &str = include_str!("../../data/patches.toml");
const TLS: &str = include_str!("../../data/tls.toml");

/// Every product, in declaration order.
pub const PRODUCTS: [Product; 3] = [Product::Xsp, Product::Adp, Product::As];
/// Every release, in order.
pub const RELEASES_ALL: [Release; 5] = [
    Release::R21Sp1,
    Release::R22,
    Release::R23,
    Release::R24,
    Release::Adp,
];

/// Index of a context in [`Catalog::contexts`].
pub type ContextId = usize;

/// What decides which contexts a host shows.
#[derive(Debug, Clone, Copy)]
pub struct HostView<'a> {
    /// The host's product.
    pub product: Product,
    /// The host's release.
    pub release: Release,
    /// The host's CTI layout.
    pub cti: CtiLayout,
    /// Active applications: `(name, version)`.
    pub active_apps: &'a [(String, String)],
}

/// A sub-level as a host shows it: its definition and its concrete name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// The definition.
    pub id: ContextId,
    /// The level name with `{version}` replaced.
    pub name: String,
}

/// The loaded model.
#[derive(Debug)]
pub struct Catalog {
    /// Every context, explicit ones in data order, implicit parents where first needed.
    pub contexts: Vec<ContextDef>,
    /// The sub-levels of each context (by [`ContextId`]), in data order: a lookup
    /// per level on every `cd`, so indexed, not hashed by path.
    sub_levels: Vec<Vec<ContextId>>,
    /// The levels at the top.
    top_levels: Vec<ContextId>,
    by_path: HashMap<String, Vec<ContextId>>,
    products: Vec<ProductInfo>,
    releases: Vec<ReleaseInfo>,
    /// Patches of a fresh host.
    pub patches: Vec<PatchSet>,
    /// TLS endpoint sources and defaults.
    pub tls: TlsData,
    /// The IANA cipher registry.
    pub ciphers: CipherRegistry,
}

/// The catalog, parsed on first use and shared by every host of the process.
///
/// The data is embedded and checked by the crate's tests; an invalid data file is a
/// build defect, so this panics with the file and the reason rather than return it.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match Catalog::load() {
        Ok(c) => c,
        Err(e) => panic!("xspsim data files are invalid: {e}"),
    })
}

fn key(path: &str) -> String {
    path.trim_matches('/').to_ascii_lowercase()
}

impl Catalog {
    /// Parses and checks every embedded data file.
    pub fn load() -> Result<Catalog, String> {
        let mut contexts: Vec<ContextDef> = Vec::new();
        for (file, text) in CONTEXT_FILES {
            let raw: RawContextFile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
            for c in raw.contexts {
                contexts.push(c.build().map_err(|e| format!("{file}: {e}"))?);
            }
        }
        let explicit = contexts.len();
        let mut all: Vec<ContextDef> = Vec::new();
        let mut by_path: HashMap<String, Vec<ContextId>> = HashMap::new();
        let mut children: HashMap<String, Vec<ContextId>> = HashMap::new();
        for def in contexts.into_iter().take(explicit) {
            // Parents first, so that children lists follow data order.
            for depth in 1..def.segments.len() {
                let parent = def.segments[..depth].join("/");
                if by_path.contains_key(&key(&parent)) {
                    continue;
                }
                let node = ContextDef {
                    path: parent.clone(),
                    segments: def.segments[..depth].to_vec(),
                    applies: Applicability::default(),
                    app: None,
                    kind: Kind::Node,
                    restart: false,
                    scope: 0,
                    verbs: vec![],
                    commands: vec![],
                    attributes: vec![],
                    columns: vec![],
                    rows: vec![],
                    options: Default::default(),
                    source: String::new(),
                    help: None,
                    implicit: true,
                };
                Self::insert(&mut all, &mut by_path, &mut children, node);
            }
            Self::insert(&mut all, &mut by_path, &mut children, def);
        }
        // An implicit level belongs to an application when all its descendants do.
        for i in 0..all.len() {
            if all[i].implicit {
                let prefix = format!("{}/", key(&all[i].path));
                let mut apps = all
                    .iter()
                    .filter(|d| !d.implicit && key(&d.path).starts_with(&prefix))
                    .map(|d| d.app.clone());
                let first = apps.next().flatten();
                if apps.all(|a| a == first) {
                    all[i].app = first;
                }
            }
        }
        for d in &all {
            if d.segments.iter().any(|s| s.contains("{version}")) && d.app.is_none() {
                return Err(format!("context {}: {{version}} needs an app", d.path));
            }
        }
        let releases: RawReleases =
            toml::from_str(RELEASES).map_err(|e| format!("releases.toml: {e}"))?;
        let mut products = Vec::new();
        for p in PRODUCTS {
            let info = releases
                .products
                .iter()
                .find(|i| i.product == p)
                .ok_or_else(|| format!("releases.toml: no product {p:?}"))?;
            products.push(info.clone());
        }
        let mut release_infos = Vec::new();
        for r in RELEASES_ALL {
            let info = releases
                .releases
                .iter()
                .find(|i| i.release == r)
                .ok_or_else(|| format!("releases.toml: no release {r:?}"))?;
            release_infos.push(info.clone());
        }
        let patches: RawPatches =
            toml::from_str(PATCHES).map_err(|e| format!("patches.toml: {e}"))?;
        let raw_tls: RawTls = toml::from_str(TLS).map_err(|e| format!("tls.toml: {e}"))?;
        let tls = TlsData {
            defaults: raw_tls.defaults,
            endpoints: raw_tls
                .endpoints
                .into_iter()
                .map(|e| e.build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("tls.toml: {e}"))?,
        };
        let ciphers = CipherRegistry::load()?;
        let sub_levels = all
            .iter()
            .map(|d| children.get(&key(&d.path)).cloned().unwrap_or_default())
            .collect();
        let catalog = Catalog {
            contexts: all,
            sub_levels,
            top_levels: children.remove("").unwrap_or_default(),
            by_path,
            products,
            releases: release_infos,
            patches: patches.patches,
            tls,
            ciphers,
        };
        catalog.check_references()?;
        Ok(catalog)
    }

    fn insert(
        all: &mut Vec<ContextDef>,
        by_path: &mut HashMap<String, Vec<ContextId>>,
        children: &mut HashMap<String, Vec<ContextId>>,
        def: ContextDef,
    ) {
        let id = all.len();
        let parent = key(&def.segments[..def.segments.len() - 1].join("/"));
        let path = key(&def.path);
        // A same-path definition at other releases shares the children list slot.
        let siblings = children.entry(parent).or_default();
        siblings.push(id);
        by_path.entry(path).or_default().push(id);
        all.push(def);
    }

    /// Checks that paths named by options and TLS data exist, and that the cipher
    /// defaults are registered names.
    fn check_references(&self) -> Result<(), String> {
        let exists = |p: &str| self.by_path.contains_key(&key(p));
        for d in &self.contexts {
            let o = &d.options;
            for p in [
                o.interface_table.as_deref(),
                o.chain_depth.as_ref().map(|c| c.0.as_str()),
            ]
            .into_iter()
            .flatten()
            {
                if !exists(p) {
                    return Err(format!("context {}: unknown path {p}", d.path));
                }
            }
            if let Some(model::GetView::ClusterMap { federation }) = &o.get_view
                && !exists(federation)
            {
                return Err(format!("context {}: unknown path {federation}", d.path));
            }
        }
        for e in &self.tls.endpoints {
            let mut paths = vec![e.interface_table.as_str(), e.trusts.as_str()];
            paths.extend(e.protocol_levels.iter().map(String::as_str));
            paths.extend(e.cipher_levels.iter().map(String::as_str));
            paths.extend(e.client_auth_webapps.as_deref());
            paths.extend(e.port_attribute.as_ref().map(|p| p.0.as_str()));
            paths.extend(e.enabled_attribute.as_ref().map(|p| p.0.as_str()));
            for p in paths {
                if !exists(p) {
                    return Err(format!("tls.toml: unknown path {p}"));
                }
            }
        }
        for c in &self.tls.defaults.ciphers {
            if self.ciphers.get(c).is_none() {
                return Err(format!("tls.toml: {c} is not an IANA name"));
            }
        }
        Ok(())
    }

    /// Facts of a product.
    pub fn product(&self, product: Product) -> &ProductInfo {
        let i = PRODUCTS.iter().position(|p| *p == product).unwrap_or(0);
        &self.products[i]
    }

    /// Facts of a release.
    pub fn release(&self, release: Release) -> &ReleaseInfo {
        let i = RELEASES_ALL.iter().position(|r| *r == release).unwrap_or(0);
        &self.releases[i]
    }

    /// A context definition.
    pub fn context(&self, id: ContextId) -> &ContextDef {
        &self.contexts[id]
    }

    /// Whether a context exists on a host.
    pub fn visible(&self, id: ContextId, view: &HostView<'_>) -> bool {
        let d = &self.contexts[id];
        if d.implicit {
            return self.sub_levels[id].iter().any(|&c| self.visible(c, view));
        }
        d.applies.covers_on(Platform {
            product: view.product,
            release: view.release,
            cti: view.cti,
        }) && d
            .app
            .as_ref()
            .is_none_or(|app| view.active_apps.iter().any(|(n, _)| n == app))
    }

    /// The sub-levels of `parent` (the top when `None`) that exist on a host, with
    /// `{version}` replaced by each active version of the level's application.
    pub fn children(&self, parent: Option<ContextId>, view: &HostView<'_>) -> Vec<Child> {
        let levels = match parent {
            Some(p) => &self.sub_levels[p],
            None => &self.top_levels,
        };
        let mut out = Vec::new();
        for &id in levels {
            if !self.visible(id, view) {
                continue;
            }
            let d = &self.contexts[id];
            let name = d.name();
            if name.contains("{version}") {
                let app = d.app.as_deref().unwrap_or("");
                for (n, v) in view.active_apps {
                    if n == app {
                        out.push(Child {
                            id,
                            name: name.replace("{version}", v),
                        });
                    }
                }
            } else {
                out.push(Child {
                    id,
                    name: name.to_string(),
                });
            }
        }
        out
    }

    /// The definition of a path without placeholders (as data files name it) that
    /// exists on a platform, ignoring application activation.
    pub fn find(&self, path: &str, on: Platform) -> Option<ContextId> {
        self.by_path.get(&key(path))?.iter().copied().find(|&id| {
            let d = &self.contexts[id];
            d.implicit || d.applies.covers_on(on)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_loads() {
        let c = Catalog::load().expect("data files");
        assert!(c.contexts.len() > 50);
        assert_eq!(c.product(Product::Adp).cli, "ADP_CLI");
        assert_eq!(c.release(Release::R22).build, "22.0.1123");
    }

    #[test]
    fn release_differences_come_from_the_data() {
        let c = catalog();
        let view = |release| HostView {
            product: Product::Xsp,
            release,
            cti: CtiLayout::SslSettings,
            active_apps: &[],
        };
        let on = |release| Platform {
            product: Product::Xsp,
            release,
            cti: CtiLayout::SslSettings,
        };
        let cti = c.find("Interface/CTI", on(Release::R22)).expect("CTI");
        let names = |r| {
            c.children(Some(cti), &view(r))
                .into_iter()
                .map(|ch| ch.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Release::R21Sp1), ["SSLConfiguration"]);
        assert_eq!(names(Release::R22), ["SSLSettings", "SSLCommonSettings"]);
        assert!(
            c.find("Interface/CTI/SSLConfiguration", on(Release::R22))
                .is_none()
        );
        assert!(c.find("System/ClientIdentity", on(Release::R22)).is_none());
        assert!(
            c.find(
                "System/ClientIdentity",
                Platform {
                    product: Product::As,
                    ..on(Release::R22)
                }
            )
            .is_some()
        );
    }

    #[test]
    fn application_levels_need_the_application_and_take_its_version() {
        let c = catalog();
        let apps = vec![("BWCallSettingsWeb".to_string(), "1.7.5".to_string())];
        let view = HostView {
            product: Product::Xsp,
            release: Release::R21Sp1,
            cti: CtiLayout::SslSettings,
            active_apps: &apps,
        };
        let top = c.children(None, &view);
        let applications = top
            .iter()
            .find(|ch| ch.name == "Applications")
            .expect("Applications");
        let names: Vec<String> = c
            .children(Some(applications.id), &view)
            .into_iter()
            .map(|ch| ch.name)
            .collect();
        assert_eq!(names, ["BWCallSettingsWeb_1.7.5"]);
        let none = HostView {
            active_apps: &[],
            ..view
        };
        assert!(
            !c.children(None, &none)
                .iter()
                .any(|ch| ch.name == "Applications")
        );
    }
}
