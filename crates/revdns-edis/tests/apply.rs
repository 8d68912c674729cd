//! `PtrProvider` on EDIS: per-IP reports from the read before (and from
//! read-backs where asked), request counts, and bad input that never
//! reaches the wire.

mod support;

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures::StreamExt;
use httpmock::prelude::*;
use revdns_edis::{Enumeration, Error, Hostname, Outcome, PtrChange, PtrProvider, PtrRecord};
use support::*;

fn host(s: &str) -> Hostname {
    Hostname::new(s).unwrap()
}

/// The changes of the two read-back tests: created, stuck, created (v6),
/// unchanged, deleted, unchanged (no PTR), updated.
fn mixed_changes() -> [PtrChange; 7] {
    [
        PtrChange::upsert(ip("192.0.2.1"), host("a.example.net")),
        PtrChange::upsert(ip("192.0.2.2"), host("b.example.net")),
        PtrChange::upsert(ip("2001:db8::3"), host("c.example.net")),
        PtrChange::upsert(ip("192.0.2.4"), host("same.example.net")),
        PtrChange::delete(ip("192.0.2.5")),
        PtrChange::delete(ip("192.0.2.6")),
        PtrChange::upsert(ip("192.0.2.7"), host("new.example.net")),
    ]
}

/// A store holding the PTRs [`mixed_changes`] starts from, where EDIS
/// answers a batch with success but leaves 192.0.2.2 as it was.
fn mixed_store() -> Store {
    let store = Store::default();
    store.insert(ip("192.0.2.4"), "same.example.net");
    store.insert(ip("192.0.2.5"), "gone.example.net");
    store.insert(ip("192.0.2.7"), "old.example.net");
    store.stuck.lock().unwrap().insert(ip("192.0.2.2"));
    store
}

fn outcome_names(report: &revdns_edis::ApplyReport) -> Vec<String> {
    report
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Failed(_) => "failed".to_owned(),
            other => format!("{other:?}").to_lowercase(),
        })
        .collect()
}

#[tokio::test]
async fn apply_takes_a_batch_success_for_each_of_its_ips() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let store = mixed_store();
    let mocks = store.clone().mount(&server).await;

    let report = client(&server).apply(&mixed_changes()).await.unwrap();

    // The batch answer is the only word on 192.0.2.2: without a read-back,
    // its `success` is taken at face value.
    assert_eq!(
        outcome_names(&report),
        [
            "created",
            "created",
            "created",
            "unchanged",
            "deleted",
            "unchanged",
            "updated"
        ]
    );
    assert_eq!(
        store.get(ip("2001:db8::3")).as_deref(),
        Some("c.example.net")
    );
    assert_eq!(store.get(ip("192.0.2.5")), None);
    // One read before, one set, one delete: the API's minimum.
    assert_eq!(mocks.calls().await, (1, 1, 1));
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn read_back_reports_each_ip_as_it_reads_after_the_write() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let store = mixed_store();
    let mocks = store.clone().mount(&server).await;

    let client = builder(&server).read_back(true).build().unwrap();
    assert!(client.reads_back());
    let report = client.apply(&mixed_changes()).await.unwrap();

    assert_eq!(
        outcome_names(&report),
        [
            "created",
            "failed",
            "created",
            "unchanged",
            "deleted",
            "unchanged",
            "updated"
        ]
    );
    let err = report
        .get(ip("192.0.2.2"))
        .unwrap()
        .outcome
        .error()
        .unwrap();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("192.0.2.2 has no PTR"), "{err}");
    // One read before, one set, one delete, one read-back.
    assert_eq!(mocks.calls().await, (2, 1, 1));
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn setting_1000_ptrs_takes_41_requests() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let store = Store::default();
    let mocks = store.clone().mount(&server).await;
    let changes: Vec<PtrChange> = (1..=1000u16)
        .map(|i| PtrChange::upsert(ip(&format!("2001:db8::{i:x}")), host("h.example.net")))
        .collect();
    let client = client(&server);
    assert_eq!(client.chunk_size(), 50);
    let report = client.apply(&changes).await.unwrap();
    assert_eq!(report.counts().created, 1000);

    let (gets, sets, deletes) = mocks.calls().await;
    let sessions = auth.calls_async().await;
    assert_eq!((sessions, gets, sets, deletes), (1, 20, 20, 0));
    assert_eq!(sessions + gets + sets + deletes, 41);
}

