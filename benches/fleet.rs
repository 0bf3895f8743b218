//! Plan and apply for 1 and 20 simulated hosts, next to the SSH floor (connect +
//! authenticate + bwshowver + bwcli + one `get`). Run: `cargo bench --bench fleet`.
//! Results and the machine they came from: docs/benchmarks.md.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use xspctl::commands::run_context;
use xspctl::desired::ContextRef;
use xspctl::fleet::{Progress, ProgressMode, run_all};
use xspctl::hostlink::SshLink;
use xspctl::hostrun::{
    ApplyRequest, RunContext, apply_one, driver_options, plan_host, rollback_host, ssh_target,
};
use xspctl::live::link::HostLink;
use xspctl::playbook::{Host, Playbook};
use xspsim::host::{Product, Release};
use xspsim::lab::{Lab, LabConfig, LabHostConfig};

const HOSTS: usize = 20;
/// The default of `--parallel`.
const PARALLEL: usize = 10;

struct Fixture {
    _dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
    _lab: Lab,
    playbook: Playbook,
    ctx: Arc<RunContext>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = u32::from(Ipv4Addr::new(127, 79, 0, 10));
    let hosts = (0..HOSTS)
        .map(|i| {
            LabHostConfig::new(
                format!("xsp{}", i + 1),
                "farm".into(),
                Product::Xsp,
                Release::R23,
                IpAddr::V4(Ipv4Addr::from(base + i as u32)),
            )
        })
        .collect();
    let config = LabConfig {
        control_socket: false,
        ..LabConfig::new(
            dir.path().join("lab"),
            hosts,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 79, 0, 1)), 0),
        )
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let lab = rt.block_on(Lab::start(config)).expect("lab");
    let mut known = String::new();
    let mut farm = String::from(
        "version: 1\nfarms:\n  - name: farm\n    product: xsp\n    release: R23\n    roles: [xsi, authservice, cti, dms]\n    webex:\n      tls:\n        http: { level: interface, protocols: [TLSv1.2], ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] }\n        cti: { level: interface, protocols: [TLSv1.2], ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384] }\n    hosts:\n",
    );
    for e in lab.hosts() {
        let port = e.ssh_port.expect("ssh");
        known.push_str(&format!("[{}]:{port} {}\n", e.address, e.host_public_key));
        farm.push_str(&format!(
            "      - {{ name: {}, address: {}, connection: {{ port: {port}, user: bwadmin, key_file: {}, known_hosts: {} }} }}\n",
            e.name,
            e.address,
            lab.private_key().display(),
            dir.path().join("known_hosts").display()
        ));
    }
    std::fs::write(dir.path().join("known_hosts"), known).expect("known_hosts");
    let pb_path = dir.path().join("fleet.yaml");
    std::fs::write(&pb_path, farm).expect("playbook");
    let playbook = xspctl::playbook::load(&pb_path).unwrap_or_else(|e| panic!("{e}"));
    let ctx = Arc::new(
        run_context(xspctl::store::Store::new(dir.path().join("state")))
            .unwrap_or_else(|_| panic!("run context")),
    );
    Fixture {
        _dir: dir,
        _rt: rt,
        _lab: lab,
        playbook,
        ctx,
    }
}

/// Runs `work` on the first `n` hosts, `--parallel 10`, as the CLI does.
fn fleet<T: Send + 'static>(
    fx: &Fixture,
    n: usize,
    work: impl Fn(&Host, &RunContext, &Progress) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let hosts: Vec<Host> = fx.playbook.hosts[..n].to_vec();
    let ctx = fx.ctx.clone();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run_all(
        hosts,
        PARALLEL,
        ProgressMode::Quiet,
        |h: &Host| h.name.clone(),
        move |h, p| work(&h, &ctx, p),
        |_: &T| String::new(),
    ))
}

fn ssh_floor(fx: &Fixture) {
    let target = ssh_target(&fx.playbook.hosts[0].connection).expect("target");
    let mut link = SshLink::connect(&target, driver_options(&target)).expect("connect");
    let at = ContextRef {
        context: "/Interface/CTI".into(),
        args: vec![],
    };
    link.read(&at).expect("get");
    let _ = link.finish();
}

fn benches(c: &mut Criterion) {
    let fx = fixture();
    let mut g = c.benchmark_group("fleet");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));

    g.bench_function("ssh_floor", |b| b.iter(|| ssh_floor(&fx)));
    for n in [1, HOSTS] {
        g.bench_function(format!("plan_{n}"), |b| {
            b.iter(|| {
                let r = fleet(&fx, n, plan_host);
                assert!(r.iter().all(|h| h.error.is_none()));
            })
        });
        // One iteration: apply 5 writes per host from fresh state. The setup (not
        // timed) rolls each host back to its state before the previous apply.
        g.bench_function(format!("apply_{n}"), |b| {
            b.iter_batched(
                || {
                    fleet(&fx, n, |h, ctx, p| {
                        if let Ok(backup) = ctx.store.load_backup(&h.name, None) {
                            rollback_host(h, &backup, ctx, p);
                        }
                    })
                },
                |_| {
                    let req = ApplyRequest {
                        reviewed: None,
                        gate: None,
                        playbook: std::path::Path::new("fleet.yaml"),
                    };
                    let r = fleet(&fx, n, move |h, ctx, p| apply_one(h, &req, ctx, p));
                    assert!(r.iter().all(|h| h.writes == 5), "fresh hosts get 5 writes");
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().configure_from_args()
}

criterion_group! {
    name = fleet_benches;
    config = config();
    targets = benches
}
criterion_main!(fleet_benches);
