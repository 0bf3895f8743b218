//! Products and releases: prompts, version strings, bwshowver fields, patches.
use serde::Deserialize;

use crate::host::{Product, Release};

/// What differs per product.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInfo {
    /// The product.
    pub product: Product,
    /// The prompt root, e.g. `XSP_CLI`.
    pub cli: String,
    /// The name in `bwshowver`, e.g. `XSP`.
    pub version_name: String,
    /// The `Server type` healthmon prints.
    pub server_type: String,
    /// Server tags of the patches this product lists (`xsp`, `platform`, ...).
    pub patch_servers: Vec<String>,
}

/// What differs per release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInfo {
    /// The release.
    pub release: Release,
    /// Build as in patch names, e.g. `22.0.1123`.
    pub build: String,
    /// Version label, e.g. `Rel_22.0_1.1123`.
    pub label: String,
    /// Version of the bundled applications, e.g. `22.0_1.1123`.
    pub app_version: String,
    /// The `Built` line of bwshowver.
    pub built: String,
    /// The revision lines of bwshowver.
    pub revision: String,
    /// TLS protocol names the CLI accepts (docs/decisions.md D3).
    pub protocols: Vec<String>,
}

/// Patches installed on a fresh host of one product and release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSet {
    /// The product.
    pub product: Product,
    /// The release.
    pub release: Release,
    /// Patch names, in listing order.
    pub installed: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReleases {
    #[serde(rename = "product")]
    pub products: Vec<ProductInfo>,
    #[serde(rename = "release")]
    pub releases: Vec<ReleaseInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPatches {
    pub patches: Vec<PatchSet>,
}
