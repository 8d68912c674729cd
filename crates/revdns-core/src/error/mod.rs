//! The one [`Error`] type shared by every provider, its [`ErrorMeta`], and
//! [`truncate_body`].

mod meta;

use std::time::Duration;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::ProviderId;

pub use meta::ErrorMeta;

/// A boxed underlying error, kept as [`std::error::Error::source`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Most bytes of a response body kept by [`truncate_body`].
pub const MAX_BODY_EXCERPT: usize = 512;

/// The metadata slot of a variant; boxed to keep [`Error`] small.
type Meta = Option<Box<ErrorMeta>>;

/// Everything that can go wrong when talking to a reverse-DNS provider.
///
/// Callers match on the kind (the enum and its variants are `#[non_exhaustive]`)
/// or use the helpers: [`meta`](Error::meta) gives, for every error that came
/// from an HTTP exchange whatever its kind, the status as received, the
/// provider's code and message, the request id, the operation and the
/// attempts made; [`is_retryable`](Error::is_retryable),
/// [`retry_after`](Error::retry_after), [`status`](Error::status) and
/// [`provider_code`](Error::provider_code) read from it. Variants are built
/// with the constructor functions ([`Error::auth`], [`Error::api`], ...)
/// because their fields may grow.
///
/// [`Error::Validation`] is only what revdns refused before sending; what a
/// provider refused as invalid is [`Error::Rejected`].
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
        /// The answer's metadata, when there was one.
        meta: Meta,
        /// Underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// The credentials are valid but not allowed to do this (HTTP 403).
    #[non_exhaustive]
    #[error("{provider} denied the request{}: {message}", fmt_code(meta))]
    Forbidden {
        /// Provider that denied the request.
        provider: ProviderId,
        /// What the provider said.
        message: String,
        /// The answer's metadata, when there was one.
        meta: Meta,
    },

    /// The provider throttled the request (HTTP 429), and retries did not get past it.
    #[non_exhaustive]
    #[error("{provider} rate limited the request{}", fmt_retry_after(*retry_after))]
    RateLimited {
        /// Provider that throttled the request.
        provider: ProviderId,
        /// How long the provider asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
        /// The answer's metadata, when there was one.
        meta: Meta,
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
        /// The answer's metadata, when there was one.
        meta: Meta,
    },

    /// The request conflicts with existing state (HTTP 409).
    #[non_exhaustive]
    #[error("{provider} reported a conflict: {message}")]
    Conflict {
        /// Provider that answered.
        provider: ProviderId,
        /// What the provider said.
        message: String,
        /// The answer's metadata, when there was one.
        meta: Meta,
    },

    /// The provider refused the request as invalid (HTTP 400 or 422, or a
    /// provider code that means bad input), after it was sent.
    #[non_exhaustive]
    #[error("{provider} refused the request{}: {message}", fmt_code(meta))]
    Rejected {
        /// Provider that refused.
        provider: ProviderId,
        /// What the provider said.
        message: String,
        /// The answer's metadata.
        meta: Meta,
    },

    /// Bad input, refused by revdns before any request was sent.
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
        /// The operation and attempts, when known.
        meta: Meta,
        /// Underlying transport error.
        #[source]
        source: BoxError,
    },

    /// An attempt timed out.
    #[non_exhaustive]
    #[error("{provider} request timed out")]
    Timeout {
        /// Provider that was being called.
        provider: ProviderId,
        /// The operation and attempts, when known.
        meta: Meta,
        /// Underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// An operation, retries included, did not finish within its deadline.
    #[non_exhaustive]
    #[error("{provider} operation did not finish within its deadline of {} ms", deadline.as_millis())]
    Deadline {
        /// Provider that was being called.
        provider: ProviderId,
        /// The deadline that passed.
        deadline: Duration,
        /// The operation and attempts, when known.
        meta: Meta,
    },

    /// An answer arrived that revdns cannot use: a body that does not
    /// decode, lacks a field, is larger than the limit, or a status the API
    /// does not document for success. The metadata has the real status.
    #[non_exhaustive]
    #[error(
        "{provider} sent an answer revdns cannot use{}: {message}",
        fmt_status(meta)
    )]
    InvalidResponse {
        /// Provider that answered.
        provider: ProviderId,
        /// What is wrong with the answer.
        message: String,
        /// The answer's metadata.
        meta: Meta,
        /// Underlying error (e.g. the decoder's), if any.
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

    /// A bug in revdns: a state its code should never reach (a change left
    /// without an outcome). Never an answer of the provider, never bad input.
    #[non_exhaustive]
    #[error("internal error{}: {message}", fmt_for_provider(*provider))]
    Internal {
        /// The provider whose client met it, if any.
        provider: Option<ProviderId>,
        /// What went wrong.
        message: String,
    },

    /// Any other error answer from the provider (5xx, an unexpected 3xx or 4xx).
    #[non_exhaustive]
    #[error(
        "{provider} API error{}{}: {}",
        fmt_status(meta),
        fmt_code(meta),
        fmt_message(meta)
    )]
    Api {
        /// Provider that answered.
        provider: ProviderId,
        /// The answer's metadata (always present).
        meta: Meta,
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

fn fmt_code(meta: &Meta) -> String {
    meta.as_deref()
        .and_then(|m| m.code.as_deref())
        .map(|c| format!(" ({c})"))
        .unwrap_or_default()
}

fn fmt_status(meta: &Meta) -> String {
    meta.as_deref()
        .and_then(|m| m.status)
        .map(|s| format!(" {s}"))
        .unwrap_or_default()
}

fn fmt_message(meta: &Meta) -> &str {
    meta.as_deref()
        .and_then(|m| m.message.as_deref())
        .unwrap_or("no details given")
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
    /// [`Error::Auth`] without metadata or source.
    pub fn auth(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::Auth {
            provider,
            message: message.into(),
            meta: None,
            source: None,
        }
    }

    /// [`Error::Forbidden`] without metadata; add a code with
    /// [`with_code`](Error::with_code).
    pub fn forbidden(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::Forbidden {
            provider,
            message: message.into(),
            meta: None,
        }
    }

    /// [`Error::RateLimited`] without metadata or source.
    pub fn rate_limited(provider: ProviderId, retry_after: Option<Duration>) -> Self {
        Error::RateLimited {
            provider,
            retry_after,
            meta: None,
            source: None,
        }
    }

    /// [`Error::NotFound`]; `what` names the missing object.
    pub fn not_found(provider: ProviderId, what: impl Into<String>) -> Self {
        Error::NotFound {
            provider,
            what: what.into(),
            meta: None,
        }
    }

    /// [`Error::Conflict`].
    pub fn conflict(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::Conflict {
            provider,
            message: message.into(),
            meta: None,
        }
    }

    /// [`Error::Rejected`]: the provider refused the request as invalid.
    pub fn rejected(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::Rejected {
            provider,
            message: message.into(),
            meta: None,
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
            meta: None,
            source: source.into(),
        }
    }

    /// [`Error::Timeout`] without metadata or source.
    pub fn timeout(provider: ProviderId) -> Self {
        Error::Timeout {
            provider,
            meta: None,
            source: None,
        }
    }

    /// [`Error::Deadline`].
    pub fn deadline(provider: ProviderId, deadline: Duration) -> Self {
        Error::Deadline {
            provider,
            deadline,
            meta: None,
        }
    }

    /// [`Error::InvalidResponse`] without metadata or source.
    pub fn invalid_response(provider: ProviderId, message: impl Into<String>) -> Self {
        Error::InvalidResponse {
            provider,
            message: message.into(),
            meta: None,
            source: None,
        }
    }

    /// [`Error::Internal`]: a bug in revdns, reported instead of a panic.
    pub fn internal(provider: Option<ProviderId>, message: impl Into<String>) -> Self {
        Error::Internal {
            provider,
            message: message.into(),
        }
    }

    /// [`Error::Api`] for an answer with `status` and the provider's `message`;
    /// add more with [`with_code`](Error::with_code),
    /// [`with_request_id`](Error::with_request_id), [`with_meta`](Error::with_meta)
    /// and [`with_source`](Error::with_source).
    pub fn api(provider: ProviderId, status: u16, message: impl Into<String>) -> Self {
        Error::Api {
            provider,
            meta: Some(Box::new(ErrorMeta::answered(status).with_message(message))),
            source: None,
        }
    }

    /// The metadata slot of variants that come from an exchange.
    fn meta_slot(&mut self) -> Option<&mut Meta> {
        match self {
            Error::Auth { meta, .. }
            | Error::Forbidden { meta, .. }
            | Error::RateLimited { meta, .. }
            | Error::NotFound { meta, .. }
            | Error::Conflict { meta, .. }
            | Error::Rejected { meta, .. }
            | Error::Transport { meta, .. }
            | Error::Timeout { meta, .. }
            | Error::Deadline { meta, .. }
            | Error::InvalidResponse { meta, .. }
            | Error::Api { meta, .. } => Some(meta),
            Error::Validation { .. }
            | Error::Unsupported { .. }
            | Error::ZoneNotFound { .. }
            | Error::Internal { .. }
            | Error::TooManyChanges { .. } => None,
        }
    }

    /// Sets the metadata of a variant that comes from an exchange; fields
    /// `meta` leaves empty keep what the error had. Other variants are
    /// returned unchanged.
    #[must_use]
    pub fn with_meta(mut self, meta: ErrorMeta) -> Self {
        if let Some(slot) = self.meta_slot() {
            let mut meta = meta;
            if let Some(old) = slot.as_deref() {
                meta.fill_from(old);
            }
            *slot = Some(Box::new(meta));
        }
        self
    }

    /// Changes the metadata in place, creating it when missing, for variants
    /// that come from an exchange.
    fn edit_meta(mut self, edit: impl FnOnce(&mut ErrorMeta)) -> Self {
        if let Some(slot) = self.meta_slot() {
            edit(slot.get_or_insert_with(Box::default));
        }
        self
    }

    /// Sets the provider code in the metadata (see [`with_meta`](Error::with_meta)).
    #[must_use]
    pub fn with_code(self, new: impl Into<String>) -> Self {
        self.edit_meta(|m| m.code = Some(new.into()))
    }

    /// Sets the request id in the metadata (see [`with_meta`](Error::with_meta)).
    #[must_use]
    pub fn with_request_id(self, id: impl Into<String>) -> Self {
        self.edit_meta(|m| m.request_id = Some(id.into()))
    }

    /// Sets the source of a variant that has one ([`Error::Auth`],
    /// [`Error::RateLimited`], [`Error::Transport`], [`Error::Timeout`],
    /// [`Error::InvalidResponse`], [`Error::Api`]); other variants are
    /// returned unchanged.
    #[must_use]
    pub fn with_source(mut self, new: impl Into<BoxError>) -> Self {
        match &mut self {
            Error::Auth { source, .. }
            | Error::RateLimited { source, .. }
            | Error::Timeout { source, .. }
            | Error::InvalidResponse { source, .. }
            | Error::Api { source, .. } => *source = Some(new.into()),
            Error::Transport { source, .. } => *source = new.into(),
            _ => {}
        }
        self
    }

    /// This error with every text that may quote the provider (messages,
    /// the code and message in the metadata, the source chain) passed
    /// through `redact`, which returns the new text when it changed one.
    /// A source whose chain changes is replaced by its redacted text. The
    /// runtime uses this to take the client's secrets out of errors (see
    /// [`Runtime::call_checked`](crate::runtime::Runtime::call_checked)).
    #[must_use]
    pub fn redact_with(mut self, redact: impl Fn(&str) -> Option<String>) -> Self {
        let text = |t: &mut String| {
            if let Some(new) = redact(t) {
                *t = new;
            }
        };
        match &mut self {
            Error::Auth { message, .. }
            | Error::Forbidden { message, .. }
            | Error::Conflict { message, .. }
            | Error::Rejected { message, .. }
            | Error::InvalidResponse { message, .. }
            | Error::Internal { message, .. } => text(message),
            Error::NotFound { what, .. } => text(what),
            Error::Validation { reason, .. } => text(reason),
            _ => {}
        }
        if let Some(Some(meta)) = self.meta_slot() {
            meta.code.as_mut().map(text);
            meta.message.as_mut().map(text);
        }
        let source = match &mut self {
            Error::Auth { source, .. }
            | Error::RateLimited { source, .. }
            | Error::Timeout { source, .. }
            | Error::InvalidResponse { source, .. }
            | Error::Api { source, .. } => source.as_mut(),
            Error::Transport { source, .. } => Some(source),
            _ => None,
        };
        if let Some(source) = source {
            let chain = copied_source(source.as_ref()).to_string();
            if let Some(clean) = redact(&chain) {
                *source = Box::new(CopiedSource(clean));
            }
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
                meta,
                source,
            } => Error::Auth {
                provider: *provider,
                message: message.clone(),
                meta: meta.clone(),
                source: copy(source),
            },
            Error::Forbidden {
                provider,
                message,
                meta,
            } => Error::Forbidden {
                provider: *provider,
                message: message.clone(),
                meta: meta.clone(),
            },
            Error::RateLimited {
                provider,
                retry_after,
                meta,
                source,
            } => Error::RateLimited {
                provider: *provider,
                retry_after: *retry_after,
                meta: meta.clone(),
                source: copy(source),
            },
            Error::NotFound {
                provider,
                what,
                meta,
            } => Error::NotFound {
                provider: *provider,
                what: what.clone(),
                meta: meta.clone(),
            },
            Error::Conflict {
                provider,
                message,
                meta,
            } => Error::Conflict {
                provider: *provider,
                message: message.clone(),
                meta: meta.clone(),
            },
            Error::Rejected {
                provider,
                message,
                meta,
            } => Error::Rejected {
                provider: *provider,
                message: message.clone(),
                meta: meta.clone(),
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
            Error::Transport {
                provider,
                meta,
                source,
            } => Error::Transport {
                provider: *provider,
                meta: meta.clone(),
                source: copied_source(source.as_ref()),
            },
            Error::Timeout {
                provider,
                meta,
                source,
            } => Error::Timeout {
                provider: *provider,
                meta: meta.clone(),
                source: copy(source),
            },
            Error::Deadline {
                provider,
                deadline,
                meta,
            } => Error::Deadline {
                provider: *provider,
                deadline: *deadline,
                meta: meta.clone(),
            },
            Error::InvalidResponse {
                provider,
                message,
                meta,
                source,
            } => Error::InvalidResponse {
                provider: *provider,
                message: message.clone(),
                meta: meta.clone(),
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
            Error::Internal { provider, message } => Error::Internal {
                provider: *provider,
                message: message.clone(),
            },
            Error::Api {
                provider,
                meta,
                source,
            } => Error::Api {
                provider: *provider,
                meta: meta.clone(),
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
            | Error::Rejected { provider, .. }
            | Error::Unsupported { provider, .. }
            | Error::ZoneNotFound { provider, .. }
            | Error::Transport { provider, .. }
            | Error::Timeout { provider, .. }
            | Error::Deadline { provider, .. }
            | Error::InvalidResponse { provider, .. }
            | Error::TooManyChanges { provider, .. }
            | Error::Api { provider, .. } => Some(*provider),
            Error::Validation { provider, .. } | Error::Internal { provider, .. } => *provider,
        }
    }

    /// A stable lower-case name of the kind, as serialised: `auth`,
    /// `forbidden`, `rate_limited`, `not_found`, `conflict`, `rejected`,
    /// `validation`, `unsupported`, `zone_not_found`, `transport`, `timeout`,
    /// `deadline`, `invalid_response`, `too_many_changes`, `internal`, `api`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Auth { .. } => "auth",
            Error::Forbidden { .. } => "forbidden",
            Error::RateLimited { .. } => "rate_limited",
            Error::NotFound { .. } => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::Rejected { .. } => "rejected",
            Error::Validation { .. } => "validation",
            Error::Unsupported { .. } => "unsupported",
            Error::ZoneNotFound { .. } => "zone_not_found",
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } => "timeout",
            Error::Deadline { .. } => "deadline",
            Error::InvalidResponse { .. } => "invalid_response",
            Error::TooManyChanges { .. } => "too_many_changes",
            Error::Internal { .. } => "internal",
            Error::Api { .. } => "api",
        }
    }

    /// What the error keeps of the HTTP exchange it came from: status as
    /// received, provider code and message, request id, operation and
    /// attempts. `None` for errors that no exchange produced (validation,
    /// unsupported, plans).
    pub fn meta(&self) -> Option<&ErrorMeta> {
        match self {
            Error::Auth { meta, .. }
            | Error::Forbidden { meta, .. }
            | Error::RateLimited { meta, .. }
            | Error::NotFound { meta, .. }
            | Error::Conflict { meta, .. }
            | Error::Rejected { meta, .. }
            | Error::Transport { meta, .. }
            | Error::Timeout { meta, .. }
            | Error::Deadline { meta, .. }
            | Error::InvalidResponse { meta, .. }
            | Error::Api { meta, .. } => meta.as_deref(),
            _ => None,
        }
    }

    /// Whether the same request could succeed later: rate limiting, transport
    /// failures, timeouts, and answers with status 502, 503 or 504: exactly
    /// what [`crate::runtime`] retries.
    ///
    /// This says nothing about whether repeating is *safe*: a write that failed
    /// in transport may have been applied. [`crate::retry`] decides that with the
    /// operation's idempotency.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Api { .. } => matches!(self.status(), Some(429 | 502..=504)),
            _ => false,
        }
    }

    /// Whether the request may have taken effect although it failed: its
    /// answer was lost (transport failure, timeout, deadline) or was a
    /// server or gateway error (500 to 504) that does not say whether the
    /// application acted. A refusal (4xx) was decided before acting. A
    /// write that fails this way is settled by reading, never assumed.
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::Deadline { .. } => true,
            Error::Api { .. } => matches!(self.status(), Some(500..=504)),
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

    /// The HTTP status of the answer this error came from, as received.
    pub fn status(&self) -> Option<u16> {
        self.meta().and_then(|m| m.status)
    }

    /// The provider-specific error code, if the provider sent one.
    pub fn provider_code(&self) -> Option<&str> {
        self.meta().and_then(|m| m.code.as_deref())
    }

    /// The provider's request id, if the answer carried one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta().and_then(|m| m.request_id.as_deref())
    }

    /// Attempts made for the operation that failed (0 when unknown).
    pub fn attempts(&self) -> u32 {
        self.meta().map_or(0, |m| m.attempts)
    }
}

