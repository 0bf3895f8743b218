//! BroadWorks releases that xspctl knows, with the facts that differ between them.
use std::fmt;
use std::str::FromStr;

use super::names::{UnknownName, serde_by_name};
use super::product::Product;

/// A BroadWorks release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Release {
    /// R21 SP1 (`21.sp1.551`), the minimum Webex for BroadWorks supports (guide A §2).
    R21Sp1,
    /// R22 (`22.0.1123`).
    R22,
    /// R23 (`23.0.1075`).
    R23,
    /// R24 (`24.0.944`).
    R24,
    /// The Application Delivery Platform's date-versioned releases (`2022.11_1.273`, ...).
    Adp,
}

/// What differs between releases, in one table.
struct Facts {
    release: Release,
    /// The canonical playbook spelling first, then accepted variants.
    spellings: &'static [&'static str],
    display: &'static str,
    /// The build as patch names write it (`AP.xsp.22.0.1123.ap376508`).
    build: Option<&'static str>,
    /// The version as `bwshowver` writes it before `_`, e.g. `22.0` in `Rel_22.0_1.1123`.
    version: Option<&'static str>,
    /// R22+ have the four-level SSL hierarchy; R21 SP1 has container options only
    /// (guide B §3 and §5.2-§5.5; docs/decisions.md D4).
    ssl_hierarchy: bool,
    /// docs/decisions.md D3: TLSv1.3 on R24 and ADP only.
    tls13: bool,
    /// guide A §2 (L1624): the NPS XSP must run R22 or later.
    nps: bool,
}

const FACTS: [Facts; 5] = [
    Facts {
        release: Release::R21Sp1,
        spellings: &["R21SP1", "R21 SP1"],
        display: "R21 SP1",
        build: Some("21.sp1.551"),
        version: Some("21.sp1"),
        ssl_hierarchy: false,
        tls13: false,
        nps: false,
    },
    Facts {
        release: Release::R22,
        spellings: &["R22"],
        display: "R22",
        build: Some("22.0.1123"),
        version: Some("22.0"),
        ssl_hierarchy: true,
        tls13: false,
        nps: true,
    },
    Facts {
        release: Release::R23,
        spellings: &["R23"],
        display: "R23",
        build: Some("23.0.1075"),
        version: Some("23.0"),
        ssl_hierarchy: true,
        tls13: false,
        nps: true,
    },
    Facts {
        release: Release::R24,
        spellings: &["R24"],
        display: "R24",
        build: Some("24.0.944"),
        version: Some("24.0"),
        ssl_hierarchy: true,
        tls13: true,
        nps: true,
    },
    Facts {
        release: Release::Adp,
        spellings: &["ADP"],
        display: "ADP",
        build: None,
        version: None,
        ssl_hierarchy: true,
        tls13: true,
        nps: true,
    },
];

/// A version string that names no release xspctl knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    /// Not of the form `Rel_<version>_<build>`.
    #[error("`{0}` is not a BroadWorks version string (expected e.g. `Rel_22.0_1.1123`)")]
    Malformed(String),
    /// Well formed, but not a release xspctl supports.
    #[error(
        "{product} version `{version}` is not a release xspctl supports (R21 SP1, R22, R23, R24, ADP)"
    )]
    Unsupported {
        /// The product the version belongs to.
        product: Product,
        /// The version as given.
        version: String,
    },
    /// `bwshowver` output without a `<PRODUCT> version Rel_...` line.
    #[error("no `<product> version Rel_...` line in the bwshowver output")]
    NoVersionLine,
}

impl Release {
    /// Every release, oldest first.
    pub const ALL: [Release; 5] = [
        Release::R21Sp1,
        Release::R22,
        Release::R23,
        Release::R24,
        Release::Adp,
    ];

