//! The CTI Trusts table of the `cti_mtls` module (solution guide B §5.6 for R22
//! and later, §5.7 for R21 SP1): what its `get` must show for each Webex anchor,
//! and which rows are old Webex anchors xspctl loaded itself. An alias xspctl
//! derives is `<slug of the Owner>-<8 hex>` (`Anchor::alias`); a row whose alias
//! has that form for its own Owner, and which the playbook's chain no longer
//! holds, is an old Webex anchor: it is removed after the new anchors are loaded
//! (the guide's order: add the new CA before removing the old one). Any other
//! alias (`webexroot`, an operator's own anchor) is never touched
//! (docs/decisions.md, "CTI trust anchors rotation").
use super::ModuleError;
use crate::desired::{ContextRef, Fact, TableFact};
use crate::live::link::HostLink;
use crate::pki::anchors::{Anchor, alias_slug};

/// The columns read in a Trusts table, the alias first.
pub const COLUMNS: [&str; 3] = ["Alias", "Owner", "Issuer"];

/// The CTI Trusts context of a release: guide B §5.6 (R22 and later,
/// `SSLCommonSettings`) or §5.7 (R21 SP1, `SSLConfiguration`).
pub fn context(ssl_hierarchy: bool) -> &'static str {
    if ssl_hierarchy {
        "/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts"
    } else {
        "/Interface/CTI/SSLConfiguration/ClientAuthentication/Trusts"
    }
}

/// What `get` shows as an anchor's Owner: its common name (or its subject).
pub fn shown_owner(anchor: &Anchor) -> String {
    anchor
        .common_name
        .clone()
        .unwrap_or_else(|| anchor.subject.clone())
}

/// What `get` shows as an anchor's Issuer: the issuer's common name (a root's is
/// followed by `[self-signed]`, guide B §5.6 step 8, which the reader of `get`
/// takes off; [`same_name`] ignores it).
pub fn shown_issuer(anchor: &Anchor) -> String {
    anchor
        .issuer_common_name
        .clone()
        .unwrap_or_else(|| anchor.issuer.clone())
}

/// Compares names as the guide asks: dashes normalised (its sample writes
/// "Issuing CA – DA3" with an en dash once, a hyphen elsewhere), spaces trimmed,
/// a `[self-signed]` mark ignored.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.trim()
            .trim_end_matches("[self-signed]")
            .replace(['\u{2013}', '\u{2014}'], "-")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    norm(a) == norm(b)
}

/// Whether `alias` is one xspctl derives for a certificate whose Owner is `owner`.
pub fn is_derived(alias: &str, owner: &str) -> bool {
    let Some((name, hex)) = alias.rsplit_once('-') else {
        return false;
    };
    hex.len() == 8
        && hex
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && name == alias_slug(owner)
}

/// A row under a derived alias shows another certificate than the playbook's.
#[derive(Debug, thiserror::Error)]
#[error(
    "{context}> get lists {alias} with Owner {owner:?} and Issuer {issuer:?}, but the playbook's anchor of that alias ({file}:{line}) is {want_owner:?} issued by {want_issuer:?}: the Trusts table holds another certificate under xspctl's alias\n  help: look at it (`{context}> detail {alias}`); if it is not the Webex CA, delete it (`delete {alias}`) and plan again; nothing was changed"
)]
pub struct OtherCertificate {
    context: String,
    alias: String,
    owner: String,
    issuer: String,
    want_owner: String,
    want_issuer: String,
    file: String,
    line: usize,
}

/// Reads the Trusts table: an error when a row under one of `anchors`' aliases
/// shows another Owner or Issuer than the anchor; otherwise the facts that remove
/// the old Webex anchors xspctl loaded (derived aliases the chain no longer
/// holds). Each removal is a table fact, so the plan deletes it after the
/// `updateTrust` commands have loaded the new anchors (D24's order: commands,
/// then CLI writes).
pub fn check_and_retire(
    link: &mut dyn HostLink,
    context: &str,
    anchors: &[Anchor],
) -> Result<Vec<Fact>, ModuleError> {
    let at = ContextRef {
        context: context.to_string(),
        args: Vec::new(),
    };
    let columns: Vec<String> = COLUMNS.map(String::from).to_vec();
    let rows = link
        .read(&at)
        .map_err(ModuleError::new)?
        .rows_by(context, &columns)
        .map_err(ModuleError::new)?;
    let mut retire = Vec::new();
    for row in &rows {
        let (alias, owner, issuer) = (&row[0], &row[1], &row[2]);
        match anchors.iter().find(|a| &a.alias() == alias) {
            Some(a) => {
                let (want_owner, want_issuer) = (shown_owner(a), shown_issuer(a));
                if !same_name(owner, &want_owner) || !same_name(issuer, &want_issuer) {
                    return Err(ModuleError::new(OtherCertificate {
                        context: context.to_string(),
                        alias: alias.clone(),
                        owner: owner.clone(),
                        issuer: issuer.clone(),
                        want_owner,
                        want_issuer,
                        file: a.file.clone(),
                        line: a.line,
                    }));
                }
            }
            None if is_derived(alias, owner) => retire.push(Fact::Table(TableFact {
                at: at.clone(),
                columns: columns.clone(),
                key_len: Some(1),
                select: vec![alias.clone()],
                rows: Vec::new(),
                settable: false,
                restart: false,
                // The Trusts table has no `add` (D36): a row is loaded from its file.
                loaded_by: Some("updateTrust".into()),
            })),
            None => {}
        }
    }
    Ok(retire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_aliases_are_recognised_by_their_owner_and_eight_hex() {
        assert!(is_derived(
            "broadcloud-commercial-issuing-ca-1a2b3c4d",
            "BroadCloud Commercial Issuing CA - DA3"
        ));
        assert!(is_derived(
            "broadcloud-commercial-trusted-ro-0011aaff",
            "BroadCloud Commercial Trusted Root CA"
        ));
        // The guide's own aliases, and an operator's, are never xspctl's.
        assert!(!is_derived(
            "webexroot",
            "BroadCloud Commercial Trusted Root CA"
        ));
        assert!(!is_derived(
            "broadcloud-commercial-trusted-ro-0011AAFF",
            "BroadCloud Commercial Trusted Root CA"
        ));
        assert!(!is_derived("corp-root-ca-0011aaff", "Another Root CA"));
    }

    #[test]
    fn names_compare_with_dashes_normalised() {
        assert!(same_name(
            "BroadCloud Commercial Issuing CA \u{2013} DA3",
            "BroadCloud Commercial Issuing CA - DA3"
        ));
        assert!(same_name("Root A[self-signed]", "Root A"));
        assert!(!same_name("Root A", "Root B"));
    }
}
