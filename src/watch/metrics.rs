//! The Prometheus metrics of `verify --watch`, made with `prometheus-client`: what
//! the last run found (findings by host, check and severity; drift; certificate
//! days left per endpoint; each host's status) and how the runs go (count,
//! failures, last run time, duration and exit code). Labels hold host names, check
//! ids and endpoint subjects only: never a secret, evidence or observed text.
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Metric, Registry, Unit};

use crate::exit::Outcome;
use crate::report::{CheckId, RunReport, Verdict};

/// A host.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HostLabels {
    host: String,
}

/// A host and how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    host: String,
    farm: String,
    status: String,
}

/// Findings of one check on one host with one severity.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FindingLabels {
    host: String,
    check: String,
    severity: String,
}

/// One TLS endpoint of a host (`HTTP 10.0.0.1:443`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    host: String,
    endpoint: String,
}

/// The metrics, updated after every run and encoded at every scrape.
pub struct Metrics {
    registry: Registry,
    /// Held while a run's values are replaced, so a scrape sees one run whole.
    lock: Mutex<()>,
    runs: Counter,
    failures: Counter,
    last_run: Gauge<f64, AtomicU64>,
    last_duration: Gauge<f64, AtomicU64>,
    last_exit: Gauge,
    host_status: Family<StatusLabels, Gauge>,
    findings: Family<FindingLabels, Gauge>,
    drift: Family<HostLabels, Gauge>,
    days_left: Family<EndpointLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// The metrics, registered and empty.
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("xspctl_verify");
        Metrics {
            runs: registered(&mut r, "runs", "Verify runs made", None),
            failures: registered(
                &mut r,
                "run_failures",
                "Verify runs that ended in a tool error (exit code 1: a playbook that does not load, a host that cannot be reached or read)",
                None,
            ),
            last_run: registered(
                &mut r,
                "last_run_timestamp",
                "When the last run started (Unix time)",
                Some(Unit::Seconds),
            ),
            last_duration: registered(
                &mut r,
                "last_run_duration",
                "How long the last run took",
                Some(Unit::Seconds),
            ),
            last_exit: registered(
                &mut r,
                "last_run_exit_code",
                "The exit code of the last run: 0 ready, 2 findings of severity error, 1 tool error",
                None,
            ),
            host_status: registered(
                &mut r,
                "host_status",
                "1 for each host of the last run, labelled with how it ended (ok, findings, failed...)",
                None,
            ),
            findings: registered(
                &mut r,
                "findings",
                "Findings of the last run that did not pass, by host, check id and severity (a waived one counts as info)",
                None,
            ),
            drift: registered(
                &mut r,
                "drift",
                "1 when the host's configuration differs from the playbook (config.drift failed), 0 when it holds",
                None,
            ),
            days_left: registered(
                &mut r,
                "certificate_days_left",
                "Whole days until the certificate an endpoint serves expires (negative once expired)",
                None,
            ),
            registry: r,
            lock: Mutex::new(()),
        }
    }

    /// Records a run that started at `started`, took `took` and ended with
    /// `outcome`; `report` is `None` when the run stopped before any host was
    /// reached (the host metrics are then emptied: they describe the last run).
    pub fn record(
        &self,
        report: Option<&RunReport>,
        outcome: Outcome,
        started: SystemTime,
        took: Duration,
    ) {
        let _whole = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.runs.inc();
        if outcome == Outcome::Error {
            self.failures.inc();
        }
        let since_epoch = started
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        self.last_run.set(since_epoch.as_secs_f64());
        self.last_duration.set(took.as_secs_f64());
        self.last_exit.set(i64::from(outcome.code()));
        self.host_status.clear();
        self.findings.clear();
        self.drift.clear();
        self.days_left.clear();
        let Some(report) = report else { return };
        let now = since_epoch.as_secs() as i64 + took.as_secs() as i64;
        for host in &report.hosts {
            self.host_status
                .get_or_create(&StatusLabels {
                    host: host.host.clone(),
                    farm: host.farm.clone(),
                    status: host.status.word().to_string(),
                })
                .set(1);
            for f in &host.checks {
                if f.id == CheckId::ConfigDrift {
                    let drifted = i64::from(f.status != Verdict::Pass);
                    self.drift
                        .get_or_create(&HostLabels {
                            host: f.host.clone(),
                        })
                        .set(drifted);
                }
                if f.id == CheckId::TlsCertificateExpiry
                    && let Some(days) = days_left(&f.evidence, now)
                {
                    self.days_left
                        .get_or_create(&EndpointLabels {
                            host: f.host.clone(),
                            endpoint: endpoint_of(&f.subject),
                        })
                        .set(days);
                }
                if f.status != Verdict::Pass {
                    self.findings
                        .get_or_create(&FindingLabels {
                            host: f.host.clone(),
                            check: f.id.as_str().to_string(),
                            severity: f.severity.word().to_string(),
                        })
                        .inc();
                }
            }
        }
    }

    /// The metrics in the Prometheus text exposition format (OpenMetrics).
    pub fn encode(&self) -> String {
        let _whole = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!("encoding the metrics: {e}");
        }
        text
    }
}

