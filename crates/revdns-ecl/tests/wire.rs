//! Wire tests on a loopback mock server: the exact requests the client sends
//! and how it reads ECL's answers.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use revdns_ecl::api::types;
use revdns_ecl::mock::MockServerExt;
use revdns_ecl::{
    Client, Error, Hostname, Outcome, PtrChange, PtrProvider, PtrRecord, RetryConfig,
};
use serde_json::{Value, json};
use uuid::Uuid;

const TOKEN: &str = "tok-FAKE-0001";
const PASSWORD: &str = "secret-FAKE-pw-42";

const Z16: &str = "dcbd3d17-26ce-461d-b77c-a8774cafee75"; // 0.192.in-addr.arpa.
const Z24: &str = "2150b1bf-dee2-4221-9d85-11f7886fb15f"; // 2.0.192.in-addr.arpa.
const Z12: &str = "4eb5c333-7031-48ff-a247-0eeccc57472e"; // 12.0.192.in-addr.arpa.
const ZCL: &str = "d4f0ea0e-edb6-4bbb-aefd-2944457be234"; // 0/25.2.0.192.in-addr.arpa.
const ZV6: &str = "fbe8562b-66a5-4071-b4c2-250487d15a81"; // 8.b.d.0.1.0.0.2.ip6.arpa.
const ZFW: &str = "7f0e3541-9fc6-410d-b338-087909f04ebc"; // example.net.

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn host(s: &str) -> Hostname {
    Hostname::new(s).unwrap()
}

fn zone(id: &str, name: &str) -> Value {
    json!({"id": id, "pool_id": "", "project_id": "9b8f16df551e42f3b905859f28a33d55",
           "name": name, "email": "", "ttl": 0, "serial": 0, "status": "ACTIVE",
           "description": null, "masters": [], "type": "", "transferred_at": null,
           "version": 1, "created_at": "2019-02-05T06:09:41", "updated_at": null,
           "links": {"self": "dummylink"}})
}

fn recordset(id: &str, zone_id: &str, name: &str, kind: &str, value: &str, ttl: u32) -> Value {
    json!({"id": id, "zone_id": zone_id, "name": name, "type": kind, "records": [value],
           "ttl": ttl, "description": "", "version": 1, "status": "ACTIVE", "action": "",
           "created_at": "2019-02-05T23:41:57", "updated_at": null,
           "links": {"self": "dummylink"}})
}

fn page(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let count = items.len();
    let mut links = json!({"self": "dummylink"});
    if let Some(n) = next {
        links["next"] = json!(n);
    }
    json!({key: items, "links": links, "metadata": {"total_count": count}})
}

/// A client with a ready token against the mock server, no retries, and a
/// tiny consistency budget.
fn token_client(server: &MockServer) -> Client {
    Client::builder()
        .token(TOKEN)
        .endpoint(server.base_url())
        .retry(RetryConfig::disabled())
        .consistency_budget(Duration::from_millis(400))
        .build()
        .unwrap()
}

/// `GET /v2/zones` answering the given zones on one page (typed mock: the
/// answer must decode as the generated `ZoneList`).
async fn zones_mock<'a>(server: &'a MockServer, zones: Vec<Value>) -> httpmock::Mock<'a> {
    let list: types::ZoneList =
        serde_json::from_value(page("zones", zones, None)).expect("a documented zone list");
    server.list_zones(|when, then| {
        when.limit(NonZeroU32::new(500))
            .into_inner()
            .header("x-auth-token", TOKEN);
        then.ok(&list);
    })
}

/// `GET /v2/zones/{id}/recordsets` answering one page.
async fn recordsets_mock<'a>(
    server: &'a MockServer,
    zone_id: &str,
    items: Vec<Value>,
) -> httpmock::Mock<'a> {
    let list: types::RecordsetList = serde_json::from_value(page("recordsets", items, None))
        .expect("a documented recordset list");
    let zone_id: Uuid = zone_id.parse().expect("a zone id");
    server.list_recordsets(|when, then| {
        when.zone_id(&zone_id)
            .limit(NonZeroU32::new(500))
            .marker(None)
            .into_inner()
            .header("x-auth-token", TOKEN);
        then.ok(&list);
    })
}

/// Answers in turn, repeating the last one.
fn sequence(answers: Vec<(u16, Value)>) -> impl Fn(&HttpMockRequest) -> HttpMockResponse {
    let n = Arc::new(AtomicUsize::new(0));
    move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
        let (status, body) = &answers[i];
        HttpMockResponse::builder()
            .status(*status)
            .header("content-type", "application/json")
            .body(body.to_string())
            .build()
    }
}

