//! IONOS Cloud DNS wire behaviour, driven with raw HTTP.

mod support;

use std::collections::HashSet;

use revdns_sim::{IonosToken, ProviderId, SimConfig, Simulator, demo};
use serde_json::{Value, json};
use support::{demo_sim, http, status_json};

fn url(sim: &Simulator, path: &str) -> String {
    format!("{}{path}", sim.ionos_url())
}

fn body(ip: &str, name: &str) -> Value {
    json!({"properties": {"name": name, "ip": ip, "description": "from a test"}})
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    status_json(req.bearer_auth(demo::IONOS_TOKEN).send().await.unwrap()).await
}

fn assert_error_body(body: &Value, status: u16) {
    assert_eq!(body["httpStatus"], status, "{body}");
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert!(messages[0]["errorCode"].is_string());
    assert!(messages[0]["message"].is_string());
}

#[tokio::test]
async fn requests_without_a_valid_bearer_token_are_401() {
    let sim = demo_sim().await;
    let resp = http()
        .get(url(&sim, "/reverserecords"))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 401);
    assert_error_body(&body, 401);
    let resp = http()
        .get(url(&sim, "/reverserecords"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    assert!(sim.set_ionos_token_expired(demo::IONOS_TOKEN, true));
    let (status, _) = send(http().get(url(&sim, "/reverserecords"))).await;
    assert_eq!(status, 401);
    sim.set_ionos_token_expired(demo::IONOS_TOKEN, false);
    let (status, _) = send(http().get(url(&sim, "/reverserecords"))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn post_creates_201_and_the_record_reads_back() {
    let sim = demo_sim().await;
    let (status, created) = send(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("2001:0db8::0001", "v6.example.net")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["type"], "reverserecord");
    assert_eq!(created["properties"]["ip"], "2001:db8::1");
    assert_eq!(created["properties"]["name"], "v6.example.net");
    assert_eq!(created["properties"]["description"], "from a test");
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        created["href"],
        format!("{}/reverserecords/{id}", sim.ionos_url())
    );
    let metadata = created["metadata"].as_object().unwrap();
    for key in [
        "createdDate",
        "createdBy",
        "lastModifiedDate",
        "resourceURN",
    ] {
        assert!(metadata.contains_key(key), "metadata has {key}");
    }
    assert!(
        !metadata.contains_key("state"),
        "reverse records are synchronous"
    );

    let (status, read) = send(http().get(url(&sim, &format!("/reverserecords/{id}")))).await;
    assert_eq!(status, 200);
    assert_eq!(read["properties"], created["properties"]);
    assert_eq!(
        sim.request_count(ProviderId::Ionos, "reverserecordsPost"),
        1
    );
    assert_eq!(
        sim.request_count(ProviderId::Ionos, "reverserecordsFindById"),
        1
    );
}

#[tokio::test]
async fn a_second_record_for_one_ip_is_409() {
    let sim = demo_sim().await;
    let (status, first) = send(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("192.0.2.1", "a.example.net")),
    )
    .await;
    assert_eq!(status, 201);
    let (status, err) = send(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("192.0.2.1", "b.example.net")),
    )
    .await;
    assert_eq!(status, 409);
    assert_error_body(&err, 409);

    let other = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let (status, _) = send(
        http()
            .put(url(&sim, &format!("/reverserecords/{other}")))
            .json(&body("192.0.2.1", "b.example.net")),
    )
    .await;
    assert_eq!(status, 409, "PUT under another id conflicts too");

    let id = first["id"].as_str().unwrap();
    let (status, updated) = send(
        http()
            .put(url(&sim, &format!("/reverserecords/{id}")))
            .json(&body("192.0.2.1", "b.example.net")),
    )
    .await;
    assert_eq!(status, 200, "PUT under the record's own id updates it");
    assert_eq!(updated["properties"]["name"], "b.example.net");
    assert_eq!(sim.ionos_records().len(), 1);
}

