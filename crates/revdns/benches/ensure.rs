//! Ensure benchmark: what `revdns::ensure` costs on each provider, in wall
//! time and in requests, against the fewest requests the provider's API
//! allows; then the SDK's own overhead on single lookups against plain
//! `reqwest`.
//!
//! ```text
//! cargo bench -p revdns --bench ensure             # 10,000 PTRs per provider
//! cargo bench -p revdns --bench ensure -- --quick  # 500 PTRs, 200 lookups
//! ```
//!
//! `REVDNS_BENCH_PTRS` and `REVDNS_BENCH_LOOKUPS` set the sizes
//! (`REVDNS_BENCH_QUICK=1` is the same as `--quick`).
//!
//! Part 1 starts `revdns-sim` in this process with 20 ms latency on every
//! request, ensures N new PTRs per provider in 198.18.0.0/15 (the
//! benchmarking block; 250 addresses per /24, one ECL reverse zone per /24),
//! then ensures the same N again, all unchanged, with the same client. Part 2
//! (0 ms latency) times single-IP lookups sent with plain `reqwest` against
//! the same lookups through `PtrProvider::get`.
//!
//! Nothing here asserts on time; it prints tables. It exits non-zero only
//! when a change fails or a run does not end in the expected state.
// A harness binary: printing the tables is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::env;
use std::error::Error;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use revdns::sync::satisfies;
use revdns::{AnyProvider, Hostname, Outcome, ProviderId, PtrProvider, PtrRecord};
use revdns_sim::{
    EclUser, EclZone, EdisAccount, EdisKvm, Faults, IonosToken, SimConfig, Simulator, demo,
};
use serde_json::{Value, json};

type BoxError = Box<dyn Error>;

/// Latency the simulator adds to every request in part 1.
const LATENCY: Duration = Duration::from_millis(20);
/// The benchmarking block (RFC 2544): room for 128,000 PTRs at 250 per /24.
const BLOCK: &str = "198.18.0.0/15";
const PER_ZONE: usize = 250;

