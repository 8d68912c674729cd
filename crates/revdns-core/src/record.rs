//! [`PtrRecord`], [`PtrChange`] and [`validate_changes`].

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub use crate::address::canonical_ip;
use crate::address::check_address;
use crate::input::check_comment;
use crate::ip_map::ip_set_with_capacity;
use crate::{Error, Hostname};

/// One PTR record, keyed by its IP address.
///
/// ```
/// use revdns_core::{Hostname, PtrRecord};
///
/// let rec = PtrRecord::new("192.0.2.1".parse()?, Hostname::new("host.example.net")?)
///     .with_ttl(3600)
///     .with_comment("web frontend");
/// assert_eq!(rec.ttl, Some(3600));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PtrRecord {
    /// The address the PTR is for.
    pub ip: IpAddr,
    /// The host name the PTR points to.
    pub target: Hostname,
    /// Time to live in seconds; `None` when the provider's default applies or
    /// the provider has no TTLs.
    pub ttl: Option<u32>,
    /// Free-text comment, for providers that store one.
    pub comment: Option<String>,
}

impl PtrRecord {
    /// A record without TTL or comment.
    pub fn new(ip: IpAddr, target: Hostname) -> Self {
        PtrRecord {
            ip,
            target,
            ttl: None,
            comment: None,
        }
    }

    /// Sets the TTL in seconds.
    #[must_use]
    pub fn with_ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets the comment.
    #[must_use]
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

/// One change to apply: set (create or replace) or remove the PTR of an IP.
///
/// ```
/// use revdns_core::{Hostname, PtrChange};
///
/// let ip = "192.0.2.1".parse()?;
/// let set = PtrChange::upsert(ip, Hostname::new("host.example.net")?);
/// let del = PtrChange::delete("192.0.2.2".parse()?);
/// assert_eq!(set.ip(), ip);
/// revdns_core::record::validate_changes(&[set, del])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Serialises as `{"op": "upsert", "ip", "target", "ttl", "comment"}` or
/// `{"op": "delete", "ip"}`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PtrChange {
    /// Make `ip` point to `target`, creating or replacing its PTR.
    Upsert {
        /// The address.
        ip: IpAddr,
        /// The new target.
        target: Hostname,
        /// TTL in seconds; `None` gives a new PTR the provider's default and
        /// leaves an existing PTR's TTL as it is.
        ttl: Option<u32>,
        /// Comment, for providers that store one; `None` leaves an existing
        /// comment as it is.
        comment: Option<String>,
    },
    /// Remove the PTR of `ip`; removing a PTR that does not exist is
    /// reported as unchanged, not as an error.
    Delete {
        /// The address.
        ip: IpAddr,
    },
}

impl PtrChange {
    /// An upsert without TTL or comment.
    pub fn upsert(ip: IpAddr, target: Hostname) -> Self {
        PtrChange::Upsert {
            ip,
            target,
            ttl: None,
            comment: None,
        }
    }

    /// A delete.
    pub fn delete(ip: IpAddr) -> Self {
        PtrChange::Delete { ip }
    }

    /// The address the change is for.
    pub fn ip(&self) -> IpAddr {
        match self {
            PtrChange::Upsert { ip, .. } | PtrChange::Delete { ip } => *ip,
        }
    }

    /// The target of an upsert; `None` for a delete.
    pub fn target(&self) -> Option<&Hostname> {
        match self {
            PtrChange::Upsert { target, .. } => Some(target),
            PtrChange::Delete { .. } => None,
        }
    }

    /// The record an upsert asks for (`None` TTL and comment meaning "keep
    /// the provider's"); `None` for a delete.
    pub fn desired(&self) -> Option<PtrRecord> {
        match self {
            PtrChange::Upsert {
                ip,
                target,
                ttl,
                comment,
            } => Some(PtrRecord {
                ip: *ip,
                target: target.clone(),
                ttl: *ttl,
                comment: comment.clone(),
            }),
            PtrChange::Delete { .. } => None,
        }
    }

    /// Whether this is a [`PtrChange::Delete`].
    pub fn is_delete(&self) -> bool {
        matches!(self, PtrChange::Delete { .. })
    }
}

