//! Client applications over certificate authentication (solution guide B §5.6 step
//! 9 and §5.7, source lines 2912-2967; guide A line 742): `allowClientApp true` in
//! `ExternalAuthentication/CertificateAuthentication`, which Webex's CTI mTLS
//! connection relies on.
use serde::Serialize;

use super::{ModuleError, Scope, TypedModule, render_template};
use crate::catalog::Product;
use crate::desired::DesiredTree;
use crate::live::link::HostLink;
use crate::playbook::Host;
use crate::playbook::module_api::{Field, HostFacts, Node, Pos, Report, Schema};

/// The allowClientApp module.
pub struct AllowClientApp;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "allow_client_app",
    "`allowClientApp` of certificate authentication: true lets Webex's CTI client (mTLS) in (solution guide B §5.6, §5.7). XSP and ADP only.",
    Schema::Bool,
    "true",
);

/// The value a host gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowClientAppSettings {
    /// Whether client applications may authenticate with a certificate.
    pub allow: bool,
}

impl TypedModule for AllowClientApp {
    type Settings = AllowClientAppSettings;
    type Farm = ();
    const KEY: &'static str = "allow_client_app";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: None,
        source: "certificate authentication is an XSP/ADP CLI context, solution guide B §5.6",
    };
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "allow_client_app/all.yaml",
        include_str!("../../templates/allow_client_app/all.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        _host: &HostFacts<'_>,
        _report: &mut Report,
    ) -> Option<AllowClientAppSettings> {
        node.as_bool().map(|allow| AllowClientAppSettings { allow })
    }

    fn render(
        &self,
        _host: &Host,
        settings: &AllowClientAppSettings,
        _farm: Option<&()>,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        render_template("allow_client_app/all.yaml", settings)
    }
}