/// The clients' configuration, stated here because the ideal counts use it.
/// EDIS: IPs per PTR request (the client sends one request at a time).
const EDIS_CHUNK: usize = 50;
/// IONOS: requests in flight.
const IONOS_CONCURRENCY: usize = 8;
/// ECL: writes in flight (within a zone).
const ECL_CONCURRENCY: usize = 4;
/// ECL: zones worked on at once (the client's fixed figure).
const ECL_ZONES_IN_FLIGHT: usize = 4;
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
    let (ptrs, lookups) = if quick { (500, 200) } else { (10_000, 2_000) };
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
/// ECL reverse zone per /24 used and [`LATENCY`] everywhere.
fn bench_config(zones: &[String]) -> SimConfig {
    let mut ecl = EclUser::new(demo::ECL_USERNAME, demo::ECL_PASSWORD, demo::ECL_PROJECT_ID);
    for zone in zones {
        ecl = ecl.zone(EclZone::new(zone));
    }
    let slow = Faults::none().latency(LATENCY);
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

/// One client per provider, pointed at `sim`, in [`ProviderId::ALL`] order.
fn clients(sim: &Simulator) -> Result<Vec<AnyProvider>, revdns::Error> {
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

/// Pages needed to read `items` at `page` per request (an empty list is
/// still one request).
fn pages(items: usize, page: usize) -> u64 {
    items.div_ceil(page).max(1) as u64
}

/// The ideal ensure of `desired` on `provider` given what `sim` holds now.
/// `fresh`: the client has no session, token or zone list yet; `writes`: how
/// many PTRs differ from the desired state.
///
/// - EDIS, batch `c` = [`EDIS_CHUNK`], one request at a time:
///   `fresh·1 session + ⌈n/c⌉ getPTR + ⌈writes/c⌉ setPTR`. EDIS documents no
///   batch limit; its batch answer has no per-IP status, so this counts no
///   read-back (the SDK's choice, for per-IP results).
/// - IONOS, concurrency k = [`IONOS_CONCURRENCY`]: reading the contract's
///   records with `GET /reverserecords?limit=1000` takes
///   `⌈records/1000⌉` pages (min 1), then one `PUT` per write (no batch
///   endpoint).
/// - ECL, [`ECL_ZONES_IN_FLIGHT`] zones at once, each with
///   [`ECL_CONCURRENCY`] writes in flight:
///   `fresh·(1 token + ⌈zones/500⌉ listZones) + Σ_zone ⌈recordsets/500⌉
///   listRecordsets + writes` createRecordset (one name per request; the
///   API cannot filter recordsets, so each zone is listed whole).
fn ideal(
    provider: ProviderId,
    sim: &Simulator,
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
                (n.div_ceil(EDIS_CHUNK) as u64, 1),
                (writes.div_ceil(EDIS_CHUNK) as u64, 1),
            ],
        },
        ProviderId::Ionos => Ideal {
            phases: vec![
                (
                    pages(sim.ionos_records().len(), IONOS_PAGE),
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
                .map(|z| pages(sim.ecl_recordsets(z).len(), ECL_PAGE))
                .sum();
            let zones_at_once = zones.len().clamp(1, ECL_ZONES_IN_FLIGHT);
            Ideal {
                phases: vec![
                    (fresh, 1),
                    (fresh * pages(sim.ecl_zones().len(), ECL_PAGE), 1),
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
    wall: Duration,
    requests: u64,
    ideal: u64,
    floor: Duration,
    outcome: String,
    by_operation: BTreeMap<&'static str, u64>,
}

/// Runs one ensure and measures it; `Err` when a change failed or the run
/// did not end as `expected` (every PTR created, or every PTR unchanged).
async fn measure(
    sim: &Simulator,
    provider: &AnyProvider,
    desired: &[PtrRecord],
    run: &'static str,
    ideal: &Ideal,
    expected: fn(&Outcome) -> bool,
) -> Result<Row, BoxError> {
    sim.reset_counts();
    let started = Instant::now();
    let report = revdns::ensure(provider, desired).await?;
    let wall = started.elapsed();
    let id = provider.id();
    let by_operation: BTreeMap<&'static str, u64> = sim
        .request_counts()
        .into_iter()
        .filter(|((p, _), _)| *p == id)
        .map(|((_, op), n)| (op, n))
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
        wall,
        requests: by_operation.values().sum(),
        ideal: ideal.requests(),
        floor: ideal.floor(LATENCY),
        outcome,
        by_operation,
    })
}

async fn ensure_runs(n: usize) -> Result<Vec<Row>, BoxError> {
    let desired = desired(n)?;
    let mut zones: Vec<String> = (0..n).map(|i| reverse_zone(address(i))).collect();
    zones.dedup();
    let sim = Simulator::start(bench_config(&zones)).await?;
    let mut rows = Vec::new();
    for provider in clients(&sim)? {
        let id = provider.id();
        eprintln!("  {id}: ensuring {n} new PTRs …");
        let first = ideal(id, &sim, &desired, true, n);
        rows.push(
            measure(&sim, &provider, &desired, "create", &first, |o| {
                matches!(o, Outcome::Created)
            })
            .await?,
        );
        eprintln!("  {id}: ensuring the same {n} again …");
        let again = ideal(id, &sim, &desired, false, 0);
        rows.push(
            measure(&sim, &provider, &desired, "unchanged", &again, |o| {
                matches!(o, Outcome::Unchanged)
            })
            .await?,
        );
    }
    sim.shutdown().await;
    Ok(rows)
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn print_ensure_table(rows: &[Row]) {
    println!(
        "\nensure, {} ms latency per request (EDIS batch {EDIS_CHUNK}, one at a time; \
         IONOS concurrency {IONOS_CONCURRENCY}; ECL concurrency {ECL_CONCURRENCY})\n",
        LATENCY.as_millis()
    );
    println!(
        "{:<9}{:<10}{:>7}{:>11}{:>10}{:>8}{:>8}{:>11}  outcome",
        "provider", "run", "PTRs", "wall", "requests", "ideal", "ratio", "floor"
    );
    for r in rows {
        println!(
            "{:<9}{:<10}{:>7}{:>11}{:>10}{:>8}{:>8.2}{:>11}  {}",
            r.provider.as_str(),
            r.run,
            r.ptrs,
            seconds(r.wall),
            r.requests,
            r.ideal,
            r.requests as f64 / r.ideal.max(1) as f64,
            seconds(r.floor),
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
            r.wall.as_secs_f64(),
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
        sim: &Simulator,
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
                let zone = sim
                    .ecl_zones()
                    .into_iter()
                    .find(|z| z.name == reverse_zone(v4))
                    .ok_or("no ECL zone for the baseline address")?;
                Ok(Raw::Ecl {
                    url: format!("{}/v2/zones/{}/recordsets", sim.ecl_url(), zone.id),
                    token,
                })
            }
        }
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
    raw: Duration,
    sdk: Duration,
    raw_requests: u64,
    sdk_requests: u64,
}

fn provider_requests(sim: &Simulator, id: ProviderId) -> u64 {
    sim.request_counts()
        .iter()
        .filter(|((p, _), _)| *p == id)
        .map(|(_, n)| n)
        .sum()
}

/// Blocks the lookups of part 2 are split into, raw and SDK in turn.
const ROUNDS: usize = 10;

/// Times `lookups` sequential single-IP lookups sent raw and as many through
/// the SDK, after a warm-up of each (connections, sessions, tokens, zone
/// lists).
async fn overhead(lookups: usize) -> Result<Vec<Overhead>, BoxError> {
    let sim = Simulator::start(SimConfig::demo()).await?;
    revdns::install_tls_provider();
    let http = reqwest::Client::new();
    let ip: IpAddr = "192.0.2.10".parse()?;
    let record = PtrRecord::new(ip, Hostname::new("mail.example.net")?);
    let warm_up = 20;
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
            provider.get(&[ip]).await?;
        }

        // Alternate blocks of raw and SDK lookups, so that drift (other load
        // on the machine, CPU frequency) falls on both columns alike.
        let mut row = Overhead {
            provider: id,
            raw: Duration::ZERO,
            sdk: Duration::ZERO,
            raw_requests: 0,
            sdk_requests: 0,
        };
        let mut left = lookups;
        while left > 0 {
            let block = left.min(lookups.div_ceil(ROUNDS));
            sim.reset_counts();
            let started = Instant::now();
            for _ in 0..block {
                raw.lookup(&http).await?;
            }
            row.raw += started.elapsed();
            row.raw_requests += provider_requests(&sim, id);

            sim.reset_counts();
            let started = Instant::now();
            for _ in 0..block {
                let found = provider.get(&[ip]).await?;
                if !satisfies(found.get(&ip).and_then(Option::as_ref), &record) {
                    return Err(format!("{id}: the SDK lookup did not find the PTR").into());
                }
            }
            row.sdk += started.elapsed();
            row.sdk_requests += provider_requests(&sim, id);
            left -= block;
        }
        rows.push(row);
    }
    sim.shutdown().await;
    Ok(rows)
}

fn print_overhead_table(rows: &[Overhead], lookups: usize) {
    println!(
        "\nsingle-IP lookups, 0 ms latency, {lookups} sequential per column \
         (plain reqwest vs PtrProvider::get)\n"
    );
    println!(
        "{:<8}{:>14}{:>14}{:>10}{:>14}",
        "provider", "raw µs/call", "SDK µs/call", "overhead", "requests/call"
    );
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / lookups as f64;
    for r in rows {
        println!(
            "{:<8}{:>14.1}{:>14.1}{:>9.2}×{:>9} / {}",
            r.provider.as_str(),
            per_call(r.raw),
            per_call(r.sdk),
            r.sdk.as_secs_f64() / r.raw.as_secs_f64(),
            r.raw_requests as f64 / lookups as f64,
            r.sdk_requests as f64 / lookups as f64,
        );
    }
    // Wall time of sequential calls with the simulator in this process:
    // not yet the client-only CPU ratio the performance issue asks for.
    for r in rows {
        println!(
            "overhead {}: wall_ratio={:.3}",
            r.provider.as_str(),
            r.sdk.as_secs_f64() / r.raw.as_secs_f64()
        );
    }
}

// ------------------------------------------------------------------ main

async fn run() -> Result<(), BoxError> {
    let sizes = sizes();
    eprintln!(
        "revdns ensure benchmark: {} PTRs per provider, {} lookups",
        sizes.ptrs, sizes.lookups
    );
    let rows = ensure_runs(sizes.ptrs).await?;
    print_ensure_table(&rows);
    let overhead = overhead(sizes.lookups).await?;
    print_overhead_table(&overhead, sizes.lookups);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ensure bench: {e}");
            ExitCode::FAILURE
        }
    }
}
