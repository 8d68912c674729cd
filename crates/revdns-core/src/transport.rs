//! The retry loop every provider's request hook runs: send, classify with
//! [`retry::classify`], sleep with
//! [`RetryState`], send again.
//!
//! The policy is pure and lives in [`retry`]; this module is
//! the only place that applies it to real requests, so the three providers
//! retry identically and differ only in which operations are idempotent.

use std::future::Future;
use std::time::{Instant, SystemTime};

use tracing::Instrument;

use crate::ProviderId;
use crate::retry::{self, RetryConfig, RetryState};

/// Runs one operation of a provider's generated client inside a DEBUG
/// `request` span (provider, operation id, method, path) and logs its
/// outcome with the duration.
///
/// `run` does the sending, normally through [`send`]. Only the path is
/// recorded: queries may carry filters and bodies may carry passwords or
/// signatures, so neither is ever logged here.
///
/// # Errors
///
/// Whatever `run` returns.
pub async fn execute<F, Fut>(
    provider: ProviderId,
    operation_id: &str,
    request: reqwest::Request,
    run: F,
) -> reqwest::Result<reqwest::Response>
where
    F: FnOnce(reqwest::Request) -> Fut,
    Fut: Future<Output = reqwest::Result<reqwest::Response>>,
{
    let span = tracing::debug_span!(
        "request",
        provider = provider.as_str(),
        operation_id,
        method = %request.method(),
        path = request.url().path(),
    );
    async {
        let started = Instant::now();
        let response = run(request).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
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

/// Response header [`send`] adds to an answer that took more than one
/// attempt, with the number of attempts: the generated clients keep
/// response headers (not extensions) in their errors, so this is how the
/// count reaches a provider's error mapping. See [`attempts`].
pub const ATTEMPTS_HEADER: &str = "revdns-attempts";

/// How many attempts the answer with these headers took (1 when [`send`]
/// did not retry).
pub fn attempts(headers: &http::HeaderMap) -> u32 {
    headers
        .get(ATTEMPTS_HEADER)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(1)
}

/// Sends `request`, retrying as [`RetryConfig`] allows.
///
/// A request whose body cannot be cloned (a stream) is sent once. 429 is
/// retried for any request; 502/503/504 and connect or timeout errors only
/// when `idempotent` says the server may safely see the request twice. The
/// last answer (or error) is returned when retries run out, so the caller
/// maps it as if there had been one attempt; `tracing` records each retry.
///
/// # Errors
///
/// The transport error of the last attempt.
pub async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
    config: &RetryConfig,
    idempotent: bool,
) -> reqwest::Result<reqwest::Response> {
    let mut state = RetryState::new(*config);
    let mut request = request;
    loop {
        let spare = request.try_clone();
        let result = client.execute(request).await;
        let action = match &result {
            Ok(response) => retry::classify(
                response.status(),
                response.headers(),
                idempotent,
                SystemTime::now(),
            ),
            Err(e) if e.is_connect() || e.is_timeout() => retry::classify_transport(idempotent),
            Err(_) => retry::RetryAction::DontRetry,
        };
        let (Some(next), Some(delay)) = (spare, state.next_delay(action)) else {
            return result.map(|mut response| {
                if state.attempt() > 1 {
                    response
                        .headers_mut()
                        .insert(ATTEMPTS_HEADER, http::HeaderValue::from(state.attempt()));
                }
                response
            });
        };
        tracing::debug!(
            attempt = state.attempt(),
            delay_ms = delay.as_millis() as u64,
            status = result.as_ref().ok().map(|r| r.status().as_u16()),
            "retrying"
        );
        // Drop the answer we are not going to read before sleeping, so its
        // connection goes back to the pool.
        drop(result);
        retry::sleep(delay).await;
        request = next;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use httpmock::prelude::*;

    use super::*;

    fn fast() -> RetryConfig {
        RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            total_budget: Duration::from_secs(5),
        }
    }

    fn request(client: &reqwest::Client, method: reqwest::Method, url: String) -> reqwest::Request {
        client.request(method, url).build().unwrap()
    }

    #[tokio::test]
    async fn idempotent_request_is_retried_on_503_until_attempts_run_out() {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path("/x");
                then.status(503);
            })
            .await;
        let client = reqwest::Client::new();
        let response = send(
            &client,
            request(&client, reqwest::Method::GET, server.url("/x")),
            &fast(),
            true,
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(mock.calls_async().await, 3);
        assert_eq!(attempts(response.headers()), 3);
    }

    #[tokio::test]
    async fn non_idempotent_request_is_not_retried_on_503() {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/x");
                then.status(503);
            })
            .await;
        let client = reqwest::Client::new();
        send(
            &client,
            request(&client, reqwest::Method::POST, server.url("/x")),
            &fast(),
            false,
        )
        .await
        .unwrap();
        assert_eq!(mock.calls_async().await, 1);
    }

    #[tokio::test]
    async fn rate_limit_is_retried_for_any_request_and_stops_at_the_budget() {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/x");
                then.status(429).header("retry-after", "0");
            })
            .await;
        let client = reqwest::Client::new();
        let response = send(
            &client,
            request(&client, reqwest::Method::POST, server.url("/x")),
            &fast(),
            false,
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(mock.calls_async().await, 3);
    }

    #[tokio::test]
    async fn disabled_config_sends_once() {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path("/x");
                then.status(503);
            })
            .await;
        let client = reqwest::Client::new();
        send(
            &client,
            request(&client, reqwest::Method::GET, server.url("/x")),
            &RetryConfig::disabled(),
            true,
        )
        .await
        .unwrap();
        assert_eq!(mock.calls_async().await, 1);
    }
}
