//! Verify: checks of the real result, each producing findings.
pub mod enumerate;
pub mod farm;
pub mod probe;
pub mod tls;
