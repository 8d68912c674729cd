//! Per-request behaviour of the generated client: the one place every
//! request passes, so spans and retries live here.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use revdns_core::RetryConfig;
use tracing::Instrument;

use crate::generated::Client;

/// Operations the server may safely receive twice, by the operation id the
/// generated client reports (progenitor's snake_case method name, not the
/// spec's `operationId`): only these are retried after a 502/503/504 or a
/// lost connection. 429 is retried for every operation, since the server
/// refused it unprocessed.
///
/// EDIS reads and deletes are safe to repeat, and a set writes the same
/// value again; creating a session twice only makes a second session.
const IDEMPOTENT: &[&str] = &["create_auth_session", "get_ptr", "set_ptr", "delete_ptr"];

/// State the generated [`Client`](crate::api::Client) carries for its hooks.
#[derive(Debug, Clone, Default)]
pub struct HookState {
    retry: RetryConfig,
}

impl HookState {
    /// Hook state with this retry policy.
    pub fn new(retry: RetryConfig) -> Self {
        Self { retry }
    }

    /// The retry policy applied to every request.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }
}

impl ClientHooks<HookState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // progenitor sends `api-version: <info.version>` on every request;
        // EDIS Global defines no such header.
        request.headers_mut().remove("api-version");
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::debug_span!(
            "request",
            provider = "edis",
            operation_id = info.operation_id,
            method = %request.method(),
            // The path only: a query may carry filters, never worth logging.
            path = request.url().path(),
        );
        let idempotent = IDEMPOTENT.contains(&info.operation_id);
        async {
            let started = std::time::Instant::now();
            let response = revdns_core::transport::send(
                self.client(),
                request,
                &self.inner().retry,
                idempotent,
            )
            .await;
            let duration_ms = started.elapsed().as_millis() as u64;
            match &response {
                Ok(r) => tracing::debug!(status = r.status().as_u16(), duration_ms, "response"),
                Err(e) => tracing::debug!(
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    duration_ms,
                    "transport error"
                ),
            }
            response
        }
        .instrument(span)
        .await
    }
}
