//! Ensure benchmark: what `revdns::ensure` costs on each provider, in wall
//! time and in requests, against the fewest requests the provider's API
//! allows; then the SDK's own overhead on single lookups against plain
//! `reqwest`.
//!
//! ```text
//! cargo bench -p revdns --bench ensure             # 10,000 PTRs per provider
//! cargo bench -p revdns --bench ensure -- --quick  # 500 PTRs, 500 lookups
//! ```
//!
//! `REVDNS_BENCH_PTRS` and `REVDNS_BENCH_LOOKUPS` set the sizes,
//! `REVDNS_BENCH_LATENCY_MS` part 1's latency
//! (`REVDNS_BENCH_QUICK=1` is the same as `--quick`); `--only ensure` or
//! `--only overhead` runs one part.
//!
//! The simulator runs in a child process (this binary again, with
//! `--serve-sim`), so that its work is neither counted in this process's
//! CPU time nor competing with the client on its threads; the two talk
//! over loopback HTTP, and the counts and state come from its admin API.
//!
//! Part 1 gives the simulator 20 ms latency on every request, ensures N new
//! PTRs per provider in 198.18.0.0/15 (the benchmarking block; 250 addresses
//! per /24, one ECL reverse zone per /24), then ensures the same N again,
//! all unchanged, with the same client, 7 times (`REVDNS_BENCH_REPEATS`;
//! the row gives the median, the first run and the range are printed
//! below the table). Part 2 (0 ms latency) sends
//! single-IP lookups with plain `reqwest`, the same lookups through
//! `PtrProvider::get`, and plain `reqwest` again with the per-attempt
//! timeout the SDK sets, in alternating blocks, and compares the client
//! process's CPU time per call (its threads' run time, from
//! `/proc/self/task/*/schedstat`) and its thread switches per call.
//!
//! Nothing here asserts on time; it prints tables. It exits non-zero only
//! when a change fails or a run does not end in the expected state.
// A harness binary: printing the tables is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::env;
use std::error::Error;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use revdns::sync::satisfies;
use revdns::{AnyProvider, Hostname, Outcome, ProviderId, PtrProvider, PtrRecord};
use revdns_sim::{
    EDIS_MAX_BATCH, EclUser, EclZone, EdisAccount, EdisKvm, Faults, IonosToken, SimConfig,
    Simulator, demo,
};
use serde_json::{Value, json};

type BoxError = Box<dyn Error>;

/// Latency the simulator adds to every request in part 1, unless
/// `REVDNS_BENCH_LATENCY_MS` says otherwise (0 shows what is left: CPU).
const DEFAULT_LATENCY: Duration = Duration::from_millis(20);

fn latency() -> Duration {
    env::var("REVDNS_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DEFAULT_LATENCY, Duration::from_millis)
}
/// The benchmarking block (RFC 2544): room for 128,000 PTRs at 250 per /24.
const BLOCK: &str = "198.18.0.0/15";
const PER_ZONE: usize = 250;

/// The clients' configuration, stated here because the ideal counts use it.
/// EDIS: IPs per PTR request (the client sends one request at a time): the
/// limit the simulator models, [`EDIS_MAX_BATCH`].
const EDIS_CHUNK: usize = EDIS_MAX_BATCH;
/// IONOS: requests in flight.
const IONOS_CONCURRENCY: usize = 8;
/// ECL: writes in flight (within a zone).
const ECL_CONCURRENCY: usize = 4;
/// ECL: zones worked on at once (the client's fixed figure).
const ECL_ZONES_IN_FLIGHT: usize = revdns::ecl::ZONES_IN_FLIGHT;
/// The largest page each API serves: IONOS `limit` 1000, ECL `limit` 500.
const IONOS_PAGE: usize = 1000;
const ECL_PAGE: usize = 500;

struct Sizes {
    ptrs: usize,
    lookups: usize,
}

fn sizes() -> Sizes {
    let quick = env::args().any(|a| a == "--quick")
        || env::var("REVDNS_BENCH_QUICK").is_ok_and(|v| v == "1");
    let (ptrs, lookups) = if quick { (500, 500) } else { (10_000, 10_000) };
    let from_env = |name: &str, default: usize| {
        env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default)
    };
    Sizes {
        ptrs: from_env("REVDNS_BENCH_PTRS", ptrs).min(512 * PER_ZONE),
        lookups: from_env("REVDNS_BENCH_LOOKUPS", lookups),
    }
}

