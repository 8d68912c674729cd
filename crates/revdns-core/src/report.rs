//! [`ApplyReport`]: what happened to each change of an apply.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::{Error, PtrChange};

/// What happened to one change.
///
/// Serialises as `{"result": "created"}` (`updated`, `deleted`,
/// `unchanged`), or `{"result": "failed", "error": {...}}` with the
/// [`Error`]'s serialised form.
#[non_exhaustive]
#[derive(Debug)]
pub enum Outcome {
    /// A PTR was created where there was none.
    Created,
    /// An existing PTR was changed.
    Updated,
    /// A PTR was removed.
    Deleted,
    /// Nothing needed doing (same target, or delete of a missing PTR).
    Unchanged,
    /// The change failed; the error says why.
    Failed(Error),
}

impl Outcome {
    /// The stable lower-case name: `created`, `updated`, `deleted`,
    /// `unchanged` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Deleted => "deleted",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed(_) => "failed",
        }
    }

    /// Everything except [`Outcome::Failed`].
    pub fn is_success(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    /// The error of a failed change.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Outcome::Failed(e) => Some(e),
            _ => None,
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Outcome", 2)?;
        s.serialize_field("result", self.name())?;
        match self.error() {
            Some(e) => s.serialize_field("error", e)?,
            None => s.skip_field("error")?,
        }
        s.end()
    }
}

/// One change and its outcome. Serialises as `{"change": ..., "outcome": ...}`.
#[non_exhaustive]
#[derive(Debug, Serialize)]
pub struct ChangeResult {
    /// The change as given to `apply`.
    pub change: PtrChange,
    /// What happened to it.
    pub outcome: Outcome,
}

/// The result of [`PtrProvider::apply`](crate::PtrProvider::apply): exactly one
/// [`ChangeResult`] per change, in input order. A partial failure is never
/// hidden: it is a [`Outcome::Failed`] entry, not an `Err` of the whole apply.
///
/// ```
/// use revdns_core::{ApplyReport, Error, Outcome, ProviderId, PtrChange};
///
/// let mut report = ApplyReport::new();
/// report.push(PtrChange::delete("192.0.2.1".parse()?), Outcome::Deleted);
/// report.push(
///     PtrChange::delete("192.0.2.2".parse()?),
///     Outcome::Failed(Error::timeout(ProviderId::Ionos)),
/// );
/// assert!(!report.is_success());
/// assert_eq!(report.failures().count(), 1);
/// assert_eq!(
///     report.counts().to_string(),
///     "0 created, 0 updated, 1 deleted, 0 unchanged, 1 failed"
/// );
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
///
/// Serialises as `{"results": [...], "counts": {...}}`.
#[derive(Debug, Default)]
pub struct ApplyReport {
    results: Vec<ChangeResult>,
}

impl Serialize for ApplyReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ApplyReport", 2)?;
        s.serialize_field("results", &self.results)?;
        s.serialize_field("counts", &self.counts())?;
        s.end()
    }
}

impl ApplyReport {
    /// An empty report.
    pub fn new() -> Self {
        ApplyReport::default()
    }

    /// An empty report with room for `n` results.
    pub fn with_capacity(n: usize) -> Self {
        ApplyReport {
            results: Vec::with_capacity(n),
        }
    }

    /// Appends the outcome of the next change; providers push in input order.
    pub fn push(&mut self, change: PtrChange, outcome: Outcome) {
        self.results.push(ChangeResult { change, outcome });
    }

    /// The results, in input order.
    pub fn results(&self) -> &[ChangeResult] {
        &self.results
    }

    /// The results, in input order, by value.
    pub fn into_results(self) -> Vec<ChangeResult> {
        self.results
    }

    /// Number of results.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// Whether there are no results.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// Whether every change succeeded (true for an empty report).
    pub fn is_success(&self) -> bool {
        self.results.iter().all(|r| r.outcome.is_success())
    }

    /// The failed results, in input order.
    pub fn failures(&self) -> impl Iterator<Item = &ChangeResult> + '_ {
        self.results.iter().filter(|r| !r.outcome.is_success())
    }

    /// How many results have each outcome.
    pub fn counts(&self) -> ReportCounts {
        let mut c = ReportCounts::default();
        for r in &self.results {
            match r.outcome {
                Outcome::Created => c.created += 1,
                Outcome::Updated => c.updated += 1,
                Outcome::Deleted => c.deleted += 1,
                Outcome::Unchanged => c.unchanged += 1,
                Outcome::Failed(_) => c.failed += 1,
            }
        }
        c
    }

    /// The result for `ip` (the first one, should a report hold several).
    pub fn get(&self, ip: IpAddr) -> Option<&ChangeResult> {
        self.results.iter().find(|r| r.change.ip() == ip)
    }

    /// Iterates over the results in input order.
    pub fn iter(&self) -> std::slice::Iter<'_, ChangeResult> {
        self.results.iter()
    }
}

