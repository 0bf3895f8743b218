//! The Application Server's side of CTI mutual TLS (solution guide B §5.1, source
//! lines 2769-2778; guide A §8.3): `System/ClientIdentity` lists the common name of
//! Webex's CTI client certificate, `bwcticlient.webex.com`, so that the AS lets
//! Webex subscribe to CTI events through the XSPs.
use serde::Serialize;

use super::{ModuleError, Scope, TypedModule, render_template};
use crate::catalog::Product;
use crate::desired::DesiredTree;
use crate::live::link::HostLink;
use crate::playbook::Host;
use crate::playbook::module_api::{Field, HostFacts, Node, Pos, Report, Schema};

/// The AS client identity module.
pub struct CtiClientIdentity;

/// guide B §5.1: the CN of Webex's CTI client certificate.
const WEBEX_CTI_CLIENT: &str = "bwcticlient.webex.com";

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "cti_client_identity",
    "`true`: the AS lists Webex's CTI client identity, bwcticlient.webex.com, in System/ClientIdentity (solution guide B §5.1); `false`: it does not. AS only.",
    Schema::Bool,
    "true",
);

/// What a host gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientIdentitySettings {
    /// Whether the identity is listed.
    pub allow: bool,
    /// The identity.
    pub identity: &'static str,
}

impl TypedModule for CtiClientIdentity {
    type Settings = ClientIdentitySettings;
    type Farm = ();
    const KEY: &'static str = "cti_client_identity";
    const SCOPE: Scope = Scope {
        products: &[Product::As],
        since: None,
        role: None,
        source: "System/ClientIdentity is an AS CLI context, solution guide B §5.1",
    };
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "cti_client_identity/all.yaml",
        include_str!("../../templates/cti_client_identity/all.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        _host: &HostFacts<'_>,
        _report: &mut Report,
    ) -> Option<ClientIdentitySettings> {
        node.as_bool().map(|allow| ClientIdentitySettings {
            allow,
            identity: WEBEX_CTI_CLIENT,
        })
    }

    fn render(
        &self,
        _host: &Host,
        settings: &ClientIdentitySettings,
        _farm: Option<&()>,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        render_template("cti_client_identity/all.yaml", settings)
    }
}
