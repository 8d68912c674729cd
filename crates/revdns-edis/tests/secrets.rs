//! The password and the session signature never show in Debug output,
//! logs or errors.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use revdns_edis::{Credentials, Hostname, PtrChange, PtrProvider};
use support::*;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_clean(what: &str, text: &str) {
    for secret in ["hunter2", "p%2Bss", SIGNATURE] {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_logs_and_errors() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    // Current-thread test runtime: the default subscriber sees every event.
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let store = Store::default();
    store.clone().mount(&server).await;
    let client = client(&server);
    assert_clean("client Debug", &format!("{client:?}"));
    assert_clean(
        "credentials Debug",
        &format!("{:?}", Credentials::new(EMAIL, PASSWORD)),
    );

    let report = client
        .apply(&[PtrChange::upsert(
            ip("192.0.2.1"),
            Hostname::new("a.example.net").unwrap(),
        )])
        .await
        .unwrap();
    assert!(report.is_success());
    assert_clean("report Debug", &format!("{report:?}"));

    // A rejected session, renewed and rejected again, ends in an error.
    let rejecting = MockServer::start_async().await;
    mock_auth(&rejecting, FAR_FUTURE).await;
    rejecting
        .mock_async(|when, then| {
            when.method(POST).path("/del/ptr");
            then.status(401)
                .header("content-type", "application/json")
                .body(r#"{"status":"error","message":"Session expired. Please re-authenticate."}"#);
        })
        .await;
    let err = support::client(&rejecting)
        .delete_ptrs(&[ip("192.0.2.1")])
        .await
        .unwrap_err();
    assert_clean("error Display", &err.to_string());
    assert_clean("error Debug", &format!("{err:?}"));

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("session created"), "{logged}");
    assert_clean("logs", &logged);
}
