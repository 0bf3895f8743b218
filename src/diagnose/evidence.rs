//! What the known-issue rules look at, per host: the facts of the host (product,
//! release, roles, `bwshowver`), the bwcli snapshot, the contexts that could not
//! be read (with why), and verify's findings. Collected live, or read back from a
//! bundle (`diagnose --offline`): the rules see the same thing either way.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::desired::ContextRef;
use crate::live::{LiveContext, LiveTree};
use crate::modules::patches::PatchCheck;

/// The facts of one host, as written to `hosts/<host>/host.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    /// Host name (playbook).
    pub name: String,
    /// Farm name (playbook).
    pub farm: String,
    /// Product, playbook spelling (`xsp`, `adp`, `as`).
    pub product: String,
    /// Release, playbook spelling (`R22`).
    pub release: String,
    /// Roles, playbook spelling.
    pub roles: Vec<String>,
    /// What `bwshowver` printed, parsed; None when the host could not be reached.
    pub version: Option<Version>,
    /// SHA-256 of the AuthService token keys as exported to
    /// `/var/broadworks/tmp/authService.keys`: a fresh export's (verify's farm
    /// check, when the playbook sets `webex.authservice`), else the file an
    /// operator left there; compared across a farm, never the key itself.
    pub authservice_keys_sha256: Option<String>,
    /// Why the host could not be collected (or only in part), as seen.
    pub errors: Vec<String>,
}

/// `bwshowver`, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// Server type as printed (`XSP`).
    pub server_type: String,
    /// Release tag (`Rel_22.0_1.1123`).
    pub release_tag: String,
    /// Release (`22.0`).
    pub release: String,
    /// Build (`1.1123`).
    pub build: String,
    /// `Active Patches: N`, when printed.
    pub active_patches: Option<u32>,
}

impl From<&crate::bwcli::ShowVersion> for Version {
    fn from(v: &crate::bwcli::ShowVersion) -> Version {
        Version {
            server_type: v.server_type.clone(),
            release_tag: v.release_tag.clone(),
            release: v.release.clone(),
            build: v.build.clone(),
            active_patches: v.active_patches,
        }
    }
}

/// A context that could not be read, and what the host answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The context.
    #[serde(flatten)]
    pub at: ContextRef,
    /// The error, as reported.
    pub error: String,
}

/// The bwcli snapshot of a host: `hosts/<host>/bwcli.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every context read, parsed.
    pub read: LiveTree,
    /// Every context that could not be read.
    pub unreadable: Vec<Unreadable>,
}

impl Snapshot {
    /// The content read at `context` (no arguments), if it was read.
    pub fn context(&self, context: &str) -> Option<&LiveContext> {
        self.read.get(&ContextRef {
            context: context.to_string(),
            args: Vec::new(),
        })
    }

    /// Why `context` could not be read, if it was tried.
    pub fn why_unreadable(&self, context: &str) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|u| u.at.context == context && u.at.args.is_empty())
            .map(|u| u.error.as_str())
    }
}

/// One verify finding, as the rules see it (the JSON report's fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// Check id (`tls.refuses-protocol`).
    pub id: String,
    /// Verdict word (`ok`, `fail`, `wait`, `skip`, `warn`).
    pub status: String,
    /// The host it is about.
    pub host: String,
    /// What was checked.
    pub subject: String,
    /// What was seen.
    pub observed: String,
}

/// The host's required patches against its installed ones
/// (`hosts/<host>/patches.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchComparison {
    /// The comparison; None when the host needs no patch or it failed.
    pub check: Option<PatchCheck>,
    /// Why it could not be made, as seen.
    pub error: Option<String>,
}

/// Everything the rules evaluate about one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEvidence {
    /// The host's facts.
    pub facts: HostFacts,
    /// Its bwcli snapshot.
    pub snapshot: Snapshot,
    /// verify's findings about it (farm findings included).
    pub findings: Vec<FindingRecord>,
    /// Its patch comparison, when the bundle has one.
    pub patches: Option<PatchComparison>,
}

/// The evidence of every host collected, by host name.
pub type Evidence = BTreeMap<String, HostEvidence>;
