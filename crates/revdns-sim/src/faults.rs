//! Fault injection: latency, rate limits, 5xx answers, dropped connections,
//! lost answers, and the shapes of answers (HTML error pages, endless
//! pages, oversized bodies).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How one provider misbehaves. [`Faults::none`] (the default) is a
/// well-behaved server.
///
/// Set at start with [`SimConfig::faults`](crate::SimConfig::faults) or at run
/// time with [`Simulator::set_faults`](crate::Simulator::set_faults). Every
/// request goes through the same steps, in this order: it is counted, waits
/// `latency` plus a uniform share of `jitter`, is refused with 429 when its
/// credential is over the rate limit, and then one random draw decides
/// between a dropped connection, a 503, a 502 and a normal answer (the shares
/// are taken in that order from one number in `0..1`, so their sum is capped
/// at 1). A request served normally then takes a second, separate draw for
/// [`lost_answers`](Faults::lost_answers): the handler has run (its change is
/// applied) but the connection is cut before the answer is sent. Both draws
/// come from the provider's seeded RNG, so a run replays per seed.
///
/// The other settings change what an answer looks like, not whether it is
/// sent: [`html_errors`](Faults::html_errors) (fault answers as a load
/// balancer's HTML page), [`endless_pages`](Faults::endless_pages) (lists that
/// never end) and [`oversized_bodies`](Faults::oversized_bodies) (read answers
/// padded to a size).
///
/// ```
/// use std::time::Duration;
/// use revdns_sim::{Faults, RateLimit};
///
/// let flaky = Faults::none()
///     .latency(Duration::from_millis(2))
///     .jitter(Duration::from_millis(3))
///     .rate_limit(RateLimit::new(50, Duration::from_secs(1)))
///     .service_unavailable(0.10)
///     .dropped_connections(0.01);
/// assert_eq!(flaky.service_unavailable, 0.10);
/// ```
///
/// It (de)serialises as the admin API's JSON (see [`admin`](crate::admin)):
/// durations in milliseconds (`latency_ms`, …), a field left out is off.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Time from a request's arrival to its answer. The handler acts
    /// halfway through (the request's way in); the answer leaves at the
    /// end, however long the handler took within that second half (the way
    /// out), as a server's own work sits inside a real round trip.
    #[serde(rename = "latency_ms", with = "millis")]
    pub latency: Duration,
    /// Upper bound of an extra uniform random delay.
    #[serde(rename = "jitter_ms", with = "millis")]
    pub jitter: Duration,
    /// A request budget per credential, answered with 429 and `Retry-After`.
    pub rate_limit: Option<RateLimit>,
    /// Share (`0.0..=1.0`) of requests answered with 503.
    pub service_unavailable: f64,
    /// Share (`0.0..=1.0`) of requests answered with 502.
    pub bad_gateway: f64,
    /// Share (`0.0..=1.0`) of requests whose connection is closed without an answer.
    pub dropped_connections: f64,
    /// Share (`0.0..=1.0`) of normally served requests whose answer is lost:
    /// the simulator processes the request (a write really changes the
    /// state), then cuts the connection instead of sending the answer, as a
    /// proxy that drops the answer after the server applied the write.
    /// Drawn separately from the shares above; counted as
    /// [`FaultCounts::lost`].
    pub lost_answers: f64,
    /// Fault answers (the 429, 502 and 503 above, and the 502 a dropped
    /// connection would have had) carry a `text/html` error page, as a load
    /// balancer in front of the API sends, instead of the provider's JSON
    /// error body. Status and `Retry-After` stay the same.
    pub html_errors: bool,
    /// A broken server whose lists never end: IONOS `GET /reverserecords`
    /// (list and filtered find) answers every offset with a full page of
    /// `limit` items, padded with made-up records with fresh ids (matching
    /// the `filter.recordIp` filter when there is one) and always a
    /// `_links.next`; ECL `listRecordsets` pads every page to `limit` with
    /// made-up `TXT` recordsets with fresh ids and always has `links.next`,
    /// with the last made-up id as its marker (an unknown marker is then a
    /// page of made-up items, not 400). The made-up items are not stored.
    /// Clients must stop on their own.
    pub endless_pages: bool,
    /// Successful JSON answers of the read operations (EDIS `getPTR`, IONOS
    /// `reverserecordsGet`/`reverserecordsFindById`, ECL `listZones`,
    /// `showZone`, `listZoneNameservers`, `listRecordsets`, `showRecordset`)
    /// are padded with trailing spaces, which JSON allows, to at least this
    /// many bytes. The answer is streamed (chunked, no `Content-Length`):
    /// its JSON in pieces of 100 bytes, so that a client must join chunks
    /// to read it, then the padding, which the simulator never holds.
    pub oversized_bodies: Option<usize>,
    /// Every request (after the rate limit) is answered with this status
    /// and the provider's own error body, unprocessed: a way to see what a
    /// client makes of a 403, 404 or 409 on any operation.
    pub forced_status: Option<u16>,
    /// Lifetime of EDIS sessions and ECL Keystone tokens issued from now on
    /// (`None`: one hour). IONOS tokens are minted outside the DNS API; see
    /// [`Simulator::set_ionos_token_expired`](crate::Simulator::set_ionos_token_expired).
    #[serde(rename = "session_lifetime_ms", with = "millis_opt")]
    pub session_lifetime: Option<Duration>,
    /// ECL only: how long a just-created recordset still answers 404 to
    /// `showRecordset` (NTT's own tools retry for this).
    #[serde(rename = "not_found_after_create_ms", with = "millis")]
    pub not_found_after_create: Duration,
    /// ECL only: how long a just-created zone stays `CREATING` before it is
    /// `ACTIVE` (the create answer itself is always `CREATING`).
    #[serde(rename = "zone_activation_ms", with = "millis")]
    pub zone_activation: Duration,
}

