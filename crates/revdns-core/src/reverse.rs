//! Reverse-name maths: IP <-> `in-addr.arpa.` / `ip6.arpa.` names, and which
//! zone holds a name, RFC 2317 classless zones included.
//!
//! All names returned are lower-case and end in a dot. All names accepted may
//! use any case and may omit the trailing dot. Zones match on whole labels:
//! `2.0.192.in-addr.arpa.` never holds `1.12.0.192.in-addr.arpa.`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;

use crate::Error;

const V4_SUFFIX: &str = "in-addr.arpa";
const V6_SUFFIX: &str = "ip6.arpa";

/// The reverse name of `ip`: `d.c.b.a.in-addr.arpa.` for IPv4, 32 lower-case
/// nibbles followed by `ip6.arpa.` for IPv6.
///
/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) keeps its IPv6 (nibble)
/// form: it is a distinct address on the wire and resolvers look it up under
/// `ip6.arpa.`. Callers who want the IPv4 name convert first with
/// [`IpAddr::to_canonical`].
///
/// ```
/// use revdns_core::reverse::reverse_name;
///
/// assert_eq!(reverse_name("192.0.2.5".parse()?), "5.2.0.192.in-addr.arpa.");
/// assert_eq!(
///     reverse_name("2001:db8::1".parse()?),
///     "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
/// );
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.{V4_SUFFIX}.")
        }
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(32 * 2 + V6_SUFFIX.len() + 1);
            for byte in v6.octets().iter().rev() {
                // Low nibble first: the name lists nibbles least significant first.
                let _ = write!(name, "{:x}.{:x}.", byte & 0x0f, byte >> 4);
            }
            name.push_str(V6_SUFFIX);
            name.push('.');
            name
        }
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::validation("reverse_name", reason)
}

/// Lower-cases ASCII and drops one trailing dot.
fn normalise(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Parses a full reverse name back into its address; the inverse of
/// [`reverse_name`]. Case-insensitive; the trailing dot is optional.
///
/// # Errors
///
/// [`Error::Validation`] with field `reverse_name` when the name is not under
/// `in-addr.arpa` or `ip6.arpa`, is partial (fewer than 4 octets or 32 nibbles,
/// e.g. a zone name), or has a bad label: an octet above 255 or with a leading
/// zero (`01`, not canonical), or a nibble that is not exactly one hex digit.
///
/// ```
/// use revdns_core::reverse::parse_reverse_name;
///
/// assert_eq!(parse_reverse_name("5.2.0.192.IN-ADDR.ARPA")?, "192.0.2.5".parse::<std::net::IpAddr>().unwrap());
/// assert!(parse_reverse_name("2.0.192.in-addr.arpa.").is_err());
/// # Ok::<(), revdns_core::Error>(())
/// ```
pub fn parse_reverse_name(name: &str) -> Result<IpAddr, Error> {
    let lower = normalise(name);
    if let Some(rest) = strip_zone(&lower, V4_SUFFIX) {
        parse_v4(rest).map(IpAddr::V4)
    } else if let Some(rest) = strip_zone(&lower, V6_SUFFIX) {
        parse_v6(rest).map(IpAddr::V6)
    } else {
        Err(invalid(format!(
            "`{}` is not under {V4_SUFFIX}. or {V6_SUFFIX}.",
            name.escape_default()
        )))
    }
}

/// `Some(labels before suffix)` when `name` is `suffix` or ends in `.suffix`.
fn strip_zone<'n>(name: &'n str, suffix: &str) -> Option<&'n str> {
    if name == suffix {
        return Some("");
    }
    name.strip_suffix(suffix)?.strip_suffix('.')
}

fn parse_v4(labels: &str) -> Result<Ipv4Addr, Error> {
    let parts: Vec<&str> = if labels.is_empty() {
        Vec::new()
    } else {
        labels.split('.').collect()
    };
    if parts.len() != 4 {
        return Err(invalid(format!(
            "an IPv4 reverse name needs 4 octet labels, found {}",
            parts.len()
        )));
    }
    let mut octets = [0u8; 4];
    for (slot, label) in octets.iter_mut().rev().zip(&parts) {
        *slot = parse_octet(label).ok_or_else(|| {
            invalid(format!(
                "`{}` is not an octet (0-255, no leading zeros)",
                label.escape_default()
            ))
        })?;
    }
    Ok(Ipv4Addr::from(octets))
}

