//! A server that throttles and fails now and then.

use revdns_conformance::Faults;
use revdns_conformance::{Subject, World, addresses, assert_success, expected, records_for};
use revdns_core::{ensure, remove};

/// With a rate limit (429, `Retry-After: 0`) and 10 % of answers 503, from
/// the seeded simulator, `ensure` and `remove` still end in exactly the
/// desired state, every change reports success, and the simulator's fault
/// counters show what was refused and retried.
pub(crate) async fn rate_limits_and_503s_are_retried_to_the_exact_end_state<P: Subject>(
    w: World<P>,
) {
    w.set_faults(w.flaky());
    let ips = addresses(40);
    let first = records_for(&ips, "flaky.example.net");
    let report = ensure(&w.provider, &first).await.unwrap();
    assert_success(&report);
    assert_eq!(report.counts().created, 40);
    assert_eq!(w.records(), expected(&first));

    // Change a quarter, remove another quarter, leave the rest.
    let changed = records_for(&ips[..10], "moved.example.net");
    let report = ensure(&w.provider, &changed).await.unwrap();
    assert_success(&report);
    assert_eq!(report.counts().updated, 10);
    let report = remove(&w.provider, &ips[10..20]).await.unwrap();
    assert_success(&report);
    assert_eq!(report.counts().deleted, 10);

    let mut end = changed;
    end.extend_from_slice(&first[20..]);
    assert_eq!(w.records(), expected(&end));

    let faults = w.fault_counts();
    assert!(faults.rate_limited > 0, "no 429 was answered: {faults:?}");
    assert!(
        faults.service_unavailable > 0,
        "no 503 was answered: {faults:?}"
    );
    let refused = faults.rate_limited + faults.service_unavailable;
    assert!(
        w.requests() > refused,
        "every refused request was sent again: {} requests, {faults:?}",
        w.requests()
    );

    // A well-behaved server again: the state reads back as it is.
    w.set_faults(Faults::none());
    w.reset_counts();
    let again = ensure(&w.provider, &end).await.unwrap();
    assert_eq!(again.counts().unchanged, 30);
    assert_eq!(w.writes(), 0);
}