impl IntoIterator for ApplyReport {
    type Item = ChangeResult;
    type IntoIter = std::vec::IntoIter<ChangeResult>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

impl<'a> IntoIterator for &'a ApplyReport {
    type Item = &'a ChangeResult;
    type IntoIter = std::slice::Iter<'a, ChangeResult>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.iter()
    }
}

impl FromIterator<ChangeResult> for ApplyReport {
    fn from_iter<T: IntoIterator<Item = ChangeResult>>(iter: T) -> Self {
        ApplyReport {
            results: iter.into_iter().collect(),
        }
    }
}

/// Outcome counts of an [`ApplyReport`]. Displays as
/// `2 created, 1 updated, 0 deleted, 5 unchanged, 1 failed`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ReportCounts {
    /// Changes that created a PTR.
    pub created: usize,
    /// Changes that replaced a PTR.
    pub updated: usize,
    /// Changes that removed a PTR.
    pub deleted: usize,
    /// Changes that needed nothing.
    pub unchanged: usize,
    /// Changes that failed.
    pub failed: usize,
}

impl fmt::Display for ReportCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} deleted, {} unchanged, {} failed",
            self.created, self.updated, self.deleted, self.unchanged, self.failed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Hostname, ProviderId};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn sample() -> ApplyReport {
        let host = Hostname::new("host.example.net").unwrap();
        let mut r = ApplyReport::new();
        r.push(
            PtrChange::upsert(ip("192.0.2.1"), host.clone()),
            Outcome::Created,
        );
        r.push(
            PtrChange::upsert(ip("192.0.2.2"), host.clone()),
            Outcome::Created,
        );
        r.push(PtrChange::upsert(ip("192.0.2.3"), host), Outcome::Updated);
        r.push(PtrChange::delete(ip("2001:db8::1")), Outcome::Unchanged);
        r.push(
            PtrChange::delete(ip("2001:db8::2")),
            Outcome::Failed(Error::conflict(ProviderId::Ecl, "busy")),
        );
        r
    }

    #[test]
    fn report_counts_display() {
        let c = sample().counts();
        assert_eq!(
            c.to_string(),
            "2 created, 1 updated, 0 deleted, 1 unchanged, 1 failed"
        );
    }

    #[test]
    fn report_keeps_input_order() {
        let ips: Vec<IpAddr> = sample().into_iter().map(|r| r.change.ip()).collect();
        assert_eq!(
            ips,
            [
                ip("192.0.2.1"),
                ip("192.0.2.2"),
                ip("192.0.2.3"),
                ip("2001:db8::1"),
                ip("2001:db8::2")
            ]
        );
    }

    #[test]
    fn report_with_failure_is_not_success() {
        let r = sample();
        assert!(!r.is_success());
        assert_eq!(r.len(), 5);
        let failed: Vec<_> = r.failures().map(|f| f.change.ip()).collect();
        assert_eq!(failed, [ip("2001:db8::2")]);
        assert!(r.failures().next().unwrap().outcome.error().is_some());
    }

    #[test]
    fn report_get_finds_by_ip() {
        let r = sample();
        assert!(matches!(
            r.get(ip("192.0.2.3")).unwrap().outcome,
            Outcome::Updated
        ));
        assert!(r.get(ip("198.51.100.1")).is_none());
        assert_eq!((&r).into_iter().count(), r.iter().count());
    }

    #[test]
    fn report_empty_is_success() {
        let r = ApplyReport::new();
        assert!(r.is_empty() && r.is_success());
        assert_eq!(r.counts(), ReportCounts::default());
    }

    #[test]
    fn report_serialises_with_stable_fields() {
        let mut report = ApplyReport::new();
        report.push(
            PtrChange::delete("192.0.2.1".parse().unwrap()),
            Outcome::Deleted,
        );
        report.push(
            PtrChange::delete("192.0.2.2".parse().unwrap()),
            Outcome::Failed(Error::timeout(crate::ProviderId::Ecl)),
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["results"][0],
            serde_json::json!({"change": {"op": "delete", "ip": "192.0.2.1"}, "outcome": {"result": "deleted"}})
        );
        assert_eq!(json["results"][1]["outcome"]["result"], "failed");
        assert_eq!(json["results"][1]["outcome"]["error"]["kind"], "timeout");
        assert_eq!(json["counts"]["deleted"], 1);
        assert_eq!(json["counts"]["failed"], 1);
    }
}
