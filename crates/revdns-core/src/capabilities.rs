//! [`Capabilities`]: what a provider can do, and [`Enumeration`].

use std::net::IpAddr;

/// How a provider's [`list`](crate::PtrProvider::list) enumerates records.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enumeration {
    /// Every PTR of the account, in one listing.
    Full,
    /// PTRs are listed zone by zone (the stream walks every reverse zone the
    /// account can see).
    ByZone,
    /// The provider cannot enumerate; `list()` yields one
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    None,
}

/// What a provider supports; returned by
/// [`PtrProvider::capabilities`](crate::PtrProvider::capabilities).
///
/// Built with [`Capabilities::new`] and `with_*` methods, since the struct may
/// gain fields:
///
/// ```
/// use revdns_core::{Capabilities, Enumeration};
///
/// let caps = Capabilities::new()
///     .with_ttl(true)
///     .with_max_batch(Some(100))
///     .with_enumeration(Enumeration::Full);
/// assert!(caps.ipv6 && caps.ttl && !caps.comment);
/// assert!(caps.supports_ip("2001:db8::1".parse()?));
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// PTRs for IPv4 addresses.
    pub ipv4: bool,
    /// PTRs for IPv6 addresses.
    pub ipv6: bool,
    /// A TTL can be set per record.
    pub ttl: bool,
    /// Largest TTL the provider accepts, in seconds, when it has TTLs and a limit.
    pub max_ttl: Option<u32>,
    /// A comment can be stored per record.
    pub comment: bool,
    /// Longest comment the provider stores, in characters, if it has a limit.
    pub max_comment_chars: Option<usize>,
    /// Most changes per write request; `None` when unlimited or when the
    /// provider writes one record per request.
    pub max_batch: Option<usize>,
    /// A batch write answers per item. When `false`, the provider reads back
    /// to tell what happened to each change.
    pub batch_reports_per_item: bool,
    /// How records can be enumerated.
    pub enumeration: Enumeration,
}

impl Capabilities {
    /// IPv4 and IPv6, no TTL, no comment, no batch limit, no per-item batch
    /// answers, no enumeration.
    pub const fn new() -> Self {
        Capabilities {
            ipv4: true,
            ipv6: true,
            ttl: false,
            max_ttl: None,
            comment: false,
            max_comment_chars: None,
            max_batch: None,
            batch_reports_per_item: false,
            enumeration: Enumeration::None,
        }
    }

    /// Sets [`ipv4`](Capabilities::ipv4).
    #[must_use]
    pub const fn with_ipv4(mut self, yes: bool) -> Self {
        self.ipv4 = yes;
        self
    }

    /// Sets [`ipv6`](Capabilities::ipv6).
    #[must_use]
    pub const fn with_ipv6(mut self, yes: bool) -> Self {
        self.ipv6 = yes;
        self
    }

    /// Sets [`ttl`](Capabilities::ttl).
    #[must_use]
    pub const fn with_ttl(mut self, yes: bool) -> Self {
        self.ttl = yes;
        self
    }

    /// Sets [`max_ttl`](Capabilities::max_ttl).
    #[must_use]
    pub const fn with_max_ttl(mut self, max: Option<u32>) -> Self {
        self.max_ttl = max;
        self
    }

    /// Sets [`comment`](Capabilities::comment).
    #[must_use]
    pub const fn with_comment(mut self, yes: bool) -> Self {
        self.comment = yes;
        self
    }

    /// Sets [`max_comment_chars`](Capabilities::max_comment_chars).
    #[must_use]
    pub const fn with_max_comment_chars(mut self, max: Option<usize>) -> Self {
        self.max_comment_chars = max;
        self
    }

    /// Sets [`max_batch`](Capabilities::max_batch).
    #[must_use]
    pub const fn with_max_batch(mut self, max: Option<usize>) -> Self {
        self.max_batch = max;
        self
    }

    /// Sets [`batch_reports_per_item`](Capabilities::batch_reports_per_item).
    #[must_use]
    pub const fn with_batch_reports_per_item(mut self, yes: bool) -> Self {
        self.batch_reports_per_item = yes;
        self
    }

    /// Sets [`enumeration`](Capabilities::enumeration).
    #[must_use]
    pub const fn with_enumeration(mut self, enumeration: Enumeration) -> Self {
        self.enumeration = enumeration;
        self
    }

    /// Whether PTRs for this address family are supported.
    pub const fn supports_ip(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(_) => self.ipv4,
            IpAddr::V6(_) => self.ipv6,
        }
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_builders_set_every_field() {
        let caps = Capabilities::new()
            .with_ipv4(false)
            .with_ipv6(false)
            .with_ttl(true)
            .with_comment(true)
            .with_max_batch(Some(50))
            .with_batch_reports_per_item(true)
            .with_enumeration(Enumeration::ByZone);
        assert_eq!(
            caps,
            Capabilities {
                ipv4: false,
                ipv6: false,
                ttl: true,
                max_ttl: None,
                comment: true,
                max_comment_chars: None,
                max_batch: Some(50),
                batch_reports_per_item: true,
                enumeration: Enumeration::ByZone,
            }
        );
        assert!(!caps.supports_ip("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn capabilities_default_is_new() {
        assert_eq!(Capabilities::default(), Capabilities::new());
    }
}
