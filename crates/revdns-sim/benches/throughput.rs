//! Throughput of the simulator: drives each provider in-process with raw
//! HTTP requests (a write/read mix over thousands of records, many in
//! flight) and prints requests per second per provider.
//!
//! `cargo bench -p revdns-sim --bench throughput`; override the load with
//! `REVDNS_BENCH_REQUESTS` (default 20000) and `REVDNS_BENCH_CONCURRENCY`
//! (default 64). Client and server share this process and its cores, so the
//! figures are a floor for the server alone.
// A harness binary: printing the table is its job.
#![allow(clippy::print_stdout)]

use std::env;
use std::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use futures::StreamExt;
use revdns_sim::{EclUser, EclZone, SimConfig, Simulator, demo};
use serde_json::{Value, json};

/// Distinct records each provider works over.
const RECORDS: usize = 5000;
const ZONE: &str = "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
/// An ECL tenant of its own, so its zone does not clash with the demo one.
const BENCH_USER: &str = "bench-api-key";
const BENCH_PASSWORD: &str = "bench-secret-not-a-secret";
const BENCH_PROJECT: &str = "fedcba9876543210fedcba9876543210";

type Call = Pin<Box<dyn Future<Output = bool> + Send>>;

fn env_or(name: &str, default: usize) -> usize {
    env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

/// The IPv6 address of record `i` (inside 2001:db8::/64, owned everywhere).
fn ip(i: usize) -> String {
    format!("2001:db8::{:x}", i + 1)
}

/// The PTR owner name of [`ip`] `i` in [`ZONE`].
fn reverse(i: usize) -> String {
    let addr: std::net::Ipv6Addr = ip(i).parse().unwrap_or(std::net::Ipv6Addr::UNSPECIFIED);
    let nibbles: String = addr
        .octets()
        .iter()
        .rev()
        .flat_map(|b| [b & 0x0f, b >> 4])
        .map(|n| format!("{n:x}."))
        .collect();
    format!("{nibbles}ip6.arpa.")
}

struct Row {
    provider: &'static str,
    workload: &'static str,
    requests: usize,
    failed: usize,
    seconds: f64,
}

async fn drive(requests: usize, concurrency: usize, call: impl Fn(usize) -> Call) -> (usize, f64) {
    let started = Instant::now();
    let failed = futures::stream::iter(0..requests)
        .map(call)
        .buffer_unordered(concurrency)
        .filter(|ok| futures::future::ready(!ok))
        .count()
        .await;
    (failed, started.elapsed().as_secs_f64())
}

fn ok(result: reqwest::Result<reqwest::Response>) -> bool {
    result.is_ok_and(|r| r.status().is_success())
}

async fn bench_edis(
    sim: &Simulator,
    http: &reqwest::Client,
    requests: usize,
    concurrency: usize,
) -> Result<Row, Box<dyn Error>> {
    let auth: Value = http
        .post(format!("{}/kvm/v2/get/auth", sim.edis_url()))
        .form(&[("email", demo::EDIS_EMAIL), ("pw", demo::EDIS_PASSWORD)])
        .send()
        .await?
        .json()
        .await?;
    let s = &auth["data"][demo::EDIS_KVM_ID];
    let session: Vec<(String, String)> = ["signature", "kvm_id", "api_host"]
        .iter()
        .map(|k| ((*k).to_owned(), s[k].as_str().unwrap_or("").to_owned()))
        .chain([(
            "valid_until".to_owned(),
            s["valid_until"].as_i64().unwrap_or(0).to_string(),
        )])
        .collect();
    let base = sim.edis_url();
    let call = |i: usize| -> Call {
        let http = http.clone();
        let mut form = session.clone();
        let record = i % RECORDS;
        let (path, value) = if i.is_multiple_of(2) {
            (
                "set",
                json!({ ip(record): format!("h{record}.example.net") }),
            )
        } else {
            ("get", json!([ip(record)]))
        };
        form.push(("ip".to_owned(), value.to_string()));
        let url = format!("{base}/{path}/ptr");
        Box::pin(async move { ok(http.post(url).form(&form).send().await) })
    };
    let (failed, seconds) = drive(requests, concurrency, call).await;
    Ok(Row {
        provider: "edis",
        workload: "setPTR / getPTR, 1 IP each",
        requests,
        failed,
        seconds,
    })
}

async fn bench_ionos(
    sim: &Simulator,
    http: &reqwest::Client,
    requests: usize,
    concurrency: usize,
) -> Result<Row, Box<dyn Error>> {
    let base = sim.ionos_url();
    let call = |i: usize| -> Call {
        let http = http.clone();
        let record = i % RECORDS;
        let base = base.clone();
        Box::pin(async move {
            let req = if i.is_multiple_of(2) {
                let id = format!("00000000-0000-4000-8000-{record:012x}");
                http.put(format!("{base}/reverserecords/{id}"))
                    .json(&json!({"properties": {"ip": ip(record), "name": format!("h{record}.example.net")}}))
            } else {
                http.get(format!("{base}/reverserecords"))
                    .query(&[("filter.recordIp", ip(record))])
            };
            ok(req.bearer_auth(demo::IONOS_TOKEN).send().await)
        })
    };
    let (failed, seconds) = drive(requests, concurrency, call).await;
    Ok(Row {
        provider: "ionos",
        workload: "PUT by id / GET filter.recordIp",
        requests,
        failed,
        seconds,
    })
}

async fn bench_ecl(
    sim: &Simulator,
    http: &reqwest::Client,
    requests: usize,
    concurrency: usize,
) -> Result<Row, Box<dyn Error>> {
    let resp = http
        .post(format!("{}/v3/auth/tokens", sim.ecl_url()))
        .json(&json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "domain": {"id": "default"}, "name": BENCH_USER, "password": BENCH_PASSWORD}}},
            "scope": {"project": {"id": BENCH_PROJECT}}}}))
        .send()
        .await?;
    let token = resp
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let zone = sim
        .ecl_zones()
        .into_iter()
        .find(|z| z.name == ZONE && z.project_id == BENCH_PROJECT)
        .ok_or("the bench zone exists")?;
    let ids: Vec<String> = sim
        .ecl_recordsets(ZONE)
        .into_iter()
        .filter(|r| r.zone_id == zone.id && r.record_type == "PTR")
        .map(|r| r.id.to_string())
        .collect();
    let base = format!("{}/v2/zones/{}/recordsets", sim.ecl_url(), zone.id);
    let call = |i: usize| -> Call {
        let http = http.clone();
        let url = format!("{base}/{}", ids[i % ids.len()]);
        let token = token.clone();
        Box::pin(async move {
            let req = if i.is_multiple_of(2) {
                http.put(url)
                    .json(&json!({"records": [format!("v{i}.example.net.")], "ttl": 3600}))
            } else {
                http.get(url)
            };
            ok(req.header("X-Auth-Token", token).send().await)
        })
    };
    let (failed, seconds) = drive(requests, concurrency, call).await;
    Ok(Row {
        provider: "ecl",
        workload: "PUT recordset / GET recordset",
        requests,
        failed,
        seconds,
    })
}

