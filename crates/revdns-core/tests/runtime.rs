//! The shared runtime against real servers on loopback: which failures are
//! retried, what errors keep of the answer, and the limits (deadline, body
//! size, retry budget, redirects).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use progenitor_client::ResponseValue;
use revdns_core::runtime::{
    CredentialCache, Described, Dialect, InFlight, Issued, Runtime, RuntimeConfig, client_builder,
    status_table_only,
};
use revdns_core::{Error, ProviderId, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn describe(body: &[u8]) -> Described {
    #[derive(serde::Deserialize)]
    struct Body {
        code: String,
        message: String,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => Described::new(Some(b.code), Some(b.message)),
        Err(_) => Described::default(),
    }
}

static DIALECT: Dialect = Dialect {
    provider: ProviderId::Ionos,
    idempotent: &["read"],
    confidential: &[],
    describe,
    classify: status_table_only,
};

fn fast() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(4)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(2))
}

fn runtime(config: RuntimeConfig) -> Runtime {
    Runtime::new(&DIALECT, config)
}

fn http() -> reqwest::Client {
    client_builder(Duration::from_secs(5)).build().unwrap()
}

/// One call of `method url` as operation `op`, the way a generated client
/// makes it: through the hook, then decoded as JSON.
async fn call(
    rt: &Runtime,
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    op: &'static str,
) -> Result<serde_json::Value, Error> {
    rt.call("thing", async {
        let request = http.request(method, url).build().unwrap();
        let response = rt
            .exec(http, request, op)
            .await
            .map_err(progenitor_client::Error::<()>::CommunicationError)?;
        if response.status().is_success() {
            ResponseValue::<serde_json::Value>::from_response(response).await
        } else {
            Err(progenitor_client::Error::UnexpectedResponse(response))
        }
    })
    .await
}

#[tokio::test]
async fn idempotent_reads_are_retried_after_503_and_the_error_keeps_the_answer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/x");
            then.status(503)
                .header("x-request-id", "req-9")
                .body(r#"{"code":"busy-1","message":"try later"}"#);
        })
        .await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(mock.calls_async().await, 4);
    assert_eq!(err.kind(), "api");
    let meta = err.meta().unwrap();
    assert_eq!(meta.status, Some(503));
    assert_eq!(meta.code.as_deref(), Some("busy-1"));
    assert_eq!(meta.message.as_deref(), Some("try later"));
    assert_eq!(meta.request_id.as_deref(), Some("req-9"));
    assert_eq!(meta.operation.as_deref(), Some("read"));
    assert_eq!(meta.attempts, 4);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn writes_that_may_have_been_applied_are_not_resent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/x");
            then.status(502)
                .body("<html><h1>502 Bad Gateway</h1></html>");
        })
        .await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let err = call(
        &rt,
        &http(),
        reqwest::Method::POST,
        server.url("/x"),
        "create",
    )
    .await
    .unwrap_err();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(err.status(), Some(502));
    assert_eq!(
        err.meta().unwrap().message.as_deref(),
        Some("<html><h1>502 Bad Gateway</h1></html>")
    );
}

#[tokio::test]
async fn html_error_pages_keep_their_status_and_kind() {
    for (status, kind) in [
        (400, "rejected"),
        (401, "auth"),
        (404, "not_found"),
        (409, "conflict"),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.any_request();
                then.status(status)
                    .header("content-type", "text/html")
                    .body("<html><body>nginx</body></html>");
            })
            .await;
        let rt = runtime(RuntimeConfig::default().with_retry(fast()));
        let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn throttling_waits_do_not_use_up_the_failure_attempts() {
    // 429 three times, then 503 three times, then success: seven attempts,
    // within 4 attempts after failures and 8 throttled waits.
    let (url, seen) = scripted_server(vec![429, 429, 429, 503, 503, 503, 200]).await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let value = call(&rt, &http(), reqwest::Method::GET, url, "read")
        .await
        .unwrap();
    assert_eq!(value, serde_json::json!({}));
    assert_eq!(seen.load(Ordering::SeqCst), 7);

    // A write is retried after 429 (refused unprocessed), not after 503.
    let (url, seen) = scripted_server(vec![429, 429, 503, 200]).await;
    let err = call(&rt, &http(), reqwest::Method::POST, url, "create")
        .await
        .unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 3);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), 3);
}

