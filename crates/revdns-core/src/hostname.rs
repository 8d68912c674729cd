//! [`Hostname`]: a validated PTR target.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Longest name in octets, without the trailing dot (RFC 1035 §2.3.4 allows
/// 255 octets on the wire, which is 253 in presentation form).
const MAX_NAME: usize = 253;
/// Longest label in octets (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;

/// A validated PTR target: a fully qualified host name.
///
/// Stored lower-case and without the trailing dot; [`to_fqdn`](Hostname::to_fqdn)
/// adds the dot back. Input may end in one dot and may use upper case.
///
/// Rules (RFC 1035 / RFC 1123 "LDH" host names):
///
/// - at most 253 octets, labels of 1 to 63 octets;
/// - only letters, digits and hyphens, and no label starts or ends with a hyphen
///   (so `_`, `*` wildcards, whitespace and control characters are rejected;
///   internationalised names must be given as `xn--` A-labels);
/// - at least two labels: a PTR target must be fully qualified, and a bare
///   `localhost`-style name is almost always a mistake;
/// - not an IP literal, and the final label is not all-numeric (RFC 1123 §2.1,
///   RFC 3696 §2), so `192.0.2.1` and `host.123` are rejected.
///
/// Deserialising validates too (serde `try_from`).
///
/// ```
/// use revdns_core::Hostname;
///
/// let host = Hostname::new("Mail.Example.NET.")?;
/// assert_eq!(host.as_str(), "mail.example.net");
/// assert_eq!(host.to_fqdn(), "mail.example.net.");
///
/// assert!(Hostname::new("mail example.net").is_err());
/// assert!(Hostname::new("192.0.2.1").is_err());
/// assert!(Hostname::new("localhost").is_err());
/// # Ok::<(), revdns_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

impl Hostname {
    /// Validates `name` and normalises it to lower case without the trailing dot.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] with field `hostname` and a reason naming the
    /// offending label or character.
    pub fn new(name: &str) -> Result<Self, Error> {
        validate(name).map(Hostname)
    }

    /// The name, lower-case, without the trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with its trailing dot, as it appears in zone files.
    pub fn to_fqdn(&self) -> String {
        format!("{}.", self.0)
    }

    /// Consumes the hostname and returns its string (no trailing dot).
    pub fn into_string(self) -> String {
        self.0
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::validation("hostname", reason)
}

/// Shows a label in an error message, shortened so a huge input does not flood logs.
fn show(label: &str) -> String {
    match label.char_indices().nth(MAX_LABEL) {
        Some((cut, _)) => format!("`{}…`", &label[..cut]),
        None => format!("`{label}`"),
    }
}

fn validate(input: &str) -> Result<String, Error> {
    let name = input.strip_suffix('.').unwrap_or(input);
    if name.is_empty() {
        return Err(invalid("hostname is empty"));
    }
    // Characters first, so the message names the real problem, and before any
    // label is echoed back.
    if let Some((at, c)) = name
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(format!(
            "contains whitespace or a control character ({}) at byte {at}",
            c.escape_debug()
        )));
    }
    if name.contains('*') {
        return Err(invalid("wildcards (`*`) are not allowed in a PTR target"));
    }
    if name.parse::<IpAddr>().is_ok() || name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return Err(invalid(format!(
            "{} is an IP address literal, not a host name",
            show(name)
        )));
    }
    if name.len() > MAX_NAME {
        return Err(invalid(format!(
            "name is {} octets long; at most {MAX_NAME} are allowed",
            name.len()
        )));
    }
    let mut labels = 0;
    let mut last = "";
    for label in name.split('.') {
        check_label(label)?;
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return Err(invalid(format!(
            "{} has a single label; a PTR target must be a fully qualified name such as `host.example.net`",
            show(name)
        )));
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "top-level label {} is all-numeric (RFC 1123 §2.1, RFC 3696 §2)",
            show(last)
        )));
    }
    Ok(name.to_ascii_lowercase())
}

fn check_label(label: &str) -> Result<(), Error> {
    if label.is_empty() {
        return Err(invalid(
            "has an empty label (two dots in a row or a leading dot)",
        ));
    }
    if label.len() > MAX_LABEL {
        return Err(invalid(format!(
            "label {} is {} octets long; at most {MAX_LABEL} are allowed",
            show(label),
            label.len()
        )));
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(invalid(format!(
            "label {} contains `{}`; only letters, digits and hyphens are allowed",
            show(label),
            c.escape_debug()
        )));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(invalid(format!(
            "label {} starts or ends with a hyphen",
            show(label)
        )));
    }
    Ok(())
}

impl fmt::Display for Hostname {
    /// Writes the name without the trailing dot.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Hostname {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hostname::new(s)
    }
}

impl TryFrom<&str> for Hostname {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Hostname::new(s)
    }
}

impl TryFrom<String> for Hostname {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        // Reuse the allocation when the input is already normalised.
        let normalised = validate(&s)?;
        if normalised == s {
            Ok(Hostname(s))
        } else {
            Ok(Hostname(normalised))
        }
    }
}

