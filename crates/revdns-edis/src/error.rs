//! What the shared runtime needs to know of EDIS answers, and the errors
//! EDIS reports inside HTTP 200 answers.
//!
//! EDIS errors come in several body shapes (delete answers with `message`,
//! get and set with `error`, auth with `error`, `code` and `message`), and
//! an HTTP 200 whose `status` is not `success` is an error too. Auth
//! answers carry the session signature, so their bodies are never quoted.

use std::future::Future;

use progenitor_client::ResponseValue;
use revdns_core::runtime::{AnswerKind, Described, Dialect, Runtime};
use revdns_core::{Error, ErrorMeta, ProviderId};

use crate::generated::types::{self, EdisError};

/// An operation of the generated client (progenitor's snake-case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Auth,
    GetPtr,
    SetPtr,
    DeletePtr,
}

impl Operation {
    pub(crate) const fn id(self) -> &'static str {
        match self {
            Operation::Auth => "create_auth_session",
            Operation::GetPtr => "get_ptr",
            Operation::SetPtr => "set_ptr",
            Operation::DeletePtr => "delete_ptr",
        }
    }

    /// What the operation addresses, for [`Error::NotFound`].
    pub(crate) const fn about(self) -> &'static str {
        match self {
            Operation::Auth => "session",
            Operation::GetPtr | Operation::SetPtr | Operation::DeletePtr => "PTR records",
        }
    }
}

/// EDIS for the runtime. Reads and deletes are safe to repeat, and a set
/// writes the same value again; creating a session twice only makes a
/// second session.
pub(crate) static DIALECT: Dialect = Dialect {
    provider: ProviderId::Edis,
    idempotent: &["create_auth_session", "get_ptr", "set_ptr", "delete_ptr"],
    confidential: &["create_auth_session"],
    describe,
    classify,
};

/// `code` (the auth page's numeric code, else the `error` text of PTR
/// answers) and `message` (else `error`).
fn describe(body: &[u8]) -> Described {
    match serde_json::from_slice::<EdisError>(body) {
        Ok(b) if b.message.is_some() || b.error.is_some() || b.status.is_some() => described(&b),
        _ => Described::default(),
    }
}

fn described(body: &EdisError) -> Described {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let code = match &body.code {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => text(&body.error),
    };
    Described::new(code, text(&body.message).or_else(|| text(&body.error)))
}

/// A login refused with 400 or 403 ("invalid credentials or missing
/// parameters"), and any answer saying the session expired, are
/// authentication failures whatever their status.
fn classify(operation: &str, status: u16, d: &Described) -> Option<AnswerKind> {
    let auth = operation == Operation::Auth.id();
    let expired = !auth && d.message.as_deref().is_some_and(session_rejected);
    (expired || (auth && matches!(status, 400 | 403))).then_some(AnswerKind::Auth)
}

/// The `status`, `error` and `message` every EDIS answer carries.
pub(crate) trait Answered {
    fn parts(&self) -> (Option<&str>, Option<&str>, Option<&str>);
}

macro_rules! answered {
    ($($answer:ty),*) => {$(
        impl Answered for $answer {
            fn parts(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
                (self.status.as_deref(), self.error.as_deref(), self.message.as_deref())
            }
        }
    )*};
}

answered!(
    types::AuthResponse,
    types::GetPtrResponse,
    types::SetPtrResponse,
    types::DeletePtrResponse
);

/// Runs one call of `op` through `runtime` and checks the answer's
/// `status` (see [`check_status`]). Not an `async fn`, so that `call` goes
/// to the runtime (which boxes it) without being copied into a future of
/// its own first.
pub(crate) fn checked_call<A, F>(
    runtime: &Runtime,
    op: Operation,
    call: F,
) -> impl Future<Output = Result<A, Error>>
where
    A: Answered,
    F: Future<Output = Result<ResponseValue<A>, progenitor_client::Error<EdisError>>>,
{
    runtime.call_checked(op.about(), call, move |answer: &A, meta| {
        let (status, error, message) = answer.parts();
        check_status(op, meta, status, error, message)
    })
}

