//! Topology where the host decides, at plan time: the applications an XSP or ADP
//! has active (`Maintenance/ManagedObjects`) against those its farm's roles need.
//! An application no role needs is a warning in the plan, never a refusal:
//! xspctl does not deactivate what it did not activate (docs/decisions.md,
//! "topology: warnings"). Sources: solution guide A §3.4 (L2497: install no
//! other applications on the Webex XSPs; L2499: never co-locate NPS with other
//! applications). The rules the playbook alone decides are in
//! `playbook::topology`.
use crate::catalog::Product;
use crate::desired::ContextRef;
use crate::live::link::HostLink;
use crate::modules::nps_proxy::activation::MANAGED_OBJECTS;
use crate::playbook::{Host, Role};

/// The applications each role needs active (names as ManagedObjects lists
/// them); CTI is served by Xsi-Events.
fn needed(role: Role) -> &'static [&'static str] {
    match role {
        Role::Xsi => &["Xsi-Actions", "Xsi-Events"],
        Role::Cti => &["Xsi-Events"],
        Role::AuthService => &["AuthenticationService"],
        Role::Dms => &["DeviceManagement"],
        Role::Nps => &["NotificationPushServer"],
        Role::CallSettings => &["BWCallSettingsWeb"],
        Role::As => &[],
    }
}

/// The ADP's own applications, active on every ADP whatever its roles
/// (docs/decisions.md, "topology: warnings").
const ADP_OWN: &[&str] = &["OpenClientServer", "OCIOverSoap"];

/// The plan's warnings about `host`'s active applications: one per application
/// that none of its roles needs. None on an AS (it has no ManagedObjects).
pub fn application_warnings(host: &Host, link: &mut dyn HostLink) -> Result<Vec<String>, String> {
    if host.product == Product::As {
        return Ok(Vec::new());
    }
    let at = ContextRef {
        context: MANAGED_OBJECTS.into(),
        args: Vec::new(),
    };
    let columns = ["Name".to_string(), "State".to_string()];
    let rows = link
        .read(&at)
        .map_err(|e| e.to_string())?
        .rows_by(MANAGED_OBJECTS, &columns)
        .map_err(|e| e.to_string())?;
    let wanted: Vec<&str> = host
        .roles
        .iter()
        .flat_map(|r| needed(*r))
        .copied()
        .collect();
    let roles: Vec<&str> = host.roles.iter().map(|r| r.name()).collect();
    let mut warnings = Vec::new();
    for row in &rows {
        let (name, state) = (row[0].as_str(), row[1].as_str());
        let own = host.product == Product::Adp && ADP_OWN.contains(&name);
        if !matches!(state, "Active" | "Deployed")
            || own
            || wanted.iter().any(|w| w.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let why = match host.roles.contains(&Role::Nps) {
            true => "the NPS host runs NPS alone (solution guide A §3.4, L2499)",
            false => "no other applications on the Webex XSPs (solution guide A §3.4, L2497)",
        };
        warnings.push(format!(
            "{name} is {}, and no role of farm `{}` ({}) needs it: {why}; xspctl leaves it (undeploy and deactivate it in {MANAGED_OBJECTS})",
            state.to_ascii_lowercase(),
            host.farm,
            roles.join(", ")
        ));
    }
    Ok(warnings)
}
