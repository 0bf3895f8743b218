//! Topology where the host decides, at plan and verify time: the applications an
//! XSP or ADP has active (`Maintenance/ManagedObjects`) against those its farm's
//! roles need. An application no role needs is a warning in the plan and a `warn`
//! finding in verify (`topology.nps-alone` on an NPS host, `topology.applications`
//! on the others), never a refusal: xspctl does not deactivate what it did not
//! activate (docs/decisions.md D45). Sources: solution guide A §3.4 (L2497: install
//! no other applications on the Webex XSPs; L2499: never co-locate NPS with other
//! applications). The rules the playbook alone decides are in `playbook::topology`.
use crate::catalog::Product;
use crate::desired::ContextRef;
use crate::live::link::HostLink;
use crate::modules::application::MANAGED_OBJECTS;
use crate::playbook::{Host, Role};
use crate::report::{CheckId, Finding, Verdict};

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
/// (docs/decisions.md D45).
const ADP_OWN: &[&str] = &["OpenClientServer", "OCIOverSoap"];

/// Whether `host` needs application `name` (as ManagedObjects lists it) active:
/// one of its farm's roles needs it, or it is an ADP's own.
pub fn needs(host: &Host, name: &str) -> bool {
    (host.product == Product::Adp && ADP_OWN.contains(&name))
        || host
            .roles
            .iter()
            .flat_map(|r| needed(*r))
            .any(|n| n.eq_ignore_ascii_case(name))
}

/// An application the host has active that no role of its farm needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unneeded {
    /// Its name in ManagedObjects.
    pub name: String,
    /// Its context path (empty when it has none).
    pub context_path: String,
    /// `Active` or `Deployed`.
    pub state: String,
}

/// The applications `host` has active that none of its roles needs. None on an AS
/// (it has no ManagedObjects).
pub fn unneeded_applications(
    host: &Host,
    link: &mut dyn HostLink,
) -> Result<Vec<Unneeded>, String> {
    if host.product == Product::As {
        return Ok(Vec::new());
    }
    let at = ContextRef {
        context: MANAGED_OBJECTS.into(),
        args: Vec::new(),
    };
    let columns = ["Name", "Context Path", "State"].map(String::from);
    let rows = link
        .read(&at)
        .map_err(|e| e.to_string())?
        .rows_by(MANAGED_OBJECTS, &columns)
        .map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .filter(|row| matches!(row[2].as_str(), "Active" | "Deployed") && !needs(host, &row[0]))
        .map(|row| Unneeded {
            name: row[0].clone(),
            context_path: row[1].clone(),
            state: row[2].clone(),
        })
        .collect())
}

/// Why an application no role needs should not run there, with its source.
fn rule(host: &Host) -> &'static str {
    match host.roles.contains(&Role::Nps) {
        true => "the NPS host runs NPS alone (solution guide A §3.4, L2499)",
        false => "no other applications on the Webex XSPs (solution guide A §3.4, L2497)",
    }
}

/// The farm's roles, for messages.
fn roles(host: &Host) -> String {
    host.roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plan's warnings about `host`'s active applications: one per application
/// that none of its roles needs.
pub fn application_warnings(host: &Host, link: &mut dyn HostLink) -> Result<Vec<String>, String> {
    Ok(unneeded_applications(host, link)?
        .iter()
        .map(|a| {
            format!(
                "{} is {}, and no role of farm `{}` ({}) needs it: {}; xspctl leaves it (undeploy and deactivate it in {MANAGED_OBJECTS})",
                a.name,
                a.state.to_ascii_lowercase(),
                host.farm,
                roles(host),
                rule(host)
            )
        })
        .collect())
}

/// Verify's topology finding for `host`: `topology.nps-alone` on a host with role
/// `nps`, `topology.applications` on the other XSPs and ADPs (none on an AS).
/// `warn` names each application no role needs, with the commands that remove it.
pub fn finding(host: &Host, link: &mut dyn HostLink) -> Result<Option<Finding>, String> {
    if host.product == Product::As {
        return Ok(None);
    }
    let unneeded = unneeded_applications(host, link)?;
    let id = match host.roles.contains(&Role::Nps) {
        true => CheckId::TopologyNpsAlone,
        false => CheckId::TopologyApplications,
    };
    let expected = format!(
        "only the applications the roles of farm `{}` ({}) need are active: {}",
        host.farm,
        roles(host),
        rule(host)
    );
    let observed = match unneeded.as_slice() {
        [] => "no other application is active".to_string(),
        some => format!(
            "{} active, which no role needs",
            some.iter()
                .map(|a| format!("{} ({})", a.name, a.state.to_ascii_lowercase()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let status = match unneeded.is_empty() {
        true => Verdict::Pass,
        false => Verdict::Warn,
    };
    let finding = Finding::about(
        &host.name,
        id,
        format!("applications {MANAGED_OBJECTS}"),
        status,
        expected,
        observed,
    );
    if unneeded.is_empty() {
        return Ok(Some(finding));
    }
    let fix = unneeded
        .iter()
        .map(|a| {
            let which = match a.context_path.is_empty() {
                true => a.name.as_str(),
                false => a.context_path.as_str(),
            };
            match a.state.as_str() {
                "Deployed" => {
                    format!("undeploy application {which}; deactivate application {which}")
                }
                _ => format!("deactivate application {which}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Some(finding.with_fix(format!(
        "if nothing else uses them, in {MANAGED_OBJECTS}: {fix} (or give the farm the role that needs them)"
    ))))
}
