//! Required patches: what a host needs (the catalog's minimum for its server type,
//! the features of its roles, those the playbook lists, and those the host's other
//! modules depend on) against what `listPatch.pl` lists, cross-checked with the
//! `Active Patches` count of `bwshowver`. Patches are checked, never installed.
//!
//! A patch a configured module depends on (`TypedModule::PATCHES`) that the host
//! lacks stops the host's plan before anything is rendered, so nothing that depends
//! on it is applied; the other missing patches are shown in the plan and reported by
//! verify (`patches.missing`). Sources: solution guide B §17 and the feature tables
//! (`src/catalog/data/required-patches.yaml`); bwcli-behavior §4 (`listPatch.pl`).
mod listing;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

pub use listing::{Listing, ListingError, parse_listing};

use super::{ModuleError, Scope, TypedModule, registry};
use crate::bwcli::parse_bwshowver;
use crate::catalog::{PatchFeature, Product, required_patches};
use crate::desired::DesiredTree;
use crate::live::link::{HostLink, LinkError, ShellRead};
use crate::playbook::module_api::{Field, HostFacts, ListOf, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role};
use crate::report::{CheckId, Finding, Verdict};

/// The patches module.
pub struct Patches;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "patches",
    "Check the host's BroadWorks patches (never installs them): the minimum list of its release and server type, the features of its roles (`nps`: NPS proxy; `authservice`: AuthService CI token) and the features listed here. Patches the host's other modules depend on are checked whether this is set or not.",
    Schema::Object(&PATCHES),
    "{ features: [call_recording] }",
);

static PATCHES: Object = Object {
    name: "patches",
    doc: "Which required patches to check.",
    shared: false,
    fields: &[
        Field::new(
            "minimum",
            "Check the minimum list for Webex for BroadWorks of the host's release and server type (solution guide B §17); default true.",
            Schema::Bool,
            "true",
        ),
        Field::new(
            "features",
            "Features whose patches the host must have besides (docs/modules.md, `patches`).",
            Schema::List(&FEATURES),
            "[call_recording]",
        ),
    ],
};

static FEATURES: ListOf = ListOf::unique_items(Schema::Enum(PatchFeature::LISTABLE));

/// What a host's patches module checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchesSettings {
    /// Whether the minimum list is checked.
    pub minimum: bool,
    /// The features listed in the playbook.
    pub features: Vec<PatchFeature>,
}

impl TypedModule for Patches {
    type Settings = PatchesSettings;
    type Farm = ();
    const KEY: &'static str = "patches";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp, Product::As],
        since: None,
        role: None,
        source: "every server type has required patches, solution guide B §17",
    };

    fn build(
        &self,
        node: &Node,
        _key_pos: Pos,
        _host: &HostFacts<'_>,
        _report: &mut Report,
    ) -> Option<PatchesSettings> {
        let features = node
            .get("features")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.as_str().and_then(PatchFeature::from_key))
            .collect();
        Some(PatchesSettings {
            minimum: node.get("minimum").and_then(Node::as_bool).unwrap_or(true),
            features,
        })
    }

    fn render(
        &self,
        _host: &Host,
        _settings: &PatchesSettings,
        _farm: Option<&()>,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        // Nothing to write: the check runs before every module renders
        // (`check_host`), and patches are never installed.
        Ok(DesiredTree::default())
    }
}

/// A required patch the host does not have active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPatch {
    /// Its name, e.g. `AP.as.22.0.1123.ap376508`.
    pub name: String,
    /// Why it is required: each feature with its source.
    pub why: Vec<String>,
    /// The configured modules that depend on it (their writes are not planned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needed_by: Vec<String>,
    /// The state `listPatch.pl` shows it in, when it is listed but not active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_as: Option<String>,
}

impl MissingPatch {
    /// One line for an operator: the name, how it is listed, why, who needs it.
    pub fn describe(&self) -> String {
        let mut line = self.name.clone();
        if let Some(state) = &self.listed_as {
            let _ = write!(line, " (listed as {state}, not Active)");
        }
        let _ = write!(line, ": {}", self.why.join("; "));
        if !self.needed_by.is_empty() {
            let _ = write!(line, "; needed by module {}", self.needed_by.join(", "));
        }
        line
    }
}

/// A host's required patches as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchCheck {
    /// How many patches the host needs.
    pub required: usize,
    /// How many patches the host lists as active.
    pub active: usize,
    /// The required ones it does not have active, in catalog order.
    pub missing: Vec<MissingPatch>,
}

