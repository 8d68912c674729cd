//! Starting, configuring and stopping the simulator.

mod support;

use revdns_sim::{EdisAccount, EdisKvm, IonosToken, SimConfig, Simulator};

#[tokio::test]
async fn urls_are_loopback_without_a_trailing_slash() {
    let sim = support::demo_sim().await;
    for url in [sim.edis_url(), sim.ionos_url(), sim.ecl_url()] {
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert!(!url.ends_with('/'));
    }
    let urls = [sim.edis_url(), sim.ionos_url(), sim.ecl_url()];
    assert!(
        urls[0] != urls[1] && urls[1] != urls[2],
        "one listener each"
    );
}

#[tokio::test]
async fn shutdown_stops_the_listeners() {
    let sim = support::demo_sim().await;
    let url = format!("{}/reverserecords", sim.ionos_url());
    assert!(support::http().get(&url).send().await.is_ok());
    sim.shutdown().await;
    let err = support::http().get(&url).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn invalid_configuration_is_refused_at_start() {
    let bad_prefix = SimConfig::new().ionos_token(IonosToken::new("t").block("192.0.2.0/33"));
    let duplicate_kvm = SimConfig::new()
        .edis_account(EdisAccount::new("a@example.net", "pw").kvm(EdisKvm::new("kvm_1_1")))
        .edis_account(EdisAccount::new("b@example.net", "pw").kvm(EdisKvm::new("kvm_1_1")));
    let bad_record = SimConfig::new().ionos_record("not-an-ip", "h.example.net");
    for config in [bad_prefix, duplicate_kvm, bad_record] {
        let err = Simulator::start(config).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    }
}

#[tokio::test]
async fn debug_shows_addresses_but_no_credentials() {
    let sim = support::demo_sim().await;
    let shown = format!("{sim:?}");
    assert!(shown.contains("127.0.0.1"), "{shown}");
    for secret in [
        revdns_sim::demo::EDIS_PASSWORD,
        revdns_sim::demo::IONOS_TOKEN,
        revdns_sim::demo::ECL_PASSWORD,
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
