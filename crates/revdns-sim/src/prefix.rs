//! [`IpPrefix`]: the address blocks that EDIS kvms and IONOS tokens own.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IP prefix in CIDR notation (`192.0.2.0/24`, `2001:db8::/64`).
///
/// A bare address is a single-address prefix (`/32` or `/128`). Host bits
/// below the prefix length are cleared, so `192.0.2.7/24` is `192.0.2.0/24`.
///
/// ```
/// use revdns_sim::IpPrefix;
///
/// let block: IpPrefix = "192.0.2.0/24".parse()?;
/// assert!(block.contains("192.0.2.200".parse()?));
/// assert!(!block.contains("192.0.3.1".parse()?));
/// assert_eq!("2001:db8::1".parse::<IpPrefix>()?.to_string(), "2001:db8::1/128");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    addr: IpAddr,
    len: u8,
}

/// Why a string is not an [`IpPrefix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPrefix {
    input: String,
}

impl fmt::Display for InvalidPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not an IP prefix in CIDR notation", self.input)
    }
}

impl std::error::Error for InvalidPrefix {}

impl IpPrefix {
    /// A prefix of `len` bits starting at `addr` (host bits are cleared).
    ///
    /// # Errors
    ///
    /// [`InvalidPrefix`] when `len` exceeds the address width (32 or 128).
    pub fn new(addr: IpAddr, len: u8) -> Result<Self, InvalidPrefix> {
        let width = width(addr);
        if len > width {
            return Err(InvalidPrefix {
                input: format!("{addr}/{len}"),
            });
        }
        Ok(IpPrefix {
            addr: mask(addr, len),
            len,
        })
    }

    /// The first address of the prefix.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether the prefix is a single address (`/32` or `/128`).
    pub fn is_single(&self) -> bool {
        self.len == width(self.addr)
    }

    /// Whether `ip` lies inside the prefix; IPv4 never matches an IPv6 prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(ip, self.len) == self.addr
            }
            _ => false,
        }
    }
}

fn width(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask(addr: IpAddr, len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            // `len` one bits at the top; a shift by the full width (len 0) keeps nothing.
            let kept = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::from((bits & kept).to_be_bytes())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::from((bits & kept).to_be_bytes())
        }
    }
}

impl FromStr for IpPrefix {
    type Err = InvalidPrefix;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPrefix {
            input: s.to_owned(),
        };
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((addr, len)) => {
                let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
                let len: u8 = len.parse().map_err(|_| invalid())?;
                (addr, len)
            }
            None => {
                let addr: IpAddr = s.parse().map_err(|_| invalid())?;
                (addr, width(addr))
            }
        };
        IpPrefix::new(addr, len).map_err(|_| invalid())
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn prefix_v4_contains_only_its_block() {
        let p: IpPrefix = "198.51.100.0/24".parse().unwrap();
        assert!(p.contains(ip("198.51.100.0")));
        assert!(p.contains(ip("198.51.100.255")));
        assert!(!p.contains(ip("198.51.101.0")));
        assert!(!p.contains(ip("2001:db8::1")));
    }

    #[test]
    fn prefix_v6_64_contains_any_interface_id() {
        let p: IpPrefix = "2001:db8::/64".parse().unwrap();
        assert!(p.contains(ip("2001:db8::ffff:1")));
        assert!(p.contains(ip("2001:db8:0:0:abcd::1")));
        assert!(!p.contains(ip("2001:db8:0:1::1")));
    }

    #[test]
    fn prefix_host_bits_are_cleared() {
        let p: IpPrefix = "192.0.2.77/24".parse().unwrap();
        assert_eq!(p.to_string(), "192.0.2.0/24");
    }

    #[test]
    fn prefix_zero_length_contains_every_address_of_its_family() {
        let p: IpPrefix = "0.0.0.0/0".parse().unwrap();
        assert!(p.contains(ip("203.0.113.9")));
        assert!(!p.contains(ip("::1")));
    }

    #[test]
    fn prefix_bare_address_is_single() {
        let p: IpPrefix = "192.0.2.1".parse().unwrap();
        assert!(p.is_single());
        assert!(p.contains(ip("192.0.2.1")));
        assert!(!p.contains(ip("192.0.2.2")));
    }

    #[test]
    fn prefix_too_long_or_garbage_is_rejected() {
        assert!("192.0.2.0/33".parse::<IpPrefix>().is_err());
        assert!("2001:db8::/129".parse::<IpPrefix>().is_err());
        assert!("example.net/24".parse::<IpPrefix>().is_err());
        assert!("192.0.2.0/x".parse::<IpPrefix>().is_err());
    }
}
