//! Issue #7 defects 4, 6 and 14 through the real path: playbook → xspctl → SSH →
//! xspsim with the flood, drip, fail-message and exec_stderr faults.
use crate::lab;

use lab::{Run, TestLab};
use xspsim::host::{Faults, Product, Release};

const TLS: &str = "tls:
  http:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]";

/// A one-host lab and its playbook, with the command timeout given.
fn lab_and_playbook(test: &str, command_timeout: &str) -> (TestLab, String) {
    let lab = TestLab::one_host(test, Product::Xsp, Release::R24);
    let path = lab.playbook("pb.yaml", &[("h", "xsp", "R24", TLS)]);
    let text = std::fs::read_to_string(&path).expect("playbook");
    let text = text.replace(
        "command_timeout: 20s",
        &format!("command_timeout: {command_timeout}"),
    );
    std::fs::write(&path, text).expect("playbook");
    let pb = path.to_string_lossy().into_owned();
    (lab, pb)
}

fn plan(lab: &TestLab, pb: &str) -> Run {
    lab.xspctl(&["plan", "-f", pb])
}

// Defect 4: the host answers the first command with 80 MiB and no prompt.
#[test]
fn a_flood_without_a_prompt_fails_the_host_naming_command_and_context() {
    let (lab, pb) = lab_and_playbook("flood", "20s");
    lab.faults(
        "h",
        Faults {
            flood_bytes: Some(80 << 20),
            ..Faults::default()
        },
    );
    let run = plan(&lab, &pb);
    assert_ne!(run.code, 0, "{}", run.all());
    let all = run.all();
    assert!(
        all.contains("bytes of output without a CLI prompt"),
        "{all}"
    );
    assert!(all.contains("more than 67108864 bytes"), "{all}");
    assert!(
        all.contains("`cd /Interface/Http/HttpServer;get` in /: more than 67108864 bytes"),
        "{all}"
    );
}

// Defect 4: every byte of the answer comes within the command timeout (1 s), but
// no line completes: the command ends at the timeout, not after the whole drip.
#[test]
fn a_drip_ends_within_the_command_timeout() {
    let (lab, pb) = lab_and_playbook("drip", "1s");
    lab.faults(
        "h",
        Faults {
            drip_ms: Some(400),
            ..Faults::default()
        },
    );
    let run = plan(&lab, &pb);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("no CLI prompt after"), "{}", run.all());
}

// Defect 6: an error message holding `$ ` and `# ` that arrives one byte at a time
// is the CLI's answer, not the shell prompt coming back.
#[test]
fn slow_output_holding_prompt_characters_is_output() {
    let (lab, pb) = lab_and_playbook("prompt-chars", "20s");
    let message = "[Error] quota 5$ # exceeded";
    lab.faults(
        "h",
        Faults {
            drip_ms: Some(2),
            fail_pattern: Some("^get".into()),
            fail_message: Some(message.into()),
            ..Faults::default()
        },
    );
    let run = plan(&lab, &pb);
    assert_ne!(run.code, 0, "{}", run.all());
    let all = run.all();
    assert!(all.contains(message), "{all}");
    assert!(!all.contains("the CLI exited"), "{all}");
}

// Defect 14: sshd refuses exec for an expired password; its stderr and status show.
#[test]
fn a_failed_bwshowver_shows_its_stderr_and_exit_status() {
    let (lab, pb) = lab_and_playbook("bwshowver-stderr", "20s");
    lab.faults(
        "h",
        Faults {
            exec_stderr: Some("Password change required but no TTY available.".into()),
            ..Faults::default()
        },
    );
    let run = plan(&lab, &pb);
    assert_ne!(run.code, 0, "{}", run.all());
    let all = run.all();
    assert!(
        all.contains(
            "`bwshowver` exited with status 1; stderr: Password change required but no TTY available."
        ),
        "{all}"
    );
    assert!(all.contains("the password has expired"), "{all}");
    assert!(!all.contains("not 'bwshowver' output"), "{all}");
}
