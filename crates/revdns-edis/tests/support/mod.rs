//! A fake EDIS on httpmock: canned session answers and a stateful PTR store.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse, Mock};
use revdns_edis::{Builder, Client, Credentials, RetryConfig};
use serde_json::json;

pub const EMAIL: &str = "ops@example.net";
pub const PASSWORD: &str = "hunter2-p+ss&w=rd";
pub const KVM: &str = "kvm_847362_918273";
pub const API_HOST: &str = "7f3a21.edisglobal.com";
pub const SIGNATURE: &str = "12345678901234567890123456789012345678901234567890";
/// 2100-01-01: a session that never needs renewing during a test.
pub const FAR_FUTURE: u64 = 4_102_444_800;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// One session entry as the auth page documents it.
pub fn session_entry(kvm_id: &str, signature: &str, valid_until: u64) -> serde_json::Value {
    json!({
        "api_host": API_HOST,
        "api_rdns": "dns-api.edisglobal.com",
        "kvm_id": kvm_id,
        "valid_until": valid_until,
        "signature": signature,
        "suspended": "n",
        "description": "v2eu",
        "lps": "DE",
        "lps_ispremium": true,
        "primary_ip": "192.0.2.74"
    })
}

/// The auth answer with one session per `(kvm_id, signature)`.
pub fn auth_answer(sessions: &[(&str, &str)], valid_until: u64) -> String {
    let data: serde_json::Map<String, serde_json::Value> = sessions
        .iter()
        .map(|(k, s)| ((*k).to_owned(), session_entry(k, s, valid_until)))
        .collect();
    json!({ "data": data, "status": "success" }).to_string()
}

/// Answers every session request with one session for [`KVM`].
pub async fn mock_auth(server: &MockServer, valid_until: u64) -> Mock<'_> {
    let body = auth_answer(&[(KVM, SIGNATURE)], valid_until);
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

/// A builder pointed at `server` for both hosts, without retries.
pub fn builder(server: &MockServer) -> Builder {
    Client::builder()
        .credentials(Credentials::new(EMAIL, PASSWORD))
        .auth_base_url(server.base_url())
        .ptr_base_url(server.base_url())
        .retry(RetryConfig::disabled())
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// The form fields of a request, decoded.
pub fn form(req: &HttpMockRequest) -> BTreeMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(req.body_ref())
        .unwrap()
        .into_iter()
        .collect()
}

fn json_response(status: u16, body: String) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body)
        .build()
}

/// PTR state behind the three PTR endpoints. IPs in `stuck` ignore writes,
/// as if EDIS answered success without applying them. A request naming an
/// IP in `foreign` is refused whole with 400, as EDIS refuses a batch with
/// an IP the VPS does not own.
#[derive(Clone, Default)]
pub struct Store {
    pub ptrs: Arc<Mutex<BTreeMap<IpAddr, String>>>,
    pub stuck: Arc<Mutex<BTreeSet<IpAddr>>>,
    pub foreign: Arc<Mutex<BTreeSet<IpAddr>>>,
}

/// The 400 answer for a batch naming a foreign IP, in the operation's
/// error field (`error` for get and set, `message` for delete).
fn refuse_foreign<'a>(
    store: &Store,
    ips: impl IntoIterator<Item = &'a String>,
    field: &str,
) -> Option<HttpMockResponse> {
    let foreign = store.foreign.lock().unwrap();
    let bad = ips
        .into_iter()
        .find(|t| foreign.contains(&t.parse::<IpAddr>().unwrap()))?;
    let text = format!("IP address {bad} is not assigned to {KVM}.");
    Some(json_response(
        400,
        json!({"status": "error", field: text}).to_string(),
    ))
}

pub struct PtrMocks<'a> {
    pub get: Mock<'a>,
    pub set: Mock<'a>,
    pub delete: Mock<'a>,
}

impl PtrMocks<'_> {
    pub async fn calls(&self) -> (usize, usize, usize) {
        (
            self.get.calls_async().await,
            self.set.calls_async().await,
            self.delete.calls_async().await,
        )
    }
}

impl Store {
    pub fn insert(&self, ip: IpAddr, host: &str) {
        self.ptrs.lock().unwrap().insert(ip, host.to_owned());
    }

    pub fn get(&self, ip: IpAddr) -> Option<String> {
        self.ptrs.lock().unwrap().get(&ip).cloned()
    }

    /// Mounts `/get/ptr`, `/set/ptr` and `/del/ptr`, each checking the
    /// session fields and reading `ip` as JSON text, as EDIS's PHP does.
    pub async fn mount(self, server: &MockServer) -> PtrMocks<'_> {
        let s = self.clone();
        let get = server
            .mock_async(move |when, then| {
                when.method(POST).path("/get/ptr");
                then.respond_with(move |req| {
                    let f = form(req);
                    let ips: Vec<String> = serde_json::from_str(&f["ip"]).unwrap();
                    if let Some(refused) = refuse_foreign(&s, &ips, "error") {
                        return refused;
                    }
                    let ptrs = s.ptrs.lock().unwrap();
                    let records: Vec<_> = ips
                        .iter()
                        .filter_map(|t| {
                            let ip: IpAddr = t.parse().unwrap();
                            ptrs.get(&ip).map(|h| json!({"ip": t, "ptr_record": h}))
                        })
                        .collect();
                    json_response(
                        200,
                        json!({"status": "success", "records": records}).to_string(),
                    )
                });
            })
            .await;
        let s = self.clone();
        let set = server
            .mock_async(move |when, then| {
                when.method(POST).path("/set/ptr");
                then.respond_with(move |req| {
                    let f = form(req);
                    let map: BTreeMap<String, String> = serde_json::from_str(&f["ip"]).unwrap();
                    if let Some(refused) = refuse_foreign(&s, map.keys(), "error") {
                        return refused;
                    }
                    let stuck = s.stuck.lock().unwrap();
                    let mut ptrs = s.ptrs.lock().unwrap();
                    for (t, h) in map {
                        let ip: IpAddr = t.parse().unwrap();
                        if !stuck.contains(&ip) {
                            ptrs.insert(ip, h);
                        }
                    }
                    json_response(
                        200,
                        r#"{"status":"success","message":"PTR records set successfully."}"#.into(),
                    )
                });
            })
            .await;
        let s = self.clone();
        let delete = server
            .mock_async(move |when, then| {
                when.method(POST).path("/del/ptr");
                then.respond_with(move |req| {
                    let f = form(req);
                    let ips: Vec<String> = serde_json::from_str(&f["ip"]).unwrap();
                    if let Some(refused) = refuse_foreign(&s, &ips, "message") {
                        return refused;
                    }
                    let stuck = s.stuck.lock().unwrap();
                    let mut ptrs = s.ptrs.lock().unwrap();
                    for t in ips {
                        let ip: IpAddr = t.parse().unwrap();
                        if !stuck.contains(&ip) {
                            ptrs.remove(&ip);
                        }
                    }
                    json_response(200, r#"{"status":"success"}"#.into())
                });
            })
            .await;
        PtrMocks { get, set, delete }
    }
}
