//! What users do with PTRs on any provider, built on [`PtrProvider`] alone:
//! [`ensure`] a desired state, [`remove`] PTRs, and [`plan`] then
//! [`apply_plan`] a sync with a safety threshold.
//!
//! Each reads before it writes, so records that already match cost no write,
//! and each returns an [`ApplyReport`] with one result per IP it was given.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use futures_util::TryStreamExt;

use crate::apply::Progress;
use crate::prefix::in_scope;
use crate::record::validate_changes;
use crate::{ApplyReport, Error, IpPrefix, Outcome, PtrChange, PtrProvider, PtrRecord};

/// Whether `current` already satisfies `desired`. A `ttl` or `comment` left
/// `None` in `desired` means "whatever the provider has", so it is not
/// compared; an empty comment and no comment are the same (providers store
/// "no description" either way).
pub fn satisfies(current: Option<&PtrRecord>, desired: &PtrRecord) -> bool {
    current.is_some_and(|c| {
        c.target == desired.target
            && desired.ttl.is_none_or(|ttl| c.ttl == Some(ttl))
            && desired
                .comment
                .as_deref()
                .is_none_or(|m| c.comment.as_deref().unwrap_or("") == m)
    })
}

/// Makes the PTRs of `desired` exist as given, writing only those that differ.
///
/// The report holds one result per desired record, in input order:
/// `Unchanged` for records that already matched (no write was sent for
/// them), otherwise the provider's own result. Providers compare before they
/// write (the [`PtrProvider::apply`] contract), so this costs one read of the
/// current state, not two.
///
/// # Errors
///
/// [`Error::Validation`] for an empty list, a repeated IP or a bad comment,
/// before any request.
pub async fn ensure<P: PtrProvider>(
    provider: &P,
    desired: &[PtrRecord],
) -> Result<ApplyReport, Error> {
    let changes: Vec<PtrChange> = desired.iter().cloned().map(PtrChange::from).collect();
    validate_changes(&changes)?;
    provider.apply(&changes).await
}

/// Deletes the PTRs of `ips`; an IP without a PTR is `Unchanged` and costs no
/// write.
///
/// # Errors
///
/// [`Error::Validation`] for an empty list or a repeated IP, before any
/// request.
pub async fn remove<P: PtrProvider>(provider: &P, ips: &[IpAddr]) -> Result<ApplyReport, Error> {
    let changes: Vec<PtrChange> = ips.iter().copied().map(PtrChange::delete).collect();
    validate_changes(&changes)?;
    provider.apply(&changes).await
}

/// How [`plan`] decides what is in scope and what is too much to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct PlanOptions {
    purge: bool,
    scope: Vec<IpPrefix>,
    max_change_percent: u8,
    min_existing: usize,
    force: bool,
}

impl Default for PlanOptions {
    /// No purge; refuse plans that update or delete more than 30 % of the
    /// existing records in scope once there are at least 10 (octoDNS's rule).
    fn default() -> Self {
        Self {
            purge: false,
            scope: Vec::new(),
            max_change_percent: 30,
            min_existing: 10,
            force: false,
        }
    }
}

impl PlanOptions {
    /// The defaults: see [`Default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Also delete the PTRs inside `scope` that the desired list does not
    /// name. Off by default, so only listed IPs are touched.
    pub fn purge(mut self, scope: impl IntoIterator<Item = IpPrefix>) -> Self {
        self.purge = true;
        self.scope = scope.into_iter().collect();
        self
    }

    /// The share of existing records (in percent) that a plan may update or
    /// delete before [`apply_plan`] refuses it.
    pub fn max_change_percent(mut self, percent: u8) -> Self {
        self.max_change_percent = percent.min(100);
        self
    }

    /// Below this many existing records in scope, the threshold does not apply.
    pub fn min_existing(mut self, count: usize) -> Self {
        self.min_existing = count;
        self
    }

    /// Apply even a plan over the threshold.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// A record that exists and will be changed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedUpdate {
    /// What the provider has now.
    pub from: PtrRecord,
    /// What it will have.
    pub to: PtrRecord,
}

/// What a sync would do: data only, nothing has been sent. Serialises with
/// these field names.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Desired records with no PTR yet.
    pub creates: Vec<PtrRecord>,
    /// Existing PTRs that differ from the desired ones.
    pub updates: Vec<PlannedUpdate>,
    /// Existing PTRs in the purge scope that are not desired.
    pub deletes: Vec<PtrRecord>,
    /// Desired records that already match.
    pub unchanged: Vec<PtrRecord>,
    /// Existing PTRs in scope when the plan was made.
    pub existing: usize,
}