/// A canonical decimal octet: `0`..`255`, no sign, no leading zeros.
fn parse_octet(label: &str) -> Option<u8> {
    let canonical = !label.is_empty()
        && label.len() <= 3
        && label.bytes().all(|b| b.is_ascii_digit())
        && (label == "0" || !label.starts_with('0'));
    if canonical { label.parse().ok() } else { None }
}

fn parse_v6(labels: &str) -> Result<Ipv6Addr, Error> {
    let parts: Vec<&str> = if labels.is_empty() {
        Vec::new()
    } else {
        labels.split('.').collect()
    };
    if parts.len() != 32 {
        return Err(invalid(format!(
            "an IPv6 reverse name needs 32 nibble labels, found {}",
            parts.len()
        )));
    }
    let mut value: u128 = 0;
    // Most significant nibble is the last label.
    for label in parts.iter().rev() {
        let nibble = match label.as_bytes() {
            [c] => (*c as char).to_digit(16),
            _ => None,
        }
        .ok_or_else(|| {
            invalid(format!(
                "`{}` is not a single hex digit",
                label.escape_default()
            ))
        })?;
        value = (value << 4) | u128::from(nibble);
    }
    Ok(Ipv6Addr::from(value))
}

/// Number of labels in a normalised name (`""` is the root, with none).
fn label_count(name: &str) -> usize {
    if name.is_empty() {
        0
    } else {
        name.split('.').count()
    }
}

/// Whether `zone` holds `name`: a whole-label, case-insensitive suffix match.
/// Trailing dots are optional; a zone holds itself; the root zone `.` holds
/// every name; an empty string is no zone and holds nothing.
///
/// This is plain DNS matching: an RFC 2317 zone such as
/// `0/25.2.0.192.in-addr.arpa.` holds only names below it; use
/// [`zone_for_ip`] to find the classless zone of an address.
///
/// ```
/// use revdns_core::reverse::zone_contains;
///
/// assert!(zone_contains("2.0.192.in-addr.arpa.", "1.2.0.192.IN-ADDR.ARPA"));
/// assert!(!zone_contains("2.0.192.in-addr.arpa.", "1.12.0.192.in-addr.arpa."));
/// assert!(zone_contains("2.0.192.in-addr.arpa", "2.0.192.in-addr.arpa."));
/// ```
pub fn zone_contains(zone: &str, name: &str) -> bool {
    if zone.is_empty() {
        return false;
    }
    let zone = zone.strip_suffix('.').unwrap_or(zone);
    let name = name.strip_suffix('.').unwrap_or(name);
    if zone.is_empty() {
        return true;
    }
    if name.len() == zone.len() {
        return name.eq_ignore_ascii_case(zone);
    }
    name.len() > zone.len()
        && name.is_char_boundary(name.len() - zone.len())
        && name[name.len() - zone.len()..].eq_ignore_ascii_case(zone)
        && name.as_bytes()[name.len() - zone.len() - 1] == b'.'
}

/// The zone an address's PTR belongs in, found by [`zone_for_ip`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneMatch {
    /// The zone, lower-case with a trailing dot.
    pub zone: String,
    /// The owner name to create in that zone, lower-case with a trailing dot:
    /// the plain reverse name for ordinary zones, `<last octet>.<zone>` for an
    /// RFC 2317 classless zone.
    pub record_name: String,
}

/// An RFC 2317 classless zone: its parent `/24` name and the last-octet range.
struct Classless<'z> {
    parent: &'z str,
    range: RangeInclusive<u8>,
}

