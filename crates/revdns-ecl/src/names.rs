//! [`RecordsetName`] and [`ZoneName`]: the names in ECL's create and update
//! requests, checked as the spec describes them.
//!
//! The xtask maps the spec's `RecordsetName` and `ZoneName` schemas to these
//! types (`xtask/src/providers.rs`), and [`api::types`](crate::api::types)
//! re-exports them where the generated ones would be. They accept what the
//! spec's lengths and its `pattern` `^([^.\s]{1,63}\.)+$` accept (`\s` as in
//! ECMAScript, the pattern language of OpenAPI), without building a regular
//! expression engine into the crate for one pattern.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a string is not a [`RecordsetName`] or [`ZoneName`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError(String);

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NameError {}

/// Whitespace as ECMAScript's `\s` has it: Unicode's White_Space without
/// U+0085 (NEL), plus U+FEFF (the byte-order mark).
fn is_ecmascript_space(c: char) -> bool {
    c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}')
}

/// At least 2 and at most `max` characters, and one or more labels of 1 to
/// 63 characters, none a period or whitespace, each followed by a period.
fn check(value: &str, max: usize) -> Result<(), NameError> {
    let chars = value.chars().count();
    if chars > max {
        return Err(NameError(format!("longer than {max} characters")));
    }
    if chars < 2 {
        return Err(NameError("shorter than 2 characters".to_owned()));
    }
    let Some(labels) = value.strip_suffix('.') else {
        return Err(NameError("does not end with a period".to_owned()));
    };
    for label in labels.split('.') {
        match label.chars().count() {
            0 => return Err(NameError("has an empty label".to_owned())),
            64.. => {
                return Err(NameError(
                    "has a label longer than 63 characters".to_owned(),
                ));
            }
            _ => {}
        }
        if label.chars().any(is_ecmascript_space) {
            return Err(NameError("has whitespace in a label".to_owned()));
        }
    }
    Ok(())
}

macro_rules! checked_name {
    ($(#[$doc:meta])* $name:ident, max = $max:literal) => {
        $(#[$doc])*
        #[derive(Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        #[serde(transparent)]
        pub struct $name(String);

        impl Deref for $name {
            type Target = String;
            fn deref(&self) -> &String {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(value: &str) -> Result<Self, NameError> {
                check(value, $max)?;
                Ok(Self(value.to_owned()))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = NameError;
            fn try_from(value: &str) -> Result<Self, NameError> {
                value.parse()
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(value: String) -> Result<Self, NameError> {
                check(&value, $max)?;
                Ok(Self(value))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer)?
                    .try_into()
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

checked_name!(
    /// A fully qualified name ending with a period, inside the zone (E2015
    /// otherwise): 2 to 255 characters. Inferred: no empty labels, no
    /// whitespace, labels of at most 63 characters.
    RecordsetName,
    max = 255
);

checked_name!(
    /// A zone name ending with a period (E2012 otherwise): 2 to 128
    /// characters. Inferred: no empty labels, no whitespace, labels of at
    /// most 63 characters.
    ZoneName,
    max = 128
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_pattern_accepts() {
        for name in [
            "5.2.0.192.in-addr.arpa.",
            "0/25.2.0.192.in-addr.arpa.",
            "a.",
            "_x.example.",
            "ü.example.",
            &format!("{}.", "a".repeat(63)),
        ] {
            assert!(RecordsetName::try_from(name).is_ok(), "{name:?}");
            assert!(ZoneName::try_from(name.to_owned()).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn names_the_pattern_refuses() {
        for name in [
            "",
            ".",
            "a",
            "example.uk",
            "a..b.",
            ".a.",
            "a b.",
            "a\tb.",
            "a\u{a0}b.",
            "a\u{3000}b.",
            "a\u{feff}b.",
            &format!("{}.", "a".repeat(64)),
            &format!("{}.", "ü".repeat(64)),
        ] {
            assert!(RecordsetName::try_from(name).is_err(), "{name:?}");
            assert!(name.parse::<ZoneName>().is_err(), "{name:?}");
        }
        // U+0085 is Unicode whitespace but not ECMAScript's `\s`.
        assert!(RecordsetName::try_from("a\u{85}b.").is_ok());
    }

    #[test]
    fn lengths_count_characters() {
        let label = "a".repeat(63);
        let long = format!("{label}.{label}.{label}.{}.", "a".repeat(62)); // 255
        assert_eq!(long.chars().count(), 255);
        assert!(RecordsetName::try_from(long.as_str()).is_ok());
        assert!(RecordsetName::try_from(format!("a.{long}")).is_err());
        assert!(ZoneName::try_from(long.as_str()).is_err(), "over 128");
        assert_eq!(
            ZoneName::try_from(long.as_str()).unwrap_err().to_string(),
            "longer than 128 characters"
        );
    }

    #[test]
    fn serde_is_the_string_checked() {
        let name: RecordsetName = serde_json::from_str(r#""a.example.""#).unwrap();
        assert_eq!(name.as_str(), "a.example.");
        assert_eq!(serde_json::to_string(&name).unwrap(), r#""a.example.""#);
        assert!(serde_json::from_str::<ZoneName>(r#""a..example.""#).is_err());
    }
}
