//! Fault injection, observed over raw HTTP: 429 with Retry-After and
//! counters, 5xx shares, dropped connections, lost answers, HTML error
//! pages, endless pages, oversized bodies, seeded replay.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use revdns_sim::{FaultCounts, Faults, ProviderId, RateLimit, SimConfig, Simulator, demo};
use serde_json::{Value, json};
use support::{demo_sim, ecl_token, ecl_zone_id, edis_call, edis_session, http, status_json};

const ECL_ZONE: &str = "2.0.192.in-addr.arpa.";

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
    let sent = std::time::Instant::now();
    let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // The latency runs from arrival to answer: never less.
    assert!(sent.elapsed() >= Duration::from_millis(2));
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

// ------------------------------------------------------------ lost answers

#[tokio::test]
async fn a_lost_ionos_answer_is_a_transport_error_but_the_record_exists() {
    let sim = demo_sim().await;
    sim.set_faults(ProviderId::Ionos, Faults::none().lost_answers(1.0));
    let err = http()
        .post(format!("{}/reverserecords", sim.ionos_url()))
        .bearer_auth(demo::IONOS_TOKEN)
        .json(&json!({"properties": {"ip": "192.0.2.7", "name": "lost.example.net"}}))
        .send()
        .await
        .unwrap_err();
    assert!(err.status().is_none(), "no HTTP answer at all: {err}");
    let records = sim.ionos_records();
    let ip = "192.0.2.7".parse().unwrap();
    assert_eq!(
        records[&ip].name, "lost.example.net",
        "the write was applied"
    );
    let counts = sim.fault_counts(ProviderId::Ionos);
    assert_eq!((counts.lost, counts.dropped), (1, 0));
    assert_eq!(
        sim.request_count(ProviderId::Ionos, "reverserecordsPost"),
        1
    );

    sim.set_faults(ProviderId::Ionos, Faults::none());
    let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "the server keeps serving");
    assert_eq!(body["items"][0]["properties"]["ip"], "192.0.2.7");
}

