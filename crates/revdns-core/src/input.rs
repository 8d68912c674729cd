//! Checks on what users hand to a client before anything is sent: comment
//! text, credentials, identifiers and settings. Every provider builds on
//! these, so one input gets one verdict everywhere.
//!
//! Errors name the field and the rule, never the value of a secret: a
//! password or token shows up at most as "position N".

use std::net::IpAddr;
use std::time::Duration;

use crate::{Error, ProviderId};

/// Characters a comment may not hold: they change how the text around them
/// reads (line and paragraph separators, bidirectional controls, the
/// byte-order mark) without being visible, on top of every control character.
fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{2028}' | '\u{2029}' // line and paragraph separators
        | '\u{061C}' | '\u{200E}' | '\u{200F}' // bidi marks
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{FEFF}') // byte-order mark
}

/// Checks the text of a comment: no control character, line or paragraph
/// separator, bidirectional control or byte-order mark; at most `max_chars`
/// characters when the provider sets a limit.
///
/// ```
/// use revdns_core::input::check_comment;
///
/// let ip = "192.0.2.1".parse()?;
/// assert!(check_comment(None, ip, "mail server", Some(255)).is_ok());
/// assert!(check_comment(None, ip, "line\u{2028}break", None).is_err());
/// assert!(check_comment(None, ip, "\u{202E}txt.exe", None).is_err());
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
///
/// # Errors
///
/// [`Error::Validation`] with field `comment`, naming the IP, the character
/// (as an escape) and where it is.
pub fn check_comment(
    provider: Option<ProviderId>,
    ip: IpAddr,
    comment: &str,
    max_chars: Option<usize>,
) -> Result<(), Error> {
    let invalid = |reason: String| match provider {
        Some(p) => Error::validation_for(p, "comment", reason),
        None => Error::validation("comment", reason),
    };
    if let Some((at, c)) = comment
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() || is_hidden_format(*c))
    {
        let kind = if c.is_control() {
            "a control character"
        } else {
            "a line separator, bidirectional control or byte-order mark"
        };
        return Err(invalid(format!(
            "comment for {ip} contains {kind} ({}) at character {at}",
            c.escape_unicode()
        )));
    }
    if let Some(max) = max_chars {
        let chars = comment.chars().count();
        if chars > max {
            return Err(invalid(format!(
                "comment for {ip} is {chars} characters long; at most {max} are allowed"
            )));
        }
    }
    Ok(())
}

fn not_blank(provider: ProviderId, field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::validation_for(
            provider,
            field,
            "is empty or only whitespace",
        ));
    }
    Ok(())
}

/// Checks a password or similar secret: not empty or blank, and free of
/// control characters. The value is never part of the error.
///
/// # Errors
///
/// [`Error::Validation`] naming `field` and the rule.
pub fn check_secret(provider: ProviderId, field: &str, value: &str) -> Result<(), Error> {
    not_blank(provider, field, value)?;
    if let Some(at) = value.chars().position(char::is_control) {
        return Err(Error::validation_for(
            provider,
            field,
            format!("contains a control character at character {at}"),
        ));
    }
    Ok(())
}

/// Checks a secret that travels in an HTTP header (a bearer or Keystone
/// token): not blank, and only visible ASCII (`!` to `~`), so no space,
/// line break, byte-order mark or non-ASCII letter. The value is never part
/// of the error.
///
/// # Errors
///
/// [`Error::Validation`] naming `field` and the rule.
pub fn check_header_token(provider: ProviderId, field: &str, value: &str) -> Result<(), Error> {
    not_blank(provider, field, value)?;
    if let Some(at) = value.chars().position(|c| !c.is_ascii_graphic()) {
        return Err(Error::validation_for(
            provider,
            field,
            format!(
                "has a character at position {at} that cannot go in an HTTP header \
                 (only visible ASCII is allowed: no space, line break, byte-order mark or non-ASCII letter)"
            ),
        ));
    }
    Ok(())
}