// ---------------------------------------------------------------- Keystone

fn keystone_answer(server: &MockServer) -> Value {
    json!({"token": {
    "methods": ["password"],
    "issued_at": "2016-10-11T02:07:49.000000Z",
    "expires_at": "2016-10-12T02:07:49.000000Z",
    "project": {"id": "0123456789abcdef0123456789abcdef", "name": "tenant"},
    "catalog": [
        {"type": "identity", "endpoints": [
            {"interface": "public", "region": "jp1", "region_id": "jp1", "url": "https://keystone.example.net"}]},
        {"type": "dns", "name": "dns", "endpoints": [
            {"interface": "admin", "region": "jp1", "region_id": "jp1", "url": "https://admin.example.net"},
            {"interface": "public", "region": "uk1", "region_id": "uk1", "url": "https://dns-uk1.example.net"},
            {"interface": "public", "region": "jp1", "region_id": "jp1", "url": server.base_url()}]}
    ]}})
}

const AUTH_BODY: &str = concat!(
    r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"id":"default"},"#,
    r#""name":"key-FAKE","password":"secret-FAKE-pw-42"}}},"scope":{"project":{"id":"0123456789abcdef0123456789abcdef"}}}}"#
);

fn login_client(server: &MockServer) -> Client {
    Client::builder()
        .auth_url(format!("{}/v3", server.base_url()))
        .username("key-FAKE")
        .password(PASSWORD)
        .project_id("0123456789abcdef0123456789abcdef")
        .region("jp1")
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn keystone_token_from_header_and_dns_endpoint_from_catalog() {
    let server = MockServer::start_async().await;
    let keystone = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v3/auth/tokens")
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(AUTH_BODY);
            then.status(201)
                .header("X-Subject-Token", TOKEN)
                .json_body(keystone_answer(&server));
        })
        .await;
    let zones = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/zones")
                .header("x-auth-token", TOKEN)
                .header_missing("api-version");
            then.status(200).json_body(page(
                "zones",
                vec![
                    zone(ZFW, "example.net."),
                    zone(Z24, "2.0.192.in-addr.arpa."),
                ],
                None,
            ));
        })
        .await;

    let client = login_client(&server);
    let names = client.refresh_zones().await.unwrap();
    // Forward zones are not reverse zones.
    assert_eq!(names, ["2.0.192.in-addr.arpa."]);
    // The token is reused while valid.
    client.refresh_zones().await.unwrap();
    keystone.assert_calls_async(1).await;
    zones.assert_calls_async(2).await;
}

/// Keystone issuing `tok-FAKE-old` at the first login, `tok-FAKE-new` after.
async fn keystone_old_then_new(server: &MockServer) -> httpmock::Mock<'_> {
    let answer = keystone_answer(server);
    let n = Arc::new(AtomicUsize::new(0));
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v3/auth/tokens");
            then.respond_with(move |_| {
                let token = if n.fetch_add(1, Ordering::SeqCst) == 0 {
                    "tok-FAKE-old"
                } else {
                    "tok-FAKE-new"
                };
                HttpMockResponse::builder()
                    .status(201)
                    .header("X-Subject-Token", token)
                    .header("content-type", "application/json")
                    .body(answer.to_string())
                    .build()
            });
        })
        .await
}

