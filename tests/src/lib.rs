//! The conformance harness: one simulator per case, and a client per provider
//! pointed at it, so one set of cases (in `tests/conformance/`) runs against
//! EDIS, IONOS and ECL alike.
//!
//! A case is an `async fn` generic over [`Subject`] (a [`PtrProvider`] the
//! harness knows how to connect). It receives a [`World`]: the provider
//! under test and the [`Simulator`] behind it. Cases call only the
//! `PtrProvider` methods, the `revdns_core::sync` functions and the
//! simulator; what differs per provider (which counters are writes, where
//! the simulator keeps the records, how credentials expire) is answered here,
//! in provider-neutral terms.
//!
//! Clients retry fast: [`fast_retry`] waits milliseconds, never seconds.

pub mod loopback;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use revdns_core::reverse::parse_reverse_name;
use revdns_core::{
    ApplyReport, Hostname, Outcome, ProviderId, PtrProvider, PtrRecord, RetryConfig,
};
pub use revdns_sim::{FaultCounts, Faults, RateLimit, SimConfig, Simulator, demo};

/// The simulator's seed in every case, so a failing run replays the same
/// fault draws (for the same order of requests).
pub const SEED: u64 = 0x7265_7664_6e73;

/// An address none of the demo accounts owns (TEST-NET-3): outside every
/// EDIS block, IONOS block and ECL reverse zone.
pub const FOREIGN_IP: &str = "203.0.113.7";

/// How the clients under test retry: many quick attempts, with waits of a
/// few milliseconds, so fault cases converge without slowing the suite
/// (a request refused by [`World::flaky`]'s rate limit may take a dozen).
pub fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(50)
        .with_max_throttled(50)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(8))
        .with_total_budget(Duration::from_secs(20))
}

/// A provider client the harness can point at the simulator.
pub trait Subject: PtrProvider + Sized + 'static {
    /// The provider it talks to.
    const ID: ProviderId;

    /// The client's concurrency setting (it also sizes the rate limit of
    /// [`World::flaky`]).
    const IN_FLIGHT: u32;

    /// Most requests the client may have out at once, as it documents it
    /// (ECL: that many writes in each of the zones it works on at once).
    const MOST_IN_FLIGHT: u32 = Self::IN_FLIGHT;

    /// A client for the demo account of `sim`, with [`fast_retry`].
    fn connect(sim: &Simulator) -> Self {
        Self::connect_tuned(sim, &Tuning::default())
    }

    /// [`connect`](Subject::connect) with the limits of `tuning`.
    fn connect_tuned(sim: &Simulator, tuning: &Tuning) -> Self;
}

/// What a case changes about the client under test.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Time limit of each attempt.
    pub timeout: Duration,
    /// Deadline of each operation.
    pub deadline: Option<Duration>,
    /// Log in with a password (or token) the simulator does not know.
    pub wrong_secret: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            timeout: Duration::from_secs(30),
            deadline: Some(Duration::from_secs(120)),
            wrong_secret: false,
        }
    }
}

/// The demo secret, or one the simulator rejects.
fn secret<'a>(real: &'a str, tuning: &Tuning) -> &'a str {
    if tuning.wrong_secret {
        "not-the-secret"
    } else {
        real
    }
}

impl Subject for revdns_edis::Client {
    const ID: ProviderId = ProviderId::Edis;
    // Chunks go one after another.
    const IN_FLIGHT: u32 = 1;

    fn connect_tuned(sim: &Simulator, tuning: &Tuning) -> Self {
        revdns_edis::Client::builder()
            .credentials(revdns_edis::Credentials::new(
                demo::EDIS_EMAIL,
                secret(demo::EDIS_PASSWORD, tuning),
            ))
            .timeout(tuning.timeout)
            .deadline(tuning.deadline)
            .kvm_id(demo::EDIS_KVM_ID)
            .auth_base_url(sim.edis_url())
            .ptr_base_url(sim.edis_url())
            // Smaller than the default 50 so that the 20- and 40-IP cases
            // span several chunks, as large batches do in real use.
            .chunk_size(10)
            .retry(fast_retry())
            .build()
            .expect("the EDIS client builds")
    }
}

impl Subject for revdns_ionos::Client {
    const ID: ProviderId = ProviderId::Ionos;
    const IN_FLIGHT: u32 = 8;

    fn connect_tuned(sim: &Simulator, tuning: &Tuning) -> Self {
        revdns_ionos::Client::builder()
            .base_url(sim.ionos_url())
            .token(secret(demo::IONOS_TOKEN, tuning))
            .timeout(tuning.timeout)
            .deadline(tuning.deadline)
            .concurrency(Self::IN_FLIGHT as usize)
            .retry(fast_retry())
            .build()
            .expect("the IONOS client builds")
    }
}

impl Subject for revdns_ecl::Client {
    const ID: ProviderId = ProviderId::Ecl;
    const IN_FLIGHT: u32 = 4;
    const MOST_IN_FLIGHT: u32 = Self::IN_FLIGHT * revdns_ecl::ZONES_IN_FLIGHT as u32;

