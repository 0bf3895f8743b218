//! The command line as operators meet it: help, completions, man pages, located
//! errors that touch no host, output formats, and secrets that never show.
use crate::lab;

use std::net::TcpListener;
use std::path::Path;

use lab::{Spec, TLS_INTERFACE, TestLab, run_xspctl};
use xspsim::host::{Product, Release};

#[test]
fn every_subcommand_help_shows_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        "validate",
        "schema",
        "plan",
        "apply",
        "verify",
        "handoff",
        "rollback",
        "unlock",
        "lab",
        "completions",
        "man",
    ] {
        let r = run_xspctl(dir.path(), &[sub, "--help"]);
        assert_eq!(r.code, 0, "{sub}: {}", r.all());
        assert!(
            r.stdout.contains("Example"),
            "{sub} --help has no example:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!("xspctl {sub}")),
            "{sub}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn usage_errors_exit_1_not_2() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_xspctl(dir.path(), &["plan"]);
    r.exits(1);
    r.complains("--file <FILE>");
    assert_eq!(run_xspctl(dir.path(), &["--version"]).code, 0);
}

#[test]
fn completions_and_man_pages_come_from_the_cli_definition() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let r = run_xspctl(dir.path(), &["completions", shell]);
        r.exits(0);
        assert!(
            r.stdout.contains("detailed-exitcode"),
            "{shell}: no plan options"
        );
    }
    let out = dir.path().join("man");
    let r = run_xspctl(dir.path(), &["man", "--out-dir", out.to_str().unwrap()]);
    r.exits(0);
    let page = std::fs::read_to_string(out.join("xspctl-apply.1")).unwrap();
    assert!(page.contains("rolling"), "{page}");
    assert!(out.join("xspctl.1").exists());
}

#[test]
fn schema_prints_the_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_xspctl(dir.path(), &["schema"]);
    assert_eq!(r.code, 0);
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/playbook.schema.json"),
    )
    .unwrap();
    assert_eq!(r.stdout, committed);
}

/// Every kind of mistake gets a located error from every command that reads a
/// playbook, and no host is contacted: the hosts point at a listener that counts.
#[test]
fn invalid_playbooks_get_located_errors_and_touch_no_host() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/playbooks");
    let mut seen = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "policy_waived.yaml" {
            continue; // the valid one
        }
        // Point every address of the fixture at the counting listener.
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("192.0.2.", "127.0.0.")
            .replace(
                "address: 127.0.0.",
                &format!("port: {port}\n        address: 127.0.0."),
            );
        let copy = dir.path().join(&name);
        std::fs::write(&copy, text).unwrap();
        let copy = copy.to_str().unwrap();
        for args in [
            vec!["validate", "-f", copy],
            vec!["plan", "-f", copy],
            vec!["apply", "-f", copy, "--yes"],
            vec!["verify", "-f", copy],
        ] {
            let r = run_xspctl(&dir.path().join("state"), &args);
            assert_eq!(r.code, 1, "{name} {args:?}: {}", r.all());
            let located = format!("{}:", copy);
            assert!(
                r.stderr
                    .lines()
                    .any(|l| l.starts_with(&located) && l.contains(": error: ")),
                "{name} {args:?}: no file:line:col error:\n{}",
                r.stderr
            );
            assert!(
                r.stderr.contains("help: ") || name == "yaml_syntax.yaml",
                "{name}: no fix\n{}",
                r.stderr
            );
        }
        seen += 1;
    }
    assert!(seen >= 15, "only {seen} fixtures");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("an invalid playbook led to a connection: {other:?}"),
    }
}

