//! `impl PtrProvider for Client`.
//!
//! EDIS answers a whole batch with one `status`, so [`apply`] reads the
//! IPs before writing, to skip what is already right and to tell created
//! from updated. A batch answered `success` is taken to cover each of its
//! IPs; a batch whose answer was lost is read back, so each IP still gets
//! its own honest result. For `n` changes that all need writing, with
//! chunk size `c`, that is one session request plus `2 × ⌈n / c⌉` PTR
//! requests ([`Builder::read_back`] adds `⌈n / c⌉` to read every write
//! back).
//!
//! EDIS also refuses a whole request (HTTP 400) when a single IP in it is
//! bad, for example one the VPS does not own. A refused chunk of more than
//! one IP is therefore split in halves, and each half sent again, until
//! every refused part is a single IP: the good IPs go through and the bad
//! one fails alone. See [`isolating`] for the cost.
//!
//! [`apply`]: revdns_core::PtrProvider::apply
//! [`Builder::read_back`]: crate::Builder::read_back

use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;

use futures_util::stream::{self, BoxStream, StreamExt};
use revdns_core::apply::{self, Progress};
use revdns_core::gate::{self, Gate, Gated, plan_of};
use revdns_core::record::lookup_set;
use revdns_core::sync::satisfies;
use revdns_core::{
    Capabilities, Enumeration, Error, Hostname, Outcome, ProviderId, PtrChange, PtrProvider,
    PtrRecord,
};

use crate::client::Client;

const P: ProviderId = ProviderId::Edis;

impl PtrProvider for Client {
    fn id(&self) -> ProviderId {
        P
    }

