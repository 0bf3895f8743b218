//! The playbook's `verify` section: what `verify` needs besides the hosts. Today the
//! client identity presented on the CTI interfaces to prove mutual TLS (issue #9
//! item 7, issue #11 check 5): a certificate and its key, both files; the key is a
//! `file:` reference only, its content never read into the playbook nor printed;
//! and the CAs it trusts for the certificates the servers present (issue #11
//! check 2).
use std::path::PathBuf;

use super::connection::PathBase;
use super::diagnostic::Report;
use super::formats::{SecretSyntax, parse_secret_ref};
use super::model::{ClientIdentity, LocalFileKind, ServerCa, VerifySettings};
use super::schema::{Field, Format, Object, Schema};
use super::yaml::{Node, Pos};

/// The section's place in the playbook.
pub(crate) const FIELD: Field = Field::new(
    "verify",
    "What `verify` needs besides the hosts: the client identity it presents to prove mutual TLS on the CTI interfaces, and the CAs it trusts for the servers' certificates.",
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
    VerifySettings {
        client_certificate: client.and_then(|c| identity(c, base, report, files)),
        server_ca: server_ca.and_then(|c| ca_file(c, base, report, files)),
    }
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
