//! Reverse zones: which zone holds an address's PTR, the owner name to use
//! there, the way back from an owner name to its address, and paging.

use std::net::IpAddr;

use revdns_core::reverse::{ZoneIndex, parse_reverse_name, zone_contains, zone_for_ip};
use revdns_core::{Error, ProviderId};
use uuid::Uuid;

use crate::api::types::Links;

const P: ProviderId = ProviderId::Ecl;

/// A zone of the account: its id and its name, lower-case with a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZoneRef {
    pub(crate) id: Uuid,
    pub(crate) name: String,
}

impl ZoneRef {
    pub(crate) fn new(id: Uuid, name: &str) -> Self {
        ZoneRef {
            id,
            name: normalise(name),
        }
    }
}

/// Where an address's PTR lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    pub(crate) zone: ZoneRef,
    /// Owner name of the PTR, lower-case with a trailing dot.
    pub(crate) record_name: String,
}

/// Lower-case, with exactly one trailing dot.
pub(crate) fn normalise(name: &str) -> String {
    let mut n = name.trim_end_matches('.').to_ascii_lowercase();
    n.push('.');
    n
}

/// Whether a zone name is under `in-addr.arpa.` or `ip6.arpa.`.
pub(crate) fn is_reverse(name: &str) -> bool {
    zone_contains("in-addr.arpa.", name) || zone_contains("ip6.arpa.", name)
}

/// The account's reverse zones, indexed once when loaded so that placing
/// an address costs a lookup, not an index per call.
#[derive(Debug, Default)]
pub(crate) struct Zones {
    pub(crate) list: Vec<ZoneRef>,
    index: ZoneIndex,
}

impl Zones {
    pub(crate) fn new(list: Vec<ZoneRef>) -> Self {
        let index = ZoneIndex::new(list.iter().map(|z| z.name.as_str()));
        Zones { list, index }
    }

    /// For each of `ips`, the most specific zone holding its PTR
    /// (whole-label longest match, RFC 2317 classless zones included), or
    /// `None`.
    pub(crate) fn place_each(&self, ips: &[IpAddr]) -> Vec<Option<Placement>> {
        ips.iter()
            .map(|ip| {
                let (position, found) = self.index.find(*ip)?;
                Some(Placement {
                    zone: self.list[position].clone(),
                    record_name: found.record_name,
                })
            })
            .collect()
    }
}

/// The address a PTR owner name in `zone` stands for: the plain reverse
/// name, or `<last octet>.<classless zone>`. `None` for names that are no
/// address of this zone (SOA/NS at the apex, other labels).
pub(crate) fn ip_of(record_name: &str, zone: &str) -> Option<IpAddr> {
    let name = normalise(record_name);
    let zone = normalise(zone);
    if let Ok(ip) = parse_reverse_name(&name) {
        return zone_contains(&zone, &name).then_some(ip);
    }
    // RFC 2317: `5.0/25.2.0.192.in-addr.arpa.` in zone `0/25.2.0.192.in-addr.arpa.`.
    let last = name.strip_suffix(zone.as_str())?.strip_suffix('.')?;
    let (_, parent) = zone.split_once('.')?;
    let ip = parse_reverse_name(&format!("{last}.{parent}")).ok()?;
    let placed = zone_for_ip(ip, [zone.as_str()])?;
    (placed.record_name == name).then_some(ip)
}

