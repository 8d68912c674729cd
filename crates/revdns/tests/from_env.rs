//! The simulator's exports alone point every provider at it: a round trip
//! through `AnyProvider::from_env_with` lands in the simulator's records.

use std::collections::HashMap;
use std::net::IpAddr;

use revdns::{AnyProvider, Hostname, ProviderId, PtrChange, PtrProvider};
use revdns_sim::{SimConfig, Simulator};

#[tokio::test]
async fn every_provider_works_against_the_simulator_from_its_exports_alone() {
    let sim = Simulator::start(SimConfig::demo()).await.unwrap();
    let env: HashMap<&str, String> = sim.env_exports().into_iter().collect();
    for (variable, value) in &env {
        if variable.ends_with("_URL") {
            assert!(value.starts_with("http://127.0.0.1:"), "{variable}={value}");
        }
    }
    let ip: IpAddr = "192.0.2.77".parse().unwrap();
    let target = Hostname::new("env.example.net").unwrap();
    for provider in [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl] {
        let client = AnyProvider::from_env_with(provider, |name| env.get(name).cloned()).unwrap();
        let report = client
            .apply(&[PtrChange::upsert(ip, target.clone())])
            .await
            .unwrap();
        assert_eq!(report.counts().created, 1, "{provider}: {report:?}");
        let read = client.get(&[ip]).await.unwrap();
        assert_eq!(read[&ip].as_ref().unwrap().target, target, "{provider}");
        assert!(
            sim.request_counts().keys().any(|(p, _)| *p == provider),
            "{provider} sent nothing to the simulator"
        );
    }
    assert_eq!(
        sim.edis_ptrs(revdns_sim::demo::EDIS_KVM_ID)[&ip],
        "env.example.net"
    );
    assert_eq!(sim.ionos_records()[&ip].name, "env.example.net");
}

/// `env_vars` names what each client reads: a client built only from the
/// listed variables of the simulator's exports works, and the credentials
/// are the ones marked secret.
#[tokio::test]
async fn env_vars_list_each_providers_variables_and_secrets() {
    let sim = Simulator::start(SimConfig::demo()).await.unwrap();
    let env: HashMap<&str, String> = sim.env_exports().into_iter().collect();
    let ip: IpAddr = "192.0.2.78".parse().unwrap();
    for (provider, secrets) in [
        (ProviderId::Edis, &["EDIS_PASSWORD"][..]),
        (ProviderId::Ionos, &["IONOS_TOKEN"]),
        (ProviderId::Ecl, &["OS_PASSWORD", "OS_TOKEN"]),
    ] {
        let vars = revdns::env_vars(provider);
        let marked: Vec<&str> = vars.iter().filter(|v| v.secret).map(|v| v.name).collect();
        assert_eq!(marked, secrets, "{provider}");
        let listed = |name: &str| vars.iter().any(|v| v.name == name);
        let client = AnyProvider::from_env_with(provider, |name| {
            env.get(name).filter(|_| listed(name)).cloned()
        })
        .unwrap();
        assert!(
            client.get(&[ip]).await.unwrap()[&ip].is_none(),
            "{provider}"
        );
    }
}
