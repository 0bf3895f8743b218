//! CTI mutual TLS (solution guide B §5.6 for R22 and later, §5.7 for R21 SP1,
//! §5.8-§5.9; issue #9 items 1, 2 and 5). The operator names the
//! `CombinedCertChain.txt` downloaded from Partner Hub, or the root and the issuing
//! CA as separate PEM files; the playbook check reads them (`pki::anchors`: PEM
//! only, no private key, CAs valid now, each issuing CA signed by the root). Each
//! anchor is uploaded by SFTP just before `updateTrust <alias> <file>` runs in the
//! release's Trusts context and removed just after; the alias is derived from the
//! certificate (name + 8 hex of its SHA-256), so a new Webex CA is a new alias,
//! loaded before the old Webex alias is deleted (`cti_mtls_trusts`), and an anchor
//! already loaded is left alone once its Owner and Issuer match. The secure port
//! (`cti_mtls_port`): client authentication required, `securePortEnabled`,
//! `securePort`, `portEnabled false`, `allowClientApp`. On R21 SP1 it also keeps
//! `chainDepth` at least the chain's length and refuses a host whose Trusts
//! tables show a truncated chain (`chain_depth`).
use std::path::PathBuf;

use super::allow_client_app::AllowClientAppSettings;
use super::cti_mtls_port::DEFAULT_SECURE_PORT;
use super::{ModuleError, Scope, TypedModule, chain_depth, cti_mtls_port, cti_mtls_trusts};
use crate::catalog::Product;
use crate::desired::{CommandFact, DesiredTree, FileFact, Observe};
use crate::live::link::HostLink;
use crate::pki::anchors::{Anchor, read_anchor_files};
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role, Webex};

/// The CTI mTLS module.
pub struct CtiMtls;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "cti_mtls",
    "CTI mutual TLS for Webex: the Webex CA chain loaded as CTI trust anchors, and the secure CTI port requiring a client certificate (solution guide B §5.6-§5.9). XSP and ADP hosts with role cti.",
    Schema::Object(&CTI_MTLS),
    "{ trust_anchors: webex/CombinedCertChain.txt }",
);

static CTI_MTLS: Object = Object {
    name: "cti_mtls",
    doc: "CTI mutual TLS settings: `trust_anchors` or `trust_anchor_files` (one of them).",
    shared: false,
    fields: &[
        Field::new(
            "trust_anchors",
            "The Webex CA chain file from Partner Hub (CombinedCertChain.txt: the root and the issuing CA, PEM); relative paths start at the playbook's directory. Or `trust_anchor_files`.",
            Schema::Text(Format::Path),
            "webex/CombinedCertChain.txt",
        ),
        Field::new(
            "trust_anchor_files",
            "The Webex root and issuing CA as separate PEM files (CombinedCertChain.txt split as guide B §5.6 step 3 does), instead of `trust_anchors`.",
            Schema::Object(&ANCHOR_FILES),
            "{ root: webex/broadcloudroot.txt, issuing: webex/broadcloudissuing.txt }",
        ),
        Field::new(
            "secure_port",
            "The secure CTI port Webex connects to (`Interface/CTI securePort`; default 8012, guide B §5.9).",
            Schema::Integer { min: 1, max: 65535 },
            "8012",
        ),
    ],
};

static ANCHOR_FILES: Object = Object {
    name: "trust_anchor_files",
    doc: "The Webex root and issuing CA files.",
    shared: false,
    fields: &[
        Field::new(
            "root",
            "The root CA alone (PEM, self-signed).",
            Schema::Text(Format::Path),
            "webex/broadcloudroot.txt",
        )
        .required(),
        Field::new(
            "issuing",
            "The issuing CA (PEM), signed by the root.",
            Schema::Text(Format::Path),
            "webex/broadcloudissuing.txt",
        )
        .required(),
    ],
};

