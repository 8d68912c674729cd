//! The one mapping from EDIS answers to [`revdns_core::Error`].
//!
//! EDIS errors come in several body shapes (delete answers with `message`,
//! get and set with `error`, auth with `error`, `code` and `message`), and an
//! HTTP 200 whose `status` is not `success` is an error too. Every path
//! ends in [`from_body`], so a shape maps to the same variant whatever the
//! status line said.
//!
//! Auth answers carry the session signature, so their bodies are never
//! quoted in errors; PTR answers carry only IPs and host names.

use progenitor_client::Error as ApiError;
use revdns_core::error::truncate_body;
use revdns_core::retry::parse_retry_after;
use revdns_core::{Error, ProviderId};

use crate::generated::types::EdisError;

const P: ProviderId = ProviderId::Edis;

/// The operation an answer belongs to; decides how its errors read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Auth,
    GetPtr,
    SetPtr,
    DeletePtr,
}

impl Operation {
    fn describe(self) -> &'static str {
        match self {
            Operation::Auth => "session",
            Operation::GetPtr => "get PTR",
            Operation::SetPtr => "set PTR",
            Operation::DeletePtr => "delete PTR",
        }
    }
}

/// Maps a failed call of the generated client.
pub(crate) async fn from_api(op: Operation, err: ApiError<EdisError>) -> Error {
    match err {
        ApiError::ErrorResponse(value) => {
            let status = value.status().as_u16();
            from_body(op, status, &value.into_inner())
        }
        ApiError::CommunicationError(e) | ApiError::ResponseBodyError(e) => from_reqwest(e),
        ApiError::InvalidResponsePayload(bytes, e) => match op {
            // serde_json quotes offending values, and an auth answer holds
            // the signature: say where, never what.
            Operation::Auth => Error::api(
                P,
                0,
                format!(
                    "the session answer could not be read ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            ),
            _ => Error::api(
                P,
                0,
                format!(
                    "the {} answer is not the JSON EDIS documents: {}",
                    op.describe(),
                    truncate_body(&bytes)
                ),
            )
            .with_source(e),
        },
        ApiError::UnexpectedResponse(response) => unexpected(op, response).await,
        ApiError::InvalidRequest(reason) => Error::validation_for(P, "request", reason),
        ApiError::InvalidUpgrade(e) => from_reqwest(e),
        ApiError::Custom(reason) => Error::api(P, 0, reason),
    }
}

fn from_reqwest(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::timeout(P).with_source(e)
    } else {
        Error::transport(P, e)
    }
}

/// An answer with a status the spec does not list (429, 502, 503, ...).
async fn unexpected(op: Operation, response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    if status == 429 {
        let after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        return Error::rate_limited(P, after);
    }
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return from_reqwest(e),
    };
    if let Ok(body) = serde_json::from_slice::<EdisError>(&bytes)
        && (body.message.is_some() || body.error.is_some())
    {
        return from_body(op, status, &body);
    }
    let excerpt = match op {
        Operation::Auth => format!("a body of {} bytes that is not JSON", bytes.len()),
        _ => truncate_body(&bytes),
    };
    Error::api(P, status, excerpt)
}

/// Checks the `status` of an HTTP 200 answer.
pub(crate) fn check_status(
    op: Operation,
    status: Option<&str>,
    error: Option<&str>,
    message: Option<&str>,
) -> Result<(), Error> {
    if status.is_some_and(|s| s.trim().eq_ignore_ascii_case("success")) {
        return Ok(());
    }
    let body = EdisError {
        status: status.map(str::to_owned),
        error: error.map(str::to_owned),
        message: message.map(str::to_owned).or_else(|| {
            status
                .is_none()
                .then(|| "the answer has no status".to_owned())
        }),
        code: None,
    };
    Err(from_body(op, 200, &body))
}

