//! PTRs set elsewhere (a control panel, another tool) with names revdns
//! would not write are still read, listed, compared and overwritten, on
//! every provider; only writing such a name fails, for its change alone.

use futures::TryStreamExt;
use revdns_conformance::{Subject, World, host, ip, outcome_name};
use revdns_core::{Enumeration, Error, Hostname, PlanOptions, PtrChange, PtrRecord, plan};

/// Names real zones hold that break revdns's write rule.
const STORED: [(&str, &str); 4] = [
    ("192.0.2.61", "host_1.example.net"),
    ("192.0.2.62", "_gateway.example.net"),
    ("198.51.100.63", "router"),
    ("2001:db8::64", "host.123"),
];

pub(crate) async fn names_revdns_would_not_write_are_read_listed_and_overwritten<P: Subject>(
    w: World<P>,
) {
    for (addr, name) in STORED {
        w.sim
            .preload_ptr(P::ID, ip(addr), name)
            .expect("the simulator stores the PTR");
    }
    let p = &w.provider;
    let asked: Vec<_> = STORED.iter().map(|(a, _)| ip(a)).collect();

    // Read: every name as stored, none refused, the batch whole.
    let got = p.get(&asked).await.expect("get reads odd names");
    for (addr, name) in STORED {
        let record = got[&ip(addr)]
            .as_ref()
            .unwrap_or_else(|| panic!("{addr} read as none"));
        assert_eq!(record.target.as_str(), name, "{addr}");
        assert!(!record.target.is_writable(), "{name} passes the write rule");
    }

    // Listed where the provider can list.
    if p.capabilities().enumeration == Enumeration::None {
        let err = p.list().try_collect::<Vec<_>>().await.unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    } else {
        let listed: Vec<PtrRecord> = p.list().try_collect().await.expect("list reads odd names");
        for (addr, name) in STORED {
            assert!(
                listed
                    .iter()
                    .any(|r| r.ip == ip(addr) && r.target.as_str() == name),
                "{addr} {name} not listed"
            );
        }
    }

    // Compared: a desired state that repeats what is stored plans nothing.
    let same: Vec<PtrRecord> = got.values().flatten().cloned().collect();
    let unchanged = plan(p, &same, &PlanOptions::new()).await.expect("plan");
    assert_eq!(unchanged.unchanged.len(), STORED.len(), "{unchanged:?}");
    assert!(unchanged.is_empty(), "{unchanged:?}");

    // Overwritten and deleted; writing a stored odd name back fails alone.
    w.reset_counts();
    let changes = [
        PtrChange::upsert(ip("192.0.2.61"), host("host-1.example.net")),
        PtrChange::delete(ip("192.0.2.62")),
        PtrChange::upsert(
            ip("198.51.100.63"),
            Hostname::from_stored("router.internal_").expect("a name"),
        ),
    ];
    let report = p.apply(&changes).await.expect("a report");
    let names: Vec<_> = report
        .results()
        .iter()
        .map(|r| outcome_name(&r.outcome))
        .collect();
    assert_eq!(names, ["updated", "deleted", "failed"], "{report:?}");
    let refused = report.results()[2].outcome.error().expect("an error");
    assert!(
        matches!(refused, Error::Validation { field, .. } if field == "hostname"),
        "{refused:?}"
    );

    let records = w.records();
    assert_eq!(records[&ip("192.0.2.61")], "host-1.example.net");
    assert!(!records.contains_key(&ip("192.0.2.62")));
    assert_eq!(records[&ip("198.51.100.63")], "router");
    assert_eq!(records[&ip("2001:db8::64")], "host.123");
}
