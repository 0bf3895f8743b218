#![warn(missing_docs)]
//! xspctl: prepare BroadWorks XSP/ADP/AS servers for Webex for BroadWorks, keep them
//! ready, and prove it. See `docs/architecture.md` for the data flow.
pub mod apply;
pub mod bwcli;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod desired;
pub mod diagnose;
pub mod exit;
pub mod fleet;
pub mod fsutil;
pub mod hostlink;
pub mod hostrun;
pub mod live;
pub mod modules;
pub mod pki;
pub mod plan;
pub mod playbook;
pub mod report;
pub mod secret;
pub mod store;
pub mod topology;
pub mod transport;
pub mod verify;
pub mod watch;
