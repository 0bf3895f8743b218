//! The FLS check (solution guide B §2.2 step 7, source line 2623): once `flsUrl`
//! and `refreshToken` are set, `Federation/ClusterMap` lists the identity providers
//! the Federation service (FLS) returned; an empty list means a bad refresh token,
//! FLS URL or egress (the digest's →agent note). ⚠ The guide writes the path
//! `Applications/AuthService/...` and the verb `Get`; xspctl reads
//! `Applications/AuthenticationService/.../ClusterMap` with `get`, as every other
//! step spells it (docs/decisions.md D41). CI token mode only (R22 and later).
use super::{APPLICATION, CONTEXT_PATH};
use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::live::link::{HostLink, LinkError};
use crate::modules::application::{self, ApplicationError};
use crate::playbook::Host;
use crate::report::{CheckId, Finding, Verdict};

/// The identity providers FLS returned.
pub const CLUSTER_MAP: &str =
    "/Applications/AuthenticationService/IdentityProviders/Cisco/Federation/ClusterMap";

/// What the check expects.
const EXPECTED: &str = "the identity providers FLS returned are listed (at least one)";

/// The `authservice.fls-cluster-map` finding of a host whose AuthService validates
/// CI tokens. Only a transport failure is an error: anything else the host shows
/// is the finding.
pub fn finding(host: &Host, link: &mut dyn HostLink) -> Result<Finding, LinkError> {
    let about = |status, observed: String| {
        Finding::about(
            &host.name,
            CheckId::AuthserviceFlsClusterMap,
            format!("FLS {CLUSTER_MAP}"),
            status,
            EXPECTED,
            observed,
        )
    };
    match application::read(APPLICATION, CONTEXT_PATH, link) {
        Ok(a) if a.is_active() => {}
        Ok(a) => {
            return Ok(about(
                Verdict::Fail,
                format!(
                    "{APPLICATION} is {} at {CONTEXT_PATH}, not active: it has no ClusterMap",
                    a.state.to_ascii_lowercase()
                ),
            )
            .with_fix("xspctl apply -f PLAYBOOK (it activates and configures AuthService)"));
        }
        Err(ApplicationError::Link(e)) if e.is_transport() => return Err(e),
        Err(e) => {
            return Ok(about(Verdict::Fail, e.to_string())
                .with_fix("bring AuthService to /authService (solution guide B §2.2 step 3), then xspctl apply"));
        }
    }
    let at = ContextRef {
        context: CLUSTER_MAP.to_string(),
        args: Vec::new(),
    };
    let live = match link.read(&at) {
        Ok(l) => l,
        Err(e) if e.is_transport() => return Err(e),
        Err(e) => {
            return Ok(about(
                Verdict::Fail,
                format!("`get` in {CLUSTER_MAP} failed: {e}"),
            ));
        }
    };
    let LiveContext::Table { headers, rows } = live else {
        return Ok(about(
            Verdict::Fail,
            format!(
                "`get` in {CLUSTER_MAP} printed no table, so the identity providers cannot be read"
            ),
        ));
    };
    let evidence = rows.iter().map(|r| {
        headers
            .iter()
            .zip(r)
            .map(|(h, v)| format!("{h}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    Ok(match rows.len() {
        0 => about(Verdict::Fail, "the ClusterMap is empty: FLS returned no identity provider".into())
            .with_fix("check the Federation `refreshToken` (valid 60 days from the service request), `flsUrl` (https://cifls.webex.com/federation) and the XSP's egress to it (solution guide B §2.2 steps 6-7); a new refresh token comes from a new \"XSP AuthService Configuration\" service request"),
        n => about(Verdict::Pass, format!("{n} identity provider(s) listed")).with_evidence(evidence),
    })
}
