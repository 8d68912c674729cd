//! [`ErrorMeta`]: what an error keeps of the provider's answer.

use serde::Serialize;

/// What an error keeps of the HTTP exchange it came from, the same for every
/// kind of error and every provider; read it with [`Error::meta`](crate::Error::meta).
///
/// Fields are `None` when the exchange did not give them: `status` is `None`
/// when no answer arrived (a dropped connection, a timeout), `code` when the
/// provider sent none. Serialises with these field names, which are stable.
///
/// ```
/// use revdns_core::error::ErrorMeta;
///
/// let meta = ErrorMeta::answered(404)
///     .with_code("E2008")
///     .with_message("Specified recordset is not found.")
///     .with_operation("show_recordset")
///     .with_attempts(2);
/// assert_eq!(meta.status, Some(404));
/// assert_eq!(
///     serde_json::to_value(&meta)?,
///     serde_json::json!({
///         "status": 404, "code": "E2008", "message": "Specified recordset is not found.",
///         "request_id": null, "operation": "show_recordset", "attempts": 2
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorMeta {
    /// The HTTP status as received, whatever the body was.
    pub status: Option<u16>,
    /// The provider's error code: an ECL `E####`, IONOS `errorCode`s joined
    /// with `,`, EDIS's `code` or its `error` text.
    pub code: Option<String>,
    /// The provider's message, or an excerpt of a body in another shape.
    pub message: Option<String>,
    /// A request id from the answer's headers, for support tickets.
    pub request_id: Option<String>,
    /// The API operation (the generated client's name for it, e.g. `get_ptr`).
    pub operation: Option<String>,
    /// Attempts made, counting the first; 0 when nothing was sent.
    pub attempts: u32,
}

impl ErrorMeta {
    /// Metadata of an answer with this status, from one attempt.
    pub fn answered(status: u16) -> Self {
        ErrorMeta {
            status: Some(status),
            attempts: 1,
            ..ErrorMeta::default()
        }
    }

    /// Sets [`code`](ErrorMeta::code).
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets [`message`](ErrorMeta::message).
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets [`request_id`](ErrorMeta::request_id).
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sets [`operation`](ErrorMeta::operation).
    #[must_use]
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// Sets [`attempts`](ErrorMeta::attempts).
    #[must_use]
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Fills what `self` lacks from `other` (status, code, message, request
    /// id, operation; attempts when `self` has none).
    pub(crate) fn fill_from(&mut self, other: &ErrorMeta) {
        fn fill<T: Clone>(slot: &mut Option<T>, from: &Option<T>) {
            if slot.is_none() {
                slot.clone_from(from);
            }
        }
        fill(&mut self.status, &other.status);
        fill(&mut self.code, &other.code);
        fill(&mut self.message, &other.message);
        fill(&mut self.request_id, &other.request_id);
        fill(&mut self.operation, &other.operation);
        if self.attempts == 0 {
            self.attempts = other.attempts;
        }
    }
}
