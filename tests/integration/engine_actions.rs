//! Actions beyond add/set/delete through the engine's public API against a live
//! xspsim XSP over SSH: files uploaded by SFTP and removed, backed up and rolled
//! back. xspsim serves SFTP over the host's own file tree, so the tests compare
//! that tree, bytes and modes, before and after.
use crate::lab;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use lab::{Spec, TestLab};
use xspctl::apply::{ApplyJob, ApplyStatus, LockedRead, apply_host};
use xspctl::bwcli::DriverOptions;
use xspctl::desired::DesiredTree;
use xspctl::hostlink::SshLink;
use xspctl::live::link::LockOwner;
use xspctl::plan::HostPlan;
use xspctl::store::Store;
use xspsim::host::{Faults, Product, Release};

const ANCHOR: &str = "/var/broadworks/tmp/anchor.pem";
const KEY: &str = "/var/broadworks/tmp/server.key";
const XSI: &str = "/Applications/Xsi-Events/BWIntegration";

struct ActionLab {
    lab: TestLab,
    store: Store,
    runs: std::cell::Cell<u32>,
}

impl ActionLab {
    fn start(test: &str) -> ActionLab {
        let lab = TestLab::start(
            test,
            &[Spec {
                name: "xsp1",
                product: Product::Xsp,
                release: Release::R23,
            }],
        );
        let store = Store::new(lab.dir.path().join("state"));
        ActionLab {
            lab,
            store,
            runs: std::cell::Cell::new(0),
        }
    }

    /// A local file holding `text`, for a fact's `source`.
    fn local(&self, name: &str, text: &str) -> PathBuf {
        let path = self.lab.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Where a host path is in xspsim's file tree.
    fn on_host(&self, path: &str) -> PathBuf {
        self.lab
            .host("xsp1")
            .fs_root()
            .join(path.trim_start_matches('/'))
    }

    /// Puts a file on the host behind xspctl's back.
    fn host_file(&self, path: &str, text: &str, mode: u32) {
        let p = self.on_host(path);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Every file of the host's tree: path -> (mode, bytes).
    fn tree(&self) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (u32, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                let meta = std::fs::symlink_metadata(&p).unwrap();
                if meta.is_dir() {
                    walk(root, &p, out);
                } else if meta.is_file() {
                    let rel = p.strip_prefix(root).unwrap().to_path_buf();
                    out.insert(
                        rel,
                        (
                            meta.permissions().mode() & 0o7777,
                            std::fs::read(&p).unwrap(),
                        ),
                    );
                }
            }
        }
        let root = self.lab.host("xsp1").fs_root();
        let mut out = BTreeMap::new();
        walk(&root, &root, &mut out);
        out
    }

    fn connect(&self) -> SshLink {
        SshLink::connect(&self.lab.ssh_target("xsp1"), DriverOptions::default()).expect("connects")
    }

    fn plan(&self, desired: &DesiredTree) -> HostPlan {
        let mut link = self.connect();
        let read = LockedRead::of(desired.clone(), "xsp1", "farm-xsp1", &mut link).expect("plans");
        let _ = link.finish();
        read.plan
    }

    fn apply(&self, desired: &DesiredTree) -> ApplyStatus {
        self.apply_then(desired, || {})
    }

    /// Applies, calling `planned` once the plan is made under the lock, before
    /// the first write.
    fn apply_then(&self, desired: &DesiredTree, planned: impl FnOnce()) -> ApplyStatus {
        self.runs.set(self.runs.get() + 1);
        let owner = LockOwner::this_process(&format!("actions-run-{}", self.runs.get()));
        let journal = self.store.journal(&owner.run_id).expect("journal");
        let job = ApplyJob {
            host: "xsp1",
            plan: None,
            store: &self.store,
            journal: &journal,
            run_id: &owner.run_id,
            owner: &owner,
            gate: None,
        };
        let mut link = self.connect();
        let report = apply_host(&mut link, &job, |link| {
            let read = LockedRead::of(desired.clone(), "xsp1", "farm-xsp1", link);
            planned();
            read
        });
        let _ = link.finish();
        report.status
    }

    /// Makes the queue setting's `set` fail: a write after the uploads.
    fn fail_the_cli_write(&self) {
        self.lab.faults(
            "xsp1",
            Faults {
                fail_pattern: Some("^set eventQueueSize".into()),
                ..Faults::default()
            },
        );
    }
}