/// Checks the `status` of an HTTP 200 answer; `meta` is the answer's.
pub(crate) fn check_status(
    op: Operation,
    meta: ErrorMeta,
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
    let d = described(&body);
    let kind = match d.message.as_deref() {
        _ if op == Operation::Auth => AnswerKind::Auth,
        Some(text) if session_rejected(text) => AnswerKind::Auth,
        _ => AnswerKind::Failed,
    };
    Err(DIALECT.error_described(op.about(), meta, kind, d))
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

    fn from_body(op: Operation, status: u16, json: &str) -> Error {
        let meta = ErrorMeta::default()
            .with_operation(op.id())
            .with_attempts(1);
        DIALECT.error_for_body(op.about(), meta, status, json.as_bytes())
    }

    /// Every error body documented on the three PTR pages and the auth page.
    #[test]
    fn documented_error_bodies_map_to_useful_errors() {
        use Operation::*;
        let cases: &[(Operation, u16, &str, &str, &str)] = &[
            (
                GetPtr,
                400,
                r#"{"status":"error","error":"Required field 'kvm_id' is missing."}"#,
                "rejected",
                "Required field 'kvm_id' is missing.",
            ),
            (
                GetPtr,
                401,
                r#"{"status":"error","error":"Session signature has expired."}"#,
                "auth",
                "Session signature has expired.",
            ),
            (
                GetPtr,
                500,
                r#"{"status":"error","error":"An internal server error occurred. Please try again later."}"#,
                "api",
                "An internal server error occurred. Please try again later.",
            ),
            (
                SetPtr,
                400,
                r#"{"status":"error","error":"Invalid IP address format."}"#,
                "rejected",
                "Invalid IP address format.",
            ),
            (
                SetPtr,
                401,
                r#"{"status":"error","error":"Session expired."}"#,
                "auth",
                "Session expired.",
            ),
            (
                SetPtr,
                500,
                r#"{"status":"error","error":"Unexpected server error."}"#,
                "api",
                "Unexpected server error.",
            ),
            (
                DeletePtr,
                400,
                r#"{"status":"error","message":"Invalid input: 'signature' field is missing."}"#,
                "rejected",
                "Invalid input: 'signature' field is missing.",
            ),
            (
                DeletePtr,
                401,
                r#"{"status":"error","message":"Session expired. Please re-authenticate."}"#,
                "auth",
                "Session expired. Please re-authenticate.",
            ),
            (
                DeletePtr,
                500,
                r#"{"status":"error","message":"Internal server error. Please contact support."}"#,
                "api",
                "Internal server error. Please contact support.",
            ),
            (
                Auth,
                400,
                r#"{"error":"Bad Request","code":400,"message":"Missing parameters."}"#,
                "auth",
                "Missing parameters.",
            ),
            (
                Auth,
                401,
                r#"{"error":"Unauthorized","code":401,"message":"Invalid WHMCS credentials. Please provide correct credentials."}"#,
                "auth",
                "Invalid WHMCS credentials. Please provide correct credentials.",
            ),
            (
                Auth,
                500,
                r#"{"error":"Internal Server Error","code":500,"message":"Internal server error."}"#,
                "api",
                "Internal server error.",
            ),
        ];
        for (op, status, json, want, text) in cases {
            let err = from_body(*op, *status, json);
            assert_eq!(err.kind(), *want, "{op:?} {status}");
            assert_eq!(err.status(), Some(*status), "{op:?}");
            assert!(err.to_string().contains(text), "{op:?} {status}: {err}");
            assert_eq!(err.meta().unwrap().message.as_deref(), Some(*text));
        }
    }

    #[test]
    fn auth_500_keeps_numeric_code_and_ptr_errors_keep_their_text_as_code() {
        let err = from_body(
            Operation::Auth,
            500,
            r#"{"error":"Internal Server Error","code":500,"message":"boom"}"#,
        );
        assert_eq!(err.provider_code(), Some("500"));
        let err = from_body(
            Operation::SetPtr,
            400,
            r#"{"status":"error","error":"Invalid IP address format."}"#,
        );
        assert_eq!(err.provider_code(), Some("Invalid IP address format."));
    }

    #[test]
    fn html_answers_keep_their_status_and_kind() {
        let page = "<html><head><title>401 Authorization Required</title></head></html>";
        let err = from_body(Operation::GetPtr, 401, page);
        assert_eq!(err.kind(), "auth");
        assert_eq!(err.status(), Some(401));
        let err = from_body(Operation::SetPtr, 400, "<html>Bad Request</html>");
        assert_eq!(err.kind(), "rejected");
        let err = from_body(Operation::Auth, 500, "<html>sig=abc</html>");
        assert!(!err.to_string().contains("sig=abc"), "{err}");
    }

    #[test]
    fn expired_session_text_at_any_status_is_auth() {
        for status in [400, 500] {
            let err = from_body(
                Operation::SetPtr,
                status,
                r#"{"status":"error","error":"Session signature has expired."}"#,
            );
            assert_eq!(err.kind(), "auth", "{status}");
        }
        let meta = ErrorMeta::answered(200);
        let err = check_status(
            Operation::SetPtr,
            meta,
            Some("error"),
            Some("Session signature has expired."),
            None,
        )
        .unwrap_err();
        assert_eq!(err.kind(), "auth");
    }

    #[test]
    fn status_error_in_200_answer_is_an_error_with_status_200() {
        let err = check_status(
            Operation::GetPtr,
            ErrorMeta::answered(200).with_operation("get_ptr"),
            Some("error"),
            Some("IP not assigned to this VPS."),
            None,
        )
        .unwrap_err();
        assert_eq!(err.kind(), "api");
        assert_eq!(err.status(), Some(200));
        assert_eq!(err.provider_code(), Some("IP not assigned to this VPS."));
        assert!(err.to_string().contains("IP not assigned"), "{err}");
        assert!(
            check_status(
                Operation::GetPtr,
                ErrorMeta::answered(200),
                Some("success"),
                None,
                None
            )
            .is_ok()
        );
        let err = check_status(
            Operation::DeletePtr,
            ErrorMeta::answered(200),
            None,
            None,
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("no status"), "{err}");
    }

    #[test]
    fn refused_login_in_200_answer_is_auth() {
        let err = check_status(
            Operation::Auth,
            ErrorMeta::answered(200),
            Some("error"),
            None,
            Some("Wrong password"),
        )
        .unwrap_err();
        assert_eq!(err.kind(), "auth");
    }

    #[test]
    fn forbidden_and_rate_limited_statuses() {
        let b = r#"{"status":"error","error":"not your IP"}"#;
        assert_eq!(from_body(Operation::SetPtr, 403, b).kind(), "forbidden");
        assert_eq!(from_body(Operation::SetPtr, 429, b).kind(), "rate_limited");
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
    fn empty_body_gives_the_reason_phrase() {
        let err = from_body(Operation::GetPtr, 500, "");
        assert!(err.to_string().contains("internal server error"), "{err}");
    }
}
