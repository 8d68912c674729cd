//! How an application tests its own reverse-DNS code against the simulator:
//! start it in the test, build the client from its exports, run the code,
//! and check what the simulator now holds, faults included.
//!
//! `cargo test -p revdns-sim --example integration_test` runs the tests
//! below; `cargo run -p revdns-sim --example integration_test` runs `main`.
#![allow(clippy::print_stdout)]

use std::net::IpAddr;

use revdns::{AnyProvider, Hostname, PtrProvider, PtrRecord};

/// The application's code: every web server gets `web-N.example.net`.
pub async fn name_web_servers(
    provider: &impl PtrProvider,
    ips: &[IpAddr],
) -> Result<usize, revdns::Error> {
    let desired: Vec<PtrRecord> = ips
        .iter()
        .enumerate()
        .map(|(n, ip)| {
            let name = Hostname::new(&format!("web-{}.example.net", n + 1))?;
            Ok(PtrRecord::new(*ip, name))
        })
        .collect::<Result<_, revdns::Error>>()?;
    let report = revdns::ensure(provider, &desired).await?;
    Ok(report.counts().created + report.counts().updated)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = revdns_sim::Simulator::start(revdns_sim::SimConfig::demo()).await?;
    let env: std::collections::HashMap<_, _> = sim.env_exports().into_iter().collect();
    let provider = AnyProvider::from_env_with(revdns::ProviderId::Ionos, |k| env.get(k).cloned())?;
    let ips = ["192.0.2.10".parse()?, "192.0.2.11".parse()?];
    println!("named {} servers", name_web_servers(&provider, &ips).await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use revdns::ProviderId;
    use revdns_sim::{Faults, SimConfig, Simulator};

    use super::*;

    async fn client(sim: &Simulator, provider: ProviderId) -> AnyProvider {
        let env: HashMap<_, _> = sim.env_exports().into_iter().collect();
        AnyProvider::from_env_with(provider, |k| env.get(k).cloned()).unwrap()
    }

    fn ips() -> Vec<IpAddr> {
        vec![
            "192.0.2.10".parse().unwrap(),
            "2001:db8::10".parse().unwrap(),
        ]
    }

    #[tokio::test]
    async fn names_every_server_once_on_every_provider() {
        for provider in [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl] {
            let sim = Simulator::start(SimConfig::demo()).await.unwrap();
            let c = client(&sim, provider).await;
            assert_eq!(name_web_servers(&c, &ips()).await.unwrap(), 2, "{provider}");
            // Run again: nothing left to do.
            assert_eq!(name_web_servers(&c, &ips()).await.unwrap(), 0, "{provider}");
            let got = c.get(&ips()).await.unwrap();
            assert_eq!(
                got[&ips()[0]].as_ref().unwrap().target.as_str(),
                "web-1.example.net"
            );
        }
    }

    #[tokio::test]
    async fn survives_a_flaky_provider() {
        // Seeded: the same requests draw the same faults on every run.
        let sim = Simulator::start(SimConfig::demo().seed(7)).await.unwrap();
        sim.set_faults(ProviderId::Ionos, Faults::none().service_unavailable(0.5));
        let c = client(&sim, ProviderId::Ionos).await;
        let many: Vec<IpAddr> = (20..30)
            .map(|n| format!("192.0.2.{n}").parse().unwrap())
            .collect();
        assert_eq!(name_web_servers(&c, &many).await.unwrap(), 10);
        assert!(sim.fault_counts(ProviderId::Ionos).service_unavailable > 0);
        // The simulator's own records are the truth.
        let records = sim.ionos_records();
        assert_eq!(records.len(), 10);
        assert_eq!(records[&many[9]].name, "web-10.example.net");
    }
}