#[tokio::test]
async fn foreign_ip_in_a_batch_fails_alone_after_splitting() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let store = Store::default();
    let foreign = ip("203.0.113.7");
    store.foreign.lock().unwrap().insert(foreign);
    let mocks = store.clone().mount(&server).await;
    let mut ips: Vec<IpAddr> = (1..=19u8).map(|i| ip(&format!("192.0.2.{i}"))).collect();
    ips.insert(7, foreign);
    let changes: Vec<PtrChange> = ips
        .iter()
        .map(|ip| PtrChange::upsert(*ip, host("h.example.net")))
        .collect();

    let report = client(&server).apply(&changes).await.unwrap();

    assert_eq!(report.counts().created, 19);
    let failed: Vec<_> = report.failures().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].change.ip(), foreign);
    let err = failed[0].outcome.error().unwrap();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("203.0.113.7"), "{err}");
    assert_eq!(store.ptrs.lock().unwrap().len(), 19);
    assert_eq!(store.get(foreign), None);
    // The read before is split until 203.0.113.7 stands alone: 20, 10, 5,
    // 5, 2, 3, 1, 2, 10 IPs (9 requests). The 19 good IPs are then set in
    // one request.
    assert_eq!(mocks.calls().await, (9, 1, 0));
    assert_eq!(auth.calls_async().await, 1);
}

#[tokio::test]
async fn foreign_ip_in_a_delete_batch_fails_alone() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let store = Store::default();
    store.insert(ip("192.0.2.1"), "a.example.net");
    store.insert(ip("192.0.2.2"), "b.example.net");
    store.insert(ip("192.0.2.3"), "c.example.net");
    store.foreign.lock().unwrap().insert(ip("192.0.2.2"));
    let mocks = store.clone().mount(&server).await;
    let changes = [
        PtrChange::delete(ip("192.0.2.1")),
        PtrChange::delete(ip("192.0.2.2")),
        PtrChange::delete(ip("192.0.2.3")),
    ];
    let report = client(&server).apply(&changes).await.unwrap();
    let outcomes: Vec<bool> = report.iter().map(|r| r.outcome.is_success()).collect();
    assert_eq!(outcomes, [true, false, true]);
    assert_eq!(store.get(ip("192.0.2.1")), None);
    assert_eq!(store.get(ip("192.0.2.3")), None);
    assert_eq!(
        store.get(ip("192.0.2.2")).as_deref(),
        Some("b.example.net"),
        "a refused IP is left as it was"
    );
    // Read before: 3, then 1 and 2 (refused), then 2 alone and 3 (4
    // requests); one delete of 192.0.2.1 and .3.
    assert_eq!(mocks.calls().await, (5, 0, 1));
}

#[tokio::test]
async fn ttl_or_comment_fails_that_change_only() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let store = Store::default();
    let mocks = store.clone().mount(&server).await;
    let changes = [
        PtrRecord::new(ip("192.0.2.1"), host("a.example.net"))
            .with_ttl(300)
            .into(),
        PtrRecord::new(ip("192.0.2.2"), host("b.example.net"))
            .with_comment("web")
            .into(),
        PtrChange::upsert(ip("192.0.2.3"), host("c.example.net")),
    ];
    let report = client(&server).apply(&changes).await.unwrap();
    let results = report.results();
    for r in &results[..2] {
        assert!(
            matches!(r.outcome, Outcome::Failed(Error::Unsupported { .. })),
            "{:?}",
            r.outcome
        );
    }
    assert!(matches!(results[2].outcome, Outcome::Created));
    assert_eq!(store.get(ip("192.0.2.1")), None);
    assert_eq!(mocks.calls().await, (1, 1, 0));
}

