//! Gated applies: the provider reads what the changes touch, shows the
//! [`Plan`] of them to a [`Gate`], and writes only if the gate agrees.
//!
//! This is how a caller confirms (or checks a threshold) before writing
//! without reading twice: the read that decides what to write is the one
//! the plan was made from. `revdns apply` asks its question here, so it
//! costs what [`ensure`](crate::ensure) costs.

use std::net::IpAddr;

use crate::sync::{Plan, PlannedUpdate, satisfies};
use crate::{ApplyReport, PtrChange, PtrRecord};

/// Called once, after the read and before any write, with the plan of the
/// changes; `true` lets the writes go ahead. It runs on the apply's task,
/// so one that waits for a person should do so in `block_in_place`.
pub type Gate<'a> = dyn Fn(&Plan) -> bool + Send + Sync + 'a;

/// What a gated apply came to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Gated {
    /// The gate agreed; the report holds one result per change, as
    /// [`PtrProvider::apply`](crate::PtrProvider::apply)'s does.
    Applied {
        /// The plan the gate saw.
        plan: Plan,
        /// What happened to each change.
        report: ApplyReport,
    },
    /// The gate refused: nothing was written.
    Declined {
        /// The plan the gate saw.
        plan: Plan,
    },
}

impl Gated {
    /// The plan the gate saw.
    pub fn plan(&self) -> &Plan {
        match self {
            Gated::Applied { plan, .. } | Gated::Declined { plan } => plan,
        }
    }
}

/// For a provider's apply, after its read: asks `gate` (when there is one)
/// with the plan `plan` builds. `Ok(plan)` to go on writing (the default,
/// empty plan when there is no gate), `Err(plan)` when the gate declined.
///
/// # Errors
///
/// The declined plan.
pub fn ask(gate: Option<&Gate<'_>>, plan: impl FnOnce() -> Plan) -> Result<Plan, Plan> {
    match gate {
        None => Ok(Plan::default()),
        Some(gate) => {
            let plan = plan();
            if gate(&plan) { Ok(plan) } else { Err(plan) }
        }
    }
}

/// The report of an apply run without a gate (which cannot decline).
///
/// # Errors
///
/// The apply's error.
pub fn ungated(
    result: Result<Gated, crate::Error>,
    provider: crate::ProviderId,
) -> Result<ApplyReport, crate::Error> {
    match result? {
        Gated::Applied { report, .. } => Ok(report),
        Gated::Declined { .. } => Err(crate::Error::internal(
            Some(provider),
            "an apply without a gate was declined",
        )),
    }
}

/// The plan of `changes` given what the provider holds for their IPs:
/// `current(ip)` is `Some(None)` for no PTR, `Some(Some(record))` for one,
/// and `None` when the read failed (such a change is left out of the plan;
/// its failure is in the report).
///
/// `existing` counts the changes' IPs that hold a PTR. A delete of an
/// absent PTR appears nowhere: it has no record to show.
pub fn plan_of<'a>(
    changes: impl IntoIterator<Item = &'a PtrChange>,
    current: impl Fn(IpAddr) -> Option<Option<PtrRecord>>,
) -> Plan {
    let mut plan = Plan {
        creates: Vec::new(),
        updates: Vec::new(),
        deletes: Vec::new(),
        unchanged: Vec::new(),
        existing: 0,
    };
    for change in changes {
        let Some(now) = current(change.ip()) else {
            continue;
        };
        if now.is_some() {
            plan.existing += 1;
        }
        match (change.desired(), now) {
            (Some(desired), now) if satisfies(now.as_ref(), &desired) => {
                plan.unchanged.push(desired);
            }
            (Some(desired), Some(from)) => plan.updates.push(PlannedUpdate { from, to: desired }),
            (Some(desired), None) => plan.creates.push(desired),
            (None, Some(record)) => plan.deletes.push(record),
            (None, None) => {}
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn rec(a: &str, t: &str) -> PtrRecord {
        PtrRecord::new(ip(a), t.parse().unwrap())
    }

    #[test]
    fn a_plan_sorts_changes_by_what_the_read_found() {
        let current: BTreeMap<IpAddr, Option<PtrRecord>> = [
            (ip("192.0.2.1"), None),
            (ip("192.0.2.2"), Some(rec("192.0.2.2", "old.example.net"))),
            (ip("192.0.2.3"), Some(rec("192.0.2.3", "same.example.net"))),
            (ip("192.0.2.4"), Some(rec("192.0.2.4", "gone.example.net"))),
            (ip("192.0.2.5"), None),
        ]
        .into_iter()
        .collect();
        let changes = [
            PtrChange::from(rec("192.0.2.1", "new.example.net")),
            PtrChange::from(rec("192.0.2.2", "new.example.net")),
            PtrChange::from(rec("192.0.2.3", "same.example.net")),
            PtrChange::delete(ip("192.0.2.4")),
            PtrChange::delete(ip("192.0.2.5")),
            // Its read failed: not in the plan.
            PtrChange::from(rec("192.0.2.6", "x.example.net")),
        ];
        let plan = plan_of(&changes, |a| current.get(&a).cloned());
        assert_eq!(plan.creates, vec![rec("192.0.2.1", "new.example.net")]);
        assert_eq!(plan.updates.len(), 1);
        assert_eq!(plan.updates[0].from, rec("192.0.2.2", "old.example.net"));
        assert_eq!(plan.unchanged, vec![rec("192.0.2.3", "same.example.net")]);
        assert_eq!(plan.deletes, vec![rec("192.0.2.4", "gone.example.net")]);
        assert_eq!(plan.existing, 3);
    }
}