impl Faults {
    /// A well-behaved server: no delay, no refusals.
    pub fn none() -> Self {
        Faults::default()
    }

    /// Sets [`Faults::latency`].
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets [`Faults::jitter`].
    #[must_use]
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets [`Faults::rate_limit`].
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Sets [`Faults::service_unavailable`] (clamped to `0.0..=1.0`).
    #[must_use]
    pub fn service_unavailable(mut self, share: f64) -> Self {
        self.service_unavailable = clamp_share(share);
        self
    }

    /// Sets [`Faults::bad_gateway`] (clamped to `0.0..=1.0`).
    #[must_use]
    pub fn bad_gateway(mut self, share: f64) -> Self {
        self.bad_gateway = clamp_share(share);
        self
    }

    /// Sets [`Faults::dropped_connections`] (clamped to `0.0..=1.0`).
    #[must_use]
    pub fn dropped_connections(mut self, share: f64) -> Self {
        self.dropped_connections = clamp_share(share);
        self
    }

    /// Sets [`Faults::lost_answers`] (clamped to `0.0..=1.0`).
    #[must_use]
    pub fn lost_answers(mut self, share: f64) -> Self {
        self.lost_answers = clamp_share(share);
        self
    }

    /// Sets [`Faults::html_errors`].
    #[must_use]
    pub fn html_errors(mut self, yes: bool) -> Self {
        self.html_errors = yes;
        self
    }

    /// Sets [`Faults::endless_pages`].
    #[must_use]
    pub fn endless_pages(mut self, yes: bool) -> Self {
        self.endless_pages = yes;
        self
    }

    /// Sets [`Faults::oversized_bodies`]: read answers of at least `bytes`.
    #[must_use]
    pub fn oversized_bodies(mut self, bytes: usize) -> Self {
        self.oversized_bodies = Some(bytes);
        self
    }

