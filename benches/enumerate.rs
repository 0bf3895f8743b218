//! One endpoint's full suite enumeration (every protocol SSLv3 … TLS 1.3, every suite
//! xspctl knows, then the server's order), on a simulated XSP R24 host's HTTPS
//! interface: once with the provider's defaults (3 protocols, 13 suites each
//! accepted), once hardened (TLS 1.2 and 1.3, 2 suites each). With sslyze on PATH,
//! its suite scans of the same endpoints are timed beside it (3 runs each).
//! Run: `cargo bench --bench enumerate`. Results: docs/benchmarks.md.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use xspctl::verify::enumerate::{Target, enumerate, known_suites};
use xspsim::host::{Product, Release};
use xspsim::lab::{Lab, LabConfig, LabHostConfig};

/// The hardened host's HTTPS settings, as bwcli lines after `cd` (address, port
/// and value follow).
const HARDENED_PROTOCOLS: [&str; 2] = ["TLSv1.2", "TLSv1.3"];
const HARDENED_SUITES: [&str; 4] = [
    "TLS_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
];

struct Fixture {
    _dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
    _lab: Lab,
    /// (name, address, HTTPS port) of each host.
    endpoints: Vec<(&'static str, String, u16)>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let hosts = ["defaults", "hardened"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            LabHostConfig::new(
                name.to_string(),
                "farm".into(),
                Product::Xsp,
                Release::R24,
                IpAddr::V4(Ipv4Addr::new(127, 78, 0, 10 + i as u8)),
            )
        })
        .collect();
    let config = LabConfig {
        control_socket: false,
        ..LabConfig::new(
            dir.path().join("lab"),
            hosts,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 78, 0, 1)), 0),
        )
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let lab = rt.block_on(Lab::start(config)).expect("lab");
    let mut endpoints = Vec::new();
    for name in ["defaults", "hardened"] {
        let entry = lab.entry(name).expect("host");
        endpoints.push((name, entry.address.to_string(), entry.https_port));
    }
    // Harden the second host through its own bwcli, then restart it.
    let (_, ip, port) = &endpoints[1];
    let host = lab.host("hardened").expect("host");
    let mut cli = host.bwcli();
    cli.start();
    let mut lines = vec!["cd /Interface/Http/HttpServer/SSLSettings/Protocols".to_string()];
    lines.extend(HARDENED_PROTOCOLS.map(|p| format!("add {ip} {port} {p}")));
    lines.push("cd /Interface/Http/HttpServer/SSLSettings/Ciphers".into());
    lines.extend(HARDENED_SUITES.map(|s| format!("add {ip} {port} {s}")));
    for line in &lines {
        cli.input(line);
    }
    assert_eq!(host.exec("restartbw").status, 0, "restartbw");
    // The endpoint rebuilds its context on its next poll.
    std::thread::sleep(Duration::from_secs(1));
    Fixture {
        _dir: dir,
        _rt: rt,
        _lab: lab,
        endpoints,
    }
}

/// Times sslyze's suite scans of one endpoint, 3 runs, when sslyze is installed.
fn sslyze_beside(name: &str, address: &str, port: u16) {
    let installed = Command::new("sh")
        .args(["-c", "command -v sslyze"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("sslyze is not installed: no side-by-side measurement");
        return;
    }
    let mut runs = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let out = Command::new("timeout")
            .args([
                "120",
                "sslyze",
                "--sslv3",
                "--tlsv1",
                "--tlsv1_1",
                "--tlsv1_2",
            ])
            .args(["--tlsv1_3", "--quiet", &format!("{address}:{port}")])
            .output()
            .expect("sslyze runs");
        assert!(out.status.success(), "sslyze failed");
        runs.push(start.elapsed());
    }
    runs.sort();
    eprintln!(
        "sslyze suite scans, {name}: runs {runs:?}, median {:?}",
        runs[1]
    );
}

fn benches(c: &mut Criterion) {
    let fx = fixture();
    let suites = known_suites();
    let mut g = c.benchmark_group("enumerate");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, address, port) in &fx.endpoints {
        let target = Target {
            address,
            port: *port,
            server_name: None,
            timeout: Duration::from_secs(5),
        };
        let first = enumerate(&target, &suites);
        let accepted: usize = first.protocols.iter().map(|p| p.accepted.len()).sum();
        eprintln!(
            "{name}: {} handshakes, {accepted} suites accepted",
            first.handshakes
        );
        assert!(accepted > 0, "{first:?}");
        g.bench_function(*name, |b| b.iter(|| enumerate(&target, &suites)));
        sslyze_beside(name, address, *port);
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().configure_from_args()
}

criterion_group! {
    name = enumerate_benches;
    config = config();
    targets = benches
}
criterion_main!(enumerate_benches);
