//! A thousand records through every operation.

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures::StreamExt;
use revdns_conformance::{Subject, World, addresses, assert_success, expected, host, records_for};
use revdns_core::{Enumeration, Error, PtrRecord, ensure, remove};

/// 1,000 PTRs (500 IPv4 across two /24s, 500 IPv6): `ensure` creates them all,
/// `list` yields exactly them where the provider enumerates (IONOS in one
/// listing, ECL zone by zone; EDIS cannot and says so with one
/// `Error::Unsupported`), `get` reads every one, `remove` deletes them and
/// the simulator ends empty.
pub(crate) async fn thousand_records_ensure_list_get_remove<P: Subject>(w: World<P>) {
    let ips = addresses(1000);
    let desired = records_for(&ips, "bulk.example.net");

    let report = ensure(&w.provider, &desired).await.unwrap();
    assert_success(&report);
    assert_eq!(report.counts().created, 1000);
    assert_eq!(w.records(), expected(&desired));

    let listed: Vec<Result<_, Error>> = w.provider.list().collect().await;
    match w.provider.capabilities().enumeration {
        Enumeration::None => {
            assert_eq!(listed.len(), 1, "one error, then the end");
            assert!(
                matches!(listed[0], Err(Error::Unsupported { .. })),
                "{:?}",
                listed[0]
            );
        }
        _ => {
            let listed: BTreeMap<IpAddr, String> = listed
                .into_iter()
                .map(|r| {
                    let r = r.unwrap();
                    (r.ip, r.target.as_str().to_owned())
                })
                .collect();
            assert_eq!(listed, expected(&desired));
        }
    }

    let found = w.provider.get(&ips).await.unwrap();
    assert_eq!(found.len(), 1000);
    for record in &desired {
        let got = found[&record.ip].as_ref().map(|r| &r.target);
        assert_eq!(got, Some(&record.target), "{}", record.ip);
    }

    let report = remove(&w.provider, &ips).await.unwrap();
    assert_success(&report);
    assert_eq!(report.counts().deleted, 1000);
    assert!(w.records().is_empty(), "{} left", w.records().len());
    let found = w.provider.get(&ips).await.unwrap();
    assert!(found.values().all(Option::is_none));
}

/// 1,000 PTRs held; a read and an ensure of 600 of them and 100 addresses
/// without one. At this size IONOS lists the contract instead of filtering
/// and ECL lists whole zones, so they read far more than was asked:
/// `get` still answers exactly the 700 asked (the 600 with their targets,
/// the 100 with none), and an ensure of them, 50 with new targets, updates
/// those 50, creates the 100 and leaves the other 550 unchanged, and the
/// 400 not asked for untouched.
pub(crate) async fn a_read_of_many_addresses_is_about_those_alone<P: Subject>(w: World<P>) {
    let ips = addresses(1100);
    let held = records_for(&ips[..1000], "held.example.net");
    assert_success(&ensure(&w.provider, &held).await.unwrap());

    let asked: Vec<IpAddr> = ips[200..800].iter().chain(&ips[1000..]).copied().collect();
    let found = w.provider.get(&asked).await.unwrap();
    assert_eq!(
        found.keys().copied().collect::<Vec<_>>(),
        {
            let mut sorted = asked.clone();
            sorted.sort();
            sorted
        },
        "one entry per address asked, no other"
    );
    for record in &held[200..800] {
        let got = found[&record.ip].as_ref().map(|r| &r.target);
        assert_eq!(got, Some(&record.target), "{}", record.ip);
    }
    assert!(ips[1000..].iter().all(|ip| found[ip].is_none()));

    let mut desired: Vec<PtrRecord> = held[200..800].to_vec();
    for record in &mut desired[..50] {
        record.target = host(&format!("moved-{}.example.net", record.target));
    }
    desired.extend(records_for(&ips[1000..], "new.example.net"));
    let report = ensure(&w.provider, &desired).await.unwrap();
    assert_success(&report);
    let counts = report.counts();
    assert_eq!(
        (counts.updated, counts.created, counts.unchanged),
        (50, 100, 550)
    );
    let mut want = expected(&held);
    want.extend(expected(&desired));
    assert_eq!(w.records(), want);
}
