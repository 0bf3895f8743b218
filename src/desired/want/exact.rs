//! The exact want: the host holds exactly this value.
use super::{NotANumber, WantKind};

/// Exactly `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exact {
    /// The value.
    pub value: String,
}

impl WantKind for Exact {
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        Ok(live == Some(self.value.as_str()))
    }

    fn setting(&self) -> &str {
        &self.value
    }

    fn describe(&self) -> String {
        format!("exactly {}", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_value_satisfies() {
        let w = Exact {
            value: "8012".into(),
        };
        assert_eq!(w.target(Some("8012")), Ok(None));
        assert_eq!(w.target(Some("8013")), Ok(Some("8012".into())));
        assert_eq!(w.target(None), Ok(Some("8012".into())));
        assert_eq!(w.describe(), "exactly 8012");
    }
}
