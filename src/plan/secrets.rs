//! Binding a host's secret wants to its record: resolve each playbook secret once,
//! compare it with the host's record of what xspctl last set, and say in each want
//! whether it is set or unchanged (docs/decisions.md, "secrets: the host keeps a
//! salted hash of what xspctl set"). The values stay here, in memory, for the
//! writes and for masking; no plan, journal or backup ever holds one.
use std::collections::BTreeMap;

use crate::desired::want::{SecretState, SetReason, Want};
use crate::desired::{AttributeFact, CommandFact, Fact};
use crate::plan::{Op, SecretStatus};
use crate::playbook::SecretRef;
use crate::secret::{RecordError, Recorded, Secret, SecretRecord};

/// Whether a plan compares secrets with the host's record or sets them all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecretPolicy {
    /// Set a secret only when the record says the host does not hold it.
    #[default]
    Compare,
    /// `--rotate-secrets`: set every secret.
    Rotate,
}

impl SecretPolicy {
    /// [`SecretPolicy::Rotate`] when `rotate` (`--rotate-secrets`), else compare.
    pub fn rotating(rotate: bool) -> SecretPolicy {
        if rotate {
            SecretPolicy::Rotate
        } else {
            SecretPolicy::Compare
        }
    }
}

/// A host's secrets for one plan: the resolved values (by reference) and the
/// record read.
#[derive(Debug, Clone, Default)]
pub struct HostSecrets {
    values: BTreeMap<String, Secret>,
    record: SecretRecord,
}

/// The record key of a secret fact.
fn key(a: &AttributeFact) -> String {
    SecretRecord::key(&a.context, &a.name)
}

impl HostSecrets {
    /// Resolves every secret want in `facts` and binds its state from `record`
    /// (None: the host has no record), and resolves the secrets `commands` type at
    /// their prompts. Fails naming the reference, never a value.
    pub fn bind(
        facts: &mut [Fact],
        commands: &[CommandFact],
        record: Option<SecretRecord>,
        policy: SecretPolicy,
    ) -> Result<HostSecrets, String> {
        let record = record.unwrap_or_default();
        let mut values = BTreeMap::new();
        for fact in facts.iter_mut() {
            let Fact::Attribute(a) = fact else { continue };
            let k = key(a);
            let Want::Secret(w) = &mut a.want else {
                continue;
            };
            let value = w
                .reference
                .resolve()
                .map_err(|e| format!("{} {}: {e}", a.context, a.name))?;
            w.state = match (policy, record.holds(&k, &value)) {
                (SecretPolicy::Rotate, _) => SecretState::Set(SetReason::Rotate),
                (_, Recorded::Same) => SecretState::Unchanged,
                (_, Recorded::Different) => SecretState::Set(SetReason::Changed),
                (_, Recorded::Missing) => SecretState::Set(SetReason::NoRecord),
            };
            values.insert(w.reference.to_string(), value);
        }
        for c in commands {
            for text in &c.secrets {
                let reference: SecretRef = text
                    .parse()
                    .map_err(|e| format!("{}> {}: `secrets`: {e}", c.context, c.line.join(" ")))?;
                let value = reference
                    .resolve()
                    .map_err(|e| format!("{}> {}: {e}", c.context, c.line.join(" ")))?;
                values.insert(reference.to_string(), value);
            }
        }
        Ok(HostSecrets { values, record })
    }

    /// Every resolved value, to be masked in all that the session records.
    pub fn values(&self) -> impl Iterator<Item = &Secret> {
        self.values.values()
    }

    /// The values an operation types at the password prompts, in order (none for
    /// an operation without secrets).
    pub fn for_op(&self, op: &Op) -> Vec<Secret> {
        op.secrets
            .iter()
            .filter_map(|r| self.values.get(r).cloned())
            .collect()
    }

    /// The record once the secret attributes `ops` set are confirmed: their new
    /// hashes beside the others as read.
    pub fn recorded(&self, ops: &[Op]) -> Result<SecretRecord, RecordError> {
        let mut record = self.record.clone();
        for op in ops.iter().filter(|o| o.sets_secret()) {
            if let Some(value) = op.secrets.first().and_then(|r| self.values.get(r)) {
                record.record(&SecretRecord::key(&op.context, &op.args[0]), value)?;
            }
        }
        Ok(record)
    }
}

