#![warn(missing_docs)]
//! xspsim: a simulator of BroadWorks XSP/ADP/AS servers as an operator sees them:
//! `bwcli` over SSH, shell commands, SFTP, TLS endpoints and DNS.
//!
//! This crate shares no code with xspctl: it is the independent witness that
//! xspctl's tests run against.
//!
//! Layout (one job per module):
//! - [`host`]: one simulated host: its spec, durable state, faults, and the API the
//!   network side uses (bwcli sessions, shell commands, file system, TLS settings).
//! - [`catalog`]: the bwcli model, loaded from the data files under `sim/data/`.
//! - [`state`]: a host's durable state, configured versus running, effective TLS.
//! - [`cli`]: the bwcli interpreter; [`shell`]: shell commands; [`pki`]: certificates.
//! - [`stdio`]: bwcli and shell commands on stdin/stdout for a real sshd.
//! - `ssh`, `tls`, `dns`, `lab`, `control`: the network side.
pub mod catalog;
pub mod cli;
pub mod control;
pub mod dns;
pub mod host;
pub mod lab;
pub mod logs;
pub mod pki;
pub mod shell;
pub mod ssh;
pub mod state;
pub mod stdio;
pub mod tls;
