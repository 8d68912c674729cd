//! `impl PtrProvider for Client`: PTRs as recordsets of the account's
//! reverse zones, grouped by zone, deleted in bulk.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;

use futures::stream::{self, BoxStream, StreamExt};
use revdns_core::record::validate_changes;
use revdns_core::reverse::reverse_name;
use revdns_core::{
    ApplyReport, Capabilities, Enumeration, Error, Hostname, Outcome, ProviderId, PtrChange,
    PtrProvider, PtrRecord,
};
use uuid::Uuid;

use crate::api::types::Recordset;
use crate::client::{Client, is_ptr, same_name};
use crate::config::MAX_TTL;
use crate::zones::{self, Placement, ZoneRef};

const P: ProviderId = ProviderId::Ecl;

impl PtrProvider for Client {
    fn id(&self) -> ProviderId {
        P
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_ipv4(true)
            .with_ipv6(true)
            .with_ttl(true)
            .with_comment(true)
            // Writes go one recordset per request; only deletes are batched,
            // per zone, with no documented limit.
            .with_max_batch(None)
            .with_batch_reports_per_item(true)
            .with_enumeration(Enumeration::ByZone)
    }

    /// Looks the addresses up zone by zone: each zone holding one of them is
    /// listed once.
    ///
    /// # Errors
    ///
    /// [`Error::ZoneNotFound`] naming the reverse name when no zone of the
    /// account holds an address; otherwise any error of the listing.
    async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
        let unique: Vec<IpAddr> = ips
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if unique.is_empty() {
            return Err(Error::validation_for(P, "ips", "the batch is empty"));
        }
        let mut found = BTreeMap::new();
        let placed = self.place_all(&unique).await?;
        let mut by_zone: BTreeMap<Uuid, (ZoneRef, Vec<(IpAddr, String)>)> = BTreeMap::new();
        for (ip, placement) in unique.iter().zip(placed) {
            let Some(Placement { zone, record_name }) = placement else {
                return Err(Error::zone_not_found(P, reverse_name(*ip)));
            };
            by_zone
                .entry(zone.id)
                .or_insert_with(|| (zone, Vec::new()))
                .1
                .push((*ip, record_name));
        }
        for (zone, wanted) in by_zone.into_values() {
            let ptrs = self.zone_ptrs(&zone).await?;
            for (ip, name) in wanted {
                let record = match ptrs.get(&name).and_then(|v| v.first()) {
                    Some(rs) => Some(to_record(ip, rs)?),
                    None => None,
                };
                found.insert(ip, record);
            }
        }
        Ok(found)
    }

    /// Walks every reverse zone (`in-addr.arpa.`, `ip6.arpa.`), page by
    /// page, and yields its PTRs. Recordsets whose name is no address of the
    /// zone, or whose value is no host name, are skipped with a warning.
    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
        let state = ListState {
            zones: None,
            current: None,
            done: false,
        };
        stream::unfold(state, move |mut state| async move {
            let batch = self.list_step(&mut state).await?;
            Some((batch, state))
        })
        .flat_map(stream::iter)
        .boxed()
    }

    /// Applies the changes zone by zone: one listing per zone, one bulk
    /// DELETE per zone for the deletes, then one create or update per
    /// upsert (up to `concurrency` at once), each waiting until the record
    /// is visible (within the consistency budget).
    ///
    /// An upsert equal to the current PTR (same target; same TTL and comment
    /// when given) is unchanged. A TTL or comment left out keeps the current
    /// one on update; a new PTR gets the default TTL and no description.
    /// Should several PTR recordsets exist for one address, the first is
    /// updated and the others are deleted.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] before any request: the core checks
    /// ([`validate_changes`]) and a TTL above 86400.
    async fn apply(&self, changes: &[PtrChange]) -> Result<ApplyReport, Error> {
        validate_changes(changes)?;
        for change in changes {
            if let PtrChange::Upsert {
                ttl: Some(t), ip, ..
            } = change
                && *t > MAX_TTL
            {
                return Err(Error::validation_for(
                    P,
                    "ttl",
                    format!("TTL {t} for {ip} is above the maximum of {MAX_TTL} seconds"),
                ));
            }
        }
        let mut outcomes: Vec<Option<Outcome>> = changes.iter().map(|_| None).collect();
        let ips: Vec<IpAddr> = changes.iter().map(PtrChange::ip).collect();
        match self.place_all(&ips).await {
            Err(e) => fail_all(&mut outcomes, 0..changes.len(), e),
            Ok(placed) => {
                let mut by_zone: BTreeMap<Uuid, (ZoneRef, Vec<(usize, String)>)> = BTreeMap::new();
                for (i, placement) in placed.into_iter().enumerate() {
                    match placement {
                        Some(Placement { zone, record_name }) => by_zone
                            .entry(zone.id)
                            .or_insert_with(|| (zone, Vec::new()))
                            .1
                            .push((i, record_name)),
                        None => {
                            outcomes[i] = Some(Outcome::Failed(Error::zone_not_found(
                                P,
                                reverse_name(ips[i]),
                            )));
                        }
                    }
                }
                for (zone, items) in by_zone.into_values() {
                    self.apply_zone(&zone, changes, &items, &mut outcomes).await;
                }
            }
        }
        let mut report = ApplyReport::with_capacity(changes.len());
        for (change, outcome) in changes.iter().zip(outcomes) {
            let outcome = outcome.unwrap_or_else(|| {
                Outcome::Failed(Error::api(P, 0, "internal: change was not processed"))
            });
            report.push(change.clone(), outcome);
        }
        Ok(report)
    }
}