    /// IPv4 and IPv6; no TTL, no comment; batches of
    /// [`chunk_size`](Client::chunk_size); batch answers are not per item;
    /// no enumeration.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_ipv4(true)
            .with_ipv6(true)
            .with_ttl(false)
            .with_comment(false)
            .with_max_batch(Some(self.chunk_size()))
            .with_batch_reports_per_item(false)
            .with_enumeration(Enumeration::None)
    }

    /// Reads [`chunk_size`](Client::chunk_size) IPs per request. EDIS
    /// refuses a whole request when one IP in it is not the VPS's, so a
    /// refused chunk is split until that IP stands alone; it has no PTR
    /// here (`None`), and the others are answered. When every IP of a
    /// lookup of two or more is refused that way, the refusal is returned:
    /// it is about the request, not the IPs.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty `ips`, before any request; else
    /// the first failure that is not such a refusal.
    async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
        let ips = lookup_set(ips)?;
        if let [ip] = ips[..] {
            // One request, without the splitting machinery (one IP cannot
            // be split) or the maps of many.
            let record = answered(ip, self.get_one(ip).await)?;
            return Ok(BTreeMap::from([(ip, record)]));
        }
        let mut results = self.read_each(&ips).await;
        // Every IP refused on its own: the refusal is about the request
        // (its session fields, the VPS), not about the IPs, and reading them
        // all as "no PTR" would lie.
        if results
            .values()
            .all(|r| matches!(r, Err(Error::Rejected { .. })))
        {
            let (_, first) = results.pop_first().expect("at least two IPs");
            return Err(first.expect_err("checked above"));
        }
        results
            .into_iter()
            .map(|(ip, result)| Ok((ip, answered(ip, result)?)))
            .collect()
    }

    /// EDIS cannot list the PTRs of a VPS: one [`Error::Unsupported`].
    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
        stream::iter([Err(Error::unsupported(P, "listing PTR records"))]).boxed()
    }

    /// Applies `changes` with a read before the writes.
    ///
    /// - A change with a TTL or comment fails with [`Error::Unsupported`]
    ///   and is not sent; the others go ahead.
    /// - An upsert to the current target, or a delete of an IP without a
    ///   PTR, is [`Outcome::Unchanged`] and is not sent.
    /// - A write answered `success` is created, updated or deleted, as the
    ///   read before says.
    /// - A write whose answer leaves open whether it landed (a lost
    ///   connection, a timeout, a 5xx, after the runtime's retries) is read
    ///   back: created, updated or deleted if the IP now reads as intended,
    ///   else it fails with the write's error. With
    ///   [`Builder::read_back`](crate::Builder::read_back) every written IP
    ///   is read back, and one that does not read as intended fails with
    ///   [`Error::InvalidResponse`] saying what it reads as.
    /// - A chunk that EDIS refuses as a bad request (HTTP 400), reading or
    ///   writing, is split in halves until the refused parts are single
    ///   IPs, so one bad IP (say, one the VPS does not own) fails alone
    ///   with [`Error::Rejected`] and the others go through.
    /// - Any other failed request fails every change in its part; after a
    ///   failure no session can get past (refused credentials) the rest
    ///   are not sent and fail with a copy of that error. Lost connections,
    ///   timeouts and throttling were already retried by the runtime and
    ///   fail only their own chunk.
    ///
    /// Dropping the future between requests may leave chunks written but
    /// not reported.
    async fn apply_with_gate(
        &self,
        changes: &[PtrChange],
        gate: Option<&Gate<'_>>,
        progress: &Progress<'_>,
    ) -> Result<Gated, Error> {
        let (pending, outcomes) = apply::prepare_for(self, changes, progress)?;
        let todo: BTreeMap<usize, PtrChange> = pending.into_iter().collect();

        // Read before writing.
        let ips: Vec<IpAddr> = todo.values().map(PtrChange::ip).collect();
        let mut before = self.read_each(&ips).await;
        let mut sets: Vec<usize> = Vec::new();
        let mut deletes: Vec<usize> = Vec::new();
        // What the read found per IP: the gate's plan, and the read-back's
        // "did it exist before".
        let mut read: BTreeMap<IpAddr, Option<PtrRecord>> = BTreeMap::new();
        for (&i, change) in &todo {
            let ip = change.ip();
            let current = match before.remove(&ip) {
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    outcomes.settle(i, Outcome::Failed(e));
                    continue;
                }
                None => continue,
            };
            let current = current.map(|t| PtrRecord::new(ip, t));
            read.insert(ip, current.clone());
            match change.desired() {
                Some(desired) if satisfies(current.as_ref(), &desired) => {
                    outcomes.settle(i, Outcome::Unchanged);
                }
                None if current.is_none() => outcomes.settle(i, Outcome::Unchanged),
                Some(_) => sets.push(i),
                None => deletes.push(i),
            }
        }

        let asked = gate::ask(gate, || plan_of(todo.values(), |ip| read.get(&ip).cloned()));
        let plan = match asked {
            Ok(plan) => plan,
            Err(plan) => return Ok(Gated::Declined { plan }),
        };

        // Write.
        let mut written: Vec<usize> = Vec::new();
        let set = |part: &[usize]| {
            let ptrs: Vec<(IpAddr, Hostname)> = part
                .iter()
                .filter_map(|i| Some((todo[i].ip(), todo[i].target()?.clone())))
                .collect();
            async move { self.set_chunk(&ptrs).await }
        };
        let delete = |part: &[usize]| {
            let ips: Vec<IpAddr> = part.iter().map(|i| todo[i].ip()).collect();
            async move { self.delete_chunk(&ips).await }
        };
        // A write answered `success` is settled from the read before; one
        // whose answer leaves open whether it landed is read back, keeping
        // its error should it not have landed.
        let read_back = self.reads_back();
        let mut uncertain: BTreeMap<usize, Error> = BTreeMap::new();
        let mut settle = |part: &[usize], result: Result<(), Error>| match result {
            Ok(()) if read_back => written.extend_from_slice(part),
            Ok(()) => {
                for &i in part {
                    let existed = read[&todo[&i].ip()].is_some();
                    outcomes.settle(i, done(&todo[&i], existed));
                }
            }
            Err(e) if e.may_have_been_applied() => {
                written.extend_from_slice(part);
                for &i in part {
                    uncertain.insert(i, e.duplicate());
                }
            }
            Err(e) => outcomes.fail_all(part.iter().copied(), &e),
        };
        // One `fatal` across sets and deletes: after a failure that would
        // repeat, nothing more is sent.
        let mut fatal: Option<Error> = None;
        in_chunks(&sets, self.chunk_size(), &mut fatal, set, &mut settle).await;
        in_chunks(&deletes, self.chunk_size(), &mut fatal, delete, &mut settle).await;

        // Read back what needs it.
        written.sort_unstable();
        let ips: Vec<IpAddr> = written.iter().map(|i| todo[i].ip()).collect();
        let mut after = self.read_each(&ips).await;
        for &i in &written {
            let ip = todo[&i].ip();
            let outcome = match after.remove(&ip) {
                Some(Err(e)) => Outcome::Failed(uncertain.remove(&i).unwrap_or(e)),
                Some(Ok(now)) => match verify(&todo[&i], read[&ip].is_some(), now) {
                    Outcome::Failed(e) => Outcome::Failed(uncertain.remove(&i).unwrap_or(e)),
                    done => done,
                },
                None => continue,
            };
            outcomes.settle(i, outcome);
        }
        Ok(Gated::Applied {
            plan,
            report: outcomes.finish(),
        })
    }
}

