//! `verify --watch` (issue #11, Interface): runs on a schedule against xspsim, its
//! Prometheus metrics scraped over loopback follow the host (a drifted value, then
//! fixed), no secret reaches them, SIGTERM stops it cleanly, and `--watch-runs`
//! bounds it.
use crate::lab;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use lab::{TLS_INTERFACE, TestLab};
use xspsim::host::{Product, Release};

/// A password the playbook names by reference: the key logs in first, so it is
/// loaded but never sent, and must appear nowhere.
const SECRET: &str = "watch-Secret-4711-never-shown";

fn r22(test: &str) -> TestLab {
    TestLab::one_host(test, Product::Xsp, Release::R22)
}

/// The playbook of the lab's host, with a password secret beside its key.
fn playbook(lab: &TestLab) -> String {
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R22", TLS_INTERFACE)]);
    let secret = lab.dir.path().join("password");
    std::fs::write(&secret, SECRET).unwrap();
    let text = std::fs::read_to_string(&pb).unwrap().replace(
        "user: bwadmin,",
        &format!("user: bwadmin, password: \"file:{}\",", secret.display()),
    );
    std::fs::write(&pb, text).unwrap();
    pb.to_str().unwrap().to_string()
}

/// The arguments `verify -f PB --watch 1s --watch-runs RUNS MORE...`.
fn watch_every_second<'a>(pb: &'a str, runs: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["verify", "-f", pb, "--watch", "1s", "--watch-runs", runs];
    args.extend(more);
    args
}