/// `{"kind", "provider", "message", "field", "retry_after_ms", "meta"}`:
/// `message` is the `Display` text; `field` is set for
/// [`Error::Validation`], `retry_after_ms` for [`Error::RateLimited`].
impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Error", 6)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("provider", &self.provider().map(ProviderId::as_str))?;
        s.serialize_field("message", &self.to_string())?;
        let field = match self {
            Error::Validation { field, .. } => Some(field.as_str()),
            _ => None,
        };
        s.serialize_field("field", &field)?;
        let after = self
            .retry_after()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        s.serialize_field("retry_after_ms", &after)?;
        s.serialize_field("meta", &self.meta())?;
        s.end()
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
                Error::forbidden(P, "no access to zone").with_code("E403"),
                "ionos denied the request (E403): no access to zone",
            ),
            (
                Error::forbidden(P, "no access"),
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
    fn error_with_helpers_ignore_variants_without_an_exchange() {
        let err = Error::validation("f", "r")
            .with_code("E1")
            .with_request_id("r");
        assert_eq!(err.provider_code(), None);
        assert_eq!(err.request_id(), None);
        assert!(err.meta().is_none());
        let err = Error::not_found(P, "x").with_code("E1");
        assert_eq!(err.provider_code(), Some("E1"));
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
            (Error::auth(P, ""), None),
            (
                Error::auth(P, "").with_meta(ErrorMeta::answered(401)),
                Some(401),
            ),
            (
                Error::forbidden(P, "").with_meta(ErrorMeta::answered(403)),
                Some(403),
            ),
            (
                Error::not_found(P, "").with_meta(ErrorMeta::answered(404)),
                Some(404),
            ),
            (
                Error::rejected(P, "").with_meta(ErrorMeta::answered(400)),
                Some(400),
            ),
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
            Error::forbidden(P, "").with_code("E9").provider_code(),
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

    #[test]
    fn new_kinds_display_and_keep_meta() {
        let meta = ErrorMeta::answered(400)
            .with_code("paas-validation")
            .with_message("ip is not valid")
            .with_operation("reverserecords_put")
            .with_attempts(1);
        let err = Error::rejected(P, "ip is not valid").with_meta(meta.clone());
        assert_eq!(
            err.to_string(),
            "ionos refused the request (paas-validation): ip is not valid"
        );
        assert_eq!(err.meta(), Some(&meta));
        assert_eq!(err.kind(), "rejected");
        let err =
            Error::invalid_response(P, "the body is not JSON").with_meta(ErrorMeta::answered(200));
        assert_eq!(
            err.to_string(),
            "ionos sent an answer revdns cannot use 200: the body is not JSON"
        );
        let err = Error::deadline(P, Duration::from_secs(2));
        assert_eq!(
            err.to_string(),
            "ionos operation did not finish within its deadline of 2000 ms"
        );
        assert!(!err.is_retryable());
    }

    #[test]
    fn with_meta_keeps_what_the_new_meta_leaves_empty() {
        let err = Error::api(P, 503, "busy")
            .with_code("c1")
            .with_meta(ErrorMeta::default().with_attempts(4).with_operation("op"));
        let meta = err.meta().unwrap();
        assert_eq!(meta.status, Some(503));
        assert_eq!(meta.code.as_deref(), Some("c1"));
        assert_eq!(meta.message.as_deref(), Some("busy"));
        assert_eq!(meta.attempts, 4);
        assert_eq!(err.attempts(), 4);
    }

    #[test]
    fn error_serialises_with_stable_fields() {
        let err = Error::api(P, 502, "bad gateway").with_request_id("r-1");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "api");
        assert_eq!(json["provider"], "ionos");
        assert_eq!(json["message"], "ionos API error 502: bad gateway");
        assert_eq!(json["meta"]["status"], 502);
        assert_eq!(json["meta"]["request_id"], "r-1");
        let json = serde_json::to_value(Error::validation("ttl", "too big")).unwrap();
        assert_eq!(json["field"], "ttl");
        assert!(json["meta"].is_null());
        let json =
            serde_json::to_value(Error::rate_limited(P, Some(Duration::from_secs(2)))).unwrap();
        assert_eq!(json["retry_after_ms"], 2000);
    }

    #[test]
    fn may_have_been_applied_is_lost_answers_and_server_errors() {
        let cases = [
            (Error::transport(P, "reset"), true),
            (Error::timeout(P), true),
            (Error::deadline(P, Duration::from_secs(1)), true),
            (Error::api(P, 500, ""), true),
            (Error::api(P, 503, ""), true),
            (Error::api(P, 501, ""), true),
            (Error::api(P, 505, ""), false),
            (Error::rejected(P, ""), false),
            (Error::conflict(P, ""), false),
            (Error::rate_limited(P, None), false),
        ];
        for (err, want) in cases {
            assert_eq!(err.may_have_been_applied(), want, "{err}");
        }
    }
}
