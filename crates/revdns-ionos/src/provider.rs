//! [`PtrProvider`] for [`Client`]: one lookup round, then one write per
//! change with bounded concurrency.

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use revdns_core::apply::{self, Progress};
use revdns_core::gate::{self, Gate, Gated, plan_of};
use revdns_core::ip_map::IpMap;
use revdns_core::record::lookup_set;
use revdns_core::{
    Capabilities, Enumeration, Error, Outcome, ProviderId, PtrChange, PtrProvider, PtrRecord,
};

use crate::client::Client;
use crate::record::ReverseRecord;

const P: ProviderId = ProviderId::Ionos;

/// What [`Client::capabilities`](PtrProvider::capabilities) reports.
/// Longest description revdns writes, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 255;

const CAPABILITIES: Capabilities = Capabilities::new()
    .with_ipv4(true)
    .with_ipv6(true)
    // IONOS reverse records have no TTL field.
    .with_ttl(false)
    // Stored as the record's `description`.
    .with_comment(true)
    // IONOS documents no limit for `description`; 255 characters, as ECL's
    // documented limit, keeps what revdns writes portable.
    .with_max_comment_chars(Some(MAX_DESCRIPTION_CHARS))
    // One record per request: no batch endpoint, so no batch limit.
    .with_max_batch(None)
    .with_batch_reports_per_item(true)
    .with_enumeration(Enumeration::Full);

impl PtrProvider for Client {
    fn id(&self) -> ProviderId {
        P
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Looks up with `filter.recordIp`, 50 IPs per request.
    async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
        let ips = lookup_set(ips)?;
        if let [ip] = ips[..] {
            // One IP (most single calls): one filtered lookup, without the
            // maps a batch needs.
            let record = self.find_one(ip).await?;
            let record = record.as_ref().and_then(ReverseRecord::to_ptr_record);
            return Ok(BTreeMap::from([(ip, record)]));
        }
        // `ips` is checked and sorted: the map is built from it in order,
        // not entry by entry.
        let found = self.lookup(&ips).await.all()?;
        Ok(ips
            .into_iter()
            .map(|ip| {
                let first = found.get(&ip).and_then(|records| records.first());
                (ip, first.and_then(ReverseRecord::to_ptr_record))
            })
            .collect())
    }

    /// Every record, paging 1000 at a time; names are read as stored
    /// ([`ReverseRecord::to_ptr_record`]), and a record with an empty name
    /// is skipped.
    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
        Client::list_records(self)
            .try_filter_map(|r| futures_util::future::ready(Ok(r.to_ptr_record())))
            .boxed()
    }

    /// Looks every IP up (50 per request), then sends one `PUT` or `DELETE`
    /// per change that needs one, at most [`concurrency`](Client::concurrency)
    /// at a time. A change with a TTL fails with [`Error::Unsupported`] and
    /// sends nothing (see [`revdns_core::apply::prepare`]); the comment
    /// becomes the description (`None` keeps the stored one). If a lookup
    /// fails, the changes of its IPs fail with that error.
    async fn apply_with_gate(
        &self,
        changes: &[PtrChange],
        gate: Option<&Gate<'_>>,
        progress: &Progress<'_>,
    ) -> Result<Gated, Error> {
        let (pending, outcomes) = apply::prepare_for(self, changes, progress)?;
        let ips: Vec<IpAddr> = pending.iter().map(|(_, c)| c.ip()).collect();

        let found = self.lookup(&ips).await;
        let mut existing = found.records;
        let mut lookup_failed: IpMap<Error> = IpMap::default();
        for (chunk, e) in found.failed {
            for ip in chunk {
                lookup_failed.insert(ip, e.duplicate());
            }
        }

        let asked = gate::ask(gate, || {
            plan_of(pending.iter().map(|(_, c)| c), |ip| {
                if lookup_failed.contains_key(&ip) {
                    None
                } else {
                    // The write works on the first record found, so does the plan.
                    Some(existing.get(&ip).and_then(|r| r.first()?.to_ptr_record()))
                }
            })
        });
        let plan = match asked {
            Ok(plan) => plan,
            Err(plan) => return Ok(Gated::Declined { plan }),
        };

        let jobs: Vec<_> = pending
            .into_iter()
            .filter_map(|(i, change)| {
                let ip = change.ip();
                if let Some(e) = lookup_failed.remove(&ip) {
                    outcomes.settle(i, Outcome::Failed(e));
                    return None;
                }
                let records = existing.remove(&ip).unwrap_or_default();
                // Most of a re-run is already in place: settle those here
                // rather than as one more future each.
                if already_done(&change, &records) {
                    outcomes.settle(i, Outcome::Unchanged);
                    return None;
                }
                Some((i, change, records))
            })
            .collect();
        let settled = &outcomes;
        stream::iter(jobs)
            .for_each_concurrent(self.concurrency(), |(i, change, records)| async move {
                settled.settle(i, self.write(&change, records).await);
            })
            .await;
        Ok(Gated::Applied {
            plan,
            report: outcomes.finish(),
        })
    }
}

impl Client {
    /// One change, given the records a lookup found for its IP.
    async fn write(&self, change: &PtrChange, records: Vec<ReverseRecord>) -> Outcome {
        let Some(target) = change.target() else {
            return match self.delete_records(&records).await {
                Ok(true) => Outcome::Deleted,
                Ok(false) => Outcome::Unchanged,
                Err(e) => Outcome::Failed(e),
            };
        };
        let existing = records.into_iter().next();
        let description = description_for(change, existing.as_ref()).map(str::to_owned);
        match self
            .ensure_with(change.ip(), target, description.as_deref(), existing)
            .await
        {
            Ok(done) => done.outcome(),
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// The description `change` asks for, given the record it would replace.
/// The common interface's rule: a change without a comment keeps the
/// stored description.
fn description_for<'a>(
    change: &'a PtrChange,
    existing: Option<&'a ReverseRecord>,
) -> Option<&'a str> {
    match change {
        PtrChange::Upsert {
            comment: Some(comment),
            ..
        } => Some(comment),
        _ => existing.and_then(|r| r.description.as_deref()),
    }
}

/// Whether the records a lookup found already make `change` hold, so that
/// [`Client::write`] would send nothing: no record to delete, or a first
/// record that says what the upsert asks.
fn already_done(change: &PtrChange, records: &[ReverseRecord]) -> bool {
    match change.target() {
        None => records.is_empty(),
        Some(target) => records
            .first()
            .is_some_and(|first| first.matches(target, description_for(change, Some(first)))),
    }
}