/// A running `xspctl verify --watch`, killed if the test ends early.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(lab: &TestLab, args: &[&str]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xspctl"))
            .args(["--color", "never", "--state-dir"])
            .arg(lab.dir.path().join("state"))
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("xspctl runs");
        let (tx, lines) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let out_tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(format!("stderr: {line}"));
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out_tx.send(format!("stdout: {line}"));
            }
        });
        Watch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most 60 s) for a line holding `text`, and returns it.
    fn line(&mut self, text: &str) -> String {
        let end = Instant::now() + Duration::from_secs(60);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(text) {
                        return l;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with {text:?}; seen:\n{}", self.seen.join("\n"));
    }

    /// Waits for the process to end (at most 60 s) and returns its code and all
    /// it printed.
    fn end(mut self) -> (Option<i32>, String) {
        let end = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(Instant::now() < end, "xspctl did not stop");
            std::thread::sleep(Duration::from_millis(50));
        };
        // The readers end with the pipes.
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        (status.code(), self.seen.join("\n"))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /metrics` over loopback: the body.
fn scrape(address: SocketAddr) -> String {
    let mut s = TcpStream::connect_timeout(&address, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        answer.contains("content-type: application/openmetrics-text"),
        "{answer}"
    );
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

/// The value of the sample `series` (name and labels as written), if present.
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Scrapes until `series` has `wanted` (bounded: 60 s), returning that scrape.
fn scrape_until(address: SocketAddr, series: &str, wanted: f64) -> String {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let m = scrape(address);
        if value(&m, series) == Some(wanted) {
            return m;
        }
        assert!(Instant::now() < end, "{series} never {wanted}; last:\n{m}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn metrics_follow_the_host_between_runs_and_sigterm_stops_cleanly() {
    let lab = r22("verify-watch-metrics");
    let pb = playbook(&lab);
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);

    let metrics_at = format!("{}:0", lab.address("h"));
    let mut watch = Watch::start(
        &lab,
        &watch_every_second(
            &pb,
            "60",
            &[
                "--metrics",
                &metrics_at,
                "--check",
                "config.drift,tls.certificate-expiry,tls.refuses-protocol",
            ],
        ),
    );
    let serving = watch.line("metrics: serving http://");
    let address: SocketAddr = serving
        .split("http://")
        .nth(1)
        .and_then(|r| r.strip_suffix("/metrics"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("{serving}"));
    assert!(address.ip().is_loopback(), "{address}");

    // A clean host: no drift, the certificate's days left, one run or more.
    let clean = scrape_until(address, "xspctl_verify_drift{host=\"h\"}", 0.0);
    assert_eq!(
        value(&clean, "xspctl_verify_last_run_exit_code"),
        Some(0.0),
        "{clean}"
    );
    let endpoint = format!("HTTP {ip}:{http}");
    let days = value(
        &clean,
        &format!("xspctl_verify_certificate_days_left{{host=\"h\",endpoint=\"{endpoint}\"}}"),
    )
    .unwrap_or_else(|| panic!("no days left for {endpoint}:\n{clean}"));
    assert!(days > 60.0, "{clean}");
    let runs_before = value(&clean, "xspctl_verify_runs_total").expect("runs");
    assert!(runs_before >= 1.0, "{clean}");
    assert!(
        value(&clean, "xspctl_verify_last_run_timestamp_seconds").is_some_and(|t| t > 1.7e9),
        "{clean}"
    );
    assert!(
        clean.contains("xspctl_verify_last_run_duration_seconds "),
        "{clean}"
    );

    // Someone adds TLS 1.0 behind xspctl's back (not yet in effect): drift.
    lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("add {ip} {http} TLSv1"),
        ],
    );
    let drifted = scrape_until(address, "xspctl_verify_drift{host=\"h\"}", 1.0);
    assert_eq!(
        value(
            &drifted,
            "xspctl_verify_findings{host=\"h\",check=\"config.drift\",severity=\"error\"}"
        ),
        Some(1.0),
        "{drifted}"
    );
    assert_eq!(
        value(&drifted, "xspctl_verify_last_run_exit_code"),
        Some(2.0),
        "{drifted}"
    );
    assert!(
        value(&drifted, "xspctl_verify_runs_total").expect("runs") > runs_before,
        "{drifted}"
    );

    // Fixed again: the drift and its finding go.
    lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Protocols",
            &format!("delete {ip} {http} TLSv1"),
        ],
    );
    let fixed = scrape_until(address, "xspctl_verify_drift{host=\"h\"}", 0.0);
    assert!(!fixed.contains("check=\"config.drift\""), "{fixed}");
    assert_eq!(
        value(&fixed, "xspctl_verify_run_failures_total"),
        Some(0.0),
        "{fixed}"
    );
    assert!(!fixed.contains(SECRET), "the secret is in the metrics");

    // Other paths are not served.
    let mut s = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");

    // SIGTERM: the run under way (if any) ends, then exit 0.
    // SAFETY: kill(2) on the child this test started, by its pid.
    let pid = libc::pid_t::try_from(watch.child.id()).expect("pid");
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let (code, printed) = watch.end();
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains("watch: stopped by SIGTERM after"),
        "{printed}"
    );
    assert!(!printed.contains(SECRET), "the secret was printed");
    // Each run printed its report.
    assert!(printed.matches("stdout: ").count() > 2, "{printed}");
}

#[test]
fn without_metrics_watch_reruns_and_prints_and_watch_runs_bounds_it() {
    let lab = r22("verify-watch-runs");
    let pb = playbook(&lab);
    let run = lab.xspctl(&watch_every_second(&pb, "2", &["--check", "config.drift"]));
    // The fresh host differs from the playbook's TLS: exit 2, the last run's.
    run.exits(2)
        .complains("watch: run 1 ended with exit code 2")
        .complains("watch: run 2 ended with exit code 2")
        .complains("watch: stopped after 2 runs (--watch-runs)");
    assert_eq!(
        run.stdout.matches("FAIL config.drift").count(),
        2,
        "{}",
        run.all()
    );
    assert!(!run.all().contains("metrics: serving"), "{}", run.all());
}

#[test]
fn bad_intervals_and_metrics_addresses_are_refused_before_any_host() {
    let lab = r22("verify-watch-args");
    let pb = playbook(&lab);
    lab.xspctl(&["verify", "-f", &pb, "--watch", "1h30"])
        .exits(1)
        .complains(
            "invalid value '1h30' for '--watch <INTERVAL>': at character 5: `30` has no unit",
        );
    lab.xspctl(&[
        "verify",
        "-f",
        &pb,
        "--watch",
        "1h",
        "--metrics",
        "0.0.0.0:9808",
    ])
    .exits(1)
    .complains("serves on every interface");
    lab.xspctl(&["verify", "-f", &pb, "--metrics", "127.0.0.1:9808"])
        .exits(1)
        .complains("--watch <INTERVAL>");
    // A playbook that does not load: the first run says where, and the watch ends.
    let bad = lab.dir.path().join("bad.yaml");
    std::fs::write(&bad, "version: 1\nfarms: 7\n").unwrap();
    lab.xspctl(&["verify", "-f", bad.to_str().unwrap(), "--watch", "1s"])
        .exits(1)
        .complains("bad.yaml:2:")
        .complains("watch: the first run stopped before reaching any host; not watching");
    assert!(lab.transcripts("h").is_empty(), "a host was contacted");
}