#[tokio::test]
async fn a_lost_edis_answer_is_a_transport_error_but_the_ptr_is_set() {
    let sim = demo_sim().await;
    let session = edis_session(&sim).await;
    sim.set_faults(ProviderId::Edis, Faults::none().lost_answers(1.0));
    let result = http()
        .post(format!("{}/set/ptr", sim.edis_url()))
        .form(&session.form(r#"{"192.0.2.8":"lost.example.net"}"#))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    let ptrs = sim.edis_ptrs(demo::EDIS_KVM_ID);
    assert_eq!(
        ptrs.get(&"192.0.2.8".parse().unwrap()).map(String::as_str),
        Some("lost.example.net")
    );
    assert_eq!(sim.fault_counts(ProviderId::Edis).lost, 1);
}

#[tokio::test]
async fn a_lost_ecl_answer_is_a_transport_error_but_the_recordset_exists() {
    let sim = demo_sim().await;
    let token = ecl_token(&sim).await;
    let zone = ecl_zone_id(&sim, ECL_ZONE);
    sim.set_faults(ProviderId::Ecl, Faults::none().lost_answers(1.0));
    let result = http()
        .post(format!("{}/v2/zones/{zone}/recordsets", sim.ecl_url()))
        .header("X-Auth-Token", &token)
        .json(
            &json!({"name": "9.2.0.192.in-addr.arpa.", "type": "PTR", "ttl": 3600,
                      "records": ["lost.example.net."]}),
        )
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    let ptrs: Vec<_> = sim
        .ecl_recordsets(ECL_ZONE)
        .into_iter()
        .filter(|rs| rs.record_type == "PTR")
        .collect();
    assert_eq!(ptrs.len(), 1);
    assert_eq!(ptrs[0].name, "9.2.0.192.in-addr.arpa.");
    assert_eq!(ptrs[0].value, "lost.example.net.");
    assert_eq!(sim.fault_counts(ProviderId::Ecl).lost, 1);
}

#[tokio::test]
async fn refused_requests_are_never_also_lost() {
    let sim = demo_sim().await;
    sim.set_faults(
        ProviderId::Ionos,
        Faults::none().service_unavailable(1.0).lost_answers(1.0),
    );
    let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    let counts = sim.fault_counts(ProviderId::Ionos);
    assert_eq!((counts.service_unavailable, counts.lost), (1, 0));
}

/// Which of `n` IONOS list calls lost their answer, on a fresh simulator.
async fn lost_run(seed: u64, n: usize) -> Vec<bool> {
    let faults = Faults::none().service_unavailable(0.2).lost_answers(0.3);
    let sim = Simulator::start(
        SimConfig::demo()
            .seed(seed)
            .faults(ProviderId::Ionos, faults),
    )
    .await
    .unwrap();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(ionos_list(&sim, demo::IONOS_TOKEN).await.is_err());
    }
    out
}

#[tokio::test]
async fn the_same_seed_loses_the_same_answers() {
    let first = lost_run(5, 40).await;
    assert_eq!(first, lost_run(5, 40).await);
    assert_ne!(first, lost_run(6, 40).await);
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
}

// ------------------------------------------------------------ HTML errors

async fn assert_html(resp: reqwest::Response, status: u16) {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(resp.headers()["content-type"], "text/html");
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("<html>"), "{text}");
    assert!(text.contains(&format!("<title>{status} ")), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn html_errors_answer_503_and_502_with_a_load_balancer_page() {
    let sim = demo_sim().await;
    sim.set_faults(
        ProviderId::Ionos,
        Faults::none().service_unavailable(1.0).html_errors(true),
    );
    let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    assert_html(resp, 503).await;

    sim.set_faults(
        ProviderId::Ecl,
        Faults::none().bad_gateway(1.0).html_errors(true),
    );
    let resp = http()
        .get(format!("{}/v2/zones", sim.ecl_url()))
        .send()
        .await
        .unwrap();
    assert_html(resp, 502).await;

    let session = edis_session(&sim).await;
    sim.set_faults(
        ProviderId::Edis,
        Faults::none().service_unavailable(1.0).html_errors(true),
    );
    let resp = http()
        .post(format!("{}/del/ptr", sim.edis_url()))
        .form(&session.form(r#"["192.0.2.1"]"#))
        .send()
        .await
        .unwrap();
    assert_html(resp, 503).await;
}

#[tokio::test]
async fn html_errors_keep_429_and_its_retry_after() {
    let sim = demo_sim().await;
    let limit = RateLimit::new(0, Duration::from_secs(60)).retry_after(Duration::from_secs(7));
    sim.set_faults(
        ProviderId::Ionos,
        Faults::none().rate_limit(limit).html_errors(true),
    );
    let resp = ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap();
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_html(resp, 429).await;
}

#[tokio::test]
async fn html_errors_leave_answers_of_the_api_itself_as_json() {
    let sim = demo_sim().await;
    sim.set_faults(ProviderId::Ionos, Faults::none().html_errors(true));
    let (status, body) = status_json(ionos_list(&sim, "not-a-token").await.unwrap()).await;
    assert_eq!((status, body["httpStatus"].clone()), (401, json!(401)));
}

// ------------------------------------------------------------ endless pages

#[tokio::test]
async fn endless_ionos_lists_answer_a_full_page_at_every_offset() {
    let sim = demo_sim().await;
    sim.set_faults(ProviderId::Ionos, Faults::none().endless_pages(true));
    let mut ids = HashSet::new();
    for offset in [0, 3, 3, 999_000] {
        let resp = http()
            .get(format!("{}/reverserecords", sim.ionos_url()))
            .bearer_auth(demo::IONOS_TOKEN)
            .query(&[("offset", offset.to_string()), ("limit", "3".to_owned())])
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(resp).await;
        assert_eq!(status, 200);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "{body}");
        for item in items {
            assert!(
                ids.insert(item["id"].as_str().unwrap().to_owned()),
                "fresh ids"
            );
        }
        let next = body["_links"]["next"].as_str().unwrap();
        assert!(next.contains(&format!("offset={}", offset + 3)), "{next}");
    }
    assert!(sim.ionos_records().is_empty(), "nothing made up is stored");
}

#[tokio::test]
async fn endless_ionos_finds_make_up_records_of_the_filtered_ip() {
    let sim = Simulator::start(
        SimConfig::demo()
            .seed(1)
            .ionos_record("192.0.2.20", "real.example.net"),
    )
    .await
    .unwrap();
    sim.set_faults(ProviderId::Ionos, Faults::none().endless_pages(true));
    let resp = http()
        .get(format!("{}/reverserecords", sim.ionos_url()))
        .bearer_auth(demo::IONOS_TOKEN)
        .query(&[("filter.recordIp", "192.0.2.20"), ("limit", "4")])
        .send()
        .await
        .unwrap();
    let (_, body) = status_json(resp).await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["properties"]["name"], "real.example.net");
    assert!(
        items.iter().all(|i| i["properties"]["ip"] == "192.0.2.20"),
        "{body}"
    );
    assert!(body["_links"]["next"].is_string());
}

#[tokio::test]
async fn endless_ecl_recordset_lists_always_have_a_next_with_a_fresh_marker() {
    let sim = demo_sim().await;
    let token = ecl_token(&sim).await;
    let zone = ecl_zone_id(&sim, ECL_ZONE);
    sim.set_faults(ProviderId::Ecl, Faults::none().endless_pages(true));
    let mut url = format!("{}/v2/zones/{zone}/recordsets?limit=2", sim.ecl_url());
    let mut markers = HashSet::new();
    let mut ids = HashSet::new();
    for _ in 0..6 {
        let resp = http()
            .get(&url)
            .header("X-Auth-Token", &token)
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(resp).await;
        assert_eq!(status, 200, "{body}");
        let sets = body["recordsets"].as_array().unwrap();
        assert_eq!(sets.len(), 2, "{body}");
        for set in sets {
            assert!(ids.insert(set["id"].as_str().unwrap().to_owned()));
        }
        url = body["links"]["next"].as_str().unwrap().to_owned();
        let marker = url.split("marker=").nth(1).unwrap().to_owned();
        assert!(markers.insert(marker), "a fresh marker every page");
    }
    // The zone's three real recordsets (SOA, two NS) came first; the rest is
    // made up and not stored.
    assert_eq!(sim.ecl_recordsets(ECL_ZONE).len(), 3);
}

// ------------------------------------------------------------ oversized bodies

#[tokio::test]
async fn oversized_read_answers_are_padded_json() {
    const SIZE: usize = 3 * 1024 * 1024 + 17;
    let sim = demo_sim().await;
    let session = edis_session(&sim).await;
    let token = ecl_token(&sim).await;
    let zone = ecl_zone_id(&sim, ECL_ZONE);
    for provider in ProviderId::ALL {
        sim.set_faults(provider, Faults::none().oversized_bodies(SIZE));
    }
    let answers = [
        ionos_list(&sim, demo::IONOS_TOKEN).await.unwrap(),
        http()
            .post(format!("{}/get/ptr", sim.edis_url()))
            .form(&session.form(r#"["192.0.2.1"]"#))
            .send()
            .await
            .unwrap(),
        http()
            .get(format!("{}/v2/zones/{zone}/recordsets", sim.ecl_url()))
            .header("X-Auth-Token", &token)
            .send()
            .await
            .unwrap(),
    ];
    for resp in answers {
        assert_eq!(resp.status().as_u16(), 200);
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.len() >= SIZE, "{} bytes", bytes.len());
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(value.is_object());
    }
}

#[tokio::test]
async fn oversized_bodies_leave_writes_and_errors_alone() {
    let sim = demo_sim().await;
    sim.set_faults(ProviderId::Ionos, Faults::none().oversized_bodies(1 << 20));
    let resp = http()
        .post(format!("{}/reverserecords", sim.ionos_url()))
        .bearer_auth(demo::IONOS_TOKEN)
        .json(&json!({"properties": {"ip": "192.0.2.9", "name": "w.example.net"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    assert!(resp.bytes().await.unwrap().len() < 4096);
    let resp = ionos_list(&sim, "not-a-token").await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.bytes().await.unwrap().len() < 4096);
}