impl From<Hostname> for String {
    fn from(h: Hostname) -> Self {
        h.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(input: &str) -> String {
        match Hostname::new(input).unwrap_err() {
            Error::Validation {
                provider: None,
                field,
                reason,
            } => {
                assert_eq!(field, "hostname");
                reason
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn hostname_uppercase_is_lowercased() {
        assert_eq!(
            Hostname::new("Host-1.Example.NET").unwrap().as_str(),
            "host-1.example.net"
        );
    }

    #[test]
    fn hostname_one_trailing_dot_is_accepted_and_stripped() {
        let h = Hostname::new("host.example.net.").unwrap();
        assert_eq!(h.as_str(), "host.example.net");
        assert_eq!(h.to_string(), "host.example.net");
        assert_eq!(h.to_fqdn(), "host.example.net.");
    }

    #[test]
    fn hostname_two_trailing_dots_are_rejected() {
        assert!(reason("host.example.net..").contains("empty label"));
    }

    #[test]
    fn hostname_empty_is_rejected() {
        assert!(reason("").contains("empty"));
        assert!(reason(".").contains("empty"));
    }

    #[test]
    fn hostname_with_space_is_rejected() {
        assert!(reason("host name.example.net").contains("whitespace"));
        assert!(reason(" host.example.net").contains("whitespace"));
    }

    #[test]
    fn hostname_with_control_character_is_rejected() {
        let r = reason("host\n.example.net");
        assert!(r.contains("control"));
        assert!(r.contains("\\n"), "{r}");
        assert!(reason("host\u{7f}.example.net").contains("control"));
    }

    #[test]
    fn hostname_with_empty_label_is_rejected() {
        assert!(reason("a..example.net").contains("empty label"));
        assert!(reason(".example.net").contains("empty label"));
    }

    #[test]
    fn hostname_label_of_63_octets_is_accepted() {
        let name = format!("{}.example.net", "a".repeat(63));
        assert!(Hostname::new(&name).is_ok());
    }

    #[test]
    fn hostname_label_of_64_octets_is_rejected() {
        let name = format!("{}.example.net", "a".repeat(64));
        let r = reason(&name);
        assert!(r.contains("64 octets"), "{r}");
    }

    /// Builds a name of exactly `len` octets from 63-octet labels.
    fn name_of_len(len: usize) -> String {
        let mut name = String::new();
        while name.len() < len {
            if !name.is_empty() {
                name.push('.');
            }
            let room = (len - name.len()).min(63);
            name.push_str(&"a".repeat(room));
        }
        // Make sure the last label is not something odd like a lone hyphen.
        assert_eq!(name.len(), len);
        name
    }

    #[test]
    fn hostname_of_253_octets_is_accepted() {
        let name = name_of_len(253);
        assert_eq!(Hostname::new(&name).unwrap().as_str().len(), 253);
        // The trailing dot does not count.
        assert!(Hostname::new(&format!("{name}.")).is_ok());
    }

    #[test]
    fn hostname_of_254_octets_is_rejected() {
        assert!(reason(&name_of_len(254)).contains("254 octets"));
    }

    #[test]
    fn hostname_with_underscore_is_rejected() {
        let r = reason("_dmarc.example.net");
        assert!(r.contains("`_dmarc`") && r.contains("`_`"), "{r}");
    }

    #[test]
    fn hostname_with_non_ascii_is_rejected() {
        assert!(reason("bücher.example.net").contains("`ü`"));
        assert!(Hostname::new("xn--bcher-kva.example.net").is_ok());
    }

    #[test]
    fn hostname_with_hyphen_at_label_edge_is_rejected() {
        assert!(reason("-host.example.net").contains("hyphen"));
        assert!(reason("host-.example.net").contains("`host-`"));
        assert!(Hostname::new("ho-st.example.net").is_ok());
    }

    #[test]
    fn hostname_ip_literal_is_rejected() {
        assert!(reason("192.0.2.1").contains("IP address"));
        assert!(reason("192.0.2.1.").contains("IP address"));
        assert!(reason("2001:db8::1").contains("IP address"));
        assert!(reason("[2001:db8::1]").contains("IP address"));
    }

    #[test]
    fn hostname_with_numeric_final_label_is_rejected() {
        assert!(reason("1.2.3").contains("all-numeric"));
        assert!(reason("host.example.123").contains("`123`"));
        // Numeric labels elsewhere are fine.
        assert!(Hostname::new("192-0-2-1.example.net").is_ok());
        assert!(Hostname::new("1.2.0.192.example.net").is_ok());
    }

    #[test]
    fn hostname_wildcard_is_rejected() {
        assert!(reason("*.example.net").contains("wildcard"));
    }

    #[test]
    fn hostname_single_label_is_rejected() {
        assert!(reason("localhost").contains("single label"));
    }

    #[test]
    fn hostname_conversions_agree() {
        let a: Hostname = "Host.Example.com".parse().unwrap();
        let b = Hostname::try_from("host.example.com.").unwrap();
        let c = Hostname::try_from(String::from("HOST.example.com")).unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(AsRef::<str>::as_ref(&a), "host.example.com");
        assert_eq!(String::from(a), "host.example.com");
    }

    #[test]
    fn hostname_serializes_as_plain_string() {
        let h = Hostname::new("host.example.net.").unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), "\"host.example.net\"");
    }

    #[test]
    fn hostname_deserialize_validates() {
        let h: Hostname = serde_json::from_str("\"Host.Example.net.\"").unwrap();
        assert_eq!(h.as_str(), "host.example.net");
        let err = serde_json::from_str::<Hostname>("\"bad host.example.net\"").unwrap_err();
        assert!(err.to_string().contains("whitespace"), "{err}");
    }

    #[test]
    fn hostname_long_label_is_shortened_in_message() {
        let r = reason(&format!("{}.example.net", "a".repeat(1000)));
        assert!(r.len() < 200, "{r}");
    }
}
