//! The retry policy shared by every provider: which answers to retry, how long
//! to wait, and when to give up.
//!
//! Pure decisions ([`classify`], [`classify_transport`], [`parse_retry_after`],
//! [`RetryState`]); each provider's request hook does the sending and the
//! [`sleep`]ing. Only requests that are safe to repeat are retried after a
//! server failure: a 429 means the request was refused, so it is retried for
//! every operation, but a 502/503/504 or a transport error after a
//! non-idempotent write (e.g. a create) is not, since it may have been applied.

use std::time::{Duration, SystemTime};

pub use http::{HeaderMap, HeaderValue, StatusCode};

/// How many times to try and how long to wait.
///
/// The default is 6 attempts after failures (the first plus 5 retries after
/// a 5xx or a lost connection: generous per request, since the client's
/// retry budget caps how much retrying all requests together may add), up to 8 further waits when the server
/// throttles (429, honouring `Retry-After`; they do not use up the failure
/// attempts), backoff from 200 ms capped at 10 s per wait, within a total
/// budget of 60 s from the first attempt.
///
/// ```
/// use std::time::Duration;
/// use revdns_core::RetryConfig;
///
/// let quick = RetryConfig::default()
///     .with_max_attempts(3)
///     .with_base_delay(Duration::from_millis(1))
///     .with_max_delay(Duration::from_millis(5));
/// assert_eq!(quick.max_attempts, 3);
/// assert_eq!(quick.max_throttled, 8);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts in all after failures (5xx, lost connections), counting the
    /// first; `1` disables those retries.
    pub max_attempts: u32,
    /// Waits after 429 answers, on top of `max_attempts`.
    pub max_throttled: u32,
    /// Backoff cap for the first retry; doubles with each retry.
    pub base_delay: Duration,
    /// Largest backoff cap (a `Retry-After` from the server is not capped).
    pub max_delay: Duration,
    /// No retry starts whose wait would end later than this after the first attempt.
    pub total_budget: Duration,
}

impl RetryConfig {
    /// One attempt, no retries of any kind.
    pub const fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            max_throttled: 0,
            ..Self::DEFAULT
        }
    }

    const DEFAULT: RetryConfig = RetryConfig {
        max_attempts: 6,
        max_throttled: 8,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(10),
        total_budget: Duration::from_secs(60),
    };

    /// Sets [`max_attempts`](RetryConfig::max_attempts) (at least 1).
    #[must_use]
    pub const fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = if n == 0 { 1 } else { n };
        self
    }

    /// Sets [`max_throttled`](RetryConfig::max_throttled).
    #[must_use]
    pub const fn with_max_throttled(mut self, n: u32) -> Self {
        self.max_throttled = n;
        self
    }

    /// Sets [`base_delay`](RetryConfig::base_delay).
    #[must_use]
    pub const fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Sets [`max_delay`](RetryConfig::max_delay).
    #[must_use]
    pub const fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets [`total_budget`](RetryConfig::total_budget).
    #[must_use]
    pub const fn with_total_budget(mut self, d: Duration) -> Self {
        self.total_budget = d;
        self
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What to do after a failed attempt.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAction {
    /// Try again after a failure (5xx, lost connection), after the server's
    /// `Retry-After` if it gave one, else after backoff.
    Retry {
        /// The server's `Retry-After`, if any.
        after: Option<Duration>,
    },
    /// The server throttled the request (429): wait and try again, counted
    /// against [`RetryConfig::max_throttled`], not `max_attempts`.
    Throttled {
        /// The server's `Retry-After`, if any.
        after: Option<Duration>,
    },
    /// Give up and return the error.
    DontRetry,
}

/// Classifies an HTTP answer.
///
/// - 429: [`RetryAction::Throttled`] on every operation (the server refused
///   it unprocessed), honouring `Retry-After`;
/// - 502, 503, 504: retry only when `idempotent`, honouring `Retry-After`;
/// - anything else: don't retry.
///
/// `now` is the time an HTTP-date `Retry-After` is measured from.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use revdns_core::retry::{classify, HeaderMap, RetryAction, StatusCode};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", "3".parse().unwrap());
/// let now = SystemTime::now();
/// assert_eq!(
///     classify(StatusCode::TOO_MANY_REQUESTS, &headers, false, now),
///     RetryAction::Throttled { after: Some(Duration::from_secs(3)) }
/// );
/// assert_eq!(
///     classify(StatusCode::SERVICE_UNAVAILABLE, &headers, false, now),
///     RetryAction::DontRetry
/// );
/// ```
pub fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    idempotent: bool,
    now: SystemTime,
) -> RetryAction {
    let after = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| parse_retry_after(v, now));
    match status.as_u16() {
        429 => RetryAction::Throttled { after },
        502..=504 if idempotent => RetryAction::Retry { after },
        _ => RetryAction::DontRetry,
    }
}

