//! The error for a name that is not one of a fixed set (products, releases, protocols).
use std::fmt;

/// A name that is not one of the accepted spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownName {
    /// What kind of thing was named (`product`, `release`, `TLS protocol`).
    pub what: &'static str,
    /// The name as given.
    pub given: String,
    /// Every accepted spelling.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a {}; expected one of: {}",
            self.given,
            self.what,
            self.expected.join(", ")
        )
    }
}

/// Implements `Serialize` (as `$name(self)`) and `Deserialize` (through `FromStr`) for a
/// catalog enum, so that files use the same spellings as playbooks.
macro_rules! serde_by_name {
    ($ty:ty, $name:ident) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.$name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_by_name;
