//! The one-of want: any of a set of accepted values; the first is set when the
//! host holds none of them.
use super::{NotANumber, WantError, WantKind};

/// One of `values` (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOf {
    values: Vec<String>,
}

impl OneOf {
    /// The want for attribute `name`; refuses an empty set.
    pub fn new(values: Vec<String>, name: &str) -> Result<OneOf, WantError> {
        if values.is_empty() {
            return Err(WantError::EmptyOneOf {
                name: name.to_string(),
            });
        }
        Ok(OneOf { values })
    }

    /// The accepted values, the one set first.
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

impl WantKind for OneOf {
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        Ok(live.is_some_and(|v| self.values.iter().any(|w| w == v)))
    }

    fn setting(&self) -> &str {
        &self.values[0]
    }

    fn describe(&self) -> String {
        format!("one of {}", self.values.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_accepted_value_stays_and_the_first_is_set_otherwise() {
        let w = OneOf::new(vec!["TLSv1.3".into(), "TLSv1.2".into()], "p").unwrap();
        assert_eq!(w.target(Some("TLSv1.2")), Ok(None));
        assert_eq!(w.target(Some("TLSv1.3")), Ok(None));
        assert_eq!(w.target(Some("TLSv1")), Ok(Some("TLSv1.3".into())));
        assert_eq!(w.target(None), Ok(Some("TLSv1.3".into())));
        assert_eq!(w.describe(), "one of TLSv1.3, TLSv1.2");
    }
}