/// Files to upload (path, local source, mode, private) plus a CLI write after them.
fn desired(files: &[(&str, Option<&Path>, &str, bool)]) -> DesiredTree {
    let mut yaml = format!(
        "facts:\n  - attribute: {{context: {XSI}, name: eventQueueSize, at_least: 2000}}\nfiles:\n"
    );
    for (path, source, mode, private) in files {
        let source = source
            .map(|s| format!(", source: {}", s.display()))
            .unwrap_or_default();
        yaml.push_str(&format!(
            "  - {{path: {path}{source}, mode: \"{mode}\", private: {private}}}\n"
        ));
    }
    serde_saphyr::from_str(&yaml).expect("desired")
}

fn lines(plan: &HostPlan) -> Vec<String> {
    plan.ops
        .iter()
        .map(|a| format!("{} {}> {}", a.sign(), a.place(), a.command_line()))
        .collect()
}

#[test]
fn an_upload_is_planned_once_applied_and_then_nothing_is_left_to_do() {
    let t = ActionLab::start("actions-upload");
    let ca = t.local("ca.pem", "-----BEGIN CERTIFICATE-----\nnew anchor\n");
    let want = desired(&[(ANCHOR, Some(&ca), "644", false)]);
    let plan = t.plan(&want);
    assert_eq!(
        lines(&plan),
        [
            format!("+ {ANCHOR}> upload {} (mode 644)", ca.display()),
            format!("~ {XSI}> set eventQueueSize 2000"),
        ]
    );
    assert!(matches!(
        t.apply(&want),
        ApplyStatus::Changed { writes: 2, .. }
    ));
    let held = std::fs::read_to_string(t.on_host(ANCHOR)).unwrap();
    assert_eq!(held, "-----BEGIN CERTIFICATE-----\nnew anchor\n");
    assert!(t.plan(&want).ops.is_empty());

    // Another content, or another mode, is uploaded again.
    t.host_file(ANCHOR, "-----BEGIN CERTIFICATE-----\nnew anchor\n", 0o600);
    assert_eq!(lines(&t.plan(&want)).len(), 1);
}

#[test]
fn a_failure_after_uploads_rolls_the_host_file_system_back_to_as_it_was() {
    let t = ActionLab::start("actions-rollback");
    // An anchor that exists (replaced), one that does not (created), and a file
    // that must go (removed).
    t.host_file(ANCHOR, "old anchor\n", 0o640);
    t.host_file("/var/broadworks/tmp/stale.pem", "stale\n", 0o600);
    let before = t.tree();
    let ca = t.local("ca.pem", "new anchor\n");
    let extra = t.local("extra.pem", "extra anchor\n");
    let want = desired(&[
        (ANCHOR, Some(&ca), "644", false),
        ("/var/broadworks/tmp/extra.pem", Some(&extra), "644", false),
        ("/var/broadworks/tmp/stale.pem", None, "644", false),
    ]);
    t.fail_the_cli_write();
    let status = t.apply(&want);
    let ApplyStatus::Failed {
        rollback, backup, ..
    } = &status
    else {
        panic!("the apply should fail: {status:?}")
    };
    assert_eq!(rollback, &Ok(()), "{status:?}");
    assert_eq!(t.tree(), before, "the host's files are as before the apply");
    let saved = t.store.load_backup("xsp1", Some(backup)).expect("backup");
    let contents = saved.contents();
    assert!(
        contents.contains(&format!(
            "file {ANCHOR}: sha256 {}",
            sha256_hex(b"old anchor\n")
        )),
        "{contents:?}"
    );
    assert!(
        contents.contains(&"file /var/broadworks/tmp/extra.pem: absent".to_string()),
        "{contents:?}"
    );
}

