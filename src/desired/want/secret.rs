//! The secret want: the attribute holds the playbook's secret (a client secret, a
//! refresh token). The CLI shows a secret as `********`, so whether the host holds
//! *this* secret is not read back: it is decided from the host's record of what
//! xspctl last set ([`crate::secret::SecretRecord`]) and bound into the want as a
//! [`SecretState`] before the diff (docs/decisions.md, "secrets: the host keeps a
//! salted hash of what xspctl set"). The want holds the reference, never the value.
use super::{NotANumber, WantKind};
use crate::playbook::SecretRef;
use crate::secret::MASK;

/// The playbook's secret, by reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretWant {
    /// Where the value comes from (`env:NAME`, `file:PATH`).
    pub reference: SecretRef,
    /// What the host's record says, once read.
    pub state: SecretState,
}

/// Whether the host holds the playbook's secret, as far as its record tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretState {
    /// The record was not consulted yet: such a want is never satisfied.
    Unread,
    /// xspctl last set exactly this value (it is set again if the host shows none).
    Unchanged,
    /// The secret must be set, and why.
    Set(SetReason),
}

/// Why a secret is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetReason {
    /// The host's record names no value here: it was set by hand, or never.
    NoRecord,
    /// xspctl last set another value: the playbook's secret changed.
    Changed,
    /// The host shows no value at all.
    HostHoldsNone,
    /// `--rotate-secrets`: set whatever the record says.
    Rotate,
}

impl SetReason {
    /// The reason in words, for plans.
    pub fn describe(self) -> &'static str {
        match self {
            SetReason::NoRecord => "the host's record of secrets set by xspctl has none here",
            SetReason::Changed => "the playbook's secret differs from the one xspctl last set",
            SetReason::HostHoldsNone => "the host holds no value",
            SetReason::Rotate => "--rotate-secrets",
        }
    }
}

impl SecretWant {
    /// A want for the secret `reference`, its state not read yet.
    pub fn new(reference: SecretRef) -> SecretWant {
        SecretWant {
            reference,
            state: SecretState::Unread,
        }
    }

    /// Why this secret is set when the host shows `live`, or None when it is
    /// unchanged.
    pub fn set_reason(&self, live: Option<&str>) -> Option<SetReason> {
        match self.state {
            SecretState::Unchanged if live.is_some_and(|v| !v.trim().is_empty()) => None,
            SecretState::Unchanged => Some(SetReason::HostHoldsNone),
            SecretState::Set(reason) => Some(reason),
            SecretState::Unread => Some(SetReason::NoRecord),
        }
    }
}

impl WantKind for SecretWant {
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        Ok(self.set_reason(live).is_none())
    }

    /// What the host shows once the secret is set: the mask, never the value.
    fn setting(&self) -> &str {
        MASK
    }

    fn describe(&self) -> String {
        format!("secret {}", self.reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unchanged_secret_the_host_shows_is_satisfied() {
        let mut w = SecretWant::new(SecretRef::env("CLIENT_SECRET"));
        assert_eq!(w.set_reason(Some(MASK)), Some(SetReason::NoRecord));
        w.state = SecretState::Unchanged;
        assert_eq!(w.set_reason(Some(MASK)), None);
        assert_eq!(w.set_reason(Some("")), Some(SetReason::HostHoldsNone));
        assert_eq!(w.set_reason(None), Some(SetReason::HostHoldsNone));
        w.state = SecretState::Set(SetReason::Rotate);
        assert_eq!(w.target(Some(MASK)), Ok(Some(MASK.to_string())));
        assert_eq!(w.describe(), "secret env:CLIENT_SECRET");
    }
}
