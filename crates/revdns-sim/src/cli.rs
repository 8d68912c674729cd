//! The `revdns-sim` command line as a library, so that `revdns sim` (the
//! `revdns-cli` binary) serves the same flags with the same code.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Duration;

use clap::Parser;

use crate::{Faults, ProviderId, RateLimit, SimConfig, Simulator, demo, env_exports_for};

/// Serve simulated EDIS, IONOS and NTT ECL reverse-DNS APIs on 127.0.0.1.
#[derive(Debug, Clone, Parser)]
#[command(name = "revdns-sim", version, about)]
pub struct SimArgs {
    /// First of four fixed ports: EDIS on it, IONOS on +1, ECL on +2, the
    /// admin API on +3, so that URLs stay the same across restarts. The
    /// per-provider port flags override it.
    #[arg(long)]
    port: Option<u16>,
    /// Port of the admin API (state, counters, faults, preload, reset).
    #[arg(long)]
    admin_port: Option<u16>,
    /// Print only the `export` lines for the fixed ports and exit, for
    /// `eval "$(revdns-sim --port 8400 --print-env)"` while another
    /// `revdns-sim --port 8400` serves.
    #[arg(long)]
    print_env: bool,
    /// Apply the fault flags to these providers only (repeatable; default:
    /// all three).
    #[arg(long = "only", value_name = "PROVIDER")]
    only: Vec<ProviderId>,
    /// ECL: how long a new recordset still answers 404 to showRecordset, ms.
    #[arg(long, default_value_t = 0)]
    ecl_not_found_ms: u64,
    /// ECL: how long a new zone stays CREATING, ms.
    #[arg(long, default_value_t = 0)]
    ecl_zone_activation_ms: u64,
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

impl SimArgs {
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

    /// The four ports (EDIS, IONOS, ECL, admin), from `--port` and the
    /// per-listener flags (0: any free port).
    fn ports(&self) -> [u16; 4] {
        let base = |offset: u16| self.port.map_or(0, |p| p.saturating_add(offset));
        let pick = |flag: u16, offset| if flag != 0 { flag } else { base(offset) };
        [
            pick(self.edis_port, 0),
            pick(self.ionos_port, 1),
            pick(self.ecl_port, 2),
            self.admin_port.unwrap_or_else(|| base(3)),
        ]
    }

    fn config(&self) -> SimConfig {
        let faults = self.faults();
        let chosen: Vec<ProviderId> = if self.only.is_empty() {
            vec![ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl]
        } else {
            self.only.clone()
        };
        let [edis, ionos, ecl, admin] = self.ports();
        let ecl_lags = |f: Faults| {
            f.not_found_after_create(Duration::from_millis(self.ecl_not_found_ms))
                .zone_activation(Duration::from_millis(self.ecl_zone_activation_ms))
        };
        let config = chosen
            .into_iter()
            .fold(SimConfig::demo(), |config, p| config.faults(p, faults));
        let ecl_faults = if self.only.is_empty() || self.only.contains(&ProviderId::Ecl) {
            faults
        } else {
            Faults::none()
        };
        config
            .faults(ProviderId::Ecl, ecl_lags(ecl_faults))
            .seed(self.seed)
            .edis_port(edis)
            .ionos_port(ionos)
            .ecl_port(ecl)
            .admin_port(admin)
    }
}

/// The `export` lines of [`Simulator::env_exports`].
fn exports(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("export {name}='{value}'\n"))
        .collect()
}

/// The exports for fixed ports, without starting anything.
fn fixed_exports(ports: [u16; 4]) -> Result<String, String> {
    if ports.contains(&0) {
        return Err("--print-env needs fixed ports: give --port (or all four port flags)".into());
    }
    let url = |port: u16| format!("http://127.0.0.1:{port}");
    let [edis, ionos, ecl, admin] = ports;
    Ok(exports(&env_exports_for(
        &url(edis),
        &url(ionos),
        &url(ecl),
        Some(&url(admin)),
    )))
}