/// Classifies a transport failure. When the request was never sent (the
/// connection could not be made) it is retried whatever the operation; a
/// reset, a dropped connection or a timeout after sending only when
/// `idempotent`, since the server may have acted on it.
pub fn classify_transport(idempotent: bool, sent: bool) -> RetryAction {
    if idempotent || !sent {
        RetryAction::Retry { after: None }
    } else {
        RetryAction::DontRetry
    }
}

/// Parses a `Retry-After` value: delay-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), measured from `now`.
///
/// A date in the past gives [`Duration::ZERO`]; anything else unparsable gives `None`.
pub fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Duration::from_secs);
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The retry state of one request: attempts made and time spent.
///
/// ```
/// use std::time::Duration;
/// use revdns_core::retry::{RetryAction, RetryConfig, RetryState};
///
/// let mut state = RetryState::new(RetryConfig::default());
/// assert_eq!(state.attempt(), 1);
/// let wait = state.next_delay(RetryAction::Retry { after: None }).unwrap();
/// assert!(wait <= Duration::from_millis(200));
/// assert_eq!(state.attempt(), 2);
/// assert_eq!(state.next_delay(RetryAction::DontRetry), None);
/// ```
#[derive(Debug, Clone)]
pub struct RetryState {
    config: RetryConfig,
    started: tokio::time::Instant,
    attempt: u32,
    failures: u32,
    throttled: u32,
}

impl RetryState {
    /// Starts the clock for the first attempt (Tokio time, so tests can pause it).
    pub fn new(config: RetryConfig) -> Self {
        RetryState {
            config,
            started: tokio::time::Instant::now(),
            attempt: 1,
            failures: 0,
            throttled: 0,
        }
    }

    /// The number of the attempt under way, starting at 1 (throttled
    /// attempts included).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The configuration in use.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// How long to wait before the next attempt, or `None` to give up.
    ///
    /// Gives up on [`RetryAction::DontRetry`], when `max_attempts` have been
    /// made after failures (or `max_throttled` waits after 429s), or when the
    /// wait would end past the total budget. The wait is the
    /// server's `Retry-After` when given (honoured as is, not capped by
    /// `max_delay`), else full jitter: random in
    /// `[0, min(max_delay, base_delay * 2^failures)]`, where `failures` counts
    /// the retries after failures so far (429 waits do not grow it).
    /// On `Some`, the attempt counter advances.
    pub fn next_delay(&mut self, action: RetryAction) -> Option<Duration> {
        self.next_delay_with(action, jitter())
    }

    /// [`next_delay`](RetryState::next_delay) with the jitter given, for
    /// deterministic tests: `jitter` in `[0.0, 1.0]` scales the backoff cap
    /// (clamped; NaN counts as 1.0).
    pub fn next_delay_with(&mut self, action: RetryAction, jitter: f64) -> Option<Duration> {
        let (after, throttled) = match action {
            RetryAction::Retry { after } => (after, false),
            RetryAction::Throttled { after } => (after, true),
            RetryAction::DontRetry => return None,
        };
        if throttled && self.throttled >= self.config.max_throttled {
            return None;
        }
        if !throttled && self.failures + 1 >= self.config.max_attempts {
            return None;
        }
        let delay = after.unwrap_or_else(|| {
            let jitter = if jitter.is_nan() {
                1.0
            } else {
                jitter.clamp(0.0, 1.0)
            };
            self.backoff_cap().mul_f64(jitter)
        });
        let remaining = self
            .config
            .total_budget
            .saturating_sub(self.started.elapsed());
        if delay > remaining {
            return None;
        }
        self.attempt += 1;
        if throttled {
            self.throttled += 1;
        } else {
            self.failures += 1;
        }
        Some(delay)
    }

    /// `min(max_delay, base_delay * 2^failures)`, without overflow.
    fn backoff_cap(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        self.config
            .base_delay
            .saturating_mul(factor)
            .min(self.config.max_delay)
    }
}