/// A new metric, registered in `registry` as `name` with `help` (and `unit` when
/// given); the handle that updates it.
fn registered<M: Metric + Clone + Default>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    unit: Option<Unit>,
) -> M {
    let metric = M::default();
    match unit {
        Some(unit) => registry.register_with_unit(name, help, unit, metric.clone()),
        None => registry.register(name, help, metric.clone()),
    }
    metric
}

/// The endpoint an expiry finding is about: its subject less the trailing
/// ` certificate` (`HTTP 10.0.0.1:443 certificate` gives `HTTP 10.0.0.1:443`).
fn endpoint_of(subject: &str) -> String {
    subject
        .strip_suffix(" certificate")
        .unwrap_or(subject)
        .to_string()
}

/// Whole days from `now` (Unix seconds) to the `not after: ...` line of a
/// `tls.certificate-expiry` finding's evidence (x509-parser's time format).
fn days_left(evidence: &[String], now: i64) -> Option<i64> {
    let format = time::macros::format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year padding:none] [offset_hour sign:mandatory]:[offset_minute]"
    );
    let text = evidence
        .iter()
        .find_map(|l| l.strip_prefix("not after: "))?;
    let not_after = time::OffsetDateTime::parse(text, format).ok()?;
    Some((not_after.unix_timestamp() - now).div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, HostResult, HostStatus};

    fn served(days: i64) -> Vec<Vec<u8>> {
        let mut p = rcgen::CertificateParams::new(vec!["xsp1.example.com".into()]).unwrap();
        p.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(10);
        p.not_after =
            time::OffsetDateTime::now_utc() + time::Duration::days(days) + time::Duration::hours(1);
        let key = rcgen::KeyPair::generate().unwrap();
        vec![p.self_signed(&key).unwrap().der().to_vec()]
    }

    fn report(drifted: bool, cert_days: i64) -> RunReport {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let drift = Finding::about(
            "xsp1",
            CheckId::ConfigDrift,
            "configuration",
            if drifted {
                Verdict::Fail
            } else {
                Verdict::Pass
            },
            "no differences",
            "differences",
        );
        let expiry = crate::verify::certs::expiry(
            "xsp1",
            "HTTP 10.0.0.1:443 certificate".into(),
            &served(cert_days),
            now,
        );
        let mut host = HostResult::new("xsp1", "farm1", HostStatus::Ok);
        host.checks = vec![drift, expiry];
        host.status = HostStatus::of_findings(&host.checks);
        RunReport {
            command: "verify".into(),
            run_id: "r".into(),
            hosts: vec![host],
        }
    }

    #[test]
    fn a_run_sets_drift_findings_days_left_and_run_counts() {
        let m = Metrics::new();
        let r = report(true, 200);
        m.record(
            Some(&r),
            r.outcome(),
            SystemTime::now(),
            Duration::from_millis(1500),
        );
        let text = m.encode();
        for line in [
            "xspctl_verify_runs_total 1",
            "xspctl_verify_run_failures_total 0",
            "xspctl_verify_last_run_exit_code 2",
            "xspctl_verify_last_run_duration_seconds 1.5",
            "xspctl_verify_drift{host=\"xsp1\"} 1",
            "xspctl_verify_findings{host=\"xsp1\",check=\"config.drift\",severity=\"error\"} 1",
            "xspctl_verify_certificate_days_left{host=\"xsp1\",endpoint=\"HTTP 10.0.0.1:443\"} 200",
            "xspctl_verify_host_status{host=\"xsp1\",farm=\"farm1\",status=\"findings\"} 1",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }

        // The next run replaces the host values; the counters go on.
        let r = report(false, 20);
        m.record(Some(&r), r.outcome(), SystemTime::now(), Duration::ZERO);
        let text = m.encode();
        assert!(text.contains("xspctl_verify_runs_total 2"), "{text}");
        assert!(
            text.contains("xspctl_verify_drift{host=\"xsp1\"} 0"),
            "{text}"
        );
        assert!(!text.contains("check=\"config.drift\""), "{text}");
        assert!(
            text.contains("check=\"tls.certificate-expiry\",severity=\"warning\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("endpoint=\"HTTP 10.0.0.1:443\"} 20"),
            "{text}"
        );

        // A run that failed before reaching a host: counted, hosts emptied.
        m.record(None, Outcome::Error, SystemTime::now(), Duration::ZERO);
        let text = m.encode();
        assert!(
            text.contains("xspctl_verify_run_failures_total 1"),
            "{text}"
        );
        assert!(
            text.contains("xspctl_verify_last_run_exit_code 1"),
            "{text}"
        );
        assert!(!text.contains("host=\"xsp1\""), "{text}");
    }

    #[test]
    fn days_left_reads_the_expiry_evidence_even_once_expired() {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let expired =
            crate::verify::certs::expiry("h", "CTI 10.0.0.1:8012".into(), &served(-3), now);
        assert_eq!(days_left(&expired.evidence, now), Some(-3));
        assert_eq!(days_left(&["subject: x".to_string()], now), None);
    }
}