#[tokio::test]
async fn put_creates_under_the_given_id_then_updates_with_200() {
    let sim = demo_sim().await;
    let id = "6f1c7f3e-9d7e-4b8a-8f0e-2a3b4c5d6e7f";
    let path = format!("/reverserecords/{id}");
    let (status, created) = send(
        http()
            .put(url(&sim, &path))
            .json(&body("198.51.100.9", "n.example.net")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(created["id"], id);
    let (status, moved) = send(
        http()
            .put(url(&sim, &path))
            .json(&body("198.51.100.10", "n.example.net")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(moved["properties"]["ip"], "198.51.100.10");
    let records = sim.ionos_records();
    assert_eq!(records.len(), 1, "changing the IP moves the record");
    assert_eq!(
        records[&"198.51.100.10".parse().unwrap()].id.to_string(),
        id
    );
}

#[tokio::test]
async fn a_list_after_an_update_shows_the_update() {
    let sim = demo_sim().await;
    let path = "/reverserecords/0b6f0c2e-4d1a-4c7e-9b3f-5a6d7e8f9a0b";
    let listed = || async {
        let (status, list) = send(http().get(url(&sim, "/reverserecords?limit=1000"))).await;
        assert_eq!(status, 200);
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["properties"]["ip"] == "198.51.100.20")
            .map(|r| r["properties"]["name"].clone())
    };
    let put = |name: &'static str| {
        send(
            http()
                .put(url(&sim, path))
                .json(&body("198.51.100.20", name)),
        )
    };
    assert_eq!(put("before.example.net").await.0, 200);
    assert_eq!(listed().await.unwrap(), "before.example.net");
    assert_eq!(put("after.example.net").await.0, 200);
    assert_eq!(listed().await.unwrap(), "after.example.net");
    let (status, _) = send(http().delete(url(&sim, path))).await;
    assert_eq!(status, 202);
    assert_eq!(listed().await, None);
}

#[tokio::test]
async fn delete_is_202_with_an_empty_body_then_get_is_404() {
    let sim = demo_sim().await;
    let (_, created) = send(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("192.0.2.2", "d.example.net")),
    )
    .await;
    let path = format!("/reverserecords/{}", created["id"].as_str().unwrap());
    let resp = http()
        .delete(url(&sim, &path))
        .bearer_auth(demo::IONOS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    assert!(resp.bytes().await.unwrap().is_empty());
    let (status, err) = send(http().get(url(&sim, &path))).await;
    assert_eq!(status, 404);
    assert_error_body(&err, 404);
    let (status, _) = send(http().delete(url(&sim, &path))).await;
    assert_eq!(status, 404);
    let (status, _) = send(http().get(url(&sim, "/reverserecords/not-a-uuid"))).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn addresses_outside_the_tokens_blocks_are_403() {
    let sim = demo_sim().await;
    let (status, err) = send(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("203.0.113.1", "x.example.net")),
    )
    .await;
    assert_eq!(status, 403);
    assert_error_body(&err, 403);
    assert!(sim.ionos_records().is_empty());
}

#[tokio::test]
async fn invalid_bodies_are_400() {
    let sim = demo_sim().await;
    for bad in [
        json!({"properties": {"ip": "192.0.2.1"}}),
        json!({"properties": {"name": "x.example.net", "ip": "192.0.2.256"}}),
        json!({"name": "x.example.net", "ip": "192.0.2.1"}),
    ] {
        let (status, err) = send(http().post(url(&sim, "/reverserecords")).json(&bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert_error_body(&err, 400);
    }
}

#[tokio::test]
async fn list_filters_by_repeated_record_ip_and_checks_limit() {
    let config = SimConfig::demo()
        .ionos_record("192.0.2.1", "one.example.net")
        .ionos_record("192.0.2.2", "two.example.net")
        .ionos_record("192.0.2.3", "three.example.net");
    let sim = Simulator::start(config).await.unwrap();
    let (status, list) = send(http().get(url(&sim, "/reverserecords")).query(&[
        ("filter.recordIp", "192.0.2.3"),
        ("filter.recordIp", "192.0.2.1"),
    ]))
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["type"], "collection");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["properties"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["one.example.net", "three.example.net"],
        "creation order"
    );
    assert_eq!(list["offset"], 0);
    assert_eq!(list["limit"], 100, "default limit");
    assert!(list["_links"]["self"].is_string());

    for limit in ["0", "1001", "ten"] {
        let (status, err) = send(
            http()
                .get(url(&sim, "/reverserecords"))
                .query(&[("limit", limit)]),
        )
        .await;
        assert_eq!(status, 400, "limit={limit}");
        assert_error_body(&err, 400);
    }
    let (status, _) = send(
        http()
            .get(url(&sim, "/reverserecords"))
            .query(&[("limit", "1000")]),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        http()
            .get(url(&sim, "/reverserecords"))
            .query(&[("filter.recordIp", "not-an-ip")]),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn paging_walks_more_than_1000_records_by_offset() {
    let mut config = SimConfig::demo();
    for n in 1..=2500u32 {
        config = config.ionos_record(&format!("2001:db8::{n:x}"), &format!("h{n}.example.net"));
    }
    let sim = Simulator::start(config).await.unwrap();
    let mut seen = HashSet::new();
    let mut offset = 0;
    let mut pages = Vec::new();
    loop {
        let (status, page) = send(
            http()
                .get(url(&sim, "/reverserecords"))
                .query(&[("offset", offset.to_string()), ("limit", "1000".into())]),
        )
        .await;
        assert_eq!(status, 200);
        let items = page["items"].as_array().unwrap();
        for item in items {
            assert!(seen.insert(item["id"].as_str().unwrap().to_owned()));
        }
        pages.push((items.len(), page["_links"]["next"].is_string()));
        if items.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    assert_eq!(pages, [(1000, true), (1000, true), (500, false)]);
    assert_eq!(seen.len(), 2500);
    assert_eq!(sim.request_count(ProviderId::Ionos, "reverserecordsGet"), 3);
}

#[tokio::test]
async fn tokens_share_the_contract_but_write_only_their_blocks() {
    let config =
        SimConfig::demo().ionos_token(IonosToken::new("narrow-token").block("192.0.2.128/25"));
    let sim = Simulator::start(config).await.unwrap();
    let narrow = |req: reqwest::RequestBuilder| req.bearer_auth("narrow-token").send();
    let resp = narrow(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("192.0.2.1", "x.example.net")),
    )
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let (status, _) = send(
        http()
            .post(url(&sim, "/reverserecords"))
            .json(&body("192.0.2.1", "x.example.net")),
    )
    .await;
    assert_eq!(status, 201);
    let resp = narrow(http().get(url(&sim, "/reverserecords")))
        .await
        .unwrap();
    let (_, list) = status_json(resp).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "reads see the contract"
    );
}
