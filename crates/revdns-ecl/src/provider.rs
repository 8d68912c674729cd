//! `impl PtrProvider for Client`: PTRs as recordsets of the account's
//! reverse zones, grouped by zone, deleted in bulk.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;

use futures_util::stream::{self, BoxStream, FuturesUnordered, StreamExt};
use revdns_core::apply::{self, Outcomes, Progress};
use revdns_core::gate::{self, Gate, Gated, plan_of};
use revdns_core::record::lookup_set;
use revdns_core::reverse::reverse_name;
use revdns_core::runtime::{InFlight, spawn_call};
use revdns_core::sync::Plan;
use revdns_core::sync::satisfies;
use revdns_core::{
    Capabilities, Enumeration, Error, Hostname, Outcome, ProviderId, PtrChange, PtrProvider,
    PtrRecord,
};
use uuid::Uuid;

use crate::client::{Client, FIRST_POLL, MAX_POLL, is_ptr, same_name};
use crate::config::MAX_TTL;
use crate::listing::Listed;
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
            .with_max_ttl(Some(MAX_TTL))
            .with_comment(true)
            // E2054: "Description must be less than or equal to 255."
            .with_max_comment_chars(Some(255))
            // Writes go one recordset per request; only deletes are batched,
            // per zone, with no documented limit.
            .with_max_batch(None)
            .with_batch_reports_per_item(true)
            .with_enumeration(Enumeration::ByZone)
    }

    /// Looks the addresses up zone by zone: each zone holding one of them is
    /// listed once. An address no zone of the account holds has no PTR
    /// here: `None`, as on every provider.
    ///
    /// # Errors
    ///
    /// Any error of the listings.
    async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
        let unique = lookup_set(ips)?;
        let mut found = BTreeMap::new();
        let placed = self.place_all(&unique).await?;
        let mut by_zone: BTreeMap<Uuid, (ZoneRef, Vec<(IpAddr, String)>)> = BTreeMap::new();
        for (ip, placement) in unique.iter().zip(placed) {
            let Some(Placement { zone, record_name }) = placement else {
                found.insert(*ip, None);
                continue;
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
                // The lowest id, the one `apply` keeps.
                let record = ptrs
                    .get(&name)
                    .and_then(|v| kept(v))
                    .and_then(|rs| to_record(ip, rs));
                found.insert(ip, record);
            }
        }
        Ok(found)
    }

    /// Walks every reverse zone (`in-addr.arpa.`, `ip6.arpa.`), page by
    /// page, and yields its PTRs. Recordsets whose name is no address of the
    /// zone, or whose value is empty, are skipped with a warning. Values are
    /// read as stored ([`Hostname::from_stored`]).
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
    /// Zones are worked on concurrently (at most 4 at once).
    /// When an upsert created a PTR, the zone is listed once more afterwards:
    /// should a concurrent writer have created one for the same address,
    /// the recordset with the lowest id is kept (every writer picks the
    /// same one), set to this change's target, and the others are deleted.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] before any request for a batch refused whole
    /// (see [`revdns_core::apply::prepare`]); a TTL above 86400 fails its
    /// change alone.
    ///
    /// The gate is asked once every zone is listed, before any write.
    async fn apply_with_gate(
        &self,
        changes: &[PtrChange],
        gate: Option<&Gate<'_>>,
        progress: &Progress<'_>,
    ) -> Result<Gated, Error> {
        let (pending, outcomes) = apply::prepare_for(self, changes, progress)?;
        let finish = |plan, outcomes: Outcomes<'_>| {
            Ok(Gated::Applied {
                plan,
                report: outcomes.finish(),
            })
        };
        if pending.is_empty() {
            return finish(Plan::default(), outcomes);
        }
        let ips: Vec<IpAddr> = pending.iter().map(|(_, c)| c.ip()).collect();
        let placed = match self.place_all(&ips).await {
            Ok(placed) => placed,
            Err(e) => {
                outcomes.fail_all(pending.iter().map(|(i, _)| *i), &e);
                return finish(Plan::default(), outcomes);
            }
        };
        let mut by_zone: BTreeMap<Uuid, (ZoneRef, Vec<ZoneItem>)> = BTreeMap::new();
        for ((i, change), placement) in pending.into_iter().zip(placed) {
            match placement {
                Some(Placement { zone, record_name }) => by_zone
                    .entry(zone.id)
                    .or_insert_with(|| (zone, Vec::new()))
                    .1
                    .push(ZoneItem {
                        index: i,
                        change,
                        name: record_name,
                    }),
                None => outcomes.settle(
                    i,
                    Outcome::Failed(Error::zone_not_found(P, reverse_name(change.ip()))),
                ),
            }
        }
        // Read: each zone's PTRs, with a few listing requests out at once.
        let settled = &outcomes;
        // Each listing is a task of its own, all started at once: its
        // request slot is given back when an answer is in, so the next
        // zone's request does not wait for a page to be read, and the
        // zones' pages are read in parallel.
        let in_flight = InFlight::new(ZONES_IN_FLIGHT);
        let listed: Vec<(ZoneRef, Vec<ZoneItem>, ZonePtrs)> = by_zone
            .into_values()
            .map(|(zone, items)| {
                let (client, listed_zone, slots) = (self.clone(), zone.clone(), in_flight.clone());
                let listing =
                    spawn_call(async move { slots.scope(client.zone_ptrs(&listed_zone)).await });
                async move {
                    match listing.await {
                        Ok(ptrs) => Some((zone, items, ptrs)),
                        Err(e) => {
                            settled.fail_all(items.iter().map(|it| it.index), &e);
                            None
                        }
                    }
                }
            })
            .collect::<FuturesUnordered<_>>()
            .filter_map(std::future::ready)
            .collect()
            .await;

        let asked = gate::ask(gate, || {
            let current: BTreeMap<IpAddr, Option<PtrRecord>> = listed
                .iter()
                .flat_map(|(_, items, ptrs)| {
                    items.iter().map(|it| {
                        let ip = it.change.ip();
                        let found = ptrs.get(&it.name).map(Vec::as_slice).unwrap_or_default();
                        (ip, kept(found).and_then(|rs| to_record(ip, rs)))
                    })
                })
                .collect();
            plan_of(
                listed
                    .iter()
                    .flat_map(|(_, items, _)| items.iter().map(|it| &it.change)),
                |ip| current.get(&ip).cloned(),
            )
        });
        let plan = match asked {
            Ok(plan) => plan,
            Err(plan) => return Ok(Gated::Declined { plan }),
        };

        // Write, zone by zone.
        stream::iter(listed)
            .for_each_concurrent(ZONES_IN_FLIGHT, |(zone, items, ptrs)| async move {
                self.apply_zone(&zone, items, ptrs, settled).await;
            })
            .await;
        finish(plan, outcomes)
    }
}

