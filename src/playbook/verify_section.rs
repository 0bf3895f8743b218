//! The playbook's `verify` section: what `verify` needs besides the hosts. Today the
//! client identity presented on the CTI interfaces to prove mutual TLS (issue #9
//! item 7, issue #11 check 5): a certificate and its key, both files; the key is a
//! `file:` reference only, its content never read into the playbook nor printed;
//! the resolvers and SRV domains of the DNS checks (`dns`); the Webex region or
//! the targets of the outbound reachability check (`reach`).
use std::net::SocketAddr;
use std::path::PathBuf;

use super::connection::PathBase;
use super::diagnostic::Report;
use super::formats::{SecretSyntax, parse_secret_ref};
use super::model::{ClientIdentity, DnsSettings, LocalFileKind, ReachSettings, VerifySettings};
use super::schema::{Field, Format, ListOf, Object, Schema};
use super::yaml::{Node, Pos};

/// The section's place in the playbook.
pub(crate) const FIELD: Field = Field::new(
    "verify",
    "What `verify` needs besides the hosts: the client identity it presents to prove mutual TLS on the CTI interfaces, the DNS resolvers and SRV domains, the Webex region whose endpoints the hosts must reach.",
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
    let dns = node.and_then(|n| n.get("dns"));
    let reach = node.and_then(|n| n.get("reach"));
    VerifySettings {
        client_certificate: client.and_then(|c| identity(c, base, report, files)),
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
