//! Binding a host's secret wants to its record: resolve each playbook secret once,
//! compare it with the host's record of what xspctl last set, and say in each want
//! whether it is set or unchanged (docs/decisions.md, "secrets: the host keeps a
//! salted hash of what xspctl set"). The values stay here, in memory, for the
//! writes and for masking; no plan, journal or backup ever holds one.
use std::collections::BTreeMap;

use crate::desired::want::{SecretState, SetReason, Want};
use crate::desired::{AttributeFact, Fact};
use crate::plan::{Op, SecretStatus};
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

/// A host's secrets for one plan: the resolved values and the record read.
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
    /// (None: the host has no record). Fails naming the reference, never a value.
    pub fn bind(
        facts: &mut [Fact],
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
            values.insert(k, value);
        }
        Ok(HostSecrets { values, record })
    }

    /// Every resolved value, to be masked in all that the session records.
    pub fn values(&self) -> impl Iterator<Item = &Secret> {
        self.values.values()
    }

    /// The value a secret operation types at the password prompts (none for any
    /// other operation).
    pub fn for_op(&self, op: &Op) -> Option<&Secret> {
        op.secret.as_ref()?;
        let name = op.args.first()?;
        self.values.get(&SecretRecord::key(&op.context, name))
    }

    /// The record once the secrets `ops` set are confirmed: their new hashes
    /// beside the others as read.
    pub fn recorded(&self, ops: &[Op]) -> Result<SecretRecord, RecordError> {
        let mut record = self.record.clone();
        for op in ops {
            if let (Some(value), Some(name)) = (self.for_op(op), op.args.first()) {
                record.record(&SecretRecord::key(&op.context, name), value)?;
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
                .find(|o| o.secret.is_some() && o.context == a.context && o.args[0] == a.name)
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
        HostSecrets::bind(&mut f, record, policy).unwrap();
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
        let bound = HostSecrets::bind(&mut f, None, SecretPolicy::Compare).unwrap();
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
    fn an_unset_reference_names_the_attribute_and_the_reference() {
        let mut f = facts("XSPCTL_UNIT_SECRET_UNSET");
        let e = HostSecrets::bind(&mut f, None, SecretPolicy::Compare).unwrap_err();
        assert_eq!(
            e,
            format!(
                "{CTX} clientSecret: secret env:XSPCTL_UNIT_SECRET_UNSET: the environment variable XSPCTL_UNIT_SECRET_UNSET is not set"
            )
        );
    }
}
