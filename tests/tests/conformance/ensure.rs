//! `ensure` and `remove` write only what differs.

use std::net::IpAddr;

use revdns_conformance::{Subject, World, addresses, assert_success, expected, records_for};
use revdns_core::{PtrRecord, ensure, remove};

/// A second `ensure` of the same records finds them in place: every result
/// is unchanged and the simulator counts no write request.
pub(crate) async fn unchanged_ensure_makes_no_write<P: Subject>(w: World<P>) {
    let desired = records_for(&addresses(20), "ensure.example.net");
    let first = ensure(&w.provider, &desired).await.unwrap();
    assert_success(&first);
    assert_eq!(first.counts().created, 20);
    assert_eq!(w.records(), expected(&desired));

    w.reset_counts();
    let second = ensure(&w.provider, &desired).await.unwrap();
    assert_eq!(second.len(), 20);
    assert_eq!(second.counts().unchanged, 20, "{}", second.counts());
    assert_eq!(w.writes(), 0, "counters: {:?}", w.sim.request_counts());
    assert!(w.requests() > 0, "the second ensure still reads");
    assert_eq!(w.records(), expected(&desired));
}

/// `remove` deletes what exists, reports absent PTRs as unchanged without
/// writing for them, and a second `remove` writes nothing.
pub(crate) async fn remove_is_idempotent_and_skips_absent_ptrs<P: Subject>(w: World<P>) {
    let ips = addresses(6);
    let desired = records_for(&ips[..3], "remove.example.net");
    assert_success(&ensure(&w.provider, &desired).await.unwrap());

    let report = remove(&w.provider, &ips).await.unwrap();
    let names: Vec<&str> = revdns_conformance::outcomes(&report);
    assert_eq!(
        names,
        [
            "deleted",
            "deleted",
            "deleted",
            "unchanged",
            "unchanged",
            "unchanged"
        ]
    );
    let reported: Vec<IpAddr> = report.iter().map(|r| r.change.ip()).collect();
    assert_eq!(reported, ips);
    assert!(w.records().is_empty(), "{:?}", w.records());

    w.reset_counts();
    let again = remove(&w.provider, &ips).await.unwrap();
    assert_eq!(again.counts().unchanged, 6);
    assert_eq!(w.writes(), 0, "counters: {:?}", w.sim.request_counts());
}

/// An upsert without a comment keeps the stored comment, and one with the
/// same target and no comment is unchanged (the rule of `PtrChange::Upsert`),
/// on providers that store comments.
pub(crate) async fn upsert_without_comment_keeps_the_stored_comment<P: Subject>(w: World<P>) {
    if !w.provider.capabilities().comment {
        return;
    }
    let ip = addresses(1)[0];
    let target: revdns_core::Hostname = "kept.example.net".parse().unwrap();
    let with_comment = PtrRecord::new(ip, target.clone()).with_comment("rack 7");
    assert_success(&ensure(&w.provider, &[with_comment]).await.unwrap());

    w.reset_counts();
    let bare = PtrRecord::new(ip, target.clone());
    let report = ensure(&w.provider, &[bare]).await.unwrap();
    assert_eq!(report.counts().unchanged, 1, "{}", report.counts());
    assert_eq!(w.writes(), 0);

    let moved = PtrRecord::new(ip, "moved.example.net".parse().unwrap());
    assert_eq!(
        ensure(&w.provider, &[moved])
            .await
            .unwrap()
            .counts()
            .updated,
        1
    );
    let current = w.provider.get(&[ip]).await.unwrap()[&ip].clone().unwrap();
    assert_eq!(current.target.as_str(), "moved.example.net");
    assert_eq!(current.comment.as_deref(), Some("rack 7"));
}
