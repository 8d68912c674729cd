//! EDIS wire behaviour, driven with raw form POSTs.

mod support;

use std::net::IpAddr;

use revdns_sim::{EdisAccount, EdisKvm, ProviderId, SimConfig, Simulator, demo};
use serde_json::json;
use support::{demo_sim, edis_call, edis_raw, edis_session, http, status_json};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn auth_answers_sessions_keyed_by_kvm_id() {
    let sim = demo_sim().await;
    let resp = http()
        .post(format!("{}/kvm/v2/get/auth", sim.edis_url()))
        .form(&[("email", demo::EDIS_EMAIL), ("pw", demo::EDIS_PASSWORD)])
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "success");
    let session = &body["data"][demo::EDIS_KVM_ID];
    assert_eq!(session["kvm_id"], demo::EDIS_KVM_ID);
    assert_eq!(session["api_host"], "100001.vps.example.net");
    assert_eq!(
        session["api_rdns"],
        sim.edis_url().trim_start_matches("http://")
    );
    assert!(
        session["valid_until"].is_i64(),
        "valid_until is an epoch number"
    );
    assert_eq!(session["signature"].as_str().unwrap().len(), 50);
    assert_eq!(session["suspended"], "n");
    assert_eq!(session["lps"], "DE");
    assert_eq!(session["lps_ispremium"], false);
    assert_eq!(sim.request_count(ProviderId::Edis, "createAuthSession"), 1);
}

#[tokio::test]
async fn auth_with_a_wrong_password_is_401_with_the_whmcs_body() {
    let sim = demo_sim().await;
    let resp = http()
        .post(format!("{}/kvm/v2/get/auth", sim.edis_url()))
        .form(&[("email", demo::EDIS_EMAIL), ("pw", "wrong")])
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "Unauthorized");
    assert_eq!(body["code"], 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid WHMCS credentials.")
    );
}

#[tokio::test]
async fn auth_limited_to_one_kvm_and_unknown_kvm() {
    let config = SimConfig::new().edis_account(
        EdisAccount::new("two@example.net", "pw")
            .kvm(EdisKvm::new("kvm_1_1").owns("192.0.2.0/25"))
            .kvm(EdisKvm::new("kvm_2_2").owns("192.0.2.128/25")),
    );
    let sim = Simulator::start(config).await.unwrap();
    let auth = |kvm: Option<&'static str>| {
        let mut form = vec![("email", "two@example.net"), ("pw", "pw")];
        if let Some(k) = kvm {
            form.push(("kvm_id", k));
        }
        http()
            .post(format!("{}/kvm/v2/get/auth", sim.edis_url()))
            .form(&form)
            .send()
    };
    let (_, all) = status_json(auth(None).await.unwrap()).await;
    assert_eq!(all["data"].as_object().unwrap().len(), 2);
    let (_, one) = status_json(auth(Some("kvm_2_2")).await.unwrap()).await;
    assert_eq!(one["data"].as_object().unwrap().len(), 1);
    assert!(one["data"]["kvm_2_2"].is_object());
    let (status, body) = status_json(auth(Some("kvm_9_9")).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 400);
}

#[tokio::test]
async fn set_get_delete_round_trip() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let set = json!({"192.0.2.10": "a.example.net", "2001:db8:0:0::0010": "v6.example.net"});
    let (status, body) = edis_call(&sim, "/set/ptr", &s.form(&set.to_string())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"status": "success", "message": "PTR records set successfully."})
    );

    let ask = json!(["192.0.2.10", "2001:db8::10", "192.0.2.11"]).to_string();
    let (status, body) = edis_call(&sim, "/get/ptr", &s.form(&ask)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "success", "records": [
            {"ip": "192.0.2.10", "ptr_record": "a.example.net"},
            {"ip": "2001:db8::10", "ptr_record": "v6.example.net"},
        ]}),
        "IPs without a PTR are left out; IPv6 comes back canonical"
    );

    let (status, body) = edis_call(
        &sim,
        "/del/ptr",
        &s.form(&json!(["192.0.2.10"]).to_string()),
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "success"})));
    let ptrs = sim.edis_ptrs(demo::EDIS_KVM_ID);
    assert_eq!(ptrs.len(), 1);
    assert_eq!(ptrs[&ip("2001:db8::10")], "v6.example.net");
    assert_eq!(sim.request_count(ProviderId::Edis, "setPTR"), 1);
    assert_eq!(sim.request_count(ProviderId::Edis, "getPTR"), 1);
    assert_eq!(sim.request_count(ProviderId::Edis, "deletePTR"), 1);
}

