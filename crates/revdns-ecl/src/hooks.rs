//! Per-request behaviour of the generated client: the one place every
//! request passes, so the token, spans, retries and the renewal after a 401
//! live here.

use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::HeaderName;
use revdns_core::transport::{execute, send};
use revdns_core::{ProviderId, RetryConfig};

use crate::auth::{Session, TOKEN_HEADER};
use crate::generated::Client;

/// Operations the server may safely receive twice, by the generated
/// client's operation name (progenitor's snake-case form of the spec's
/// `operationId`): only these are retried after a 502/503/504 or a lost
/// connection. 429 is retried for every operation, since the server refused
/// it unprocessed.
///
/// Reads, the zone PATCH (it sets fields to given values), the recordset
/// PUT and the deletes by id can be repeated. The two POSTs create another
/// zone or recordset each time, so they are not listed.
const IDEMPOTENT: &[&str] = &[
    "list_zones",
    "show_zone",
    "update_zone",
    "delete_zone",
    "list_zone_nameservers",
    "list_recordsets",
    "show_recordset",
    "update_recordset",
    "delete_recordset",
    "delete_recordsets",
];

/// State the generated [`Client`](crate::api::Client) carries for its hooks.
///
/// With [`HookState::new`] alone the generated client sends no token: add an
/// `X-Auth-Token` default header to the `reqwest::Client` you give it. The
/// high-level [`Client`](crate::Client) attaches its Keystone session, which
/// sets the header and renews the token once after a 401.
#[derive(Debug, Clone, Default)]
pub struct HookState {
    retry: RetryConfig,
    session: Option<Arc<Session>>,
}

impl HookState {
    /// Hook state with this retry policy.
    pub fn new(retry: RetryConfig) -> Self {
        Self {
            retry,
            session: None,
        }
    }

    /// The retry policy applied to every request.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    /// Attaches the session that supplies tokens.
    pub(crate) fn with_session(mut self, session: Arc<Session>) -> Self {
        self.session = Some(session);
        self
    }
}

impl ClientHooks<HookState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // progenitor sends `api-version: <info.version>` on every request;
        // NTT Enterprise Cloud 2.0 DNS defines no such header.
        request.headers_mut().remove("api-version");
        if let Some(session) = &self.inner().session {
            // The high-level client fetched the token just before; this is
            // the cached one unless it expired in between.
            let header = async { session.ticket().await?.header() }
                .await
                .map_err(|e| progenitor_client::Error::Custom(e.to_string()))?;
            request
                .headers_mut()
                .insert(HeaderName::from_static(TOKEN_HEADER), header);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let idempotent = IDEMPOTENT.contains(&info.operation_id);
        let state = self.inner();
        execute(
            ProviderId::Ecl,
            info.operation_id,
            request,
            |request| async move {
                let session = state.session.as_ref().filter(|s| s.can_renew());
                // Kept for one resend with a new token after a 401.
                let spare = session.and_then(|_| request.try_clone());
                let response = send(self.client(), request, &state.retry, idempotent).await;
                let (Some(session), Some(mut spare)) = (session, spare) else {
                    return response;
                };
                let Ok(rejected) = &response else {
                    return response;
                };
                if rejected.status() != reqwest::StatusCode::UNAUTHORIZED {
                    return response;
                }
                let used = spare
                    .headers()
                    .get(TOKEN_HEADER)
                    .map(|v| v.as_bytes().to_vec())
                    .unwrap_or_default();
                match session.renew(&used).await {
                    Ok(Some(ticket)) => match ticket.header() {
                        Ok(header) => {
                            tracing::debug!("token rejected; sending once more with a new token");
                            spare
                                .headers_mut()
                                .insert(HeaderName::from_static(TOKEN_HEADER), header);
                            // The first answer is dropped unread: its connection
                            // goes back to the pool.
                            drop(response);
                            send(self.client(), spare, &state.retry, idempotent).await
                        }
                        Err(_) => response,
                    },
                    // Renewal failed: the 401 answer says enough.
                    Ok(None) | Err(_) => response,
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list is matched against progenitor's operation names; a name that
    /// the generated client never uses would silently disable retries.
    #[test]
    fn idempotent_names_are_generated_operation_names() {
        let generated = include_str!("generated.rs");
        for name in IDEMPOTENT {
            assert!(
                generated.contains(&format!("operation_id: \"{name}\"")),
                "{name} is not an operation of the generated client"
            );
        }
        for create in ["create_zone", "create_recordset"] {
            assert!(generated.contains(&format!("operation_id: \"{create}\"")));
            assert!(!IDEMPOTENT.contains(&create));
        }
    }
}
