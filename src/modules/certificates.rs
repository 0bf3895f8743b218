//! Server certificates (issue #9 item 4; solution guide B §5.8 step 3 for CTI, §13
//! for HTTP): the playbook names, per interface type, the interface (IP, HTTP
//! port, FQDN) and the key, certificate and chain files. The playbook check reads
//! them (`pki::server_cert`: the key is the certificate's, the chain runs leaf →
//! intermediates, the SAN or CN names the FQDN, valid now, EKU serverAuth) and
//! the key type must fit the suites `webex.tls` configures for the interface
//! (`certkey::servable`). At plan time the three files are uploaded just before
//! `sslUpdate <ip> [<port>] keyFile … certificateFile … chainFile …` runs in the
//! interface's `SSLSettings/Certificates` context and removed just after (the key
//! with mode 600, never copied off the host: D24). "Already installed" is the
//! Certificates view showing the interface with the certificate's subject, issuer
//! and expiry (docs/decisions.md D29).
use std::path::PathBuf;

use super::certkey::servable;
use super::tls::{Discovered, Family, Wish, discover, render_tls};
use super::tls_module;
use super::{ModuleError, Scope, TypedModule};
use crate::catalog::{Product, Release};
use crate::desired::ContextRef;
use crate::desired::{CommandFact, DesiredTree, FileFact, Observe};
use crate::live::LiveTree;
use crate::live::link::HostLink;
use crate::pki::server_cert::{ServerCert, ServerFiles, check_server_cert};
use crate::plan::views::evaluate;
use crate::playbook::module_api::{Field, Format, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role, Webex};

/// The certificates module.
pub struct Certificates;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "certificates",
    "Server certificates of the HTTP and CTI interfaces, installed with sslUpdate (solution guide B §5.8 step 3, §13). XSP and ADP hosts, R22 and later.",
    Schema::Object(&CERTIFICATES),
    "{ http: { ip: 192.0.2.21, port: 443, fqdn: xsp1.example.com, key: file:certs/xsp1.key, certificate: certs/xsp1.crt, chain: certs/chain.pem } }",
);

static CERTIFICATES: Object = Object {
    name: "certificates",
    doc: "The server certificate of each interface type.",
    shared: false,
    fields: &[
        Field::new(
            "http",
            "The HTTP server interface (Xsi, AuthService, DMS).",
            Schema::Object(&HTTP_CERT),
            "{ ip: 192.0.2.21, port: 443, fqdn: xsp1.example.com, key: file:certs/xsp1.key, certificate: certs/xsp1.crt, chain: certs/chain.pem }",
        ),
        Field::new(
            "cti",
            "The secure CTI interface (farms with role cti).",
            Schema::Object(&CTI_CERT),
            "{ ip: 192.0.2.21, fqdn: xsp1.example.com, key: file:certs/xsp1.key, certificate: certs/xsp1.crt, chain: certs/chain.pem }",
        ),
    ],
};

const IP: Field = Field::new(
    "ip",
    "The interface's IP address (as its interface table lists it).",
    Schema::Text(Format::Ip),
    "192.0.2.21",
)
.required();
const FQDN: Field = Field::new(
    "fqdn",
    "The name clients reach the interface by: the certificate's SAN (or CN) must cover it.",
    Schema::Text(Format::Address),
    "xsp1.example.com",
)
.required();
const KEY: Field = Field::new(
    "key",
    "The certificate's private key, unencrypted PEM, as `file:PATH` only (uploaded with mode 600 for sslUpdate and removed at once; never printed nor backed up off the host).",
    Schema::Text(Format::SecretRef),
    "file:certs/xsp1.key",
)
.required();
const CERTIFICATE: Field = Field::new(
    "certificate",
    "The server certificate alone (PEM); relative paths start at the playbook's directory.",
    Schema::Text(Format::Path),
    "certs/xsp1.crt",
)
.required();
const CHAIN: Field = Field::new(
    "chain",
    "The issuing CAs (PEM), the certificate's issuer first; the root may be left out.",
    Schema::Text(Format::Path),
    "certs/chain.pem",
)
.required();