/// Checks an identifier (a login email, a VPS, project or region id): not
/// blank, no whitespace and no control character.
///
/// # Errors
///
/// [`Error::Validation`] naming `field`, the rule and the position.
pub fn check_identifier(provider: ProviderId, field: &str, value: &str) -> Result<(), Error> {
    not_blank(provider, field, value)?;
    if let Some((at, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control() || is_hidden_format(*c))
    {
        return Err(Error::validation_for(
            provider,
            field,
            format!(
                "contains whitespace or a control character ({}) at character {at}",
                c.escape_unicode()
            ),
        ));
    }
    Ok(())
}

/// Checks a name that may hold inner spaces (a Keystone user name): not
/// blank, no control character, no leading or trailing whitespace.
///
/// # Errors
///
/// [`Error::Validation`] naming `field` and the rule.
pub fn check_name(provider: ProviderId, field: &str, value: &str) -> Result<(), Error> {
    check_secret(provider, field, value)?;
    if value.trim() != value {
        return Err(Error::validation_for(
            provider,
            field,
            "has leading or trailing whitespace",
        ));
    }
    Ok(())
}

/// Checks a duration setting that must be positive (a timeout).
///
/// # Errors
///
/// [`Error::Validation`] naming `field`.
pub fn check_positive(provider: ProviderId, field: &str, value: Duration) -> Result<(), Error> {
    if value.is_zero() {
        return Err(Error::validation_for(
            provider,
            field,
            "must be longer than zero",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ProviderId = ProviderId::Ionos;

    fn reason(result: Result<(), Error>) -> (String, String) {
        match result.unwrap_err() {
            Error::Validation { field, reason, .. } => (field, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn comments_refuse_hidden_formatting_and_name_the_character() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for (text, shown) in [
            ("a\u{2028}b", "2028"),
            ("a\u{2029}b", "2029"),
            ("\u{202E}gnp.exe", "202e"),
            ("a\u{2066}b\u{2069}", "2066"),
            ("\u{200F}", "200f"),
            ("\u{FEFF}bom", "feff"),
            ("tab\there", "{9}"),
            ("nl\n", "{a}"),
            ("nel\u{85}", "85"),
        ] {
            let (field, why) = reason(check_comment(None, ip, text, None));
            assert_eq!(field, "comment");
            assert!(why.contains(shown) && why.contains("192.0.2.1"), "{why}");
        }
        assert!(check_comment(None, ip, "Grüße, 服务器 — ok", Some(255)).is_ok());
        let (_, why) = reason(check_comment(None, ip, &"x".repeat(256), Some(255)));
        assert!(why.contains("256 characters"), "{why}");
        assert!(check_comment(None, ip, &"é".repeat(255), Some(255)).is_ok());
    }

    #[test]
    fn secrets_are_checked_without_being_echoed() {
        let (field, why) = reason(check_secret(P, "password", "   "));
        assert_eq!(field, "password");
        assert!(why.contains("whitespace"));
        let (_, why) = reason(check_secret(P, "password", "hunter2\n"));
        assert!(
            why.contains("position") || why.contains("character 7"),
            "{why}"
        );
        assert!(!why.contains("hunter2"));
        assert!(check_secret(P, "password", " spaced pass ").is_ok());
    }

    #[test]
    fn header_tokens_are_visible_ascii_only() {
        for bad in ["tok en", "tok\n", "\u{FEFF}tok", "tökén", ""] {
            let (field, why) = reason(check_header_token(P, "token", bad));
            assert_eq!(field, "token");
            assert!(!why.contains("tok"), "{why}");
        }
        assert!(check_header_token(P, "token", "eyJhbGciOi.J9-_~+/=").is_ok());
    }

    #[test]
    fn identifiers_and_names() {
        assert!(check_identifier(P, "email", "ops@example.net").is_ok());
        for bad in ["", " ", "ops@example.net\n", "kvm 1", "id\u{202E}"] {
            assert!(check_identifier(P, "email", bad).is_err(), "{bad:?}");
        }
        assert!(check_name(P, "username", "Ops Team").is_ok());
        assert!(check_name(P, "username", " ops").is_err());
        assert!(check_name(P, "username", "ops\t").is_err());
        assert!(check_positive(P, "timeout", Duration::ZERO).is_err());
        assert!(check_positive(P, "timeout", Duration::from_millis(1)).is_ok());
    }
}
