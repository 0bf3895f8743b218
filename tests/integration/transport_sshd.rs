//! The SSH transport against a real OpenSSH sshd on loopback.
use crate::sshd;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sshd::{KEY_PASSPHRASE, Sshd, SshdOptions, current_user, generate_key, ssh_keygen};
use xspctl::secret::Secret;
use xspctl::transport::{AuthMethod, SftpFailure, SshSession, SshTarget, TransportError};

fn target(sshd: &Sshd, known_hosts: &Path) -> SshTarget {
    let mut t = SshTarget::new("127.0.0.1", sshd.port, current_user(), known_hosts);
    t.auth = vec![AuthMethod::KeyFile {
        path: sshd.client_key.clone(),
        passphrase: None,
    }];
    t.connect_timeout = Duration::from_secs(10);
    t.command_timeout = Duration::from_secs(10);
    t
}

/// A known_hosts file in the sshd's directory that trusts it.
fn trusting(sshd: &Sshd) -> PathBuf {
    let path = sshd.dir.path().join("known_hosts");
    sshd.write_known_hosts(&path);
    path
}

fn connected(sshd: &Sshd) -> SshSession {
    SshSession::connect(&target(sshd, &trusting(sshd))).expect("connect")
}

#[test]
fn key_auth_then_exec_gives_stdout_stderr_and_status() {
    let sshd = Sshd::start();
    let s = connected(&sshd);
    assert_eq!(s.host_key_fingerprint(), sshd.host_fingerprint());
    let r = s
        .exec("echo out; echo err >&2; printf 'caf\\351\\n'; exit 3")
        .unwrap();
    assert_eq!(r.stdout, "out\ncaf\u{e9}\n");
    assert_eq!(r.stderr, "err\n");
    assert_eq!(r.status, 3);
    assert_eq!(r.signal, None);
    let ok = s.exec("true").unwrap();
    assert_eq!((ok.stdout.as_str(), ok.status), ("", 0));
}

#[test]
fn a_hardware_cipher_is_preferred_over_chacha20() {
    // OpenSSH offers chacha20-poly1305 and AES-GCM; libssh2 alone picks chacha20.
    let sshd = Sshd::start();
    assert_eq!(
        connected(&sshd).cipher().as_deref(),
        Some("aes256-gcm@openssh.com")
    );
}

#[test]
fn a_key_file_is_read_once_per_run() {
    let sshd = Sshd::start();
    let key = sshd.dir.path().join("once_key");
    fs::copy(&sshd.client_key, &key).unwrap();
    let mut t = target(&sshd, &trusting(&sshd));
    t.auth = vec![AuthMethod::KeyFile {
        path: key.clone(),
        passphrase: None,
    }];
    SshSession::connect(&t).expect("first host");
    // The file changes after the first host: the next hosts of the run still use
    // the key as it was read.
    fs::write(&key, "not a key any more\n").unwrap();
    SshSession::connect(&t).expect("second host, from the key read once");
    // The local check stays: a key file that is gone is refused by name.
    fs::remove_file(&key).unwrap();
    let err = SshSession::connect(&t).err().expect("missing key");
    assert!(err.to_string().contains("cannot read it"), "{err}");
}

#[test]
fn large_output_on_both_streams_does_not_deadlock() {
    let sshd = Sshd::start();
    let s = connected(&sshd);
    // 4 MiB on stderr then 4 MiB on stdout: more than one SSH window each.
    let r = s
        .exec("head -c 4194304 /dev/zero | tr '\\0' e >&2; head -c 4194304 /dev/zero | tr '\\0' o")
        .unwrap();
    assert_eq!(r.stderr.len(), 4 * 1024 * 1024);
    assert_eq!(r.stdout.len(), 4 * 1024 * 1024);
    assert!(r.stdout.bytes().all(|b| b == b'o'));
}

