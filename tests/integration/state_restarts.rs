//! Pending restarts, locks, rollback and the state directory (issue #7 defects 3,
//! 7, 12, 13), through the real path: the xspctl binary against xspsim hosts.
use crate::lab;

use std::path::{Path, PathBuf};
use std::process::Command;

use lab::{Run, Spec, TestLab};
use xspsim::host::{Endpoint, Product, Release, TlsProtocol};

const AES256: &str = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
const AES128: &str = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
const LOCK: &str = "var/broadworks/tmp/xspctl.lock";
const MARK: &str = "var/broadworks/tmp/xspctl.restart-pending";

fn xsp(name: &'static str) -> Spec {
    Spec {
        name,
        product: Product::Xsp,
        release: Release::R23,
    }
}

/// A TLS block serving TLS 1.2 with `ciphers` on the HTTP interface.
fn tls_http(ciphers: &[&str]) -> String {
    format!(
        "tls:\n  http:\n    level: interface\n    protocols: [TLSv1.2]\n    ciphers: [{}]",
        ciphers.join(", ")
    )
}

/// Writes the lab playbook for `hosts`, all with the same TLS block.
fn playbook(lab: &TestLab, hosts: &[&str], ciphers: &[&str]) -> String {
    let block = tls_http(ciphers);
    let farms: Vec<(&str, &str, &str, &str)> = hosts
        .iter()
        .map(|h| (*h, "xsp", "R23", block.as_str()))
        .collect();
    let pb = lab.playbook("pb.yaml", &farms);
    pb.to_str().unwrap().to_string()
}

/// The HTTPS settings a host is serving now (its running configuration).
fn running_http(lab: &TestLab, host: &str) -> (Vec<TlsProtocol>, Vec<String>) {
    let s = lab
        .host(host)
        .tls_settings(Endpoint::Http)
        .unwrap_or_else(|| panic!("{host} serves HTTPS"));
    let mut ciphers = s.ciphers;
    ciphers.sort();
    (s.protocols, ciphers)
}

fn sorted(ciphers: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ciphers.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Runs xspctl in `cwd` without `--state-dir` (and without XSPCTL_STATE), as an
/// operator would.
fn xspctl_in(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .current_dir(cwd)
        .args(["--color", "never"])
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("XSPCTL_STATE")
        .output()
        .expect("xspctl runs");
    Run::from(out)
}

/// Defect 3: 8 hosts applied in parallel with `--restart rolling` are all
/// restarted, every time: each one serves what was written, and no host is left
/// marked as awaiting a restart.
#[test]
fn a_rolling_apply_restarts_every_written_host_of_eight() {
    let names = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"];
    let lab = TestLab::start("rolling-eight", &names.map(xsp));
    let lists: [&[&str]; 3] = [&[AES256, AES128], &[AES128], &[AES256]];
    for (round, ciphers) in lists.iter().enumerate() {
        let pb = playbook(&lab, &names, ciphers);
        let generations: Vec<u64> = names.iter().map(|h| lab.host(h).generation()).collect();
        if round == 0 {
            // Without a restart, the summary names every host that awaits one.
            let apply = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
            apply.exits(2);
            apply.prints("8 hosts awaiting a restart: h1, h2, h3, h4, h5, h6, h7, h8");
        }
        let apply = lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"]);
        apply.exits(0);
        for (i, h) in names.iter().enumerate() {
            assert!(
                lab.host(h).generation() > generations[i],
                "round {round}: {h} was written but not restarted\n{}",
                apply.all()
            );
            assert_eq!(
                running_http(&lab, h),
                (vec![TlsProtocol::Tls12], sorted(ciphers)),
                "round {round}: {h} does not serve what was applied\n{}",
                apply.all()
            );
            assert!(
                !lab.host(h).fs_root().join(MARK).exists(),
                "round {round}: {h} still marked as awaiting a restart"
            );
        }
        let pending = lab.dir.path().join("state/pending-restarts");
        let left: Vec<_> = std::fs::read_dir(&pending)
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "round {round}: still pending: {left:?}");
    }
}