    /// Sets [`Faults::forced_status`].
    #[must_use]
    pub fn forced_status(mut self, status: u16) -> Self {
        self.forced_status = Some(status);
        self
    }

    /// Sets [`Faults::session_lifetime`].
    #[must_use]
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_lifetime = Some(lifetime);
        self
    }

    /// Sets [`Faults::not_found_after_create`].
    #[must_use]
    pub fn not_found_after_create(mut self, window: Duration) -> Self {
        self.not_found_after_create = window;
        self
    }

    /// Sets [`Faults::zone_activation`].
    #[must_use]
    pub fn zone_activation(mut self, delay: Duration) -> Self {
        self.zone_activation = delay;
        self
    }
}

fn clamp_share(share: f64) -> f64 {
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

/// A fixed-window request budget per credential (EDIS account, IONOS token,
/// ECL user), so re-authenticating does not reset it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Length of a window.
    #[serde(rename = "per_ms", with = "millis")]
    pub per: Duration,
    /// `Retry-After` to send; `None`: the time left in the window, rounded up
    /// to whole seconds.
    #[serde(rename = "retry_after_ms", with = "millis_opt", default)]
    pub retry_after: Option<Duration>,
    /// Send `Retry-After` as an HTTP date instead of delta-seconds.
    #[serde(default)]
    pub http_date: bool,
}

/// A duration as whole milliseconds, for the admin API's JSON.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// [`millis`] for an optional duration (`null` or absent: none).
mod millis_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::millis::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<u64>::deserialize(d).map(|ms| ms.map(Duration::from_millis))
    }
}

impl RateLimit {
    /// `requests` per `per`, with an honest `Retry-After` in seconds.
    pub fn new(requests: u32, per: Duration) -> Self {
        RateLimit {
            requests,
            per,
            retry_after: None,
            http_date: false,
        }
    }

    /// Always answers with this `Retry-After` (whole seconds on the wire), for
    /// example zero so that tests do not wait.
    #[must_use]
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Sends `Retry-After` as an HTTP date.
    #[must_use]
    pub fn as_http_date(mut self) -> Self {
        self.http_date = true;
        self
    }
}

/// How many requests of one provider a fault refused or cut, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Answered 429.
    pub rate_limited: u64,
    /// Answered 503.
    pub service_unavailable: u64,
    /// Answered 502.
    pub bad_gateway: u64,
    /// Closed without an answer.
    pub dropped: u64,
    /// Served (a write applied), then closed without sending the answer.
    pub lost: u64,
}

/// What a fault did to one request instead of serving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 429 with this `Retry-After` header value.
    RateLimited(String),
    ServiceUnavailable,
    BadGateway,
    Dropped,
    /// [`Faults::forced_status`], with a message for the body.
    Status(u16),
}

impl Refusal {
    /// The status and message of a forced answer.
    pub(crate) fn forced(status: u16) -> (axum::http::StatusCode, &'static str) {
        let status = axum::http::StatusCode::from_u16(status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, "Answer forced by the simulator.")
    }
}

#[derive(Debug)]
struct Window {
    started: Instant,
    used: u32,
}

/// The per-provider fault state: settings, seeded RNG, rate-limit windows
/// and refusal counters.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    faults: RwLock<Faults>,
    rng: Mutex<StdRng>,
    windows: Mutex<HashMap<String, Window>>,
    counts: [AtomicU64; 5],
}

impl FaultEngine {
    pub(crate) fn new(faults: Faults, seed: u64) -> Self {
        FaultEngine {
            faults: RwLock::new(faults),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            windows: Mutex::new(HashMap::new()),
            counts: Default::default(),
        }
    }