impl Client {
    /// Reads `ips` chunk by chunk; each IP gets its own result. A chunk
    /// refused as a bad request is split (see [`isolating`]). After a
    /// failure that would repeat (see [`is_fatal`]) the rest is not sent.
    async fn read_each(&self, ips: &[IpAddr]) -> BTreeMap<IpAddr, Result<Option<Hostname>, Error>> {
        let mut out = BTreeMap::new();
        let settle =
            |part: &[IpAddr], result: Result<BTreeMap<IpAddr, Option<Hostname>>, Error>| {
                match result {
                    Ok(found) => out.extend(found.into_iter().map(|(ip, t)| (ip, Ok(t)))),
                    Err(e) => {
                        for ip in part {
                            out.insert(*ip, Err(e.duplicate()));
                        }
                    }
                }
            };
        let get = |part| self.get_chunk(part);
        in_chunks(ips, self.chunk_size(), &mut None, get, settle).await;
        out
    }
}

/// What the lookup of `ip` says of its PTR. A lone IP refused as a bad
/// request is one EDIS does not let this VPS read: it holds no PTR here.
fn answered(
    ip: IpAddr,
    result: Result<Option<Hostname>, Error>,
) -> Result<Option<PtrRecord>, Error> {
    match result {
        Ok(target) => Ok(target.map(|t| PtrRecord::new(ip, t))),
        Err(Error::Rejected { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sends `items` as one request with `send`. When EDIS refuses the request
/// as bad ([`refused_as_bad_request`]) and it holds more than one item, the
/// items are split in halves and each half is sent the same way, so that
/// a bad item ends up failing alone while the others go through. Returns
/// the result of every part that was not split further, in item order.
///
/// Cost: one request when the part is accepted. One bad IP among `c` costs
/// at most `2 × ⌈log2 c⌉` requests more (both halves of each split on its
/// way down); `k` bad IPs at most `k` times that. A request EDIS refuses
/// whatever its IPs (every part fails) costs `2c − 1` requests before each
/// IP is reported failed.
async fn isolating<'a, T, R, F, Fut>(items: &'a [T], send: F) -> Vec<(&'a [T], Result<R, Error>)>
where
    F: Fn(&'a [T]) -> Fut,
    Fut: Future<Output = Result<R, Error>>,
{
    let mut done = Vec::new();
    // Last in, first out: the left half is sent first, keeping item order.
    let mut todo = vec![items];
    while let Some(part) = todo.pop() {
        match send(part).await {
            Err(e) if part.len() > 1 && refused_as_bad_request(&e) => {
                tracing::debug!(
                    provider = "edis",
                    ips = part.len(),
                    "batch refused as a bad request; sending each half on its own"
                );
                let (left, right) = part.split_at(part.len() / 2);
                todo.push(right);
                todo.push(left);
            }
            result => done.push((part, result)),
        }
    }
    done
}

/// Whether EDIS refused a request as bad ([`Error::Rejected`], HTTP 400
/// whatever its body). With one status per batch, that may be the fault of
/// a single IP in it.
fn refused_as_bad_request(e: &Error) -> bool {
    matches!(e, Error::Rejected { .. })
}

/// Sends `items` chunk by chunk, each through [`isolating`], and hands every
/// part's result to `settle`. Once a failure that would repeat ([`is_fatal`])
/// is in `fatal`, the remaining chunks are not sent: they are settled with a
/// copy of that error.
async fn in_chunks<'a, T, R, F, Fut>(
    items: &'a [T],
    size: usize,
    fatal: &mut Option<Error>,
    send: F,
    mut settle: impl FnMut(&'a [T], Result<R, Error>),
) where
    F: Fn(&'a [T]) -> Fut,
    Fut: Future<Output = Result<R, Error>>,
{
    for chunk in items.chunks(size) {
        let parts = match fatal.as_ref() {
            Some(e) => vec![(chunk, Err(e.duplicate()))],
            None => isolating(chunk, &send).await,
        };
        for (part, result) in parts {
            if let Err(e) = &result
                && fatal.is_none()
                && is_fatal(e)
            {
                *fatal = Some(e.duplicate());
            }
            settle(part, result);
        }
    }
}

/// The outcome of a write EDIS answered `success`, from the read before.
fn done(change: &PtrChange, existed: bool) -> Outcome {
    match (change.target(), existed) {
        (Some(_), true) => Outcome::Updated,
        (Some(_), false) => Outcome::Created,
        (None, _) => Outcome::Deleted,
    }
}

/// The outcome of a write read back as `now`.
fn verify(change: &PtrChange, existed: bool, now: Option<Hostname>) -> Outcome {
    let ip = change.ip();
    match (change.target(), &now) {
        (Some(target), Some(t)) if t == target => done(change, existed),
        (None, None) => done(change, existed),
        _ => Outcome::Failed(not_applied(ip, now.as_ref())),
    }
}

fn not_applied(ip: IpAddr, now: Option<&Hostname>) -> Error {
    let reads = match now {
        Some(t) => format!("still points to {t}"),
        None => "has no PTR".to_owned(),
    };
    Error::invalid_response(
        P,
        format!("EDIS accepted the batch but {ip} {reads} when read back"),
    )
}

/// Failures that the next request would certainly meet too: no session
/// can be had (refused credentials, no such VPS). A lost connection, a
/// timeout or throttling is not: the runtime already retried it, and the
/// next chunk is sent on its own (the shared retry budget keeps a failing
/// service from being flooded).
fn is_fatal(e: &Error) -> bool {
    matches!(e, Error::Auth { .. } | Error::Validation { .. })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Sends `items` through [`isolating`] with a server that refuses (400)
    /// any part holding an item of `bad`; returns the parts' results and
    /// the size of every request sent.
    async fn isolate(
        items: &[u32],
        bad: &[u32],
        refusal: fn() -> Error,
    ) -> (Vec<(Vec<u32>, bool)>, Vec<usize>) {
        let sent = Mutex::new(Vec::new());
        let parts = isolating(items, |part: &[u32]| {
            sent.lock().unwrap().push(part.len());
            let refused = part.iter().any(|i| bad.contains(i));
            async move {
                if refused {
                    Err(refusal())
                } else {
                    Ok(part.len())
                }
            }
        })
        .await;
        let parts = parts
            .into_iter()
            .map(|(part, result)| (part.to_vec(), result.is_ok()))
            .collect();
        (parts, sent.into_inner().unwrap())
    }

    fn bad_request() -> Error {
        Error::rejected(P, "IP address 192.0.2.8 is not assigned")
    }

    #[tokio::test]
    async fn isolating_splits_a_refused_chunk_until_the_bad_item_is_alone() {
        let items: Vec<u32> = (0..20).collect();
        let (parts, sent) = isolate(&items, &[7], bad_request).await;
        let failed: Vec<&Vec<u32>> = parts.iter().filter(|(_, ok)| !ok).map(|(p, _)| p).collect();
        assert_eq!(failed, [&vec![7]]);
        let flat: Vec<u32> = parts.iter().flat_map(|(p, _)| p.clone()).collect();
        assert_eq!(flat, items, "every item once, in order");
        // 20, then 0..10 (refused) and its halves 0..5, 5..10 (refused), then
        // 5..7, 7..10 (refused), then 7 alone and 8..10; finally 10..20.
        assert_eq!(sent, [20, 10, 5, 5, 2, 3, 1, 2, 10]);
        assert!(sent.len() <= 1 + 2 * 5, "1 + 2 × ⌈log2 20⌉");
    }

    #[tokio::test]
    async fn isolating_sends_an_accepted_chunk_once() {
        let (parts, sent) = isolate(&[1, 2, 3], &[], bad_request).await;
        assert_eq!(parts, [(vec![1, 2, 3], true)]);
        assert_eq!(sent, [3]);
    }

    #[tokio::test]
    async fn isolating_does_not_split_other_failures() {
        let (parts, sent) = isolate(&[1, 2, 3, 4], &[2], || Error::api(P, 500, "boom")).await;
        assert_eq!(parts, [(vec![1, 2, 3, 4], false)]);
        assert_eq!(sent, [4]);
        let (_, sent) = isolate(&[1, 2, 3, 4], &[2], || Error::auth(P, "expired")).await;
        assert_eq!(sent, [4]);
    }

    #[tokio::test]
    async fn isolating_a_chunk_refused_whatever_it_holds_costs_2c_minus_1() {
        let items = [1, 2, 3, 4];
        let (parts, sent) = isolate(&items, &items, bad_request).await;
        assert_eq!(parts.len(), 4);
        assert!(parts.iter().all(|(p, ok)| p.len() == 1 && !ok));
        assert_eq!(sent.len(), 7);
    }

    #[test]
    fn fatal_errors_are_only_the_session_ones() {
        assert!(is_fatal(&Error::auth(P, "x")));
        assert!(is_fatal(&Error::validation_for(P, "EDIS_KVM_ID", "x")));
        assert!(!is_fatal(&Error::timeout(P)));
        assert!(!is_fatal(&Error::transport(P, "reset")));
        assert!(!is_fatal(&Error::rate_limited(P, None)));
        assert!(!is_fatal(&Error::rejected(P, "bad ip")));
        assert!(!is_fatal(&Error::api(P, 500, "x")));
    }

    #[test]
    fn verify_table() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = Hostname::new("a.example.net").unwrap();
        let b = Hostname::new("b.example.net").unwrap();
        let up = PtrChange::upsert(ip, a.clone());
        let del = PtrChange::delete(ip);
        assert!(matches!(
            verify(&up, false, Some(a.clone())),
            Outcome::Created
        ));
        assert!(matches!(
            verify(&up, true, Some(a.clone())),
            Outcome::Updated
        ));
        assert!(matches!(
            verify(&up, true, Some(b.clone())),
            Outcome::Failed(_)
        ));
        assert!(matches!(verify(&up, false, None), Outcome::Failed(_)));
        assert!(matches!(verify(&del, true, None), Outcome::Deleted));
        let Outcome::Failed(e) = verify(&del, true, Some(b)) else {
            panic!("expected a failure");
        };
        assert!(
            e.to_string().contains("still points to b.example.net"),
            "{e}"
        );
    }
}
