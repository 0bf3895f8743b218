//! Which checks a verify run makes: `verify --check`, each item a check id or a glob
//! pattern over check ids (`tls.*`, `config.drift`). No item: every check.
use glob::Pattern;

use crate::report::{CheckId, RunReport};

/// The checks a verify run makes and reports.
#[derive(Debug, Clone, Default)]
pub struct CheckSelection {
    /// The `--check` items, each with its pattern; empty: every check.
    patterns: Vec<(String, Pattern)>,
}

impl CheckSelection {
    /// Every check.
    pub fn all() -> CheckSelection {
        CheckSelection::default()
    }

    /// The selection `items` name. An empty item, a bad pattern, or an item that
    /// matches no check id is an error that lists the ids.
    pub fn parse(items: &[String]) -> Result<CheckSelection, String> {
        let ids = || {
            CheckId::ALL
                .iter()
                .map(|id| id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut patterns = Vec::new();
        for item in items.iter().map(|i| i.trim()) {
            let pattern = Pattern::new(item).map_err(|e| {
                format!(
                    "--check {item}: not a valid pattern: {e}\n  help: use a check id, or `*`, `?` and `[...]`, e.g. `--check 'tls.*'`"
                )
            })?;
            if item.is_empty() || !CheckId::ALL.iter().any(|id| pattern.matches(id.as_str())) {
                return Err(format!(
                    "--check {item:?}: no such check\n  help: checks are (docs/checks.md): {}",
                    ids()
                ));
            }
            patterns.push((item.to_string(), pattern));
        }
        Ok(CheckSelection { patterns })
    }

    /// Whether check `id` is made.
    pub fn wants(&self, id: CheckId) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|(_, p)| p.matches(id.as_str()))
    }

    /// Whether `--check` names `id` (by id or pattern): checks made only on demand
    /// (`handoff.*`) are not part of "every check".
    pub fn names(&self, id: CheckId) -> bool {
        !self.patterns.is_empty() && self.wants(id)
    }

    /// Whether any check whose id starts with `family.` is made (`tls`: the
    /// handshakes are needed).
    pub fn wants_family(&self, family: &str) -> bool {
        CheckId::ALL.iter().any(|id| {
            id.as_str()
                .strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('.'))
                && self.wants(*id)
        })
    }

    /// Drops from `report` every finding this selection leaves out; a host whose
    /// status came from its findings gets the status of those kept.
    pub fn keep_selected(&self, report: &mut RunReport) {
        if self.patterns.is_empty() {
            return;
        }
        for host in &mut report.hosts {
            host.checks.retain(|f| self.wants(f.id));
            host.status = host.status.of_kept_findings(&host.checks);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_item_selects_every_check() {
        let s = CheckSelection::all();
        assert!(CheckId::ALL.iter().all(|id| s.wants(*id)));
        assert!(s.wants_family("tls"));
    }

    #[test]
    fn an_id_or_a_pattern_selects_its_checks_only() {
        let s = CheckSelection::parse(&items(&["config.drift"])).unwrap();
        assert!(s.wants(CheckId::ConfigDrift));
        assert!(!s.wants(CheckId::TlsAcceptsTls12));
        assert!(!s.wants_family("tls"));
        assert!(s.wants_family("config"));
        let s = CheckSelection::parse(&items(&["tls.*"])).unwrap();
        assert!(s.wants(CheckId::TlsSuiteEnumeration));
        assert!(!s.wants(CheckId::ConfigDrift));
        assert!(s.wants_family("tls"));
    }

    #[test]
    fn on_demand_checks_are_made_only_when_named() {
        assert!(!CheckSelection::all().names(CheckId::HandoffDms));
        let s = CheckSelection::parse(&items(&["handoff.*"])).unwrap();
        assert!(s.names(CheckId::HandoffDms));
        assert!(!s.names(CheckId::ConfigDrift));
    }

    #[test]
    fn an_item_matching_no_check_is_refused_with_the_list() {
        let e = CheckSelection::parse(&items(&["tls.nope"])).unwrap_err();
        assert!(e.contains("--check \"tls.nope\": no such check"), "{e}");
        assert!(e.contains("config.drift"), "{e}");
        let e = CheckSelection::parse(&items(&[""])).unwrap_err();
        assert!(e.contains("no such check"), "{e}");
        let e = CheckSelection::parse(&items(&["tls.[a"])).unwrap_err();
        assert!(e.contains("not a valid pattern"), "{e}");
    }

    #[test]
    fn the_network_families_select_their_checks() {
        let s = CheckSelection::parse(&items(&["dns.*", "time.clock-skew"])).unwrap();
        assert!(s.wants_family("dns") && s.wants_family("time"));
        assert!(!s.wants_family("reach") && !s.wants_family("tls"));
        assert!(s.wants(CheckId::DnsIpv4Address) && s.wants(CheckId::DnsResolversAgree));
        assert!(!s.wants(CheckId::TimeNtpSynchronised));
        let s = CheckSelection::parse(&items(&["reach.*"])).unwrap();
        assert!(s.wants(CheckId::ReachInbound) && s.wants(CheckId::ReachOutbound));
    }

    #[test]
    fn a_family_is_matched_on_whole_words() {
        let s = CheckSelection::parse(&items(&["xsi-events.*"])).unwrap();
        assert!(s.wants_family("xsi-events"));
        assert!(!s.wants_family("xsi"));
    }
}
