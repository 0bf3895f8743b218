//! xspsim's integration tests, one module per file, linked into one test binary
//! (one link instead of one per file: the CI build time, docs/decisions.md D48).

#[path = "../bwcli_support/mod.rs"]
mod bwcli_support;
#[path = "../lab_support/mod.rs"]
mod lab_support;

mod bwcli_docs;
mod bwcli_faults;
mod bwcli_files;
mod bwcli_navigation;
mod bwcli_output;
mod bwcli_releases;
mod bwcli_shell;
mod bwcli_state;
mod bwcli_stdio;
mod bwcli_tls;
mod dns_zone;
mod lab_serve;
mod ssh_auth;
mod ssh_channels;
mod ssh_faults;
mod ssh_shell;
mod sshd_forcecommand;
mod tls_endpoints;
mod tls_restart;
mod vagrant_provision;