#[tokio::test]
async fn single_ip_delete_sent_as_percent_encoded_json_array_is_accepted() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    edis_call(
        &sim,
        "/set/ptr",
        &s.form(r#"{"192.0.2.1":"h.example.net"}"#),
    )
    .await;
    let body = format!(
        "signature={}&kvm_id={}&valid_until={}&api_host={}&ip=%5B%22192.0.2.1%22%5D",
        s.signature, s.kvm_id, s.valid_until, s.api_host
    );
    let (status, _) = edis_raw(&sim, "/del/ptr", body).await;
    assert_eq!(status, 200);
    assert!(sim.edis_ptrs(demo::EDIS_KVM_ID).is_empty());
}

#[tokio::test]
async fn raw_json_in_the_form_as_the_docs_curl_sends_it_is_accepted() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let body = format!(
        r#"signature={}&kvm_id={}&valid_until={}&api_host={}&ip={{"192.0.2.1": "hostname.example.com"}}"#,
        s.signature, s.kvm_id, s.valid_until, s.api_host
    );
    let (status, body) = edis_raw(&sim, "/set/ptr", body).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        sim.edis_ptrs(demo::EDIS_KVM_ID)[&ip("192.0.2.1")],
        "hostname.example.com"
    );
}

#[tokio::test]
async fn ip_list_as_repeated_keys_csv_or_brackets_is_refused() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let base = format!(
        "signature={}&kvm_id={}&valid_until={}&api_host={}",
        s.signature, s.kvm_id, s.valid_until, s.api_host
    );
    for ip_part in [
        "ip=192.0.2.1&ip=192.0.2.2",
        "ip=192.0.2.1%2C192.0.2.2",
        "ip%5B%5D=192.0.2.1&ip%5B%5D=192.0.2.2",
        "ip=192.0.2.1",
    ] {
        let (status, body) = edis_raw(&sim, "/get/ptr", format!("{base}&{ip_part}")).await;
        assert_eq!(status, 400, "{ip_part}: {body}");
        assert_eq!(body["status"], "error");
        assert!(body["error"].is_string(), "get errors use `error`: {body}");

        let (status, body) = edis_raw(&sim, "/del/ptr", format!("{base}&{ip_part}")).await;
        assert_eq!(status, 400, "{ip_part}: {body}");
        assert!(
            body["message"].is_string(),
            "delete errors use `message`: {body}"
        );
    }
    let (status, body) = edis_raw(
        &sim,
        "/set/ptr",
        format!("{base}&ip%5B192.0.2.1%5D=h.example.net"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn a_batch_with_one_unowned_ip_is_refused_whole() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let set = json!({"192.0.2.5": "ok.example.net", "203.0.113.5": "not-mine.example.net"});
    let (status, body) = edis_call(&sim, "/set/ptr", &s.form(&set.to_string())).await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("203.0.113.5"),
        "{body}"
    );
    assert!(
        sim.edis_ptrs(demo::EDIS_KVM_ID).is_empty(),
        "nothing of the batch was applied"
    );
}

#[tokio::test]
async fn missing_fields_name_the_field_in_each_operations_style() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let mut form = s.form(r#"["192.0.2.1"]"#);
    form.retain(|(k, _)| k != "kvm_id");
    let (status, body) = edis_call(&sim, "/get/ptr", &form).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "error", "error": "Required field 'kvm_id' is missing."})
        )
    );
    let (status, body) = edis_call(&sim, "/del/ptr", &form).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "error", "message": "Invalid input: 'kvm_id' field is missing."})
        )
    );
}

