//! Per-request behaviour of the generated client: the one place every
//! request passes, so spans and retries live here.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use revdns_core::transport::{execute, send};
use revdns_core::{ProviderId, RetryConfig};

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
        let idempotent = IDEMPOTENT.contains(&info.operation_id);
        execute(ProviderId::Edis, info.operation_id, request, |request| {
            send(self.client(), request, &self.inner().retry, idempotent)
        })
        .await
    }
}