#[tokio::test]
async fn dns_401_renews_token_once_then_succeeds() {
    let server = MockServer::start_async().await;
    let keystone = keystone_old_then_new(&server).await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/zones")
                .header("x-auth-token", "tok-FAKE-old");
            then.status(401).json_body(
                json!({"error": {"code": 401, "title": "Unauthorized", "message": "E2001 Invalid token."}}),
            );
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/zones")
                .header("x-auth-token", "tok-FAKE-new");
            then.status(200).json_body(page("zones", vec![], None));
        })
        .await;

    let client = login_client(&server);
    client.refresh_zones().await.unwrap();
    keystone.assert_calls_async(2).await;
    rejected.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_401_to_a_recordset_listing_renews_the_token_once_then_reads_the_zone() {
    let server = MockServer::start_async().await;
    let keystone = keystone_old_then_new(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/zones");
            then.status(200).json_body(page(
                "zones",
                vec![zone(Z24, "2.0.192.in-addr.arpa.")],
                None,
            ));
        })
        .await;
    let zone_id: Uuid = Z24.parse().unwrap();
    let rejected = server
        .list_recordsets(|when, then| {
            when.zone_id(&zone_id)
                .limit(NonZeroU32::new(500))
                .marker(None)
                .into_inner()
                .header("x-auth-token", "tok-FAKE-old");
            then.into_inner().status(401).json_body(
                json!({"error": {"code": 401, "title": "Unauthorized", "message": "E2001 Invalid token."}}),
            );
        });
    let listed = recordset(
        "9150b1bf-dee2-4221-9d85-11f7886fb15f",
        Z24,
        "5.2.0.192.in-addr.arpa.",
        "PTR",
        "mail.example.net.",
        3600,
    );
    let list: types::RecordsetList =
        serde_json::from_value(page("recordsets", vec![listed], None)).unwrap();
    let accepted = server.list_recordsets(|when, then| {
        when.zone_id(&zone_id)
            .limit(NonZeroU32::new(500))
            .marker(None)
            .into_inner()
            .header("x-auth-token", "tok-FAKE-new");
        then.ok(&list);
    });

    let found = login_client(&server).get(&[ip("192.0.2.5")]).await.unwrap();
    assert_eq!(
        found[&ip("192.0.2.5")].as_ref().map(|r| r.target.as_str()),
        Some("mail.example.net")
    );
    keystone.assert_calls_async(2).await;
    rejected.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn dns_401_after_renewal_is_auth_error_without_looping() {
    let server = MockServer::start_async().await;
    let keystone = server
        .mock_async(|when, then| {
            when.method(POST).path("/v3/auth/tokens");
            then.status(201)
                .header("X-Subject-Token", TOKEN)
                .json_body(keystone_answer(&server));
        })
        .await;
    let zones = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/zones");
            then.status(401).json_body(
                json!({"error": {"code": 401, "title": "Unauthorized", "message": "E2001 Invalid token."}}),
            );
        })
        .await;
    let err = login_client(&server).refresh_zones().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    keystone.assert_calls_async(2).await;
    zones.assert_calls_async(2).await;
}

#[tokio::test]
#[tracing_test::traced_test]
async fn keystone_rejection_is_auth_error_and_never_shows_secrets() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v3/auth/tokens");
            then.status(401)
                .json_body(json!({"error": {"code": 401, "title": "Unauthorized",
                "message": "The request you have made requires authentication."}}));
        })
        .await;
    let client = login_client(&server);
    let err = client.get(&[ip("192.0.2.1")]).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let shown = format!("{err} {err:?} {client:?}");
    assert!(shown.contains("requires authentication"), "{shown}");
    for secret in [PASSWORD, "key-FAKE"] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!logs_contain(secret));
    }
    assert!(logs_contain("create_token"));
}

#[tokio::test]
#[tracing_test::traced_test]
async fn token_never_appears_in_logs() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    recordsets_mock(&server, Z24, vec![]).await;
    let client = token_client(&server);
    let found = client.get(&[ip("192.0.2.1")]).await.unwrap();
    assert_eq!(found[&ip("192.0.2.1")], None);
    assert!(logs_contain("list_recordsets"));
    assert!(!logs_contain(TOKEN));
    assert!(!format!("{client:?}").contains(TOKEN));
}

// ------------------------------------------------------------------- Zones

