//! [`RecordValues`]: the `records` field of a recordset in an answer, which
//! ECL sends as a list, or as a bare string after an update.
//!
//! The xtask maps the spec's `RecordValues` schema to this type
//! (`xtask/src/providers.rs`), so the generated
//! [`Recordset`](crate::api::types::Recordset) reads both shapes.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The values of a recordset, as ECL answers them.
///
/// ECL stores one value per recordset, so this normally holds one string.
/// Reads a JSON list of strings, a bare string (the update answer) or `null`
/// (no values); always writes a list.
///
/// ```
/// use revdns_ecl::records::RecordValues;
///
/// let listed: RecordValues = serde_json::from_str(r#"["host.example.net."]"#)?;
/// let updated: RecordValues = serde_json::from_str(r#""host.example.net.""#)?;
/// assert_eq!(listed, updated);
/// assert_eq!(updated.first(), Some("host.example.net."));
/// assert_eq!(serde_json::to_string(&updated)?, r#"["host.example.net."]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordValues(Vec<String>);

impl RecordValues {
    /// Values from a list.
    pub fn new(values: Vec<String>) -> Self {
        RecordValues(values)
    }

    /// The values, in the order the server sent them.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The first value: the only one of a single-value recordset.
    pub fn first(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values as a `Vec`.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

impl From<Vec<String>> for RecordValues {
    fn from(values: Vec<String>) -> Self {
        RecordValues(values)
    }
}

impl From<String> for RecordValues {
    fn from(value: String) -> Self {
        RecordValues(vec![value])
    }
}

impl From<&str> for RecordValues {
    fn from(value: &str) -> Self {
        RecordValues(vec![value.to_owned()])
    }
}

impl Serialize for RecordValues {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RecordValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValuesVisitor)
    }
}

struct ValuesVisitor;

impl<'de> Visitor<'de> for ValuesVisitor {
    type Value = RecordValues;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(RecordValues(vec![v.to_owned()]))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(RecordValues(vec![v]))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RecordValues::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RecordValues::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
        while let Some(v) = seq.next_element::<String>()? {
            values.push(v);
        }
        Ok(RecordValues(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_values_list_is_read() {
        let v: RecordValues = serde_json::from_str(r#"["10.1.0.0","10.1.0.1"]"#).unwrap();
        assert_eq!(v.as_slice(), ["10.1.0.0", "10.1.0.1"]);
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn record_values_bare_string_is_one_value() {
        let v: RecordValues = serde_json::from_str(r#""10.1.0.1""#).unwrap();
        assert_eq!(v.into_vec(), ["10.1.0.1"]);
    }

    #[test]
    fn record_values_null_is_empty() {
        let v: RecordValues = serde_json::from_str("null").unwrap();
        assert!(v.is_empty() && v.first().is_none());
    }

    #[test]
    fn record_values_number_is_rejected() {
        assert!(serde_json::from_str::<RecordValues>("5").is_err());
        assert!(serde_json::from_str::<RecordValues>("[5]").is_err());
    }

    #[test]
    fn record_values_always_serialise_as_list() {
        let v = RecordValues::from("host.example.net.");
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"["host.example.net."]"#
        );
    }
}