    fn connect_tuned(sim: &Simulator, tuning: &Tuning) -> Self {
        revdns_ecl::Client::builder()
            .auth_url(sim.ecl_url())
            .username(demo::ECL_USERNAME)
            .password(secret(demo::ECL_PASSWORD, tuning))
            .timeout(tuning.timeout)
            .deadline(tuning.deadline)
            .project_id(demo::ECL_PROJECT_ID)
            .region(demo::ECL_REGION)
            .concurrency(Self::IN_FLIGHT as usize)
            .retry(fast_retry())
            // The simulator shows new recordsets at once unless told
            // otherwise; a short budget keeps a lagging read from stalling.
            .consistency_budget(Duration::from_secs(1))
            .build()
            .expect("the ECL client builds")
    }
}

/// Operations that change records, per provider (simulator counter names).
fn write_operations(provider: ProviderId) -> &'static [&'static str] {
    match provider {
        ProviderId::Edis => &["setPTR", "deletePTR"],
        ProviderId::Ionos => &[
            "reverserecordsPost",
            "reverserecordsPut",
            "reverserecordsDelete",
        ],
        ProviderId::Ecl => &[
            "createRecordset",
            "updateRecordset",
            "deleteRecordset",
            "deleteRecordsets",
        ],
        _ => &[],
    }
}

/// The operation that creates a session or token, per provider.
fn auth_operation(provider: ProviderId) -> Option<&'static str> {
    match provider {
        ProviderId::Edis => Some("createAuthSession"),
        ProviderId::Ecl => Some("createToken"),
        _ => None,
    }
}

/// One case's world: a fresh demo simulator and the provider under test.
#[derive(Debug)]
pub struct World<P> {
    /// The simulator serving the provider.
    pub sim: Simulator,
    /// The client under test.
    pub provider: P,
}

impl<P: Subject> World<P> {
    /// Starts a demo simulator seeded with [`SEED`] and connects a client.
    /// Connecting sends nothing: the counters start at zero.
    pub async fn start() -> Self {
        let sim = Simulator::start(SimConfig::demo().seed(SEED))
            .await
            .expect("the simulator starts");
        let provider = P::connect(&sim);
        World { sim, provider }
    }

    /// The provider under test.
    pub fn id(&self) -> ProviderId {
        P::ID
    }

    /// The PTRs the simulator holds for the demo account, as IP -> target
    /// (lower case, no trailing dot).
    ///
    /// # Panics
    ///
    /// When the simulator holds two PTRs for one IP (a duplicated create).
    pub fn records(&self) -> BTreeMap<IpAddr, String> {
        let plain = |t: &str| t.trim_end_matches('.').to_ascii_lowercase();
        match P::ID {
            ProviderId::Edis => self
                .sim
                .edis_ptrs(demo::EDIS_KVM_ID)
                .into_iter()
                .map(|(ip, t)| (ip, plain(&t)))
                .collect(),
            ProviderId::Ionos => self
                .sim
                .ionos_records()
                .into_iter()
                .map(|(ip, r)| (ip, plain(&r.name)))
                .collect(),
            ProviderId::Ecl => {
                let mut out = BTreeMap::new();
                for zone in demo::ECL_ZONES {
                    for rs in self.sim.ecl_recordsets(zone) {
                        if rs.record_type != "PTR" {
                            continue;
                        }
                        let ip = parse_reverse_name(&rs.name).unwrap_or_else(|e| {
                            panic!("the simulator holds a PTR named {}: {e}", rs.name)
                        });
                        if let Some(first) = out.insert(ip, plain(&rs.value)) {
                            panic!(
                                "the simulator holds two PTRs for {ip}: {first} and {}",
                                rs.value
                            );
                        }
                    }
                }
                out
            }
            other => panic!("no simulator records for {other}"),
        }
    }

    /// Requests received for operations that change records.
    pub fn writes(&self) -> u64 {
        write_operations(P::ID)
            .iter()
            .map(|op| self.sim.request_count(P::ID, op))
            .sum()
    }

    /// Every request the provider's endpoint received, faults included.
    pub fn requests(&self) -> u64 {
        self.sim
            .request_counts()
            .into_iter()
            .filter(|((p, _), _)| *p == P::ID)
            .map(|(_, n)| n)
            .sum()
    }

    /// Connections the provider's endpoint accepted so far.
    pub fn connections(&self) -> u64 {
        self.sim.connections(P::ID)
    }

    /// Requests for one operation (the simulator's operationId).
    pub fn count(&self, operation: &str) -> u64 {
        self.sim.request_count(P::ID, operation)
    }

    /// Session or token requests; `None` for a provider with static tokens.
    pub fn auth_requests(&self) -> Option<u64> {
        auth_operation(P::ID).map(|op| self.count(op))
    }

    /// Sets every counter back to zero.
    pub fn reset_counts(&self) {
        self.sim.reset_counts();
    }

