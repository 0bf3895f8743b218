//! SSH authentication and host keys, driven with ssh2 (libssh2): password and key
//! authentication, the refuse_auth fault, a stable host key per host, and the
//! change_host_key fault set at run time through the control socket.
use crate::lab_support;

use lab_support::ssh::{TestLab, connect, exec, handshake, host_key_fingerprint};
use xspsim::host::{Faults, Product, Release};

#[test]
fn password_and_key_authentication() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 1);
    let entry = lab.entry("xsp1");
    let password = std::fs::read_to_string(&entry.password_file).expect("password file");
    let password = password.trim_end();

    let session = handshake(&entry);
    assert!(session.userauth_password(&entry.user, "wrong").is_err());
    assert!(session.userauth_password("root", password).is_err());
    session
        .userauth_password(&entry.user, password)
        .expect("the lab password is accepted");
    assert_eq!(exec(&session, "hostname").0, "xsp1\n");

    let session = connect(&entry);
    assert_eq!(exec(&session, "hostname").0, "xsp1\n");

    // A key that is not authorized.
    let other = tempfile::tempdir().expect("temp dir");
    let stranger = other.path().join("stranger");
    xspsim::ssh::keys::load_or_generate_key(&stranger).expect("key");
    let session = handshake(&entry);
    assert!(
        session
            .userauth_pubkey_file(&entry.user, None, &stranger, None)
            .is_err()
    );
}

#[test]
fn refuse_auth_refuses_every_method_until_cleared() {
    let lab = TestLab::uniform(1, Product::Xsp, Release::R23, 2);
    let entry = lab.entry("xsp1");
    let password = std::fs::read_to_string(&entry.password_file).expect("password file");
    lab.lab()
        .set_faults(
            "xsp1",
            Faults {
                refuse_auth: true,
                ..Faults::default()
            },
        )
        .expect("faults");
    let session = handshake(&entry);
    assert!(
        session
            .userauth_pubkey_file(&entry.user, None, &entry.private_key, None)
            .is_err()
    );
    assert!(
        session
            .userauth_password(&entry.user, password.trim_end())
            .is_err()
    );
    assert!(!session.authenticated());
    lab.lab()
        .set_faults("xsp1", Faults::default())
        .expect("faults");
    let session = connect(&entry);
    assert!(session.authenticated());
}

#[test]
fn the_host_key_is_stable_and_the_fault_serves_a_stable_alternative() {
    let mut lab = TestLab::uniform(2, Product::Xsp, Release::R23, 3);
    let first = lab.entry("xsp1");
    let second = lab.entry("xsp2");
    assert_ne!(first.host_key_fingerprint, second.host_key_fingerprint);
    assert_eq!(
        host_key_fingerprint(&handshake(&first)),
        first.host_key_fingerprint
    );

    // At run time, through the control socket (as `xspsim fault --change-host-key`).
    let faults = Faults {
        change_host_key: true,
        ..Faults::default()
    };
    xspsim::control::set_faults(lab.dir.path(), "xsp1", &faults).expect("control");
    let changed = host_key_fingerprint(&handshake(&first));
    assert_ne!(changed, first.host_key_fingerprint);
    assert_eq!(host_key_fingerprint(&handshake(&first)), changed, "stable");
    assert_eq!(
        host_key_fingerprint(&handshake(&second)),
        second.host_key_fingerprint,
        "other hosts are untouched"
    );
    xspsim::control::set_faults(lab.dir.path(), "xsp1", &Faults::default()).expect("control");
    assert_eq!(
        host_key_fingerprint(&handshake(&first)),
        first.host_key_fingerprint
    );

    // The keys survive a restart of the lab on the same directory.
    let dir = lab.dir.path().to_path_buf();
    lab.stop();
    let restarted = TestLab::start_with(|_| {
        let base = lab_support::loopback_base(3);
        xspsim::lab::LabConfig::uniform(dir.clone(), 2, Product::Xsp, Release::R23, base)
            .expect("config")
    });
    let again = restarted.entry("xsp1");
    assert_eq!(again.host_key_fingerprint, first.host_key_fingerprint);
    assert_eq!(
        host_key_fingerprint(&handshake(&again)),
        first.host_key_fingerprint
    );
    xspsim::control::set_faults(&dir, "xsp1", &faults).expect("control");
    assert_eq!(host_key_fingerprint(&handshake(&again)), changed);
}
