//! [`Secret`]: text that must travel in a request but never print.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A password, session signature or token inside a request or answer body.
///
/// The generated API types use it for every field the spec marks
/// `format: password`, so that their derived `Debug` shows `[redacted]`
/// where the value would be. It serialises as the plain string (the
/// provider needs the value) and is wiped from memory when dropped.
///
/// ```
/// use revdns_core::secret::Secret;
///
/// let pw = Secret::from("not-a-real-password");
/// assert_eq!(format!("{pw:?}"), "[redacted]");
/// assert_eq!(pw.expose(), "not-a-real-password");
/// assert_eq!(serde_json::to_string(&pw)?, "\"not-a-real-password\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(SecretString::from(value))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(SecretString::from(value))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::from)
    }
}