#[tokio::test]
async fn refused_login_fails_every_change_after_one_request() {
    let server = MockServer::start_async().await;
    let auth = server
        .mock_async(|when, then| {
            when.method(POST).path("/kvm/v2/get/auth");
            then.status(401)
                .header("content-type", "application/json")
                .body(
                    r#"{"error":"Unauthorized","code":401,"message":"Invalid WHMCS credentials."}"#,
                );
        })
        .await;
    let mocks = Store::default().mount(&server).await;
    let changes: Vec<PtrChange> = (1..=120u16)
        .map(|i| PtrChange::delete(ip(&format!("2001:db8::{i:x}"))))
        .collect();
    let report = client(&server).apply(&changes).await.unwrap();
    assert_eq!(report.counts().failed, 120);
    assert!(
        report
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Failed(Error::Auth { .. })))
    );
    assert_eq!(auth.calls_async().await, 1);
    assert_eq!(mocks.calls().await, (0, 0, 0));
}

#[tokio::test]
async fn bad_input_fails_before_any_request() {
    let server = MockServer::start_async().await;
    let auth = mock_auth(&server, FAR_FUTURE).await;
    let mocks = Store::default().mount(&server).await;
    let client = client(&server);

    // A host name with a space cannot become a PTR target at all.
    assert!(Hostname::new("mail example.net").is_err());
    assert!(
        serde_json::from_str::<PtrChange>(
            r#"{"Upsert":{"ip":"192.0.2.1","target":"mail example.net","ttl":null,"comment":null}}"#
        )
        .is_err()
    );

    let validation = |r: Result<_, Error>| matches!(r, Err(Error::Validation { .. }));
    assert!(validation(client.set_ptrs(&BTreeMap::new()).await));
    assert!(validation(client.delete_ptrs(&[]).await));
    assert!(validation(client.apply(&[]).await.map(|_| ())));
    let twice = [
        PtrChange::upsert(ip("192.0.2.1"), host("a.example.net")),
        PtrChange::delete(ip("192.0.2.1")),
    ];
    assert!(validation(client.apply(&twice).await.map(|_| ())));

    assert_eq!(auth.calls_async().await, 0);
    assert_eq!(mocks.calls().await, (0, 0, 0));
}

#[tokio::test]
async fn get_through_the_trait_reports_every_ip() {
    let server = MockServer::start_async().await;
    mock_auth(&server, FAR_FUTURE).await;
    let store = Store::default();
    store.insert(ip("192.0.2.1"), "a.example.net");
    store.clone().mount(&server).await;
    let found = PtrProvider::get(&client(&server), &[ip("192.0.2.1"), ip("192.0.2.9")])
        .await
        .unwrap();
    assert_eq!(
        found[&ip("192.0.2.1")],
        Some(PtrRecord::new(ip("192.0.2.1"), host("a.example.net")))
    );
    assert_eq!(found[&ip("192.0.2.9")], None);
}

#[tokio::test]
async fn list_is_unsupported_and_capabilities_say_so() {
    let server = MockServer::start_async().await;
    let client = builder(&server).chunk_size(25).build().unwrap();
    let items: Vec<_> = client.list().collect().await;
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(Error::Unsupported { .. })));

    let caps = client.capabilities();
    assert!(caps.ipv4 && caps.ipv6);
    assert!(!caps.ttl && !caps.comment);
    assert_eq!(caps.max_batch, Some(25));
    assert!(!caps.batch_reports_per_item);
    assert_eq!(caps.enumeration, Enumeration::None);
    assert_eq!(client.id(), revdns_edis::ProviderId::Edis);
}