    /// Every spelling a playbook may use: `R21SP1`, `R21 SP1`, `R22`, `R23`, `R24`, `ADP`.
    pub const PLAYBOOK_NAMES: &'static [&'static str] =
        &["R21SP1", "R21 SP1", "R22", "R23", "R24", "ADP"];

    fn facts(self) -> &'static Facts {
        // FACTS is in the order of the enum.
        &FACTS[self as usize]
    }

    /// The canonical playbook spelling (`R21SP1`, `R22`, ..., `ADP`).
    pub fn playbook_name(self) -> &'static str {
        self.facts().spellings[0]
    }

    /// The name for people: `R21 SP1`, `R22`, ..., `ADP`.
    pub fn name(self) -> &'static str {
        self.facts().display
    }

    /// The build as patch names write it (`21.sp1.551`, `22.0.1123`, `23.0.1075`, `24.0.944`);
    /// `None` for ADP, whose versions are dated (`2022.11_1.273`) and not one fixed build.
    pub fn build(self) -> Option<&'static str> {
        self.facts().build
    }

    /// Whether the four-level SSL hierarchy (System JSSE/OpenSSL, interface type, interface)
    /// exists; R21 SP1 sets TLS through container options instead (guide B §3; D4).
    pub fn has_ssl_hierarchy(self) -> bool {
        self.facts().ssl_hierarchy
    }

    /// Whether `TLSv1.3` is an accepted protocol (docs/decisions.md D3).
    pub fn accepts_tls13(self) -> bool {
        self.facts().tls13
    }

    /// Whether the release can host the Notification Push Server for Webex (guide A §2, L1624).
    pub fn can_host_nps(self) -> bool {
        self.facts().nps
    }

    /// The release of a version as `bwshowver` prints it: `Rel_22.0_1.1123` (also without
    /// `Rel_`). Dated versions (`Rel_2022.11_1.273`) are ADP's; on an AS they are R25 and
    /// later, which xspctl does not support.
    pub fn from_version(product: Product, version: &str) -> Result<Release, ReleaseError> {
        let text = version.strip_prefix("Rel_").unwrap_or(version);
        let (major, build) = text
            .split_once('_')
            .ok_or_else(|| ReleaseError::Malformed(version.to_string()))?;
        if !is_dotted_number(build) || major.is_empty() {
            return Err(ReleaseError::Malformed(version.to_string()));
        }
        let unsupported = || ReleaseError::Unsupported {
            product,
            version: version.to_string(),
        };
        if is_dated(major) {
            return match product {
                Product::Adp => Ok(Release::Adp),
                Product::Xsp | Product::As => Err(unsupported()),
            };
        }
        let release = FACTS
            .iter()
            .find(|f| f.version == Some(major))
            .map(|f| f.release)
            .ok_or_else(unsupported)?;
        match product {
            Product::Adp => Err(unsupported()),
            Product::Xsp | Product::As => Ok(release),
        }
    }

    /// The product and release from `bwshowver` output, whose first version line reads
    /// `<PRODUCT> version Rel_<version>_<build>` (bwcli-behavior §4, "bwshowver").
    pub fn from_bwshowver(output: &str) -> Result<(Product, Release), ReleaseError> {
        for line in output.lines() {
            let mut words = line.split_whitespace();
            if let (Some(product), Some("version"), Some(version)) =
                (words.next(), words.next(), words.next())
                && let Ok(product) = product.parse::<Product>()
            {
                return Ok((product, Release::from_version(product, version)?));
            }
        }
        Err(ReleaseError::NoVersionLine)
    }
}

