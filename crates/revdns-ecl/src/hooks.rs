//! The generated client's request hooks: every request passes the shared
//! runtime ([`revdns_core::runtime::Runtime`]); what is ECL's own is the
//! token, and the new one to send once more with after a 401
//! ([`Session::renewed`]).

use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use revdns_core::RetryConfig;
use revdns_core::runtime::Runtime;

use crate::auth::Session;
use crate::generated::Client;

/// State the generated [`Client`](crate::api::Client) carries for its hooks:
/// the shared runtime and, for the high-level client, the Keystone session.
///
/// With [`HookState::new`] alone the generated client sends no token: add an
/// `X-Auth-Token` default header to the `reqwest::Client` you give it. The
/// high-level [`Client`](crate::Client) attaches its session, which sets the
/// header and renews the token once after a 401.
#[derive(Debug, Clone)]
pub struct HookState {
    runtime: Runtime,
    session: Option<Arc<Session>>,
}

impl Default for HookState {
    fn default() -> Self {
        HookState::new(RetryConfig::default())
    }
}

impl HookState {
    /// Hook state with this retry policy and the runtime's other defaults.
    pub fn new(retry: RetryConfig) -> Self {
        let config = revdns_core::runtime::RuntimeConfig::default().with_retry(retry);
        Self::with_runtime(Runtime::new(&crate::error::DIALECT, config))
    }

    pub(crate) fn with_runtime(runtime: Runtime) -> Self {
        Self {
            runtime,
            session: None,
        }
    }

    /// The shared runtime every request passes.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The retry policy applied to every request.
    pub fn retry(&self) -> &RetryConfig {
        self.runtime.retry()
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
        let state = self.inner();
        state.runtime.prepare(request);
        if let Some(session) = &state.session {
            session
                .authorize(request)
                .await
                .map_err(|e| progenitor_client::Error::Custom(state.runtime.hook_failure(e)))?;
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let state = self.inner();
        let op = info.operation_id;
        match &state.session {
            // A 401 is answered with a new token, once (a ready token
            // cannot be renewed: the 401 stays).
            Some(session) => {
                let renew = |refused| session.renewed(refused);
                (state.runtime)
                    .exec_renewing(self.client(), request, op, renew)
                    .await
            }
            None => state.runtime.exec(self.client(), request, op).await,
        }
    }
}

#[cfg(test)]
mod tests {

    /// The list is matched against progenitor's operation names; a name that
    /// the generated client never uses would silently disable retries.
    #[test]
    fn idempotent_names_are_generated_operation_names() {
        let generated = include_str!("generated.rs");
        for name in crate::error::DIALECT.idempotent {
            if *name == "create_token" {
                continue; // Keystone, sent by hand (see `auth`).
            }
            assert!(
                generated.contains(&format!("operation_id: \"{name}\"")),
                "{name} is not an operation of the generated client"
            );
        }
        for create in ["create_zone", "create_recordset"] {
            assert!(generated.contains(&format!("operation_id: \"{create}\"")));
            assert!(!crate::error::DIALECT.is_idempotent(create));
        }
    }
}
