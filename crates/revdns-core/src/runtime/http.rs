//! The HTTP client every provider client is built on: timeouts, and a
//! redirect policy that never carries credentials to another origin.

use std::time::Duration;

use reqwest::redirect::{Attempt, Policy};

/// Redirects followed within one origin before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// Longest a pooled connection is kept idle for reuse.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// A `reqwest` client builder with the settings every provider shares: a
/// timeout per attempt, a connect timeout (at most 10 s, never more than the
/// attempt's), idle connections kept at most [`POOL_IDLE_TIMEOUT`] (never
/// more than the attempt's timeout), the [`same_origin_redirects`] policy,
/// and a `User-Agent` naming revdns. reqwest's own retry layer is off: the
/// runtime decides every resend (it also resends what an HTTP/2 server
/// refused unprocessed), and the layer copies each request before sending
/// it, in case it retries.
///
/// Why the idle limit is short:
///
/// - Servers and the balancers in front of them commonly close idle
///   connections after 60 s or less. A request sent on a connection the
///   other end is closing fails, and a write that fails so must be settled
///   by reading.
/// - The pool sweeps its idle connections on a timer of that period. Kept
///   no longer than the attempt's timeout, the sweep is always due before a
///   new attempt's timeout, so arming that timeout does not make the
///   runtime wake its timer driver (otherwise one thread wake-up per
///   request whenever no other timer is due sooner).
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    super::tls::configure(
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(timeout.min(POOL_IDLE_TIMEOUT))
            .redirect(same_origin_redirects())
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .user_agent(concat!("revdns/", env!("CARGO_PKG_VERSION"))),
    )
}

/// Follows a redirect only to the same scheme, host and port, at most
/// [`MAX_REDIRECTS`] times. Credentials travel in headers (`X-Auth-Token`,
/// `Authorization`) and bodies (the Keystone password, the EDIS signature)
/// that `reqwest` would resend on a 307/308, so a redirect to another
/// origin is not followed: its 3xx answer becomes the error.
pub fn same_origin_redirects() -> Policy {
    Policy::custom(|attempt: Attempt<'_>| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        let same = first.scheme() == attempt.url().scheme()
            && first.host_str() == attempt.url().host_str()
            && first.port_or_known_default() == attempt.url().port_or_known_default();
        if !same || attempt.previous().len() > MAX_REDIRECTS {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}
