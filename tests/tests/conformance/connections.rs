//! How the client uses its connections.

use std::time::Duration;

use revdns_conformance::{Subject, Tuning, World, addresses};

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
