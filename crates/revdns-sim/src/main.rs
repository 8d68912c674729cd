//! `revdns-sim`: serves the EDIS, IONOS and ECL simulators on loopback with
//! the demo accounts, prints how to point the revdns clients at them, and
//! stops on Ctrl-C.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Duration;

use clap::Parser;
use revdns_sim::{Faults, ProviderId, RateLimit, SimConfig, Simulator, demo};

/// Serve simulated EDIS, IONOS and NTT ECL reverse-DNS APIs on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "revdns-sim", version, about)]
struct Args {
    /// Port of the EDIS listener (0: any free port).
    #[arg(long, default_value_t = 0)]
    edis_port: u16,
    /// Port of the IONOS listener (0: any free port).
    #[arg(long, default_value_t = 0)]
    ionos_port: u16,
    /// Port of the ECL (Keystone and DNS) listener (0: any free port).
    #[arg(long, default_value_t = 0)]
    ecl_port: u16,
    /// Seed of the random faults and ids, so a run can be replayed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Fixed latency of every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Extra random latency of up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Share of requests answered 503 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    unavailable: f64,
    /// Share of requests answered 502 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    bad_gateway: f64,
    /// Share of connections closed without an answer (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    drop: f64,
    /// Share of answers lost after the request was served (0 to 1): the
    /// change is applied, the connection is cut before the answer.
    #[arg(long, default_value_t = 0.0)]
    lost: f64,
    /// Answer 429, 502 and 503 with an HTML error page instead of JSON.
    #[arg(long)]
    html_errors: bool,
    /// IONOS and ECL record lists never end (a broken server).
    #[arg(long)]
    endless_pages: bool,
    /// Pad successful read answers with spaces to at least this many bytes.
    #[arg(long)]
    oversized_bodies: Option<usize>,
    /// Requests per second allowed per credential; more are answered 429.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Lifetime of EDIS sessions and ECL tokens, in seconds (default 3600).
    #[arg(long)]
    session_lifetime: Option<u64>,
}

impl Args {
    fn faults(&self) -> Faults {
        let mut faults = Faults::none()
            .latency(Duration::from_millis(self.latency_ms))
            .jitter(Duration::from_millis(self.jitter_ms))
            .service_unavailable(self.unavailable)
            .bad_gateway(self.bad_gateway)
            .dropped_connections(self.drop)
            .lost_answers(self.lost)
            .html_errors(self.html_errors)
            .endless_pages(self.endless_pages);
        if let Some(bytes) = self.oversized_bodies {
            faults = faults.oversized_bodies(bytes);
        }
        if let Some(per_second) = self.rate_limit {
            faults = faults.rate_limit(RateLimit::new(per_second, Duration::from_secs(1)));
        }
        if let Some(secs) = self.session_lifetime {
            faults = faults.session_lifetime(Duration::from_secs(secs));
        }
        faults
    }

    fn config(&self) -> SimConfig {
        let faults = self.faults();
        ProviderId::ALL
            .into_iter()
            .fold(SimConfig::demo(), |config, p| config.faults(p, faults))
            .seed(self.seed)
            .edis_port(self.edis_port)
            .ionos_port(self.ionos_port)
            .ecl_port(self.ecl_port)
    }
}

fn banner(sim: &Simulator) -> String {
    let (edis, ionos, ecl) = (sim.edis_url(), sim.ionos_url(), sim.ecl_url());
    let blocks = demo::BLOCKS.join(", ");
    let exports: String = sim
        .env_exports()
        .iter()
        .map(|(name, value)| format!("export {name}='{value}'\n"))
        .collect();
    format!(
        "revdns-sim is serving on loopback; Ctrl-C stops it.

  EDIS   {edis}   auth and PTR
  IONOS  {ionos}
  ECL    {ecl}   Keystone at /v3, DNS at /v2

Demo accounts (fake credentials), each owning {blocks}; these variables point
every client's from_env at this simulator:

{exports}
ECL reverse zones: {zones}
",
        zones = demo::ECL_ZONES.join(" "),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let sim = Simulator::start(args.config()).await?;
    println!("{}", banner(&sim));
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    // Connections finish their current request; do not wait on a stuck one.
    if tokio::time::timeout(Duration::from_secs(5), sim.shutdown())
        .await
        .is_err()
    {
        println!("some connections were still open; stopped anyway");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_faults_for_every_provider() {
        let args = Args::parse_from([
            "revdns-sim",
            "--unavailable",
            "0.1",
            "--rate-limit",
            "20",
            "--session-lifetime",
            "60",
            "--lost",
            "0.01",
            "--html-errors",
            "--endless-pages",
            "--oversized-bodies",
            "1000000",
        ]);
        let faults = args.faults();
        assert_eq!(faults.lost_answers, 0.01);
        assert!(faults.html_errors && faults.endless_pages);
        assert_eq!(faults.oversized_bodies, Some(1_000_000));
        assert_eq!(faults.service_unavailable, 0.1);
        assert_eq!(
            faults.rate_limit,
            Some(RateLimit::new(20, Duration::from_secs(1)))
        );
        assert_eq!(faults.session_lifetime, Some(Duration::from_secs(60)));
    }

    #[tokio::test]
    async fn banner_names_every_variable_and_url() {
        let sim = Simulator::start(SimConfig::demo()).await.unwrap();
        let text = banner(&sim);
        for needle in [
            "EDIS_EMAIL=",
            "EDIS_PASSWORD=",
            "EDIS_KVM_ID=",
            "EDIS_AUTH_URL=",
            "EDIS_PTR_URL=",
            "IONOS_TOKEN=",
            "IONOS_DNS_API_URL=",
            "OS_AUTH_URL=",
            "OS_USERNAME=",
            "OS_PASSWORD=",
            "OS_PROJECT_ID=",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        assert!(text.contains(&format!("IONOS_DNS_API_URL='{}'", sim.ionos_url())));
        assert!(text.contains(&format!("OS_AUTH_URL='{}/v3'", sim.ecl_url())));
        assert!(text.contains(&format!("EDIS_AUTH_URL='{}'", sim.edis_url())));
    }
}
