//! Every documented error body, HTTP 200 with `status: error`, and answers
//! that are not JSON, as the client reports them.

mod support;

use std::time::Duration;

use httpmock::prelude::*;
use revdns_edis::Error;
use support::*;

#[derive(Debug, PartialEq)]
enum Kind {
    Auth,
    Rejected,
    Api(u16),
    RateLimited,
    InvalidResponse,
}

fn kind(e: &Error) -> Kind {
    match e {
        Error::Auth { .. } => Kind::Auth,
        Error::Rejected { .. } => Kind::Rejected,
        Error::Api { .. } => Kind::Api(e.status().unwrap_or(0)),
        Error::RateLimited { .. } => Kind::RateLimited,
        Error::InvalidResponse { .. } => Kind::InvalidResponse,
        other => panic!("unexpected {other:?}"),
    }
}

enum Op {
    Get,
    Set,
    Delete,
}

async fn run(op: Op, path: &str, status: u16, body: &str, content_type: &str) -> (Error, usize) {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let (path, body, content_type) = (path.to_owned(), body.to_owned(), content_type.to_owned());
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path(path);
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    let client = client(&server);
    let ips = [ip("192.0.2.1")];
    let err = match op {
        Op::Get => client.get_ptrs(&ips).await.map(|_| ()),
        Op::Set => {
            let ptrs = [(ips[0], "mail.example.net".parse().unwrap())].into();
            client.set_ptrs(&ptrs).await
        }
        Op::Delete => client.delete_ptrs(&ips).await,
    }
    .unwrap_err();
    (err, mock.calls_async().await)
}

#[tokio::test]
async fn documented_ptr_error_bodies_become_useful_errors() {
    let json = "application/json";
    let cases = [
        (
            Op::Get,
            "/get/ptr",
            400,
            r#"{"status":"error","error":"Required field 'kvm_id' is missing."}"#,
            Kind::Rejected,
            "Required field 'kvm_id' is missing.",
        ),
        (
            Op::Get,
            "/get/ptr",
            401,
            r#"{"status":"error","error":"Session signature has expired."}"#,
            Kind::Auth,
            "Session signature has expired.",
        ),
        (
            Op::Get,
            "/get/ptr",
            500,
            r#"{"status":"error","error":"An internal server error occurred. Please try again later."}"#,
            Kind::Api(500),
            "An internal server error occurred.",
        ),
        (
            Op::Set,
            "/set/ptr",
            400,
            r#"{"status":"error","error":"Invalid IP address format."}"#,
            Kind::Rejected,
            "Invalid IP address format.",
        ),
        (
            Op::Set,
            "/set/ptr",
            401,
            r#"{"status":"error","error":"Session expired."}"#,
            Kind::Auth,
            "Session expired.",
        ),
        (
            Op::Set,
            "/set/ptr",
            500,
            r#"{"status":"error","error":"Unexpected server error."}"#,
            Kind::Api(500),
            "Unexpected server error.",
        ),
        (
            Op::Delete,
            "/del/ptr",
            400,
            r#"{"status":"error","message":"Invalid input: 'signature' field is missing."}"#,
            Kind::Rejected,
            "Invalid input: 'signature' field is missing.",
        ),
        (
            Op::Delete,
            "/del/ptr",
            401,
            r#"{"status":"error","message":"Session expired. Please re-authenticate."}"#,
            Kind::Auth,
            "Session expired. Please re-authenticate.",
        ),
        (
            Op::Delete,
            "/del/ptr",
            500,
            r#"{"status":"error","message":"Internal server error. Please contact support."}"#,
            Kind::Api(500),
            "Internal server error. Please contact support.",
        ),
    ];
    for (op, path, status, body, want, text) in cases {
        let (err, calls) = run(op, path, status, body, json).await;
        assert_eq!(kind(&err), want, "{path} {status}");
        assert!(err.to_string().contains(text), "{path} {status}: {err}");
        // A rejected session is renewed and the call repeated once.
        let expected_calls = if status == 401 { 2 } else { 1 };
        assert_eq!(calls, expected_calls, "{path} {status}");
    }
}

