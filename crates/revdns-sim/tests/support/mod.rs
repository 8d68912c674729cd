//! Helpers shared by the wire tests: a demo simulator and raw-HTTP shortcuts.

#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;

use revdns_sim::{SimConfig, Simulator, demo};
use serde_json::Value;

/// The demo simulator.
pub async fn demo_sim() -> Simulator {
    Simulator::start(SimConfig::demo().seed(1))
        .await
        .expect("simulator starts")
}

/// A plain HTTP client without retries. It keeps no idle connections, so
/// one client serves every test's runtime (and TLS set-up is paid once).
pub fn http() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            // Under rustls-ring alone (the default), reqwest has no TLS
            // provider of its own and would not build.
            revdns_core::runtime::install_tls_provider();
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client builds")
        })
        .clone()
}

/// The JSON body of a response, with its status.
pub async fn status_json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body reads");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, value)
}

/// An EDIS session of the demo VPS: the form fields a PTR call needs.
#[derive(Debug, Clone)]
pub struct EdisSession {
    pub signature: String,
    pub kvm_id: String,
    pub valid_until: String,
    pub api_host: String,
    pub api_rdns: String,
}

impl EdisSession {
    /// The session fields plus `ip` as form pairs.
    pub fn form(&self, ip: &str) -> Vec<(String, String)> {
        vec![
            ("signature".into(), self.signature.clone()),
            ("kvm_id".into(), self.kvm_id.clone()),
            ("valid_until".into(), self.valid_until.clone()),
            ("api_host".into(), self.api_host.clone()),
            ("ip".into(), ip.to_owned()),
        ]
    }
}

pub async fn edis_session(sim: &Simulator) -> EdisSession {
    let resp = http()
        .post(format!("{}/kvm/v2/get/auth", sim.edis_url()))
        .form(&[("email", demo::EDIS_EMAIL), ("pw", demo::EDIS_PASSWORD)])
        .send()
        .await
        .expect("auth answers");
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    let s = &body["data"][demo::EDIS_KVM_ID];
    EdisSession {
        signature: s["signature"].as_str().unwrap().to_owned(),
        kvm_id: s["kvm_id"].as_str().unwrap().to_owned(),
        valid_until: s["valid_until"].as_i64().unwrap().to_string(),
        api_host: s["api_host"].as_str().unwrap().to_owned(),
        api_rdns: s["api_rdns"].as_str().unwrap().to_owned(),
    }
}

/// POSTs a raw form body to an EDIS PTR path (`/get/ptr` …).
pub async fn edis_raw(sim: &Simulator, path: &str, body: String) -> (u16, Value) {
    let resp = http()
        .post(format!("{}{path}", sim.edis_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("EDIS answers");
    status_json(resp).await
}

/// Form-encodes `pairs` and POSTs them to an EDIS PTR path.
pub async fn edis_call(sim: &Simulator, path: &str, pairs: &[(String, String)]) -> (u16, Value) {
    edis_raw(sim, path, serde_urlencoded::to_string(pairs).unwrap()).await
}

/// A Keystone token of the demo tenant.
pub async fn ecl_token(sim: &Simulator) -> String {
    let resp = http()
        .post(format!("{}/v3/auth/tokens", sim.ecl_url()))
        .json(&keystone_body(
            demo::ECL_USERNAME,
            demo::ECL_PASSWORD,
            demo::ECL_PROJECT_ID,
        ))
        .send()
        .await
        .expect("keystone answers");
    assert_eq!(resp.status().as_u16(), 201);
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn keystone_body(user: &str, password: &str, project: &str) -> Value {
    serde_json::json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "domain": {"id": "default"}, "name": user, "password": password}}},
        "scope": {"project": {"id": project}}
    }})
}

/// The id of a demo ECL zone by name.
pub fn ecl_zone_id(sim: &Simulator, name: &str) -> String {
    sim.ecl_zones()
        .into_iter()
        .find(|z| z.name == name)
        .map(|z| z.id.to_string())
        .expect("demo zone exists")
}
