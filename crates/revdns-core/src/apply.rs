//! The skeleton every provider's [`apply`](crate::PtrProvider::apply) is
//! built on: checks a batch once, from the provider's [`Capabilities`],
//! hands the provider only what it can carry out, and guarantees exactly one
//! result per change, in input order, reported to a progress callback as
//! each completes.
//!
//! ```
//! use revdns_core::apply::{Outcomes, prepare};
//! use revdns_core::{Capabilities, Hostname, Outcome, ProviderId, PtrChange, PtrRecord};
//!
//! let caps = Capabilities::new(); // no TTLs
//! let host = Hostname::new("a.example.net")?;
//! let changes = [
//!     PtrChange::upsert("192.0.2.1".parse()?, host.clone()),
//!     PtrChange::from(PtrRecord::new("192.0.2.2".parse()?, host).with_ttl(60)),
//! ];
//! let (pending, outcomes) = prepare(ProviderId::Edis, &caps, &changes, None)?;
//! // The TTL change failed before sending; only the first is left to do.
//! assert_eq!(pending.len(), 1);
//! for (index, _change) in pending {
//!     outcomes.settle(index, Outcome::Created);
//! }
//! let report = outcomes.finish();
//! assert_eq!(report.counts().created, 1);
//! assert_eq!(report.counts().failed, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use crate::record::{canonical_ip, check_write_target, validate_changes};
use crate::{ApplyReport, Capabilities, Error, Outcome, ProviderId, PtrChange, PtrProvider};

/// Called once per change as soon as its outcome is known: the change's
/// index in the input, the change, and its outcome. Calls may come in any
/// order; each index comes once.
pub type Progress<'a> = dyn Fn(usize, &PtrChange, &Outcome) + Send + Sync + 'a;

/// A change the provider must carry out: its index in the input and the
/// change with its address made canonical (see
/// [`canonical_ip`]).
pub type Pending = (usize, PtrChange);

/// Checks `changes` and splits them into what the provider must do and
/// what already failed.
///
/// - The whole batch is refused ([`validate_changes`]): empty, an address
///   twice (an IPv4 address and its IPv4-mapped twin count as one), a bad
///   comment.
/// - A change the provider cannot carry fails alone, before any request,
///   and the others go on: an address family the provider lacks
///   ([`Error::Unsupported`]), a TTL on a provider without TTLs
///   ([`Error::Unsupported`]), a TTL above the provider's
///   [`max_ttl`](Capabilities::max_ttl) ([`Error::Validation`], field
///   `ttl`), a comment on a provider without comments ([`Error::Unsupported`])
///   or longer than its [`max_comment_chars`](Capabilities::max_comment_chars)
///   ([`Error::Validation`], field `comment`), a target that breaks the write
///   rule, such as a name read from the provider and given back
///   ([`Hostname::is_writable`](crate::Hostname::is_writable);
///   [`Error::Validation`], field `hostname`).
///
/// # Errors
///
/// [`Error::Validation`] for a batch refused whole, before any request.
pub fn prepare<'a>(
    provider: ProviderId,
    caps: &Capabilities,
    changes: &[PtrChange],
    progress: Option<&'a Progress<'a>>,
) -> Result<(Vec<Pending>, Outcomes<'a>), Error> {
    validate_changes(changes)?;
    let outcomes = Outcomes {
        slots: Mutex::new(changes.iter().map(|_| None).collect()),
        changes: changes.to_vec(),
        progress,
        provider: Some(provider),
    };
    let mut pending = Vec::with_capacity(changes.len());
    for (index, change) in changes.iter().enumerate() {
        match refusal(provider, caps, change) {
            Some(err) => outcomes.settle(index, Outcome::Failed(err)),
            None => pending.push((index, canonical(change))),
        }
    }
    Ok((pending, outcomes))
}

/// [`prepare`] with the provider's own id and capabilities.
///
/// # Errors
///
/// As [`prepare`].
pub fn prepare_for<'a, P: PtrProvider + ?Sized>(
    provider: &P,
    changes: &[PtrChange],
    progress: &'a Progress<'a>,
) -> Result<(Vec<Pending>, Outcomes<'a>), Error> {
    prepare(
        provider.id(),
        &provider.capabilities(),
        changes,
        Some(progress),
    )
}

/// Why `caps` rule `change` out, if they do.
fn refusal(provider: ProviderId, caps: &Capabilities, change: &PtrChange) -> Option<Error> {
    let ip = canonical_ip(change.ip());
    if !caps.supports_ip(ip) {
        let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
        return Some(Error::unsupported(provider, format!("{family} PTRs")));
    }
    let PtrChange::Upsert { ttl, comment, .. } = change else {
        return None;
    };
    // The batch passed `validate_changes` already; only the target is left.
    if let Err(err) = check_write_target(change) {
        return Some(err);
    }
    match (ttl, caps.ttl, caps.max_ttl) {
        (Some(_), false, _) => {
            return Some(Error::unsupported(provider, "TTLs on PTR records"));
        }
        (Some(t), true, Some(max)) if *t > max => {
            return Some(Error::validation_for(
                provider,
                "ttl",
                format!("TTL {t} for {ip} is above the maximum of {max} seconds"),
            ));
        }
        _ => {}
    }
    match comment {
        Some(_) if !caps.comment => Some(Error::unsupported(provider, "comments on PTR records")),
        Some(text) => {
            crate::input::check_comment(Some(provider), ip, text, caps.max_comment_chars).err()
        }
        None => None,
    }
}

