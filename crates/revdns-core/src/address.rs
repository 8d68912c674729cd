//! Which addresses can carry a PTR, and the one form each is kept under.
//!
//! A PTR lives in a reverse zone that a provider delegates for addresses it
//! routes. Some addresses are never routed on the Internet, so no provider
//! can hold a PTR for them and sending one only earns a confusing refusal;
//! revdns refuses them before any request ([`check_address`]):
//!
//! | refused | IPv4 | IPv6 |
//! |---|---|---|
//! | unspecified / "this network" | `0.0.0.0/8` | `::` |
//! | loopback | `127.0.0.0/8` | `::1` |
//! | link-local | `169.254.0.0/16` | `fe80::/10` |
//! | multicast | `224.0.0.0/4` | `ff00::/8` |
//! | reserved and limited broadcast | `240.0.0.0/4` (with `255.255.255.255`) | |
//!
//! Private (RFC 1918), shared (RFC 6598), unique-local and documentation
//! ranges are accepted: whether an account holds them is the provider's to
//! say (a [`Rejected`](crate::Error::Rejected) answer), and the documentation
//! ranges are what tests and the simulator use.
//!
//! IPv4-mapped (`::ffff:192.0.2.1`) and IPv4-compatible (`::192.0.2.1`) IPv6
//! addresses stand for the IPv4 address inside them: they are made canonical
//! ([`canonical_ip`]) before anything is compared or sent, so an address and
//! its twin in one batch are one address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::Error;

/// The address a PTR is kept under: the IPv4 address inside an IPv4-mapped
/// (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`) IPv6 address; every
/// other address is itself (`::` and `::1` stay IPv6).
///
/// ```
/// use revdns_core::address::canonical_ip;
/// use std::net::IpAddr;
///
/// let v4: IpAddr = "192.0.2.1".parse()?;
/// assert_eq!(canonical_ip("::ffff:192.0.2.1".parse()?), v4);
/// assert_eq!(canonical_ip("::192.0.2.1".parse()?), v4);
/// assert_eq!(canonical_ip("::1".parse()?), "::1".parse::<IpAddr>()?);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let compatible = v6.segments()[..6].iter().all(|s| *s == 0)
        && v6 != Ipv6Addr::UNSPECIFIED
        && v6 != Ipv6Addr::LOCALHOST;
    compatible.then(|| v6.to_ipv4().unwrap_or(Ipv4Addr::UNSPECIFIED))
}

/// Why `ip` can carry no PTR, if it cannot: the rule it breaks, as a phrase.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match canonical_ip(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            match a {
                0 => Some("an unspecified or \"this network\" address (0.0.0.0/8)"),
                127 => Some("a loopback address (127.0.0.0/8)"),
                169 if b == 254 => Some("a link-local address (169.254.0.0/16)"),
                224..=239 => Some("a multicast address (224.0.0.0/4)"),
                240.. => Some("a reserved or broadcast address (240.0.0.0/4)"),
                _ => None,
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_unspecified() {
                Some("the unspecified address (::)")
            } else if v6.is_loopback() {
                Some("the loopback address (::1)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address (fe80::/10)")
            } else if first & 0xff00 == 0xff00 {
                Some("a multicast address (ff00::/8)")
            } else {
                None
            }
        }
    }
}

/// Checks that `ip` can carry a PTR and returns it in canonical form.
///
/// ```
/// use revdns_core::address::check_address;
///
/// assert_eq!(check_address("::ffff:192.0.2.1".parse()?)?.to_string(), "192.0.2.1");
/// assert!(check_address("127.0.0.1".parse()?).is_err());
/// assert!(check_address("fe80::1".parse()?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Validation`] with field `ip`, naming the address and the rule it
/// breaks (see the [module documentation](self)).
pub fn check_address(ip: IpAddr) -> Result<IpAddr, Error> {
    match refusal(ip) {
        Some(rule) => {
            let canonical = canonical_ip(ip);
            let shown = if canonical == ip {
                ip.to_string()
            } else {
                format!("{ip} (the IPv4 address {canonical})")
            };
            Err(Error::validation(
                "ip",
                format!("{shown} is {rule}, which can carry no PTR"),
            ))
        }
        None => Ok(canonical_ip(ip)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn special_addresses_are_refused_with_their_rule() {
        for (addr, rule) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this network"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("169.254.1.1", "link-local"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:0.0.0.0", "unspecified"),
            ("::224.0.0.1", "multicast"),
        ] {
            match check_address(ip(addr)).unwrap_err() {
                Error::Validation { field, reason, .. } => {
                    assert_eq!(field, "ip");
                    assert!(reason.contains(rule), "{addr}: {reason}");
                    let shown = ip(addr).to_string();
                    assert!(reason.contains(&shown), "{addr}: {reason}");
                }
                other => panic!("{addr}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn routable_and_private_addresses_pass_in_canonical_form() {
        for (addr, canonical) in [
            ("192.0.2.1", "192.0.2.1"),
            ("10.0.0.1", "10.0.0.1"),
            ("100.64.0.1", "100.64.0.1"),
            ("169.253.0.1", "169.253.0.1"),
            ("223.255.255.255", "223.255.255.255"),
            ("2001:db8::1", "2001:db8::1"),
            ("fd00::1", "fd00::1"),
            ("fec0::1", "fec0::1"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("::192.0.2.1", "192.0.2.1"),
        ] {
            assert_eq!(check_address(ip(addr)).unwrap(), ip(canonical), "{addr}");
        }
    }

    #[test]
    fn canonical_ip_leaves_plain_ipv6_alone() {
        assert_eq!(canonical_ip(ip("2001:db8::1")), ip("2001:db8::1"));
        assert_eq!(canonical_ip(ip("::")), ip("::"));
        assert_eq!(canonical_ip(ip("::1")), ip("::1"));
        assert_eq!(canonical_ip(ip("::2")), ip("0.0.0.2"));
    }
}
