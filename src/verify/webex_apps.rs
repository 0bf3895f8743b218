//! Verify's checks of the Webex application modules that read the host itself:
//! the topology of its applications (`topology.nps-alone`,
//! `topology.applications`: `crate::topology`) and AuthService's FLS identity
//! providers (`authservice.fls-cluster-map`: `modules::authservice::fls`).
use crate::live::link::HostLink;
use crate::modules::authservice::{self, AuthserviceSettings, Mode};
use crate::playbook::Host;
use crate::report::{CheckId, Finding};
use crate::verify::selection::CheckSelection;

/// The findings of `host` that `selection` wants; a host that cannot be read is
/// the error.
pub fn host_findings(
    host: &Host,
    selection: &CheckSelection,
    link: &mut dyn HostLink,
) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    if selection.wants(CheckId::TopologyNpsAlone) || selection.wants(CheckId::TopologyApplications)
    {
        findings.extend(crate::topology::finding(host, link)?);
    }
    let ci_token = host
        .webex
        .get::<AuthserviceSettings>("authservice")
        .is_some_and(|s| s.mode == Mode::CiToken);
    if ci_token && selection.wants(CheckId::AuthserviceFlsClusterMap) {
        findings.push(authservice::fls::finding(host, link).map_err(|e| e.to_string())?);
    }
    Ok(findings)
}
