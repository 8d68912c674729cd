//! Fault soak: what `revdns::ensure` does on each provider when the network
//! and the server misbehave the way real ones do, judged by the simulator's
//! own state rather than by the client's report.
//!
//! ```text
//! cargo bench -p revdns --bench soak                           # 10,000 PTRs per provider
//! cargo bench -p revdns --bench soak -- --count 2000 --provider ionos
//! cargo bench -p revdns --bench soak -- --quick                # 500 PTRs
//! ```
//!
//! Per provider, in a fresh in-process `revdns-sim`: N PTRs (half IPv4 in
//! 198.18.0.0/15, 250 per /24 with one ECL reverse zone each; half IPv6 in
//! 2001:db8::/64, one ECL zone), each to its own hostname, under 10 % 503,
//! 1 % dropped connections, 1 % lost answers (applied, then cut), a rate
//! limit per credential with an honest `Retry-After`, and 5 s sessions and
//! tokens. The clients keep their default retry and timeout settings.
//!
//! 1. Pass 1: one `ensure` of all N. `first_pass_failed` counts `Failed`
//!    results; `lies` counts results the simulator's state contradicts (a
//!    success whose IP does not hold exactly its target, a failure whose
//!    target did land); `duplicates` counts IPs holding more than one PTR.
//! 2. `ensure` again, faults still on, until the state is exact (every IP
//!    holds exactly its target, once), at most 5 passes in all; `passes`
//!    counts pass 1.
//! 3. Race: two clients `apply` different targets to the same 600 IPs at
//!    once; duplicates afterwards are added to `duplicates`.
//!
//! Each provider prints one line for scripts,
//! `soak <provider>: first_pass_failed=N lies=N duplicates=N passes=N requests=N wall_s=S`
//! (`requests`: everything the simulator counted for the provider over the
//! whole run; `wall_s`: pass 1), then details: requests by operation, fault
//! counts, sessions issued, the race, and pass 1's failures grouped by
//! message. Every phase is bounded by a 10-minute deadline per provider. It
//! asserts nothing about time; it exits non-zero unless every line reads
//! `first_pass_failed=0 lies=0 duplicates=0 passes=1`.
// A harness binary: printing the figures is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::env;
use std::error::Error as StdError;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;
use std::time::Duration;

use revdns::{
    AnyProvider, ApplyReport, Hostname, Outcome, ProviderId, PtrChange, PtrProvider, PtrRecord,
};
use revdns_sim::{
    EclUser, EclZone, EdisAccount, EdisKvm, FaultCounts, Faults, IonosToken, RateLimit, SimConfig,
    Simulator, demo,
};
use tokio::time::Instant;

type BoxError = Box<dyn StdError>;

const V4_BLOCK: &str = "198.18.0.0/15";
const V6_BLOCK: &str = "2001:db8::/64";
const V6_ZONE: &str = "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
/// IPv4 addresses per /24 (and per ECL reverse zone).
const PER_ZONE: usize = 250;
const SEED: u64 = 2024;
const SESSION_LIFETIME: Duration = Duration::from_secs(5);
const MAX_PASSES: usize = 5;
const RACE_IPS: usize = 600;
const PROVIDER_DEADLINE: Duration = Duration::from_secs(600);
/// Failure messages shown per provider.
const SHOWN_FAILURES: usize = 8;

/// The budget per credential, by what one request carries: an EDIS request
/// holds up to 50 IPs (the client's default batch), IONOS and ECL one.
/// Sized so that a 10,000-PTR pass runs into it every second for about a
/// minute, which also outlives several 5 s sessions.
fn rate_limit(provider: ProviderId) -> RateLimit {
    let per_second = match provider {
        ProviderId::Edis => 10,
        _ => 250,
    };
    // No `retry_after` override: the simulator sends the time left in the
    // window, rounded up, so a client that obeys it is not refused again.
    RateLimit::new(per_second, Duration::from_secs(1))
}

fn soak_faults(provider: ProviderId) -> Faults {
    Faults::none()
        .service_unavailable(0.10)
        .dropped_connections(0.01)
        .lost_answers(0.01)
        .rate_limit(rate_limit(provider))
        .session_lifetime(SESSION_LIFETIME)
}

// ------------------------------------------------------------------ options

struct Options {
    count: usize,
    providers: Vec<ProviderId>,
}

