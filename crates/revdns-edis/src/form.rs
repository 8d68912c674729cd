//! Form fields that EDIS wants as JSON text.
//!
//! EDIS's PTR operations are form posts whose `ip` field holds a JSON list or
//! object (its PHP back end runs `json_decode` on it). serde_urlencoded
//! cannot write a list or a map, so these types serialise themselves as one
//! string: compact JSON, IPv6 in RFC 5952 form. The generator maps the spec's
//! `PtrIpList`, `PtrHostMap` and `EpochSeconds` schemas onto them.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use revdns_core::Hostname;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A list of IP addresses, sent as `["192.0.2.1","2001:db8::1"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonIpList(pub Vec<IpAddr>);

/// IP address to PTR target, sent as `{"192.0.2.1":"host.example.net"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPtrMap(pub BTreeMap<IpAddr, Hostname>);

/// Unix time in seconds: a number (or numeric text) in answers, decimal text
/// in forms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds(pub u64);

impl<I: IntoIterator<Item = IpAddr>> From<I> for JsonIpList {
    fn from(ips: I) -> Self {
        Self(ips.into_iter().collect())
    }
}

impl From<BTreeMap<IpAddr, Hostname>> for JsonPtrMap {
    fn from(map: BTreeMap<IpAddr, Hostname>) -> Self {
        Self(map)
    }
}

impl From<u64> for EpochSeconds {
    fn from(secs: u64) -> Self {
        Self(secs)
    }
}

impl fmt::Display for EpochSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl JsonIpList {
    /// The compact JSON text that goes into the form field.
    pub fn to_json(&self) -> String {
        json_of_ips(&self.0)
    }
}

/// `ips` as the compact JSON text of a [`JsonIpList`], without copying them
/// into one.
pub(crate) fn json_of_ips(ips: &[IpAddr]) -> String {
    // serde writes an address as its text (RFC 5952 for IPv6) to a
    // human-readable format, with no string of its own per address.
    serde_json::to_string(ips).expect("a list of addresses always serialises")
}

/// Appends `ip=` and the JSON text of `ips` as a form encodes it (what
/// `serde_urlencoded` makes of the pair `ip`, [`json_of_ips`]) to `body`,
/// without making either text first. An address's text holds digits, hex
/// letters, `.` and `:`; of these only `:` is escaped, as are the JSON
/// signs around the addresses.
pub(crate) fn push_encoded_ip_field(body: &mut String, ips: &[IpAddr]) {
    use fmt::Write;
    body.push_str("ip=%5B");
    for (i, ip) in ips.iter().enumerate() {
        body.push_str(if i == 0 { "%22" } else { "%2C%22" });
        write!(ColonsEscaped(body), "{ip}").expect("writing to a String cannot fail");
        body.push_str("%22");
    }
    body.push_str("%5D");
}

/// An upper bound of what [`push_encoded_ip_field`] appends, to size the
/// body once.
pub(crate) fn encoded_ip_field_len(ips: &[IpAddr]) -> usize {
    // `ip=%5B` and `%5D`; per address its quotes and comma, and at most
    // 39 characters of IPv6 text with up to 7 colons escaped.
    9 + ips.len() * (9 + 39 + 7 * 2)
}

/// Writes into a form body with each `:` as `%3A`.
struct ColonsEscaped<'a>(&'a mut String);

impl fmt::Write for ColonsEscaped<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for part in text.split_inclusive(':') {
            match part.strip_suffix(':') {
                Some(before) => {
                    self.0.push_str(before);
                    self.0.push_str("%3A");
                }
                None => self.0.push_str(part),
            }
        }
        Ok(())
    }
}

impl JsonPtrMap {
    /// The compact JSON text that goes into the form field.
    pub fn to_json(&self) -> String {
        let texts: BTreeMap<String, &str> = self
            .0
            .iter()
            .map(|(ip, host)| (ip.to_string(), host.as_str()))
            .collect();
        serde_json::to_string(&texts).expect("a map of strings always serialises")
    }
}

impl Serialize for JsonIpList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_json())
    }
}

impl Serialize for JsonPtrMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_json())
    }
}

impl Serialize for EpochSeconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for JsonIpList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for JsonPtrMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for EpochSeconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EpochVisitor;
        impl Visitor<'_> for EpochVisitor {
            type Value = EpochSeconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unix seconds as a number or decimal text")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(EpochSeconds(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(EpochSeconds)
                    .map_err(|_| E::custom("negative unix time"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.trim()
                    .parse()
                    .map(EpochSeconds)
                    .map_err(|_| E::custom("unix time text is not a whole number"))
            }
        }
        deserializer.deserialize_any(EpochVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[derive(Serialize)]
    struct Form {
        ip: JsonIpList,
        valid_until: EpochSeconds,
    }

    #[test]
    fn single_ip_list_is_json_text_in_one_form_field() {
        let form = Form {
            ip: JsonIpList(vec![ip("192.0.2.1")]),
            valid_until: EpochSeconds(1789456123),
        };
        assert_eq!(
            serde_urlencoded::to_string(&form).unwrap(),
            "ip=%5B%22192.0.2.1%22%5D&valid_until=1789456123"
        );
    }

    #[test]
    fn ipv6_is_sent_in_rfc5952_form() {
        let list = JsonIpList::from([ip("2001:db8:abcd:0012::1"), ip("192.0.2.1")]);
        assert_eq!(list.to_json(), r#"["2001:db8:abcd:12::1","192.0.2.1"]"#);
    }

    #[test]
    fn ptr_map_is_a_compact_json_object() {
        let mut map = BTreeMap::new();
        map.insert(ip("192.0.2.1"), "host.example.net".parse().unwrap());
        map.insert(ip("2001:db8::1"), "v6.example.net".parse().unwrap());
        assert_eq!(
            JsonPtrMap(map).to_json(),
            r#"{"192.0.2.1":"host.example.net","2001:db8::1":"v6.example.net"}"#
        );
    }

    #[test]
    fn epoch_parses_from_number_and_text() {
        let n: EpochSeconds = serde_json::from_str("1789456123").unwrap();
        let s: EpochSeconds = serde_json::from_str(r#""1789456123""#).unwrap();
        assert_eq!(n, s);
        assert!(serde_json::from_str::<EpochSeconds>(r#""2025-01-12T15:30:00Z""#).is_err());
        assert!(serde_json::from_str::<EpochSeconds>("-1").is_err());
    }
}
