//! No secret leaks: unique secret values (and a private key's content) are seeded
//! into secret facts (and a private file fact), applied to
//! a live xspsim XSP over SSH (set, unchanged, rotated, failed and rolled back,
//! refused by the CLI), and then every artefact a run leaves is searched for them:
//! plan files, journals, backups, transcripts, the text, JSON and JUnit reports,
//! the host's record of secrets, and what the xspctl binary prints.
use crate::lab;

use std::path::{Path, PathBuf};

use lab::{Spec, TestLab};
use xspctl::apply::{ApplyJob, ApplyReport, ApplyStatus, LockedRead, apply_host};
use xspctl::bwcli::DriverOptions;
use xspctl::desired::DesiredTree;
use xspctl::hostlink::SshLink;
use xspctl::live::link::LockOwner;
use xspctl::plan::file::{FORMAT_VERSION, PlanFile};
use xspctl::plan::secrets::SecretPolicy;
use xspctl::report::{Format, HostResult, HostStatus, RunReport, render};
use xspctl::secret::record::SECRET_RECORD;
use xspctl::store::Store;
use xspsim::host::{Faults, Product, Release};

const CISCO: &str = "/Applications/AuthenticationService/IdentityProviders/Cisco";
const NPS: &str = "/Applications/NotificationPushServer/CiscoCI/Client";

/// Secret values no other text contains: this process's id and a counter.
fn canaries(round: u32) -> [String; 3] {
    let pid = std::process::id();
    ["clientSecret", "npsSecret", "RefreshToken"].map(|n| format!("Canary-{n}-{pid}-r{round}-Zq7"))
}

struct Leaks {
    lab: TestLab,
    store: Store,
    secrets_dir: PathBuf,
    /// Every canary seeded so far.
    seeded: Vec<String>,
    /// Every report rendered and every message returned.
    texts: Vec<String>,
    runs: u32,
}

impl Leaks {
    fn start() -> Leaks {
        let lab = TestLab::start(
            "secret-leaks",
            &[Spec {
                name: "xsp1",
                product: Product::Xsp,
                release: Release::R22,
            }],
        );
        let out = lab.bwcli(
            "xsp1",
            &[
                "cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService;deploy application /authService",
                "activate application NotificationPushServer 22.0_1.1123",
            ],
        );
        assert_eq!(out.matches("...Done").count(), 3, "{out}");
        let secrets_dir = lab.dir.path().join("secrets");
        std::fs::create_dir(&secrets_dir).unwrap();
        let store = Store::new(lab.dir.path().join("state"));
        Leaks {
            lab,
            store,
            secrets_dir,
            seeded: Vec::new(),
            texts: Vec::new(),
            runs: 0,
        }
    }

    /// Seeds this round's values into the files the facts name, and a private
    /// key's content into the key file uploaded.
    fn seed(&mut self, round: u32) {
        for (i, value) in canaries(round).iter().enumerate() {
            std::fs::write(self.secrets_dir.join(format!("s{i}")), value).unwrap();
            self.seeded.push(value.clone());
        }
        let key = format!("Canary-key-{}-r{round}-Wx3", std::process::id());
        std::fs::write(
            self.secrets_dir.join("key"),
            format!("-----BEGIN PRIVATE KEY-----\n{key}\n-----END PRIVATE KEY-----\n"),
        )
        .unwrap();
        self.seeded.push(key);
    }

