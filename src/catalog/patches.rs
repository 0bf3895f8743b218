//! The BroadWorks patches Webex for BroadWorks requires, by feature, release and
//! server (`data/required-patches.yaml`, each entry with its source): the data the
//! `patches` module checks hosts against. Patches are checked, never installed.
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;

use super::product::Product;
use super::release::Release;

const REQUIRED: &str = include_str!("data/required-patches.yaml");

/// What a set of patches is required for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchFeature {
    /// The minimum for Webex integration (guide B §17).
    Minimum,
    /// AuthService with CI token validation (guide B §2.2).
    Authservice,
    /// The NPS (auth) proxy (management-sync §2.5, §6.2).
    NpsProxy,
    /// Directory sync (guide B §10).
    DirectorySync,
    /// Flow-through provisioning (guide A §10, guide B §9.3).
    Flowthrough,
    /// Call recording (guide B §11).
    CallRecording,
    /// V1 to V2 push notifications (management-sync §2.5).
    PushV2,
    /// Presence hook status and Unified Call History (management-sync §2.5).
    Presence,
    /// BLF and call pickup (management-sync §6.2).
    Blf,
}

impl PatchFeature {
    /// The features an operator may list in `webex.patches.features` (all but the
    /// minimum, which has its own key), in playbook spelling.
    pub const LISTABLE: &'static [&'static str] = &[
        "authservice",
        "nps_proxy",
        "directory_sync",
        "flowthrough",
        "call_recording",
        "push_v2",
        "presence",
        "blf",
    ];

    /// The playbook spelling.
    pub fn key(self) -> &'static str {
        match self {
            PatchFeature::Minimum => "minimum",
            PatchFeature::Authservice => "authservice",
            PatchFeature::NpsProxy => "nps_proxy",
            PatchFeature::DirectorySync => "directory_sync",
            PatchFeature::Flowthrough => "flowthrough",
            PatchFeature::CallRecording => "call_recording",
            PatchFeature::PushV2 => "push_v2",
            PatchFeature::Presence => "presence",
            PatchFeature::Blf => "blf",
        }
    }

    /// The feature spelled `key` in a playbook.
    pub fn from_key(key: &str) -> Option<PatchFeature> {
        ALL_FEATURES.into_iter().find(|f| f.key() == key)
    }

    /// What it is, for an operator.
    pub fn describe(self) -> &'static str {
        match self {
            PatchFeature::Minimum => "the minimum for Webex for BroadWorks",
            PatchFeature::Authservice => "AuthService with CI token validation",
            PatchFeature::NpsProxy => "the NPS proxy",
            PatchFeature::DirectorySync => "directory sync",
            PatchFeature::Flowthrough => "flow-through provisioning",
            PatchFeature::CallRecording => "call recording",
            PatchFeature::PushV2 => "V2 push notifications",
            PatchFeature::Presence => "presence hook status and Unified Call History",
            PatchFeature::Blf => "BLF and call pickup",
        }
    }
}

impl fmt::Display for PatchFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

const ALL_FEATURES: [PatchFeature; 9] = [
    PatchFeature::Minimum,
    PatchFeature::Authservice,
    PatchFeature::NpsProxy,
    PatchFeature::DirectorySync,
    PatchFeature::Flowthrough,
    PatchFeature::CallRecording,
    PatchFeature::PushV2,
    PatchFeature::Presence,
    PatchFeature::Blf,
];

/// One patch a host of some product and release needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredPatch {
    /// Its name as `listPatch.pl` prints it, e.g. `AP.as.22.0.1123.ap376508`.
    pub name: &'static str,
    /// What it is required for.
    pub feature: PatchFeature,
    /// Where the requirement comes from.
    pub source: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    feature: PatchFeature,
    release: Release,
    server: String,
    source: String,
    patches: Vec<String>,
}

struct Set {
    feature: PatchFeature,
    release: Release,
    server: &'static str,
    source: &'static str,
    patches: Vec<&'static str>,
}

static SETS: LazyLock<Vec<Set>> = LazyLock::new(|| {
    // Compiled-in data; `the_data_follows_the_naming_rule` proves it reads.
    let entries: Vec<Entry> = serde_saphyr::from_str(REQUIRED)
        .unwrap_or_else(|e| panic!("catalog data: required-patches.yaml: {e}"));
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    entries
        .into_iter()
        .map(|e| Set {
            feature: e.feature,
            release: e.release,
            server: leak(e.server),
            source: leak(e.source),
            patches: e.patches.into_iter().map(leak).collect(),
        })
        .collect()
});

/// The server tags of the patches a product carries: its own and its platform's
/// (docs/decisions.md D26, patches). An ADP's components are applications, not
/// patches: none.
pub fn patch_servers(product: Product) -> &'static [&'static str] {
    match product {
        Product::Xsp => &["xsp", "platform"],
        Product::As => &["as", "platform"],
        Product::Adp => &[],
    }
}

/// The patches a `product` host on `release` needs for `feature`, in catalog order.
pub fn required_patches(
    product: Product,
    release: Release,
    feature: PatchFeature,
) -> Vec<RequiredPatch> {
    let servers = patch_servers(product);
    SETS.iter()
        .filter(|s| s.feature == feature && s.release == release && servers.contains(&s.server))
        .flat_map(|s| {
            s.patches.iter().map(|name| RequiredPatch {
                name,
                feature,
                source: s.source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_follows_the_naming_rule() {
        // guide B §17 →agent: `AP.<server>.<release-build>.ap<NNNNNN>`.
        assert!(!SETS.is_empty());
        for s in SETS.iter() {
            let build = s
                .release
                .build()
                .expect("a release with patches has a build");
            for p in &s.patches {
                assert_eq!(
                    *p,
                    format!("AP.{}.{build}.{}", s.server, &p[p.len() - 8..]),
                    "{p} in a {} {} set",
                    s.server,
                    s.release.name()
                );
                assert!(p[p.len() - 8..].starts_with("ap"), "{p}");
            }
        }
    }

    #[test]
    fn a_host_needs_its_own_and_its_platform_patches() {
        let names = |product, release, feature| -> Vec<&str> {
            required_patches(product, release, feature)
                .iter()
                .map(|p| p.name)
                .collect()
        };
        // guide B §2.2 step 2.
        assert_eq!(
            names(Product::Xsp, Release::R23, PatchFeature::Authservice),
            [
                "AP.platform.23.0.1075.ap376509",
                "AP.xsp.23.0.1075.ap376509"
            ]
        );
        // guide A §10 and guide B §9.3.
        assert_eq!(
            names(Product::As, Release::R22, PatchFeature::Flowthrough),
            ["AP.as.22.0.1123.ap376508", "AP.as.22.0.1123.ap373197"]
        );
        assert!(names(Product::Xsp, Release::R24, PatchFeature::Minimum).is_empty());
        assert!(names(Product::Adp, Release::Adp, PatchFeature::Minimum).is_empty());
        assert_eq!(
            names(Product::As, Release::R24, PatchFeature::Minimum),
            ["AP.as.24.0.944.ap377868"]
        );
    }

    #[test]
    fn every_listable_feature_has_a_key() {
        for key in PatchFeature::LISTABLE {
            assert_eq!(
                PatchFeature::from_key(key).map(PatchFeature::key),
                Some(*key)
            );
        }
        assert_eq!(PatchFeature::LISTABLE.len(), ALL_FEATURES.len() - 1);
    }
}