    /// Makes the credentials in use invalid: EDIS sessions and ECL tokens
    /// end (a client may get new ones); the IONOS token is marked expired
    /// (nothing renews a bearer token).
    pub fn expire_credentials(&self) {
        match P::ID {
            ProviderId::Edis => self.sim.expire_edis_sessions(),
            ProviderId::Ecl => self.sim.expire_ecl_tokens(),
            ProviderId::Ionos => {
                assert!(self.sim.set_ionos_token_expired(demo::IONOS_TOKEN, true));
            }
            other => panic!("no credentials to expire for {other}"),
        }
    }

    /// Replaces the provider's faults.
    pub fn set_faults(&self, faults: Faults) {
        self.sim.set_faults(P::ID, faults);
    }

    /// Requests of the provider that a fault refused.
    pub fn fault_counts(&self) -> FaultCounts {
        self.sim.fault_counts(P::ID)
    }

    /// A misbehaving server sized to the client: 10 % of answers 503, a
    /// latency `L`, and a rate limit of as many requests per window of
    /// `5 × L` as the client keeps in flight, answered 429 with
    /// `Retry-After: 0`. `L` is 4 ms, or 12 ms for a client that sends one
    /// request at a time, so that it too is certain to send two requests
    /// inside one window even on a busy machine.
    ///
    /// The latency comes before the rate-limit check and paces the client's
    /// immediate retries after a 429: each request in flight is checked at
    /// most once in the first `L` of a window, when the budget admits them
    /// all, so a refused request waits at most about one window (five
    /// attempts) and stays far from [`fast_retry`]'s limit.
    pub fn flaky(&self) -> Faults {
        let latency = Duration::from_millis(if P::IN_FLIGHT == 1 { 12 } else { 4 });
        Faults::none()
            .latency(latency)
            .service_unavailable(0.10)
            .rate_limit(RateLimit::new(P::IN_FLIGHT, latency * 5).retry_after(Duration::ZERO))
    }
}

/// A host name; panics on an invalid one (test data only).
pub fn host(name: &str) -> Hostname {
    Hostname::new(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// An IP address; panics on an invalid one (test data only).
pub fn ip(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not an IP address: {e}"))
}

/// A PTR record without TTL or comment.
pub fn ptr(ip_text: &str, target: &str) -> PtrRecord {
    PtrRecord::new(ip(ip_text), host(target))
}

/// `n` distinct addresses inside the demo blocks, alternating IPv4 and IPv6
/// as long as IPv4 lasts: 192.0.2.1-254, 198.51.100.1-254, then
/// 2001:db8::1 onwards.
///
/// # Panics
///
/// Never for `n` below 2^16.
pub fn addresses(n: usize) -> Vec<IpAddr> {
    let v4 = (1..=254u8)
        .map(|i| ip(&format!("192.0.2.{i}")))
        .chain((1..=254u8).map(|i| ip(&format!("198.51.100.{i}"))));
    let mut v4 = v4.peekable();
    let mut v6 = (1..=u16::MAX).map(|i| ip(&format!("2001:db8::{i:x}")));
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let next = if out.len() % 2 == 0 && v4.peek().is_some() {
            v4.next()
        } else {
            v6.next()
        };
        out.push(next.expect("enough addresses"));
    }
    out
}

/// One record per address, each pointing to `h<index>.<domain>`.
pub fn records_for(ips: &[IpAddr], domain: &str) -> Vec<PtrRecord> {
    ips.iter()
        .enumerate()
        .map(|(i, ip)| PtrRecord::new(*ip, host(&format!("h{i}.{domain}"))))
        .collect()
}

/// What [`World::records`] should show for `records`.
pub fn expected(records: &[PtrRecord]) -> BTreeMap<IpAddr, String> {
    records
        .iter()
        .map(|r| (r.ip, r.target.as_str().to_owned()))
        .collect()
}

/// An outcome's name: `created`, `updated`, `deleted`, `unchanged` or
/// `failed`, for comparing reports with lists.
pub fn outcome_name(outcome: &Outcome) -> &'static str {
    outcome.name()
}

/// The outcome names of a report, in order.
pub fn outcomes(report: &ApplyReport) -> Vec<&'static str> {
    report.iter().map(|r| outcome_name(&r.outcome)).collect()
}

/// Panics, listing every failure, unless every change of `report` succeeded.
pub fn assert_success(report: &ApplyReport) {
    let failures: Vec<String> = report
        .failures()
        .map(|r| format!("{}: {:?}", r.change.ip(), r.outcome))
        .collect();
    assert!(failures.is_empty(), "failed changes: {failures:#?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_distinct_and_mix_families() {
        let ips = addresses(1000);
        let unique: std::collections::BTreeSet<_> = ips.iter().collect();
        assert_eq!(unique.len(), 1000);
        assert_eq!(ips[0], ip("192.0.2.1"));
        assert_eq!(ips[1], ip("2001:db8::1"));
        assert_eq!(ips.iter().filter(|i| i.is_ipv4()).count(), 500);
    }
}
