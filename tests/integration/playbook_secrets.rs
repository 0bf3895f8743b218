//! Secrets are references until the engine resolves them; a resolved secret never shows
//! in Debug, Display or diagnostics. Loading reads no secret and touches no host.
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use xspctl::playbook::{Auth, Playbook, SecretError, SecretRef, load_str};

const SECRET: &str = "Pa55-w0rd-that-must-never-show";
const CHILD_ENV: &str = "XSPCTL_TEST_CHILD_SECRET";

fn playbook(connection: &str) -> Playbook {
    let text = format!(
        "version: 1\nfarms:\n- name: f\n  product: xsp\n  release: R23\n  roles: [xsi]\n  hosts:\n  - name: h\n    address: 127.0.0.1\n    connection: {connection}\n"
    );
    load_str(Path::new("secrets.yaml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn password(p: &Playbook) -> &SecretRef {
    p.hosts[0]
        .connection
        .auth
        .iter()
        .find_map(|a| match a {
            Auth::Password(r) => Some(r),
            _ => None,
        })
        .expect("a password")
}

#[test]
fn file_secret_resolves_and_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("xsp_password");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    let p = playbook(&format!(
        "{{ user: bwadmin, password: \"file:{}\" }}",
        file.display()
    ));
    let reference = password(&p);
    assert_eq!(reference.to_string(), format!("file:{}", file.display()));
    let secret = reference.resolve().unwrap();
    assert_eq!(secret.expose(), SECRET);
    for shown in [
        format!("{p:?}"),
        format!("{reference}"),
        format!("{reference:?}"),
        format!("{secret:?}"),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
    assert_eq!(format!("{secret:?}"), "(sensitive)");
}

#[test]
fn relative_secret_file_starts_at_the_playbook_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), SECRET).unwrap();
    let text = "version: 1\ndefaults: { connection: { user: u, password: file:pw } }\nfarms:\n- { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: h, address: 192.0.2.1 }] }\n";
    let p = load_str(&dir.path().join("playbook.yaml"), text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(password(&p).resolve().unwrap().expose(), SECRET);
}

#[test]
fn env_secret_resolves_in_a_child_with_the_variable_set() {
    // Setting a variable in this multi-threaded process would race with the other tests;
    // a child process gets its own environment.
    // Test names are module paths below the test crate: `playbook_secrets::...`.
    let (_, module) = module_path!()
        .split_once("::")
        .expect("a module of the test crate");
    let child = format!("{module}::child_resolves_env_secret");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &child, "--ignored", "--test-threads=1"])
        .env(CHILD_ENV, SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(!stdout.contains(SECRET), "the child printed the secret");
}

/// Run by `env_secret_resolves_in_a_child_with_the_variable_set` with the variable set.
#[test]
#[ignore = "run by env_secret_resolves_in_a_child_with_the_variable_set"]
fn child_resolves_env_secret() {
    let expected = std::env::var(CHILD_ENV).expect("run by the parent test, which sets it");
    let p = playbook(&format!("{{ user: bwadmin, password: env:{CHILD_ENV} }}"));
    let reference = password(&p);
    assert_eq!(reference.to_string(), format!("env:{CHILD_ENV}"));
    let secret = reference.resolve().unwrap();
    assert_eq!(secret.expose(), expected);
    assert!(!format!("{p:?}").contains(&expected));
    assert!(!format!("{secret:?}").contains(&expected));
}

#[test]
fn unresolvable_secrets_name_the_reference() {
    let e = SecretRef::env("XSPCTL_TEST_SURELY_UNSET_VARIABLE")
        .resolve()
        .unwrap_err();
    assert!(matches!(e, SecretError::EnvUnset { .. }));
    assert_eq!(
        e.to_string(),
        "secret env:XSPCTL_TEST_SURELY_UNSET_VARIABLE: the environment variable XSPCTL_TEST_SURELY_UNSET_VARIABLE is not set"
    );
    let e = SecretRef::file("/nonexistent/xspctl/pw")
        .resolve()
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("secret file:/nonexistent/xspctl/pw: cannot read the file: "),
        "{e}"
    );
}

#[test]
fn loading_reads_no_secret() {
    // Neither the file nor the variable exists: loading still succeeds, because secrets are
    // resolved by the engine when it needs them.
    let p = playbook(
        "{ user: bwadmin, key_file: /nonexistent/key, key_passphrase: file:/nonexistent/pp, password: env:XSPCTL_TEST_SURELY_UNSET_VARIABLE }",
    );
    assert_eq!(p.hosts[0].connection.auth.len(), 2);
}

#[test]
fn loading_touches_no_host() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let text = format!(
        "version: 1\ndefaults: {{ connection: {{ user: u, agent: true, port: {port}, jump: j }} }}\n\
         jump_hosts: {{ j: {{ address: 127.0.0.1, port: {port} }} }}\n\
         farms:\n- {{ name: f, product: xsp, release: R23, roles: [xsi], hosts: [{{ name: h, address: 127.0.0.1 }}] }}\n"
    );
    let p = load_str(Path::new("net.yaml"), &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.hosts[0].connection.port, port);
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("loading connected to the host: {other:?}"),
    }
}