/// A server that answers its n-th connection with `statuses[n]` (the last
/// one from then on), `Retry-After: 0` and a `{}` body; `DROP` closes the
/// connection after reading the request, without answering.
async fn scripted_server(statuses: Vec<u16>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = count.fetch_add(1, Ordering::SeqCst);
            let _ = read_request(&mut socket).await;
            let status = statuses[n.min(statuses.len() - 1)];
            if status != DROP {
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nretry-after: 0\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
            let _ = socket.shutdown().await;
        }
    });
    (format!("http://{addr}/x"), seen)
}

/// In a [`scripted_server`] script: close without answering.
const DROP: u16 = 0;

/// Reads one request head (and ignores any body: the tests send none);
/// `false` when the peer closed before a whole head came.
async fn read_request(socket: &mut tokio::net::TcpStream) -> std::io::Result<bool> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(false);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(true)
}

#[tokio::test]
async fn a_connection_dropped_after_sending_is_retried_for_reads_only() {
    let (url, seen) = scripted_server(vec![DROP, DROP, 200]).await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let value = call(&rt, &http(), reqwest::Method::GET, url, "read")
        .await
        .unwrap();
    assert_eq!(value, serde_json::json!({}));
    assert_eq!(seen.load(Ordering::SeqCst), 3);

    let (url, seen) = scripted_server(vec![DROP, 200]).await;
    let err = call(&rt, &http(), reqwest::Method::POST, url, "create")
        .await
        .unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 1, "a write is not resent");
    assert_eq!(err.kind(), "transport");
    let meta = err.meta().unwrap();
    assert_eq!(meta.status, None);
    assert_eq!(meta.attempts, 1);
    assert_eq!(meta.operation.as_deref(), Some("create"));
}

/// A hand-sent call builds its request once when it is sent once, once more
/// for each resend, and never for a write that is not resent: a request is
/// built again when it is needed, not copied before every attempt.
#[tokio::test]
async fn a_hand_sent_request_is_built_again_only_to_be_sent_again() {
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let http = http();
    let cases = [
        ("read", vec![200], Ok(1)),
        ("read", vec![DROP, 503, 200], Ok(3)),
        ("create", vec![DROP, 200], Err(1)),
    ];
    for (op, script, expected) in cases {
        let (url, seen) = scripted_server(script).await;
        let built = AtomicUsize::new(0);
        let build = || {
            built.fetch_add(1, Ordering::SeqCst);
            Ok(http.get(&url).build().unwrap())
        };
        let result = rt.call_raw("thing", &http, build, op).await;
        let sends = match (&result, expected) {
            (Ok(answer), Ok(sends)) => {
                assert_eq!(&answer.body[..], b"{}");
                assert_eq!(answer.meta.attempts, sends);
                sends
            }
            (Err(err), Err(sends)) => {
                assert_eq!((err.kind(), err.attempts()), ("transport", sends));
                sends
            }
            _ => panic!("{op}: {result:?}"),
        };
        assert_eq!(seen.load(Ordering::SeqCst), sends as usize, "{op}: sent");
        assert_eq!(built.load(Ordering::SeqCst), sends as usize, "{op}: built");
    }
}

/// A request that cannot be built is the builder's error, and nothing is
/// sent.
#[tokio::test]
async fn a_hand_sent_request_that_cannot_be_built_is_not_sent() {
    let (url, seen) = scripted_server(vec![200]).await;
    let rt = runtime(RuntimeConfig::default());
    let http = http();
    let build = || {
        http.get(&url)
            .header("x-token", "line\nbreak")
            .build()
            .map_err(|e| Error::validation_for(ProviderId::Ecl, "token", e.to_string()))
    };
    let err = rt
        .call_raw("thing", &http, build, "read")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "validation");
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_writes() {
    // Bind and drop: nothing listens on the port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let err = call(
        &rt,
        &http(),
        reqwest::Method::POST,
        format!("http://127.0.0.1:{port}/x"),
        "create",
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), "transport");
    assert_eq!(err.attempts(), 4);
}

