//! Facts per product and release: versions, prompts, cipher registry and policy.
//!
//! Everything here is data compiled into the binary (`src/catalog/data/`), read once:
//! - the IANA TLS cipher-suite registry with OpenSSL names ([`cipher`], [`all_ciphers`]);
//! - the solution guide's cipher rule ([`policy`]) and its list of suites Webex supports
//!   ([`webex_supported`]);
//! - releases and products ([`Release`], [`Product`]) and TLS protocols ([`TlsProtocol`]);
//! - the SSL provider's defaults per release ([`provider_defaults`], decisions D2);
//! - the headers a table column may be printed under ([`header_names`]);
//! - the patches Webex for BroadWorks requires per feature ([`required_patches`]);
//! - the Webex clusters AuthService validates tokens against ([`clusters`]);
//! - the Webex endpoints a server must reach outbound per region ([`webex_endpoints`]).
mod clusters;
mod defaults;
mod endpoints;
mod headers;
mod names;
mod patches;
pub mod policy;
mod product;
mod protocol;
mod registry;
mod release;
mod suite;
mod webex;

pub use clusters::{CiCluster, Clusters, TeamsCluster, clusters};
pub use defaults::provider_defaults;
pub use endpoints::{REGIONS, WebexEndpoint, webex_endpoints};
pub use headers::header_names;
pub use names::UnknownName;
pub use patches::{PatchFeature, RequiredPatch, patch_servers, required_patches};
pub use product::Product;
pub use protocol::TlsProtocol;
pub use registry::{CipherNameError, all_ciphers, cipher, cipher_by_openssl_name};
pub use release::{Release, ReleaseError};
pub use suite::{Authentication, BulkCipher, CipherMode, CipherSuite, KeyExchange, Mac};
pub use webex::{is_webex_supported, webex_supported};
