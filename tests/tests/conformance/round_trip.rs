//! Set, get and delete through `PtrProvider`, and the shape of its reports.

use revdns_conformance::{Subject, World, assert_success, expected, host, ip, outcomes, ptr};
use revdns_core::{PtrChange, PtrRecord};

/// A PTR set for an IPv4 and an IPv6 address reads back, is replaced, and
/// is gone after a delete, both through `get` and in the simulator.
pub(crate) async fn set_get_delete_round_trips_ipv4_and_ipv6<P: Subject>(w: World<P>) {
    let v4 = ip("192.0.2.10");
    let v6 = ip("2001:db8::a");
    let ips = [v4, v6];

    let set = [
        PtrChange::upsert(v4, host("mail.example.net")),
        PtrChange::upsert(v6, host("mail6.example.net")),
    ];
    let report = w.provider.apply(&set).await.unwrap();
    assert_eq!(outcomes(&report), ["created", "created"]);

    let found = w.provider.get(&ips).await.unwrap();
    assert_eq!(found.len(), 2, "every asked IP is a key: {found:?}");
    assert_eq!(
        found[&v4].as_ref().map(|r| &r.target),
        Some(&host("mail.example.net"))
    );
    assert_eq!(
        found[&v6].as_ref().map(|r| &r.target),
        Some(&host("mail6.example.net"))
    );
    assert_eq!(
        w.records(),
        expected(&[
            ptr("192.0.2.10", "mail.example.net"),
            ptr("2001:db8::a", "mail6.example.net"),
        ])
    );

    let replace = [PtrChange::upsert(v6, host("smtp6.example.net"))];
    let report = w.provider.apply(&replace).await.unwrap();
    assert_eq!(outcomes(&report), ["updated"]);
    let found = w.provider.get(&[v6]).await.unwrap();
    assert_eq!(
        found[&v6].as_ref().map(|r| &r.target),
        Some(&host("smtp6.example.net"))
    );

    let delete = [PtrChange::delete(v4), PtrChange::delete(v6)];
    let report = w.provider.apply(&delete).await.unwrap();
    assert_eq!(outcomes(&report), ["deleted", "deleted"]);
    let found = w.provider.get(&ips).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.values().all(Option::is_none), "{found:?}");
    assert!(w.records().is_empty(), "{:?}", w.records());
}

/// A mixed batch gets exactly one result per change, in input order, each
/// carrying the change as given.
pub(crate) async fn apply_reports_one_result_per_change<P: Subject>(w: World<P>) {
    let seed: Vec<PtrRecord> = vec![
        ptr("2001:db8::b", "old-b.example.net"),
        ptr("192.0.2.12", "old-c.example.net"),
        ptr("2001:db8::e", "same-e.example.net"),
    ];
    let changes: Vec<PtrChange> = seed.iter().cloned().map(PtrChange::from).collect();
    assert_success(&w.provider.apply(&changes).await.unwrap());

    let changes = vec![
        PtrChange::upsert(ip("192.0.2.11"), host("new-a.example.net")),
        PtrChange::delete(ip("2001:db8::b")),
        PtrChange::upsert(ip("192.0.2.12"), host("new-c.example.net")),
        PtrChange::delete(ip("192.0.2.13")),
        PtrChange::upsert(ip("2001:db8::e"), host("same-e.example.net")),
        PtrChange::upsert(ip("2001:db8::f"), host("new-f.example.net")),
    ];
    let report = w.provider.apply(&changes).await.unwrap();
    assert_eq!(report.len(), changes.len());
    let echoed: Vec<&PtrChange> = report.iter().map(|r| &r.change).collect();
    assert_eq!(echoed, changes.iter().collect::<Vec<_>>());
    assert_eq!(
        outcomes(&report),
        [
            "created",
            "deleted",
            "updated",
            "unchanged",
            "unchanged",
            "created"
        ]
    );
    assert_eq!(
        w.records(),
        expected(&[
            ptr("192.0.2.11", "new-a.example.net"),
            ptr("192.0.2.12", "new-c.example.net"),
            ptr("2001:db8::e", "same-e.example.net"),
            ptr("2001:db8::f", "new-f.example.net"),
        ])
    );
}