impl From<PtrRecord> for PtrChange {
    fn from(r: PtrRecord) -> Self {
        PtrChange::Upsert {
            ip: r.ip,
            target: r.target,
            ttl: r.ttl,
            comment: r.comment,
        }
    }
}

/// The addresses of a lookup, as every provider asks them: checked
/// ([`check_address`]), canonical ([`canonical_ip`]), each once, in address
/// order.
///
/// ```
/// use revdns_core::record::lookup_set;
///
/// let ips = ["192.0.2.2".parse()?, "::ffff:192.0.2.1".parse()?, "192.0.2.2".parse()?];
/// let want: Vec<std::net::IpAddr> = vec!["192.0.2.1".parse()?, "192.0.2.2".parse()?];
/// assert_eq!(lookup_set(&ips)?, want);
/// assert!(lookup_set(&[]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Validation`]: field `ips` for an empty list, field `ip` for an
/// address that can carry no PTR.
pub fn lookup_set(ips: &[IpAddr]) -> Result<Vec<IpAddr>, Error> {
    match ips {
        [] => return Err(Error::validation("ips", "no IP addresses given")),
        // One address (most lookups): nothing to sort or merge.
        [ip] => return Ok(vec![check_address(*ip)?]),
        _ => {}
    }
    let set = ips
        .iter()
        .map(|ip| check_address(*ip))
        .collect::<Result<BTreeSet<IpAddr>, Error>>()?;
    Ok(set.into_iter().collect())
}

/// Checks a batch before anything is sent; providers call this first in `apply`.
///
/// What no provider could carry is refused here, for the whole batch.
/// Provider limits (IPv6, TTL, comment length, batch size) and targets that
/// break the write rule ([`Hostname::is_writable`]) fail their own change
/// only (see [`apply::prepare`](crate::apply::prepare)).
///
/// # Errors
///
/// [`Error::Validation`]:
/// - field `changes` when the batch is empty or two changes name the same IP
///   (the reason names the IP; the outcome would depend on order), an IPv4
///   address and its IPv4-mapped or IPv4-compatible twin counting as one
///   ([`canonical_ip`]);
/// - field `ip` for an address that can carry no PTR
///   ([`check_address`]);
/// - field `comment` for a comment holding a control character, a line or
///   paragraph separator, a bidirectional control or a byte-order mark
///   ([`check_comment`]; the reason names the IP).
pub fn validate_changes(changes: &[PtrChange]) -> Result<(), Error> {
    if changes.is_empty() {
        return Err(Error::validation("changes", "the batch is empty"));
    }
    let mut seen = ip_set_with_capacity(changes.len());
    for change in changes {
        let ip = change.ip();
        if !seen.insert(check_address(ip)?) {
            return Err(Error::validation(
                "changes",
                format!("{ip} appears in more than one change"),
            ));
        }
        if let PtrChange::Upsert {
            comment: Some(comment),
            ..
        } = change
        {
            check_comment(None, ip, comment, None)?;
        }
    }
    Ok(())
}

/// [`validate_changes`], and every upsert target passes the write rule
/// ([`Hostname::check_writable`]): the check for provider methods that send
/// a batch as one request and so cannot fail one change alone.
///
/// # Errors
///
/// As [`validate_changes`], and [`Error::Validation`] with field `hostname`
/// naming the IP for a target that cannot be written.
pub fn validate_writes(changes: &[PtrChange]) -> Result<(), Error> {
    validate_changes(changes)?;
    changes.iter().try_for_each(check_write_target)
}