#[tokio::test]
async fn get_places_addresses_in_the_most_specific_zone() {
    let server = MockServer::start_async().await;
    // Two pages of zones; the second is asked for with the marker of `links.next`.
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/zones")
                .query_param("limit", "500")
                .query_param_missing("marker");
            then.status(200).json_body(page(
                "zones",
                vec![
                    zone(Z16, "0.192.in-addr.arpa."),
                    zone(Z24, "2.0.192.in-addr.arpa."),
                    zone(ZFW, "example.net."),
                ],
                Some(format!(
                    "{}/v2/zones?limit=3&marker={ZFW}",
                    server.base_url()
                )),
            ));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/zones")
                .query_param("marker", ZFW);
            then.status(200).json_body(page(
                "zones",
                vec![
                    zone(Z12, "12.0.192.in-addr.arpa."),
                    zone(ZCL, "0/25.2.0.192.in-addr.arpa."),
                ],
                None,
            ));
        })
        .await;
    let classless = recordsets_mock(
        &server,
        ZCL,
        vec![
            recordset(
                "11111111-0000-4000-8000-000000000001",
                ZCL,
                "0/25.2.0.192.in-addr.arpa.",
                "SOA",
                "ns.example.net. hostmaster.example.net. 1 3600 600 86400 3600",
                3600,
            ),
            recordset(
                "11111111-0000-4000-8000-000000000002",
                ZCL,
                "5.0/25.2.0.192.in-addr.arpa.",
                "PTR",
                "host5.example.net.",
                600,
            ),
        ],
    )
    .await;
    let mut slash24_rs = recordset(
        "22222222-0000-4000-8000-000000000001",
        Z24,
        "200.2.0.192.in-addr.arpa.",
        "PTR",
        "Host200.Example.NET.",
        3600,
    );
    slash24_rs["description"] = json!("web");
    let slash24 = recordsets_mock(&server, Z24, vec![slash24_rs]).await;
    let slash16 = recordsets_mock(&server, Z16, vec![]).await;
    let partial = recordsets_mock(&server, Z12, vec![]).await;

    let client = token_client(&server);
    let found = client
        .get(&[
            ip("192.0.2.5"),
            ip("192.0.2.200"),
            ip("192.0.2.77"),
            ip("192.0.2.5"),
        ])
        .await
        .unwrap();
    assert_eq!(found.len(), 3);
    assert_eq!(
        found[&ip("192.0.2.5")],
        Some(PtrRecord::new(ip("192.0.2.5"), host("host5.example.net")).with_ttl(600))
    );
    assert_eq!(
        found[&ip("192.0.2.200")],
        Some(
            PtrRecord::new(ip("192.0.2.200"), host("host200.example.net"))
                .with_ttl(3600)
                .with_comment("web")
        )
    );
    assert_eq!(found[&ip("192.0.2.77")], None);
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    classless.assert_calls_async(1).await;
    slash24.assert_calls_async(1).await;
    // `0.192` lost to the longer zones; `12.0.192` never holds `2.0.192` names.
    slash16.assert_calls_async(0).await;
    partial.assert_calls_async(0).await;
}

#[tokio::test]
async fn get_without_zone_reloads_once_then_answers_none() {
    let server = MockServer::start_async().await;
    let zones = zones_mock(&server, vec![zone(Z12, "12.0.192.in-addr.arpa.")]).await;
    let client = token_client(&server);
    let found = client.get(&[ip("192.0.2.1")]).await.unwrap();
    assert_eq!(found[&ip("192.0.2.1")], None);
    // Loaded, then reloaded once in case the zone is new.
    zones.assert_calls_async(2).await;
}

#[tokio::test]
async fn list_walks_reverse_zones_page_by_page() {
    let server = MockServer::start_async().await;
    zones_mock(
        &server,
        vec![
            zone(Z24, "2.0.192.in-addr.arpa."),
            zone(ZFW, "example.net."),
            zone(ZCL, "0/25.2.0.192.in-addr.arpa."),
        ],
    )
    .await;
    let marker = "33333333-0000-4000-8000-000000000001";
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/zones/{Z24}/recordsets"))
                .query_param_missing("marker");
            then.status(200).json_body(page(
                "recordsets",
                vec![
                    recordset(
                        "33333333-0000-4000-8000-000000000000",
                        Z24,
                        "2.0.192.in-addr.arpa.",
                        "NS",
                        "ns.example.net.",
                        3600,
                    ),
                    recordset(
                        marker,
                        Z24,
                        "200.2.0.192.in-addr.arpa.",
                        "PTR",
                        "a.example.net.",
                        3600,
                    ),
                ],
                Some(format!(
                    "{}/v2/zones/{Z24}/recordsets?limit=2&marker={marker}",
                    server.base_url()
                )),
            ));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/zones/{Z24}/recordsets"))
                .query_param("marker", marker);
            then.status(200).json_body(page(
                "recordsets",
                vec![recordset(
                    "33333333-0000-4000-8000-000000000002",
                    Z24,
                    "201.2.0.192.in-addr.arpa.",
                    "PTR",
                    "b.example.net.",
                    60,
                )],
                None,
            ));
        })
        .await;
    recordsets_mock(
        &server,
        ZCL,
        vec![recordset(
            "33333333-0000-4000-8000-000000000003",
            ZCL,
            "5.0/25.2.0.192.in-addr.arpa.",
            "PTR",
            "c.example.net.",
            60,
        )],
    )
    .await;
    let forward = recordsets_mock(&server, ZFW, vec![]).await;

    let client = token_client(&server);
    let all: Vec<PtrRecord> = client.list().try_collect().await.unwrap();
    let got: Vec<(IpAddr, &str)> = all.iter().map(|r| (r.ip, r.target.as_str())).collect();
    assert_eq!(
        got,
        [
            (ip("192.0.2.200"), "a.example.net"),
            (ip("192.0.2.201"), "b.example.net"),
            (ip("192.0.2.5"), "c.example.net"),
        ]
    );
    second.assert_calls_async(1).await;
    forward.assert_calls_async(0).await;
}

