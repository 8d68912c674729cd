//! ECL (Keystone + DNS v2) wire behaviour, driven with raw HTTP.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use revdns_sim::{EclUser, EclZone, Faults, ProviderId, SimConfig, Simulator, demo};
use serde_json::{Value, json};
use support::{demo_sim, ecl_token, ecl_zone_id, http, keystone_body, status_json};

const ZONE: &str = "2.0.192.in-addr.arpa.";

struct Ecl {
    sim: Simulator,
    token: String,
    zone: String,
}

impl Ecl {
    async fn demo() -> Self {
        Self::with(demo_sim().await).await
    }

    async fn with(sim: Simulator) -> Self {
        let token = ecl_token(&sim).await;
        let zone = ecl_zone_id(&sim, ZONE);
        Ecl { sim, token, zone }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.ecl_url())
    }

    fn rs_path(&self) -> String {
        format!("/v2/zones/{}/recordsets", self.zone)
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        status_json(
            req.header("X-Auth-Token", &self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn create_ptr(&self, label: &str, target: &str) -> Value {
        let (status, body) = self
            .call(http().post(self.url(&self.rs_path())).json(&json!({
                "name": format!("{label}.{ZONE}"), "type": "PTR", "ttl": 3600, "records": [target]
            })))
            .await;
        assert_eq!(status, 202, "{body}");
        body["recordsets"][0].clone()
    }
}

fn assert_ecode(body: &Value, status: u16, code: &str) {
    assert_eq!(body["error"]["code"], status, "{body}");
    assert!(body["error"]["title"].is_string(), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("{code} ")), "{message}");
}

#[tokio::test]
async fn keystone_issues_a_token_with_a_dns_catalog_entry() {
    let sim = demo_sim().await;
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
    assert_eq!(resp.headers()["x-subject-token"].len(), 32);
    let (_, body) = status_json(resp).await;
    let token = &body["token"];
    let expires = token["expires_at"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.contains('T'), "{expires}");
    assert_eq!(token["project"]["id"], demo::ECL_PROJECT_ID);
    let dns = token["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "dns")
        .expect("a dns service");
    assert_eq!(
        dns["endpoints"],
        json!([{
            "id": dns["endpoints"][0]["id"], "interface": "public", "region": "jp1",
            "region_id": "jp1", "url": sim.ecl_url()
        }])
    );
    assert_eq!(sim.request_count(ProviderId::Ecl, "createToken"), 1);
}

/// What keystoneauth (and so NTT's eclsdk and eclcli) does with
/// `OS_AUTH_URL`, `OS_PROJECT_NAME` and `OS_PROJECT_DOMAIN_NAME`: discover
/// the v3 API under the printed URL, then log in scoped by project name and
/// domain, then call the DNS endpoint of the catalog with the token.
#[tokio::test]
async fn keystoneauth_style_login_discovers_v3_and_scopes_by_project_name() {
    let sim = demo_sim().await;
    let env: std::collections::HashMap<_, _> = sim.env_exports().into_iter().collect();
    let auth_url = &env["OS_AUTH_URL"];
    assert!(auth_url.ends_with("/v3"), "{auth_url}");

    let (status, root) = status_json(
        http()
            .get(format!("{}/", sim.ecl_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 300, "{root}");
    assert_eq!(root["versions"]["values"][0]["id"], "v3.14");

    let (status, version) = status_json(http().get(auth_url).send().await.unwrap()).await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(version["version"]["status"], "stable");
    let self_link = version["version"]["links"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(self_link, format!("{auth_url}/"));

    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"],
            "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": env["OS_PROJECT_ID"], "domain": {"name": "Default"}}}
    }});
    let resp = http()
        .post(format!("{self_link}auth/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let (_, answer) = status_json(resp).await;
    let dns = answer["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "dns")
        .unwrap()["endpoints"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, zones) = status_json(
        http()
            .get(format!("{dns}/v2/zones"))
            .header("x-auth-token", token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{zones}");
    assert_eq!(
        zones["zones"].as_array().unwrap().len(),
        demo::ECL_ZONES.len()
    );

    // A project name in another domain, or without a domain, is refused.
    let mut other = body.clone();
    other["auth"]["scope"]["project"]["domain"] = json!({"name": "Other"});
    let resp = http()
        .post(format!("{self_link}auth/tokens"))
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let mut bare = body;
    bare["auth"]["scope"]["project"] = json!({"name": demo::ECL_PROJECT_ID});
    let resp = http()
        .post(format!("{self_link}auth/tokens"))
        .json(&bare)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn keystone_refuses_wrong_password_or_project() {
    let sim = demo_sim().await;
    for body in [
        keystone_body(demo::ECL_USERNAME, "wrong", demo::ECL_PROJECT_ID),
        keystone_body(
            demo::ECL_USERNAME,
            demo::ECL_PASSWORD,
            "ffffffffffffffffffffffffffffffff",
        ),
        keystone_body("nobody", demo::ECL_PASSWORD, demo::ECL_PROJECT_ID),
    ] {
        let resp = http()
            .post(format!("{}/v3/auth/tokens", sim.ecl_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.headers().get("x-subject-token").is_none());
        let (status, err) = status_json(resp).await;
        assert_eq!(status, 401);
        assert_eq!(err["error"]["code"], 401);
    }
}

#[tokio::test]
async fn dns_calls_need_a_live_token() {
    let ecl = Ecl::demo().await;
    let resp = http().get(ecl.url("/v2/zones")).send().await.unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"error": {"code": 401, "title": "Unauthorized", "message": "E2001 Invalid token."}})
    );
    let (status, _) = ecl.call(http().get(ecl.url("/v2/zones"))).await;
    assert_eq!(status, 200);
    ecl.sim.expire_ecl_tokens();
    let (status, body) = ecl.call(http().get(ecl.url("/v2/zones"))).await;
    assert_eq!(status, 401);
    assert_ecode(&body, 401, "E2001");
}

#[tokio::test]
async fn zones_list_show_and_nameservers() {
    let ecl = Ecl::demo().await;
    let (status, list) = ecl.call(http().get(ecl.url("/v2/zones"))).await;
    assert_eq!(status, 200);
    assert_eq!(list["metadata"]["total_count"], 3);
    let zone = list["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == ZONE)
        .unwrap();
    assert_eq!(zone["status"], "ACTIVE");
    assert_eq!(zone["project_id"], demo::ECL_PROJECT_ID);
    assert_eq!(zone["pool_id"], "");
    assert_eq!(zone["ttl"], 0);
    assert!(zone["transferred_at"].is_null());
    let created = zone["created_at"].as_str().unwrap();
    assert_eq!(created.len(), 19, "no zone, no fraction: {created}");

    let (status, shown) = ecl
        .call(http().get(ecl.url(&format!("/v2/zones/{}", ecl.zone))))
        .await;
    assert_eq!(status, 200);
    assert_eq!(shown["id"], ecl.zone.as_str());

    let (status, ns) = ecl
        .call(http().get(ecl.url(&format!("/v2/zones/{}/nameservers", ecl.zone))))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ns["nameservers"].as_array().unwrap().len(), 2);

    let missing = "7f0e3541-9fc6-410d-b338-087909f04ebc";
    let (status, body) = ecl
        .call(http().get(ecl.url(&format!("/v2/zones/{missing}"))))
        .await;
    assert_eq!(status, 404);
    assert_ecode(&body, 404, "E2007");
}

#[tokio::test]
async fn zone_create_is_creating_then_active_update_and_delete() {
    let ecl = Ecl::with(
        Simulator::start(SimConfig::demo().faults(
            ProviderId::Ecl,
            Faults::none().zone_activation(Duration::from_secs(3600)),
        ))
        .await
        .unwrap(),
    )
    .await;
    let (status, zone) = ecl
        .call(http().post(ecl.url("/v2/zones")).json(&json!({
            "name": "113.0.203.in-addr.arpa.", "description": "test", "email": "x@example.net",
            "ttl": 100, "type": "PRIMARY"
        })))
        .await;
    assert_eq!(status, 202, "{zone}");
    assert_eq!(zone["status"], "CREATING");
    assert!(zone["updated_at"].is_null());
    assert_eq!(zone["email"], "", "unsupported fields come back blank");
    let path = format!("/v2/zones/{}", zone["id"].as_str().unwrap());
    let (_, shown) = ecl.call(http().get(ecl.url(&path))).await;
    assert_eq!(
        shown["status"], "CREATING",
        "still inside the activation delay"
    );

    ecl.sim.set_faults(ProviderId::Ecl, Faults::none());
    // The delay is fixed at creation; a zone made now is active at once.
    let (_, quick) = ecl
        .call(
            http()
                .post(ecl.url("/v2/zones"))
                .json(&json!({"name": "example.net."})),
        )
        .await;
    assert_eq!(
        quick["status"], "CREATING",
        "the create answer is always CREATING"
    );
    let quick_path = format!("/v2/zones/{}", quick["id"].as_str().unwrap());
    let (_, shown) = ecl.call(http().get(ecl.url(&quick_path))).await;
    assert_eq!(shown["status"], "ACTIVE");

    let (status, err) = ecl
        .call(
            http()
                .post(ecl.url("/v2/zones"))
                .json(&json!({"name": "example.net."})),
        )
        .await;
    assert_eq!(status, 409);
    assert_ecode(&err, 409, "E2901");
    let (status, err) = ecl
        .call(
            http()
                .post(ecl.url("/v2/zones"))
                .json(&json!({"name": "example.org"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_ecode(&err, 400, "E2012");

    let (status, patched) = ecl
        .call(
            http()
                .patch(ecl.url(&quick_path))
                .json(&json!({"description": "new", "ttl": 600})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["description"], "new");
    assert_eq!(patched["ttl"], 0);
    assert!(patched["updated_at"].is_string());

    let resp = http()
        .delete(ecl.url(&quick_path))
        .header("X-Auth-Token", &ecl.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    assert!(resp.bytes().await.unwrap().is_empty());
    let (status, _) = ecl.call(http().get(ecl.url(&quick_path))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn create_with_two_values_makes_two_recordsets_in_a_list_wrapper() {
    let ecl = Ecl::demo().await;
    let (status, body) = ecl
        .call(http().post(ecl.url(&ecl.rs_path())).json(&json!({
            "name": format!("host1.{ZONE}"), "description": "two values", "type": "A",
            "records": ["198.51.100.2", "198.51.100.3"], "ttl": 3600
        })))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["metadata"]["total_count"], 2);
    assert!(body["links"]["self"].is_string());
    let sets = body["recordsets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_ne!(sets[0]["id"], sets[1]["id"]);
    for (set, value) in sets.iter().zip(["198.51.100.2", "198.51.100.3"]) {
        assert_eq!(set["records"], json!([value]), "one value per recordset");
        assert_eq!(set["created_at"], "");
        assert!(set["updated_at"].is_null());
        assert!(
            set.get("status").is_none(),
            "create answers carry no status"
        );
        assert_eq!(set["version"], 1);
    }
    let a_sets = ecl
        .sim
        .ecl_recordsets(ZONE)
        .into_iter()
        .filter(|r| r.record_type == "A")
        .count();
    assert_eq!(a_sets, 2);
}

#[tokio::test]
async fn ptr_recordsets_hold_one_value() {
    let ecl = Ecl::demo().await;
    let (status, body) = ecl
        .call(http().post(ecl.url(&ecl.rs_path())).json(&json!({
            "name": format!("1.{ZONE}"), "type": "PTR", "ttl": 3600,
            "records": ["a.example.net.", "b.example.net."]
        })))
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2016");

    let set = ecl.create_ptr("1", "a.example.net.").await;
    let path = format!("{}/{}", ecl.rs_path(), set["id"].as_str().unwrap());
    let (status, body) = ecl
        .call(
            http()
                .put(ecl.url(&path))
                .json(&json!({"records": ["b.example.net.", "c.example.net."]})),
        )
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2016");
}

#[tokio::test]
async fn update_answers_records_as_a_bare_string() {
    let ecl = Ecl::demo().await;
    let set = ecl.create_ptr("5", "old.example.net.").await;
    let path = format!("{}/{}", ecl.rs_path(), set["id"].as_str().unwrap());
    let (status, updated) = ecl
        .call(http().put(ecl.url(&path)).json(&json!({
            "name": format!("5.{ZONE}"), "ttl": 600, "records": ["new.example.net."], "description": "d"
        })))
        .await;
    assert_eq!(status, 202, "{updated}");
    assert_eq!(updated["records"], "new.example.net.");
    assert!(updated["created_at"].is_null() && updated["updated_at"].is_null());
    assert!(updated.get("status").is_none());

    let (status, shown) = ecl.call(http().get(ecl.url(&path))).await;
    assert_eq!(status, 200);
    assert_eq!(shown["records"], json!(["new.example.net."]));
    assert_eq!(shown["ttl"], 600);
    assert_eq!(shown["status"], "ACTIVE");

    let (status, body) = ecl
        .call(
            http()
                .put(ecl.url(&path))
                .json(&json!({"description": "only"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2044");
    let (status, body) = ecl.call(http().put(ecl.url(&path)).json(&json!({}))).await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2040");
    let (status, body) = ecl
        .call(
            http()
                .put(ecl.url(&path))
                .json(&json!({"name": "5.3.0.192.in-addr.arpa."})),
        )
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2015");
}

#[tokio::test]
async fn a_new_recordset_can_answer_404_for_a_while() {
    let ecl = Ecl::with(
        Simulator::start(SimConfig::demo().faults(
            ProviderId::Ecl,
            Faults::none().not_found_after_create(Duration::from_secs(3600)),
        ))
        .await
        .unwrap(),
    )
    .await;
    let set = ecl.create_ptr("9", "late.example.net.").await;
    let path = format!("{}/{}", ecl.rs_path(), set["id"].as_str().unwrap());
    let (status, body) = ecl.call(http().get(ecl.url(&path))).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": {"code": 404, "title": "Not Found", "message": "E2008 Specified recordset is not found."}})
    );
    assert!(
        ecl.sim
            .ecl_recordsets(ZONE)
            .iter()
            .any(|r| r.value == "late.example.net."),
        "the record exists; only reads lag"
    );
}

#[tokio::test]
async fn delete_one_and_bulk_delete_answer_204() {
    let ecl = Ecl::demo().await;
    let a = ecl.create_ptr("1", "a.example.net.").await;
    let b = ecl.create_ptr("2", "b.example.net.").await;
    let c = ecl.create_ptr("3", "c.example.net.").await;

    let resp = http()
        .delete(ecl.url(&format!("{}/{}", ecl.rs_path(), a["id"].as_str().unwrap())))
        .header("X-Auth-Token", &ecl.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);

    let missing = "2514d0c1-d41e-4fd0-b736-acf3fbd1e03a";
    let (status, body) = ecl
        .call(
            http()
                .delete(ecl.url(&ecl.rs_path()))
                .json(&json!({"id": [b["id"], missing]})),
        )
        .await;
    assert_eq!(status, 404);
    assert_ecode(&body, 404, "E2008");
    let ptrs = || {
        ecl.sim
            .ecl_recordsets(ZONE)
            .into_iter()
            .filter(|r| r.record_type == "PTR")
            .count()
    };
    assert_eq!(ptrs(), 2, "a refused bulk delete removes nothing");

    let resp = http()
        .delete(ecl.url(&ecl.rs_path()))
        .header("X-Auth-Token", &ecl.token)
        .json(&json!({"id": [b["id"], c["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(ptrs(), 0);
    assert_eq!(
        ecl.sim.request_count(ProviderId::Ecl, "deleteRecordsets"),
        2
    );
    assert_eq!(ecl.sim.request_count(ProviderId::Ecl, "deleteRecordset"), 1);
}

#[tokio::test]
async fn default_ns_and_soa_cannot_be_deleted() {
    let ecl = Ecl::demo().await;
    for (rtype, code) in [("NS", "E2062"), ("SOA", "E2063")] {
        let rs = ecl
            .sim
            .ecl_recordsets(ZONE)
            .into_iter()
            .find(|r| r.record_type == rtype)
            .unwrap();
        let (status, body) = ecl
            .call(http().delete(ecl.url(&format!("{}/{}", ecl.rs_path(), rs.id))))
            .await;
        assert_eq!(status, 403);
        assert_ecode(&body, 403, code);
    }
}

#[tokio::test]
async fn recordset_lists_page_with_limit_marker_and_links_next() {
    let mut zone = EclZone::new(ZONE);
    for n in 0..=249 {
        zone = zone.recordset(
            &format!("{n}.{ZONE}"),
            "PTR",
            &format!("h{n}.example.net."),
            3600,
        );
    }
    let config = SimConfig::new().ecl_user(
        EclUser::new(demo::ECL_USERNAME, demo::ECL_PASSWORD, demo::ECL_PROJECT_ID).zone(zone),
    );
    let ecl = Ecl::with(Simulator::start(config).await.unwrap()).await;
    let mut next = Some(ecl.url(&format!("{}?limit=100", ecl.rs_path())));
    let mut seen = HashSet::new();
    let mut pages = 0;
    while let Some(url) = next {
        let (status, page) = ecl.call(http().get(url)).await;
        assert_eq!(status, 200, "{page}");
        // As the spec says: the number of items in this answer.
        assert_eq!(
            page["metadata"]["total_count"].as_u64(),
            page["recordsets"].as_array().map(|a| a.len() as u64)
        );
        for set in page["recordsets"].as_array().unwrap() {
            assert!(seen.insert(set["id"].as_str().unwrap().to_owned()));
            assert_eq!(set["status"], "ACTIVE");
        }
        next = page["links"]["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!((pages, seen.len()), (3, 253));

    let (status, body) = ecl
        .call(http().get(ecl.url(&format!("{}?limit=501", ecl.rs_path()))))
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2005");
}

#[tokio::test]
async fn recordset_names_must_end_with_the_zone() {
    let ecl = Ecl::demo().await;
    let (status, body) = ecl
        .call(http().post(ecl.url(&ecl.rs_path())).json(&json!({
            "name": "1.3.0.192.in-addr.arpa.", "type": "PTR", "ttl": 60, "records": ["h.example.net."]
        })))
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2015");
    let (status, body) = ecl
        .call(
            http()
                .post(ecl.url(&ecl.rs_path()))
                .json(&json!({"name": format!("1.{ZONE}"), "type": "PTR"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_ecode(&body, 400, "E2040");
}
