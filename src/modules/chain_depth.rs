//! R21 SP1 `chainDepth` (issue #9 item 5; solution guide B §15, "chainDepth too
//! low"; management-sync §3.9): on R21 `Interface/Http/ClientAuthentication`
//! bounds how many certificates of a trust chain file are kept, so a chain longer
//! than it loses its end (its root) in the Trusts table. Part of the `cti_mtls`
//! module, whose Webex chain it is about (docs/decisions.md D30): it wants
//! `chainDepth` at least the chain's length and never below 2 (an "at least"
//! want never lowers a higher value), and it refuses to plan a host whose Trusts
//! tables already show the symptom, naming the fix.
use super::ModuleError;
use crate::desired::{ContextRef, DesiredTree};
use crate::live::link::HostLink;

/// The R21 context of `chainDepth`.
pub const CONTEXT: &str = "/Interface/Http/ClientAuthentication";

/// The R21 Trusts tables whose chains `chainDepth` truncates: the HTTP one (guide
/// B §15's symptom path) and the CTI one the `cti_mtls` module loads (guide B §5.7).
const TRUSTS: [&str; 2] = [
    "/Interface/Http/ClientAuthentication/Trusts",
    "/Interface/CTI/SSLConfiguration/ClientAuthentication/Trusts",
];

/// guide B §15: "never set chainDepth below 2".
const FLOOR: usize = 2;

/// The `chainDepth` wanted for a Webex chain of `anchors` certificates.
pub fn wanted(anchors: usize) -> usize {
    anchors.max(FLOOR)
}

/// The fact: `chainDepth` at least [`wanted`].
pub fn render(anchors: usize) -> Result<DesiredTree, ModuleError> {
    super::render_template(
        "cti_mtls/r21.yaml",
        &serde_json::json!({ "chain_depth": wanted(anchors) }),
    )
}

/// A Trusts table whose chain lost its end.
#[derive(Debug, thiserror::Error)]
#[error(
    "{table}> get lists {alias} ({owner}) issued by {issuer}, which no row of the table holds: a chain file longer than chainDepth ({depth}) lost its end (R21 \"chainDepth too low\", solution guide B §15)\n  help: {CONTEXT}> set chainDepth 3 (the playbook's cti_mtls raises it to {wanted}), then load the whole chain file again with updateTrust; if chainDepth already covers the chain, the chain file is probably corrupt: download it again"
)]
pub struct TruncatedChain {
    table: String,
    alias: String,
    owner: String,
    issuer: String,
    depth: String,
    wanted: usize,
}

/// Reads the R21 Trusts tables and `chainDepth`; an error when a row's issuer is
/// neither itself (`[self-signed]`) nor the owner of another row.
pub fn check_trusts(link: &mut dyn HostLink, anchors: usize) -> Result<(), ModuleError> {
    let at = |context: &str| ContextRef {
        context: context.to_string(),
        args: Vec::new(),
    };
    let depth = link
        .read(&at(CONTEXT))
        .map_err(ModuleError::new)?
        .attribute("chainDepth")
        .unwrap_or("not shown")
        .to_string();
    let columns = ["Alias", "Owner", "Issuer"].map(String::from);
    for table in TRUSTS {
        let rows = link
            .read(&at(table))
            .map_err(ModuleError::new)?
            .rows_by(table, &columns)
            .map_err(ModuleError::new)?;
        let owners: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        for r in &rows {
            let issuer = r[2].trim();
            if issuer.ends_with("[self-signed]") || owners.contains(&issuer) {
                continue;
            }
            return Err(ModuleError::new(TruncatedChain {
                table: table.to_string(),
                alias: r[0].clone(),
                owner: r[1].clone(),
                issuer: issuer.to_string(),
                depth,
                wanted: wanted(anchors),
            }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_depth_is_the_chain_length_and_never_below_two() {
        assert_eq!(wanted(1), 2);
        assert_eq!(wanted(2), 2);
        assert_eq!(wanted(3), 3);
    }
}