fn options() -> Result<Options, String> {
    let mut count = 10_000;
    let mut providers = Vec::new();
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--count" => {
                count = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n: &usize| (2..=2 * 512 * PER_ZONE).contains(n))
                    .ok_or("--count takes a number from 2 to 256000")?;
            }
            "--quick" => count = 500,
            "--provider" => {
                let name = args.next().ok_or("--provider takes edis, ionos or ecl")?;
                let id = ProviderId::ALL
                    .into_iter()
                    .find(|p| p.as_str() == name)
                    .ok_or(format!("unknown provider `{name}`"))?;
                providers.push(id);
            }
            // `cargo bench` adds `--bench` for harness-less benches.
            "--bench" => {}
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if providers.is_empty() {
        providers = ProviderId::ALL.to_vec();
    }
    Ok(Options { count, providers })
}

// ------------------------------------------------------------------ the records

/// The `i`-th IPv4 address: 198.18.0.1 … 198.18.0.250, 198.18.1.1 …
fn v4(i: usize) -> Ipv4Addr {
    let base = u32::from(Ipv4Addr::new(198, 18, 0, 0));
    let (zone, host) = (i / PER_ZONE, i % PER_ZONE);
    Ipv4Addr::from(base + (zone as u32) * 256 + 1 + host as u32)
}

/// The `i`-th IPv6 address: 2001:db8::1:0, 2001:db8::1:1, …
fn v6(i: usize) -> Ipv6Addr {
    Ipv6Addr::from(0x2001_0db8_0000_0000_0000_0000_0001_0000_u128 + i as u128)
}

fn v4_zone(ip: Ipv4Addr) -> String {
    let [a, b, c, _] = ip.octets();
    format!("{c}.{b}.{a}.in-addr.arpa.")
}

/// `n` PTRs, the first half IPv4, the rest IPv6, each to its own host.
fn desired(n: usize) -> Result<Vec<PtrRecord>, BoxError> {
    let v4_count = n / 2;
    (0..n)
        .map(|i| {
            let ip = if i < v4_count {
                IpAddr::V4(v4(i))
            } else {
                IpAddr::V6(v6(i - v4_count))
            };
            let target = Hostname::new(&format!("host-{i}.soak.example.net"))?;
            Ok(PtrRecord::new(ip, target))
        })
        .collect()
}

/// The ECL reverse zones the records need.
fn zones(records: &[PtrRecord]) -> Vec<String> {
    let mut zones: Vec<String> = records
        .iter()
        .filter_map(|r| match r.ip {
            IpAddr::V4(ip) => Some(v4_zone(ip)),
            IpAddr::V6(_) => None,
        })
        .collect();
    zones.dedup();
    zones.push(V6_ZONE.to_owned());
    zones
}

fn sim_config(provider: ProviderId, zones: &[String]) -> SimConfig {
    let mut ecl = EclUser::new(demo::ECL_USERNAME, demo::ECL_PASSWORD, demo::ECL_PROJECT_ID);
    for zone in zones {
        ecl = ecl.zone(EclZone::new(zone));
    }
    SimConfig::new()
        .seed(SEED)
        .edis_account(
            EdisAccount::new(demo::EDIS_EMAIL, demo::EDIS_PASSWORD).kvm(
                EdisKvm::new(demo::EDIS_KVM_ID)
                    .owns(V4_BLOCK)
                    .owns(V6_BLOCK),
            ),
        )
        .ionos_token(
            IonosToken::new(demo::IONOS_TOKEN)
                .block(V4_BLOCK)
                .block(V6_BLOCK),
        )
        .ecl_user(ecl)
        .faults(provider, soak_faults(provider))
}

/// A client of `provider` pointed at `sim`, with the default retry policy,
/// timeouts, batch size and concurrency.
fn client(provider: ProviderId, sim: &Simulator) -> Result<AnyProvider, revdns::Error> {
    Ok(match provider {
        ProviderId::Edis => revdns::edis::Client::builder()
            .credentials(revdns::edis::Credentials::new(
                demo::EDIS_EMAIL,
                demo::EDIS_PASSWORD,
            ))
            .kvm_id(demo::EDIS_KVM_ID)
            .auth_base_url(sim.edis_url())
            .ptr_base_url(sim.edis_url())
            .build()?
            .into(),
        ProviderId::Ionos => revdns::ionos::Client::builder()
            .base_url(sim.ionos_url())
            .token(demo::IONOS_TOKEN)
            .build()?
            .into(),
        _ => revdns::ecl::Client::builder()
            .auth_url(sim.ecl_url())
            .username(demo::ECL_USERNAME)
            .password(demo::ECL_PASSWORD)
            .project_id(demo::ECL_PROJECT_ID)
            .region(demo::ECL_REGION)
            .build()?
            .into(),
    })
}

