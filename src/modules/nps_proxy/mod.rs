//! The NPS proxy on the dedicated NPS XSP or ADP (solution guide B §7.2-§7.3,
//! source lines 3181-3361; guide A §3.4): the `NotificationPushServer`
//! application activated and deployed, FCM HTTP v1 with the Webex Android app,
//! APNS over HTTP/2 with the Webex iOS app's token entry, the OAuth client that
//! gets short-lived push tokens from the Webex back end (`CiscoCI/Client`, its
//! secret and refresh token typed at password prompts), and the NPS proxy URL.
//! It depends on the NPS proxy patches (`PatchFeature::NpsProxy`). The AS side
//! (the allowed-application list) is [`allowed_apps`].
pub mod allowed_apps;

use serde::Serialize;

use super::{ModuleError, Scope, TypedModule, application, render_template, secret_setting};
use crate::catalog::{PatchFeature, Product, Release};
use crate::desired::DesiredTree;
use crate::live::link::HostLink;
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role, SecretRef};

/// The NPS proxy module.
pub struct NpsProxy;

/// The application's name in `Maintenance/ManagedObjects`.
pub const APPLICATION: &str = "NotificationPushServer";

/// guide B §7.3 step 3 (source lines 3242-3249): the documented NPS proxy URL.
pub const DEFAULT_CLOUD_URL: &str = "https://nps.uc-one.broadsoft.com/nps/";

/// Where the application is deployed unless the playbook says otherwise; the
/// guide gives no path (§7.2 step 3: "no exact command is given"), see
/// docs/decisions.md "nps_proxy: the application's context path".
pub const DEFAULT_CONTEXT_PATH: &str = "/notificationpushserver";

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "nps_proxy",
    "The NPS proxy on the dedicated NPS XSP or ADP (solution guide B §7.2, §7.3): the NotificationPushServer application, FCM v1 and APNS HTTP/2 with the Webex app ids, the CiscoCI OAuth client from the TAC service request, and the NPS proxy URL. Only on a farm with role `nps`, R22 or later or ADP; needs the NPS proxy patches.",
    Schema::Object(&NPS_PROXY),
    "{ client_id: nps-client-id, client_secret: env:NPS_CLIENT_SECRET, refresh_token: env:NPS_REFRESH_TOKEN }",
);

static NPS_PROXY: Object = Object {
    name: "nps_proxy",
    doc: "The NPS proxy settings of the NPS host.",
    shared: false,
    fields: &[
        Field::new(
            "client_id",
            "`CiscoCI/Client clientId`: the OAuth client id the service request \"NPS Configuration for Auth Proxy Setup\" returns (guide B §7.3 steps 1-2).",
            Schema::Text(Format::Text),
            "nps-client-id",
        )
        .required(),
        Field::new(
            "client_secret",
            "`CiscoCI/Client clientSecret`, by reference (`env:NAME` or `file:PATH`); typed at the CLI's password prompts, never shown.",
            Schema::Text(Format::SecretRef),
            "env:NPS_CLIENT_SECRET",
        )
        .required(),
        Field::new(
            "refresh_token",
            "`CiscoCI/Client RefreshToken`, by reference; valid 60 days (guide B §7.3 step 1): a new value behind the reference is set by the next apply.",
            Schema::Text(Format::SecretRef),
            "env:NPS_REFRESH_TOKEN",
        )
        .required(),
        Field::new(
            "cloud_url",
            "`CloudNPSService url`, the NPS proxy; default `https://nps.uc-one.broadsoft.com/nps/` (guide B §7.3 step 3).",
            Schema::Text(Format::Text),
            "\"https://nps.uc-one.broadsoft.com/nps/\"",
        ),
        Field::new(
            "context_path",
            "Where the NotificationPushServer application is activated and deployed; default `/notificationpushserver` (the guide gives none).",
            Schema::Text(Format::Text),
            "/notificationpushserver",
        ),
    ],
};