    pub(crate) fn faults(&self) -> Faults {
        *self.faults.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the settings; rate-limit windows start afresh.
    pub(crate) fn set(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = faults;
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Runs `f` with the provider's seeded RNG (ids, signatures, fault draws).
    pub(crate) fn with_rng<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        f(&mut self.rng.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies latency, the rate limit and the random faults to one request
    /// from credential `key`: its refusal (`None` means serve it), and when
    /// its answer is due (see [`Faults::latency`]).
    pub(crate) async fn admit(&self, key: &str) -> (Option<Refusal>, Option<Instant>) {
        let arrived = Instant::now();
        let faults = self.faults();
        let mut delay = faults.latency;
        if !faults.jitter.is_zero() {
            let extra = self.with_rng(|r| r.random::<f64>());
            delay += faults.jitter.mul_f64(extra);
        }
        let answer_at = (!delay.is_zero()).then(|| arrived + delay);
        if answer_at.is_some() {
            tokio::time::sleep_until(arrived + delay / 2).await;
        }
        (self.refusal(key, faults), answer_at)
    }

    /// The rate limit's and the random faults' verdict on one request.
    fn refusal(&self, key: &str, faults: Faults) -> Option<Refusal> {
        if let Some(limit) = faults.rate_limit
            && let Some(retry_after) = self.over_limit(key, limit)
        {
            self.counts[0].fetch_add(1, Ordering::Relaxed);
            return Some(Refusal::RateLimited(retry_after));
        }
        if let Some(status) = faults.forced_status {
            return Some(Refusal::Status(status));
        }
        let drop = faults.dropped_connections;
        let unavailable = drop + faults.service_unavailable;
        let bad_gateway = unavailable + faults.bad_gateway;
        if bad_gateway > 0.0 {
            let draw = self.with_rng(|r| r.random::<f64>());
            let (refusal, slot) = if draw < drop {
                (Refusal::Dropped, 3)
            } else if draw < unavailable {
                (Refusal::ServiceUnavailable, 1)
            } else if draw < bad_gateway {
                (Refusal::BadGateway, 2)
            } else {
                return None;
            };
            self.counts[slot].fetch_add(1, Ordering::Relaxed);
            return Some(refusal);
        }
        None
    }

    /// The second draw, for a request [`admit`](Self::admit) let through:
    /// whether its answer is to be lost after it has been served.
    pub(crate) fn lose_answer(&self) -> bool {
        let share = self.faults().lost_answers;
        if share <= 0.0 {
            return false;
        }
        let lost = self.with_rng(|r| r.random::<f64>()) < share;
        if lost {
            self.counts[4].fetch_add(1, Ordering::Relaxed);
        }
        lost
    }

    /// Counts the request against `key`'s window; `Some(Retry-After)` when over.
    fn over_limit(&self, key: &str, limit: RateLimit) -> Option<String> {
        let now = Instant::now();
        let left = {
            let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
            let window = windows.entry(key.to_owned()).or_insert(Window {
                started: now,
                used: 0,
            });
            if now.duration_since(window.started) >= limit.per {
                window.started = now;
                window.used = 0;
            }
            if window.used < limit.requests {
                window.used += 1;
                return None;
            }
            limit.per.saturating_sub(now.duration_since(window.started))
        };
        let after = limit.retry_after.unwrap_or_else(|| {
            // Round up, so a client that obeys is not refused again.
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            Duration::from_secs(secs)
        });
        Some(if limit.http_date {
            httpdate::fmt_http_date(SystemTime::now() + after)
        } else {
            after.as_secs().to_string()
        })
    }

    pub(crate) fn counts(&self) -> FaultCounts {
        let get = |i: usize| self.counts[i].load(Ordering::Relaxed);
        FaultCounts {
            rate_limited: get(0),
            service_unavailable: get(1),
            bad_gateway: get(2),
            dropped: get(3),
            lost: get(4),
        }
    }

    pub(crate) fn reset_counts(&self) {
        for c in &self.counts {
            c.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_clamped() {
        let f = Faults::none()
            .service_unavailable(1.5)
            .bad_gateway(-1.0)
            .dropped_connections(f64::NAN)
            .lost_answers(2.0);
        assert_eq!(f.service_unavailable, 1.0);
        assert_eq!(f.bad_gateway, 0.0);
        assert_eq!(f.dropped_connections, 0.0);
        assert_eq!(f.lost_answers, 1.0);
    }

    #[test]
    fn engine_lost_answers_are_a_separate_counted_draw() {
        let e = FaultEngine::new(Faults::none().lost_answers(1.0), 1);
        assert!(e.lose_answer());
        assert_eq!(e.counts().lost, 1);
        e.set(Faults::none());
        assert!(!e.lose_answer());
        assert_eq!(e.counts().lost, 1);
    }

    #[tokio::test]
    async fn engine_same_seed_gives_same_lost_answers() {
        let faults = Faults::none().service_unavailable(0.2).lost_answers(0.3);
        let run = |seed| async move {
            let e = FaultEngine::new(faults, seed);
            let mut seen = Vec::new();
            for _ in 0..64 {
                let refusal = e.admit("k").await.0;
                seen.push((refusal.is_none() && e.lose_answer(), refusal));
            }
            seen
        };
        let first = run(3).await;
        assert_eq!(first, run(3).await);
        assert!(first.iter().any(|(lost, _)| *lost));
        assert!(first.iter().any(|(lost, r)| !*lost && r.is_none()));
    }

    #[tokio::test]
    async fn engine_without_faults_admits_everything() {
        let e = FaultEngine::new(Faults::none(), 1);
        for _ in 0..100 {
            assert_eq!(e.admit("k").await.0, None);
        }
        assert_eq!(e.counts(), FaultCounts::default());
    }

    #[tokio::test]
    async fn engine_rate_limit_refuses_over_budget_per_key() {
        let limit = RateLimit::new(2, Duration::from_secs(3600));
        let e = FaultEngine::new(Faults::none().rate_limit(limit), 1);
        assert_eq!(e.admit("a").await.0, None);
        assert_eq!(e.admit("a").await.0, None);
        assert_eq!(
            e.admit("a").await.0,
            Some(Refusal::RateLimited("3600".to_owned()))
        );
        assert_eq!(e.admit("b").await.0, None, "budgets are per credential");
        assert_eq!(e.counts().rate_limited, 1);
    }

    #[tokio::test]
    async fn engine_rate_limit_retry_after_override_and_http_date() {
        let limit = RateLimit::new(0, Duration::from_secs(60)).retry_after(Duration::ZERO);
        let e = FaultEngine::new(Faults::none().rate_limit(limit), 1);
        assert_eq!(e.admit("a").await.0, Some(Refusal::RateLimited("0".into())));
        e.set(Faults::none().rate_limit(limit.as_http_date()));
        let Some(Refusal::RateLimited(date)) = e.admit("a").await.0 else {
            panic!("expected a 429");
        };
        assert!(httpdate::parse_http_date(&date).is_ok(), "{date}");
    }

    #[tokio::test]
    async fn engine_all_dropped_when_share_is_one() {
        let e = FaultEngine::new(Faults::none().dropped_connections(1.0), 1);
        assert_eq!(e.admit("a").await.0, Some(Refusal::Dropped));
        assert_eq!(e.counts().dropped, 1);
        e.reset_counts();
        assert_eq!(e.counts(), FaultCounts::default());
    }

    #[tokio::test]
    async fn engine_same_seed_gives_same_fault_sequence() {
        let faults = Faults::none()
            .service_unavailable(0.3)
            .bad_gateway(0.2)
            .dropped_connections(0.1);
        let run = |seed| async move {
            let e = FaultEngine::new(faults, seed);
            let mut seen = Vec::new();
            for _ in 0..64 {
                seen.push(e.admit("k").await.0);
            }
            seen
        };
        let first = run(7).await;
        assert_eq!(first, run(7).await);
        assert_ne!(first, run(8).await);
        assert!(first.iter().any(Option::is_none));
        assert!(first.contains(&Some(Refusal::ServiceUnavailable)));
    }
}