#[tokio::test]
async fn expired_sessions_answer_401_until_a_new_session() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    sim.expire_edis_sessions();
    let (status, body) = edis_call(&sim, "/get/ptr", &s.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(
        (status, body),
        (401, json!({"status": "error", "error": "Session expired."}))
    );
    let (status, body) = edis_call(&sim, "/del/ptr", &s.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Session expired.")
    );

    let fresh = edis_session(&sim).await;
    let (status, _) = edis_call(&sim, "/get/ptr", &fresh.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_zero_session_lifetime_gives_sessions_that_are_already_expired() {
    let sim = Simulator::start(SimConfig::demo().edis_session_lifetime(std::time::Duration::ZERO))
        .await
        .unwrap();
    let s = edis_session(&sim).await;
    let (status, _) = edis_call(&sim, "/get/ptr", &s.form(r#"["192.0.2.1"]"#)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn session_fields_must_match_the_session() {
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let ask = r#"["192.0.2.1"]"#;

    let mut wrong_host = s.clone();
    wrong_host.api_host = "dns-api.edisglobal.com".into();
    let (status, _) = edis_call(&sim, "/get/ptr", &wrong_host.form(ask)).await;
    assert_eq!(status, 400, "api_host must be the session's VPS host");

    let mut wrong_until = s.clone();
    wrong_until.valid_until = "2025-01-12T15:30:00Z".into();
    let (status, _) = edis_call(&sim, "/get/ptr", &wrong_until.form(ask)).await;
    assert_eq!(status, 401, "valid_until is the session's epoch as text");

    let mut unknown = s.clone();
    unknown.signature = "0".repeat(50);
    let (status, _) = edis_call(&sim, "/get/ptr", &unknown.form(ask)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn seeded_ptrs_are_served() {
    let config = SimConfig::new().edis_account(
        EdisAccount::new("seed@example.net", "pw").kvm(
            EdisKvm::new("kvm_3_3")
                .owns("198.51.100.0/24")
                .ptr("198.51.100.7", "seven.example.net"),
        ),
    );
    let sim = Simulator::start(config).await.unwrap();
    assert_eq!(
        sim.edis_ptrs("kvm_3_3")[&ip("198.51.100.7")],
        "seven.example.net"
    );
    let bad = SimConfig::new().edis_account(
        EdisAccount::new("seed@example.net", "pw").kvm(
            EdisKvm::new("kvm_3_3")
                .owns("198.51.100.0/24")
                .ptr("192.0.2.1", "x.example.net"),
        ),
    );
    let err = Simulator::start(bad).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_batch_over_the_limit_is_refused_whole_and_changes_nothing() {
    let config = SimConfig::demo().edis_max_batch(3);
    let sim = Simulator::start(config).await.unwrap();
    let s = edis_session(&sim).await;
    let four = json!({
        "192.0.2.1": "a.example.net", "192.0.2.2": "b.example.net",
        "192.0.2.3": "c.example.net", "192.0.2.4": "d.example.net",
    });
    let (status, body) = edis_call(&sim, "/set/ptr", &s.form(&four.to_string())).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({"status": "error",
               "error": "Too many IP addresses: 4 given, at most 3 per request."})
    );
    assert!(sim.edis_ptrs(demo::EDIS_KVM_ID).is_empty());

    let three = json!(["192.0.2.1", "192.0.2.2", "192.0.2.3"]).to_string();
    let (status, _) = edis_call(&sim, "/get/ptr", &s.form(&three)).await;
    assert_eq!(status, 200, "the limit itself is allowed");
    let four = json!(["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]).to_string();
    let (status, body) = edis_call(&sim, "/del/ptr", &s.form(&four)).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "error");
}

#[tokio::test]
async fn the_default_limit_is_the_clients_default_batch() {
    assert_eq!(
        revdns_sim::EDIS_MAX_BATCH,
        revdns::edis::config::DEFAULT_CHUNK_SIZE
    );
    let sim = demo_sim().await;
    let s = edis_session(&sim).await;
    let ips: Vec<String> = (1..=51).map(|i| format!("192.0.2.{i}")).collect();
    let (status, _) = edis_call(&sim, "/get/ptr", &s.form(&json!(ips[..50]).to_string())).await;
    assert_eq!(status, 200);
    let (status, body) = edis_call(&sim, "/get/ptr", &s.form(&json!(ips).to_string())).await;
    assert_eq!(status, 400, "{body}");
}

/// A client set to a larger batch than the simulator allows still gets
/// every change through: each refused batch is split in halves.
#[tokio::test]
async fn a_client_batch_over_the_limit_is_split_and_lands() {
    use revdns::{PtrChange, PtrProvider};
    let sim = demo_sim().await;
    // The demo account's settings, as `revdns-sim` exports them.
    let exports = sim.env_exports();
    let client = revdns::edis::Client::builder()
        .from_env_with(|name| {
            exports
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        })
        .chunk_size(80)
        .build()
        .unwrap();
    let changes: Vec<PtrChange> = (1..=80)
        .map(|i| {
            PtrChange::upsert(
                ip(&format!("192.0.2.{i}")),
                "h.example.net".parse().unwrap(),
            )
        })
        .collect();
    let report = client.apply(&changes).await.unwrap();
    assert_eq!(report.counts().created, 80, "{report:?}");
    assert_eq!(sim.edis_ptrs(demo::EDIS_KVM_ID).len(), 80);
    // 80 refused, then 40 and 40: three requests to read, three to set.
    assert_eq!(sim.request_count(ProviderId::Edis, "getPTR"), 3);
    assert_eq!(sim.request_count(ProviderId::Edis, "setPTR"), 3);
}
