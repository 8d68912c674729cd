//! Base URLs a client may talk to: `https://` anywhere, plain `http://` only
//! to loopback hosts (tests and the simulator), so that a typo never sends a
//! token or password in clear text across a network.

use std::net::IpAddr;

use url::{Host, Url};

use crate::{Error, ProviderId};

/// Checks a configured base URL and returns it without a trailing slash.
///
/// `field` names the setting or environment variable in the error. The URL
/// itself is never echoed: it may carry user info.
///
/// ```
/// use revdns_core::ProviderId;
/// use revdns_core::endpoint::check_base_url;
///
/// let url = check_base_url(ProviderId::Ionos, "base_url", "https://dns.example.net/").unwrap();
/// assert_eq!(url, "https://dns.example.net");
/// assert!(check_base_url(ProviderId::Ionos, "base_url", "http://127.0.0.1:8080").is_ok());
/// assert!(check_base_url(ProviderId::Ionos, "base_url", "http://dns.example.net").is_err());
/// ```
///
/// # Errors
///
/// [`Error::Validation`] for a value that is not an absolute URL, has user
/// info, a query or a fragment, uses another scheme than `https`, or uses
/// `http` to a host that is not loopback (`127.0.0.0/8`, `::1`, `localhost`).
pub fn check_base_url(provider: ProviderId, field: &str, raw: &str) -> Result<String, Error> {
    let invalid = |reason: String| Error::validation_for(provider, field, reason);
    let url = Url::parse(raw.trim()).map_err(|e| invalid(format!("not an absolute URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not carry user info".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or fragment".to_owned()));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "plain http:// is allowed only to loopback hosts (127.0.0.0/8, ::1, localhost); use https://"
                    .to_owned(),
            ));
        }
        other => {
            return Err(invalid(format!(
                "unsupported scheme `{other}`; use https://"
            )));
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> Result<String, Error> {
        check_base_url(ProviderId::Edis, "EDIS_URL", raw)
    }

    #[test]
    fn https_anywhere_is_accepted_without_trailing_slash() {
        assert_eq!(
            check("https://dns-api.example.net/").unwrap(),
            "https://dns-api.example.net"
        );
        assert_eq!(
            check("https://h.example.net/v2/").unwrap(),
            "https://h.example.net/v2"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:1",
            "http://127.9.9.9",
            "http://[::1]:8080",
            "http://localhost",
            "http://LOCALHOST.",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://192.0.2.1",
            "http://example.net",
            "http://[2001:db8::1]",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_info_query_fragment_and_other_schemes_are_rejected_without_echo() {
        for bad in [
            "https://user:s3cret@example.net",
            "https://example.net/?a=1",
            "https://example.net/#x",
            "ftp://example.net",
            "example.net",
        ] {
            let err = check(bad).unwrap_err();
            assert!(
                matches!(err, Error::Validation { ref field, .. } if field == "EDIS_URL"),
                "{bad}"
            );
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
    }
}