/// An HTTP/2 server on loopback (cleartext, for clients with prior
/// knowledge) that resets its first `resets` streams with `reason` and
/// answers the others 200 `{}`; counts the streams it was sent.
async fn h2_server(resets: usize, reason: h2::Reason) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    let streams = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&streams);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let Ok(mut conn) = h2::server::handshake(socket).await else {
                    return;
                };
                while let Some(Ok((_request, mut respond))) = conn.accept().await {
                    if seen.fetch_add(1, Ordering::SeqCst) < resets {
                        respond.send_reset(reason);
                        continue;
                    }
                    let head = http::Response::builder().status(200).body(()).unwrap();
                    if let Ok(mut body) = respond.send_response(head, false) {
                        let _ = body.send_data(bytes::Bytes::from_static(b"{}"), true);
                    }
                }
            });
        }
    });
    (url, streams)
}

fn h2_client() -> reqwest::Client {
    client_builder(Duration::from_secs(5))
        .http2_prior_knowledge()
        .build()
        .unwrap()
}

/// A stream the server refused unprocessed (`REFUSED_STREAM`) is sent
/// again, even for a write; a stream reset for another reason may have been
/// acted on, and a write is not resent.
#[tokio::test]
async fn an_http2_stream_refused_unprocessed_is_sent_again_even_for_writes() {
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let (url, streams) = h2_server(1, h2::Reason::REFUSED_STREAM).await;
    let value = call(&rt, &h2_client(), reqwest::Method::POST, url, "create")
        .await
        .unwrap();
    assert_eq!(value, serde_json::json!({}));
    assert_eq!(streams.load(Ordering::SeqCst), 2);

    let (url, streams) = h2_server(1, h2::Reason::INTERNAL_ERROR).await;
    let err = call(&rt, &h2_client(), reqwest::Method::POST, url, "create")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "transport", "{err:?}");
    assert_eq!(streams.load(Ordering::SeqCst), 1);
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_an_invalid_response_with_its_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .body(format!("[{}]", "1,".repeat(4000) + "1"));
        })
        .await;
    let rt = runtime(RuntimeConfig::default().with_max_body(1024));
    let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_response");
    assert_eq!(err.status(), Some(200));
    assert!(err.to_string().contains("1024 bytes"), "{err}");
}

/// A server that answers every request with `chunks` as a chunked body
/// (no length announced), each chunk written and flushed on its own.
async fn chunked_server(chunks: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let chunks = chunks.clone();
            tokio::spawn(async move {
                if !read_request(&mut socket).await.unwrap_or(false) {
                    return;
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                for chunk in chunks {
                    let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
                    let _ = socket.write_all(framed.as_bytes()).await;
                    let _ = socket.flush().await;
                    // Apart in time, so that the client reads them apart.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}/x")
}

#[tokio::test]
async fn a_body_sent_in_chunks_is_read_whole_and_cut_at_the_size_limit() {
    // 3 chunks of an array of 200 numbers, 601 bytes in all.
    let numbers: Vec<String> = (0..200).map(|_| "1".to_owned()).collect();
    let body = format!("[{}]", numbers.join(","));
    let chunks: Vec<String> = [&body[..200], &body[200..400], &body[400..]]
        .map(str::to_owned)
        .into();
    let url = chunked_server(chunks).await;

    let rt = runtime(RuntimeConfig::default().with_max_body(1024));
    let value = call(&rt, &http(), reqwest::Method::GET, url.clone(), "read")
        .await
        .unwrap();
    assert_eq!(value.as_array().map(Vec::len), Some(200));

    // No length announced: the limit is found while reading, in the
    // second chunk.
    let rt = runtime(RuntimeConfig::default().with_max_body(300));
    let err = call(&rt, &http(), reqwest::Method::GET, url, "read")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_response");
    assert_eq!(err.status(), Some(200));
    assert!(err.to_string().contains("300 bytes"), "{err}");
}

#[tokio::test]
async fn the_request_id_comes_from_the_first_header_of_the_list_the_answer_has() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/x");
            // Listed in the answer before the one the runtime prefers.
            then.status(404)
                .header("request-id", "generic-1")
                .header("x-openstack-request-id", "req-os-1")
                .body("{}");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/y");
            then.status(200)
                .header("x-correlation-id", "corr-7")
                .body("{}");
        })
        .await;
    let rt = runtime(RuntimeConfig::default());
    let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("req-os-1"));

    let answer = rt
        .call_raw(
            "thing",
            &http(),
            || Ok(http().get(server.url("/y")).build().unwrap()),
            "read",
        )
        .await
        .unwrap();
    assert_eq!(answer.meta.request_id.as_deref(), Some("corr-7"));
}

