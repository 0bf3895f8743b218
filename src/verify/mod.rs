//! Verify: checks of the real result, each producing findings.
pub mod certs;
pub mod dns;
pub mod enumerate;
pub mod farm;
pub mod mtls;
pub mod probe;
pub mod reach;
pub mod selection;
#[cfg(test)]
mod test_cert;
pub mod time;
pub mod tls;
