//! Secrets never print and never travel: not in `Debug` of any public type
//! (generated ones included), not in errors when a server echoes them, not
//! to another host when a server redirects.

mod debug;
mod echo;
mod redirect;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use revdns_conformance::loopback::{Request, Response};
use revdns_core::Error;
use serde_json::json;

/// Every secret in this suite holds this marker, so one search finds any.
pub(crate) const MARK: &str = "SECRET";
pub(crate) const EDIS_PASSWORD: &str = "pw-SECRET-edis-1";
pub(crate) const EDIS_SIGNATURE: &str = "sig-SECRET-edis-2";
pub(crate) const IONOS_TOKEN: &str = "tok-SECRET-ionos-3";
pub(crate) const ECL_PASSWORD: &str = "pw-SECRET-ecl-4";
pub(crate) const ECL_ISSUED: &str = "tok-SECRET-ecl-5";
pub(crate) const ECL_STATIC: &str = "tok-SECRET-ecl-6";

/// Fails when `text` holds a secret.
pub(crate) fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(MARK), "{what} shows a secret: {text}");
}

/// Fails when `err` shows a secret anywhere a user or a log may see it:
/// `Display`, `Debug`, the source chain, the serialised form.
pub(crate) fn assert_clean_error(what: &str, err: &Error) {
    assert_clean(&format!("{what} (Display)"), &err.to_string());
    assert_clean(&format!("{what} (Debug)"), &format!("{err:?}"));
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        assert_clean(&format!("{what} (source)"), &cause.to_string());
        source = cause.source();
    }
    let json = serde_json::to_string(err).expect("errors serialise");
    assert_clean(&format!("{what} (JSON)"), &json);
}

fn client_timeout() -> Duration {
    Duration::from_secs(5)
}

/// An EDIS login answer with one session for `kvm-1`.
pub(crate) fn edis_session() -> Response {
    let valid_until = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 3600;
    Response::json(
        200,
        &json!({
            "status": "success",
            "data": {"kvm-1": {
                "api_host": "100001.vps.example.net",
                "kvm_id": "kvm-1",
                "valid_until": valid_until,
                "signature": EDIS_SIGNATURE,
            }}
        }),
    )
}

pub(crate) fn edis_client(url: &str) -> revdns_edis::Client {
    revdns_edis::Client::builder()
        .credentials(revdns_edis::Credentials::new(
            "ops@example.net",
            EDIS_PASSWORD,
        ))
        .kvm_id("kvm-1")
        .auth_base_url(url)
        .ptr_base_url(url)
        .timeout(client_timeout())
        .retry(revdns_core::RetryConfig::default().with_max_attempts(1))
        .build()
        .expect("builds")
}

pub(crate) fn ionos_client(url: &str) -> revdns_ionos::Client {
    revdns_ionos::Client::builder()
        .base_url(url)
        .token(IONOS_TOKEN)
        .timeout(client_timeout())
        .retry(revdns_core::RetryConfig::default().with_max_attempts(1))
        .build()
        .expect("builds")
}

pub(crate) fn ecl_login_client(url: &str) -> revdns_ecl::Client {
    revdns_ecl::Client::builder()
        .auth_url(url)
        .username("ops")
        .password(ECL_PASSWORD)
        .project_id("0123456789abcdef0123456789abcdef")
        .timeout(client_timeout())
        .retry(revdns_core::RetryConfig::default().with_max_attempts(1))
        .build()
        .expect("builds")
}

pub(crate) fn ecl_token_client(url: &str) -> revdns_ecl::Client {
    revdns_ecl::Client::builder()
        .token(ECL_STATIC)
        .endpoint(url)
        .timeout(client_timeout())
        .retry(revdns_core::RetryConfig::default().with_max_attempts(1))
        .build()
        .expect("builds")
}

/// A Keystone token answer whose catalog sends DNS calls to `dns_url`.
pub(crate) fn keystone_token(dns_url: &str) -> Response {
    Response::json(
        201,
        &json!({"token": {
            "expires_at": "2999-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "catalog": [{"type": "dns", "name": "dns", "endpoints": [
                {"interface": "public", "region": "jp1", "url": dns_url}
            ]}]
        }}),
    )
    .with_header(format!("X-Subject-Token: {ECL_ISSUED}"))
}

/// Whether `request` is the EDIS or Keystone login.
pub(crate) fn is_login(request: &Request) -> bool {
    request.target.ends_with("/kvm/v2/get/auth") || request.target.ends_with("/v3/auth/tokens")
}
