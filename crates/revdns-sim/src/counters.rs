//! Request counters per operation, named by the providers' operationIds,
//! and the most requests of each provider served at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use revdns_core::ProviderId;

/// Every operation the simulator serves. The names are the operationIds of
/// the vendored specs (EDIS, IONOS) and of the ECL client's spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    EdisAuth,
    EdisGet,
    EdisSet,
    EdisDelete,
    IonosList,
    IonosPost,
    IonosFind,
    IonosPut,
    IonosDelete,
    EclToken,
    EclListZones,
    EclCreateZone,
    EclShowZone,
    EclUpdateZone,
    EclDeleteZone,
    EclNameservers,
    EclListRecordsets,
    EclCreateRecordset,
    EclShowRecordset,
    EclUpdateRecordset,
    EclDeleteRecordset,
    EclDeleteRecordsets,
}

impl Op {
    pub(crate) const ALL: [Op; 22] = [
        Op::EdisAuth,
        Op::EdisGet,
        Op::EdisSet,
        Op::EdisDelete,
        Op::IonosList,
        Op::IonosPost,
        Op::IonosFind,
        Op::IonosPut,
        Op::IonosDelete,
        Op::EclToken,
        Op::EclListZones,
        Op::EclCreateZone,
        Op::EclShowZone,
        Op::EclUpdateZone,
        Op::EclDeleteZone,
        Op::EclNameservers,
        Op::EclListRecordsets,
        Op::EclCreateRecordset,
        Op::EclShowRecordset,
        Op::EclUpdateRecordset,
        Op::EclDeleteRecordset,
        Op::EclDeleteRecordsets,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Op::EdisAuth => "createAuthSession",
            Op::EdisGet => "getPTR",
            Op::EdisSet => "setPTR",
            Op::EdisDelete => "deletePTR",
            Op::IonosList => "reverserecordsGet",
            Op::IonosPost => "reverserecordsPost",
            Op::IonosFind => "reverserecordsFindById",
            Op::IonosPut => "reverserecordsPut",
            Op::IonosDelete => "reverserecordsDelete",
            Op::EclToken => "createToken",
            Op::EclListZones => "listZones",
            Op::EclCreateZone => "createZone",
            Op::EclShowZone => "showZone",
            Op::EclUpdateZone => "updateZone",
            Op::EclDeleteZone => "deleteZone",
            Op::EclNameservers => "listZoneNameservers",
            Op::EclListRecordsets => "listRecordsets",
            Op::EclCreateRecordset => "createRecordset",
            Op::EclShowRecordset => "showRecordset",
            Op::EclUpdateRecordset => "updateRecordset",
            Op::EclDeleteRecordset => "deleteRecordset",
            Op::EclDeleteRecordsets => "deleteRecordsets",
        }
    }

    pub(crate) const fn provider(self) -> ProviderId {
        match self {
            Op::EdisAuth | Op::EdisGet | Op::EdisSet | Op::EdisDelete => ProviderId::Edis,
            Op::IonosList | Op::IonosPost | Op::IonosFind | Op::IonosPut | Op::IonosDelete => {
                ProviderId::Ionos
            }
            _ => ProviderId::Ecl,
        }
    }

    /// The list and get operations (whose answers
    /// [`Faults::oversized_bodies`](crate::Faults::oversized_bodies) pads).
    pub(crate) const fn is_read(self) -> bool {
        matches!(
            self,
            Op::EdisGet
                | Op::IonosList
                | Op::IonosFind
                | Op::EclListZones
                | Op::EclShowZone
                | Op::EclNameservers
                | Op::EclListRecordsets
                | Op::EclShowRecordset
        )
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// One atomic counter per [`Op`]; counting never takes a lock.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    counts: [AtomicU64; Op::ALL.len()],
    /// Requests of EDIS, IONOS and ECL being served now.
    served: [Arc<Gauge>; 3],
}

/// Requests between their arrival and their answer, and the most at once.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    now: AtomicU64,
    most: AtomicU64,
}

/// One request being served; dropped when its answer goes out (or the
/// client went away).
#[derive(Debug)]
pub(crate) struct Serving(Arc<Gauge>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Counters {
    pub(crate) fn record(&self, op: Op) {
        self.counts[op.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request of `op`'s provider as being served until the
    /// returned guard drops.
    pub(crate) fn serving(&self, op: Op) -> Option<Serving> {
        let gauge = &self.served[gauge_index(op.provider())?];
        let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
        gauge.most.fetch_max(now, Ordering::SeqCst);
        Some(Serving(Arc::clone(gauge)))
    }

    /// The most requests of `provider` served at once since the start or
    /// the last reset.
    pub(crate) fn most_served(&self, provider: ProviderId) -> u64 {
        gauge_index(provider).map_or(0, |i| self.served[i].most.load(Ordering::SeqCst))
    }

    pub(crate) fn get(&self, provider: ProviderId, name: &str) -> u64 {
        Op::ALL
            .iter()
            .find(|op| op.provider() == provider && op.name() == name)
            .map_or(0, |op| self.counts[op.index()].load(Ordering::Relaxed))
    }

    pub(crate) fn snapshot(&self) -> BTreeMap<(ProviderId, &'static str), u64> {
        Op::ALL
            .iter()
            .filter_map(|&op| {
                let n = self.counts[op.index()].load(Ordering::Relaxed);
                (n > 0).then_some(((op.provider(), op.name()), n))
            })
            .collect()
    }

    pub(crate) fn reset(&self) {
        for c in &self.counts {
            c.store(0, Ordering::Relaxed);
        }
        for gauge in &self.served {
            gauge
                .most
                .store(gauge.now.load(Ordering::SeqCst), Ordering::SeqCst);
        }
    }
}

fn gauge_index(provider: ProviderId) -> Option<usize> {
    match provider {
        ProviderId::Edis => Some(0),
        ProviderId::Ionos => Some(1),
        ProviderId::Ecl => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_all_is_in_declaration_order() {
        for (i, op) in Op::ALL.iter().enumerate() {
            assert_eq!(op.index(), i);
        }
    }

    #[test]
    fn counters_count_per_provider_and_name() {
        let c = Counters::default();
        c.record(Op::EdisSet);
        c.record(Op::EdisSet);
        c.record(Op::EclToken);
        assert_eq!(c.get(ProviderId::Edis, "setPTR"), 2);
        assert_eq!(c.get(ProviderId::Ionos, "setPTR"), 0);
        assert_eq!(c.get(ProviderId::Ecl, "createToken"), 1);
        assert_eq!(c.get(ProviderId::Ecl, "noSuchOperation"), 0);
        let snap = c.snapshot();
        assert_eq!(snap.len(), 2);
        assert_eq!(snap[&(ProviderId::Edis, "setPTR")], 2);
        c.reset();
        assert!(c.snapshot().is_empty());
    }
}