/// Password authentication through an `env:` secret: the password is used, and it
/// shows nowhere — not in output, logs at trace level, plans, journals, backups or
/// transcripts.
#[test]
fn the_ssh_password_never_shows() {
    let lab = TestLab::start(
        "secrets",
        &[Spec {
            name: "xsp1",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let password = std::fs::read_to_string(lab.dir.path().join("lab/password")).unwrap();
    let password = password.trim();
    assert!(password.len() >= 16);
    let pb = lab.playbook("pb.yaml", &[("xsp1", "xsp", "R23", TLS_INTERFACE)]);
    // Password only: drop the key file from the connection.
    let text = std::fs::read_to_string(&pb).unwrap();
    let key = lab.dir.path().join("lab/client_ed25519");
    let text = text.replace(
        &format!("key_file: {}", key.display()),
        "password: env:XSPCTL_TEST_PW",
    );
    assert!(text.contains("env:XSPCTL_TEST_PW"));
    std::fs::write(&pb, text).unwrap();
    let pb = pb.to_str().unwrap();
    let state = lab.dir.path().join("state");
    let log = lab.dir.path().join("trace.log");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xspctl"))
            .args(["--color", "never", "--state-dir", state.to_str().unwrap()])
            .args(["--log-file", log.to_str().unwrap()])
            .args(args)
            .env("XSPCTL_TEST_PW", password)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let plan_file = lab.dir.path().join("plan.json");
    let (code, plan_out) = run(&["plan", "-f", pb, "--out", plan_file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{plan_out}");
    let (code, apply_out) = run(&[
        "apply",
        "-f",
        pb,
        "--plan",
        plan_file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(2), "{apply_out}");
    let (_, verify_out) = run(&["verify", "-f", pb, "--format", "junit"]);
    assert!(verify_out.contains("<testsuites"), "{verify_out}");

    let mut everything = vec![
        plan_out,
        apply_out,
        verify_out,
        std::fs::read_to_string(&log).unwrap(),
    ];
    assert!(
        everything[3].contains("TRACE") || everything[3].contains("DEBUG"),
        "trace logging is on"
    );
    for entry in walk(&state).into_iter().chain([plan_file]) {
        everything.push(std::fs::read_to_string(&entry).unwrap_or_default());
    }
    assert!(
        everything.len() > 6,
        "journal, backup and transcript files were written"
    );
    for (i, text) in everything.iter().enumerate() {
        assert!(
            !text.contains(password),
            "the password shows in item {i}:\n{text}"
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn validate_honours_the_output_format() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/playbooks");
    let bad = fixtures.join("unknown_key.yaml");
    let bad = bad.to_str().unwrap();
    let good = fixtures.join("policy_waived.yaml");
    let good = good.to_str().unwrap();

    let r = run_xspctl(dir.path(), &["validate", "-f", bad, "--format", "json"]);
    r.exits(1);
    assert_eq!(r.stderr, "", "{}", r.all());
    let doc = r.json();
    assert_eq!(doc["command"], "validate");
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["xspctl_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["diagnostics"][0]["line"], 14);
    assert_eq!(doc["diagnostics"][0]["col"], 11);
    assert_eq!(doc["diagnostics"][0]["help"], "did you mean `ciphers`?");

    let r = run_xspctl(dir.path(), &["validate", "-f", good, "--format", "json"]);
    r.exits(0);
    let doc = r.json();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["exit_code"], 0);

    let r = run_xspctl(dir.path(), &["validate", "-f", bad, "--format", "junit"]);
    r.exits(1);
    assert!(r.stdout.starts_with("<?xml"), "{}", r.all());
    r.prints(&format!("name=\"{bad}:14:11\""))
        .prints("<failure message=\"unknown key `ciphres`");
    let r = run_xspctl(dir.path(), &["validate", "-f", good, "--format", "junit"]);
    r.exits(0).prints("tests=\"1\"").prints("failures=\"0\"");
}

/// JSON and text name a check's verdict with the same word, and the JSON report
/// carries the version, the exit code and counts.
#[test]
fn json_report_uses_the_text_words_and_carries_a_summary() {
    let lab = TestLab::start(
        "json-report",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
    let pb = pb.to_str().unwrap();
    let text = lab.xspctl(&["verify", "-f", pb]);
    text.exits(2);
    let json = lab.xspctl(&["verify", "-f", pb, "--format", "json"]);
    json.exits(2);
    let doc = json.json();
    assert_eq!(doc["xspctl_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["command"], "verify");
    let checks = doc["hosts"][0]["checks"].as_array().unwrap();
    let text_marks: Vec<String> = text
        .stdout
        .lines()
        .filter(|l| {
            [
                " config.",
                " tls.",
                " reach.",
                " time.",
                " dns.",
                " topology.",
            ]
            .iter()
            .any(|id| l.contains(id))
        })
        .map(|l| l.split_whitespace().next().unwrap().to_lowercase())
        .collect();
    let json_words: Vec<String> = checks
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(text_marks, json_words, "{}", json.stdout);
    let fails = json_words.iter().filter(|w| *w == "fail").count();
    assert!(fails > 0);
    assert_eq!(doc["summary"]["checks"]["fail"], fails);
    assert_eq!(doc["summary"]["hosts"]["findings"], 1);
}

/// Runs xspctl on a pseudo-terminal (util-linux `script`), so that it colours what
/// it would colour for an operator; returns everything the terminal received.
fn on_a_terminal(args: &[&str]) -> String {
    answering_on_a_terminal(args, "").1
}

/// As `on_a_terminal`, typing `input` there; returns the exit code too.
fn answering_on_a_terminal(args: &[&str], input: &str) -> (i32, String) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_xspctl"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .env_remove("NO_COLOR")
        .spawn()
        .expect("script runs");
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().expect("script ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_apply_prompt_takes_y_and_says_when_nothing_was_applied() {
    let lab = TestLab::start(
        "apply-prompt",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", TLS_INTERFACE)]);
    let pb = pb.to_str().unwrap();
    let state = lab.dir.path().join("state");
    let apply = [
        "--color",
        "never",
        "--state-dir",
        state.to_str().unwrap(),
        "apply",
        "-f",
        pb,
    ];
    let (code, seen) = answering_on_a_terminal(&apply, "no\n");
    assert_eq!(code, 2, "{seen}");
    assert!(seen.contains("Apply these changes? [y/N]"), "{seen}");
    assert!(
        seen.contains("nothing applied: the answer was \"no\""),
        "{seen}"
    );
    lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"])
        .exits(2);

    let (code, seen) = answering_on_a_terminal(&apply, "y\n");
    assert_eq!(code, 2, "restart required: {seen}");
    assert!(seen.contains("restart required"), "{seen}");
    // Applied: no change is left, but the host awaits its restart (pending work).
    lab.xspctl(&["plan", "-f", pb, "--detailed-exitcode"])
        .exits(2)
        .prints("0 changes");
}

#[test]
fn color_never_means_no_styling_on_a_terminal() {
    let lab = TestLab::start(
        "colour-never",
        &[Spec {
            name: "h",
            product: Product::Xsp,
            release: Release::R23,
        }],
    );
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
    let state = lab.dir.path().join("state");
    let styled = |s: &str| s.contains("\u{1b}[1m") || s.contains("\u{1b}[0m");
    // The control: on a terminal, `always` styles help and progress.
    let always = on_a_terminal(&["--color", "always", "--help"]);
    assert!(styled(&always), "{always:?}");
    for args in [
        vec!["--color", "never", "--help"],
        vec!["--color=never", "plan", "--bogus"],
        vec![
            "--color",
            "never",
            "--state-dir",
            state.to_str().unwrap(),
            "verify",
            "-f",
            pb.to_str().unwrap(),
        ],
    ] {
        let seen = on_a_terminal(&args);
        assert!(!seen.is_empty(), "{args:?}: nothing printed");
        assert!(!styled(&seen), "{args:?} styled its output:\n{seen:?}");
    }
}

/// A missing, unreadable, non-key or directory `key_file`, and a missing
/// `known_hosts`, are reported at their place in the playbook before any
/// connection.
#[test]
fn local_files_are_checked_before_any_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Every host but the first is on another loopback address, where nothing
    // listens; the first (127.0.0.1) is the counting listener.
    std::fs::write(d.join("known_hosts"), "").unwrap();
    std::fs::write(d.join("id.pub"), "ssh-ed25519 AAAAC3Nza x@y\n").unwrap();
    std::fs::write(d.join("notes.txt"), "not a key\n").unwrap();
    std::fs::write(
        d.join("id"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::create_dir(d.join("keys")).unwrap();
    let last = std::cell::Cell::new(0);
    let host = |name: &str, conn: &str| {
        last.set(last.get() + 1);
        format!(
            "      - {{ name: {name}, address: 127.0.0.{}, connection: {{ port: {port}, user: u, {conn} }} }}\n",
            last.get()
        )
    };
    let text = format!(
        "version: 1\nfarms:\n  - name: f\n    product: xsp\n    release: R23\n    roles: [xsi]\n    hosts:\n{}{}{}{}{}{}",
        host("missing", "key_file: nope, known_hosts: known_hosts"),
        host("directory", "key_file: keys, known_hosts: known_hosts"),
        host("public", "key_file: id.pub, known_hosts: known_hosts"),
        host("text", "key_file: notes.txt, known_hosts: known_hosts"),
        host(
            "no-known-hosts",
            "key_file: id, known_hosts: absent_known_hosts"
        ),
        host("fine", "key_file: id, known_hosts: known_hosts"),
    );
    // Where a value starts: line and column of `needle`'s value, 1-based.
    let at = |needle: &str| {
        let (i, line) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .unwrap();
        format!(
            "{}:{}",
            i + 1,
            line.find(needle).unwrap() + needle.find(' ').unwrap() + 2
        )
    };
    let pb = d.join("pb.yaml");
    std::fs::write(&pb, &text).unwrap();
    let pb = pb.to_str().unwrap();
    let r = run_xspctl(&d.join("state"), &["plan", "-f", pb]);
    r.exits(1)
        .complains(&format!(
            "{pb}:{}: error: `key_file` of host `missing`: {}/nope does not exist",
            at("key_file: nope"),
            d.display()
        ))
        .complains(&format!(
            "{pb}:{}: error: `key_file` of host `directory`: {}/keys is a directory, not a file",
            at("key_file: keys"),
            d.display()
        ))
        .complains("`key_file` of host `public`")
        .complains("is a public key\n  help: name the private key")
        .complains("/notes.txt is not a private key")
        .complains(&format!(
            "{pb}:{}: error: `known_hosts` of host `no-known-hosts`: {}/absent_known_hosts does not exist",
            at("known_hosts: absent"),
            d.display()
        ))
        .complains("no host was contacted");
    assert!(!r.stderr.contains("host `fine`"), "{}", r.all());
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("a bad local file led to a connection: {other:?}"),
    }
}

#[test]
fn host_and_farm_take_names_globs_and_comma_lists() {
    let spec = |name| Spec {
        name,
        product: Product::Xsp,
        release: Release::R23,
    };
    let lab = TestLab::start("select", &[spec("xsp1"), spec("xsp2"), spec("adp1")]);
    let pb = lab.playbook(
        "pb.yaml",
        &[
            ("xsp1", "xsp", "R23", ""),
            ("xsp2", "xsp", "R23", ""),
            ("adp1", "xsp", "R23", ""),
        ],
    );
    let pb = pb.to_str().unwrap();
    let planned = |args: &[&str]| {
        let mut all = vec!["plan", "-f", pb];
        all.extend_from_slice(args);
        let r = lab.xspctl(&all);
        r.exits(0);
        r.stdout
            .lines()
            .skip_while(|l| !l.starts_with("HOST "))
            .skip(1)
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(planned(&["--host", "xsp*"]), ["xsp1", "xsp2"]);
    assert_eq!(planned(&["--host", "adp1,xsp2"]), ["xsp2", "adp1"]);
    assert_eq!(
        planned(&["--host", "xsp1", "--host", "adp1"]),
        ["xsp1", "adp1"]
    );
    assert_eq!(planned(&["--farm", "farm-xsp?"]), ["xsp1", "xsp2"]);
    assert_eq!(planned(&["--farm", "farm-x*", "--host", "*2"]), ["xsp2"]);
    lab.xspctl(&["plan", "-f", pb, "--host", "nps*"])
        .exits(1)
        .complains("--host nps*: no such host in")
        .complains("hosts are: xsp1, xsp2, adp1");
    lab.xspctl(&["plan", "-f", pb, "--farm", "east"])
        .exits(1)
        .complains("--farm east: no such farm");
    lab.xspctl(&["plan", "-f", pb, "--farm", "farm-adp1", "--host", "xsp*"])
        .exits(1)
        .complains("have no host in common");
}

/// `COMPLETE=<shell> xspctl` completion offers the playbook's host and farm names
/// for `--host` and `--farm` (fish's protocol: one candidate per line).
#[test]
fn host_completion_offers_the_playbooks_hosts() {
    let pb =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/playbooks/policy_waived.yaml");
    let pb = pb.to_str().unwrap();
    let complete = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xspctl"))
            .args(["--", "xspctl"])
            .args(args)
            .env("COMPLETE", "fish")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(complete(&["verify", "-f", pb, "--host", ""]), ["xsp1"]);
    assert_eq!(
        complete(&["plan", &format!("--file={pb}"), "--farm", ""]),
        ["xsp-east"]
    );
    assert!(complete(&["plan", "--host", ""]).is_empty());
}
