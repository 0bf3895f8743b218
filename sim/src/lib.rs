//! xspsim: a simulator of BroadWorks XSP/ADP/AS servers as an operator sees them:
//! `bwcli` over SSH, shell commands, SFTP, TLS endpoints and DNS.
//!
//! This crate shares no code with xspctl: it is the independent witness that
//! xspctl's tests run against.
//!
//! Layout (one job per module):
//! - [`host`]: one simulated host: its spec, durable state, faults, and the API the
//!   network side uses (bwcli sessions, shell commands, file system, TLS settings).
//! - `catalog`, `state`, `cli`, `shell`, `pki`: the bwcli model, driven by the data
//!   files under `sim/data/`.
//! - `ssh`, `tls`, `dns`, `lab`, `control`: the network side.
pub mod cli;
pub mod control;
pub mod dns;
pub mod host;
pub mod ssh;
pub mod tls;
