//! Certificates the operator supplies, read and checked before anything reaches a
//! host: the Webex trust anchors for CTI mutual TLS (issue #9), parsed with
//! `x509-parser`.
pub mod anchors;
pub mod pem_blocks;
pub mod server_cert;