/// A jitter in `[0.0, 1.0)`, different on each call, from the standard
/// library alone: [`RandomState`](std::collections::hash_map::RandomState)
/// keys its hasher with random values the operating system gives each
/// process (and varies them with each `new`), so hashing a counter with it
/// gives a fresh, evenly spread 64-bit value. That is plenty for spreading
/// retries apart; it is not meant for secrets.
fn jitter() -> f64 {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};

    static DRAWS: AtomicU64 = AtomicU64::new(0);
    let bits = RandomState::new().hash_one(DRAWS.fetch_add(1, Ordering::Relaxed));
    // The top 53 bits, an f64's precision, scaled into [0, 1).
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Waits `d` on the Tokio clock, so tests with paused time do not really sleep.
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    fn now() -> SystemTime {
        httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap()
    }

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(http::header::RETRY_AFTER, hv(v));
        }
        h
    }

    #[test]
    fn retry_after_seconds_form() {
        assert_eq!(
            parse_retry_after(&hv("120"), now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(&hv("0"), now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(&hv(" 5 "), now()),
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn retry_after_http_date_in_future_is_difference() {
        assert_eq!(
            parse_retry_after(&hv("Wed, 21 Oct 2015 07:28:30 GMT"), now()),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn retry_after_http_date_in_past_is_zero() {
        assert_eq!(
            parse_retry_after(&hv("Wed, 21 Oct 2015 07:27:00 GMT"), now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for v in [
            "",
            "soon",
            "-5",
            "1.5",
            "99999999999999999999999",
            "Wed, 99 Oct 2015",
        ] {
            assert_eq!(parse_retry_after(&hv(v), now()), None, "{v:?}");
        }
        let non_ascii = HeaderValue::from_bytes(b"\xff").unwrap();
        assert_eq!(parse_retry_after(&non_ascii, now()), None);
    }

    #[test]
    fn classify_table() {
        let none = RetryAction::Retry { after: None };
        let two = RetryAction::Retry {
            after: Some(Duration::from_secs(2)),
        };
        let dont = RetryAction::DontRetry;
        let throttled = |secs: Option<u64>| RetryAction::Throttled {
            after: secs.map(Duration::from_secs),
        };
        let cases = [
            // status, retry-after, idempotent, expected
            (429, None, false, throttled(None)),
            (429, None, true, throttled(None)),
            (429, Some("2"), false, throttled(Some(2))),
            (429, Some("junk"), false, throttled(None)),
            (502, None, true, none),
            (503, Some("2"), true, two),
            (504, None, true, none),
            (502, None, false, dont),
            (503, Some("2"), false, dont),
            (504, None, false, dont),
            (500, None, true, dont),
            (501, None, true, dont),
            (400, None, true, dont),
            (401, None, true, dont),
            (404, None, true, dont),
            (409, None, true, dont),
            (200, None, true, dont),
        ];
        for (status, ra, idem, want) in cases {
            let got = classify(
                StatusCode::from_u16(status).unwrap(),
                &headers(ra),
                idem,
                now(),
            );
            assert_eq!(got, want, "{status} {ra:?} idempotent={idem}");
        }
    }

    #[test]
    fn classify_429_on_non_idempotent_retries() {
        assert!(matches!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                &HeaderMap::new(),
                false,
                now()
            ),
            RetryAction::Throttled { .. }
        ));
    }

    #[test]
    fn classify_503_on_non_idempotent_does_not_retry() {
        assert_eq!(
            classify(
                StatusCode::SERVICE_UNAVAILABLE,
                &HeaderMap::new(),
                false,
                now()
            ),
            RetryAction::DontRetry
        );
    }

    #[test]
    fn classify_transport_depends_on_idempotency() {
        let retry = RetryAction::Retry { after: None };
        assert_eq!(classify_transport(true, true), retry);
        assert_eq!(classify_transport(false, false), retry, "never sent");
        assert_eq!(classify_transport(false, true), RetryAction::DontRetry);
    }

    #[test]
    fn retry_config_defaults_are_documented_values() {
        let c = RetryConfig::default();
        assert_eq!(c.max_attempts, 6);
        assert_eq!(c.max_throttled, 8);
        assert_eq!(c.base_delay, Duration::from_millis(200));
        assert_eq!(c.max_delay, Duration::from_secs(10));
        assert_eq!(c.total_budget, Duration::from_secs(60));
        assert_eq!(RetryConfig::disabled().max_attempts, 1);
    }

    const RETRY: RetryAction = RetryAction::Retry { after: None };

    #[tokio::test(start_paused = true)]
    async fn retry_state_backoff_grows_and_is_capped() {
        let config = RetryConfig::default()
            .with_max_attempts(10)
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(1000))
            .with_total_budget(Duration::from_secs(3600));
        let mut state = RetryState::new(config);
        let got: Vec<u128> = (0..9)
            .map(|_| state.next_delay_with(RETRY, 1.0).unwrap().as_millis())
            .collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_jitter_scales_backoff() {
        let mut state = RetryState::new(RetryConfig::default());
        assert_eq!(state.next_delay_with(RETRY, 0.0), Some(Duration::ZERO));
        assert_eq!(
            state.next_delay_with(RETRY, 0.5),
            Some(Duration::from_millis(200))
        );
        // Out-of-range jitter is clamped.
        assert_eq!(
            state.next_delay_with(RETRY, 7.0),
            Some(Duration::from_millis(800))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_random_jitter_stays_within_cap() {
        for _ in 0..100 {
            let mut state = RetryState::new(RetryConfig::default());
            assert!(state.next_delay(RETRY).unwrap() <= Duration::from_millis(200));
        }
    }

    #[test]
    fn jitter_is_in_range_and_spread() {
        let draws: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)), "{draws:?}");
        // Uniform on [0, 1): the mean of 1000 draws is 0.5 give or take
        // 0.009 (one standard deviation), and every tenth is hit.
        let mean = draws.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        for tenth in 0..10 {
            let low = f64::from(tenth) / 10.0;
            assert!(
                draws.iter().any(|j| (low..low + 0.1).contains(j)),
                "no draw in [{low}, {})",
                low + 0.1
            );
        }
        // Fresh values, not one repeated.
        let mut sorted = draws.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        assert!(sorted.len() > 990, "{} distinct", sorted.len());
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_max_attempts_stops() {
        let mut state = RetryState::new(RetryConfig::default().with_max_attempts(4));
        for want in 2..=4 {
            assert!(state.next_delay_with(RETRY, 0.5).is_some());
            assert_eq!(state.attempt(), want);
        }
        assert_eq!(state.next_delay_with(RETRY, 0.5), None);
        assert_eq!(state.attempt(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_disabled_never_retries() {
        let mut state = RetryState::new(RetryConfig::disabled());
        assert_eq!(state.next_delay_with(RETRY, 0.5), None);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_dont_retry_stops() {
        let mut state = RetryState::new(RetryConfig::default());
        assert_eq!(state.next_delay_with(RetryAction::DontRetry, 0.5), None);
        assert_eq!(state.attempt(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_retry_after_is_honoured_beyond_max_delay() {
        let mut state = RetryState::new(RetryConfig::default());
        let after = Some(Duration::from_secs(30));
        assert_eq!(
            state.next_delay_with(RetryAction::Retry { after }, 0.0),
            Some(Duration::from_secs(30))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_retry_after_beyond_budget_gives_up() {
        let mut state = RetryState::new(RetryConfig::default());
        let after = Some(Duration::from_secs(61));
        assert_eq!(
            state.next_delay_with(RetryAction::Retry { after }, 0.0),
            None
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_state_budget_exhaustion_stops() {
        let config = RetryConfig::default()
            .with_max_attempts(100)
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(1))
            .with_total_budget(Duration::from_secs(5));
        let mut state = RetryState::new(config);
        let mut waits = 0;
        while let Some(d) = state.next_delay_with(RETRY, 1.0) {
            sleep(d).await;
            waits += 1;
        }
        assert_eq!(waits, 5);
        // Time spent waiting (not attempts) ended it.
        assert!(state.attempt() < config.max_attempts);
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_waits_do_not_use_up_failure_attempts() {
        let mut state = RetryState::new(RetryConfig::default().with_max_attempts(4));
        let throttled = RetryAction::Throttled { after: None };
        for _ in 0..8 {
            assert!(state.next_delay_with(throttled, 0.0).is_some());
        }
        assert_eq!(state.next_delay_with(throttled, 0.0), None, "max_throttled");
        for _ in 0..3 {
            assert!(state.next_delay_with(RETRY, 0.0).is_some());
        }
        assert_eq!(state.next_delay_with(RETRY, 0.0), None, "max_attempts");
        assert_eq!(state.attempt(), 12);
    }
}
