//! The admin API, driven over HTTP as a test in another process would.

mod support;

use revdns_sim::{ProviderId, SimConfig, Simulator, demo};
use serde_json::json;
use support::{http, keystone_body, status_json};

async fn admin_sim() -> (Simulator, String) {
    let sim = Simulator::start(SimConfig::demo().seed(1).admin_port(0))
        .await
        .unwrap();
    let admin = sim.admin_url().expect("admin is on");
    (sim, admin)
}

/// `PUT /faults/{provider}` with `faults`: the answer's status.
async fn put_faults(admin: &str, provider: &str, faults: &serde_json::Value) -> u16 {
    let resp = http()
        .put(format!("{admin}/faults/{provider}"))
        .json(faults)
        .send()
        .await
        .unwrap();
    resp.status().as_u16()
}

/// `GET /faults/{provider}`: the faults as JSON.
async fn get_faults(admin: &str, provider: &str) -> serde_json::Value {
    let resp = http()
        .get(format!("{admin}/faults/{provider}"))
        .send()
        .await
        .unwrap();
    status_json(resp).await.1
}

#[tokio::test]
async fn state_counters_faults_preload_and_reset_over_http() {
    let (sim, admin) = admin_sim().await;
    assert!(
        sim.env_exports()
            .iter()
            .any(|(k, v)| *k == "REVDNS_SIM_ADMIN_URL" && *v == admin)
    );

    // Preload a PTR per provider, as a panel would.
    for provider in ["edis", "ionos", "ecl"] {
        let resp = http()
            .post(format!("{admin}/preload"))
            .json(&json!({"provider": provider, "ip": "192.0.2.8", "target": "host_1.example.net"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 204, "{provider}");
    }
    let (status, state) =
        status_json(http().get(format!("{admin}/state")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        state["edis"][demo::EDIS_KVM_ID]["192.0.2.8"],
        "host_1.example.net"
    );
    assert_eq!(state["ionos"][0]["name"], "host_1.example.net");
    let zone = state["ecl"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == "2.0.192.in-addr.arpa.")
        .unwrap();
    assert!(
        zone["recordsets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rs| rs["type"] == "PTR" && rs["value"] == "host_1.example.net")
    );

    // Faults per provider: IONOS answers 503 to everything, ECL is untouched.
    let unavailable = json!({"service_unavailable": 1.0, "latency_ms": 1});
    assert_eq!(put_faults(&admin, "ionos", &unavailable).await, 204);
    let faults = get_faults(&admin, "ionos").await;
    assert_eq!(faults["service_unavailable"], 1.0);
    assert_eq!(faults["latency_ms"], 1);
    assert_eq!(sim.faults(ProviderId::Ecl), revdns_sim::Faults::none());
    // Every setting round-trips, the rate limit's Retry-After included.
    let limited = json!({"rate_limit": {"requests": 5, "per_ms": 1000, "retry_after_ms": 0, "http_date": true}});
    assert_eq!(put_faults(&admin, "edis", &limited).await, 204);
    let edis_faults = get_faults(&admin, "edis").await;
    assert_eq!(edis_faults["rate_limit"], limited["rate_limit"]);
    assert_eq!(
        sim.faults(ProviderId::Edis).rate_limit,
        Some(
            revdns_sim::RateLimit::new(5, std::time::Duration::from_secs(1))
                .retry_after(std::time::Duration::ZERO)
                .as_http_date()
        )
    );
    let resp = http()
        .get(format!("{}/reverserecords", sim.ionos_url()))
        .bearer_auth(demo::IONOS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    let resp = http()
        .post(format!("{}/v3/auth/tokens", sim.ecl_url()))
        .json(&keystone_body(
            demo::ECL_USERNAME,
            demo::ECL_PASSWORD,
            demo::ECL_PROJECT_ID,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);

    let (_, counters) = status_json(
        http()
            .get(format!("{admin}/counters"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(counters["requests"]["ionos"]["reverserecordsGet"], 1);
    assert_eq!(counters["requests"]["ecl"]["createToken"], 1);
    assert_eq!(counters["faults"]["ionos"]["service_unavailable"], 1);

    // Bad input is a 400 or 404 with a reason.
    let (status, err) = status_json(
        http()
            .put(format!("{admin}/faults/ionos"))
            .json(&json!({"no_such": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    let resp = http()
        .get(format!("{admin}/faults/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);

    // Reset: the start state, faults and counters.
    let resp = http().post(format!("{admin}/reset")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert!(sim.edis_ptrs(demo::EDIS_KVM_ID).is_empty());
    assert!(sim.ionos_records().is_empty());
    assert_eq!(sim.faults(ProviderId::Ionos), revdns_sim::Faults::none());
    assert!(sim.request_counts().is_empty());
    let resp = http()
        .get(format!("{}/reverserecords", sim.ionos_url()))
        .bearer_auth(demo::IONOS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn no_admin_api_unless_asked() {
    let sim = Simulator::start(SimConfig::demo()).await.unwrap();
    assert_eq!(sim.admin_url(), None);
    assert!(
        !sim.env_exports()
            .iter()
            .any(|(k, _)| *k == "REVDNS_SIM_ADMIN_URL")
    );
}