/// A dialect whose `login` answers may hold a secret.
static CONFIDENTIAL: Dialect = Dialect {
    provider: ProviderId::Ecl,
    idempotent: &["read"],
    confidential: &["login"],
    describe,
    classify: status_table_only,
};

#[tokio::test]
async fn a_raw_answer_that_does_not_decode_is_quoted_only_when_not_confidential() {
    #[derive(Debug, serde::Deserialize)]
    struct Wanted {
        #[allow(dead_code)]
        count: u32,
    }
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .body(r#"{"count":"many","token":"tok-s3cret"}"#);
        })
        .await;
    for (dialect, op) in [(&DIALECT, "read"), (&CONFIDENTIAL, "login")] {
        let rt = Runtime::new(dialect, RuntimeConfig::default());
        rt.add_secret("tok-s3cret");
        let http = http();
        let request = || Ok(http.get(server.url("/x")).build().unwrap());
        let answer = rt.call_raw("thing", &http, request, op).await.unwrap();
        let err = rt.decode::<Wanted>(&answer).unwrap_err();
        assert_eq!(err.kind(), "invalid_response", "{op}");
        assert_eq!(err.status(), Some(200), "{op}");
        assert_eq!(err.meta().unwrap().operation.as_deref(), Some(op));
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("tok-s3cret"), "{op}: {shown}");
        if op == "read" {
            // The body is quoted, with the secret taken out.
            assert!(shown.contains(r#""count":"many""#), "{shown}");
        } else {
            assert!(!shown.contains("many"), "{shown}");
            assert!(shown.contains("line 1 column"), "{shown}");
        }
    }
}

/// An answer whose bytes are not all UTF-8 still reads when the bad bytes
/// are only in what the type skips, and is an invalid response when they are
/// in what it reads.
#[tokio::test]
async fn a_raw_answer_with_bytes_that_are_not_utf8_reads_only_if_they_are_skipped() {
    #[derive(Debug, serde::Deserialize)]
    struct Wanted {
        name: String,
    }
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/skipped");
            then.status(200)
                .body(b"{\"note\":\"caf\xe9\",\"name\":\"mail\"}".as_slice());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/read");
            then.status(200).body(b"{\"name\":\"caf\xe9\"}".as_slice());
        })
        .await;
    let rt = runtime(RuntimeConfig::default());
    let http = http();
    let fetch = |path: &'static str| {
        let (rt, http, url) = (&rt, &http, server.url(path));
        async move {
            let build = || Ok(http.get(&url).build().unwrap());
            rt.call_raw("thing", http, build, "read").await.unwrap()
        }
    };
    let read: Wanted = rt.decode(&fetch("/skipped").await).unwrap();
    assert_eq!(read.name, "mail");
    let err = rt.decode::<Wanted>(&fetch("/read").await).unwrap_err();
    assert_eq!(err.kind(), "invalid_response");
    assert!(err.to_string().contains("invalid unicode"), "{err}");
}

