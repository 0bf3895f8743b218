//! The engine end to end: the xspctl binary against xspsim hosts over SSH.
use crate::lab;

use lab::{Spec, TLS_INTERFACE, TestLab, sent_lines};
use xspsim::host::{Faults, Product, Release};

fn xsp(name: &'static str) -> Spec {
    Spec {
        name,
        product: Product::Xsp,
        release: Release::R23,
    }
}

fn is_write(line: &str) -> bool {
    let l = line.rsplit(';').next().unwrap_or(line);
    ["add ", "delete ", "set ", "clear "]
        .iter()
        .any(|w| l.starts_with(w))
}

#[test]
fn plan_then_apply_converges_and_a_second_run_sends_no_write() {
    let lab = TestLab::start("converges", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("xsp1"), lab.https_port("xsp1"));

    let plan = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    plan.exits(2);
    let expected = format!(
        "xsp1 (farm farm-xsp1) changes
  /Interface/Http/HttpServer/SSLSettings/Protocols>
    + add {ip} {http} TLSv1.2
  /Interface/Http/HttpServer/SSLSettings/Ciphers>
    + add {ip} {http} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    + add {ip} {http} TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  /Interface/CTI/SSLSettings/Protocols>
    + add {ip} TLSv1.2
  /Interface/CTI/SSLSettings/Ciphers>
    + add {ip} TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
"
    );
    assert!(plan.stdout.starts_with(&expected), "{}", plan.all());
    // Without --detailed-exitcode, pending changes are not an error.
    assert_eq!(lab.xspctl(&["plan", "-f", pb]).code, 0);

    let apply = lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"]);
    apply.exits(0);
    apply.prints("xsp1  farm-xsp1  changed  5 writes");
    let applied = lab.transcripts("xsp1").pop().unwrap();
    assert_eq!(
        sent_lines(&applied).iter().filter(|l| is_write(l)).count(),
        5,
        "{applied}"
    );

    let again = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    again.exits(0);
    again.prints("xsp1  farm-xsp1  ok      0 changes");

    let reapply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    reapply.exits(0);
    reapply.prints("xsp1 (farm farm-xsp1) ok\n");
    assert!(!reapply.stdout.contains("changed"), "{}", reapply.all());
    let last = lab.transcripts("xsp1").pop().unwrap();
    let writes: Vec<String> = sent_lines(&last)
        .into_iter()
        .filter(|l| is_write(l))
        .collect();
    assert!(writes.is_empty(), "a converged host got writes: {writes:?}");

    let verify = lab.xspctl(&["verify", "-f", pb]);
    verify.exits(0);
}

