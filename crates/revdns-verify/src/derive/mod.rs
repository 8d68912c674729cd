//! Derive PTRs from forward records: read A/AAAA pairs from a zone file
//! ([`read_zone_file`]) or a plain list ([`read_plain_list`]), then
//! [`derive()`] the PTR of each address in scope.

mod conflict;
mod error;
mod plain_list;
mod zone_file;

use std::collections::HashMap;
use std::net::IpAddr;

use revdns_core::address::check_address;
use revdns_core::{Hostname, IpPrefix, PtrRecord};
use serde::Serialize;

pub use conflict::{Conflict, NamePreference};
pub use error::DeriveError;
pub use plain_list::{parse_plain_list, read_plain_list};
pub use zone_file::{parse_zone, read_zone_file};

/// One forward (A or AAAA) record: `name` resolves to `ip`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardRecord {
    /// The owner name, lower case, without the trailing dot.
    pub name: String,
    /// The address.
    pub ip: IpAddr,
    /// The line it was read from (for a zone file, the line of its address);
    /// `None` for a record made in code.
    pub line: Option<usize>,
}

impl ForwardRecord {
    /// A record read from no file.
    pub fn new(name: &str, ip: IpAddr) -> Self {
        Self {
            name: normalise_name(name),
            ip,
            line: None,
        }
    }
}

/// Which addresses [`derive()`] keeps and how it settles several names on one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct DeriveOptions {
    scope: Vec<IpPrefix>,
    prefer: Vec<NamePreference>,
}

impl DeriveOptions {
    /// Every address, no preferences.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keep only addresses inside one of these blocks. An empty scope (the
    /// default) keeps every address.
    pub fn scope(mut self, scope: impl IntoIterator<Item = IpPrefix>) -> Self {
        self.scope = scope.into_iter().collect();
        self
    }

    /// The preference list for addresses with several names, tried in
    /// order (see [`derive()`]).
    pub fn prefer(mut self, prefer: impl IntoIterator<Item = NamePreference>) -> Self {
        self.prefer = prefer.into_iter().collect();
        self
    }
}

/// A forward record that yields no PTR.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The record.
    pub record: ForwardRecord,
    /// Why it was skipped.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// Why a forward record yields no PTR.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "message", rename_all = "snake_case")]
pub enum SkipReason {
    /// The name cannot be written as a PTR target
    /// ([`Hostname::new`]'s rule: a wildcard, a `_service` label, a single
    /// label, …).
    NotWritable(String),
    /// The address can carry no PTR (loopback, link-local, multicast, …).
    Address(String),
}

/// What [`derive()`] found.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Derived {
    /// One PTR per address, in the order addresses first appear; ready for
    /// [`revdns_core::plan`] or [`revdns_core::ensure`]. No TTL or comment.
    pub records: Vec<PtrRecord>,
    /// Addresses with several names and no preference deciding.
    pub conflicts: Vec<Conflict>,
    /// Records that yield no PTR, each with its reason.
    pub skipped: Vec<Skipped>,
    /// Records outside the scope (counted, not listed: a zone may hold many).
    pub out_of_scope: usize,
}

/// Turns forward records into PTRs.
///
/// - Addresses outside [`DeriveOptions::scope`] are counted in
///   `out_of_scope` (an empty scope keeps all). IPv4-mapped IPv6 addresses
///   count as their IPv4 form.
/// - A name that cannot be a PTR target, or an address that can carry no
///   PTR, is listed in `skipped` and takes no part in the choice below.
/// - The same name twice for one address is one name.
/// - **Conflict rule**: when several names point at one address, the
///   preferences are tried in order and the first that matches exactly one
///   of the names picks it. A preference matching none is passed over; one
///   that matches several, or no preference matching at all, makes the
///   address a [`Conflict`]: it is reported and gets no PTR (never one
///   chosen by file order).
pub fn derive(
    forward: impl IntoIterator<Item = ForwardRecord>,
    options: &DeriveOptions,
) -> Derived {
    let mut derived = Derived::default();
    let mut slot_of: HashMap<IpAddr, usize> = HashMap::new();
    let mut candidates: Vec<(IpAddr, Vec<Hostname>)> = Vec::new();
    for record in forward {
        let ip = revdns_core::record::canonical_ip(record.ip);
        if !revdns_core::prefix::in_scope(&options.scope, ip) {
            derived.out_of_scope += 1;
            continue;
        }
        if let Err(err) = check_address(ip) {
            derived.skipped.push(Skipped {
                record,
                reason: SkipReason::Address(reason_of(err)),
            });
            continue;
        }
        let name = match Hostname::new(&record.name) {
            Ok(name) => name,
            Err(err) => {
                derived.skipped.push(Skipped {
                    record,
                    reason: SkipReason::NotWritable(reason_of(err)),
                });
                continue;
            }
        };
        let slot = *slot_of.entry(ip).or_insert_with(|| {
            candidates.push((ip, Vec::new()));
            candidates.len() - 1
        });
        let names = &mut candidates[slot].1;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for (ip, names) in candidates {
        match conflict::choose(&names, &options.prefer) {
            Some(name) => derived.records.push(PtrRecord::new(ip, name.clone())),
            None => derived.conflicts.push(Conflict { ip, names }),
        }
    }
    derived
}

fn reason_of(err: revdns_core::Error) -> String {
    match err {
        revdns_core::Error::Validation { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// Names as [`Hostname`] stores them: lower case, no trailing dot.
fn normalise_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