/// Maps an EDIS error body. `http_status` 200 stands for "a success status
/// line with `status` other than `success`", reported as status 0.
pub(crate) fn from_body(op: Operation, http_status: u16, body: &EdisError) -> Error {
    let text = reason(body);
    let code = body.code.as_ref().and_then(|c| match c {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let with_code = |e: Error| match &code {
        Some(c) => e.with_code(c.clone()),
        None => e,
    };
    if http_status == 401 || (op != Operation::Auth && session_rejected(&text)) {
        return Error::auth(P, text);
    }
    match (op, http_status) {
        // The auth page documents 400 as "invalid credentials or missing
        // parameters", and a refused login answered with 200 is no better.
        (Operation::Auth, 200 | 400 | 403) => Error::auth(P, text),
        (_, 403) => Error::forbidden(P, code, text),
        (_, 429) => Error::rate_limited(P, None),
        (_, 200) => with_code(Error::api(P, 0, text)),
        (_, 400 | 422) => Error::validation_for(P, "request", text),
        (_, status) => with_code(Error::api(P, status, text)),
    }
}

/// What the body says: `message` (delete, auth), else `error` (get, set).
fn reason(body: &EdisError) -> String {
    [&body.message, &body.error]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .unwrap_or("no reason given")
        .to_owned()
}

/// Whether an error text says the session or its signature is no longer
/// accepted, so that a new session may fix it. "Invalid input: 'signature'
/// field is missing" is a bad request, not an expired session.
fn session_rejected(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    (t.contains("expired") && (t.contains("session") || t.contains("signature")))
        || t.contains("re-authenticate")
        || t.contains("reauthenticate")
        || t.contains("invalid signature")
        || t.contains("invalid session")
        || t.contains("signature is invalid")
        || t.contains("session is invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> EdisError {
        serde_json::from_str(json).unwrap()
    }

    #[derive(Debug, PartialEq)]
    enum Kind {
        Auth,
        Validation,
        Api(u16),
        Forbidden,
        RateLimited,
    }

    fn kind(e: &Error) -> Kind {
        match e {
            Error::Auth { .. } => Kind::Auth,
            Error::Validation { .. } => Kind::Validation,
            Error::Api { status, .. } => Kind::Api(*status),
            Error::Forbidden { .. } => Kind::Forbidden,
            Error::RateLimited { .. } => Kind::RateLimited,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Every error body documented on the three PTR pages and the auth page.
    #[test]
    fn documented_error_bodies_map_to_useful_errors() {
        use Operation::*;
        let cases: &[(Operation, u16, &str, Kind, &str)] = &[
            (
                GetPtr,
                400,
                r#"{"status":"error","error":"Required field 'kvm_id' is missing."}"#,
                Kind::Validation,
                "Required field 'kvm_id' is missing.",
            ),
            (
                GetPtr,
                401,
                r#"{"status":"error","error":"Session signature has expired."}"#,
                Kind::Auth,
                "Session signature has expired.",
            ),
            (
                GetPtr,
                500,
                r#"{"status":"error","error":"An internal server error occurred. Please try again later."}"#,
                Kind::Api(500),
                "An internal server error occurred. Please try again later.",
            ),
            (
                SetPtr,
                400,
                r#"{"status":"error","error":"Invalid IP address format."}"#,
                Kind::Validation,
                "Invalid IP address format.",
            ),
            (
                SetPtr,
                401,
                r#"{"status":"error","error":"Session expired."}"#,
                Kind::Auth,
                "Session expired.",
            ),
            (
                SetPtr,
                500,
                r#"{"status":"error","error":"Unexpected server error."}"#,
                Kind::Api(500),
                "Unexpected server error.",
            ),
            (
                DeletePtr,
                400,
                r#"{"status":"error","message":"Invalid input: 'signature' field is missing."}"#,
                Kind::Validation,
                "Invalid input: 'signature' field is missing.",
            ),
            (
                DeletePtr,
                401,
                r#"{"status":"error","message":"Session expired. Please re-authenticate."}"#,
                Kind::Auth,
                "Session expired. Please re-authenticate.",
            ),
            (
                DeletePtr,
                500,
                r#"{"status":"error","message":"Internal server error. Please contact support."}"#,
                Kind::Api(500),
                "Internal server error. Please contact support.",
            ),
            (
                Auth,
                400,
                r#"{"error":"Bad Request","code":400,"message":"Missing parameters."}"#,
                Kind::Auth,
                "Missing parameters.",
            ),
            (
                Auth,
                401,
                r#"{"error":"Unauthorized","code":401,"message":"Invalid WHMCS credentials. Please provide correct credentials."}"#,
                Kind::Auth,
                "Invalid WHMCS credentials. Please provide correct credentials.",
            ),
            (
                Auth,
                500,
                r#"{"error":"Internal Server Error","code":500,"message":"Internal server error."}"#,
                Kind::Api(500),
                "Internal server error.",
            ),
        ];
        for (op, status, json, want, text) in cases {
            let err = from_body(*op, *status, &body(json));
            assert_eq!(kind(&err), *want, "{op:?} {status}");
            assert!(err.to_string().contains(text), "{op:?} {status}: {err}");
        }
    }

    #[test]
    fn auth_500_keeps_numeric_code() {
        let err = from_body(
            Operation::Auth,
            500,
            &body(r#"{"error":"Internal Server Error","code":500,"message":"boom"}"#),
        );
        assert_eq!(err.provider_code(), Some("500"));
    }

    #[test]
    fn expired_session_text_at_any_status_is_auth() {
        for status in [200, 400, 500] {
            let err = from_body(
                Operation::SetPtr,
                status,
                &body(r#"{"status":"error","error":"Session signature has expired."}"#),
            );
            assert_eq!(kind(&err), Kind::Auth, "{status}");
        }
    }

    #[test]
    fn status_error_in_200_answer_is_an_error() {
        let err = check_status(
            Operation::GetPtr,
            Some("error"),
            Some("IP not assigned to this VPS."),
            None,
        )
        .unwrap_err();
        assert_eq!(kind(&err), Kind::Api(0));
        assert!(err.to_string().contains("IP not assigned"), "{err}");
        assert!(check_status(Operation::GetPtr, Some("success"), None, None).is_ok());
        let err = check_status(Operation::DeletePtr, None, None, None).unwrap_err();
        assert!(err.to_string().contains("no status"), "{err}");
    }

    #[test]
    fn refused_login_in_200_answer_is_auth() {
        let err =
            check_status(Operation::Auth, Some("error"), None, Some("Wrong password")).unwrap_err();
        assert_eq!(kind(&err), Kind::Auth);
    }

    #[test]
    fn forbidden_and_rate_limited_statuses() {
        let b = body(r#"{"status":"error","error":"not your IP"}"#);
        assert_eq!(
            kind(&from_body(Operation::SetPtr, 403, &b)),
            Kind::Forbidden
        );
        assert_eq!(
            kind(&from_body(Operation::SetPtr, 429, &b)),
            Kind::RateLimited
        );
    }

    #[test]
    fn missing_field_mentioning_signature_is_not_an_expired_session() {
        assert!(!session_rejected(
            "Invalid input: 'signature' field is missing."
        ));
        assert!(session_rejected("Session expired."));
        assert!(session_rejected("Session signature has expired."));
        assert!(session_rejected("Invalid signature"));
    }

    #[test]
    fn empty_body_has_a_placeholder_reason() {
        let err = from_body(Operation::GetPtr, 500, &EdisError::default());
        assert!(err.to_string().contains("no reason given"), "{err}");
    }
}
