//! What a fact wants of an attribute's value (docs/architecture.md, "Facts and
//! wants"). Each kind lives in its own file and says, through [`WantKind`], when a
//! live value satisfies it and what to set when it does not; diff, the converged
//! view and verify's drift check all go through these two answers. A backup holds
//! the value as found, as an [`Exact`] want, whatever the want was: rollback
//! restores that value. A secret ([`SecretWant`]) is the exception: its value is
//! never readable, so no backup holds it and no rollback restores it.
mod bound;
mod exact;
mod null_or_at_least;
mod one_of;
mod present_once;
mod secret;

pub use bound::{Bound, Direction};
pub use exact::Exact;
pub use null_or_at_least::NullOrAtLeast;
pub use one_of::OneOf;
pub use present_once::PresentOnce;
pub use secret::{SecretState, SecretWant, SetReason};

/// A live value that a numeric want cannot compare (docs/decisions.md D17).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the host holds {value:?}, which is not a number")]
pub struct NotANumber {
    /// The value the host holds.
    pub value: String,
}

/// The behaviour of one want kind.
pub trait WantKind {
    /// Whether the host's value (None: the attribute is absent) satisfies the want.
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber>;
    /// The value written when the want is not satisfied.
    fn setting(&self) -> &str;
    /// The want in words, for plans: `at least 2000`.
    fn describe(&self) -> String;

    /// The value to set, or None when the host already satisfies the want.
    fn target(&self, live: Option<&str>) -> Result<Option<String>, NotANumber> {
        Ok((!self.satisfied_by(live)?).then(|| self.setting().to_string()))
    }
}

/// What a fact wants of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Exactly this value.
    Exact(Exact),
    /// A number never lowered (at least) or never raised (at most).
    Bound(Bound),
    /// Any of a set of values; the first is set when the host holds none.
    OneOf(OneOf),
    /// Set when absent or empty, never compared afterwards.
    PresentOnce(PresentOnce),
    /// Null (no limit) or a number of at least a limit; cleared otherwise.
    NullOrAtLeast(NullOrAtLeast),
    /// The playbook's secret, decided from the host's record (never read back).
    Secret(SecretWant),
}

impl Want {
    fn kind(&self) -> &dyn WantKind {
        match self {
            Want::Exact(w) => w,
            Want::Bound(w) => w,
            Want::OneOf(w) => w,
            Want::PresentOnce(w) => w,
            Want::NullOrAtLeast(w) => w,
            Want::Secret(w) => w,
        }
    }

    /// The want as the host meets it once its write is done: a secret just set
    /// is the one the record will name (its re-read shows the mask).
    pub fn after_write(&self) -> Want {
        match self {
            Want::Secret(w) => Want::Secret(SecretWant {
                state: SecretState::Unchanged,
                ..w.clone()
            }),
            other => other.clone(),
        }
    }

    /// See [`WantKind::satisfied_by`].
    pub fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        self.kind().satisfied_by(live)
    }

    /// See [`WantKind::target`].
    pub fn target(&self, live: Option<&str>) -> Result<Option<String>, NotANumber> {
        self.kind().target(live)
    }

    /// See [`WantKind::setting`].
    pub fn setting(&self) -> &str {
        self.kind().setting()
    }

    /// See [`WantKind::describe`].
    pub fn describe(&self) -> String {
        self.kind().describe()
    }

    /// What a plan shows beside a write: None for an exact want (the written
    /// value says it all), the want in words otherwise.
    pub fn plan_note(&self) -> Option<String> {
        match self {
            Want::Exact(_) => None,
            _ => Some(self.describe()),
        }
    }

    /// The value as the host will hold it once the want is applied.
    pub fn converged(&self, live: Option<&str>) -> Result<Option<String>, NotANumber> {
        Ok(self.target(live)?.or_else(|| live.map(str::to_string)))
    }

    /// The want a backup records: exactly the value the host holds (or, when the
    /// attribute is absent, the value the apply sets, since the CLI cannot unset
    /// an attribute). Never asked of a secret: its value cannot be read, so no
    /// backup holds it (the apply leaves secrets out of backups).
    pub fn as_found(&self, live: Option<&str>) -> Want {
        Want::Exact(Exact {
            value: live.unwrap_or(self.setting()).to_string(),
        })
    }
}

