//! Bounded runs of external commands: a run is killed at its time limit, and its
//! output is collected whatever happens. The xspctl real-sshd test includes this
//! file too.
#![allow(dead_code)] // each test crate uses a part of it

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What an external command did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if it was killed at the time limit).
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The exit code and everything printed, for assertion messages.
    pub fn text(&self) -> String {
        format!(
            "exit {:?}\n{}\n--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    /// Whether it exited with 0.
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }

    /// Asserts that the standard output contains `text`, showing it if not.
    #[track_caller]
    pub fn assert_stdout_contains(&self, text: &str) {
        assert!(self.stdout.contains(text), "{}", self.stdout);
    }
}

/// Runs `command` with `stdin`, killing it after `limit`.
pub fn run_bounded(command: &mut Command, stdin: &[u8], limit: Duration) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.code(),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let _ = writer.join();
    Run {
        status,
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr")).into_owned(),
    }
}
