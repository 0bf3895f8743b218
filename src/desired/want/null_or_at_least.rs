//! The null-or-at-least want: the attribute is null (empty: no limit) or a number
//! of at least `limit`; when it is neither it is cleared, since null is what the
//! guide recommends (solution guide B §10: directory transaction limits "null, or
//! at least five times transactionLimitPeriodSecs"; docs/decisions.md D20).
use super::bound::{Bound, Direction};
use super::{NotANumber, WantError, WantKind};

/// Null, or a number of at least the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NullOrAtLeast {
    floor: Bound,
}

impl NullOrAtLeast {
    /// The want for attribute `name`; refuses a limit that is not a number.
    pub fn new(limit: String, name: &str) -> Result<NullOrAtLeast, WantError> {
        Bound::new(Direction::AtLeast, limit, name)
            .map(|floor| NullOrAtLeast { floor })
            .map_err(|e| match e {
                WantError::BoundNotNumber { name, value, .. } => WantError::BoundNotNumber {
                    name,
                    key: "null_or_at_least",
                    value,
                },
                other => other,
            })
    }

    /// The limit as written.
    pub fn limit(&self) -> &str {
        self.floor.limit()
    }
}

impl WantKind for NullOrAtLeast {
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        match live {
            Some(v) if v.trim().is_empty() => Ok(true),
            other => self.floor.satisfied_by(other),
        }
    }

    /// Null: an empty value, written as `clear <name>`.
    fn setting(&self) -> &str {
        ""
    }

    fn describe(&self) -> String {
        format!("null, or at least {}", self.floor.limit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_or_a_large_enough_number_is_kept_and_anything_else_cleared() {
        let w = NullOrAtLeast::new("5".into(), "userDirectoryTransactionLimit").unwrap();
        assert_eq!(w.target(Some("")), Ok(None));
        assert_eq!(w.target(Some("5")), Ok(None));
        assert_eq!(w.target(Some("300")), Ok(None));
        assert_eq!(w.target(Some("3")), Ok(Some(String::new())));
        assert_eq!(w.target(None), Ok(Some(String::new())));
        assert!(w.target(Some("lots")).is_err());
        assert_eq!(w.describe(), "null, or at least 5");
        let e = NullOrAtLeast::new("x".into(), "n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "attribute n: `null_or_at_least` needs a number, got \"x\""
        );
    }
}
