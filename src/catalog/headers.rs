//! The headers a table column may be printed under (`data/header-aliases.yaml`):
//! where the documents do not fix a header, every plausible form is data, not code.
use std::sync::LazyLock;

use serde::Deserialize;

const HEADER_ALIASES: &str = include_str!("data/header-aliases.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    column: String,
    aliases: Vec<String>,
}

static ALIASES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    // Compiled-in data; `the_aliases_load` proves it reads.
    serde_saphyr::from_str(HEADER_ALIASES)
        .unwrap_or_else(|e| panic!("catalog data: header-aliases.yaml: {e}"))
});

/// The headers `column` may be printed under: itself first, then its aliases in
/// data order.
pub fn header_names(column: &str) -> Vec<&str> {
    let aliases = ALIASES
        .iter()
        .find(|e| e.column.eq_ignore_ascii_case(column))
        .map(|e| e.aliases.iter().map(String::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    std::iter::once(column).chain(aliases).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aliases_load() {
        assert_eq!(
            header_names("Interface IP"),
            [
                "Interface IP",
                "Interface",
                "IP Address",
                "Interface Address"
            ]
        );
        assert_eq!(header_names("interface ip").len(), 4);
        assert_eq!(header_names("Port"), ["Port"]);
    }
}
