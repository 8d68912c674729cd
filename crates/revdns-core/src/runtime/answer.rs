//! From an error answer to the [`Error`] kind the behaviour table gives it:
//! one status table for every provider, refined by the provider's codes.

use crate::error::{ErrorMeta, truncate_body};
use crate::{Error, ProviderId};

use super::context::Answer;

/// What a provider reads out of one of its error bodies.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Described {
    /// The provider's error code, if the body has one.
    pub code: Option<String>,
    /// The provider's message, if the body has one.
    pub message: Option<String>,
}

impl Described {
    /// A description with this code and message.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        Described { code, message }
    }
}

/// The kinds of [`Error`] an error answer can be.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// [`Error::Auth`].
    Auth,
    /// [`Error::Forbidden`].
    Forbidden,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::Rejected`].
    Rejected,
    /// [`Error::RateLimited`].
    RateLimited,
    /// [`Error::Api`].
    Failed,
}

impl AnswerKind {
    /// The kind a status stands for when the provider's code says nothing
    /// more: 400 and 422 rejected, 401 auth, 403 forbidden, 404 and 410 not
    /// found, 409 conflict, 429 rate limited, anything else failed.
    pub fn of_status(status: u16) -> Self {
        match status {
            400 | 422 => AnswerKind::Rejected,
            401 => AnswerKind::Auth,
            403 => AnswerKind::Forbidden,
            404 | 410 => AnswerKind::NotFound,
            409 => AnswerKind::Conflict,
            429 => AnswerKind::RateLimited,
            _ => AnswerKind::Failed,
        }
    }
}

/// What the shared runtime needs to know of one provider's API: the only
/// provider-specific input of [`Runtime`](super::Runtime).
#[derive(Debug)]
pub struct Dialect {
    /// The provider.
    pub provider: ProviderId,
    /// Operations (the generated client's names, e.g. `get_ptr`) the server
    /// may safely receive twice: only these are retried after a 5xx or a
    /// connection lost after sending. 429 and connect failures are retried
    /// for every operation.
    pub idempotent: &'static [&'static str],
    /// Operations whose answers may carry secrets (a session signature):
    /// their bodies are never quoted in errors.
    pub confidential: &'static [&'static str],
    /// Code and message of an error body, or empty fields for a body in
    /// another shape (an HTML page from a proxy).
    pub describe: fn(&[u8]) -> Described,
    /// The provider's refinement of [`AnswerKind::of_status`] for an
    /// operation, status and description (e.g. an ECL code meaning "not
    /// found" inside a 400); `None` keeps the status table's kind.
    pub classify: fn(&str, u16, &Described) -> Option<AnswerKind>,
}

impl Dialect {
    /// Whether `operation` may be sent twice.
    pub fn is_idempotent(&self, operation: &str) -> bool {
        self.idempotent.contains(&operation)
    }

    pub(crate) fn is_confidential(&self, operation: Option<&str>) -> bool {
        operation.is_some_and(|op| self.confidential.contains(&op))
    }
}

/// A classifier that keeps the status table as it is.
pub fn status_table_only(_operation: &str, _status: u16, _d: &Described) -> Option<AnswerKind> {
    None
}

impl Dialect {
    /// The error an answer with `status` and `body` stands for: the kind
    /// from the provider's [`classify`](Dialect::classify), else the status
    /// table; the code and message from [`describe`](Dialect::describe),
    /// else a body excerpt. `meta` brings operation, attempts and request
    /// id; `about` names the addressed object for [`Error::NotFound`].
    pub fn error_for_body(&self, about: &str, meta: ErrorMeta, status: u16, body: &[u8]) -> Error {
        let answer = Answer {
            status,
            request_id: meta.request_id.clone(),
            retry_after: None,
            body: bytes::Bytes::copy_from_slice(body),
        };
        answer_error(self, about, meta, &answer)
    }

    /// The error of `kind` for a failure the provider reports inside an
    /// answer the status line calls a success (EDIS's `"status": "error"`
    /// in an HTTP 200), with the answer's `meta`.
    pub fn error_described(
        &self,
        about: &str,
        meta: ErrorMeta,
        kind: AnswerKind,
        described: Described,
    ) -> Error {
        let message = described
            .message
            .clone()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| "no reason given".to_owned());
        build(
            self.provider,
            about,
            kind,
            None,
            message,
            ErrorMeta {
                code: described.code,
                ..meta
            },
        )
    }
}

/// The error for an error answer; `about` names the addressed object for
/// [`Error::NotFound`], `meta` carries operation and attempts.
pub(crate) fn answer_error(
    dialect: &Dialect,
    about: &str,
    meta: ErrorMeta,
    answer: &Answer,
) -> Error {
    let described = (dialect.describe)(&answer.body);
    let operation = meta.operation.clone().unwrap_or_default();
    let kind = (dialect.classify)(&operation, answer.status, &described)
        .unwrap_or_else(|| AnswerKind::of_status(answer.status));
    let message = described
        .message
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| body_text(dialect, meta.operation.as_deref(), answer));
    let meta = ErrorMeta {
        status: Some(answer.status),
        code: described.code,
        request_id: answer.request_id.clone().or(meta.request_id.clone()),
        ..meta
    };
    build(
        dialect.provider,
        about,
        kind,
        answer.retry_after,
        message,
        meta,
    )
}

fn build(
    p: ProviderId,
    about: &str,
    kind: AnswerKind,
    retry_after: Option<std::time::Duration>,
    message: String,
    meta: ErrorMeta,
) -> Error {
    let meta = ErrorMeta {
        message: Some(message.clone()),
        ..meta
    };
    let err = match kind {
        AnswerKind::Auth => Error::auth(p, message),
        AnswerKind::Forbidden => Error::forbidden(p, message),
        AnswerKind::NotFound => Error::not_found(p, about),
        AnswerKind::Conflict => Error::conflict(p, message),
        AnswerKind::Rejected => Error::rejected(p, message),
        AnswerKind::RateLimited => Error::rate_limited(p, retry_after),
        AnswerKind::Failed => Error::Api {
            provider: p,
            meta: None,
            source: None,
        },
    };
    err.with_meta(meta)
}

/// A body in no shape the provider documents: an excerpt, or only its size
/// when the operation's answers may carry secrets; the reason phrase when
/// it is empty.
fn body_text(dialect: &Dialect, operation: Option<&str>, answer: &Answer) -> String {
    if answer.body.iter().all(u8::is_ascii_whitespace) {
        return reason_phrase(answer.status);
    }
    if dialect.is_confidential(operation) {
        return format!(
            "a body of {} bytes in no documented shape",
            answer.body.len()
        );
    }
    truncate_body(&answer.body)
}

/// The lower-case reason phrase of `status`.
pub(crate) fn reason_phrase(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("no details given")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn describe(body: &[u8]) -> Described {
        let text = String::from_utf8_lossy(body);
        match text.strip_prefix("CODE ") {
            Some(rest) => {
                let (code, message) = rest.split_once(' ').unwrap_or((rest, ""));
                Described::new(Some(code.into()), Some(message.into()))
            }
            None => Described::default(),
        }
    }

    fn classify(_op: &str, _status: u16, d: &Described) -> Option<AnswerKind> {
        (d.code.as_deref() == Some("GONE")).then_some(AnswerKind::NotFound)
    }

    const DIALECT: Dialect = Dialect {
        provider: ProviderId::Ionos,
        idempotent: &["get"],
        confidential: &["login"],
        describe,
        classify,
    };

    fn answer(status: u16, body: &'static str) -> Answer {
        Answer {
            status,
            request_id: Some("req-1".into()),
            retry_after: None,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    fn meta(op: &str) -> ErrorMeta {
        ErrorMeta::default().with_operation(op).with_attempts(2)
    }

    #[test]
    fn status_table() {
        let cases = [
            (400, "rejected"),
            (401, "auth"),
            (403, "forbidden"),
            (404, "not_found"),
            (409, "conflict"),
            (422, "rejected"),
            (429, "rate_limited"),
            (500, "api"),
            (503, "api"),
            (307, "api"),
        ];
        for (status, kind) in cases {
            let err = answer_error(
                &DIALECT,
                "x",
                meta("get"),
                &answer(status, "<html>oops</html>"),
            );
            assert_eq!(err.kind(), kind, "{status}");
            let m = err.meta().unwrap();
            assert_eq!(m.status, Some(status));
            assert_eq!(m.request_id.as_deref(), Some("req-1"));
            assert_eq!(m.attempts, 2);
            assert_eq!(m.operation.as_deref(), Some("get"));
            assert_eq!(m.message.as_deref(), Some("<html>oops</html>"));
        }
    }

    #[test]
    fn provider_code_refines_the_kind_and_is_kept() {
        let err = answer_error(
            &DIALECT,
            "record 1",
            meta("get"),
            &answer(400, "CODE GONE it is gone"),
        );
        assert_eq!(err.kind(), "not_found");
        assert_eq!(err.to_string(), "ionos found no record 1");
        assert_eq!(err.provider_code(), Some("GONE"));
        assert_eq!(err.meta().unwrap().message.as_deref(), Some("it is gone"));
    }

    #[test]
    fn confidential_bodies_are_never_quoted() {
        let err = answer_error(
            &DIALECT,
            "session",
            meta("login"),
            &answer(500, "sig=s3cr3t"),
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("a body of 10 bytes"), "{text}");
    }

    #[test]
    fn empty_body_gives_the_reason_phrase() {
        let err = answer_error(&DIALECT, "x", meta("get"), &answer(502, ""));
        assert_eq!(err.to_string(), "ionos API error 502: bad gateway");
    }
}