static HTTP_CERT: Object = Object {
    name: "http_certificate",
    doc: "The server certificate of an HTTP server interface.",
    shared: false,
    fields: &[
        IP,
        Field::new(
            "port",
            "The interface's port.",
            Schema::Integer { min: 1, max: 65535 },
            "443",
        )
        .required(),
        FQDN,
        KEY,
        CERTIFICATE,
        CHAIN,
    ],
};

static CTI_CERT: Object = Object {
    name: "cti_certificate",
    doc: "The server certificate of the secure CTI interface.",
    shared: false,
    fields: &[IP, FQDN, KEY, CERTIFICATE, CHAIN],
};

/// Which interface type a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The HTTP server interfaces.
    Http,
    /// The secure CTI interface.
    Cti,
}

impl Side {
    fn key(self) -> &'static str {
        match self {
            Side::Http => "http",
            Side::Cti => "cti",
        }
    }
}

/// One interface's certificate, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceCert {
    /// HTTP or CTI.
    pub side: Side,
    /// The interface's address.
    pub ip: String,
    /// Its port (HTTP only).
    pub port: Option<u16>,
    /// The private key file (its content is read only to check it, and uploaded).
    pub key_file: PathBuf,
    /// The certificate file.
    pub cert_file: PathBuf,
    /// The certificate file's text (what is uploaded).
    pub cert_pem: String,
    /// The chain file.
    pub chain_file: PathBuf,
    /// The chain file's text (what is uploaded).
    pub chain_pem: String,
    /// What the checks found.
    pub cert: ServerCert,
    /// Where the section is in the playbook.
    pub(crate) pos: Pos,
}

/// The certificates a host gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificatesSettings {
    /// HTTP, then CTI, as set.
    pub interfaces: Vec<InterfaceCert>,
}

impl TypedModule for Certificates {
    type Settings = CertificatesSettings;
    type Farm = ();
    const KEY: &'static str = "certificates";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: Some(Release::R22),
        role: None,
        source: "sslUpdate is an XSP/ADP command, and only R22 and later show the installed certificate (SSLSettings/Certificates) that tells whether it already ran (solution guide B §5.8; docs/decisions.md D29)",
    };

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<CertificatesSettings> {
        let before = report.len();
        let mut interfaces = Vec::new();
        for side in [Side::Http, Side::Cti] {
            let Some(section) = node.get(side.key()) else {
                continue;
            };
            if side == Side::Cti && !host.roles.contains(&Role::Cti) {
                report.error(
                    section.pos,
                    format!(
                        "`webex.certificates.cti`: farm `{}` does not have role `cti`",
                        host.farm
                    ),
                    Some(
                        "add `cti` to the farm's roles, or remove `webex.certificates.cti`"
                            .to_string(),
                    ),
                );
                continue;
            }
            if let Some(i) = interface(side, section, host, report) {
                interfaces.push(i);
            }
        }
        (report.len() == before).then_some(CertificatesSettings { interfaces })
    }

    fn check_across(&self, settings: &CertificatesSettings, webex: &Webex, report: &mut Report) {
        let Some(tls) = webex.tls() else {
            return;
        };
        for i in &settings.interfaces {
            let wish = match i.side {
                Side::Http => tls.http.as_ref(),
                Side::Cti => tls.cti.as_ref(),
            };
            let Some(wish) = wish else { continue };
            let suites: Vec<String> = wish.ciphers.iter().map(|c| c.iana.to_string()).collect();
            // A TLS 1.2 suite is authenticated by one key type: a list with none for
            // this key takes the port down (issue #9 item 4; certkey).
            if servable(&i.cert.key_type, &suites).is_some_and(|ok| ok.is_empty()) {
                report.error(
                    i.pos,
                    format!(
                        "`webex.certificates.{}`: the certificate has an {} key, but no suite of `webex.tls.{}.ciphers` ({}) can be served with it: TLS 1.2 clients could not connect",
                        i.side.key(),
                        i.cert.key_type,
                        i.side.key(),
                        suites.join(", ")
                    ),
                    Some("add a suite for this key type to the ciphers, or name a certificate with a key of the suites' type".to_string()),
                );
            }
        }
    }

    fn render(
        &self,
        host: &Host,
        settings: &CertificatesSettings,
        _farm: Option<&()>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        let discovered = discover(Family::R22, link).map_err(ModuleError::new)?;
        let mut tree = DesiredTree::default();
        for i in &settings.interfaces {
            let (table, context) = match i.side {
                Side::Http => (
                    "/Interface/Http/HttpServer",
                    "/Interface/Http/HttpServer/SSLSettings/Certificates".to_string(),
                ),
                Side::Cti => (
                    discovered.cti.interfaces(),
                    format!("{}Certificates", discovered.cti.lists()),
                ),
            };
            present(&discovered.tree, table, i)?;
            if !playbook_sets_suites(host, i.side) {
                host_suites_fit(host, &discovered, i, link)?;
            }
            sslupdate(i, context, &mut tree);
        }
        Ok(tree)
    }
}