/// The settings an NPS host gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpsProxySettings {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`, by reference.
    #[serde(serialize_with = "secret_setting::as_reference")]
    pub client_secret: SecretRef,
    /// `RefreshToken`, by reference.
    #[serde(serialize_with = "secret_setting::as_reference")]
    pub refresh_token: SecretRef,
    /// `CloudNPSService url`.
    pub cloud_url: String,
    /// The application's context path.
    pub context_path: String,
}

impl TypedModule for NpsProxy {
    type Settings = NpsProxySettings;
    type Farm = ();
    const KEY: &'static str = "nps_proxy";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        // guide A §2 (L1624), guide B §7.1-§7.2: the NPS XSP runs R22 or later.
        since: Some(Release::R22),
        role: Some(Role::Nps),
        source: "the NPS proxy runs on the dedicated NPS XSP or ADP, R22 or later, solution guide B §7.2 and guide A §3.4",
    };
    const PATCHES: &'static [PatchFeature] = &[PatchFeature::NpsProxy];
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "nps_proxy/r22.yaml",
        include_str!("../../../templates/nps_proxy/r22.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<NpsProxySettings> {
        let text = |key: &str| node.get(key).and_then(Node::as_str);
        let cloud_url = text("cloud_url").unwrap_or(DEFAULT_CLOUD_URL);
        if let Some(at) = node.get("cloud_url")
            && !cloud_url.starts_with("https://")
        {
            report.error(
                at.pos,
                format!("`webex.nps_proxy.cloud_url` {cloud_url:?} is not an `https://` URL"),
                Some(format!(
                    "leave it out for the documented NPS proxy `{DEFAULT_CLOUD_URL}` (solution guide B §7.3 step 3)"
                )),
            );
            return None;
        }
        let context_path = text("context_path").unwrap_or(DEFAULT_CONTEXT_PATH);
        if let Some(at) = node.get("context_path")
            && !is_context_path(context_path)
        {
            report.error(
                at.pos,
                format!("`webex.nps_proxy.context_path` {context_path:?} is not a context path"),
                Some("write one path segment after `/`, e.g. `/notificationpushserver`".into()),
            );
            return None;
        }
        let client_secret = secret_setting::build(node, Self::KEY, "client_secret", host, report);
        let refresh_token = secret_setting::build(node, Self::KEY, "refresh_token", host, report);
        Some(NpsProxySettings {
            client_id: text("client_id")?.to_string(),
            client_secret: client_secret?,
            refresh_token: refresh_token?,
            cloud_url: cloud_url.to_string(),
            context_path: context_path.to_string(),
        })
    }

    fn render(
        &self,
        _host: &Host,
        settings: &NpsProxySettings,
        _farm: Option<&()>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        // guide B §7.2 step 3: activate the application; its levels exist only
        // once it is active, so the activation comes first in the plan.
        let application = application::read(APPLICATION, &settings.context_path, link)
            .map_err(ModuleError::new)?;
        let commands = application::activate_and_deploy(&application);
        // Every release NPS runs on (R22+, ADP) has the same contexts (guide B
        // §7.1: APNS HTTP/2 needs R22 or later, which the scope requires).
        let mut tree = render_template("nps_proxy/r22.yaml", settings)?;
        tree.commands.extend(commands);
        Ok(tree)
    }
}

/// `/` and one segment of letters, digits, `.`, `_`, `-`.
fn is_context_path(path: &str) -> bool {
    path.strip_prefix('/').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    })
}

#[cfg(test)]
mod tests {
    use super::is_context_path;

    #[test]
    fn a_context_path_is_one_segment_after_a_slash() {
        for good in ["/notificationpushserver", "/nps-1.0", "/a_b"] {
            assert!(is_context_path(good), "{good}");
        }
        for bad in ["notificationpushserver", "/", "/a/b", "/a b", ""] {
            assert!(!is_context_path(bad), "{bad}");
        }
    }
}