// ------------------------------------------------------------------ Writes

#[tokio::test]
async fn upsert_creates_documented_body_and_waits_until_the_listing_shows_it() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let id = "44444444-0000-4000-8000-000000000001";
    let created = recordset(
        id,
        Z24,
        "5.2.0.192.in-addr.arpa.",
        "PTR",
        "mail.example.net.",
        3600,
    );
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v2/zones/{Z24}/recordsets"))
                .header("content-type", "application/json")
                .header("x-auth-token", TOKEN)
                .body(r#"{"name":"5.2.0.192.in-addr.arpa.","records":["mail.example.net."],"ttl":3600,"type":"PTR"}"#);
            // NTT's create answer: a list wrapper, `created_at` "", no status.
            then.status(202).json_body(json!({
                "recordsets": [{"id": id, "zone_id": Z24, "records": ["mail.example.net."], "ttl": 3600,
                    "name": "5.2.0.192.in-addr.arpa.", "description": null, "type": "PTR", "version": 1,
                    "created_at": "", "updated_at": null, "links": {"self": "dummylink"}}],
                "links": {"self": "dummylink"}, "metadata": {"total_count": 1}}));
        })
        .await;
    // Empty before the write; after it, empty twice more (the read lags),
    // then the new PTR: one zone listing confirms every write at once.
    let listing = recordsets_sequence(&server, vec![vec![], vec![], vec![], vec![created]]).await;

    let report = token_client(&server)
        .apply(&[PtrChange::upsert(ip("192.0.2.5"), host("Mail.Example.NET"))])
        .await
        .unwrap();
    assert!(
        matches!(report.results()[0].outcome, Outcome::Created),
        "{report:?}"
    );
    create.assert_calls_async(1).await;
    listing.assert_calls_async(4).await;
}

#[tokio::test]
async fn create_still_invisible_after_budget_is_reported_created() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let listing = recordsets_mock(&server, Z24, vec![]).await;
    let id = "44444444-0000-4000-8000-000000000002";
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v2/zones/{Z24}/recordsets"));
            then.status(202).json_body(page(
                "recordsets",
                vec![recordset(
                    id,
                    Z24,
                    "6.2.0.192.in-addr.arpa.",
                    "PTR",
                    "h.example.net.",
                    60,
                )],
                None,
            ));
        })
        .await;
    let report = token_client(&server)
        .apply(&[PtrChange::Upsert {
            ip: ip("192.0.2.6"),
            target: host("h.example.net"),
            ttl: Some(60),
            comment: None,
        }])
        .await
        .unwrap();
    // Accepted by the server: reported as created, never retried.
    assert!(
        matches!(report.results()[0].outcome, Outcome::Created),
        "{report:?}"
    );
    create.assert_calls_async(1).await;
    // The look before, then listings until the budget is spent.
    assert!(listing.calls_async().await >= 3);
}

/// [`token_client`] with quick retries.
fn retrying_client(server: &MockServer) -> Client {
    Client::builder()
        .token(TOKEN)
        .endpoint(server.base_url())
        .retry(
            RetryConfig::default()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(2))
                .with_total_budget(Duration::from_secs(5)),
        )
        .consistency_budget(Duration::from_millis(400))
        .build()
        .unwrap()
}

fn unavailable() -> Value {
    json!({"error": {"code": 503, "title": "Service Unavailable", "message": "Service Unavailable"}})
}

/// `GET /v2/zones/{Z24}/recordsets` answering `pages` in turn (one page each).
async fn recordsets_sequence<'a>(
    server: &'a MockServer,
    pages: Vec<Vec<Value>>,
) -> httpmock::Mock<'a> {
    let answers = pages
        .into_iter()
        .map(|items| (200, page("recordsets", items, None)))
        .collect();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/zones/{Z24}/recordsets"))
                .header("x-auth-token", TOKEN);
            then.respond_with(sequence(answers));
        })
        .await
}

