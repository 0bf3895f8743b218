//! `bwshowver` (bwcli-behavior §4): the AS form (C-ADMIN) for XSP and AS, the ADP
//! form with `Applications Info:` (C-UPG).
use std::fmt::Write as _;

use crate::catalog::catalog;
use crate::host::{ExecOutput, Product, SimHost};
use crate::state::MANAGED_OBJECTS;

/// Runs `bwshowver`.
pub fn run(host: &SimHost) -> ExecOutput {
    let cat = catalog();
    let facts = host.facts();
    let product = cat.product(facts.product);
    let release = cat.release(facts.release);
    let state = host.read(|st| {
        (
            st.patches.len(),
            st.configured.rows_at(cat, facts, MANAGED_OBJECTS),
        )
    });
    let (patches, apps) = match state {
        Ok(s) => s,
        Err(e) => {
            return ExecOutput {
                stdout: String::new(),
                stderr: format!("bwshowver: {e}\n"),
                status: 1,
            };
        }
    };
    let mut out = format!("{} version {}\n\n", product.version_name, release.label);
    if facts.product == Product::Adp {
        out.push_str("Applications Info:\n");
        for r in apps.iter().filter(|r| {
            matches!(
                r.get("state").map(String::as_str),
                Some("Active" | "Deployed")
            )
        }) {
            let name = r.get("name").map(String::as_str).unwrap_or("");
            let version = r.get("version").map(String::as_str).unwrap_or("");
            let _ = write!(out, "- {name} version {version}");
            match r.get("contextPath") {
                Some(p) if !p.is_empty() => {
                    let _ = writeln!(out, " context path {p}");
                }
                _ => out.push('\n'),
            }
        }
    } else {
        let _ = writeln!(out, "Built  {}", release.built);
        let _ = writeln!(out, "- BASE revision {}", release.revision);
        let _ = writeln!(
            out,
            "- {} revision {}",
            product.version_name, release.revision
        );
        let _ = write!(out, "\nPatching Info:\n  Active Patches: {patches}\n");
    }
    ExecOutput {
        stdout: out,
        stderr: String::new(),
        status: 0,
    }
}