fn canonical(change: &PtrChange) -> PtrChange {
    let mut change = change.clone();
    match &mut change {
        PtrChange::Upsert { ip, .. } | PtrChange::Delete { ip } => *ip = canonical_ip(*ip),
    }
    change
}

/// The outcomes of one apply, filled in as changes complete; see
/// [`prepare`].
pub struct Outcomes<'a> {
    slots: Mutex<Vec<Option<Outcome>>>,
    /// The batch as given: what progress calls and the report show.
    changes: Vec<PtrChange>,
    progress: Option<&'a Progress<'a>>,
    provider: Option<ProviderId>,
}

impl std::fmt::Debug for Outcomes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcomes")
            .field("changes", &self.changes.len())
            .field("settled", &self.settled())
            .finish_non_exhaustive()
    }
}

impl Outcomes<'_> {
    /// Records the outcome of the change at `index` and reports it. A
    /// second outcome for the same change is a bug in the provider: it is
    /// logged and ignored, so the report keeps the first.
    pub fn settle(&self, index: usize, outcome: Outcome) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(slot) = slots.get_mut(index) else {
            tracing::error!(index, "outcome for a change that does not exist");
            return;
        };
        if slot.is_some() {
            tracing::error!(index, "second outcome for one change ignored");
            return;
        }
        if let Some(progress) = self.progress {
            progress(index, &self.changes[index], &outcome);
        }
        *slot = Some(outcome);
    }

    /// Fails every change in `indices` with `err` (copies of it).
    pub fn fail_all(&self, indices: impl IntoIterator<Item = usize>, err: &Error) {
        for index in indices {
            self.settle(index, Outcome::Failed(err.duplicate()));
        }
    }

    /// Whether the change at `index` has its outcome.
    pub fn is_settled(&self, index: usize) -> bool {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(index)
            .is_some_and(Option::is_some)
    }

    fn settled(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|s| s.is_some())
            .count()
    }

    /// The report: one result per change of the batch given to
    /// [`prepare`], as given, in input order. A change the provider never
    /// settled is reported failed (and logged), never left out.
    pub fn finish(self) -> ApplyReport {
        let mut report = ApplyReport::with_capacity(self.changes.len());
        let slots = self
            .slots
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        for (index, (change, slot)) in self.changes.into_iter().zip(slots).enumerate() {
            let outcome = slot.unwrap_or_else(|| {
                let ip: IpAddr = change.ip();
                tracing::error!(index, %ip, "change left without an outcome");
                Outcome::Failed(Error::internal(
                    self.provider,
                    format!("the change for {ip} was left without an outcome"),
                ))
            });
            report.push(change, outcome);
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::{Hostname, PtrRecord};

    const P: ProviderId = ProviderId::Ecl;

    fn host() -> Hostname {
        Hostname::new("a.example.net").unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn capability_mismatches_fail_alone_before_sending() {
        let caps = Capabilities::new()
            .with_ipv6(false)
            .with_ttl(true)
            .with_max_ttl(Some(86_400));
        let changes = [
            PtrChange::upsert(ip("192.0.2.1"), host()),
            PtrChange::upsert(ip("2001:db8::1"), host()),
            PtrChange::from(PtrRecord::new(ip("192.0.2.2"), host()).with_ttl(86_401)),
            PtrChange::from(PtrRecord::new(ip("192.0.2.3"), host()).with_comment("c")),
            PtrChange::delete(ip("192.0.2.4")),
        ];
        let (pending, outcomes) = prepare(P, &caps, &changes, None).unwrap();
        let left: Vec<usize> = pending.iter().map(|(i, _)| *i).collect();
        assert_eq!(left, [0, 4]);
        for (i, _) in pending {
            outcomes.settle(i, Outcome::Unchanged);
        }
        let report = outcomes.finish();
        let kinds: Vec<&str> = report
            .iter()
            .map(|r| r.outcome.error().map_or("ok", Error::kind))
            .collect();
        assert_eq!(
            kinds,
            ["ok", "unsupported", "validation", "unsupported", "ok"]
        );
    }

    #[test]
    fn an_ipv4_mapped_twin_is_a_duplicate_and_addresses_are_made_canonical() {
        let caps = Capabilities::new();
        let twins = [
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("::ffff:192.0.2.1")),
        ];
        let err = prepare(P, &caps, &twins, None).unwrap_err();
        assert_eq!(err.kind(), "validation");
        let mapped = [PtrChange::delete(ip("::ffff:192.0.2.1"))];
        let (pending, _) = prepare(P, &caps, &mapped, None).unwrap();
        assert_eq!(pending[0].1.ip(), ip("192.0.2.1"));
    }

    #[test]
    fn every_change_gets_exactly_one_result_reported_once() {
        let calls = AtomicUsize::new(0);
        let progress = |_: usize, _: &PtrChange, _: &Outcome| {
            calls.fetch_add(1, Ordering::SeqCst);
        };
        let changes = [
            PtrChange::delete(ip("192.0.2.1")),
            PtrChange::delete(ip("192.0.2.2")),
        ];
        let (_, outcomes) = prepare(P, &Capabilities::new(), &changes, Some(&progress)).unwrap();
        outcomes.settle(1, Outcome::Deleted);
        outcomes.settle(1, Outcome::Unchanged);
        assert!(outcomes.is_settled(1) && !outcomes.is_settled(0));
        let report = outcomes.finish();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(report.len(), 2);
        assert!(matches!(report.results()[1].outcome, Outcome::Deleted));
        assert!(
            report.results()[0].outcome.error().is_some(),
            "never left out"
        );
    }
}
