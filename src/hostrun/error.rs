//! Why one host could not be read, planned or restarted: each cause a variant, so
//! that callers can tell a refused host (it is not what the playbook says) from a
//! lost connection or a module's complaint. The messages are the operator's.
use crate::catalog::{Product, Release, ReleaseError};
use crate::hostlink::SessionError;
use crate::modules::ModuleError;
use crate::playbook::SecretError;
use crate::transport::TransportError;

/// Why a host's work stopped.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// A secret the connection needs (password, key passphrase) could not be read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The session could not be opened (SSH, `bwshowver`, bwcli), or a restart
    /// not made.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// An SFTP operation of the host's lock or restart mark failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// `bwshowver` names a server type xspctl does not know.
    #[error("{host}: bwshowver reports an unknown server type {server_type}")]
    UnknownServerType {
        /// The host.
        host: String,
        /// What bwshowver says.
        server_type: String,
    },
    /// `bwshowver` names a release xspctl does not know.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// The host is another product or release than the playbook says.
    #[error(
        "{host} is {} {} ({tag}), but the playbook says {} {}; nothing was changed\n  help: fix `product`/`release` of farm {farm} in the playbook, or check that the address reaches the intended host",
        product.name(),
        release.name(),
        wanted_product.name(),
        wanted_release.name()
    )]
    NotAsPlaybook {
        /// The host.
        host: String,
        /// Its farm.
        farm: String,
        /// The product it is.
        product: Product,
        /// The release it runs.
        release: Release,
        /// Its release tag as bwshowver prints it.
        tag: String,
        /// The product the playbook says.
        wanted_product: Product,
        /// The release the playbook says.
        wanted_release: Release,
    },
    /// A module could not render the host's facts.
    #[error(transparent)]
    Module(#[from] ModuleError),
    /// The playbook names a module the registry does not have (a bug).
    #[error("internal error: no module `{0}` in the registry")]
    NoModule(String),
    /// The host's patches could not be read.
    #[error(transparent)]
    Patches(#[from] crate::modules::patches::PatchError),
    /// The host lacks patches a configured module depends on: nothing is planned.
    #[error("{}", missing_patches(.0))]
    MissingPatches(crate::modules::patches::PatchCheck),
    /// The farm stage this host needs failed on the farm's reference host.
    #[error("{0}")]
    FarmStage(String),
    /// The host's contexts, files or secrets could not be read and planned.
    #[error("{0}")]
    Plan(String),
    /// The host answers bwcli again after its restart, but secure ports it lists do
    /// not accept connections.
    #[error(
        "{host} answers bwcli again, but after {secs}s these secure ports still refuse connections from here: {}\n  help: check the service on the host (`bwshowver`, its logs), or the route from this machine to those addresses; `xspctl verify --host {host}` shows what Webex sees",
        closed.join(", ")
    )]
    NotListening {
        /// The host.
        host: String,
        /// The restart timeout.
        secs: u64,
        /// The listeners that refused, as `endpoint address:port`.
        closed: Vec<String>,
    },
    /// The restart was made, but its local record could not be cleared.
    #[error("restarted, but could not clear the pending restart: {0}")]
    RestartRecord(std::io::Error),
}

/// The message of [`HostError::MissingPatches`]: each patch a module needs, why,
/// and what to do.
fn missing_patches(check: &crate::modules::patches::PatchCheck) -> String {
    let mut text = String::from(
        "required patches are missing, so nothing is planned for this host (xspctl checks patches, never installs them):",
    );
    for m in check.blocking() {
        text.push_str("\n  ");
        text.push_str(&m.describe());
    }
    text.push_str("\n  help: install them with the BroadWorks patch tools, then run again; or remove the module that needs them from the host's farm");
    text
}