/// `1.1123`: digits separated by single dots.
fn is_dotted_number(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// `2022.11`: a four-digit year and a two-digit month.
fn is_dated(major: &str) -> bool {
    match major.split_once('.') {
        Some((year, month)) => {
            year.len() == 4
                && month.len() == 2
                && year
                    .bytes()
                    .chain(month.bytes())
                    .all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Release {
    type Err = UnknownName;

    /// Accepts the playbook spellings exactly (see [`Release::PLAYBOOK_NAMES`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FACTS
            .iter()
            .find(|f| f.spellings.contains(&s))
            .map(|f| f.release)
            .ok_or_else(|| UnknownName {
                what: "release",
                given: s.to_string(),
                expected: Release::PLAYBOOK_NAMES,
            })
    }
}

serde_by_name!(Release, playbook_name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_table_is_in_enum_order() {
        for r in Release::ALL {
            assert_eq!(r.facts().release, r);
        }
    }

    #[test]
    fn playbook_spellings_parse() {
        assert_eq!("R21SP1".parse(), Ok(Release::R21Sp1));
        assert_eq!("R21 SP1".parse(), Ok(Release::R21Sp1));
        assert_eq!("ADP".parse(), Ok(Release::Adp));
        assert_eq!(Release::R21Sp1.to_string(), "R21 SP1");
        assert_eq!(Release::R21Sp1.playbook_name(), "R21SP1");
        assert!("r22".parse::<Release>().is_err());
        let json = serde_json::to_string(&Release::R21Sp1).unwrap();
        assert_eq!(json, "\"R21SP1\"");
        assert_eq!(
            serde_json::from_str::<Release>("\"R21 SP1\"").unwrap(),
            Release::R21Sp1
        );
    }

    #[test]
    fn builds_are_the_documented_ones() {
        let builds: Vec<_> = Release::ALL.iter().map(|r| r.build()).collect();
        assert_eq!(
            builds,
            [
                Some("21.sp1.551"),
                Some("22.0.1123"),
                Some("23.0.1075"),
                Some("24.0.944"),
                None
            ]
        );
    }

    #[test]
    fn bwshowver_versions_parse() {
        use Product::*;
        assert_eq!(
            Release::from_version(Xsp, "Rel_22.0_1.1123"),
            Ok(Release::R22)
        );
        assert_eq!(
            Release::from_version(Xsp, "Rel_21.sp1_1.551"),
            Ok(Release::R21Sp1)
        );
        assert_eq!(
            Release::from_version(As, "Rel_24.0_1.944"),
            Ok(Release::R24)
        );
        assert_eq!(Release::from_version(Xsp, "23.0_1.1075"), Ok(Release::R23));
        assert_eq!(
            Release::from_version(Adp, "Rel_2022.11_1.273"),
            Ok(Release::Adp)
        );
        assert_eq!(
            Release::from_version(As, "Rel_2023.03_1.411")
                .unwrap_err()
                .to_string(),
            "AS version `Rel_2023.03_1.411` is not a release xspctl supports (R21 SP1, R22, R23, R24, ADP)"
        );
        assert!(matches!(
            Release::from_version(Xsp, "Rel_20.sp1_1.606"),
            Err(ReleaseError::Unsupported { .. })
        ));
        assert!(matches!(
            Release::from_version(Adp, "Rel_22.0_1.1123"),
            Err(ReleaseError::Unsupported { .. })
        ));
        assert!(matches!(
            Release::from_version(Xsp, "22.0"),
            Err(ReleaseError::Malformed(_))
        ));
        assert!(matches!(
            Release::from_version(Xsp, "Rel_22.0_1.x"),
            Err(ReleaseError::Malformed(_))
        ));
    }

    #[test]
    fn bwshowver_output_parses() {
        // bwcli-behavior §4 (C-ADMIN, C-UPG).
        let as_out = "AS version Rel_24.0_1.944\n\nBuilt  Sat Jun  6 00:26:50 EDT 2020\n- BASE revision 909962\n";
        assert_eq!(
            Release::from_bwshowver(as_out),
            Ok((Product::As, Release::R24))
        );
        let adp_out = "ADP version Rel_2022.11_1.273\n\nApplications Info:\n- OpenClientServer version 2022.11_1.273\n";
        assert_eq!(
            Release::from_bwshowver(adp_out),
            Ok((Product::Adp, Release::Adp))
        );
        assert_eq!(
            Release::from_bwshowver("nothing here\n"),
            Err(ReleaseError::NoVersionLine)
        );
    }

    #[test]
    fn release_facts_follow_the_decisions() {
        let tls13: Vec<_> = Release::ALL
            .into_iter()
            .filter(|r| r.accepts_tls13())
            .collect();
        assert_eq!(tls13, [Release::R24, Release::Adp]);
        let no_hierarchy: Vec<_> = Release::ALL
            .into_iter()
            .filter(|r| !r.has_ssl_hierarchy())
            .collect();
        assert_eq!(no_hierarchy, [Release::R21Sp1]);
        assert!(!Release::R21Sp1.can_host_nps());
        assert!(Release::R22.can_host_nps());
    }
}
