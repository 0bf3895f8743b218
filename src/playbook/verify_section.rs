//! The playbook's `verify` section: what `verify` needs besides the hosts. Today the
//! client identity presented on the CTI interfaces to prove mutual TLS (issue #9
//! item 7, issue #11 check 5): a certificate and its key, both files; the key is a
//! `file:` reference only, its content never read into the playbook nor printed;
//! the CAs it trusts for the certificates the servers present (issue #11 check 2);
//! the waivers of findings; the resolvers and SRV domains of the DNS checks (`dns`); the Webex region or
//! the targets of the outbound reachability check (`reach`).
use std::net::SocketAddr;
use std::path::PathBuf;

use super::connection::PathBase;
use super::diagnostic::Report;
use super::formats::{SecretSyntax, parse_secret_ref};
use super::model::{
    CheckWaiver, ClientIdentity, DnsSettings, LocalFileKind, ReachSettings, ServerCa,
    VerifySettings,
};
use super::schema::{Field, Format, ListOf, Object, Schema};
use super::yaml::{Node, Pos};
use crate::report::CheckId;

/// The section's place in the playbook.
pub(crate) const FIELD: Field = Field::new(
    "verify",
    "What `verify` needs besides the hosts: the client identity it presents to prove mutual TLS on the CTI interfaces, the CAs it trusts for the servers' certificates, waivers, the DNS resolvers and SRV domains, the Webex region whose endpoints the hosts must reach.",
    Schema::Object(&VERIFY),
    "{ client_certificate: { certificate: webex/client.pem, key: file:webex/client.key } }",
);

static VERIFY: Object = Object {
    name: "verify",
    doc: "What `verify` needs besides the hosts.",
    shared: false,
    fields: &[
        Field::new(
            "client_certificate",
            "A client certificate that the CTI interfaces must accept, like Webex's (CN bwcticlient.webex.com, issued by the chain in `cti_mtls.trust_anchors`); verify also proves that an untrusted certificate and none are refused.",
            Schema::Object(&CLIENT_CERTIFICATE),
            "{ certificate: webex/client.pem, key: file:webex/client.key }",
        ),
        Field::new(
            "server_ca",
            "A PEM file of the CA certificates that issue the servers' certificates (e.g. an internal CA behind a TLS-bridging proxy); verify validates each served chain against them. Without it, verify trusts the public roots a Webex client trusts (the Mozilla set, webpki-roots).",
            Schema::Text(Format::Path),
            "certs/server-ca.pem",
        ),
        Field::new(
            "waivers",
            "Findings accepted until a date, each with its reason: while a waiver holds, a matching finding is shown as waived and does not fail the run; once it has expired, the finding counts again and the expired waiver is itself an error (`verify.waiver-expired`).",
            Schema::List(&WAIVERS),
            "[{ check: tls.certificate-name, host: xsp1, reason: \"CHG-1234: wildcard until the renewal\", expires: 2027-01-31 }]",
        ),
        Field::new(
            "dns",
            "The DNS checks' resolvers and the Xsi domains whose SRV records are checked.",
            Schema::Object(&DNS),
            "{ resolvers: [192.0.2.53:53], xsi_srv_domains: [xsp.example.com] }",
        ),
        Field::new(
            "reach",
            "The outbound reachability check: the Webex region whose endpoints each host must reach (solution guide A §9.2), or the targets themselves.",
            Schema::Object(&REACH),
            "{ region: us }",
        ),
    ],
};

static WAIVERS: ListOf = ListOf::items(Schema::Object(&WAIVER));

static WAIVER: Object = Object {
    name: "waiver",
    doc: "One accepted finding: which check, where, why and until when.",
    shared: false,
    fields: &[
        Field::new(
            "check",
            "The check id (docs/checks.md).",
            Schema::Enum(CheckId::NAMES),
            "tls.certificate-name",
        )
        .required(),
        Field::new(
            "host",
            "The hosts it covers, a name or a glob (`xsp*`); every host when absent.",
            Schema::Text(Format::Text),
            "xsp1",
        ),
        Field::new(
            "subject",
            "Text the finding's subject must contain (e.g. `HTTP 10.0.0.1:443`); any subject when absent.",
            Schema::Text(Format::Text),
            "CTI 10.0.0.1",
        ),
        Field::new(
            "reason",
            "Why the finding is accepted (a change ticket, a date of the fix); shown with the finding.",
            Schema::Text(Format::Text),
            "CHG-1234: wildcard until the renewal",
        )
        .required(),
        Field::new(
            "expires",
            "The last day the waiver holds, as YYYY-MM-DD (UTC).",
            Schema::Text(Format::Text),
            "2027-01-31",
        )
        .required(),
    ],
};

