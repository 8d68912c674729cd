//! The one mapping from the generated client's errors to
//! [`revdns_core::Error`], with ECL's `E####` codes parsed from `message`.

use std::time::SystemTime;

use revdns_core::error::truncate_body;
use revdns_core::{Error, ProviderId};

use crate::api::types::ErrorResponse;

const P: ProviderId = ProviderId::Ecl;

/// The error the generated client returns.
pub(crate) type ApiError = progenitor_client::Error<ErrorResponse>;

/// An ECL error message split into its `E####` code and the text after it:
/// `"E2008 Specified recordset is not found."` gives
/// `(Some("E2008"), "Specified recordset is not found.")`.
pub(crate) fn split_code(message: &str) -> (Option<&str>, &str) {
    let trimmed = message.trim_start();
    let bytes = trimmed.as_bytes();
    let is_code = bytes.len() >= 5
        && bytes[0] == b'E'
        && bytes[1..5].iter().all(u8::is_ascii_digit)
        && bytes.get(5).is_none_or(|b| b.is_ascii_whitespace());
    if is_code {
        (Some(&trimmed[..5]), trimmed[5..].trim_start())
    } else {
        (None, trimmed)
    }
}

/// The request field an invalid-input E-code is about; `None` for codes that
/// are not about bad input (limits reached, server errors, unknown codes).
fn invalid_field(code: &str) -> Option<&'static str> {
    Some(match code {
        "E2005" => "limit",
        "E2010" | "E2012" | "E2014" | "E2015" => "name",
        "E2011" | "E2016" => "records",
        "E2033" => "sort_key",
        "E2040" | "E2044" => "body",
        "E2042" => "zone_id",
        "E2054" => "description",
        _ => return None,
    })
}

/// Maps an error answer (status, headers, body bytes) to the core error.
///
/// `what` names the addressed object for [`Error::NotFound`], e.g.
/// `recordset 5.2.0.192.in-addr.arpa.`.
pub(crate) fn from_answer(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: Option<&ErrorResponse>,
    raw: &[u8],
    what: &str,
) -> Error {
    let message = body
        .and_then(|b| b.error.message.clone())
        .unwrap_or_else(|| truncate_body(raw));
    let (code, text) = split_code(&message);
    let code = code.map(str::to_owned);
    match (status, code.as_deref()) {
        (_, Some("E2001")) | (401, _) => Error::auth(P, message.clone()),
        (_, Some("E2062" | "E2063")) | (403, _) => Error::forbidden(P, code, text),
        (_, Some("E2007")) => Error::not_found(P, format!("zone holding {what} (E2007)")),
        (_, Some("E2008")) => Error::not_found(P, format!("{what} (E2008)")),
        (404, _) => Error::not_found(P, what.to_owned()),
        (409, _) => {
            let mut m = message.clone();
            if m.is_empty() {
                m = "conflict".to_owned();
            }
            Error::conflict(P, m)
        }
        (429, _) => Error::rate_limited(
            P,
            headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| revdns_core::retry::parse_retry_after(v, SystemTime::now())),
        ),
        (_, Some(c)) if invalid_field(c).is_some() => {
            Error::validation_for(P, invalid_field(c).unwrap_or("body"), message.clone())
        }
        _ => {
            let err = Error::api(P, status, text.to_owned());
            match code {
                Some(c) => err.with_code(c),
                None => err,
            }
        }
    }
}

/// Maps the generated client's error to the core error. Reads the body of
/// an undocumented answer for its message.
pub(crate) async fn map(err: ApiError, what: &str) -> Error {
    match err {
        progenitor_client::Error::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let headers = rv.headers().clone();
            let body = rv.into_inner();
            from_answer(status, &headers, Some(&body), b"", what)
        }
        progenitor_client::Error::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            match response.bytes().await {
                Ok(raw) => {
                    let body = serde_json::from_slice::<ErrorResponse>(&raw).ok();
                    if (200..300).contains(&status) {
                        Error::api(
                            P,
                            status,
                            format!("undocumented success status: {}", truncate_body(&raw)),
                        )
                    } else {
                        from_answer(status, &headers, body.as_ref(), &raw, what)
                    }
                }
                Err(e) => from_reqwest(e),
            }
        }
        progenitor_client::Error::CommunicationError(e)
        | progenitor_client::Error::ResponseBodyError(e)
        | progenitor_client::Error::InvalidUpgrade(e) => from_reqwest(e),
        progenitor_client::Error::InvalidResponsePayload(raw, e) => Error::api(
            P,
            0,
            format!("unreadable answer ({e}): {}", truncate_body(&raw)),
        ),
        progenitor_client::Error::InvalidRequest(reason) => {
            Error::validation_for(P, "request", reason)
        }
        // Only our request hook makes these: it failed to obtain a token.
        progenitor_client::Error::Custom(message) => Error::auth(P, message),
    }
}

