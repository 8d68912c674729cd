//! AUTH sessions: choosing the VPS, caching, renewal before expiry, and one
//! renewal when EDIS rejects a session.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::prelude::*;
use httpmock::{HttpMockResponse, Mock};
use revdns_edis::Error;
use support::*;

const SIG_A: &str = "signature-a-0000000000";
const SIG_B: &str = "signature-b-1111111111";

/// Answers the n-th session request with the n-th signature (the last one
/// repeats).
async fn mock_auth_sequence<'a>(server: &'a MockServer, signatures: &[&str]) -> Mock<'a> {
    let answers: Vec<String> = signatures
        .iter()
        .map(|s| auth_answer(&[(KVM, s)], FAR_FUTURE))
        .collect();
    let next = Arc::new(AtomicUsize::new(0));
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.respond_with(move |_| {
                let n = next.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
                HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(answers[n].clone())
                    .build()
            });
        })
        .await
}

async fn mock_get_for_signature<'a>(
    server: &'a MockServer,
    signature: &str,
    status: u16,
    body: &str,
) -> Mock<'a> {
    let body = body.to_owned();
    let signature = signature.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(POST)
                .path("/get/ptr")
                .form_urlencoded_tuple("signature", signature);
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

const OK_EMPTY: &str = r#"{"status":"success","records":[]}"#;
const EXPIRED: &str = r#"{"status":"error","error":"Session signature has expired."}"#;

#[tokio::test]
async fn configured_kvm_id_picks_its_session_from_a_map_of_two() {
    let server = MockServer::start_async().await;
    let auth = server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(200)
                .header("content-type", "application/json")
                .body(auth_answer(
                    &[("kvm_111111_222222", SIG_A), ("kvm_333333_444444", SIG_B)],
                    FAR_FUTURE,
                ));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/get/ptr")
                .form_urlencoded_tuple("kvm_id", "kvm_333333_444444")
                .form_urlencoded_tuple("signature", SIG_B);
            then.status(200)
                .header("content-type", "application/json")
                .body(OK_EMPTY);
        })
        .await;
    let client = builder(&server)
        .kvm_id("kvm_333333_444444")
        .build()
        .unwrap();
    client.get_ptrs(&[ip("192.0.2.1")]).await.unwrap();
    assert_eq!(auth.calls_async().await, 1);
    assert_eq!(get.calls_async().await, 1);
}

#[tokio::test]
async fn two_sessions_without_kvm_id_is_a_validation_error_naming_edis_kvm_id() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(200)
                .header("content-type", "application/json")
                .body(auth_answer(
                    &[("kvm_111111_222222", SIG_A), ("kvm_333333_444444", SIG_B)],
                    FAR_FUTURE,
                ));
        })
        .await;
    let mocks = Store::default().mount(&server).await;
    let err = client(&server)
        .get_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    match &err {
        Error::Validation { field, reason, .. } => {
            assert_eq!(field, "EDIS_KVM_ID");
            assert!(
                reason.contains("kvm_111111_222222, kvm_333333_444444"),
                "{reason}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(mocks.calls().await, (0, 0, 0));
}

#[tokio::test]
async fn session_is_reused_while_far_from_expiry() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, unix_now() + 3600).await;
    let mocks = Store::default().mount(&server).await;
    let client = client(&server);
    client.get_ptrs(&[ip("192.0.2.1")]).await.unwrap();
    client.get_ptrs(&[ip("192.0.2.2")]).await.unwrap();
    assert_eq!(auth.calls_async().await, 1);
    assert_eq!(mocks.calls().await, (2, 0, 0));
}

