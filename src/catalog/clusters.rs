//! The Webex clusters an AuthService validates CI tokens against (solution guide
//! B §2.2 steps 4 and 6, Table 1): the CI cluster gives `issuerName`/`issuerUrl`,
//! the Teams cluster gives `tokenInfoUrl` (the IdP proxy), and one Federation
//! (FLS) URL serves all (`data/ci-clusters.yaml`).
use std::sync::LazyLock;

use serde::Deserialize;

const DATA: &str = include_str!("data/ci-clusters.yaml");

/// A CI cluster and its identity broker.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiCluster {
    /// Its name as Control Hub shows it (`US-A`).
    pub name: String,
    /// `issuerName` and `issuerUrl` (the guide gives one value for both).
    pub issuer_url: String,
    /// Where the row comes from.
    pub source: String,
}

/// A Teams cluster and its IdP proxy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsCluster {
    /// Its name as Control Hub shows it (`ACHM`).
    pub name: String,
    /// `tokenInfoUrl`.
    pub token_info_url: String,
    /// Where the row comes from.
    pub source: String,
}

/// The cluster tables.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clusters {
    /// The CI clusters.
    pub ci_clusters: Vec<CiCluster>,
    /// The Teams clusters.
    pub teams_clusters: Vec<TeamsCluster>,
    /// The Federation service URL (`flsUrl`).
    pub fls_url: String,
    /// Where it comes from.
    pub fls_source: String,
}

static CLUSTERS: LazyLock<Clusters> = LazyLock::new(|| {
    // Compiled-in data; `the_tables_hold_the_guides_rows` proves it reads.
    serde_saphyr::from_str(DATA).unwrap_or_else(|e| panic!("catalog data: ci-clusters.yaml: {e}"))
});

/// The cluster tables (guide B §2.2 Table 1).
pub fn clusters() -> &'static Clusters {
    &CLUSTERS
}

impl Clusters {
    /// The CI cluster named `name` (case-insensitive).
    pub fn ci(&self, name: &str) -> Option<&CiCluster> {
        self.ci_clusters
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The Teams cluster named `name` (case-insensitive).
    pub fn teams(&self, name: &str) -> Option<&TeamsCluster> {
        self.teams_clusters
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_hold_the_guides_rows() {
        let c = clusters();
        assert_eq!(c.ci_clusters.len(), 3);
        assert_eq!(c.teams_clusters.len(), 3);
        assert_eq!(
            c.ci("eu").unwrap().issuer_url,
            "https://idbroker-eu.webex.com/idb"
        );
        assert_eq!(
            c.teams("AORE").unwrap().token_info_url,
            "https://broadworks-idp-proxy-r.wbx2.com/broadworks-idp-proxy/api/v1/idp/authenticate"
        );
        assert!(c.ci("ACHM").is_none());
        assert_eq!(c.fls_url, "https://cifls.webex.com/federation");
    }
}
