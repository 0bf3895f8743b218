//! TLS endpoints of a simulated host (OpenSSL, so that legacy protocols and suites
//! are really served when configured: rustls has no CBC, DHE, static RSA or TLS 1.0).
//!
//! Each endpoint serves the host's *running* settings (`SimHost::tls_settings`): a
//! change that needs a restart shows only after `restartbw`.
mod ciphers;
mod connection;
mod context;
mod endpoint;
mod quirks;

pub use ciphers::{KnownCipher, ResolvedCiphers, lookup, resolve};
pub use context::build as build_context;
pub use endpoint::{EndpointOptions, HostEndpoint, SettingsSource, serve};
pub use quirks::TlsQuirks;

/// Errors building a TLS endpoint.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// OpenSSL refused part of the configuration (certificate, key, suites...).
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    /// The certificate chain holds no certificate.
    #[error("no server certificate in the configured chain")]
    NoCertificate,
    /// A TLS quirk (fault) cannot be served.
    #[error("TLS quirk: {0}")]
    Quirk(String),
}