/// Recognises `<start>/<len>.c.b.a.in-addr.arpa` (len 25..=32, start aligned
/// to the block) and `<start>-<end>.c.b.a.in-addr.arpa` (start <= end).
/// `zone` must be normalised.
fn classless(zone: &str) -> Option<Classless<'_>> {
    let (first, parent) = zone.split_once('.')?;
    // The parent must be a /24 reverse zone: exactly three octet labels.
    let octets = strip_zone(parent, V4_SUFFIX)?;
    let labels: Vec<&str> = octets.split('.').collect();
    if labels.len() != 3 || !labels.iter().all(|l| parse_octet(l).is_some()) {
        return None;
    }
    let range = if let Some((start, len)) = first.split_once('/') {
        let start = parse_octet(start)?;
        let len_label = len;
        let len: u32 = len.parse().ok()?;
        // `025` or `+25` would be a different owner name; only canonical digits.
        if !(25..=32).contains(&len) || len.to_string() != len_label {
            return None;
        }
        let size = 1u16 << (32 - len);
        if u16::from(start) % size != 0 {
            return None;
        }
        start..=u8::try_from(u16::from(start) + size - 1).ok()?
    } else if let Some((start, end)) = first.split_once('-') {
        let (start, end) = (parse_octet(start)?, parse_octet(end)?);
        if start > end {
            return None;
        }
        start..=end
    } else {
        return None;
    };
    Some(Classless { parent, range })
}

/// The most specific zone among `zones` that holds `ip`'s PTR, and the owner
/// name to create there.
///
/// Zones match on whole labels, case-insensitively, with optional trailing
/// dots; the longest match wins. RFC 2317 classless zones are understood:
/// a zone whose first label is `<start>/<prefixlen>` (prefix length 25 to 32,
/// e.g. `0/25.2.0.192.in-addr.arpa.`) or `<start>-<end>` (e.g.
/// `128-255.2.0.192.in-addr.arpa.`) holds the IPv4 addresses of its parent
/// `/24` whose last octet is in that range, and beats the parent. Its record
/// name is `<last octet>.<zone>`, the name the parent's CNAME points to.
/// When two classless zones hold the address, the smaller range wins.
///
/// Returns `None` when no zone holds the address.
///
/// ```
/// use revdns_core::reverse::zone_for_ip;
///
/// let zones = ["2.0.192.in-addr.arpa.", "0/25.2.0.192.in-addr.arpa."];
/// let m = zone_for_ip("192.0.2.5".parse()?, zones).unwrap();
/// assert_eq!(m.zone, "0/25.2.0.192.in-addr.arpa.");
/// assert_eq!(m.record_name, "5.0/25.2.0.192.in-addr.arpa.");
///
/// let m = zone_for_ip("192.0.2.200".parse()?, zones).unwrap();
/// assert_eq!(m.zone, "2.0.192.in-addr.arpa.");
/// assert_eq!(m.record_name, "200.2.0.192.in-addr.arpa.");
///
/// assert_eq!(zone_for_ip("198.51.100.1".parse()?, zones), None);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn zone_for_ip<'a, I>(ip: IpAddr, zones: I) -> Option<ZoneMatch>
where
    I: IntoIterator<Item = &'a str>,
{
    ZoneIndex::new(zones).find(ip).map(|(_, m)| m)
}

/// Zones prepared for [`zone_for_ip`]'s question asked of many addresses:
/// each zone is normalised and recognised (plain or RFC 2317 classless)
/// once, and each address costs a hash lookup per label of its reverse name
/// instead of a pass over every zone.
///
/// ```
/// use revdns_core::reverse::ZoneIndex;
///
/// let index = ZoneIndex::new(["2.0.192.in-addr.arpa.", "0/25.2.0.192.in-addr.arpa."]);
/// let (position, m) = index.find("192.0.2.5".parse()?).unwrap();
/// assert_eq!(position, 1);
/// assert_eq!(m.record_name, "5.0/25.2.0.192.in-addr.arpa.");
/// assert_eq!(index.find("198.51.100.1".parse()?), None);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ZoneIndex {
    /// Each zone as given, normalised (lower-case, no trailing dot; the root
    /// is `""`). An empty string, which is no zone, keeps its position but
    /// is in neither map.
    zones: Vec<String>,
    /// Plain zones by normalised name: the first position given.
    plain: HashMap<String, usize>,
    /// Classless zones by their `/24` parent: last-octet range and position.
    classless: HashMap<String, Vec<(RangeInclusive<u8>, usize)>>,
}

