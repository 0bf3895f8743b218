//! The AS side of the NPS proxy (solution guide B §7.3 step 8, source lines
//! 3330-3350): when the AS enforces its allowed-application list
//! (`System/PushNotification enforceAllowedApplicationList true`), the list
//! holds the Webex apps, `com.cisco.wx2.android` "Webex Android" and
//! `com.cisco.squared` "Webex iOS" (`templates/nps_allowed_applications/`); when it
//! does not, nothing is written.
use serde::Serialize;

use crate::catalog::Product;
use crate::desired::{ContextRef, DesiredTree};
use crate::live::link::HostLink;
use crate::modules::{ModuleError, Scope, TypedModule, render_template};
use crate::playbook::Host;
use crate::playbook::module_api::{Field, HostFacts, Node, Pos, Report, Schema};

/// The AS allowed-applications module.
pub struct NpsAllowedApplications;

/// The AS's push-notification settings.
pub const PUSH_NOTIFICATION: &str = "/System/PushNotification";
/// guide B §7.3 step 8.1.
const ENFORCE: &str = "enforceAllowedApplicationList";

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "nps_allowed_applications",
    "true: when the AS enforces its push allowed-application list, the list holds the Webex apps (`com.cisco.wx2.android`, `com.cisco.squared`; solution guide B §7.3 step 8). AS only.",
    Schema::Bool,
    "true",
);

/// The value an AS gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedApplicationsSettings {
    /// Whether the Webex apps are kept in the list.
    pub webex_apps: bool,
}

/// What the AS showed that xspctl cannot work from.
#[derive(Debug, thiserror::Error)]
#[error(
    "{PUSH_NOTIFICATION}: `get` shows {seen} for {ENFORCE}, not true or false, so xspctl cannot tell whether the AS enforces its allowed-application list\n  help: check `get` in {PUSH_NOTIFICATION} on the AS (solution guide B §7.3 step 8.1); nothing was changed"
)]
struct UnreadableEnforcement {
    seen: String,
}

impl TypedModule for NpsAllowedApplications {
    type Settings = AllowedApplicationsSettings;
    type Farm = ();
    const KEY: &'static str = "nps_allowed_applications";
    const SCOPE: Scope = Scope {
        products: &[Product::As],
        since: None,
        role: None,
        source: "the allowed-application list is the Application Server's, solution guide B §7.3 step 8",
    };
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "nps_allowed_applications/all.yaml",
        include_str!("../../../templates/nps_allowed_applications/all.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        _host: &HostFacts<'_>,
        _report: &mut Report,
    ) -> Option<AllowedApplicationsSettings> {
        node.as_bool()
            .map(|webex_apps| AllowedApplicationsSettings { webex_apps })
    }

    fn render(
        &self,
        _host: &Host,
        settings: &AllowedApplicationsSettings,
        _farm: Option<&()>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        if !settings.webex_apps {
            return Ok(DesiredTree::default());
        }
        let at = ContextRef {
            context: PUSH_NOTIFICATION.into(),
            args: Vec::new(),
        };
        let read = link.read(&at).map_err(ModuleError::new)?;
        match read.attribute(ENFORCE) {
            Some("true") => render_template("nps_allowed_applications/all.yaml", settings),
            Some("false") => Ok(DesiredTree::default()),
            other => Err(ModuleError::new(UnreadableEnforcement {
                seen: other.map_or("no value".into(), |v| format!("{v:?}")),
            })),
        }
    }
}