#[tokio::test]
async fn create_lost_in_transit_is_sent_again_only_after_a_look() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let id = "44444444-0000-4000-8000-000000000003";
    let created = recordset(
        id,
        Z24,
        "7.2.0.192.in-addr.arpa.",
        "PTR",
        "h.example.net.",
        3600,
    );
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v2/zones/{Z24}/recordsets"));
            then.respond_with(sequence(vec![
                (503, unavailable()),
                (202, page("recordsets", vec![created.clone()], None)),
            ]));
        })
        .await;
    // Before the write and at the look after the 503: no PTR; after the
    // second create: the PTR.
    let listing = recordsets_sequence(&server, vec![vec![], vec![], vec![created]]).await;

    let report = retrying_client(&server)
        .apply(&[PtrChange::upsert(ip("192.0.2.7"), host("h.example.net"))])
        .await
        .unwrap();
    assert!(
        matches!(report.results()[0].outcome, Outcome::Created),
        "{report:?}"
    );
    create.assert_calls_async(2).await;
    // The look before, the look after the 503, and the listing that
    // confirms the zone's writes.
    listing.assert_calls_async(3).await;
}

#[tokio::test]
async fn create_lost_in_transit_that_took_effect_is_not_sent_again() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let applied = recordset(
        "44444444-0000-4000-8000-000000000004",
        Z24,
        "8.2.0.192.in-addr.arpa.",
        "PTR",
        "h.example.net.",
        3600,
    );
    // No PTR before the write; the look after the 503 finds it.
    let listing = recordsets_sequence(&server, vec![vec![], vec![applied]]).await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v2/zones/{Z24}/recordsets"));
            then.status(503).json_body(unavailable());
        })
        .await;

    let report = retrying_client(&server)
        .apply(&[PtrChange::upsert(ip("192.0.2.8"), host("h.example.net"))])
        .await
        .unwrap();
    assert!(
        matches!(report.results()[0].outcome, Outcome::Created),
        "{report:?}"
    );
    create.assert_calls_async(1).await;
    // Before, after the lost answer, and the look for concurrent writers.
    listing.assert_calls_async(3).await;
}

#[tokio::test]
async fn create_refused_by_the_application_is_not_sent_again() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let listing = recordsets_sequence(&server, vec![vec![]]).await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v2/zones/{Z24}/recordsets"));
            then.status(400)
                .json_body(json!({"error": {"code": 400, "title": "Bad Request",
                "message": "E2004 Recordset count reaches the upper limit."}}));
        })
        .await;
    let report = retrying_client(&server)
        .apply(&[PtrChange::upsert(ip("192.0.2.9"), host("h.example.net"))])
        .await
        .unwrap();
    assert!(
        matches!(report.results()[0].outcome, Outcome::Failed(_)),
        "{report:?}"
    );
    create.assert_calls_async(1).await;
    listing.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_still_unavailable_after_every_attempt_fails() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let listing = recordsets_sequence(&server, vec![vec![]]).await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v2/zones/{Z24}/recordsets"));
            then.status(503).json_body(unavailable());
        })
        .await;
    let report = retrying_client(&server)
        .apply(&[PtrChange::upsert(ip("192.0.2.10"), host("h.example.net"))])
        .await
        .unwrap();
    let Outcome::Failed(err) = &report.results()[0].outcome else {
        panic!("{report:?}");
    };
    assert_eq!(err.status(), Some(503), "{err:?}");
    // Three attempts (the retry policy's maximum), each followed by a look.
    create.assert_calls_async(3).await;
    listing.assert_calls_async(4).await;
}

#[tokio::test]
async fn upsert_updates_with_name_ttl_records_and_reads_string_records() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let old = "55555555-0000-4000-8000-000000000005";
    let same = "55555555-0000-4000-8000-000000000006";
    let ptr7 = "55555555-0000-4000-8000-000000000007";
    let rs = |id, name, value| recordset(id, Z24, name, "PTR", value, 300);
    let before = vec![
        rs(old, "5.2.0.192.in-addr.arpa.", "old.example.net."),
        rs(same, "6.2.0.192.in-addr.arpa.", "same.example.net."),
        rs(ptr7, "7.2.0.192.in-addr.arpa.", "seven.example.net."),
    ];
    let mut after = before.clone();
    after[0] = rs(old, "5.2.0.192.in-addr.arpa.", "mail.example.net.");
    // The read before the writes, then the listing that confirms them.
    let listing = recordsets_sequence(&server, vec![before, after]).await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/v2/zones/{Z24}/recordsets/{old}"))
                .header("content-type", "application/json")
                .body(r#"{"name":"5.2.0.192.in-addr.arpa.","records":["mail.example.net."],"ttl":300}"#);
            // eclcloud's update answer shape: `records` a bare string.
            then.status(202).json_body(json!({"id": old, "name": "5.2.0.192.in-addr.arpa.", "ttl": 300,
                "description": "", "records": "mail.example.net.", "type": "PTR", "version": 1,
                "created_at": null, "updated_at": null, "zone_id": Z24, "links": {"self": "dummylink"}}));
        })
        .await;
    let refused = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/v2/zones/{Z24}/recordsets/{ptr7}"));
            then.status(400)
                .json_body(json!({"error": {"code": 400, "title": "Bad Request",
                "message": "E2016 Can't set multiple values on PTR recordset."}}));
        })
        .await;
    let untouched = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/v2/zones/{Z24}/recordsets/{same}"));
            then.status(500);
        })
        .await;

    let report = token_client(&server)
        .apply(&[
            PtrChange::upsert(ip("192.0.2.5"), host("mail.example.net")),
            PtrChange::upsert(ip("192.0.2.6"), host("same.example.net")),
            PtrChange::upsert(ip("192.0.2.7"), host("new.example.net")),
        ])
        .await
        .unwrap();
    let outcomes: Vec<_> = report.results().iter().map(|r| &r.outcome).collect();
    assert!(matches!(outcomes[0], Outcome::Updated), "{report:?}");
    assert!(matches!(outcomes[1], Outcome::Unchanged), "{report:?}");
    assert!(
        matches!(outcomes[2], Outcome::Failed(e @ Error::Rejected { .. }) if e.provider_code() == Some("E2016") && e.status() == Some(400)),
        "{report:?}"
    );
    update.assert_calls_async(1).await;
    listing.assert_calls_async(2).await;
    refused.assert_calls_async(1).await;
    untouched.assert_calls_async(0).await;
}

