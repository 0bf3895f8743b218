//! AuthService (solution guide B §2, source lines 2505-2675): the
//! AuthenticationService application activated and deployed at `/authService`,
//! CI token validation (the identity provider, scope, federation and token
//! settings; R22 and later) or mTLS (client certificates required on the web
//! application; R21 SP1, or several Webex orgs on one XSP, §2.1), the local
//! AuthService URL for the web container, and one RSA key pair across each farm
//! ([`keys`]). It depends on the AuthService patches (`PatchFeature::Authservice`):
//! a host without them gets no plan.
pub mod fls;
mod keys;
mod settings;

pub use keys::{FarmKey, KEY_FILE, KEY_MANAGEMENT, key_fingerprint};
pub use settings::{AuthserviceSettings, CiToken, Mode};

use serde::Serialize;

use super::{FarmCheck, ModuleError, Scope, TypedModule, application, render_template};
use crate::catalog::{PatchFeature, Product, Release};
use crate::desired::{ContextRef, DesiredTree};
use crate::live::link::HostLink;
use crate::playbook::module_api::{Field, HostFacts, Node, Pos, Report, Schema};
use crate::playbook::{Host, Role};

/// The AuthService module.
pub struct Authservice;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "authservice",
    "AuthService (solution guide B §2): the AuthenticationService application at /authService, CI token validation (R22 and later) or mTLS, the web container's AuthService URL, and one RSA key pair across each farm. XSP and ADP hosts with role authservice; needs the AuthService patches.",
    Schema::Object(&settings::AUTHSERVICE),
    "{ mode: ci-token, client_id: C0ffee, client_secret: env:AUTH_CLIENT_SECRET, refresh_token: env:AUTH_REFRESH_TOKEN, ci_cluster: US-A, teams_cluster: ACHM }",
);

/// The application's name in `Maintenance/ManagedObjects`.
const APPLICATION: &str = "AuthenticationService";
/// guide B §2.2 step 3 (source lines 2540-2548): its context path.
const CONTEXT_PATH: &str = "/authService";

/// Where the web application's client authentication is set per interface
/// (bwcli-behavior §3, WBX-SG: `set <ip> <port> AuthenticationService clientAuthReq false`).
const WEB_APPS: &str = "/Interface/Http/SSLCommonSettings/ClientAuthentication/WebApps";
/// The web application's name in that table.
const WEB_APP: &str = "AuthenticationService";

/// What a host's template is rendered with.
#[derive(Debug, Serialize)]
struct TemplateInput<'a> {
    #[serde(flatten)]
    settings: &'a AuthserviceSettings,
    /// The HTTP interfaces whose AuthenticationService row sets client
    /// authentication.
    web_apps: Vec<WebApp>,
    /// `clientAuthReq` there: true in mTLS mode, false with CI tokens.
    client_auth: bool,
}

impl TypedModule for Authservice {
    type Settings = AuthserviceSettings;
    type Farm = FarmKey;
    const KEY: &'static str = "authservice";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: Some(Role::AuthService),
        source: "AuthService runs on the XSPs and ADPs of the Webex farm, co-resident with Xsi, solution guide B §0 and §2",
    };
    const PATCHES: &'static [PatchFeature] = &[PatchFeature::Authservice];
    const FARM_CHECKS: &'static [FarmCheck] = &[keys::FARM_CHECK];
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[
        (
            "authservice/r21.yaml",
            include_str!("../../../templates/authservice/r21.yaml.tera"),
        ),
        (
            "authservice/r22.yaml",
            include_str!("../../../templates/authservice/r22.yaml.tera"),
        ),
    ];

    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<AuthserviceSettings> {
        settings::build(node, key_pos, host, report)
    }

    /// Every farm shares the reference host's key pair (guide B §2.2 step 9).
    fn needs_farm_stage(&self, _settings: &AuthserviceSettings) -> bool {
        true
    }

    fn farm_stage(
        &self,
        reference: &Host,
        _settings: &AuthserviceSettings,
        link: &mut dyn HostLink,
    ) -> Result<FarmKey, ModuleError> {
        keys::farm_key(reference, link).map_err(ModuleError::new)
    }

    fn render(
        &self,
        host: &Host,
        settings: &AuthserviceSettings,
        farm: Option<&FarmKey>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        let application =
            application::read(APPLICATION, CONTEXT_PATH, link).map_err(ModuleError::new)?;
        let mut tree = DesiredTree {
            commands: application::activate_and_deploy(&application),
            ..DesiredTree::default()
        };
        let (template, web_apps) = match host.release {
            // guide B §2.1: R21 SP1 has no CI token validation, and its CLI no
            // per-application client authentication (WebApps is R22+).
            Release::R21Sp1 => ("authservice/r21.yaml", Vec::new()),
            _ => ("authservice/r22.yaml", web_apps(link)?),
        };
        let input = TemplateInput {
            settings,
            web_apps,
            client_auth: settings.mode == Mode::Mtls,
        };
        tree.extend(render_template(template, &input)?);
        if let Some(farm) = farm {
            tree.extend(
                keys::share(host, farm, application.is_active(), link).map_err(ModuleError::new)?,
            );
        }
        Ok(tree)
    }
}

/// An HTTP interface that lists the AuthenticationService web application.
#[derive(Debug, Serialize)]
struct WebApp {
    ip: String,
    port: String,
}

/// The HTTP interfaces that list the AuthenticationService web application in
/// `WebApps`.
fn web_apps(link: &mut dyn HostLink) -> Result<Vec<WebApp>, ModuleError> {
    let at = ContextRef {
        context: WEB_APPS.to_string(),
        args: Vec::new(),
    };
    let live = link.read(&at).map_err(ModuleError::new)?;
    let columns = ["Interface IP", "Port", "Web Application"].map(String::from);
    let rows = live.rows_by(WEB_APPS, &columns).map_err(ModuleError::new)?;
    Ok(rows
        .into_iter()
        .filter(|r| r[2] == WEB_APP)
        .map(|r| WebApp {
            ip: r[0].clone(),
            port: r[1].clone(),
        })
        .collect())
}