#[test]
fn exec_timeout_names_the_command_and_the_last_output() {
    let sshd = Sshd::start();
    let s = connected(&sshd);
    let err = s
        // 2 s: `echo` has surely run by then, even on a loaded machine.
        .exec_with_timeout("echo started; sleep 10", Duration::from_secs(2))
        .unwrap_err();
    match &err {
        TransportError::Timeout {
            what,
            after,
            last_output,
            ..
        } => {
            assert_eq!(what, "command `echo started; sleep 10`");
            assert_eq!(*after, Duration::from_secs(2));
            assert_eq!(last_output, "started");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("timed out after 2.0s; last output:\n    started"),
        "{err}"
    );
    // The connection is still usable afterwards.
    assert_eq!(s.exec("echo again").unwrap().stdout, "again\n");
}

#[test]
fn an_unknown_host_key_is_refused_with_its_fingerprint_and_the_fix() {
    let sshd = Sshd::start();
    let kh = sshd.dir.path().join("empty_known_hosts");
    fs::write(&kh, "").unwrap();
    let err = SshSession::connect(&target(&sshd, &kh))
        .err()
        .expect("refused");
    let fp = sshd.host_fingerprint();
    match &err {
        TransportError::HostKeyUnknown(k) => {
            assert_eq!(k.fingerprint, fp);
            assert_eq!(k.display_type, "ED25519");
            assert_eq!(k.known_hosts, kh);
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    let fix = format!(
        "ssh-keyscan -p {} -t ed25519 127.0.0.1 >> {}",
        sshd.port,
        kh.display()
    );
    assert!(msg.contains(&fp), "{msg}");
    assert!(msg.contains(&fix), "{msg}");
    assert!(msg.contains(&kh.display().to_string()), "{msg}");
    assert!(
        !sshd.log().contains("Accepted publickey"),
        "nothing may authenticate"
    );

    // The fix the message gives works.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("timeout 20 {fix} 2>/dev/null"))
        .status()
        .unwrap();
    assert!(status.success());
    SshSession::connect(&target(&sshd, &kh)).expect("accepted after ssh-keyscan");
}

#[test]
fn a_changed_host_key_is_refused_loudly_and_the_file_is_left_alone() {
    let sshd = Sshd::start();
    let other = sshd.dir.path().join("other_host_key");
    generate_key(&other, "ed25519", "");
    let other_pub = fs::read_to_string(other.with_extension("pub")).unwrap();
    let mut fields = other_pub.split_whitespace();
    let (t, k) = (fields.next().unwrap(), fields.next().unwrap());
    let kh = sshd.dir.path().join("stale_known_hosts");
    let content = format!("# old entry\n{} {t} {k}\n", sshd.known_hosts_name());
    fs::write(&kh, &content).unwrap();

    let err = SshSession::connect(&target(&sshd, &kh))
        .err()
        .expect("refused");
    let old_fp = ssh_keygen(&[
        "-l",
        "-E",
        "sha256",
        "-f",
        other.with_extension("pub").to_str().unwrap(),
    ])
    .split_whitespace()
    .nth(1)
    .unwrap()
    .to_string();
    match &err {
        TransportError::HostKeyChanged(k) => {
            assert_eq!(k.fingerprint, sshd.host_fingerprint());
            assert_eq!(k.known_fingerprint, old_fp);
            assert_eq!(k.line, 2);
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("WARNING: the host key of 127.0.0.1:"),
        "{msg}"
    );
    assert!(msg.contains("has CHANGED"), "{msg}");
    assert!(msg.contains("man-in-the-middle"), "{msg}");
    assert!(msg.contains(&format!("{}:2", kh.display())), "{msg}");
    assert!(
        msg.contains(&format!(
            "ssh-keygen -R '[127.0.0.1]:{}' -f {}",
            sshd.port,
            kh.display()
        )),
        "{msg}"
    );
    assert_eq!(
        fs::read_to_string(&kh).unwrap(),
        content,
        "never auto-accepted"
    );
    assert!(!sshd.log().contains("Accepted publickey"));
}

#[test]
fn a_hashed_known_hosts_entry_is_accepted() {
    let sshd = Sshd::start();
    let kh = trusting(&sshd);
    ssh_keygen(&["-H", "-f", kh.to_str().unwrap()]);
    let hashed = fs::read_to_string(&kh).unwrap();
    assert!(hashed.starts_with("|1|"), "{hashed}");
    assert!(!hashed.contains("127.0.0.1"));
    SshSession::connect(&target(&sshd, &kh)).expect("hashed entry accepted");
}

#[test]
fn a_plain_entry_without_the_port_does_not_vouch_for_another_port() {
    let sshd = Sshd::start();
    let kh = sshd.dir.path().join("portless_known_hosts");
    let line = sshd
        .known_hosts_line()
        .replace(&sshd.known_hosts_name(), "127.0.0.1");
    fs::write(&kh, line).unwrap();
    let err = SshSession::connect(&target(&sshd, &kh))
        .err()
        .expect("refused");
    assert!(matches!(err, TransportError::HostKeyUnknown(_)), "{err:?}");
}

#[test]
fn authentication_failure_lists_methods_and_hides_secrets() {
    let sshd = Sshd::start();
    let mut t = target(&sshd, &trusting(&sshd));
    let password = "Pa55-word-never-shown";
    let passphrase = "wrong-passphrase-never-shown";
    t.auth = vec![
        AuthMethod::KeyFile {
            path: sshd.stranger_key.clone(),
            passphrase: None,
        },
        AuthMethod::KeyFile {
            path: sshd.locked_key.clone(),
            passphrase: Some(Secret::new(passphrase)),
        },
        AuthMethod::KeyFile {
            path: sshd.dir.path().join("no_such_key"),
            passphrase: None,
        },
        AuthMethod::Password(Secret::new(password)),
    ];
    let err = SshSession::connect(&t).err().expect("refused");
    match &err {
        TransportError::Auth { tried, offered, .. } => {
            assert_eq!(offered, &vec!["publickey".to_string()]);
            assert_eq!(tried.len(), 4, "{tried:?}");
            assert!(tried[0].starts_with(&format!("key file {}: ", sshd.stranger_key.display())));
            assert!(tried[1].starts_with(&format!("key file {}: ", sshd.locked_key.display())));
            assert!(tried[2].contains("cannot read it"), "{tried:?}");
            assert_eq!(
                tried[3],
                "password: neither password nor keyboard-interactive offered by the server"
            );
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains(&format!(
            "authentication as {}@127.0.0.1:{} failed",
            current_user(),
            sshd.port
        )),
        "{shown}"
    );
    assert!(!shown.contains(password), "{shown}");
    assert!(!shown.contains(passphrase), "{shown}");
}

#[test]
fn a_key_with_its_passphrase_authenticates() {
    let sshd = Sshd::start();
    let mut t = target(&sshd, &trusting(&sshd));
    t.auth = vec![AuthMethod::KeyFile {
        path: sshd.locked_key.clone(),
        passphrase: Some(Secret::new(KEY_PASSPHRASE)),
    }];
    let s = SshSession::connect(&t).expect("connect");
    assert_eq!(s.exec("echo ok").unwrap().stdout, "ok\n");
}

#[test]
fn methods_are_tried_in_order_until_one_works() {
    let sshd = Sshd::start();
    let mut t = target(&sshd, &trusting(&sshd));
    t.auth = vec![
        AuthMethod::KeyFile {
            path: sshd.stranger_key.clone(),
            passphrase: None,
        },
        AuthMethod::KeyFile {
            path: sshd.client_key.clone(),
            passphrase: None,
        },
    ];
    SshSession::connect(&t).expect("second method works");
}

#[test]
fn sftp_upload_download_stat_create_rename_remove() {
    let sshd = Sshd::start();
    let s = connected(&sshd);
    let sftp = s.sftp().unwrap();
    let base = sshd.dir.path().join("remote");
    fs::create_dir(&base).unwrap();
    let file = format!("{}/trust.pem", base.display());
    let content = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    sftp.upload(&file, content, 0o640).unwrap();
    assert_eq!(fs::read(&file).unwrap(), content);
    let st = sftp.stat(&file).unwrap().expect("exists");
    assert_eq!(st.size, Some(content.len() as u64));
    assert_eq!(st.mode, Some(0o640));
    assert!(!st.is_dir);
    assert_eq!(sftp.download(&file).unwrap(), content);

    // Upload replaces.
    sftp.upload(&file, b"new", 0o600).unwrap();
    assert_eq!(sftp.download(&file).unwrap(), b"new");
    assert_eq!(sftp.stat(&file).unwrap().unwrap().mode, Some(0o600));

    // A directory where a file is to be created exclusively (a lock from before
    // D67) counts as there; rmdir removes it.
    let lock = format!("{}/.xspctl.lock", base.display());
    fs::create_dir(&lock).unwrap();
    let err = sftp.create_new(&lock, b"owner\n", 0o600).unwrap_err();
    assert!(
        matches!(&err, TransportError::Sftp { failure: SftpFailure::AlreadyExists, op, .. } if op == "create"),
        "{err:?}"
    );
    assert!(sftp.stat(&lock).unwrap().unwrap().is_dir);
    sftp.rmdir(&lock).unwrap();
    assert_eq!(sftp.stat(&lock).unwrap(), None);

    // An exclusive create makes a new file and never replaces one.
    let mark = format!("{}/restart-pending", base.display());
    sftp.create_new(&mark, b"first\n", 0o600).unwrap();
    assert_eq!(sftp.stat(&mark).unwrap().unwrap().mode, Some(0o600));
    let err = sftp.create_new(&mark, b"second\n", 0o600).unwrap_err();
    assert!(
        matches!(&err, TransportError::Sftp { failure: SftpFailure::AlreadyExists, op, .. } if op == "create"),
        "{err:?}"
    );
    assert_eq!(sftp.download(&mark).unwrap(), b"first\n");

    let moved = format!("{}/moved.pem", base.display());
    sftp.rename(&file, &moved).unwrap();
    assert_eq!(sftp.stat(&file).unwrap(), None);
    sftp.remove(&moved).unwrap();
    assert_eq!(sftp.stat(&moved).unwrap(), None);

    let missing = format!("{}/missing", base.display());
    let err = sftp.download(&missing).unwrap_err();
    assert!(
        matches!(
            &err,
            TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }
        ),
        "{err:?}"
    );
    let err = sftp.remove(&missing).unwrap_err();
    assert!(
        matches!(
            &err,
            TransportError::Sftp {
                failure: SftpFailure::NotFound,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_jump_host_carries_the_session_to_the_target() {
    let jump = Sshd::start_with(SshdOptions {
        extra_config: vec!["LogLevel DEBUG1".into()],
        ..SshdOptions::default()
    });
    let dest = Sshd::start_with(SshdOptions {
        host_key_type: "ecdsa".into(),
        ..SshdOptions::default()
    });
    let kh = jump.dir.path().join("known_hosts_both");
    fs::write(&kh, jump.known_hosts_line() + &dest.known_hosts_line()).unwrap();
    let mut via = target(&jump, &kh);
    via.auth = vec![AuthMethod::KeyFile {
        path: jump.client_key.clone(),
        passphrase: None,
    }];
    let mut t = target(&dest, &kh);
    t.jump = Some(Box::new(via));
    {
        let s = SshSession::connect(&t).expect("connect through the jump host");
        assert!(s.is_tunnelled());
        assert_eq!(s.host_key_fingerprint(), dest.host_fingerprint());
        assert_eq!(s.exec("echo through").unwrap().stdout, "through\n");
        let sftp = s.sftp().unwrap();
        let p = format!("{}/via-jump", dest.dir.path().display());
        let big = vec![b'x'; 3 * 1024 * 1024];
        sftp.upload(&p, &big, 0o600).unwrap();
        assert_eq!(sftp.download(&p).unwrap(), big);
    }
    assert!(jump.log().contains("direct-tcpip"), "{}", jump.log());
    assert!(dest.log().contains("Accepted publickey"));
}

#[test]
fn the_target_behind_a_jump_host_is_checked_too() {
    let jump = Sshd::start();
    let dest = Sshd::start();
    let kh = jump.dir.path().join("known_hosts_jump_only");
    fs::write(&kh, jump.known_hosts_line()).unwrap();
    let mut t = target(&dest, &kh);
    t.jump = Some(Box::new(target(&jump, &kh)));
    let err = SshSession::connect(&t).err().expect("refused");
    match err {
        TransportError::HostKeyUnknown(k) => assert_eq!(k.fingerprint, dest.host_fingerprint()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_jump_host_that_refuses_forwarding_says_so() {
    let jump = Sshd::start_with(SshdOptions {
        allow_tcp_forwarding: false,
        ..SshdOptions::default()
    });
    let dest = Sshd::start();
    let kh = jump.dir.path().join("known_hosts_both");
    fs::write(&kh, jump.known_hosts_line() + &dest.known_hosts_line()).unwrap();
    let mut t = target(&dest, &kh);
    t.jump = Some(Box::new(target(&jump, &kh)));
    let err = SshSession::connect(&t).err().expect("refused");
    let msg = err.to_string();
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");
    assert!(
        msg.contains("did not open a channel to 127.0.0.1:"),
        "{msg}"
    );
    assert!(msg.contains("AllowTcpForwarding"), "{msg}");
}

#[test]
fn a_server_that_never_speaks_times_out_the_handshake() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let mut t = SshTarget::new("127.0.0.1", port, "nobody", dir.path().join("kh"));
    t.connect_timeout = Duration::from_millis(500);
    let err = SshSession::connect(&t).err().expect("times out");
    assert!(
        matches!(&err, TransportError::Timeout { what, .. } if what == "SSH handshake"),
        "{err:?}"
    );
    drop(silent);
}

#[test]
fn a_closed_port_is_a_connect_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let t = SshTarget::new("127.0.0.1", port, "nobody", dir.path().join("kh"));
    let err = SshSession::connect(&t).err().expect("refused");
    let msg = err.to_string();
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");
    assert!(
        msg.starts_with(&format!(
            "cannot connect to nobody@127.0.0.1:{port}: 127.0.0.1:{port}: "
        )),
        "{msg}"
    );
}

#[test]
fn keepalives_go_out_while_a_command_runs() {
    let sshd = Sshd::start_with(SshdOptions {
        // DEBUG1 logs each global request sshd receives.
        extra_config: vec!["LogLevel DEBUG1".into()],
        ..SshdOptions::default()
    });
    let mut t = target(&sshd, &trusting(&sshd));
    t.keepalive = Duration::from_secs(1);
    let s = SshSession::connect(&t).unwrap();
    let r = s.exec("sleep 5; echo done").unwrap();
    assert_eq!(r.stdout, "done\n");
    // libssh2 names its keepalive global request `keepalive@libssh2.org`; more
    // than one means they went out during the command, not only at login.
    let sent = sshd.log().matches("rtype keepalive@libssh2.org").count();
    assert!(sent >= 2, "{}", sshd.log());
}

#[test]
fn sessions_channels_and_drivers_can_move_to_blocking_threads() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<SshSession>();
    sync::<SshSession>();
    send::<xspctl::transport::SftpClient>();
    send::<xspctl::bwcli::Driver<xspctl::transport::ShellChannel>>();
    send::<TransportError>();
    sync::<TransportError>();
    send::<xspctl::bwcli::DriverError>();
}