/// Whether the host's `certificates` settings install a new certificate on the
/// `side` (`http`, `cti`) interface at `ip` (and, for HTTP, `port`): the TLS
/// module then leaves its key type to this module's checks.
pub fn replaces(host: &Host, side: &str, ip: &str, port: &str) -> bool {
    host.webex
        .get::<CertificatesSettings>(<Certificates as TypedModule>::KEY)
        .is_some_and(|c| {
            c.interfaces.iter().any(|i| {
                i.side.key() == side && i.ip == ip && i.port.is_none_or(|p| p.to_string() == port)
            })
        })
}

/// Builds one interface's settings, or reports why it cannot.
fn interface(
    side: Side,
    section: &Node,
    host: &HostFacts<'_>,
    report: &mut Report,
) -> Option<InterfaceCert> {
    let name = |f: &str| format!("`webex.certificates.{}.{f}`", side.key());
    let text = |f: &str| section.get(f).and_then(|n| n.as_str().map(|s| (n.pos, s)));
    let file = |f: &str, given: Option<(Pos, &str)>, report: &mut Report| {
        let (pos, given) = given?;
        let resolved = host.paths.resolve(given).map_err(|why| {
            report.error(pos, format!("{}: {why}", name(f)), None);
        });
        let path = resolved.ok()?;
        match std::fs::read_to_string(&path) {
            Ok(t) => Some((pos, path, t)),
            Err(e) => {
                report.error(
                    pos,
                    format!("{}: cannot read {}: {e}", name(f), path.display()),
                    Some("name the PEM file your CA issued".to_string()),
                );
                None
            }
        }
    };
    let key_ref = text("key")?;
    let key_path = match key_ref.1.strip_prefix("file:") {
        Some(path) => Some((key_ref.0, path)),
        None => {
            report.error(
                key_ref.0,
                format!("{}: a private key is uploaded from a file: give `file:PATH`, not {}", name("key"), key_ref.1),
                Some("keep the key in a file readable by you only and name it as `file:certs/<host>.key`".to_string()),
            );
            None
        }
    };
    let key = file("key", key_path, report);
    let cert = file("certificate", text("certificate"), report);
    let chain = file("chain", text("chain"), report);
    let ip = text("ip")?.1.to_string();
    let fqdn = text("fqdn")?.1.to_string();
    let port = section
        .get("port")
        .and_then(Node::as_int)
        .and_then(|p| u16::try_from(p).ok());
    let ((_, key_file, key_text), (_, cert_file, cert_pem), (_, chain_file, chain_pem)) =
        (key?, cert?, chain?);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let checked = check_server_cert(
        ServerFiles {
            key: (&key_file, &key_text),
            certificate: (&cert_file, &cert_pem),
            chain: (&chain_file, &chain_pem),
        },
        &fqdn,
        now,
    );
    // The key's text is not kept: settings, plans and journals hold its path only.
    drop(key_text);
    match checked {
        Ok(cert) => {
            for w in &cert.warnings {
                tracing::warn!(
                    "{}: `webex.certificates.{}`: {w}",
                    report.location(section.pos),
                    side.key()
                );
            }
            Some(InterfaceCert {
                side,
                ip,
                port,
                key_file,
                cert_file,
                cert_pem,
                chain_file,
                chain_pem,
                cert,
                pos: section.pos,
            })
        }
        Err(e) => {
            report.error(
                section.pos,
                format!("`webex.certificates.{}` cannot be used:\n{e}", side.key()),
                None,
            );
            None
        }
    }
}

