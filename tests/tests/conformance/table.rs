//! Rows of the behaviour table in revdns-core's docs that the other case
//! files do not already cover: one function per row, the same outcome on
//! every provider (or the outcome the table gives for the provider's
//! capabilities).

use std::collections::BTreeMap;
use std::net::IpAddr;

use std::time::Duration;

use revdns_conformance::{
    FOREIGN_IP, Subject, Tuning, World, addresses, expected, host, ip, records_for,
};
use revdns_core::{Error, Outcome, PtrChange, PtrRecord, ensure};
use revdns_sim::Faults;

/// An IPv4 address and its IPv4-mapped twin are one address: a batch
/// holding both is refused whole, before any request.
pub(crate) async fn mapped_twin_is_a_duplicate_before_sending<P: Subject>(w: World<P>) {
    let changes = [
        PtrChange::upsert(ip("192.0.2.1"), host("a.example.net")),
        PtrChange::delete(ip("::ffff:192.0.2.1")),
    ];
    let err = w.provider.apply(&changes).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "changes"),
        "{err:?}"
    );
    assert_eq!(w.requests(), 0);
}

/// `get` of 20 addresses, one of which the account does not hold: that one
/// is `None`, the other 19 are answered.
pub(crate) async fn get_of_a_foreign_ip_among_20_answers_the_others<P: Subject>(w: World<P>) {
    let ips = addresses(19);
    let records = records_for(&ips, "get.example.net");
    let report = ensure(&w.provider, &records).await.unwrap();
    assert!(report.is_success(), "{report:?}");

    let foreign = ip(FOREIGN_IP);
    let mut asked = ips.clone();
    asked.insert(7, foreign);
    let found = w.provider.get(&asked).await.unwrap();
    assert_eq!(found.len(), 20);
    assert_eq!(found[&foreign], None);
    let answered: BTreeMap<IpAddr, String> = found
        .into_iter()
        .filter_map(|(ip, r)| Some((ip, r?.target.as_str().to_owned())))
        .collect();
    assert_eq!(answered, expected(&records));
}

/// A TTL or a comment the provider cannot carry fails that change alone,
/// before any request; what it can carry is applied. The outcome follows
/// the provider's capabilities as the table gives it.
pub(crate) async fn ttl_and_comment_follow_the_capabilities<P: Subject>(w: World<P>) {
    let caps = w.provider.capabilities();
    let [plain, with_ttl, too_long_ttl, with_comment] =
        [1, 2, 3, 4].map(|i| ip(&format!("192.0.2.{i}")));
    let changes = [
        PtrChange::upsert(plain, host("plain.example.net")),
        PtrChange::from(PtrRecord::new(with_ttl, host("ttl.example.net")).with_ttl(600)),
        PtrChange::from(PtrRecord::new(too_long_ttl, host("long.example.net")).with_ttl(86_401)),
        PtrChange::from(
            PtrRecord::new(with_comment, host("comment.example.net")).with_comment("web"),
        ),
    ];
    let report = w.provider.apply(&changes).await.unwrap();
    let kind = |i: usize| {
        report.results()[i]
            .outcome
            .error()
            .map_or("ok", Error::kind)
    };

    assert_eq!(kind(0), "ok");
    let mut stored = vec![plain];
    if caps.ttl {
        assert_eq!(kind(1), "ok");
        stored.push(with_ttl);
        match caps.max_ttl {
            Some(max) if max < 86_401 => assert_eq!(kind(2), "validation"),
            _ => {
                assert_eq!(kind(2), "ok");
                stored.push(too_long_ttl);
            }
        }
    } else {
        assert_eq!(kind(1), "unsupported");
        assert_eq!(kind(2), "unsupported");
    }
    if caps.comment {
        assert_eq!(kind(3), "ok");
        stored.push(with_comment);
    } else {
        assert_eq!(kind(3), "unsupported");
    }
    let held: Vec<IpAddr> = w.records().into_keys().collect();
    stored.sort();
    assert_eq!(held, stored, "only what the provider can carry was written");
}

/// A proxy answering 503 with an HTML page: reads are retried, and the
/// error that is left keeps the real status, the operation and the attempts.
pub(crate) async fn html_error_pages_keep_their_status_and_metadata<P: Subject>(w: World<P>) {
    let ips = addresses(4);
    let records = records_for(&ips, "html.example.net");
    // Authenticate first, so the failing request is a PTR request.
    w.provider.get(&ips).await.unwrap();
    w.set_faults(Faults::none().service_unavailable(1.0).html_errors(true));
    let err = w.provider.get(&ips).await.unwrap_err();
    assert_eq!(err.kind(), "api", "{err:?}");
    let meta = err.meta().expect("an error from an answer keeps it");
    assert_eq!(meta.status, Some(503));
    assert!(meta.attempts > 1, "a read is retried: {meta:?}");
    assert!(meta.operation.is_some(), "{meta:?}");
    assert!(
        meta.message
            .as_deref()
            .unwrap_or_default()
            .contains("<html"),
        "the page's excerpt is the message: {meta:?}"
    );
    assert!(err.is_retryable());

    let report = w.provider.apply(&records_changes(&records)).await.unwrap();
    assert_eq!(report.counts().failed, records.len());
    for result in report.iter() {
        let e = result.outcome.error().unwrap();
        assert_eq!(e.status(), Some(503), "{e:?}");
    }
}