/// The `i`-th address: 198.18.0.1 … 198.18.0.250, 198.18.1.1 …
fn address(i: usize) -> Ipv4Addr {
    let base = u32::from(Ipv4Addr::new(198, 18, 0, 0));
    let (zone, host) = (i / PER_ZONE, i % PER_ZONE);
    Ipv4Addr::from(base + (zone as u32) * 256 + 1 + host as u32)
}

/// The reverse zone of the /24 holding `ip`.
fn reverse_zone(ip: Ipv4Addr) -> String {
    let [a, b, c, _] = ip.octets();
    format!("{c}.{b}.{a}.in-addr.arpa.")
}

fn desired(n: usize) -> Result<Vec<PtrRecord>, BoxError> {
    (0..n)
        .map(|i| {
            let target = Hostname::new(&format!("host-{i}.example.net"))?;
            Ok(PtrRecord::new(IpAddr::V4(address(i)), target))
        })
        .collect()
}

/// The simulator of part 1: the demo credentials, owning [`BLOCK`], with an
/// ECL reverse zone per /24 used and [`latency`] everywhere.
fn bench_config(zones: &[String]) -> SimConfig {
    let mut ecl = EclUser::new(demo::ECL_USERNAME, demo::ECL_PASSWORD, demo::ECL_PROJECT_ID);
    for zone in zones {
        ecl = ecl.zone(EclZone::new(zone));
    }
    let slow = Faults::none().latency(latency());
    SimConfig::new()
        .edis_account(
            EdisAccount::new(demo::EDIS_EMAIL, demo::EDIS_PASSWORD)
                .kvm(EdisKvm::new(demo::EDIS_KVM_ID).owns(BLOCK)),
        )
        .ionos_token(IonosToken::new(demo::IONOS_TOKEN).block(BLOCK))
        .ecl_user(ecl)
        .faults(ProviderId::Edis, slow)
        .faults(ProviderId::Ionos, slow)
        .faults(ProviderId::Ecl, slow)
}

// ------------------------------------------------------------ simulator

/// The simulator in a child process, and its admin API.
struct Sim {
    child: Child,
    urls: Value,
    http: reqwest::Client,
}

impl Sim {
    /// Starts this binary with `--serve-sim <what>` (`demo`, or `bench:N`
    /// for the benchmark's accounts and zones for N PTRs) and reads the
    /// URLs it prints.
    fn spawn(what: &str) -> Result<Sim, BoxError> {
        let mut child = Command::new(env::current_exe()?)
            .args(["--serve-sim", what])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout from the simulator")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let urls: Value = serde_json::from_str(&line)
            .map_err(|e| format!("the simulator process printed `{line}`: {e}"))?;
        Ok(Sim {
            child,
            urls,
            http: reqwest::Client::new(),
        })
    }

    fn url(&self, what: &str) -> String {
        self.urls[what].as_str().unwrap_or_default().to_owned()
    }

    fn edis_url(&self) -> String {
        self.url("edis")
    }

    fn ionos_url(&self) -> String {
        self.url("ionos")
    }

    fn ecl_url(&self) -> String {
        self.url("ecl")
    }