fn banner(sim: &Simulator) -> String {
    let (edis, ionos, ecl) = (sim.edis_url(), sim.ionos_url(), sim.ecl_url());
    let admin = sim.admin_url().unwrap_or_default();
    let blocks = demo::BLOCKS.join(", ");
    let exports = exports(&sim.env_exports());
    format!(
        "revdns-sim is serving on loopback; Ctrl-C stops it.

  EDIS   {edis}   auth and PTR
  IONOS  {ionos}
  ECL    {ecl}   Keystone at /v3, DNS at /v2
  admin  {admin}   GET /state /counters, PUT /faults/{{provider}}, POST /preload /reset

Demo accounts (fake credentials), each owning {blocks}; these variables point
every client's from_env at this simulator:

{exports}
ECL reverse zones: {zones}
",
        zones = demo::ECL_ZONES.join(" "),
    )
}

/// Runs what the flags say: prints the exports for fixed ports
/// (`--print-env`), or serves until Ctrl-C with a banner naming the URLs and
/// the variables to export.
///
/// # Errors
///
/// `--print-env` without fixed ports, a port already in use, or a failure
/// to listen for Ctrl-C.
pub async fn run(args: SimArgs) -> Result<(), Box<dyn Error>> {
    if args.print_env {
        print!("{}", fixed_exports(args.ports())?);
        return Ok(());
    }
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
        let args = SimArgs::parse_from([
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

    #[test]
    fn one_port_flag_fixes_all_four_and_print_env_needs_them() {
        let args = SimArgs::parse_from(["revdns-sim", "--port", "8400", "--ionos-port", "9000"]);
        assert_eq!(args.ports(), [8400, 9000, 8402, 8403]);
        let text = fixed_exports(args.ports()).unwrap();
        assert!(text.contains("export EDIS_AUTH_URL='http://127.0.0.1:8400'"));
        assert!(text.contains("export IONOS_DNS_API_URL='http://127.0.0.1:9000'"));
        assert!(text.contains("export OS_AUTH_URL='http://127.0.0.1:8402/v3'"));
        assert!(text.contains("export REVDNS_SIM_ADMIN_URL='http://127.0.0.1:8403'"));
        assert!(fixed_exports(SimArgs::parse_from(["revdns-sim"]).ports()).is_err());
    }

    #[tokio::test]
    async fn print_env_matches_what_the_simulator_exports_on_those_ports() {
        // Free ports, then the same ports given as flags: the two agree.
        let probe = Simulator::start(SimConfig::demo().admin_port(0))
            .await
            .unwrap();
        let ports = [
            probe.addr(ProviderId::Edis).unwrap().port(),
            probe.addr(ProviderId::Ionos).unwrap().port(),
            probe.addr(ProviderId::Ecl).unwrap().port(),
            probe
                .admin_url()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap(),
        ];
        assert_eq!(fixed_exports(ports).unwrap(), exports(&probe.env_exports()));
    }

    #[test]
    fn faults_can_be_limited_to_some_providers_and_ecl_lags_set() {
        let args = SimArgs::parse_from([
            "revdns-sim",
            "--unavailable",
            "0.5",
            "--only",
            "ionos",
            "--ecl-not-found-ms",
            "250",
            "--ecl-zone-activation-ms",
            "1000",
        ]);
        let config = args.config();
        assert_eq!(config.faults_of(ProviderId::Ionos).service_unavailable, 0.5);
        assert_eq!(config.faults_of(ProviderId::Edis), Faults::none());
        let ecl = config.faults_of(ProviderId::Ecl);
        assert_eq!(ecl.service_unavailable, 0.0);
        assert_eq!(ecl.not_found_after_create, Duration::from_millis(250));
        assert_eq!(ecl.zone_activation, Duration::from_millis(1000));
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