/// A page larger than what is read in place reads the same, off the
/// runtime's threads, and one that does not decode is the same error.
#[tokio::test]
async fn a_large_page_decodes_as_a_small_answer_does() {
    #[derive(Debug, serde::Deserialize)]
    struct Wanted {
        name: String,
    }
    let pad = "x".repeat(revdns_core::runtime::DECODE_INLINE_MAX);
    let server = MockServer::start_async().await;
    for (path, body) in [
        ("/small", r#"{"name":"mail"}"#.to_owned()),
        ("/large", format!(r#"{{"pad":"{pad}","name":"mail"}}"#)),
        ("/broken", format!(r#"{{"pad":"{pad}","name":7}}"#)),
    ] {
        server
            .mock_async(|when, then| {
                when.path(path);
                then.status(200).body(body);
            })
            .await;
    }
    let rt = runtime(RuntimeConfig::default());
    let http = http();
    for path in ["/small", "/large", "/broken"] {
        let url = server.url(path);
        let build = || Ok(http.get(&url).build().unwrap());
        let answer = rt.call_raw("thing", &http, build, "read").await.unwrap();
        let large = answer.body.len() > revdns_core::runtime::DECODE_INLINE_MAX;
        assert_eq!(large, path != "/small", "{path}");
        match rt.decode_page::<Wanted>(answer).await {
            Ok(read) => assert_eq!((path, read.name.as_str()), (path, "mail")),
            Err(err) => {
                assert_eq!((path, err.kind()), ("/broken", "invalid_response"));
                assert!(err.to_string().contains("invalid type"), "{err}");
            }
        }
    }
}

/// A server that refuses token `old` with 401 and answers token `new`.
async fn token_server() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.header("x-token", "old");
            then.status(401)
                .header("x-request-id", "req-401")
                .body(r#"{"code":"expired","message":"token expired"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.header("x-token", "new");
            then.status(200).body(r#"{"count":2}"#);
        })
        .await;
    server
}

/// A request to `server` carrying the token it refuses.
fn with_old_token(http: &reqwest::Client, server: &MockServer) -> reqwest::Request {
    let request = http.get(server.url("/x")).header("x-token", "old");
    request.build().unwrap()
}

/// The renewal a provider gives: the refused request with token `to`,
/// counting how often it is asked.
fn renewal<'a>(
    asked: &'a AtomicUsize,
    to: Option<&'static str>,
) -> impl FnOnce(reqwest::Request) -> std::future::Ready<Option<reqwest::Request>> + 'a {
    move |mut refused: reqwest::Request| {
        asked.fetch_add(1, Ordering::SeqCst);
        assert_eq!(refused.headers()["x-token"], "old", "the refused copy");
        std::future::ready(to.map(|token| {
            refused
                .headers_mut()
                .insert("x-token", reqwest::header::HeaderValue::from_static(token));
            refused
        }))
    }
}

#[tokio::test]
async fn a_refused_credential_is_renewed_and_the_request_sent_once_more_in_the_same_call() {
    let server = token_server().await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let http = http();
    let asked = AtomicUsize::new(0);
    let request = || Ok(with_old_token(&http, &server));
    let renew = renewal(&asked, Some("new"));
    let answer = rt
        .call_raw_renewing("thing", &http, request, "read", renew)
        .await
        .unwrap();
    assert_eq!(&answer.body[..], br#"{"count":2}"#);
    assert_eq!(
        answer.meta.attempts, 2,
        "both sends are one call's attempts"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // The same through the hook's form, as a generated call makes it.
    let asked = AtomicUsize::new(0);
    let value = rt
        .call("thing", async {
            let request = with_old_token(&http, &server);
            let renew = renewal(&asked, Some("new"));
            let response = rt
                .exec_renewing(&http, request, "read", renew)
                .await
                .map_err(progenitor_client::Error::<()>::CommunicationError)?;
            ResponseValue::<serde_json::Value>::from_response(response).await
        })
        .await
        .unwrap();
    assert_eq!(value["count"], 2);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

/// Within a bulk read's single request slot, a renewal that logs in again
/// sends its login too: the slot is held for each attempt, not for the
/// call, so the call does not wait for the slot it holds itself.
#[tokio::test]
async fn a_renewal_inside_a_one_slot_scope_sends_its_login() {
    let server = token_server().await;
    server
        .mock_async(|when, then| {
            when.path("/login");
            then.status(200).body("{}");
        })
        .await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let http = http();
    let logins = AtomicUsize::new(0);
    let (rt_, http_, server_, logins_) = (&rt, &http, &server, &logins);
    let renew = move |mut refused: reqwest::Request| async move {
        let login = || Ok(http_.get(server_.url("/login")).build().unwrap());
        rt_.call_raw("login", http_, login, "read").await.ok()?;
        logins_.fetch_add(1, Ordering::SeqCst);
        refused
            .headers_mut()
            .insert("x-token", reqwest::header::HeaderValue::from_static("new"));
        Some(refused)
    };
    let request = || Ok(with_old_token(&http, &server));
    let call = rt.call_raw_renewing("thing", &http, request, "read", renew);
    let answer = tokio::time::timeout(Duration::from_secs(5), InFlight::new(1).scope(call))
        .await
        .expect("the login is not kept waiting for the call's own slot")
        .unwrap();
    assert_eq!(&answer.body[..], br#"{"count":2}"#);
    assert_eq!(logins.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_credential_that_cannot_be_renewed_leaves_the_401_as_the_error() {
    let server = token_server().await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let http = http();
    let asked = AtomicUsize::new(0);
    let request = || Ok(with_old_token(&http, &server));
    let err = rt
        .call_raw_renewing("thing", &http, request, "read", renewal(&asked, None))
        .await
        .unwrap_err();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(err.kind(), "auth");
    let meta = err.meta().unwrap();
    assert_eq!(meta.status, Some(401));
    assert_eq!(meta.request_id.as_deref(), Some("req-401"));
    assert_eq!(meta.message.as_deref(), Some("token expired"));
    assert_eq!(meta.attempts, 1);

    // A renewal refused too is the error; it is not renewed again.
    let asked = AtomicUsize::new(0);
    let request = || Ok(with_old_token(&http, &server));
    let err = rt
        .call_raw_renewing(
            "thing",
            &http,
            request,
            "read",
            renewal(&asked, Some("old")),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), ("auth", Some(401)));
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(err.meta().unwrap().attempts, 2);
}

#[tokio::test]
async fn an_operation_past_its_deadline_fails_with_deadline() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(503).delay(Duration::from_millis(60));
        })
        .await;
    let rt = runtime(
        RuntimeConfig::default()
            .with_retry(fast().with_max_attempts(100))
            .with_deadline(Some(Duration::from_millis(200))),
    );
    let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "deadline");
    assert!(err.attempts() >= 2, "{err:?}");
    assert_eq!(err.meta().unwrap().operation.as_deref(), Some("read"));
}

/// A server that answers 200 `{}` after 3 s.
async fn slow_server() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}").delay(Duration::from_secs(3));
        })
        .await;
    server
}