/// Why a want written in a template or backup is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WantError {
    /// No want, or more than one.
    #[error(
        "attribute {name}: give exactly one of `value`, `at_least`, `at_most`, `one_of`, `present_once`, `null_or_at_least`, `secret` (found {found})"
    )]
    NotOne {
        /// The attribute.
        name: String,
        /// The want keys given.
        found: String,
    },
    /// A bound that is not a number.
    #[error("attribute {name}: `{key}` needs a number, got {value:?}")]
    BoundNotNumber {
        /// The attribute.
        name: String,
        /// `at_least` or `at_most`.
        key: &'static str,
        /// What was written.
        value: String,
    },
    /// `one_of` without values.
    #[error("attribute {name}: `one_of` needs at least one value")]
    EmptyOneOf {
        /// The attribute.
        name: String,
    },
    /// `secret` that is not a reference.
    #[error("attribute {name}: `secret`: {reason}")]
    BadSecret {
        /// The attribute.
        name: String,
        /// What is wrong (never the text written: it may be the secret).
        reason: String,
    },
}

/// The written form of a want: one of these keys beside an attribute's `context`
/// and `name` (see `AttributeFact`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WantFields {
    /// Exactly this value.
    pub value: Option<String>,
    /// A number never lowered.
    pub at_least: Option<String>,
    /// A number never raised.
    pub at_most: Option<String>,
    /// Accepted values; the first is set when the host holds none.
    pub one_of: Option<Vec<String>>,
    /// Set when absent or empty, never compared afterwards.
    pub present_once: Option<String>,
    /// Null, or a number of at least this.
    pub null_or_at_least: Option<String>,
    /// The playbook's secret, by reference (`env:NAME`, `file:PATH`).
    pub secret: Option<String>,
}

impl WantFields {
    /// The want these fields give, for attribute `name`.
    pub fn into_want(self, name: &str) -> Result<Want, WantError> {
        let mut found = Vec::new();
        let mut want = None;
        let mut give = |key: &'static str, w: Result<Want, WantError>| {
            found.push(key);
            want = Some(w);
        };
        if let Some(value) = self.value {
            give("value", Ok(Want::Exact(Exact { value })));
        }
        if let Some(limit) = self.at_least {
            give(
                "at_least",
                Bound::new(Direction::AtLeast, limit, name).map(Want::Bound),
            );
        }
        if let Some(limit) = self.at_most {
            give(
                "at_most",
                Bound::new(Direction::AtMost, limit, name).map(Want::Bound),
            );
        }
        if let Some(values) = self.one_of {
            give("one_of", OneOf::new(values, name).map(Want::OneOf));
        }
        if let Some(value) = self.present_once {
            give("present_once", Ok(Want::PresentOnce(PresentOnce { value })));
        }
        if let Some(limit) = self.null_or_at_least {
            give(
                "null_or_at_least",
                NullOrAtLeast::new(limit, name).map(Want::NullOrAtLeast),
            );
        }
        if let Some(text) = self.secret {
            let reference = text.parse().map_err(|reason| WantError::BadSecret {
                name: name.to_string(),
                reason,
            });
            give(
                "secret",
                reference.map(|r| Want::Secret(SecretWant::new(r))),
            );
        }
        match (found.len(), want) {
            (1, Some(w)) => w,
            _ => Err(WantError::NotOne {
                name: name.to_string(),
                found: if found.is_empty() {
                    "none".to_string()
                } else {
                    found.join(", ")
                },
            }),
        }
    }
}

