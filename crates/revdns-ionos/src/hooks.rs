//! Per-request behaviour of the generated client: the one place every
//! request passes, so spans and retries live here.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use revdns_core::transport::{execute, send};
use revdns_core::{ProviderId, RetryConfig};

use crate::error;
use crate::generated::Client;
use crate::generated::types::ErrorBody;

/// Operations the server may safely receive twice: only these are retried
/// after a 502/503/504 or a lost connection. 429 is retried for every
/// operation, since the server refused it unprocessed.
///
/// POST creates a second record if the first attempt did reach the server;
/// PUT to a chosen id and DELETE by id can be repeated.
///
/// progenitor passes the operation id in snake case (`reverserecords_get`
/// for the spec's `reverserecordsGet`), so that is the form listed here.
const IDEMPOTENT: &[&str] = &[
    "reverserecords_get",
    "reverserecords_find_by_id",
    "reverserecords_put",
    "reverserecords_delete",
];

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
        // IONOS Cloud DNS defines no such header.
        request.headers_mut().remove("api-version");
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let idempotent = IDEMPOTENT.contains(&info.operation_id);
        execute(
            ProviderId::Ionos,
            info.operation_id,
            request,
            |request| async move {
                let response = send(self.client(), request, &self.inner().retry, idempotent).await;
                normalise_error_body(response?).await
            },
        )
        .await
    }
}

/// Rewrites an error answer whose body is not the documented
/// `{"httpStatus", "messages"}` JSON (an HTML page from a proxy, plain text,
/// an empty body) into that shape, with an excerpt of the original body as
/// the one message.
///
/// Without this, the generated code would turn a documented status such as
/// 500 with an HTML body into `InvalidResponsePayload`, which has no status.
/// Status and headers are kept; success answers pass untouched.
async fn normalise_error_body(response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(response);
    }
    let version = response.version();
    let mut headers = response.headers().clone();
    let bytes = response.bytes().await?;
    let parsed = serde_json::from_slice::<ErrorBody>(&bytes)
        .ok()
        .filter(error::is_documented_shape);
    let body = match parsed {
        Some(_) => bytes.to_vec(),
        None => {
            let mut body = error::excerpt_body(&bytes);
            body.http_status = Some(status.as_u16().into());
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            // Serialising a struct of strings and integers cannot fail.
            serde_json::to_vec(&body).unwrap_or_default()
        }
    };
    headers.remove(CONTENT_LENGTH);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_ids_name_generated_operations_and_exclude_post() {
        let generated = include_str!("generated.rs");
        for id in IDEMPOTENT {
            assert!(
                generated.contains(&format!("operation_id: \"{id}\"")),
                "{id} is not an operation id of the generated client"
            );
        }
        assert!(generated.contains("operation_id: \"reverserecords_post\""));
        assert!(!IDEMPOTENT.contains(&"reverserecords_post"));
    }
}