static DNS: Object = Object {
    name: "dns",
    doc: "What the DNS checks ask.",
    shared: false,
    fields: &[
        Field::new(
            "resolvers",
            "The resolvers to ask, each `address:port` (every one must give the same answers); none: the system's (/etc/resolv.conf).",
            Schema::List(&ListOf::unique_items(Schema::Text(Format::Text))),
            "[192.0.2.53:53, 192.0.2.54:53]",
        ),
        Field::new(
            "xsi_srv_domains",
            "Xsi domains (the host of the Xsi URL) whose `_xsi-client._tcp.<domain>` SRV record Webex clients look up; each host with role xsi and an `fqdn` must be one of its targets (solution guide A §7.6).",
            Schema::List(&ListOf::unique_items(Schema::Text(Format::Address))),
            "[xsp.example.com]",
        ),
    ],
};

static REACH: Object = Object {
    name: "reach",
    doc: "What the outbound reachability check connects to from each host.",
    shared: false,
    fields: &[
        Field::new(
            "region",
            "The Webex region of the organisation: its egress table (solution guide A §9.2) gives the targets each host's roles must reach (`us` or `emea`).",
            Schema::Enum(crate::catalog::REGIONS),
            "us",
        ),
        Field::new(
            "outbound",
            "The targets, each `host:port`, that replace the region's (e.g. a lab's loopback targets, or a proxy's).",
            Schema::List(&ListOf::unique_items(Schema::Text(Format::Text))),
            "[idbroker.webex.com:443]",
        ),
    ],
};

static CLIENT_CERTIFICATE: Object = Object {
    name: "client_certificate",
    doc: "A client certificate and its private key, as files.",
    shared: false,
    fields: &[
        Field::new(
            "certificate",
            "The client certificate (PEM), optionally followed by its issuing CAs; relative paths start at the playbook's directory.",
            Schema::Text(Format::Path),
            "webex/client.pem",
        )
        .required(),
        Field::new(
            "key",
            "Its private key (PEM), as a `file:` reference; never the key itself, never printed.",
            Schema::Text(Format::SecretRef),
            "file:webex/client.key",
        )
        .required(),
    ],
};

/// A local file the section names: (kind, path, where, who, defaulted).
type Named = (LocalFileKind, PathBuf, Pos, String, bool);

/// Builds the section; the files it names go to `files`, checked before any
/// connection like the connections' files.
pub(crate) fn build(
    node: Option<&Node>,
    base: &PathBase,
    report: &mut Report,
    files: &mut Vec<Named>,
) -> VerifySettings {
    let client = node.and_then(|n| n.get("client_certificate"));
    let server_ca = node.and_then(|n| n.get("server_ca"));
    let dns = node.and_then(|n| n.get("dns"));
    let reach = node.and_then(|n| n.get("reach"));
    VerifySettings {
        client_certificate: client.and_then(|c| identity(c, base, report, files)),
        server_ca: server_ca.and_then(|c| ca_file(c, base, report, files)),
        waivers: node
            .and_then(|n| n.get("waivers"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|w| waiver(w, report))
            .collect(),
        dns: DnsSettings {
            resolvers: texts(dns.and_then(|d| d.get("resolvers")))
                .filter_map(|(text, at)| resolver(text, at, report))
                .collect(),
            xsi_srv_domains: texts(dns.and_then(|d| d.get("xsi_srv_domains")))
                .map(|(d, _)| d.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        },
        reach: ReachSettings {
            region: reach
                .and_then(|r| r.get("region"))
                .and_then(Node::as_str)
                .map(str::to_string),
            outbound: reach.and_then(|r| r.get("outbound")).map(|list| {
                texts(Some(list))
                    .filter_map(|(text, at)| target(text, at, report))
                    .collect()
            }),
        },
    }
}

/// One waiver; its check id and keys were checked against the schema.
fn waiver(node: &Node, report: &mut Report) -> Option<CheckWaiver> {
    let text = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
    let check = CheckId::ALL
        .iter()
        .copied()
        .find(|id| Some(id.as_str()) == node.get("check").and_then(Node::as_str))?;
    let expires_node = node.get("expires")?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let expires = match time::Date::parse(expires_node.as_str()?, &format) {
        Ok(d) => d,
        Err(e) => {
            report.error(
                expires_node.pos,
                format!("`expires` is not a date: {e}"),
                Some(
                    "write the last day the waiver holds as YYYY-MM-DD, e.g. 2027-01-31"
                        .to_string(),
                ),
            );
            return None;
        }
    };
    let reason = text("reason")?;
    if reason.trim().is_empty() {
        report.error(
            node.pos,
            "a waiver needs a reason",
            Some(
                "say why the finding is accepted (a change ticket, the date of the fix)"
                    .to_string(),
            ),
        );
        return None;
    }
    let host = text("host");
    if let Some(pattern) = &host
        && let Err(e) = glob::Pattern::new(pattern)
    {
        report.error(
            node.get("host").map_or(node.pos, |h| h.pos),
            format!("`host` is not a valid pattern: {e}"),
            Some("name a host, or a glob such as `xsp*`".to_string()),
        );
        return None;
    }
    Some(CheckWaiver {
        check,
        host,
        subject: text("subject"),
        reason,
        expires,
        at: report.location(node.pos),
    })
}

fn ca_file(
    node: &Node,
    base: &PathBase,
    report: &mut Report,
    files: &mut Vec<Named>,
) -> Option<ServerCa> {
    let text = node.as_str()?;
    let path = match base.resolve(text) {
        Ok(p) => p,
        Err(why) => {
            report.error(
                node.pos,
                format!("cannot use the path `{text}`: {why}"),
                None,
            );
            return None;
        }
    };
    files.push((
        LocalFileKind::CaCertificates,
        path.clone(),
        node.pos,
        "`verify.server_ca`".to_string(),
        false,
    ));
    Some(ServerCa {
        path,
        at: report.location(node.pos),
    })
}

/// The strings of a list node, each with where it is.
fn texts(list: Option<&Node>) -> impl Iterator<Item = (&str, Pos)> {
    list.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|n| n.as_str().map(|s| (s, n.pos)))
}

/// A resolver, `address:port` (`[v6]:port` for IPv6).
fn resolver(text: &str, at: Pos, report: &mut Report) -> Option<SocketAddr> {
    match text.parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            report.error(
                at,
                format!("`verify.dns.resolvers`: `{text}` is not `address:port`"),
                Some("write the resolver's IP address and port, e.g. `192.0.2.53:53` or `[2001:db8::53]:53`".to_string()),
            );
            None
        }
    }
}

