//! The pre-case checklist Cisco asks for (management-sync §3.10, §6.8; solution
//! guide B §15.1): org ids, tracking id, user, time of the failure, and the
//! XSP/AS versions. Versions come from what was collected; the rest from flags or,
//! on a terminal, from questions. Without a terminal nothing is asked.
use std::io::{BufRead, IsTerminal, Write};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::evidence::HostFacts;

/// A 32-hex-digit id, hyphenated as a UUID or not (management-sync §3.10).
static HEX32: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
        .expect("static regex")
});

/// What the operator gives (flags, or answers on a terminal).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// Customer org id (32 hex digits).
    pub org_id: Option<String>,
    /// Tracking id from Control Hub or the error (32 hex digits).
    pub tracking_id: Option<String>,
    /// The affected user's email.
    pub user: Option<String>,
    /// Approximate time of the failure, as the operator says it.
    pub when: Option<String>,
}

/// The checklist as bundled (`checklist.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// What the operator gave.
    #[serde(flatten)]
    pub case: CaseFacts,
    /// Each host's product and `bwshowver` release tag.
    pub versions: Vec<HostVersion>,
}

/// One host's version line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostVersion {
    /// Host.
    pub host: String,
    /// Product (`xsp`).
    pub product: String,
    /// `bwshowver` release tag, or why it is not known.
    pub version: String,
}

impl CaseFacts {
    /// Checks the ids' form; the error names the flag and the expected form.
    pub fn check(&self) -> Result<(), String> {
        for (flag, v) in [
            ("--org-id", &self.org_id),
            ("--tracking-id", &self.tracking_id),
        ] {
            if let Some(v) = v
                && !HEX32.is_match(v.trim())
            {
                return Err(format!(
                    "{flag} {v}: not a 32-hex-digit id\n  help: copy it from Control Hub, e.g. 1eb65fdf-9643-417f-9974-ad72cae0e10f"
                ));
            }
        }
        Ok(())
    }

    /// The names of the facts not given.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (name, v) in [
            ("org id", &self.org_id),
            ("tracking id", &self.tracking_id),
            ("user", &self.user),
            ("time of the failure", &self.when),
        ] {
            if v.is_none() {
                out.push(name);
            }
        }
        out
    }

    /// Asks for each missing fact when stdin and stderr are a terminal; an empty
    /// answer leaves it missing. Without a terminal, asks nothing.
    pub fn ask_missing(&mut self) {
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return;
        }
        let stdin = std::io::stdin();
        let ask = |question: &str, slot: &mut Option<String>, check: bool| {
            // Bounded: a few tries per question.
            for _ in 0..3 {
                if slot.is_some() {
                    return;
                }
                eprint!("{question} (Enter to skip): ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim();
                if line.is_empty() {
                    return;
                }
                if check && !HEX32.is_match(line) {
                    eprintln!("  not a 32-hex-digit id");
                    continue;
                }
                *slot = Some(line.to_string());
            }
        };
        ask("Customer org id", &mut self.org_id, true);
        ask("Tracking id", &mut self.tracking_id, true);
        ask("Affected user's email", &mut self.user, false);
        ask("Approximate time of the failure", &mut self.when, false);
    }
}

impl Checklist {
    /// The checklist of `case` and the hosts collected.
    pub fn new(case: CaseFacts, hosts: &[&HostFacts]) -> Checklist {
        Checklist {
            case,
            versions: hosts
                .iter()
                .map(|h| HostVersion {
                    host: h.name.clone(),
                    product: h.product.clone(),
                    version: match &h.version {
                        Some(v) => v.release_tag.clone(),
                        None => "(not known: the host could not be reached)".into(),
                    },
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_32_hex_digits() {
        let ok = CaseFacts {
            org_id: Some("1eb65fdf-9643-417f-9974-ad72cae0e10f".into()),
            tracking_id: Some("1EB65FDF9643417F9974AD72CAE0E10F".into()),
            ..CaseFacts::default()
        };
        ok.check().unwrap();
        assert_eq!(ok.missing(), ["user", "time of the failure"]);
        let bad = CaseFacts {
            tracking_id: Some("ROUTER_1234".into()),
            ..CaseFacts::default()
        };
        assert!(
            bad.check()
                .unwrap_err()
                .starts_with("--tracking-id ROUTER_1234: not a 32-hex-digit id")
        );
    }
}
