//! Modules: each turns its part of the playbook's `webex` settings into CLI facts.
//!
//! A module is one `Module` in the [`registry`]: it declares its playbook
//! section (a schema field, listed beside it in `registry::WEBEX_FIELDS`), which
//! hosts it is for ([`Scope`]), how its typed settings are built from the YAML,
//! how a host's facts are rendered (usually one template per release family),
//! and the checks it adds across a farm. The engine (`playbook::build`,
//! `hostrun`) loops over the registry and knows no module by name.
pub mod allow_client_app;
pub mod application;
pub mod authservice;
pub mod certificates;
pub mod certkey;
pub mod chain_depth;
pub mod cti_client_identity;
pub mod cti_mtls;
pub mod cti_mtls_port;
pub mod cti_mtls_trusts;
pub mod directory_sync;
pub mod flowthrough;
pub mod nps_proxy;
pub mod patches;
pub mod registry;
pub(crate) mod secret_setting;
pub mod tls;
pub mod tls_module;
pub mod xsi_events;

use crate::catalog::{PatchFeature, Product, Release};
use crate::desired::DesiredTree;
use crate::desired::render::RenderError;
use crate::live::link::{HostLink, LinkError};
use crate::playbook::module_api::{HostFacts, ModuleSettings, Node, Pos, Report, Settings};
use crate::playbook::{Host, Role, Webex};
use crate::report::CheckId;

/// Which hosts a module may be set for. A playbook that sets it for another host
/// is refused with a located error before any host is touched.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// The products whose CLI has the module's contexts.
    pub products: &'static [Product],
    /// The first release that has them (None: every release).
    pub since: Option<Release>,
    /// The role the host's farm must have (None: any).
    pub role: Option<Role>,
    /// Why, for the error: the document the scope comes from.
    pub source: &'static str,
}

/// A value compared across the hosts of a farm: every host must hold the same.
#[derive(Debug, Clone, Copy)]
pub struct FarmCheck {
    /// Its stable check id (docs/checks.md).
    pub id: CheckId,
    /// The attribute context.
    pub context: &'static str,
    /// The attribute.
    pub attribute: &'static str,
    /// Why it must agree, with its source.
    pub why: &'static str,
    /// How an operator makes the farm agree.
    pub fix: &'static str,
    /// How a host's value is read.
    pub read: FarmRead,
}

/// How a farm check reads a host's value.
#[derive(Debug, Clone, Copy)]
pub enum FarmRead {
    /// The attribute, as `get` in the context shows it.
    Attribute,
    /// Computed by the module from reads of the host (None: nothing to compare,
    /// which fails); e.g. the fingerprint of a fresh key export.
    Computed(fn(&Host, &mut dyn HostLink) -> Result<Option<String>, LinkError>),
}

/// Why a module could not render a host's facts (its message is shown as is).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ModuleError(Box<dyn std::error::Error + Send + Sync>);

impl ModuleError {
    /// Wraps `source`, a module's own error.
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        ModuleError(Box::new(source))
    }
}

