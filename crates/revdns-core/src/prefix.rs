//! [`IpPrefix`]: an address block such as `192.0.2.0/24`, to scope a
//! [`Plan`](crate::sync::Plan) that purges.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::Error;

/// An IPv4 or IPv6 address block: network address and prefix length.
///
/// ```
/// use revdns_core::IpPrefix;
///
/// let block: IpPrefix = "192.0.2.0/25".parse().unwrap();
/// assert!(block.contains("192.0.2.127".parse().unwrap()));
/// assert!(!block.contains("192.0.2.128".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpPrefix {
    network: IpAddr,
    len: u8,
}

impl IpPrefix {
    /// The block of `len` leading bits of `addr`; host bits are cleared.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `len` exceeds 32 (IPv4) or 128 (IPv6).
    pub fn new(addr: IpAddr, len: u8) -> Result<Self, Error> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if len > max {
            return Err(Error::validation(
                "prefix",
                format!("/{len} is longer than {max} bits"),
            ));
        }
        Ok(Self {
            network: mask(addr, len),
            len,
        })
    }

    /// The network address (host bits zero).
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether `ip` lies inside the block (same family only).
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.network.is_ipv4() && mask(ip, self.len) == self.network
    }
}

/// Whether `ip` lies inside one of the blocks of `scope`; an empty scope
/// holds every address (no restriction).
///
/// ```
/// use revdns_core::prefix::in_scope;
///
/// let ip = "192.0.2.7".parse()?;
/// assert!(in_scope(&[], ip));
/// assert!(in_scope(&["192.0.2.0/24".parse()?], ip));
/// assert!(!in_scope(&["198.51.100.0/24".parse()?], ip));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn in_scope(scope: &[IpPrefix], ip: IpAddr) -> bool {
    scope.is_empty() || scope.iter().any(|p| p.contains(ip))
}

fn mask(addr: IpAddr, len: u8) -> IpAddr {
    let len = u32::from(len);
    match addr {
        // A /0 mask would be a shift by the full width, which overflows.
        IpAddr::V4(_) if len == 0 => IpAddr::V4(0.into()),
        IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) & (u32::MAX << (32 - len))).into()),
        IpAddr::V6(_) if len == 0 => IpAddr::V6(0.into()),
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & (u128::MAX << (128 - len))).into()),
    }
}

impl FromStr for IpPrefix {
    type Err = Error;

    /// `addr/len`, or a bare address for a single-host block.
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::validation(
                "prefix",
                format!("{s:?} is not an address block like 192.0.2.0/24"),
            )
        };
        let (addr, len) = match s.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
        let len = match len {
            Some(len) => len.parse().map_err(|_| invalid())?,
            None if addr.is_ipv4() => 32,
            None => 128,
        };
        Self::new(addr, len)
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn prefix_clears_host_bits() {
        let p: IpPrefix = "192.0.2.77/24".parse().unwrap();
        assert_eq!(p.to_string(), "192.0.2.0/24");
    }

    #[test]
    fn prefix_zero_holds_its_whole_family_only() {
        let any4: IpPrefix = "0.0.0.0/0".parse().unwrap();
        assert!(any4.contains(ip("198.51.100.1")));
        assert!(!any4.contains(ip("2001:db8::1")));
    }

    #[test]
    fn ipv6_prefix_contains_by_bits() {
        let p: IpPrefix = "2001:db8::/64".parse().unwrap();
        assert!(p.contains(ip("2001:db8::ffff")));
        assert!(!p.contains(ip("2001:db8:0:1::1")));
    }

    #[test]
    fn bare_address_is_a_host_block() {
        let p: IpPrefix = "192.0.2.1".parse().unwrap();
        assert_eq!(p.prefix_len(), 32);
        assert!(p.contains(ip("192.0.2.1")));
        assert!(!p.contains(ip("192.0.2.2")));
    }

    #[test]
    fn prefix_longer_than_family_is_rejected() {
        assert!("192.0.2.0/33".parse::<IpPrefix>().is_err());
        assert!("2001:db8::/129".parse::<IpPrefix>().is_err());
        assert!("192.0.2.0/x".parse::<IpPrefix>().is_err());
    }
}
