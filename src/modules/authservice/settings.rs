//! The `webex.authservice` playbook section and the settings built from it.
use serde::Serialize;

use crate::catalog::{Release, clusters};
use crate::modules::secret_setting;
use crate::playbook::SecretRef;
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};

/// The module's key in `webex`.
const KEY: &str = "authservice";
/// guide B §2.2 step 4: `ciResponseBodyMaxSizeInBytes 65536`.
const BODY_MAX: i64 = 65536;
/// guide B §2.2 step 6: `refreshPeriodInMinutes 60`.
const REFRESH_MINUTES: i64 = 60;
/// guide B §2.2 step 8: `tokenDurationInHours 720`.
const TOKEN_HOURS: i64 = 720;
/// guide B §2.2 step 8: `tokenIssuer BroadWorks`.
const TOKEN_ISSUER: &str = "BroadWorks";
/// guide B §2.2 step 10 (and §19): the AuthService URL on the host itself.
const LOCAL_URL: &str = "http://127.0.0.1/authService";
/// The keys only CI token validation uses.
const CI_KEYS: [&str; 7] = [
    "client_id",
    "client_secret",
    "refresh_token",
    "ci_cluster",
    "teams_cluster",
    "ci_response_body_max_bytes",
    "refresh_period_minutes",
];
/// The keys CI token validation cannot do without.
const CI_REQUIRED: [&str; 5] = [
    "client_id",
    "client_secret",
    "refresh_token",
    "ci_cluster",
    "teams_cluster",
];

pub(super) static AUTHSERVICE: Object = Object {
    name: "authservice",
    doc: "The AuthService settings.",
    shared: false,
    fields: &[
        Field::new(
            "mode",
            "`ci-token` (default; R22 and later, the guide's recommendation) or `mtls` (R21 SP1, or several Webex orgs on one XSP; guide B §2.1).",
            Schema::Enum(&["ci-token", "mtls"]),
            "ci-token",
        ),
        Field::new(
            "client_id",
            "`IdentityProviders/Cisco clientId`: the OAuth client id of the \"XSP AuthService Configuration\" service request (guide B §2.2 step 1). ci-token only, required there.",
            Schema::Text(Format::Text),
            "C0ffee-client",
        ),
        Field::new(
            "client_secret",
            "`clientSecret`, by reference (`env:NAME` or `file:PATH`); typed at the CLI's password prompts, never shown. ci-token only, required there.",
            Schema::Text(Format::SecretRef),
            "env:AUTH_CLIENT_SECRET",
        ),
        Field::new(
            "refresh_token",
            "`Federation refreshToken`, by reference; valid 60 days from the service request (guide B §2.2 step 1). ci-token only, required there.",
            Schema::Text(Format::SecretRef),
            "env:AUTH_REFRESH_TOKEN",
        ),
        Field::new(
            "ci_cluster",
            "The org's CI cluster as Control Hub shows it (Help > Customer details): `US-A`, `EU` or `US-B`; gives `issuerName` and `issuerUrl` (guide B §2.2 Table 1). ci-token only, required there.",
            Schema::Text(Format::Text),
            "US-A",
        ),
        Field::new(
            "teams_cluster",
            "The org's Teams cluster: `ACHM`, `AFRA` or `AORE`; gives `tokenInfoUrl`, the IdP proxy (guide B §2.2 Table 1). ci-token only, required there.",
            Schema::Text(Format::Text),
            "ACHM",
        ),
        Field::new(
            "ci_response_body_max_bytes",
            "`ciResponseBodyMaxSizeInBytes` (default 65536, guide B §2.2 step 4). ci-token only.",
            Schema::Integer {
                min: 1024,
                max: 1_048_576,
            },
            "65536",
        ),
        Field::new(
            "refresh_period_minutes",
            "`Federation refreshPeriodInMinutes` (default 60, guide B §2.2 step 6). ci-token only.",
            Schema::Integer { min: 1, max: 1440 },
            "60",
        ),
        Field::new(
            "token_issuer",
            "`TokenManagement tokenIssuer` (default BroadWorks, guide B §2.2 step 8).",
            Schema::Text(Format::Text),
            "BroadWorks",
        ),
        Field::new(
            "token_duration_hours",
            "`TokenManagement tokenDurationInHours` (default 720, guide B §2.2 step 8).",
            Schema::Integer { min: 1, max: 8760 },
            "720",
        ),
        Field::new(
            "url",
            "The AuthService URL the web container and the Communication Utility use (`bw.authservice.authServiceUrl`, `ExternalAuthentication/AuthService url`); default `http://127.0.0.1/authService` (guide B §2.2 step 10; docs/decisions.md).",
            Schema::Text(Format::Text),
            "\"http://127.0.0.1/authService\"",
        ),
    ],
};

/// How AuthService validates what clients present (guide B §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// CI token validation over TLS (R22 and later).
    CiToken,
    /// Mutual TLS: client certificates on the AuthService web application.
    Mtls,
}

/// The CI token validation settings (guide B §2.2 steps 4-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CiToken {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`, by reference.
    #[serde(serialize_with = "secret_setting::as_reference")]
    pub client_secret: SecretRef,
    /// `refreshToken`, by reference.
    #[serde(serialize_with = "secret_setting::as_reference")]
    pub refresh_token: SecretRef,
    /// The CI cluster's name.
    pub ci_cluster: String,
    /// `issuerName` = `issuerUrl`, from the CI cluster.
    pub issuer_url: String,
    /// The Teams cluster's name.
    pub teams_cluster: String,
    /// `tokenInfoUrl`, from the Teams cluster.
    pub token_info_url: String,
    /// `flsUrl`.
    pub fls_url: String,
    /// `ciResponseBodyMaxSizeInBytes`.
    pub ci_response_body_max_bytes: i64,
    /// `refreshPeriodInMinutes`.
    pub refresh_period_minutes: i64,
}

