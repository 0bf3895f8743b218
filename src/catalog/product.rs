//! BroadWorks server products that xspctl drives.
use std::fmt;
use std::str::FromStr;

use super::names::{UnknownName, serde_by_name};

/// A BroadWorks server product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    /// Xtended Services Platform.
    Xsp,
    /// Application Delivery Platform (the XSP's successor; same CLI tree).
    Adp,
    /// Application Server.
    As,
}

impl Product {
    /// Every product, in a stable order.
    pub const ALL: [Product; 3] = [Product::Xsp, Product::Adp, Product::As];

    /// Playbook spellings, in the order of [`Product::ALL`].
    pub const PLAYBOOK_NAMES: &'static [&'static str] = &["xsp", "adp", "as"];

    /// The spelling used in playbooks: `xsp`, `adp` or `as`.
    pub fn playbook_name(self) -> &'static str {
        match self {
            Product::Xsp => "xsp",
            Product::Adp => "adp",
            Product::As => "as",
        }
    }

    /// The product's name as BroadWorks prints it (`bwshowver`, prompts): `XSP`, `ADP`, `AS`.
    pub fn name(self) -> &'static str {
        match self {
            Product::Xsp => "XSP",
            Product::Adp => "ADP",
            Product::As => "AS",
        }
    }

    /// The bwcli prompt prefix, e.g. `XSP_CLI` (bwcli-behavior §1 "Prompt format").
    pub fn cli_prefix(self) -> &'static str {
        match self {
            Product::Xsp => "XSP_CLI",
            Product::Adp => "ADP_CLI",
            Product::As => "AS_CLI",
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Product {
    type Err = UnknownName;

    /// Accepts the playbook spelling and BroadWorks' own (`xsp`, `XSP`; any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Product::ALL
            .into_iter()
            .find(|p| p.playbook_name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownName {
                what: "product",
                given: s.to_string(),
                expected: Product::PLAYBOOK_NAMES,
            })
    }
}

serde_by_name!(Product, playbook_name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_prompts_are_documented() {
        for p in Product::ALL {
            assert_eq!(p.playbook_name().parse::<Product>(), Ok(p));
            assert_eq!(p.name().parse::<Product>(), Ok(p));
        }
        assert_eq!(Product::Adp.cli_prefix(), "ADP_CLI");
        assert_eq!(Product::As.to_string(), "AS");
        assert_eq!(
            "ns".parse::<Product>().unwrap_err().to_string(),
            "`ns` is not a product; expected one of: xsp, adp, as"
        );
    }
}