#[tokio::test]
async fn documented_auth_error_bodies_become_useful_errors() {
    let cases = [
        (
            400,
            r#"{"error":"Bad Request","code":400,"message":"Invalid credentials or missing parameters."}"#,
            Kind::Auth,
            "Invalid credentials or missing parameters.",
        ),
        (
            401,
            r#"{"error":"Unauthorized","code":401,"message":"Invalid WHMCS credentials. Please provide correct credentials."}"#,
            Kind::Auth,
            "Invalid WHMCS credentials.",
        ),
        (
            500,
            r#"{"error":"Internal Server Error","code":500,"message":"Internal server error."}"#,
            Kind::Api(500),
            "Internal server error.",
        ),
    ];
    for (status, body, want, text) in cases {
        let server = MockServer::start_async().await;
        let auth = server
            .mock_async(|when, then| {
                when.method(POST).path("/kvm/v2/get/auth");
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        let err = client(&server)
            .get_ptrs(&[ip("192.0.2.1")])
            .await
            .unwrap_err();
        assert_eq!(kind(&err), want, "{status}");
        assert!(err.to_string().contains(text), "{status}: {err}");
        assert_eq!(auth.calls_async().await, 1);
    }
}

#[tokio::test]
async fn http_200_with_status_error_is_an_error() {
    let (err, calls) = run(
        Op::Set,
        "/set/ptr",
        200,
        r#"{"status":"error","error":"IP 192.0.2.1 does not belong to this VPS."}"#,
        "application/json",
    )
    .await;
    assert_eq!(kind(&err), Kind::Api(200));
    assert_eq!(
        err.provider_code(),
        Some("IP 192.0.2.1 does not belong to this VPS.")
    );
    assert!(err.to_string().contains("does not belong"), "{err}");
    assert_eq!(calls, 1);

    let (err, _) = run(
        Op::Delete,
        "/del/ptr",
        200,
        r#"{"status":"error","message":"Nothing to delete."}"#,
        "application/json",
    )
    .await;
    assert!(err.to_string().contains("Nothing to delete."), "{err}");
}

#[tokio::test]
async fn non_json_503_page_is_an_api_error_with_an_excerpt() {
    let (err, calls) = run(
        Op::Get,
        "/get/ptr",
        503,
        "<html><body><h1>503 Service Unavailable</h1></body></html>",
        "text/html",
    )
    .await;
    assert_eq!(kind(&err), Kind::Api(503));
    assert!(err.is_retryable());
    assert!(err.to_string().contains("503 Service Unavailable"), "{err}");
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn non_json_500_page_is_an_api_error_not_a_panic() {
    let (err, _) = run(
        Op::Delete,
        "/del/ptr",
        500,
        "Internal Server Error",
        "text/plain",
    )
    .await;
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert!(err.to_string().contains("Internal Server Error"), "{err}");
}

#[tokio::test]
async fn rate_limit_reports_retry_after() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/get/ptr");
            then.status(429).header("retry-after", "7");
        })
        .await;
    let err = client(&server)
        .get_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    assert_eq!(kind(&err), Kind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn unreadable_session_answer_does_not_quote_the_signature() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"status":"success","data":{{"{KVM}":{{"signature":98765432109876543210,"valid_until":"soon"}}}}}}"#
                ));
        })
        .await;
    let err = client(&server)
        .get_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("98765432109876543210"), "{shown}");
    assert_eq!(kind(&err), Kind::InvalidResponse);
    assert_eq!(err.status(), Some(200));
}

#[tokio::test]
async fn session_without_signature_is_an_api_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"status":"success","data":{{"{KVM}":{{"api_host":"{API_HOST}","valid_until":{FAR_FUTURE}}}}}}}"#
                ));
        })
        .await;
    let err = client(&server)
        .get_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`signature`"), "{err}");
}

#[tokio::test]
async fn html_401_from_a_proxy_keeps_its_status_and_renews_the_session() {
    let (err, calls) = run(
        Op::Get,
        "/get/ptr",
        401,
        "<html><head><title>401 Authorization Required</title></head><body>nginx</body></html>",
        "text/html",
    )
    .await;
    assert_eq!(kind(&err), Kind::Auth);
    let meta = err.meta().expect("an answer's metadata");
    assert_eq!(meta.status, Some(401));
    assert_eq!(meta.operation.as_deref(), Some("get_ptr"));
    assert!(
        meta.message
            .as_deref()
            .unwrap()
            .contains("401 Authorization Required")
    );
    // A 401 means a new session and one more try, whatever the body.
    assert_eq!(calls, 2);
}

/// `get` splits a refused lookup until each IP stands alone, and a lone
/// refused IP reads as "no PTR here". When every IP is refused, the
/// refusal is about the request itself: it is returned, not read as
/// "no PTR" for all.
#[tokio::test]
async fn get_where_every_ip_is_refused_is_an_error_not_all_none() {
    use revdns_edis::PtrProvider;
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let get = server
        .mock_async(|when, then| {
            when.method(POST).path("/get/ptr");
            then.status(400)
                .header("content-type", "application/json")
                .body(r#"{"status":"error","error":"Invalid input: 'api_host' is not valid."}"#);
        })
        .await;
    let ips = [ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3")];
    let err = client(&server).get(&ips).await.unwrap_err();
    assert_eq!(err.kind(), "rejected", "{err:?}");
    assert!(err.to_string().contains("api_host"), "{err}");
    // Split down to single IPs: 1 + 2 + 2 requests for three IPs.
    assert_eq!(get.calls_async().await, 5);
    // One lone refused IP is the documented "no PTR here".
    let one = client(&server).get(&ips[..1]).await.unwrap();
    assert_eq!(one[&ips[0]], None);
}
