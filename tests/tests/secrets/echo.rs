//! A server that quotes the request back in its error (as some do on bad
//! input) gets the login, signature or token back in its text; the client
//! redacts every secret it knows before the error reaches the user.

use std::net::IpAddr;

use revdns_conformance::loopback::{Loopback, Request, Response};
use revdns_core::{Error, PtrProvider};
use serde_json::json;

use crate::{
    assert_clean_error, ecl_login_client, ecl_token_client, edis_client, edis_session,
    ionos_client, is_login, keystone_token,
};

fn ips() -> Vec<IpAddr> {
    vec!["192.0.2.1".parse().expect("an IP")]
}

/// The error says the secret was there and was taken out.
fn assert_redacted(what: &str, err: &Error) {
    assert_clean_error(what, err);
    let shown = format!("{err} {:?}", err.meta());
    assert!(
        shown.contains(revdns_core::runtime::REDACTED),
        "{what}: the echo did not reach the error: {shown}"
    );
}

fn edis_echo(status: u16, request: &Request) -> Response {
    let text = request.text();
    Response::json(
        status,
        &json!({"status": "error", "error": text, "message": text, "code": status}),
    )
}

#[tokio::test]
async fn edis_login_echoing_the_password_form() {
    let server = Loopback::start(|r| edis_echo(400, r)).await;
    let err = edis_client(&server.url())
        .get_ptrs(&ips())
        .await
        .unwrap_err();
    assert_redacted("EDIS login", &err);
}

#[tokio::test]
async fn edis_ptr_call_echoing_the_signature() {
    let server = Loopback::start(|r| {
        if is_login(r) {
            edis_session()
        } else {
            edis_echo(400, r)
        }
    })
    .await;
    let err = edis_client(&server.url())
        .get_ptrs(&ips())
        .await
        .unwrap_err();
    assert_redacted("EDIS get (400)", &err);
}

#[tokio::test]
async fn edis_success_status_with_an_error_echoing_the_signature() {
    let server = Loopback::start(|r| {
        if is_login(r) {
            edis_session()
        } else {
            edis_echo(200, r)
        }
    })
    .await;
    let err = edis_client(&server.url())
        .get_ptrs(&ips())
        .await
        .unwrap_err();
    assert_redacted("EDIS get (200, status error)", &err);
}

#[tokio::test]
async fn ionos_echoing_the_authorization_header() {
    let server = Loopback::start(|r| {
        Response::json(
            400,
            &json!({"httpStatus": 400, "messages": [{"errorCode": "dns-400", "message": r.text()}]}),
        )
    })
    .await;
    let err = ionos_client(&server.url()).find(&ips()).await.unwrap_err();
    assert_redacted("IONOS find", &err);
}

#[tokio::test]
async fn ionos_html_page_echoing_the_request() {
    let server = Loopback::start(|r| Response {
        status: 403,
        headers: vec!["Content-Type: text/html".to_owned()],
        body: format!("<html><body><pre>{}</pre></body></html>", r.head).into_bytes(),
    })
    .await;
    let err = ionos_client(&server.url()).find(&ips()).await.unwrap_err();
    assert_redacted("IONOS find (HTML)", &err);
}

fn ecl_echo(status: u16, request: &Request) -> Response {
    Response::json(
        status,
        &json!({"error": {"code": status, "title": "Bad Request", "message": request.text()}}),
    )
}

#[tokio::test]
async fn ecl_keystone_echoing_the_password() {
    let server = Loopback::start(|r| ecl_echo(401, r)).await;
    let err = ecl_login_client(&server.url())
        .get(&ips())
        .await
        .unwrap_err();
    assert_redacted("ECL login", &err);
}

#[tokio::test]
async fn ecl_dns_echoing_the_issued_token() {
    let server = Loopback::start(|r| {
        if is_login(r) {
            // The catalog points back here; the listener's port is in Host.
            let host = r
                .head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("host: ")
                        .or_else(|| l.strip_prefix("Host: "))
                })
                .unwrap_or("127.0.0.1")
                .to_owned();
            keystone_token(&format!("http://{host}"))
        } else {
            ecl_echo(400, r)
        }
    })
    .await;
    let err = ecl_login_client(&server.url())
        .get(&ips())
        .await
        .unwrap_err();
    assert_redacted("ECL zones with an issued token", &err);
}

#[tokio::test]
async fn ecl_dns_echoing_the_static_token() {
    let server = Loopback::start(|r| ecl_echo(400, r)).await;
    let err = ecl_token_client(&server.url())
        .get(&ips())
        .await
        .unwrap_err();
    assert_redacted("ECL zones with a static token", &err);
}
