//! [`PtrProvider`] for [`Client`]: one lookup round, then one write per
//! change with bounded concurrency.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use futures::stream::{self, BoxStream, StreamExt};
use revdns_core::record::validate_changes;
use revdns_core::{
    ApplyReport, Capabilities, Enumeration, Error, Outcome, ProviderId, PtrChange, PtrProvider,
    PtrRecord,
};

use crate::client::{Client, dedup};
use crate::record::ReverseRecord;

const P: ProviderId = ProviderId::Ionos;

/// What [`Client::capabilities`](PtrProvider::capabilities) reports.
const CAPABILITIES: Capabilities = Capabilities::new()
    .with_ipv4(true)
    .with_ipv6(true)
    // IONOS reverse records have no TTL field.
    .with_ttl(false)
    // Stored as the record's `description`.
    .with_comment(true)
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
        let found = self.find(ips).await?;
        let mut out = BTreeMap::new();
        for ip in dedup(ips) {
            let record = found
                .get(&ip)
                .map(ReverseRecord::to_ptr_record)
                .transpose()?;
            out.insert(ip, record);
        }
        Ok(out)
    }

    /// Every record, paging 1000 at a time; a record whose stored name is
    /// not a valid host name ends the stream with [`Error::Validation`].
    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
        Client::list(self)
            .map(|item| item.and_then(|r| r.to_ptr_record()))
            .boxed()
    }

    /// Looks every IP up (50 per request), then sends one `PUT` or `DELETE`
    /// per change that needs one, at most [`concurrency`](Client::concurrency)
    /// at a time. A change with a TTL fails with [`Error::Unsupported`] and
    /// sends nothing; the comment becomes the description (`None` keeps the
    /// stored one).
    /// If a lookup fails, the changes of its IPs fail with that error.
    async fn apply(&self, changes: &[PtrChange]) -> Result<ApplyReport, Error> {
        validate_changes(changes)?;
        let mut outcomes: Vec<Option<Outcome>> = changes
            .iter()
            .map(|change| match change {
                PtrChange::Upsert { ttl: Some(_), .. } => Some(Outcome::Failed(
                    Error::unsupported(P, "per-record TTLs (reverse records have none)"),
                )),
                _ => None,
            })
            .collect();

        let pending: Vec<usize> = (0..changes.len())
            .filter(|&i| outcomes[i].is_none())
            .collect();
        let ips: Vec<IpAddr> = pending.iter().map(|&i| changes[i].ip()).collect();

        let mut existing: HashMap<IpAddr, Vec<ReverseRecord>> = HashMap::new();
        let mut lookup_failed: HashMap<IpAddr, Error> = HashMap::new();
        for (chunk, result) in self.lookup(&ips).await {
            match result {
                Ok(records) => {
                    for record in records {
                        existing.entry(record.ip).or_default().push(record);
                    }
                }
                Err(e) => {
                    for ip in chunk {
                        lookup_failed.insert(ip, e.duplicate());
                    }
                }
            }
        }

        let jobs: Vec<(usize, Option<Error>, Vec<ReverseRecord>)> = pending
            .into_iter()
            .map(|i| {
                let ip = changes[i].ip();
                let records = existing.remove(&ip).unwrap_or_default();
                (i, lookup_failed.remove(&ip), records)
            })
            .collect();
        let writes: Vec<(usize, Outcome)> = stream::iter(jobs)
            .map(|(i, failed, records)| async move {
                let outcome = match failed {
                    Some(e) => Outcome::Failed(e),
                    None => self.write(&changes[i], records).await,
                };
                (i, outcome)
            })
            .buffer_unordered(self.concurrency())
            .collect()
            .await;
        for (i, outcome) in writes {
            outcomes[i] = Some(outcome);
        }

        let mut report = ApplyReport::with_capacity(changes.len());
        for (change, outcome) in changes.iter().zip(outcomes) {
            // Every index was filled above: TTL failures first, the rest by
            // the writes.
            let outcome = outcome
                .unwrap_or_else(|| Outcome::Failed(Error::api(P, 0, "change was not processed")));
            report.push(change.clone(), outcome);
        }
        Ok(report)
    }
}

impl Client {
    /// One change, given the records a lookup found for its IP.
    async fn write(&self, change: &PtrChange, records: Vec<ReverseRecord>) -> Outcome {
        match change {
            PtrChange::Upsert {
                ip,
                target,
                comment,
                ..
            } => {
                let existing = records.into_iter().next();
                // The common interface's rule: a change without a comment
                // keeps the stored description.
                let kept = existing.as_ref().and_then(|r| r.description.clone());
                let description = comment.as_deref().or(kept.as_deref());
                match self.ensure_with(*ip, target, description, existing).await {
                    Ok(done) => done.outcome(),
                    Err(e) => Outcome::Failed(e),
                }
            }
            PtrChange::Delete { .. } => match self.delete_records(&records).await {
                Ok(true) => Outcome::Deleted,
                Ok(false) => Outcome::Unchanged,
                Err(e) => Outcome::Failed(e),
            },
        }
    }
}