#[test]
fn a_stale_plan_and_a_changed_playbook_are_refused() {
    let lab = TestLab::start("stale", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let plan_file = lab.dir.path().join("plan.json");
    let plan_file = plan_file.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb, "--out", plan_file]);
    plan.exits(0);

    // Another operator changes the host after the plan was reviewed.
    let ip = lab.address("xsp1");
    let out = lab.bwcli(
        "xsp1",
        &[
            "cd /Interface/CTI/SSLSettings/Protocols",
            &format!("add {ip} TLSv1.1"),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let apply = lab.xspctl(&["apply", "-f", pb, "--plan", plan_file]);
    apply.exits(1);
    apply.prints("refused");
    apply.prints("the plan is stale: host xsp1 changed");
    let sent = sent_lines(&lab.transcripts("xsp1").pop().unwrap());
    assert!(!sent.iter().any(|l| is_write(l)), "{sent:?}");

    // A fresh plan applies; a plan made from another version of the playbook does not.
    assert_eq!(lab.xspctl(&["plan", "-f", pb, "--out", plan_file]).code, 0);
    let text = std::fs::read_to_string(pb).unwrap();
    std::fs::write(pb, text.replace("[TLSv1.2]", "[TLSv1.2]  # edited")).unwrap();
    let apply = lab.xspctl(&["apply", "-f", pb, "--plan", plan_file]);
    apply.exits(1);
    apply.complains("was made from a different version of");
}

#[test]
fn a_held_lock_refuses_a_second_apply() {
    let lab = TestLab::start("locked", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    // Another operator's run holds the lock (a file naming its holder; this one
    // in a form this version does not write).
    let lock = lab
        .host("xsp1")
        .fs_root()
        .join("var/broadworks/tmp/xspctl.lock");
    std::fs::write(&lock, "alice@ops1 pid 4242 run R1\n").unwrap();

    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    apply.exits(1);
    apply.prints("host is locked by another xspctl run: alice@ops1 pid 4242 run R1");
    let sent = sent_lines(&lab.transcripts("xsp1").pop().unwrap());
    assert!(!sent.iter().any(|l| is_write(l)), "{sent:?}");

    // `unlock --force --yes` removes it and says whose it was; then apply goes through.
    let unlock = lab.xspctl(&["unlock", "-f", pb, "--host", "xsp1", "--force", "--yes"]);
    unlock.exits(0);
    unlock.prints("removed the lock held by alice@ops1");
    assert_eq!(
        lab.xspctl(&["apply", "-f", pb, "--yes"]).code,
        2,
        "restart required"
    );
    assert!(!lock.exists(), "the lock is released after apply");
}

#[test]
fn two_concurrent_applies_one_wins_the_lock() {
    let lab = TestLab::start("concurrent", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    // Slow the host down so that the two runs overlap.
    lab.faults(
        "xsp1",
        Faults {
            delay_ms: 150,
            ..Faults::default()
        },
    );
    let state = |n: &str| lab.dir.path().join(n);
    let spawn = |dir: std::path::PathBuf| {
        let pb = pb.clone();
        std::thread::spawn(move || {
            lab::run_xspctl(&dir, &["apply", "-f", pb.to_str().unwrap(), "--yes"])
        })
    };
    let (a, b) = (spawn(state("state-a")), spawn(state("state-b")));
    let runs = [a.join().unwrap(), b.join().unwrap()];
    let refused: Vec<&lab::Run> = runs
        .iter()
        .filter(|r| r.stdout.contains("host is locked by another xspctl run"))
        .collect();
    assert_eq!(refused.len(), 1, "{}\n{}", runs[0].all(), runs[1].all());
    assert_eq!(refused[0].code, 1);
    let winner = runs.iter().find(|r| r.code != 1).expect("one run applied");
    winner.prints("5 writes");
}

#[test]
fn a_failure_mid_apply_is_rolled_back_to_the_exact_backup() {
    let lab = TestLab::start("rollback", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let ip = lab.address("xsp1");
    let http = lab.https_port("xsp1");
    // Give the host something of its own at the interface level first.
    lab.bwcli(
        "xsp1",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {http} TLSv1.1"),
        ],
    );
    let read = |lab: &TestLab| {
        lab.bwcli(
            "xsp1",
            &[
                &format!("cd /Interface/Http/HttpServer/SSLSettings/Protocols;get {ip} {http}"),
                &format!("cd /Interface/Http/HttpServer/SSLSettings/Ciphers;get {ip} {http}"),
                &format!("cd /Interface/CTI/SSLSettings/Protocols;get {ip}"),
                &format!("cd /Interface/CTI/SSLSettings/Ciphers;get {ip}"),
            ],
        )
    };
    let before = read(&lab);
    // The third write fails on the host.
    lab.faults(
        "xsp1",
        Faults {
            fail_pattern: Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()),
            fail_message: Some("Failed to write data to the configuration system".into()),
            ..Faults::default()
        },
    );
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    apply.exits(1);
    apply.prints("xsp1 (farm farm-xsp1) rolled back");
    apply.prints("Failed to write data to the configuration system");
    lab.faults("xsp1", Faults::default());
    assert_eq!(
        read(&lab),
        before,
        "the host is back to what it held before"
    );

    // The journal tells the story in order.
    let journal_dir = lab.dir.path().join("state/journal");
    let journal = std::fs::read_dir(&journal_dir)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .find(|j| j.contains("\"rollback\""))
        .expect("a journal with the rollback");
    let events: Vec<String> = journal
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let order = [
        "lock",
        "backup",
        "write",
        "write-failed",
        "rollback-write",
        "rollback",
        "unlock",
    ];
    let mut at = 0;
    for e in &events {
        if at < order.len() && e == order[at] {
            at += 1;
        }
    }
    assert_eq!(at, order.len(), "journal events out of order: {events:?}");

    // `rollback` from the backup is idempotent now.
    let rb = lab.xspctl(&["rollback", "-f", pb, "--host", "xsp1", "--yes"]);
    rb.exits(0);
    rb.prints("already matches backup");
}

#[test]
fn rollback_restores_the_backup_of_a_successful_apply() {
    let lab = TestLab::start("rollback-cmd", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    assert_eq!(lab.xspctl(&["apply", "-f", pb, "--yes"]).code, 2);
    // No change left to make, but the host awaits a restart: still pending.
    let plan = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    plan.exits(2);
    plan.prints("xsp1  farm-xsp1  restart required  0 changes");
    let rb = lab.xspctl(&["rollback", "-f", pb, "--host", "xsp1", "--yes"]);
    rb.exits(2);
    rb.prints("restored backup xsp1-");
    // Back to the fresh host: the same five changes are pending again.
    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.prints("xsp1  farm-xsp1  changes  5 changes");
}

#[test]
fn a_changed_host_key_is_refused_with_its_fingerprint() {
    let lab = TestLab::start("hostkey", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    lab.faults(
        "xsp1",
        Faults {
            change_host_key: true,
            ..Faults::default()
        },
    );
    let plan = lab.xspctl(&["plan", "-f", pb.to_str().unwrap()]);
    plan.exits(1);
    plan.prints("xsp1 (farm farm-xsp1) failed");
    plan.prints("SHA256:");
    assert!(
        plan.stdout.to_lowercase().contains("changed"),
        "{}",
        plan.all()
    );
    assert!(
        lab.transcripts("xsp1").is_empty(),
        "no bwcli session was opened"
    );
}

#[test]
fn a_host_that_contradicts_the_playbook_is_refused() {
    let lab = TestLab::start("mismatch", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R22", TLS_INTERFACE)]);
    let apply = lab.xspctl(&["apply", "-f", pb.to_str().unwrap(), "--yes"]);
    apply.exits(1);
    assert!(
        apply.stdout.contains(
            "xsp1 is XSP R23 (Rel_23.0_1.1075), but the playbook says XSP R22; nothing was changed"
        ),
        "{}",
        apply.all()
    );
}

#[test]
fn one_failing_host_does_not_stop_the_others() {
    let lab = TestLab::start("fleet", &[xsp("xsp1"), xsp("xsp2")]);
    let pb = lab.playbook(
        "pb.yaml",
        &[
            ("xsp1", "xsp", "R23", TLS_INTERFACE),
            ("xsp2", "xsp", "R23", TLS_INTERFACE),
        ],
    );
    lab.faults(
        "xsp1",
        Faults {
            drop_after_commands: Some(3),
            ..Faults::default()
        },
    );
    let apply = lab.xspctl(&[
        "apply",
        "-f",
        pb.to_str().unwrap(),
        "--yes",
        "--format",
        "json",
    ]);
    apply.exits(1);
    let report = apply.json();
    let status = |i: usize| report["hosts"][i]["status"].as_str().unwrap().to_string();
    assert_eq!(status(0), "failed");
    assert_eq!(status(1), "restart-required");
    assert_eq!(report["hosts"][1]["writes"], 5);
}

#[test]
fn a_restart_done_by_hand_is_not_taken_for_granted_at_verify() {
    let lab = TestLab::start("manual-restart", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    assert_eq!(lab.xspctl(&["apply", "-f", pb, "--yes"]).code, 2);
    // The operator restarts BroadWorks on the host themselves: passing handshakes
    // do not prove it (an added suite is not observable), so the pending restart
    // stays until xspctl restarts the host (decisions.md).
    assert_eq!(lab.host("xsp1").exec("restartbw").status, 0);
    let verify = lab.xspctl(&["verify", "-f", pb]);
    verify.exits(2);
    verify.prints("WAIT config.restart-pending");
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"]);
    apply.exits(0);
    apply.prints("restarted; answering again after");
    lab.xspctl(&["verify", "-f", pb]).exits(0);
}

#[test]
fn a_host_behind_a_jump_host_is_planned_and_applied() {
    let lab = TestLab::start("jump", &[xsp("bastion"), xsp("xsp2")]);
    let pb = lab.playbook("pb.yaml", &[("xsp2", "xsp", "R23", TLS_INTERFACE)]);
    // Reach xsp2 only through the simulated bastion (direct-tcpip).
    let bastion = lab
        .connection("bastion")
        .replace(
            "connection: {",
            &format!("{{ address: {},", lab.address("bastion")),
        )
        .replace(", command_timeout: 20s", "");
    let text = std::fs::read_to_string(&pb)
        .unwrap()
        .replace(
            "command_timeout: 20s }",
            "command_timeout: 20s, jump: bastion }",
        )
        .replacen(
            "version: 1\n",
            &format!("version: 1\njump_hosts:\n  bastion: {bastion}\n"),
            1,
        );
    std::fs::write(&pb, &text).unwrap();
    let pb = pb.to_str().unwrap();
    let plan = lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{text}\n{}", plan.all());
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"]);
    apply.exits(0);
    assert_eq!(lab.xspctl(&["verify", "-f", pb]).code, 0);
    // The path really goes through the bastion: when it refuses us, xsp2 is unreachable.
    lab.faults(
        "bastion",
        Faults {
            refuse_auth: true,
            ..Faults::default()
        },
    );
    let refused = lab.xspctl(&["plan", "-f", pb]);
    refused.exits(1);
    refused.prints(&lab.address("bastion").to_string());
}

/// The bwcli commands of a transcript (`bwcli` is typed at the shell, `y` answers
/// the exit confirmation).
fn bwcli_commands(transcript: &str) -> Vec<String> {
    sent_lines(transcript)
        .into_iter()
        .filter(|l| l != "bwcli" && l != "y")
        .collect()
}

fn interface_lists(lab: &TestLab, host: &str) -> String {
    let (ip, http) = (lab.address(host), lab.https_port(host));
    lab.bwcli(
        host,
        &[
            &format!("cd /Interface/Http/HttpServer/SSLSettings/Protocols;get {ip} {http}"),
            &format!("cd /Interface/Http/HttpServer/SSLSettings/Ciphers;get {ip} {http}"),
            &format!("cd /Interface/CTI/SSLSettings/Protocols;get {ip}"),
            &format!("cd /Interface/CTI/SSLSettings/Ciphers;get {ip}"),
        ],
    )
}

#[test]
fn a_connection_lost_mid_apply_is_reconnected_rolled_back_and_unlocked() {
    // Where the second write falls in an apply of this playbook.
    let reference = TestLab::start("drop-reference", &[xsp("xsp1")]);
    let pb = reference.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    assert_eq!(
        reference
            .xspctl(&["apply", "-f", pb.to_str().unwrap(), "--yes"])
            .code,
        2
    );
    let commands = bwcli_commands(&reference.transcripts("xsp1").pop().unwrap());
    let second_write = commands
        .iter()
        .enumerate()
        .filter(|(_, l)| is_write(l))
        .nth(1)
        .map(|(i, _)| i as u32 + 1)
        .expect("two writes");
    drop(reference);

    let lab = TestLab::start("drop-mid-apply", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let before = interface_lists(&lab, "xsp1");
    // The second write runs on the host, but the connection drops before its reply.
    lab.faults(
        "xsp1",
        Faults {
            drop_after_commands: Some(second_write),
            drop_once: true,
            ..Faults::default()
        },
    );
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    apply.exits(1);
    apply.prints("xsp1 (farm farm-xsp1) rolled back");
    apply.prints("the connection was lost");
    apply.prints("is unknown");
    assert_eq!(
        lab.host("xsp1").faults().drop_after_commands,
        None,
        "dropped"
    );
    assert_eq!(interface_lists(&lab, "xsp1"), before, "back to the backup");
    let lock = lab
        .host("xsp1")
        .fs_root()
        .join("var/broadworks/tmp/xspctl.lock");
    assert!(!lock.exists(), "the lock is released");
    // Both sessions are in the transcript: the one that dropped and the reconnect.
    let transcript = lab.transcripts("xsp1").pop().unwrap();
    assert_eq!(
        sent_lines(&transcript)
            .iter()
            .filter(|l| *l == "bwcli")
            .count(),
        2,
        "{transcript}"
    );
    let journal = std::fs::read_dir(lab.dir.path().join("state/journal"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .find(|j| j.contains("\"write-unknown\""))
        .expect("a journal with the unknown write");
    for event in ["\"reconnect\"", "\"rollback\"", "\"unlock\""] {
        assert!(journal.contains(event), "journal lacks {event}:\n{journal}");
    }
    // The next apply is not refused, and converges.
    lab.xspctl(&["apply", "-f", pb, "--yes"])
        .exits(2)
        .prints("5 writes");
}

#[test]
fn a_plan_with_one_stale_host_writes_to_no_host() {
    let names = ["xsp1", "xsp2", "xsp3"];
    let lab = TestLab::start("stale-fleet", &names.map(xsp));
    let farms: Vec<(&str, &str, &str, &str)> = names
        .iter()
        .map(|n| (*n, "xsp", "R23", TLS_INTERFACE))
        .collect();
    let pb = lab.playbook("pb.yaml", &farms);
    let pb = pb.to_str().unwrap();
    let plan_file = lab.dir.path().join("plan.json");
    let plan_file = plan_file.to_str().unwrap();
    lab.xspctl(&["plan", "-f", pb, "--out", plan_file]).exits(0);

    // Another operator changes xsp2 after the plan was reviewed.
    let ip = lab.address("xsp2");
    let out = lab.bwcli(
        "xsp2",
        &[
            "cd /Interface/CTI/SSLSettings/Protocols",
            &format!("add {ip} TLSv1.1"),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    let apply = lab.xspctl(&["apply", "-f", pb, "--plan", plan_file, "--parallel", "1"]);
    apply.exits(1);
    apply.prints("the plan is stale: host xsp2 changed");
    apply.prints("not applied: the plan is applied to all its hosts or to none");
    for name in names {
        let sent = sent_lines(&lab.transcripts(name).pop().unwrap());
        assert!(
            !sent.iter().any(|l| is_write(l)),
            "{name} was written: {sent:?}"
        );
        assert!(
            !lab.host(name)
                .fs_root()
                .join("var/broadworks/tmp/xspctl.lock")
                .exists(),
            "{name} keeps the lock"
        );
    }
    // Narrowed with --host to the fresh hosts, the same plan applies.
    let narrowed = lab.xspctl(&[
        "apply", "-f", pb, "--plan", plan_file, "--host", "xsp1", "--host", "xsp3",
    ]);
    narrowed.exits(2);
    narrowed.prints("xsp1  farm-xsp1  restart required  5 writes");
    narrowed.prints("xsp3  farm-xsp3  restart required  5 writes");
}

#[test]
fn cipher_order_is_planned_applied_verified_and_rolled_back() {
    let lab = TestLab::start("cipher-order", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("xsp1"), lab.https_port("xsp1"));
    let (aes256, aes128) = (
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    );
    // The host holds the playbook's HTTP suites, in the opposite order.
    lab.bwcli(
        "xsp1",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            &format!("add {ip} {http} {aes128}"),
            &format!("add {ip} {http} {aes256}"),
        ],
    );
    let ciphers = |lab: &TestLab| {
        let out = lab.bwcli(
            "xsp1",
            &[&format!(
                "cd /Interface/Http/HttpServer/SSLSettings/Ciphers;get {ip} {http}"
            )],
        );
        let (a, b) = (out.find(aes256).unwrap(), out.find(aes128).unwrap());
        if a < b { "256,128" } else { "128,256" }
    };
    let plan = lab.xspctl(&["plan", "-f", pb]);
    plan.exits(0);
    plan.prints(&format!(
        "  /Interface/Http/HttpServer/SSLSettings/Ciphers>\n    - delete {ip} {http} {aes128}\n    + add {ip} {http} {aes128}\n"
    ));
    lab.xspctl(&["apply", "-f", pb, "--yes", "--restart", "rolling"])
        .exits(0);
    assert_eq!(ciphers(&lab), "256,128", "the playbook's order");
    lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"])
        .exits(0);
    lab.xspctl(&["verify", "-f", pb]).exits(0);

    // Someone reorders the list by hand: verify reports drift.
    lab.bwcli(
        "xsp1",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            &format!("delete {ip} {http} {aes256}"),
            &format!("add {ip} {http} {aes256}"),
        ],
    );
    let verify = lab.xspctl(&["verify", "-f", pb]);
    verify.prints("config.drift");
    assert_ne!(verify.code, 0, "{}", verify.all());

    // Apply puts the order back; rollback restores the backup's order (as found
    // by that apply), not only its rows.
    lab.xspctl(&["apply", "-f", pb, "--yes"]).exits(2);
    assert_eq!(ciphers(&lab), "256,128");
    // Exit 2: the restored order is configured, and runs after a restart.
    lab.xspctl(&["rollback", "-f", pb, "--host", "xsp1", "--yes"])
        .exits(2)
        .prints("restored backup");
    assert_eq!(ciphers(&lab), "128,256", "the backup's order");
}

#[test]
fn a_failed_rollback_reports_each_failure_and_the_command_that_finishes_it() {
    let lab = TestLab::start("rollback-fails", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let (ip, http) = (lab.address("xsp1"), lab.https_port("xsp1"));
    lab.bwcli(
        "xsp1",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {http} TLSv1.1"),
        ],
    );
    let before = interface_lists(&lab, "xsp1");
    // Every delete fails: the apply's last write (TLSv1.1), and every write of the
    // rollback, which must remove what the apply added.
    lab.faults(
        "xsp1",
        Faults {
            fail_pattern: Some("^delete ".into()),
            fail_message: Some("Failed to write data to the configuration system".into()),
            ..Faults::default()
        },
    );
    let apply = lab.xspctl(&["apply", "-f", pb, "--yes"]);
    apply.exits(1);
    apply.prints("ROLLBACK FAILED: rollback incomplete:");
    // Each of the five writes to undo is reported, not only the first.
    assert_eq!(
        apply
            .stdout
            .matches("Failed to write data to the configuration system")
            .count(),
        6,
        "{}",
        apply.all()
    );
    let state = lab.dir.path().join("state");
    let command = apply
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("xspctl --state-dir"))
        .unwrap_or_else(|| panic!("no recovery command\n{}", apply.all()))
        .to_string();
    assert!(
        command.starts_with(&format!(
            "xspctl --state-dir {} rollback -f {pb} --host xsp1 --backup xsp1-",
            state.display()
        )),
        "{command}"
    );
    assert!(
        !apply.stdout.contains(" unlock "),
        "the lock was released: {}",
        apply.all()
    );

    // Once the host accepts deletes again, the printed command restores it.
    lab.faults("xsp1", Faults::default());
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[1..3], ["--state-dir", state.to_str().unwrap()]);
    let rb = lab::run_xspctl(&state, &[&words[3..], &["--yes"]].concat());
    // Exit 2: the restored lists wait for a restart.
    rb.exits(2).prints("restored backup xsp1-");
    assert_eq!(interface_lists(&lab, "xsp1"), before);
}

/// Whether a sent line reads a context (`get`, alone or after `cd X;`).
fn is_read(line: &str) -> bool {
    let l = line.rsplit(';').next().unwrap_or(line);
    l == "get" || l.starts_with("get ")
}

#[test]
fn apply_reads_each_context_once_then_confirms_what_it_wrote() {
    let lab = TestLab::start("reads-once", &[xsp("xsp1")]);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    lab.xspctl(&["plan", "-f", pb]).exits(0);
    let planned = lab.transcripts("xsp1").pop().unwrap();
    let plan_reads = sent_lines(&planned).iter().filter(|l| is_read(l)).count();

    lab.xspctl(&["apply", "-f", pb, "--yes"]).prints("5 writes");
    let applied = lab.transcripts("xsp1").pop().unwrap();
    let reads = sent_lines(&applied).iter().filter(|l| is_read(l)).count();
    // The four written contexts (HTTP and CTI protocols and ciphers) are re-read
    // once to confirm the writes; nothing else is read twice.
    assert_eq!(reads, plan_reads + 4, "{applied}");
}