/// The marker of the next page: the `marker` in `links.next`, else the id of
/// the page's last item. `None` when `links.next` is absent (last page).
///
/// # Errors
///
/// [`Error::InvalidResponse`] when there is a next page but no way to ask for it.
pub(crate) fn next_marker(
    links: Option<&Links>,
    last: Option<Uuid>,
) -> Result<Option<Uuid>, Error> {
    let Some(next) = links
        .and_then(|l| l.next.as_deref())
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    // `next` may be absolute or relative; only its query matters.
    let base = url::Url::parse("http://next.invalid/").expect("static URL parses");
    let from_link = base.join(next).ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "marker")
            .map(|(_, v)| v.into_owned())
    });
    match from_link {
        Some(m) => Uuid::parse_str(&m).map(Some).map_err(|_| {
            Error::invalid_response(
                P,
                format!("links.next has a marker that is not a UUID: {m}"),
            )
        }),
        None => last.map(Some).ok_or_else(|| {
            Error::invalid_response(P, "links.next on an empty page without a marker")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(zones: &[ZoneRef], ip: IpAddr) -> Option<Placement> {
        Zones::new(zones.to_vec()).place_each(&[ip]).pop().flatten()
    }

    fn zone(name: &str) -> ZoneRef {
        ZoneRef::new(Uuid::new_v4(), name)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn place_prefers_longest_zone() {
        let zones = [zone("0.192.in-addr.arpa."), zone("2.0.192.in-addr.arpa.")];
        let p = place(&zones, ip("192.0.2.5")).unwrap();
        assert_eq!(p.zone, zones[1]);
        assert_eq!(p.record_name, "5.2.0.192.in-addr.arpa.");
        let p = place(&zones, ip("192.0.9.5")).unwrap();
        assert_eq!(p.zone, zones[0]);
    }

    #[test]
    fn place_classless_zone_for_low_half() {
        let zones = [
            zone("2.0.192.in-addr.arpa."),
            zone("0/25.2.0.192.in-addr.arpa."),
        ];
        let p = place(&zones, ip("192.0.2.5")).unwrap();
        assert_eq!(p.zone, zones[1]);
        assert_eq!(p.record_name, "5.0/25.2.0.192.in-addr.arpa.");
        let p = place(&zones, ip("192.0.2.200")).unwrap();
        assert_eq!(p.zone, zones[0]);
    }

    #[test]
    fn place_never_matches_partial_label() {
        let zones = [zone("12.0.192.in-addr.arpa.")];
        assert_eq!(place(&zones, ip("192.0.2.1")), None);
        let zones = [zone("12.0.192.in-addr.arpa."), zone("2.0.192.IN-ADDR.ARPA")];
        assert_eq!(
            place(&zones, ip("192.0.2.1")).unwrap().zone.name,
            "2.0.192.in-addr.arpa."
        );
    }

    #[test]
    fn place_ipv6_nibble_zone() {
        let zones = [zone("8.b.d.0.1.0.0.2.ip6.arpa.")];
        let p = place(&zones, ip("2001:db8::1")).unwrap();
        assert!(p.record_name.starts_with("1.0.0.0."));
        assert!(p.record_name.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa."));
    }

    #[test]
    fn ip_of_inverts_place() {
        for (addr, zone_name) in [
            ("192.0.2.5", "2.0.192.in-addr.arpa."),
            ("192.0.2.5", "0/25.2.0.192.in-addr.arpa."),
            ("192.0.2.130", "128-255.2.0.192.in-addr.arpa."),
            ("2001:db8::1", "8.b.d.0.1.0.0.2.ip6.arpa."),
        ] {
            let zones = [zone(zone_name)];
            let p = place(&zones, ip(addr)).unwrap();
            assert_eq!(ip_of(&p.record_name, zone_name), Some(ip(addr)), "{addr}");
        }
    }

    #[test]
    fn ip_of_rejects_non_address_names() {
        assert_eq!(
            ip_of("2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa."),
            None
        );
        assert_eq!(
            ip_of("www.2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa."),
            None
        );
        // Outside the zone.
        assert_eq!(
            ip_of("5.3.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa."),
            None
        );
        // Outside the classless range.
        assert_eq!(
            ip_of(
                "200.0/25.2.0.192.in-addr.arpa.",
                "0/25.2.0.192.in-addr.arpa."
            ),
            None
        );
    }

    #[test]
    fn is_reverse_table() {
        assert!(is_reverse("2.0.192.in-addr.arpa."));
        assert!(is_reverse("8.b.d.0.1.0.0.2.IP6.ARPA"));
        assert!(!is_reverse("example.net."));
        assert!(!is_reverse("notin-addr.arpa."));
    }

    #[test]
    fn next_marker_reads_link_then_falls_back() {
        let id = Uuid::parse_str("f7b10e9b-0cae-4a91-b162-562bc6096648").unwrap();
        let links = Links {
            next: Some(format!(
                "http://127.0.0.1:9001/v2/zones/2150b1bf-dee2-4221-9d85-11f7886fb15f/recordsets?limit=1&marker={id}"
            )),
            self_: None,
        };
        assert_eq!(next_marker(Some(&links), None).unwrap(), Some(id));
        let other = Uuid::new_v4();
        let bare = Links {
            next: Some("/v2/zones?limit=1".into()),
            self_: None,
        };
        assert_eq!(next_marker(Some(&bare), Some(other)).unwrap(), Some(other));
        assert!(next_marker(Some(&bare), None).is_err());
        let last = Links {
            next: None,
            self_: Some("x".into()),
        };
        assert_eq!(next_marker(Some(&last), Some(other)).unwrap(), None);
        assert_eq!(next_marker(None, None).unwrap(), None);
    }
}
