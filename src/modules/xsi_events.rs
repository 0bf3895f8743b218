//! Xsi-Events for Webex (solution guide A §6, source lines 1260-1266): the event
//! queue and handler threads at least at the guide's minimums, never lowered, and
//! one call-control application name across the farm (guide B §20; peer-tools
//! "one callControlApplicationName across all Xsi-Events").
use serde::Serialize;

use super::{FarmCheck, ModuleError, Scope, TypedModule, render_template};
use crate::apply::link::HostLink;
use crate::catalog::Product;
use crate::desired::DesiredTree;
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role};

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
    const KEY: &'static str = "xsi_events";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: Some(Role::Xsi),
        source: "Xsi-Events runs on the XSPs and ADPs that serve Xsi, solution guide A §6",
    };
    const FARM_CHECKS: &'static [FarmCheck] = &[FarmCheck {
        id: "xsi-events.call-control-name",
        context: "/Applications/Xsi-Events/GeneralSettings",
        attribute: "callControlApplicationName",
        why: "every Xsi-Events used with Webex must share one callControlApplicationName (solution guide B §20)",
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

    fn render(
        &self,
        _host: &Host,
        settings: &XsiEventsSettings,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        render_template(Self::KEY, "xsi_events/all.yaml", settings)
    }
}
