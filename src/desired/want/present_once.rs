//! The present-once want: set when the host holds no value (absent or empty),
//! never compared afterwards, so an operator's later change is kept.
use super::{NotANumber, WantKind};

/// `value` when the host holds none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentOnce {
    /// The value set when the attribute is absent or empty.
    pub value: String,
}

impl WantKind for PresentOnce {
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        Ok(live.is_some_and(|v| !v.trim().is_empty()))
    }

    fn setting(&self) -> &str {
        &self.value
    }

    fn describe(&self) -> String {
        format!("present (set once to {})", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_only_when_absent_or_empty() {
        let w = PresentOnce { value: "a".into() };
        assert_eq!(w.target(None), Ok(Some("a".into())));
        assert_eq!(w.target(Some("")), Ok(Some("a".into())));
        assert_eq!(w.target(Some("  ")), Ok(Some("a".into())));
        assert_eq!(w.target(Some("other")), Ok(None));
        assert_eq!(w.describe(), "present (set once to a)");
    }
}
