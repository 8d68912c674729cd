//! The one [`Error`] type shared by every provider, and [`truncate_body`].

use std::time::Duration;

use crate::ProviderId;

/// A boxed underlying error, kept as [`std::error::Error::source`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Most bytes of a response body kept by [`truncate_body`].
pub const MAX_BODY_EXCERPT: usize = 512;

/// Everything that can go wrong when talking to a reverse-DNS provider.
///
/// Callers match on the kind (the enum and its variants are `#[non_exhaustive]`)
/// or use the helpers [`is_retryable`](Error::is_retryable),
/// [`retry_after`](Error::retry_after), [`status`](Error::status) and
/// [`provider_code`](Error::provider_code). Variants are built with the
/// constructor functions ([`Error::auth`], [`Error::api`], ...) because their
/// fields may grow.
///
/// `Display` is a short lower-case phrase that names the provider and never
/// repeats the text of [`source`](std::error::Error::source): error reporters
/// print the chain. No variant ever carries a token, password, signature or
/// form body.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The credentials were rejected or a session could not be created (HTTP 401).
    #[non_exhaustive]
    #[error("{provider} authentication failed: {message}")]
    Auth {
        /// Provider that rejected the credentials.
        provider: ProviderId,
        /// What the provider said, without secrets.
        message: String,
        /// Underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// The credentials are valid but not allowed to do this (HTTP 403).
    #[non_exhaustive]
    #[error("{provider} denied the request{}: {message}", fmt_code(code.as_deref()))]
    Forbidden {
        /// Provider that denied the request.
        provider: ProviderId,
        /// Provider-specific error code, if any.
        code: Option<String>,
        /// What the provider said.
        message: String,
    },

    /// The provider throttled the request (HTTP 429).
    #[non_exhaustive]
    #[error("{provider} rate limited the request{}", fmt_retry_after(*retry_after))]
    RateLimited {
        /// Provider that throttled the request.
        provider: ProviderId,
        /// How long the provider asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
        /// Underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// The addressed object does not exist (HTTP 404).
    #[non_exhaustive]
    #[error("{provider} found no {what}")]
    NotFound {
        /// Provider that answered.
        provider: ProviderId,
        /// What was missing, e.g. `PTR record for 192.0.2.1`.
        what: String,
    },

    /// The request conflicts with existing state (HTTP 409).
    #[non_exhaustive]
    #[error("{provider} reported a conflict: {message}")]
    Conflict {
        /// Provider that answered.
        provider: ProviderId,
        /// What the provider said.
        message: String,
    },

    /// Bad input, detected before any request was sent (or rejected by the
    /// provider as invalid).
    #[non_exhaustive]
    #[error("invalid {field}{}: {reason}", fmt_for_provider(*provider))]
    Validation {
        /// The provider whose rules were broken; `None` for provider-neutral checks.
        provider: Option<ProviderId>,
        /// The offending field or input, e.g. `hostname`, `changes`, `IONOS_TOKEN`.
        field: String,
        /// Why the value is invalid.
        reason: String,
    },

    /// The provider cannot do what was asked (IPv6 PTRs, TTLs, enumeration, ...).
    #[non_exhaustive]
    #[error("{provider} does not support {capability}")]
    Unsupported {
        /// Provider lacking the capability.
        provider: ProviderId,
        /// The missing capability, e.g. `listing PTR records`.
        capability: String,
    },

    /// No reverse zone of the account holds the name.
    #[non_exhaustive]
    #[error("{provider} has no zone holding {name}")]
    ZoneNotFound {
        /// Provider that was searched.
        provider: ProviderId,
        /// The reverse name (or IP) no zone holds.
        name: String,
    },

    /// The request did not complete: connect, TLS, or a dropped connection.
    #[non_exhaustive]
    #[error("{provider} request failed in transport")]
    Transport {
        /// Provider that was being called.
        provider: ProviderId,
        /// Underlying transport error.
        #[source]
        source: BoxError,
    },

    /// The request timed out.
    #[non_exhaustive]
    #[error("{provider} request timed out")]
    Timeout {
        /// Provider that was being called.
        provider: ProviderId,
        /// Underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// A [`Plan`](crate::sync::Plan) would update or delete a larger share of
    /// the existing records in scope than its safety threshold allows.
    #[non_exhaustive]
    #[error(
        "{provider} plan would update or delete {changes} of {existing} existing records, \
         more than the {max_percent}% safety threshold; force it to apply anyway"
    )]
    TooManyChanges {
        /// The provider.
        provider: ProviderId,
        /// Updates plus deletes in the plan.
        changes: usize,
        /// Existing records in the plan's scope.
        existing: usize,
        /// The threshold, in percent of `existing`.
        max_percent: u8,
    },

    /// Any other error answer from the provider.
    #[non_exhaustive]
    #[error("{provider} API error {status}{}: {message}", fmt_code(code.as_deref()))]
    Api {
        /// Provider that answered.
        provider: ProviderId,
        /// HTTP status code (`0` when the provider reported an error in a 2xx body
        /// without a meaningful status).
        status: u16,
        /// Provider-specific error code (e.g. an EDIS `E…` code), if any.
        code: Option<String>,
        /// The provider's message, or a body excerpt made with [`truncate_body`].
        message: String,
        /// Request id for support tickets, if the provider returned one.
        request_id: Option<String>,
        /// Underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
}

/// A source error carried as text by [`Error::duplicate`].
#[derive(Debug)]
struct CopiedSource(String);

impl std::fmt::Display for CopiedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CopiedSource {}

/// The whole chain below `source`, joined the way reporters print it.
fn copied_source(source: &(dyn std::error::Error + Send + Sync + 'static)) -> BoxError {
    let mut text = source.to_string();
    let mut next = source.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    Box::new(CopiedSource(text))
}

fn fmt_code(code: Option<&str>) -> String {
    code.map(|c| format!(" ({c})")).unwrap_or_default()
}

fn fmt_retry_after(after: Option<Duration>) -> String {
    after
        .map(|d| format!(" (retry after {} ms)", d.as_millis()))
        .unwrap_or_default()
}

fn fmt_for_provider(provider: Option<ProviderId>) -> String {
    provider.map(|p| format!(" for {p}")).unwrap_or_default()
}

impl Error {
    /// [`Error::Auth`] without a source.
    pub fn auth(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::Auth {
            provider,
            message: message.into(),
            source: None,
        }
    }

    /// [`Error::Forbidden`].
    pub fn forbidden(
        provider: ProviderId,
        code: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Forbidden {
            provider,
            code,
            message: message.into(),
        }
    }

    /// [`Error::RateLimited`] without a source.
    pub fn rate_limited(provider: ProviderId, retry_after: Option<Duration>) -> Self {
        Error::RateLimited {
            provider,
            retry_after,
            source: None,
        }
    }

    /// [`Error::NotFound`]; `what` names the missing object.
    pub fn not_found(provider: ProviderId, what: impl Into<String>) -> Self {
        Error::NotFound {
            provider,
            what: what.into(),
        }
    }

    /// [`Error::Conflict`].
    pub fn conflict(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::Conflict {
            provider,
            message: message.into(),
        }
    }

    /// Provider-neutral [`Error::Validation`].
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            provider: None,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// [`Error::Validation`] for one provider's rules.
    pub fn validation_for(
        provider: ProviderId,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Validation {
            provider: Some(provider),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// [`Error::Unsupported`].
    pub fn unsupported(provider: ProviderId, capability: impl Into<String>) -> Self {
        Error::Unsupported {
            provider,
            capability: capability.into(),
        }
    }

    /// [`Error::ZoneNotFound`].
    pub fn zone_not_found(provider: ProviderId, name: impl Into<String>) -> Self {
        Error::ZoneNotFound {
            provider,
            name: name.into(),
        }
    }

    /// [`Error::Transport`] wrapping the underlying error.
    pub fn transport(provider: ProviderId, source: impl Into<BoxError>) -> Self {
        Error::Transport {
            provider,
            source: source.into(),
        }
    }

    /// [`Error::Timeout`] without a source.
    pub fn timeout(provider: ProviderId) -> Self {
        Error::Timeout {
            provider,
            source: None,
        }
    }

    /// [`Error::Api`] without code, request id or source; add them with
    /// [`with_code`](Error::with_code), [`with_request_id`](Error::with_request_id)
    /// and [`with_source`](Error::with_source).
    pub fn api(provider: ProviderId, status: u16, message: impl Into<String>) -> Self {
        Error::Api {
            provider,
            status,
            code: None,
            message: message.into(),
            request_id: None,
            source: None,
        }
    }

    /// Sets the provider code of [`Error::Api`] or [`Error::Forbidden`];
    /// other variants are returned unchanged.
    #[must_use]
    pub fn with_code(mut self, new: impl Into<String>) -> Self {
        if let Error::Api { code, .. } | Error::Forbidden { code, .. } = &mut self {
            *code = Some(new.into());
        }
        self
    }

    /// Sets the request id of [`Error::Api`]; other variants are returned unchanged.
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        if let Error::Api { request_id, .. } = &mut self {
            *request_id = Some(id.into());
        }
        self
    }

    /// Sets the source of a variant that has one ([`Error::Auth`],
    /// [`Error::RateLimited`], [`Error::Transport`], [`Error::Timeout`],
    /// [`Error::Api`]); other variants are returned unchanged.
    #[must_use]
    pub fn with_source(mut self, new: impl Into<BoxError>) -> Self {
        match &mut self {
            Error::Auth { source, .. }
            | Error::RateLimited { source, .. }
            | Error::Timeout { source, .. }
            | Error::Api { source, .. } => *source = Some(new.into()),
            Error::Transport { source, .. } => *source = new.into(),
            _ => {}
        }
        self
    }

    /// A copy of this error, for reporting one failure against every change
    /// it affected (a refused batch, a lost session). `Error` is not `Clone`
    /// because sources are not; the copy keeps every field and carries the
    /// source chain as text.
    #[must_use]
    pub fn duplicate(&self) -> Self {
        let copy = |source: &Option<BoxError>| source.as_deref().map(copied_source);
        match self {
            Error::Auth {
                provider,
                message,
                source,
            } => Error::Auth {
                provider: *provider,
                message: message.clone(),
                source: copy(source),
            },
            Error::Forbidden {
                provider,
                code,
                message,
            } => Error::Forbidden {
                provider: *provider,
                code: code.clone(),
                message: message.clone(),
            },
            Error::RateLimited {
                provider,
                retry_after,
                source,
            } => Error::RateLimited {
                provider: *provider,
                retry_after: *retry_after,
                source: copy(source),
            },
            Error::NotFound { provider, what } => Error::NotFound {
                provider: *provider,
                what: what.clone(),
            },
            Error::Conflict { provider, message } => Error::Conflict {
                provider: *provider,
                message: message.clone(),
            },
            Error::Validation {
                provider,
                field,
                reason,
            } => Error::Validation {
                provider: *provider,
                field: field.clone(),
                reason: reason.clone(),
            },
            Error::Unsupported {
                provider,
                capability,
            } => Error::Unsupported {
                provider: *provider,
                capability: capability.clone(),
            },
            Error::ZoneNotFound { provider, name } => Error::ZoneNotFound {
                provider: *provider,
                name: name.clone(),
            },
            Error::Transport { provider, source } => Error::Transport {
                provider: *provider,
                source: copied_source(source.as_ref()),
            },
            Error::Timeout { provider, source } => Error::Timeout {
                provider: *provider,
                source: copy(source),
            },
            Error::TooManyChanges {
                provider,
                changes,
                existing,
                max_percent,
            } => Error::TooManyChanges {
                provider: *provider,
                changes: *changes,
                existing: *existing,
                max_percent: *max_percent,
            },
            Error::Api {
                provider,
                status,
                code,
                message,
                request_id,
                source,
            } => Error::Api {
                provider: *provider,
                status: *status,
                code: code.clone(),
                message: message.clone(),
                request_id: request_id.clone(),
                source: copy(source),
            },
        }
    }

    /// The provider the error came from; `None` only for provider-neutral
    /// validation errors.
    pub fn provider(&self) -> Option<ProviderId> {
        match self {
            Error::Auth { provider, .. }
            | Error::Forbidden { provider, .. }
            | Error::RateLimited { provider, .. }
            | Error::NotFound { provider, .. }
            | Error::Conflict { provider, .. }
            | Error::Unsupported { provider, .. }
            | Error::ZoneNotFound { provider, .. }
            | Error::Transport { provider, .. }
            | Error::Timeout { provider, .. }
            | Error::TooManyChanges { provider, .. }
            | Error::Api { provider, .. } => Some(*provider),
            Error::Validation { provider, .. } => *provider,
        }
    }

    /// Whether the same request could succeed later: rate limiting, transport
    /// failures, timeouts, and API errors with status 429, 502, 503 or 504.
    ///
    /// This says nothing about whether repeating is *safe*: a write that failed
    /// in transport may have been applied. [`crate::retry`] decides that with the
    /// operation's idempotency.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Api { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// How long the provider asked to wait, for [`Error::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status this error stands for: 401 auth, 403 forbidden, 404 not
    /// found, 409 conflict, 429 rate limited, or the status of [`Error::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::Conflict { .. } => Some(409),
            Error::RateLimited { .. } => Some(429),
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The provider-specific error code, if the provider sent one.
    pub fn provider_code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } | Error::Forbidden { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The provider's request id, for [`Error::Api`].
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

/// Makes a short, printable excerpt of a response body for [`Error::Api`]'s message.
///
/// Keeps at most [`MAX_BODY_EXCERPT`] (512) bytes, never splits a UTF-8
/// character, replaces invalid UTF-8 with U+FFFD, trims surrounding whitespace
/// and, when something was cut, appends `… (N bytes total)`.
///
/// Never pass a body that may carry secrets (EDIS forms, auth answers).
///
/// ```
/// use revdns_core::error::truncate_body;
///
/// assert_eq!(truncate_body(b"  {\"error\":\"bad ip\"}\n"), "{\"error\":\"bad ip\"}");
/// let long = truncate_body(&[b'x'; 600]);
/// assert!(long.starts_with(&"x".repeat(512)));
/// assert!(long.ends_with("… (600 bytes total)"));
/// ```
pub fn truncate_body(bytes: &[u8]) -> String {
    if bytes.len() <= MAX_BODY_EXCERPT {
        return String::from_utf8_lossy(bytes).trim().to_owned();
    }
    let mut end = MAX_BODY_EXCERPT;
    // Back off over continuation bytes (at most 3, the longest UTF-8 tail) so
    // the cut falls on a character boundary.
    while end > MAX_BODY_EXCERPT - 3 && bytes[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    format!(
        "{}… ({} bytes total)",
        String::from_utf8_lossy(&bytes[..end]).trim(),
        bytes.len()
    )
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    const P: ProviderId = ProviderId::Ionos;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_impl<T: Send + Sync + 'static>() {}
        assert_impl::<Error>();
    }

    #[test]
    fn error_is_at_most_128_bytes() {
        assert!(size_of::<Error>() <= 128, "{}", size_of::<Error>());
    }

    #[test]
    fn error_display_per_variant() {
        let src = || -> BoxError { "connection reset by peer".into() };
        let cases: Vec<(Error, &str)> = vec![
            (
                Error::auth(P, "token expired"),
                "ionos authentication failed: token expired",
            ),
            (
                Error::forbidden(P, Some("E403".into()), "no access to zone"),
                "ionos denied the request (E403): no access to zone",
            ),
            (
                Error::forbidden(P, None, "no access"),
                "ionos denied the request: no access",
            ),
            (
                Error::rate_limited(P, Some(Duration::from_secs(2))),
                "ionos rate limited the request (retry after 2000 ms)",
            ),
            (
                Error::rate_limited(P, None),
                "ionos rate limited the request",
            ),
            (
                Error::not_found(P, "PTR record for 192.0.2.1"),
                "ionos found no PTR record for 192.0.2.1",
            ),
            (
                Error::conflict(P, "record exists"),
                "ionos reported a conflict: record exists",
            ),
            (
                Error::validation("hostname", "is empty"),
                "invalid hostname: is empty",
            ),
            (
                Error::validation_for(ProviderId::Edis, "ttl", "not supported"),
                "invalid ttl for edis: not supported",
            ),
            (
                Error::unsupported(ProviderId::Edis, "listing PTR records"),
                "edis does not support listing PTR records",
            ),
            (
                Error::zone_not_found(ProviderId::Ecl, "1.2.0.192.in-addr.arpa."),
                "ecl has no zone holding 1.2.0.192.in-addr.arpa.",
            ),
            (
                Error::transport(P, src()),
                "ionos request failed in transport",
            ),
            (
                Error::timeout(P).with_source(src()),
                "ionos request timed out",
            ),
            (
                Error::api(P, 500, "internal error").with_code("E1"),
                "ionos API error 500 (E1): internal error",
            ),
            (
                Error::api(P, 502, "bad gateway"),
                "ionos API error 502: bad gateway",
            ),
        ];
        for (err, want) in cases {
            let shown = err.to_string();
            assert_eq!(shown, want);
            assert!(!shown.contains("connection reset"), "{shown}");
            assert!(!shown.ends_with('.') || shown.ends_with("arpa."), "{shown}");
        }
    }

    #[test]
    fn error_keeps_source() {
        let err = Error::transport(P, "connection reset by peer");
        assert_eq!(
            err.source().unwrap().to_string(),
            "connection reset by peer"
        );
        let err = Error::api(P, 500, "boom").with_source("inner");
        assert_eq!(err.source().unwrap().to_string(), "inner");
        assert!(Error::api(P, 500, "boom").source().is_none());
    }

    #[test]
    fn error_with_helpers_ignore_unrelated_variants() {
        let err = Error::not_found(P, "x")
            .with_code("E1")
            .with_request_id("r");
        assert_eq!(err.provider_code(), None);
        assert_eq!(err.request_id(), None);
        let err = Error::api(P, 400, "bad").with_request_id("req-1");
        assert_eq!(err.request_id(), Some("req-1"));
    }

    #[test]
    fn error_is_retryable_table() {
        let cases = [
            (Error::rate_limited(P, None), true),
            (Error::transport(P, "reset"), true),
            (Error::timeout(P), true),
            (Error::api(P, 429, ""), true),
            (Error::api(P, 502, ""), true),
            (Error::api(P, 503, ""), true),
            (Error::api(P, 504, ""), true),
            (Error::api(P, 500, ""), false),
            (Error::api(P, 400, ""), false),
            (Error::auth(P, ""), false),
            (Error::conflict(P, ""), false),
            (Error::validation("f", "r"), false),
        ];
        for (err, want) in cases {
            assert_eq!(err.is_retryable(), want, "{err}");
        }
    }

    #[test]
    fn error_status_table() {
        let cases = [
            (Error::auth(P, ""), Some(401)),
            (Error::forbidden(P, None, ""), Some(403)),
            (Error::not_found(P, ""), Some(404)),
            (Error::conflict(P, ""), Some(409)),
            (Error::rate_limited(P, None), Some(429)),
            (Error::api(P, 418, ""), Some(418)),
            (Error::timeout(P), None),
            (Error::validation("f", "r"), None),
        ];
        for (err, want) in cases {
            assert_eq!(err.status(), want, "{err}");
        }
    }

    #[test]
    fn error_accessors_report_fields() {
        let err = Error::rate_limited(P, Some(Duration::from_secs(3)));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(err.provider(), Some(P));
        assert_eq!(Error::validation("f", "r").provider(), None);
        assert_eq!(
            Error::forbidden(P, Some("E9".into()), "").provider_code(),
            Some("E9")
        );
    }

    #[test]
    fn truncate_body_short_body_is_kept() {
        assert_eq!(truncate_body(b"not found"), "not found");
        assert_eq!(truncate_body(b""), "");
    }

    #[test]
    fn truncate_body_does_not_split_multibyte_char() {
        // 511 ASCII bytes then a 3-byte char straddling the 512 limit.
        let mut body = vec![b'a'; 511];
        body.extend_from_slice("€€".as_bytes());
        let out = truncate_body(&body);
        assert!(out.starts_with(&"a".repeat(511)));
        assert!(!out.contains('\u{FFFD}'), "{out}");
        assert!(out.ends_with("… (517 bytes total)"), "{out}");
    }

    #[test]
    fn truncate_body_invalid_utf8_is_replaced() {
        assert_eq!(truncate_body(b"ab\xffcd"), "ab\u{FFFD}cd");
    }

    #[test]
    fn duplicate_keeps_fields_and_source_text() {
        let inner = std::io::Error::other("connection reset");
        let original = Error::api(ProviderId::Ionos, 503, "unavailable")
            .with_code("paas-1")
            .with_request_id("req-7")
            .with_source(inner);
        let copy = original.duplicate();
        assert_eq!(copy.to_string(), original.to_string());
        assert_eq!(copy.status(), Some(503));
        assert_eq!(copy.provider_code(), Some("paas-1"));
        assert_eq!(copy.request_id(), Some("req-7"));
        let source = std::error::Error::source(&copy).unwrap();
        assert_eq!(source.to_string(), "connection reset");
    }
}
