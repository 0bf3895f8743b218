//! Xsi-Events for Webex (solution guide A §6, source lines 1260-1266): the event
//! queue and handler threads at least at the guide's minimums, never lowered, and
//! one call-control application name across the farm (guide B §20; peer-tools
//! "one callControlApplicationName across all Xsi-Events").
use serde::Serialize;

use super::{FarmCheck, FarmRead, ModuleError, Scope, TypedModule, render_template};
use crate::catalog::Product;
use crate::desired::{ContextRef, DesiredTree};
use crate::live::link::HostLink;
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role};
use crate::report::CheckId;

/// The Xsi-Events module.
pub struct XsiEvents;

/// guide A §6: `eventQueueSize` at least 2000.
const MIN_QUEUE: i64 = 2000;
/// guide A §6: `eventHandlerThreadCount` at least 50.
const MIN_THREADS: i64 = 50;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "xsi_events",
    "Xsi-Events queue and threads at least at the guide's minimums, never lowered, and one call-control application name across each farm (solution guide A §6). XSP and ADP hosts with role xsi.",
    Schema::Object(&XSI_EVENTS),
    "{ event_queue_size: 2000, event_handler_threads: 50 }",
);

static XSI_EVENTS: Object = Object {
    name: "xsi_events",
    doc: "Xsi-Events settings.",
    shared: false,
    fields: &[
        Field::new(
            "event_queue_size",
            "The least `eventQueueSize` (default and minimum 2000); a host with more keeps its value.",
            Schema::Integer {
                min: MIN_QUEUE,
                max: 100_000,
            },
            "2000",
        ),
        Field::new(
            "event_handler_threads",
            "The least `eventHandlerThreadCount` (default and minimum 50); a host with more keeps its value.",
            Schema::Integer {
                min: MIN_THREADS,
                max: 500,
            },
            "50",
        ),
        Field::new(
            "call_control_application_name",
            "The `callControlApplicationName` every host of the farm must hold; absent: left alone, but verify still checks that the farm agrees.",
            Schema::Text(Format::Text),
            "com.broadsoft.xsi-events",
        ),
    ],
};

/// The settings a host gets, as the template takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct XsiEventsSettings {
    /// The least event queue size.
    pub event_queue_size: i64,
    /// The least number of event handler threads.
    pub event_handler_threads: i64,
    /// The call-control application name, when the playbook sets it.
    pub call_control_application_name: Option<String>,
}

impl TypedModule for XsiEvents {
    type Settings = XsiEventsSettings;
    type Farm = ReferenceName;
    const KEY: &'static str = "xsi_events";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: Some(Role::Xsi),
        source: "Xsi-Events runs on the XSPs and ADPs that serve Xsi, solution guide A §6",
    };
    const FARM_CHECKS: &'static [FarmCheck] = &[FarmCheck {
        id: CheckId::XsiEventsCallControlName,
        context: GENERAL_SETTINGS,
        attribute: CALL_CONTROL_NAME,
        why: "every Xsi-Events used with Webex must share one callControlApplicationName (solution guide B §20)",
        fix: "set `webex.xsi_events.call_control_application_name` to the name the farm shares, then `xspctl apply`",
        read: FarmRead::Attribute,
    }];
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "xsi_events/all.yaml",
        include_str!("../../templates/xsi_events/all.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        _host: &HostFacts<'_>,
        _report: &mut Report,
    ) -> Option<XsiEventsSettings> {
        // The schema bounds the numbers; nothing else to combine.
        Some(XsiEventsSettings {
            event_queue_size: node
                .get("event_queue_size")
                .and_then(Node::as_int)
                .unwrap_or(MIN_QUEUE),
            event_handler_threads: node
                .get("event_handler_threads")
                .and_then(Node::as_int)
                .unwrap_or(MIN_THREADS),
            call_control_application_name: node
                .get("call_control_application_name")
                .and_then(Node::as_str)
                .map(str::to_string),
        })
    }

    /// Without a name in the playbook, the farm's hosts take the reference
    /// host's name, so that the farm agrees (guide B §20).
    fn needs_farm_stage(&self, settings: &XsiEventsSettings) -> bool {
        settings.call_control_application_name.is_none()
    }

    fn farm_stage(
        &self,
        reference: &Host,
        _settings: &XsiEventsSettings,
        link: &mut dyn HostLink,
    ) -> Result<ReferenceName, ModuleError> {
        let at = ContextRef {
            context: GENERAL_SETTINGS.to_string(),
            args: Vec::new(),
        };
        let live = link.read(&at).map_err(ModuleError::new)?;
        match live.attribute(CALL_CONTROL_NAME).map(str::trim) {
            Some(name) if !name.is_empty() => Ok(ReferenceName {
                host: reference.name.clone(),
                name: name.to_string(),
            }),
            seen => Err(ModuleError::new(NoReferenceName {
                host: reference.name.clone(),
                seen: format!("{seen:?}"),
            })),
        }
    }

    fn render(
        &self,
        _host: &Host,
        settings: &XsiEventsSettings,
        farm: Option<&ReferenceName>,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        let mut settings = settings.clone();
        if settings.call_control_application_name.is_none() {
            settings.call_control_application_name = farm.map(|f| f.name.clone());
        }
        render_template("xsi_events/all.yaml", &settings)
    }
}

/// Where the call-control application name is.
const GENERAL_SETTINGS: &str = "/Applications/Xsi-Events/GeneralSettings";
/// The attribute that must agree across the farm.
const CALL_CONTROL_NAME: &str = "callControlApplicationName";

/// The call-control application name the farm's reference host holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceName {
    /// The reference host.
    pub host: String,
    /// The name it holds.
    pub name: String,
}

/// The reference host shows no call-control application name.
#[derive(Debug, thiserror::Error)]
#[error(
    "the farm's reference host {host} shows no {CALL_CONTROL_NAME} in {GENERAL_SETTINGS} (found {seen}), so the farm has no name to agree on\n  help: set `webex.xsi_events.call_control_application_name` in the playbook"
)]
struct NoReferenceName {
    host: String,
    seen: String,
}