/// A transport-level failure: timeouts apart, everything is `Transport`.
pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::timeout(P).with_source(e.without_url())
    } else {
        Error::transport(P, e.without_url())
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    use super::*;
    use crate::api::types::ErrorDetail;

    fn body(code: i64, title: &str, message: &str) -> ErrorResponse {
        ErrorResponse {
            error: ErrorDetail {
                code: Some(code),
                title: Some(title.to_owned()),
                message: Some(message.to_owned()),
            },
        }
    }

    fn answer(status: u16, message: &str) -> Error {
        from_answer(
            status,
            &HeaderMap::new(),
            Some(&body(i64::from(status), "t", message)),
            b"",
            "recordset 5.2.0.192.in-addr.arpa.",
        )
    }

    #[test]
    fn split_code_table() {
        let cases = [
            (
                "E2008 Specified recordset is not found.",
                Some("E2008"),
                "Specified recordset is not found.",
            ),
            ("E9001", Some("E9001"), ""),
            ("  E2001 Invalid token.", Some("E2001"), "Invalid token."),
            ("E20081 long", None, "E20081 long"),
            ("e2008 lower", None, "e2008 lower"),
            ("Not found", None, "Not found"),
            ("", None, ""),
        ];
        for (input, code, text) in cases {
            assert_eq!(split_code(input), (code, text), "{input:?}");
        }
    }

    #[test]
    fn from_answer_maps_documented_codes() {
        let e = answer(404, "E2008 Specified recordset is not found.");
        assert!(
            matches!(&e, Error::NotFound { what, .. } if what.contains("5.2.0.192.in-addr.arpa.") && what.contains("E2008")),
            "{e:?}"
        );
        let e = answer(404, "E2007 Specified zone is not found.");
        assert!(matches!(&e, Error::NotFound { what, .. } if what.contains("E2007")));
        assert!(matches!(
            answer(401, "E2001 Invalid token."),
            Error::Auth { .. }
        ));
        let e = answer(403, "E2062 Default NS recordset can't delete.");
        assert_eq!(e.provider_code(), Some("E2062"));
        assert!(matches!(e, Error::Forbidden { .. }));
        let e = answer(403, "E2063 Default SOA recordset can't modify.");
        assert!(matches!(e, Error::Forbidden { .. }));
        let e = answer(400, "E2016 Can't set multiple values on PTR recordset.");
        assert!(
            matches!(&e, Error::Validation { field, reason, provider: Some(ProviderId::Ecl), .. }
                if field == "records" && reason.starts_with("E2016")),
            "{e:?}"
        );
        let e = answer(
            400,
            "E2044 At least domain name or TTL or recordset value is required.",
        );
        assert!(matches!(&e, Error::Validation { field, .. } if field == "body"));
        let e = answer(409, "E2099 duplicate");
        assert!(matches!(e, Error::Conflict { .. }));
    }

    #[test]
    fn from_answer_unknown_codes_are_api_errors_with_code() {
        let e = answer(500, "E9001 Internal Server Error. Request failed.");
        assert_eq!(e.status(), Some(500));
        assert_eq!(e.provider_code(), Some("E9001"));
        assert!(e.to_string().contains("Internal Server Error"), "{e}");
        let e = answer(400, "E2004 Recordset count reaches the upper limit.");
        assert!(matches!(e, Error::Api { status: 400, .. }));
        assert!(answer(503, "busy").provider_code().is_none());
        assert!(answer(503, "busy").is_retryable());
    }

    #[test]
    fn from_answer_429_reads_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let e = from_answer(429, &headers, None, b"slow down", "x");
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
    }

    #[test]
    fn from_answer_without_body_uses_raw_excerpt() {
        let e = from_answer(
            502,
            &HeaderMap::new(),
            None,
            b"<html>bad gateway</html>",
            "x",
        );
        assert!(
            matches!(&e, Error::Api { status: 502, message, .. } if message.contains("bad gateway"))
        );
    }
}
