//! Quick start: the same few lines manage PTR records on EDIS Global, IONOS
//! Cloud DNS and NTT Enterprise Cloud 2.0, through one interface.
//!
//! ```text
//! cargo run -p revdns --example quickstart
//! ```
//!
//! It starts `revdns-sim` in this process (offline, fake demo accounts),
//! points one client of each provider at it and, on each, ensures two PTRs
//! (IPv4 and IPv6), reads them back, ensures them again (nothing to write)
//! and removes them. It exits non-zero if any step fails.
//!
//! Against a real account, build the client from the environment instead:
//! `let provider = revdns::from_env("ionos")?;` (see the README).
// An example program: printing what it did is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::error::Error;
use std::net::IpAddr;
use std::process::ExitCode;

use revdns::sync::satisfies;
use revdns::{AnyProvider, ApplyReport, PtrProvider, PtrRecord};
use revdns_sim::{SimConfig, Simulator, demo};

/// The part to copy: it works the same with any provider.
async fn manage_ptrs(provider: &impl PtrProvider) -> Result<(), Box<dyn Error>> {
    let desired = [
        PtrRecord::new("192.0.2.10".parse()?, "mail.example.net".parse()?),
        PtrRecord::new("2001:db8::10".parse()?, "mail.example.net".parse()?),
    ];
    let ips: Vec<IpAddr> = desired.iter().map(|r| r.ip).collect();

    // Read, compare, write only what differs: one result per IP.
    let report = revdns::ensure(provider, &desired).await?;
    show("ensure", &report)?;

    // Every asked IP comes back as a key: `Some(record)` or `None`.
    let found = provider.get(&ips).await?;
    show_found(&found);
    if !desired
        .iter()
        .all(|want| satisfies(found[&want.ip].as_ref(), want))
    {
        return Err("the PTRs do not read back as ensured".into());
    }

    // The same desired state again: all unchanged, nothing is written.
    show("ensure again", &revdns::ensure(provider, &desired).await?)?;

    // Idempotent: removing an IP that has no PTR is `Unchanged`.
    show("remove", &revdns::remove(provider, &ips).await?)?;
    Ok(())
}

/// Prints what `get` found.
fn show_found(found: &BTreeMap<IpAddr, Option<PtrRecord>>) {
    let ptrs: Vec<String> = found
        .iter()
        .map(|(ip, ptr)| match ptr {
            Some(record) => format!("{ip} -> {}", record.target),
            None => format!("{ip} (no PTR)"),
        })
        .collect();
    let count = found.values().filter(|ptr| ptr.is_some()).count();
    println!(
        "  {:<14}{:<13}{}",
        "get",
        format!("{count} found"),
        ptrs.join(", ")
    );
}

/// Prints one step: its counts and each IP's outcome; a failed IP fails the step.
fn show(step: &str, report: &ApplyReport) -> Result<(), Box<dyn Error>> {
    let c = report.counts();
    let counts: Vec<String> = [
        (c.created, "created"),
        (c.updated, "updated"),
        (c.deleted, "deleted"),
        (c.unchanged, "unchanged"),
        (c.failed, "failed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let per_ip: Vec<String> = report
        .iter()
        .map(|r| {
            let outcome = match r.outcome.error() {
                Some(e) => format!("FAILED: {e}"),
                None => r.outcome.name().to_owned(),
            };
            format!("{} {outcome}", r.change.ip())
        })
        .collect();
    println!("  {step:<14}{:<13}{}", counts.join(", "), per_ip.join(", "));
    match report.failures().count() {
        0 => Ok(()),
        n => Err(format!("{step}: {n} of {} changes failed", report.len()).into()),
    }
}

/// One client per provider, each pointed at the simulator with explicit
/// values (a real program would use `Client::from_env()` or the builders
/// with real credentials and no base URLs).
fn clients(sim: &Simulator) -> Result<Vec<AnyProvider>, revdns::Error> {
    let edis = revdns::edis::Client::builder()
        .credentials(revdns::edis::Credentials::new(
            demo::EDIS_EMAIL,
            demo::EDIS_PASSWORD,
        ))
        .kvm_id(demo::EDIS_KVM_ID)
        .auth_base_url(sim.edis_url())
        .ptr_base_url(sim.edis_url())
        .build()?;
    let ionos = revdns::ionos::Client::builder()
        .base_url(sim.ionos_url())
        .token(demo::IONOS_TOKEN)
        .build()?;
    let ecl = revdns::ecl::Client::builder()
        .auth_url(sim.ecl_url())
        .username(demo::ECL_USERNAME)
        .password(demo::ECL_PASSWORD)
        .project_id(demo::ECL_PROJECT_ID)
        .region(demo::ECL_REGION)
        .build()?;
    Ok(vec![edis.into(), ionos.into(), ecl.into()])
}

async fn run() -> Result<(), Box<dyn Error>> {
    let sim = Simulator::start(SimConfig::demo()).await?;
    println!(
        "revdns-sim on 127.0.0.1: EDIS {}, IONOS {}, ECL {}",
        sim.edis_url(),
        sim.ionos_url(),
        sim.ecl_url()
    );
    let mut failed = Vec::new();
    for provider in clients(&sim)? {
        let id = provider.id();
        println!("\n{id}");
        if let Err(e) = manage_ptrs(&provider).await {
            println!("  error: {}", chain(e.as_ref()));
            failed.push(id);
        }
        let requests: u64 = sim
            .request_counts()
            .iter()
            .filter(|((p, _), _)| *p == id)
            .map(|(_, n)| n)
            .sum();
        println!("  ({requests} HTTP requests)");
    }
    sim.shutdown().await;
    if failed.is_empty() {
        println!("\nThe same calls worked on every provider.");
        Ok(())
    } else {
        let names: Vec<String> = failed.iter().map(ToString::to_string).collect();
        Err(format!("failed on {}", names.join(", ")).into())
    }
}

/// An error and its causes on one line.
fn chain(e: &(dyn Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {}", chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}
