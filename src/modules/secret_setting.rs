//! A module setting that holds a secret by reference (`env:NAME` or `file:PATH`),
//! as the Webex application modules take their client secrets, refresh tokens and
//! passwords: built from the playbook (a relative `file:` path resolves against
//! the playbook's directory) and shown as its reference, never its value.
use crate::playbook::SecretRef;
use crate::playbook::module_api::{HostFacts, Node, Report, SecretSyntax, parse_secret_ref};

/// The secret reference at `key` of the `webex.<module>` node; a `file:` path that
/// cannot be resolved goes to `report` at the key. None when the key is absent or
/// not a reference (the schema check has reported that).
pub(crate) fn build(
    node: &Node,
    module: &str,
    key: &str,
    host: &HostFacts<'_>,
    report: &mut Report,
) -> Option<SecretRef> {
    let at = node.get(key)?;
    match parse_secret_ref(at.as_str()?).ok()? {
        SecretSyntax::Env(name) => Some(SecretRef::env(name)),
        SecretSyntax::File(path) => match host.paths.resolve(path) {
            Ok(p) => Some(SecretRef::file(p)),
            Err(why) => {
                report.error(at.pos, format!("`webex.{module}.{key}`: {why}"), None);
                None
            }
        },
    }
}

/// Serializes a secret reference as its text (`env:NAME`), never the value: for a
/// settings field, `#[serde(serialize_with = "secret_setting::as_reference")]`.
pub(crate) fn as_reference<S: serde::Serializer>(r: &SecretRef, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&r.to_string())
}
