//! All-or-nothing for a reviewed plan: every host of the plan is locked, re-read
//! and compared with the plan before any host is written; one stale (or
//! unreachable) host refuses the whole plan (docs/decisions.md, "apply: a plan is
//! applied whole or not at all").
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Where the hosts of one plan meet between their check and their first write.
pub struct PlanGate {
    expected: usize,
    wait_limit: Duration,
    checks: Mutex<Checks>,
    checked: Condvar,
    writers: Mutex<usize>,
    writer_done: Condvar,
    max_writers: usize,
}

#[derive(Default)]
struct Checks {
    arrived: usize,
    /// Hosts that are not fresh, with why.
    refused: Vec<String>,
}

/// What a host learns at the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateVerdict {
    /// Every host is fresh: write, holding this permit (at most `--parallel`
    /// hosts write at once).
    Proceed,
    /// Some host is not fresh (or did not report in time): write nothing.
    Refuse(String),
}

impl PlanGate {
    /// A gate for `hosts` hosts, letting at most `max_writers` write at once; a host
    /// waits at most `wait_limit` for the others' checks.
    pub fn new(hosts: usize, max_writers: usize, wait_limit: Duration) -> PlanGate {
        PlanGate {
            expected: hosts,
            wait_limit,
            checks: Mutex::new(Checks::default()),
            checked: Condvar::new(),
            writers: Mutex::new(0),
            writer_done: Condvar::new(),
            max_writers: max_writers.max(1),
        }
    }

    /// A host's ticket: it must [`GateTicket::pass`] once; if it never does (the
    /// host could not be reached, planned or locked), dropping it reports the host
    /// as not checked, so the others do not wait for it.
    pub fn ticket<'a>(&'a self, host: &str) -> GateTicket<'a> {
        GateTicket {
            gate: self,
            host: host.to_string(),
            passed: std::cell::Cell::new(false),
            writing: std::cell::Cell::new(false),
        }
    }

    fn arrive(&self, refusal: Option<String>) -> GateVerdict {
        let mut c = lock(&self.checks);
        c.arrived += 1;
        if let Some(r) = refusal {
            c.refused.push(r);
        }
        self.checked.notify_all();
        let deadline = Instant::now() + self.wait_limit;
        while c.arrived < self.expected {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return GateVerdict::Refuse(format!(
                    "only {} of the plan's {} hosts were checked within {}s",
                    c.arrived,
                    self.expected,
                    self.wait_limit.as_secs()
                ));
            }
            c = self
                .checked
                .wait_timeout(c, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if c.refused.is_empty() {
            GateVerdict::Proceed
        } else {
            GateVerdict::Refuse(c.refused.join("; "))
        }
    }

    fn start_writing(&self) {
        let mut n = lock(&self.writers);
        while *n >= self.max_writers {
            n = self
                .writer_done
                .wait(n)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *n += 1;
    }

    fn stop_writing(&self) {
        let mut n = lock(&self.writers);
        *n = n.saturating_sub(1);
        self.writer_done.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One host's place at a [`PlanGate`].
pub struct GateTicket<'a> {
    gate: &'a PlanGate,
    host: String,
    passed: std::cell::Cell<bool>,
    writing: std::cell::Cell<bool>,
}

impl GateTicket<'_> {
    /// Reports this host's check (`None`: fresh; `Some(why)`: stale) and waits for
    /// every other host's. On [`GateVerdict::Proceed`] the host holds a write
    /// permit until the ticket is dropped.
    pub fn pass(&self, refusal: Option<String>) -> GateVerdict {
        if self.passed.replace(true) {
            return GateVerdict::Refuse(format!("{} reported to the gate twice", self.host));
        }
        let verdict = self.gate.arrive(refusal);
        if verdict == GateVerdict::Proceed {
            self.gate.start_writing();
            self.writing.set(true);
        }
        verdict
    }
}

impl Drop for GateTicket<'_> {
    fn drop(&mut self) {
        if !self.passed.get() {
            let _ = self.gate.arrive(Some(format!(
                "{} could not be checked against the plan",
                self.host
            )));
        }
        if self.writing.get() {
            self.gate.stop_writing();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stale_host_refuses_every_host() {
        let gate = PlanGate::new(3, 3, Duration::from_secs(30));
        let verdicts: Vec<GateVerdict> = std::thread::scope(|s| {
            let g = &gate;
            let a = s.spawn(move || g.ticket("a").pass(None));
            let b = s.spawn(move || g.ticket("b").pass(Some("b is stale".into())));
            let c = s.spawn(move || g.ticket("c").pass(None));
            [a, b, c].map(|h| h.join().unwrap()).to_vec()
        });
        for v in verdicts {
            assert_eq!(v, GateVerdict::Refuse("b is stale".into()));
        }
    }

    #[test]
    fn a_host_that_never_reports_refuses_the_others() {
        let gate = PlanGate::new(2, 2, Duration::from_secs(30));
        let verdict = std::thread::scope(|s| {
            let g = &gate;
            s.spawn(move || drop(g.ticket("down")));
            s.spawn(move || g.ticket("up").pass(None)).join().unwrap()
        });
        assert_eq!(
            verdict,
            GateVerdict::Refuse("down could not be checked against the plan".into())
        );
    }

    #[test]
    fn all_fresh_proceed_and_a_missing_host_times_out() {
        let gate = PlanGate::new(2, 1, Duration::from_secs(30));
        std::thread::scope(|s| {
            let g = &gate;
            let a = s.spawn(move || g.ticket("a").pass(None));
            let b = s.spawn(move || g.ticket("b").pass(None));
            assert_eq!(a.join().unwrap(), GateVerdict::Proceed);
            assert_eq!(b.join().unwrap(), GateVerdict::Proceed);
        });
        let lonely = PlanGate::new(2, 1, Duration::from_millis(10));
        assert!(matches!(
            lonely.ticket("a").pass(None),
            GateVerdict::Refuse(m) if m.contains("only 1 of the plan's 2 hosts")
        ));
    }
}