fn records_changes(records: &[PtrRecord]) -> Vec<PtrChange> {
    records.iter().cloned().map(PtrChange::from).collect()
}

/// Connections dropped before and after the server acted: no per-change
/// result disagrees with what the simulator holds afterwards, and a second
/// ensure makes the state exact.
pub(crate) async fn lost_answers_never_give_results_that_lie<P: Subject>(w: World<P>) {
    let ips = addresses(40);
    let records = records_for(&ips, "lost.example.net");
    w.set_faults(Faults::none().lost_answers(0.2).dropped_connections(0.05));
    let report = ensure(&w.provider, &records).await.unwrap();
    w.set_faults(Faults::none());
    let held = w.records();
    for (record, result) in records.iter().zip(report.iter()) {
        let landed = held.get(&record.ip).map(String::as_str) == Some(record.target.as_str());
        match &result.outcome {
            Outcome::Failed(e) => assert!(!landed, "{} reported failed but landed: {e}", record.ip),
            ok => assert!(
                landed,
                "{} reported {} but holds {:?}",
                record.ip,
                ok.name(),
                held.get(&record.ip)
            ),
        }
    }
    let again = ensure(&w.provider, &records).await.unwrap();
    assert!(again.is_success(), "{again:?}");
    assert_eq!(w.records(), expected(&records));
}

/// Two applies racing on the same addresses with different targets: one
/// PTR per address afterwards (`World::records` panics on two), holding one
/// of the two targets; both applies report one result per change.
pub(crate) async fn racing_applies_leave_one_ptr_per_address<P: Subject>(w: World<P>) {
    let ips = addresses(30);
    let a = records_for(&ips, "a.race.example.net");
    let b = records_for(&ips, "b.race.example.net");
    let second = P::connect(&w.sim);
    let (changes_a, changes_b) = (records_changes(&a), records_changes(&b));
    let (ra, rb) = tokio::join!(w.provider.apply(&changes_a), second.apply(&changes_b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.len(), rb.len()), (30, 30));
    let held = w.records();
    assert_eq!(held.len(), 30, "{held:?}");
    for ((ra, rb), ip) in a.iter().zip(&b).zip(&ips) {
        let now = held[ip].as_str();
        assert!(
            now == ra.target.as_str() || now == rb.target.as_str(),
            "{ip} holds {now}"
        );
    }
    // Later applies converge on one target.
    let report = ensure(&w.provider, &a).await.unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(w.records(), expected(&a));
}

/// A server that claims another page forever: the lookup stops with
/// `InvalidResponse` instead of filling memory (EDIS has no pages, so its
/// lookups are unaffected).
pub(crate) async fn endless_pages_end_in_an_invalid_response<P: Subject>(w: World<P>) {
    let ips = addresses(2);
    w.provider.get(&ips).await.unwrap();
    w.set_faults(Faults::none().endless_pages(true));
    let result = w.provider.get(&ips).await;
    match w.id() {
        revdns_core::ProviderId::Edis => {
            assert!(result.is_ok(), "EDIS has no pages: {result:?}");
        }
        _ => {
            let err = result.unwrap_err();
            assert_eq!(err.kind(), "invalid_response", "{err:?}");
        }
    }
}

