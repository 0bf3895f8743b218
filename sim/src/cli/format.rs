//! The output forms of bwcli (bwcli-behavior §1 and §3): banner, attribute lists,
//! tables with right-aligned columns, counts, and the fixed messages.

/// The banner rule: 70 `=`.
pub const RULE: &str = "======================================================================";
/// Success of a change (C-NPS, JM-BL).
pub const DONE: &str = "...Done";
/// After a change that needs a restart (C-CAP).
pub const RESTART_WARNING: &str =
    "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***";
/// The confirmation prompt (JM-BL, C-UPG), with its trailing space.
pub const CONFIRM_PROMPT: &str = "Please confirm (Yes, Y, No, N): ";
/// Printed when the session ends (C-UPG).
pub const SESSION_ENDING: &str = "This session is now ending...";
/// First password prompt (WBX-SG, WBX-DEV).
pub const NEW_PASSWORD: &str = "New Password:";
/// Second password prompt (WBX-DEV).
pub const RETYPE_PASSWORD: &str = "Re-type New Password:";
/// How a secret is shown (WBX-DEV, C-NPS).
pub const MASK: &str = "********";
/// The pager prompt (fault injection only; not seen in BroadWorks examples).
pub const MORE: &str = "--More--";

/// The banner printed when bwcli starts (C-ADMIN, R24), followed by a blank line.
pub fn banner() -> String {
    format!(
        "{RULE}\nBroadWorks Command Line Interface\n  Type HELP for more information\n{RULE}\n\n"
    )
}

/// `  name = value` lines (two leading spaces; an empty value prints `name = `).
pub fn attribute_list(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        out.push_str("  ");
        out.push_str(name);
        out.push_str(" = ");
        out.push_str(value);
        out.push('\n');
    }
    out
}

/// The count line: `N entries found.`, `1 entry found.`, `0 entry found.`.
pub fn count_line(n: usize) -> String {
    match n {
        0 => "0 entry found.".to_string(),
        1 => "1 entry found.".to_string(),
        n => format!("{n} entries found."),
    }
}

/// A table: every column right-aligned in width max(len(header), len(values)) + 2,
/// a `=` rule over the full width, the rows, a blank line and the count line.
pub fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|v| v.chars().count())
                .chain(std::iter::once(h.chars().count()))
                .max()
                .unwrap_or(0)
                + 2
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            let pad = w.saturating_sub(cell.chars().count());
            s.extend(std::iter::repeat_n(' ', pad));
            s.push_str(cell);
        }
        s.push('\n');
        s
    };
    let mut out = line(headers);
    out.extend(std::iter::repeat_n('=', widths.iter().sum()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
    }
    out.push('\n');
    out.push_str(&count_line(rows.len()));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_documented_table_layout() {
        // bwcli-behavior §3, C-UPG NFM example.
        let t = table(
            &s(&["Name", "Admin State", "Effective State"]),
            &[
                s(&["PostgreSQL", "Online", "Online"]),
                s(&["OpenNMS", "Offline", "Offline"]),
                s(&["File replication", "Online", "Offline"]),
                s(&["Monitoring", "Online", "Offline"]),
            ],
        );
        assert_eq!(
            t,
            "              Name  Admin State  Effective State\n\
             ================================================\n\
             \x20       PostgreSQL       Online           Online\n\
             \x20          OpenNMS      Offline          Offline\n\
             \x20 File replication       Online          Offline\n\
             \x20       Monitoring       Online          Offline\n\
             \n\
             4 entries found.\n"
        );
    }

    #[test]
    fn empty_and_single_tables() {
        assert_eq!(
            table(&s(&["Cipher Name"]), &[]),
            "  Cipher Name\n=============\n\n0 entry found.\n"
        );
        assert_eq!(
            table(&s(&["Protocol Name"]), &[s(&["TLSv1.2"])]),
            "  Protocol Name\n===============\n        TLSv1.2\n\n1 entry found.\n"
        );
    }

    #[test]
    fn attribute_lists() {
        assert_eq!(
            attribute_list(&[
                ("port".into(), "8001".into()),
                ("url".into(), String::new())
            ]),
            "  port = 8001\n  url = \n"
        );
    }

    #[test]
    fn the_banner() {
        let b = banner();
        assert!(b.starts_with(&format!("{}\n", "=".repeat(70))));
        assert!(b.ends_with("  Type HELP for more information\n======================================================================\n\n"));
    }
}
