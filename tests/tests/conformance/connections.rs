//! How the client uses its connections.

use std::time::Duration;

use revdns_conformance::{
    Faults, Subject, Tuning, World, addresses, assert_success, expected, records_for,
};
use revdns_core::ensure;

/// A connection left idle longer than the client's idle limit (never more
/// than its attempt timeout, 400 ms here) is not sent on again: a server or
/// balancer may be closing it, and a write lost that way must be settled
/// by reading. The next call opens a new connection instead.
pub(crate) async fn an_idle_connection_is_not_reused_past_the_idle_limit<P: Subject>(w: World<P>) {
    let tuning = Tuning {
        timeout: Duration::from_millis(400),
        ..Tuning::default()
    };
    let client = P::connect_tuned(&w.sim, &tuning);
    let ips = addresses(2);
    // Logs in (and finds the zones) first.
    client.get(&ips).await.unwrap();
    let opened = w.connections();
    assert!(opened >= 1, "the calls came over a connection");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let found = client.get(&ips).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(
        w.connections() > opened,
        "after 900 ms idle, the call was sent on an old connection ({opened} accepted)"
    );
}

/// However many requests an ensure makes, the client keeps at most its
/// documented limit out at once (the simulator counts each from arrival to
/// answer), both when it writes every record and when it only reads them
/// back; and with more work than one request, it uses what the limit
/// allows. Pages and zone listings read in parallel count against it too.
pub(crate) async fn an_ensure_keeps_at_most_its_limit_of_requests_in_flight<P: Subject>(
    w: World<P>,
) {
    // Answers take long enough that requests sent together overlap.
    w.set_faults(Faults::none().latency(Duration::from_millis(5)));
    let desired = records_for(&addresses(300), "flight.example.net");
    let limit = u64::from(P::MOST_IN_FLIGHT);
    for run in ["create", "unchanged"] {
        w.reset_counts();
        let report = ensure(&w.provider, &desired).await.unwrap();
        assert_success(&report);
        let most = w.sim.most_in_flight(P::ID);
        assert!(
            most <= limit,
            "{run}: {most} requests at once, limit {limit}"
        );
        if run == "create" {
            assert!(
                most >= limit.min(2),
                "{run}: {most} at once, though 300 writes could use {limit}"
            );
        }
    }
    assert_eq!(w.records(), expected(&desired));
}