impl PatchCheck {
    /// The missing patches a configured module depends on: the host's plan stops.
    pub fn blocking(&self) -> Vec<&MissingPatch> {
        self.missing
            .iter()
            .filter(|m| !m.needed_by.is_empty())
            .collect()
    }

    /// The `patches.missing` finding.
    pub fn finding(&self, host: &str) -> Finding {
        let (status, observed) = match self.missing.len() {
            0 => (
                Verdict::Pass,
                format!("all {} required patches are active", self.required),
            ),
            n => (
                Verdict::Fail,
                format!("{n} of {} required patches missing", self.required),
            ),
        };
        let finding = Finding::about(
            host,
            CheckId::PatchesMissing,
            "BroadWorks patches",
            status,
            "every patch the host's release, server type, roles and modules require is active (`listPatch.pl`)",
            observed,
        )
        .with_evidence(self.missing.iter().map(MissingPatch::describe));
        match status {
            Verdict::Pass => finding,
            _ => finding.with_fix(
                "install the missing patches with the BroadWorks patch tools (xspctl checks patches, never installs them), then run verify again",
            ),
        }
    }
}

/// Why a host's patches could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The command could not be run, or failed.
    #[error("reading the installed patches: {0}")]
    Link(#[from] LinkError),
    /// `listPatch.pl` printed something else than a patch listing.
    #[error(transparent)]
    Listing(#[from] ListingError),
    /// `bwshowver` could not be read.
    #[error("cross-checking the installed patches: {0}")]
    ShowVersion(String),
    /// The two disagree.
    #[error(
        "`listPatch.pl` lists {listed} active patches but `bwshowver` says `Active Patches: {shown}`; the installed patches are not known for sure\n  help: compare the two on the host; run again once they agree"
    )]
    Disagree {
        /// Active rows of `listPatch.pl`.
        listed: usize,
        /// `bwshowver`'s count.
        shown: u32,
    },
}

/// One required patch, with every reason and every dependent module.
struct Need {
    name: &'static str,
    why: Vec<String>,
    needed_by: Vec<String>,
}

/// The names of the patches `host` needs (its modules' and, with `webex.patches`,
/// its release's minimum and its roles' features), each once: what a simulated
/// lab host is given so that the lab playbook's modules can run.
pub fn required_names(host: &Host) -> Vec<&'static str> {
    needs(host).into_iter().map(|n| n.name).collect()
}