// ------------------------------------------------------------------ state

/// What the simulator holds: every PTR target per IP (more than one is a
/// duplicate), lower case without the trailing dot.
type State = BTreeMap<IpAddr, Vec<String>>;

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn state(provider: ProviderId, sim: &Simulator, zones: &[String]) -> State {
    let mut state = State::new();
    match provider {
        ProviderId::Edis => {
            for (ip, name) in sim.edis_ptrs(demo::EDIS_KVM_ID) {
                state.entry(ip).or_default().push(normalise(&name));
            }
        }
        ProviderId::Ionos => {
            for record in sim.ionos_record_list() {
                state
                    .entry(record.ip)
                    .or_default()
                    .push(normalise(&record.name));
            }
        }
        _ => {
            for zone in zones {
                for rs in sim.ecl_recordsets(zone) {
                    if rs.record_type != "PTR" {
                        continue;
                    }
                    match revdns::reverse::parse_reverse_name(&rs.name) {
                        Ok(ip) => state.entry(ip).or_default().push(normalise(&rs.value)),
                        Err(_) => {
                            eprintln!("  ecl: PTR recordset {} is not a reverse name", rs.name)
                        }
                    }
                }
            }
        }
    }
    state
}

fn holds_exactly(state: &State, ip: IpAddr, target: &str) -> bool {
    state
        .get(&ip)
        .is_some_and(|held| held.len() == 1 && held[0] == target)
}

fn duplicates<'a>(state: &State, ips: impl IntoIterator<Item = &'a IpAddr>) -> usize {
    ips.into_iter()
        .filter(|ip| state.get(ip).is_some_and(|held| held.len() > 1))
        .count()
}

fn exact(state: &State, records: &[PtrRecord]) -> bool {
    records
        .iter()
        .all(|r| holds_exactly(state, r.ip, &normalise(r.target.as_str())))
}

/// Results the state contradicts: (successes not held exactly, failures that landed).
fn lies(report: &Results, state: &State) -> (usize, usize) {
    let mut false_success = 0;
    let mut false_failure = 0;
    for (change, result) in report {
        let PtrChange::Upsert { ip, target, .. } = change else {
            continue;
        };
        let target = normalise(target.as_str());
        match result {
            Ok(()) if !holds_exactly(state, *ip, &target) => false_success += 1,
            Err(_) if state.get(ip).is_some_and(|held| held.contains(&target)) => {
                false_failure += 1;
            }
            _ => {}
        }
    }
    (false_success, false_failure)
}

/// A failed change: the error's `Display` (the group key, with addresses
/// and host names replaced by `<ip>` and `<host>` so that one kind of
/// failure makes one group) and its full chain as it was.
#[derive(Debug, Clone)]
struct Failure {
    display: String,
    chain: String,
}

impl Failure {
    fn new(e: &revdns::Error, prefix: &str) -> Self {
        Failure {
            display: format!("{prefix}{}", generalise(&e.to_string())),
            chain: format!("{prefix}{}", describe(e)),
        }
    }
}