/// The settings a host gets, as its template takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthserviceSettings {
    /// CI token or mTLS.
    pub mode: Mode,
    /// The CI token settings (ci-token mode only).
    pub ci: Option<CiToken>,
    /// `tokenIssuer`.
    pub token_issuer: String,
    /// `tokenDurationInHours`.
    pub token_duration_hours: i64,
    /// The local AuthService URL.
    pub url: String,
}

/// Builds the settings; every problem goes to `report` at its key.
pub(super) fn build(
    node: &Node,
    key_pos: Pos,
    host: &HostFacts<'_>,
    report: &mut Report,
) -> Option<AuthserviceSettings> {
    let mode_node = node.get("mode");
    let mode = match mode_node.and_then(Node::as_str) {
        Some("mtls") => Mode::Mtls,
        _ => Mode::CiToken,
    };
    // guide B §2.1 (source lines 2507-2518): CI token validation is R22 and
    // later; R21 SP1 uses mTLS.
    if mode == Mode::CiToken && host.release == Release::R21Sp1 {
        report.error(
            mode_node.map_or(key_pos, |n| n.pos),
            format!(
                "`webex.authservice.mode` is `ci-token` (the default) on farm {}, which runs R21 SP1: CI token validation needs R22 or later (solution guide B §2.1)",
                host.farm
            ),
            Some("set `mode: mtls` for R21 SP1 hosts".to_string()),
        );
        return None;
    }
    let url_node = node.get("url");
    let url = url_node.and_then(Node::as_str).unwrap_or(LOCAL_URL);
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(' ') {
        report.error(
            url_node.map_or(key_pos, |n| n.pos),
            format!("`webex.authservice.url` {url:?} is not an http:// or https:// URL"),
            Some(format!(
                "the guide's value is `{LOCAL_URL}` (solution guide B §2.2 step 10)"
            )),
        );
        return None;
    }
    let ci = match mode {
        Mode::CiToken => Some(ci_token(node, key_pos, host, report)?),
        Mode::Mtls => {
            let mut ok = true;
            for key in CI_KEYS {
                if let Some(n) = node.get(key) {
                    report.error(
                        n.pos,
                        format!("`webex.authservice.{key}` is only used with `mode: ci-token`, and the mode is `mtls`"),
                        Some("remove it, or set `mode: ci-token` (R22 and later)".to_string()),
                    );
                    ok = false;
                }
            }
            if !ok {
                return None;
            }
            None
        }
    };
    Some(AuthserviceSettings {
        mode,
        ci,
        token_issuer: node
            .get("token_issuer")
            .and_then(Node::as_str)
            .unwrap_or(TOKEN_ISSUER)
            .to_string(),
        token_duration_hours: node
            .get("token_duration_hours")
            .and_then(Node::as_int)
            .unwrap_or(TOKEN_HOURS),
        url: url.to_string(),
    })
}

/// The CI token settings: every required key, the clusters looked up.
fn ci_token(
    node: &Node,
    key_pos: Pos,
    host: &HostFacts<'_>,
    report: &mut Report,
) -> Option<CiToken> {
    let missing: Vec<&str> = CI_REQUIRED
        .into_iter()
        .filter(|k| node.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        report.error(
            key_pos,
            format!(
                "`webex.authservice` in ci-token mode lacks {}",
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("the client id, client secret and refresh token come from the \"XSP AuthService Configuration\" service request; the clusters from Control Hub > Help > Customer details (solution guide B §2.2 steps 1 and 4)".to_string()),
        );
        return None;
    }
    let table = clusters();
    let ci_node = node.get("ci_cluster")?;
    let ci_name = ci_node.as_str()?;
    let Some(ci) = table.ci(ci_name) else {
        let known: Vec<&str> = table.ci_clusters.iter().map(|c| c.name.as_str()).collect();
        report.error(
            ci_node.pos,
            format!("`webex.authservice.ci_cluster` {ci_name:?} is not a CI cluster the solution guide lists"),
            Some(format!("use one of {} (solution guide B §2.2 Table 1)", known.join(", "))),
        );
        return None;
    };
    let teams_node = node.get("teams_cluster")?;
    let teams_name = teams_node.as_str()?;
    let Some(teams) = table.teams(teams_name) else {
        let known: Vec<&str> = table
            .teams_clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        report.error(
            teams_node.pos,
            format!("`webex.authservice.teams_cluster` {teams_name:?} is not a Teams cluster the solution guide lists"),
            Some(format!("use one of {} (solution guide B §2.2 Table 1)", known.join(", "))),
        );
        return None;
    };
    Some(CiToken {
        client_id: node.get("client_id")?.as_str()?.to_string(),
        client_secret: secret_setting::build(node, KEY, "client_secret", host, report)?,
        refresh_token: secret_setting::build(node, KEY, "refresh_token", host, report)?,
        ci_cluster: ci.name.clone(),
        issuer_url: ci.issuer_url.clone(),
        teams_cluster: teams.name.clone(),
        token_info_url: teams.token_info_url.clone(),
        fls_url: table.fls_url.clone(),
        ci_response_body_max_bytes: node
            .get("ci_response_body_max_bytes")
            .and_then(Node::as_int)
            .unwrap_or(BODY_MAX),
        refresh_period_minutes: node
            .get("refresh_period_minutes")
            .and_then(Node::as_int)
            .unwrap_or(REFRESH_MINUTES),
    })
}
