//! Fault injection, observed over raw HTTP: 429 with Retry-After and
//! counters, 5xx shares, dropped connections, seeded replay.

mod support;

use std::time::Duration;

use revdns_sim::{FaultCounts, Faults, ProviderId, RateLimit, SimConfig, Simulator, demo};
use serde_json::json;
use support::{demo_sim, edis_call, edis_session, http, status_json};

async fn ionos_list(sim: &Simulator, token: &str) -> reqwest::Result<reqwest::Response> {
    http()
        .get(format!("{}/reverserecords", sim.ionos_url()))
        .bearer_auth(token)
        .send()
        .await
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_the_counters_show_it() {
    let sim = demo_sim().await;
    sim.set_faults(
        ProviderId::Ionos,
        Faults::none().rate_limit(RateLimit::new(5, Duration::from_secs(3600))),
    );
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
        if resp.status().as_u16() == 429 {
            let after: u64 = resp.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((3590..=3600).contains(&after), "retry-after {after}");
            let (_, body) = status_json(resp).await;
            assert_eq!(body["httpStatus"], 429);
            statuses.push(429);
        } else {
            statuses.push(resp.status().as_u16());
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    assert_eq!(sim.request_count(ProviderId::Ionos, "reverserecordsGet"), 8);
    assert_eq!(sim.fault_counts(ProviderId::Ionos).rate_limited, 3);

    let other = ionos_list(&sim, "another-credential").await.unwrap();
    assert_eq!(other.status().as_u16(), 401, "the budget is per credential");

    sim.reset_counts();
    assert!(sim.request_counts().is_empty());
    assert_eq!(sim.fault_counts(ProviderId::Ionos), FaultCounts::default());
}

#[tokio::test]
async fn rate_limit_can_send_an_http_date_and_keys_edis_by_account() {
    let sim = demo_sim().await;
    let session = edis_session(&sim).await;
    let second = edis_session(&sim).await;
    sim.set_faults(
        ProviderId::Edis,
        Faults::none().rate_limit(
            RateLimit::new(1, Duration::from_secs(60))
                .retry_after(Duration::from_secs(30))
                .as_http_date(),
        ),
    );
    let (status, _) = edis_call(&sim, "/get/ptr", &session.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(status, 200);
    let resp = http()
        .post(format!("{}/get/ptr", sim.edis_url()))
        .form(&session.form(r#"["192.0.2.1"]"#))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let date = resp.headers()["retry-after"].to_str().unwrap().to_owned();
    assert!(httpdate::parse_http_date(&date).is_ok(), "{date}");
    let (_, body) = status_json(resp).await;
    assert_eq!(body["status"], "error");
    assert!(
        body["error"].is_string(),
        "get keeps its error style under faults"
    );

    // Another session of the same account shares the account's budget.
    assert_ne!(second.signature, session.signature);
    let (status, _) = edis_call(&sim, "/get/ptr", &second.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn service_unavailable_and_bad_gateway_shares() {
    let sim = demo_sim().await;
    sim.set_faults(ProviderId::Ionos, Faults::none().service_unavailable(1.0));
    let (status, body) = status_json(ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap()).await;
    assert_eq!((status, body["httpStatus"].clone()), (503, json!(503)));

    sim.set_faults(ProviderId::Ecl, Faults::none().bad_gateway(1.0));
    let resp = http()
        .get(format!("{}/v2/zones", sim.ecl_url()))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 502);
    assert_eq!(body["error"]["code"], 502);

    assert_eq!(sim.fault_counts(ProviderId::Ionos).service_unavailable, 1);
    assert_eq!(sim.fault_counts(ProviderId::Ecl).bad_gateway, 1);
    assert_eq!(sim.request_count(ProviderId::Ecl, "listZones"), 1);
}

#[tokio::test]
async fn dropped_connections_are_transport_errors_and_counted() {
    let sim = demo_sim().await;
    sim.set_faults(ProviderId::Ionos, Faults::none().dropped_connections(1.0));
    let err = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap_err();
    assert!(err.status().is_none(), "no HTTP answer at all: {err}");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert_eq!(sim.fault_counts(ProviderId::Ionos).dropped, 1);
    assert_eq!(sim.request_count(ProviderId::Ionos, "reverserecordsGet"), 1);

    sim.set_faults(ProviderId::Ionos, Faults::none());
    let ok = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200, "the server keeps serving");
}

#[tokio::test]
async fn a_dropped_write_changes_nothing() {
    let sim = demo_sim().await;
    let session = edis_session(&sim).await;
    sim.set_faults(ProviderId::Edis, Faults::none().dropped_connections(1.0));
    let result = http()
        .post(format!("{}/set/ptr", sim.edis_url()))
        .form(&session.form(r#"{"192.0.2.1":"h.example.net"}"#))
        .send()
        .await;
    assert!(result.is_err());
    assert!(sim.edis_ptrs(demo::EDIS_KVM_ID).is_empty());
}

/// Statuses of `n` IONOS list calls against a fresh simulator seeded `seed`.
async fn status_run(seed: u64, n: usize) -> Vec<u16> {
    let faults = Faults::none().service_unavailable(0.3).bad_gateway(0.2);
    let sim = Simulator::start(
        SimConfig::demo()
            .seed(seed)
            .faults(ProviderId::Ionos, faults),
    )
    .await
    .unwrap();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(
            ionos_list(&sim, demo::IONOS_TOKEN)
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    out
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    let first = status_run(11, 40).await;
    assert_eq!(first, status_run(11, 40).await);
    assert_ne!(first, status_run(12, 40).await);
    for status in [200, 502, 503] {
        assert!(first.contains(&status), "{first:?} has a {status}");
    }
}

#[tokio::test]
async fn latency_and_jitter_still_answer() {
    let sim = Simulator::start(
        SimConfig::demo().faults(
            ProviderId::Ionos,
            Faults::none()
                .latency(Duration::from_millis(2))
                .jitter(Duration::from_millis(3)),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        sim.faults(ProviderId::Ionos).latency,
        Duration::from_millis(2)
    );
    let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn a_changed_lifetime_applies_to_new_sessions_and_tokens() {
    let sim = demo_sim().await;
    sim.set_faults(
        ProviderId::Edis,
        Faults::none().session_lifetime(Duration::ZERO),
    );
    let session = edis_session(&sim).await;
    let (status, _) = edis_call(&sim, "/get/ptr", &session.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(status, 401);

    sim.set_faults(
        ProviderId::Ecl,
        Faults::none().session_lifetime(Duration::ZERO),
    );
    let token = support::ecl_token(&sim).await;
    let resp = http()
        .get(format!("{}/v2/zones", sim.ecl_url()))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}
