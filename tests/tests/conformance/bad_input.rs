//! Input that can never succeed is refused before anything is sent.

use revdns_conformance::{Subject, World, host, ip, ptr};
use revdns_core::{Error, PlanOptions, PtrChange, ensure, plan, remove};

fn is_validation<T: std::fmt::Debug>(what: &str, result: Result<T, Error>) {
    match result {
        Err(Error::Validation { .. }) => {}
        other => panic!("{what}: expected Error::Validation, got {other:?}"),
    }
}

/// Empty batches and a repeated IP are `Error::Validation` from `apply`,
/// `ensure`, `remove` and `plan`, and the simulator counts no request at
/// all (no session or token either). An empty `get` sends nothing.
pub(crate) async fn bad_input_is_refused_before_any_request<P: Subject>(w: World<P>) {
    let p = &w.provider;
    let a = ip("192.0.2.1");
    let twice = [
        PtrChange::upsert(a, host("a.example.net")),
        PtrChange::delete(a),
    ];
    is_validation("apply of nothing", p.apply(&[]).await);
    is_validation("apply with a repeated IP", p.apply(&twice).await);
    is_validation("ensure of nothing", ensure(p, &[]).await);
    is_validation(
        "ensure with a repeated IP",
        ensure(
            p,
            &[
                ptr("2001:db8::1", "a.example.net"),
                ptr("2001:db8:0::1", "b.example.net"),
            ],
        )
        .await,
    );
    is_validation("remove of nothing", remove(p, &[]).await);
    is_validation("remove with a repeated IP", remove(p, &[a, a]).await);
    is_validation("plan of nothing", plan(p, &[], &PlanOptions::new()).await);
    is_validation(
        "plan with a repeated IP",
        plan(
            p,
            &[
                ptr("192.0.2.1", "a.example.net"),
                ptr("192.0.2.1", "a.example.net"),
            ],
            &PlanOptions::new(),
        )
        .await,
    );

    // An empty lookup is an empty batch: a validation error, nothing sent.
    let err = p.get(&[]).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation { .. }),
        "get of nothing: {err:?}"
    );

    assert!(
        w.sim.request_counts().is_empty(),
        "requests were sent: {:?}",
        w.sim.request_counts()
    );
}
