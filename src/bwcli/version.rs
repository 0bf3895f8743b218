//! Parsing `bwshowver` (a shell command, run on the exec channel).
//!
//! Forms (bwcli-behavior.md §4): `AS version Rel_24.0_1.944` then build and patch
//! information; ADP `ADP version Rel_2022.11_1.273` then `Applications Info:`.
use std::sync::LazyLock;

use regex::Regex;

/// What `bwshowver` says about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowVersion {
    /// The server type as printed: `XSP`, `ADP`, `AS`, ...; it matches the CLI
    /// prompt's type.
    pub server_type: String,
    /// The release tag, e.g. `Rel_22.0_1.1123`.
    pub release_tag: String,
    /// The release, e.g. `22.0` or `2022.11`.
    pub release: String,
    /// The build, e.g. `1.1123`.
    pub build: String,
    /// `Active Patches: N`, when printed.
    pub active_patches: Option<u32>,
}

/// Why `bwshowver` output could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not `bwshowver` output (expected a first line like `XSP version Rel_22.0_1.1123`): {first_line:?}"
)]
pub struct ShowVersionError {
    /// The first non-empty line seen.
    pub first_line: String,
}

static VERSION_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][A-Za-z0-9-]*) version (Rel_([0-9][0-9A-Za-z.]*)_([0-9][0-9.]*))$")
        .expect("static regex")
});
static ACTIVE_PATCHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Active Patches:\s*(\d+)\s*$").expect("static regex"));

/// Parses `bwshowver` output.
pub fn parse_bwshowver(text: &str) -> Result<ShowVersion, ShowVersionError> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let c = VERSION_LINE
        .captures(first)
        .ok_or_else(|| ShowVersionError {
            first_line: first.to_string(),
        })?;
    let active_patches = text
        .lines()
        .find_map(|l| ACTIVE_PATCHES.captures(l))
        .and_then(|c| c[1].parse().ok());
    Ok(ShowVersion {
        server_type: c[1].to_string(),
        release_tag: c[2].to_string(),
        release: c[3].to_string(),
        build: c[4].to_string(),
        active_patches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_form_with_patches() {
        // bwcli-behavior.md §4 (C-ADMIN), exact.
        let text = "AS version Rel_24.0_1.944\n\nBuilt  Sat Jun  6 00:26:50 EDT 2020\n\
                    - BASE revision 909962\n- AS revision 909962\n\nPatching Info:\n  Active Patches: 701\n";
        let v = parse_bwshowver(text).unwrap();
        assert_eq!(
            v,
            ShowVersion {
                server_type: "AS".into(),
                release_tag: "Rel_24.0_1.944".into(),
                release: "24.0".into(),
                build: "1.944".into(),
                active_patches: Some(701),
            }
        );
    }

    #[test]
    fn xsp_and_adp_forms() {
        let v = parse_bwshowver("XSP version Rel_22.0_1.1123\n").unwrap();
        assert_eq!(
            (v.server_type.as_str(), v.release.as_str()),
            ("XSP", "22.0")
        );
        assert_eq!(v.build, "1.1123");
        assert_eq!(v.active_patches, None);
        let text = "ADP version Rel_2022.11_1.273\n\nApplications Info:\n\
                    - OpenClientServer version 2022.11_1.273\n\
                    - OCIOverSoap version 2022.11_1.273 context path /webservice\n";
        let v = parse_bwshowver(text).unwrap();
        assert_eq!(v.server_type, "ADP");
        assert_eq!(v.release, "2022.11");
        assert_eq!(v.release_tag, "Rel_2022.11_1.273");
    }

    #[test]
    fn r21_sp1_release_keeps_its_name() {
        let v = parse_bwshowver("XSP version Rel_21.sp1_1.551\n").unwrap();
        assert_eq!(v.release, "21.sp1");
        assert_eq!(v.build, "1.551");
    }

    #[test]
    fn other_text_is_refused_with_the_line() {
        let e = parse_bwshowver("bash: bwshowver: command not found\n").unwrap_err();
        assert_eq!(e.first_line, "bash: bwshowver: command not found");
    }
}
