//! Secret wants through the engine's public API against a live xspsim XSP (R22+)
//! over SSH: the AuthenticationService `clientSecret` (a password attribute: `set
//! clientSecret` prompts for it, `get` shows `********`). Whether the host holds
//! the playbook's secret is decided from the host's record of what xspctl set
//! (`/var/broadworks/tmp/xspctl.secrets`, argon2id hashes, mode 600).
use crate::lab;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use lab::{Spec, TestLab};
use xspctl::apply::{ApplyJob, ApplyStatus, LockedRead, apply_host};
use xspctl::bwcli::DriverOptions;
use xspctl::desired::DesiredTree;
use xspctl::hostlink::SshLink;
use xspctl::live::link::LockOwner;
use xspctl::plan::HostPlan;
use xspctl::plan::secrets::SecretPolicy;
use xspctl::report::{Format, HostResult, HostStatus, RunReport, render};
use xspctl::secret::record::SECRET_RECORD;
use xspctl::store::Store;
use xspsim::host::{Faults, Product, Release};

const CONTEXT: &str = "/Applications/AuthenticationService/IdentityProviders/Cisco";

/// A lab of one R22 XSP with the AuthenticationService deployed, and the file
/// the playbook's secret reference names.
struct SecretLab {
    lab: TestLab,
    secret_file: PathBuf,
    store: Store,
    owner: LockOwner,
}

impl SecretLab {
    fn start(test: &str) -> SecretLab {
        let lab = TestLab::start(
            test,
            &[Spec {
                name: "xsp1",
                product: Product::Xsp,
                release: Release::R22,
            }],
        );
        let out = lab.bwcli(
            "xsp1",
            &["cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService;deploy application /authService"],
        );
        assert!(out.contains("...Done"), "{out}");
        let secret_file = lab.dir.path().join("client-secret");
        let store = Store::new(lab.dir.path().join("state"));
        SecretLab {
            lab,
            secret_file,
            store,
            owner: LockOwner::this_process("secrets-run"),
        }
    }

    /// The playbook's secret is now `value`.
    fn secret_is(&self, value: &str) {
        std::fs::write(&self.secret_file, format!("{value}\n")).expect("secret file");
    }