/// Whether `webex.tls` lists suites for the side (then `check_across` compared them
/// with the key at validate).
fn playbook_sets_suites(host: &Host, side: Side) -> bool {
    let tls = host.webex.tls();
    let wish = match side {
        Side::Http => tls.and_then(|t| t.http.as_ref()),
        Side::Cti => tls.and_then(|t| t.cti.as_ref()),
    };
    wish.is_some_and(|w| !w.ciphers.is_empty())
}

/// Where the playbook sets no suites for the interface, the suites the host has in
/// effect for it (its SSL levels, most specific first, else the provider's
/// defaults: D1, D2) must include one the certificate's key can sign: an EC
/// certificate on a host that offers only RSA suites takes the port down.
fn host_suites_fit(
    host: &Host,
    discovered: &Discovered,
    i: &InterfaceCert,
    link: &mut dyn HostLink,
) -> Result<(), ModuleError> {
    let any = Wish {
        level: "interface".into(),
        protocols: Vec::new(),
        ciphers: Vec::new(),
        interfaces: None,
    };
    let (protocols, ciphers) = tls_module::defaults(host);
    let (http, cti) = match i.side {
        Side::Http => (Some(&any), None),
        Side::Cti => (None, Some(&any)),
    };
    let endpoints = render_tls(Family::R22, http, cti, discovered, (&protocols, &ciphers))
        .map_err(ModuleError::new)?;
    let probe = endpoints.probes.iter().find(|p| {
        p.endpoint == i.side.key() && p.address == i.ip && i.port.is_none_or(|port| p.port == port)
    });
    let Some(view) = probe.and_then(|p| endpoints.views.iter().find(|v| v.name == p.ciphers_view))
    else {
        // Not a secure endpoint the TLS discovery knows: nothing is served there yet.
        return Ok(());
    };
    let mut live = LiveTree::default();
    for level in &view.levels {
        if live.get(&level.at).is_none() {
            let read = link.read(&level.at).map_err(ModuleError::new)?;
            live.contexts.insert(level.at.clone(), read);
        }
    }
    let effective = evaluate(view, &live).map_err(ModuleError::new)?;
    if servable(&i.cert.key_type, &effective.values).is_some_and(|ok| ok.is_empty()) {
        return Err(ModuleError::new(SuitesUnfit {
            side: i.side.key(),
            key: i.cert.key_type.to_string(),
            view: view.name.clone(),
            level: effective.level,
            suites: effective.values.join(", "),
        }));
    }
    Ok(())
}

/// The host's suites for the interface cannot be served with the new key.
#[derive(Debug, thiserror::Error)]
#[error(
    "`webex.certificates.{side}`: the certificate has an {key} key, but {view} in effect ({level}) are {suites}, none of which it can serve: installing it would take the port down; set `webex.tls.{side}.ciphers` with suites for this key type, or name a certificate with a key the suites fit"
)]
struct SuitesUnfit {
    side: &'static str,
    key: String,
    view: String,
    level: String,
    suites: String,
}

