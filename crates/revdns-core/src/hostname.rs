//! [`Hostname`]: a validated PTR target.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Longest name in octets, without the trailing dot (RFC 1035 §2.3.4 allows
/// 255 octets on the wire, which is 253 in presentation form).
const MAX_NAME: usize = 253;
/// Longest label in octets (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;

/// A PTR target: a host name, stored lower-case and without the trailing dot;
/// [`to_fqdn`](Hostname::to_fqdn) adds the dot back.
///
/// There are two rules, one for what revdns writes and one for what it reads:
///
/// - **Write rule** ([`Hostname::new`], [`FromStr`], [`TryFrom`]): what revdns
///   will send as a new PTR target (RFC 1035 / RFC 1123 "LDH" host names):
///   - at most 253 octets, labels of 1 to 63 octets;
///   - only letters, digits and hyphens, and no label starts or ends with a
///     hyphen. Underscores are refused: a PTR names a host, and host names
///     (RFC 1123 §2.1, RFC 952) have no `_`; `_` labels belong to service
///     names (`_dmarc`, `_sip._tcp`), and mail receivers that check the PTR
///     (forward-confirmed reverse DNS, HELO checks) reject names with `_`.
///     Wildcards, whitespace and control characters are refused too;
///     internationalised names must be given as `xn--` A-labels (the error
///     shows the A-label form of the input);
///   - at least two labels: a PTR is seen from everywhere, and a single label
///     such as `router` or `localhost` resolves only inside one network;
///   - not an IP literal, and the final label is not all-numeric (RFC 1123
///     §2.1, RFC 3696 §2), so `192.0.2.1` and `host.123` are refused.
/// - **Read rule** ([`Hostname::from_stored`], and deserialising): whatever a
///   provider already holds (set in its panel or by another tool) is read as
///   it is, so that it can be listed, compared and overwritten. Such a name
///   may break the write rule: [`is_writable`](Hostname::is_writable) says
///   so, and writing it back fails for that change alone (see
///   [`apply::prepare`](crate::apply::prepare)), before any request.
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
///
/// // What a provider already holds is read as it is.
/// let stored = Hostname::from_stored("_gateway.Example.net.").unwrap();
/// assert_eq!(stored.as_str(), "_gateway.example.net");
/// assert!(!stored.is_writable());
/// # Ok::<(), revdns_core::Error>(())
/// ```
#[derive(Clone, Serialize)]
#[serde(into = "String")]
pub struct Hostname {
    /// Shared: a batch is copied several times on its way through an apply
    /// (the caller's records, the canonical changes, the report), and a
    /// copy of the name then costs no allocation.
    name: Arc<str>,
    /// Passed the write rule when built ([`Hostname::new`]), so checking it
    /// again (once per change of a large batch) is skipped. Names read by
    /// [`Hostname::from_stored`] are checked when asked.
    writable: bool,
}

// Equality, order and hash are the name's alone: `writable` only caches
// what the name itself decides.
impl PartialEq for Hostname {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Hostname {}

impl PartialOrd for Hostname {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Hostname {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(&other.name)
    }
}

impl std::hash::Hash for Hostname {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Debug for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Hostname").field(&self.name).finish()
    }
}

impl Hostname {
    /// Validates `name` and normalises it to lower case without the trailing dot.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] with field `hostname` and a reason naming the
    /// offending label or character.
    pub fn new(name: &str) -> Result<Self, Error> {
        validate(name).map(Hostname::passed)
    }

    /// Reads a name a provider already holds, by the read rule: surrounding
    /// whitespace and one trailing dot are dropped and ASCII letters
    /// lower-cased; nothing else is checked. `None` when nothing is left
    /// (the provider holds no target).
    pub fn from_stored(name: &str) -> Option<Self> {
        let name = name.trim();
        let name = name.strip_suffix('.').unwrap_or(name);
        (!name.is_empty()).then(|| Hostname {
            name: name.to_ascii_lowercase().into(),
            writable: false,
        })
    }

    /// Whether the name passes the write rule ([`Hostname::new`]). Always
    /// true for names built by [`Hostname::new`]; a name read with
    /// [`Hostname::from_stored`] may fail it.
    pub fn is_writable(&self) -> bool {
        self.check_writable().is_ok()
    }

    /// The write rule's verdict on this name.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] with field `hostname`, as [`Hostname::new`] gives.
    pub fn check_writable(&self) -> Result<(), Error> {
        if self.writable {
            return Ok(());
        }
        validate(&self.name).map(drop)
    }

    /// A name that passed the write rule, normalised.
    fn passed(name: String) -> Self {
        Hostname {
            name: name.into(),
            writable: true,
        }
    }

