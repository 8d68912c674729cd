//! Verifies 10,000 PTRs against the in-process loopback DNS server and
//! prints one script-readable line:
//!
//! `bench verify: ips=10000 lookups_per_s=X peak_rss_mib=Y`
//!
//! The peak RSS is the process's high-water mark (`VmHWM`), server included.
//! Run: `cargo bench -p revdns-verify --bench verify`.

#[path = "../tests/support/dns_server.rs"]
mod dns_server;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use dns_server::{DnsServer, Zone};
use revdns_core::{Hostname, PtrRecord};
use revdns_verify::Verifier;

const IPS: usize = 10_000;

fn address(i: usize) -> IpAddr {
    let i = u32::try_from(i).expect("small index");
    IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 0)) + i))
}

/// The process's peak resident set in MiB, from `/proc/self/status`.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[allow(clippy::print_stdout)]
#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut zone = Zone::new("bench.test.");
    let mut records = Vec::with_capacity(IPS);
    for i in 0..IPS {
        let name = format!("h{i}.bench.test");
        zone = zone.a(&format!("{name}."), &address(i).to_string());
        records.push(PtrRecord::new(
            address(i),
            Hostname::new(&name).expect("valid"),
        ));
    }
    let dns = DnsServer::start(vec![zone], Vec::new()).await;
    let verifier = Verifier::builder()
        .nameservers([dns.addr])
        .timeout(Duration::from_secs(2))
        .concurrency(64)
        .build()
        .expect("valid configuration");
    let started = Instant::now();
    let result = verifier.verify(&records).await;
    let elapsed = started.elapsed().as_secs_f64();
    let summary = result.summary();
    assert_eq!(summary.confirmed, IPS, "{summary}");
    let rate = result.lookups as f64 / elapsed;
    let rss = peak_rss_mib().map_or_else(|| "unknown".to_owned(), |m| format!("{m:.1}"));
    println!("bench verify: ips={IPS} lookups_per_s={rate:.0} peak_rss_mib={rss}");
}
