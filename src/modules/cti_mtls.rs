//! CTI mutual TLS, first part: the Webex trust anchors (solution guide B §5.6 for
//! R22 and later, §5.7 for R21 SP1; issue #9 item 1). The operator names the
//! `CombinedCertChain.txt` downloaded from Partner Hub; the playbook check reads it
//! (`pki::anchors`: PEM only, no private key, CAs valid now, each issuing CA signed
//! by the root). Each anchor is uploaded by SFTP just before
//! `updateTrust <alias> <file>` runs in the release's Trusts context and removed
//! just after; the alias is derived from the certificate (name + 8 hex of its
//! SHA-256), so a new Webex CA is a new alias and an anchor already loaded is left
//! alone. On R21 SP1 it also keeps `chainDepth` at least the chain's length and
//! refuses a host whose Trusts tables show a truncated chain (`chain_depth`).
use std::path::PathBuf;

use super::{ModuleError, Scope, TypedModule, chain_depth};
use crate::catalog::Product;
use crate::desired::{CommandFact, ContextRef, DesiredTree, FileFact, Observe};
use crate::live::link::HostLink;
use crate::modules::tls::discover;
use crate::modules::tls_module::family;
use crate::pki::anchors::{Anchor, read_anchors};
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role};

/// The CTI mTLS module.
pub struct CtiMtls;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "cti_mtls",
    "CTI mutual TLS for Webex: the Webex CA chain loaded as CTI trust anchors (solution guide B §5.6, §5.7). XSP and ADP hosts with role cti.",
    Schema::Object(&CTI_MTLS),
    "{ trust_anchors: webex/CombinedCertChain.txt }",
);

static CTI_MTLS: Object = Object {
    name: "cti_mtls",
    doc: "CTI mutual TLS settings.",
    shared: false,
    fields: &[Field::new(
        "trust_anchors",
        "The Webex CA chain file from Partner Hub (CombinedCertChain.txt: the root and the issuing CA, PEM); relative paths start at the playbook's directory.",
        Schema::Text(Format::Path),
        "webex/CombinedCertChain.txt",
    )
    .required()],
};

/// The anchors a host gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtiMtlsSettings {
    /// The chain file, as resolved.
    pub file: PathBuf,
    /// Its anchors, checked.
    pub anchors: Vec<Anchor>,
}

/// Where an anchor waits on the host for `updateTrust` (only while it runs).
fn upload_path(anchor: &Anchor) -> String {
    format!("/var/broadworks/tmp/xspctl-trust-{}.pem", anchor.alias())
}

impl TypedModule for CtiMtls {
    type Settings = CtiMtlsSettings;
    type Farm = ();
    const KEY: &'static str = "cti_mtls";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: Some(Role::Cti),
        source: "Webex connects to the CTI interface of the XSPs and ADPs that serve CTI, solution guide B §5",
    };
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "cti_mtls/r21.yaml",
        include_str!("../../templates/cti_mtls/r21.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<CtiMtlsSettings> {
        let at = node.get("trust_anchors")?;
        let file = match host.paths.resolve(at.as_str()?) {
            Ok(f) => f,
            Err(why) => {
                report.error(
                    at.pos,
                    format!("`webex.cti_mtls.trust_anchors`: {why}"),
                    None,
                );
                return None;
            }
        };
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                report.error(
                    at.pos,
                    format!("`webex.cti_mtls.trust_anchors`: cannot read {}: {e}", file.display()),
                    Some("download the Webex CA chain from Partner Hub (Settings > BroadWorks Calling > Download Webex CA certificate) and name the file here".to_string()),
                );
                return None;
            }
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        match read_anchors(&file, &text, now, 2) {
            Ok(anchors) => Some(CtiMtlsSettings { file, anchors }),
            Err(e) => {
                report.error(
                    at.pos,
                    format!("`webex.cti_mtls.trust_anchors` cannot be used:\n{e}"),
                    None,
                );
                None
            }
        }
    }

    fn render(
        &self,
        host: &Host,
        settings: &CtiMtlsSettings,
        _farm: Option<&()>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        // guide B §5.7 (R21 SP1) and §5.6 (R22 and later): the Trusts context.
        let trusts = if host.release.has_ssl_hierarchy() {
            "/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts"
        } else {
            "/Interface/CTI/SSLConfiguration/ClientAuthentication/Trusts"
        };
        let mut tree = DesiredTree::default();
        if !host.release.has_ssl_hierarchy() {
            chain_depth::check_trusts(link, settings.anchors.len())?;
            tree.extend(chain_depth::render(settings.anchors.len())?);
        }
        for anchor in &settings.anchors {
            let (alias, path) = (anchor.alias(), upload_path(anchor));
            tree.files.push(FileFact {
                path: path.clone(),
                source: Some(settings.file.clone()),
                content: Some(anchor.pem.clone()),
                mode: 0o644,
                private: false,
                transient: true,
            });
            tree.commands.push(CommandFact {
                context: trusts.to_string(),
                line: vec!["updateTrust".into(), alias.clone(), path.clone()],
                observe: Observe {
                    columns: vec!["Alias".into(), "Owner".into(), "Issuer".into()],
                    key_len: 1,
                    present: vec![vec![alias.clone()]],
                },
                uses: vec![path],
                secrets: Vec::new(),
                confirm: false,
                undo: Some(vec!["delete".into(), alias]),
                restart: false,
                opens: None,
            });
        }
        tree.commands.extend(client_authentication(host, link)?);
        Ok(tree)
    }
}

/// Client authentication required on every secure CTI interface the host has
/// (guide B §5.8 step 1: the interface "enforces a client certificate"; R22+
/// `Interface/CTI/SSLSettings` or `CTIServer`, R21 SP1 `SSLConfiguration`): `set
/// <ip> clientAuthReq true`, observed in the interface table, in effect after a
/// restart.
fn client_authentication(
    host: &Host,
    link: &mut dyn HostLink,
) -> Result<Vec<CommandFact>, ModuleError> {
    let discovered = discover(family(host), link).map_err(ModuleError::new)?;
    let context = discovered.cti.interfaces();
    let at = ContextRef {
        context: context.to_string(),
        args: Vec::new(),
    };
    let columns = vec!["Interface IP".to_string(), "Client Auth Req".to_string()];
    let rows = match discovered.tree.get(&at) {
        Some(table) => table.rows_by(context, &columns).map_err(ModuleError::new)?,
        None => Vec::new(),
    };
    if rows.is_empty() {
        return Err(ModuleError::new(NoCtiInterface(context)));
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let ip = row[0].clone();
            let set = |value: &str| {
                vec![
                    "set".to_string(),
                    ip.clone(),
                    "clientAuthReq".to_string(),
                    value.to_string(),
                ]
            };
            CommandFact {
                context: context.to_string(),
                line: set("true"),
                observe: Observe {
                    columns: columns.clone(),
                    key_len: 2,
                    present: vec![vec![ip.clone(), "true".to_string()]],
                },
                uses: Vec::new(),
                secrets: Vec::new(),
                confirm: false,
                undo: Some(set("false")),
                restart: true,
                opens: None,
            }
        })
        .collect())
}

/// The host has no secure CTI interface to require client authentication on.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} lists no secure CTI interface: add one first (`add <interface IP> true true`, solution guide B §5.8 step 1)"
)]
struct NoCtiInterface(&'static str);