#[tokio::test]
async fn deletes_go_out_as_one_bulk_request_per_zone() {
    let server = MockServer::start_async().await;
    zones_mock(
        &server,
        vec![
            zone(Z24, "2.0.192.in-addr.arpa."),
            zone(ZV6, "8.b.d.0.1.0.0.2.ip6.arpa."),
        ],
    )
    .await;
    let (a, b, c, d) = (
        "66666666-0000-4000-8000-00000000000a",
        "66666666-0000-4000-8000-00000000000b",
        "66666666-0000-4000-8000-00000000000c",
        "66666666-0000-4000-8000-00000000000d",
    );
    let v6_name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
    recordsets_mock(
        &server,
        Z24,
        vec![
            recordset(
                a,
                Z24,
                "1.2.0.192.in-addr.arpa.",
                "PTR",
                "one.example.net.",
                60,
            ),
            recordset(
                b,
                Z24,
                "2.2.0.192.in-addr.arpa.",
                "PTR",
                "two.example.net.",
                60,
            ),
            // A second recordset for the same address: removed as well.
            recordset(
                c,
                Z24,
                "2.2.0.192.in-addr.arpa.",
                "PTR",
                "deux.example.net.",
                60,
            ),
            recordset(
                "66666666-0000-4000-8000-0000000000ff",
                Z24,
                "9.2.0.192.in-addr.arpa.",
                "A",
                "192.0.2.9",
                60,
            ),
        ],
    )
    .await;
    recordsets_mock(
        &server,
        ZV6,
        vec![recordset(d, ZV6, v6_name, "PTR", "six.example.net.", 60)],
    )
    .await;
    let bulk24 = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v2/zones/{Z24}/recordsets"))
                .header("content-type", "application/json")
                .header("x-auth-token", TOKEN)
                .body(format!(r#"{{"id":["{a}","{b}","{c}"]}}"#));
            then.status(204);
        })
        .await;
    let bulk6 = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v2/zones/{ZV6}/recordsets"))
                .body(format!(r#"{{"id":["{d}"]}}"#));
            then.status(204);
        })
        .await;

    let report = token_client(&server)
        .apply(&[
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("2001:db8::1")),
            PtrChange::delete(ip("192.0.2.2")),
            PtrChange::delete(ip("192.0.2.3")),
            PtrChange::delete(ip("192.0.2.9")),
        ])
        .await
        .unwrap();
    let outcomes: Vec<_> = report.results().iter().map(|r| &r.outcome).collect();
    assert!(matches!(outcomes[0], Outcome::Deleted), "{report:?}");
    assert!(matches!(outcomes[1], Outcome::Deleted), "{report:?}");
    assert!(matches!(outcomes[2], Outcome::Deleted), "{report:?}");
    // No PTR (an A record is not one): nothing to do, nothing sent.
    assert!(matches!(outcomes[3], Outcome::Unchanged), "{report:?}");
    assert!(matches!(outcomes[4], Outcome::Unchanged), "{report:?}");
    bulk24.assert_calls_async(1).await;
    bulk6.assert_calls_async(1).await;
}

