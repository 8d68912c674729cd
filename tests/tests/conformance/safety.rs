//! `plan` and `apply_plan`: the safety threshold and purge scope.

use revdns_conformance::{
    Subject, World, addresses, assert_success, expected, ip, ptr, records_for,
};
use revdns_core::{Enumeration, Error, IpPrefix, PlanOptions, PtrRecord, apply_plan, ensure, plan};

/// A plan that updates 10 of 20 existing records (50 %, over the default
/// 30 %) is refused with `Error::TooManyChanges` and writes nothing; forced,
/// it applies, with one result per desired record.
pub(crate) async fn safety_threshold_trips_and_force_applies<P: Subject>(w: World<P>) {
    let ips = addresses(20);
    let existing = records_for(&ips, "before.example.net");
    assert_success(&ensure(&w.provider, &existing).await.unwrap());

    let mut desired = existing.clone();
    for record in &mut desired[..10] {
        record.target = revdns_conformance::host(&format!("after-{}", record.target));
    }
    let options = PlanOptions::new();
    let planned = plan(&w.provider, &desired, &options).await.unwrap();
    assert_eq!(planned.updates.len(), 10);
    assert_eq!(planned.unchanged.len(), 10);
    assert!(planned.creates.is_empty() && planned.deletes.is_empty());
    assert_eq!(planned.existing, 20);

    w.reset_counts();
    let err = apply_plan(&w.provider, &planned, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooManyChanges {
                changes: 10,
                existing: 20,
                max_percent: 30,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("10 of 20"), "{err}");
    assert_eq!(
        w.requests(),
        0,
        "nothing was sent: {:?}",
        w.sim.request_counts()
    );
    assert_eq!(w.records(), expected(&existing));

    let report = apply_plan(&w.provider, &planned, &options.clone().force(true))
        .await
        .unwrap();
    assert_success(&report);
    assert_eq!(report.len(), 20);
    assert_eq!(report.counts().updated, 10);
    assert_eq!(report.counts().unchanged, 10);
    assert_eq!(w.records(), expected(&desired));
}

/// A purge deletes the unlisted PTRs inside its scope only, after the same
/// threshold. Providers that cannot enumerate refuse a purge plan with
/// `Error::Unsupported` (EDIS).
pub(crate) async fn purge_deletes_only_inside_its_scope<P: Subject>(w: World<P>) {
    let scope: IpPrefix = "192.0.2.0/24".parse().unwrap();
    let inside: Vec<PtrRecord> = (1..=12)
        .map(|i| ptr(&format!("192.0.2.{i}"), &format!("in{i}.example.net")))
        .collect();
    let outside = vec![
        ptr("198.51.100.1", "out1.example.net"),
        ptr("2001:db8::1", "out6.example.net"),
    ];
    let mut all = inside.clone();
    all.extend(outside.iter().cloned());
    assert_success(&ensure(&w.provider, &all).await.unwrap());

    // Keep 8 of the 12 inside: 4 deletes of 12 existing is 33 %.
    let keep = &inside[..8];
    let options = PlanOptions::new().purge([scope]);
    if w.provider.capabilities().enumeration == Enumeration::None {
        let err = plan(&w.provider, keep, &options).await.unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        assert_eq!(w.records(), expected(&all));
        return;
    }
    let planned = plan(&w.provider, keep, &options).await.unwrap();
    assert_eq!(planned.existing, 12, "only records inside the scope count");
    let deleted: Vec<_> = planned.deletes.iter().map(|r| r.ip).collect();
    assert_eq!(deleted, addresses_in(&inside[8..]));

    w.reset_counts();
    let err = apply_plan(&w.provider, &planned, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TooManyChanges { changes: 4, .. }),
        "{err:?}"
    );
    assert_eq!(w.writes(), 0);

    let report = apply_plan(&w.provider, &planned, &options.clone().force(true))
        .await
        .unwrap();
    assert_success(&report);
    assert_eq!(report.counts().deleted, 4);
    assert_eq!(report.counts().unchanged, 8);
    let mut end = keep.to_vec();
    end.extend(outside);
    assert_eq!(w.records(), expected(&end));
    assert!(w.records().contains_key(&ip("198.51.100.1")));
}

fn addresses_in(records: &[PtrRecord]) -> Vec<std::net::IpAddr> {
    records.iter().map(|r| r.ip).collect()
}