/// Fast retries and `deadline`.
fn deadline(deadline: Option<Duration>) -> RuntimeConfig {
    RuntimeConfig::default()
        .with_retry(fast())
        .with_deadline(deadline)
}

/// A server slower than the deadline: the attempt's timeout is cut to the
/// time left, whether the runtime knows the client's own timeout (5 s
/// here) or not; the call does not wait for the 3 s answer.
#[tokio::test]
async fn a_slow_attempt_is_cut_at_the_deadline() {
    let server = slow_server().await;
    for attempt_timeout in [Some(Duration::from_secs(5)), None] {
        let rt = runtime(
            deadline(Some(Duration::from_millis(300))).with_attempt_timeout(attempt_timeout),
        );
        let started = Instant::now();
        let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "deadline", "{attempt_timeout:?}: {err:?}");
        assert!(err.to_string().contains("300 ms"), "{err}");
        assert_eq!(err.attempts(), 1, "no attempt after the deadline: {err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{attempt_timeout:?}: ended after {:?}",
            started.elapsed()
        );
    }
}

/// A wait that would end past the deadline (a `Retry-After` of 5 s with
/// 1 s left) is not begun: the call fails with the deadline at once, and
/// the error keeps the answer's status.
#[tokio::test]
async fn a_retry_wait_past_the_deadline_is_not_begun() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(429).header("retry-after", "5");
        })
        .await;
    let rt = runtime(deadline(Some(Duration::from_secs(1))));
    let started = Instant::now();
    let err = call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "deadline", "{err:?}");
    assert_eq!(err.status(), Some(429), "{err:?}");
    assert_eq!(mock.calls_async().await, 1);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
}

