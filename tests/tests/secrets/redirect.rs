//! A 307 or 308 from a provider endpoint to another origin (here another
//! loopback port) would make the client resend the request, credentials
//! and all, to that host. Every provider and every endpoint (login and API)
//! refuses: the other host receives nothing, and the call fails.

use std::net::IpAddr;

use revdns_conformance::loopback::{Loopback, Response};
use revdns_core::PtrProvider;

use crate::{
    assert_clean_error, ecl_login_client, ecl_token_client, edis_client, edis_session,
    ionos_client, is_login, keystone_token,
};

fn ips() -> Vec<IpAddr> {
    vec!["192.0.2.1".parse().expect("an IP")]
}

/// The host a redirect points at: it answers anything with 200.
async fn elsewhere() -> Loopback {
    Loopback::start(|_| Response::json(200, &serde_json::json!({}))).await
}

async fn redirecting(status: u16, to: &Loopback, login_ok: Option<Response>) -> Loopback {
    let location = format!("{}/stolen", to.url());
    Loopback::start(move |r| match &login_ok {
        Some(answer) if is_login(r) => answer.clone(),
        _ => Response::redirect(status, &location),
    })
    .await
}

#[tokio::test]
async fn edis_login_and_ptr_endpoints_do_not_follow_to_another_host() {
    for status in [307, 308] {
        let other = elsewhere().await;
        let login = redirecting(status, &other, None).await;
        let err = edis_client(&login.url())
            .get_ptrs(&ips())
            .await
            .unwrap_err();
        assert_clean_error("EDIS login redirect", &err);

        let ptr = redirecting(status, &other, Some(edis_session())).await;
        let err = edis_client(&ptr.url()).get_ptrs(&ips()).await.unwrap_err();
        assert_clean_error("EDIS PTR redirect", &err);
        assert_eq!(other.requests(), 0, "EDIS followed a {status}");
        assert!(ptr.requests() >= 2, "the login and the PTR call were sent");
    }
}

#[tokio::test]
async fn ionos_api_does_not_follow_to_another_host() {
    for status in [307, 308] {
        let other = elsewhere().await;
        let api = redirecting(status, &other, None).await;
        let err = ionos_client(&api.url()).find(&ips()).await.unwrap_err();
        assert_clean_error("IONOS redirect", &err);
        assert_eq!(other.requests(), 0, "IONOS followed a {status}");
        assert!(api.requests() >= 1);
    }
}

#[tokio::test]
async fn ecl_keystone_and_dns_endpoints_do_not_follow_to_another_host() {
    for status in [307, 308] {
        let other = elsewhere().await;
        let keystone = redirecting(status, &other, None).await;
        let err = ecl_login_client(&keystone.url())
            .get(&ips())
            .await
            .unwrap_err();
        assert_clean_error("ECL Keystone redirect", &err);

        // Keystone answers; its catalog sends DNS calls to a redirecting host.
        let dns = redirecting(status, &other, None).await;
        let dns_url = dns.url();
        let keystone = Loopback::start(move |r| {
            if is_login(r) {
                keystone_token(&dns_url)
            } else {
                Response::json(404, &serde_json::json!({}))
            }
        })
        .await;
        let err = ecl_login_client(&keystone.url())
            .get(&ips())
            .await
            .unwrap_err();
        assert_clean_error("ECL DNS redirect (issued token)", &err);
        assert!(dns.requests() >= 1, "the DNS call was sent");

        let fixed = redirecting(status, &other, None).await;
        let err = ecl_token_client(&fixed.url())
            .get(&ips())
            .await
            .unwrap_err();
        assert_clean_error("ECL DNS redirect (static token)", &err);
        assert_eq!(other.requests(), 0, "ECL followed a {status}");
    }
}
