//! What goes on the wire: exact form bodies, headers and paths.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use httpmock::prelude::*;
use revdns_edis::{Hostname, RetryConfig};
use support::*;

fn host(s: &str) -> Hostname {
    Hostname::new(s).unwrap()
}

#[tokio::test]
async fn delete_single_ip_sends_json_array_in_form() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let del = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/del/ptr")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header_missing("api-version")
                .body(format!(
                    "api_host=7f3a21.edisglobal.com&ip=%5B%22192.0.2.1%22%5D&kvm_id={KVM}\
                     &signature={SIGNATURE}&valid_until=4102444800"
                ));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"status":"success"}"#);
        })
        .await;
    client(&server)
        .delete_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap();
    assert_eq!(del.calls_async().await, 1);
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn set_two_ips_sends_one_json_object_with_canonical_ipv6() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let set = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/set/ptr")
                .header("content-type", "application/x-www-form-urlencoded")
                .header_missing("api-version")
                .form_urlencoded_tuple(
                    "ip",
                    r#"{"192.0.2.1":"mail.example.net","2001:db8::1":"v6.example.net"}"#,
                )
                // The VPS host from the session, not the PTR (rDNS) host.
                .form_urlencoded_tuple("api_host", API_HOST)
                .form_urlencoded_tuple("kvm_id", KVM)
                .form_urlencoded_tuple("signature", SIGNATURE)
                .form_urlencoded_tuple("valid_until", "4102444800")
                .body(format!(
                    "api_host=7f3a21.edisglobal.com\
                     &ip=%7B%22192.0.2.1%22%3A%22mail.example.net%22%2C%222001%3Adb8%3A%3A1%22%3A%22v6.example.net%22%7D\
                     &kvm_id={KVM}&signature={SIGNATURE}&valid_until=4102444800"
                ));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"status":"success","message":"PTR records set successfully."}"#);
        })
        .await;
    let mut ptrs = BTreeMap::new();
    ptrs.insert(ip("2001:db8:0:0:0:0:0:1"), host("V6.Example.NET."));
    ptrs.insert(ip("192.0.2.1"), host("mail.example.net"));
    client(&server).set_ptrs(&ptrs).await.unwrap();
    assert_eq!(set.calls_async().await, 1);
}

#[tokio::test]
async fn get_parses_documented_answer_and_reports_every_asked_ip() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let get = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/get/ptr")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header_missing("api-version")
                .form_urlencoded_tuple("ip", r#"["192.0.2.1","192.0.2.2","2001:db8:abcd:12::1"]"#)
                .body(format!(
                    "api_host=7f3a21.edisglobal.com\
                     &ip=%5B%22192.0.2.1%22%2C%22192.0.2.2%22%2C%222001%3Adb8%3Aabcd%3A12%3A%3A1%22%5D\
                     &kvm_id={KVM}&signature={SIGNATURE}&valid_until=4102444800"
                ));
            then.status(200)
                .header("content-type", "application/json")
                // EDIS may write IPv6 in its own way; matching is by address.
                .body(
                    r#"{"status":"success","records":[
                        {"ip":"192.0.2.1","ptr_record":"example.com"},
                        {"ip":"2001:db8:abcd:0012::1","ptr_record":"v6.example.com"}]}"#,
                );
        })
        .await;
    let found = client(&server)
        .get_ptrs(&[
            ip("192.0.2.1"),
            ip("192.0.2.2"),
            ip("2001:db8:abcd:12::1"),
            ip("192.0.2.1"),
        ])
        .await
        .unwrap();
    assert_eq!(get.calls_async().await, 1);
    assert_eq!(found.len(), 3);
    assert_eq!(found[&ip("192.0.2.1")], Some(host("example.com")));
    assert_eq!(found[&ip("192.0.2.2")], None);
    assert_eq!(
        found[&ip("2001:db8:abcd:12::1")],
        Some(host("v6.example.com"))
    );
}

#[tokio::test]
async fn auth_form_carries_password_with_plus_ampersand_equals_intact() {
    let server = MockServer::start_async().await;
    let auth = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/kvm/v2/get/auth")
                .header("content-type", "application/x-www-form-urlencoded")
                .header_missing("api-version")
                .body("email=ops%40example.net&pw=hunter2-p%2Bss%26w%3Drd")
                .form_urlencoded_tuple("pw", PASSWORD);
            then.status(200)
                .header("content-type", "application/json")
                .body(auth_answer(&[(KVM, SIGNATURE)], FAR_FUTURE));
        })
        .await;
    let store = Store::default();
    store.mount(&server).await;
    client(&server).get_ptrs(&[ip("192.0.2.1")]).await.unwrap();
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn auth_form_sends_configured_kvm_id() {
    let server = MockServer::start_async().await;
    let auth = server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth").body(format!(
                "email=ops%40example.net&kvm_id={KVM}&pw=hunter2-p%2Bss%26w%3Drd"
            ));
            then.status(200)
                .header("content-type", "application/json")
                .body(auth_answer(&[(KVM, SIGNATURE)], FAR_FUTURE));
        })
        .await;
    Store::default().mount(&server).await;
    builder(&server)
        .kvm_id(KVM)
        .build()
        .unwrap()
        .get_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap();
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn batches_are_split_into_chunks() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let mocks = Store::default().mount(&server).await;
    let client = builder(&server).chunk_size(50).build().unwrap();
    let ips: Vec<_> = (1..=120u16)
        .map(|i| ip(&format!("2001:db8::{i:x}")))
        .collect();
    let found = client.get_ptrs(&ips).await.unwrap();
    assert_eq!(found.len(), 120);
    let ptrs: BTreeMap<_, _> = ips.iter().map(|i| (*i, host("h.example.net"))).collect();
    client.set_ptrs(&ptrs).await.unwrap();
    client.delete_ptrs(&ips).await.unwrap();
    assert_eq!(mocks.calls().await, (3, 3, 3));
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn empty_get_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let mocks = Store::default().mount(&server).await;
    let err = client(&server).get_ptrs(&[]).await.unwrap_err();
    assert!(
        matches!(err, revdns_edis::Error::Validation { .. }),
        "{err:?}"
    );
    assert_eq!(mocks.calls().await, (0, 0, 0));
    assert_eq!(auth.calls_async().await, 0);
}

#[tokio::test]
async fn get_is_retried_after_503_as_an_idempotent_operation() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let get = server
        .mock_async(|when, then| {
            when.method(POST).path("/get/ptr");
            then.status(503)
                .header("content-type", "text/html")
                .body("<html><body>503 Service Unavailable</body></html>");
        })
        .await;
    let client = builder(&server)
        .retry(
            RetryConfig::default()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(2))
                .with_total_budget(Duration::from_secs(5)),
        )
        .build()
        .unwrap();
    let err = client.get_ptrs(&[ip("192.0.2.1")]).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(get.calls_async().await, 3);
}
