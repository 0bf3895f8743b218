//! Modules: each turns part of the playbook's Webex settings into CLI facts.
pub mod certkey;
pub mod tls;
