//! Verify: checks of the real result, each producing findings.
pub mod probe;
pub mod tls;
