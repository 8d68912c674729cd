//! `revdns apply` against the library's `ensure`: the same N new PTRs per
//! provider on the simulator (20 ms latency on every request), counted in
//! requests and wall time, with the CLI run on a pseudo-terminal so that its
//! progress bar draws; the bar's last frame is printed.
//!
//! ```text
//! cargo bench -p revdns-cli --bench apply              # 10,000 PTRs
//! REVDNS_BENCH_PTRS=500 cargo bench -p revdns-cli --bench apply
//! ```
//!
//! Needs `script` (util-linux) for the pseudo-terminal. Prints, per
//! provider, `bench apply <p>: ensure_requests=N cli_requests=N
//! ensure_wall_s=S cli_wall_s=S`. It asserts nothing on time.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;
use std::net::{IpAddr, Ipv6Addr};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use revdns::{AnyProvider, Hostname, ProviderId, PtrRecord, ensure};
use revdns_sim::{Faults, SimConfig, Simulator};

type BoxError = Box<dyn Error>;

const LATENCY: Duration = Duration::from_millis(20);

/// The n-th address of the demo accounts' IPv6 block (one ECL zone).
fn address(n: usize) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(
        0x2001_0db8_0000_0000_0000_0000_0001_0000_u128 + n as u128,
    ))
}

fn records(n: usize) -> Result<Vec<PtrRecord>, BoxError> {
    (0..n)
        .map(|i| {
            Ok(PtrRecord::new(
                address(i),
                Hostname::new(&format!("h{i}.bench.example.net"))?,
            ))
        })
        .collect()
}

fn requests(sim: &Simulator, p: ProviderId) -> u64 {
    sim.request_counts()
        .iter()
        .filter(|((q, _), _)| *q == p)
        .map(|(_, n)| n)
        .sum()
}

async fn start(p: ProviderId) -> Result<Simulator, BoxError> {
    let config = SimConfig::demo().faults(p, Faults::none().latency(LATENCY));
    Ok(Simulator::start(config).await?)
}

/// The last frame of a progress bar drawn on a terminal, without escapes.
fn last_frame(raw: &str) -> String {
    let mut plain = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte.
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            plain.push('\n');
        } else {
            plain.push(c);
        }
    }
    plain
        .split(['\r', '\n'])
        .map(str::trim)
        .rfind(|l| l.contains("changes"))
        .unwrap_or("(no bar drawn)")
        .to_owned()
}

async fn bench(p: ProviderId, n: usize, dir: &std::path::Path) -> Result<(), BoxError> {
    let desired = records(n)?;

    let sim = start(p).await?;
    let exports = sim.env_exports();
    let client = AnyProvider::from_env_with(p, |name| {
        exports
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })?;
    let t = Instant::now();
    let report = ensure(&client, &desired).await?;
    let ensure_wall = t.elapsed();
    if !report.is_success() {
        return Err(format!("{p}: ensure failed {} changes", report.counts().failed).into());
    }
    let ensure_requests = requests(&sim, p);
    sim.shutdown().await;

    let sim = start(p).await?;
    let mut text = String::from("records:\n");
    for r in &desired {
        text.push_str(&format!(
            "  - {{ ip: \"{}\", target: {} }}\n",
            r.ip, r.target
        ));
    }
    let file = dir.join(format!("{p}.yaml"));
    std::fs::write(&file, text)?;
    let out_file = dir.join(format!("{p}.out"));
    let line = format!(
        "{} --provider {p} --progress always apply --yes -f {} > {}",
        env!("CARGO_BIN_EXE_revdns"),
        file.display(),
        out_file.display()
    );
    let t = Instant::now();
    // `script` gives the CLI a terminal on stderr (stdout goes to a file),
    // as an operator's shell would.
    let output = tokio::task::spawn_blocking({
        let exports = sim.env_exports();
        move || {
            Command::new("script")
                .args(["-qefc", &line, "/dev/null"])
                .env("COLUMNS", "100")
                .envs(exports)
                .output()
        }
    })
    .await??;
    let cli_wall = t.elapsed();
    let stdout = std::fs::read_to_string(&out_file)?;
    if !output.status.success() || !stdout.contains(&format!("{n} created")) {
        return Err(format!(
            "{p}: revdns apply did not create all: {}\n{}",
            stdout.lines().last().unwrap_or(""),
            String::from_utf8_lossy(&output.stdout)
        )
        .into());
    }
    let cli_requests = requests(&sim, p);
    sim.shutdown().await;
    println!(
        "progress bar, last frame ({p}): {}",
        last_frame(&String::from_utf8_lossy(&output.stdout))
    );
    println!(
        "bench apply {p}: ensure_requests={ensure_requests} cli_requests={cli_requests} ensure_wall_s={:.2} cli_wall_s={:.2}",
        ensure_wall.as_secs_f64(),
        cli_wall.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let n = std::env::var("REVDNS_BENCH_PTRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("no temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("revdns apply vs ensure: {n} new PTRs per provider, {LATENCY:?} latency");
    let mut code = ExitCode::SUCCESS;
    for p in [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl] {
        if let Err(e) = bench(p, n, dir.path()).await {
            eprintln!("{p}: {e}");
            code = ExitCode::FAILURE;
        }
    }
    code
}
