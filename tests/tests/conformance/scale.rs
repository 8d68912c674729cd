//! A thousand records through every operation.

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures::StreamExt;
use revdns_conformance::{Subject, World, addresses, assert_success, expected, records_for};
use revdns_core::{Enumeration, Error, ensure, remove};

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