/// Zones written at once by [`PtrProvider::apply`], each with up to the
/// client's `concurrency` writes in flight; before that, the listing
/// requests it has out at once.
pub const ZONES_IN_FLIGHT: usize = 4;

/// A zone's PTR recordsets by name, as listed before writing.
type ZonePtrs = BTreeMap<String, Vec<Listed>>;

/// One change placed in its zone.
struct ZoneItem {
    index: usize,
    change: PtrChange,
    name: String,
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
                    Ok(z) => state.zones = Some(z.list.iter().cloned().collect()),
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
                Ok(Some(m)) if seen.len() < crate::client::MAX_PAGES && seen.insert(m) => {
                    *marker = Some(m);
                }
                Ok(Some(m)) => {
                    state.done = true;
                    return Some(vec![Err(Error::invalid_response(
                        P,
                        format!(
                            "listing recordsets of {} returned page marker {m} twice \
                             or went on past {} pages",
                            zone.name,
                            crate::client::MAX_PAGES
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

    /// Applies the changes placed in one zone and settles their outcomes.
    /// Writes one zone's changes, given its PTRs as just listed.
    async fn apply_zone(
        &self,
        zone: &ZoneRef,
        items: Vec<ZoneItem>,
        mut ptrs: ZonePtrs,
        outcomes: &Outcomes<'_>,
    ) {
        // Deletes: one request for the whole zone.
        let (deletes, upserts): (Vec<ZoneItem>, Vec<ZoneItem>) =
            items.into_iter().partition(|it| it.change.is_delete());
        let mut doomed: Vec<(usize, Vec<Uuid>)> = Vec::new();
        for it in &deletes {
            let ids: Vec<Uuid> = ptrs
                .remove(&it.name)
                .unwrap_or_default()
                .iter()
                .map(|r| r.id)
                .collect();
            if ids.is_empty() {
                outcomes.settle(it.index, Outcome::Unchanged);
            } else {
                doomed.push((it.index, ids));
            }
        }
        if !doomed.is_empty() {
            let all: Vec<Uuid> = doomed
                .iter()
                .flat_map(|(_, ids)| ids.iter().copied())
                .collect();
            match self.delete_many(zone, all).await {
                Ok(()) => {
                    for (i, _) in &doomed {
                        outcomes.settle(*i, Outcome::Deleted);
                    }
                }
                // A recordset vanished since the listing (or a lost answer
                // was resent): the bulk request may have been refused whole,
                // so go one by one to learn what happened to each change.
                Err(Error::NotFound { .. }) => {
                    for (i, ids) in &doomed {
                        outcomes.settle(*i, self.delete_each(zone, ids).await);
                    }
                }
                Err(e) => outcomes.fail_all(doomed.iter().map(|(i, _)| *i), &e),
            }
        }

        // Upserts the listing shows done (most of a re-run) are settled
        // here, not as one more future each.
        let upserts: Vec<ZoneItem> = upserts
            .into_iter()
            .filter(|it| {
                let existing = ptrs.get(&it.name).map(Vec::as_slice).unwrap_or_default();
                let done = already_done(&it.change, existing);
                if done {
                    outcomes.settle(it.index, Outcome::Unchanged);
                }
                !done
            })
            .collect();
        // The others: independent requests, a few at once. What each name
        // held before is kept to tell a lagging read from a later writer.
        let results: Vec<(ZoneItem, Option<String>, Outcome)> = stream::iter(upserts)
            .map(|it| {
                let existing = ptrs.get(&it.name).cloned().unwrap_or_default();
                async move {
                    let before = value_of(&existing);
                    let placement = Placement {
                        zone: zone.clone(),
                        record_name: it.name.clone(),
                    };
                    let outcome = self.upsert(&it.change, &placement, &existing).await;
                    (it, before, outcome)
                }
            })
            .buffer_unordered(self.settings().concurrency)
            .collect()
            .await;

        let written: Vec<(&ZoneItem, Option<&str>)> = results
            .iter()
            .filter(|(_, _, o)| matches!(o, Outcome::Created | Outcome::Updated))
            .map(|(it, before, _)| (it, before.as_deref()))
            .collect();
        if !written.is_empty() {
            self.settle_zone(zone, &written).await;
        }
        for (it, _, outcome) in results {
            outcomes.settle(it.index, outcome);
        }
    }

    /// After the zone's writes: lists the zone (one listing for all of
    /// them, instead of a GET per record) until every write shows, within
    /// the consistency budget, and leaves one PTR per created address.
    ///
    /// A created name shows once it has a PTR; an updated one once it no
    /// longer holds the value it held before (it holds ours, or a later
    /// writer's: either way the write was applied). A write accepted but
    /// not yet visible when the budget is spent is logged, not failed: a
    /// retry would invite a second create.
    ///
    /// Should a concurrent writer have created a PTR for the same address
    /// at the same time, the recordset with the lowest id is kept (every
    /// writer picks the same one), set to this change's target, and the
    /// others are deleted.
    async fn settle_zone(&self, zone: &ZoneRef, written: &[(&ZoneItem, Option<&str>)]) {
        let budget = self.settings().consistency_budget;
        let deadline = tokio::time::Instant::now() + budget;
        let mut wait = FIRST_POLL.min(budget / 8);
        let mut deduplicated = BTreeSet::new();
        loop {
            let now = match self.zone_ptrs(zone).await {
                Ok(now) => now,
                Err(e) => {
                    tracing::warn!(error = %e, zone = %zone.name, "could not confirm the zone's writes");
                    return;
                }
            };
            let mut lagging = 0;
            for (it, before) in written {
                let found = now.get(&it.name).map(Vec::as_slice).unwrap_or_default();
                if found.len() > 1 && before.is_none() && deduplicated.insert(it.index) {
                    self.keep_one(zone, it, found).await;
                }
                let shows = match before {
                    None => !found.is_empty(),
                    Some(old) => value_of(found).is_none_or(|v| !same_name(&v, old)),
                };
                lagging += usize::from(!shows);
            }
            if lagging == 0 {
                return;
            }
            if budget.is_zero() || tokio::time::Instant::now() + wait > deadline {
                tracing::warn!(
                    zone = %zone.name,
                    lagging,
                    budget_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX),
                    "writes accepted but not yet visible within the consistency budget"
                );
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_POLL);
        }
    }

    /// Leaves one PTR recordset for `item`'s address: the one with the
    /// lowest id (what every writer picks), with `item`'s target; deletes
    /// the others.
    async fn keep_one(&self, zone: &ZoneRef, item: &ZoneItem, found: &[Listed]) {
        let PtrChange::Upsert {
            target,
            ttl,
            comment,
            ..
        } = &item.change
        else {
            return;
        };
        let Some(keep) = kept(found) else {
            return;
        };
        tracing::debug!(name = %item.name, count = found.len(), "several PTRs for one address; keeping one");
        let extra: Vec<Uuid> = found
            .iter()
            .map(|r| r.id)
            .filter(|id| *id != keep.id)
            .collect();
        if let Err(e) = self.delete_many(zone, extra).await
            && !matches!(e, Error::NotFound { .. })
        {
            tracing::warn!(error = %e, name = %item.name, "could not delete a concurrent PTR");
        }
        let holds = keep
            .records
            .first()
            .is_some_and(|v| same_name(v, target.as_str()));
        if !holds {
            let placement = Placement {
                zone: zone.clone(),
                record_name: item.name.clone(),
            };
            let ttl = ttl
                .or_else(|| keep.ttl.and_then(|t| u32::try_from(t).ok()))
                .unwrap_or(self.settings().default_ttl);
            if let Err(e) = self
                .update_ptr(&placement, keep.id, target, ttl, comment.as_deref())
                .await
            {
                tracing::warn!(error = %e, name = %item.name, "could not set the kept PTR");
            }
        }
    }

    /// Deletes recordsets one at a time (after a bulk delete was refused).
    async fn delete_each(&self, zone: &ZoneRef, ids: &[Uuid]) -> Outcome {
        let mut deleted_any = false;
        for id in ids {
            match self.delete_one(zone, *id).await {
                // Gone either way: the listing held it, so it was deleted
                // (by the bulk request whose answer was lost, or by us).
                Ok(_) => deleted_any = true,
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
        existing: &[Listed],
    ) -> Outcome {
        let (Some(desired), PtrChange::Upsert { ttl, comment, .. }) = (change.desired(), change)
        else {
            return Outcome::Failed(Error::internal(
                Some(P),
                "a delete was handled as an upsert",
            ));
        };
        let (target, comment) = (&desired.target, comment.as_deref());
        if already_done(change, existing) {
            return Outcome::Unchanged;
        }
        let Some(first) = kept(existing) else {
            let ttl = ttl.unwrap_or(self.settings().default_ttl);
            return match self.create_ptr(placement, target, ttl, comment).await {
                Ok(()) => Outcome::Created,
                Err(e) => Outcome::Failed(e),
            };
        };
        let extra: Vec<Uuid> = existing
            .iter()
            .map(|r| r.id)
            .filter(|id| *id != first.id)
            .collect();
        let current = to_record(desired.ip, first);
        if !satisfies(current.as_ref(), &desired) {
            let current_ttl = first.ttl.and_then(|t| u32::try_from(t).ok());
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
            if let Err(e) = self.delete_many(&placement.zone, extra).await {
                return Outcome::Failed(e);
            }
        }
        Outcome::Updated
    }
}

/// Whether `existing` (the recordsets of the change's name) already holds
/// the upsert `change`: a single PTR that satisfies it. Several PTRs for one
/// address need the extras deleted, so they are not done.
fn already_done(change: &PtrChange, existing: &[Listed]) -> bool {
    let (Some(desired), [only]) = (change.desired(), existing) else {
        return false;
    };
    satisfies(to_record(desired.ip, only).as_ref(), &desired)
}

/// The recordset every writer keeps for an address: the lowest id.
fn kept(found: &[Listed]) -> Option<&Listed> {
    found.iter().min_by_key(|r| r.id)
}

/// The value of the recordset every writer keeps.
fn value_of(found: &[Listed]) -> Option<String> {
    kept(found).and_then(|r| r.records.first().map(str::to_owned))
}

/// A PTR recordset as a record of `ip`, its value read as stored (a name
/// set elsewhere that revdns would not write still reads, so that it can be
/// compared and replaced); `None` for a recordset with no value.
fn to_record(ip: IpAddr, rs: &Listed) -> Option<PtrRecord> {
    let target = Hostname::from_stored(rs.records.first().unwrap_or_default())?;
    let mut record = PtrRecord::new(ip, target);
    record.ttl = rs.ttl.and_then(|t| u32::try_from(t).ok());
    record.comment = rs.description.clone().filter(|d| !d.is_empty());
    Some(record)
}

/// A listed PTR recordset as a record, or `None` (with a warning) when it
/// stands for no address of the zone or has no value.
fn listed_record(zone: &ZoneRef, rs: &Listed) -> Option<PtrRecord> {
    let Some(ip) = zones::ip_of(&rs.name, &zone.name) else {
        tracing::warn!(name = %rs.name, zone = %zone.name, "skipping PTR whose name is no address");
        return None;
    };
    let record = to_record(ip, rs);
    if record.is_none() {
        tracing::warn!(name = %rs.name, "skipping PTR recordset without a value");
    }
    record
}