/// A call made inside another (a login in a request hook) ends by the outer
/// call's deadline, even on a runtime without one of its own.
#[tokio::test]
async fn a_call_inside_a_call_ends_by_the_outer_deadline() {
    let server = slow_server().await;
    let outer = runtime(deadline(Some(Duration::from_millis(300))));
    let inner = runtime(deadline(None));
    let http = http();
    let started = Instant::now();
    let mut inner_result = None;
    let err = outer
        .call::<(), (), _>("thing", async {
            let request = || Ok(http.get(server.url("/login")).build().unwrap());
            inner_result = Some(inner.call_raw("login", &http, request, "read").await);
            Err(progenitor_client::Error::Custom("no login".into()))
        })
        .await
        .unwrap_err();
    let inner_err = inner_result.expect("the inner call ran").unwrap_err();
    assert_eq!(inner_err.kind(), "deadline", "{inner_err:?}");
    assert!(inner_err.to_string().contains("300 ms"), "{inner_err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), "transport", "{err:?}");
}

/// A call that waits for a credential another caller is still logging in
/// for stops waiting at its deadline.
#[tokio::test]
async fn a_wait_for_a_credential_ends_at_the_deadline() {
    let cache = Arc::new(CredentialCache::<u32>::new(Duration::from_secs(1)));
    let (locked, is_locked) = tokio::sync::oneshot::channel();
    let slow = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move {
            cache
                .get(|| async {
                    let _ = locked.send(());
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    Ok(Issued {
                        value: 1,
                        lifetime: None,
                    })
                })
                .await
        }
    });
    is_locked.await.unwrap();
    let rt = runtime(deadline(Some(Duration::from_millis(300))));
    let started = Instant::now();
    let mut waited = None;
    let _ = rt
        .call::<(), (), _>("thing", async {
            waited = Some(
                cache
                    .get(|| async { unreachable!("the other caller logs in") })
                    .await,
            );
            Err(progenitor_client::Error::Custom("no credential".into()))
        })
        .await;
    let err = waited.expect("the call ran").unwrap_err();
    assert_eq!(err.kind(), "deadline", "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    slow.abort();
}

#[tokio::test]
async fn the_retry_budget_caps_retries_across_requests() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(503);
        })
        .await;
    // 10 tokens: two retries after 5xx (5 each), then none.
    let rt = runtime(
        RuntimeConfig::default()
            .with_retry(fast().with_max_attempts(10))
            .with_retry_budget(10),
    );
    let http = http();
    let first = call(&rt, &http, reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(first.attempts(), 3);
    let second = call(&rt, &http, reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap_err();
    assert_eq!(second.attempts(), 1);
    assert_eq!(mock.calls_async().await, 4);
    assert_eq!(rt.budget().available(), 0);
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}");
        })
        .await;
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/x");
            then.status(307).header("location", elsewhere.url("/steal"));
        })
        .await;
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let err = call(
        &rt,
        &http(),
        reqwest::Method::POST,
        server.url("/x"),
        "create",
    )
    .await
    .unwrap_err();
    assert_eq!(stolen.calls_async().await, 0);
    assert_eq!(err.status(), Some(307));

    // Within the origin a redirect is followed.
    let server = MockServer::start_async().await;
    let target = server
        .mock_async(|when, then| {
            when.path("/moved");
            then.status(200).body("{}");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/x");
            then.status(307).header("location", "/moved");
        })
        .await;
    call(&rt, &http(), reqwest::Method::GET, server.url("/x"), "read")
        .await
        .unwrap();
    assert_eq!(target.calls_async().await, 1);
}

/// A keep-alive server answering `{}` to every request; counts the
/// connections it accepted.
async fn keep_alive_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                while read_request(&mut socket).await.is_ok_and(|read| read) {
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}/x"), accepted)
}

#[tokio::test]
async fn idle_connections_are_reused_only_within_the_pool_idle_limit() {
    // The idle limit is never longer than the attempt's timeout: 400 ms here.
    let http = client_builder(Duration::from_millis(400)).build().unwrap();
    let rt = runtime(RuntimeConfig::default().with_retry(fast()));
    let (url, accepted) = keep_alive_server().await;
    for _ in 0..3 {
        call(&rt, &http, reqwest::Method::GET, url.clone(), "read")
            .await
            .unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "reused while fresh");
    tokio::time::sleep(Duration::from_millis(900)).await;
    call(&rt, &http, reqwest::Method::GET, url, "read")
        .await
        .unwrap();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "a connection idle past the limit is not sent on"
    );
}
