//! The README's first command: `xspctl lab` on a fresh checkout, no root, no network.
use std::process::Command;

#[test]
fn the_lab_demo_converges_and_verifies() {
    let out = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--color", "never", "lab"])
        .env_remove("RUST_LOG")
        .output()
        .expect("xspctl lab runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for phase in ["== xspctl plan", "== xspctl apply", "== xspctl verify"] {
        assert!(stderr.contains(phase), "{stderr}");
    }
    // plan: every host has changes (the AS pair: its Webex CTI client identity).
    assert!(
        stdout.contains("xsp1  xsp-farm  changes  19 changes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nps1  nps       changes  4 changes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("as1   as-pair   changes  1 changes"),
        "{stdout}"
    );
    // apply with a rolling restart, then verify: every check passes (per TLS
    // interface: the suite enumeration and the server's order among them).
    assert!(
        stdout.contains("restarted; answering again after"),
        "{stdout}"
    );
    assert!(
        stdout.contains("xsp2  xsp-farm  ok      18 of 18 checks passed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nps1  nps       ok      17 of 17 checks passed"),
        "{stdout}"
    );
}
