//! [`Token`]: the IONOS Cloud API token, and the `Authorization` header made from it.

use std::fmt;

use reqwest::header::HeaderValue;
use revdns_core::{Error, ProviderId};
use secrecy::{ExposeSecret, SecretString};

/// An IONOS Cloud API token (a JWT minted with `GET /auth/v1/tokens/generate`
/// or in the Data Center Designer).
///
/// Sent as `Authorization: Bearer <token>` on every request. The spec declares
/// the header as a raw API key, so the generated client would send the bare
/// token; the `Bearer ` prefix is added here. A value that already starts with
/// `Bearer ` is accepted and the prefix is not doubled.
///
/// The value is private, never printed (`Debug` shows `Token(<redacted>)`),
/// and there is no `Display` or `Serialize`.
///
/// ```
/// use revdns_ionos::Token;
///
/// let token = Token::new("fake-jwt-for-docs");
/// assert_eq!(format!("{token:?}"), "Token(<redacted>)");
/// ```
pub struct Token(SecretString);

impl Token {
    /// Wraps a token. It is checked when the client is built.
    pub fn new(token: impl Into<String>) -> Self {
        Token(SecretString::from(token.into()))
    }

    /// The token without a `Bearer ` prefix.
    pub(crate) fn bare(&self) -> &str {
        strip_bearer(self.0.expose_secret())
    }

    /// The `Authorization` header value, marked sensitive so that `reqwest`
    /// and `http` never print it.
    ///
    /// `field` names where the token came from (`token` or `IONOS_TOKEN`) for
    /// the error message; the error never contains the token itself.
    pub(crate) fn header_value(&self, field: &str) -> Result<HeaderValue, Error> {
        // Not trimmed: a token with a stray space or line break is refused,
        // not repaired, like every other credential.
        let bare = self.bare();
        revdns_core::input::check_header_token(ProviderId::Ionos, field, bare)?;
        let mut value = HeaderValue::from_str(&format!("Bearer {bare}")).map_err(|_| {
            Error::validation(field, "the IONOS token is not a valid HTTP header value")
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// Removes a leading `Bearer ` (any case) so a pasted header value works too.
fn strip_bearer(raw: &str) -> &str {
    if raw.eq_ignore_ascii_case("bearer") {
        return "";
    }
    match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim_start(),
        _ => raw,
    }
}

impl Clone for Token {
    fn clone(&self) -> Self {
        Token::new(self.0.expose_secret())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl From<String> for Token {
    fn from(token: String) -> Self {
        Token::new(token)
    }
}

impl From<&str> for Token {
    fn from(token: &str) -> Self {
        Token::new(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_header_adds_bearer_and_is_sensitive() {
        let value = Token::new("t0k").header_value("token").unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer t0k");
        assert!(value.is_sensitive());
        assert_eq!(format!("{value:?}"), "Sensitive");
    }

    #[test]
    fn token_with_bearer_prefix_is_not_doubled() {
        for raw in ["Bearer t0k", "bearer t0k", "BEARER   t0k"] {
            let value = Token::new(raw).header_value("token").unwrap();
            assert_eq!(value.to_str().unwrap(), "Bearer t0k", "{raw:?}");
        }
        // Padding is refused, not repaired.
        assert!(Token::new(" Bearer t0k").header_value("token").is_err());
        assert!(Token::new("t0k\n").header_value("token").is_err());
    }

    #[test]
    fn token_empty_is_rejected_naming_the_field() {
        for raw in ["", "   ", "Bearer "] {
            let err = Token::new(raw).header_value("IONOS_TOKEN").unwrap_err();
            assert!(
                matches!(&err, Error::Validation { field, .. } if field == "IONOS_TOKEN"),
                "{err:?}"
            );
        }
    }

    #[test]
    fn token_with_inner_whitespace_is_rejected_without_echoing_it() {
        for raw in ["abc def-secret", "abc\u{7f}def-secret", "abc\ndef-secret"] {
            let err = Token::new(raw).header_value("token").unwrap_err();
            assert!(matches!(err, Error::Validation { .. }), "{err:?}");
            assert!(!format!("{err} {err:?}").contains("def-secret"));
        }
    }

    #[test]
    fn token_debug_is_redacted() {
        let token = Token::new("super-secret-jwt");
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert_eq!(format!("{:?}", token.clone()), "Token(<redacted>)");
    }
}