/// `text` with each word that is an IP address or one of this harness's
/// host names replaced by a placeholder.
fn generalise(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bare = word.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '`' | '\''));
            let bare = match bare.strip_suffix(':') {
                Some(shorter) if bare.parse::<IpAddr>().is_err() => shorter,
                _ => bare,
            };
            if bare.parse::<IpAddr>().is_ok() {
                word.replace(bare, "<ip>")
            } else if bare.trim_end_matches('.').ends_with(".example.net") {
                word.replace(bare, "<host>")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

type Results = Vec<(PtrChange, Result<(), Failure>)>;

/// One `(change, Ok | Err(failure))` per change. An `Err` of the whole
/// apply fails every change with that error.
fn results(changes: &[PtrChange], answer: Result<ApplyReport, revdns::Error>) -> Results {
    match answer {
        Ok(report) => report
            .into_iter()
            .map(|r| {
                let result = match &r.outcome {
                    Outcome::Failed(e) => Err(Failure::new(e, "")),
                    _ => Ok(()),
                };
                (r.change, result)
            })
            .collect(),
        Err(e) => {
            let failure = Failure::new(&e, "whole apply: ");
            changes
                .iter()
                .map(|c| (c.clone(), Err(failure.clone())))
                .collect()
        }
    }
}

/// The error's `Display`, then its sources, each after ` ← `, then the
/// operation and attempts of its metadata.
fn describe(e: &revdns::Error) -> String {
    let mut text = e.to_string();
    if let Some(meta) = e.meta() {
        text.push_str(&format!(
            " [operation {}, {} attempts]",
            meta.operation.as_deref().unwrap_or("?"),
            meta.attempts
        ));
    }
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(" ← ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Failures by `Display` text: how many, and the first one's full chain.
type FailureGroups = BTreeMap<String, (usize, String)>;

fn group_failures(results: &Results, groups: &mut FailureGroups) {
    for (_, result) in results {
        if let Err(failure) = result {
            groups
                .entry(failure.display.clone())
                .or_insert_with(|| (0, failure.chain.clone()))
                .0 += 1;
        }
    }
}

// ------------------------------------------------------------------ counters

#[derive(Debug, Clone, Default)]
struct Counts {
    by_operation: BTreeMap<&'static str, u64>,
    faults: FaultCounts,
}

impl Counts {
    fn take(sim: &Simulator, provider: ProviderId) -> Self {
        Counts {
            by_operation: sim
                .request_counts()
                .into_iter()
                .filter(|((p, _), _)| *p == provider)
                .map(|((_, op), n)| (op, n))
                .collect(),
            faults: sim.fault_counts(provider),
        }
    }

    fn requests(&self) -> u64 {
        self.by_operation.values().sum()
    }

    fn op(&self, name: &str) -> u64 {
        self.by_operation.get(name).copied().unwrap_or(0)
    }

    /// Sessions (EDIS) or tokens (ECL) issued.
    fn logins(&self, provider: ProviderId) -> Option<u64> {
        match provider {
            ProviderId::Edis => Some(self.op("createAuthSession")),
            ProviderId::Ecl => Some(self.op("createToken")),
            _ => None,
        }
    }

    fn minus(&self, before: &Counts) -> Counts {
        let f = |a: u64, b: u64| a.saturating_sub(b);
        Counts {
            by_operation: self
                .by_operation
                .iter()
                .map(|(op, n)| (*op, f(*n, before.op(op))))
                .filter(|(_, n)| *n > 0)
                .collect(),
            faults: FaultCounts {
                rate_limited: f(self.faults.rate_limited, before.faults.rate_limited),
                service_unavailable: f(
                    self.faults.service_unavailable,
                    before.faults.service_unavailable,
                ),
                bad_gateway: f(self.faults.bad_gateway, before.faults.bad_gateway),
                dropped: f(self.faults.dropped, before.faults.dropped),
                lost: f(self.faults.lost, before.faults.lost),
            },
        }
    }
}

// ------------------------------------------------------------------ one provider

struct Pass {
    number: usize,
    wall: Duration,
    failed: usize,
    exact: bool,
    counts: Counts,
}

struct Race {
    ips: usize,
    failed_a: usize,
    failed_b: usize,
    final_a: usize,
    final_b: usize,
    neither: usize,
    duplicates: usize,
    wall: Duration,
    /// Both applies' failures.
    failures: FailureGroups,
    /// A few of the IPs that hold neither target, with what they hold.
    neither_samples: Vec<(IpAddr, Vec<String>)>,
}

#[derive(Default)]
struct Summary {
    first_pass_failed: Option<usize>,
    false_success: usize,
    false_failure: usize,
    duplicates: usize,
    passes: Option<usize>,
    wall: Option<Duration>,
    total: Counts,
    pass_log: Vec<Pass>,
    race: Option<Race>,
    /// Pass 1's failures.
    failures: FailureGroups,
    timed_out: Option<String>,
}

impl Summary {
    fn is_clean(&self) -> bool {
        self.timed_out.is_none()
            && self.first_pass_failed == Some(0)
            && self.false_success + self.false_failure == 0
            && self.duplicates == 0
            && self.passes == Some(1)
    }
}

/// Runs `fut` unless the deadline has passed; `None` on timeout.
async fn bounded<T>(deadline: Instant, fut: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at(deadline, fut).await.ok()
}

async fn soak(provider: ProviderId, n: usize) -> Result<Summary, BoxError> {
    let records = desired(n)?;
    let changes: Vec<PtrChange> = records.iter().cloned().map(PtrChange::from).collect();
    let zones = zones(&records);
    let sim = Simulator::start(sim_config(provider, &zones)).await?;
    let deadline = Instant::now() + PROVIDER_DEADLINE;
    let mut summary = Summary::default();

    let outcome = run(
        provider,
        &sim,
        &records,
        &changes,
        &zones,
        deadline,
        &mut summary,
    )
    .await;
    summary.total = Counts::take(&sim, provider);
    // Connections finish their current request; never wait on a stuck one.
    let _ = tokio::time::timeout(Duration::from_secs(10), sim.shutdown()).await;
    outcome?;
    Ok(summary)
}

async fn run(
    provider: ProviderId,
    sim: &Simulator,
    records: &[PtrRecord],
    changes: &[PtrChange],
    zones: &[String],
    deadline: Instant,
    summary: &mut Summary,
) -> Result<(), BoxError> {
    let id = provider.as_str();
    let client = client(provider, sim)?;

    // Pass 1, then again until the state is exact.
    for number in 1..=MAX_PASSES {
        eprintln!("  {id}: pass {number}, ensure of {} PTRs …", records.len());
        let before = Counts::take(sim, provider);
        let started = Instant::now();
        let Some(answer) = bounded(deadline, revdns::ensure(&client, records)).await else {
            summary.timed_out = Some(format!("pass {number}"));
            return Ok(());
        };
        let wall = started.elapsed();
        let results = results(changes, answer);
        let now = state(provider, sim, zones);
        let failed = results.iter().filter(|(_, r)| r.is_err()).count();
        let is_exact = exact(&now, records);
        if number == 1 {
            summary.first_pass_failed = Some(failed);
            summary.wall = Some(wall);
            (summary.false_success, summary.false_failure) = lies(&results, &now);
            summary.duplicates = duplicates(&now, now.keys());
            group_failures(&results, &mut summary.failures);
        }
        summary.pass_log.push(Pass {
            number,
            wall,
            failed,
            exact: is_exact,
            counts: Counts::take(sim, provider).minus(&before),
        });
        if is_exact {
            summary.passes = Some(number);
            break;
        }
    }

    // Race: two clients, different targets, the same IPs, at once.
    let v4_count = records.len() / 2;
    let half = RACE_IPS / 2;
    let picked: Vec<IpAddr> = records[..v4_count.min(half)]
        .iter()
        .chain(&records[v4_count..(v4_count + half).min(records.len())])
        .map(|r| r.ip)
        .collect();
    let targets = |side: &str| -> Result<Vec<PtrChange>, BoxError> {
        picked
            .iter()
            .enumerate()
            .map(|(i, ip)| {
                let target = Hostname::new(&format!("{side}-{i}.race.example.net"))?;
                Ok(PtrChange::upsert(*ip, target))
            })
            .collect()
    };
    let (changes_a, changes_b) = (targets("a")?, targets("b")?);
    let (client_a, client_b) = (self::client(provider, sim)?, self::client(provider, sim)?);
    eprintln!("  {id}: race, two applies on {} IPs …", picked.len());
    let started = Instant::now();
    let raced = bounded(deadline, async {
        tokio::join!(client_a.apply(&changes_a), client_b.apply(&changes_b))
    })
    .await;
    let wall = started.elapsed();
    let Some((answer_a, answer_b)) = raced else {
        summary.timed_out = Some("race".to_owned());
        return Ok(());
    };
    let (results_a, results_b) = (results(&changes_a, answer_a), results(&changes_b, answer_b));
    let failed = |results: &Results| results.iter().filter(|(_, r)| r.is_err()).count();
    let mut failures = FailureGroups::new();
    group_failures(&results_a, &mut failures);
    group_failures(&results_b, &mut failures);
    let now = state(provider, sim, zones);
    let mut race = Race {
        ips: picked.len(),
        failed_a: failed(&results_a),
        failed_b: failed(&results_b),
        final_a: 0,
        final_b: 0,
        neither: 0,
        duplicates: duplicates(&now, &picked),
        wall,
        failures,
        neither_samples: Vec::new(),
    };
    for (a, b) in changes_a.iter().zip(&changes_b) {
        let (PtrChange::Upsert { ip, target: ta, .. }, PtrChange::Upsert { target: tb, .. }) =
            (a, b)
        else {
            continue;
        };
        if holds_exactly(&now, *ip, &normalise(ta.as_str())) {
            race.final_a += 1;
        } else if holds_exactly(&now, *ip, &normalise(tb.as_str())) {
            race.final_b += 1;
        } else if now.get(ip).is_none_or(|held| held.len() <= 1) {
            race.neither += 1;
            if race.neither_samples.len() < 3 {
                let held = now.get(ip).cloned().unwrap_or_default();
                race.neither_samples.push((*ip, held));
            }
        }
    }
    summary.duplicates += race.duplicates;
    summary.race = Some(race);
    Ok(())
}

// ------------------------------------------------------------------ printing

fn na(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "NA".to_owned(), |v| v.to_string())
}

fn print_summary(provider: ProviderId, n: usize, s: &Summary) {
    let id = provider.as_str();
    println!(
        "soak {id}: first_pass_failed={} lies={} duplicates={} passes={} requests={} wall_s={}",
        na(s.first_pass_failed),
        s.false_success + s.false_failure,
        s.duplicates,
        na(s.passes),
        s.total.requests(),
        na(s.wall.map(|w| format!("{:.1}", w.as_secs_f64()))),
    );
    if let Some(phase) = &s.timed_out {
        println!(
            "  TIMEOUT: {phase} did not finish within {} s",
            PROVIDER_DEADLINE.as_secs()
        );
    }
    let limit = rate_limit(provider);
    println!(
        "  setup: {n} PTRs ({} IPv4, {} IPv6); 10 % 503, 1 % dropped, 1 % lost answers; \
         rate limit {} requests / {} s per credential (honest Retry-After); \
         sessions and tokens live {} s",
        n / 2,
        n - n / 2,
        limit.requests,
        limit.per.as_secs(),
        SESSION_LIFETIME.as_secs()
    );
    println!(
        "  lies: {} successes not held exactly, {} failures that landed",
        s.false_success, s.false_failure
    );
    for p in &s.pass_log {
        let f = &p.counts.faults;
        let logins = p
            .counts
            .logins(provider)
            .map_or_else(String::new, |n| format!(", {n} sessions/tokens issued"));
        println!(
            "  pass {}: {:.1} s, {} failed, {}; {} requests ({} 429, {} 503, {} 502, {} dropped, {} lost){logins}",
            p.number,
            p.wall.as_secs_f64(),
            p.failed,
            if p.exact {
                "state exact"
            } else {
                "state not exact"
            },
            p.counts.requests(),
            f.rate_limited,
            f.service_unavailable,
            f.bad_gateway,
            f.dropped,
            f.lost,
        );
    }
    if let Some(r) = &s.race {
        println!(
            "  race: {} IPs, {:.1} s; failed a={} b={}; final a={} b={} neither={} duplicates={}",
            r.ips,
            r.wall.as_secs_f64(),
            r.failed_a,
            r.failed_b,
            r.final_a,
            r.final_b,
            r.neither,
            r.duplicates
        );
        for (ip, held) in &r.neither_samples {
            println!("    neither: {ip} holds {held:?}");
        }
        print_failures("race failures", &r.failures, 4);
    }
    let t = &s.total;
    let ops: Vec<String> = t
        .by_operation
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect();
    println!("  requests, whole run: {}", ops.join(", "));
    println!(
        "  faults, whole run: {} rate limited, {} 503, {} 502, {} dropped, {} lost{}",
        t.faults.rate_limited,
        t.faults.service_unavailable,
        t.faults.bad_gateway,
        t.faults.dropped,
        t.faults.lost,
        t.logins(provider)
            .map_or_else(String::new, |n| format!("; {n} sessions/tokens issued")),
    );
    print_failures("pass 1 failures", &s.failures, SHOWN_FAILURES);
    println!();
}

/// The `shown` most common messages: count × `Display`, then the first
/// one's chain of sources.
fn print_failures(title: &str, failures: &FailureGroups, shown: usize) {
    if failures.is_empty() {
        return;
    }
    let mut groups: Vec<(&String, &(usize, String))> = failures.iter().collect();
    groups.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    println!("  {title} by message (count × Display; e.g. the first one with its sources):");
    for (message, (count, chain)) in groups.iter().take(shown) {
        println!("    {count:>6} × {message}");
        if chain != *message {
            println!("             e.g. {chain}");
        }
    }
    if groups.len() > shown {
        println!("    … {} more messages", groups.len() - shown);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "revdns fault soak: {} PTRs per provider ({})",
        options.count,
        options
            .providers
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut clean = true;
    for provider in options.providers {
        match soak(provider, options.count).await {
            Ok(summary) => {
                print_summary(provider, options.count, &summary);
                clean &= summary.is_clean();
            }
            Err(e) => {
                println!(
                    "soak {}: first_pass_failed=NA lies=NA duplicates=NA passes=NA requests=NA wall_s=NA",
                    provider.as_str()
                );
                println!("  could not run: {e}\n");
                clean = false;
            }
        }
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
