//! Verify: checks of the real result, each producing findings.
pub mod certs;
pub mod dns;
pub mod enumerate;
pub mod farm;
pub mod farm_host;
pub mod handoff;
pub mod mtls;
pub mod peers;
pub mod probe;
pub mod reach;
pub mod selection;
pub mod served_chain;
#[cfg(test)]
mod test_cert;
pub mod time;
pub mod tls;
pub mod waivers;
pub mod webex_apps;
