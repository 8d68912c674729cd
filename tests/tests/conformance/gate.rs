//! `apply_gated`: the plan of the provider's own read is shown before any
//! write, a declined gate writes nothing, and an accepted one costs what a
//! plain `apply` costs.

use std::sync::Mutex;

use revdns_conformance::{Subject, World, assert_success, ip, outcomes, ptr};
use revdns_core::{Gated, Plan, PtrChange, ensure};

/// Preloads a PTR to update, one that already matches and one to delete,
/// and returns the changes: update, create, unchanged, delete, and a
/// delete of an absent PTR.
async fn setup<P: Subject>(w: &World<P>) -> Vec<PtrChange> {
    let preload = [
        ptr("192.0.2.1", "old.example.net"),
        ptr("192.0.2.3", "same.example.net"),
        ptr("192.0.2.4", "gone.example.net"),
    ];
    assert_success(&ensure(&w.provider, &preload).await.unwrap());
    w.reset_counts();
    vec![
        PtrChange::from(ptr("192.0.2.1", "new.example.net")),
        PtrChange::from(ptr("192.0.2.2", "fresh.example.net")),
        PtrChange::from(ptr("192.0.2.3", "same.example.net")),
        PtrChange::delete(ip("192.0.2.4")),
        PtrChange::delete(ip("192.0.2.5")),
    ]
}

fn assert_plan(plan: &Plan) {
    let names = |records: &[revdns_core::PtrRecord]| {
        records
            .iter()
            .map(|r| (r.ip, r.target.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&plan.creates),
        vec![(ip("192.0.2.2"), "fresh.example.net".to_owned())]
    );
    assert_eq!(plan.updates.len(), 1);
    assert_eq!(plan.updates[0].from.target.to_string(), "old.example.net");
    assert_eq!(plan.updates[0].to.target.to_string(), "new.example.net");
    assert_eq!(
        names(&plan.unchanged),
        vec![(ip("192.0.2.3"), "same.example.net".to_owned())]
    );
    assert_eq!(
        names(&plan.deletes),
        vec![(ip("192.0.2.4"), "gone.example.net".to_owned())]
    );
    assert_eq!(plan.existing, 3);
}

/// A gate that says no sees the plan of what the provider holds, and
/// nothing is written.
pub(crate) async fn a_declined_gate_sees_the_plan_and_nothing_is_written<P: Subject>(w: World<P>) {
    let changes = setup(&w).await;
    let seen: Mutex<Option<Plan>> = Mutex::new(None);
    let gate = |plan: &Plan| {
        *seen.lock().unwrap() = Some(plan.clone());
        false
    };
    let gated = w
        .provider
        .apply_gated(&changes, &gate, &|_, _, _| {})
        .await
        .unwrap();
    let Gated::Declined { plan } = gated else {
        panic!("{}: the gate declined, yet it applied", w.id());
    };
    assert_plan(&plan);
    assert_eq!(seen.lock().unwrap().as_ref(), Some(&plan));
    assert_eq!(w.writes(), 0, "{}: a declined gate wrote", w.id());
    let held = w.records();
    assert_eq!(held[&ip("192.0.2.1")], "old.example.net");
    assert_eq!(held[&ip("192.0.2.4")], "gone.example.net");
}

/// An accepted gate applies with one result per change, in input order, at
/// the request cost of a plain `apply` from the same state.
pub(crate) async fn an_accepted_gate_costs_what_apply_costs<P: Subject>(w: World<P>) {
    let changes = setup(&w).await;
    let gated = w
        .provider
        .apply_gated(&changes, &|_: &Plan| true, &|_, _, _| {})
        .await
        .unwrap();
    let Gated::Applied { plan, report } = gated else {
        panic!("{}: the gate agreed, yet nothing was applied", w.id());
    };
    assert_plan(&plan);
    assert_eq!(
        outcomes(&report),
        ["updated", "created", "unchanged", "deleted", "unchanged"],
        "{}",
        w.id()
    );
    let gated_requests = w.requests();
    let held = w.records();
    assert_eq!(held[&ip("192.0.2.1")], "new.example.net");
    assert_eq!(held[&ip("192.0.2.2")], "fresh.example.net");
    assert!(!held.contains_key(&ip("192.0.2.4")));

    let plain = World::<P>::start().await;
    let changes = setup(&plain).await;
    let report = plain.provider.apply(&changes).await.unwrap();
    assert_eq!(
        outcomes(&report),
        ["updated", "created", "unchanged", "deleted", "unchanged"]
    );
    assert_eq!(
        gated_requests,
        plain.requests(),
        "{}: the gated apply read twice",
        w.id()
    );
}