/// Defect 3: an added suite is not observable by verify's handshakes, so verify
/// keeps the pending restart, and the next rolling apply restarts the host.
#[test]
fn verify_after_an_additive_change_keeps_the_pending_restart() {
    let lab = TestLab::start("additive", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);

    let pb = playbook(&lab, &["h"], &[AES256, AES128]);
    let apply = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
    apply.exits(2);
    apply.prints("restart required");
    apply.prints("awaiting a restart since");
    apply.prints("1 host awaiting a restart: h");
    assert_eq!(running_http(&lab, "h").1, sorted(&[AES256]));

    // Every handshake still passes (the old suite is accepted), yet the change is
    // not in effect: verify says so and keeps the pending restart.
    let verify = lab.xspctl(&["verify", "-f", &pb]);
    verify.exits(2);
    verify.prints("WAIT config.restart-pending");
    assert!(
        !verify.stdout.contains("pending restart is cleared"),
        "{}",
        verify.all()
    );
    assert!(lab.host("h").fs_root().join(MARK).exists());

    let again = lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"]);
    again.exits(0);
    again.prints("restarted; answering again after");
    assert_eq!(running_http(&lab, "h").1, sorted(&[AES256, AES128]));
    // The restart is done: no WAIT, and every HTTP check passes. (The CTI
    // interface, which this playbook leaves alone, is still probed for exposure.)
    let verify = lab.xspctl(&["verify", "-f", &pb]);
    assert!(
        !verify.stdout.contains("config.restart-pending"),
        "{}",
        verify.all()
    );
    let http: Vec<&str> = verify
        .stdout
        .lines()
        .filter(|l| l.contains(" HTTP "))
        .collect();
    assert!(!http.is_empty(), "{}", verify.all());
    assert!(
        http.iter().all(|l| l.trim_start().starts_with("ok ")),
        "{}",
        verify.all()
    );
}

/// Defect 13: state lives beside the playbook, whatever the current directory;
/// a second operator (other state) sees the pending restart from the host's mark.
#[test]
fn state_is_kept_beside_the_playbook_and_the_host_says_a_restart_is_pending() {
    let lab = TestLab::start("state-dir", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    let elsewhere = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();

    xspctl_in(elsewhere.path(), &["apply", "-f", &pb, "--yes"]).exits(2);
    let beside = Path::new(&pb).parent().unwrap().join(".xspctl");
    assert!(beside.join("pending-restarts/h.json").exists());
    assert!(!elsewhere.path().join(".xspctl").exists());

    // From another directory: the same backups and the pending restart.
    let plan = xspctl_in(other.path(), &["plan", "-f", &pb]);
    plan.exits(0);
    plan.prints("restart required");
    plan.prints("0 changes");
    plan.prints("awaiting a restart since");
    let backups = xspctl_in(other.path(), &["backups", "-f", &pb, "--host", "h"]);
    backups.exits(0);
    backups.prints("h-");
    backups.prints("/Interface/Http/HttpServer/SSLSettings/Ciphers");

    // A second operator with their own state sees the host's own mark.
    let theirs = other.path().join("theirs");
    let plan = lab::run_xspctl(&theirs, &["plan", "-f", &pb, "--detailed-exitcode"]);
    plan.exits(2);
    plan.prints("the host says: pending since");
    let by_env = Command::new(env!("CARGO_BIN_EXE_xspctl"))
        .args(["--color", "never", "verify", "-f", &pb])
        .env("XSPCTL_STATE", &theirs)
        .output()
        .unwrap();
    assert_eq!(by_env.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&by_env.stdout).contains("WAIT config.restart-pending"));
    assert!(theirs.join("journal").exists(), "XSPCTL_STATE is used");

    // Their rolling apply restarts it, and clears the host's mark.
    let apply = lab::run_xspctl(
        &theirs,
        &["apply", "-f", &pb, "--yes", "--restart", "rolling"],
    );
    apply.exits(0);
    apply.prints("restarted; answering again after");
    assert!(!lab.host("h").fs_root().join(MARK).exists());
    assert_eq!(running_http(&lab, "h").1, sorted(&[AES256]));
}

/// Defect 12: a rollback changes the configuration, not what runs: it says a
/// restart is needed and records it; `--restart rolling` puts the backup in effect.
#[test]
fn rollback_says_a_restart_is_needed_and_can_restart() {
    let lab = TestLab::start("rollback-restart", &[xsp("h")]);
    let before = running_http(&lab, "h");
    let pb = playbook(&lab, &["h"], &[AES256]);
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    assert_eq!(running_http(&lab, "h").1, sorted(&[AES256]));

    let listed = lab.xspctl(&["backups", "-f", &pb, "--host", "h", "--format", "json"]);
    listed.exits(0);
    let backups = listed.json();
    let id = backups[0]["id"].as_str().expect("a backup id").to_string();
    assert!(backups[0]["created"].as_str().unwrap().ends_with('Z'));

    let rollback = lab.xspctl(&[
        "rollback", "-f", &pb, "--host", "h", "--backup", &id, "--yes",
    ]);
    rollback.exits(2);
    rollback.prints("restart required");
    rollback.prints(&format!("restored backup {id} (taken "));
    rollback.prints("the running configuration is unchanged until BroadWorks restarts");
    assert_eq!(
        running_http(&lab, "h").1,
        sorted(&[AES256]),
        "not in effect yet"
    );
    assert!(lab.host("h").fs_root().join(MARK).exists());
    lab.xspctl(&["plan", "-f", &pb])
        .prints("awaiting a restart since");

    // Apply and restart again; then roll back with --restart rolling: the backup
    // is written and put in effect.
    let apply = lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"]);
    apply.exits(0);
    assert_eq!(running_http(&lab, "h").1, sorted(&[AES256]));
    let rollback = lab.xspctl(&[
        "rollback",
        "-f",
        &pb,
        "--host",
        "h",
        "--backup",
        &id,
        "--yes",
        "--restart",
        "rolling",
    ]);
    rollback.exits(0);
    rollback.prints("restarted; answering again after");
    assert_eq!(running_http(&lab, "h"), before, "the backup is in effect");
    assert!(!lab.host("h").fs_root().join(MARK).exists());
}