impl Plan {
    /// Whether applying the plan would send no write.
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty() && self.updates.is_empty() && self.deletes.is_empty()
    }

    /// The changes to send, creates then updates then deletes.
    pub fn changes(&self) -> Vec<PtrChange> {
        self.creates
            .iter()
            .chain(self.updates.iter().map(|u| &u.to))
            .cloned()
            .map(PtrChange::from)
            .chain(self.deletes.iter().map(|r| PtrChange::delete(r.ip)))
            .collect()
    }

    /// Checks the plan against the options' safety threshold.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyChanges`] when updates plus deletes exceed
    /// `max_change_percent` of `existing` (with at least `min_existing`
    /// existing records) and the options do not force it.
    pub fn check_safety(
        &self,
        provider: crate::ProviderId,
        options: &PlanOptions,
    ) -> Result<(), Error> {
        let changes = self.updates.len() + self.deletes.len();
        let over = self.existing >= options.min_existing
            && changes * 100 > self.existing * usize::from(options.max_change_percent);
        if over && !options.force {
            return Err(Error::TooManyChanges {
                provider,
                changes,
                existing: self.existing,
                max_percent: options.max_change_percent,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} to create, {} to update, {} to delete, {} unchanged ({} existing in scope)",
            self.creates.len(),
            self.updates.len(),
            self.deletes.len(),
            self.unchanged.len(),
            self.existing
        )
    }
}

/// Compares `desired` with what the provider has and returns the [`Plan`].
///
/// Without purge, only the desired IPs are read. With purge, the provider's
/// records are listed and those inside the scope count as existing; every
/// desired IP must lie inside the scope.
///
/// # Errors
///
/// [`Error::Validation`] for a repeated IP, an empty desired list without
/// purge, a purge without scope or a desired IP outside it; the read's error;
/// [`Error::Unsupported`] from a provider that cannot list, when purging.
pub async fn plan<P: PtrProvider>(
    provider: &P,
    desired: &[PtrRecord],
    options: &PlanOptions,
) -> Result<Plan, Error> {
    if !desired.is_empty() {
        let changes: Vec<PtrChange> = desired.iter().cloned().map(PtrChange::from).collect();
        validate_changes(&changes)?;
    } else if !options.purge {
        return Err(Error::validation(
            "desired",
            "nothing to plan: the list is empty",
        ));
    }
    let current: BTreeMap<IpAddr, PtrRecord> = if options.purge {
        if options.scope.is_empty() {
            return Err(Error::validation(
                "scope",
                "a purge needs at least one address block",
            ));
        }
        if let Some(outside) = desired.iter().find(|d| !in_scope(&options.scope, d.ip)) {
            return Err(Error::validation(
                "desired",
                format!("{} lies outside the purge scope", outside.ip),
            ));
        }
        list_in(provider, &options.scope)
            .await?
            .into_iter()
            .map(|r| (r.ip, r))
            .collect()
    } else {
        let ips: Vec<IpAddr> = desired.iter().map(|r| r.ip).collect();
        provider
            .get(&ips)
            .await?
            .into_iter()
            .filter_map(|(ip, r)| r.map(|r| (ip, r)))
            .collect()
    };

    let mut plan = Plan {
        creates: Vec::new(),
        updates: Vec::new(),
        deletes: Vec::new(),
        unchanged: Vec::new(),
        existing: current.len(),
    };
    for d in desired {
        match current.get(&d.ip) {
            Some(c) if satisfies(Some(c), d) => plan.unchanged.push(d.clone()),
            Some(c) => plan.updates.push(PlannedUpdate {
                from: c.clone(),
                to: d.clone(),
            }),
            None => plan.creates.push(d.clone()),
        }
    }
    if options.purge {
        let wanted: BTreeSet<IpAddr> = desired.iter().map(|d| d.ip).collect();
        plan.deletes = current
            .into_values()
            .filter(|r| !wanted.contains(&r.ip))
            .collect();
    }
    Ok(plan)
}

/// Every PTR the provider lists inside `scope` (an empty scope: all of
/// them), ordered by address.
///
/// # Errors
///
/// The listing's error; [`Error::Unsupported`] from a provider that cannot
/// list.
pub async fn list_in<P: PtrProvider>(
    provider: &P,
    scope: &[IpPrefix],
) -> Result<Vec<PtrRecord>, Error> {
    let mut records: Vec<PtrRecord> = provider
        .list()
        .try_filter(|r| std::future::ready(in_scope(scope, r.ip)))
        .try_collect()
        .await?;
    records.sort_by_key(|r| r.ip);
    Ok(records)
}

