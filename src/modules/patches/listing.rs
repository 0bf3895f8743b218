//! `listPatch.pl` output (bwcli-behavior §4 "Patches", BLOG-PATCH): a `Patch Name
//! State` header, a `=` rule, one row per patch, then `listPatch command successfully
//! executed.`; on a host whose patch database is not set up, `No schema found.`.
//! Anything else is refused with what was seen: a host whose patches cannot be read
//! is never reported as patched.
use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

/// The patches a host lists, by name, with their state as printed (`Active`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    /// Patch name → state.
    pub patches: BTreeMap<String, String>,
}

impl Listing {
    /// Whether `name` is listed and active.
    pub fn is_active(&self, name: &str) -> bool {
        self.state(name).is_some_and(is_active_state)
    }

    /// The state `name` is listed with, if it is listed.
    pub fn state(&self, name: &str) -> Option<&str> {
        self.patches.get(name).map(String::as_str)
    }

    /// How many patches are active.
    pub fn active_count(&self) -> usize {
        self.patches.values().filter(|s| is_active_state(s)).count()
    }
}

fn is_active_state(state: &str) -> bool {
    state.eq_ignore_ascii_case("active")
}

/// Why `listPatch.pl` output could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    /// Nothing was printed.
    #[error("`listPatch.pl` printed nothing; the installed patches cannot be read")]
    Empty,
    /// The patch tool has no database (BLOG-PATCH).
    #[error(
        "`listPatch.pl` says `No schema found.`: the host's patch database cannot be read\n  help: repair the patch tool's database on the host (BroadWorks patching documentation), then run again"
    )]
    NoSchema,
    /// No `Patch Name  State` header.
    #[error(
        "`listPatch.pl` printed no `Patch Name  State` header; first line seen: {first_line:?}"
    )]
    NoHeader {
        /// The first non-empty line.
        first_line: String,
    },
    /// A row that is not `NAME  STATE`.
    #[error("`listPatch.pl` row {line} is not `<patch name>  <state>`: {text:?}")]
    BadRow {
        /// Its line number in the output (from 1).
        line: usize,
        /// The line.
        text: String,
    },
    /// The closing line is missing: the output may be cut short.
    #[error(
        "`listPatch.pl` did not finish with `listPatch command successfully executed.` (the listing may be cut short); last line seen: {last_line:?}"
    )]
    Unfinished {
        /// The last non-empty line.
        last_line: String,
    },
}

static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^patch\s+name\s+state$").expect("static regex"));
static RULE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[=\s-]+$").expect("static regex"));
static DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^listPatch command successfully executed\.?$").expect("static regex")
});

/// Parses `listPatch.pl` output.
pub fn parse_listing(text: &str) -> Result<Listing, ListingError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let Some(&(_, first)) = lines.first() else {
        return Err(ListingError::Empty);
    };
    if lines
        .iter()
        .any(|(_, l)| l.eq_ignore_ascii_case("No schema found."))
    {
        return Err(ListingError::NoSchema);
    }
    let Some(header) = lines.iter().position(|(_, l)| HEADER.is_match(l)) else {
        return Err(ListingError::NoHeader {
            first_line: first.to_string(),
        });
    };
    let mut listing = Listing::default();
    for &(line, text) in &lines[header + 1..] {
        if DONE.is_match(text) {
            return Ok(listing);
        }
        if RULE.is_match(text) {
            continue;
        }
        let (name, state) = text
            .split_once(char::is_whitespace)
            .map_or((text, ""), |(n, s)| (n, s.trim()));
        if state.is_empty() {
            return Err(ListingError::BadRow {
                line,
                text: text.to_string(),
            });
        }
        listing.patches.insert(name.to_string(), state.to_string());
    }
    Err(ListingError::Unfinished {
        last_line: lines.last().map(|(_, l)| l.to_string()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_form_reads() {
        // BLOG-PATCH's form; the column widths vary with the longest name.
        let text = "Patch Name                       State\n\
                    =====================================\n\
                    AP.as.22.0.1123.ap376508         Active\n\
                    AP.platform.22.0.1123.ap353577   Active\n\
                    AP.as.22.0.1123.ap373197         Inactive\n\
                    \n\
                    listPatch command successfully executed.\n";
        let l = parse_listing(text).unwrap();
        assert!(l.is_active("AP.as.22.0.1123.ap376508"));
        assert!(!l.is_active("AP.as.22.0.1123.ap373197"));
        assert_eq!(l.state("AP.as.22.0.1123.ap373197"), Some("Inactive"));
        assert!(!l.is_active("AP.as.22.0.1123.ap377868"));
        assert_eq!(l.active_count(), 2);
    }

    #[test]
    fn a_host_without_patches_lists_none() {
        let text =
            "Patch Name  State\n=================\n\nlistPatch command successfully executed.\n";
        assert_eq!(parse_listing(text).unwrap(), Listing::default());
    }

    #[test]
    fn what_cannot_be_read_is_refused_with_what_was_seen() {
        assert_eq!(parse_listing(" \n"), Err(ListingError::Empty));
        assert_eq!(
            parse_listing("No schema found.\n"),
            Err(ListingError::NoSchema)
        );
        assert_eq!(
            parse_listing("bash: perl: command not found\n"),
            Err(ListingError::NoHeader {
                first_line: "bash: perl: command not found".into()
            })
        );
        assert_eq!(
            parse_listing("Patch Name  State\n====\nAP.as.22.0.1123.ap376508  Active\n"),
            Err(ListingError::Unfinished {
                last_line: "AP.as.22.0.1123.ap376508  Active".into()
            })
        );
        assert_eq!(
            parse_listing("Patch Name  State\n====\nAP.as.22.0.1123.ap376508\n"),
            Err(ListingError::BadRow {
                line: 3,
                text: "AP.as.22.0.1123.ap376508".into()
            })
        );
    }
}