#[test]
fn a_private_key_is_kept_aside_on_the_host_never_in_the_backup() {
    let t = ActionLab::start("actions-private");
    t.host_file(
        KEY,
        "-----BEGIN PRIVATE KEY-----\nOLD-KEY-MATERIAL-3f1\n",
        0o600,
    );
    let before = t.tree();
    let key = t.local(
        "new.key",
        "-----BEGIN PRIVATE KEY-----\nNEW-KEY-MATERIAL-8c2\n",
    );
    let want = desired(&[(KEY, Some(&key), "600", true)]);

    // Failing: the old key comes back from where it was kept on the host.
    t.fail_the_cli_write();
    let status = t.apply(&want);
    let ApplyStatus::Failed {
        rollback, backup, ..
    } = &status
    else {
        panic!("the apply should fail: {status:?}")
    };
    assert_eq!(rollback, &Ok(()), "{status:?}");
    assert_eq!(t.tree(), before);
    let run_id = backup
        .strip_prefix("xsp1-")
        .expect("a backup id names its host");
    let text =
        std::fs::read_to_string(t.store.root().join(format!("backups/{run_id}.jsonl"))).unwrap();
    assert!(!text.contains("OLD-KEY-MATERIAL"), "{text}");
    assert!(text.contains("kept_on_host"), "{text}");

    // Succeeding: the new key is in place and nothing is left aside.
    t.lab.faults("xsp1", Faults::default());
    assert!(matches!(t.apply(&want), ApplyStatus::Changed { .. }));
    let after = t.tree();
    let key_file = &after[&PathBuf::from(KEY.trim_start_matches('/'))];
    assert_eq!(key_file.0, 0o600);
    assert!(String::from_utf8_lossy(&key_file.1).contains("NEW-KEY-MATERIAL-8c2"));
    assert!(
        after
            .keys()
            .all(|p| !p.to_string_lossy().contains("xspctl-backup")),
        "{:?}",
        after.keys().collect::<Vec<_>>()
    );
    for f in walk_files(t.store.root()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains("KEY-MATERIAL"),
            "{} holds key material",
            f.display()
        );
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    xspctl::plan::files::sha256(bytes)
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

const TRUSTS: &str = "/Interface/Http/SSLCommonSettings/ClientAuthentication/Trusts";

/// An anchor file uploaded, then loaded by `updateTrust webex-ca <file>`,
/// observed in the Trusts table; plus the CLI write that can be made to fail.
fn trust(ca: &Path) -> DesiredTree {
    let yaml = format!(
        "facts:
  - attribute: {{context: {XSI}, name: eventQueueSize, at_least: 2000}}
files:
  - {{path: {ANCHOR}, source: {}}}
commands:
  - context: {TRUSTS}
    line: [updateTrust, webex-ca, {ANCHOR}]
    observe: {{columns: [Alias, Issuer], present: [[webex-ca]]}}
    uses: [{ANCHOR}]
    undo: [delete, webex-ca]
",
        ca.display()
    );
    serde_saphyr::from_str(&yaml).expect("desired")
}

/// The Trusts table as the host shows it, read independently of xspctl.
fn trusts(t: &ActionLab) -> String {
    let out = t.lab.bwcli("xsp1", &[&format!("cd {TRUSTS}"), "get"]);
    out.lines()
        .filter(|l| l.contains("webex-ca") || l.contains("entries found"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ca(t: &ActionLab, name: &str, cn: &str) -> PathBuf {
    let pem = xspsim::pki::self_signed(cn, 365)
        .expect("certificate")
        .cert_pem;
    t.local(name, &pem)
}

#[test]
fn update_trust_runs_when_its_row_is_missing_or_its_file_changes_and_rolls_back_both() {
    let t = ActionLab::start("actions-update-trust");
    let first = ca(&t, "ca1.pem", "Webex CA One");
    let want = trust(&first);
    assert_eq!(
        lines(&t.plan(&want)),
        [
            format!("+ {ANCHOR}> upload {} (mode 644)", first.display()),
            format!("~ {TRUSTS}> updateTrust webex-ca {ANCHOR}"),
            format!("~ {XSI}> set eventQueueSize 2000"),
        ]
    );
    assert!(matches!(
        t.apply(&want),
        ApplyStatus::Changed { writes: 3, .. }
    ));
    let loaded = trusts(&t);
    assert!(loaded.contains("Webex CA One"), "{loaded}");
    assert!(
        t.plan(&want).ops.is_empty(),
        "observed, so nothing to run again"
    );

    // A new anchor: uploaded and loaded again; the later write fails, so the old
    // file comes back and `updateTrust` re-runs on it.
    let files_before = t.tree();
    let second = ca(&t, "ca2.pem", "Webex CA Two");
    t.lab.faults(
        "xsp1",
        Faults {
            fail_pattern: Some("^set eventQueueSize 3000".into()),
            ..Faults::default()
        },
    );
    let mut again = trust(&second);
    let DesiredTree { facts, .. } = desired_at_least("3000");
    again.facts = facts;
    let plan = t.plan(&again);
    assert_eq!(
        plan.ops[1].note().as_deref(),
        Some(format!("{ANCHOR} is uploaded").as_str())
    );
    let status = t.apply(&again);
    let ApplyStatus::Failed { rollback, .. } = &status else {
        panic!("the apply should fail: {status:?}")
    };
    assert_eq!(rollback, &Ok(()), "{status:?}");
    assert_eq!(t.tree(), files_before);
    assert_eq!(trusts(&t), loaded, "the Trusts table is as before");
}

#[test]
fn a_trust_added_by_a_failed_apply_is_undone() {
    let t = ActionLab::start("actions-trust-undo");
    let before = (t.tree(), trusts(&t));
    assert!(!before.1.contains("webex-ca"), "{}", before.1);
    t.fail_the_cli_write();
    let status = t.apply(&trust(&ca(&t, "ca.pem", "Webex CA")));
    let ApplyStatus::Failed { rollback, .. } = &status else {
        panic!("the apply should fail: {status:?}")
    };
    assert_eq!(rollback, &Ok(()), "{status:?}");
    assert_eq!((t.tree(), trusts(&t)), before);
}

/// Only the queue fact, with its minimum.
fn desired_at_least(min: &str) -> DesiredTree {
    serde_saphyr::from_str(&format!(
        "facts:\n  - attribute: {{context: {XSI}, name: eventQueueSize, at_least: {min}}}\n"
    ))
    .expect("desired")
}

const CERTS: &str = "/Interface/Http/HttpServer/SSLSettings/Certificates";
const KEY_FILE: &str = "/var/broadworks/tmp/xsp.key";
const CERT_FILE: &str = "/var/broadworks/tmp/xsp.crt";

/// A new server certificate for the HTTP interface: key and certificate files
/// present only around `sslUpdate`, observed by the subject in Certificates.
fn ssl_update(t: &ActionLab, cn: &str) -> DesiredTree {
    let pair = xspsim::pki::self_signed(cn, 365).expect("certificate");
    let key = t.local(&format!("{cn}.key"), &pair.key_pem);
    let cert = t.local(&format!("{cn}.crt"), &pair.cert_pem);
    let (ip, port) = (t.lab.address("xsp1"), t.lab.https_port("xsp1"));
    let yaml = format!(
        "files:
  - {{path: {KEY_FILE}, source: {}, mode: \"600\", private: true, transient: true}}
  - {{path: {CERT_FILE}, source: {}, transient: true}}
commands:
  - context: {CERTS}
    line: [sslUpdate, \"{ip}\", \"{port}\", keyFile, {KEY_FILE}, certificateFile, {CERT_FILE}]
    observe: {{columns: [Interface IP, Port, Subject], key_len: 3, present: [[\"{ip}\", \"{port}\", \"{cn}\"]]}}
    uses: [{KEY_FILE}, {CERT_FILE}]
    restart: true
",
        key.display(),
        cert.display()
    );
    serde_saphyr::from_str(&yaml).expect("desired")
}

#[test]
fn ssl_update_has_its_key_on_the_host_only_while_it_runs_and_is_observed_once_done() {
    let t = ActionLab::start("actions-ssl-update");
    let before = t.tree();
    let want = ssl_update(&t, "Webex XSP One");
    let plan = t.plan(&want);
    assert_eq!(
        plan.ops.iter().map(|a| a.sign()).collect::<String>(),
        "++~--",
        "{:?}",
        lines(&plan)
    );
    assert_eq!(
        plan.ops[2].command_line(),
        format!(
            "sslUpdate {} {} keyFile {KEY_FILE} certificateFile {CERT_FILE}",
            t.lab.address("xsp1"),
            t.lab.https_port("xsp1")
        )
    );
    assert!(matches!(
        t.apply(&want),
        ApplyStatus::Changed { writes: 5, .. }
    ));
    // The key and certificate files are gone again; the interface shows the new
    // certificate; nothing is left to do.
    assert_eq!(t.tree(), before);
    let certs = t.lab.bwcli("xsp1", &[&format!("cd {CERTS}"), "get"]);
    assert!(certs.contains("Webex XSP One"), "{certs}");
    assert!(t.plan(&want).ops.is_empty());

    // A later write fails: the key file is gone all the same, and the rollback
    // says that the certificate cannot be put back (its old key is not readable).
    let mut next = ssl_update(&t, "Webex XSP Two");
    next.facts = desired_at_least("2000").facts;
    t.fail_the_cli_write();
    let status = t.apply(&next);
    let ApplyStatus::Failed { rollback, .. } = &status else {
        panic!("the apply should fail: {status:?}")
    };
    let why = rollback.as_ref().unwrap_err();
    assert!(why.contains("sslUpdate"), "{why}");
    assert!(why.contains("cannot be undone"), "{why}");
    assert!(why.contains("Webex XSP One"), "names what was there: {why}");
    assert_eq!(t.tree(), before);
    for f in walk_files(t.store.root()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains("PRIVATE KEY"),
            "{} holds key material",
            f.display()
        );
    }
}

#[test]
fn apply_refuses_a_version_2_plan_file_by_its_version_and_touches_no_host() {
    let t = ActionLab::start("actions-plan-v2");
    let playbook = t.lab.playbook("v2.yaml", &[("xsp1", "xsp", "R23", "")]);
    let plan = t.lab.dir.path().join("old-plan.json");
    // What an xspctl before actions wrote: untagged CLI operations.
    std::fs::write(
        &plan,
        format!(
            r#"{{"format_version":2,"xspctl_version":"0.1.0","playbook_sha256":"{}",
            "created":"2026-01-01T00:00:00Z","hosts":[{{"host":"xsp1","farm":"farm-xsp1",
            "snapshot":"ab","ops":[{{"context":"{XSI}","verb":"set",
            "args":["eventQueueSize","2000"],"before":"1000","after":"2000","restart":true}}],
            "views":[]}}]}}"#,
            xspctl::plan::file::file_sha256(&playbook).unwrap()
        ),
    )
    .unwrap();
    let before = t.lab.bwcli("xsp1", &[&format!("cd {XSI}"), "get"]);
    let pb = playbook.display().to_string();
    let pf = plan.display().to_string();
    t.lab
        .xspctl(&["apply", "-f", &pb, "--plan", &pf])
        .exits(1)
        .complains("format version 2 (this xspctl reads 3), made by an older xspctl")
        .complains("help: make a new one with `xspctl plan");
    assert_eq!(t.lab.bwcli("xsp1", &[&format!("cd {XSI}"), "get"]), before);
}

#[test]
fn xspctl_rollback_undoes_a_command_and_flags_the_restart_it_needs() {
    let t = ActionLab::start("actions-rollback-cli");
    let mut want = trust(&ca(&t, "ca.pem", "Webex CA"));
    want.commands[0].restart = true;
    let ApplyStatus::Changed { backup, .. } = t.apply(&want) else {
        panic!("applied")
    };
    assert!(trusts(&t).contains("webex-ca"));
    let playbook = t
        .lab
        .playbook("rollback.yaml", &[("xsp1", "xsp", "R23", "")]);
    let pb = playbook.display().to_string();
    let run = t.lab.xspctl(&[
        "rollback", "-f", &pb, "--host", "xsp1", "--backup", &backup, "--yes",
    ]);
    // The trust is deleted (its undo), the anchor file is gone, and the undone
    // trust waits for a restart like the command did.
    run.exits(2);
    assert!(!trusts(&t).contains("webex-ca"), "{}", run.all());
    assert!(!t.on_host(ANCHOR).exists());
    assert!(run.stdout.contains("restart"), "{}", run.all());
}

#[test]
fn a_connection_lost_after_the_uploads_is_reconnected_and_the_files_restored() {
    let t = ActionLab::start("actions-lost");
    t.host_file(ANCHOR, "old anchor\n", 0o640);
    let before = t.tree();
    let ca = t.local("ca.pem", "new anchor\n");
    let want = desired(&[(ANCHOR, Some(&ca), "644", false)]);
    // The uploads go through; the connection drops at the first CLI command.
    let status = t.apply_then(&want, || {
        t.lab.faults(
            "xsp1",
            Faults {
                drop_after_commands: Some(1),
                drop_once: true,
                ..Faults::default()
            },
        )
    });
    let ApplyStatus::Failed {
        error, rollback, ..
    } = &status
    else {
        panic!("the apply should fail: {status:?}")
    };
    assert!(error.contains("is unknown"), "{error}");
    assert_eq!(rollback, &Ok(()), "{status:?}");
    assert_eq!(t.tree(), before);
}