impl ZoneIndex {
    /// Indexes `zones`, in the order given (which breaks ties).
    pub fn new<'a>(zones: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index = ZoneIndex::default();
        for (position, raw) in zones.into_iter().enumerate() {
            let zone = normalise(raw);
            if let Some(c) = classless(&zone) {
                index
                    .classless
                    .entry(c.parent.to_owned())
                    .or_default()
                    .push((c.range, position));
            } else if !raw.is_empty() {
                index.plain.entry(zone.clone()).or_insert(position);
            }
            index.zones.push(zone);
        }
        index
    }

    /// The most specific zone holding `ip`'s PTR, as [`zone_for_ip`] finds
    /// it, with its position among the zones given.
    pub fn find(&self, ip: IpAddr) -> Option<(usize, ZoneMatch)> {
        let name = reverse_name(ip);
        let bare = &name[..name.len() - 1];
        // Plain zones: the longest whole-label suffix of the name (the root,
        // `""`, holds every name and ranks last).
        let suffixes = std::iter::once(bare)
            .chain(bare.match_indices('.').map(|(at, _)| &bare[at + 1..]))
            .chain(std::iter::once(""));
        let plain = suffixes
            .enumerate()
            .find_map(|(skipped, suffix)| Some((skipped, *self.plain.get(suffix)?)));
        // A zone for the host itself (nothing skipped) beats a classless
        // zone, which beats its `/24` parent and anything shorter.
        let classless = match (ip, plain) {
            (_, Some((0, _))) | (IpAddr::V6(_), _) => None,
            (IpAddr::V4(v4), _) => {
                let last = v4.octets()[3];
                let parent = bare.split_once('.').map_or("", |(_, p)| p);
                self.classless
                    .get(parent)
                    .into_iter()
                    .flatten()
                    .filter(|(range, _)| range.contains(&last))
                    // The smaller range, then the first given.
                    .min_by_key(|(range, position)| (range.end() - range.start(), *position))
                    .map(|&(_, position)| (position, last))
            }
        };
        if let Some((position, last)) = classless {
            let zone = &self.zones[position];
            return Some((
                position,
                ZoneMatch {
                    zone: format!("{zone}."),
                    record_name: format!("{last}.{zone}."),
                },
            ));
        }
        let (_, position) = plain?;
        Some((
            position,
            ZoneMatch {
                zone: format!("{}.", self.zones[position]),
                record_name: name,
            },
        ))
    }
}