struct ListState {
    zones: Option<VecDeque<ZoneRef>>,
    /// The zone being walked and the marker of its next page.
    current: Option<(ZoneRef, Option<Uuid>, BTreeSet<Uuid>)>,
    done: bool,
}

impl Client {
    /// The next non-empty batch of records, a final error, or `None` at the end.
    async fn list_step(&self, state: &mut ListState) -> Option<Vec<Result<PtrRecord, Error>>> {
        loop {
            if state.done {
                return None;
            }
            if state.zones.is_none() {
                match self.zones(true).await {
                    Ok(z) => state.zones = Some(z.iter().cloned().collect()),
                    Err(e) => {
                        state.done = true;
                        return Some(vec![Err(e)]);
                    }
                }
            }
            if state.current.is_none() {
                let next = state.zones.as_mut().and_then(VecDeque::pop_front)?;
                state.current = Some((next, None, BTreeSet::new()));
            }
            let (zone, marker, seen) = state.current.as_mut()?;
            let page = match self.recordset_page(zone, *marker).await {
                Ok(p) => p,
                Err(e) => {
                    state.done = true;
                    return Some(vec![Err(e)]);
                }
            };
            let last = page.recordsets.last().map(|r| r.id);
            let batch: Vec<_> = page
                .recordsets
                .iter()
                .filter(|rs| is_ptr(rs))
                .filter_map(|rs| listed_record(zone, rs))
                .map(Ok)
                .collect();
            match zones::next_marker(page.links.as_ref(), last) {
                Ok(None) => state.current = None,
                Ok(Some(m)) if seen.insert(m) => *marker = Some(m),
                Ok(Some(m)) => {
                    state.done = true;
                    return Some(vec![Err(Error::invalid_response(
                        P,
                        format!(
                            "listing recordsets of {} returned page marker {m} twice",
                            zone.name
                        ),
                    ))]);
                }
                Err(e) => {
                    state.done = true;
                    return Some(vec![Err(e)]);
                }
            }
            if !batch.is_empty() {
                return Some(batch);
            }
        }
    }

    /// Applies the changes placed in one zone; fills their outcomes.
    async fn apply_zone(
        &self,
        zone: &ZoneRef,
        changes: &[PtrChange],
        items: &[(usize, String)],
        outcomes: &mut [Option<Outcome>],
    ) {
        let mut ptrs = match self.zone_ptrs(zone).await {
            Ok(p) => p,
            Err(e) => return fail_all(outcomes, items.iter().map(|(i, _)| *i), e),
        };

        // Deletes: one request for the whole zone.
        let mut deletes: Vec<(usize, Vec<Uuid>)> = Vec::new();
        for (i, name) in items {
            if changes[*i].is_delete() {
                let ids: Vec<Uuid> = ptrs
                    .remove(name)
                    .unwrap_or_default()
                    .iter()
                    .map(|r| r.id)
                    .collect();
                if ids.is_empty() {
                    outcomes[*i] = Some(Outcome::Unchanged);
                } else {
                    deletes.push((*i, ids));
                }
            }
        }
        if !deletes.is_empty() {
            let all: Vec<Uuid> = deletes
                .iter()
                .flat_map(|(_, ids)| ids.iter().copied())
                .collect();
            match self.delete_many(zone, all).await {
                Ok(()) => {
                    for (i, _) in &deletes {
                        outcomes[*i] = Some(Outcome::Deleted);
                    }
                }
                // A recordset vanished since the listing: the bulk request
                // may have been refused whole, so go one by one to learn
                // what happened to each change.
                Err(Error::NotFound { .. }) => {
                    for (i, ids) in &deletes {
                        outcomes[*i] = Some(self.delete_each(zone, ids).await);
                    }
                }
                Err(e) => fail_all(outcomes, deletes.iter().map(|(i, _)| *i), e),
            }
        }

        // Upserts: independent requests, a few at once, results by index.
        let upserts: Vec<_> = items
            .iter()
            .filter(|(i, _)| !changes[*i].is_delete())
            .map(|(i, name)| {
                let existing = ptrs.get(name).cloned().unwrap_or_default();
                let placement = Placement {
                    zone: zone.clone(),
                    record_name: name.clone(),
                };
                (*i, placement, existing)
            })
            .collect();
        let results: Vec<(usize, Outcome)> = stream::iter(upserts)
            .map(|(i, placement, existing)| async move {
                (i, self.upsert(&changes[i], &placement, &existing).await)
            })
            .buffer_unordered(self.settings().concurrency)
            .collect()
            .await;
        for (i, outcome) in results {
            outcomes[i] = Some(outcome);
        }
    }