/// The interface must be in its table as read, or sslUpdate would fail on apply.
fn present(tree: &LiveTree, table: &str, i: &InterfaceCert) -> Result<(), ModuleError> {
    let at = ContextRef {
        context: table.to_string(),
        args: Vec::new(),
    };
    let mut columns = vec!["Interface IP".to_string()];
    if i.port.is_some() {
        columns.push("Port".to_string());
    }
    let rows = match tree.get(&at) {
        Some(c) => c.rows_by(table, &columns).map_err(ModuleError::new)?,
        None => Vec::new(),
    };
    let want: Vec<String> = std::iter::once(i.ip.clone())
        .chain(i.port.map(|p| p.to_string()))
        .collect();
    if rows.contains(&want) {
        return Ok(());
    }
    Err(ModuleError::new(InterfaceMissing {
        side: i.side.key(),
        want: want.join(" "),
        table: table.to_string(),
        seen: if rows.is_empty() {
            "no interface".to_string()
        } else {
            rows.iter()
                .map(|r| r.join(" "))
                .collect::<Vec<_>>()
                .join(", ")
        },
    }))
}

/// The interface of the playbook is not in the host's interface table.
#[derive(Debug, thiserror::Error)]
#[error(
    "`webex.certificates.{side}` names interface {want}, but {table}> get lists {seen}; add the secure interface first or correct `ip`/`port`"
)]
struct InterfaceMissing {
    side: &'static str,
    want: String,
    table: String,
    seen: String,
}

/// The three uploads and the `sslUpdate` observed in `context`.
fn sslupdate(i: &InterfaceCert, context: String, tree: &mut DesiredTree) {
    // One name per interface and certificate: a renewal uploads new files.
    let stem = format!(
        "/var/broadworks/tmp/xspctl-{}-{}",
        i.side.key(),
        &i.cert.sha256[..8]
    );
    let (key, cert, chain) = (
        format!("{stem}-key.pem"),
        format!("{stem}-cert.pem"),
        format!("{stem}-chain.pem"),
    );
    tree.files.push(FileFact {
        path: key.clone(),
        source: Some(i.key_file.clone()),
        content: None,
        mode: 0o600,
        private: true,
        transient: true,
    });
    for (path, source, content) in [
        (&cert, &i.cert_file, &i.cert_pem),
        (&chain, &i.chain_file, &i.chain_pem),
    ] {
        tree.files.push(FileFact {
            path: path.clone(),
            source: Some(source.clone()),
            content: Some(content.clone()),
            mode: 0o644,
            private: false,
            transient: true,
        });
    }
    let target: Vec<String> = std::iter::once(i.ip.clone())
        .chain(i.port.map(|p| p.to_string()))
        .collect();
    let mut line = vec!["sslUpdate".to_string()];
    line.extend(target.iter().cloned());
    for (word, path) in [
        ("keyFile", &key),
        ("certificateFile", &cert),
        ("chainFile", &chain),
    ] {
        line.push(word.to_string());
        line.push(path.clone());
    }
    let mut columns = vec!["Interface IP".to_string()];
    if i.port.is_some() {
        columns.push("Port".to_string());
    }
    columns.extend(["Subject", "Issuer", "Expiration Date"].map(String::from));
    let mut present = target;
    present.extend([
        i.cert.subject.clone(),
        i.cert.issuer.clone(),
        i.cert.not_after_text.clone(),
    ]);
    tree.commands.push(CommandFact {
        context,
        line,
        observe: Observe {
            key_len: columns.len(),
            columns,
            present: vec![present],
        },
        uses: vec![key, cert, chain],
        secrets: Vec::new(),
        confirm: false,
        // The certificate and key it replaces cannot be read back (D29).
        undo: None,
        // guide B §5.8 step 4: restart the XSP.
        restart: true,
        opens: None,
    });
}