fn config() -> SimConfig {
    let mut zone = EclZone::new(ZONE);
    for i in 0..RECORDS {
        zone = zone.recordset(&reverse(i), "PTR", &format!("h{i}.example.net."), 3600);
    }
    let mut config = SimConfig::demo()
        .seed(1)
        .ecl_user(EclUser::new(BENCH_USER, BENCH_PASSWORD, BENCH_PROJECT).zone(zone));
    for i in 0..RECORDS {
        config = config.ionos_record(&ip(RECORDS + i), &format!("seed{i}.example.net"));
    }
    config
}

fn main() -> Result<(), Box<dyn Error>> {
    let requests = env_or("REVDNS_BENCH_REQUESTS", 20_000);
    let concurrency = env_or("REVDNS_BENCH_CONCURRENCY", 64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sim = Simulator::start(config()).await?;
        revdns_core::runtime::install_tls_provider();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .build()?;
        // Warm up connections and code paths.
        bench_ionos(&sim, &http, 500, concurrency).await?;

        let mut rows = Vec::new();
        rows.push(bench_edis(&sim, &http, requests, concurrency).await?);
        rows.push(bench_ionos(&sim, &http, requests, concurrency).await?);
        rows.push(bench_ecl(&sim, &http, requests, concurrency).await?);

        println!(
            "revdns-sim throughput: {requests} requests per provider, {concurrency} in flight, {} cores",
            std::thread::available_parallelism().map_or(1, usize::from)
        );
        println!(
            "{:<8} {:<34} {:>9} {:>7} {:>9} {:>10}",
            "provider", "workload", "requests", "failed", "seconds", "req/s"
        );
        for r in &rows {
            println!(
                "{:<8} {:<34} {:>9} {:>7} {:>9.2} {:>10.0}",
                r.provider,
                r.workload,
                r.requests,
                r.failed,
                r.seconds,
                r.requests as f64 / r.seconds
            );
        }
        sim.shutdown().await;
        Ok::<(), Box<dyn Error>>(())
    })
}