/// Each secret of `facts` and whether `ops` set it, for the plan.
pub fn statuses(facts: &[Fact], ops: &[Op]) -> Vec<SecretStatus> {
    facts
        .iter()
        .filter_map(|f| match f {
            Fact::Attribute(a) => match &a.want {
                Want::Secret(w) => Some((a, w)),
                _ => None,
            },
            Fact::Table(_) => None,
        })
        .map(|(a, w)| SecretStatus {
            context: a.context.clone(),
            name: a.name.clone(),
            reference: w.reference.to_string(),
            set_because: ops
                .iter()
                .find(|o| o.sets_secret() && o.context == a.context && o.args[0] == a.name)
                .and_then(|o| o.want.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveContext, LiveTree};
    use crate::plan::diff::diff;

    const CTX: &str = "/Applications/AuthenticationService/IdentityProviders/Cisco";

    fn facts(var: &str) -> Vec<Fact> {
        let yaml =
            format!("- attribute: {{context: {CTX}, name: clientSecret, secret: \"env:{var}\"}}\n");
        serde_saphyr::from_str(&yaml).unwrap()
    }

    fn masked() -> LiveTree {
        let mut live = LiveTree::default();
        live.contexts.insert(
            facts("X")[0].context_ref(),
            LiveContext::Attributes(vec![("clientSecret".into(), "********".into())]),
        );
        live
    }

    fn plan(var: &str, record: Option<SecretRecord>, policy: SecretPolicy) -> Vec<String> {
        let mut f = facts(var);
        HostSecrets::bind(&mut f, &[], record, policy).unwrap();
        let ops = diff(&f, &masked()).unwrap();
        statuses(&f, &ops)
            .iter()
            .map(|s| s.set_because.clone().unwrap_or(s.state().into()))
            .collect()
    }

    #[test]
    fn the_record_decides_set_or_unchanged_and_rotation_forces_a_set() {
        // SAFETY (test): these variable names are used by this test only.
        unsafe {
            std::env::set_var("XSPCTL_UNIT_SECRET_A", "value-a-1");
            std::env::set_var("XSPCTL_UNIT_SECRET_B", "value-b-2");
        }
        let none = plan("XSPCTL_UNIT_SECRET_A", None, SecretPolicy::Compare);
        assert_eq!(
            none,
            ["secret, will be set: the host's record of secrets set by xspctl has none here"]
        );
        let mut f = facts("XSPCTL_UNIT_SECRET_A");
        let bound = HostSecrets::bind(&mut f, &[], None, SecretPolicy::Compare).unwrap();
        let ops = diff(&f, &masked()).unwrap();
        assert_eq!(ops[0].command_line(), "set clientSecret");
        let json = serde_json::to_string(&ops).unwrap();
        assert!(!json.contains("value-a-1"), "{json}");
        let record = bound.recorded(&ops).unwrap();

        let same = plan(
            "XSPCTL_UNIT_SECRET_A",
            Some(record.clone()),
            SecretPolicy::Compare,
        );
        assert_eq!(same, ["secret, unchanged"]);
        let changed = plan(
            "XSPCTL_UNIT_SECRET_B",
            Some(record.clone()),
            SecretPolicy::Compare,
        );
        assert_eq!(
            changed,
            ["secret, will be set: the playbook's secret differs from the one xspctl last set"]
        );
        let rotated = plan("XSPCTL_UNIT_SECRET_A", Some(record), SecretPolicy::Rotate);
        assert_eq!(rotated, ["secret, will be set: --rotate-secrets"]);
    }

    #[test]
    fn a_command_types_its_secrets_in_order_and_a_bad_reference_names_it() {
        // SAFETY (test): these variable names are used by this test only.
        unsafe {
            std::env::set_var("XSPCTL_UNIT_CMD_ONE", "one-value");
            std::env::set_var("XSPCTL_UNIT_CMD_TWO", "two-value");
        }
        let mut c: CommandFact = serde_saphyr::from_str(
            "{context: /A, line: [importKeys, /tmp/k], secrets: [\"env:XSPCTL_UNIT_CMD_TWO\", \"env:XSPCTL_UNIT_CMD_ONE\"],
              observe: {columns: [Name], present: [[k]]}}",
        )
        .unwrap();
        let bound = HostSecrets::bind(
            &mut [],
            std::slice::from_ref(&c),
            None,
            SecretPolicy::Compare,
        )
        .unwrap();
        let op = crate::plan::commands::run_op(&c, &c.line, "why".into());
        assert_eq!(
            bound
                .for_op(&op)
                .iter()
                .map(Secret::expose)
                .collect::<Vec<_>>(),
            ["two-value", "one-value"]
        );
        assert!(
            serde_json::to_string(&op)
                .unwrap()
                .contains("env:XSPCTL_UNIT_CMD_TWO")
        );
        assert!(
            !op.sets_secret(),
            "a command's secrets are typed, not recorded"
        );
        c.secrets = vec!["inline-value".into()];
        let e = HostSecrets::bind(&mut [], &[c], None, SecretPolicy::Compare).unwrap_err();
        assert!(
            e.starts_with("/A> importKeys /tmp/k: `secrets`: a secret is a reference"),
            "{e}"
        );
        assert!(!e.contains("inline-value"), "{e}");
    }

    #[test]
    fn an_unset_reference_names_the_attribute_and_the_reference() {
        let mut f = facts("XSPCTL_UNIT_SECRET_UNSET");
        let e = HostSecrets::bind(&mut f, &[], None, SecretPolicy::Compare).unwrap_err();
        assert_eq!(
            e,
            format!(
                "{CTX} clientSecret: secret env:XSPCTL_UNIT_SECRET_UNSET: the environment variable XSPCTL_UNIT_SECRET_UNSET is not set"
            )
        );
    }
}
