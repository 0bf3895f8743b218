//! The Webex endpoints a server must reach outbound, per region and role
//! (`data/webex-endpoints.yaml`, from solution guide A §9.2).
use std::sync::LazyLock;

use serde::Deserialize;

const WEBEX_ENDPOINTS: &str = include_str!("data/webex-endpoints.yaml");

/// The Webex regions the guide lists egress tables for.
pub const REGIONS: &[&str] = &["us", "emea"];

/// One outbound target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebexEndpoint {
    /// The role (playbook spelling: `authservice`, `nps`, `as`) that needs it.
    pub role: String,
    /// The host name.
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// Where the guide lists it.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    us: Vec<WebexEndpoint>,
    emea: Vec<WebexEndpoint>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    // Compiled-in data; `every_region_lists_authservice_targets` proves it reads.
    serde_saphyr::from_str(WEBEX_ENDPOINTS)
        .unwrap_or_else(|e| panic!("catalog data: webex-endpoints.yaml: {e}"))
});

/// The targets of `region` (one of [`REGIONS`]) needed by a host with any of
/// `roles`; an unknown region has none.
pub fn webex_endpoints(region: &str, roles: &[&str]) -> Vec<&'static WebexEndpoint> {
    let list = match region {
        "us" => &TABLE.us,
        "emea" => &TABLE.emea,
        _ => return Vec::new(),
    };
    let mut out: Vec<&WebexEndpoint> = Vec::new();
    for e in list.iter().filter(|e| roles.contains(&e.role.as_str())) {
        if !out.iter().any(|o| (&o.host, o.port) == (&e.host, e.port)) {
            out.push(e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_lists_authservice_targets() {
        for region in REGIONS {
            let targets = webex_endpoints(region, &["authservice"]);
            assert!(!targets.is_empty(), "{region}");
            assert!(
                targets
                    .iter()
                    .all(|t| t.port == 443 && t.source.contains("§9.2"))
            );
        }
        let us: Vec<&str> = webex_endpoints("us", &["authservice"])
            .iter()
            .map(|t| t.host.as_str())
            .collect();
        assert!(us.contains(&"idbroker.webex.com"), "{us:?}");
        let eu = webex_endpoints("emea", &["authservice"]);
        assert_eq!(eu[0].host, "idbroker-eu.webex.com");
        assert!(webex_endpoints("emea", &["xsi", "dms"]).is_empty());
        assert!(webex_endpoints("mars", &["authservice"]).is_empty());
    }

    #[test]
    fn a_host_with_two_roles_gets_each_target_once() {
        let both = webex_endpoints("us", &["authservice", "nps"]);
        let idbroker = both
            .iter()
            .filter(|t| t.host == "idbroker.webex.com")
            .count();
        assert_eq!(idbroker, 1);
    }
}
