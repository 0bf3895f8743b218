//! `verify --watch INTERVAL [--metrics ADDRESS:PORT] [--watch-runs N]`: verify
//! again and again, each run's report printed (or written to `--out`) as a single
//! verify prints it, and its results served as Prometheus metrics. SIGINT or
//! SIGTERM stops it cleanly: a run under way finishes, then the process exits 0.
//! `--watch-runs N` stops after N runs with the last run's exit code. A first run
//! that stops before reaching any host (a playbook that does not load) ends the
//! watch with its code; a later one is counted as a failure and the watch goes on.
pub mod address;
pub mod interval;
pub mod metrics;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use crate::exit::Outcome;
use crate::report::RunReport;
use metrics::Metrics;

/// How to watch.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// From the start of one run to the start of the next (a run that takes longer
    /// is followed at once).
    pub every: Duration,
    /// Where to serve the metrics, if anywhere (checked by [`address::parse`]).
    pub metrics: Option<SocketAddr>,
    /// Stop after this many runs; `None`: until a signal.
    pub max_runs: Option<u32>,
}

/// Runs `once` on the schedule `options` gives until a signal or the run count
/// stops it. `once` makes one verify run, prints its report, and returns it (or
/// `None` when the run stopped before reaching a host) with its outcome.
pub fn run(
    options: WatchOptions,
    mut once: impl FnMut() -> (Option<RunReport>, Outcome),
) -> Outcome {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return Outcome::Error;
        }
    };
    let stop = listen_for_signals(&rt);
    let metrics = Arc::new(Metrics::new());
    if let Some(address) = options.metrics
        && let Err(e) = start_server(&rt, address, metrics.clone())
    {
        eprintln!("error: cannot serve the metrics on {address}: {e}");
        return Outcome::Error;
    }
    let outcome = watch(options, &stop, &metrics, &mut once);
    rt.shutdown_timeout(Duration::from_secs(1));
    outcome
}

/// The loop: run, record, wait.
fn watch(
    options: WatchOptions,
    stop: &Receiver<&'static str>,
    metrics: &Metrics,
    once: &mut impl FnMut() -> (Option<RunReport>, Outcome),
) -> Outcome {
    let mut runs: u32 = 0;
    loop {
        let started = (Instant::now(), SystemTime::now());
        let (report, outcome) = once();
        let took = started.0.elapsed();
        metrics.record(report.as_ref(), outcome, started.1, took);
        runs = runs.saturating_add(1);
        eprintln!(
            "watch: run {runs} ended with exit code {} after {:.1}s",
            outcome.code(),
            took.as_secs_f64()
        );
        if runs == 1 && report.is_none() {
            // Bad input from the start (a playbook that does not load): say so now,
            // rather than serve failures until someone looks.
            eprintln!("watch: the first run stopped before reaching any host; not watching");
            return outcome;
        }
        if options.max_runs.is_some_and(|max| runs >= max) {
            eprintln!("watch: stopped after {runs} runs (--watch-runs)");
            return outcome;
        }
        let wait = options.every.saturating_sub(took);
        let signal = match stop.try_recv() {
            Ok(name) => Some(name),
            Err(TryRecvError::Empty) => match stop.recv_timeout(wait) {
                Ok(name) => Some(name),
                Err(RecvTimeoutError::Timeout) => None,
                // No signal listener (reported when it failed): just wait.
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(wait);
                    None
                }
            },
            Err(TryRecvError::Disconnected) => {
                std::thread::sleep(wait);
                None
            }
        };
        if let Some(name) = signal {
            eprintln!("watch: stopped by {name} after {runs} runs");
            return Outcome::Ok;
        }
    }
}

/// A channel that receives `SIGINT` or `SIGTERM` once either arrives; a second
/// one ends the process at once (verify writes nothing to a host). The handlers are
/// installed before this returns, so no signal is lost to the default action.
fn listen_for_signals(rt: &tokio::runtime::Runtime) -> Receiver<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = std::sync::mpsc::channel();
    let _in_runtime = rt.enter();
    let (mut int, mut term) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(i), Ok(t)) => (i, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("warning: cannot listen for SIGINT/SIGTERM: {e}");
            return rx;
        }
    };
    rt.spawn(async move {
        let name = tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        };
        eprintln!("watch: {name} received; stopping once the current run (if any) ends (again to stop now)");
        let _ = tx.send(name);
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
        eprintln!("watch: stopped at once by a second signal");
        std::process::exit(i32::from(Outcome::Error.code()));
    });
    rx
}

/// Binds `address` and serves `metrics` there on `rt`, printing where.
fn start_server(
    rt: &tokio::runtime::Runtime,
    address: SocketAddr,
    metrics: Arc<Metrics>,
) -> std::io::Result<()> {
    let std_listener = std::net::TcpListener::bind(address)?;
    std_listener.set_nonblocking(true)?;
    let bound = std_listener.local_addr()?;
    let listener = {
        let _in_runtime = rt.enter();
        tokio::net::TcpListener::from_std(std_listener)?
    };
    if let Some(warning) = address::exposure_warning(bound) {
        eprintln!("{warning}");
    }
    eprintln!("metrics: serving http://{bound}/metrics");
    rt.spawn(server::serve(listener, metrics));
    Ok(())
}
