//! Small helpers shared by the three provider front ends.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON answer with `status`.
pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise an answer");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Adds `Retry-After: value` to a 429 answer.
pub(crate) fn with_retry_after(mut response: Response, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// An empty answer with `status` (IONOS DELETE 202, ECL 204).
pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}

/// A lenient server-side check of a host name: what a provider would refuse
/// outright (empty, too long, whitespace or control characters, empty or
/// over-long labels). Clients validate more strictly before sending.
pub(crate) fn plausible_hostname(name: &str) -> bool {
    let bare = name.strip_suffix('.').unwrap_or(name);
    !bare.is_empty()
        && bare.len() <= 253
        && !bare.chars().any(|c| c.is_whitespace() || c.is_control())
        && bare.split('.').all(|label| (1..=63).contains(&label.len()))
}

/// The standard reason phrase of `status` (`Not Found`).
pub(crate) fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_hostname_accepts_fqdns_with_or_without_dot() {
        assert!(plausible_hostname("mail.example.net"));
        assert!(plausible_hostname("mail.example.net."));
        assert!(plausible_hostname("localhost"));
    }

    #[test]
    fn plausible_hostname_rejects_what_no_server_takes() {
        assert!(!plausible_hostname(""));
        assert!(!plausible_hostname("."));
        assert!(!plausible_hostname("mail example.net"));
        assert!(!plausible_hostname("a..example.net"));
        assert!(!plausible_hostname(&format!("{}.net", "a".repeat(64))));
        assert!(!plausible_hostname("tab\t.example.net"));
    }
}