/// Defect 12: `backups` is a documented command with an example.
#[test]
fn backups_help_shows_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let help = lab::run_xspctl(dir.path(), &["backups", "--help"]);
    help.exits(0);
    help.prints("xspctl backups -f playbooks/prod.yaml --host xsp1");
}

/// Defect 12: without a terminal and without --yes, rollback refuses and touches
/// nothing.
#[test]
fn rollback_without_yes_off_a_terminal_touches_nothing() {
    let lab = TestLab::start("rollback-no-yes", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(2);
    let rollback = lab.xspctl(&["rollback", "-f", &pb, "--host", "h"]);
    rollback.exits(0);
    rollback.complains("refusing without --yes when not on a terminal");
    rollback.complains("nothing rolled back");
    lab.xspctl(&["plan", "-f", &pb, "--detailed-exitcode"])
        .exits(2);
}

/// This machine's name as xspctl writes it into locks.
fn machine() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// How a lock is laid out on the host.
#[derive(Clone, Copy)]
enum LockLayout {
    /// A file naming its holder (D67).
    File,
    /// A directory holding an `owner` file, as xspctl wrote it before D67.
    LegacyDirectory,
}

/// Writes a lock as a run with this pid (on this machine) would have, in
/// `layout`; returns the file that names the holder.
fn hold_lock(lab: &TestLab, host: &str, pid: u32, age_secs: i64, layout: LockLayout) -> PathBuf {
    let lock = lab.host(host).fs_root().join(LOCK);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let owner = serde_json::json!({
        "run_id": "20261201T000000Z-1",
        "user": "alice",
        "machine": machine(),
        "pid": pid,
        "since": "2026-12-01T00:00:00Z",
        "since_unix": now - age_secs,
    });
    let owner_file = match layout {
        LockLayout::File => lock,
        LockLayout::LegacyDirectory => {
            std::fs::create_dir_all(&lock).unwrap();
            lock.join("owner")
        }
    };
    std::fs::write(&owner_file, owner.to_string()).unwrap();
    owner_file
}

/// Defect 7: a lock whose run is alive on this machine is never removed.
#[test]
fn unlock_refuses_while_the_holder_is_alive_on_this_machine() {
    let lab = TestLab::start("unlock-live", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    let lock = hold_lock(&lab, "h", std::process::id(), 30, LockLayout::File);
    for args in [
        vec!["unlock", "-f", &pb, "--host", "h"],
        vec!["unlock", "-f", &pb, "--host", "h", "--force", "--yes"],
    ] {
        let unlock = lab.xspctl(&args);
        unlock.exits(1);
        unlock.prints("still alive on this machine");
        assert!(lock.exists(), "the live lock is kept");
    }
}

/// Defect 7: a dead holder's lock is reported as stale with its age, and is
/// removed only with --force and a confirmation (--yes off a terminal). The lock
/// is one an xspctl from before D67 left (a directory): it counts as held all the
/// same, and `unlock --force` removes the directory.
#[test]
fn a_stale_lock_is_reported_and_removed_only_with_force_and_confirmation() {
    let lab = TestLab::start("unlock-stale", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let owner = hold_lock(
        &lab,
        "h",
        dead,
        3 * 3600 + 5 * 60,
        LockLayout::LegacyDirectory,
    );
    let lock = owner.parent().unwrap().to_path_buf();

    let apply = lab.xspctl(&["apply", "-f", &pb, "--yes"]);
    apply.exits(1);
    apply.prints(&format!(
        "STALE: pid {dead} is not running on this machine; held for 3h 5m"
    ));

    let unlock = lab.xspctl(&["unlock", "-f", &pb, "--host", "h"]);
    unlock.exits(1);
    unlock.prints("held for 3h 5m");
    unlock.prints("--force");
    let unconfirmed = lab.xspctl(&["unlock", "-f", &pb, "--host", "h", "--force"]);
    unconfirmed.exits(1);
    unconfirmed.complains("refusing without --yes when not on a terminal");
    assert!(owner.exists(), "kept until confirmed");
    let state = lab.dir.path().join("state");
    let asked = on_terminal(
        &state,
        &["unlock", "-f", &pb, "--host", "h", "--force"],
        "no",
    );
    assert!(
        asked.contains("Remove the lock of host h held by alice@"),
        "{asked}"
    );
    assert!(asked.contains("not confirmed; the lock held by"), "{asked}");
    assert!(owner.exists(), "kept when the answer is not yes");

    let unlock = lab.xspctl(&["unlock", "-f", &pb, "--host", "h", "--force", "--yes"]);
    unlock.exits(0);
    unlock.prints("removed the lock held by alice@");
    assert!(!lock.exists());
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(2);
}

/// Defect 7: a run's release removes only its own lock: when its lock was
/// removed and another run took the host, the first run's release leaves the
/// second run's lock in place.
#[test]
fn a_release_never_removes_another_runs_lock() {
    use xspctl::hostlink::SshLink;
    use xspctl::hostrun::{driver_options, ssh_target};
    use xspctl::live::link::{HostLink, LockGuard, LockOwner, Release};

    let lab = TestLab::start("release-own", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    let host = xspctl::playbook::load(Path::new(&pb)).unwrap().hosts[0].clone();
    let target = ssh_target(&host.connection).unwrap();
    let connect = || SshLink::connect(&target, driver_options(&target)).unwrap();
    let (mut first, mut second) = (connect(), connect());
    let owner_file = lab.host("h").fs_root().join(LOCK);

    let guard = LockGuard::take(&mut first, &LockOwner::this_process("run-a")).unwrap();
    // An operator removes run A's lock (as `unlock --force` does); run B takes it.
    assert!(second.remove_lock().unwrap());
    second.lock(&LockOwner::this_process("run-b")).unwrap();
    match guard.release().unwrap() {
        Release::HeldByOther(who) => assert!(who.contains("run run-b"), "{who}"),
        other => panic!("run A's release reported {other:?}"),
    }
    let held = std::fs::read_to_string(&owner_file).expect("run B's lock is kept");
    assert!(held.contains("\"run-b\""), "{held}");

    // Dropped without an explicit release: the same rule holds.
    assert!(LockGuard::take(&mut first, &LockOwner::this_process("run-c")).is_err());
    {
        let _guard = LockGuard::take(&mut second, &LockOwner::this_process("run-d"));
    }
    assert!(
        owner_file.exists(),
        "run D never held it; run B's lock is kept"
    );
    assert_eq!(second.unlock("run-b").unwrap(), Release::Released);
    assert!(!owner_file.exists());
    let _ = (first.finish(), second.finish());
}

/// Runs xspctl on a terminal (util-linux `script` gives it a PTY) with `answer`
/// typed in; returns everything the terminal showed.
fn on_terminal(state: &Path, args: &[&str], answer: &str) -> String {
    use std::io::Write;
    let bin = env!("CARGO_BIN_EXE_xspctl");
    let mut line = format!("'{bin}' --color never --state-dir '{}'", state.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .env_remove("RUST_LOG")
        .spawn()
        .expect("util-linux `script` runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{answer}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Defect 12: on a terminal, rollback names the backup (id, time, contents) in its
/// prompt, and does nothing unless the answer is `yes`.
#[test]
fn the_rollback_prompt_names_the_backup() {
    let lab = TestLab::start("rollback-prompt", &[xsp("h")]);
    let pb = playbook(&lab, &["h"], &[AES256]);
    lab.xspctl(&["apply", "-f", &pb, "--yes"]).exits(2);
    let state = lab.dir.path().join("state");
    // The run's backups: one line per host in `backups/<run id>.jsonl`.
    let run_file = std::fs::read_dir(state.join("backups"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let run_id = run_file.file_stem().unwrap().to_str().unwrap();
    let id = format!("h-{run_id}");
    assert!(
        std::fs::read_to_string(&run_file)
            .unwrap()
            .contains(&format!("\"id\":\"{id}\""))
    );
    let args = ["rollback", "-f", pb.as_str(), "--host", "h"];

    let shown = on_terminal(&state, &args, "y");
    assert!(
        shown.contains(&format!("Roll back host h to backup {id} (taken 20")),
        "{shown}"
    );
    assert!(
        shown.contains("/Interface/Http/HttpServer/SSLSettings/Ciphers"),
        "{shown}"
    );
    assert!(shown.contains("nothing rolled back"), "{shown}");
    lab.xspctl(&["plan", "-f", &pb, "--detailed-exitcode"])
        .prints("0 changes");

    let shown = on_terminal(&state, &args, "yes");
    assert!(shown.contains(&format!("restored backup {id}")), "{shown}");
    lab.xspctl(&["plan", "-f", &pb])
        .prints("h (farm farm-h) changes");
}