/// One module, as the engine sees it. Implement [`TypedModule`] instead: it
/// gives this with the settings' type checked in one place.
pub(crate) trait Module: Sync {
    /// The module's key under `webex:` in the playbook.
    fn key(&self) -> &'static str;
    /// Which hosts it may be set for.
    fn scope(&self) -> Scope;
    /// Builds its settings from the merged `webex.<key>` node (already checked
    /// against its schema); every problem goes to `report` with its position.
    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<Settings>;
    /// Checks its settings against the other modules' settings of the same host
    /// (after every module was built); every problem goes to `report`.
    fn check_across(&self, settings: &Settings, webex: &Webex, report: &mut Report);
    /// Whether, with these settings, the module reads its farm's reference host
    /// before any host is rendered ([`Module::farm_stage`]).
    fn needs_farm_stage(&self, settings: &Settings) -> bool;
    /// The farm stage: reads `reference`, the farm's first host, and returns the
    /// facts every host of the farm renders with (held in memory only).
    fn farm_stage(
        &self,
        reference: &Host,
        settings: &Settings,
        link: &mut dyn HostLink,
    ) -> Result<Settings, ModuleError>;
    /// Renders the facts it wants of `host`, with its farm's facts when the farm
    /// stage ran; `link` reads what rendering needs.
    fn render(
        &self,
        host: &Host,
        settings: &Settings,
        farm: Option<&Settings>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError>;
    /// Values that must agree across each farm.
    fn farm_checks(&self) -> &'static [FarmCheck];
    /// Its templates: (name, source), names starting with `<key>/`.
    fn templates(&self) -> &'static [(&'static str, &'static str)];
    /// The features whose patches it depends on: a host that lacks one gets no
    /// plan (`modules::patches`).
    fn patch_features(&self) -> &'static [PatchFeature];
}

/// A module with typed settings.
pub(crate) trait TypedModule: Sync {
    /// Its settings for one host.
    type Settings: ModuleSettings + PartialEq;
    /// What its farm stage finds (`()` for a module without one).
    type Farm: ModuleSettings + PartialEq;
    /// See [`Module::key`].
    const KEY: &'static str;
    /// See [`Module::scope`].
    const SCOPE: Scope;
    /// See [`Module::farm_checks`].
    const FARM_CHECKS: &'static [FarmCheck] = &[];
    /// See [`Module::templates`].
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[];
    /// See [`Module::patch_features`]; by default none.
    const PATCHES: &'static [PatchFeature] = &[];
    /// See [`Module::build`].
    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<Self::Settings>;
    /// See [`Module::check_across`]; by default a module checks nothing across.
    fn check_across(&self, _settings: &Self::Settings, _webex: &Webex, _report: &mut Report) {}
    /// See [`Module::needs_farm_stage`]; by default a module has no farm stage.
    fn needs_farm_stage(&self, _settings: &Self::Settings) -> bool {
        false
    }
    /// See [`Module::farm_stage`]; only called when [`Self::needs_farm_stage`].
    fn farm_stage(
        &self,
        _reference: &Host,
        _settings: &Self::Settings,
        _link: &mut dyn HostLink,
    ) -> Result<Self::Farm, ModuleError> {
        Err(ModuleError::new(NoFarmStage(Self::KEY)))
    }
    /// See [`Module::render`].
    fn render(
        &self,
        host: &Host,
        settings: &Self::Settings,
        farm: Option<&Self::Farm>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError>;
}

/// Settings of another type than the module's: a bug in the registry.
#[derive(Debug, thiserror::Error)]
#[error("internal error: the settings given to module {0} are not its own")]
struct ForeignSettings(&'static str);

/// A farm stage asked of a module that has none: a bug in the engine.
#[derive(Debug, thiserror::Error)]
#[error("internal error: module {0} has no farm stage")]
struct NoFarmStage(&'static str);

/// `settings` as the module's own type `T`.
fn own<'a, T: 'static>(key: &'static str, settings: &'a Settings) -> Result<&'a T, ModuleError> {
    settings
        .get()
        .ok_or_else(|| ModuleError::new(ForeignSettings(key)))
}

impl<M: TypedModule> Module for M {
    fn key(&self) -> &'static str {
        M::KEY
    }

    fn scope(&self) -> Scope {
        M::SCOPE
    }

    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<Settings> {
        TypedModule::build(self, node, key_pos, host, report).map(Settings::new)
    }

    fn check_across(&self, settings: &Settings, webex: &Webex, report: &mut Report) {
        if let Ok(settings) = own(M::KEY, settings) {
            TypedModule::check_across(self, settings, webex, report);
        }
    }

    fn needs_farm_stage(&self, settings: &Settings) -> bool {
        own(M::KEY, settings).is_ok_and(|s| TypedModule::needs_farm_stage(self, s))
    }

    fn farm_stage(
        &self,
        reference: &Host,
        settings: &Settings,
        link: &mut dyn HostLink,
    ) -> Result<Settings, ModuleError> {
        let settings = own(M::KEY, settings)?;
        TypedModule::farm_stage(self, reference, settings, link).map(Settings::new)
    }

    fn render(
        &self,
        host: &Host,
        settings: &Settings,
        farm: Option<&Settings>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        let farm = farm.map(|f| own(M::KEY, f)).transpose()?;
        TypedModule::render(self, host, own(M::KEY, settings)?, farm, link)
    }

    fn farm_checks(&self) -> &'static [FarmCheck] {
        M::FARM_CHECKS
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        M::TEMPLATES
    }

    fn patch_features(&self) -> &'static [PatchFeature] {
        M::PATCHES
    }
}

/// Renders template `name` with `settings` as its context: the render step of a
/// module whose facts follow from its settings alone.
pub fn render_template(
    name: &str,
    settings: &impl serde::Serialize,
) -> Result<DesiredTree, ModuleError> {
    let context = serde_json::to_value(settings).map_err(|e| {
        ModuleError::new(RenderError::Template {
            name: name.to_string(),
            message: e.to_string(),
        })
    })?;
    crate::desired::render::render(name, &context).map_err(ModuleError::new)
}
