//! `/usr/local/broadworks/patchtool/sbin/listPatch.pl` (BLOG-PATCH): a
//! `Patch Name  State` table, then `listPatch command successfully executed.`
//! The column layout (left-aligned, two spaces apart) is ours.
use std::fmt::Write as _;

use crate::host::{ExecOutput, SimHost};

/// Runs `listPatch.pl`.
pub fn run(host: &SimHost) -> ExecOutput {
    let patches = match host.read(|st| st.patches.clone()) {
        Ok(p) => p,
        Err(e) => {
            return ExecOutput {
                stdout: String::new(),
                stderr: format!("listPatch.pl: {e}\n"),
                status: 1,
            };
        }
    };
    let name_width = patches
        .iter()
        .map(String::len)
        .chain(std::iter::once("Patch Name".len()))
        .max()
        .unwrap_or(0);
    let mut out = format!("{:<name_width$}  State\n", "Patch Name");
    out.push_str(&"=".repeat(name_width + "  State".len()));
    out.push('\n');
    for p in &patches {
        let _ = writeln!(out, "{p:<name_width$}  Active");
    }
    out.push_str("\nlistPatch command successfully executed.\n");
    ExecOutput {
        stdout: out,
        stderr: String::new(),
        status: 0,
    }
}