/// An outbound target, `host:port`.
fn target(text: &str, at: Pos, report: &mut Report) -> Option<(String, u16)> {
    let parsed = text.rsplit_once(':').and_then(|(host, port)| {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = port.parse::<u16>().ok().filter(|p| *p > 0)?;
        crate::live::link::PortTarget::new(host, port, std::time::Duration::from_secs(1))
            .ok()
            .map(|_| (host.to_string(), port))
    });
    if parsed.is_none() {
        report.error(
            at,
            format!("`verify.reach.outbound`: `{text}` is not `host:port`"),
            Some(
                "write a host name or IP address and a port, e.g. `idbroker.webex.com:443`"
                    .to_string(),
            ),
        );
    }
    parsed
}

fn identity(
    node: &Node,
    base: &PathBase,
    report: &mut Report,
    files: &mut Vec<Named>,
) -> Option<ClientIdentity> {
    const WHO: &str = "`verify.client_certificate`";
    let (cert_node, key_node) = (node.get("certificate")?, node.get("key")?);
    let resolve = |text: &str, at: Pos, report: &mut Report| match base.resolve(text) {
        Ok(p) => Some(p),
        Err(why) => {
            report.error(at, format!("cannot use the path `{text}`: {why}"), None);
            None
        }
    };
    let certificate = resolve(cert_node.as_str()?, cert_node.pos, report)?;
    let key = match parse_secret_ref(key_node.as_str()?).ok()? {
        SecretSyntax::File(path) => resolve(path, key_node.pos, report)?,
        SecretSyntax::Env(name) => {
            report.error(
                key_node.pos,
                format!("{WHO}: the key must be a file (`file:PATH`), not env:{name}"),
                Some("write the key to a file readable only by you (mode 0600) and name it as `key: file:PATH`".to_string()),
            );
            return None;
        }
    };
    files.push((
        LocalFileKind::ClientCertificate,
        certificate.clone(),
        cert_node.pos,
        WHO.to_string(),
        false,
    ));
    files.push((
        LocalFileKind::SecretFile,
        key.clone(),
        key_node.pos,
        WHO.to_string(),
        false,
    ));
    Some(ClientIdentity {
        certificate,
        key,
        at: report.location(cert_node.pos),
    })
}

/// What is wrong with a client identity whose files exist: the certificate file
/// must hold a PEM certificate and the key file its own private key. Checked with
/// the local files, before any connection.
pub(crate) fn identity_problem(identity: &ClientIdentity) -> Option<String> {
    crate::verify::mtls::ClientCredential::load(identity).err()
}

/// The CA certificates of `ca`, or what is wrong with its file (each problem on its
/// own line, located). Checked with the local files, before any connection.
pub(crate) fn server_cas(ca: &ServerCa) -> Result<Vec<Vec<u8>>, String> {
    let text = std::fs::read_to_string(&ca.path)
        .map_err(|e| format!("{}: cannot be read: {e}", ca.path.display()))?;
    crate::pki::server_ca::read_server_cas(&ca.path, &text)
}
