//! The one mapping from the generated client's errors to [`revdns_core::Error`].
//!
//! IONOS error answers are `{"httpStatus": 409, "messages": [{"errorCode":
//! "…", "message": "…"}]}`. Every message and every code is kept: messages
//! joined with `; `, codes with `,`. Answers that are not in that shape (an
//! HTML page from a proxy) were already rewritten to it by the request hook
//! ([`crate::hooks`]), with the body excerpt as the message.

use reqwest::header::HeaderMap;
use revdns_core::error::truncate_body;
use revdns_core::retry::parse_retry_after;
use revdns_core::{Error, ProviderId};

use crate::api::types::ErrorBody;

const P: ProviderId = ProviderId::Ionos;

/// The error type of every generated operation.
pub(crate) type ApiError = progenitor_client::Error<ErrorBody>;

/// Headers that may carry a request id worth quoting in a support ticket.
/// IONOS documents none for DNS, so the common names are tried.
const REQUEST_ID_HEADERS: &[&str] = &["x-request-id", "x-requestid", "x-correlation-id"];

/// Maps an error of the generated client to the core error.
///
/// `what` names the object addressed, for [`Error::NotFound`] (e.g.
/// `reverse record 6f1e…`).
pub(crate) async fn from_api(err: ApiError, what: &str) -> Error {
    match err {
        progenitor_client::Error::ErrorResponse(answer) => {
            let status = answer.status().as_u16();
            let headers = answer.headers().clone();
            from_answer(status, &headers, &answer.into_inner(), what)
        }
        progenitor_client::Error::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            match response.bytes().await {
                Ok(bytes) => from_answer(status, &headers, &parse_body(&bytes), what),
                Err(e) => from_answer(status, &headers, &ErrorBody::default(), what)
                    .with_source(e.without_url()),
            }
        }
        progenitor_client::Error::CommunicationError(e)
        | progenitor_client::Error::ResponseBodyError(e)
        | progenitor_client::Error::InvalidUpgrade(e) => from_transport(e),
        progenitor_client::Error::InvalidResponsePayload(bytes, e) => Error::api(
            P,
            0,
            format!(
                "could not read the answer ({e}); body: {}",
                truncate_body(&bytes)
            ),
        )
        .with_source(e),
        progenitor_client::Error::InvalidRequest(reason) => {
            Error::validation_for(P, "request", reason)
        }
        progenitor_client::Error::Custom(message) => Error::api(P, 0, message),
    }
}

/// A failed exchange: timeouts become [`Error::Timeout`], the rest
/// [`Error::Transport`]. The URL (whose query may list IPs) is dropped.
pub(crate) fn from_transport(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::timeout(P).with_source(e.without_url())
    } else {
        Error::transport(P, e.without_url())
    }
}

/// Parses an error body leniently; a body in another shape becomes one
/// message holding its excerpt.
pub(crate) fn parse_body(bytes: &[u8]) -> ErrorBody {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) if is_documented_shape(&body) => body,
        _ => excerpt_body(bytes),
    }
}

/// Whether a leniently parsed body carried anything of the documented shape;
/// `{"error": "x"}` parses (every field is optional) but says nothing.
pub(crate) fn is_documented_shape(body: &ErrorBody) -> bool {
    body.http_status.is_some() || !body.messages.is_empty()
}

/// An [`ErrorBody`] whose one message is an excerpt of `bytes` (none if empty).
pub(crate) fn excerpt_body(bytes: &[u8]) -> ErrorBody {
    let excerpt = truncate_body(bytes);
    let mut body = ErrorBody::default();
    if !excerpt.is_empty() {
        body.messages.push(crate::api::types::ErrorMessagesItem {
            error_code: None,
            message: Some(excerpt),
        });
    }
    body
}

/// The status table. Pure, so it is tested on its own.
fn from_answer(status: u16, headers: &HeaderMap, body: &ErrorBody, what: &str) -> Error {
    let code = codes(body);
    let message = messages(body).unwrap_or_else(|| reason_phrase(status));
    let with_code = match &code {
        Some(code) => format!("[{code}] {message}"),
        None => message.clone(),
    };
    match status {
        400 => Error::validation_for(P, "request", format!("rejected by IONOS: {with_code}")),
        401 => Error::auth(
            P,
            format!("the token is missing, invalid or expired: {with_code}"),
        ),
        403 => Error::forbidden(P, code, message),
        404 => Error::not_found(P, format!("{what} ({with_code})")),
        409 => Error::conflict(P, with_code),
        429 => {
            let after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
            // The provider's words stay reachable as the source.
            let detail = api(status, code, message, headers);
            Error::rate_limited(P, after).with_source(detail)
        }
        _ => api(status, code, message, headers),
    }
}

fn api(status: u16, code: Option<String>, message: String, headers: &HeaderMap) -> Error {
    // A retried request says how often it was tried before this answer won.
    let message = match revdns_core::transport::attempts(headers) {
        1 => message,
        n => format!("{message} (after {n} attempts)"),
    };
    let mut err = Error::api(P, status, message);
    if let Some(code) = code {
        err = err.with_code(code);
    }
    let request_id = REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok());
    if let Some(id) = request_id {
        err = err.with_request_id(id);
    }
    err
}

fn codes(body: &ErrorBody) -> Option<String> {
    let codes: Vec<&str> = body
        .messages
        .iter()
        .filter_map(|m| m.error_code.as_deref())
        .filter(|c| !c.is_empty())
        .collect();
    (!codes.is_empty()).then(|| codes.join(","))
}

