//! The bound wants: at least (a number never lowered) and at most (a number never
//! raised). Both compare numbers; a live value that is not a number is an error,
//! never a reason to write (docs/decisions.md D17).
use super::{NotANumber, WantError, WantKind};

/// Which side of the limit the value must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The value is never lowered: `>= limit`.
    AtLeast,
    /// The value is never raised: `<= limit`.
    AtMost,
}

/// A number at least or at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// Which side.
    pub direction: Direction,
    /// The limit as written (also the value set).
    limit: String,
}

impl Bound {
    /// The want for attribute `name`; refuses a limit that is not a number.
    pub fn new(direction: Direction, limit: String, name: &str) -> Result<Bound, WantError> {
        if number(&limit).is_none() {
            return Err(WantError::BoundNotNumber {
                name: name.to_string(),
                key: match direction {
                    Direction::AtLeast => "at_least",
                    Direction::AtMost => "at_most",
                },
                value: limit,
            });
        }
        Ok(Bound {
            direction,
            limit: limit.trim().to_string(),
        })
    }

    /// The limit as written.
    pub fn limit(&self) -> &str {
        &self.limit
    }
}

/// A decimal number: optional sign, digits, optional fraction. Nothing else
/// (no exponent, `inf` or `NaN`) counts as a number here.
fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (all_digits(int) && all_digits(frac))
        .then(|| t.parse().ok())
        .flatten()
}

impl WantKind for Bound {
    fn satisfied_by(&self, live: Option<&str>) -> Result<bool, NotANumber> {
        let Some(live) = live.filter(|v| !v.trim().is_empty()) else {
            return Ok(false);
        };
        let have = number(live).ok_or_else(|| NotANumber {
            value: live.to_string(),
        })?;
        let limit = number(&self.limit).expect("checked in Bound::new");
        Ok(match self.direction {
            Direction::AtLeast => have >= limit,
            Direction::AtMost => have <= limit,
        })
    }

    fn setting(&self) -> &str {
        &self.limit
    }

    fn describe(&self) -> String {
        match self.direction {
            Direction::AtLeast => format!("at least {}", self.limit),
            Direction::AtMost => format!("at most {}", self.limit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(d: Direction, limit: &str) -> Bound {
        Bound::new(d, limit.into(), "eventQueueSize").unwrap()
    }

    #[test]
    fn at_least_never_lowers() {
        let w = bound(Direction::AtLeast, "2000");
        assert_eq!(w.target(Some("5000")), Ok(None));
        assert_eq!(w.target(Some("2000")), Ok(None));
        assert_eq!(w.target(Some("1000")), Ok(Some("2000".into())));
        assert_eq!(w.target(Some("999.5")), Ok(Some("2000".into())));
        assert_eq!(w.target(None), Ok(Some("2000".into())));
        assert_eq!(w.target(Some("")), Ok(Some("2000".into())));
        assert_eq!(w.describe(), "at least 2000");
    }

    #[test]
    fn at_most_never_raises() {
        let w = bound(Direction::AtMost, "100");
        assert_eq!(w.target(Some("50")), Ok(None));
        assert_eq!(w.target(Some("-3")), Ok(None));
        assert_eq!(w.target(Some("100")), Ok(None));
        assert_eq!(w.target(Some("101")), Ok(Some("100".into())));
        assert_eq!(w.describe(), "at most 100");
    }

    #[test]
    fn numbers_compare_as_numbers_not_text() {
        // As text "900" > "2000"; as numbers it is below.
        let w = bound(Direction::AtLeast, "2000");
        assert_eq!(w.target(Some("900")), Ok(Some("2000".into())));
        assert_eq!(w.target(Some("10000")), Ok(None));
    }

    #[test]
    fn a_live_value_that_is_not_a_number_is_an_error() {
        let w = bound(Direction::AtLeast, "2000");
        for v in ["unlimited", "1e4", "NaN", "inf", "12abc"] {
            assert_eq!(
                w.satisfied_by(Some(v)),
                Err(NotANumber { value: v.into() }),
                "{v}"
            );
        }
    }

    #[test]
    fn a_limit_that_is_not_a_number_is_refused() {
        for bad in ["", "many", "1.", ".5", "0x10"] {
            let e = Bound::new(Direction::AtMost, bad.into(), "n").unwrap_err();
            assert!(
                matches!(e, WantError::BoundNotNumber { key: "at_most", .. }),
                "{bad}: {e}"
            );
        }
    }
}
