//! Sessions and tokens that end while a batch is under way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use revdns_conformance::{
    Faults, Subject, World, addresses, assert_success, demo, expected, outcome_name, records_for,
};
use revdns_core::{Error, Outcome, ProviderId, PtrChange, PtrRecord, ensure};

/// Runs `apply` while a watcher ends the credentials as soon as the
/// simulator has counted `after_writes` write requests. Returns the report
/// and whether the credentials ended before the batch did.
async fn apply_expiring<P: Subject>(
    w: &World<P>,
    changes: &[PtrChange],
    after_writes: u64,
) -> (revdns_core::ApplyReport, bool) {
    let done = AtomicBool::new(false);
    let expired = AtomicBool::new(false);
    let batch = async {
        let report = w.provider.apply(changes).await;
        done.store(true, Ordering::SeqCst);
        report
    };
    let watcher = async {
        while !done.load(Ordering::SeqCst) {
            if w.writes() >= after_writes {
                w.expire_credentials();
                expired.store(true, Ordering::SeqCst);
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    let (report, ()) = tokio::join!(batch, watcher);
    (report.unwrap(), expired.load(Ordering::SeqCst))
}

/// EDIS sessions and ECL tokens that end in the middle of a batch are
/// renewed once and the batch completes; every change succeeds.
///
/// IONOS tokens are static bearer tokens that the client cannot renew, so
/// for IONOS the case asserts the other half of the contract: an expired
/// token turns into `Error::Auth` results at once (no retry loop), the
/// report is honest about which writes landed before, and reads fail with
/// `Error::Auth`.
pub(crate) async fn credential_expiry_mid_batch_is_survived<P: Subject>(w: World<P>) {
    if w.id() == ProviderId::Ionos {
        return static_token_expiry_fails_fast(w).await;
    }
    // A first call gets the session or token that will be ended.
    let warm = records_for(&addresses(1), "warm.example.net");
    assert_success(&ensure(&w.provider, &warm).await.unwrap());

    // Latency keeps the batch long enough for the watcher to act inside it.
    w.set_faults(Faults::none().latency(Duration::from_millis(3)));
    w.reset_counts();
    let ips = addresses(201);
    let desired = records_for(&ips[1..], "expiry.example.net");
    let changes: Vec<PtrChange> = desired.iter().cloned().map(PtrChange::from).collect();
    let (report, expired) = apply_expiring(&w, &changes, 1).await;

    assert!(expired, "the credentials ended before the batch did");
    assert_success(&report);
    assert_eq!(report.counts().created, 200);
    let renewals = w.auth_requests().expect("EDIS and ECL authenticate");
    assert_eq!(renewals, 1, "one renewal: {:?}", w.sim.request_counts());
    let mut all = warm;
    all.extend(desired);
    assert_eq!(w.records(), expected(&all));
}

async fn static_token_expiry_fails_fast<P: Subject>(w: World<P>) {
    w.set_faults(Faults::none().latency(Duration::from_millis(3)));
    let ips = addresses(80);
    let desired = records_for(&ips, "expiry.example.net");
    let changes: Vec<PtrChange> = desired.iter().cloned().map(PtrChange::from).collect();
    // Expire once two rounds of writes were sent: the first round has then
    // been answered (writes are counted on arrival).
    let in_flight = u64::from(P::IN_FLIGHT);
    let (report, expired) = apply_expiring(&w, &changes, 2 * in_flight).await;
    assert!(expired, "the token expired before the batch ended");

    assert_eq!(report.len(), 80);
    let mut landed: Vec<PtrRecord> = Vec::new();
    for (result, record) in report.iter().zip(&desired) {
        match &result.outcome {
            Outcome::Created => landed.push(record.clone()),
            Outcome::Failed(Error::Auth { .. }) => {}
            other => panic!(
                "{}: expected created or an auth failure, got {} ({other:?})",
                record.ip,
                outcome_name(other)
            ),
        }
    }
    assert!(
        landed.len() as u64 >= in_flight,
        "writes before the expiry: {}",
        landed.len()
    );
    assert!(landed.len() < 80, "some writes met the expired token");
    assert_eq!(
        w.records(),
        expected(&landed),
        "the report matches the server"
    );
    // Two lookups of 50 and 30 IPs and at most one write per change: no
    // retries of a 401.
    assert!(w.requests() <= 82, "{:?}", w.sim.request_counts());

    w.reset_counts();
    let err = w.provider.get(&ips).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        w.requests() <= 2,
        "one request per lookup chunk: {:?}",
        w.sim.request_counts()
    );

    // The same client works again once the token is valid.
    assert!(w.sim.set_ionos_token_expired(demo::IONOS_TOKEN, false));
    assert_success(&ensure(&w.provider, &desired).await.unwrap());
    assert_eq!(w.records(), expected(&desired));
}

/// A lookup whose session or token has ended on the server (the client
/// still holds it as valid): EDIS and ECL renew it once, within the call,
/// and answer what the server holds, for one address and for several.
/// IONOS cannot renew a static token: the lookup is `Auth` after one
/// request, with the 401 it answered.
pub(crate) async fn a_lookup_after_the_credentials_end_renews_them_once<P: Subject>(w: World<P>) {
    let ips = addresses(3);
    let desired = records_for(&ips, "renewed.example.net");
    assert_success(&ensure(&w.provider, &desired).await.unwrap());
    w.expire_credentials();
    w.reset_counts();
    if w.id() == ProviderId::Ionos {
        let err = w.provider.get(&ips[..1]).await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        assert_eq!(err.status(), Some(401), "{err:?}");
        assert_eq!(w.requests(), 1, "{:?}", w.sim.request_counts());
        return;
    }
    for asked in [&ips[..1], &ips[..]] {
        let found = w.provider.get(asked).await.unwrap();
        let targets: Vec<Option<String>> = asked
            .iter()
            .map(|ip| found[ip].as_ref().map(|r| r.target.as_str().to_owned()))
            .collect();
        let wanted: Vec<Option<String>> = desired[..asked.len()]
            .iter()
            .map(|r| Some(r.target.as_str().to_owned()))
            .collect();
        assert_eq!(targets, wanted);
    }
    let renewals = w.auth_requests().expect("EDIS and ECL authenticate");
    assert_eq!(renewals, 1, "one renewal: {:?}", w.sim.request_counts());
}