    /// The facts a template would render: the client id and the client secret.
    fn desired(&self) -> DesiredTree {
        let yaml = format!(
            "facts:
  - attribute: {{context: {CONTEXT}, name: clientId, value: my-client}}
  - attribute: {{context: {CONTEXT}, name: clientSecret, secret: \"file:{}\"}}
",
            self.secret_file.display()
        );
        serde_saphyr::from_str(&yaml).expect("facts")
    }

    fn connect(&self) -> SshLink {
        SshLink::connect(&self.lab.ssh_target("xsp1"), DriverOptions::default()).expect("connects")
    }

    /// The plan as `plan` (or `plan --rotate-secrets`) makes it.
    fn plan(&self, policy: SecretPolicy) -> HostPlan {
        let mut link = self.connect();
        let read = LockedRead::with_policy(self.desired(), "xsp1", "farm-xsp1", &mut link, policy)
            .expect("plans");
        let _ = link.finish();
        read.plan
    }

    /// Each secret with its state, and the command lines with their notes.
    fn shown(&self, policy: SecretPolicy) -> (Vec<String>, Vec<String>) {
        let plan = self.plan(policy);
        let secrets = plan
            .secrets
            .iter()
            .map(|s| format!("{} ({})", s.name, s.state()))
            .collect();
        let ops = plan
            .ops
            .iter()
            .map(|o| format!("{} ({})", o.command_line(), o.note().unwrap_or_default()))
            .collect();
        (secrets, ops)
    }

    fn apply(&self, policy: SecretPolicy) -> (ApplyStatus, Vec<String>) {
        self.apply_then(policy, || {})
    }

    /// Applies, calling `planned` once the plan is made under the lock, before
    /// the first write.
    fn apply_then(
        &self,
        policy: SecretPolicy,
        planned: impl FnOnce(),
    ) -> (ApplyStatus, Vec<String>) {
        let journal = self.store.journal(&self.owner.run_id).expect("journal");
        let job = ApplyJob {
            host: "xsp1",
            plan: None,
            store: &self.store,
            journal: &journal,
            run_id: &self.owner.run_id,
            owner: &self.owner,
            gate: None,
        };
        let mut link = self.connect();
        let report = apply_host(&mut link, &job, |link| {
            let read = LockedRead::with_policy(self.desired(), "xsp1", "farm-xsp1", link, policy);
            planned();
            read
        });
        let _ = link.finish();
        (report.status, report.notes)
    }

    /// The host's record file, as its file system holds it.
    fn record_path(&self) -> PathBuf {
        self.lab
            .host("xsp1")
            .fs_root()
            .join(SECRET_RECORD.trim_start_matches('/'))
    }

    /// The host's whole saved state, where xspsim keeps what `set` stored.
    fn host_state(&self) -> String {
        std::fs::read_to_string(self.lab.host("xsp1").host_dir().join("state.json"))
            .expect("state.json")
    }
}

/// The text report of a plan run with this host's plan.
fn text_report(plan: HostPlan) -> String {
    let mut host = HostResult::failed("xsp1", "farm-xsp1", HostStatus::Changes, String::new());
    host.error = None;
    host.plan = Some(plan);
    let run = RunReport {
        command: "plan".into(),
        run_id: "r".into(),
        hosts: vec![host],
    };
    render(&run, Format::Text, false)
}

const UNCHANGED: &str = "clientSecret (secret, unchanged)";
const WILL_BE_SET: &str = "clientSecret (secret, will be set)";

#[test]
fn a_secret_set_once_is_unchanged_and_is_set_again_when_it_changes_or_its_record_goes() {
    let t = SecretLab::start("secrets-lifecycle");
    t.secret_is("first-Client-Secret-9d41");

    // Never set by xspctl: no record, so a set (the value is on no line).
    let (secrets, ops) = t.shown(SecretPolicy::Compare);
    assert_eq!(secrets, [WILL_BE_SET]);
    assert_eq!(
        ops,
        [
            "set clientId my-client (was: )",
            "set clientSecret (secret, will be set: the host's record of secrets set by xspctl has none here)"
        ]
    );
    let (status, notes) = t.apply(SecretPolicy::Compare);
    assert!(
        matches!(status, ApplyStatus::Changed { writes: 2, .. }),
        "{status:?}"
    );
    assert!(notes.is_empty(), "{notes:?}");
    // The host holds the value typed at its password prompts.
    assert!(t.host_state().contains("first-Client-Secret-9d41"));

    // The record: mode 600, a salted argon2id hash, not the value.
    let meta = std::fs::metadata(t.record_path()).expect("the record exists");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let record = std::fs::read_to_string(t.record_path()).unwrap();
    assert!(
        record.contains(&format!("{CONTEXT} clientSecret")),
        "{record}"
    );
    assert!(record.contains("$argon2id$"), "{record}");
    assert!(!record.contains("first-Client-Secret-9d41"), "{record}");

    // Set once: unchanged, and nothing to do.
    let (secrets, ops) = t.shown(SecretPolicy::Compare);
    assert_eq!(secrets, [UNCHANGED]);
    assert!(ops.is_empty(), "{ops:?}");
    // As `plan` prints it.
    let text = text_report(t.plan(SecretPolicy::Compare));
    assert!(
        text.contains(&format!(
            "  {CONTEXT}>\n    = clientSecret (secret, unchanged)"
        )),
        "{text}"
    );
    assert!(matches!(t.apply(SecretPolicy::Compare).0, ApplyStatus::Ok));

    // The playbook's secret changes: set again.
    t.secret_is("second-Client-Secret-77ab");
    let (secrets, ops) = t.shown(SecretPolicy::Compare);
    assert_eq!(secrets, [WILL_BE_SET]);
    let text = text_report(t.plan(SecretPolicy::Compare));
    assert!(
        text.contains("~ set clientSecret  (secret, will be set: the playbook's secret differs"),
        "{text}"
    );
    assert_eq!(
        ops,
        [
            "set clientSecret (secret, will be set: the playbook's secret differs from the one xspctl last set)"
        ]
    );
    assert!(matches!(
        t.apply(SecretPolicy::Compare).0,
        ApplyStatus::Changed { writes: 1, .. }
    ));
    assert!(t.host_state().contains("second-Client-Secret-77ab"));
    assert_eq!(t.shown(SecretPolicy::Compare).0, [UNCHANGED]);

    // The record is removed (someone set the secret by hand): set again.
    std::fs::remove_file(t.record_path()).unwrap();
    let (secrets, ops) = t.shown(SecretPolicy::Compare);
    assert_eq!(secrets, [WILL_BE_SET]);
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(matches!(
        t.apply(SecretPolicy::Compare).0,
        ApplyStatus::Changed { writes: 1, .. }
    ));
    assert_eq!(t.shown(SecretPolicy::Compare).0, [UNCHANGED]);
}

#[test]
fn rotate_secrets_forces_a_set_of_an_unchanged_secret() {
    let t = SecretLab::start("secrets-rotate");
    t.secret_is("rotating-Secret-5c20");
    assert!(matches!(
        t.apply(SecretPolicy::Compare).0,
        ApplyStatus::Changed { .. }
    ));
    assert_eq!(t.shown(SecretPolicy::Compare).0, [UNCHANGED]);
    let before = std::fs::read_to_string(t.record_path()).unwrap();

    let (secrets, ops) = t.shown(SecretPolicy::Rotate);
    assert_eq!(secrets, [WILL_BE_SET]);
    assert_eq!(
        ops,
        ["set clientSecret (secret, will be set: --rotate-secrets)"]
    );
    assert!(matches!(
        t.apply(SecretPolicy::Rotate).0,
        ApplyStatus::Changed { writes: 1, .. }
    ));
    // A new salt: the record is rewritten, and still recognises the value.
    assert_ne!(std::fs::read_to_string(t.record_path()).unwrap(), before);
    assert_eq!(t.shown(SecretPolicy::Compare).0, [UNCHANGED]);
}

#[test]
fn a_failed_apply_keeps_the_secret_out_of_the_backup_and_says_it_cannot_be_restored() {
    let t = SecretLab::start("secrets-rollback");
    t.secret_is("rollback-Secret-31e5");
    // Both sets go through (the secret's last); the confirmation read after them
    // fails (once planned, the CLI is in the context: a bare `get`), so the apply
    // fails and the rollback runs.
    let (status, notes) = t.apply_then(SecretPolicy::Compare, || {
        t.lab.faults(
            "xsp1",
            Faults {
                fail_pattern: Some("^get$".into()),
                ..Faults::default()
            },
        )
    });
    let ApplyStatus::Failed { backup, .. } = &status else {
        panic!("the apply should fail: {status:?}")
    };
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(&format!(
            "{CONTEXT} clientSecret keeps the secret this apply set (file:"
        )),
        "{notes:?}"
    );
    assert!(notes[0].contains("no rollback restores it"), "{notes:?}");
    let saved = t.store.load_backup("xsp1", Some(backup)).expect("backup");
    assert_eq!(saved.secrets, [format!("{CONTEXT} clientSecret")]);
    assert_eq!(
        saved.contents(),
        [format!("{CONTEXT}: clientId = ")],
        "only what can be restored is held"
    );
    // Not confirmed, so not recorded: the next plan sets it again.
    assert!(!t.record_path().exists());
}
