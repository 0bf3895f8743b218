//! xspctl's integration tests, one module per file, linked into one test binary
//! (one link instead of one per file: the CI build time, docs/decisions.md D48).

#[path = "../../sim/tests/lab_support/bounded.rs"]
mod bounded;
#[path = "../support/lab.rs"]
mod lab;
#[path = "../support/sshd.rs"]
mod sshd;

mod authservice_module;
mod certificates_module;
mod cli_behaviour;
mod cti_mtls;
mod cti_secure;
mod diagnose;
mod driver_bounds;
mod driver_parse_get;
mod driver_sim_faults;
mod driver_ssh_pty;
mod driver_state_machine;
mod engine_actions;
mod engine_apply;
mod engine_secrets;
mod engine_wants;
mod fault_matrix;
mod flowthrough_module;
mod handoff;
mod lab_demo;
mod nps_proxy_module;
mod patches_module;
mod playbook_diagnostics;
mod playbook_examples;
mod playbook_schema;
mod playbook_secrets;
mod playbook_ssh_config;
mod proof_modules;
mod secret_leaks;
mod state_restarts;
mod tls_module;
mod topology;
mod transport_agent;
mod transport_sshd;
mod verify_certificates;
mod verify_enumeration;
mod verify_exposure;
mod verify_farm;
mod verify_findings;
mod verify_mtls;
mod verify_network;
mod verify_waivers;
mod verify_watch;
mod xspctl_real_sshd;