    /// Deletes recordsets one at a time (after a bulk delete was refused).
    async fn delete_each(&self, zone: &ZoneRef, ids: &[Uuid]) -> Outcome {
        let mut deleted_any = false;
        for id in ids {
            match self.delete_one(zone, *id).await {
                Ok(deleted) => deleted_any |= deleted,
                Err(e) => return Outcome::Failed(e),
            }
        }
        if deleted_any {
            Outcome::Deleted
        } else {
            Outcome::Unchanged
        }
    }

    async fn upsert(
        &self,
        change: &PtrChange,
        placement: &Placement,
        existing: &[Recordset],
    ) -> Outcome {
        let PtrChange::Upsert {
            target,
            ttl,
            comment,
            ..
        } = change
        else {
            return Outcome::Failed(Error::api(P, 0, "internal: not an upsert"));
        };
        let comment = comment.as_deref();
        let Some((first, extra)) = existing.split_first() else {
            let ttl = ttl.unwrap_or(self.settings().default_ttl);
            return match self.create_ptr(placement, target, ttl, comment).await {
                Ok(()) => Outcome::Created,
                Err(e) => Outcome::Failed(e),
            };
        };
        let current_ttl = first.ttl.and_then(|t| u32::try_from(t).ok());
        let same_target = first
            .records
            .first()
            .is_some_and(|v| same_name(v, target.as_str()));
        let same_ttl = ttl.is_none_or(|t| current_ttl == Some(t));
        let same_comment = comment.is_none_or(|c| first.description.as_deref().unwrap_or("") == c);
        if same_target && same_ttl && same_comment && extra.is_empty() {
            return Outcome::Unchanged;
        }
        if !(same_target && same_ttl && same_comment) {
            let ttl = ttl.or(current_ttl).unwrap_or(self.settings().default_ttl);
            if let Err(e) = self
                .update_ptr(placement, first.id, target, ttl, comment)
                .await
            {
                return Outcome::Failed(e);
            }
        }
        if !extra.is_empty() {
            // One value per PTR: drop the other recordsets of this name.
            let ids = extra.iter().map(|r| r.id).collect();
            if let Err(e) = self.delete_many(&placement.zone, ids).await {
                return Outcome::Failed(e);
            }
        }
        Outcome::Updated
    }
}

/// A PTR recordset as a record of `ip`.
fn to_record(ip: IpAddr, rs: &Recordset) -> Result<PtrRecord, Error> {
    let value = rs.records.first().unwrap_or_default();
    let target = Hostname::new(value).map_err(|e| {
        Error::invalid_response(
            P,
            format!("the PTR of {ip} points to {value:?}, which is not a host name: {e}"),
        )
    })?;
    Ok(PtrRecord {
        ip,
        target,
        ttl: rs.ttl.and_then(|t| u32::try_from(t).ok()),
        comment: rs.description.clone().filter(|d| !d.is_empty()),
    })
}

/// A listed PTR recordset as a record, or `None` (with a warning) when it
/// stands for no address of the zone or its value is no host name.
fn listed_record(zone: &ZoneRef, rs: &Recordset) -> Option<PtrRecord> {
    let Some(ip) = zones::ip_of(&rs.name, &zone.name) else {
        tracing::warn!(name = %rs.name, zone = %zone.name, "skipping PTR whose name is no address");
        return None;
    };
    match to_record(ip, rs) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(error = %e, "skipping PTR");
            None
        }
    }
}

/// Every index in `indices` fails with `err` (copies after the first).
fn fail_all(
    outcomes: &mut [Option<Outcome>],
    indices: impl IntoIterator<Item = usize>,
    err: Error,
) {
    let mut err = Some(err);
    let mut template: Option<Error> = None;
    for i in indices {
        let e = match err.take() {
            Some(e) => {
                template = Some(e.duplicate());
                e
            }
            None => template
                .as_ref()
                .map_or_else(|| Error::api(P, 0, "failed"), Error::duplicate),
        };
        outcomes[i] = Some(Outcome::Failed(e));
    }
}