fn messages(body: &ErrorBody) -> Option<String> {
    let texts: Vec<&str> = body
        .messages
        .iter()
        .filter_map(|m| m.message.as_deref())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

fn reason_phrase(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("no details given")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use progenitor_client::ResponseValue;
    use reqwest::StatusCode;

    use super::*;
    use crate::api::types::ErrorMessagesItem;

    fn body(items: &[(Option<&str>, Option<&str>)]) -> ErrorBody {
        ErrorBody {
            http_status: None,
            messages: items
                .iter()
                .map(|(c, m)| ErrorMessagesItem {
                    error_code: c.map(str::to_owned),
                    message: m.map(str::to_owned),
                })
                .collect(),
        }
    }

    fn documented(status: u16) -> ApiError {
        let b = ErrorBody {
            http_status: Some(status.into()),
            ..body(&[
                (Some("dns-1"), Some("first")),
                (Some("dns-2"), Some("second")),
            ])
        };
        progenitor_client::Error::ErrorResponse(ResponseValue::new(
            b,
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
        ))
    }

    #[tokio::test]
    async fn every_documented_status_maps_to_its_variant() {
        let what = "reverse record 1";
        let err = from_api(documented(400), what).await;
        assert!(
            matches!(&err, Error::Validation { provider: Some(P), field, reason, .. }
                if field == "request" && reason.contains("[dns-1,dns-2] first; second")),
            "{err:?}"
        );
        let err = from_api(documented(401), what).await;
        assert!(
            matches!(&err, Error::Auth { message, .. } if message.contains("[dns-1,dns-2] first; second")),
            "{err:?}"
        );
        let err = from_api(documented(403), what).await;
        assert!(
            matches!(&err, Error::Forbidden { code: Some(c), message, .. }
                if c == "dns-1,dns-2" && message == "first; second"),
            "{err:?}"
        );
        let err = from_api(documented(404), what).await;
        assert!(
            matches!(&err, Error::NotFound { what, .. } if what.starts_with("reverse record 1 (")),
            "{err:?}"
        );
        let err = from_api(documented(409), what).await;
        assert!(
            matches!(&err, Error::Conflict { message, .. } if message == "[dns-1,dns-2] first; second"),
            "{err:?}"
        );
        let err = from_api(documented(500), what).await;
        assert!(
            matches!(&err, Error::Api { status: 500, code: Some(c), message, .. }
                if c == "dns-1,dns-2" && message == "first; second"),
            "{err:?}"
        );
        assert!(!err.is_retryable());
    }

    #[test]
    fn answer_table_for_other_statuses() {
        let empty = ErrorBody::default();
        type Check = fn(&Error) -> bool;
        let cases: [(u16, Check); 5] = [
            (429, |e| {
                matches!(
                    e,
                    Error::RateLimited {
                        retry_after: None,
                        ..
                    }
                )
            }),
            (
                502,
                |e| matches!(e, Error::Api { status: 502, message, .. } if message == "bad gateway"),
            ),
            (503, |e| {
                matches!(e, Error::Api { status: 503, .. }) && e.is_retryable()
            }),
            (504, |e| {
                matches!(e, Error::Api { status: 504, .. }) && e.is_retryable()
            }),
            (418, |e| {
                matches!(
                    e,
                    Error::Api {
                        status: 418,
                        code: None,
                        ..
                    }
                )
            }),
        ];
        for (status, check) in cases {
            let err = from_answer(status, &HeaderMap::new(), &empty, "x");
            assert!(check(&err), "{status}: {err:?}");
        }
    }

    #[test]
    fn rate_limited_reads_retry_after_and_keeps_message_as_source() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        let err = from_answer(
            429,
            &headers,
            &body(&[(Some("rl"), Some("slow down"))]),
            "x",
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            source.contains("slow down") && source.contains("(rl)"),
            "{source}"
        );
    }

    #[test]
    fn api_error_carries_request_id() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-42".parse().unwrap());
        let err = from_answer(500, &headers, &ErrorBody::default(), "x");
        assert_eq!(err.request_id(), Some("req-42"));
        assert_eq!(
            err.to_string(),
            "ionos API error 500: internal server error"
        );
    }

    #[test]
    fn parse_body_is_lenient_and_keeps_foreign_bodies_as_excerpt() {
        let extra = br#"{"httpStatus":400,"messages":[{"errorCode":"c","message":"m","extra":1}],"traceId":"t"}"#;
        let b = parse_body(extra);
        assert_eq!(b.http_status, Some(400));
        assert_eq!(codes(&b).as_deref(), Some("c"));

        let html = b"<html><body>502 Bad Gateway</body></html>";
        let b = parse_body(html);
        assert_eq!(
            messages(&b).as_deref(),
            Some("<html><body>502 Bad Gateway</body></html>")
        );

        let other_json = br#"{"error":"upstream down"}"#;
        assert_eq!(
            messages(&parse_body(other_json)).as_deref(),
            Some(r#"{"error":"upstream down"}"#)
        );
        assert!(parse_body(b"").messages.is_empty());
    }

    #[test]
    fn retried_answer_reports_its_attempt_count() {
        let mut headers = HeaderMap::new();
        headers.insert(revdns_core::transport::ATTEMPTS_HEADER, 4.into());
        let err = from_answer(503, &headers, &body(&[(None, Some("busy"))]), "record");
        assert_eq!(err.status(), Some(503));
        assert!(err.to_string().contains("busy (after 4 attempts)"), "{err}");
        let once = from_answer(
            503,
            &HeaderMap::new(),
            &body(&[(None, Some("busy"))]),
            "record",
        );
        assert!(!once.to_string().contains("attempts"), "{once}");
    }
}