    /// The name, lower-case, without the trailing dot.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The name with its trailing dot, as it appears in zone files.
    pub fn to_fqdn(&self) -> String {
        format!("{}.", self.name)
    }

    /// Consumes the hostname and returns its string (no trailing dot).
    pub fn into_string(self) -> String {
        self.name.as_ref().to_owned()
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
    if let Some(c) = label.chars().find(|c| !c.is_ascii()) {
        return Err(invalid(idn_hint(label, c)));
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

/// The reason for a non-ASCII label, with its A-label (`xn--`) form when it
/// has one, so that the user can write the name as DNS carries it.
fn idn_hint(label: &str, c: char) -> String {
    let base = format!(
        "label {} contains `{}`; internationalised names must be written in their `xn--` (A-label) form",
        show(label),
        c.escape_debug()
    );
    match idna::domain_to_ascii_strict(label) {
        Ok(ascii) if ascii != label && ascii.len() <= MAX_LABEL => {
            format!("{base}: `{ascii}`")
        }
        _ => base,
    }
}

impl fmt::Display for Hostname {
    /// Writes the name without the trailing dot.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.name
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
        Hostname::new(&s)
    }
}

impl<'de> Deserialize<'de> for Hostname {
    /// Deserialises by the read rule ([`Hostname::from_stored`]), so that
    /// anything revdns wrote out (a report, a dump) reads back; writing a name
    /// that breaks the write rule is refused later, per change.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Hostname::from_stored(&raw)
            .ok_or_else(|| serde::de::Error::custom("a host name must not be empty"))
    }
}

impl From<Hostname> for String {
    fn from(h: Hostname) -> Self {
        h.into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_name_is_the_same_name_as_one_built() {
        use std::collections::HashSet;

        let built = Hostname::new("Mail.Example.net.").unwrap();
        let read = Hostname::from_stored("mail.example.NET").unwrap();
        assert_eq!(built, read);
        assert_eq!(built.cmp(&read), std::cmp::Ordering::Equal);
        assert!(HashSet::from([built]).contains(&read));
        assert_eq!(format!("{read:?}"), r#"Hostname("mail.example.net")"#);
        // A read name is checked when asked, not assumed.
        assert!(read.is_writable());
        assert!(
            !Hostname::from_stored("host_1.example.net")
                .unwrap()
                .is_writable()
        );
    }

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
        assert!(reason("host.例え.jp").contains("xn--"));
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
    fn hostname_deserialize_reads_by_the_read_rule() {
        let h: Hostname = serde_json::from_str("\"Host.Example.net.\"").unwrap();
        assert_eq!(h.as_str(), "host.example.net");
        assert!(h.is_writable());
        let odd: Hostname = serde_json::from_str("\"host_1.example.net\"").unwrap();
        assert!(!odd.is_writable());
        let err = serde_json::from_str::<Hostname>("\" \"").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn hostname_from_stored_keeps_what_the_write_rule_refuses() {
        for (stored, read) in [
            ("host_1.example.net", "host_1.example.net"),
            ("_gateway.example.net.", "_gateway.example.net"),
            ("localhost", "localhost"),
            ("Router", "router"),
            ("host.123", "host.123"),
            (" mail.example.net. ", "mail.example.net"),
        ] {
            let h = Hostname::from_stored(stored).unwrap();
            assert_eq!(h.as_str(), read);
            assert_eq!(h.is_writable(), read == "mail.example.net", "{read}");
        }
        assert_eq!(Hostname::from_stored(""), None);
        assert_eq!(Hostname::from_stored(" . "), None);
        let refused = Hostname::from_stored("_gateway.example.net").unwrap();
        match refused.check_writable().unwrap_err() {
            Error::Validation { field, reason, .. } => {
                assert_eq!(field, "hostname");
                assert!(reason.contains("`_gateway`"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hostname_idn_gets_its_a_label_as_a_hint() {
        let r = reason("bücher.example.net");
        assert!(r.contains("xn--bcher-kva"), "{r}");
        assert!(r.contains("A-label"), "{r}");
    }

    /// The hint is the UTS 46 form, so it needs idna's Unicode back end
    /// (idna_adapter 1.1 or 1.2; with 1.0 there is no hint): a decomposed
    /// `ü` is composed first, and non-Latin scripts are encoded too.
    #[test]
    fn hostname_idn_hint_is_the_uts46_a_label() {
        let r = reason("bu\u{308}cher.example.net");
        assert!(r.contains("`xn--bcher-kva`"), "{r}");
        let r = reason("host.例え.jp");
        assert!(r.contains("`xn--r8jz45g`"), "{r}");
    }

    #[test]
    fn hostname_long_label_is_shortened_in_message() {
        let r = reason(&format!("{}.example.net", "a".repeat(1000)));
        assert!(r.len() < 200, "{r}");
    }
}