/// The anchors a host gets, and its secure port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtiMtlsSettings {
    /// The anchors of the chain file(s), checked (each names its file).
    pub anchors: Vec<Anchor>,
    /// The secure CTI port.
    pub secure_port: u16,
    /// Where the section is (for problems found across modules).
    pub(crate) pos: Pos,
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
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[
        (
            "cti_mtls/r21.yaml",
            include_str!("../../templates/cti_mtls/r21.yaml.tera"),
        ),
        (
            "cti_mtls/secure_port.yaml",
            include_str!("../../templates/cti_mtls/secure_port.yaml.tera"),
        ),
    ];

    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<CtiMtlsSettings> {
        let secure_port = match node.get("secure_port") {
            Some(p) => u16::try_from(p.as_int()?).ok()?,
            None => DEFAULT_SECURE_PORT,
        };
        let (files, roles) = anchor_files(node, key_pos, report)?;
        let mut read = Vec::new();
        for (at, key) in &files {
            read.push((*at, read_file(at, key, host, report)?));
        }
        let texts: Vec<(&std::path::Path, &str)> = read
            .iter()
            .map(|(_, (path, text))| (path.as_path(), text.as_str()))
            .collect();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (at, key) = match files.as_slice() {
            [(at, key)] => (*at, *key),
            _ => (files[0].0, "trust_anchor_files"),
        };
        match read_anchor_files(&texts, now, 2) {
            Ok(anchors) => {
                if roles && !roles_hold(&anchors, &read, report) {
                    return None;
                }
                Some(CtiMtlsSettings {
                    anchors,
                    secure_port,
                    pos: key_pos,
                })
            }
            Err(e) => {
                report.error(
                    at.pos,
                    format!("`webex.cti_mtls.{key}` cannot be used:\n{e}"),
                    None,
                );
                None
            }
        }
    }

    fn check_across(&self, settings: &CtiMtlsSettings, webex: &Webex, report: &mut Report) {
        // guide B §5.6 step 9: Webex's client authenticates with its certificate.
        if let Some(allow) = webex.get::<AllowClientAppSettings>("allow_client_app")
            && !allow.allow
        {
            report.error(
                settings.pos,
                "`webex.allow_client_app: false` with `webex.cti_mtls`: Webex's CTI client authenticates with its certificate, which needs allowClientApp true (solution guide B §5.6 step 9)".to_string(),
                Some("set `allow_client_app: true`, or remove it (cti_mtls sets allowClientApp itself)".to_string()),
            );
        }
    }

    fn render(
        &self,
        host: &Host,
        settings: &CtiMtlsSettings,
        _farm: Option<&()>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        let trusts = cti_mtls_trusts::context(host.release.has_ssl_hierarchy());
        let mut tree = DesiredTree::default();
        if !host.release.has_ssl_hierarchy() {
            chain_depth::check_trusts(link, settings.anchors.len())?;
            tree.extend(chain_depth::render(settings.anchors.len())?);
        }
        let retire = cti_mtls_trusts::check_and_retire(link, trusts, &settings.anchors)?;
        for anchor in &settings.anchors {
            let (alias, path) = (anchor.alias(), upload_path(anchor));
            tree.files.push(FileFact {
                path: path.clone(),
                source: Some(anchor.file.clone().into()),
                content: Some(anchor.pem.clone()),
                mode: 0o644,
                private: false,
                transient: true,
            });
            tree.commands.push(CommandFact {
                context: trusts.to_string(),
                line: vec!["updateTrust".into(), alias.clone(), path.clone()],
                observe: Some(Observe {
                    columns: cti_mtls_trusts::COLUMNS.map(String::from).to_vec(),
                    key_len: 1,
                    present: vec![vec![alias.clone()]],
                }),
                because: None,
                creates: Vec::new(),
                uses: vec![path],
                secrets: Vec::new(),
                confirm: false,
                undo: Some(vec!["delete".into(), alias]),
                restart: false,
            });
        }
        // Old Webex anchors go after the new ones are loaded (guide B §5.6: a new
        // CA is added before the old one is removed): table facts are written after
        // the commands (D24).
        tree.facts.extend(retire);
        let own_allow = host
            .webex
            .get::<AllowClientAppSettings>("allow_client_app")
            .is_none();
        tree.extend(cti_mtls_port::render(
            host,
            settings.secure_port,
            own_allow,
            link,
        )?);
        Ok(tree)
    }
}

