//! One bad change in a batch fails alone.

use revdns_conformance::{
    FOREIGN_IP, Subject, World, addresses, expected, ip, outcome_name, records_for,
};
use revdns_core::{PtrChange, PtrRecord};

/// A batch of 20 upserts where one address is not the account's (outside
/// its blocks and reverse zones): 19 succeed and are stored, one fails, and
/// the failure is reported for that address, not for the batch.
///
/// EDIS refuses a whole request when any IP in it is not the VPS's, so its
/// client splits a refused chunk until the bad IP stands alone.
pub(crate) async fn foreign_ip_fails_alone_in_a_batch_of_20<P: Subject>(w: World<P>) {
    let foreign = ip(FOREIGN_IP);
    let mut ips = addresses(19);
    ips.insert(7, foreign);
    let records = records_for(&ips, "partial.example.net");
    let changes: Vec<PtrChange> = records.iter().cloned().map(PtrChange::from).collect();

    let report = w.provider.apply(&changes).await.unwrap();
    assert_eq!(report.len(), 20);
    let counts = report.counts();
    assert_eq!((counts.created, counts.failed), (19, 1), "{counts}");

    let failed: Vec<_> = report.failures().collect();
    assert_eq!(failed[0].change.ip(), foreign);
    assert_eq!(report.results()[7].change.ip(), foreign);
    let err = failed[0].outcome.error().expect("a failed outcome");
    assert!(
        !err.is_retryable(),
        "an address the account does not own stays refused: {err:?}"
    );
    for (i, result) in report.iter().enumerate() {
        if i != 7 {
            assert_eq!(outcome_name(&result.outcome), "created", "{result:?}");
        }
    }

    let stored: Vec<PtrRecord> = records.into_iter().filter(|r| r.ip != foreign).collect();
    assert_eq!(w.records(), expected(&stored));
}