/// What `host` needs: the patches module's features (minimum, roles, listed) and
/// every configured module's own, each patch once, first-needed first.
fn needs(host: &Host) -> Vec<Need> {
    let mut wanted: Vec<(PatchFeature, Option<&'static str>)> = Vec::new();
    if let Some(s) = host.webex.get::<PatchesSettings>(Patches::KEY) {
        if s.minimum {
            wanted.push((PatchFeature::Minimum, None));
        }
        // A host needs the patches of its roles' features (guide B §2.2, §7.2).
        for (role, feature) in [
            (Role::Nps, PatchFeature::NpsProxy),
            (Role::AuthService, PatchFeature::Authservice),
        ] {
            if host.roles.contains(&role) {
                wanted.push((feature, None));
            }
        }
        wanted.extend(s.features.iter().map(|f| (*f, None)));
    }
    for (key, _) in host.webex.configured() {
        if let Some(module) = registry::module(key) {
            wanted.extend(module.patch_features().iter().map(|f| (*f, Some(key))));
        }
    }
    let mut out: Vec<Need> = Vec::new();
    for (feature, module) in wanted {
        for p in required_patches(host.product, host.release, feature) {
            let why = format!("{} ({})", feature.describe(), p.source);
            let i = out
                .iter()
                .position(|n| n.name == p.name)
                .unwrap_or_else(|| {
                    out.push(Need {
                        name: p.name,
                        why: Vec::new(),
                        needed_by: Vec::new(),
                    });
                    out.len() - 1
                });
            let need = &mut out[i];
            if !need.why.contains(&why) {
                need.why.push(why);
            }
            if let Some(m) = module.filter(|m| !need.needed_by.iter().any(|n| n == m)) {
                need.needed_by.push(m.to_string());
            }
        }
    }
    out
}

/// Checks `host`'s patches: None when it needs none (nothing is read). The
/// listing is cross-checked with `bwshowver`'s `Active Patches` where it prints one.
pub fn check_host(host: &Host, link: &mut dyn HostLink) -> Result<Option<PatchCheck>, PatchError> {
    let needs = needs(host);
    if needs.is_empty() {
        return Ok(None);
    }
    let listed = link.shell_read(ShellRead::ListPatches)?;
    let shown = link.shell_read(ShellRead::ShowVersion)?;
    compare(&needs, &listed, &shown).map(Some)
}

/// What `needs` lacks, from the output of `listPatch.pl` (`listed`) and of
/// `bwshowver` (`shown`).
fn compare(needs: &[Need], listed: &str, shown: &str) -> Result<PatchCheck, PatchError> {
    let listing = parse_listing(listed)?;
    let shown = parse_bwshowver(shown).map_err(|e| PatchError::ShowVersion(e.to_string()))?;
    if let Some(shown) = shown.active_patches
        && usize::try_from(shown).ok() != Some(listing.active_count())
    {
        return Err(PatchError::Disagree {
            listed: listing.active_count(),
            shown,
        });
    }
    let missing = needs
        .iter()
        .filter(|n| !listing.is_active(n.name))
        .map(|n| MissingPatch {
            name: n.name.to_string(),
            why: n.why.clone(),
            needed_by: n.needed_by.clone(),
            listed_as: listing.state(n.name).map(str::to_string),
        })
        .collect();
    Ok(PatchCheck {
        required: needs.len(),
        active: listing.active_count(),
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(name: &'static str, module: Option<&str>) -> Need {
        Need {
            name,
            why: vec!["flow-through provisioning (solution guide A §10)".into()],
            needed_by: module.into_iter().map(str::to_string).collect(),
        }
    }

    const LISTED: &str = "Patch Name                 State\n\
                          ==================================\n\
                          AP.as.22.0.1123.ap376508   Active\n\
                          AP.as.22.0.1123.ap373197   Inactive\n\
                          \n\
                          listPatch command successfully executed.\n";

    fn showver(active: u32) -> String {
        format!("AS version Rel_22.0_1.1123\n\nPatching Info:\n  Active Patches: {active}\n")
    }

    #[test]
    fn a_patch_listed_but_not_active_is_missing_and_says_how_it_is_listed() {
        let needs = [
            need("AP.as.22.0.1123.ap376508", Some("flowthrough")),
            need("AP.as.22.0.1123.ap373197", Some("flowthrough")),
            need("AP.as.22.0.1123.ap377868", None),
        ];
        let check = compare(&needs, LISTED, &showver(1)).unwrap();
        assert_eq!((check.required, check.active), (3, 1));
        let lines: Vec<String> = check.missing.iter().map(MissingPatch::describe).collect();
        assert_eq!(
            lines,
            [
                "AP.as.22.0.1123.ap373197 (listed as Inactive, not Active): flow-through provisioning (solution guide A §10); needed by module flowthrough",
                "AP.as.22.0.1123.ap377868: flow-through provisioning (solution guide A §10)",
            ]
        );
        let blocking: Vec<&str> = check.blocking().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(blocking, ["AP.as.22.0.1123.ap373197"]);
        let finding = check.finding("as1");
        assert_eq!(finding.status, Verdict::Fail);
        assert_eq!(finding.observed, "2 of 3 required patches missing");
        assert_eq!(finding.evidence, lines);
    }

    #[test]
    fn a_listing_that_bwshowver_contradicts_is_not_trusted() {
        let needs = [need("AP.as.22.0.1123.ap376508", None)];
        let e = compare(&needs, LISTED, &showver(701)).unwrap_err();
        assert_eq!(
            e.to_string().lines().next(),
            Some(
                "`listPatch.pl` lists 1 active patches but `bwshowver` says `Active Patches: 701`; the installed patches are not known for sure"
            )
        );
        // An ADP-like bwshowver without the count: nothing to compare.
        let check = compare(&needs, LISTED, "AS version Rel_22.0_1.1123\n").unwrap();
        assert!(check.missing.is_empty());
        assert_eq!(check.finding("as1").status, Verdict::Pass);
        let e = compare(&needs, "No schema found.\n", &showver(1)).unwrap_err();
        assert!(
            matches!(e, PatchError::Listing(ListingError::NoSchema)),
            "{e}"
        );
        let e = compare(&needs, LISTED, "hello\n").unwrap_err();
        assert!(matches!(e, PatchError::ShowVersion(_)), "{e}");
    }
}