/// The anchor files the section names, each with the key naming it, and whether
/// they are a root and an issuing file (`trust_anchor_files`): exactly one of
/// `trust_anchors` and `trust_anchor_files`.
fn anchor_files<'n>(
    node: &'n Node,
    key_pos: Pos,
    report: &mut Report,
) -> Option<(Vec<(&'n Node, &'static str)>, bool)> {
    match (node.get("trust_anchors"), node.get("trust_anchor_files")) {
        (Some(chain), None) => Some((vec![(chain, "trust_anchors")], false)),
        (None, Some(pair)) => Some((
            vec![
                (pair.get("root")?, "trust_anchor_files.root"),
                (pair.get("issuing")?, "trust_anchor_files.issuing"),
            ],
            true,
        )),
        (Some(_), Some(pair)) => {
            report.error(
                pair.pos,
                "`webex.cti_mtls`: both `trust_anchors` and `trust_anchor_files` are set"
                    .to_string(),
                Some(
                    "keep one: the combined chain file, or the root and issuing files".to_string(),
                ),
            );
            None
        }
        (None, None) => {
            report.error(
                key_pos,
                "`webex.cti_mtls` names no trust anchors".to_string(),
                Some("add `trust_anchors: webex/CombinedCertChain.txt` (from Partner Hub), or `trust_anchor_files: { root: .., issuing: .. }`".to_string()),
            );
            None
        }
    }
}

/// The file `at` names (under `key`), resolved and read.
fn read_file(
    at: &Node,
    key: &str,
    host: &HostFacts<'_>,
    report: &mut Report,
) -> Option<(PathBuf, String)> {
    let file = match host.paths.resolve(at.as_str()?) {
        Ok(f) => f,
        Err(why) => {
            report.error(at.pos, format!("`webex.cti_mtls.{key}`: {why}"), None);
            return None;
        }
    };
    match std::fs::read_to_string(&file) {
        Ok(text) => Some((file, text)),
        Err(e) => {
            report.error(
                at.pos,
                format!("`webex.cti_mtls.{key}`: cannot read {}: {e}", file.display()),
                Some("download the Webex CA chain from Partner Hub (Settings > BroadWorks Calling > Download Webex CA certificate) and name the file here".to_string()),
            );
            None
        }
    }
}

/// With separate files, the root file holds one self-signed CA and the issuing
/// file CAs that are not (guide B §5.6 step 3); a problem is reported at the key.
fn roles_hold(
    anchors: &[Anchor],
    read: &[(&Node, (PathBuf, String))],
    report: &mut Report,
) -> bool {
    let mut ok = true;
    for (i, (at, (path, _))) in read.iter().enumerate() {
        let root_file = i == 0;
        let file = path.display().to_string();
        let own: Vec<&Anchor> = anchors.iter().filter(|a| a.file == file).collect();
        let wrong: Vec<&&Anchor> = own.iter().filter(|a| a.self_signed != root_file).collect();
        let problem = if root_file && own.len() != 1 {
            Some(format!(
                "{} certificates where the root file holds one, the self-signed root CA",
                own.len()
            ))
        } else {
            wrong.first().map(|a| {
                if root_file {
                    format!(
                        "{}:{}: {} is not self-signed: not a root CA",
                        file, a.line, a.subject
                    )
                } else {
                    format!(
                        "{}:{}: {} is self-signed: a root, not the issuing CA",
                        file, a.line, a.subject
                    )
                }
            })
        };
        if let Some(message) = problem {
            ok = false;
            let key = if root_file { "root" } else { "issuing" };
            report.error(
                at.pos,
                format!("`webex.cti_mtls.trust_anchor_files.{key}`: {message}"),
                Some("split CombinedCertChain.txt as guide B §5.6 step 3 does: the self-signed root in `root`, the issuing CA in `issuing`".to_string()),
            );
        }
    }
    ok
}