/// Applies a [`Plan`] after checking its safety threshold.
///
/// The report holds the provider's result for every change of
/// [`Plan::changes`], then `Unchanged` for each unchanged record.
///
/// # Errors
///
/// [`Error::TooManyChanges`] (nothing sent) when the plan is over the
/// threshold and not forced; [`Error::Validation`] from the provider.
pub async fn apply_plan<P: PtrProvider>(
    provider: &P,
    plan: &Plan,
    options: &PlanOptions,
) -> Result<ApplyReport, Error> {
    apply_plan_with_progress(provider, plan, options, &|_, _, _| {}).await
}

/// [`apply_plan`], calling `progress` as each change of
/// [`Plan::changes`] completes (see
/// [`PtrProvider::apply_with_progress`]): its index in `Plan::changes`, the
/// change and its outcome. The unchanged records are not reported to it.
///
/// # Errors
///
/// As [`apply_plan`].
pub async fn apply_plan_with_progress<P: PtrProvider>(
    provider: &P,
    plan: &Plan,
    options: &PlanOptions,
    progress: &Progress<'_>,
) -> Result<ApplyReport, Error> {
    plan.check_safety(provider.id(), options)?;
    let changes = plan.changes();
    let mut report = if changes.is_empty() {
        ApplyReport::new()
    } else {
        provider.apply_with_progress(&changes, progress).await?
    };
    for record in &plan.unchanged {
        report.push(PtrChange::from(record.clone()), Outcome::Unchanged);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::stream::{self, BoxStream, StreamExt};

    use super::*;
    use crate::{Capabilities, Enumeration, ProviderId};

    /// A provider whose state is a map, counting the writes it receives, and
    /// refusing the IPs in `refused` like an account that does not own them.
    #[derive(Default)]
    struct Memory {
        records: Mutex<BTreeMap<IpAddr, PtrRecord>>,
        refused: BTreeSet<IpAddr>,
        writes: AtomicUsize,
    }

    impl Memory {
        fn with(records: &[PtrRecord]) -> Self {
            let m = Self::default();
            m.records
                .lock()
                .unwrap()
                .extend(records.iter().map(|r| (r.ip, r.clone())));
            m
        }
        fn writes(&self) -> usize {
            self.writes.load(Ordering::SeqCst)
        }
    }

    impl PtrProvider for Memory {
        fn id(&self) -> ProviderId {
            ProviderId::Ionos
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::new().with_enumeration(Enumeration::Full)
        }
        async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
            let records = self.records.lock().unwrap();
            Ok(ips
                .iter()
                .map(|ip| (*ip, records.get(ip).cloned()))
                .collect())
        }
        fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
            let all: Vec<_> = self
                .records
                .lock()
                .unwrap()
                .values()
                .cloned()
                .map(Ok)
                .collect();
            stream::iter(all).boxed()
        }
        /// Compares before it writes, as the trait asks; `writes` counts
        /// the changes that reached the store (or its refusal).
        async fn apply_with_gate(
            &self,
            changes: &[PtrChange],
            gate: Option<&crate::Gate<'_>>,
            _progress: &crate::apply::Progress<'_>,
        ) -> Result<crate::Gated, Error> {
            validate_changes(changes)?;
            let mut report = ApplyReport::new();
            let mut records = self.records.lock().unwrap();
            let asked = crate::gate::ask(gate, || {
                crate::gate::plan_of(changes, |ip| Some(records.get(&ip).cloned()))
            });
            let plan = match asked {
                Ok(plan) => plan,
                Err(plan) => return Ok(crate::Gated::Declined { plan }),
            };
            for change in changes {
                let current = records.get(&change.ip());
                let outcome = match change {
                    PtrChange::Upsert {
                        ip,
                        target,
                        ttl,
                        comment,
                    } => {
                        let ip = *ip;
                        let desired = PtrRecord {
                            ip,
                            target: target.clone(),
                            ttl: *ttl,
                            comment: comment.clone(),
                        };
                        if satisfies(current, &desired) {
                            Outcome::Unchanged
                        } else if self.refused.contains(&ip) {
                            self.writes.fetch_add(1, Ordering::SeqCst);
                            Outcome::Failed(Error::forbidden(self.id(), "not owned"))
                        } else {
                            self.writes.fetch_add(1, Ordering::SeqCst);
                            match records.insert(ip, desired) {
                                Some(_) => Outcome::Updated,
                                None => Outcome::Created,
                            }
                        }
                    }
                    PtrChange::Delete { .. } if current.is_none() => Outcome::Unchanged,
                    PtrChange::Delete { ip } => {
                        self.writes.fetch_add(1, Ordering::SeqCst);
                        records.remove(ip);
                        Outcome::Deleted
                    }
                };
                report.push(change.clone(), outcome);
            }
            Ok(crate::Gated::Applied { plan, report })
        }
    }

    fn rec(ip: &str, host: &str) -> PtrRecord {
        PtrRecord::new(ip.parse().unwrap(), host.parse().unwrap())
    }

    fn records(n: u8, host: &str) -> Vec<PtrRecord> {
        (1..=n)
            .map(|i| rec(&format!("192.0.2.{i}"), &format!("h{i}.{host}")))
            .collect()
    }

    #[tokio::test]
    async fn ungated_applies_go_through_the_gate_path_and_a_gate_can_decline() {
        let memory = Memory::with(&[rec("192.0.2.1", "old.example.net")]);
        let changes = [
            PtrChange::from(rec("192.0.2.1", "new.example.net")),
            PtrChange::from(rec("192.0.2.2", "b.example.net")),
        ];
        let gated = memory
            .apply_gated(&changes, &|_| false, &|_, _, _| {})
            .await
            .unwrap();
        let crate::Gated::Declined { plan } = gated else {
            panic!("declined, yet applied");
        };
        assert_eq!(
            (plan.creates.len(), plan.updates.len(), plan.existing),
            (1, 1, 1)
        );
        assert_eq!(memory.writes(), 0);
        let gated = memory
            .apply_gated(&changes, &|_| true, &|_, _, _| {})
            .await
            .unwrap();
        let crate::Gated::Applied { report, .. } = gated else {
            panic!("accepted, yet not applied");
        };
        assert_eq!(report.counts().created + report.counts().updated, 2);
        assert_eq!(memory.writes(), 2);
    }

    #[tokio::test]
    async fn ensure_of_matching_records_writes_nothing() {
        let existing = records(5, "example.net");
        let memory = Memory::with(&existing);
        let report = ensure(&memory, &existing).await.unwrap();
        assert_eq!(report.counts().unchanged, 5);
        assert_eq!(memory.writes(), 0);
    }

    #[tokio::test]
    async fn ensure_writes_only_what_differs_and_keeps_input_order() {
        let memory = Memory::with(&records(3, "example.net"));
        let desired = vec![
            rec("192.0.2.1", "h1.example.net"),
            rec("192.0.2.2", "changed.example.net"),
            rec("192.0.2.9", "new.example.net"),
        ];
        let report = ensure(&memory, &desired).await.unwrap();
        let outcomes: Vec<_> = report.iter().map(|r| format!("{:?}", r.outcome)).collect();
        assert_eq!(outcomes, ["Unchanged", "Updated", "Created"]);
        assert_eq!(memory.writes(), 2);
    }

    #[tokio::test]
    async fn ensure_compares_ttl_and_comment_only_when_given() {
        let memory = Memory::with(&[rec("192.0.2.1", "a.example.net").with_ttl(300)]);
        let same = ensure(&memory, &[rec("192.0.2.1", "a.example.net")])
            .await
            .unwrap();
        assert_eq!(same.counts().unchanged, 1);
        let ttl = ensure(&memory, &[rec("192.0.2.1", "a.example.net").with_ttl(600)])
            .await
            .unwrap();
        assert_eq!(ttl.counts().updated, 1);
    }

    #[tokio::test]
    async fn ensure_reports_partial_failure_per_ip() {
        let mut memory = Memory::default();
        memory.refused.insert("192.0.2.7".parse().unwrap());
        let report = ensure(&memory, &records(10, "example.net")).await.unwrap();
        assert_eq!(report.counts().created, 9);
        let failed: Vec<_> = report
            .failures()
            .map(|r| r.change.ip().to_string())
            .collect();
        assert_eq!(failed, ["192.0.2.7"]);
    }

    #[tokio::test]
    async fn ensure_rejects_duplicate_ips_before_any_request() {
        let memory = Memory::default();
        let err = ensure(
            &memory,
            &[
                rec("192.0.2.1", "a.example.net"),
                rec("192.0.2.1", "b.example.net"),
            ],
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Validation { .. }));
        assert_eq!(memory.writes(), 0);
    }

    #[tokio::test]
    async fn remove_is_idempotent_and_skips_absent_ips() {
        let memory = Memory::with(&records(2, "example.net"));
        let ips: Vec<IpAddr> = ["192.0.2.1", "192.0.2.50"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let report = remove(&memory, &ips).await.unwrap();
        let outcomes: Vec<_> = report.iter().map(|r| format!("{:?}", r.outcome)).collect();
        assert_eq!(outcomes, ["Deleted", "Unchanged"]);
        assert_eq!(memory.writes(), 1);
        let again = remove(&memory, &ips).await.unwrap();
        assert_eq!(again.counts().unchanged, 2);
        assert_eq!(memory.writes(), 1);
    }

    #[tokio::test]
    async fn plan_without_purge_touches_only_listed_ips() {
        let memory = Memory::with(&records(20, "example.net"));
        let desired = vec![rec("192.0.2.1", "other.example.net")];
        let plan = plan(&memory, &desired, &PlanOptions::new()).await.unwrap();
        assert_eq!(plan.updates.len(), 1);
        assert!(plan.deletes.is_empty());
        assert_eq!(plan.existing, 1);
        assert_eq!(memory.writes(), 0, "planning sends nothing");
    }

    #[tokio::test]
    async fn purge_plan_deletes_unlisted_records_in_scope_only() {
        let mut all = records(4, "example.net");
        all.push(rec("198.51.100.1", "outside.example.net"));
        let memory = Memory::with(&all);
        let options = PlanOptions::new()
            .purge(["192.0.2.0/24".parse().unwrap()])
            .min_existing(100);
        let plan = plan(&memory, &all[..2], &options).await.unwrap();
        let deleted: Vec<_> = plan.deletes.iter().map(|r| r.ip.to_string()).collect();
        assert_eq!(deleted, ["192.0.2.3", "192.0.2.4"]);
        assert_eq!(plan.unchanged.len(), 2);
        let report = apply_plan(&memory, &plan, &options).await.unwrap();
        assert_eq!(report.counts().deleted, 2);
        assert_eq!(report.len(), 4);
        assert!(
            memory
                .records
                .lock()
                .unwrap()
                .contains_key(&"198.51.100.1".parse().unwrap())
        );
    }

    #[tokio::test]
    async fn safety_threshold_refuses_large_plans_unless_forced() {
        let memory = Memory::with(&records(10, "example.net"));
        // 4 of 10 existing records change: 40 % > 30 %.
        let mut desired = records(10, "example.net");
        for r in &mut desired[..4] {
            r.target = "moved.example.net".parse().unwrap();
        }
        let options = PlanOptions::new();
        let plan = plan(&memory, &desired, &options).await.unwrap();
        let err = apply_plan(&memory, &plan, &options).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooManyChanges {
                    changes: 4,
                    existing: 10,
                    max_percent: 30,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("4 of 10"));
        assert_eq!(memory.writes(), 0);
        let report = apply_plan(&memory, &plan, &options.force(true))
            .await
            .unwrap();
        assert_eq!(report.counts().updated, 4);
    }

    #[tokio::test]
    async fn safety_threshold_ignores_small_zones_and_creates() {
        let memory = Memory::with(&records(3, "example.net"));
        let mut desired = records(3, "moved.example.net");
        desired.extend((100..150).map(|i| rec(&format!("192.0.2.{i}"), "new.example.net")));
        let options = PlanOptions::new();
        let plan = plan(&memory, &desired, &options).await.unwrap();
        apply_plan(&memory, &plan, &options).await.unwrap();
    }

    #[tokio::test]
    async fn purge_needs_a_scope_that_holds_every_desired_ip() {
        let memory = Memory::default();
        let no_scope = PlanOptions::new().purge([]);
        assert!(plan(&memory, &[], &no_scope).await.is_err());
        let narrow = PlanOptions::new().purge(["198.51.100.0/24".parse().unwrap()]);
        let err = plan(&memory, &records(1, "example.net"), &narrow)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("192.0.2.1"), "{err}");
    }

    #[test]
    fn satisfies_compares_what_the_change_gives_and_takes_an_empty_comment_as_none() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let host = crate::Hostname::new("a.example.net").unwrap();
        let stored = PtrRecord::new(ip, host.clone()).with_ttl(300);
        assert!(satisfies(Some(&stored), &PtrRecord::new(ip, host.clone())));
        assert!(!satisfies(
            Some(&stored),
            &PtrRecord::new(ip, host.clone()).with_ttl(60)
        ));
        assert!(satisfies(
            Some(&stored),
            &PtrRecord::new(ip, host.clone()).with_comment("")
        ));
        assert!(!satisfies(
            Some(&stored),
            &PtrRecord::new(ip, host.clone()).with_comment("web")
        ));
        let commented = stored.clone().with_comment("web");
        assert!(!satisfies(
            Some(&commented),
            &PtrRecord::new(ip, host.clone()).with_comment("")
        ));
        assert!(!satisfies(None, &PtrRecord::new(ip, host)));
    }
}
