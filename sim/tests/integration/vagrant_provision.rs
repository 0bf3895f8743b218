//! The Vagrant box's provisioning, run against this machine in a throwaway prefix
//! (current user, high ports, no systemd, a standalone sshd configuration), then a
//! login with the OpenSSH client running `bwcli` and `bwshowver` as in the box; and
//! `vagrant validate` when vagrant is installed.
use crate::lab_support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use lab_support::sshd::{Sshd, available, current_user, free_port, keygen, public_key_path};
use lab_support::{XSPSIM, eventually, handshake_ok, run_bounded, s_client};

fn vagrant_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vagrant")
}

fn provision(prefix: &Path, env: &[(&str, String)]) -> lab_support::Run {
    let mut command = Command::new("bash");
    command
        .arg(vagrant_dir().join("provision.sh"))
        .env("PREFIX", prefix)
        .env("XSPSIM_BIN", XSPSIM)
        .env("CREATE_USER", "no")
        .env("USE_SYSTEMD", "no")
        .env("SSHD_STANDALONE", "yes");
    for (key, value) in env {
        command.env(key, value);
    }
    run_bounded(&mut command, b"", Duration::from_secs(120))
}

#[test]
fn provisioning_gives_a_login_with_bwcli_and_the_tools() {
    if !available() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let prefix = work.path().join("root");
    let client_key = work.path().join("client");
    keygen(&client_key);
    let user = current_user();
    let (ssh_port, https_port, cti_port, dns_port) =
        (free_port(), free_port(), free_port(), free_port());
    let env = [
        ("XSPSIM_USER", user.clone()),
        ("ADDRESS", "127.0.0.1".to_string()),
        ("SSH_PORT", ssh_port.to_string()),
        ("HTTPS_PORT", https_port.to_string()),
        ("CTI_PORT", cti_port.to_string()),
        ("DNS_PORT", dns_port.to_string()),
        (
            "AUTHORIZED_KEYS",
            public_key_path(&client_key).to_string_lossy().into_owned(),
        ),
    ];
    let run = provision(&prefix, &env);
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout.contains("created host xsp1 (xsp R23)"),
        "{run:?}"
    );
    for tool in [
        "usr/local/broadworks/bw_base/bin/bwcli",
        "usr/local/broadworks/bw_base/bin/bwshowver",
        "usr/local/broadworks/patchtool/sbin/listPatch.pl",
        "usr/local/bin/bwcli",
        "usr/local/bin/restartbw",
    ] {
        assert!(prefix.join(tool).exists(), "{tool}");
    }

    let config = prefix.join("etc/ssh/sshd_config.xspsim");
    let host_key = prefix.join("etc/ssh/ssh_host_ed25519_key");
    let sshd = Sshd::start(&config, ssh_port, &host_key, work.path());

    // The tools are on the PATH of a real bash login.
    let run = sshd.ssh(&client_key, &user, Some("bwshowver"), b"");
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout.starts_with("XSP version Rel_23.0_1.1075\n"),
        "{run:?}"
    );
    let run = sshd.ssh(&client_key, &user, Some("listPatch.pl"), b"");
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout
            .ends_with("listPatch command successfully executed.\n"),
        "{run:?}"
    );
    // bwcli typed in the shell, fed on stdin.
    let run = sshd.ssh(
        &client_key,
        &user,
        Some("bwcli"),
        b"cd /Interface/CTI;get\nexit\ny\n",
    );
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout.ends_with(&format!(
            "XSP_CLI>   portEnabled = true\n  port = 8011\n  securePortEnabled = true\n  securePort = {cti_port}\nXSP_CLI/Interface/CTI> Please confirm (Yes, Y, No, N): This session is now ending...\n"
        )),
        "{run:?}"
    );
    // An upload through the real sshd's SFTP lands in the simulated host.
    let sftp = run_bounded(
        Command::new("sftp")
            .args(["-F", "/dev/null", "-b", "-", "-o", "BatchMode=yes"])
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "IdentitiesOnly=yes",
            ])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", sshd.known_hosts.display()))
            .arg("-i")
            .arg(&client_key)
            .args(["-P", &ssh_port.to_string()])
            .arg(format!("{user}@127.0.0.1")),
        format!(
            "put {} {}/var/broadworks/tmp/client.pub\n",
            public_key_path(&client_key).display(),
            prefix.display()
        )
        .as_bytes(),
        Duration::from_secs(60),
    );
    assert!(sftp.ok(), "{sftp:?}");
    assert!(
        prefix
            .join("var/lib/xspsim/xsp1/fs/var/broadworks/tmp/client.pub")
            .is_file()
    );

    // The TLS endpoints, from the launcher the systemd unit would run.
    let mut tls = Command::new(prefix.join("usr/local/bin/xspsim-tls"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xspsim-tls");
    let https = SocketAddr::from(([127, 0, 0, 1], https_port));
    let served = eventually(Duration::from_secs(30), || {
        handshake_ok(&s_client(https, &["-tls1_2"], b"")).then_some(())
    });
    let _ = tls.kill();
    let _ = tls.wait();
    assert!(served.is_some(), "HTTPS is served on {https}");

    // Provisioning again keeps the host.
    let again = provision(&prefix, &env);
    assert!(again.ok(), "{again:?}");
    assert!(again.stdout.contains("host state exists"), "{again:?}");
}

#[test]
fn vagrant_validate_accepts_the_vagrantfile() {
    let found = Command::new("vagrant")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("note: vagrant is not installed; `vagrant validate` skipped");
        return;
    }
    let run = run_bounded(
        Command::new("vagrant")
            .arg("validate")
            .current_dir(vagrant_dir()),
        b"",
        Duration::from_secs(300),
    );
    assert!(run.ok(), "{run:?}");
    assert!(
        run.stdout.contains("Vagrantfile validated successfully"),
        "{run:?}"
    );
}