impl From<&Want> for WantFields {
    fn from(want: &Want) -> WantFields {
        match want {
            Want::Exact(w) => WantFields {
                value: Some(w.value.clone()),
                ..WantFields::default()
            },
            Want::Bound(b) => match b.direction {
                Direction::AtLeast => WantFields {
                    at_least: Some(b.limit().to_string()),
                    ..WantFields::default()
                },
                Direction::AtMost => WantFields {
                    at_most: Some(b.limit().to_string()),
                    ..WantFields::default()
                },
            },
            Want::OneOf(w) => WantFields {
                one_of: Some(w.values().to_vec()),
                ..WantFields::default()
            },
            Want::PresentOnce(w) => WantFields {
                present_once: Some(w.value.clone()),
                ..WantFields::default()
            },
            Want::NullOrAtLeast(w) => WantFields {
                null_or_at_least: Some(w.limit().to_string()),
                ..WantFields::default()
            },
            Want::Secret(w) => WantFields {
                secret: Some(w.reference.to_string()),
                ..WantFields::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_least(limit: &str) -> WantFields {
        WantFields {
            at_least: Some(limit.into()),
            ..WantFields::default()
        }
    }

    #[test]
    fn exactly_one_want_key_is_accepted() {
        let want = at_least("2000").into_want("eventQueueSize").unwrap();
        assert_eq!(want.describe(), "at least 2000");
        assert_eq!(want.plan_note().as_deref(), Some("at least 2000"));
        let exact = WantFields {
            value: Some("x".into()),
            ..WantFields::default()
        };
        assert_eq!(exact.clone().into_want("n").unwrap().plan_note(), None);
        let two = WantFields {
            at_most: Some("3".into()),
            ..exact
        };
        assert_eq!(
            two.into_want("eventQueueSize").unwrap_err().to_string(),
            "attribute eventQueueSize: give exactly one of `value`, `at_least`, `at_most`, `one_of`, `present_once`, `null_or_at_least`, `secret` (found value, at_most)"
        );
        assert!(matches!(
            WantFields::default().into_want("n"),
            Err(WantError::NotOne { found, .. }) if found == "none"
        ));
        let empty = WantFields {
            one_of: Some(vec![]),
            ..WantFields::default()
        };
        assert!(matches!(
            empty.into_want("n"),
            Err(WantError::EmptyOneOf { .. })
        ));
    }

    #[test]
    fn a_secret_is_a_reference_and_an_inline_value_is_refused_unrepeated() {
        let inline = WantFields {
            secret: Some("hunter2-inline".into()),
            ..WantFields::default()
        };
        let e = inline.into_want("clientSecret").unwrap_err().to_string();
        assert!(
            e.starts_with("attribute clientSecret: `secret`: a secret is a reference"),
            "{e}"
        );
        assert!(!e.contains("hunter2-inline"), "{e}");
        let good = WantFields {
            secret: Some("file:/run/secrets/cs".into()),
            ..WantFields::default()
        };
        let want = good.into_want("clientSecret").unwrap();
        assert_eq!(want.describe(), "secret file:/run/secrets/cs");
        // A secret just written is the one the record will name.
        let Want::Secret(after) = want.after_write() else {
            panic!("a secret")
        };
        assert_eq!(after.state, SecretState::Unchanged);
    }

    #[test]
    fn a_bound_that_is_not_a_number_is_refused() {
        let e = at_least("lots").into_want("eventQueueSize").unwrap_err();
        assert_eq!(
            e.to_string(),
            "attribute eventQueueSize: `at_least` needs a number, got \"lots\""
        );
    }

    #[test]
    fn fields_round_trip_every_kind() {
        let s = |v: &str| Some(v.to_string());
        for fields in [
            WantFields {
                value: s("a"),
                ..WantFields::default()
            },
            WantFields {
                at_least: s("2000"),
                ..WantFields::default()
            },
            WantFields {
                at_most: s("10"),
                ..WantFields::default()
            },
            WantFields {
                one_of: Some(vec!["a".into(), "b".into()]),
                ..WantFields::default()
            },
            WantFields {
                present_once: s("x"),
                ..WantFields::default()
            },
            WantFields {
                null_or_at_least: s("5"),
                ..WantFields::default()
            },
            WantFields {
                secret: s("env:CLIENT_SECRET"),
                ..WantFields::default()
            },
        ] {
            let want = fields.clone().into_want("n").unwrap();
            assert_eq!(WantFields::from(&want), fields);
        }
    }

    #[test]
    fn the_backup_is_exactly_the_value_found() {
        let want = at_least("2000").into_want("n").unwrap();
        assert_eq!(
            want.as_found(Some("5000")),
            Want::Exact(Exact {
                value: "5000".into()
            })
        );
        assert_eq!(want.as_found(None).setting(), "2000");
        assert_eq!(
            want.converged(Some("5000")).unwrap().as_deref(),
            Some("5000")
        );
        assert_eq!(
            want.converged(Some("1000")).unwrap().as_deref(),
            Some("2000")
        );
    }
}
