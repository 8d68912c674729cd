//! The [`PtrProvider`] trait every provider crate implements.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;

use futures_util::stream::BoxStream;

use crate::apply::Progress;
use crate::gate::{self, Gate, Gated};
use crate::{ApplyReport, Capabilities, Error, ProviderId, PtrChange, PtrRecord};

/// Manage PTR records on one provider account, keyed by IP address.
///
/// Zones, record ids and sessions stay inside the implementation. Methods
/// return `Send` futures so callers can spawn them; the trait uses neither
/// `async-trait` nor `dyn` (the `revdns` facade wraps providers in an enum).
///
/// Bad input is an [`Error::Validation`] before any request is sent.
pub trait PtrProvider: Send + Sync {
    /// Which provider this is.
    fn id(&self) -> ProviderId;

    /// What this provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Looks up the PTRs of `ips`.
    ///
    /// Every asked IP appears as a key of the map; `None` means it has no PTR.
    /// Duplicated IPs are looked up once.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty `ips`, before any request; otherwise
    /// any [`Error`]: the lookup is all or nothing.
    fn get(
        &self,
        ips: &[IpAddr],
    ) -> impl Future<Output = Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error>> + Send;

    /// Streams every PTR the account can see.
    ///
    /// The stream is lazy: nothing is sent until it is polled, and pages are
    /// fetched as they are needed. The first `Err` ends it. A provider that
    /// cannot enumerate ([`Enumeration::None`](crate::Enumeration::None))
    /// yields a single [`Error::Unsupported`].
    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>>;

    /// Applies `changes` and reports exactly one result per change, in input
    /// order; a failed change is an [`Outcome::Failed`](crate::Outcome::Failed)
    /// entry, not an `Err`.
    ///
    /// Implementations read before they write: an upsert the current PTR
    /// already [satisfies](crate::sync::satisfies) and a delete of an absent
    /// PTR are [`Outcome::Unchanged`](crate::Outcome::Unchanged) and cost no
    /// write request.
    ///
    /// Dropping the future cancels the apply between requests: changes whose
    /// requests were already sent may have taken effect, and no report says
    /// which. Re-run [`get`](PtrProvider::get) (or the same `apply`, since
    /// upserts and deletes are idempotent in effect) to find out.
    ///
    /// # Errors
    ///
    /// Only for bad input (see [`validate_changes`](crate::record::validate_changes)
    /// and the provider's own limits), before any request is sent.
    fn apply(
        &self,
        changes: &[PtrChange],
    ) -> impl Future<Output = Result<ApplyReport, Error>> + Send {
        self.apply_with_progress(changes, &no_progress)
    }

    /// [`apply`](PtrProvider::apply), calling `progress` with each change's
    /// index, the change and its outcome as soon as the outcome is known,
    /// so a caller can show progress, and one that stops early (drops the
    /// future) knows what happened so far.
    ///
    /// # Errors
    ///
    /// As [`apply`](PtrProvider::apply).
    fn apply_with_progress(
        &self,
        changes: &[PtrChange],
        progress: &Progress<'_>,
    ) -> impl Future<Output = Result<ApplyReport, Error>> + Send {
        async move {
            gate::ungated(
                self.apply_with_gate(changes, None, progress).await,
                self.id(),
            )
        }
    }

    /// [`apply_with_progress`](PtrProvider::apply_with_progress) with a
    /// [`Gate`]: once the provider has read what the changes touch, `gate`
    /// sees the [`Plan`](crate::Plan) of them and decides whether anything
    /// is written. The read the plan shows is the one the writes are decided
    /// by, so confirming costs no second read.
    ///
    /// Changes refused before sending, or whose read failed, are failed in
    /// the report and absent from the plan; progress may already have been
    /// reported for them (and for unchanged ones) when the gate declines.
    ///
    /// # Errors
    ///
    /// As [`apply`](PtrProvider::apply).
    fn apply_gated(
        &self,
        changes: &[PtrChange],
        gate: &Gate<'_>,
        progress: &Progress<'_>,
    ) -> impl Future<Output = Result<Gated, Error>> + Send {
        self.apply_with_gate(changes, Some(gate), progress)
    }

    /// What every apply runs, and what an implementation provides: read what
    /// `changes` touch, ask `gate` (when there is one) with
    /// [`gate::ask`] after that read and before any write, then write what
    /// differs, reporting each outcome to `progress`.
    ///
    /// # Errors
    ///
    /// As [`apply`](PtrProvider::apply).
    fn apply_with_gate(
        &self,
        changes: &[PtrChange],
        gate: Option<&Gate<'_>>,
        progress: &Progress<'_>,
    ) -> impl Future<Output = Result<Gated, Error>> + Send;
}

/// The progress callback of a plain [`PtrProvider::apply`].
fn no_progress(_: usize, _: &PtrChange, _: &crate::Outcome) {}
