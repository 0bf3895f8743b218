//! Runs per-host work across the fleet: hosts in parallel with bounded
//! concurrency, each host's work sequential on a blocking thread (ssh2 blocks), one
//! host's failure never stopping the others. Progress bars on a terminal, plain
//! lines otherwise.
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A spinner line per host (stderr is a terminal).
    Bars,
    /// One plain line per step on stderr (CI logs).
    Lines,
    /// Only in the tracing log.
    Quiet,
}

/// Reports what a host's work is doing.
#[derive(Clone)]
pub struct Progress {
    host: String,
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Progress {
    /// A progress handle that only logs (for single-host commands and tests).
    pub fn plain(host: &str) -> Progress {
        Progress {
            host: host.to_string(),
            bar: None,
            lines: false,
        }
    }

    /// Shows the current step.
    pub fn step(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_string()),
            None if self.lines => eprintln!("{}: {message}", self.host),
            None => tracing::info!(host = %self.host, "{message}"),
        }
    }

    fn finish(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(message.to_string()),
            None => self.step(message),
        }
    }
}

/// Runs `work` for every item, at most `parallel` at once, and returns the results
/// in the items' order. `name` names an item for progress; `done` summarises a
/// result in one word for the progress line.
pub async fn run_all<I, T, W, D>(
    items: Vec<I>,
    parallel: usize,
    mode: ProgressMode,
    name: impl Fn(&I) -> String,
    work: W,
    done: D,
) -> Vec<T>
where
    I: Send + 'static,
    T: Send + 'static,
    W: Fn(I, &Progress) -> T + Send + Sync + 'static,
    D: Fn(&T) -> String + Send + Sync + 'static,
{
    let semaphore = Arc::new(Semaphore::new(parallel.max(1)));
    let work = Arc::new(work);
    let done = Arc::new(done);
    let multi = (mode == ProgressMode::Bars).then(MultiProgress::new);
    let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut tasks = Vec::with_capacity(items.len());
    for item in items {
        let label = name(&item);
        let bar = multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(style.clone());
            b.set_prefix(label.clone());
            b.set_message("waiting");
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        let progress = Progress {
            host: label,
            bar,
            lines: mode == ProgressMode::Lines,
        };
        let semaphore = semaphore.clone();
        let work = work.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                let r = work(item, &progress);
                progress.finish(&done(&r));
                r
            })
            .await
        }));
    }
    let mut results = Vec::with_capacity(tasks.len());
    for t in tasks {
        match t.await {
            Ok(Ok(r)) => results.push(r),
            // A panic in one host's work is a bug; surface it rather than hide it.
            Ok(Err(e)) | Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bounded_concurrency_and_order_kept() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, p) = (running.clone(), peak.clone());
        let out = run_all(
            (0..12).collect::<Vec<u32>>(),
            3,
            ProgressMode::Quiet,
            |i| format!("h{i}"),
            move |i, _| {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                r.fetch_sub(1, Ordering::SeqCst);
                if i == 5 {
                    Err(format!("h{i} failed"))
                } else {
                    Ok(i * 2)
                }
            },
            |r: &Result<u32, String>| {
                if r.is_ok() {
                    "ok".into()
                } else {
                    "failed".into()
                }
            },
        )
        .await;
        assert_eq!(out.len(), 12);
        assert_eq!(out[4], Ok(8));
        assert_eq!(out[5], Err("h5 failed".into()));
        assert_eq!(out[11], Ok(22));
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
