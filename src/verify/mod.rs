//! Verify: checks of the real result, each producing findings.
pub mod certs;
pub mod enumerate;
pub mod farm;
pub mod probe;
pub mod selection;
#[cfg(test)]
mod test_cert;
pub mod tls;