    fn desired(&self) -> DesiredTree {
        let f = |i: u32| self.secrets_dir.join(format!("s{i}")).display().to_string();
        let yaml = format!(
            "facts:
  - attribute: {{context: {CISCO}, name: clientId, value: my-client}}
  - attribute: {{context: {CISCO}, name: clientSecret, secret: \"file:{}\"}}
  - attribute: {{context: {NPS}, name: clientSecret, secret: \"file:{}\", restart: true}}
  - attribute: {{context: {NPS}, name: RefreshToken, secret: \"file:{}\", restart: true}}
files:
  - {{path: /var/broadworks/tmp/leak.key, source: {}, mode: \"600\", private: true}}
",
            f(0),
            f(1),
            f(2),
            self.secrets_dir.join("key").display()
        );
        serde_saphyr::from_str(&yaml).expect("facts")
    }

    /// One run as `apply` makes it: plan file, apply, transcript, reports.
    fn run(&mut self, policy: SecretPolicy, planned: impl FnOnce(&TestLab)) -> ApplyReport {
        self.runs += 1;
        let run_id = format!("leak-run-{}", self.runs);
        let owner = LockOwner::this_process(&run_id);
        let journal = self.store.journal(&run_id).expect("journal");
        let job = ApplyJob {
            host: "xsp1",
            plan: None,
            store: &self.store,
            journal: &journal,
            run_id: &run_id,
            owner: &owner,
            gate: None,
        };
        let mut link = SshLink::connect(&self.lab.ssh_target("xsp1"), DriverOptions::default())
            .expect("connects");
        let desired = self.desired();
        let lab = &self.lab;
        let report = apply_host(&mut link, &job, |link| {
            let read = LockedRead::with_policy(desired, "xsp1", "farm-xsp1", link, policy);
            planned(lab);
            read
        });
        link.finish()
            .write_to(&self.store.transcript_path(&run_id, "xsp1"))
            .expect("transcript");

        let plan = report.plan.clone().expect("planned");
        PlanFile {
            format_version: FORMAT_VERSION,
            xspctl_version: "test".into(),
            playbook_sha256: "00".into(),
            created: "2026-01-01T00:00:00Z".into(),
            hosts: vec![plan.clone()],
        }
        .save(&self.store.root().join(format!("plan-{}.json", self.runs)))
        .expect("plan file");
        let error = match &report.status {
            ApplyStatus::Failed {
                error, rollback, ..
            } => format!("{error}\n{rollback:?}"),
            other => format!("{other:?}"),
        };
        let mut result = HostResult::failed("xsp1", "farm-xsp1", HostStatus::Failed, error);
        result.plan = Some(plan);
        result.notes = report.notes.clone();
        let run = RunReport {
            command: "apply".into(),
            run_id,
            hosts: vec![result],
        };
        for format in [Format::Text, Format::Json, Format::Junit] {
            self.texts.push(render(&run, format, false));
        }
        report
    }

    /// Every file under `dir`, with its text.
    fn files(dir: &Path) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(Leaks::files(&path));
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                out.push((path, text));
            }
        }
        out
    }

    /// Asserts that no seeded value appears anywhere a run leaves text, and that
    /// each kind of artefact was there to be searched.
    fn assert_no_leak(&self, printed: &[String]) {
        let mut places: Vec<(String, String)> = Leaks::files(self.store.root())
            .into_iter()
            .map(|(p, t)| (p.display().to_string(), t))
            .collect();
        let record = self
            .lab
            .host("xsp1")
            .fs_root()
            .join(SECRET_RECORD.trim_start_matches('/'));
        places.push((
            "the host's record".into(),
            std::fs::read_to_string(&record).expect("the record exists"),
        ));
        for (i, t) in self.texts.iter().chain(printed).enumerate() {
            places.push((format!("report or output {i}"), t.clone()));
        }
        for kind in ["journal/", "backups/", "transcripts/", "plan-"] {
            assert!(
                places.iter().any(|(p, _)| p.contains(kind)),
                "nothing to search under {kind}: {:?}",
                places.iter().map(|(p, _)| p).collect::<Vec<_>>()
            );
        }
        // As written, and hex-encoded (as a backup keeps a file's bytes).
        let needles: Vec<String> = self
            .seeded
            .iter()
            .flat_map(|v| [v.clone(), hex::encode(v)])
            .collect();
        for (place, text) in &places {
            for needle in &needles {
                assert!(
                    !text.contains(needle.as_str()),
                    "{place} holds a secret:\n{text}"
                );
            }
        }
    }
}

#[test]
fn no_seeded_secret_appears_in_any_artefact_of_any_outcome() {
    let mut t = Leaks::start();
    t.seed(1);
    // Set, then unchanged.
    let first = t.run(SecretPolicy::Compare, |_| {});
    assert!(
        matches!(first.status, ApplyStatus::Changed { writes: 5, .. }),
        "{:?}",
        first.status
    );
    assert_eq!(t.run(SecretPolicy::Compare, |_| {}).status, ApplyStatus::Ok);
    // The values are on the host (xspsim's own state holds them in clear, and the
    // key file holds the key).
    let host = t.lab.host("xsp1");
    let state = std::fs::read_to_string(host.host_dir().join("state.json")).unwrap();
    let key = std::fs::read_to_string(host.fs_root().join("var/broadworks/tmp/leak.key")).unwrap();
    assert!(
        t.seeded
            .iter()
            .all(|s| state.contains(s.as_str()) || key.contains(s.as_str()))
    );

    // Rotated to new values, failing after the writes: rolled back, with notes.
    t.seed(2);
    let failed = t.run(SecretPolicy::Compare, |lab| {
        lab.faults(
            "xsp1",
            Faults {
                fail_pattern: Some("^get$".into()),
                ..Faults::default()
            },
        )
    });
    assert!(
        matches!(failed.status, ApplyStatus::Failed { .. }),
        "{:?}",
        failed.status
    );
    assert_eq!(failed.notes.len(), 3, "{:?}", failed.notes);

    // The CLI refuses the secret's set: its error is reported, masked.
    t.lab.faults("xsp1", Faults::default());
    t.seed(3);
    let refused = t.run(SecretPolicy::Rotate, |lab| {
        lab.faults(
            "xsp1",
            Faults {
                fail_pattern: Some("^set RefreshToken".into()),
                ..Faults::default()
            },
        )
    });
    assert!(
        matches!(refused.status, ApplyStatus::Failed { .. }),
        "{:?}",
        refused.status
    );

    // The binary: plan and apply of the lab's playbook with the secrets in its
    // environment, both rotating (its modules render no secret yet; what it
    // prints and keeps is searched all the same).
    t.lab.faults("xsp1", Faults::default());
    let playbook = t.lab.playbook("leaks.yaml", &[("xsp1", "xsp", "R22", "")]);
    let pb = playbook.display().to_string();
    let mut printed = Vec::new();
    for args in [
        vec!["plan", "-f", &pb, "--rotate-secrets"],
        vec!["apply", "-f", &pb, "--yes", "--rotate-secrets"],
        vec!["--format", "json", "plan", "-f", &pb, "--rotate-secrets"],
    ] {
        let run = t.lab.xspctl(&args);
        assert_eq!(run.code, 0, "{}", run.all());
        printed.push(run.stdout);
        printed.push(run.stderr);
    }
    t.assert_no_leak(&printed);
}