#[tokio::test]
async fn session_shorter_than_the_margin_is_still_reused() {
    let server = MockServer::start_async().await;
    // Lives 30 s, under the default 60 s margin: it is used for its first
    // half instead of being renewed for every call.
    let auth = mock_auth(&server, unix_now() + 30).await;
    Store::default().mount(&server).await;
    let client = client(&server);
    for last in 1..=5 {
        client
            .get_ptrs(&[ip(&format!("192.0.2.{last}"))])
            .await
            .unwrap();
    }
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn session_ending_within_the_margin_is_renewed() {
    let server = MockServer::start_async().await;
    // Every session the server issues ends at the same moment, 2 s from
    // now; once a second has passed, the first session is past half its
    // life and within the margin, so the next call takes a new one.
    let auth = mock_auth(&server, unix_now() + 2).await;
    Store::default().mount(&server).await;
    let client = builder(&server)
        .refresh_margin(Duration::from_secs(600))
        .build()
        .unwrap();
    client.get_ptrs(&[ip("192.0.2.1")]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.get_ptrs(&[ip("192.0.2.2")]).await.unwrap();
    assert_eq!(auth.calls_async().await, 2);
}

#[tokio::test]
async fn rejected_session_is_renewed_once_and_the_call_retried() {
    let server = MockServer::start_async().await;
    let auth = mock_auth_sequence(&server, &[SIG_A, SIG_B]).await;
    let old = mock_get_for_signature(&server, SIG_A, 401, EXPIRED).await;
    let new = mock_get_for_signature(&server, SIG_B, 200, OK_EMPTY).await;
    let found = client(&server).get_ptrs(&[ip("192.0.2.1")]).await.unwrap();
    assert_eq!(found[&ip("192.0.2.1")], None);
    assert_eq!(auth.calls_async().await, 2);
    assert_eq!(old.calls_async().await, 1);
    assert_eq!(new.calls_async().await, 1);
}

#[tokio::test]
async fn expired_session_in_a_200_answer_is_renewed_too() {
    let server = MockServer::start_async().await;
    let auth = mock_auth_sequence(&server, &[SIG_A, SIG_B]).await;
    let old = mock_get_for_signature(&server, SIG_A, 200, EXPIRED).await;
    let new = mock_get_for_signature(&server, SIG_B, 200, OK_EMPTY).await;
    client(&server).get_ptrs(&[ip("192.0.2.1")]).await.unwrap();
    assert_eq!(auth.calls_async().await, 2);
    assert_eq!((old.calls_async().await, new.calls_async().await), (1, 1));
}

#[tokio::test]
async fn second_rejection_is_an_auth_error_not_a_loop() {
    let server = MockServer::start_async().await;
    let auth = mock_auth_sequence(&server, &[SIG_A, SIG_B]).await;
    let old = mock_get_for_signature(&server, SIG_A, 401, EXPIRED).await;
    let new = mock_get_for_signature(&server, SIG_B, 401, EXPIRED).await;
    let err = client(&server)
        .get_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        err.to_string().contains("Session signature has expired."),
        "{err}"
    );
    assert_eq!(auth.calls_async().await, 2);
    assert_eq!((old.calls_async().await, new.calls_async().await), (1, 1));
}

#[tokio::test]
async fn refused_login_is_an_auth_error_after_one_request() {
    let server = MockServer::start_async().await;
    let auth = server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(401)
                .header("content-type", "application/json")
                .body(
                    r#"{"error":"Unauthorized","code":401,"message":"Invalid WHMCS credentials. Please provide correct credentials."}"#,
                );
        })
        .await;
    let mocks = Store::default().mount(&server).await;
    let err = client(&server)
        .delete_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        err.to_string().contains("Invalid WHMCS credentials"),
        "{err}"
    );
    assert_eq!(auth.calls_async().await, 1);
    assert_eq!(mocks.calls().await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_share_one_session_request() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let mocks = Store::default().mount(&server).await;
    let client = client(&server);
    let tasks: Vec<_> = (1..=8u8)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move { c.get_ptrs(&[ip(&format!("192.0.2.{i}"))]).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(auth.calls_async().await, 1);
    assert_eq!(mocks.calls().await, (8, 0, 0));
}
