//! SSH transport (ssh2): host-key checking, authentication, jump hosts, channels.