#[tokio::test]
async fn refused_bulk_delete_fails_each_of_its_changes() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    recordsets_mock(
        &server,
        Z24,
        vec![
            recordset(
                "77777777-0000-4000-8000-000000000001",
                Z24,
                "1.2.0.192.in-addr.arpa.",
                "PTR",
                "a.example.net.",
                60,
            ),
            recordset(
                "77777777-0000-4000-8000-000000000002",
                Z24,
                "2.2.0.192.in-addr.arpa.",
                "PTR",
                "b.example.net.",
                60,
            ),
        ],
    )
    .await;
    server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v2/zones/{Z24}/recordsets"));
            then.status(500).json_body(
                json!({"error": {"code": 500, "title": "Internal Server Error",
                "message": "E9001 Internal Server Error. Request failed."}}),
            );
        })
        .await;
    let report = token_client(&server)
        .apply(&[
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("192.0.2.2")),
        ])
        .await
        .unwrap();
    assert_eq!(report.counts().failed, 2);
    for r in report.results() {
        let e = r.outcome.error().unwrap();
        assert_eq!(e.provider_code(), Some("E9001"), "{e:?}");
        assert_eq!(e.status(), Some(500));
    }
}

#[tokio::test]
async fn change_without_zone_fails_alone() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    recordsets_mock(&server, Z24, vec![]).await;
    let report = token_client(&server)
        .apply(&[
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("198.51.100.1")),
        ])
        .await
        .unwrap();
    assert!(matches!(report.results()[0].outcome, Outcome::Unchanged));
    assert!(matches!(
        &report.results()[1].outcome,
        Outcome::Failed(Error::ZoneNotFound { name, .. }) if name == "1.100.51.198.in-addr.arpa."
    ));
}

#[tokio::test]
async fn bad_input_fails_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let client = token_client(&server);
    let cases: Vec<Vec<PtrChange>> = vec![
        vec![],
        vec![
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("192.0.2.1")),
        ],
        vec![PtrChange::delete(ip("127.0.0.1"))],
    ];
    for changes in cases {
        let err = client.apply(&changes).await.unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    }
    let err = client.get(&[]).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    // A TTL above 86400, or a description over ECL's 255 characters, fails
    // its change alone, before any request.
    let report = client
        .apply(&[PtrChange::Upsert {
            ip: ip("192.0.2.2"),
            target: host("a.example.net"),
            ttl: None,
            comment: Some("x".repeat(256)),
        }])
        .await
        .unwrap();
    let err = report.results()[0].outcome.error().unwrap();
    assert!(
        matches!(err, Error::Validation { field, .. } if field == "comment"),
        "{err:?}"
    );
    let report = client
        .apply(&[PtrChange::Upsert {
            ip: ip("192.0.2.1"),
            target: host("a.example.net"),
            ttl: Some(86_401),
            comment: None,
        }])
        .await
        .unwrap();
    let err = report.results()[0].outcome.error().unwrap();
    assert!(
        matches!(err, Error::Validation { field, .. } if field == "ttl"),
        "{err:?}"
    );
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn an_e2008_answer_keeps_status_code_and_message_in_the_metadata() {
    let server = MockServer::start_async().await;
    zones_mock(&server, vec![zone(Z24, "2.0.192.in-addr.arpa.")]).await;
    let id = "77777777-0000-4000-8000-000000000007";
    recordsets_mock(
        &server,
        Z24,
        vec![recordset(
            id,
            Z24,
            "5.2.0.192.in-addr.arpa.",
            "PTR",
            "old.example.net.",
            300,
        )],
    )
    .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/v2/zones/{Z24}/recordsets/{id}"));
            then.status(404)
                .header("x-openstack-request-id", "req-e2008")
                .json_body(json!({"error": {"code": 404, "title": "Not Found",
                    "message": "E2008 Specified recordset is not found."}}));
        })
        .await;
    let report = token_client(&server)
        .apply(&[PtrChange::upsert(ip("192.0.2.5"), host("new.example.net"))])
        .await
        .unwrap();
    let err = report.results()[0]
        .outcome
        .error()
        .expect("a failed change");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let meta = err.meta().expect("the answer's metadata");
    assert_eq!(meta.status, Some(404));
    assert_eq!(meta.code.as_deref(), Some("E2008"));
    assert_eq!(
        meta.message.as_deref(),
        Some("Specified recordset is not found.")
    );
    assert_eq!(meta.request_id.as_deref(), Some("req-e2008"));
    assert_eq!(meta.operation.as_deref(), Some("update_recordset"));
    assert_eq!(meta.attempts, 1);
    update.assert_calls_async(1).await;
}
