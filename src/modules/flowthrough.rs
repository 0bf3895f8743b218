//! Flow-through provisioning on the AS (solution guide B §9.3-§9.5, source lines
//! 3747-3800; guide A §10, source lines 1360-1397): the `provisioning` container
//! options `bw.imp.useProvisioningUrl` and `bw.msg.includeIsEnterpriseInOSSschema`,
//! the provisioning adapter's URL and credentials in `Interface/Messaging` with
//! synchronization on, and the Integrated IM&P service domain with users active by
//! default. It depends on the flow-through patches (`PatchFeature::Flowthrough`):
//! an AS without them gets no plan.
use serde::Serialize;

use super::{ModuleError, Scope, TypedModule, render_template, secret_setting};
use crate::catalog::{PatchFeature, Product};
use crate::desired::DesiredTree;
use crate::live::link::HostLink;
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, SecretRef};

/// The flow-through provisioning module.
pub struct Flowthrough;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "flowthrough",
    "Flow-through provisioning on the AS (solution guide B §9.3-§9.5, guide A §10): the provisioning adapter URL and credentials of the Partner Hub template, synchronization on, the Integrated IM&P service domain. AS only; needs the flow-through patches.",
    Schema::Object(&FLOWTHROUGH),
    "{ provisioning_url: \"https://adapter.example.com/provisioning\", provisioning_user_id: flow-admin, provisioning_password: env:FLOW_PASSWORD, service_domain: example.com }",
);

static FLOWTHROUGH: Object = Object {
    name: "flowthrough",
    doc: "The AS's flow-through provisioning settings.",
    shared: false,
    fields: &[
        Field::new(
            "provisioning_url",
            "The provisioning adapter URL of the Partner Hub template (Settings > BroadWorks Calling > View Templates), exactly as given: `https://` and a fully qualified host name (guide B §9.4, §9.5).",
            Schema::Text(Format::Text),
            "\"https://adapter.example.com/provisioning\"",
        )
        .required(),
        Field::new(
            "provisioning_user_id",
            "`provisioningUserId`: the template's provisioning user name.",
            Schema::Text(Format::Text),
            "flow-admin",
        )
        .required(),
        Field::new(
            "provisioning_password",
            "`provisioningPassword`: the template's provisioning password, by reference (`env:NAME` or `file:PATH`); typed at the CLI's password prompts, never shown.",
            Schema::Text(Format::SecretRef),
            "env:FLOW_PASSWORD",
        )
        .required(),
        Field::new(
            "service_domain",
            "`Service/IntegratedIMP serviceDomain` (Webex ignores it; the guide's example is `example.com`).",
            Schema::Text(Format::Address),
            "example.com",
        )
        .required(),
    ],
};

/// The settings an AS gets, as the template takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowthroughSettings {
    /// `provisioningUrl`.
    pub provisioning_url: String,
    /// `provisioningUserId`.
    pub provisioning_user_id: String,
    /// `provisioningPassword`, by reference (`env:NAME`, `file:/abs/path`).
    #[serde(serialize_with = "secret_setting::as_reference")]
    pub provisioning_password: SecretRef,
    /// `serviceDomain`.
    pub service_domain: String,
}

impl TypedModule for Flowthrough {
    type Settings = FlowthroughSettings;
    type Farm = ();
    const KEY: &'static str = "flowthrough";
    const SCOPE: Scope = Scope {
        products: &[Product::As],
        since: None,
        role: None,
        source: "flow-through provisioning is set on the Application Server, solution guide B §9.3-§9.5 and guide A §10",
    };
    const PATCHES: &'static [PatchFeature] = &[PatchFeature::Flowthrough];
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "flowthrough/all.yaml",
        include_str!("../../templates/flowthrough/all.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<FlowthroughSettings> {
        let text = |key: &str| node.get(key).and_then(Node::as_str);
        let url_node = node.get("provisioning_url")?;
        let url = url_node.as_str()?;
        if let Err(why) = check_provisioning_url(url) {
            report.error(
                url_node.pos,
                format!("`webex.flowthrough.provisioning_url` {url:?}: {why}"),
                Some("copy the provisioning adapter URL of the template from Partner Hub (Settings > BroadWorks Calling > View Templates), e.g. `https://adapter.example.com/provisioning` (solution guide B §9.4, §9.5)".to_string()),
            );
            return None;
        }
        let password =
            secret_setting::build(node, Self::KEY, "provisioning_password", host, report)?;
        Some(FlowthroughSettings {
            provisioning_url: url.to_string(),
            provisioning_user_id: text("provisioning_user_id")?.to_string(),
            provisioning_password: password,
            service_domain: text("service_domain")?.to_string(),
        })
    }

    fn render(
        &self,
        _host: &Host,
        settings: &FlowthroughSettings,
        _farm: Option<&()>,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        render_template("flowthrough/all.yaml", settings)
    }
}

/// guide B §9.5: "provisioningUrl must be the fully qualified name exactly as
/// Partner Hub gives it": an `https://` URL whose host is a fully qualified DNS
/// name (not an address, not a single label), at most 1024 characters.
fn check_provisioning_url(url: &str) -> Result<(), String> {
    if url.len() > 1024 || url.chars().any(char::is_whitespace) {
        return Err("a URL has no spaces and at most 1024 characters".into());
    }
    let rest = url
        .strip_prefix("https://")
        .ok_or("the provisioning adapter URL starts with `https://`")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("the URL must not hold a user name or password".into());
    }
    let (name, port) = match authority.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (authority, None),
    };
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("`{p}` is not a port"));
    }
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let top_is_name = labels
        .last()
        .is_some_and(|t| t.chars().any(|c| c.is_ascii_alphabetic()));
    if name.is_empty() || labels.len() < 2 || !labels.iter().all(label_ok) || !top_is_name {
        return Err(format!(
            "`{name}` is not a fully qualified domain name (the guide wants the FQDN, not an address or a short name)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_provisioning_url;

    #[test]
    fn the_provisioning_url_is_https_to_a_fully_qualified_name() {
        for good in [
            "https://adapter.example.com/provisioning",
            "https://bwks-adapter.us.example.net:8443/api/v1",
            "https://a.example.com",
        ] {
            assert_eq!(check_provisioning_url(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("http://adapter.example.com/p", "starts with `https://`"),
            ("https://adapter/p", "not a fully qualified"),
            ("https://192.0.2.10/p", "not a fully qualified"),
            ("https://-a.example.com/p", "not a fully qualified"),
            ("https://user:pw@adapter.example.com/p", "user name"),
            ("https://adapter.example.com:99999/p", "not a port"),
            ("https://adapter.example.com/a b", "no spaces"),
        ] {
            let e = check_provisioning_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