    async fn admin(&self, path: &str) -> Result<Value, BoxError> {
        let url = format!("{}{path}", self.url("admin"));
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Requests served so far for `provider`, by operation.
    async fn requests(&self, provider: ProviderId) -> Result<BTreeMap<String, u64>, BoxError> {
        let counters = self.admin("/counters").await?;
        let ops = counters["requests"][provider.as_str()]
            .as_object()
            .map(|ops| {
                ops.iter()
                    .map(|(op, n)| (op.clone(), n.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ops)
    }

    /// The simulator's whole state (`GET /state`).
    async fn state(&self) -> Result<Value, BoxError> {
        self.admin("/state").await
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // Closing its stdin ends the child; kill it should it linger.
        drop(self.child.stdin.take());
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}

/// `--serve-sim <what>`: serves until stdin closes, after printing one
/// JSON line with the URLs.
async fn serve_sim(what: &str) -> Result<(), BoxError> {
    let config = match what.strip_prefix("bench:") {
        Some(n) => {
            let n: usize = n.parse()?;
            let mut zones: Vec<String> = (0..n).map(|i| reverse_zone(address(i))).collect();
            zones.dedup();
            bench_config(&zones)
        }
        None => SimConfig::demo(),
    };
    let sim = Simulator::start(config.admin_port(0)).await?;
    let urls = json!({
        "edis": sim.edis_url(),
        "ionos": sim.ionos_url(),
        "ecl": sim.ecl_url(),
        "admin": sim.admin_url(),
    });
    println!("{urls}");
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    sim.shutdown().await;
    Ok(())
}

/// One client per provider, pointed at `sim`, in [`ProviderId::ALL`] order.
fn clients(sim: &Sim) -> Result<Vec<AnyProvider>, revdns::Error> {
    let edis = revdns::edis::Client::builder()
        .credentials(revdns::edis::Credentials::new(
            demo::EDIS_EMAIL,
            demo::EDIS_PASSWORD,
        ))
        .kvm_id(demo::EDIS_KVM_ID)
        .auth_base_url(sim.edis_url())
        .ptr_base_url(sim.edis_url())
        .chunk_size(EDIS_CHUNK)
        .build()?;
    let ionos = revdns::ionos::Client::builder()
        .base_url(sim.ionos_url())
        .token(demo::IONOS_TOKEN)
        .concurrency(IONOS_CONCURRENCY)
        .build()?;
    let ecl = revdns::ecl::Client::builder()
        .auth_url(sim.ecl_url())
        .username(demo::ECL_USERNAME)
        .password(demo::ECL_PASSWORD)
        .project_id(demo::ECL_PROJECT_ID)
        .region(demo::ECL_REGION)
        .concurrency(ECL_CONCURRENCY)
        .build()?;
    Ok(vec![edis.into(), ionos.into(), ecl.into()])
}

// ------------------------------------------------------------------ ideal

/// The fewest requests an ensure needs, as phases that each wait for the
/// previous one's answers (log in, find the zones, read the current PTRs,
/// write the differences), each with the requests the client keeps in
/// flight in it. Its time floor: `Σ ⌈requests / in_flight⌉ × latency`.
struct Ideal {
    phases: Vec<(u64, usize)>,
}

impl Ideal {
    fn requests(&self) -> u64 {
        self.phases.iter().map(|(n, _)| n).sum()
    }

    fn floor(&self, latency: Duration) -> Duration {
        let rounds: u64 = self
            .phases
            .iter()
            .map(|&(n, in_flight)| n.div_ceil(in_flight as u64))
            .sum();
        latency * rounds as u32
    }
}

/// Pages needed to read `items` at `page` per request when the answer says
/// whether another page follows (ECL's `links.next`): an empty list is
/// still one request.
fn pages(items: usize, page: usize) -> u64 {
    items.div_ceil(page).max(1) as u64
}

/// Pages needed when the answer says neither (IONOS: no total, no reliable
/// `next`): reading stops at the first short page, so a full last page
/// needs an empty one after it.
fn pages_to_a_short_one(items: usize, page: usize) -> u64 {
    (items / page + 1) as u64
}

/// What the simulator holds at the start of a run, for the ideal counts:
/// IONOS records, and ECL zones with their recordsets.
struct Held {
    ionos_records: usize,
    ecl_zones: usize,
    ecl_recordsets: BTreeMap<String, usize>,
}

impl Held {
    async fn read(sim: &Sim) -> Result<Held, BoxError> {
        let state = sim.state().await?;
        let zones = state["ecl"].as_array().cloned().unwrap_or_default();
        Ok(Held {
            ionos_records: state["ionos"].as_array().map_or(0, Vec::len),
            ecl_zones: zones.len(),
            ecl_recordsets: zones
                .iter()
                .map(|z| {
                    let name = z["name"].as_str().unwrap_or_default().to_owned();
                    (name, z["recordsets"].as_array().map_or(0, Vec::len))
                })
                .collect(),
        })
    }
}

/// The ideal ensure of `desired` on `provider` given what the simulator
/// holds now. `fresh`: the client has no session, token or zone list yet;
/// `writes`: how many PTRs differ from the desired state.
///
/// - EDIS, at the API's largest batch (`b` = [`EDIS_MAX_BATCH`], the limit
///   the simulator models, as EDIS documents none), one request at a time:
///   `fresh·1 session + ⌈n/b⌉ getPTR + ⌈writes/b⌉ setPTR`.
/// - IONOS, concurrency k = [`IONOS_CONCURRENCY`]: reading the contract's
///   records with `GET /reverserecords?limit=1000` takes `⌊records/1000⌋ +
///   1` pages (no total: only a short page shows the end), then one `PUT`
///   per write (no batch endpoint).
/// - ECL, [`ECL_ZONES_IN_FLIGHT`] zones at once, each with
///   [`ECL_CONCURRENCY`] writes in flight:
///   `fresh·(1 token + ⌈zones/500⌉ listZones) + Σ_zone ⌈recordsets/500⌉
///   listRecordsets + writes` createRecordset (one name per request; the
///   API cannot filter recordsets, so each zone is listed whole).
fn ideal(
    provider: ProviderId,
    held: &Held,
    desired: &[PtrRecord],
    fresh: bool,
    writes: usize,
) -> Ideal {
    let n = desired.len();
    let fresh = u64::from(fresh);
    match provider {
        ProviderId::Edis => Ideal {
            phases: vec![
                (fresh, 1),
                (n.div_ceil(EDIS_MAX_BATCH) as u64, 1),
                (writes.div_ceil(EDIS_MAX_BATCH) as u64, 1),
            ],
        },
        ProviderId::Ionos => Ideal {
            phases: vec![
                (
                    pages_to_a_short_one(held.ionos_records, IONOS_PAGE),
                    IONOS_CONCURRENCY,
                ),
                (writes as u64, IONOS_CONCURRENCY),
            ],
        },
        _ => {
            let mut zones: Vec<String> = desired
                .iter()
                .filter_map(|r| match r.ip {
                    IpAddr::V4(ip) => Some(reverse_zone(ip)),
                    IpAddr::V6(_) => None,
                })
                .collect();
            zones.dedup();
            let listings: u64 = zones
                .iter()
                .map(|z| pages(held.ecl_recordsets.get(z).copied().unwrap_or(0), ECL_PAGE))
                .sum();
            let zones_at_once = zones.len().clamp(1, ECL_ZONES_IN_FLIGHT);
            Ideal {
                phases: vec![
                    (fresh, 1),
                    (fresh * pages(held.ecl_zones, ECL_PAGE), 1),
                    (listings, zones_at_once),
                    (writes as u64, zones_at_once * ECL_CONCURRENCY),
                ],
            }
        }
    }
}

// ------------------------------------------------------------------ part 1

struct Row {
    provider: ProviderId,
    run: &'static str,
    ptrs: usize,
    /// Every run's wall time, in the order they ran.
    walls: Vec<Duration>,
    requests: u64,
    ideal: u64,
    floor: Duration,
    outcome: String,
    by_operation: BTreeMap<String, u64>,
}

/// Runs one ensure and measures it; `Err` when a change failed or the run
/// did not end as `expected` (every PTR created, or every PTR unchanged).
async fn measure(
    sim: &Sim,
    provider: &AnyProvider,
    desired: &[PtrRecord],
    run: &'static str,
    ideal: &Ideal,
    expected: fn(&Outcome) -> bool,
) -> Result<Row, BoxError> {
    let id = provider.id();
    let before = sim.requests(id).await?;
    let started = Instant::now();
    let report = revdns::ensure(provider, desired).await?;
    let wall = started.elapsed();
    let by_operation: BTreeMap<String, u64> = sim
        .requests(id)
        .await?
        .into_iter()
        .map(|(op, n)| {
            let n = n - before.get(&op).copied().unwrap_or(0);
            (op, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    if let Some(failed) = report.failures().next() {
        return Err(format!(
            "{id} {run}: {} of {} changes failed, first {}: {:?}",
            report.failures().count(),
            report.len(),
            failed.change.ip(),
            failed.outcome.error().map(ToString::to_string)
        )
        .into());
    }
    if !report.iter().all(|r| expected(&r.outcome)) {
        return Err(format!("{id} {run}: unexpected outcomes: {}", report.counts()).into());
    }
    let c = report.counts();
    let outcome = if c.created > 0 {
        format!("{} created", c.created)
    } else {
        format!("{} unchanged", c.unchanged)
    };
    Ok(Row {
        provider: id,
        run,
        ptrs: desired.len(),
        walls: vec![wall],
        requests: by_operation.values().sum(),
        ideal: ideal.requests(),
        floor: ideal.floor(latency()),
        outcome,
        by_operation,
    })
}

async fn ensure_runs(n: usize) -> Result<Vec<Row>, BoxError> {
    let desired = desired(n)?;
    let sim = Sim::spawn(&format!("bench:{n}"))?;
    let mut rows = Vec::new();
    for provider in clients(&sim)? {
        let id = provider.id();
        eprintln!("  {id}: ensuring {n} new PTRs …");
        let first = ideal(id, &Held::read(&sim).await?, &desired, true, n);
        rows.push(
            measure(&sim, &provider, &desired, "create", &first, |o| {
                matches!(o, Outcome::Created)
            })
            .await?,
        );
        let runs = repeats();
        eprintln!("  {id}: ensuring the same {n} again, {runs} times …");
        let again = ideal(id, &Held::read(&sim).await?, &desired, false, 0);
        let unchanged = |o: &Outcome| matches!(o, Outcome::Unchanged);
        let mut row = measure(&sim, &provider, &desired, "unchanged", &again, unchanged).await?;
        for _ in 1..runs {
            let next = measure(&sim, &provider, &desired, "unchanged", &again, unchanged).await?;
            if next.by_operation != row.by_operation {
                return Err(format!(
                    "{id} unchanged: the runs sent different requests: {:?} and {:?}",
                    row.by_operation, next.by_operation
                )
                .into());
            }
            row.walls.extend(next.walls);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// How many times each unchanged ensure runs (`REVDNS_BENCH_REPEATS`,
/// default 7): it takes tens of milliseconds, so one run's figure is at
/// the mercy of the scheduler; the table gives the median and the range.
fn repeats() -> usize {
    env::var("REVDNS_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(7)
}

impl Row {
    /// The row's wall time: its one run's, or the median of its runs.
    fn wall(&self) -> Duration {
        let mut sorted = self.walls.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn print_ensure_table(rows: &[Row]) {
    println!(
        "\nensure, {} ms latency per request, simulator in its own process \
         (EDIS batch {EDIS_CHUNK}, one at a time; IONOS concurrency {IONOS_CONCURRENCY}; \
         ECL {ECL_ZONES_IN_FLIGHT} zones x {ECL_CONCURRENCY} writes); \
         an unchanged row's wall is the median of its runs\n",
        latency().as_millis()
    );
    println!(
        "{:<9}{:<10}{:>7}{:>11}{:>11}{:>11}{:>10}{:>8}{:>10}  outcome",
        "provider", "run", "PTRs", "wall", "floor", "wall/floor", "requests", "ideal", "req/ideal"
    );
    for r in rows {
        println!(
            "{:<9}{:<10}{:>7}{:>11}{:>11}{:>11.2}{:>10}{:>8}{:>10.2}  {}",
            r.provider.as_str(),
            r.run,
            r.ptrs,
            seconds(r.wall()),
            seconds(r.floor),
            r.wall().as_secs_f64() / r.floor.as_secs_f64().max(f64::EPSILON),
            r.requests,
            r.ideal,
            r.requests as f64 / r.ideal.max(1) as f64,
            r.outcome
        );
    }
    // One line per row for scripts.
    println!();
    for r in rows {
        println!(
            "bench {} {}: wall_s={:.3} floor_s={:.3} requests={} ideal={}",
            r.provider.as_str(),
            r.run,
            r.wall().as_secs_f64(),
            r.floor.as_secs_f64(),
            r.requests,
            r.ideal
        );
    }
    println!("\nrequests by operation");
    for r in rows {
        let ops: Vec<String> = r
            .by_operation
            .iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect();
        println!(
            "  {:<6}{:<11}{}",
            r.provider.as_str(),
            r.run,
            ops.join(", ")
        );
    }
    println!("\nruns (each sends the requests above)");
    for r in rows.iter().filter(|r| r.walls.len() > 1) {
        let (min, max) = (
            r.walls.iter().min().copied().unwrap_or_default(),
            r.walls.iter().max().copied().unwrap_or_default(),
        );
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        println!(
            "  {:<6}{:<11}{} runs: first {} ms, median {} ms, range {} to {} ms",
            r.provider.as_str(),
            r.run,
            r.walls.len(),
            ms(r.walls[0]),
            ms(r.wall()),
            ms(min),
            ms(max),
        );
    }
}

// ------------------------------------------------------------------ part 2

/// A single-IP lookup sent with plain `reqwest`, the way a hand-written
/// client would: the same request the SDK sends, the answer parsed as JSON.
enum Raw {
    Edis {
        url: String,
        form: Vec<(String, String)>,
    },
    Ionos {
        url: String,
        ip: String,
    },
    Ecl {
        url: String,
        token: String,
    },
}

impl Raw {
    /// Logs in (untimed) and prepares the lookup of `ip` on `provider`.
    async fn prepare(
        provider: ProviderId,
        sim: &Sim,
        http: &reqwest::Client,
        ip: IpAddr,
    ) -> Result<Raw, BoxError> {
        match provider {
            ProviderId::Edis => {
                let auth: Value = http
                    .post(format!("{}/kvm/v2/get/auth", sim.edis_url()))
                    .form(&[
                        ("email", demo::EDIS_EMAIL),
                        ("pw", demo::EDIS_PASSWORD),
                        ("kvm_id", demo::EDIS_KVM_ID),
                    ])
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let session = &auth["data"][demo::EDIS_KVM_ID];
                let text = |key: &str| match &session[key] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let form = ["signature", "kvm_id", "valid_until", "api_host"]
                    .into_iter()
                    .map(|key| (key.to_owned(), text(key)))
                    .chain([("ip".to_owned(), json!([ip.to_string()]).to_string())])
                    .collect();
                Ok(Raw::Edis {
                    url: format!("{}/get/ptr", sim.edis_url()),
                    form,
                })
            }
            ProviderId::Ionos => Ok(Raw::Ionos {
                url: format!("{}/reverserecords", sim.ionos_url()),
                ip: ip.to_string(),
            }),
            _ => {
                let body = json!({"auth": {
                    "identity": {"methods": ["password"], "password": {"user": {
                        "name": demo::ECL_USERNAME,
                        "password": demo::ECL_PASSWORD,
                        "domain": {"id": "default"},
                    }}},
                    "scope": {"project": {"id": demo::ECL_PROJECT_ID}},
                }});
                let answer = http
                    .post(format!("{}/v3/auth/tokens", sim.ecl_url()))
                    .json(&body)
                    .send()
                    .await?
                    .error_for_status()?;
                let token = answer
                    .headers()
                    .get("x-subject-token")
                    .ok_or("Keystone answered without X-Subject-Token")?
                    .to_str()?
                    .to_owned();
                let IpAddr::V4(v4) = ip else {
                    return Err("the ECL baseline looks up an IPv4 address".into());
                };
                let state = sim.state().await?;
                let zone = state["ecl"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|z| z["name"] == reverse_zone(v4).as_str())
                    .and_then(|z| z["id"].as_str())
                    .ok_or("no ECL zone for the baseline address")?
                    .to_owned();
                Ok(Raw::Ecl {
                    url: format!("{}/v2/zones/{zone}/recordsets", sim.ecl_url()),
                    token,
                })
            }
        }
    }

    /// `n` lookups one after the other.
    async fn lookups(&self, http: &reqwest::Client, n: usize) -> Result<(), BoxError> {
        for _ in 0..n {
            self.lookup(http).await?;
        }
        Ok(())
    }

    async fn lookup(&self, http: &reqwest::Client) -> Result<Value, BoxError> {
        let request = match self {
            Raw::Edis { url, form } => http.post(url).form(form),
            Raw::Ionos { url, ip } => http.get(url).bearer_auth(demo::IONOS_TOKEN).query(&[
                ("filter.recordIp", ip.as_str()),
                ("limit", "1000"),
                ("offset", "0"),
            ]),
            Raw::Ecl { url, token } => http
                .get(url)
                .header("x-auth-token", token)
                .query(&[("limit", "500")]),
        };
        Ok(request.send().await?.error_for_status()?.json().await?)
    }
}

struct Overhead {
    provider: ProviderId,
    lookups: usize,
    raw: Column,
    sdk: Column,
    /// Plain reqwest with the SDK's per-attempt timeout.
    timed: Column,
    raw_requests: u64,
    sdk_requests: u64,
}

/// What one column's lookups took, summed over its blocks.
#[derive(Default)]
struct Column {
    wall: Duration,
    cpu: Duration,
    /// Times a thread of this process was put on a CPU: each is a wake-up
    /// (or a preemption), and thread switches are most of a call's cost.
    switches: u64,
    /// CPU of each block, in order, to pair with the other columns' blocks.
    blocks: Vec<Duration>,
}

impl Column {
    /// Times `block` and adds what it took.
    async fn time<T>(&mut self, block: impl Future<Output = T>) -> T {
        let (threads, started) = (Threads::sample(), Instant::now());
        let out = block.await;
        self.wall += started.elapsed();
        if let (Some(then), Some(now)) = (threads, Threads::sample()) {
            let (cpu, switches) = then.until(&now);
            self.cpu += cpu;
            self.switches += switches;
            self.blocks.push(cpu);
        }
        out
    }
}

/// Each thread of this process, by id: its run time in nanoseconds and the
/// times it was put on a CPU, from `/proc/self/task/*/schedstat`; `None`
/// where there is no such file. (`/proc/self/stat` counts CPU in clock
/// ticks of 10 ms, too coarse for blocks of a few hundred calls of about
/// 100 µs each.)
struct Threads(HashMap<std::ffi::OsString, (u64, u64)>);

impl Threads {
    fn sample() -> Option<Threads> {
        let mut threads = HashMap::new();
        for task in std::fs::read_dir("/proc/self/task").ok()? {
            let task = task.ok()?;
            let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
                // The thread ended while the directory was read.
                continue;
            };
            let mut fields = stat.split_whitespace().map(str::parse::<u64>);
            let (Some(Ok(ns)), Some(_waited), Some(Ok(slices))) =
                (fields.next(), fields.next(), fields.next())
            else {
                return None;
            };
            threads.insert(task.file_name(), (ns, slices));
        }
        Some(Threads(threads))
    }

    /// CPU and switches since `self` of the threads alive now: a thread
    /// started since counts whole, one that ended since is left out (the
    /// runtime's workers and the main thread, which do the work here, live
    /// through the bench).
    fn until(&self, now: &Threads) -> (Duration, u64) {
        let (mut ns, mut switches) = (0, 0);
        for (tid, &(run, slices)) in &now.0 {
            let (run0, slices0) = self.0.get(tid).copied().unwrap_or((0, 0));
            ns += run.saturating_sub(run0);
            switches += slices.saturating_sub(slices0);
        }
        (Duration::from_nanos(ns), switches)
    }
}

async fn provider_requests(sim: &Sim, id: ProviderId) -> Result<u64, BoxError> {
    Ok(sim.requests(id).await?.values().sum())
}

/// Blocks the lookups of part 2 are split into, raw and SDK in turn.
const ROUNDS: usize = 50;

/// The timeout the SDK's clients give each attempt (every provider's
/// `DEFAULT_TIMEOUT`).
const ATTEMPT_TIMEOUT: Duration = revdns::ionos::DEFAULT_TIMEOUT;

/// Times `lookups` sequential single-IP lookups sent raw, as many through
/// the SDK, and as many raw again with the timeout the SDK gives each
/// attempt, after a warm-up of each (connections, sessions, tokens, zone
/// lists), in alternating blocks so that drift (other load on the machine,
/// CPU frequency) falls on every column alike.
///
/// The third column is there because a timeout is not free: tokio wakes
/// its timer driver for a timer due before any other, which is one more
/// thread wake-up per call. Plain reqwest without a timeout skips it. The
/// SDK's clients avoid it by keeping their pool's idle sweep (a timer) due
/// sooner than any attempt's timeout; since all columns share one runtime,
/// that sweep spares the third column the wake-up as well.
async fn overhead(lookups: usize) -> Result<Vec<Overhead>, BoxError> {
    let sim = Sim::spawn("demo")?;
    let http = reqwest::Client::new();
    let timed_http = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .build()?;
    let ip: IpAddr = "192.0.2.10".parse()?;
    let record = PtrRecord::new(ip, Hostname::new("mail.example.net")?);
    let warm_up = 50;
    let mut rows = Vec::new();
    for provider in clients(&sim)? {
        let id = provider.id();
        let ensured = revdns::ensure(&provider, std::slice::from_ref(&record)).await?;
        if !ensured.is_success() {
            return Err(format!("{id}: could not set up the baseline PTR").into());
        }
        let raw = Raw::prepare(id, &sim, &http, ip).await?;
        for _ in 0..warm_up {
            raw.lookup(&http).await?;
            raw.lookup(&timed_http).await?;
            provider.get(&[ip]).await?;
        }
        let mut row = Overhead {
            provider: id,
            lookups,
            raw: Column::default(),
            sdk: Column::default(),
            timed: Column::default(),
            raw_requests: 0,
            sdk_requests: 0,
        };
        let mut left = lookups;
        while left > 0 {
            let block = left.min(lookups.div_ceil(ROUNDS));
            let requests = provider_requests(&sim, id).await?;
            row.raw.time(raw.lookups(&http, block)).await?;
            row.raw_requests += provider_requests(&sim, id).await? - requests;

            let requests = provider_requests(&sim, id).await?;
            row.sdk
                .time(async {
                    for _ in 0..block {
                        let found = provider.get(&[ip]).await?;
                        if !satisfies(found.get(&ip).and_then(Option::as_ref), &record) {
                            return Err(format!("{id}: the SDK lookup did not find the PTR").into());
                        }
                    }
                    Ok::<_, BoxError>(())
                })
                .await?;
            row.sdk_requests += provider_requests(&sim, id).await? - requests;

            row.timed.time(raw.lookups(&timed_http, block)).await?;
            left -= block;
        }
        rows.push(row);
    }
    Ok(rows)
}

fn print_overhead_table(rows: &[Overhead]) {
    let Some(lookups) = rows.first().map(|r| r.lookups) else {
        return;
    };
    println!(
        "\nsingle-IP lookups, 0 ms latency, {lookups} sequential per column \
         (plain reqwest, PtrProvider::get, plain reqwest with a {} s timeout as \
         the SDK gives each attempt); CPU and thread switches are this process's, \
         the simulator runs in its own\n",
        ATTEMPT_TIMEOUT.as_secs()
    );
    println!(
        "{:<8}{:>12}{:>12}{:>8}{:>14}{:>9}{:>12}{:>12}{:>8}{:>24}{:>16}",
        "provider",
        "raw µs cpu",
        "SDK µs cpu",
        "cpu ×",
        "timed µs cpu",
        "cpu ×",
        "raw µs wall",
        "SDK µs wall",
        "wall ×",
        "switches raw/SDK/timed",
        "requests/call"
    );
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / lookups as f64;
    let switches = |c: &Column| c.switches as f64 / lookups as f64;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON);
    for r in rows {
        let switches = format!(
            "{:.2} / {:.2} / {:.2}",
            switches(&r.raw),
            switches(&r.sdk),
            switches(&r.timed)
        );
        println!(
            "{:<8}{:>12.1}{:>12.1}{:>7.2}×{:>14.1}{:>8.2}×{:>12.1}{:>12.1}{:>7.2}×{switches:>24}{:>9} / {}",
            r.provider.as_str(),
            per_call(r.raw.cpu),
            per_call(r.sdk.cpu),
            ratio(r.sdk.cpu, r.raw.cpu),
            per_call(r.timed.cpu),
            ratio(r.sdk.cpu, r.timed.cpu),
            per_call(r.raw.wall),
            per_call(r.sdk.wall),
            ratio(r.sdk.wall, r.raw.wall),
            r.raw_requests as f64 / lookups as f64,
            r.sdk_requests as f64 / lookups as f64,
        );
    }
    println!();
    for r in rows {
        println!(
            "overhead {}: cpu_ratio={:.3} wall_ratio={:.3} cpu_ratio_timed={:.3} \
             cpu_ratio_median={:.3}",
            r.provider.as_str(),
            ratio(r.sdk.cpu, r.raw.cpu),
            ratio(r.sdk.wall, r.raw.wall),
            ratio(r.sdk.cpu, r.timed.cpu),
            median_block_ratio(&r.sdk, &r.raw)
        );
    }
}

/// The median over rounds of one block's CPU over the other column's block
/// of the same round. A burst of load from elsewhere on the host lands in
/// a block or two and moves the ratio of the sums; it moves the median
/// little.
fn median_block_ratio(a: &Column, b: &Column) -> f64 {
    let mut ratios: Vec<f64> = a
        .blocks
        .iter()
        .zip(&b.blocks)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON))
        .collect();
    ratios.sort_by(f64::total_cmp);
    match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    }
}

// ------------------------------------------------------------------ main

async fn run() -> Result<(), BoxError> {
    let sizes = sizes();
    eprintln!(
        "revdns ensure benchmark: {} PTRs per provider, {} lookups",
        sizes.ptrs, sizes.lookups
    );
    let only = env::args().skip_while(|a| a != "--only").nth(1);
    if only.as_deref() != Some("overhead") {
        let rows = ensure_runs(sizes.ptrs).await?;
        print_ensure_table(&rows);
    }
    if only.as_deref() != Some("ensure") {
        let overhead = overhead(sizes.lookups).await?;
        print_overhead_table(&overhead);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    // This binary builds plain reqwest clients (the baseline, the admin
    // API's) before any revdns client.
    revdns::install_tls_provider();
    let mut args = env::args().skip_while(|a| a != "--serve-sim");
    let result = match (args.next(), args.next()) {
        (Some(_), Some(what)) => serve_sim(&what).await,
        _ => run().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ensure bench: {e}");
            ExitCode::FAILURE
        }
    }
}
