//! Which name an address's PTR points to when several names resolve to it.

use std::convert::Infallible;
use std::net::IpAddr;
use std::str::FromStr;

use revdns_core::Hostname;
use serde::Serialize;

use super::normalise_name;

/// One rule of the preference list in
/// [`DeriveOptions::prefer`](super::DeriveOptions::prefer).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "match", content = "name", rename_all = "snake_case")]
pub enum NamePreference {
    /// This name exactly.
    Exact(String),
    /// This name or any name below it (on a label boundary:
    /// `example.net` matches `mail.example.net`, not `badexample.net`).
    Suffix(String),
}

impl NamePreference {
    /// Prefer `name` exactly (any case, trailing dot optional).
    pub fn exact(name: &str) -> Self {
        NamePreference::Exact(normalise_name(name))
    }

    /// Prefer `suffix` and names below it.
    pub fn suffix(suffix: &str) -> Self {
        NamePreference::Suffix(normalise_name(suffix.trim_start_matches('.')))
    }

    /// Whether `name` (as [`Hostname`] stores it) matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePreference::Exact(exact) => name == exact,
            NamePreference::Suffix(suffix) => {
                name == suffix
                    || name
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            }
        }
    }
}

impl FromStr for NamePreference {
    type Err = Infallible;

    /// A leading dot makes a suffix (`.example.net`), anything else an
    /// exact name (`mail.example.net`).
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(if s.starts_with('.') {
            NamePreference::suffix(s)
        } else {
            NamePreference::exact(s)
        })
    }
}

/// An address that several names point at, with no preference picking
/// one; it gets no PTR from this derive.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The address.
    pub ip: IpAddr,
    /// The candidate names, in the order they appeared.
    pub names: Vec<Hostname>,
}

/// Picks the name for an address with several: the preferences are tried in
/// order and the first that matches exactly one candidate wins. A
/// preference matching none is passed over; one matching several leaves the
/// choice open (a tie is never broken by file order), and so does a list
/// where none matches: `None`, a conflict.
pub(super) fn choose<'a>(names: &'a [Hostname], prefer: &[NamePreference]) -> Option<&'a Hostname> {
    if let [only] = names {
        return Some(only);
    }
    for preference in prefer {
        let mut matching = names.iter().filter(|n| preference.matches(n.as_str()));
        match (matching.next(), matching.next()) {
            (Some(one), None) => return Some(one),
            (Some(_), Some(_)) => return None,
            (None, _) => {}
        }
    }
    None
}
