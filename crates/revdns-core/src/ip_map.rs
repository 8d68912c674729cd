//! Maps and sets keyed by IP address, for the bulk paths: an ensure of
//! 10,000 PTRs sorts every listed record into one of these and looks each
//! asked address up in it.
//!
//! They hash with foldhash instead of std's SipHash, which costs several
//! times more per address and was half the CPU an unchanged bulk ensure
//! spent outside parsing answers. foldhash is seeded per process, so
//! addresses a server chooses cannot be aimed at one bucket.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// How the maps here hash.
pub type IpHasher = foldhash::fast::RandomState;

/// A `HashMap` keyed by IP address ([`IpHasher`]); make one with
/// `IpMap::default()` or `collect()`.
pub type IpMap<V> = HashMap<IpAddr, V, IpHasher>;

/// A `HashSet` of IP addresses ([`IpHasher`]).
pub type IpSet = HashSet<IpAddr, IpHasher>;

/// An empty [`IpSet`] with room for `capacity` addresses.
pub fn ip_set_with_capacity(capacity: usize) -> IpSet {
    IpSet::with_capacity_and_hasher(capacity, IpHasher::default())
}