/// The zone among `zones` that holds `name` with the longest whole-label
/// match, returned as given. Plain DNS matching, as in [`zone_contains`].
///
/// ```
/// use revdns_core::reverse::zone_for_name;
///
/// let zones = ["in-addr.arpa.", "2.0.192.in-addr.arpa", "12.0.192.in-addr.arpa."];
/// assert_eq!(zone_for_name("1.2.0.192.in-addr.arpa.", zones), Some("2.0.192.in-addr.arpa"));
/// assert_eq!(zone_for_name("1.100.51.198.in-addr.arpa.", zones), Some("in-addr.arpa."));
/// assert_eq!(zone_for_name("example.net.", zones), None);
/// ```
pub fn zone_for_name<'a, I>(name: &str, zones: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(usize, &'a str)> = None;
    for zone in zones {
        if zone_contains(zone, name) {
            let labels = label_count(zone.strip_suffix('.').unwrap_or(zone));
            if best.is_none_or(|(b, _)| labels > b) {
                best = Some((labels, zone));
            }
        }
    }
    best.map(|(_, z)| z)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn reverse_name_ipv4() {
        assert_eq!(reverse_name(ip("192.0.2.1")), "1.2.0.192.in-addr.arpa.");
        assert_eq!(reverse_name(ip("0.0.0.0")), "0.0.0.0.in-addr.arpa.");
    }

    #[test]
    fn reverse_name_ipv6_unspecified_is_32_zeros() {
        let want = format!("{}ip6.arpa.", "0.".repeat(32));
        assert_eq!(reverse_name(ip("::")), want);
    }

    #[test]
    fn reverse_name_ipv6_is_lowercase_nibbles() {
        assert_eq!(
            reverse_name(ip("2001:DB8::ABCD")),
            "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
    }

    #[test]
    fn reverse_name_ipv4_mapped_ipv6_stays_ipv6() {
        let name = reverse_name(ip("::ffff:192.0.2.1"));
        assert_eq!(
            name,
            "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."
        );
        assert_eq!(
            reverse_name(ip("::ffff:192.0.2.1").to_canonical()),
            "1.2.0.192.in-addr.arpa."
        );
    }

    #[test]
    fn parse_reverse_name_round_trips() {
        for s in [
            "192.0.2.1",
            "198.51.100.255",
            "0.0.0.0",
            "::",
            "2001:db8::1",
            "::ffff:192.0.2.1",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            let addr = ip(s);
            assert_eq!(
                parse_reverse_name(&reverse_name(addr)).unwrap(),
                addr,
                "{s}"
            );
        }
    }

    #[test]
    fn parse_reverse_name_is_case_insensitive_and_dot_optional() {
        assert_eq!(
            parse_reverse_name("1.2.0.192.In-Addr.Arpa").unwrap(),
            ip("192.0.2.1")
        );
        let upper = reverse_name(ip("2001:db8::abcd")).to_uppercase();
        assert_eq!(parse_reverse_name(&upper).unwrap(), ip("2001:db8::abcd"));
    }

    #[test]
    fn parse_reverse_name_partial_is_rejected() {
        for name in [
            "2.0.192.in-addr.arpa.",
            "in-addr.arpa.",
            "1.1.2.0.192.in-addr.arpa.",
            "8.b.d.0.1.0.0.2.ip6.arpa.",
            "ip6.arpa",
        ] {
            assert!(parse_reverse_name(name).is_err(), "{name}");
        }
    }

    #[test]
    fn parse_reverse_name_bad_octet_is_rejected() {
        for name in [
            "256.2.0.192.in-addr.arpa.",
            "01.2.0.192.in-addr.arpa.",
            "+1.2.0.192.in-addr.arpa.",
            "a.2.0.192.in-addr.arpa.",
            ".2.0.192.in-addr.arpa.",
            "1000.2.0.192.in-addr.arpa.",
        ] {
            let err = parse_reverse_name(name).unwrap_err();
            assert!(
                matches!(err, Error::Validation { ref field, .. } if field == "reverse_name"),
                "{name}"
            );
        }
        assert_eq!(
            parse_reverse_name("0.2.0.192.in-addr.arpa.").unwrap(),
            ip("192.0.2.0")
        );
    }

    #[test]
    fn parse_reverse_name_bad_nibble_is_rejected() {
        let good = reverse_name(ip("2001:db8::1"));
        let bad_hex = good.replacen('1', "g", 1);
        let multi = good.replacen("1.", "10.", 1);
        let empty = good.replacen("1.", ".", 1);
        for name in [bad_hex, multi, empty] {
            assert!(parse_reverse_name(&name).is_err(), "{name}");
        }
    }

    #[test]
    fn parse_reverse_name_other_tree_is_rejected() {
        assert!(parse_reverse_name("host.example.net.").is_err());
        assert!(parse_reverse_name("1.2.0.192.xin-addr.arpa.").is_err());
    }

    #[test]
    fn zone_contains_matches_whole_labels_only() {
        assert!(zone_contains(
            "2.0.192.in-addr.arpa.",
            "1.2.0.192.in-addr.arpa."
        ));
        assert!(!zone_contains(
            "2.0.192.in-addr.arpa.",
            "1.12.0.192.in-addr.arpa."
        ));
        assert!(!zone_contains(
            "12.0.192.in-addr.arpa.",
            "1.2.0.192.in-addr.arpa."
        ));
        assert!(!zone_contains("example.net", "badexample.net"));
    }

    #[test]
    fn zone_contains_itself_and_ignores_case_and_dots() {
        assert!(zone_contains(
            "2.0.192.in-addr.arpa.",
            "2.0.192.in-addr.arpa"
        ));
        assert!(zone_contains(
            "2.0.192.IN-ADDR.arpa",
            "1.2.0.192.in-addr.ARPA."
        ));
        assert!(!zone_contains(
            "1.2.0.192.in-addr.arpa",
            "2.0.192.in-addr.arpa"
        ));
    }

    #[test]
    fn zone_contains_root_and_empty() {
        assert!(zone_contains(".", "host.example.net."));
        assert!(!zone_contains("", "host.example.net."));
    }

    #[test]
    fn zone_contains_non_ascii_does_not_panic() {
        assert!(!zone_contains("é.net", "aé.net"));
        assert!(!zone_contains("e.net", "ééé.net"));
    }

    #[test]
    fn zone_for_ip_picks_longest_label_match() {
        let zones = [
            "in-addr.arpa.",
            "192.in-addr.arpa",
            "2.0.192.IN-ADDR.ARPA",
            "12.0.192.in-addr.arpa.",
        ];
        let m = zone_for_ip(ip("192.0.2.1"), zones).unwrap();
        assert_eq!(m.zone, "2.0.192.in-addr.arpa.");
        assert_eq!(m.record_name, "1.2.0.192.in-addr.arpa.");
        let m = zone_for_ip(ip("192.0.12.1"), zones).unwrap();
        assert_eq!(m.zone, "12.0.192.in-addr.arpa.");
    }

    #[test]
    fn zone_for_ip_root_zone_holds_everything_but_loses_to_longer() {
        let m = zone_for_ip(ip("192.0.2.1"), ["."]).unwrap();
        assert_eq!(m.zone, ".");
        assert_eq!(m.record_name, "1.2.0.192.in-addr.arpa.");
        let m = zone_for_ip(ip("192.0.2.1"), [".", "arpa"]).unwrap();
        assert_eq!(m.zone, "arpa.");
    }

    #[test]
    fn zone_for_ip_none_when_no_zone_holds_it() {
        let zones = ["2.0.192.in-addr.arpa."];
        assert_eq!(zone_for_ip(ip("198.51.100.1"), zones), None);
        assert_eq!(zone_for_ip(ip("2001:db8::1"), zones), None);
        assert_eq!(zone_for_ip(ip("192.0.2.1"), [""]), None);
    }

    #[test]
    fn zone_for_ip_classless_slash_holds_low_half() {
        let zones = ["2.0.192.in-addr.arpa.", "0/25.2.0.192.in-addr.arpa."];
        let m = zone_for_ip(ip("192.0.2.5"), zones).unwrap();
        assert_eq!(m.zone, "0/25.2.0.192.in-addr.arpa.");
        assert_eq!(m.record_name, "5.0/25.2.0.192.in-addr.arpa.");
        let m = zone_for_ip(ip("192.0.2.127"), zones).unwrap();
        assert_eq!(m.zone, "0/25.2.0.192.in-addr.arpa.");
    }

    #[test]
    fn zone_for_ip_classless_200_falls_back_to_parent() {
        let zones = ["0/25.2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa."];
        let m = zone_for_ip(ip("192.0.2.200"), zones).unwrap();
        assert_eq!(m.zone, "2.0.192.in-addr.arpa.");
        assert_eq!(m.record_name, "200.2.0.192.in-addr.arpa.");
    }

    #[test]
    fn zone_for_ip_classless_200_goes_to_upper_half_when_present() {
        let zones = [
            "2.0.192.in-addr.arpa.",
            "0/25.2.0.192.in-addr.arpa.",
            "128/25.2.0.192.in-addr.arpa.",
        ];
        let m = zone_for_ip(ip("192.0.2.200"), zones).unwrap();
        assert_eq!(m.zone, "128/25.2.0.192.in-addr.arpa.");
        assert_eq!(m.record_name, "200.128/25.2.0.192.in-addr.arpa.");
    }

    #[test]
    fn zone_for_ip_classless_without_parent_still_matches() {
        let m = zone_for_ip(ip("192.0.2.5"), ["0/25.2.0.192.in-addr.arpa"]).unwrap();
        assert_eq!(m.zone, "0/25.2.0.192.in-addr.arpa.");
        assert_eq!(
            zone_for_ip(ip("192.0.2.200"), ["0/25.2.0.192.in-addr.arpa"]),
            None
        );
        // Another /24 never matches.
        assert_eq!(
            zone_for_ip(ip("192.0.12.5"), ["0/25.2.0.192.in-addr.arpa"]),
            None
        );
    }

    #[test]
    fn zone_for_ip_classless_range_form() {
        let zones = ["2.0.192.in-addr.arpa.", "128-255.2.0.192.IN-ADDR.ARPA"];
        let m = zone_for_ip(ip("192.0.2.200"), zones).unwrap();
        assert_eq!(m.zone, "128-255.2.0.192.in-addr.arpa.");
        assert_eq!(m.record_name, "200.128-255.2.0.192.in-addr.arpa.");
        let m = zone_for_ip(ip("192.0.2.128"), zones).unwrap();
        assert_eq!(m.zone, "128-255.2.0.192.in-addr.arpa.");
        let m = zone_for_ip(ip("192.0.2.127"), zones).unwrap();
        assert_eq!(m.zone, "2.0.192.in-addr.arpa.");
    }

    #[test]
    fn zone_for_ip_smaller_classless_block_wins() {
        let zones = ["0/25.2.0.192.in-addr.arpa.", "0/26.2.0.192.in-addr.arpa."];
        let m = zone_for_ip(ip("192.0.2.5"), zones).unwrap();
        assert_eq!(m.zone, "0/26.2.0.192.in-addr.arpa.");
        let m = zone_for_ip(ip("192.0.2.100"), zones).unwrap();
        assert_eq!(m.zone, "0/25.2.0.192.in-addr.arpa.");
    }

    /// The definition, zone by zone: every zone that holds the address
    /// ranked by labels (a classless zone just above its `/24` parent, the
    /// smaller range first), ties to the first given.
    fn by_definition(ip: IpAddr, zones: &[&str]) -> Option<(usize, ZoneMatch)> {
        let name = reverse_name(ip);
        let bare = &name[..name.len() - 1];
        let mut best: Option<((usize, std::cmp::Reverse<u16>), usize, ZoneMatch)> = None;
        for (position, raw) in zones.iter().enumerate() {
            if raw.is_empty() {
                continue;
            }
            let zone = normalise(raw);
            let candidate = if zone_contains(raw, bare) {
                Some(((2 * label_count(&zone), std::cmp::Reverse(0)), name.clone()))
            } else if let (IpAddr::V4(v4), Some(c)) = (ip, classless(&zone)) {
                let last = v4.octets()[3];
                let in_parent = bare.split_once('.').is_some_and(|(_, p)| p == c.parent);
                (in_parent && c.range.contains(&last)).then(|| {
                    let size = u16::from(*c.range.end()) - u16::from(*c.range.start()) + 1;
                    let rank = (2 * label_count(c.parent) + 1, std::cmp::Reverse(size));
                    (rank, format!("{last}.{zone}."))
                })
            } else {
                None
            };
            if let Some((rank, record_name)) = candidate
                && best.as_ref().is_none_or(|(r, _, _)| rank > *r)
            {
                let zone = format!("{zone}.");
                best = Some((rank, position, ZoneMatch { zone, record_name }));
            }
        }
        best.map(|(_, position, m)| (position, m))
    }

    #[test]
    fn the_index_answers_as_the_definition() {
        let zone_sets: &[&[&str]] = &[
            &[
                "2.0.192.in-addr.arpa.",
                "0/25.2.0.192.in-addr.arpa.",
                "128-255.2.0.192.IN-ADDR.ARPA",
            ],
            &[
                "0-127.2.0.192.in-addr.arpa",
                "0/25.2.0.192.in-addr.arpa.",
                "0/26.2.0.192.in-addr.arpa.",
            ],
            &[
                ".",
                "arpa",
                "in-addr.arpa.",
                "192.in-addr.arpa",
                "12.0.192.in-addr.arpa.",
            ],
            &[
                "5.2.0.192.in-addr.arpa.",
                "0/25.2.0.192.in-addr.arpa.",
                "2.0.192.in-addr.arpa",
            ],
            &[
                "",
                "example.net.",
                "2.0.192.in-addr.arpa.",
                "2.0.192.IN-ADDR.ARPA",
                "1/25.2.0.192.in-addr.arpa.",
            ],
            &[
                "8.b.d.0.1.0.0.2.ip6.arpa.",
                "ip6.arpa",
                "0.0.0.0.8.B.D.0.1.0.0.2.ip6.arpa",
            ],
            &[],
        ];
        let ips = [
            "192.0.2.0",
            "192.0.2.5",
            "192.0.2.63",
            "192.0.2.64",
            "192.0.2.127",
            "192.0.2.128",
            "192.0.2.255",
            "192.0.12.1",
            "192.1.1.1",
            "198.51.100.1",
            "2001:db8::1",
            "2001:db8:1::1",
            "2001:db9::1",
            "::ffff:192.0.2.5",
        ];
        for zones in zone_sets {
            let index = ZoneIndex::new(zones.iter().copied());
            for addr in ips {
                assert_eq!(
                    index.find(ip(addr)),
                    by_definition(ip(addr), zones),
                    "{addr} in {zones:?}"
                );
            }
        }
    }

    #[test]
    fn zone_for_ip_host_zone_beats_classless() {
        let zones = ["0/25.2.0.192.in-addr.arpa.", "5.2.0.192.in-addr.arpa."];
        let m = zone_for_ip(ip("192.0.2.5"), zones).unwrap();
        assert_eq!(m.zone, "5.2.0.192.in-addr.arpa.");
        assert_eq!(m.record_name, "5.2.0.192.in-addr.arpa.");
    }

    #[test]
    fn zone_for_ip_malformed_classless_is_ignored() {
        for zone in [
            "1/25.2.0.192.in-addr.arpa.",    // not aligned
            "0/24.2.0.192.in-addr.arpa.",    // prefix too short
            "0/33.2.0.192.in-addr.arpa.",    // prefix too long
            "0/025.2.0.192.in-addr.arpa.",   // non-canonical prefix
            "200-100.2.0.192.in-addr.arpa.", // reversed range
            "0-300.2.0.192.in-addr.arpa.",   // out of range
            "0/25.0.192.in-addr.arpa.",      // parent is not a /24
            "0/25.2.0.192.ip6.arpa.",        // wrong tree
        ] {
            assert_eq!(zone_for_ip(ip("192.0.2.5"), [zone]), None, "{zone}");
        }
    }

    #[test]
    fn zone_for_ip_slash_32_holds_one_address() {
        let zones = ["5/32.2.0.192.in-addr.arpa."];
        assert!(zone_for_ip(ip("192.0.2.5"), zones).is_some());
        assert!(zone_for_ip(ip("192.0.2.6"), zones).is_none());
    }

    #[test]
    fn zone_for_ip_ipv6_zone() {
        let zones = ["8.b.d.0.1.0.0.2.ip6.arpa", "ip6.arpa."];
        let m = zone_for_ip(ip("2001:db8::1"), zones).unwrap();
        assert_eq!(m.zone, "8.b.d.0.1.0.0.2.ip6.arpa.");
        assert_eq!(m.record_name, reverse_name(ip("2001:db8::1")));
    }

    #[test]
    fn zone_for_ip_ipv4_mapped_does_not_match_ipv4_zone() {
        assert_eq!(
            zone_for_ip(ip("::ffff:192.0.2.1"), ["2.0.192.in-addr.arpa."]),
            None
        );
    }

    #[test]
    fn zone_for_name_returns_longest_match_as_given() {
        let zones = [
            "arpa",
            "0/25.2.0.192.in-addr.arpa.",
            "2.0.192.in-addr.arpa.",
        ];
        assert_eq!(
            zone_for_name("5.0/25.2.0.192.in-addr.arpa.", zones),
            Some("0/25.2.0.192.in-addr.arpa.")
        );
        assert_eq!(
            zone_for_name("5.2.0.192.in-addr.arpa", zones),
            Some("2.0.192.in-addr.arpa.")
        );
        assert_eq!(
            zone_for_name("1.12.0.192.in-addr.arpa.", zones),
            Some("arpa")
        );
    }
}