/// Credentials the provider rejects: `Auth`, with the 401 it answered and
/// the operation, on every provider; nothing is written.
pub(crate) async fn rejected_credentials_are_auth_with_the_answer<P: Subject>(w: World<P>) {
    let tuning = Tuning {
        wrong_secret: true,
        ..Tuning::default()
    };
    let client = P::connect_tuned(&w.sim, &tuning);
    let err = client.get(&addresses(2)).await.unwrap_err();
    assert_eq!(err.kind(), "auth", "{err:?}");
    let meta = err.meta().expect("an answer's metadata");
    assert_eq!(meta.status, Some(401), "{meta:?}");
    assert!(meta.operation.is_some(), "{meta:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("not-the-secret"), "{shown}");
    assert_eq!(w.writes(), 0);
}

/// Every attempt slower than its timeout: reads are retried, then
/// `Timeout` with the operation and the attempts made.
pub(crate) async fn a_timeout_after_the_retries_is_a_typed_timeout<P: Subject>(w: World<P>) {
    let ips = addresses(2);
    let tuning = Tuning {
        timeout: Duration::from_millis(150),
        ..Tuning::default()
    };
    let client = P::connect_tuned(&w.sim, &tuning);
    // Log in first, while the server is quick.
    client.get(&ips).await.unwrap();
    w.set_faults(Faults::none().latency(Duration::from_millis(400)));
    let err = client.get(&ips).await.unwrap_err();
    assert_eq!(err.kind(), "timeout", "{err:?}");
    let meta = err.meta().expect("operation and attempts");
    assert!(meta.attempts > 1, "reads are retried: {meta:?}");
    assert_eq!(meta.status, None);
}

/// A client with `deadline` per operation that has read `ips` once (so
/// that it holds its session or token).
async fn logged_in_with_deadline<P: Subject>(
    w: &World<P>,
    ips: &[IpAddr],
    deadline: Duration,
) -> P {
    let tuning = Tuning {
        deadline: Some(deadline),
        ..Tuning::default()
    };
    let client = P::connect_tuned(&w.sim, &tuning);
    client.get(ips).await.unwrap();
    client
}

/// An operation that cannot finish in time: `Deadline`, whatever the
/// retries were doing.
pub(crate) async fn an_operation_past_its_deadline_is_a_deadline_error<P: Subject>(w: World<P>) {
    let ips = addresses(2);
    let client = logged_in_with_deadline(&w, &ips, Duration::from_millis(300)).await;
    w.set_faults(
        Faults::none()
            .latency(Duration::from_millis(50))
            .service_unavailable(1.0),
    );
    let err = client.get(&ips).await.unwrap_err();
    assert_eq!(err.kind(), "deadline", "{err:?}");
    assert!(err.meta().is_some_and(|m| m.operation.is_some()), "{err:?}");
}

/// An answer slower than the deadline (3 s, with 300 ms to go): the call
/// ends at the deadline with `Deadline`, after its one attempt, instead of
/// waiting out the answer or the 30 s per-attempt timeout.
pub(crate) async fn an_answer_slower_than_the_deadline_is_cut_at_it<P: Subject>(w: World<P>) {
    let ips = addresses(2);
    let client = logged_in_with_deadline(&w, &ips, Duration::from_millis(300)).await;
    w.set_faults(Faults::none().latency(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let err = client.get(&ips).await.unwrap_err();
    assert_eq!(err.kind(), "deadline", "{err:?}");
    assert_eq!(err.attempts(), 1, "no attempt after the deadline: {err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ended after {:?}",
        started.elapsed()
    );
}

/// An answer larger than the client reads (32 MiB by default):
/// `InvalidResponse` with the real status, not a client that fills memory.
pub(crate) async fn an_oversized_answer_is_an_invalid_response<P: Subject>(w: World<P>) {
    let ips = addresses(2);
    w.provider.get(&ips).await.unwrap();
    w.set_faults(Faults::none().oversized_bodies(33 * 1024 * 1024));
    let err = w.provider.get(&ips).await.unwrap_err();
    assert_eq!(err.kind(), "invalid_response", "{err:?}");
    assert_eq!(err.status(), Some(200));
}

/// A read answer streamed in chunks with no `Content-Length` (its JSON in
/// pieces of 100 bytes, then 64 KiB blocks of spaces, 320 KiB in all):
/// read whole and decoded, the same PTRs as from a plain answer.
pub(crate) async fn an_answer_in_chunks_is_read_whole<P: Subject>(w: World<P>) {
    let ips = addresses(3);
    let records = records_for(&ips, "chunked.example.net");
    let report = ensure(&w.provider, &records).await.unwrap();
    assert!(report.is_success(), "{report:?}");
    w.set_faults(Faults::none().oversized_bodies(320 * 1024));
    let found = w.provider.get(&ips).await.unwrap();
    let answered: BTreeMap<IpAddr, String> = found
        .into_iter()
        .filter_map(|(ip, r)| Some((ip, r?.target.as_str().to_owned())))
        .collect();
    assert_eq!(answered, expected(&records));
}

/// 403, 404 and 409 answers, whatever the operation: the kind the status
/// gives, with the status, the provider's message and the operation in
/// the metadata; not retried.
pub(crate) async fn refusals_keep_their_kind_and_answer<P: Subject>(w: World<P>) {
    let ips = addresses(2);
    // Log in first: the forced answers are for the PTR requests.
    w.provider.get(&ips).await.unwrap();
    for (status, kind) in [(403, "forbidden"), (404, "not_found"), (409, "conflict")] {
        w.set_faults(Faults::none().forced_status(status));
        w.reset_counts();
        let err = w.provider.get(&ips).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err:?}");
        let meta = err.meta().expect("an answer's metadata");
        assert_eq!(meta.status, Some(status));
        assert_eq!(meta.attempts, 1, "a refusal is not retried: {meta:?}");
        assert!(meta.operation.is_some());
        assert_eq!(
            meta.message.as_deref(),
            Some("Answer forced by the simulator."),
            "{meta:?}"
        );
        assert!(!err.is_retryable());
        assert_eq!(w.requests(), 1, "{status}");
    }
}