/// The write rule for one change's target, the error naming its IP; a
/// delete has none to check. [`apply::prepare`](crate::apply::prepare)
/// fails the change alone with it.
///
/// # Errors
///
/// [`Error::Validation`] with field `hostname`.
pub fn check_write_target(change: &PtrChange) -> Result<(), Error> {
    let PtrChange::Upsert { ip, target, .. } = change else {
        return Ok(());
    };
    match target.check_writable() {
        Err(Error::Validation { field, reason, .. }) => Err(Error::validation(
            field,
            format!(
                "the target `{}` for {ip} cannot be written: {reason}",
                target.as_str().escape_debug()
            ),
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn host() -> Hostname {
        Hostname::new("host.example.net").unwrap()
    }

    fn field_of(err: Error) -> (String, String) {
        match err {
            Error::Validation { field, reason, .. } => (field, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn ptr_record_builders_set_fields() {
        let r = PtrRecord::new(ip("192.0.2.1"), host())
            .with_ttl(60)
            .with_comment("c");
        assert_eq!(r.ttl, Some(60));
        assert_eq!(r.comment.as_deref(), Some("c"));
    }

    #[test]
    fn ptr_change_from_record_is_upsert() {
        let r = PtrRecord::new(ip("2001:db8::1"), host()).with_ttl(300);
        let c = PtrChange::from(r);
        assert_eq!(
            c,
            PtrChange::Upsert {
                ip: ip("2001:db8::1"),
                target: host(),
                ttl: Some(300),
                comment: None
            }
        );
        assert!(!c.is_delete());
        assert!(PtrChange::delete(ip("192.0.2.1")).is_delete());
    }

    #[test]
    fn ptr_change_serde_round_trip() {
        let c = PtrChange::upsert(ip("192.0.2.1"), host());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<PtrChange>(&json).unwrap(), c);
    }

    #[test]
    fn ptr_record_deserialize_reads_any_stored_target() {
        let json = r#"{"ip":"192.0.2.1","target":"Host_1.example.net.","ttl":null,"comment":null}"#;
        let record: PtrRecord = serde_json::from_str(json).unwrap();
        assert_eq!(record.target.as_str(), "host_1.example.net");
        assert!(!record.target.is_writable());
        let empty = r#"{"ip":"192.0.2.1","target":"","ttl":null,"comment":null}"#;
        assert!(serde_json::from_str::<PtrRecord>(empty).is_err());
    }

    #[test]
    fn validate_changes_empty_batch_is_rejected() {
        let (field, _) = field_of(validate_changes(&[]).unwrap_err());
        assert_eq!(field, "changes");
    }

    #[test]
    fn validate_changes_duplicate_ip_is_rejected() {
        let changes = [
            PtrChange::upsert(ip("192.0.2.1"), host()),
            PtrChange::delete(ip("192.0.2.1")),
        ];
        let (field, reason) = field_of(validate_changes(&changes).unwrap_err());
        assert_eq!(field, "changes");
        assert!(reason.contains("192.0.2.1"), "{reason}");
    }

    #[test]
    fn validate_changes_ipv4_and_its_mapped_twin_are_one_address() {
        let changes = [
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("::ffff:192.0.2.1")),
        ];
        let (field, reason) = field_of(validate_changes(&changes).unwrap_err());
        assert_eq!(field, "changes");
        assert!(reason.contains("192.0.2.1"), "{reason}");
    }

    #[test]
    fn validate_changes_long_comment_is_left_to_the_provider_limit() {
        let c = PtrRecord::new(ip("192.0.2.1"), host()).with_comment("é".repeat(1000));
        assert!(validate_changes(&[c.into()]).is_ok());
    }

    #[test]
    fn validate_changes_special_addresses_and_compatible_twins() {
        let (field, reason) =
            field_of(validate_changes(&[PtrChange::delete(ip("127.0.0.1"))]).unwrap_err());
        assert_eq!(field, "ip");
        assert!(reason.contains("loopback"), "{reason}");
        let twins = [
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("::192.0.2.1")),
        ];
        assert_eq!(field_of(validate_changes(&twins).unwrap_err()).0, "changes");
    }

    #[test]
    fn lookup_set_refuses_special_addresses() {
        let (field, reason) = field_of(lookup_set(&[ip("192.0.2.1"), ip("ff02::1")]).unwrap_err());
        assert_eq!(field, "ip");
        assert!(reason.contains("multicast"), "{reason}");
    }

    #[test]
    fn validate_changes_comment_with_control_char_is_rejected() {
        let c = PtrRecord::new(ip("192.0.2.1"), host()).with_comment("line\nbreak");
        let (field, _) = field_of(validate_changes(&[c.into()]).unwrap_err());
        assert_eq!(field, "comment");
    }
}
